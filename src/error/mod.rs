//! The one error type of the crate.

mod debug;
mod display;

use crate::ret_code::{ApiErrorKind, Platform};
pub(crate) use display::Chain;
use display::{Advice, Attempts, BodySuffix, Ids, LastError, Meaning, RequestSuffix, Shown};
use std::fmt;
use std::time::Duration;

/// The error type of every fallible call in this crate.
///
/// Each variant says what went wrong and, where the server answered, which request it was
/// (`request_id`, from the `X-UCLOUD-REQUEST-UUID` response header). `Display` reads on its own:
/// `CreateCustomImage failed: RetCode 1014 (the VM is not stopped: stop it first): 云主机未关机
/// (request 6b1e...)`.
///
/// Match on [`api_kind`](Error::api_kind) rather than on numbers: the same RetCode means
/// different things on UCloudStack 1.x and 2.x.
///
/// No variant ever holds the private key, the request signature or the security token: a
/// server that echoes the request has them replaced by `***`.
///
/// ```
/// # use ucloudstack::{ApiErrorKind, Error};
/// fn describe(e: &Error) -> String {
///     match e.api_kind() {
///         Some(ApiErrorKind::NotFound) => "already gone".into(),
///         Some(ApiErrorKind::InvalidState) => format!("not now: {e}"),
///         Some(ApiErrorKind::Auth) => "check the key pair".into(),
///         _ => match e {
///             Error::InvalidRequest { field, rule, .. } => format!("fix {field}: {rule}"),
///             other if other.is_retryable() => format!("try again later: {other}"),
///             other => other.to_string(),
///         },
///     }
/// }
/// ```
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a `RetCode` other than 0.
    #[error("{} failed{}: RetCode {ret_code}{}: {message}{}", .meta.action, Attempts(.meta.attempts), Meaning(*.platform, *.ret_code), RequestSuffix(&.meta.request_id))]
    #[non_exhaustive]
    Api {
        /// The action, the attempts and the request id.
        meta: ErrorMetadata,
        /// The `RetCode` of the response (see [`ret_code`](crate::ret_code) for the known ones).
        ret_code: i64,
        /// The `Message` of the response (empty when the server sent none; at most 512 bytes).
        message: String,
        /// The platform generation whose RetCode table classifies `ret_code`.
        platform: Platform,
    },

    /// The server answered with an HTTP status outside 2xx.
    #[error("{} failed{}: HTTP {status}{}{}", .meta.action, Attempts(.meta.attempts), BodySuffix(.body), RequestSuffix(&.meta.request_id))]
    #[non_exhaustive]
    Http {
        /// The action, the attempts and the request id.
        meta: ErrorMetadata,
        /// The HTTP status code.
        status: u16,
        /// The start of the response body (at most 512 bytes, lossily decoded), for diagnosis.
        body: String,
        /// Seconds the server asked us to wait (`Retry-After`), when it said so.
        retry_after: Option<Duration>,
    },

    /// The request could not be sent or the response could not be read (connect, TLS, I/O).
    /// `Display` names the endpoint, where its setting came from, and what to check.
    #[error("{} failed{}: transport error: {}{}", .meta.action, Attempts(.meta.attempts), Chain(&**.source), Advice(*.kind, .endpoint.as_deref(), &**.source))]
    #[non_exhaustive]
    Transport {
        /// The action and the attempts (no request id: no answer was read).
        meta: ErrorMetadata,
        /// Whether the request may have reached the server. `false` only when the connection
        /// was never opened (or the request never started on it), so the server cannot have
        /// acted on it.
        maybe_sent: bool,
        /// What kind of failure it was.
        kind: crate::TransportErrorKind,
        /// What the transport reported.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
        /// The endpoint the request went to, and the setting that named it (boxed: it keeps
        /// `Error` small).
        endpoint: Option<Box<EndpointOrigin>>,
    },

    /// No complete answer arrived within a time limit, after the request may have reached the
    /// server.
    #[error("{} failed{}: no answer within {limit:?} ({what} timeout)", .meta.action, Attempts(.meta.attempts))]
    #[non_exhaustive]
    Timeout {
        /// The action and the attempts (no request id: no answer was read).
        meta: ErrorMetadata,
        /// Which limit ran out: `"attempt"` (one attempt) or `"total"` (the whole call). A
        /// connection that cannot be opened in time is a [`Error::Transport`] with
        /// `maybe_sent: false` instead.
        what: &'static str,
        /// The limit that ran out.
        limit: Duration,
    },

    /// The response could not be decoded: empty, cut off, not JSON, no `RetCode`, or a field of
    /// the wrong type.
    #[error("{} failed{}: cannot decode the response: {reason}; body starts: {body:?}{}", .meta.action, Attempts(.meta.attempts), RequestSuffix(&.meta.request_id))]
    #[non_exhaustive]
    Decode {
        /// The action, the attempts and the request id.
        meta: ErrorMetadata,
        /// What the decoder found wrong (from serde_json, with line and column).
        reason: String,
        /// Whether the body is broken in a way that may not recur (empty, cut off, an HTML
        /// page). `false` for a body the crate can never read: JSON of the wrong shape, JSON
        /// that is not an object, a byte-order mark.
        malformed: bool,
        /// The start of the response body (at most 512 bytes, lossily decoded).
        body: String,
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
    /// Every required setting missing is in the one error, each with the places that would
    /// provide it.
    #[error("invalid configuration: {field}: {message}")]
    #[non_exhaustive]
    Config {
        /// The setting at fault, e.g. `endpoint` or `UCLOUDSTACK_PRIVATE_KEY`; the setters,
        /// comma-separated, when several settings are missing (`endpoint, credentials, region`).
        field: String,
        /// What is wrong with it.
        message: String,
        /// Every required setting that no place held, with the environment variables and the
        /// profile field that would provide it; empty for other configuration errors.
        missing: Vec<crate::MissingSetting>,
        /// The shared files read and the profiles found in them, when the error is about them:
        /// settings missing, or a named profile that is in neither file.
        shared_files: Option<Box<crate::SharedFiles>>,
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

    /// A bulk operation gave a request up because the platform (or a gateway in front of it)
    /// kept refusing calls as too frequent: the request was only ever refused, or never sent
    /// because throttling held the operation back, when its time ran out. Nothing was done.
    #[error("{action} not done: {}; the platform kept refusing calls as too frequent ({} refusals of this request){}", .reason, .attempts, LastError(.source))]
    #[non_exhaustive]
    Throttled {
        /// The action that was held back, e.g. `DeleteCustomImage`.
        action: String,
        /// Why the operation stopped, e.g. `the total timeout of 30s ran out`.
        reason: String,
        /// How many times this request was sent (and refused); 0 when it was never sent.
        attempts: u32,
        /// The last refusal of this request, when it was sent.
        #[source]
        source: Option<Box<Error>>,
    },

    /// Moving an image file failed: the step, the image, the bytes that made it, and the
    /// cause (see [`TransferError`](crate::TransferError)).
    #[error(transparent)]
    Transfer(crate::transfer::TransferError),

    /// A waiter gave up: the resource reached a failure state, was not listed, or time ran out.
    #[error("waiting for {resource} {id} failed: {reason} (last status: {}){}", .last_status.as_deref().unwrap_or("none seen"), LastError(.source))]
    #[non_exhaustive]
    Waiter {
        /// What was waited on: `"image"`.
        resource: &'static str,
        /// The id of the resource waited on.
        id: String,
        /// Why the wait ended.
        reason: WaitFailure,
        /// The last status seen, if any was.
        last_status: Option<String>,
        /// The last transient error a poll met, when the wait ended without a status after it.
        #[source]
        source: Option<Box<Error>>,
    },

    /// [`Client::capture_image`](crate::Client::capture_image) failed: at which step, and in
    /// what state it left the VM and the image (see [`CaptureError`](crate::CaptureError)).
    #[error(transparent)]
    Capture(Box<crate::image::CaptureError>),

    /// A create whose outcome was unknown (its answer was lost) and whose lookup by name found
    /// more than one candidate: the crate cannot tell which one this call made.
    #[error("{action} outcome unknown: {} images named {:?} appeared since the call began ({}); the call failed with: {source}", .image_ids.len(), Shown(.name), Ids(.image_ids))]
    #[non_exhaustive]
    AmbiguousRecovery {
        /// The action that was called.
        action: String,
        /// The name looked up.
        name: String,
        /// The ids of every candidate found.
        image_ids: Vec<String>,
        /// The failure whose outcome was unknown.
        #[source]
        source: Box<Error>,
    },
}

/// The endpoint a request went to and where that setting came from, so that a failure to
/// reach it says where to look.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndpointOrigin {
    /// The endpoint URL (never with a user name or password: the client refuses those).
    pub url: String,
    /// The setting that named it: `ClientBuilder::endpoint`, an environment variable
    /// (`UCLOUDSTACK_ENDPOINT`, `UCLOUD_API_BASE_URL`), or `base_url of profile "NAME" in FILE`.
    pub set_by: String,
}

/// What every error of a call that was sent carries, gathered once (as smithy's
/// `ErrorMetadata`): which action, how many attempts, and the server's request id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorMetadata {
    /// The action that was called, e.g. `DescribeImage`.
    pub action: String,
    /// How many attempts the call made in all.
    pub attempts: u32,
    /// The `X-UCLOUD-REQUEST-UUID` response header, when the server answered with one (at
    /// most 128 bytes).
    pub request_id: Option<String>,
}

impl ErrorMetadata {
    /// The metadata of a call's first attempt.
    pub(crate) fn new(action: impl Into<String>) -> Self {
        ErrorMetadata { action: action.into(), attempts: 1, request_id: None }
    }
}

/// Why a waiter gave up (see [`Error::Waiter`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitFailure {
    /// The resource reached a state it will not leave for the one waited for, e.g. `Failed`.
    FailureState(String),
    /// The resource was not listed in this many polls in a row.
    NotListed(u32),
    /// The wait's time limit ran out.
    TimedOut(Duration),
}

impl fmt::Display for WaitFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitFailure::FailureState(status) => write!(f, "reached status {status}"),
            WaitFailure::NotListed(polls) => write!(f, "not listed ({polls} polls in a row)"),
            WaitFailure::TimedOut(limit) => write!(f, "timed out after {limit:?}"),
        }
    }
}

impl Error {
    /// The `RetCode` of an [`Error::Api`], `None` for every other kind.
    pub fn ret_code(&self) -> Option<i64> {
        match self {
            Error::Api { ret_code, .. } => Some(*ret_code),
            _ => None,
        }
    }

    /// What the `RetCode` of an [`Error::Api`] means, from the table of the client's
    /// [`Platform`]; `None` for other errors and for codes the table does not list.
    ///
    /// ```
    /// # use ucloudstack::{ApiErrorKind, Error};
    /// # async fn run(client: ucloudstack::Client) -> Result<(), Error> {
    /// match client.delete_custom_image().image_id("cn-image-1").send().await {
    ///     Ok(_) => println!("deleting"),
    ///     Err(e) if e.is_not_found() => println!("already gone"),
    ///     Err(e) if e.api_kind() == Some(ApiErrorKind::InUse) => println!("a VM uses it: {e}"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn api_kind(&self) -> Option<ApiErrorKind> {
        match self {
            Error::Api { ret_code, platform, .. } => platform.classify(*ret_code),
            _ => None,
        }
    }

    /// Whether the platform said the resource does not exist (or is already deleted), or a
    /// capture failed because its VM does not exist
    /// ([`CaptureError::is_not_found`](crate::CaptureError::is_not_found)).
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::Capture(capture) => capture.is_not_found(),
            _ => self.api_kind() == Some(ApiErrorKind::NotFound),
        }
    }

    /// Whether the call was refused as too frequent, so nothing was done: the platform's
    /// "too frequent" RetCode (199 on 2.x, 165 on 1.x), HTTP 429 or HTTP 503 with
    /// `Retry-After` (how gateways such as nginx's `limit_req` throttle), or
    /// [`Error::Throttled`].
    pub fn is_throttled(&self) -> bool {
        match self {
            Error::Http { status: 429, .. } | Error::Http { status: 503, retry_after: Some(_), .. } => true,
            Error::Throttled { .. } => true,
            _ => self.api_kind() == Some(ApiErrorKind::Throttled),
        }
    }

    /// The action, attempts and request id of an error of a call that was sent: `None` for
    /// errors raised before sending and for the workflows' own errors.
    pub fn metadata(&self) -> Option<&ErrorMetadata> {
        match self {
            Error::Api { meta, .. }
            | Error::Http { meta, .. }
            | Error::Transport { meta, .. }
            | Error::Timeout { meta, .. }
            | Error::Decode { meta, .. } => Some(meta),
            _ => None,
        }
    }

    /// The server's request id (`X-UCLOUD-REQUEST-UUID`), when the server answered with one.
    pub fn request_id(&self) -> Option<&str> {
        self.metadata()?.request_id.as_deref()
    }

    /// Whether the same call may succeed if made again: throttled and busy RetCodes (per the
    /// platform's table; no other RetCode, unknown ones included), network failures (but not a
    /// TLS certificate failure or a body over the size limit), timeouts, empty, cut-off or HTML
    /// bodies, and HTTP 429/500/502/503/504.
    ///
    /// Whether it is *safe* to make it again depends on the action as well: see
    /// [`Action::IDEMPOTENT`](crate::Action::IDEMPOTENT).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { .. } => self.api_kind().is_some_and(ApiErrorKind::is_transient),
            Error::Http { status, .. } => matches!(status, 429 | 500 | 502 | 503 | 504),
            Error::Transport { kind, .. } => {
                !matches!(kind, crate::TransportErrorKind::BodyTooLarge | crate::TransportErrorKind::Tls)
            }
            Error::Timeout { .. } => true,
            Error::Decode { malformed, .. } => *malformed,
            _ => false,
        }
    }

    /// Whether the outcome is unknown: the request may have been carried out although no
    /// answer said so (a timeout, a cut connection, an unreadable answer, or a gateway error
    /// other than 503), so making the call again may do the work twice. A RetCode answer is a
    /// definite "not done", as are HTTP 429 and 503 (refused) and other 4xx; a connection that
    /// never opened and errors raised before sending cannot have reached the server.
    ///
    /// Also true for an [`Error::AmbiguousRecovery`] and for a capture whose create's outcome
    /// is unknown ([`CaptureError::outcome_unknown`](crate::CaptureError::outcome_unknown)): look for the image before trying again.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Error::Transport { maybe_sent, kind, .. } => *maybe_sent && *kind != crate::TransportErrorKind::Tls,
            Error::Timeout { .. } | Error::Decode { .. } | Error::AmbiguousRecovery { .. } => true,
            // 500, 502, 504: the platform, or a gateway in front of it, may have acted; 503 and
            // 429 refuse.
            Error::Http { status, .. } => *status >= 500 && *status != 503,
            Error::Capture(capture) => capture.outcome_unknown,
            _ => false,
        }
    }

    /// How many attempts the call made before this error: 0 when nothing was sent (invalid
    /// request, configuration), else at least 1.
    pub fn attempts(&self) -> u32 {
        match self {
            Error::AmbiguousRecovery { source, .. } => source.attempts(),
            Error::Throttled { attempts, .. } => *attempts,
            _ => self.metadata().map_or(0, |meta| meta.attempts),
        }
    }

    /// Records the number of attempts the call made, on the kinds that carry it.
    pub(crate) fn with_attempts(mut self, n: u32) -> Self {
        if let Error::Api { meta, .. }
        | Error::Http { meta, .. }
        | Error::Transport { meta, .. }
        | Error::Timeout { meta, .. }
        | Error::Decode { meta, .. } = &mut self
        {
            meta.attempts = n;
        }
        self
    }

    /// Records the platform generation whose table classifies an [`Error::Api`].
    pub(crate) fn with_platform(mut self, generation: Platform) -> Self {
        if let Error::Api { platform, .. } = &mut self {
            *platform = generation;
        }
        self
    }

    /// Replaces every occurrence of each secret in the texts the error carries with `***`.
    pub(crate) fn redact(mut self, secrets: &[&str]) -> Self {
        let scrub = |text: &mut String| {
            for secret in secrets.iter().filter(|s| !s.is_empty()) {
                if text.contains(secret) {
                    *text = text.replace(secret, "***");
                }
            }
        };
        match &mut self {
            Error::Api { meta: ErrorMetadata { request_id, .. }, message, .. } => {
                scrub(message);
                request_id.iter_mut().for_each(scrub);
            }
            Error::Http { meta: ErrorMetadata { request_id, .. }, body, .. }
            | Error::Decode { meta: ErrorMetadata { request_id, .. }, body, .. } => {
                scrub(body);
                request_id.iter_mut().for_each(scrub);
            }
            _ => {}
        }
        self
    }

    pub(crate) fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Error::InvalidRequest { field: field.into(), rule: rule.into() }
    }

    pub(crate) fn config(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Config { field: field.into(), message: message.into(), missing: Vec::new(), shared_files: None }
    }
}

/// An [`Error::Api`] of action `A` with this code, for unit tests.
#[cfg(test)]
pub(crate) fn api(code: i64, platform: Platform) -> Error {
    Error::Api { meta: ErrorMetadata::new("A"), ret_code: code, message: String::new(), platform }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_reads_on_its_own() {
        let e = Error::Api {
            meta: ErrorMetadata { action: "CreateCustomImage".into(), attempts: 1, request_id: Some("6b1e".into()) },
            ret_code: 1014,
            message: "云主机未关机".into(),
            platform: Platform::V2,
        };
        assert_eq!(
            e.to_string(),
            "CreateCustomImage failed: RetCode 1014 (the VM is not stopped: stop it first): 云主机未关机 (request 6b1e)"
        );
        assert_eq!(e.ret_code(), Some(1014));
        assert_eq!(e.api_kind(), Some(ApiErrorKind::InvalidState));
        assert_eq!(e.request_id(), Some("6b1e"));
        assert!(!e.is_retryable());
        assert_eq!(api(3000, Platform::V2).to_string(), "A failed: RetCode 3000: ", "no meaning for unknown codes");
    }

    #[test]
    fn retcodes_are_retryable_by_kind_not_by_number() {
        assert!(api(199, Platform::V2).is_retryable() && api(199, Platform::V2).is_throttled());
        assert!(api(165, Platform::V1).is_retryable() && api(165, Platform::V1).is_throttled());
        assert!(!api(165, Platform::V2).is_retryable(), "165 means nothing on 2.x");
        assert!(api(560, Platform::V2).is_retryable() && api(1016, Platform::V2).is_retryable());
        assert!(api(100, Platform::V1).is_retryable() && !api(100, Platform::V2).is_retryable());
        for not_transient in [20004, 3000, 23001, 2001, 1000, 109] {
            assert!(!api(not_transient, Platform::V2).is_retryable(), "{not_transient}");
        }
        assert!(!api(2008, Platform::V1).is_retryable() && api(2008, Platform::V1).is_not_found());
        assert!(api(1000, Platform::V2).is_not_found() && api(204, Platform::V2).is_not_found());
    }

    #[test]
    fn http_classes_are_retryable() {
        let http =
            |status| Error::Http { meta: ErrorMetadata::new("A"), status, body: String::new(), retry_after: None };
        assert!(http(503).is_retryable());
        assert!(http(429).is_retryable());
        assert!(!http(404).is_retryable());
        assert_eq!(http(404).to_string(), "A failed: HTTP 404");
        assert_eq!(http(503).with_attempts(3).to_string(), "A failed after 3 attempts: HTTP 503");
        assert_eq!(http(503).with_attempts(3).attempts(), 3);
        assert_eq!(Error::invalid("Limit", "too big").with_attempts(3).attempts(), 0);
    }

    #[test]
    fn transport_display_shows_the_root_cause_briefly() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl fmt::Display for Outer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("error sending request")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let root = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        let e = Error::Transport {
            meta: ErrorMetadata::new("A"),
            maybe_sent: false,
            kind: crate::TransportErrorKind::Connect,
            source: Box::new(Outer(root)),
            endpoint: None,
        };
        assert_eq!(e.to_string(), "A failed: transport error: error sending request: connection refused");
        let long = Error::Transport {
            meta: ErrorMetadata::new("A"),
            maybe_sent: true,
            kind: crate::TransportErrorKind::Io,
            source: "x".repeat(10_000).into(),
            endpoint: None,
        };
        assert!(long.to_string().len() < 400, "{}", long.to_string().len());
    }

    #[test]
    fn waiter_reasons_are_values() {
        let e = Error::Waiter {
            resource: "image",
            id: "img-1".into(),
            reason: WaitFailure::TimedOut(Duration::from_secs(60)),
            last_status: None,
            source: Some(Box::new(api(560, Platform::V2))),
        };
        let text = e.to_string();
        assert!(
            text.starts_with("waiting for image img-1 failed: timed out after 60s (last status: none seen)"),
            "{text}"
        );
        assert!(text.contains("last error: A failed: RetCode 560"), "{text}");
        assert!(std::error::Error::source(&e).is_some());
    }

    #[test]
    fn redaction_replaces_every_copy() {
        let e = Error::Api {
            meta: ErrorMetadata { action: "A".into(), attempts: 1, request_id: Some("abc123".into()) },
            ret_code: 4,
            message: "bad Signature=abc123 and abc123".into(),
            platform: Platform::V2,
        }
        .redact(&["abc123", ""]);
        assert_eq!(
            e.to_string(),
            "A failed: RetCode 4 (a parameter has the wrong format): bad Signature=*** and *** (request ***)"
        );
    }

    #[test]
    fn ambiguous_recovery_with_100k_ids_displays_briefly() {
        let err = Error::AmbiguousRecovery {
            action: "CreateCustomImage".into(),
            name: "n".repeat(1 << 20),
            image_ids: (0..100_000).map(|i| format!("cn-image-{i:06}")).collect(),
            source: Box::new(api(4, Platform::V2)),
        };
        let text = err.to_string();
        assert!(text.len() < 1_000, "{}", text.len());
        assert!(text.contains("cn-image-000009 and 99990 more"), "{text}");
    }

    #[test]
    fn debug_of_server_text_is_bounded_as_display_is() {
        let ambiguous = Error::AmbiguousRecovery {
            action: "CreateCustomImage".into(),
            name: "golden".into(),
            image_ids: vec!["a".repeat(2 << 20), "b".repeat(2 << 20)],
            source: Box::new(api(4, Platform::V2)),
        };
        let transfer = Error::Transfer(crate::transfer::TransferError {
            stage: crate::transfer::TransferStage::Download,
            image_id: "cn-image-1".into(),
            bytes_done: 0,
            source: "x".repeat(4 << 20).into(),
            handle: None,
        });
        for err in [ambiguous, transfer] {
            for shown in [format!("{err:?}"), format!("{err:#?}")] {
                assert!(shown.len() < 16 << 10, "{}", shown.len());
            }
            assert!(err.to_string().len() < 16 << 10);
        }
        // What is short is shown whole, as derived.
        let short = format!("{:?}", Error::invalid("ImageID", "must not be empty"));
        assert_eq!(short, r#"InvalidRequest { field: "ImageID", rule: "must not be empty" }"#);
    }

    #[test]
    fn excerpt_cuts_at_a_char_boundary() {
        // 3 bytes a character: 512 falls inside the 171st.
        let body = "镜".repeat(400);
        let text = crate::excerpt::excerpt(body.as_bytes());
        assert_eq!(text, format!("{}…", "镜".repeat(170)));
        assert!(!text.contains('\u{FFFD}'));
        assert_eq!(crate::excerpt::excerpt(b"short"), "short");
    }
}
