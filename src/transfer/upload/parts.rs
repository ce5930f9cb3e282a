//! An upload's parts: their size and count, and sending one (unless the platform holds the same
//! bytes already).

use super::source::{read_part, shrank};
use super::step::{Step, at};
use super::{MAX_PART_SIZE, MAX_PARTS, MIB, MIN_PART_SIZE};
use crate::Error;
use crate::transfer::error::TransferStage;
use crate::transfer::meter::Meter;
use crate::transfer::s3::{self, RemotePart, S3};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The smallest part size in whole MiB, at least 5 MiB, that splits `len` bytes into at most
/// 10,000 parts.
pub(super) fn default_part_size(len: u64) -> u64 {
    len.div_ceil(MAX_PARTS).div_ceil(MIB).saturating_mul(MIB).max(MIN_PART_SIZE)
}

/// How many parts of `part_size` make `len` bytes (the last may be smaller).
pub(super) fn part_count(len: u64, part_size: u64) -> u64 {
    len.div_ceil(part_size.max(1))
}

pub(super) fn check_part_size(size: u64, len: u64) -> Result<(), Error> {
    if size < MIN_PART_SIZE {
        return Err(Error::invalid("part_size", format!("must be at least 5 MiB ({MIN_PART_SIZE} bytes), got {size}")));
    }
    if size > MAX_PART_SIZE {
        return Err(Error::invalid("part_size", format!("must be at most 5 GiB ({MAX_PART_SIZE} bytes), got {size}")));
    }
    let parts = part_count(len, size);
    if parts > MAX_PARTS {
        return Err(Error::invalid(
            "part_size",
            format!(
                "{size} bytes makes {parts} parts of this {len}-byte file, S3 takes at most {MAX_PARTS}: use at least {}",
                default_part_size(len)
            ),
        ));
    }
    Ok(())
}

/// What the parts share.
#[derive(Clone, Copy)]
pub(super) struct Parts<'a> {
    pub(super) s3: &'a S3,
    pub(super) key: &'a str,
    pub(super) upload_id: &'a str,
    pub(super) file: &'a Arc<std::fs::File>,
    pub(super) len: u64,
    pub(super) part_size: u64,
    pub(super) remote: &'a BTreeMap<u32, RemotePart>,
    pub(super) meter: &'a Arc<Meter>,
}

/// The largest part size a listing alone sets, when neither the caller nor the handle names
/// one (a handle kept by an older version): a whole part is held in memory, so a listing
/// claiming larger parts is refused, unless the file's default part size is larger still.
pub(super) const MAX_LISTED_PART_SIZE: u64 = 64 * MIB;

/// When resuming with no part size given or kept: the size of the parts already sent (part
/// 1's, else the largest: only the last part is smaller), if S3 takes it for this file. Past
/// [`MAX_LISTED_PART_SIZE`] (or the file's default part size, if larger), refused.
pub(super) fn earlier_part_size(remote: &BTreeMap<u32, RemotePart>, len: u64) -> Result<Option<u64>, String> {
    let Some(size) = remote.get(&1).or_else(|| remote.values().max_by_key(|p| p.size)).map(|p| p.size) else {
        return Ok(None);
    };
    let bound = default_part_size(len).max(MAX_LISTED_PART_SIZE);
    if size > bound {
        return Err(format!(
            "ListParts lists parts of {size} bytes, and the handle names no part size (kept by an older version): a \
             listing is trusted to set at most {bound} bytes, as a whole part is held in memory; set part_size to \
             {size} if the upload began with it, else remove the upload (AbortImageMultipartUpload) and start again"
        ));
    }
    Ok(check_part_size(size, len).ok().map(|()| size))
}

/// The first part but the last of the file's `count` that the platform holds at another size
/// than `part_size`, said as the failure: a listing does not change the part size given or
/// kept, nor the memory a part takes.
pub(super) fn disagreeing(remote: &BTreeMap<u32, RemotePart>, part_size: u64, count: u64) -> Option<String> {
    let (n, held) = remote.iter().find(|(n, p)| u64::from(**n) < count && p.size != part_size)?;
    Some(format!(
        "the platform holds part {n} of {} bytes, but the upload's part size is {part_size}: resume with part_size \
         set to {} if the upload began with it, else remove the upload (AbortImageMultipartUpload) and start again",
        held.size, held.size
    ))
}

/// A part as this call left it on the platform.
pub(super) struct Landed {
    pub(super) size: u64,
    pub(super) md5: [u8; 16],
    /// The ETag the service answered, or listed for a part it held already.
    pub(super) etag: Option<String>,
    /// Held already, not sent.
    pub(super) reused: bool,
}

impl Landed {
    /// Whether `held` is this part: its size, and its ETag the MD5 or the one answered.
    pub(super) fn is(&self, held: &RemotePart) -> bool {
        held.size == self.size && (held.etag == s3::hex(&self.md5) || self.etag.as_deref() == Some(&held.etag))
    }
}

impl Parts<'_> {
    /// Part `number`: read and hashed; sent unless the platform holds the same bytes. Its
    /// number, and what landed.
    pub(super) async fn send(&self, number: u32) -> Step<(u32, Landed)> {
        let offset = u64::from(number - 1) * self.part_size;
        let len = (self.len - offset).min(self.part_size);
        let read = read_part(self.file, offset, len).await.map_err(|e| shrank(e, number, offset, len));
        let (bytes, md5) = read.map_err(at(TransferStage::Read))?;
        if let Some(held) = self.remote.get(&number).filter(|p| p.size == len && p.etag == s3::hex(&md5)) {
            self.meter.add_resumed(len);
            return Ok((number, Landed { size: len, md5, etag: Some(held.etag.clone()), reused: true }));
        }
        let sent = self.s3.upload_part(self.key, self.upload_id, number, bytes, md5, self.meter).await;
        let etag = sent.map_err(at(TransferStage::Upload))?;
        Ok((number, Landed { size: len, md5, etag, reused: false }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::upload::GIB;

    #[test]
    fn default_part_size_is_5_mib_until_10000_parts_need_more_then_whole_mib() {
        assert_eq!(default_part_size(1), MIN_PART_SIZE);
        assert_eq!(default_part_size(40 * MIB), MIN_PART_SIZE);
        assert_eq!(default_part_size(MAX_PARTS * MIN_PART_SIZE), MIN_PART_SIZE);
        // One byte more needs 6 MiB parts.
        assert_eq!(default_part_size(MAX_PARTS * MIN_PART_SIZE + 1), 6 * MIB);
        assert_eq!(default_part_size(100 * GIB), 11 * MIB);
        for len in [1, 5 * MIB, 50 * GIB, 100 * GIB + 7, 1 << 45] {
            let size = default_part_size(len);
            assert_eq!(size % MIB, 0);
            assert!(part_count(len, size) <= MAX_PARTS, "{len}");
            assert!(size == MIN_PART_SIZE || part_count(len, size - MIB) > MAX_PARTS, "{len}: not the smallest");
        }
    }

    #[test]
    fn part_count_rounds_up_and_the_last_part_may_be_smaller() {
        assert_eq!(part_count(40 * MIB, 8 * MIB), 5);
        assert_eq!(part_count(40 * MIB + 1, 8 * MIB), 6);
        assert_eq!(part_count(1, 8 * MIB), 1);
    }

    #[test]
    fn part_sizes_s3_refuses_are_named() {
        for (size, len) in [(MIN_PART_SIZE - 1, MIB), (MAX_PART_SIZE + 1, GIB), (MIN_PART_SIZE, 60 * GIB)] {
            let Err(Error::InvalidRequest { field, .. }) = check_part_size(size, len) else { panic!("{size}") };
            assert_eq!(field, "part_size");
        }
        assert!(check_part_size(MIN_PART_SIZE, 40 * GIB).is_ok());
    }

    #[test]
    fn a_resumed_upload_takes_the_part_size_of_the_parts_already_sent() {
        let part = |size| RemotePart { size, etag: String::new() };
        let remote: BTreeMap<u32, RemotePart> = [(2, part(8 * MIB)), (3, part(8 * MIB)), (5, part(MIB))].into();
        assert_eq!(earlier_part_size(&remote, 33 * MIB), Ok(Some(8 * MIB)), "part 1 is missing: the largest");
        let remote: BTreeMap<u32, RemotePart> = [(1, part(6 * MIB)), (2, part(2 * MIB))].into();
        assert_eq!(earlier_part_size(&remote, 8 * MIB), Ok(Some(6 * MIB)));
        // A single small part (a file under 5 MiB) says nothing S3 would take as a part size.
        let remote: BTreeMap<u32, RemotePart> = [(1, part(MIB))].into();
        assert_eq!(earlier_part_size(&remote, MIB), Ok(None));
        assert_eq!(earlier_part_size(&BTreeMap::new(), MIB), Ok(None));
    }

    #[test]
    fn a_listing_sets_the_part_size_only_within_a_bound() {
        let part = |size| RemotePart { size, etag: String::new() };
        let remote: BTreeMap<u32, RemotePart> = [(1, part(GIB))].into();
        let err = earlier_part_size(&remote, 2 * GIB).unwrap_err();
        assert!(err.contains("set part_size to 1073741824"), "{err}");
        let remote: BTreeMap<u32, RemotePart> = [(1, part(MAX_LISTED_PART_SIZE))].into();
        assert_eq!(earlier_part_size(&remote, GIB), Ok(Some(MAX_LISTED_PART_SIZE)));
        // A file whose default part is larger takes parts of that size.
        let len = 1 << 40;
        let remote: BTreeMap<u32, RemotePart> = [(1, part(default_part_size(len)))].into();
        assert_eq!(earlier_part_size(&remote, len), Ok(Some(default_part_size(len))));
        // One part claiming to hold a whole 100 MiB file would be read whole too.
        let remote: BTreeMap<u32, RemotePart> = [(1, part(100 * MIB))].into();
        assert!(earlier_part_size(&remote, 100 * MIB).is_err());
    }

    #[test]
    fn a_listing_of_parts_of_another_size_but_the_last_is_named() {
        let part = |size| RemotePart { size, etag: String::new() };
        let remote: BTreeMap<u32, RemotePart> = [(1, part(5 * MIB)), (3, part(MIB))].into();
        assert_eq!(disagreeing(&remote, 5 * MIB, 3), None, "the last part may be of any size");
        let remote: BTreeMap<u32, RemotePart> = [(1, part(5 * MIB)), (2, part(6 * MIB))].into();
        assert!(disagreeing(&remote, 5 * MIB, 3).unwrap().contains("part 2 of 6291456 bytes"));
    }
}
