//! DescribeBaseImage (获取基础镜像信息): lists base (platform) images.

use super::BaseImageInfo;
use crate::action::action;

action! {
    /// DescribeBaseImage (获取基础镜像信息), newer platforms: lists base (platform) images,
    /// with who may use each. Not paged: one answer holds them all.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// let bases = client.describe_base_image().image_ids(["image-2"]).send().await?;
    /// for base in &bases.infos {
    ///     println!("{:?} {:?}", base.image_id, base.permission);
    /// }
    /// # Ok(()) }
    /// ```
    name: "DescribeBaseImage", method: describe_base_image, idempotent: true,
    request: DescribeBaseImageRequest, builder: DescribeBaseImageRequestBuilder,
    fluent: DescribeBaseImageFluentBuilder, response: DescribeBaseImageResponse,
    fields {
        /// `ImageIDs`: only these images; sent as `ImageIDs.0`, `ImageIDs.1`, ...
        "ImageIDs" image_ids: Vec<String> => extend(String),
    }
    returns {
        /// `TotalCount`: how many base images match.
        #[serde(rename = "TotalCount", default, deserialize_with = "crate::de::int")]
        pub total_count: i64,
        /// `Infos`: the base images (`null` or missing is empty).
        #[serde(rename = "Infos", default, deserialize_with = "crate::de::list")]
        pub infos: Vec<BaseImageInfo>,
    }
}
