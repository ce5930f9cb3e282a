//! UpdateImage (更新镜像): sets what an image declares about its OS and boot.

use super::{BootloaderType, OsType, rules};
use crate::Error;
use crate::action::action;

action! {
    /// UpdateImage (更新镜像), newer platforms: sets an available image's OS attributes (a
    /// tuple DescribeImageOSVersions lists), how it boots and what it supports.
    ///
    /// Idempotent: it sets each attribute to the value given, so a second call leaves the image
    /// as the first did.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// use ucloudstack::image::{BootloaderType, OsType};
    ///
    /// client
    ///     .update_image()
    ///     .company_id(200001)
    ///     .image_id("image-1")
    ///     .os_type(OsType::Linux)
    ///     .set_arch("x86_64")
    ///     .os_distribution("Ubuntu")
    ///     .os_version("24.04")
    ///     .bootloader_type(BootloaderType::Uefi)
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    name: "UpdateImage", method: update_image, idempotent: true,
    request: UpdateImageRequest, builder: UpdateImageRequestBuilder,
    fluent: UpdateImageFluentBuilder, response: UpdateImageResponse,
    check: check,
    fields {
        /// `CompanyID`: the tenant id (required).
        "CompanyID" company_id: Option<i64> => value(i64),
        /// `ImageID`: the image, which must be available (required).
        "ImageID" image_id: Option<String> => required(String),
        /// `OSType`: the operating system family (required).
        "OSType" os_type: Option<OsType> => set(OsType),
        /// `SetArch`: the architecture, `x86_64` or `aarch64` (required).
        "SetArch" set_arch: Option<String> => required(String),
        /// `OSDistribution`: the distribution, e.g. `Ubuntu` (required).
        "OSDistribution" os_distribution: Option<String> => required(String),
        /// `OSVersion`: the version, e.g. `24.04` (required).
        "OSVersion" os_version: Option<String> => required(String),
        /// `BootloaderType`: `bios` or `uefi`.
        "BootloaderType" bootloader_type: Option<BootloaderType> => set(BootloaderType),
        /// `SupportQGA`: whether the image has the QEMU guest agent.
        "SupportQGA" support_qga: Option<bool> => value(bool),
        /// `SupportCloudInit`: whether the image runs cloud-init.
        "SupportCloudInit" support_cloud_init: Option<bool> => value(bool),
    }
    returns {}
}

fn check(request: &UpdateImageRequest) -> Result<(), Error> {
    rules::required_int("CompanyID", request.company_id)?;
    rules::required_enum("OSType", &request.os_type)?;
    rules::not_blank_enum("BootloaderType", &request.bootloader_type)
}
