//! `client.download_image(id, path)`: GetImageDownloadURL, then a streamed GET into
//! `<path>.part`, continued with `Range` after a cut, renamed to `path` once complete.

use super::error::{TransferError, TransferStage};
use super::part_file::{EarlySync, Version, put_in_place, read_version, sync, truncate, with_suffix, write_version};
use super::progress::TransferProgress;
use crate::{Client, Error, ErrorMetadata};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::AsyncWriteExt;
use tokio::time::Instant;
use url::Url;

/// How many tries in a row that get no further into the file a download makes before it gives
/// up.
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
const WRITE_BUFFER: usize = 1 << 20;

type ProgressHook = Arc<dyn Fn(&TransferProgress) + Send + Sync>;

/// The outcome of [`Client::download_image`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadedImage {
    /// Where the image is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
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
    ///   again from byte 0 rather than splice two versions.
    /// - **A `.part` left by an earlier call** is continued with a `Range` request. The
    ///   validator and length are kept beside it in `<path>.part.etag`, so a file that changed
    ///   since starts again; a `.part` without that file (a server that sends no validator) is
    ///   taken to be this image's: remove it to start over.
    /// - **It never hangs:** an answer whose headers or next bytes take longer than
    ///   [`idle_timeout`](DownloadImageBuilder::idle_timeout) (default 60 s) is a cut
    ///   connection, and the source of the error says it timed out (`io::ErrorKind::TimedOut`).
    /// - **It never loops:** a cut connection is resumed with `Range`; a try that gets no
    ///   further than the furthest byte this call has held (a server that ignores `Range` and
    ///   keeps cutting, a wrong `Content-Range`, a stall, an expired address) is followed by a
    ///   pause that doubles from 250 ms, and [`DEFAULT_DOWNLOAD_ATTEMPTS`] such tries in a row
    ///   (see [`attempts`](DownloadImageBuilder::attempts)) end the call.
    /// - An address that expired (HTTP 403, or past its `ExpiredTime`) is fetched again.
    /// - An encrypted image (the platform refuses its address), a 404 or any other final
    ///   failure is [`Error::Transfer`] and leaves no file at `path`; the `.part` stays, with
    ///   the bytes that made it, for a later call to continue.
    /// - `path` must not exist unless [`overwrite`](DownloadImageBuilder::overwrite) says so;
    ///   this is checked again at the end (a file made there meanwhile is kept and the call
    ///   fails): with a hard link where the file system has them, else by looking just before
    ///   the rename, which leaves a short window.
    /// - After the rename the folder is `fsync`ed too (on Unix), so the new name survives a
    ///   crash.
    /// - Errors never hold the address's query (it is a secret until it expires), also when
    ///   the download server echoes it. The crate's own HTTP client follows redirects (a
    ///   download service may send to a storage node); reqwest does not log their addresses.
    ///
    /// **Cancellation:** dropping the future leaves the `.part` as it is: call again to go on.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// let done = client
    ///     .download_image("cn-image-1", "web.qcow2")
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
            on_progress: None,
        }
    }
}

/// Where the download stands.
struct Run {
    started: Instant,
    /// Bytes in the `.part`.
    have: u64,
    /// The furthest the `.part` reached in this call: a try that ends short of it moved nothing.
    furthest: u64,
    /// What the answers said of the file the `.part` holds; later answers must agree.
    file: Option<Version>,
    /// The address and when it expires (Unix seconds).
    address: Option<(Url, Option<i64>)>,
    /// Tries in a row that got no further than `furthest`.
    stuck: u32,
}

impl DownloadImageBuilder {
    /// The image's region, when not the client's default.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Replace a file already at `path` (default `false`: an existing file is an error before
    /// anything is sent, and a file made there during the download is not replaced).
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// How many tries in a row that get no further into the file before giving up (default
    /// [`DEFAULT_DOWNLOAD_ATTEMPTS`]; at least 1).
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

    /// Calls `report` as bytes arrive (at most once per 1 MiB written, and at the end).
    pub fn on_progress(mut self, report: impl Fn(&TransferProgress) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(report));
        self
    }

    /// Downloads the image; see [`Client::download_image`].
    pub async fn send(self) -> Result<DownloadedImage, Error> {
        if self.image_id.trim().is_empty() {
            return Err(Error::invalid("ImageID", "must not be empty or blank"));
        }
        if self.idle_timeout.is_zero() {
            return Err(Error::invalid("idle_timeout", "must be more than zero"));
        }
        if self.path.as_os_str().is_empty() || self.path.file_name().is_none() {
            return Err(Error::invalid("path", "must name a file"));
        }
        match tokio::fs::metadata(&self.path).await {
            Ok(meta) if meta.is_dir() => return Err(Error::invalid("path", "is a directory: name a file")),
            Ok(_) if !self.overwrite => {
                return Err(Error::invalid("path", "exists: remove it, choose another, or set overwrite(true)"));
            }
            _ => {}
        }
        let part = with_suffix(&self.path, ".part");
        let have = match tokio::fs::metadata(&part).await {
            Ok(meta) if meta.is_file() => meta.len(),
            Ok(_) => return Err(Error::invalid("path", format!("{} exists and is not a file", part.display()))),
            Err(_) => 0,
        };
        // What an earlier call learnt of the file it left in the `.part`.
        let file = if have > 0 { read_version(&part).await } else { None };
        let http = self.client.files_http()?.clone();
        let mut run = Run { started: Instant::now(), have, furthest: have, file, address: None, stuck: 0 };
        loop {
            let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
            let expired = |at: &Option<i64>| at.is_some_and(|at| at <= now.saturating_add(EXPIRY_MARGIN));
            if run.address.as_ref().is_none_or(|(_, at)| expired(at)) {
                run.address = Some(self.address().await.map_err(|e| self.failed(TransferStage::Address, &run, e))?);
            }
            let Some((url, _)) = run.address.clone() else { continue };
            let furthest = run.furthest;
            let error = match self.fetch(&http, url, &part, &mut run).await {
                Ok(()) => break,
                Err(Step::Retry(error)) => error,
                Err(Step::Fail(stage, error)) => return Err(self.failed(stage, &run, error)),
            };
            run.furthest = run.furthest.max(run.have);
            if run.furthest > furthest {
                // Further than ever: go on at once.
                run.stuck = 0;
                tracing::debug!(image_id = %self.image_id, have = run.have, %error, "download cut; going on");
                continue;
            }
            run.stuck += 1;
            if run.stuck >= self.attempts {
                let error = GotNoFurther { tries: run.stuck, furthest: run.furthest, last: error };
                return Err(self.failed(TransferStage::Download, &run, Box::new(error)));
            }
            let pause = FIRST_PAUSE.saturating_mul(1 << (run.stuck - 1).min(8)).min(LONGEST_PAUSE);
            tracing::debug!(image_id = %self.image_id, have = run.have, %error, ?pause, "download got no further");
            tokio::time::sleep(pause).await;
        }
        let write = |e: std::io::Error| self.failed(TransferStage::Write, &run, Box::new(e));
        put_in_place(&part, &self.path, self.overwrite).await.map_err(write)?;
        let _ = tokio::fs::remove_file(with_suffix(&part, ".etag")).await;
        self.report(&run);
        Ok(DownloadedImage { path: self.path.clone(), bytes: run.have })
    }

    /// The address and its expiry, fresh from GetImageDownloadURL.
    async fn address(&self) -> Result<(Url, Option<i64>), Box<dyn std::error::Error + Send + Sync>> {
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

    /// One GET from where the `.part` ends, until the file is complete or the try is over.
    async fn fetch(&self, http: &reqwest::Client, url: Url, part: &Path, run: &mut Run) -> Result<(), Step> {
        let secrets = address_secrets(&url);
        let mut request = http.get(url);
        if run.have > 0 {
            request = request.header(reqwest::header::RANGE, format!("bytes={}-", run.have));
            if let Some(validator) = run.file.as_ref().and_then(Version::if_range) {
                request = request.header(reqwest::header::IF_RANGE, validator);
            }
        }
        let idle = self.idle_timeout;
        // The address is a secret until it expires: errors leave it out.
        let mut response = match tokio::time::timeout(idle, request.send()).await {
            Ok(sent) => sent.map_err(|e| Step::Retry(Box::new(e.without_url())))?,
            Err(_) => return Err(Step::Retry(stalled(idle, "the answer's headers"))),
        };
        let status = response.status().as_u16();
        let validator = validator(&response);
        let write = |e: std::io::Error| Step::Fail(TransferStage::Write, Box::new(e));
        match status {
            200 => {
                // The whole file: what the `.part` held is replaced.
                let seen = Version { total: response.content_length(), validator };
                if run.file.as_ref().is_some_and(|known| !known.agrees(&seen)) {
                    tracing::debug!(image_id = %self.image_id, "the file changed on the server; starting again");
                }
                run.have = 0;
                run.file = Some(seen);
            }
            206 => {
                let Some((start, end, total)) = content_range(&response) else {
                    return self.restart(part, run, "a 206 answer without a readable Content-Range").await;
                };
                if start != run.have {
                    let why = format!("a 206 answer from byte {start}, not from byte {}", run.have);
                    return self.restart(part, run, &why).await;
                }
                let seen = Version { total, validator };
                let known = run.file.get_or_insert_with(|| seen.clone());
                if !known.agrees(&seen) {
                    return self.restart(part, run, "the file changed on the server since the first answer").await;
                }
                // `bytes START-END/*`: what was asked reaches the end of the file.
                known.total = known.total.or(total).or(end.checked_add(1));
            }
            416 => {
                // Nothing past the `.part`: complete if it is the file's length, else start again.
                let total = response_total(&response);
                let known = run.file.get_or_insert_with(Version::default);
                if total == Some(run.have) && known.agrees(&Version { total, validator: known.validator.clone() }) {
                    known.total = total;
                    sync(part).await.map_err(write)?;
                    return Ok(());
                }
                return self.restart(part, run, "a 416 answer that does not end the file where the .part does").await;
            }
            // The address expired or was refused: ask for another.
            403 => {
                run.address = None;
                return Err(Step::Retry(http_error(status, &mut response, idle, &secrets).await.into()));
            }
            500 | 502 | 503 | 504 => {
                return Err(Step::Retry(http_error(status, &mut response, idle, &secrets).await.into()));
            }
            _ => {
                let error = http_error(status, &mut response, idle, &secrets).await;
                return Err(Step::Fail(TransferStage::Download, error.into()));
            }
        }
        // A body that says where it ends (chunked, or HTTP/2) is complete at a clean end.
        let framed = response.version() >= reqwest::Version::HTTP_2
            || response
                .headers()
                .get(reqwest::header::TRANSFER_ENCODING)
                .is_some_and(|v| v.as_bytes().ends_with(b"chunked"));
        let file = tokio::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(run.have == 0)
            .append(run.have > 0)
            .open(part)
            .await
            .map_err(write)?;
        if run.have == 0 {
            write_version(part, run.file.as_ref()).await.map_err(write)?;
        }
        let mut early = EarlySync::new(&file, run.have).await.map_err(write)?;
        let mut out = tokio::io::BufWriter::with_capacity(WRITE_BUFFER, file);
        let mut reported = run.have;
        // One timer for the whole body, moved on only when it fires: a timer per chunk would
        // cost more than the chunk's copy on a fast link.
        let mut last_byte = Instant::now();
        let mut stall = std::pin::pin!(tokio::time::sleep_until(last_byte + idle));
        let cut = loop {
            let next = match futures_util::future::select(std::pin::pin!(response.chunk()), stall.as_mut()).await {
                futures_util::future::Either::Left((next, _)) => Ok(next),
                futures_util::future::Either::Right(_) => Err(()),
            };
            match next {
                Err(()) if last_byte.elapsed() < idle => {
                    stall.as_mut().reset(last_byte + idle);
                    continue;
                }
                Ok(Ok(Some(bytes))) => {
                    out.write_all(&bytes).await.map_err(write)?;
                    // Idle from when the next byte is asked for: a slow disk is not a stall.
                    last_byte = Instant::now();
                    run.have += bytes.len() as u64;
                    if run.have - reported >= WRITE_BUFFER as u64 {
                        reported = run.have;
                        self.report(run);
                        early.tick(run.have).map_err(write)?;
                    }
                }
                Ok(Ok(None)) => break None,
                Ok(Err(e)) => break Some(Box::new(e.without_url()) as Box<dyn std::error::Error + Send + Sync>),
                Err(_) => break Some(stalled(idle, "more of the file")),
            }
        };
        out.flush().await.map_err(write)?;
        let file = out.into_inner();
        early.finish().await.map_err(write)?;
        let total = run.file.as_ref().and_then(|v| v.total);
        match (cut, total) {
            (Some(e), _) => Err(Step::Retry(e)),
            (None, Some(total)) if run.have < total => Err(Step::Retry("the answer ended before the file did".into())),
            (None, Some(total)) if run.have > total => Err(Step::Fail(
                TransferStage::Download,
                format!("got {} bytes of a {total}-byte file", run.have).into(),
            )),
            (None, None) if !framed => Err(Step::Fail(
                TransferStage::Download,
                format!(
                    "the server never said the file's length (no Content-Length, Content-Range or chunked end): \
                     the {} bytes received may not be all of it, so they stay in the .part",
                    run.have
                )
                .into(),
            )),
            (None, _) => {
                file.sync_all().await.map_err(write)?;
                run.file.get_or_insert_with(Version::default).total = Some(run.have);
                Ok(())
            }
        }
    }

    /// Empties the `.part` to start the file again from byte 0 on the next try.
    async fn restart(&self, part: &Path, run: &mut Run, why: &str) -> Result<(), Step> {
        tracing::debug!(image_id = %self.image_id, why, "download starts again");
        run.have = 0;
        run.file = None;
        truncate(part).await.map_err(|e| Step::Fail(TransferStage::Write, Box::new(e)))?;
        let _ = tokio::fs::remove_file(with_suffix(part, ".etag")).await;
        Err(Step::Retry(format!("{why}: starting again from byte 0").into()))
    }

    fn report(&self, run: &Run) {
        if let Some(report) = &self.on_progress {
            let total = run.file.as_ref().and_then(|v| v.total).unwrap_or(0);
            report(&TransferProgress {
                bytes_done: run.have,
                bytes_total: total,
                elapsed: run.started.elapsed(),
                percent: None,
            });
        }
    }

    fn failed(&self, stage: TransferStage, run: &Run, source: Box<dyn std::error::Error + Send + Sync>) -> Error {
        // An API error stays what it is inside the transfer's failure.
        Error::Transfer(TransferError {
            stage,
            image_id: self.image_id.clone(),
            bytes_done: run.have,
            source,
            handle: None,
        })
    }
}

/// Why a download gave up: tries in a row that got no further into the file.
#[derive(Debug)]
struct GotNoFurther {
    tries: u32,
    furthest: u64,
    last: Box<dyn std::error::Error + Send + Sync>,
}

impl std::fmt::Display for GotNoFurther {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self { tries, furthest, last } = self;
        write!(f, "{tries} tries in a row got no further than byte {furthest} of the file; the last: {last}")
    }
}

impl std::error::Error for GotNoFurther {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.last)
    }
}

/// A connection that went quiet, as an error of kind `TimedOut`.
fn stalled(idle: Duration, waiting_for: &str) -> Box<dyn std::error::Error + Send + Sync> {
    let message = format!("timed out: no byte of {waiting_for} for {idle:?}");
    Box::new(std::io::Error::new(std::io::ErrorKind::TimedOut, message))
}

/// What one try came to, when not the complete file.
enum Step {
    /// Try again from where the `.part` ends.
    Retry(Box<dyn std::error::Error + Send + Sync>),
    /// Give up.
    Fail(TransferStage, Box<dyn std::error::Error + Send + Sync>),
}

/// `Content-Range: bytes START-END/TOTAL` (TOTAL may be `*`).
fn content_range(response: &reqwest::Response) -> Option<(u64, u64, Option<u64>)> {
    let value = response.headers().get(reqwest::header::CONTENT_RANGE)?.to_str().ok()?;
    let (range, total) = value.strip_prefix("bytes ")?.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let (start, end) = (start.trim().parse().ok()?, end.trim().parse().ok()?);
    (start <= end).then_some((start, end, total.trim().parse().ok()))
}

/// The total of a 416's `Content-Range: bytes */TOTAL`.
fn response_total(response: &reqwest::Response) -> Option<u64> {
    let value = response.headers().get(reqwest::header::CONTENT_RANGE)?.to_str().ok()?;
    value.strip_prefix("bytes */")?.trim().parse().ok()
}

/// The answer's `ETag`, else its `Last-Modified`.
fn validator(response: &reqwest::Response) -> Option<String> {
    let headers = response.headers();
    let value = headers.get(reqwest::header::ETAG).or_else(|| headers.get(reqwest::header::LAST_MODIFIED))?;
    value.to_str().ok().map(str::to_owned)
}

/// The parts of a download address that are secrets: its query, and the values of its
/// signature, token, key and credential parameters (as sent and decoded).
fn address_secrets(url: &Url) -> Vec<String> {
    let Some(query) = url.query().filter(|q| !q.is_empty()) else { return Vec::new() };
    let mut secrets = vec![query.to_owned()];
    for piece in query.split('&') {
        let Some((key, raw)) = piece.split_once('=') else { continue };
        let key = key.to_ascii_lowercase();
        if raw.is_empty() || !["sign", "token", "secret", "key", "credential"].iter().any(|s| key.contains(s)) {
            continue;
        }
        secrets.push(raw.to_owned());
        if let Some((_, decoded)) = url::form_urlencoded::parse(piece.as_bytes()).next() {
            if decoded != raw && !decoded.is_empty() {
                secrets.push(decoded.into_owned());
            }
        }
    }
    // The longest first, so that no secret is left half replaced by a shorter one inside it.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets
}

/// An HTTP status of the download service, with the start of its body, the address's secrets
/// scrubbed (a server may echo the request).
async fn http_error(status: u16, response: &mut reqwest::Response, idle: Duration, secrets: &[String]) -> Error {
    let body = match tokio::time::timeout(idle, response.chunk()).await {
        Ok(Ok(Some(body))) => body,
        _ => bytes::Bytes::new(),
    };
    // Scrubbed before it is cut, so that a secret cut in half by the excerpt goes too.
    let mut text = String::from_utf8_lossy(&body[..body.len().min(4 * BODY_LIMIT)]).into_owned();
    for secret in secrets {
        if text.contains(secret.as_str()) {
            text = text.replace(secret.as_str(), "***");
        }
    }
    Error::Http {
        meta: ErrorMetadata::new("download"),
        status,
        body: crate::excerpt::excerpt(text.as_bytes()),
        retry_after: None,
    }
}

/// Enough of an error body to scrub before the excerpt is taken.
const BODY_LIMIT: usize = 1024;
