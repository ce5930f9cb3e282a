//! AbortImageMultipartUpload (取消镜像分片上传): gives up the upload of a `Local` import.

use super::{rules, settle};
use crate::action::action;
use crate::{Client, Error, Failure};

action! {
    /// AbortImageMultipartUpload (取消镜像分片上传), newer platforms: gives up a `Local`
    /// ImportImage's upload, and the image waiting for it.
    ///
    /// Idempotent, and settled like DeleteCustomImage: when an attempt's answer was lost and a
    /// later attempt hears "not found", the earlier one did the work and the call succeeds; on
    /// "the state does not allow this", one DescribeImage decides (`Deleting`, `Deleted` or no
    /// longer listed is a success). Without a lost answer, "not found" stays an error.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// client.abort_image_multipart_upload().company_id(200001).image_id("image-1").send().await?;
    /// # Ok(()) }
    /// ```
    name: "AbortImageMultipartUpload", method: abort_image_multipart_upload, idempotent: true,
    request: AbortImageMultipartUploadRequest, builder: AbortImageMultipartUploadRequestBuilder,
    fluent: AbortImageMultipartUploadFluentBuilder, response: AbortImageMultipartUploadResponse,
    check: check,
    settle: settle,
    fields {
        /// `CompanyID`: the tenant id (required).
        "CompanyID" company_id: Option<i64> => value(i64),
        /// `ImageID`: the image ImportImage made (required).
        "ImageID" image_id: Option<String> => required(String),
        /// `UploadID`: the upload to give up; the one the platform recorded when unset.
        "UploadID" upload_id: Option<String> => set(String),
    }
    returns {}
}

fn check(request: &AbortImageMultipartUploadRequest) -> Result<(), Error> {
    rules::required_int("CompanyID", request.company_id)?;
    crate::action::not_blank("UploadID", request.upload_id.as_deref())
}

async fn settle(
    request: &AbortImageMultipartUploadRequest,
    client: &Client,
    failure: Failure,
) -> Result<AbortImageMultipartUploadResponse, Error> {
    settle::image_removed(client, request.region.as_deref(), request.image_id.as_deref(), failure).await?;
    Ok(AbortImageMultipartUploadResponse {
        action: "AbortImageMultipartUploadResponse".to_owned(),
        ..Default::default()
    })
}
