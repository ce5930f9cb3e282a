//! CreateCustomImage (创建自制镜像): makes a custom image from a virtual machine.

use super::ImageType;
use crate::action::action;
use crate::{Client, Error, Failure};
use futures_util::TryStreamExt;
use std::time::Duration;

/// How long `recover_by_name` keeps looking for the image, unless told otherwise.
pub const DEFAULT_RECOVERY_WINDOW: Duration = Duration::from_secs(5);
/// How long recovery waits between two lookups.
const RECOVERY_POLL: Duration = Duration::from_secs(1);

action! {
    /// CreateCustomImage (创建自制镜像): makes a custom image from a virtual machine, which must
    /// be stopped. The image starts in `Making`; see the `ImageStatus` of DescribeImage (or
    /// [`Client::wait_until_image_available`]) for when it is `Used`.
    ///
    /// Not idempotent: once the request may have reached the server it is never re-sent, so a
    /// retry cannot make two images. `recover_by_name` resolves an unknown outcome.
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
    name: "CreateCustomImage", method: create_custom_image, idempotent: false,
    request: CreateCustomImageRequest, builder: CreateCustomImageRequestBuilder,
    fluent: CreateCustomImageFluentBuilder, response: CreateCustomImageResponse,
    note_existing: note_existing,
    settle: settle,
    fields {
        /// `VMID`: the virtual machine to make the image from (required; it must be stopped).
        "VMID" vm_id: Option<String> => required(String),
        /// `ImageName`: the name of the new image (required).
        "ImageName" image_name: Option<String> => required(String),
        /// `CompanyID`: the tenant id; honoured for admin callers only.
        "CompanyID" company_id: Option<i64> => value(i64),
        /// `ImageDescription`: a description of the new image (an empty one is not sent).
        "ImageDescription" image_description: Option<String> => set(String),
        /// `ProjectID`: the project the image belongs to.
        "ProjectID" project_id: Option<String> => set(String),
        /// `MemberID`: the member id.
        "MemberID" member_id: Option<i64> => value(i64),
    }
    local {
        /// Not sent. When the create fails in a way that may have made the image all the same
        /// (a timeout, a cut connection, an unreadable answer, an HTTP 500, 502 or 504), look for
        /// it instead of failing. Before sending the create, the call lists the custom images
        /// named `image_name` (one DescribeImage listing); after such a failure it lists them
        /// again, every second for the recovery window (default [`DEFAULT_RECOVERY_WINDOW`],
        /// 5 s, and never past the call's total timeout), since the platform may still be
        /// working on the request. An image whose `Name` or `ImageName` is `image_name`, that
        /// was not there before and, on newer platforms, whose `ImageFrom` is this `VMID`, is the
        /// one this call made. Exactly one: the call succeeds with
        /// its id. None by the end: the original error, whose
        /// [`outcome_unknown`](crate::Error::outcome_unknown) is true. More than one:
        /// [`Error::AmbiguousRecovery`] naming them. The create is never sent again, and no
        /// clock is compared: an image older than the call is never adopted.
        ///
        /// Off by default. It means something only if no other tool creates an image of the
        /// same name while the call runs: such an image would be taken for ours (or make the
        /// answer ambiguous).
        recover_by_name: bool => flag(bool),
        /// Not sent. How long `recover_by_name` keeps looking (default
        /// [`DEFAULT_RECOVERY_WINDOW`], 5 s; zero looks once).
        recovery_window: Option<Duration> => value(Duration),
    }
    returns {
        /// `ImageID`: the id of the new custom image.
        #[serde(rename = "ImageID")]
        pub image_id: String,
    }
}

/// Before the create, with `recover_by_name`: the images of that name that already exist.
async fn note_existing(request: &CreateCustomImageRequest, client: &Client) -> Result<Vec<String>, Error> {
    if !request.recover_by_name {
        return Ok(Vec::new());
    }
    request.named(client).await
}

/// After a failure that may have made the image, with `recover_by_name`: look it up.
async fn settle(
    request: &CreateCustomImageRequest,
    client: &Client,
    failure: Failure,
) -> Result<CreateCustomImageResponse, Error> {
    let Failure { error, existing, deadline, .. } = failure;
    if !request.recover_by_name || !error.outcome_unknown() {
        return Err(error);
    }
    let name = request.image_name.as_deref().unwrap_or_default();
    let window = crate::time::from_now(request.recovery_window.unwrap_or(DEFAULT_RECOVERY_WINDOW));
    // The window, and never past the call's own total timeout.
    let deadline = deadline.map_or(window, |total| total.min(window));
    tracing::debug!(image_name = name, %error, "create outcome unknown; looking the image up by name");
    loop {
        // A lookup may hang too: it ends with the window, not after it.
        match tokio::time::timeout_at(deadline, request.named(client)).await {
            Ok(Ok(found)) => {
                let mut new: Vec<String> = found.into_iter().filter(|id| !existing.contains(id)).collect();
                if new.len() == 1 {
                    let image_id = new.pop().unwrap_or_default();
                    tracing::debug!(image_name = name, image_id, "recovered the image the lost answer named");
                    return Ok(CreateCustomImageResponse {
                        action: "CreateCustomImageResponse".to_owned(),
                        image_id,
                        ..CreateCustomImageResponse::default()
                    });
                }
                if new.len() > 1 {
                    return Err(Error::AmbiguousRecovery {
                        action: <CreateCustomImageRequest as crate::Action>::NAME.to_owned(),
                        name: name.to_owned(),
                        image_ids: new,
                        source: Box::new(error),
                    });
                }
            }
            Ok(Err(lookup)) => tracing::debug!(%lookup, "recovery lookup failed"),
            Err(_) => return Err(error),
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Err(error);
        }
        tokio::time::sleep(RECOVERY_POLL.min(deadline - now)).await;
    }
}

impl CreateCustomImageRequest {
    /// The ids of the custom images whose `Name` or `ImageName` is exactly this request's name
    /// and, where the platform says it (`ImageFrom`), that were made from this request's VM.
    async fn named(&self, client: &Client) -> Result<Vec<String>, Error> {
        let name = self.image_name.as_deref().unwrap_or_default();
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
            .filter(|i| i.name.as_deref() == Some(name) || i.image_name.as_deref() == Some(name))
            // Newer platforms say where an image came from: one made from another VM is not ours.
            .filter(|i| i.image_from.as_deref().is_none_or(|from| self.vm_id.as_deref() == Some(from)))
            .filter_map(|i| i.image_id)
            .collect())
    }
}
