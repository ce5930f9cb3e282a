//! DeleteCustomImage (删除自制镜像): deletes a custom image.

use super::ImageStatus;
use crate::action::{Action, ApiResponse, Failure, action_builders, not_blank, required};
use crate::{ApiErrorKind, Client, Error};
use serde::{Deserialize, Serialize};

/// A DeleteCustomImage request. Build it with [`DeleteCustomImageRequest::builder`], or send
/// it fluently with [`Client::delete_custom_image`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DeleteCustomImageRequest {
    /// `Region`: the region; the client's default when `None`.
    #[serde(skip)]
    pub region: Option<String>,
    /// `ImageID`: the custom image to delete (required).
    #[serde(rename = "ImageID", skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    /// `CompanyID`: the tenant id; honoured for admin callers only.
    #[serde(rename = "CompanyID", skip_serializing_if = "Option::is_none")]
    pub company_id: Option<i64>,
}

impl DeleteCustomImageRequest {
    /// A builder; `image_id` must be set before [`build`](DeleteCustomImageRequestBuilder::build).
    pub fn builder() -> DeleteCustomImageRequestBuilder {
        DeleteCustomImageRequestBuilder::default()
    }
}

/// Builds a [`DeleteCustomImageRequest`]; [`build`](Self::build) checks it.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct DeleteCustomImageRequestBuilder {
    request: DeleteCustomImageRequest,
}

impl DeleteCustomImageRequestBuilder {
    /// Checks the request against the API's rules and returns it.
    pub fn build(self) -> Result<DeleteCustomImageRequest, Error> {
        self.request.validate()?;
        Ok(self.request)
    }
}

action_builders! {
    /// `client.delete_custom_image()`: set `image_id`, then [`send`](Self::send).
    DeleteCustomImageFluentBuilder => DeleteCustomImageRequestBuilder => DeleteCustomImageRequest {
        /// `Region`: overrides the client's default region for this call.
        fn region(&mut b, region: impl Into<String>) { b.request.region = Some(region.into()); }
        /// `ImageID`: the custom image to delete (required).
        fn image_id(&mut b, image_id: impl Into<String>) { b.request.image_id = Some(image_id.into()); }
        /// `CompanyID`: the tenant id; honoured for admin callers only.
        fn company_id(&mut b, company_id: i64) { b.request.company_id = Some(company_id); }
    }
}

impl Client {
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
    pub fn delete_custom_image(&self) -> DeleteCustomImageFluentBuilder {
        DeleteCustomImageFluentBuilder::new(self.clone())
    }
}

impl Action for DeleteCustomImageRequest {
    const NAME: &'static str = "DeleteCustomImage";
    const IDEMPOTENT: bool = true;
    type Output = DeleteCustomImageResponse;

    fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    fn validate(&self) -> Result<(), Error> {
        not_blank("Region", &self.region)?;
        required("ImageID", &self.image_id)?;
        Ok(())
    }

    async fn settle(&self, client: &Client, failure: Failure) -> Result<DeleteCustomImageResponse, Error> {
        let Failure { error, earlier_answer_lost, .. } = failure;
        let image_id = self.image_id.as_deref().unwrap_or_default();
        let gone = earlier_answer_lost
            && match error.api_kind() {
                Some(ApiErrorKind::NotFound) => true,
                Some(ApiErrorKind::InvalidState) => {
                    let mut look = client.describe_image().image_ids([image_id]);
                    if let Some(region) = &self.region {
                        look = look.region(region);
                    }
                    look.send().await.is_ok_and(|page| {
                        let status = page.infos.iter().find(|i| i.image_id.as_deref() == Some(image_id));
                        status.is_none_or(|i| {
                            matches!(i.image_status, Some(ImageStatus::Deleting | ImageStatus::Deleted))
                        })
                    })
                }
                _ => false,
            };
        if !gone {
            return Err(error);
        }
        tracing::debug!(image_id, %error, "an earlier attempt deleted the image; its answer was lost");
        Ok(DeleteCustomImageResponse {
            action: "DeleteCustomImageResponse".to_owned(),
            ret_code: 0,
            message: String::new(),
        })
    }
}

/// The answer to DeleteCustomImage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeleteCustomImageResponse {
    /// `Action`: `DeleteCustomImageResponse`.
    #[serde(rename = "Action", default, deserialize_with = "crate::de::string")]
    pub action: String,
    /// `RetCode`: 0 (any other value is returned as [`Error::Api`] instead).
    #[serde(rename = "RetCode", deserialize_with = "crate::de::int")]
    pub ret_code: i64,
    /// `Message`: empty on success.
    #[serde(rename = "Message", default, deserialize_with = "crate::de::string")]
    pub message: String,
}

impl ApiResponse for DeleteCustomImageResponse {
    fn ret_code(&self) -> i64 {
        self.ret_code
    }
    fn message(&self) -> &str {
        &self.message
    }
}
