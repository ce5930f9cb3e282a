//! The checks the newer image actions share, each naming the wire field and the rule.

use crate::Error;
use std::ops::RangeInclusive;

/// A required integer, such as `CompanyID`.
pub(crate) fn required_int(field: &str, value: Option<i64>) -> Result<(), Error> {
    match value {
        None => Err(Error::invalid(field, "is required")),
        Some(_) => Ok(()),
    }
}

/// A required open enum: set, and not an empty `Unknown` (which would not be sent).
pub(crate) fn required_enum<T: AsRef<str>>(field: &str, value: &Option<T>) -> Result<(), Error> {
    match value {
        None => Err(Error::invalid(field, "is required")),
        Some(_) => not_blank_enum(field, value),
    }
}

/// An optional open enum: when set, not an empty `Unknown` (which would not be sent).
pub(crate) fn not_blank_enum<T: AsRef<str>>(field: &str, value: &Option<T>) -> Result<(), Error> {
    crate::action::not_blank(field, value.as_ref().map(AsRef::as_ref))
}

/// A text of `range` characters (not bytes), when set.
pub(crate) fn chars(field: &str, value: Option<&str>, range: RangeInclusive<usize>) -> Result<(), Error> {
    let Some(value) = value else { return Ok(()) };
    let n = value.chars().count();
    if range.contains(&n) {
        return Ok(());
    }
    let (min, max) = (range.start(), range.end());
    Err(Error::invalid(field, format!("must be {min} to {max} characters, got {n}")))
}

/// ImportImage's `ImageName`: 1 to 50 characters, each a CJK ideograph, an ASCII letter or
/// digit, `.`, `_` or `-`.
pub(crate) fn image_name(field: &str, value: Option<&str>) -> Result<(), Error> {
    chars(field, value, 1..=50)?;
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') || is_cjk(c);
    match value.and_then(|v| v.chars().find(|&c| !ok(c))) {
        Some(bad) => Err(Error::invalid(
            field,
            format!("may hold only CJK characters, letters, digits, '.', '_' and '-', not {bad:?}"),
        )),
        None => Ok(()),
    }
}

/// The CJK Unified Ideographs, their extensions and the compatibility ideographs.
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3134F}')
}

/// An absolute `http` or `https` URL with a host, when set.
pub(crate) fn http_url(field: &str, value: Option<&str>) -> Result<(), Error> {
    let Some(value) = value else { return Ok(()) };
    match url::Url::parse(value.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(()),
        Ok(url) => Err(Error::invalid(field, format!("must be an http or https URL, not {}:", url.scheme()))),
        Err(e) => Err(Error::invalid(field, format!("is not a URL: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names() {
        for good in ["ubuntu-24.04", "镜像_1", "a", &"x".repeat(50), &"镜".repeat(50)] {
            assert!(image_name("ImageName", Some(good)).is_ok(), "{good}");
        }
        for bad in ["", "has space", "a/b", "é", &"x".repeat(51), "emoji😀"] {
            assert!(image_name("ImageName", Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls() {
        assert!(http_url("LoadURL", Some("https://mirror.example/a.qcow2")).is_ok());
        for bad in ["ftp://mirror.example/a", "mirror.example/a", "file:///etc/passwd", "http://"] {
            assert!(http_url("LoadURL", Some(bad)).is_err(), "{bad}");
        }
    }
}
