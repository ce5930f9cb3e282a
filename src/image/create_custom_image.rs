//! CreateCustomImage (创建自制镜像): makes a custom image from a virtual machine.

use super::ImageType;
use crate::action::{Action, ApiResponse, Failure, action_builders, not_blank, required};
use crate::{Client, Error};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use std::time::{Duration, UNIX_EPOCH};

/// How long `recover_by_name` keeps looking for the image, unless told otherwise.
pub const DEFAULT_RECOVERY_WINDOW: Duration = Duration::from_secs(5);
/// How far the platform's clock may lag ours: an image whose `CreateTime` is up to this much
/// before the call began still counts as made by the call.
pub const RECOVERY_CLOCK_SKEW: Duration = Duration::from_secs(60);
/// How long recovery waits between two lookups.
const RECOVERY_POLL: Duration = Duration::from_secs(1);

/// A CreateCustomImage request. Build it with [`CreateCustomImageRequest::builder`], or send
/// it fluently with [`Client::create_custom_image`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CreateCustomImageRequest {
    /// `Region`: the region; the client's default when `None`.
    #[serde(skip)]
    pub region: Option<String>,
    /// `VMID`: the virtual machine to make the image from (required).
    #[serde(rename = "VMID", skip_serializing_if = "Option::is_none")]
    pub vm_id: Option<String>,
    /// `ImageName`: the name of the new image (required).
    #[serde(rename = "ImageName", skip_serializing_if = "Option::is_none")]
    pub image_name: Option<String>,
    /// `CompanyID`: the tenant id; honoured for admin callers only.
    #[serde(rename = "CompanyID", skip_serializing_if = "Option::is_none")]
    pub company_id: Option<i64>,
    /// `ImageDescription`: a description of the new image.
    #[serde(rename = "ImageDescription", skip_serializing_if = "Option::is_none")]
    pub image_description: Option<String>,
    /// Not sent: look the image up by name when the outcome is unknown (see
    /// [`CreateCustomImageFluentBuilder::recover_by_name`]).
    #[serde(skip)]
    pub recover_by_name: bool,
    /// Not sent: how long recovery looks (default [`DEFAULT_RECOVERY_WINDOW`]).
    #[serde(skip)]
    pub recovery_window: Option<Duration>,
}

impl CreateCustomImageRequest {
    /// A builder; `vm_id` and `image_name` must be set before [`build`](CreateCustomImageRequestBuilder::build).
    pub fn builder() -> CreateCustomImageRequestBuilder {
        CreateCustomImageRequestBuilder::default()
    }
}

/// Builds a [`CreateCustomImageRequest`]; [`build`](Self::build) checks it.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct CreateCustomImageRequestBuilder {
    request: CreateCustomImageRequest,
}

impl CreateCustomImageRequestBuilder {
    /// Checks the request against the API's rules and returns it.
    pub fn build(self) -> Result<CreateCustomImageRequest, Error> {
        self.request.validate()?;
        Ok(self.request)
    }
}

action_builders! {
    /// `client.create_custom_image()`: set `vm_id` and `image_name`, then [`send`](Self::send).
    CreateCustomImageFluentBuilder => CreateCustomImageRequestBuilder => CreateCustomImageRequest {
        /// `Region`: overrides the client's default region for this call.
        fn region(&mut b, region: impl Into<String>) { b.request.region = Some(region.into()); }
        /// `VMID`: the virtual machine to make the image from (required).
        fn vm_id(&mut b, vm_id: impl Into<String>) { b.request.vm_id = Some(vm_id.into()); }
        /// `ImageName`: the name of the new image (required).
        fn image_name(&mut b, name: impl Into<String>) { b.request.image_name = Some(name.into()); }
        /// `CompanyID`: the tenant id; honoured for admin callers only.
        fn company_id(&mut b, company_id: i64) { b.request.company_id = Some(company_id); }
        /// `ImageDescription`: a description of the new image (an empty one is not sent).
        fn image_description(&mut b, description: impl Into<String>) {
            b.request.image_description = Some(description.into());
        }
        /// Not sent. When the create fails in a way that may have made the image all the same
        /// (a timeout, a cut connection, an unreadable answer, an HTTP 5xx), look for it instead
        /// of failing: list the custom images named exactly `image_name` whose `CreateTime` is
        /// no older than the call's start (less [`RECOVERY_CLOCK_SKEW`]), again every second
        /// for the [`recovery_window`](Self::recovery_window), since the platform may still be
        /// working on the request. Exactly one: the call succeeds with its id. None by the end:
        /// the original error. More than one: [`Error::AmbiguousRecovery`] naming them. The
        /// create is never sent again.
        ///
        /// Off by default. It means something only if image names are unique among the images
        /// made at about the same time: two tools creating the same name at once make the
        /// answer ambiguous, and a name another tool created in the window is taken for ours.
        fn recover_by_name(&mut b, recover: bool) { b.request.recover_by_name = recover; }
        /// Not sent. How long [`recover_by_name`](Self::recover_by_name) keeps looking (default
        /// [`DEFAULT_RECOVERY_WINDOW`], 5 s; zero looks once).
        fn recovery_window(&mut b, window: Duration) { b.request.recovery_window = Some(window); }
    }
}

impl Client {
    /// CreateCustomImage (创建自制镜像): makes a custom image from a virtual machine. The image
    /// starts in `Making`; see the `ImageStatus` of DescribeImage for when it is `Used`.
    ///
    /// Not idempotent: once the request may have reached the server it is never re-sent, so a
    /// retry cannot make two images.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// let created = client
    ///     .create_custom_image()
    ///     .vm_id("vm-abc")
    ///     .image_name("golden")
    ///     .image_description("web tier")
    ///     .send()
    ///     .await?;
    /// println!("new image {}", created.image_id);
    /// # Ok(()) }
    /// ```
    pub fn create_custom_image(&self) -> CreateCustomImageFluentBuilder {
        CreateCustomImageFluentBuilder::new(self.clone())
    }
}

impl Action for CreateCustomImageRequest {
    const NAME: &'static str = "CreateCustomImage";
    const IDEMPOTENT: bool = false;
    type Output = CreateCustomImageResponse;

    fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    fn validate(&self) -> Result<(), Error> {
        not_blank("Region", &self.region)?;
        required("VMID", &self.vm_id)?;
        required("ImageName", &self.image_name)?;
        Ok(())
    }

    async fn settle(&self, client: &Client, failure: Failure) -> Result<CreateCustomImageResponse, Error> {
        let Failure { error, started, .. } = failure;
        if !self.recover_by_name || !error.outcome_unknown() {
            return Err(error);
        }
        let name = self.image_name.as_deref().unwrap_or_default();
        let since = started.checked_sub(RECOVERY_CLOCK_SKEW).unwrap_or(UNIX_EPOCH);
        let since = since.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        let deadline = tokio::time::Instant::now() + self.recovery_window.unwrap_or(DEFAULT_RECOVERY_WINDOW);
        tracing::debug!(image_name = name, %error, "create outcome unknown; looking the image up by name");
        loop {
            match self.made_since(client, name, since).await {
                Ok(found) if found.len() == 1 => {
                    let image_id = found.into_iter().next().unwrap_or_default();
                    tracing::debug!(image_name = name, image_id, "recovered the image the lost answer named");
                    return Ok(CreateCustomImageResponse {
                        action: "CreateCustomImageResponse".to_owned(),
                        image_id,
                        ..CreateCustomImageResponse::default()
                    });
                }
                Ok(found) if found.len() > 1 => {
                    return Err(Error::AmbiguousRecovery {
                        action: Self::NAME.to_owned(),
                        name: name.to_owned(),
                        image_ids: found,
                        source: Box::new(error),
                    });
                }
                Ok(_) => {}
                Err(lookup) => tracing::debug!(%lookup, "recovery lookup failed"),
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Err(error);
            }
            tokio::time::sleep(RECOVERY_POLL.min(deadline - now)).await;
        }
    }
}

impl CreateCustomImageRequest {
    /// The ids of the custom images named exactly `name` made at `since` (Unix seconds) or later.
    async fn made_since(&self, client: &Client, name: &str, since: i64) -> Result<Vec<String>, Error> {
        let mut list = client.describe_image().image_type(ImageType::Custom).keyword(name);
        if let Some(region) = &self.region {
            list = list.region(region);
        }
        if let Some(company_id) = self.company_id {
            list = list.company_id(company_id);
        }
        let images: Vec<_> = list.into_paginator().items().try_collect().await?;
        Ok(images
            .into_iter()
            .filter(|i| i.name.as_deref() == Some(name) && i.create_time.is_some_and(|t| t >= since))
            .filter_map(|i| i.image_id)
            .collect())
    }
}

/// The answer to CreateCustomImage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateCustomImageResponse {
    /// `Action`: `CreateCustomImageResponse`.
    #[serde(rename = "Action", default, deserialize_with = "crate::de::string")]
    pub action: String,
    /// `RetCode`: 0 (any other value is returned as [`Error::Api`] instead).
    #[serde(rename = "RetCode", deserialize_with = "crate::de::int")]
    pub ret_code: i64,
    /// `Message`: empty on success.
    #[serde(rename = "Message", default, deserialize_with = "crate::de::string")]
    pub message: String,
    /// `ImageID`: the id of the new custom image.
    #[serde(rename = "ImageID")]
    pub image_id: String,
}

impl ApiResponse for CreateCustomImageResponse {
    fn ret_code(&self) -> i64 {
        self.ret_code
    }
    fn message(&self) -> &str {
        &self.message
    }
}
