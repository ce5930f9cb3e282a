//! Image management (镜像管理): DescribeImage, CreateCustomImage, DeleteCustomImage, their
//! paginator and waiters, and capturing an image from a VM safely.
//!
//! One file per action; adding an action is one file here and two lines below (see the
//! checklist at the top of `src/action.rs`).

mod capture;
mod create_custom_image;
mod delete_custom_image;
mod delete_custom_images;
mod describe_image;
mod model;
mod waiters;

pub use capture::{
    CaptureError, CaptureImageBuilder, CaptureProgress, CaptureStage, CapturedImage, DEFAULT_CAPTURE_MAX_WAIT,
    RESTART_MAX_WAIT,
};
pub use create_custom_image::*;
pub use delete_custom_image::*;
pub use delete_custom_images::{DEFAULT_BULK_CONCURRENCY, DEFAULT_THROTTLE_PATIENCE, DeleteCustomImagesBuilder};
pub use describe_image::*;
pub use model::{
    BaseImageInfo, BootloaderType, ImageDownloadInfo, ImageFormat, ImageInfo, ImageOsInfo, ImageStatus, ImageTag,
    ImageType, ImportType, OsType,
};
pub use waiters::{ImageAvailable, ImageDeleted, ImageWaiter, Images};
