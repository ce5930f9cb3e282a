//! DescribeImage (获取镜像信息): lists images, platform (Base) and custom ones.

use super::model::{ImageInfo, ImageType};
use crate::action::{Action, ApiResponse, action_builders, no_blank_entries, not_blank};
use crate::{Client, Error};
use serde::{Deserialize, Serialize};

/// The largest `Limit` the server accepts.
pub const MAX_LIMIT: u32 = 100;

/// A DescribeImage request. Build it with [`DescribeImageRequest::builder`], or send it
/// fluently with [`Client::describe_image`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DescribeImageRequest {
    /// `Region`: the region; the client's default when `None`.
    #[serde(skip)]
    pub region: Option<String>,
    /// `ImageType`: `Base` or `Custom`; every image when `None`.
    #[serde(rename = "ImageType", skip_serializing_if = "Option::is_none")]
    pub image_type: Option<ImageType>,
    /// `ImageIDs`: only these images; sent as `ImageIDs.0`, `ImageIDs.1`, ...
    #[serde(rename = "ImageIDs", skip_serializing_if = "Vec::is_empty")]
    pub image_ids: Vec<String>,
    /// `CompanyID`: the tenant id; honoured for admin callers only.
    #[serde(rename = "CompanyID", skip_serializing_if = "Option::is_none")]
    pub company_id: Option<i64>,
    /// `Keyword`: a search keyword.
    #[serde(rename = "Keyword", skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    /// `ProjectIDs`: only images of these project groups; sent as `ProjectIDs.0`, ...
    #[serde(rename = "ProjectIDs", skip_serializing_if = "Vec::is_empty")]
    pub project_ids: Vec<String>,
    /// `Offset`: where the page starts (server default 0).
    #[serde(rename = "Offset", skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
    /// `Limit`: the page length, 1 to 100 (server default 20).
    #[serde(rename = "Limit", skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl DescribeImageRequest {
    /// A builder with nothing set (every image, first page of the server's default length).
    pub fn builder() -> DescribeImageRequestBuilder {
        DescribeImageRequestBuilder::default()
    }
}

/// Builds a [`DescribeImageRequest`]; [`build`](Self::build) checks it.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct DescribeImageRequestBuilder {
    request: DescribeImageRequest,
}

impl DescribeImageRequestBuilder {
    /// Checks the request against the API's rules and returns it.
    pub fn build(self) -> Result<DescribeImageRequest, Error> {
        self.request.validate()?;
        Ok(self.request)
    }
}

action_builders! {
    /// `client.describe_image()`: set fields, then [`send`](Self::send).
    DescribeImageFluentBuilder => DescribeImageRequestBuilder => DescribeImageRequest {
        /// `Region`: overrides the client's default region for this call.
        fn region(&mut b, region: impl Into<String>) { b.request.region = Some(region.into()); }
        /// `ImageType`: only `Base` (platform) or only `Custom` (made from VMs) images.
        fn image_type(&mut b, image_type: impl Into<ImageType>) { b.request.image_type = Some(image_type.into()); }
        /// `ImageIDs`: adds these ids to the list of images to return (call again to add more).
        fn image_ids(&mut b, ids: impl IntoIterator<Item = impl Into<String>>) {
            b.request.image_ids.extend(ids.into_iter().map(Into::into));
        }
        /// `CompanyID`: the tenant id; honoured for admin callers only.
        fn company_id(&mut b, company_id: i64) { b.request.company_id = Some(company_id); }
        /// `Keyword`: a search keyword.
        fn keyword(&mut b, keyword: impl Into<String>) { b.request.keyword = Some(keyword.into()); }
        /// `ProjectIDs`: adds these project groups to the filter (call again to add more).
        fn project_ids(&mut b, ids: impl IntoIterator<Item = impl Into<String>>) {
            b.request.project_ids.extend(ids.into_iter().map(Into::into));
        }
        /// `Offset`: where the page starts (default 0).
        fn offset(&mut b, offset: u32) { b.request.offset = Some(offset); }
        /// `Limit`: the page length, 1 to 100 (server default 20).
        fn limit(&mut b, limit: u32) { b.request.limit = Some(limit); }
    }
}

impl Client {
    /// DescribeImage (获取镜像信息): lists images, platform (Base) and custom ones.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// use ucloudstack::image::ImageType;
    ///
    /// let page = client
    ///     .describe_image()
    ///     .image_type(ImageType::Custom)
    ///     .image_ids(["cn-image-1", "cn-image-2"])
    ///     .limit(50)
    ///     .send()
    ///     .await?;
    /// println!("{} of {}", page.infos.len(), page.total_count);
    /// # Ok(()) }
    /// ```
    pub fn describe_image(&self) -> DescribeImageFluentBuilder {
        DescribeImageFluentBuilder::new(self.clone())
    }
}

impl Action for DescribeImageRequest {
    const NAME: &'static str = "DescribeImage";
    const IDEMPOTENT: bool = true;
    type Output = DescribeImageResponse;

    fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    fn validate(&self) -> Result<(), Error> {
        not_blank("Region", &self.region)?;
        no_blank_entries("ImageIDs", &self.image_ids)?;
        no_blank_entries("ProjectIDs", &self.project_ids)?;
        if let Some(ImageType::Unknown(other)) = &self.image_type {
            if other.trim().is_empty() {
                return Err(Error::invalid("ImageType", "must not be empty; leave it unset for every type"));
            }
        }
        match self.limit {
            Some(limit) if !(1..=MAX_LIMIT).contains(&limit) => {
                Err(Error::invalid("Limit", format!("must be between 1 and {MAX_LIMIT}, got {limit}")))
            }
            _ => Ok(()),
        }
    }
}

/// The answer to DescribeImage: one page of images and the total across pages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DescribeImageResponse {
    /// `Action`: `DescribeImageResponse`.
    #[serde(rename = "Action", default, deserialize_with = "crate::de::string")]
    pub action: String,
    /// `RetCode`: 0 (any other value is returned as [`Error::Api`] instead).
    #[serde(rename = "RetCode", deserialize_with = "crate::de::int")]
    pub ret_code: i64,
    /// `Message`: empty on success.
    #[serde(rename = "Message", default, deserialize_with = "crate::de::string")]
    pub message: String,
    /// `TotalCount`: how many images match, across all pages.
    #[serde(rename = "TotalCount", deserialize_with = "crate::de::int")]
    pub total_count: i64,
    /// `Infos`: the images of this page (`null` or missing is an empty page).
    #[serde(rename = "Infos", default, deserialize_with = "crate::de::list")]
    pub infos: Vec<ImageInfo>,
}

impl ApiResponse for DescribeImageResponse {
    fn ret_code(&self) -> i64 {
        self.ret_code
    }
    fn message(&self) -> &str {
        &self.message
    }
}
