//! ModifyNameAndRemark (修改资源名称和备注): renames any resource, images included.

use crate::action::action;

action! {
    /// ModifyNameAndRemark (修改资源名称和备注): sets the name and remark of any resource, e.g. an
    /// image (whose remark is its description) or a VM.
    ///
    /// Idempotent: setting the same name and remark twice leaves them as once.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// client
    ///     .modify_name_and_remark()
    ///     .resource_id("cn-image-custom-000001")
    ///     .name("golden")
    ///     .remark("web tier, 2026-11")
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    name: "ModifyNameAndRemark", method: modify_name_and_remark, idempotent: true,
    request: ModifyNameAndRemarkRequest, builder: ModifyNameAndRemarkRequestBuilder,
    fluent: ModifyNameAndRemarkFluentBuilder, response: ModifyNameAndRemarkResponse,
    fields {
        /// `ResourceID`: the resource to rename, e.g. an image id or a VM id (required).
        "ResourceID" resource_id: Option<String> => required(String),
        /// `Name`: the new name (required).
        "Name" name: Option<String> => required(String),
        /// `Remark`: the new remark; for an image, its description.
        "Remark" remark: Option<String> => set(String),
        /// `CompanyID`: the tenant id; honoured for admin callers only.
        "CompanyID" company_id: Option<i64> => value(i64),
        /// `MemberID`: the member id.
        "MemberID" member_id: Option<i64> => value(i64),
    }
    returns {}
}
