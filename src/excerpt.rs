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
    if let Err(e) = std::str::from_utf8(cut) {
        if e.error_len().is_none() {
            cut = &cut[..e.valid_up_to()];
        }
    }
    let mut text = String::from_utf8_lossy(cut).into_owned();
    if body.len() > limit {
        text.push('…');
    }
    text
}

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
}
