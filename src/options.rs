//! One call's own policies, and the setters for them that every builder shares.

use crate::{Error, RetryPolicy};
use std::time::Duration;

/// One call's own policies, overriding the client's: see [`Client::send_with`] and
/// [`Client::call_with`](crate::Client::call_with). Set them through [`CallOptionsBuilder`].
///
/// [`Client::send_with`]: crate::Client::send_with
///
/// ```
/// use std::time::Duration;
/// use ucloudstack::{CallOptions, CallOptionsBuilder, RetryPolicy};
///
/// let options = CallOptions::new().retry_policy(RetryPolicy::disabled()).attempt_timeout(Duration::from_secs(5));
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct CallOptions {
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) total_timeout: Option<Duration>,
    pub(crate) idempotent: Option<bool>,
    /// Whether a throttled answer is retried inside the call (a bulk operation takes them
    /// itself, to slow down as a whole).
    pub(crate) throttle_retries: bool,
}

impl Default for CallOptions {
    fn default() -> Self {
        CallOptions {
            retry: None,
            attempt_timeout: None,
            total_timeout: None,
            idempotent: None,
            throttle_retries: true,
        }
    }
}

impl CallOptions {
    /// No overrides: the client's policies.
    pub fn new() -> Self {
        Self::default()
    }

    /// For [`Client::call_with`](crate::Client::call_with) only: whether the action is safe to
    /// send again after it may have reached the server (by default, `Describe*`, `Get*` and
    /// `List*` actions are). A typed action's own
    /// [`Action::IDEMPOTENT`](crate::Action::IDEMPOTENT) always decides for it.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        for (field, value) in [("attempt_timeout", self.attempt_timeout), ("total_timeout", self.total_timeout)] {
            if value == Some(Duration::ZERO) {
                return Err(Error::invalid(field, "must be longer than zero"));
            }
        }
        Ok(())
    }
}

/// The retry policy and timeouts, set the same way on a [`ClientBuilder`](crate::ClientBuilder)
/// (the client's defaults), on [`CallOptions`], and on every fluent builder, paginator and
/// workflow (that call's own), as google-cloud-rust's `RequestOptionsBuilder` does.
///
/// ```no_run
/// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
/// use std::time::Duration;
/// use ucloudstack::{CallOptionsBuilder, RetryPolicy};
///
/// let page = client
///     .describe_image()
///     .retry_policy(RetryPolicy::disabled())
///     .attempt_timeout(Duration::from_secs(5))
///     .total_timeout(Duration::from_secs(20))
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
pub trait CallOptionsBuilder: Sized {
    /// The options these setters change.
    #[doc(hidden)]
    fn call_options(&mut self) -> &mut CallOptions;

    /// When to retry (the client's default: [`RetryPolicy::default`], 3 attempts).
    fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.call_options().retry = Some(policy);
        self
    }

    /// The time allowed for each attempt, from sending to the last byte of the answer (the
    /// client's default: 30 s). Zero is refused.
    fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.call_options().attempt_timeout = Some(timeout);
        self
    }

    /// The time allowed for a whole call, retries and backoff included (the client's default:
    /// no limit beyond the attempts'). Zero is refused.
    fn total_timeout(mut self, timeout: Duration) -> Self {
        self.call_options().total_timeout = Some(timeout);
        self
    }
}

impl CallOptionsBuilder for CallOptions {
    fn call_options(&mut self) -> &mut CallOptions {
        self
    }
}
