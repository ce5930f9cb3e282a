//! The upload's handle file (`FILE.upload.json`), in a folder others may write to: read with a
//! bound, without following a link or blocking on a pipe; written as a new owner-only file
//! renamed into place, and never over something that is not a handle.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use ucloudstack::image::UploadHandle;

/// What a handle file holds: the library's handle, and what a resume needs besides.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Saved {
    #[serde(flatten)]
    pub handle: UploadHandle,
    pub company_id: Option<i64>,
    pub region: Option<String>,
}

/// A handle file is a few hundred bytes: a larger file is not one, and is not read whole.
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// S3 object keys are at most 1,024 bytes long.
const MAX_KEY_BYTES: usize = 1024;

/// What is at `path`: nothing (`None`) or a handle. `Err` says, after the path, why the file is
/// not one the tool reads or replaces: a symbolic link, not a regular file, too large, not a
/// handle, or a handle with an empty id or an oversized key.
pub fn inspect(path: &Path) -> Result<Option<Saved>, String> {
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot be read: {e}")),
    };
    if metadata.file_type().is_symlink() {
        return Err("is a symbolic link: a handle file must be a regular file of its own".into());
    }
    if !metadata.is_file() {
        return Err("is not a regular file".into());
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err("is larger than 64 KiB: not an upload handle file".into());
    }
    let file = open_plain(path).map_err(|e| format!("cannot be read: {e}"))?;
    // What was opened may not be what was looked at: look again.
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err("is not a regular file".into());
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot be read: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err("is larger than 64 KiB: not an upload handle file".into());
    }
    let saved: Saved = serde_json::from_slice(&bytes).map_err(|e| format!("is not an upload handle file: {e}"))?;
    let handle = &saved.handle;
    if handle.image_id().trim().is_empty() {
        return Err("holds an empty image_id".into());
    }
    if handle.upload_id().trim().is_empty() {
        return Err("holds an empty upload_id".into());
    }
    match handle.object_key().map(str::len) {
        Some(0) => return Err("holds an empty object_key".into()),
        Some(n) if n > MAX_KEY_BYTES => {
            return Err(format!("holds an object_key of {n} bytes: S3 keys are at most {MAX_KEY_BYTES}"));
        }
        _ => {}
    }
    Ok(Some(saved))
}

/// Opens `path` to read, refusing a symbolic link, and not waiting for a writer if it became a
/// pipe since it was looked at.
fn open_plain(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Writes `saved` to `path`: into a new file of the same folder readable by its owner only,
/// then renamed over `path`, so that a reader never sees half a handle and no link at `path`
/// is followed. Refused when `path` holds something that is not a handle.
pub fn write(path: &Path, saved: &Saved) -> std::io::Result<()> {
    if let Err(why) = inspect(path) {
        return Err(std::io::Error::other(format!("it {why}; it is not replaced")));
    }
    let text = serde_json::to_string_pretty(saved).map_err(std::io::Error::other)? + "\n";
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let (temp, mut file) = new_file(folder)?;
    let written = file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).and_then(|()| {
        drop(file);
        std::fs::rename(&temp, path)
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// A file of `folder` made by this call (never one that was there), mode 0600.
fn new_file(folder: &Path) -> std::io::Result<(PathBuf, File)> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut tries = 0;
    loop {
        let name = format!(".ucloudstack-handle-{}-{}.tmp", std::process::id(), unique_number());
        let temp = folder.join(name);
        match options.open(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && tries < 16 => tries += 1,
            Err(e) => return Err(e),
        }
    }
}

/// A number that differs from call to call (a temporary file's name).
fn unique_number() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    nanos ^ NEXT.fetch_add(0x9e37_79b9, Ordering::Relaxed)
}

/// Whether `a` and `b` are the same file (two names, or a link and its target).
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
    }
}
