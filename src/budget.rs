//! A client-wide retry budget: a token bucket every retry draws from, as in AWS's standard
//! retry mode, so that a platform in trouble sees about one request per call, not three.

use crate::Error;
use std::sync::Mutex;

/// How many retries a [`Client`](crate::Client) may make, shared by its clones: a token
/// bucket that every retry draws from and every success refills.
///
/// The defaults are AWS's standard retry mode: the bucket holds 500 tokens; a retry costs 5
/// (10 after a timeout, which holds a connection and a server slot the longest); a success on
/// the first attempt puts 1 back, and a success after retries puts back what its last retry
/// took. So a healthy client never notices it (one failure in six calls still leaves the bucket
/// full), while during an outage about 100 retries are spent and every later call fails after
/// its first attempt: 1,000 calls against a platform answering 503 to everything make about
/// 1,100 requests, not 3,000. When the platform recovers, the first call succeeds at once and
/// the bucket refills as calls succeed.
///
/// Throttled answers draw from it too. [`RetryBudget::disabled`] retries whatever the policy
/// allows, as before budgets.
///
/// ```
/// use ucloudstack::{Client, Credentials, RetryBudget};
///
/// let client = Client::builder()
///     .endpoint("http://192.0.2.10/api")
///     .credentials(Credentials::new("public", "private"))
///     .retry_budget(RetryBudget::default().capacity(1000))
///     .build()?;
/// # Ok::<(), ucloudstack::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryBudget {
    capacity: u32,
    retry_cost: u32,
    timeout_cost: u32,
    success_refund: u32,
    enabled: bool,
}

impl Default for RetryBudget {
    fn default() -> Self {
        RetryBudget { capacity: 500, retry_cost: 5, timeout_cost: 10, success_refund: 1, enabled: true }
    }
}

impl RetryBudget {
    /// No budget: every retry the [`RetryPolicy`](crate::RetryPolicy) allows is made.
    pub fn disabled() -> Self {
        RetryBudget { enabled: false, ..Self::default() }
    }

    /// The most tokens the bucket holds, and holds when the client is built (default 500).
    pub fn capacity(mut self, tokens: u32) -> Self {
        self.capacity = tokens;
        self
    }

    /// What a retry costs (default 5).
    pub fn retry_cost(mut self, tokens: u32) -> Self {
        self.retry_cost = tokens;
        self
    }

    /// What a retry after a timeout costs (default 10).
    pub fn timeout_cost(mut self, tokens: u32) -> Self {
        self.timeout_cost = tokens;
        self
    }

    /// What a call that succeeds at its first attempt puts back (default 1).
    pub fn success_refund(mut self, tokens: u32) -> Self {
        self.success_refund = tokens;
        self
    }

    /// Whether the budget limits retries.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// What retrying after `error` costs.
    fn cost(&self, error: &Error) -> u32 {
        match error {
            Error::Timeout { .. } => self.timeout_cost,
            Error::Transport { kind: crate::TransportErrorKind::Timeout, .. } => self.timeout_cost,
            _ => self.retry_cost,
        }
    }
}

/// The bucket itself, one per client.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    budget: RetryBudget,
    tokens: Mutex<u32>,
}

impl TokenBucket {
    pub(crate) fn new(budget: RetryBudget) -> Self {
        TokenBucket { budget, tokens: Mutex::new(budget.capacity) }
    }

    /// Takes what a retry after `error` costs: `Some(cost)` if the bucket had it.
    pub(crate) fn acquire(&self, error: &Error) -> Option<u32> {
        if !self.budget.enabled {
            return Some(0);
        }
        let cost = self.budget.cost(error);
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        (*tokens >= cost).then(|| {
            *tokens -= cost;
            cost
        })
    }

    /// A call succeeded: after retries, the last one's cost comes back; at once, the refund.
    pub(crate) fn success(&self, last_retry_cost: Option<u32>) {
        if !self.budget.enabled {
            return;
        }
        let back = last_retry_cost.unwrap_or(self.budget.success_refund);
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        *tokens = tokens.saturating_add(back).min(self.budget.capacity);
    }

    /// Tokens left, for tests and diagnostics.
    pub(crate) fn available(&self) -> u32 {
        *self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http() -> Error {
        Error::Http { meta: crate::ErrorMetadata::new("A"), status: 503, body: String::new(), retry_after: None }
    }

    #[test]
    fn retries_drain_and_successes_refill() {
        let bucket = TokenBucket::new(RetryBudget::default().capacity(12));
        assert_eq!(bucket.acquire(&http()), Some(5));
        assert_eq!(bucket.acquire(&http()), Some(5));
        assert_eq!(bucket.acquire(&http()), None, "2 tokens left");
        let timeout =
            Error::Timeout { meta: crate::ErrorMetadata::new("A"), what: "attempt", limit: Default::default() };
        bucket.success(Some(10));
        assert_eq!(bucket.available(), 12, "never above the capacity");
        assert_eq!(bucket.acquire(&timeout), Some(10));
        bucket.success(None);
        assert_eq!(bucket.available(), 3);
        let off = TokenBucket::new(RetryBudget::disabled().capacity(0));
        assert_eq!(off.acquire(&timeout), Some(0));
    }
}
