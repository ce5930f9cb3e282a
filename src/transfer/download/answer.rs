//! Reading a download server's answers: ranges, validators, redirects, errors with the
//! address's secrets scrubbed, and the errors a download ends with.

use crate::{Error, ErrorMetadata};
use std::time::Duration;
use url::Url;

pub(super) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A try that moves the file on by less than this counts as one that got no further: a server
/// that sends a little per connection is paused for and runs out of tries, rather than asked
/// again at once, thousands of times.
pub(super) const MIN_GAIN: u64 = 1 << 20;

/// Why a download gave up: tries in a row that got no further into the file, or less than
/// [`MIN_GAIN`] further (`short`).
#[derive(Debug)]
pub(super) struct GotNoFurther {
    pub tries: u32,
    pub furthest: u64,
    pub short: bool,
    pub last: BoxError,
}

impl std::fmt::Display for GotNoFurther {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self { tries, furthest, short, last } = self;
        if *short {
            let gain = MIN_GAIN >> 20;
            write!(
                f,
                "{tries} tries in a row got less than {gain} MiB further each (the file stands at byte {furthest})"
            )?;
        } else {
            write!(f, "{tries} tries in a row got no further than byte {furthest} of the file")?;
        }
        write!(f, "; the last: {last}")
    }
}

impl std::error::Error for GotNoFurther {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.last)
    }
}

/// A connection that went quiet, as an error of kind `TimedOut`.
pub(super) fn stalled(idle: Duration, waiting_for: &str) -> BoxError {
    let message = format!("timed out: no byte of {waiting_for} for {idle:?}");
    Box::new(std::io::Error::new(std::io::ErrorKind::TimedOut, message))
}

/// A connection slower than `min_rate` over its window, as an error of kind `TimedOut`.
pub(super) fn too_slow(got: u64, (rate, window): (u64, Duration)) -> BoxError {
    let message = format!("timed out: {got} bytes in {window:?}, slower than the min_rate of {rate} bytes/s");
    Box::new(std::io::Error::new(std::io::ErrorKind::TimedOut, message))
}

/// The download's `max_wait` passed, as an error of kind `TimedOut` (after the last try's
/// failure, if there was one).
pub(super) fn over_time(max_wait: Duration, last: Option<&BoxError>) -> BoxError {
    let mut message = format!("timed out: the download took its whole max_wait ({max_wait:?})");
    if let Some(last) = last {
        message.push_str(&format!("; the last try: {}", crate::error::Chain(&**last)));
    }
    Box::new(std::io::Error::new(std::io::ErrorKind::TimedOut, message))
}

/// `host:port` of an address: never its path or query (a secret).
fn host_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// Why an answer is not from the download address's origin (scheme, host and port), if it is
/// not: a program's own HTTP client that followed a redirect elsewhere, or a redirect the
/// crate's client did not follow. Neither is taken as the image; only the host is named.
pub(super) fn off_origin(sent: &Url, response: &reqwest::Response) -> Option<String> {
    if !crate::client::same_origin(sent, response.url()) {
        return Some(format!(
            "the answer came from another host ({}), not from the download address's: it is refused",
            host_of(response.url())
        ));
    }
    if !response.status().is_redirection() {
        return None;
    }
    let status = response.status().as_u16();
    let location = response.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok());
    Some(match location.and_then(|l| response.url().join(l).ok()) {
        Some(to) if !crate::client::same_origin(sent, &to) => format!(
            "the download server answered {status}: redirected to another host ({}), which is not followed \
             (the download address is a secret)",
            host_of(&to)
        ),
        _ => format!("the download server answered {status}: a redirect that was not followed"),
    })
}

/// `Content-Range: bytes START-END/TOTAL` (TOTAL may be `*`).
pub(super) fn content_range(response: &reqwest::Response) -> Option<(u64, u64, Option<u64>)> {
    let value = response.headers().get(reqwest::header::CONTENT_RANGE)?.to_str().ok()?;
    let (range, total) = value.strip_prefix("bytes ")?.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let (start, end) = (start.trim().parse().ok()?, end.trim().parse().ok()?);
    (start <= end).then_some((start, end, total.trim().parse().ok()))
}

/// The total of a 416's `Content-Range: bytes */TOTAL`.
pub(super) fn response_total(response: &reqwest::Response) -> Option<u64> {
    let value = response.headers().get(reqwest::header::CONTENT_RANGE)?.to_str().ok()?;
    value.strip_prefix("bytes */")?.trim().parse().ok()
}

/// The answer's `ETag`, else its `Last-Modified`.
pub(super) fn validator(response: &reqwest::Response) -> Option<String> {
    let headers = response.headers();
    let value = headers.get(reqwest::header::ETAG).or_else(|| headers.get(reqwest::header::LAST_MODIFIED))?;
    value.to_str().ok().map(str::to_owned)
}

/// The parts of a download address that are secrets: its query, and the values of its
/// signature, token, key and credential parameters (as sent and decoded).
pub(super) fn address_secrets(url: &Url) -> Vec<String> {
    let Some(query) = url.query().filter(|q| !q.is_empty()) else { return Vec::new() };
    let mut secrets = vec![query.to_owned()];
    for piece in query.split('&') {
        let Some((key, raw)) = piece.split_once('=') else { continue };
        let key = key.to_ascii_lowercase();
        if raw.is_empty() || !["sign", "token", "secret", "key", "credential"].iter().any(|s| key.contains(s)) {
            continue;
        }
        secrets.push(raw.to_owned());
        if let Some((_, decoded)) = url::form_urlencoded::parse(piece.as_bytes()).next()
            && decoded != raw
            && !decoded.is_empty()
        {
            secrets.push(decoded.into_owned());
        }
    }
    // The longest first, so that no secret is left half replaced by a shorter one inside it.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets
}

/// An HTTP status of the download service, with the start of its body, the address's secrets
/// scrubbed (a server may echo the request).
pub(super) async fn http_error(
    status: u16,
    response: &mut reqwest::Response,
    idle: Duration,
    secrets: &[String],
) -> Error {
    let body = match tokio::time::timeout(idle, response.chunk()).await {
        Ok(Ok(Some(body))) => body,
        _ => bytes::Bytes::new(),
    };
    // Scrubbed before it is cut, so that a secret cut in half by the excerpt goes too.
    let mut text = String::from_utf8_lossy(&body[..body.len().min(4 * BODY_LIMIT)]).into_owned();
    for secret in secrets {
        if text.contains(secret.as_str()) {
            text = text.replace(secret.as_str(), "***");
        }
    }
    Error::Http {
        meta: ErrorMetadata::new("download"),
        status,
        body: crate::excerpt::excerpt(text.as_bytes()),
        retry_after: None,
    }
}

/// Enough of an error body to scrub before the excerpt is taken.
const BODY_LIMIT: usize = 1024;
