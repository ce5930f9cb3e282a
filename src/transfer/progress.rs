//! How far a transfer has come, for progress reports.

use std::time::Duration;

/// How far a transfer has come, for progress reports.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct TransferProgress {
    /// Bytes that made it so far (a resumed transfer counts what was there before).
    pub bytes_done: u64,
    /// Of `bytes_done`, those already there before this call: a `.part` continued, parts the
    /// platform held. This call's rate is `(bytes_done - bytes_resumed) / elapsed`.
    pub bytes_resumed: u64,
    /// Bytes in all (0 while not known yet).
    pub bytes_total: u64,
    /// Time since the transfer began.
    pub elapsed: Duration,
    /// Once an upload's bytes are all in: how far the platform has come making the image, 0
    /// to 100 (`PreparePrecent`); `None` while bytes move.
    pub percent: Option<u8>,
}
