//! The `.part` file a download writes: opened without following links and locked for the
//! whole download, the version of the file it holds (kept beside it, in `<path>.part.etag`, for
//! a later call to check), flushes to disk in the background as it grows, and putting it in
//! place once complete.

use std::io::{Read, Seek, Write};
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

/// Why the `.part` or its sidecar cannot be used.
#[derive(Debug)]
pub(super) enum PartError {
    /// Something at the path that a download must not touch (a link, not a regular file, a
    /// `.part` another download holds): the rule, naming the path.
    Refused(String),
    Io(std::io::Error),
}

impl From<std::io::Error> for PartError {
    fn from(e: std::io::Error) -> Self {
        PartError::Io(e)
    }
}

/// The `.part` of one download: opened without following links, a regular file, and locked
/// (exclusively, for as long as this lives) so that no other download writes to it.
#[derive(Debug)]
pub(super) struct PartFile {
    path: PathBuf,
    file: std::fs::File,
}

impl PartFile {
    /// Opens `part`, or creates it anew, and locks it. A link (also one to nowhere) or
    /// anything but a regular file at `part` or at its sidecar is refused, and so is a `.part`
    /// another download holds.
    pub(super) async fn open(part: &Path) -> Result<PartFile, PartError> {
        let path = part.to_path_buf();
        tokio::task::spawn_blocking(move || PartFile::open_now(path))
            .await
            .map_err(|e| PartError::Io(std::io::Error::other(e)))?
    }

    fn open_now(path: PathBuf) -> Result<PartFile, PartError> {
        let sidecar = with_suffix(&path, ".etag");
        refuse_odd(&path)?;
        refuse_odd(&sidecar)?;
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true);
        no_follow(&mut options);
        // A name that is free is taken with create-new, which never follows a link planted
        // meanwhile.
        let opened = match std::fs::symlink_metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => options.create_new(true).open(&path),
            _ => options.open(&path),
        };
        let file = opened.map_err(|e| opening(&path, e))?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(PartError::Refused(format!("{} is not a regular file: remove it", path.display())));
        }
        // A hard link is another name of some other file: writing would change that file too.
        #[cfg(unix)]
        if std::os::unix::fs::MetadataExt::nlink(&meta) > 1 {
            return Err(PartError::Refused(format!(
                "{} has other names (hard links): a download never writes to a file that does; remove it",
                path.display()
            )));
        }
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let rule = format!("another download holds {}: wait for it to end, or stop it", path.display());
                return Err(PartError::Refused(rule));
            }
            // A file system without locks (some network and FUSE ones): the download goes on
            // unguarded rather than not at all.
            Err(std::fs::TryLockError::Error(e)) if no_locks(&e) => {
                tracing::warn!(part = %path.display(), %e, "the file system cannot lock the .part; going on without");
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e.into()),
        }
        // A download that ended meanwhile renamed what we opened: the lock must be on the file
        // the name holds now.
        if !names(&path, &file) {
            return Err(PartError::Refused(format!("{} changed while it was opened: try again", path.display())));
        }
        Ok(PartFile { path, file })
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// The length of the `.part` on disk (of the file held, whatever its name says now).
    pub(super) fn len(&self) -> std::io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    /// A handle that writes from byte `at` on (the file emptied when `at` is 0); it shares
    /// the lock.
    pub(super) fn writer(&self, at: u64) -> std::io::Result<tokio::fs::File> {
        if at == 0 {
            self.file.set_len(0)?;
        }
        let mut file = self.file.try_clone()?;
        file.seek(std::io::SeekFrom::Start(at))?;
        Ok(tokio::fs::File::from_std(file))
    }

    /// Removes the `.part` if it is empty and still has its name; best effort.
    pub(super) async fn remove_if_empty(&self) {
        if self.len().is_ok_and(|len| len == 0) && names(&self.path, &self.file) {
            let _ = tokio::fs::remove_file(&self.path).await;
            let _ = tokio::fs::remove_file(with_suffix(&self.path, ".etag")).await;
        }
    }

    /// Empties the `.part`.
    pub(super) fn truncate(&self) -> std::io::Result<()> {
        self.file.set_len(0)
    }

    pub(super) async fn sync(&self) -> std::io::Result<()> {
        let file = self.file.try_clone()?;
        tokio::task::spawn_blocking(move || file.sync_all()).await.map_err(std::io::Error::other)?
    }
}

/// Whether a lock failed because the file system has no locks.
fn no_locks(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    if matches!(e.raw_os_error(), Some(libc::ENOLCK | libc::EOPNOTSUPP | libc::ENOSYS)) {
        return true;
    }
    e.kind() == std::io::ErrorKind::Unsupported
}

/// Refuses a link, or anything but a regular file, at `path`; nothing there is fine.
fn refuse_odd(path: &Path) -> Result<(), PartError> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(PartError::Refused(format!(
            "{} is a symbolic link: a download never writes through one; remove it",
            path.display()
        ))),
        Ok(meta) if !meta.is_file() => {
            Err(PartError::Refused(format!("{} exists and is not a regular file: remove it", path.display())))
        }
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Opens without following a link in the last step of the path (Unix; elsewhere the look
/// before opening is all).
fn no_follow(options: &mut std::fs::OpenOptions) {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(options, libc::O_NOFOLLOW);
    #[cfg(not(unix))]
    let _ = options;
}

/// An error of opening `path`: a link that appeared since the look (`ELOOP`, `EEXIST`) is a
/// refusal.
fn opening(path: &Path, e: std::io::Error) -> PartError {
    #[cfg(unix)]
    if e.raw_os_error() == Some(libc::ELOOP) {
        return PartError::Refused(format!(
            "{} is a symbolic link: a download never writes through one; remove it",
            path.display()
        ));
    }
    if e.kind() == std::io::ErrorKind::AlreadyExists {
        return PartError::Refused(format!("{} appeared while it was opened: try again", path.display()));
    }
    PartError::Io(e)
}

/// Whether the name `path` holds the very file `file` (not a link, not another file).
fn names(path: &Path, file: &std::fs::File) -> bool {
    let (Ok(named), Ok(held)) = (std::fs::symlink_metadata(path), file.metadata()) else { return false };
    if !named.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        named.dev() == held.dev() && named.ino() == held.ino()
    }
    #[cfg(not(unix))]
    {
        named.len() == held.len()
    }
}

/// The most a sidecar holds: a length and a validator.
const SIDECAR_LIMIT: u64 = 4096;

/// The version an earlier call kept beside the `.part` (`<path>.part.etag`: the length or `*`
/// on one line, the validator on the next), if it is there and readable. A link there is
/// refused.
pub(super) fn read_version(part: &Path) -> Result<Option<Version>, PartError> {
    let sidecar = with_suffix(part, ".etag");
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    no_follow(&mut options);
    let file = match options.open(&sidecar) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return match opening(&sidecar, e) {
                PartError::Io(_) => Ok(None),
                refused => Err(refused),
            };
        }
    };
    if !file.metadata()?.is_file() {
        return Err(PartError::Refused(format!("{} exists and is not a regular file: remove it", sidecar.display())));
    }
    let mut text = String::new();
    if file.take(SIDECAR_LIMIT).read_to_string(&mut text).is_err() {
        return Ok(None);
    }
    let Some((total, validator)) = text.trim_end_matches('\n').split_once('\n') else { return Ok(None) };
    let total = if total == "*" {
        None
    } else {
        match total.parse() {
            Ok(total) => Some(total),
            Err(_) => return Ok(None),
        }
    };
    let validator = Some(validator.to_owned()).filter(|v| !v.is_empty() && !v.contains('\n'));
    Ok(validator.is_some().then_some(Version { total, validator }))
}

/// Keeps the version beside a `.part` that begins, for a later call to check; without a
/// validator there is nothing to check, and an older file is removed. Written to a new file,
/// then renamed over the sidecar: a link planted there is replaced, never written through.
pub(super) async fn write_version(part: &Path, version: Option<&Version>) -> std::io::Result<()> {
    let sidecar = with_suffix(part, ".etag");
    let Some(Version { total, validator: Some(validator) }) = version else {
        return match tokio::fs::remove_file(sidecar).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
    };
    let text = format!("{}\n{validator}\n", total.map_or_else(|| "*".to_owned(), |t| t.to_string()));
    tokio::task::spawn_blocking(move || {
        let temporary = with_suffix(&sidecar, &format!(".{:016x}.tmp", fastrand::u64(..)));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        no_follow(&mut options);
        let written = options.open(&temporary).and_then(|mut file| file.write_all(text.as_bytes()));
        let done = written.and_then(|()| std::fs::rename(&temporary, &sidecar));
        if done.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        done
    })
    .await
    .map_err(std::io::Error::other)?
}

/// Puts the complete `.part` in place at `path`, then makes the new name durable. Only the
/// file this download wrote goes there: a `.part` name that holds a link or another file now
/// is refused. Without `overwrite`, a file made at `path` during the download is kept: a hard
/// link fails if the name is taken, and where links are not to be had, a look just before the
/// rename.
pub(super) async fn put_in_place(part: &PartFile, path: &Path, overwrite: bool) -> std::io::Result<()> {
    let (from, to) = (part.path.clone(), path.to_path_buf());
    let held = part.file.try_clone()?;
    tokio::task::spawn_blocking(move || put_in_place_now(&from, &held, &to, overwrite))
        .await
        .map_err(std::io::Error::other)?
}

fn put_in_place_now(part: &Path, held: &std::fs::File, path: &Path, overwrite: bool) -> std::io::Result<()> {
    let taken = || {
        let message = format!("{} was made during the download; the .part is kept", path.display());
        std::io::Error::new(std::io::ErrorKind::AlreadyExists, message)
    };
    let replaced = |name: &Path| {
        let message = format!(
            "{} was replaced during the download (by a link or another file): it is not put in place",
            name.display()
        );
        std::io::Error::new(std::io::ErrorKind::InvalidData, message)
    };
    if !names(part, held) {
        return Err(replaced(part));
    }
    let linked = if overwrite { Err(None) } else { std::fs::hard_link(part, path).map_err(Some) };
    match linked {
        Ok(()) => {
            if let Err(e) = std::fs::remove_file(part) {
                tracing::debug!(part = %part.display(), %e, "the .part of a complete download stays");
            }
        }
        Err(Some(e)) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(taken()),
        Err(e) => {
            if e.is_some() && std::fs::symlink_metadata(path).is_ok() {
                return Err(taken());
            }
            std::fs::rename(part, path)?;
        }
    }
    // The `.part` name may have been swapped between the look and the link or rename: what
    // is in place must be the file written, else it goes.
    if !names(path, held) {
        let _ = std::fs::remove_file(path);
        return Err(replaced(part));
    }
    #[cfg(unix)]
    {
        // The folder holds the new name: without this, a crash may lose it. Best effort.
        let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if let Ok(folder) = std::fs::File::open(folder) {
            let _ = folder.sync_all();
        }
    }
    Ok(())
}
