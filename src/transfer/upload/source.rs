//! The file an upload reads: what it is (length, header, format, size), what tells it changed,
//! and its parts, read and hashed at their offsets from one handle.

use super::GIB;
use crate::Error;
use crate::image::model::ImageFormat;
use bytes::Bytes;
use md5::{Digest, Md5};
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;
use tokio::io::AsyncReadExt;

/// Bytes read from the file's start to tell its format: an ISO's `CD001` ends at 32774.
const HEAD: usize = 32_774;
/// A part is read (and hashed) this much at a time.
const READ_CHUNK: usize = 1 << 20;

/// What the file is: its length, its first bytes, what tells it changed, and the one handle
/// every part is read from (reopened by path, parts could come from two files).
pub(super) struct FileFacts {
    pub(super) len: u64,
    pub(super) head: Vec<u8>,
    pub(super) stamp: Stamp,
    pub(super) handle: Arc<std::fs::File>,
}

/// What tells that a file changed: its length and mtime, and on Unix its device and inode
/// (another file put in its place) and ctime (written to, even with the mtime set back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Stamp {
    pub(super) len: u64,
    pub(super) modified: Option<SystemTime>,
    #[cfg(unix)]
    pub(super) node: (u64, u64, i64, i64),
}

impl Stamp {
    pub(super) fn of(meta: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            node: (meta.dev(), meta.ino(), meta.ctime(), meta.ctime_nsec()),
        }
    }
}

pub(super) async fn inspect(path: &Path) -> Result<FileFacts, Error> {
    if path.as_os_str().is_empty() {
        return Err(Error::invalid("path", "must name a file"));
    }
    let shown = path.display();
    let meta = match tokio::fs::metadata(path).await {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::invalid("path", format!("{shown} does not exist")));
        }
        Err(e) => return Err(Error::invalid("path", format!("{shown} cannot be read: {e}"))),
    };
    if meta.is_dir() {
        return Err(Error::invalid("path", format!("{shown} is a directory: name a file")));
    }
    if !meta.is_file() {
        return Err(Error::invalid("path", format!("{shown} is not a regular file")));
    }
    if meta.len() == 0 {
        return Err(Error::invalid("path", format!("{shown} is empty")));
    }
    let unreadable = |e: std::io::Error| Error::invalid("path", format!("{shown} cannot be read: {e}"));
    let mut file = tokio::fs::File::open(path).await.map_err(unreadable)?;
    // The handle's own: the file it reads, whatever the path names later.
    let stamp = Stamp::of(&file.metadata().await.map_err(unreadable)?);
    if stamp.len == 0 {
        return Err(Error::invalid("path", format!("{shown} is empty")));
    }
    let mut head = Vec::with_capacity(HEAD);
    (&mut file).take(HEAD as u64).read_to_end(&mut head).await.map_err(unreadable)?;
    let handle = Arc::new(file.into_std().await);
    Ok(FileFacts { len: stamp.len, head, stamp, handle })
}

/// The format the file's first bytes name: a qcow2 (`QFI\xfb`), a sparse vmdk (`KDMV`) or a
/// vmdk descriptor, an ISO 9660 disc (`CD001` at byte 32769).
pub(super) fn sniff(head: &[u8]) -> Option<ImageFormat> {
    if head.starts_with(b"QFI\xfb") {
        Some(ImageFormat::Qcow2)
    } else if head.starts_with(b"KDMV") || head.starts_with(b"# Disk DescriptorFile") {
        Some(ImageFormat::Vmdk)
    } else if head.get(32_769..32_774) == Some(b"CD001") {
        Some(ImageFormat::Iso)
    } else {
        None
    }
}

/// The format to import as: the one given, unless the header contradicts it (raw, given,
/// wins over any header, with a warning); else the header's.
pub(super) fn resolve_format(given: Option<&ImageFormat>, sniffed: Option<&ImageFormat>) -> Result<ImageFormat, Error> {
    match (given, sniffed) {
        (Some(given), Some(sniffed)) if given == sniffed => Ok(given.clone()),
        // A raw disk holds any bytes, an ISO 9660 filesystem at 32769 or a qcow2 magic among them.
        (Some(ImageFormat::Raw), Some(sniffed)) => {
            tracing::warn!(header = %sniffed, "the file's header looks like {sniffed}; uploading it as raw, as told");
            Ok(ImageFormat::Raw)
        }
        (Some(given), Some(sniffed)) => {
            Err(Error::invalid("ImageFormat", format!("is {given} but the file's header says {sniffed}")))
        }
        (Some(given @ (ImageFormat::Qcow2 | ImageFormat::Iso | ImageFormat::Vmdk)), None) => {
            Err(Error::invalid("ImageFormat", format!("is {given} but the file has no {given} header")))
        }
        (Some(given), None) => Ok(given.clone()),
        (None, Some(sniffed)) => Ok(sniffed.clone()),
        (None, None) => Err(Error::invalid(
            "ImageFormat",
            "is required: the file's header names no format (qcow2, iso, vmdk); set image_format (raw for a raw disk)",
        )),
    }
}

/// The image's size in GiB, rounded up, when the file tells it: a qcow2's virtual size
/// (big-endian at byte 24), a sparse vmdk's capacity (little-endian sectors at byte 12), a raw
/// disk's or an ISO's length.
pub(super) fn virtual_gib(format: &ImageFormat, file: &FileFacts) -> Option<u32> {
    head_gib(format, file.len, &file.head)
}

/// [`virtual_gib`] of a file of `len` bytes starting with `head`.
pub(super) fn head_gib(format: &ImageFormat, len: u64, head: &[u8]) -> Option<u32> {
    let field = |at: usize| -> Option<[u8; 8]> { head.get(at..at + 8)?.try_into().ok() };
    let bytes = match format {
        ImageFormat::Qcow2 => u64::from_be_bytes(field(24)?),
        ImageFormat::Vmdk if head.starts_with(b"KDMV") => u64::from_le_bytes(field(12)?).saturating_mul(512),
        ImageFormat::Raw | ImageFormat::Iso => len,
        _ => return None,
    };
    (bytes > 0).then(|| u32::try_from(bytes.div_ceil(GIB)).unwrap_or(u32::MAX))
}

/// `len` bytes of the file from `offset`, in one buffer, with their MD5: read (and hashed) on
/// a blocking thread, at the offset, from the one handle all parts share.
pub(super) async fn read_part(file: &Arc<std::fs::File>, offset: u64, len: u64) -> std::io::Result<(Bytes, [u8; 16])> {
    let too_large = || std::io::Error::other("a part larger than this machine can address");
    let len = usize::try_from(len).map_err(|_| too_large())?;
    let file = file.clone();
    let read = move || {
        let mut buf = Vec::new();
        buf.try_reserve_exact(len).map_err(|_| std::io::Error::other("no memory for the part's buffer"))?;
        buf.resize(len, 0);
        let mut md5 = Md5::new();
        let mut at = offset;
        for chunk in buf.chunks_mut(READ_CHUNK) {
            read_exact_at(&file, chunk, at)?;
            md5.update(&*chunk);
            at += chunk.len() as u64;
        }
        Ok((Bytes::from(buf), md5.finalize().into()))
    };
    tokio::task::spawn_blocking(read).await.map_err(|e| std::io::Error::other(e.to_string()))?
}

/// A read that ended before the part's end: the file shrank after it was measured.
pub(super) fn shrank(error: std::io::Error, number: u32, offset: u64, len: u64) -> std::io::Error {
    if error.kind() != std::io::ErrorKind::UnexpectedEof {
        return error;
    }
    let end = offset + len;
    std::io::Error::new(
        error.kind(),
        format!(
            "the file changed (shrank) while it was read: part {number} (bytes {offset} to {end}) ended early; \
             resume the upload once the file is whole again"
        ),
    )
}

#[cfg(unix)]
pub(super) fn read_exact_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
pub(super) fn read_exact_at(file: &std::fs::File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// No positional reads here: a seek and a read of the shared handle, one part at a time.
#[cfg(not(any(unix, windows)))]
pub(super) fn read_exact_at(mut file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek};
    static ONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = ONE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    file.seek(std::io::SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_name_their_formats() {
        let mut iso = vec![0u8; HEAD];
        iso[32_769..32_774].copy_from_slice(b"CD001");
        assert_eq!(sniff(&iso), Some(ImageFormat::Iso));
        assert_eq!(sniff(b"QFI\xfb\0\0\0\x03"), Some(ImageFormat::Qcow2));
        assert_eq!(sniff(b"KDMV\x01\0\0\0"), Some(ImageFormat::Vmdk));
        assert_eq!(sniff(b"# Disk DescriptorFile\nversion=1"), Some(ImageFormat::Vmdk));
        assert_eq!(sniff(&[0u8; 512]), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn a_sparse_vmdk_says_its_capacity_in_sectors() {
        let mut head = b"KDMV\x01\0\0\0\x03\0\0\0".to_vec();
        head.extend_from_slice(&(3 * GIB / 512 + 1).to_le_bytes());
        assert_eq!(head_gib(&ImageFormat::Vmdk, 1 << 16, &head), Some(4));
        assert_eq!(head_gib(&ImageFormat::Vmdk, 100, b"# Disk DescriptorFile"), None);
    }
}
