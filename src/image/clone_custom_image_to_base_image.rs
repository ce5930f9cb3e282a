//! CloneCustomImageToBaseImage (自制镜像转基础镜像): makes a base image from a custom one.

use super::rules;
use crate::Error;
use crate::action::action;

action! {
    /// CloneCustomImageToBaseImage (自制镜像转基础镜像), newer platforms: copies a custom image
    /// to a new base (platform) image, which UpdateResourcePermission can then share.
    ///
    /// Not idempotent: each call makes a base image, so once the request may have reached the
    /// server it is never sent again.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// let cloned = client
    ///     .clone_custom_image_to_base_image()
    ///     .source_image_id("image-1")
    ///     .dest_image_name("base-web")
    ///     .send()
    ///     .await?;
    /// println!("new base image {}", cloned.dest_image_id);
    /// # Ok(()) }
    /// ```
    name: "CloneCustomImageToBaseImage", method: clone_custom_image_to_base_image, idempotent: false,
    request: CloneCustomImageToBaseImageRequest, builder: CloneCustomImageToBaseImageRequestBuilder,
    fluent: CloneCustomImageToBaseImageFluentBuilder, response: CloneCustomImageToBaseImageResponse,
    check: check,
    fields {
        /// `SourceImageID`: the custom image to copy (required).
        "SourceImageID" source_image_id: Option<String> => required(String),
        /// `DestImageName`: the new base image's name, 1 to 128 characters (required).
        "DestImageName" dest_image_name: Option<String> => required(String),
        /// `CompanyID`: the tenant id.
        "CompanyID" company_id: Option<i64> => value(i64),
    }
    returns {
        /// `DestImageID`: the new base image.
        #[serde(rename = "DestImageID", deserialize_with = "crate::de::string")]
        pub dest_image_id: String,
    }
}

fn check(request: &CloneCustomImageToBaseImageRequest) -> Result<(), Error> {
    rules::chars("DestImageName", request.dest_image_name.as_deref(), 1..=128)
}
