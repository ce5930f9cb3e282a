//! The failure of a transfer: the step, the image, the bytes that made it, the cause, and the
//! handle that resumes an upload.

use super::handle::UploadHandle;
use crate::Error;
use std::fmt;

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
#[derive(thiserror::Error)]
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

// Server text (an S3 message, a download server's body) may be held in `source`: bounded.
crate::excerpt::capped_debug!(TransferError { stage, image_id, bytes_done, source, handle });
