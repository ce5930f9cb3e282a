//! A request to the platform's S3 service that failed, and whether it may be sent again.

use std::fmt;

/// A request to the platform's S3 service that failed: which, the HTTP status and S3's error
/// code when it answered, how many times it was tried. Its text never holds the credentials,
/// the signature or the presigned address.
#[derive(thiserror::Error)]
#[error("S3 {operation} failed{}: {message}", Tries(*.attempts))]
#[non_exhaustive]
pub struct S3Error {
    /// The request, e.g. `UploadPart 3`, `ListParts`, `ListMultipartUploads`.
    pub operation: String,
    /// The HTTP status, when the service answered.
    pub status: Option<u16>,
    /// S3's error code (`SlowDown`, `NoSuchUpload`, `SignatureDoesNotMatch`, ...), when it said
    /// one.
    pub code: Option<String>,
    /// What went wrong, S3's own message where it gave one.
    pub message: String,
    /// How many times the request was sent.
    pub attempts: u32,
    /// The connection's failure, when there was no answer.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
    pub(super) retry: Retry,
    /// ListMultipartUploads showed no such upload (which proves nothing on MinIO).
    pub(super) not_listed: bool,
}

struct Tries(u32);

impl fmt::Display for Tries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 | 1 => Ok(()),
            n => write!(f, " after {n} attempts"),
        }
    }
}

/// Whether a failed request may be sent again, and how soon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Retry {
    Never,
    Soon,
    /// The service asked to slow down.
    Later,
}

impl S3Error {
    pub(super) fn new(operation: &str, message: impl Into<String>) -> Self {
        S3Error {
            operation: operation.to_owned(),
            status: None,
            code: None,
            message: message.into(),
            attempts: 1,
            source: None,
            retry: Retry::Never,
            not_listed: false,
        }
    }

    /// An answer that is not the XML it should be.
    pub(super) fn malformed(operation: &str, what: impl fmt::Display) -> Self {
        S3Error::new(operation, format!("unreadable answer: {what}"))
    }

    /// The service answered that it does not hold the upload (it was completed or aborted, or
    /// never made): S3's code `NoSuchUpload`.
    pub fn is_no_such_upload(&self) -> bool {
        self.code.as_deref() == Some("NoSuchUpload")
    }

    /// The bucket's ListMultipartUploads, paged to its end, did not show the upload. That does
    /// not say it is gone: some S3 services (MinIO) list in-progress uploads only when asked
    /// with the exact object key as `prefix`. Give the key with
    /// [`UploadImageBuilder::object_key`](crate::image::UploadImageBuilder::object_key).
    pub fn is_upload_not_listed(&self) -> bool {
        self.not_listed
    }

    /// The credentials were refused as expired (S3 answers 400 `ExpiredToken`; others 403, or
    /// `TokenRefreshRequired`), or as unknown, as MinIO does once temporary keys are gone.
    pub(crate) fn is_expired_credentials(&self) -> bool {
        matches!(self.status, Some(400 | 403))
            && matches!(self.code.as_deref(), Some("ExpiredToken" | "TokenRefreshRequired" | "InvalidAccessKeyId"))
    }
}

// The code and message are the service's text: bounded in `Debug` too.
crate::excerpt::capped_debug!(S3Error { operation, status, code, message, attempts, source, retry, not_listed });

#[cfg(test)]
mod tests {
    #[test]
    fn debug_of_the_services_text_is_bounded() {
        let error =
            super::S3Error { code: Some("C".repeat(1 << 20)), ..super::S3Error::new("ListParts", "m".repeat(1 << 20)) };
        assert!(format!("{error:?}").len() < 8 << 10, "{}", format!("{error:?}").len());
        assert!(format!("{error:?}").starts_with("S3Error { operation: \"ListParts\""));
    }
}
