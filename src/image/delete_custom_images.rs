//! `client.delete_custom_images(ids)`: many DeleteCustomImage calls at once, slowing down as
//! a whole when the platform says "too frequent" (AIMD), one result per id, in order.

use super::DeleteCustomImageResponse;
use crate::{CallOptions, CallOptionsBuilder, Client, Error, THROTTLE_MIN_BACKOFF};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// How many deletes are in flight at once unless told otherwise.
pub const DEFAULT_BULK_CONCURRENCY: usize = 8;
/// The longest pause after throttled answers in a row (the pause doubles from
/// [`THROTTLE_MIN_BACKOFF`]).
const MAX_PAUSE: Duration = Duration::from_secs(16);
/// How long a bulk delete goes on while every answer is "too frequent", unless told otherwise.
pub const DEFAULT_THROTTLE_PATIENCE: Duration = Duration::from_secs(10 * 60);

type Progress = Arc<dyn Fn(usize, usize) + Send + Sync>;
type ResultReport = Arc<dyn Fn(&str, &Result<DeleteCustomImageResponse, Error>) + Send + Sync>;
/// An id's delete: the id's index, the result, and whether an attempt's outcome was unknown.
type Delete = Pin<Box<dyn Future<Output = (usize, Result<DeleteCustomImageResponse, Error>, bool)> + Send>>;

/// Deletes many custom images: see [`Client::delete_custom_images`].
#[derive(Clone)]
#[must_use = "a bulk delete does nothing until .send() is awaited"]
pub struct DeleteCustomImagesBuilder {
    client: Client,
    ids: Vec<String>,
    region: Option<String>,
    concurrency: usize,
    throttle_patience: Duration,
    options: CallOptions,
    on_progress: Option<Progress>,
    on_result: Option<ResultReport>,
}

impl std::fmt::Debug for DeleteCustomImagesBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeleteCustomImagesBuilder")
            .field("ids", &self.ids.len())
            .field("region", &self.region)
            .field("concurrency", &self.concurrency)
            .field("throttle_patience", &self.throttle_patience)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Deletes many custom images, up to [`concurrency`](DeleteCustomImagesBuilder::concurrency)
    /// at a time, and returns one result per id, in the order given.
    ///
    /// It adapts to the platform's rate limit as TCP adapts to a network (AIMD): when an answer
    /// says "too frequent" (199 on 2.x, 165 on 1.x, or HTTP 429, or 503 with `Retry-After`
    /// from a gateway in front of the platform), it halves the number of deletes in flight,
    /// pauses every new request (1 s, doubling while the answers stay throttled, at most 16 s,
    /// and never less than a `Retry-After`), and puts the id back in the queue; then each
    /// round of successes lets one more delete in flight, up to the concurrency asked for.
    ///
    /// Throttling alone never fails an id while time allows. Time runs out when the
    /// [`total_timeout`](CallOptionsBuilder::total_timeout) does (none by default), or when the
    /// platform has refused everything for [`throttle_patience`](DeleteCustomImagesBuilder::throttle_patience)
    /// (10 min by default) with no other answer in between. Then an id that was only ever
    /// refused, or never sent because throttling held the bulk back, fails with
    /// [`Error::Throttled`] (`is_throttled()`: nothing was done); an id whose request was in
    /// flight when the total timeout ran out fails with [`Error::Timeout`] (it may have been
    /// deleted). Any other error is that id's result and does not stop the others.
    ///
    /// The ids must be distinct (a repeated id is refused for every id before anything is
    /// sent: it is a mistake in the list, and one delete per image is all it needs).
    /// Each delete is otherwise the truthful [`Client::delete_custom_image`], retries and all.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client, ids: Vec<String>) {
    /// let results = client
    ///     .delete_custom_images(ids.clone())
    ///     .concurrency(16)
    ///     .on_progress(|done, total| eprintln!("{done}/{total}"))
    ///     .send()
    ///     .await;
    /// for (id, result) in ids.iter().zip(&results) {
    ///     if let Err(e) = result {
    ///         eprintln!("{id}: {e}");
    ///     }
    /// }
    /// # }
    /// ```
    pub fn delete_custom_images(&self, ids: impl IntoIterator<Item = impl Into<String>>) -> DeleteCustomImagesBuilder {
        DeleteCustomImagesBuilder {
            client: self.clone(),
            ids: ids.into_iter().map(Into::into).collect(),
            region: None,
            concurrency: DEFAULT_BULK_CONCURRENCY,
            throttle_patience: DEFAULT_THROTTLE_PATIENCE,
            options: CallOptions::default(),
            on_progress: None,
            on_result: None,
        }
    }
}

impl CallOptionsBuilder for DeleteCustomImagesBuilder {
    /// `retry_policy` and `attempt_timeout` apply to each delete; `total_timeout` to the whole
    /// bulk delete.
    fn call_options(&mut self) -> &mut CallOptions {
        &mut self.options
    }
}

/// The AIMD window: how many deletes may be in flight, and the pause after throttling.
struct Window {
    limit: usize,
    max: usize,
    /// Successes since the window last grew.
    successes: usize,
    /// No new request before this.
    paused_until: Option<Instant>,
    /// The pause the next throttled answer brings.
    pause: Duration,
}

impl Window {
    fn throttled(&mut self, now: Instant, retry_after: Option<Duration>) {
        // Answers already in flight when the pause began are part of the same congestion.
        if self.paused_until.is_some_and(|until| now < until) {
            return;
        }
        let pause = self.pause.max(retry_after.unwrap_or_default().min(MAX_PAUSE));
        self.limit = (self.limit / 2).max(1);
        self.successes = 0;
        self.paused_until = Some(crate::time::deadline(now, pause));
        tracing::debug!(limit = self.limit, pause_ms = pause.as_millis() as u64, "throttled: slowing down");
        self.pause = self.pause.saturating_mul(2).min(MAX_PAUSE);
    }

    fn succeeded(&mut self) {
        self.pause = THROTTLE_MIN_BACKOFF;
        self.successes += 1;
        if self.successes >= self.limit && self.limit < self.max {
            self.limit += 1;
            self.successes = 0;
        }
    }
}

/// What the bulk knows of one id.
#[derive(Default)]
struct Id {
    /// Sent at least once.
    sent: bool,
    /// A request of it is in flight.
    in_flight: bool,
    /// An attempt's outcome was unknown: it may be deleted already.
    outcome_unknown: bool,
    /// How many times it was refused as too frequent, and the last refusal.
    refusals: u32,
    last_refusal: Option<Error>,
}

/// Why a bulk delete stopped before every id had its answer.
#[derive(Clone, Copy)]
enum Stop {
    TotalTimeout(Duration),
    Patience(Duration),
}

impl DeleteCustomImagesBuilder {
    /// The most deletes in flight at once (default 8; at least 1; at most
    /// [`MAX_CONCURRENCY`](crate::paginate::MAX_CONCURRENCY), larger values are lowered to it).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// How long the bulk goes on while the platform refuses everything as too frequent, with
    /// no other answer in between (default [`DEFAULT_THROTTLE_PATIENCE`], 10 min); then the ids
    /// left fail with [`Error::Throttled`]. Zero is refused.
    pub fn throttle_patience(mut self, patience: Duration) -> Self {
        self.throttle_patience = patience;
        self
    }

    /// `Region`: the region of the images, when not the client's default.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Calls `report(done, total)` each time an id's result is known, e.g. to draw a bar.
    pub fn on_progress(mut self, report: impl Fn(usize, usize) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(report));
        self
    }

    /// Calls `report(id, result)` with each id's result as soon as it is known (before
    /// [`on_progress`](Self::on_progress)), e.g. to count successes and failures apart while
    /// the bulk runs; not called when the bulk is refused before anything is sent. `send()`
    /// still returns every result.
    pub fn on_result(
        mut self,
        report: impl Fn(&str, &Result<DeleteCustomImageResponse, Error>) + Send + Sync + 'static,
    ) -> Self {
        self.on_result = Some(Arc::new(report));
        self
    }

    /// The rule the bulk's own settings or ids break, if any: checked before anything is sent.
    fn invalid(&self) -> Option<(&'static str, String)> {
        if self.concurrency == 0 {
            return Some(("concurrency", "must be at least 1".into()));
        }
        if self.throttle_patience.is_zero() {
            return Some(("throttle_patience", "must be longer than zero".into()));
        }
        if self.options.total_timeout == Some(Duration::ZERO) {
            return Some(("total_timeout", "must be longer than zero".into()));
        }
        let mut seen = std::collections::HashMap::with_capacity(self.ids.len());
        for (i, id) in self.ids.iter().enumerate() {
            if let Some(first) = seen.insert(id.as_str(), i) {
                let id = crate::excerpt::excerpt_of(id.as_bytes(), 128);
                return Some(("ImageID", format!("{id:?} is given twice (at {first} and {i}): give each image once")));
            }
        }
        None
    }

    /// Deletes every image; one result per id, in the order given.
    pub async fn send(self) -> Vec<Result<DeleteCustomImageResponse, Error>> {
        let total = self.ids.len();
        if let Some((field, rule)) = self.invalid() {
            return (0..total).map(|_| Err(Error::invalid(field, rule.clone()))).collect();
        }
        let concurrency = self.concurrency.min(crate::paginate::MAX_CONCURRENCY);
        let deadline = self.options.total_timeout.map(|limit| (crate::time::from_now(limit), limit));
        // Throttled answers come back here at once, so that the whole bulk slows down.
        let mut per_call = CallOptions { total_timeout: None, throttle_retries: false, ..self.options.clone() };
        if per_call.retry.is_none() {
            per_call.retry = Some(*self.client.retry_policy());
        }
        let per_call = Arc::new(per_call);
        let mut results: Vec<Option<Result<DeleteCustomImageResponse, Error>>> = (0..total).map(|_| None).collect();
        let mut ids: Vec<Id> = (0..total).map(|_| Id::default()).collect();
        let mut queue: VecDeque<usize> = (0..total).collect();
        let mut in_flight: FuturesUnordered<Delete> = FuturesUnordered::new();
        let mut window = Window {
            limit: concurrency,
            max: concurrency,
            successes: 0,
            paused_until: None,
            pause: THROTTLE_MIN_BACKOFF,
        };
        // The last answer that was not "too frequent" (or the start): patience runs from it.
        let mut last_answer = Instant::now();
        let mut stopped: Option<Stop> = None;
        let mut done = 0;
        let mut finish = |results: &mut Vec<Option<_>>, i: usize, result| {
            if let Some(report) = &self.on_result {
                report(&self.ids[i], &result);
            }
            results[i] = Some(result);
            done += 1;
            if let Some(report) = &self.on_progress {
                report(done, total);
            }
        };
        loop {
            let now = Instant::now();
            if let Some((at, limit)) = deadline
                && now >= at
            {
                // Time is up: a request in flight may have acted; the rest were held back.
                let stop = Stop::TotalTimeout(limit);
                for i in 0..total {
                    if results[i].is_none() {
                        let error = if ids[i].in_flight {
                            let meta = crate::ErrorMetadata {
                                attempts: ids[i].refusals + 1,
                                ..crate::ErrorMetadata::new(ACTION)
                            };
                            Error::Timeout { meta, what: "total", limit }
                        } else {
                            held_back(&mut ids[i], stop)
                        };
                        finish(&mut results, i, Err(error));
                    }
                }
                break;
            }
            let throttled_for = now.saturating_duration_since(last_answer);
            if stopped.is_none() && window.pause > THROTTLE_MIN_BACKOFF && throttled_for >= self.throttle_patience {
                // Refused for too long: send nothing more, and let what is in flight end.
                tracing::debug!(
                    patience_ms = self.throttle_patience.as_millis() as u64,
                    "throttled too long: giving up"
                );
                let stop = Stop::Patience(self.throttle_patience);
                stopped = Some(stop);
                while let Some(i) = queue.pop_front() {
                    let error = held_back(&mut ids[i], stop);
                    finish(&mut results, i, Err(error));
                }
            }
            if window.paused_until.is_some_and(|until| now >= until) {
                window.paused_until = None;
            }
            while window.paused_until.is_none() && in_flight.len() < window.limit {
                let Some(i) = queue.pop_front() else { break };
                ids[i].sent = true;
                ids[i].in_flight = true;
                in_flight.push(self.delete(i, per_call.clone(), ids[i].outcome_unknown));
            }
            if in_flight.is_empty() && queue.is_empty() {
                break;
            }
            // Wait for an answer, the end of a pause, the patience or the deadline, whichever
            // comes first.
            let patience_ends = (stopped.is_none()).then(|| crate::time::deadline(last_answer, self.throttle_patience));
            let wake = [window.paused_until, deadline.map(|(at, _)| at), patience_ends].into_iter().flatten().min();
            let next = match (in_flight.is_empty(), wake) {
                (true, Some(at)) => {
                    tokio::time::sleep_until(at).await;
                    continue;
                }
                // Not reached: with nothing in flight and nothing paused, the queue was sent.
                (true, None) => {
                    tokio::task::yield_now().await;
                    continue;
                }
                (false, Some(at)) => match tokio::time::timeout_at(at, in_flight.next()).await {
                    Ok(next) => next,
                    Err(_) => continue,
                },
                (false, None) => in_flight.next().await,
            };
            let Some((i, result, outcome_unknown)) = next else { continue };
            ids[i].outcome_unknown |= outcome_unknown;
            ids[i].in_flight = false;
            match result {
                Err(error) if error.is_throttled() => {
                    let retry_after = match &error {
                        Error::Http { retry_after, .. } => *retry_after,
                        _ => None,
                    };
                    window.throttled(Instant::now(), retry_after);
                    ids[i].refusals += 1;
                    ids[i].last_refusal = Some(error);
                    match stopped {
                        Some(stop) => {
                            let error = held_back(&mut ids[i], stop);
                            finish(&mut results, i, Err(error));
                        }
                        None => queue.push_front(i),
                    }
                }
                result => {
                    last_answer = Instant::now();
                    if result.is_ok() {
                        window.succeeded();
                    }
                    finish(&mut results, i, result);
                }
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::invalid("ImageID", "no result: a bug in delete_custom_images"))))
            .collect()
    }

    fn delete(&self, i: usize, options: Arc<CallOptions>, unknown_before: bool) -> Delete {
        let mut request = self.client.delete_custom_image().image_id(&self.ids[i]);
        if let Some(region) = &self.region {
            request = request.region(region);
        }
        let (client, builder, _) = request.into_parts();
        Box::pin(async move {
            let (result, unknown) = match builder.build() {
                Ok(request) => client.send_noting_unknown(request, &options, unknown_before).await,
                Err(error) => (Err(error), unknown_before),
            };
            (i, result, unknown)
        })
    }
}

const ACTION: &str = "DeleteCustomImage";

/// The error of an id that throttling kept from being done.
fn held_back(id: &mut Id, stop: Stop) -> Error {
    let reason = match stop {
        Stop::TotalTimeout(limit) => format!("the total timeout of {limit:?} ran out"),
        Stop::Patience(limit) => format!("the throttle patience of {limit:?} ran out"),
    };
    let reason = if id.sent { reason } else { format!("never sent: {reason}") };
    Error::Throttled {
        action: ACTION.to_owned(),
        reason,
        attempts: id.refusals,
        source: id.last_refusal.take().map(Box::new),
    }
}
