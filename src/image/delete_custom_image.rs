//! DeleteCustomImage (删除自制镜像): deletes a custom image.

use super::ImageStatus;
use crate::action::action;
use crate::{ApiErrorKind, Client, Error, Failure};

action! {
    /// DeleteCustomImage (删除自制镜像): deletes a custom image. The image goes `Deleting`, then
    /// disappears from DescribeImage.
    ///
    /// Retried like any idempotent action, and truthful about it: when an attempt's answer
    /// was lost (timeout, cut connection, unreadable answer) and a later attempt hears "not
    /// found" (or "already deleted"), the earlier attempt deleted the image and the call
    /// succeeds. When the later attempt hears "the image's state does not allow this", one
    /// DescribeImage decides: `Deleting`, `Deleted` or no longer listed is a success too.
    /// Without a lost answer, "not found" stays an error ([`Error::is_not_found`]).
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// client.delete_custom_image().image_id("cn-image-1").send().await?;
    /// # Ok(()) }
    /// ```
    name: "DeleteCustomImage", method: delete_custom_image, idempotent: true,
    request: DeleteCustomImageRequest, builder: DeleteCustomImageRequestBuilder,
    fluent: DeleteCustomImageFluentBuilder, response: DeleteCustomImageResponse,
    settle: settle,
    fields {
        /// `ImageID`: the custom image to delete (required).
        "ImageID" image_id: Option<String> => required(String),
        /// `CompanyID`: the tenant id; honoured for admin callers only.
        "CompanyID" company_id: Option<i64> => value(i64),
        /// `MemberID`: the member id.
        "MemberID" member_id: Option<i64> => value(i64),
    }
    returns {}
}

/// After a lost answer, "not found" or "state" while the image is going away is a success.
async fn settle(
    request: &DeleteCustomImageRequest,
    client: &Client,
    failure: Failure,
) -> Result<DeleteCustomImageResponse, Error> {
    let Failure { error, earlier_outcome_unknown, .. } = failure;
    let image_id = request.image_id.as_deref().unwrap_or_default();
    let gone = earlier_outcome_unknown
        && match error.api_kind() {
            Some(ApiErrorKind::NotFound) => true,
            Some(ApiErrorKind::InvalidState) => {
                let mut look = client.describe_image().image_ids([image_id]);
                if let Some(region) = &request.region {
                    look = look.region(region);
                }
                look.send().await.is_ok_and(|page| {
                    let image = page.infos.iter().find(|i| i.image_id.as_deref() == Some(image_id));
                    image.is_none_or(|i| matches!(i.image_status, Some(ImageStatus::Deleting | ImageStatus::Deleted)))
                })
            }
            _ => false,
        };
    if !gone {
        return Err(error);
    }
    tracing::debug!(image_id, %error, "an earlier attempt deleted the image; its answer was lost");
    Ok(DeleteCustomImageResponse { action: "DeleteCustomImageResponse".to_owned(), ..Default::default() })
}
