//! DescribeImage (获取镜像信息): lists images, platform (Base) and custom ones.

use super::model::{ImageFormat, ImageInfo, ImageStatus, ImageType};
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
    name: "DescribeImage", method: describe_image, idempotent: true,
    request: DescribeImageRequest, builder: DescribeImageRequestBuilder,
    fluent: DescribeImageFluentBuilder, response: DescribeImageResponse,
    check: check,
    // Images hash: a page's fingerprint is its hash.
    paged: {
        item: ImageInfo, fingerprint: hash_fingerprint,
        paginator: DescribeImagePaginator, pages: DescribeImagePages, items: DescribeImageItems,
    },
    fields {
        /// `ImageType`: only `Base` (platform) or only `Custom` (made from VMs) images; every
        /// image when unset.
        "ImageType" image_type: Option<ImageType> => set(ImageType),
        /// `ImageIDs`: only these images; sent as `ImageIDs.0`, `ImageIDs.1`, ...
        "ImageIDs" image_ids: Vec<String> => extend(String),
        /// `CompanyID`: the tenant id; honoured for admin callers only.
        "CompanyID" company_id: Option<i64> => value(i64),
        /// `Keyword`: a search keyword.
        "Keyword" keyword: Option<String> => set(String),
        /// `ImageFormat`: only images of this file format (newer platforms).
        "ImageFormat" image_format: Option<ImageFormat> => set(ImageFormat),
        /// `Status`: only images in these states (newer platforms); sent as `Status.0`, ...
        "Status" status: Vec<ImageStatus> => extend(ImageStatus),
        /// `ProjectIDs`: only images of these project groups; sent as `ProjectIDs.0`, ...
        "ProjectIDs" project_ids: Vec<String> => extend(String),
        /// `Offset`: where the page starts (server default 0).
        "Offset" offset: Option<u32> => value(u32),
        /// `Limit`: the page length, 1 to 100 (server default 20).
        "Limit" limit: Option<u32> => value(u32),
        /// `MemberID`: the member id.
        "MemberID" member_id: Option<i64> => value(i64),
    }
    returns {}
}

fn check(request: &DescribeImageRequest) -> Result<(), Error> {
    if let Some(ImageType::Unknown(other)) = &request.image_type
        && other.trim().is_empty()
    {
        return Err(Error::invalid("ImageType", "must not be empty; leave it unset for every type"));
    }
    super::rules::not_blank_enum("ImageFormat", &request.image_format)
}
