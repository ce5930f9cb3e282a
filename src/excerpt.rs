//! The start of a text a server sent, cut to a readable length and with its secrets scrubbed:
//! what errors, `Debug` and logs hold of server text.

/// How much of a response body an error keeps.
pub(crate) const BODY_EXCERPT: usize = 512;

/// The start of `body`, lossily decoded, cut at a character boundary, with the values of the
/// secret fields an answer may carry (S3Login's `SecretKey` and `SessionID`, a download query)
/// replaced by `***`.
pub(crate) fn excerpt(body: &[u8]) -> String {
    scrub_secret_fields(excerpt_of(body, BODY_EXCERPT))
}

/// The JSON fields whose values are secrets.
const SECRET_FIELDS: [&str; 5] = ["\"SecretKey\"", "\"SessionID\"", "\"Secret\"", "\"DownloadQuery\"", "\"Password\""];

/// `"SecretKey":"abc"` becomes `"SecretKey":"***"`, also when the excerpt cuts the value.
fn scrub_secret_fields(mut text: String) -> String {
    for field in SECRET_FIELDS {
        let mut from = 0;
        while let Some(at) = text[from..].find(field).map(|i| i + from) {
            let rest = &text[at + field.len()..];
            let after_colon = rest.len() - rest.trim_start().len();
            let Some(value) = rest.trim_start().strip_prefix(':') else {
                from = at + field.len();
                continue;
            };
            let ws = value.len() - value.trim_start().len();
            let start = at + field.len() + after_colon + 1 + ws;
            if !text[start..].starts_with('"') {
                from = start;
                continue;
            }
            // The closing quote (not an escaped one), or the end of the excerpt.
            let bytes = text.as_bytes();
            let mut end = start + 1;
            while end < bytes.len() && !(bytes[end] == b'"' && bytes[end - 1] != b'\\') {
                end += 1;
            }
            let close = if end < bytes.len() { "\"" } else { "" };
            text.replace_range(start..(end + close.len()).min(text.len()), &format!("\"***{close}"));
            from = start + 4;
        }
    }
    text
}

/// The start of `text`, at most `limit` bytes, lossily decoded, cut at a character boundary,
/// with `…` when something was cut.
pub(crate) fn excerpt_of(body: &[u8], limit: usize) -> String {
    let mut cut = &body[..body.len().min(limit)];
    // Drop a character cut in half at the end, rather than show it as U+FFFD.
    if let Err(e) = std::str::from_utf8(cut)
        && e.error_len().is_none()
    {
        cut = &cut[..e.valid_up_to()];
    }
    let mut text = String::from_utf8_lossy(cut).into_owned();
    if body.len() > limit {
        text.push('…');
    }
    text
}

/// How much of one field's `Debug` an error shows: server text (ids, names, messages) can be
/// megabytes, and a log line that prints `{:?}` must stay readable.
pub(crate) const DEBUG_FIELD: usize = 2048;

/// `Debug` of a value, cut after [`DEBUG_FIELD`] bytes (with `…`): the value is formatted as
/// ever, but only the start of it is written.
pub(crate) struct Capped<'a, T: ?Sized>(pub(crate) &'a T);

impl<T: std::fmt::Debug + ?Sized> std::fmt::Debug for Capped<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = Cap { out: String::new(), cut: false };
        let written = if f.alternate() {
            std::fmt::write(&mut out, format_args!("{:#?}", self.0))
        } else {
            std::fmt::write(&mut out, format_args!("{:?}", self.0))
        };
        written?;
        f.write_str(&out.out)?;
        if out.cut { f.write_str("…") } else { Ok(()) }
    }
}

/// A writer that keeps the first [`DEBUG_FIELD`] bytes, at a character boundary.
struct Cap {
    out: String,
    cut: bool,
}

impl std::fmt::Write for Cap {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let room = DEBUG_FIELD.saturating_sub(self.out.len());
        if s.len() <= room {
            self.out.push_str(s);
        } else {
            let mut end = room;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            self.out.push_str(&s[..end]);
            self.cut = true;
        }
        Ok(())
    }
}

/// `Debug` for a struct whose fields may hold server text: each field through [`Capped`].
macro_rules! capped_debug {
    ($ty:ty { $($field:ident),* $(,)? }) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    $(.field(stringify!($field), &$crate::excerpt::Capped(&self.$field)))*
                    .finish()
            }
        }
    };
}
pub(crate) use capped_debug;

#[cfg(test)]
mod tests {
    #[test]
    fn secret_fields_are_scrubbed_from_excerpts() {
        let body = br#"{"RetCode":0,"AccessKey":"AK","SecretKey":"s3cr\"et","SessionID" : "tok","Bucket":"mirror"}"#;
        assert_eq!(
            super::excerpt(body),
            r#"{"RetCode":0,"AccessKey":"AK","SecretKey":"***","SessionID" : "***","Bucket":"mirror"}"#
        );
        // Cut inside the value: what is left of it goes too.
        let long = format!(r#"{{"SecretKey":"{}"}}"#, "k".repeat(600));
        assert_eq!(super::excerpt(long.as_bytes()), r#"{"SecretKey":"***"#);
        assert_eq!(super::excerpt(br#"{"Secret":5}"#), r#"{"Secret":5}"#);
    }

    #[test]
    fn capped_debug_keeps_the_start_of_a_long_value() {
        let long = vec!["x".repeat(1 << 20); 2];
        let shown = format!("{:?}", super::Capped(&long));
        assert!(shown.len() <= super::DEBUG_FIELD + 3 && shown.ends_with('…'), "{}", shown.len());
        assert!(shown.starts_with("[\"xxx"));
        assert_eq!(format!("{:?}", super::Capped(&"short")), "\"short\"");
        // A cut never splits a character.
        let wide = "镜".repeat(super::DEBUG_FIELD);
        assert!(format!("{:?}", super::Capped(&wide)).ends_with('…'));
    }
}
