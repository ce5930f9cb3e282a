//! When a failed attempt is made again, and how long to wait first.

use crate::Error;
use std::time::Duration;

/// The shortest wait before retrying a throttled answer: the platform asked to slow down.
pub const THROTTLE_MIN_BACKOFF: Duration = Duration::from_secs(1);

/// How many attempts a call may make and how long to wait between them.
///
/// The default makes 3 attempts in all, waiting a random time (full jitter) below an
/// exponentially growing ceiling, from 100 ms up to 5 s. A server's `Retry-After` is honoured,
/// clamped to the maximum backoff.
///
/// Which failures are retried is fixed by safety and meaning, not by the policy:
/// - for every action, creates included: a connection that never opened, and a *throttled*
///   RetCode (199 on 2.x, 165 on 1.x: the platform refused before doing anything), after at
///   least [`THROTTLE_MIN_BACKOFF`];
/// - for idempotent actions only: timeouts, cut-off or HTML bodies, HTTP 429/500/502/503/504,
///   network failures after the request may have left, and *busy* RetCodes (e.g. 560, 1016);
/// - never: any other RetCode (unknown codes included), a TLS certificate failure, a body over
///   the size limit, a body the crate can never read.
///
/// RetCodes are classified by the table of the client's [`Platform`](crate::Platform), never
/// by "RetCode >= 2000". A `CreateCustomImage` that may have reached the server is never sent
/// again, so a retry cannot make two images.
///
/// ```
/// use std::time::Duration;
/// use ucloudstack::RetryPolicy;
///
/// let patient = RetryPolicy::default().max_attempts(5).max_backoff(Duration::from_secs(10));
/// let once = RetryPolicy::disabled();
/// assert_eq!(once.attempts(), 1);
/// # let _ = patient;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn disabled() -> Self {
        RetryPolicy { max_attempts: 1, ..Self::default() }
    }

    /// The number of attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The ceiling of the first backoff; it doubles each retry.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The largest wait between two attempts, `Retry-After` included.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The number of attempts in all.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Whether attempt number `attempt` (1-based), which failed with `error`, may be followed
    /// by another for an action that is (or is not) idempotent.
    pub fn should_retry(&self, error: &Error, attempt: u32, idempotent: bool) -> bool {
        attempt < self.max_attempts && is_safe_to_retry(error, idempotent)
    }

    /// How long to wait before attempt number `attempt + 1`: a random time below a ceiling
    /// that doubles each attempt; `Retry-After` when the server sent one; at least
    /// [`THROTTLE_MIN_BACKOFF`] after a throttled answer.
    pub fn backoff(&self, error: &Error, attempt: u32) -> Duration {
        if let Error::Http { retry_after: Some(after), .. } = error {
            return (*after).min(self.max_backoff);
        }
        let exponent = attempt.saturating_sub(1).min(20);
        let ceiling = self.initial_backoff.saturating_mul(1 << exponent).min(self.max_backoff);
        let jittered = crate::time::scale(ceiling, fastrand::f64());
        if error.is_throttled() { THROTTLE_MIN_BACKOFF.saturating_add(jittered) } else { jittered }
    }
}

/// Whether making the call again is both useful (the failure may pass) and safe (it cannot
/// duplicate a non-idempotent action).
pub(crate) fn is_safe_to_retry(error: &Error, idempotent: bool) -> bool {
    match error {
        // Nothing was done: the platform refused, or the connection never opened.
        _ if error.is_throttled() => true,
        Error::Transport { maybe_sent: false, .. } => error.is_retryable(),
        _ if !idempotent => false,
        other => other.is_retryable(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16, retry_after: Option<u64>) -> Error {
        Error::Http {
            meta: crate::ErrorMetadata::new("A"),
            status,
            body: String::new(),
            retry_after: retry_after.map(Duration::from_secs),
        }
    }

    fn transport(maybe_sent: bool) -> Error {
        let kind = if maybe_sent { crate::TransportErrorKind::Io } else { crate::TransportErrorKind::Connect };
        Error::Transport {
            meta: crate::ErrorMetadata::new("A"),
            maybe_sent,
            kind,
            source: "reset".into(),
            endpoint: None,
        }
    }

    #[test]
    fn non_idempotent_is_retried_only_when_never_sent() {
        let p = RetryPolicy::default();
        assert!(p.should_retry(&transport(false), 1, false));
        assert!(!p.should_retry(&transport(true), 1, false));
        assert!(!p.should_retry(&http(503, None), 1, false));
        assert!(p.should_retry(&transport(true), 1, true));
        assert!(p.should_retry(&http(503, None), 2, true));
        assert!(!p.should_retry(&http(503, None), 3, true));
        assert!(!p.should_retry(&http(400, None), 1, true));
        assert!(!RetryPolicy::disabled().should_retry(&transport(false), 1, true));
        let timeout =
            Error::Timeout { meta: crate::ErrorMetadata::new("A"), what: "attempt", limit: Duration::from_secs(1) };
        assert!(p.should_retry(&timeout, 1, true) && !p.should_retry(&timeout, 1, false));
        let decode = |malformed| Error::Decode {
            meta: crate::ErrorMetadata::new("A"),
            reason: String::new(),
            malformed,
            body: String::new(),
        };
        assert!(p.should_retry(&decode(true), 1, true) && !p.should_retry(&decode(true), 1, false));
        assert!(!p.should_retry(&decode(false), 1, true), "JSON of the wrong shape is not retried");
    }

    use crate::error::api;

    #[test]
    fn ret_codes_are_retried_by_meaning() {
        use crate::Platform::{V1, V2};
        let p = RetryPolicy::default();
        assert!(p.should_retry(&api(199, V2), 1, false), "throttled: nothing was done, even a create");
        assert!(p.should_retry(&api(165, V1), 1, false));
        assert!(p.should_retry(&api(560, V2), 1, true) && !p.should_retry(&api(560, V2), 1, false));
        assert!(p.should_retry(&api(100, V1), 1, true) && !p.should_retry(&api(100, V2), 1, true));
        for code in [20004, 3000, 23001, 2001, 9999] {
            assert!(!p.should_retry(&api(code, V2), 1, true), "{code}");
        }
        assert!(!p.should_retry(&api(2008, V1), 1, true));
        for attempt in 1..6 {
            let wait = p.backoff(&api(199, V2), attempt);
            assert!(wait >= THROTTLE_MIN_BACKOFF && wait <= THROTTLE_MIN_BACKOFF + Duration::from_secs(5), "{wait:?}");
        }
    }

    #[test]
    fn backoff_grows_within_bounds_and_honours_retry_after() {
        let p = RetryPolicy::default();
        for attempt in 1..10 {
            let ceiling = Duration::from_millis(100 * (1 << (attempt - 1))).min(Duration::from_secs(5));
            assert!(p.backoff(&transport(false), attempt) <= ceiling);
        }
        assert_eq!(p.backoff(&http(429, Some(1)), 1), Duration::from_secs(1));
        assert_eq!(p.backoff(&http(429, Some(3600)), 1), Duration::from_secs(5));
    }
}
