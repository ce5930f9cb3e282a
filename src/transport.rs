//! How a signed request reaches the server: the [`Transport`] trait and its default,
//! [`ReqwestTransport`].

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use http::HeaderMap;
use std::fmt;
use std::time::Duration;
use url::Url;

/// A signed request, ready to go: `POST` it to `url` with these headers and this body.
///
/// `Debug` shows the body's length, not the body: it holds the signature.
#[derive(Clone)]
#[non_exhaustive]
pub struct HttpRequest {
    /// The endpoint, exactly as configured.
    pub url: Url,
    /// `Content-Type`, `User-Agent` and `U-Timestamp-Ms`.
    pub headers: HeaderMap,
    /// The `application/x-www-form-urlencoded` body, signature included.
    pub body: Bytes,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("url", &self.url.as_str())
            .field("headers", &self.headers)
            .field("body", &format_args!("<{} bytes, signed>", self.body.len()))
            .finish()
    }
}

impl HttpRequest {
    /// A request to `url` (for transports and tests that build their own).
    pub fn new(url: Url, headers: HeaderMap, body: Bytes) -> Self {
        HttpRequest { url, headers, body }
    }

    /// The form pairs of the body, decoded: what the server will read.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body).into_owned().collect()
    }
}

/// What the server answered.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The response headers (`X-UCLOUD-REQUEST-UUID` among them).
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

impl HttpResponse {
    /// A response (for transports and test doubles).
    pub fn new(status: u16, headers: HeaderMap, body: impl Into<Bytes>) -> Self {
        HttpResponse { status, headers, body: body.into() }
    }
}

/// What kind of failure a [`TransportError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be opened (DNS, refused, TLS handshake, connect timeout).
    Connect,
    /// The transport's own time limit ran out.
    Timeout,
    /// The connection failed after the request may have been written, or the response was
    /// cut off.
    Io,
    /// The response body is larger than the configured maximum.
    BodyTooLarge,
}

/// A transport failure, saying whether the request may have reached the server.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    maybe_sent: bool,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl TransportError {
    /// The connection was never opened: the server cannot have seen the request.
    pub fn connect(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        TransportError { kind: TransportErrorKind::Connect, maybe_sent: false, source: source.into() }
    }

    /// The request may have reached the server before this failure.
    pub fn io(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        TransportError { kind: TransportErrorKind::Io, maybe_sent: true, source: source.into() }
    }

    /// The transport's own time limit ran out.
    pub fn timeout(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        TransportError { kind: TransportErrorKind::Timeout, maybe_sent: true, source: source.into() }
    }

    /// The response body was larger than `limit` bytes.
    pub fn body_too_large(limit: usize) -> Self {
        TransportError {
            kind: TransportErrorKind::BodyTooLarge,
            maybe_sent: true,
            source: format!("the response body is larger than the limit of {limit} bytes").into(),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Whether the request may have reached the server (`false` only for [`TransportErrorKind::Connect`]).
    pub fn maybe_sent(&self) -> bool {
        self.maybe_sent
    }

    pub(crate) fn into_source(self) -> Box<dyn std::error::Error + Send + Sync> {
        self.source
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.source)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// Sends a signed request and returns the server's answer.
///
/// The client calls it once per attempt and owns timeouts and retries around it. Implement it
/// to record traffic, add middleware or test without a network; return
/// [`TransportError::connect`] only when the server cannot have seen the request, since that
/// is what makes re-sending a non-idempotent action safe.
#[async_trait]
pub trait Transport: Send + Sync + fmt::Debug {
    /// Sends one request.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
}

/// The largest response body the default transport accepts, unless told otherwise.
pub const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;

/// The default transport: a pooled `reqwest::Client` (connections are reused across calls),
/// with system proxy settings honoured and the body size bounded.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    max_body: usize,
}

impl ReqwestTransport {
    /// A transport with its own `reqwest::Client` and the given connect timeout.
    pub fn new(connect_timeout: Duration) -> Result<Self, crate::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            // A redirect would turn the POST into a GET, or re-send the signed body to another
            // host: a 3xx is reported as Error::Http instead.
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| crate::Error::config("transport", e.to_string()))?;
        Ok(Self::from_client(client))
    }

    /// A transport over the user's own `reqwest::Client` (its proxy, TLS and timeout settings
    /// stay as they are).
    pub fn from_client(client: reqwest::Client) -> Self {
        ReqwestTransport { client, max_body: DEFAULT_MAX_BODY }
    }

    /// Refuses response bodies larger than `bytes` (default 16 MiB) without reading them whole.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }
}

fn classify(e: reqwest::Error) -> TransportError {
    if e.is_connect() {
        TransportError::connect(e)
    } else if e.is_timeout() {
        TransportError::timeout(e)
    } else {
        TransportError::io(e)
    }
}

#[async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let mut response =
            self.client.post(request.url).headers(request.headers).body(request.body).send().await.map_err(classify)?;
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        let body = match response.content_length() {
            Some(len) if len > self.max_body as u64 => return Err(TransportError::body_too_large(self.max_body)),
            // hyper never reads past Content-Length, so this is bounded.
            Some(_) => response.bytes().await.map_err(classify)?,
            None => {
                let mut buf = BytesMut::new();
                while let Some(chunk) = response.chunk().await.map_err(classify)? {
                    if buf.len() + chunk.len() > self.max_body {
                        return Err(TransportError::body_too_large(self.max_body));
                    }
                    buf.extend_from_slice(&chunk);
                }
                buf.freeze()
            }
        };
        Ok(HttpResponse { status, headers, body })
    }
}
