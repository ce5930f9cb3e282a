//! Image management (镜像管理): DescribeImage, CreateCustomImage, DeleteCustomImage, their
//! paginator and waiters, and capturing an image from a VM safely; and the actions newer
//! platforms add: importing, base images, OS versions; uploads and downloads (whose bytes move
//! in `crate::transfer`) are re-exported here.
//!
//! One file per action; adding an action is one file here and two lines below (see the
//! checklist at the top of `src/action.rs`).

mod abort_custom_image;
mod abort_image_multipart_upload;
mod capture;
mod clone_custom_image_to_base_image;
mod complete_image_multipart_upload;
mod copy_image;
mod copy_to_each;
mod create_custom_image;
mod delete_base_image;
mod delete_custom_image;
mod delete_custom_images;
mod describe_base_image;
mod describe_image;
mod describe_image_os_versions;
mod get_image_download_url;
pub(crate) mod import_image;
pub(crate) mod import_image_from_url;
pub(crate) mod import_wait;
pub(crate) mod model;
pub(crate) mod rules;
pub(crate) mod s3_login;
mod settle;
mod update_image;
pub(crate) mod waiters;

pub use abort_custom_image::*;
pub use abort_image_multipart_upload::*;
pub use capture::{
    CaptureError, CaptureFailure, CaptureImageBuilder, CaptureProgress, CaptureStage, CapturedImage,
    DEFAULT_CAPTURE_MAX_WAIT, RESTART_MAX_WAIT,
};
pub use clone_custom_image_to_base_image::*;
pub use complete_image_multipart_upload::*;
pub use copy_image::CopyImageBuilder;
pub use copy_to_each::CopyToEachBuilder;
pub use create_custom_image::*;
pub use delete_base_image::*;
pub use delete_custom_image::*;
pub use delete_custom_images::{DEFAULT_BULK_CONCURRENCY, DEFAULT_THROTTLE_PATIENCE, DeleteCustomImagesBuilder};
pub use describe_base_image::*;
pub use describe_image::*;
pub use describe_image_os_versions::*;
pub use get_image_download_url::*;
pub use import_image::*;
pub use import_image_from_url::ImportImageFromUrlBuilder;
pub use import_wait::DEFAULT_IMPORT_MAX_WAIT;
pub use model::{
    BaseImageInfo, BootloaderType, ImageDownloadInfo, ImageFormat, ImageInfo, ImageOsInfo, ImageStatus, ImageTag,
    ImageType, ImportType, OsType,
};
pub use s3_login::*;
pub use update_image::*;
pub use waiters::{ImageAvailable, ImageDeleted, ImageWaiter, Images};
// Uploads and downloads live in `crate::transfer`; they are part of the image API.
pub use crate::transfer::{
    DEFAULT_DOWNLOAD_ATTEMPTS, DEFAULT_S3_REGION, DEFAULT_UPLOAD_CONCURRENCY, DownloadImageBuilder, DownloadedImage,
    MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE, S3Error, TransferError, TransferProgress, TransferStage, UploadHandle,
    UploadImageBuilder, UploadedImage,
};
