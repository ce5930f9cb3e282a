//! Waiters: poll DescribeImage until an image is ready, or gone, within a time limit.

use crate::image::{ImageInfo, ImageStatus};
use crate::{Client, Error, WaitFailure};
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// How long a waiter waits in all, unless told otherwise.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(30 * 60);
/// The first delay between two polls.
pub const DEFAULT_MIN_DELAY: Duration = Duration::from_secs(2);
/// The longest delay between two polls.
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(30);
/// The shortest delay between polls a waiter accepts.
pub const MIN_POLL_DELAY: Duration = Duration::from_millis(100);
/// A deadline far enough away to mean "no limit" (100 years).
const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
/// How many polls in a row may not list an image before waiting for it to be available fails
/// (a fresh image may take a moment to be listed).
const MISSING_POLLS: u32 = 3;

/// Waits for an image to reach a state: `.await` it directly, or set limits first.
///
/// Polls DescribeImage with the image's id, first after no delay, then with delays growing
/// from `min_delay` (2 s) to `max_delay` (30 s), with ±20 % jitter, for at most `max_wait`
/// (30 min). Errors the retry policy deems transient do not end the wait; others do. Time is
/// tokio's, so tests can run it under paused time.
///
/// ```no_run
/// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
/// use std::time::Duration;
///
/// let image = client.wait_until_image_available("cn-image-1").await?;
/// let image = client
///     .wait_until_image_available("cn-image-1")
///     .max_wait(Duration::from_secs(600))
///     .poll_delay(Duration::from_secs(5), Duration::from_secs(20))
///     .wait()
///     .await?;
/// client.wait_until_image_deleted("cn-image-1").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use = "a waiter does nothing until awaited"]
pub struct ImageWaiter<T> {
    client: Client,
    image_id: String,
    region: Option<String>,
    max_wait: Duration,
    min_delay: Duration,
    max_delay: Duration,
    on_poll: Option<ProgressHook>,
    target: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for ImageWaiter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageWaiter")
            .field("image_id", &self.image_id)
            .field("region", &self.region)
            .field("max_wait", &self.max_wait)
            .field("min_delay", &self.min_delay)
            .field("max_delay", &self.max_delay)
            .field("on_poll", &self.on_poll.is_some())
            .finish_non_exhaustive()
    }
}

type ProgressHook = Arc<dyn Fn(&WaitProgress<'_>) + Send + Sync>;

/// What a waiter saw at one poll, for progress reports (see [`ImageWaiter::on_poll`]).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct WaitProgress<'a> {
    /// The image waited on.
    pub image_id: &'a str,
    /// Its `ImageStatus`, `not listed`, or the transient error that this poll met.
    pub status: &'a str,
    /// Time since the wait began.
    pub elapsed: Duration,
    /// Polls made so far, this one included.
    pub polls: u32,
}

/// The state an [`ImageWaiter`] waits for.
pub trait WaitTarget: sealed::Sealed + Send + 'static {
    /// What the wait returns once the state is reached.
    type Output: Send + 'static;
    /// Judges one poll: the image as listed (`None` if not listed) and how many polls in a row
    /// have not listed it.
    #[doc(hidden)]
    fn check(image: Option<ImageInfo>, missing_polls: u32) -> Verdict<Self::Output>;
}

/// What one poll says.
#[doc(hidden)]
pub enum Verdict<T> {
    Done(T),
    Failed(WaitFailure),
    Pending,
}

/// The image is `Used` (可用), or `Available` on older releases: ready to use.
#[derive(Debug, Clone, Copy)]
pub struct ImageAvailable;

/// The image is `Deleted` or no longer listed.
#[derive(Debug, Clone, Copy)]
pub struct ImageDeleted;

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::ImageAvailable {}
    impl Sealed for super::ImageDeleted {}
}

impl WaitTarget for ImageAvailable {
    type Output = ImageInfo;
    fn check(image: Option<ImageInfo>, missing_polls: u32) -> Verdict<ImageInfo> {
        let Some(image) = image else {
            return if missing_polls >= MISSING_POLLS {
                Verdict::Failed(WaitFailure::NotListed(missing_polls))
            } else {
                Verdict::Pending
            };
        };
        match &image.image_status {
            Some(status) if status.is_available() => Verdict::Done(image),
            Some(status) if status.is_failed_or_gone() => {
                Verdict::Failed(WaitFailure::FailureState(status.to_string()))
            }
            _ => Verdict::Pending,
        }
    }
}

impl WaitTarget for ImageDeleted {
    type Output = ();
    fn check(image: Option<ImageInfo>, _: u32) -> Verdict<()> {
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
        ImageWaiter::new(self.clone(), image_id.into())
    }

    /// Waits until the image is `Deleted` or no longer listed (so an id that was never listed
    /// counts as deleted at once). Fails with [`Error::Waiter`] if it reaches `Failed` or time
    /// runs out.
    pub fn wait_until_image_deleted(&self, image_id: impl Into<String>) -> ImageWaiter<ImageDeleted> {
        ImageWaiter::new(self.clone(), image_id.into())
    }
}

impl<T: WaitTarget> ImageWaiter<T> {
    fn new(client: Client, image_id: String) -> Self {
        ImageWaiter {
            client,
            image_id,
            region: None,
            max_wait: DEFAULT_MAX_WAIT,
            min_delay: DEFAULT_MIN_DELAY,
            max_delay: DEFAULT_MAX_DELAY,
            on_poll: None,
            target: PhantomData,
        }
    }

    /// The longest time to wait in all (default 30 min).
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// The first and the longest delay between polls (default 2 s and 30 s; never under
    /// 100 ms, so a waiter cannot flood the API).
    pub fn poll_delay(mut self, min: Duration, max: Duration) -> Self {
        self.min_delay = min.max(MIN_POLL_DELAY);
        self.max_delay = max.max(self.min_delay);
        self
    }

    /// The region of the image, when not the client's default.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Calls `report` after every poll, e.g. to show progress.
    pub fn on_poll(mut self, report: impl Fn(&WaitProgress<'_>) + Send + Sync + 'static) -> Self {
        self.on_poll = Some(Arc::new(report));
        self
    }

    fn report(&self, status: &str, started: Instant, polls: u32) {
        if let Some(report) = &self.on_poll {
            report(&WaitProgress { image_id: &self.image_id, status, elapsed: started.elapsed(), polls });
        }
    }

    /// Polls until the image reaches the state, fails, or time runs out.
    pub async fn wait(self) -> Result<T::Output, Error> {
        let started = Instant::now();
        // `max_wait(Duration::MAX)` means "no limit": a century is as good.
        let deadline = started.checked_add(self.max_wait).unwrap_or_else(|| started + FOREVER);
        let mut delay = self.min_delay;
        let mut last_status: Option<String> = None;
        let mut last_error: Option<Error> = None;
        let mut missing_polls = 0;
        let mut polls = 0;
        loop {
            polls += 1;
            let mut poll = self.client.describe_image().image_ids([&self.image_id]);
            if let Some(region) = &self.region {
                poll = poll.region(region);
            }
            // A poll (with its retries) may not run past the deadline either.
            let remaining = deadline.saturating_duration_since(Instant::now());
            let polled = match tokio::time::timeout(remaining, poll.send()).await {
                Ok(result) => result,
                Err(_) => return Err(self.error(WaitFailure::TimedOut(self.max_wait), last_status, last_error)),
            };
            match polled {
                Ok(page) => {
                    last_error = None;
                    let image = page.infos.into_iter().find(|i| i.image_id.as_deref() == Some(&self.image_id));
                    missing_polls = if image.is_some() { 0 } else { missing_polls + 1 };
                    last_status = Some(match &image {
                        Some(i) => i.image_status.as_ref().map_or("(no status)", |s| s.as_str()).to_owned(),
                        None => "not listed".to_owned(),
                    });
                    tracing::debug!(image_id = %self.image_id, status = ?last_status, "waiter poll");
                    self.report(last_status.as_deref().unwrap_or_default(), started, polls);
                    match T::check(image, missing_polls) {
                        Verdict::Done(output) => return Ok(output),
                        Verdict::Failed(reason) => return Err(self.error(reason, last_status, None)),
                        Verdict::Pending => {}
                    }
                }
                Err(error) if error.is_retryable() => {
                    tracing::debug!(image_id = %self.image_id, %error, "waiter poll failed; polling on");
                    self.report(&format!("poll failed: {error}"), started, polls);
                    last_error = Some(error);
                }
                Err(error) => return Err(error),
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(self.error(WaitFailure::TimedOut(self.max_wait), last_status, last_error));
            }
            // Jitter what is left to wait, never more: the product cannot overflow.
            let pause = delay.min(deadline - now).mul_f64(0.8 + 0.4 * fastrand::f64());
            tokio::time::sleep(pause.min(deadline - now)).await;
            delay = delay.saturating_mul(2).min(self.max_delay);
        }
    }

    fn error(&self, reason: WaitFailure, last_status: Option<String>, last_error: Option<Error>) -> Error {
        Error::Waiter {
            resource: "image",
            id: self.image_id.clone(),
            reason,
            last_status,
            source: last_error.map(Box::new),
        }
    }
}

impl<T: WaitTarget> IntoFuture for ImageWaiter<T> {
    type Output = Result<T::Output, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.wait())
    }
}
