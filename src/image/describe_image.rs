//! DescribeImage (获取镜像信息): lists images, platform (Base) and custom ones.

use super::model::{ImageInfo, ImageType};
use crate::Error;
use crate::action::action;

/// The largest `Limit` the server accepts.
pub const MAX_LIMIT: u32 = crate::paginate::MAX_PAGE_SIZE;

action! {
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
    "DescribeImage" => DescribeImageRequest, DescribeImageRequestBuilder, DescribeImageFluentBuilder, describe_image;
    idempotent: true;
    check: check;
    request {
        /// `ImageType`: only `Base` (platform) or only `Custom` (made from VMs) images; every
        /// image when unset.
        "ImageType" image_type: Option<ImageType> => set(ImageType),
        /// `ImageIDs`: only these images; sent as `ImageIDs.0`, `ImageIDs.1`, ...
        "ImageIDs" image_ids: Vec<String> => extend(String),
        /// `CompanyID`: the tenant id; honoured for admin callers only.
        "CompanyID" company_id: Option<i64> => value(i64),
        /// `Keyword`: a search keyword.
        "Keyword" keyword: Option<String> => set(String),
        /// `ProjectIDs`: only images of these project groups; sent as `ProjectIDs.0`, ...
        "ProjectIDs" project_ids: Vec<String> => extend(String),
        /// `Offset`: where the page starts (server default 0).
        "Offset" offset: Option<u32> => value(u32),
        /// `Limit`: the page length, 1 to 100 (server default 20).
        "Limit" limit: Option<u32> => value(u32),
        /// `MemberID`: the member id.
        "MemberID" member_id: Option<i64> => value(i64),
    }
    response DescribeImageResponse {
        /// `TotalCount`: how many images match, across all pages.
        #[serde(rename = "TotalCount", deserialize_with = "crate::de::int")]
        pub total_count: i64,
        /// `Infos`: the images of this page (`null` or missing is an empty page).
        #[serde(rename = "Infos", default, deserialize_with = "crate::de::list")]
        pub infos: Vec<ImageInfo>,
    }
}

fn check(request: &DescribeImageRequest) -> Result<(), Error> {
    if let Some(ImageType::Unknown(other)) = &request.image_type {
        if other.trim().is_empty() {
            return Err(Error::invalid("ImageType", "must not be empty; leave it unset for every type"));
        }
    }
    crate::paginate::check_limit(request.limit)
}

// Images hash: a page's fingerprint is its hash.
crate::paginate::paged_action!(DescribeImageRequest => DescribeImageResponse, ImageInfo, crate::paginate::hash_fingerprint);

/// Pages through DescribeImage; see [`Paginator`](crate::paginate::Paginator).
pub type DescribeImagePaginator = crate::paginate::Paginator<DescribeImageRequest>;
/// The pages of a [`DescribeImagePaginator`].
pub type DescribeImagePages = crate::paginate::Paged<DescribeImageResponse>;
/// The images of a [`DescribeImagePaginator`], across pages.
pub type DescribeImageItems = crate::paginate::Paged<ImageInfo>;

impl DescribeImageFluentBuilder {
    /// Pages through every image the request matches; see
    /// [`Paginator`](crate::paginate::Paginator).
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// use futures::TryStreamExt;
    /// use ucloudstack::image::ImageType;
    ///
    /// let mut images = client.describe_image().image_type(ImageType::Custom).into_paginator().items();
    /// while let Some(image) = images.try_next().await? {
    ///     println!("{:?}", image.image_id);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn into_paginator(self) -> DescribeImagePaginator {
        let (client, request, options) = self.into_parts();
        crate::paginate::Paginator::new(client, request.build(), options)
    }
}
