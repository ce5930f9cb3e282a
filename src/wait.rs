//! Waiters: poll until a resource reaches a state, within a time limit. The machinery every
//! waiter shares; the targets sit next to their actions (`image::ImageAvailable`,
//! `vm::VmStopped`, ...).

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

/// Waits for a resource to reach a state: `.await` it directly, or set limits first.
///
/// Polls with the resource's id, first after no delay, then with delays growing from
/// `min_delay` (2 s) to `max_delay` (30 s), with ±20 % jitter, for at most `max_wait`
/// (30 min). Errors the retry policy deems transient do not end the wait (the last one is kept
/// as the source of the error if time runs out); others do. Time is tokio's, so tests can run
/// it under paused time.
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
#[must_use = "a waiter does nothing until awaited"]
pub struct Waiter<T> {
    client: Client,
    id: String,
    region: Option<String>,
    max_wait: Duration,
    min_delay: Duration,
    max_delay: Duration,
    on_poll: Option<ProgressHook>,
    target: PhantomData<fn() -> T>,
}

impl<T> Clone for Waiter<T> {
    fn clone(&self) -> Self {
        Waiter {
            client: self.client.clone(),
            id: self.id.clone(),
            region: self.region.clone(),
            max_wait: self.max_wait,
            min_delay: self.min_delay,
            max_delay: self.max_delay,
            on_poll: self.on_poll.clone(),
            target: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Waiter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waiter")
            .field("id", &self.id)
            .field("region", &self.region)
            .field("max_wait", &self.max_wait)
            .field("min_delay", &self.min_delay)
            .field("max_delay", &self.max_delay)
            .field("on_poll", &self.on_poll.is_some())
            .finish_non_exhaustive()
    }
}

type ProgressHook = Arc<dyn Fn(&WaitProgress<'_>) + Send + Sync>;

/// What a waiter saw at one poll, for progress reports (see [`Waiter::on_poll`]).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct WaitProgress<'a> {
    /// The id of the resource waited on.
    pub id: &'a str,
    /// Its status, `not listed`, or the transient error that this poll met.
    pub status: &'a str,
    /// Time since the wait began.
    pub elapsed: Duration,
    /// Polls made so far, this one included.
    pub polls: u32,
    /// How far the resource says it has come, 0 to 100, when it says so (an image being
    /// imported or made: `PreparePrecent`).
    pub percent: Option<u8>,
}

/// A kind of resource a [`Waiter`] can watch: how to look one up by id, and what its status is.
pub trait Watched: Send + 'static {
    /// What is polled, e.g. [`ImageInfo`](crate::image::ImageInfo).
    type Resource: Send;
    /// The kind of resource, for errors: `"image"`, `"VM"`.
    const RESOURCE: &'static str;

    /// Looks the resource up by id (`None` when not listed).
    fn poll(
        client: &Client,
        id: &str,
        region: Option<&str>,
    ) -> impl Future<Output = Result<Option<Self::Resource>, Error>> + Send;

    /// The resource's status, as shown in progress and errors.
    fn status(resource: &Self::Resource) -> String;

    /// How far the resource says it has come, 0 to 100, if it says so.
    fn percent(resource: &Self::Resource) -> Option<u8> {
        let _ = resource;
        None
    }
}

/// The state a [`Waiter`] waits for: which resource it watches, and how it judges a poll.
pub trait WaitTarget: Send + 'static {
    /// The kind of resource watched.
    type Watched: Watched;
    /// What the wait returns once the state is reached.
    type Output: Send + 'static;

    /// Judges one poll: the resource as listed (`None` if not listed) and how many polls in a
    /// row have not listed it.
    fn judge(resource: Option<<Self::Watched as Watched>::Resource>, missing_polls: u32) -> Verdict<Self::Output>;
}

/// What one poll says.
#[derive(Debug)]
#[non_exhaustive]
pub enum Verdict<T> {
    /// The state is reached.
    Done(T),
    /// The state will not be reached.
    Failed(WaitFailure),
    /// Not yet.
    Pending,
}

impl<T: WaitTarget> Waiter<T> {
    pub(crate) fn new(client: Client, id: String) -> Self {
        Waiter {
            client,
            id,
            region: None,
            max_wait: DEFAULT_MAX_WAIT,
            min_delay: DEFAULT_MIN_DELAY,
            max_delay: DEFAULT_MAX_DELAY,
            on_poll: None,
            target: PhantomData,
        }
    }

    /// The longest time to wait in all (default 30 min; `Duration::MAX` waits as long as it
    /// takes).
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

    /// The region of the resource, when not the client's default.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Calls `report` after every poll, e.g. to show progress.
    pub fn on_poll(mut self, report: impl Fn(&WaitProgress<'_>) + Send + Sync + 'static) -> Self {
        self.on_poll = Some(Arc::new(report));
        self
    }

    fn report(&self, status: &str, percent: Option<u8>, started: Instant, polls: u32) {
        if let Some(report) = &self.on_poll {
            report(&WaitProgress { id: &self.id, status, elapsed: started.elapsed(), polls, percent });
        }
    }

    /// Polls until the resource reaches the state, fails, or time runs out.
    pub async fn wait(self) -> Result<T::Output, Error> {
        let started = Instant::now();
        // `max_wait(Duration::MAX)` means "no limit": a century is as good.
        let deadline = crate::time::deadline(started, self.max_wait);
        let mut delay = self.min_delay;
        let mut last_status: Option<String> = None;
        let mut last_error: Option<Error> = None;
        let mut missing_polls = 0;
        let mut polls = 0;
        loop {
            polls += 1;
            // A poll (with its retries) may not run past the deadline either.
            let remaining = deadline.saturating_duration_since(Instant::now());
            let poll = T::Watched::poll(&self.client, &self.id, self.region.as_deref());
            let polled = match tokio::time::timeout(remaining, poll).await {
                Ok(result) => result,
                Err(_) => return Err(self.error(WaitFailure::TimedOut(self.max_wait), last_status, last_error)),
            };
            match polled {
                Ok(resource) => {
                    last_error = None;
                    missing_polls = if resource.is_some() { 0 } else { missing_polls + 1 };
                    let status = resource.as_ref().map_or_else(|| "not listed".to_owned(), T::Watched::status);
                    // A status comes from the server: bounded before it is logged or shown.
                    let status = crate::excerpt::excerpt_of(status.as_bytes(), crate::open_enum::SHOWN);
                    tracing::debug!(resource = T::Watched::RESOURCE, id = %self.id, %status, "waiter poll");
                    self.report(&status, resource.as_ref().and_then(T::Watched::percent), started, polls);
                    last_status = Some(status);
                    match T::judge(resource, missing_polls) {
                        Verdict::Done(output) => return Ok(output),
                        Verdict::Failed(reason) => return Err(self.error(reason, last_status, None)),
                        Verdict::Pending => {}
                    }
                }
                Err(error) if error.is_retryable() => {
                    tracing::debug!(resource = T::Watched::RESOURCE, id = %self.id, %error, "waiter poll failed; polling on");
                    self.report(&format!("poll failed: {error}"), None, started, polls);
                    last_error = Some(error);
                }
                Err(error) => return Err(error),
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(self.error(WaitFailure::TimedOut(self.max_wait), last_status, last_error));
            }
            // Jitter what is left to wait, never more: the product cannot overflow.
            let pause = crate::time::scale(delay.min(deadline - now), 0.8 + 0.4 * fastrand::f64());
            tokio::time::sleep(pause.min(deadline - now)).await;
            delay = delay.saturating_mul(2).min(self.max_delay);
        }
    }

    fn error(&self, reason: WaitFailure, last_status: Option<String>, last_error: Option<Error>) -> Error {
        Error::Waiter {
            resource: T::Watched::RESOURCE,
            id: self.id.clone(),
            reason,
            last_status,
            source: last_error.map(Box::new),
        }
    }
}

impl<T: WaitTarget> IntoFuture for Waiter<T> {
    type Output = Result<T::Output, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.wait())
    }
}
