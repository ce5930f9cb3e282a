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

/// One image (镜像), as DescribeImage returns it. Every field is optional in the API document,
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
}
