//! `ImageInfo` and the image enums, as the API document defines them.

use crate::open_enum::string_enum;
use serde::{Deserialize, Serialize};

string_enum! {
    /// 镜像类型: the kind of image.
    pub enum ImageType {
        /// `Base` (基础镜像): a platform image, provided by default.
        Base = "Base",
        /// `Custom` (自制镜像): an image exported from a virtual machine.
        Custom = "Custom",
    }
}

string_enum! {
    /// 镜像状态: the state of an image.
    pub enum ImageStatus {
        /// `Making` (创建中): being created.
        Making = "Making",
        /// `Terminating` (销毁中): being destroyed.
        Terminating = "Terminating",
        /// `Used` (可用): available for use.
        Used = "Used",
        /// `Deleting` (删除中): being deleted.
        Deleting = "Deleting",
        /// `Deleted` (已删除): deleted.
        Deleted = "Deleted",
        /// `Uploading` (导入中): being imported.
        Uploading = "Uploading",
        /// `Failed` (导入失败): the import failed.
        Failed = "Failed",
        /// `Available`: ready to use, as older UCloudStack releases say it.
        Available = "Available",
        /// `Unavailable`: not usable, as older UCloudStack releases say it.
        Unavailable = "Unavailable",
        /// `Initializing`: being prepared, as newer platforms say it.
        Initializing = "Initializing",
        /// `Terminated`: destroyed, as newer platforms say it.
        Terminated = "Terminated",
        /// `WaitMaking`: queued to be made, as newer platforms say it.
        WaitMaking = "WaitMaking",
        /// `WaitUploading`: queued to be imported, as newer platforms say it.
        WaitUploading = "WaitUploading",
    }
}

string_enum! {
    /// 系统类型: the operating system family of an image.
    pub enum OsType {
        /// `Linux`.
        Linux = "Linux",
        /// `Windows`.
        Windows = "Windows",
        /// `Kylin` (麒麟).
        Kylin = "Kylin",
    }
}

string_enum! {
    /// 镜像格式: the format of an image file (ImportImage's `ImageFormat`).
    pub enum ImageFormat {
        /// `qcow2`.
        Qcow2 = "qcow2",
        /// `iso`: an installation disc, mounted rather than booted from.
        Iso = "iso",
        /// `vmdk`.
        Vmdk = "vmdk",
        /// `raw`.
        Raw = "raw",
    }
}

string_enum! {
    /// 导入方式: how ImportImage gets the image's bytes.
    pub enum ImportType {
        /// `Remote`: the platform fetches `LoadURL` itself.
        Remote = "Remote",
        /// `Local`: the client uploads the file to the platform's S3 service.
        Local = "Local",
    }
}

string_enum! {
    /// 引导方式: how VMs made from the image boot.
    pub enum BootloaderType {
        /// `bios` (the platform's default).
        Bios = "bios",
        /// `uefi`.
        Uefi = "uefi",
    }
}

impl ImageInfo {
    /// `ImageID`, which the platform always sends; `""` if a response lacked it.
    pub fn id(&self) -> &str {
        self.image_id.as_deref().unwrap_or_default()
    }

    /// `Name` (or the newer `ImageName`); `""` if a response lacked both.
    pub fn name(&self) -> &str {
        self.name.as_deref().or(self.image_name.as_deref()).unwrap_or_default()
    }

    /// `ImageStatus`, as text; `""` if a response lacked it.
    pub fn status(&self) -> &str {
        self.image_status.as_ref().map_or("", ImageStatus::as_str)
    }
}

impl ImageStatus {
    /// Whether the image is ready to use (`Used`, or `Available` on older releases).
    pub fn is_available(&self) -> bool {
        matches!(self, ImageStatus::Used | ImageStatus::Available)
    }

    /// Whether the image has failed or is going away (`Failed`, `Unavailable`, `Terminating`,
    /// `Terminated`, `Deleting`, `Deleted`): it will not become available.
    pub fn is_failed_or_gone(&self) -> bool {
        matches!(
            self,
            ImageStatus::Failed
                | ImageStatus::Unavailable
                | ImageStatus::Terminating
                | ImageStatus::Terminated
                | ImageStatus::Deleting
                | ImageStatus::Deleted
        )
    }

    /// Whether the image is still changing (`Making`, `Terminating`, `Deleting`, `Uploading`,
    /// `Initializing`, `WaitMaking`, `WaitUploading`).
    pub fn is_transitional(&self) -> bool {
        matches!(
            self,
            ImageStatus::Making
                | ImageStatus::Terminating
                | ImageStatus::Deleting
                | ImageStatus::Uploading
                | ImageStatus::Initializing
                | ImageStatus::WaitMaking
                | ImageStatus::WaitUploading
        )
    }
}

/// One image (镜像), as DescribeImage returns it: the 23 fields of the API document and the 13
/// newer platforms add. Every field is optional in the API document,
/// so every field is an `Option`; `null` and missing fields are `None`, and integers sent as
/// strings are accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ImageInfo {
    /// `Region`: 地域, the region.
    #[serde(rename = "Region", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `CompanyID`: 用户ID, the tenant (company) the image belongs to.
    #[serde(rename = "CompanyID", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub company_id: Option<i64>,
    /// `Email`: 用户邮箱, the owner's e-mail address.
    #[serde(rename = "Email", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `ProjectID`: 项目组ID, the project group id.
    #[serde(rename = "ProjectID", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// `ProjectName`: 项目组名称, the project group name.
    #[serde(
        rename = "ProjectName",
        deserialize_with = "crate::de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub project_name: Option<String>,
    /// `ImageID`: 镜像ID, the image id.
    #[serde(rename = "ImageID", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    /// `Name`: 镜像名称, the image name.
    #[serde(rename = "Name", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `ImageDescription`: 备注信息, the description.
    #[serde(
        rename = "ImageDescription",
        deserialize_with = "crate::de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub image_description: Option<String>,
    /// `ImageSize`: 镜像大小, the image size in GB.
    #[serde(rename = "ImageSize", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub image_size: Option<i64>,
    /// `ImageType`: 镜像类型, `Base` or `Custom`.
    #[serde(rename = "ImageType", skip_serializing_if = "Option::is_none")]
    pub image_type: Option<ImageType>,
    /// `OSType`: 系统类型, e.g. Linux, Windows, Kylin.
    #[serde(rename = "OSType", skip_serializing_if = "Option::is_none")]
    pub os_type: Option<OsType>,
    /// `OSName`: 系统名称, e.g. `CentOS 7.4 x86_64`.
    #[serde(rename = "OSName", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub os_name: Option<String>,
    /// `SetArch`: 架构名称, the architecture, e.g. `x86_64`.
    #[serde(rename = "SetArch", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub set_arch: Option<String>,
    /// `OSDistribution`: 镜像系统发行版本, the distribution, e.g. Centos, Ubuntu, Windows.
    #[serde(
        rename = "OSDistribution",
        deserialize_with = "crate::de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub os_distribution: Option<String>,
    /// `ImageStatus`: 镜像状态, the state of the image.
    #[serde(rename = "ImageStatus", skip_serializing_if = "Option::is_none")]
    pub image_status: Option<ImageStatus>,
    /// `CreateTime`: 创建时间, the creation time as a Unix timestamp (seconds).
    #[serde(rename = "CreateTime", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub create_time: Option<i64>,
    /// `UpdateTime`: 修改时间, the last modification time as a Unix timestamp (seconds).
    #[serde(rename = "UpdateTime", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub update_time: Option<i64>,
    /// `CanVGPU`: whether the image supports vGPU (2.x, newer platforms).
    #[serde(rename = "CanVGPU", deserialize_with = "crate::de::opt_bool", skip_serializing_if = "Option::is_none")]
    pub can_vgpu: Option<bool>,
    /// `RegionAlias`: the region's display name.
    #[serde(
        rename = "RegionAlias",
        deserialize_with = "crate::de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub region_alias: Option<String>,
    /// `ImageName`: the image's name, as newer platforms also send it (see `name`).
    #[serde(rename = "ImageName", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub image_name: Option<String>,
    /// `Reason`: why the image failed, when it did.
    #[serde(rename = "Reason", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `SupportHotplug`: whether VMs from this image support hot-plugging.
    #[serde(
        rename = "SupportHotplug",
        deserialize_with = "crate::de::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub support_hotplug: Option<bool>,
    /// `Remarkable`: a Base image whose name and remark may be changed.
    #[serde(rename = "Remarkable", deserialize_with = "crate::de::opt_bool", skip_serializing_if = "Option::is_none")]
    pub remarkable: Option<bool>,
    /// `Remark`: a remark (newer platforms).
    #[serde(rename = "Remark", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    /// `ImageFormat`: the file format, e.g. `qcow2` (newer platforms).
    #[serde(rename = "ImageFormat", skip_serializing_if = "Option::is_none")]
    pub image_format: Option<ImageFormat>,
    /// `ImportType`: `Remote` or `Local`, for an imported image (newer platforms).
    #[serde(rename = "ImportType", skip_serializing_if = "Option::is_none")]
    pub import_type: Option<ImportType>,
    /// `ImageFrom`: where the image came from: `vm-...` (made from a VM), `image-...` (a
    /// copy), a URL, `Local` or `System` (newer platforms).
    #[serde(rename = "ImageFrom", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub image_from: Option<String>,
    /// `PreparePrecent` (so spelled on the wire): how far making or importing the image has
    /// got, 0 to 100 (newer platforms). A value that is no number reads as `None`.
    #[serde(
        rename = "PreparePrecent",
        deserialize_with = "crate::de::lax_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub prepare_percent: Option<i64>,
    /// `BootloaderType`: `bios` or `uefi` (newer platforms).
    #[serde(rename = "BootloaderType", skip_serializing_if = "Option::is_none")]
    pub bootloader_type: Option<BootloaderType>,
    /// `SupportQGA`: whether the image has the QEMU guest agent (newer platforms).
    #[serde(rename = "SupportQGA", deserialize_with = "crate::de::lax_bool", skip_serializing_if = "Option::is_none")]
    pub support_qga: Option<bool>,
    /// `SupportCloudInit`: whether the image runs cloud-init (newer platforms).
    #[serde(
        rename = "SupportCloudInit",
        deserialize_with = "crate::de::lax_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub support_cloud_init: Option<bool>,
    /// `Encrypted`: whether the image is encrypted; an encrypted image cannot be downloaded
    /// (newer platforms).
    #[serde(rename = "Encrypted", deserialize_with = "crate::de::lax_bool", skip_serializing_if = "Option::is_none")]
    pub encrypted: Option<bool>,
    /// `BoundVMSetIDs`: the compute clusters the image is bound to (newer platforms).
    #[serde(
        rename = "BoundVMSetIDs",
        deserialize_with = "crate::de::lax_strings",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub bound_vm_set_ids: Vec<String>,
    /// `BoundVMIDs`: the VMs that have this ISO mounted (newer platforms).
    #[serde(rename = "BoundVMIDs", deserialize_with = "crate::de::lax_strings", skip_serializing_if = "Vec::is_empty")]
    pub bound_vm_ids: Vec<String>,
    /// `CompanyName`: the tenant's name (newer platforms).
    #[serde(
        rename = "CompanyName",
        deserialize_with = "crate::de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub company_name: Option<String>,
    /// `Tags`: the image's tags (newer platforms).
    #[serde(rename = "Tags", deserialize_with = "crate::de::lax_list", skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<ImageTag>,
}

/// One tag of an image (`{Key, Value}`). ImportImage takes the same pairs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ImageTag {
    /// `Key`: the tag's key.
    #[serde(rename = "Key", deserialize_with = "crate::de::string")]
    pub key: String,
    /// `Value`: the tag's value.
    #[serde(rename = "Value", deserialize_with = "crate::de::string")]
    pub value: String,
}

impl ImageTag {
    /// A tag.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        ImageTag { key: key.into(), value: value.into() }
    }
}

impl<K: Into<String>, V: Into<String>> From<(K, V)> for ImageTag {
    fn from((key, value): (K, V)) -> Self {
        ImageTag::new(key, value)
    }
}

/// One base (platform) image, as DescribeBaseImage returns it; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct BaseImageInfo {
    /// `ImageID`: the image id.
    #[serde(rename = "ImageID", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    /// `Name`: the image name.
    #[serde(rename = "Name", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Description`: the description.
    #[serde(
        rename = "Description",
        deserialize_with = "crate::de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<String>,
    /// `Permission`: who may use it: `all`, or `Specific` (the tenants UpdateResourcePermission
    /// named).
    #[serde(
        rename = "Permission",
        deserialize_with = "crate::de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub permission: Option<String>,
    /// `Region`: the region.
    #[serde(rename = "Region", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `CreateTime`: the creation time, Unix seconds.
    #[serde(rename = "CreateTime", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub create_time: Option<i64>,
    /// `UpdateTime`: the last change, Unix seconds.
    #[serde(rename = "UpdateTime", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub update_time: Option<i64>,
}

/// One operating-system version the platform knows, as DescribeImageOSVersions returns it: a
/// valid (`OSType`, `SetArch`, `OSDistribution`, `OSVersion`) for ImportImage and UpdateImage.
/// Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ImageOsInfo {
    /// `ImageOSID`: the id of this OS version.
    #[serde(rename = "ImageOSID", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub image_os_id: Option<String>,
    /// `OSType`: e.g. Linux, Windows.
    #[serde(rename = "OSType", skip_serializing_if = "Option::is_none")]
    pub os_type: Option<OsType>,
    /// `OSDistribution`: e.g. Ubuntu, Centos.
    #[serde(
        rename = "OSDistribution",
        deserialize_with = "crate::de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub os_distribution: Option<String>,
    /// `OSVersion`: e.g. `24.04`.
    #[serde(rename = "OSVersion", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub os_version: Option<String>,
    /// `SetArch`: `x86_64` or `aarch64`.
    #[serde(rename = "SetArch", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub set_arch: Option<String>,
    /// `NetworkMode`: how the OS configures its network: `NetworkScripts`, `Interfaces`,
    /// `Netplan` or `None`.
    #[serde(
        rename = "NetworkMode",
        deserialize_with = "crate::de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub network_mode: Option<String>,
    /// `Remark`: a remark.
    #[serde(rename = "Remark", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    /// `Status`: e.g. `Ready`.
    #[serde(rename = "Status", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// Where to download an image from, as GetImageDownloadURL returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ImageDownloadInfo {
    /// `DownloadQuery`: the query string (already URL-encoded) to put after `?` of the download
    /// address. It grants access to the image until `expired_time`, so it is a
    /// [`SecretString`](crate::SecretString): `Debug` does not show it.
    #[serde(
        rename = "DownloadQuery",
        deserialize_with = "crate::secret::opt_secret",
        skip_serializing_if = "Option::is_none"
    )]
    pub download_query: Option<crate::SecretString>,
    /// `ExpiredTime`: until when the query works, Unix seconds.
    #[serde(rename = "ExpiredTime", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub expired_time: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_keep_unknown_values() {
        assert_eq!(ImageType::from("Custom"), ImageType::Custom);
        assert_eq!(ImageStatus::from("Exploding"), ImageStatus::Unknown("Exploding".into()));
        assert_eq!(ImageStatus::Unknown("Exploding".into()).as_str(), "Exploding");
        assert_eq!(OsType::from(String::from("Kylin")), OsType::Kylin);
        assert_eq!("Used".parse::<ImageStatus>().unwrap().to_string(), "Used");
        assert_eq!(serde_json::to_string(&ImageType::Base).unwrap(), "\"Base\"");
    }

    #[test]
    fn image_info_tolerates_nulls_strings_and_unknowns() {
        let info: ImageInfo = serde_json::from_str(
            r#"{"ImageID":"cn-image-1","Name":"centos","ImageSize":"40","CreateTime":1600000000,
                "ImageStatus":"Hibernating","OSType":null,"Email":null,"CompanyID":"200001","Surprise":{"a":1}}"#,
        )
        .unwrap();
        assert_eq!(info.image_id.as_deref(), Some("cn-image-1"));
        assert_eq!(info.image_size, Some(40));
        assert_eq!(info.company_id, Some(200001));
        assert_eq!(info.image_status, Some(ImageStatus::Unknown("Hibernating".into())));
        assert_eq!(info.os_type, None);
        assert_eq!(info.email, None);
        assert_eq!(info.update_time, None);
    }

    #[test]
    fn image_info_round_trips_through_json() {
        let info = ImageInfo {
            image_id: Some("x".into()),
            image_status: Some(ImageStatus::Used),
            create_time: Some(1),
            ..ImageInfo::default()
        };
        let json = serde_json::to_string(&info).unwrap();
        assert_eq!(json, r#"{"ImageID":"x","ImageStatus":"Used","CreateTime":1}"#);
        assert_eq!(serde_json::from_str::<ImageInfo>(&json).unwrap(), info);
    }

    #[test]
    fn image_info_reads_the_newer_fields() {
        let info: ImageInfo = serde_json::from_str(
            r#"{"ImageID":"image-1","Remark":"r","ImageFormat":"qcow2","ImportType":"Remote",
                "ImageFrom":"http://mirror.example/a.qcow2","PreparePrecent":"45","BootloaderType":"uefi",
                "SupportQGA":"true","SupportCloudInit":1,"Encrypted":"maybe","BoundVMSetIDs":["vs-1"],
                "BoundVMIDs":null,"CompanyName":"ACME","Tags":[{"Key":"env","Value":"prod"},"odd"]}"#,
        )
        .unwrap();
        assert_eq!(info.prepare_percent, Some(45));
        assert_eq!(info.image_format, Some(ImageFormat::Qcow2));
        assert_eq!(info.import_type, Some(ImportType::Remote));
        assert_eq!(info.bootloader_type, Some(BootloaderType::Uefi));
        assert_eq!((info.support_qga, info.support_cloud_init, info.encrypted), (Some(true), Some(true), None));
        assert_eq!(info.bound_vm_set_ids, ["vs-1"]);
        assert!(info.bound_vm_ids.is_empty());
        assert_eq!(info.tags, [ImageTag::new("env", "prod")]);
        assert_eq!((info.remark.as_deref(), info.company_name.as_deref()), (Some("r"), Some("ACME")));
        let back: ImageInfo = serde_json::from_str(&serde_json::to_string(&info).unwrap()).unwrap();
        assert_eq!(back, info);
    }
}
