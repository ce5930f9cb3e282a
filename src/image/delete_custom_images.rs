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

type Progress = Arc<dyn Fn(usize, usize) + Send + Sync>;
/// An id's delete: the id's index, the result, and whether an answer of it was lost.
type Delete = Pin<Box<dyn Future<Output = (usize, Result<DeleteCustomImageResponse, Error>, bool)> + Send>>;

/// Deletes many custom images: see [`Client::delete_custom_images`].
#[derive(Clone)]
#[must_use = "a bulk delete does nothing until .send() is awaited"]
pub struct DeleteCustomImagesBuilder {
    client: Client,
    ids: Vec<String>,
    region: Option<String>,
    concurrency: usize,
    options: CallOptions,
    on_progress: Option<Progress>,
}

impl std::fmt::Debug for DeleteCustomImagesBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeleteCustomImagesBuilder")
            .field("ids", &self.ids.len())
            .field("region", &self.region)
            .field("concurrency", &self.concurrency)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Deletes many custom images, up to [`concurrency`](DeleteCustomImagesBuilder::concurrency)
    /// at a time, and returns one result per id, in the order given.
    ///
    /// It adapts to the platform's rate limit as TCP adapts to a network (AIMD): when an answer
    /// says "too frequent" (199 on 2.x, 165 on 1.x), it halves the number of deletes in flight,
    /// pauses every new request (1 s, doubling while the answers stay throttled, at most 16 s),
    /// and puts the id back in the queue; then each round of successes lets one more delete
    /// in flight, up to the concurrency asked for. An id is never given up because of
    /// throttling alone while the overall [`total_timeout`](CallOptionsBuilder::total_timeout)
    /// allows (none by default: until done); once it runs out, what is left fails with
    /// [`Error::Timeout`] (with `attempts() == 0` for ids never sent). Any other error is that
    /// id's result and does not stop the others.
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
            options: CallOptions::default(),
            on_progress: None,
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
    fn throttled(&mut self, now: Instant) {
        // Answers already in flight when the pause began are part of the same congestion.
        if self.paused_until.is_some_and(|until| now < until) {
            return;
        }
        self.limit = (self.limit / 2).max(1);
        self.successes = 0;
        self.paused_until = Some(now + self.pause);
        tracing::debug!(limit = self.limit, pause_ms = self.pause.as_millis() as u64, "throttled: slowing down");
        self.pause = (self.pause * 2).min(MAX_PAUSE);
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

impl DeleteCustomImagesBuilder {
    /// The most deletes in flight at once (default 8; at least 1).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
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

    /// Deletes every image; one result per id, in the order given.
    pub async fn send(self) -> Vec<Result<DeleteCustomImageResponse, Error>> {
        let total = self.ids.len();
        if self.concurrency == 0 {
            return (0..total).map(|_| Err(Error::invalid("concurrency", "must be at least 1"))).collect();
        }
        let deadline = self.options.total_timeout.map(|limit| (Instant::now() + limit, limit));
        // Throttled answers come back here at once, so that the whole bulk slows down.
        let mut per_call = CallOptions { total_timeout: None, throttle_retries: false, ..self.options.clone() };
        if per_call.retry.is_none() {
            per_call.retry = Some(*self.client.retry_policy());
        }
        let per_call = Arc::new(per_call);
        let mut results: Vec<Option<Result<DeleteCustomImageResponse, Error>>> = (0..total).map(|_| None).collect();
        let mut queue: VecDeque<usize> = (0..total).collect();
        // Per id: sent at least once, and an answer of it lost (it may be deleted already).
        let mut sent = vec![false; total];
        let mut lost = vec![false; total];
        let mut in_flight: FuturesUnordered<Delete> = FuturesUnordered::new();
        let mut window = Window {
            limit: self.concurrency,
            max: self.concurrency,
            successes: 0,
            paused_until: None,
            pause: THROTTLE_MIN_BACKOFF,
        };
        let mut done = 0;
        loop {
            let now = Instant::now();
            if let Some((at, limit)) = deadline {
                if now >= at {
                    // Time is up: what is queued or in flight fails as the whole call's timeout.
                    for (i, result) in results.iter_mut().enumerate().filter(|(_, r)| r.is_none()) {
                        let attempts = u32::from(sent[i]);
                        let action = "DeleteCustomImage".to_owned();
                        *result = Some(Err(Error::Timeout { action, what: "total", limit, attempts }));
                        done += 1;
                        if let Some(report) = &self.on_progress {
                            report(done, total);
                        }
                    }
                    break;
                }
            }
            if window.paused_until.is_some_and(|until| now >= until) {
                window.paused_until = None;
            }
            while window.paused_until.is_none() && in_flight.len() < window.limit {
                let Some(i) = queue.pop_front() else { break };
                sent[i] = true;
                in_flight.push(self.delete(i, per_call.clone(), lost[i]));
            }
            if in_flight.is_empty() && queue.is_empty() {
                break;
            }
            // Wait for an answer, the end of a pause, or the deadline, whichever comes first.
            let wake = [window.paused_until, deadline.map(|(at, _)| at)].into_iter().flatten().min();
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
            let Some((i, result, answer_lost)) = next else { continue };
            lost[i] |= answer_lost;
            match result {
                Err(error) if error.is_throttled() => {
                    window.throttled(Instant::now());
                    queue.push_front(i);
                }
                result => {
                    if result.is_ok() {
                        window.succeeded();
                    }
                    results[i] = Some(result);
                    done += 1;
                    if let Some(report) = &self.on_progress {
                        report(done, total);
                    }
                }
            }
        }
        results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    let limit = deadline.map_or(Duration::ZERO, |(_, limit)| limit);
                    Err(Error::Timeout { action: "DeleteCustomImage".into(), what: "total", limit, attempts: 1 })
                })
            })
            .collect()
    }

    fn delete(&self, i: usize, options: Arc<CallOptions>, lost_before: bool) -> Delete {
        let mut request = self.client.delete_custom_image().image_id(&self.ids[i]);
        if let Some(region) = &self.region {
            request = request.region(region);
        }
        let (client, builder, _) = request.into_parts();
        Box::pin(async move {
            let (result, lost) = match builder.build() {
                Ok(request) => client.send_tracking(request, &options, lost_before).await,
                Err(error) => (Err(error), lost_before),
            };
            (i, result, lost)
        })
    }
}
