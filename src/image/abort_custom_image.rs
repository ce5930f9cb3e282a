//! AbortCustomImage (取消制作自制镜像): stops making a custom image.

use super::settle;
use crate::action::action;
use crate::{Client, Error, Failure};

action! {
    /// AbortCustomImage (取消制作自制镜像), newer platforms: stops making a custom image (one
    /// CreateCustomImage started, still `Making`).
    ///
    /// Idempotent, and settled like DeleteCustomImage: when an attempt's answer was lost and a
    /// later attempt hears "not found", the earlier one did the work and the call succeeds; on
    /// "the state does not allow this", one DescribeImage decides (`Deleting`, `Deleted` or no
    /// longer listed is a success). Without a lost answer, "not found" stays an error.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// client.abort_custom_image().image_id("image-1").send().await?;
    /// # Ok(()) }
    /// ```
    name: "AbortCustomImage", method: abort_custom_image, idempotent: true,
    request: AbortCustomImageRequest, builder: AbortCustomImageRequestBuilder,
    fluent: AbortCustomImageFluentBuilder, response: AbortCustomImageResponse,
    settle: settle,
    fields {
        /// `ImageID`: the custom image being made (required).
        "ImageID" image_id: Option<String> => required(String),
        /// `CompanyID`: the tenant id.
        "CompanyID" company_id: Option<i64> => value(i64),
    }
    returns {}
}

async fn settle(
    request: &AbortCustomImageRequest,
    client: &Client,
    failure: Failure,
) -> Result<AbortCustomImageResponse, Error> {
    settle::image_removed(client, request.region.as_deref(), request.image_id.as_deref(), failure).await?;
    Ok(AbortCustomImageResponse { action: "AbortCustomImageResponse".to_owned(), ..Default::default() })
}
