//! The `.part` file a download writes: the version of the file it holds (kept beside it, in
//! `<path>.part.etag`, for a later call to check), flushes to disk in the background as it
//! grows, and putting it in place once complete.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Bytes written between two flushes to disk started in the background: the `fsync` before
/// the rename then waits only for what came since, not for the whole file.
const SYNC_EVERY: u64 = 16 << 20;

/// One version of the file: its length and validator, as far as the answers said them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Version {
    pub total: Option<u64>,
    /// `ETag`, else `Last-Modified`.
    pub validator: Option<String>,
}

impl Version {
    /// Whether an answer that says `other` may be about this version: what both said agrees.
    pub(super) fn agrees(&self, other: &Version) -> bool {
        let same_total = self.total.zip(other.total).is_none_or(|(a, b)| a == b);
        same_total && (self.validator.is_none() || self.validator == other.validator)
    }

    /// The `If-Range` value: a strong `ETag` or a date (a weak `ETag` may not be used).
    pub(super) fn if_range(&self) -> Option<&str> {
        self.validator.as_deref().filter(|v| !v.starts_with("W/"))
    }
}

/// Flushes the `.part` to disk in the background as it grows (`fdatasync` on a second handle,
/// one at a time, every [`SYNC_EVERY`] bytes), so that the writeback overlaps the download
/// instead of all waiting for the final `fsync`.
pub(super) struct EarlySync {
    file: Arc<std::fs::File>,
    /// Where the `.part` stood when the last flush began.
    since: u64,
    running: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl EarlySync {
    pub(super) async fn new(file: &tokio::fs::File, have: u64) -> std::io::Result<EarlySync> {
        let file = Arc::new(file.try_clone().await?.into_std().await);
        Ok(EarlySync { file, since: have, running: None })
    }

    /// Begins a flush when enough was written since the last one and it is over; a failed
    /// flush fails the download.
    pub(super) fn tick(&mut self, have: u64) -> std::io::Result<()> {
        if have - self.since < SYNC_EVERY {
            return Ok(());
        }
        if let Some(running) = &self.running {
            if !running.is_finished() {
                return Ok(());
            }
            if let Some(done) = self.running.take().and_then(futures_util::FutureExt::now_or_never) {
                flushed(done)?;
            }
        }
        self.since = have;
        let file = self.file.clone();
        self.running = Some(tokio::task::spawn_blocking(move || file.sync_data()));
        Ok(())
    }

    /// Waits for the flush under way.
    pub(super) async fn finish(&mut self) -> std::io::Result<()> {
        match self.running.take() {
            Some(running) => flushed(running.await),
            None => Ok(()),
        }
    }
}

/// A background flush's outcome. One that failed, or never ran to its end, is an error: after
/// a failed `fdatasync` Linux may report the final `fsync` as fine although the data is lost.
fn flushed(done: Result<std::io::Result<()>, tokio::task::JoinError>) -> std::io::Result<()> {
    done.map_err(|e| std::io::Error::other(format!("a flush to disk did not finish: {e}")))?
}

/// `path` with `suffix` added to its file name.
pub(super) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// The version an earlier call kept beside the `.part` (`<path>.part.etag`: the length or `*`
/// on one line, the validator on the next), if it is there and readable.
pub(super) async fn read_version(part: &Path) -> Option<Version> {
    let text = tokio::fs::read_to_string(with_suffix(part, ".etag")).await.ok()?;
    let (total, validator) = text.trim_end_matches('\n').split_once('\n')?;
    let total = if total == "*" { None } else { Some(total.parse().ok()?) };
    let validator = Some(validator.to_owned()).filter(|v| !v.is_empty() && !v.contains('\n'));
    validator.is_some().then_some(Version { total, validator })
}

/// Keeps the version beside a `.part` that begins, for a later call to check; without a
/// validator there is nothing to check, and an older file is removed.
pub(super) async fn write_version(part: &Path, version: Option<&Version>) -> std::io::Result<()> {
    let sidecar = with_suffix(part, ".etag");
    match version {
        Some(Version { total, validator: Some(validator) }) => {
            let total = total.map_or_else(|| "*".to_owned(), |t| t.to_string());
            tokio::fs::write(sidecar, format!("{total}\n{validator}\n")).await
        }
        _ => match tokio::fs::remove_file(sidecar).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        },
    }
}

/// Renames the complete `.part` to `path`, then makes the new name durable. Without
/// `overwrite`, a file made at `path` during the download is kept: a hard link fails if the
/// name is taken, and where links are not to be had, a look just before the rename.
pub(super) async fn put_in_place(part: &Path, path: &Path, overwrite: bool) -> std::io::Result<()> {
    let taken = || {
        let message = format!("{} was made during the download; the .part is kept", path.display());
        std::io::Error::new(std::io::ErrorKind::AlreadyExists, message)
    };
    if overwrite {
        tokio::fs::rename(part, path).await?;
    } else {
        match tokio::fs::hard_link(part, path).await {
            Ok(()) => {
                if let Err(e) = tokio::fs::remove_file(part).await {
                    tracing::debug!(part = %part.display(), %e, "the .part of a complete download stays");
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(taken()),
            Err(_) => {
                if tokio::fs::symlink_metadata(path).await.is_ok() {
                    return Err(taken());
                }
                tokio::fs::rename(part, path).await?;
            }
        }
    }
    #[cfg(unix)]
    {
        // The folder holds the new name: without this, a crash may lose it. Best effort.
        let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if let Ok(folder) = tokio::fs::File::open(folder).await {
            let _ = folder.sync_all().await;
        }
    }
    Ok(())
}

pub(super) async fn truncate(part: &Path) -> std::io::Result<()> {
    match tokio::fs::OpenOptions::new().write(true).truncate(true).open(part).await {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

pub(super) async fn sync(part: &Path) -> std::io::Result<()> {
    tokio::fs::OpenOptions::new().write(true).open(part).await?.sync_all().await
}
