//! The one error type of the crate, and the RetCodes we know by name.

use std::fmt;
use std::time::Duration;

/// The error type of every fallible call in this crate.
///
/// Each variant says what went wrong and, where the server answered, which request it was
/// (`request_id`, from the `X-UCLOUD-REQUEST-UUID` response header). `Display` reads on its own:
/// `DescribeImage failed: RetCode 171: signature error (request 6b1e...)`.
///
/// No variant ever holds the private key or the request signature.
///
/// ```
/// # use ucloudstack::Error;
/// fn describe(e: &Error) -> String {
///     match e {
///         Error::Api { ret_code, message, .. } => format!("the server said {ret_code}: {message}"),
///         Error::InvalidRequest { field, rule, .. } => format!("fix {field}: {rule}"),
///         other if other.is_retryable() => format!("try again later: {other}"),
///         other => other.to_string(),
///     }
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a `RetCode` other than 0.
    #[error("{action} failed{}: RetCode {ret_code}: {message}{}", Attempts(*.attempts), RequestSuffix(.request_id))]
    #[non_exhaustive]
    Api {
        /// The action that was called, e.g. `DescribeImage`.
        action: String,
        /// The `RetCode` of the response (see [`ret_code`] for the known ones).
        ret_code: i64,
        /// The `Message` of the response (empty when the server sent none).
        message: String,
        /// The `X-UCLOUD-REQUEST-UUID` response header, when the server sent one.
        request_id: Option<String>,
        /// How many attempts the call made in all.
        attempts: u32,
    },

    /// The server answered with an HTTP status outside 2xx.
    #[error("{action} failed{}: HTTP {status}{}{}", Attempts(*.attempts), BodySuffix(.body), RequestSuffix(.request_id))]
    #[non_exhaustive]
    Http {
        /// The action that was called.
        action: String,
        /// The HTTP status code.
        status: u16,
        /// The start of the response body (at most 512 bytes, lossily decoded), for diagnosis.
        body: String,
        /// The `X-UCLOUD-REQUEST-UUID` response header, when the server sent one.
        request_id: Option<String>,
        /// Seconds the server asked us to wait (`Retry-After`), when it said so.
        retry_after: Option<Duration>,
        /// How many attempts the call made in all.
        attempts: u32,
    },

    /// The request could not be sent or the response could not be read (connect, TLS, I/O).
    #[error("{action} failed{}: transport error: {source}", Attempts(*.attempts))]
    #[non_exhaustive]
    Transport {
        /// The action that was called.
        action: String,
        /// Whether the request may have reached the server. `false` only when the connection
        /// was never opened, so the server cannot have acted on it.
        maybe_sent: bool,
        /// What kind of failure it was.
        kind: crate::TransportErrorKind,
        /// What the transport reported.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
        /// How many attempts the call made in all.
        attempts: u32,
    },

    /// No complete answer arrived within a time limit.
    #[error("{action} failed{}: no answer within {limit:?} ({what} timeout)", Attempts(*.attempts))]
    #[non_exhaustive]
    Timeout {
        /// The action that was called.
        action: String,
        /// Which limit ran out: `"attempt"` (one attempt) or `"total"` (the whole call). A
        /// connection that cannot be opened in time is a [`Error::Transport`] of kind
        /// `Connect` instead.
        what: &'static str,
        /// The limit that ran out.
        limit: Duration,
        /// How many attempts the call made in all.
        attempts: u32,
    },

    /// The response could not be decoded: empty, cut off, not JSON, no `RetCode`, or a field of
    /// the wrong type.
    #[error("{action} failed{}: cannot decode the response: {reason}; body starts: {body:?}{}", Attempts(*.attempts), RequestSuffix(.request_id))]
    #[non_exhaustive]
    Decode {
        /// The action that was called.
        action: String,
        /// What the decoder found wrong (from serde_json, with line and column).
        reason: String,
        /// Whether the body is not JSON at all (empty, cut off, an HTML page): a broken answer
        /// that may not recur. `false` for well-formed JSON of the wrong shape, which will.
        malformed: bool,
        /// The start of the response body (at most 512 bytes, lossily decoded).
        body: String,
        /// The `X-UCLOUD-REQUEST-UUID` response header, when the server sent one.
        request_id: Option<String>,
        /// How many attempts the call made in all.
        attempts: u32,
    },

    /// A request broke a rule of the API; nothing was sent.
    #[error("invalid request: {field}: {rule}")]
    #[non_exhaustive]
    InvalidRequest {
        /// The wire name of the offending field, e.g. `Limit` or `Region`.
        field: String,
        /// The rule it broke, e.g. `must be between 1 and 100, got 1000`.
        rule: String,
    },

    /// The client could not be configured: bad endpoint URL, missing credentials, and so on.
    #[error("invalid configuration: {field}: {message}")]
    #[non_exhaustive]
    Config {
        /// The setting at fault, e.g. `endpoint` or `UCLOUDSTACK_PRIVATE_KEY`.
        field: String,
        /// What is wrong with it.
        message: String,
    },

    /// A paginator stopped a list that does not end: a page repeated, or the page limit was
    /// reached.
    #[error("{action} paging stopped: {reason}")]
    #[non_exhaustive]
    Pagination {
        /// The action being paged, e.g. `DescribeImage`.
        action: String,
        /// What went wrong.
        reason: String,
    },

    /// A waiter gave up: the resource reached a failure state, or time ran out.
    #[error("waiting for image {image_id} failed: {reason} (last status: {})", .last_status.as_deref().unwrap_or("none seen"))]
    #[non_exhaustive]
    Waiter {
        /// The image waited on.
        image_id: String,
        /// Why the wait ended, e.g. `reached status Failed` or `timed out after 30m`.
        reason: String,
        /// The last `ImageStatus` seen, if any was.
        last_status: Option<String>,
    },
}

impl Error {
    /// The `RetCode` of an [`Error::Api`], `None` for every other kind.
    pub fn ret_code(&self) -> Option<i64> {
        match self {
            Error::Api { ret_code, .. } => Some(*ret_code),
            _ => None,
        }
    }

    /// The server's request id (`X-UCLOUD-REQUEST-UUID`), when the server answered with one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api { request_id, .. } | Error::Http { request_id, .. } | Error::Decode { request_id, .. } => {
                request_id.as_deref()
            }
            _ => None,
        }
    }

    /// Whether the same call may succeed if made again: network failures (but not a body over
    /// the size limit), timeouts, empty, cut-off or non-JSON bodies, HTTP 429/500/502/503/504
    /// and RetCode >= 2000 (the official SDKs' transient class).
    ///
    /// Whether it is *safe* to make it again depends on the action as well: see
    /// [`Action::IDEMPOTENT`](crate::Action::IDEMPOTENT).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { ret_code, .. } => *ret_code >= ret_code::MIN_TRANSIENT,
            Error::Http { status, .. } => matches!(status, 429 | 500 | 502 | 503 | 504),
            Error::Transport { kind, .. } => *kind != crate::TransportErrorKind::BodyTooLarge,
            Error::Timeout { .. } => true,
            Error::Decode { malformed, .. } => *malformed,
            _ => false,
        }
    }

    /// How many attempts the call made before this error: 0 when nothing was sent (invalid
    /// request, configuration), else at least 1.
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Api { attempts, .. }
            | Error::Http { attempts, .. }
            | Error::Transport { attempts, .. }
            | Error::Timeout { attempts, .. }
            | Error::Decode { attempts, .. } => *attempts,
            _ => 0,
        }
    }

    /// Records the number of attempts the call made, on the kinds that carry it.
    pub(crate) fn with_attempts(mut self, n: u32) -> Self {
        if let Error::Api { attempts, .. }
        | Error::Http { attempts, .. }
        | Error::Transport { attempts, .. }
        | Error::Timeout { attempts, .. }
        | Error::Decode { attempts, .. } = &mut self
        {
            *attempts = n;
        }
        self
    }

    pub(crate) fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Error::InvalidRequest { field: field.into(), rule: rule.into() }
    }

    pub(crate) fn config(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Config { field: field.into(), message: message.into() }
    }
}

/// The `RetCode`s with a known meaning. Any other non-zero code is still an [`Error::Api`].
pub mod ret_code {
    /// Success.
    pub const OK: i64 = 0;
    /// The request named no `Action`.
    pub const MISSING_ACTION: i64 = 160;
    /// The `Action` does not exist on this server.
    pub const ACTION_NOT_FOUND: i64 = 161;
    /// The signature did not match (wrong private key, or the pairs were altered on the way).
    pub const SIGNATURE_ERROR: i64 = 171;
    /// A parameter is missing or has a value the server refuses.
    pub const INVALID_PARAMS: i64 = 230;
    /// Codes from this one up are transient server-side failures that may succeed on retry.
    pub const MIN_TRANSIENT: i64 = 2000;
}

/// How much of a response body an error keeps.
pub(crate) const BODY_EXCERPT: usize = 512;

/// The start of `body`, lossily decoded, cut at a character boundary.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let mut cut = &body[..body.len().min(BODY_EXCERPT)];
    // Drop a character cut in half at the end, rather than show it as U+FFFD.
    if let Err(e) = std::str::from_utf8(cut) {
        if e.error_len().is_none() {
            cut = &cut[..e.valid_up_to()];
        }
    }
    let mut text = String::from_utf8_lossy(cut).into_owned();
    if body.len() > BODY_EXCERPT {
        text.push('…');
    }
    text
}

struct RequestSuffix<'a>(&'a Option<String>);

impl fmt::Display for RequestSuffix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => write!(f, " (request {id})"),
            None => Ok(()),
        }
    }
}

struct Attempts(u32);

impl fmt::Display for Attempts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 > 1 { write!(f, " after {} attempts", self.0) } else { Ok(()) }
    }
}

struct BodySuffix<'a>(&'a str);

impl fmt::Display for BodySuffix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() { Ok(()) } else { write!(f, ": {:?}", self.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_reads_on_its_own() {
        let e = Error::Api {
            action: "DescribeImage".into(),
            ret_code: 171,
            message: "signature error".into(),
            request_id: Some("6b1e".into()),
            attempts: 1,
        };
        assert_eq!(e.to_string(), "DescribeImage failed: RetCode 171: signature error (request 6b1e)");
        assert_eq!(e.ret_code(), Some(171));
        assert_eq!(e.request_id(), Some("6b1e"));
        assert!(!e.is_retryable());
    }

    #[test]
    fn transient_classes_are_retryable() {
        let api = |code| Error::Api {
            action: "A".into(),
            ret_code: code,
            message: String::new(),
            request_id: None,
            attempts: 1,
        };
        assert!(api(2000).is_retryable());
        assert!(!api(1999).is_retryable());
        let http = |status| Error::Http {
            action: "A".into(),
            status,
            body: String::new(),
            request_id: None,
            retry_after: None,
            attempts: 1,
        };
        assert!(http(503).is_retryable());
        assert!(http(429).is_retryable());
        assert!(!http(404).is_retryable());
        assert_eq!(http(404).to_string(), "A failed: HTTP 404");
        assert_eq!(http(503).with_attempts(3).to_string(), "A failed after 3 attempts: HTTP 503");
        assert_eq!(http(503).with_attempts(3).attempts(), 3);
        assert_eq!(Error::invalid("Limit", "too big").with_attempts(3).attempts(), 0);
    }

    #[test]
    fn excerpt_cuts_at_a_char_boundary() {
        // 3 bytes a character: 512 falls inside the 171st.
        let body = "镜".repeat(400);
        let text = excerpt(body.as_bytes());
        assert_eq!(text, format!("{}…", "镜".repeat(170)));
        assert!(!text.contains('\u{FFFD}'));
        assert_eq!(excerpt(b"short"), "short");
    }
}
