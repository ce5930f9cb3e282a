//! ImportImage (导入镜像): makes an image from a file, fetched from a URL or uploaded.

use super::rules;
use super::{BootloaderType, ImageFormat, ImageTag, ImportType, OsType};
use crate::action::{action, not_blank};
use crate::{Error, SecretString};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The largest `ImageSize`, in GiB.
pub const MAX_IMPORT_IMAGE_SIZE: u32 = 2000;

action! {
    /// ImportImage (导入镜像), newer platforms: makes an image from a file. `Remote`: the
    /// platform fetches `LoadURL`; `Local`: the answer's `UploadID` and `Bucket` name the
    /// multipart upload to send the file to (credentials from S3Login), then
    /// CompleteImageMultipartUpload. Either way the image is `Used` when ready (DescribeImage,
    /// `PreparePrecent` is the progress) or `Failed` (`Reason`). An older platform answers
    /// [`ApiErrorKind::UnknownAction`](crate::ApiErrorKind::UnknownAction).
    ///
    /// Not idempotent: each call makes an image, so once the request may have reached the
    /// server it is never sent again; after a lost answer, look for the image by name.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// use ucloudstack::image::{ImageFormat, ImportType, OsType};
    ///
    /// let imported = client
    ///     .import_image()
    ///     .company_id(200001)
    ///     .image_name("ubuntu-24.04")
    ///     .image_format(ImageFormat::Qcow2)
    ///     .import_type(ImportType::Remote)
    ///     .load_url("http://mirror.example/ubuntu-24.04.qcow2")
    ///     .os_type(OsType::Linux)
    ///     .os_distribution("Ubuntu")
    ///     .os_version("24.04")
    ///     .tags([("env", "prod")])
    ///     .send()
    ///     .await?;
    /// println!("importing {}", imported.image_id);
    /// # Ok(()) }
    /// ```
    name: "ImportImage", method: import_image, idempotent: false,
    request: ImportImageRequest, builder: ImportImageRequestBuilder,
    fluent: ImportImageFluentBuilder, response: ImportImageResponse,
    check: check,
    fields {
        /// `CompanyID`: the tenant the image belongs to (required).
        "CompanyID" company_id: Option<i64> => value(i64),
        /// `ImageName`: the image's name (required): 1 to 50 characters, each a CJK character,
        /// an ASCII letter or digit, `.`, `_` or `-`.
        "ImageName" image_name: Option<String> => required(String),
        /// `ImageFormat`: the file's format (required).
        "ImageFormat" image_format: Option<ImageFormat> => set(ImageFormat),
        /// `ImportType`: `Remote` (the platform fetches `LoadURL`) or `Local` (the client
        /// uploads the file) (required).
        "ImportType" import_type: Option<ImportType> => set(ImportType),
        /// `OSType`: the operating system family (required).
        "OSType" os_type: Option<OsType> => set(OsType),
        /// `OSDistribution`: the distribution, e.g. `Ubuntu` (required; DescribeImageOSVersions
        /// lists the valid ones).
        "OSDistribution" os_distribution: Option<String> => required(String),
        /// `OSVersion`: the version, e.g. `24.04`.
        "OSVersion" os_version: Option<String> => set(String),
        /// `SetArch`: the architecture, `x86_64` or `aarch64`.
        "SetArch" set_arch: Option<String> => set(String),
        /// `LoadURL`: the `http` or `https` address the platform fetches the file from (required
        /// when `ImportType` is `Remote`). A download address of another platform works.
        "LoadURL" load_url: Option<String> => set(String),
        /// `ImageSize`: the image's size in GiB, 1 to 2000 ([`MAX_IMPORT_IMAGE_SIZE`]); a
        /// `Remote` import works it out when unset.
        "ImageSize" image_size: Option<u32> => value(u32),
        /// `ImageDescription`: a description, at most 100 characters.
        "ImageDescription" image_description: Option<String> => set(String),
        /// `ProjectID`: the project the image belongs to.
        "ProjectID" project_id: Option<String> => set(String),
        /// `BootloaderType`: `bios` (the platform's default) or `uefi`.
        "BootloaderType" bootloader_type: Option<BootloaderType> => set(BootloaderType),
        /// `SupportQGA`: whether the image has the QEMU guest agent.
        "SupportQGA" support_qga: Option<bool> => value(bool),
        /// `SupportCloudInit`: whether the image runs cloud-init.
        "SupportCloudInit" support_cloud_init: Option<bool> => value(bool),
        /// `Secret`: the image's key. A [`SecretString`]: never shown by `Debug`.
        "Secret" secret: Option<SecretString> => set(SecretString),
        /// `TagKeyValuePairs`: the image's tags, `(key, value)` pairs or [`ImageTag`]s, keys
        /// unique and not blank; sent as `TagKeyValuePairs.N` = `base64(key):base64(value)`.
        "TagKeyValuePairs" tags: TagKeyValuePairs => list(ImageTag),
    }
    returns {
        /// `ImageID`: the new image, `WaitUploading` for a `Local` import.
        #[serde(rename = "ImageID", deserialize_with = "crate::de::string")]
        pub image_id: String,
        /// `UploadID`: the multipart upload to send the file to (`Local` only).
        #[serde(
            rename = "UploadID",
            default,
            deserialize_with = "crate::de::opt_string",
            skip_serializing_if = "Option::is_none"
        )]
        pub upload_id: Option<String>,
        /// `Bucket`: the S3 bucket of that upload, `mirror` (`Local` only).
        #[serde(
            rename = "Bucket",
            default,
            deserialize_with = "crate::de::opt_string",
            skip_serializing_if = "Option::is_none"
        )]
        pub bucket: Option<String>,
    }
}

/// ImportImage's tags: sent as `TagKeyValuePairs.N` = `base64(key):base64(value)` (standard
/// base64, padded), so a key or a value may hold any character, `:` included.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagKeyValuePairs(Vec<ImageTag>);

impl TagKeyValuePairs {
    /// The tags, in the order they are sent.
    pub fn as_slice(&self) -> &[ImageTag] {
        &self.0
    }
}

impl Extend<ImageTag> for TagKeyValuePairs {
    fn extend<I: IntoIterator<Item = ImageTag>>(&mut self, tags: I) {
        self.0.extend(tags);
    }
}

impl crate::action::Unset for TagKeyValuePairs {
    fn is_unset(&self) -> bool {
        self.0.is_empty()
    }
}

impl serde::Serialize for TagKeyValuePairs {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let pair = |t: &ImageTag| format!("{}:{}", STANDARD.encode(&t.key), STANDARD.encode(&t.value));
        serializer.collect_seq(self.0.iter().map(pair))
    }
}

fn check(request: &ImportImageRequest) -> Result<(), Error> {
    rules::required_int("CompanyID", request.company_id)?;
    rules::image_name("ImageName", request.image_name.as_deref())?;
    rules::required_enum("ImageFormat", &request.image_format)?;
    rules::required_enum("ImportType", &request.import_type)?;
    rules::required_enum("OSType", &request.os_type)?;
    rules::not_blank_enum("BootloaderType", &request.bootloader_type)?;
    for (field, value) in [
        ("OSVersion", &request.os_version),
        ("SetArch", &request.set_arch),
        ("LoadURL", &request.load_url),
        ("ProjectID", &request.project_id),
    ] {
        not_blank(field, value.as_deref())?;
    }
    if request.secret.as_ref().is_some_and(|s| s.expose().trim().is_empty()) {
        return Err(Error::invalid("Secret", "must not be empty or blank when set"));
    }
    if request.import_type == Some(ImportType::Remote) && request.load_url.is_none() {
        return Err(Error::invalid("LoadURL", "is required when ImportType is Remote"));
    }
    rules::http_url("LoadURL", request.load_url.as_deref())?;
    if let Some(size) = request.image_size
        && !(1..=MAX_IMPORT_IMAGE_SIZE).contains(&size)
    {
        return Err(Error::invalid("ImageSize", format!("must be 1 to {MAX_IMPORT_IMAGE_SIZE} GiB, got {size}")));
    }
    rules::chars("ImageDescription", request.image_description.as_deref(), 0..=100)?;
    check_tags(request.tags.as_slice())
}

/// Keys not blank and unique.
fn check_tags(tags: &[ImageTag]) -> Result<(), Error> {
    let mut seen = std::collections::HashMap::with_capacity(tags.len());
    for (i, tag) in tags.iter().enumerate() {
        let field = || format!("TagKeyValuePairs.{i}");
        if tag.key.trim().is_empty() {
            return Err(Error::invalid(field(), "the key must not be empty or blank"));
        }
        if let Some(first) = seen.get(tag.key.as_str()) {
            let rule = format!("repeats the key of TagKeyValuePairs.{first}: keys are unique");
            return Err(Error::invalid(field(), rule));
        }
        seen.insert(tag.key.as_str(), i);
    }
    Ok(())
}
