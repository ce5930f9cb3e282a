//! Bytes in and out: an image file uploaded through the platform's S3 service in parallel
//! parts, an image downloaded into a file, and what both share (progress, the failure of a
//! transfer, the handle that resumes an upload).
//!
//! Imports go one way: this module uses the image actions (ImportImage, S3Login,
//! CompleteImageMultipartUpload, GetImageDownloadURL) and models from the files that define
//! them; `image/` only re-exports what is public here.

mod download;
mod error;
mod handle;
mod limits;
mod meter;
mod part_file;
mod progress;
mod s3;
mod span;
mod upload;

pub use download::{DEFAULT_DOWNLOAD_ATTEMPTS, DownloadImageBuilder, DownloadedImage};
pub use error::{TransferError, TransferStage};
pub use handle::UploadHandle;
pub use progress::TransferProgress;
pub use s3::S3Error;
pub use upload::{
    DEFAULT_S3_REGION, DEFAULT_UPLOAD_CONCURRENCY, MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE, UploadImageBuilder,
    UploadedImage,
};
