//! UpdateResourcePermission (更新资源权限): who may use a shared resource, such as a base
//! image.

use super::{PermissionMode, ResourceType};
use crate::Error;
use crate::action::action;
use crate::image::rules;

action! {
    /// UpdateResourcePermission (更新资源权限), newer platforms: sets which tenants may use a
    /// shared resource, such as a base image (`BASE_IMAGE`): every one (`all`), only those of
    /// `Permission` (`whitelist`) or all but them (`blacklist`).
    ///
    /// Idempotent: it sets the mode and the list as given (it does not add to them), so a
    /// second call leaves them as the first did.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// use ucloudstack::resource::{PermissionMode, ResourceType};
    ///
    /// client
    ///     .update_resource_permission()
    ///     .resource_id("image-2")
    ///     .resource_type(ResourceType::BaseImage)
    ///     .permission_mode(PermissionMode::Whitelist)
    ///     .permission([200001, 200002])
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    name: "UpdateResourcePermission", method: update_resource_permission, idempotent: true,
    request: UpdateResourcePermissionRequest, builder: UpdateResourcePermissionRequestBuilder,
    fluent: UpdateResourcePermissionFluentBuilder, response: UpdateResourcePermissionResponse,
    check: check,
    fields {
        /// `ResourceID`: the resource, e.g. a base image's id (required).
        "ResourceID" resource_id: Option<String> => required(String),
        /// `ResourceType`: its kind, `BASE_IMAGE` for an image (required).
        "ResourceType" resource_type: Option<ResourceType> => set(ResourceType),
        /// `PermissionMode`: `all` (the platform's default), `whitelist` or `blacklist`.
        "PermissionMode" permission_mode: Option<PermissionMode> => set(PermissionMode),
        /// `Permission`: the tenants (`CompanyID`s) the mode names; sent as one comma-separated
        /// string, `200001,200002`.
        "Permission" permission: CompanyIds => list(i64),
    }
    returns {}
}

/// UpdateResourcePermission's `Permission`: tenant ids, sent as one comma-separated string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompanyIds(Vec<i64>);

impl CompanyIds {
    /// The ids, in the order they are sent.
    pub fn as_slice(&self) -> &[i64] {
        &self.0
    }
}

impl Extend<i64> for CompanyIds {
    fn extend<I: IntoIterator<Item = i64>>(&mut self, ids: I) {
        self.0.extend(ids);
    }
}

impl crate::action::Unset for CompanyIds {
    fn is_unset(&self) -> bool {
        self.0.is_empty()
    }
}

impl serde::Serialize for CompanyIds {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let joined: Vec<String> = self.0.iter().map(i64::to_string).collect();
        serializer.serialize_str(&joined.join(","))
    }
}

fn check(request: &UpdateResourcePermissionRequest) -> Result<(), Error> {
    rules::required_enum("ResourceType", &request.resource_type)?;
    rules::not_blank_enum("PermissionMode", &request.permission_mode)
}
