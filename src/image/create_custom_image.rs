//! CreateCustomImage (创建自制镜像): makes a custom image from a virtual machine.

use crate::action::{Action, ApiResponse, action_builders, not_blank, required};
use crate::{Client, Error};
use serde::{Deserialize, Serialize};

/// A CreateCustomImage request. Build it with [`CreateCustomImageRequest::builder`], or send
/// it fluently with [`Client::create_custom_image`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CreateCustomImageRequest {
    /// `Region`: the region; the client's default when `None`.
    #[serde(skip)]
    pub region: Option<String>,
    /// `VMID`: the virtual machine to make the image from (required).
    #[serde(rename = "VMID", skip_serializing_if = "Option::is_none")]
    pub vm_id: Option<String>,
    /// `ImageName`: the name of the new image (required).
    #[serde(rename = "ImageName", skip_serializing_if = "Option::is_none")]
    pub image_name: Option<String>,
    /// `CompanyID`: the tenant id; honoured for admin callers only.
    #[serde(rename = "CompanyID", skip_serializing_if = "Option::is_none")]
    pub company_id: Option<i64>,
    /// `ImageDescription`: a description of the new image.
    #[serde(rename = "ImageDescription", skip_serializing_if = "Option::is_none")]
    pub image_description: Option<String>,
}

impl CreateCustomImageRequest {
    /// A builder; `vm_id` and `image_name` must be set before [`build`](CreateCustomImageRequestBuilder::build).
    pub fn builder() -> CreateCustomImageRequestBuilder {
        CreateCustomImageRequestBuilder::default()
    }
}

/// Builds a [`CreateCustomImageRequest`]; [`build`](Self::build) checks it.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct CreateCustomImageRequestBuilder {
    request: CreateCustomImageRequest,
}

impl CreateCustomImageRequestBuilder {
    /// Checks the request against the API's rules and returns it.
    pub fn build(self) -> Result<CreateCustomImageRequest, Error> {
        self.request.validate()?;
        Ok(self.request)
    }
}

action_builders! {
    /// `client.create_custom_image()`: set `vm_id` and `image_name`, then [`send`](Self::send).
    CreateCustomImageFluentBuilder => CreateCustomImageRequestBuilder => CreateCustomImageRequest {
        /// `Region`: overrides the client's default region for this call.
        fn region(&mut b, region: impl Into<String>) { b.request.region = Some(region.into()); }
        /// `VMID`: the virtual machine to make the image from (required).
        fn vm_id(&mut b, vm_id: impl Into<String>) { b.request.vm_id = Some(vm_id.into()); }
        /// `ImageName`: the name of the new image (required).
        fn image_name(&mut b, name: impl Into<String>) { b.request.image_name = Some(name.into()); }
        /// `CompanyID`: the tenant id; honoured for admin callers only.
        fn company_id(&mut b, company_id: i64) { b.request.company_id = Some(company_id); }
        /// `ImageDescription`: a description of the new image (an empty one is not sent).
        fn image_description(&mut b, description: impl Into<String>) {
            b.request.image_description = Some(description.into());
        }
    }
}

impl Client {
    /// CreateCustomImage (创建自制镜像): makes a custom image from a virtual machine. The image
    /// starts in `Making`; see the `ImageStatus` of DescribeImage for when it is `Used`.
    ///
    /// Not idempotent: once the request may have reached the server it is never re-sent, so a
    /// retry cannot make two images.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// let created = client
    ///     .create_custom_image()
    ///     .vm_id("vm-abc")
    ///     .image_name("golden")
    ///     .image_description("web tier")
    ///     .send()
    ///     .await?;
    /// println!("new image {}", created.image_id);
    /// # Ok(()) }
    /// ```
    pub fn create_custom_image(&self) -> CreateCustomImageFluentBuilder {
        CreateCustomImageFluentBuilder::new(self.clone())
    }
}

impl Action for CreateCustomImageRequest {
    const NAME: &'static str = "CreateCustomImage";
    const IDEMPOTENT: bool = false;
    type Output = CreateCustomImageResponse;

    fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    fn validate(&self) -> Result<(), Error> {
        not_blank("Region", &self.region)?;
        required("VMID", &self.vm_id)?;
        required("ImageName", &self.image_name)?;
        Ok(())
    }
}

/// The answer to CreateCustomImage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateCustomImageResponse {
    /// `Action`: `CreateCustomImageResponse`.
    #[serde(rename = "Action", default, deserialize_with = "crate::de::string")]
    pub action: String,
    /// `RetCode`: 0 (any other value is returned as [`Error::Api`] instead).
    #[serde(rename = "RetCode", deserialize_with = "crate::de::int")]
    pub ret_code: i64,
    /// `Message`: empty on success.
    #[serde(rename = "Message", default, deserialize_with = "crate::de::string")]
    pub message: String,
    /// `ImageID`: the id of the new custom image.
    #[serde(rename = "ImageID")]
    pub image_id: String,
}

impl ApiResponse for CreateCustomImageResponse {
    fn ret_code(&self) -> i64 {
        self.ret_code
    }
    fn message(&self) -> &str {
        &self.message
    }
}
