//! `client.download_image(id, path)`: GetImageDownloadURL, then a streamed GET into
//! `<path>.part`, continued with `Range` after a cut, renamed to `path` once complete. This
//! file holds the builder and the loop of tries; `fetch` is one try, `answer` reads answers.

mod answer;
mod fetch;

use super::error::{TransferError, TransferStage};
use super::part_file::{PartError, PartFile, Version, put_in_place, read_version, with_suffix};
use super::progress::TransferProgress;
use super::span::{failed, finished, transfer_span};
use crate::{Client, Error};
use answer::{BoxError, GotNoFurther, MIN_GAIN, over_time};
use fetch::Step;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

/// How many tries in a row that get no further into the file (or less than 1 MiB further) a
/// download makes before it gives up.
pub const DEFAULT_DOWNLOAD_ATTEMPTS: u32 = 5;
/// How long a download waits for an answer's headers, or for the next bytes of its body, before
/// it takes the connection as cut.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// The pause after the first try that got no further; it doubles with each such try in a row.
const FIRST_PAUSE: Duration = Duration::from_millis(250);
const LONGEST_PAUSE: Duration = Duration::from_secs(8);
/// An address this close to its `ExpiredTime` is fetched again first.
const EXPIRY_MARGIN: i64 = 30;
/// The buffer between the network and the file.
pub(super) const WRITE_BUFFER: usize = 1 << 20;

type ProgressHook = Arc<dyn Fn(&TransferProgress) + Send + Sync>;

/// The outcome of [`Client::download_image`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadedImage {
    /// Where the image is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Of `bytes`, those a `.part` left by an earlier call already held: this call moved
    /// `bytes - bytes_resumed`.
    pub bytes_resumed: u64,
}

/// Downloads an image to a file: see [`Client::download_image`].
#[derive(Clone)]
#[must_use = "a download does nothing until .send() is awaited"]
pub struct DownloadImageBuilder {
    client: Client,
    image_id: String,
    path: PathBuf,
    region: Option<String>,
    overwrite: bool,
    attempts: u32,
    idle_timeout: Duration,
    max_wait: Option<Duration>,
    min_rate: Option<(u64, Duration)>,
    on_progress: Option<ProgressHook>,
}

impl std::fmt::Debug for DownloadImageBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadImageBuilder")
            .field("image_id", &self.image_id)
            .field("path", &self.path)
            .field("region", &self.region)
            .field("overwrite", &self.overwrite)
            .field("attempts", &self.attempts)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_wait", &self.max_wait)
            .field("min_rate", &self.min_rate)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Downloads an image into the file `path`: asks GetImageDownloadURL for the address
    /// (see [`Client::image_download_url`]), then streams a GET into `<path>.part` through a
    /// 1 MiB buffer, `fsync`s it and renames it to `path` once its length is complete. The
    /// `.part` is flushed to disk in the background every 16 MiB as it grows, so the final
    /// `fsync` waits only for the last few MiB.
    ///
    /// What it guarantees:
    ///
    /// - **A file at `path` is the whole file, from one version of it.** The length must be
    ///   known (`Content-Length`, a `Content-Range` total or end, or a chunked body's end) and
    ///   reached; without it the `.part` is kept and the call fails. The first answer's
    ///   validator (`ETag`, else `Last-Modified`) and length are kept: a `Range` request sends
    ///   `If-Range` with it, and an answer with another validator or length starts the file
    ///   again from byte 0 rather than splice two versions (a 416 too: a complete `.part` is
    ///   put in place only if the 416's validator, when it has one, is the kept one). Bytes
    ///   past the end of an answer's `Content-Range` are never written: they are dropped and
    ///   the rest asked for again. Before the rename, the length of the `.part` on disk must
    ///   be the file's.
    /// - **A `.part` left by an earlier call** is continued with a `Range` request. The
    ///   validator and length are kept beside it in `<path>.part.etag`, so a file that changed
    ///   since starts again; a `.part` without that file (a server that sends no validator) is
    ///   taken to be this image's: remove it to start over.
    /// - **One download at a time to a path:** the `.part` is locked (an exclusive advisory
    ///   lock, `flock` on Unix) for the whole download; a second download to the same path
    ///   fails at once, before anything is sent, with [`Error::InvalidRequest`] on `path`
    ///   saying another download holds `<path>.part`. On a file system that has no locks the
    ///   download goes on without (with a warning in the log).
    /// - **No writing through links:** a symbolic link, or anything but a regular file, at
    ///   `<path>.part` or `<path>.part.etag`, and a `.part` with other names (hard links, on
    ///   Unix), is refused before anything is sent (on Unix the `.part` is opened with
    ///   `O_NOFOLLOW`, and made with create-new when absent); the sidecar is written to a new
    ///   file renamed over it. Only the file this call wrote is put in place: a `.part` name
    ///   that holds a link or another file at the end is refused. A link at `path` (even one
    ///   to nowhere) exists: with `overwrite(true)` the link itself is replaced, never the
    ///   file it points to.
    /// - **It never hangs:** an answer whose headers or next bytes take longer than
    ///   [`idle_timeout`](DownloadImageBuilder::idle_timeout) (default 60 s), or a body slower
    ///   than [`min_rate`](DownloadImageBuilder::min_rate) (default none), is a cut
    ///   connection, and the source of the error says it timed out
    ///   (`io::ErrorKind::TimedOut`). [`max_wait`](DownloadImageBuilder::max_wait) (default
    ///   none) bounds the whole call, pauses and tries included.
    /// - **It never loops:** a cut connection is resumed with `Range`; a try that gets less
    ///   than 1 MiB further than the furthest byte this call has held (a server that ignores
    ///   `Range` and keeps cutting, or sends a little per connection, a wrong `Content-Range`,
    ///   a stall, an expired address) is followed by a pause that doubles from 250 ms, and
    ///   [`DEFAULT_DOWNLOAD_ATTEMPTS`] such tries in a row (see
    ///   [`attempts`](DownloadImageBuilder::attempts)) end the call.
    /// - An address that expired (HTTP 403, or past its `ExpiredTime`) is fetched again.
    /// - An encrypted image (the platform refuses its address), a 404 or any other final
    ///   failure is [`Error::Transfer`] and leaves no file at `path`; the `.part` stays, with
    ///   the bytes that made it, for a later call to continue.
    ///   [`TransferError::bytes_done`] is the length of the `.part` on disk.
    /// - `path` must not exist unless [`overwrite`](DownloadImageBuilder::overwrite) says so;
    ///   this is checked again at the end (a file made there meanwhile is kept and the call
    ///   fails): with a hard link where the file system has them, else by looking just before
    ///   the rename, which leaves a short window.
    /// - After the rename the folder is `fsync`ed too (on Unix), so the new name survives a
    ///   crash.
    /// - **Redirects:** the crate's own HTTP client sends no `Referer` and follows a redirect
    ///   only to the same origin as the download address (scheme, host and port: a download
    ///   service that sends to another path of itself), at most 5 in a row. A redirect to
    ///   another host is not followed: the call fails for good, naming that host (never the
    ///   address's query). An answer from another origin, which a program's own client given
    ///   to [`ClientBuilder::http_client`](crate::ClientBuilder::http_client) may have
    ///   followed a redirect to, is refused the same way and nothing of it is written.
    /// - Errors never hold the address's query (it is a secret until it expires), also when
    ///   the download server echoes it.
    ///
    /// **Cancellation:** dropping the future leaves the `.part` as it is: call again to go on.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// let done = client
    ///     .download_image("cn-image-1", "web.qcow2")
    ///     .max_wait(std::time::Duration::from_secs(3600))
    ///     .on_progress(|p| eprintln!("{} of {} bytes", p.bytes_done, p.bytes_total))
    ///     .send()
    ///     .await?;
    /// println!("{} bytes in {}", done.bytes, done.path.display());
    /// # Ok(()) }
    /// ```
    pub fn download_image(&self, image_id: impl Into<String>, path: impl AsRef<Path>) -> DownloadImageBuilder {
        DownloadImageBuilder {
            client: self.clone(),
            image_id: image_id.into(),
            path: path.as_ref().to_path_buf(),
            region: None,
            overwrite: false,
            attempts: DEFAULT_DOWNLOAD_ATTEMPTS,
            idle_timeout: IDLE_TIMEOUT,
            max_wait: None,
            min_rate: None,
            on_progress: None,
        }
    }
}

/// Where the download stands.
struct Run {
    started: Instant,
    /// When the call gives up (`max_wait`).
    deadline: Option<Instant>,
    /// The `.part`, locked for this call.
    part: PartFile,
    /// Bytes in the `.part`.
    have: u64,
    /// The furthest the `.part` reached in this call: a try that ends short of it moved nothing.
    furthest: u64,
    /// What the answers said of the file the `.part` holds; later answers must agree.
    file: Option<Version>,
    /// The address and when it expires (Unix seconds).
    address: Option<(Url, Option<i64>)>,
    /// Bytes of an earlier call's `.part` still in it (0 once the file starts again).
    resumed: u64,
    /// Tries in a row that got less than [`MIN_GAIN`] further than `furthest`.
    stuck: u32,
    /// Whether one of those got somewhere, if not far.
    short: bool,
}

impl DownloadImageBuilder {
    /// The image's region, when not the client's default.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Replace a file already at `path` (default `false`: an existing file, or a symbolic
    /// link even to nowhere, is an error before anything is sent, and a file made there during
    /// the download is not replaced). A link at `path` is replaced itself, never written
    /// through.
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// How many tries in a row that get no further into the file, or less than 1 MiB further,
    /// before giving up (default [`DEFAULT_DOWNLOAD_ATTEMPTS`]; at least 1).
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    /// How long to wait for an answer's headers, and then for each next piece of its body,
    /// before taking the connection as cut (default 60 s; zero is refused by
    /// [`send`](Self::send)). A stall is resumed with `Range` like any cut.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// The longest the whole download may take, asking for the address, every try and the
    /// pauses between them included (default: none, so a download that keeps moving runs as
    /// long as it takes). When it passes, the call fails with [`Error::Transfer`] whose source
    /// is an `io::Error` of kind `TimedOut`; the `.part` stays for a later call. A pause that
    /// would end past it ends the call at once. Zero is refused by [`send`](Self::send).
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = Some(max_wait);
        self
    }

    /// A connection whose body brings fewer than `bytes_per_sec` over a `window` is cut like
    /// a stall and resumed with `Range` (as curl's `--speed-limit` and `--speed-time`; default:
    /// none, only [`idle_timeout`](Self::idle_timeout)). The rate is measured over each
    /// `window` of the body in turn, from its first byte; the headers are bounded by the idle
    /// timeout. Such a cut counts as a try that got no further unless it moved the file 1 MiB
    /// on. `bytes_per_sec` 0 turns it off; a zero `window` is refused by [`send`](Self::send).
    pub fn min_rate(mut self, bytes_per_sec: u64, window: Duration) -> Self {
        self.min_rate = Some((bytes_per_sec, window));
        self
    }

    /// Calls `report` as bytes arrive (at most once per 1 MiB written, and at the end).
    pub fn on_progress(mut self, report: impl Fn(&TransferProgress) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(report));
        self
    }

    /// Downloads the image; see [`Client::download_image`]. The download is a
    /// `ucloudstack.transfer` span (its bytes, those resumed, the rate; the calls it makes are
    /// its children).
    pub async fn send(self) -> Result<DownloadedImage, Error> {
        let span = transfer_span("download", Some(&self.image_id));
        let started = Instant::now();
        let outcome = self.download().instrument(span.clone()).await;
        match &outcome {
            Ok(done) => finished(&span, done.bytes - done.bytes_resumed, done.bytes_resumed, started.elapsed()),
            Err(error) => failed(&span, error, started.elapsed()),
        }
        outcome
    }

    async fn download(self) -> Result<DownloadedImage, Error> {
        if self.image_id.trim().is_empty() {
            return Err(Error::invalid("ImageID", "must not be empty or blank"));
        }
        if self.idle_timeout.is_zero() {
            return Err(Error::invalid("idle_timeout", "must be more than zero"));
        }
        if self.max_wait.is_some_and(|d| d.is_zero()) {
            return Err(Error::invalid("max_wait", "must be more than zero"));
        }
        if self.min_rate.is_some_and(|(_, window)| window.is_zero()) {
            return Err(Error::invalid("min_rate", "the window must be more than zero"));
        }
        if self.path.as_os_str().is_empty() || self.path.file_name().is_none() {
            return Err(Error::invalid("path", "must name a file"));
        }
        // Not followed: a link at `path`, even one to nowhere, is something there.
        match tokio::fs::symlink_metadata(&self.path).await {
            Ok(meta) if meta.is_dir() => return Err(Error::invalid("path", "is a directory: name a file")),
            Ok(meta) if !self.overwrite => {
                let what = if meta.file_type().is_symlink() { " (a symbolic link)" } else { "" };
                let rule = format!("exists{what}: remove it, choose another, or set overwrite(true)");
                return Err(Error::invalid("path", rule));
            }
            _ => {}
        }
        let http = self.client.files_http()?.clone();
        let part_path = with_suffix(&self.path, ".part");
        let refused = |e: PartError| match e {
            PartError::Refused(rule) => Error::invalid("path", rule),
            PartError::Io(e) => self.failed_at(TransferStage::Write, 0, Box::new(e)),
        };
        let part = PartFile::open(&part_path).await.map_err(refused)?;
        let have = part.len().map_err(|e| refused(e.into()))?;
        // What an earlier call learnt of the file it left in the `.part`.
        let file = if have > 0 {
            let sidecar = part_path.clone();
            tokio::task::spawn_blocking(move || read_version(&sidecar))
                .await
                .map_err(|e| refused(PartError::Io(std::io::Error::other(e))))?
                .map_err(refused)?
        } else {
            None
        };
        let started = Instant::now();
        let deadline = self.max_wait.map(|d| started + d);
        let mut run = Run {
            started,
            deadline,
            part,
            have,
            furthest: have,
            file,
            address: None,
            resumed: have,
            stuck: 0,
            short: false,
        };
        let outcome = self.transfer(&http, &mut run).await;
        if outcome.is_err() {
            // A `.part` this call made (to lock it) and never wrote to is not left behind.
            run.part.remove_if_empty().await;
        }
        outcome
    }

    /// The tries, then the file put in place.
    async fn transfer(&self, http: &reqwest::Client, run: &mut Run) -> Result<DownloadedImage, Error> {
        let mut last: Option<BoxError> = None;
        loop {
            let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
            let expired = |at: &Option<i64>| at.is_some_and(|at| at <= now.saturating_add(EXPIRY_MARGIN));
            if run.address.as_ref().is_none_or(|(_, at)| expired(at)) {
                let asked = match run.deadline {
                    Some(deadline) => tokio::time::timeout_at(deadline, self.address()).await,
                    None => Ok(self.address().await),
                };
                let Ok(asked) = asked else {
                    return Err(self.failed(TransferStage::Address, run, self.over_time(last.as_ref())));
                };
                run.address = Some(asked.map_err(|e| self.failed(TransferStage::Address, run, e))?);
            }
            let Some((url, _)) = run.address.clone() else { continue };
            let furthest = run.furthest;
            let error = match self.fetch(http, url, run).await {
                Ok(()) => break,
                Err(Step::Retry(error)) => error,
                Err(Step::Fail(stage, error)) => return Err(self.failed(stage, run, error)),
            };
            run.furthest = run.furthest.max(run.have);
            let gain = run.furthest - furthest;
            if gain >= MIN_GAIN {
                // Well further than ever: go on at once.
                (run.stuck, run.short) = (0, false);
                tracing::debug!(image_id = %self.image_id, have = run.have, %error, "download cut; going on");
                last = Some(error);
                continue;
            }
            run.stuck += 1;
            run.short |= gain > 0;
            if run.stuck >= self.attempts {
                let error = GotNoFurther { tries: run.stuck, furthest: run.furthest, short: run.short, last: error };
                return Err(self.failed(TransferStage::Download, run, Box::new(error)));
            }
            let pause = FIRST_PAUSE.saturating_mul(1 << (run.stuck - 1).min(8)).min(LONGEST_PAUSE);
            if run.deadline.is_some_and(|deadline| Instant::now() + pause >= deadline) {
                return Err(self.failed(TransferStage::Download, run, self.over_time(Some(&error))));
            }
            tracing::debug!(image_id = %self.image_id, have = run.have, %error, ?pause, "download got little further");
            last = Some(error);
            tokio::time::sleep(pause).await;
        }
        let write = |e: std::io::Error| self.failed(TransferStage::Write, run, Box::new(e));
        // Another writer (one that takes no lock) may have changed the file: only the file's
        // length on disk is put in place.
        let total = run.file.as_ref().and_then(|v| v.total).unwrap_or(run.have);
        let on_disk = run.part.len().map_err(write)?;
        if on_disk != total {
            let message = format!(
                "{} holds {on_disk} bytes on disk, not the file's {total}: something else wrote to it; \
                 it is kept, remove it to start over",
                run.part.path().display()
            );
            return Err(write(std::io::Error::new(std::io::ErrorKind::InvalidData, message)));
        }
        put_in_place(&run.part, &self.path, self.overwrite).await.map_err(write)?;
        let _ = tokio::fs::remove_file(with_suffix(run.part.path(), ".etag")).await;
        self.report(run);
        Ok(DownloadedImage { path: self.path.clone(), bytes: run.have, bytes_resumed: run.resumed.min(run.have) })
    }

    /// The address and its expiry, fresh from GetImageDownloadURL.
    async fn address(&self) -> Result<(Url, Option<i64>), BoxError> {
        let mut get = self.client.get_image_download_url().image_id(&self.image_id);
        if let Some(region) = &self.region {
            get = get.region(region);
        }
        let info = get.send().await?.info.unwrap_or_default();
        let expires = info.expired_time;
        let query = info.download_query.filter(|q| !q.is_empty()).ok_or("the answer has no Info.DownloadQuery")?;
        let mut url = self.client.download_endpoint().clone();
        url.set_query(Some(query.expose()));
        Ok((url, expires))
    }

    fn over_time(&self, last: Option<&BoxError>) -> BoxError {
        over_time(self.max_wait.unwrap_or_default(), last)
    }

    fn report(&self, run: &Run) {
        if let Some(report) = &self.on_progress {
            let total = run.file.as_ref().and_then(|v| v.total).unwrap_or(0);
            report(&TransferProgress {
                bytes_done: run.have,
                bytes_resumed: run.resumed.min(run.have),
                bytes_total: total,
                elapsed: run.started.elapsed(),
                percent: None,
            });
        }
    }

    /// The failure, with the bytes the `.part` holds on disk (not those received: some may
    /// not have been written).
    fn failed(&self, stage: TransferStage, run: &Run, source: BoxError) -> Error {
        self.failed_at(stage, run.part.len().unwrap_or(run.have), source)
    }

    fn failed_at(&self, stage: TransferStage, bytes_done: u64, source: BoxError) -> Error {
        // An API error stays what it is inside the transfer's failure.
        Error::Transfer(TransferError { stage, image_id: self.image_id.clone(), bytes_done, source, handle: None })
    }
}
