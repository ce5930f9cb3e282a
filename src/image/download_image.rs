//! `client.download_image(id, path)`: GetImageDownloadURL, then a streamed GET into
//! `<path>.part`, continued with `Range` after a cut, renamed to `path` once complete.

use super::transfer::{TransferError, TransferProgress, TransferStage};
use crate::{Client, Error, ErrorMetadata};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::AsyncWriteExt;
use tokio::time::Instant;
use url::Url;

/// How many tries in a row that move no byte a download makes before it gives up.
pub const DEFAULT_DOWNLOAD_ATTEMPTS: u32 = 5;
/// An address this close to its `ExpiredTime` is fetched again first.
const EXPIRY_MARGIN: i64 = 30;
/// The buffer between the network and the file.
const WRITE_BUFFER: usize = 1 << 20;
/// Bytes written between two flushes to disk started in the background: the `fsync` before
/// the rename then waits only for what came since, not for the whole file.
const SYNC_EVERY: u64 = 16 << 20;

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
    /// - A `.part` left by an earlier call is continued with a `Range` request (it is taken to
    ///   be this image's: remove it to start over); a server that ignores `Range` starts the
    ///   file again.
    /// - A cut connection is resumed the same way, up to
    ///   [`DEFAULT_DOWNLOAD_ATTEMPTS`] tries in a row that move no byte.
    /// - An address that expired (HTTP 403, or past its `ExpiredTime`) is fetched again.
    /// - An encrypted image (the platform refuses its address), a 404 or any other final
    ///   failure is [`Error::Transfer`] and leaves no file at `path`; the `.part` stays, with
    ///   the bytes that made it, for a later call to continue.
    /// - `path` must not exist unless [`overwrite`](DownloadImageBuilder::overwrite) says so.
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
            on_progress: None,
        }
    }
}

/// Where the download stands.
struct Run {
    started: Instant,
    /// Bytes in the `.part`.
    have: u64,
    /// The file's length, once an answer said it.
    total: Option<u64>,
    /// The address and when it expires (Unix seconds).
    address: Option<(Url, Option<i64>)>,
    /// Tries in a row that moved no byte.
    idle_tries: u32,
}

impl DownloadImageBuilder {
    /// The image's region, when not the client's default.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Replace a file already at `path` (default `false`: an existing file is an error before
    /// anything is sent).
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// How many tries in a row that move no byte before giving up (default 5; at least 1).
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
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
        let part = part_path(&self.path);
        let have = match tokio::fs::metadata(&part).await {
            Ok(meta) if meta.is_file() => meta.len(),
            Ok(_) => return Err(Error::invalid("path", format!("{} exists and is not a file", part.display()))),
            Err(_) => 0,
        };
        let http = self.client.files_http()?.clone();
        let mut run = Run { started: Instant::now(), have, total: None, address: None, idle_tries: 0 };
        loop {
            let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
            let expired = |at: &Option<i64>| at.is_some_and(|at| at <= now.saturating_add(EXPIRY_MARGIN));
            if run.address.as_ref().is_none_or(|(_, at)| expired(at)) {
                run.address = Some(self.address().await.map_err(|e| self.failed(TransferStage::Address, &run, e))?);
            }
            let Some((url, _)) = run.address.clone() else { continue };
            match self.fetch(&http, url, &part, &mut run).await {
                Ok(true) => break,
                Ok(false) => {}
                Err(Step::Retry(error)) => {
                    run.idle_tries += 1;
                    if run.idle_tries >= self.attempts {
                        return Err(self.failed(TransferStage::Download, &run, error));
                    }
                    let pause = Duration::from_millis(500).saturating_mul(1 << run.idle_tries.min(5));
                    tracing::debug!(image_id = %self.image_id, have = run.have, %error, "download cut; going on");
                    tokio::time::sleep(pause).await;
                }
                Err(Step::Fail(stage, error)) => return Err(self.failed(stage, &run, error)),
            }
        }
        let write = |e: std::io::Error| self.failed(TransferStage::Write, &run, Box::new(e));
        tokio::fs::rename(&part, &self.path).await.map_err(write)?;
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

    /// One GET from where the `.part` ends: `Ok(true)` once the file is complete.
    async fn fetch(&self, http: &reqwest::Client, url: Url, part: &Path, run: &mut Run) -> Result<bool, Step> {
        let mut request = http.get(url);
        if run.have > 0 {
            request = request.header(reqwest::header::RANGE, format!("bytes={}-", run.have));
        }
        // The address is a secret until it expires: errors leave it out.
        let mut response = request.send().await.map_err(|e| Step::Retry(Box::new(e.without_url())))?;
        let status = response.status().as_u16();
        let range = content_range(&response);
        match status {
            200 => {
                // The whole file: what the `.part` held is replaced.
                run.have = 0;
                run.total = response.content_length();
            }
            206 => match range {
                Some((start, total)) if start == run.have => run.total = total.or(run.total),
                _ => {
                    // Not where the file ends: start again.
                    run.have = 0;
                    truncate(part).await.map_err(|e| Step::Fail(TransferStage::Write, Box::new(e)))?;
                    return Ok(false);
                }
            },
            416 => {
                // Nothing past the `.part`: complete if it is the file's length, else start again.
                let total = response_total(&response);
                if total == Some(run.have) {
                    run.total = total;
                    sync(part).await.map_err(|e| Step::Fail(TransferStage::Write, Box::new(e)))?;
                    return Ok(true);
                }
                run.have = 0;
                truncate(part).await.map_err(|e| Step::Fail(TransferStage::Write, Box::new(e)))?;
                return Ok(false);
            }
            // The address expired or was refused: ask for another.
            403 => {
                run.address = None;
                return Err(Step::Retry(http_error(status, &mut response).await.into()));
            }
            500 | 502 | 503 | 504 => return Err(Step::Retry(http_error(status, &mut response).await.into())),
            _ => return Err(Step::Fail(TransferStage::Download, http_error(status, &mut response).await.into())),
        }
        let file = tokio::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(run.have == 0)
            .append(run.have > 0)
            .open(part)
            .await
            .map_err(|e| Step::Fail(TransferStage::Write, Box::new(e)))?;
        let write = |e: std::io::Error| Step::Fail(TransferStage::Write, Box::new(e));
        let mut early = EarlySync::new(&file, run.have).await.map_err(write)?;
        let mut out = tokio::io::BufWriter::with_capacity(WRITE_BUFFER, file);
        let mut reported = run.have;
        let cut = loop {
            match response.chunk().await {
                Ok(Some(bytes)) => {
                    out.write_all(&bytes).await.map_err(write)?;
                    run.have += bytes.len() as u64;
                    run.idle_tries = 0;
                    if run.have - reported >= WRITE_BUFFER as u64 {
                        reported = run.have;
                        self.report(run);
                        early.tick(run.have).map_err(write)?;
                    }
                }
                Ok(None) => break None,
                Err(e) => break Some(e),
            }
        };
        out.flush().await.map_err(write)?;
        let file = out.into_inner();
        early.finish().await.map_err(write)?;
        match (cut, run.total) {
            (Some(e), _) => Err(Step::Retry(Box::new(e.without_url()))),
            (None, Some(total)) if run.have < total => Err(Step::Retry("the answer ended before the file did".into())),
            (None, Some(total)) if run.have > total => Err(Step::Fail(
                TransferStage::Download,
                format!("got {} bytes of a {total}-byte file", run.have).into(),
            )),
            (None, _) => {
                file.sync_all().await.map_err(write)?;
                run.total = Some(run.have);
                Ok(true)
            }
        }
    }

    fn report(&self, run: &Run) {
        if let Some(report) = &self.on_progress {
            let total = run.total.unwrap_or(0);
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

/// Flushes the `.part` to disk in the background as it grows (`fdatasync` on a second handle,
/// one at a time, every [`SYNC_EVERY`] bytes), so that the writeback overlaps the download
/// instead of all waiting for the final `fsync`.
struct EarlySync {
    file: Arc<std::fs::File>,
    /// Where the `.part` stood when the last flush began.
    since: u64,
    running: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl EarlySync {
    async fn new(file: &tokio::fs::File, have: u64) -> std::io::Result<EarlySync> {
        let file = Arc::new(file.try_clone().await?.into_std().await);
        Ok(EarlySync { file, since: have, running: None })
    }

    /// Begins a flush when enough was written since the last one and it is over; a failed
    /// flush fails the download.
    fn tick(&mut self, have: u64) -> std::io::Result<()> {
        if have - self.since < SYNC_EVERY {
            return Ok(());
        }
        if let Some(running) = &self.running {
            if !running.is_finished() {
                return Ok(());
            }
            if let Some(Ok(Err(e))) = self.running.take().and_then(futures_util::FutureExt::now_or_never) {
                return Err(e);
            }
        }
        self.since = have;
        let file = self.file.clone();
        self.running = Some(tokio::task::spawn_blocking(move || file.sync_data()));
        Ok(())
    }

    /// Waits for the flush under way.
    async fn finish(&mut self) -> std::io::Result<()> {
        match self.running.take() {
            Some(running) => running.await.unwrap_or(Ok(())),
            None => Ok(()),
        }
    }
}

/// What one try came to, when not the complete file.
enum Step {
    /// Try again from where the `.part` ends.
    Retry(Box<dyn std::error::Error + Send + Sync>),
    /// Give up.
    Fail(TransferStage, Box<dyn std::error::Error + Send + Sync>),
}

/// `<path>.part`.
fn part_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    path.with_file_name(name)
}

/// `Content-Range: bytes START-END/TOTAL` (TOTAL may be `*`).
fn content_range(response: &reqwest::Response) -> Option<(u64, Option<u64>)> {
    let value = response.headers().get(reqwest::header::CONTENT_RANGE)?.to_str().ok()?;
    let (range, total) = value.strip_prefix("bytes ")?.split_once('/')?;
    let start = range.split_once('-')?.0.trim().parse().ok()?;
    Some((start, total.trim().parse().ok()))
}

/// The total of a 416's `Content-Range: bytes */TOTAL`.
fn response_total(response: &reqwest::Response) -> Option<u64> {
    let value = response.headers().get(reqwest::header::CONTENT_RANGE)?.to_str().ok()?;
    value.strip_prefix("bytes */")?.trim().parse().ok()
}

async fn truncate(part: &Path) -> std::io::Result<()> {
    match tokio::fs::OpenOptions::new().write(true).truncate(true).open(part).await {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

async fn sync(part: &Path) -> std::io::Result<()> {
    tokio::fs::OpenOptions::new().write(true).open(part).await?.sync_all().await
}

/// An HTTP status of the download service, with the start of its body.
async fn http_error(status: u16, response: &mut reqwest::Response) -> Error {
    let body = response.chunk().await.ok().flatten().unwrap_or_default();
    Error::Http {
        meta: ErrorMetadata::new("download"),
        status,
        body: crate::response::excerpt(&body),
        retry_after: None,
    }
}
