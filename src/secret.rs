//! A string that must never be shown: an image's key, an S3 secret key, a session token, a
//! download query that grants access.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A secret string. `Debug` and `Display` print `***`, so a request or a response that holds
/// one can be logged; [`expose`](Self::expose) gives the value to whoever must use it. It is
/// sent and read as a plain string.
///
/// ```
/// use ucloudstack::SecretString;
///
/// let key = SecretString::new("s3-secret-key");
/// assert_eq!(format!("{key} {key:?}"), "*** ***");
/// assert_eq!(key.expose(), "s3-secret-key");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(value.into())
    }

    /// The value itself: do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        SecretString(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        SecretString(value.to_owned())
    }
}

impl From<&String> for SecretString {
    fn from(value: &String) -> Self {
        SecretString(value.clone())
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Serialize for SecretString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Read as leniently as any string of a response: a number is its text, `null` is empty.
impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::de::string(deserializer).map(SecretString)
    }
}

/// An optional secret of a response: `null`, missing and `""` are `None`.
pub(crate) fn opt_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    Ok(crate::de::opt_string(d)?.filter(|s| !s.is_empty()).map(SecretString))
}

#[cfg(test)]
mod tests {
    use super::SecretString;

    #[test]
    fn shows_nothing_and_travels_as_a_plain_string() {
        let secret: SecretString = serde_json::from_str("\"hunter2\"").unwrap();
        assert_eq!(format!("{secret}|{secret:?}|{:?}", Some(&secret)), "***|***|Some(***)");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"hunter2\"");
        assert_eq!(serde_json::from_str::<SecretString>("42").unwrap().expose(), "42");
        assert!(serde_json::from_str::<SecretString>("null").unwrap().is_empty());
    }
}
