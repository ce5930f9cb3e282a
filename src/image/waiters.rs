//! The image waiters: until an image is ready to use, or gone.

use super::{ImageInfo, ImageStatus};
use crate::wait::{Verdict, WaitTarget, Waiter, Watched};
use crate::{Client, Error, WaitFailure};

/// How many polls in a row may not list an image before waiting for it to be available fails
/// (a fresh image may take a moment to be listed).
const MISSING_POLLS: u32 = 3;

/// The image is `Used` (可用), or `Available` on older releases: ready to use.
#[derive(Debug, Clone, Copy)]
pub struct ImageAvailable;

/// The image is `Deleted` or no longer listed.
#[derive(Debug, Clone, Copy)]
pub struct ImageDeleted;

/// A waiter for an image; see [`Waiter`].
pub type ImageWaiter<T> = Waiter<T>;

pub(crate) async fn look(client: &Client, id: &str, region: Option<&str>) -> Result<Option<ImageInfo>, Error> {
    let mut poll = client.describe_image().image_ids([id]);
    if let Some(region) = region {
        poll = poll.region(region);
    }
    let page = poll.send().await?;
    Ok(page.infos.into_iter().find(|i| i.image_id.as_deref() == Some(id)))
}

/// Images, as the waiters watch them: DescribeImage by id.
#[derive(Debug, Clone, Copy)]
pub struct Images;

impl Watched for Images {
    type Resource = ImageInfo;
    const RESOURCE: &'static str = "image";

    fn poll(
        client: &Client,
        id: &str,
        region: Option<&str>,
    ) -> impl Future<Output = Result<Option<ImageInfo>, Error>> + Send {
        look(client, id, region)
    }

    fn percent(image: &ImageInfo) -> Option<u8> {
        image.prepare_percent.and_then(|p| u8::try_from(p.clamp(0, 100)).ok())
    }

    fn status(image: &ImageInfo) -> String {
        image.image_status.as_ref().map_or_else(|| "(no status)".to_owned(), ToString::to_string)
    }
}

impl WaitTarget for ImageAvailable {
    type Watched = Images;
    type Output = ImageInfo;

    fn judge(image: Option<ImageInfo>, missing_polls: u32) -> Verdict<ImageInfo> {
        let Some(image) = image else {
            return if missing_polls >= MISSING_POLLS {
                Verdict::Failed(WaitFailure::NotListed(missing_polls))
            } else {
                Verdict::Pending
            };
        };
        match &image.image_status {
            Some(status) if status.is_available() => Verdict::Done(image),
            // The platform's `Reason` says why an image failed (an import's bad URL, say).
            Some(status) if status.is_failed_or_gone() => {
                Verdict::Failed(WaitFailure::FailureState(match &image.reason {
                    Some(reason) if !reason.trim().is_empty() => {
                        format!("{status} ({})", crate::excerpt::excerpt_of(reason.as_bytes(), 256))
                    }
                    _ => status.to_string(),
                }))
            }
            _ => Verdict::Pending,
        }
    }
}

impl WaitTarget for ImageDeleted {
    type Watched = Images;
    type Output = ();

    fn judge(image: Option<ImageInfo>, _: u32) -> Verdict<()> {
        match image.map(|i| i.image_status) {
            None | Some(Some(ImageStatus::Deleted)) => Verdict::Done(()),
            Some(Some(ImageStatus::Failed)) => Verdict::Failed(WaitFailure::FailureState("Failed".into())),
            Some(_) => Verdict::Pending,
        }
    }
}

impl Client {
    /// Waits until the image is `Used`, and returns it. Fails with [`Error::Waiter`] if it
    /// reaches `Failed`, `Unavailable`, `Terminating` or `Deleting`, is not listed in three polls
    /// in a row, or time runs out.
    pub fn wait_until_image_available(&self, image_id: impl Into<String>) -> ImageWaiter<ImageAvailable> {
        Waiter::new(self.clone(), image_id.into())
    }

    /// Waits until the image is `Deleted` or no longer listed (so an id that was never listed
    /// counts as deleted at once). Fails with [`Error::Waiter`] if it reaches `Failed` or time
    /// runs out.
    pub fn wait_until_image_deleted(&self, image_id: impl Into<String>) -> ImageWaiter<ImageDeleted> {
        Waiter::new(self.clone(), image_id.into())
    }
}
