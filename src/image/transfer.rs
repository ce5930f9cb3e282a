//! What moving image files shares: progress, the failure of a transfer, and the handle that
//! resumes an upload.

use crate::Error;
use std::fmt;
use std::time::Duration;

/// How far a transfer has come, for progress reports.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct TransferProgress {
    /// Bytes that made it so far (a resumed transfer counts what was there before).
    pub bytes_done: u64,
    /// Bytes in all (0 while not known yet).
    pub bytes_total: u64,
    /// Time since the transfer began.
    pub elapsed: Duration,
    /// Once an upload's bytes are all in: how far the platform has come making the image, 0
    /// to 100 (`PreparePrecent`); `None` while bytes move.
    pub percent: Option<u8>,
}

/// Resumes an interrupted upload: the image, the platform's upload id and, once known, the
/// upload's S3 object key. It serializes, so a tool can keep it in a file (`object_key` is
/// left out while unknown, and may be missing from a handle kept by an older version).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UploadHandle {
    image_id: String,
    upload_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    object_key: Option<String>,
}

impl UploadHandle {
    /// A handle for the upload `upload_id` of image `image_id`.
    pub fn new(image_id: impl Into<String>, upload_id: impl Into<String>) -> Self {
        UploadHandle { image_id: image_id.into(), upload_id: upload_id.into(), object_key: None }
    }

    /// The same handle naming the upload's S3 object key: a resume with it asks S3 for the
    /// upload's parts at once, without listing the bucket's uploads to find the key.
    pub fn with_object_key(mut self, key: impl Into<String>) -> Self {
        self.object_key = Some(key.into());
        self
    }

    /// The image being uploaded.
    pub fn image_id(&self) -> &str {
        &self.image_id
    }

    /// The platform's upload id (`UploadID`).
    pub fn upload_id(&self) -> &str {
        &self.upload_id
    }

    /// The upload's S3 object key, once an upload found it (or was given it).
    pub fn object_key(&self) -> Option<&str> {
        self.object_key.as_deref()
    }
}

/// The step of a transfer that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransferStage {
    /// Asking the platform for the download address (GetImageDownloadURL).
    Address,
    /// Moving the bytes.
    Download,
    /// Writing the file to disk.
    Write,
    /// Reading the file to upload.
    Read,
    /// Getting credentials for the platform's S3 service (S3Login).
    Login,
    /// Finding the upload on the S3 service: its object key (ListMultipartUploads, unless
    /// given) and the parts it holds (ListParts).
    Locate,
    /// Sending the parts (UploadPart).
    Upload,
    /// Asking the platform to assemble the parts (CompleteImageMultipartUpload).
    Complete,
    /// Waiting while the platform makes the image from the parts.
    Make,
}

impl fmt::Display for TransferStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransferStage::Address => "getting the download address",
            TransferStage::Download => "downloading",
            TransferStage::Write => "writing the file",
            TransferStage::Read => "reading the file for",
            TransferStage::Login => "logging in to S3 for",
            TransferStage::Locate => "finding the upload of",
            TransferStage::Upload => "uploading",
            TransferStage::Complete => "completing the upload of",
            TransferStage::Make => "making",
        })
    }
}

/// A transfer that failed: the step, the image, the bytes that made it, the cause (as
/// `source()`), and, for an upload, the handle that resumes it.
#[derive(Debug, thiserror::Error)]
#[error("{stage} image {image_id} failed after {bytes_done} bytes: {}", crate::error::Chain(&**.source))]
#[non_exhaustive]
pub struct TransferError {
    /// The step that failed.
    pub stage: TransferStage,
    /// The image moved.
    pub image_id: String,
    /// Bytes that made it (and stay: a `.part` file, parts on the platform).
    pub bytes_done: u64,
    /// What ended the transfer.
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
    /// Boxed: it keeps `Error` small.
    pub(crate) handle: Option<Box<UploadHandle>>,
}

impl TransferError {
    /// The handle that resumes the upload, when the failure was an upload's and a resume can
    /// finish it: `None` once the platform's S3 service answered that it no longer holds the
    /// upload (it was completed or aborted: ListParts or UploadPart answered
    /// [`S3Error::is_no_such_upload`](super::S3Error::is_no_such_upload)), or the image failed
    /// or is gone; start afresh then. An upload the bucket's listing does not show
    /// ([`S3Error::is_upload_not_listed`](super::S3Error::is_upload_not_listed)) keeps its
    /// handle: give the object key to go on.
    pub fn resume_handle(&self) -> Option<&UploadHandle> {
        self.handle.as_deref()
    }

    /// The crate's own error behind this failure, when it was one (an API call's).
    pub fn api_error(&self) -> Option<&Error> {
        self.source.downcast_ref::<Error>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handle_kept_before_it_had_a_key_still_reads_and_one_without_a_key_writes_as_before() {
        let old: UploadHandle = serde_json::from_str(r#"{"image_id":"i","upload_id":"u"}"#).unwrap();
        assert_eq!(old, UploadHandle::new("i", "u"));
        assert_eq!(serde_json::to_string(&old).unwrap(), r#"{"image_id":"i","upload_id":"u"}"#);
        let keyed = old.with_object_key("images/i/a.raw");
        let text = serde_json::to_string(&keyed).unwrap();
        assert_eq!(text, r#"{"image_id":"i","upload_id":"u","object_key":"images/i/a.raw"}"#);
        assert_eq!(serde_json::from_str::<UploadHandle>(&text).unwrap().object_key(), Some("images/i/a.raw"));
    }
}
