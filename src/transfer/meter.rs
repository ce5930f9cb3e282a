//! An upload's progress as its parts' bodies leave: each part is sent as a body of 1 MiB
//! chunks that counts each chunk as hyper takes it. A failed attempt's count is taken back, so
//! `bytes_done` never holds bytes twice nor more than were sent; reports only ever rise (after a
//! take-back they pause until the part is sent that far again).

use super::progress::TransferProgress;
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use tokio::time::Instant;

/// A part's body leaves this much at a time.
const CHUNK: usize = 1 << 20;

pub(crate) type ProgressHook = Arc<dyn Fn(&TransferProgress) + Send + Sync>;

/// The bytes of an upload that have left, and the hook told of them.
pub(crate) struct Meter {
    hook: Option<ProgressHook>,
    total: u64,
    started: Instant,
    /// Bytes counted, the last reported (`None` before the first report), and those of parts
    /// held already. Reports are made under the lock, so that they reach the hook in order.
    counts: Mutex<(u64, Option<u64>, u64)>,
}

impl Meter {
    pub(crate) fn new(hook: Option<ProgressHook>, total: u64, started: Instant) -> Arc<Meter> {
        Arc::new(Meter { hook, total, started, counts: Mutex::new((0, None, 0)) })
    }

    /// Counts `n` bytes of one more chunk sent, and reports the count if it is more than the
    /// last report (always, the first time).
    pub(crate) fn add(&self, n: u64) {
        self.count(n, 0);
    }

    /// Counts a part of `n` bytes the platform holds already: done, but not by this call.
    pub(crate) fn add_resumed(&self, n: u64) {
        self.count(n, n);
    }

    fn count(&self, n: u64, resumed: u64) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.0 += n;
        counts.2 += resumed;
        if counts.1.is_none_or(|reported| counts.0 > reported) {
            counts.1 = Some(counts.0);
            if let Some(hook) = &self.hook {
                let elapsed = self.started.elapsed();
                let (bytes_done, bytes_resumed, bytes_total) = (counts.0, counts.2, self.total);
                hook(&TransferProgress { bytes_done, bytes_resumed, bytes_total, elapsed, percent: None });
            }
        }
    }

    fn take_back(&self, n: u64) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.0 = counts.0.saturating_sub(n);
    }

    /// One attempt at sending a part of `len` bytes.
    pub(crate) fn attempt(self: &Arc<Self>, len: u64) -> Arc<Attempt> {
        Arc::new(Attempt { meter: self.clone(), len, state: Mutex::new((0, false)) })
    }
}

/// What one attempt at a part has counted, until it ends.
pub(crate) struct Attempt {
    meter: Arc<Meter>,
    len: u64,
    /// Bytes counted, and whether the attempt has ended (then chunks still taken count no
    /// more).
    state: Mutex<(u64, bool)>,
}

impl Attempt {
    fn count(&self, n: u64) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if !state.1 {
            state.0 += n;
            self.meter.add(n);
        }
    }

    /// The part landed: all of it counts, whatever hyper had taken when the answer came.
    pub(crate) fn landed(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if !state.1 {
            state.1 = true;
            self.meter.add(self.len.saturating_sub(state.0));
            state.0 = self.len;
        }
    }

    /// The attempt failed: what it counted is taken back, to be counted again by the next.
    pub(crate) fn failed(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if !state.1 {
            state.1 = true;
            self.meter.take_back(state.0);
            state.0 = 0;
        }
    }

    /// The part's bytes as a request body that counts each chunk as it is taken.
    pub(crate) fn body(self: &Arc<Self>, bytes: Bytes) -> CountedBody {
        CountedBody { bytes, attempt: self.clone() }
    }
}

/// A part's bytes, handed out 1 MiB at a time, each chunk counted as it goes; its exact length
/// is known, so it goes with a `Content-Length`.
pub(crate) struct CountedBody {
    bytes: Bytes,
    attempt: Arc<Attempt>,
}

impl Body for CountedBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.bytes.is_empty() {
            return Poll::Ready(None);
        }
        let chunk = this.bytes.split_to(this.bytes.len().min(CHUNK));
        this.attempt.count(chunk.len() as u64);
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.bytes.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.bytes.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recording() -> (ProgressHook, Arc<Mutex<Vec<u64>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        (Arc::new(move |p: &TransferProgress| log.lock().unwrap().push(p.bytes_done)), seen)
    }

    /// The next chunk's length (the body never waits).
    fn next(body: &mut CountedBody) -> Option<usize> {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        match Pin::new(body).poll_frame(&mut cx) {
            Poll::Ready(Some(Ok(frame))) => frame.into_data().ok().map(|d| d.len()),
            _ => None,
        }
    }

    #[test]
    fn a_body_counts_its_chunks_and_a_failed_attempt_is_taken_back() {
        let (hook, seen) = recording();
        let meter = Meter::new(Some(hook), 6 << 20, Instant::now());
        meter.add(0);
        let first = meter.attempt(3 << 20);
        let mut body = first.body(Bytes::from(vec![7u8; 3 << 20]));
        assert_eq!(body.size_hint().exact(), Some(3 << 20));
        assert_eq!((next(&mut body), next(&mut body)), (Some(1 << 20), Some(1 << 20)));
        first.failed();
        // A chunk taken after the attempt ended counts for nothing.
        assert_eq!(next(&mut body), Some(1 << 20));
        assert!(body.is_end_stream());
        assert_eq!(*seen.lock().unwrap(), [0, 1 << 20, 2 << 20]);
        let second = meter.attempt(3 << 20);
        let mut body = second.body(Bytes::from(vec![7u8; 3 << 20]));
        while next(&mut body).is_some() {}
        second.landed();
        // The retry's first two MiB are no news: reports pause, then rise again.
        assert_eq!(*seen.lock().unwrap(), [0, 1 << 20, 2 << 20, 3 << 20]);
        // A part that lands before hyper took all of it counts whole.
        let third = meter.attempt(3 << 20);
        let mut body = third.body(Bytes::from(vec![7u8; 3 << 20]));
        next(&mut body);
        third.landed();
        next(&mut body);
        assert_eq!(*seen.lock().unwrap(), [0, 1 << 20, 2 << 20, 3 << 20, 4 << 20, 6 << 20]);
    }
}
