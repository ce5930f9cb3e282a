//! What S3 takes of a multipart upload: the bounds every part size is checked against, by the
//! upload and by the handle that keeps one.

/// The smallest part S3 takes (but for the last): 5 MiB.
pub const MIN_PART_SIZE: u64 = 5 << 20;
/// The largest part S3 takes: 5 GiB.
pub const MAX_PART_SIZE: u64 = 5 << 30;
/// The most parts one S3 upload holds.
pub const MAX_PARTS: u64 = 10_000;
