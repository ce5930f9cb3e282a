//! GetImageDownloadURL (获取镜像下载地址): the query that lets an image be downloaded.

use super::ImageDownloadInfo;
use crate::action::action;

action! {
    /// GetImageDownloadURL (获取镜像下载地址), newer platforms: the query string that, after
    /// `?` on the platform's download address, lets an unencrypted image be fetched with a
    /// plain GET until `ExpiredTime`. The address itself is not returned.
    ///
    /// Idempotent: it only mints a time-limited query, and a second one works as the first.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// let answer = client.get_image_download_url().image_id("image-1").send().await?;
    /// if let Some(info) = &answer.info {
    ///     println!("valid until {:?}", info.expired_time);
    /// }
    /// # Ok(()) }
    /// ```
    name: "GetImageDownloadURL", method: get_image_download_url, idempotent: true,
    request: GetImageDownloadUrlRequest, builder: GetImageDownloadUrlRequestBuilder,
    fluent: GetImageDownloadUrlFluentBuilder, response: GetImageDownloadUrlResponse,
    fields {
        /// `ImageID`: the image, which must not be encrypted (required).
        "ImageID" image_id: Option<String> => required(String),
    }
    returns {
        /// `Info`: the download query and its expiry.
        #[serde(rename = "Info", default, skip_serializing_if = "Option::is_none")]
        pub info: Option<ImageDownloadInfo>,
    }
}
