//! Settling a lost answer of an action that removes an image (DeleteBaseImage, the aborts),
//! the way DeleteCustomImage does.

use super::ImageStatus;
use crate::{ApiErrorKind, Client, Error, Failure};

/// `Ok` when an earlier attempt, whose answer was lost, removed the image: a later attempt
/// heard "not found", or "the state does not allow this" while one DescribeImage shows the
/// image `Deleting`, `Deleted` or gone. Otherwise the call's error. Without a lost answer,
/// "not found" stays an error.
pub(super) async fn image_removed(
    client: &Client,
    region: Option<&str>,
    image_id: Option<&str>,
    failure: Failure,
) -> Result<(), Error> {
    let Failure { error, earlier_outcome_unknown, .. } = failure;
    let image_id = image_id.unwrap_or_default();
    let removed = earlier_outcome_unknown
        && match error.api_kind() {
            Some(ApiErrorKind::NotFound) => true,
            Some(ApiErrorKind::InvalidState) => {
                let mut look = client.describe_image().image_ids([image_id]);
                if let Some(region) = region {
                    look = look.region(region);
                }
                look.send().await.is_ok_and(|page| {
                    let image = page.infos.iter().find(|i| i.image_id.as_deref() == Some(image_id));
                    image.is_none_or(|i| matches!(i.image_status, Some(ImageStatus::Deleting | ImageStatus::Deleted)))
                })
            }
            _ => false,
        };
    if !removed {
        return Err(error);
    }
    tracing::debug!(image_id, %error, "an earlier attempt removed the image; its answer was lost");
    Ok(())
}
