//! The key pair that signs every request.

use std::fmt;

/// A UCloudStack API key pair, optionally with an STS security token.
///
/// The private key signs requests and is never sent, logged or shown: `Debug` prints
/// `PublicKey` and `"***"` in its place, and there is no `Display`.
///
/// ```
/// let creds = ucloudstack::Credentials::new("my-public-key", "my-private-key");
/// let shown = format!("{creds:?}");
/// assert!(shown.contains("my-public-key"));
/// assert!(!shown.contains("my-private-key"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    public_key: String,
    private_key: String,
    security_token: Option<String>,
}

impl Credentials {
    /// A key pair as shown in the UCloudStack console (API keys).
    pub fn new(public_key: impl Into<String>, private_key: impl Into<String>) -> Self {
        Credentials { public_key: public_key.into(), private_key: private_key.into(), security_token: None }
    }

    /// Adds an STS security token: it is sent and signed as `SecurityToken` on every request.
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(token.into());
        self
    }

    /// The public key, sent as `PublicKey`.
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// The STS security token, if there is one.
    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_deref()
    }

    /// The private key, for the signer only.
    pub(crate) fn private_key(&self) -> &str {
        &self.private_key
    }

    pub(crate) fn check(&self) -> Result<(), crate::Error> {
        if self.public_key.trim().is_empty() {
            return Err(crate::Error::config("credentials", "the public key is empty"));
        }
        if self.private_key.is_empty() {
            return Err(crate::Error::config("credentials", "the private key is empty"));
        }
        if self.security_token.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return Err(crate::Error::config("credentials", "the security token is empty"));
        }
        Ok(())
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("public_key", &self.public_key)
            .field("private_key", &"***")
            .field("security_token", &self.security_token.as_ref().map(|_| "***"))
            .finish()
    }
}
