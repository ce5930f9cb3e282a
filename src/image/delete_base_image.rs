//! DeleteBaseImage (删除基础镜像): deletes a base (platform) image.

use super::settle;
use crate::action::action;
use crate::{Client, Error, Failure};

action! {
    /// DeleteBaseImage (删除基础镜像), newer platforms: deletes a base (platform) image, such as
    /// one CloneCustomImageToBaseImage made.
    ///
    /// Idempotent, and settled like DeleteCustomImage: when an attempt's answer was lost and a
    /// later attempt hears "not found", the earlier one deleted the image and the call
    /// succeeds; on "the state does not allow this", one DescribeImage decides (`Deleting`,
    /// `Deleted` or no longer listed is a success). Without a lost answer, "not found" stays an
    /// error.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// client.delete_base_image().image_id("image-2").send().await?;
    /// # Ok(()) }
    /// ```
    name: "DeleteBaseImage", method: delete_base_image, idempotent: true,
    request: DeleteBaseImageRequest, builder: DeleteBaseImageRequestBuilder,
    fluent: DeleteBaseImageFluentBuilder, response: DeleteBaseImageResponse,
    settle: settle,
    fields {
        /// `ImageID`: the base image to delete (required).
        "ImageID" image_id: Option<String> => required(String),
        /// `CompanyID`: the tenant id.
        "CompanyID" company_id: Option<i64> => value(i64),
    }
    returns {}
}

async fn settle(
    request: &DeleteBaseImageRequest,
    client: &Client,
    failure: Failure,
) -> Result<DeleteBaseImageResponse, Error> {
    settle::image_removed(client, request.region.as_deref(), request.image_id.as_deref(), failure).await?;
    Ok(DeleteBaseImageResponse { action: "DeleteBaseImageResponse".to_owned(), ..Default::default() })
}
