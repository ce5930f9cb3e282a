//! How a signed request reaches the server: the [`Transport`] trait and its default,
//! [`ReqwestTransport`].

use async_trait::async_trait;
use bytes::Bytes;
use http::HeaderMap;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use url::Url;

/// A signed request, ready to go: `POST` it to `url` with these headers and this body.
///
/// `Debug` shows the body's length, not the body: it holds the signature.
///
/// A transport that can tell whether the request has started to leave reports it with
/// [`set_delivery`](Self::set_delivery): when the client's attempt timeout runs out before the
/// request left, the attempt is then a failure the server cannot have seen (safe to retry even
/// for a create), instead of a [`Timeout`](crate::Error::Timeout) with an unknown outcome.
#[derive(Clone)]
#[non_exhaustive]
pub struct HttpRequest {
    /// The endpoint, exactly as configured.
    pub url: Url,
    /// `Content-Type`, `User-Agent` and `U-Timestamp-Ms`.
    pub headers: HeaderMap,
    /// The `application/x-www-form-urlencoded` body, signature included.
    pub body: Bytes,
    delivery: Arc<AtomicU8>,
}

/// How far a request has gone, as its transport reports it (see [`HttpRequest::set_delivery`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivery {
    /// The transport has not said: the request may have reached the server.
    Unknown,
    /// The transport is opening a connection or waiting for one: no byte of the body has been
    /// handed to a connection yet.
    NotSent,
    /// The transport has started to write the request: it may reach the server.
    Sending,
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
        HttpRequest { url, headers, body, delivery: Arc::default() }
    }

    /// Reports how far the request has gone; clones of the request share it. A transport
    /// calls it with [`Delivery::NotSent`] before it connects and [`Delivery::Sending`] once
    /// the body starts to leave; it never goes back.
    pub fn set_delivery(&self, delivery: Delivery) {
        let value = match delivery {
            Delivery::Unknown => return,
            Delivery::NotSent => 1,
            Delivery::Sending => 2,
        };
        self.delivery.fetch_max(value, Ordering::AcqRel);
    }

    /// Marks the request as leaving, unless the client has given up on the attempt while it
    /// was not sent: then it returns `false`, and the transport must not send it (the client
    /// has already told its caller that the server cannot have seen it).
    pub fn begin_sending(&self) -> bool {
        self.delivery
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| (now != ABANDONED).then_some(now.max(2)))
            .is_ok()
    }

    /// How far the request has gone, as its transport reported it.
    pub fn delivery(&self) -> Delivery {
        DeliveryProbe(self.delivery.clone()).get()
    }

    /// A handle that reads [`delivery`](Self::delivery) after the request is handed over.
    pub(crate) fn delivery_probe(&self) -> DeliveryProbe {
        DeliveryProbe(self.delivery.clone())
    }

    /// The form pairs of the body, decoded: what the server will read.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body).into_owned().collect()
    }
}

/// Reads how far a request has gone once the request itself belongs to the transport.
pub(crate) struct DeliveryProbe(Arc<AtomicU8>);

/// The client gave up on a request that had not started to leave; it never will.
const ABANDONED: u8 = 3;

impl DeliveryProbe {
    /// Gives up on a request that has not started to leave: `true` if it had not (and now
    /// never will), `false` if it may be on its way or its transport does not say.
    pub(crate) fn abandon(&self) -> bool {
        self.0.compare_exchange(1, ABANDONED, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }

    pub(crate) fn get(&self) -> Delivery {
        match self.0.load(Ordering::Acquire) {
            0 => Delivery::Unknown,
            1 => Delivery::NotSent,
            _ => Delivery::Sending,
        }
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
    /// The server's TLS certificate was refused (unknown issuer, expired, wrong name): a
    /// retry meets the same certificate. With `native-tls`, whose errors do not tell a
    /// certificate from other refusals, any handshake the TLS library refused.
    Tls,
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

    /// The server's TLS certificate was refused: the request was not sent.
    pub fn tls(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        TransportError { kind: TransportErrorKind::Tls, maybe_sent: false, source: source.into() }
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

    /// Whether the request may have reached the server (`false` for [`TransportErrorKind::Connect`]
    /// and [`TransportErrorKind::Tls`]).
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
    ///
    /// With the `rustls-ring` feature (and not `rustls`), this installs ring as rustls's
    /// process-wide default crypto provider, unless the program installed one first: every
    /// `reqwest::Client` of the program needs one (see the README's "Features").
    pub fn new(connect_timeout: Duration) -> Result<Self, crate::Error> {
        install_tls_provider();
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
        if certificate_refused(&e) { TransportError::tls(e) } else { TransportError::connect(e) }
    } else if e.is_timeout() {
        TransportError::timeout(e)
    } else {
        TransportError::io(e)
    }
}

/// Whether a connect failure was the TLS library refusing the server, as the types in the
/// source chain say (never their text: it quotes the URL). rustls: its `InvalidCertificate`.
/// native-tls: a handshake it failed on its own, not on an I/O error.
fn certificate_refused(e: &(dyn std::error::Error + 'static)) -> bool {
    chain(e).any(|error| {
        #[cfg(any(feature = "rustls", feature = "rustls-ring"))]
        if matches!(error.downcast_ref::<rustls::Error>(), Some(rustls::Error::InvalidCertificate(_))) {
            return true;
        }
        #[cfg(feature = "native-tls")]
        if error.is::<native_tls::Error>() && !chain(error).skip(1).any(|cause| cause.is::<std::io::Error>()) {
            return true;
        }
        let _ = error;
        false
    })
}

/// `e` and its causes, including the error an `io::Error` wraps (its own `source` skips it).
fn chain<'a>(e: &'a (dyn std::error::Error + 'static)) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(e), |error| {
        match error.downcast_ref::<std::io::Error>().and_then(std::io::Error::get_ref) {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => error.source(),
        }
    })
}

/// The request body: reports [`Delivery::Sending`] the first time the connection asks for it,
/// which hyper does only once it holds a connection for this request.
struct TrackedBody {
    data: Option<Bytes>,
    request: HttpRequest,
}

impl http_body::Body for TrackedBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        // The client gave up while this was not sent, and said so: it must never arrive whole.
        if self.data.is_some() && !self.request.begin_sending() {
            let abandoned = std::io::Error::other("the attempt timed out before the request was sent");
            return Poll::Ready(Some(Err(abandoned)));
        }
        Poll::Ready(self.data.take().map(|data| Ok(http_body::Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.data.as_ref().map_or(0, |d| d.len() as u64))
    }
}

#[async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        request.set_delivery(Delivery::NotSent);
        let body = reqwest::Body::wrap(TrackedBody { data: Some(request.body.clone()), request: request.clone() });
        let length = request.body.len();
        let mut response = self
            .client
            .post(request.url)
            .headers(request.headers)
            .header(http::header::CONTENT_LENGTH, length)
            .body(body)
            .send()
            .await
            .map_err(classify)?;
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        let expected = response.content_length();
        if expected.is_some_and(|len| len > self.max_body as u64) {
            return Err(TransportError::body_too_large(self.max_body));
        }
        // Read into one buffer that grows by a quarter at a time (realloc, no second copy), so
        // a body near the limit needs little more than its own size in memory.
        let mut body = Vec::with_capacity(expected.map_or(0, |len| len as usize));
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            let needed = body.len() + chunk.len();
            if needed > self.max_body {
                return Err(TransportError::body_too_large(self.max_body));
            }
            if needed > body.capacity() {
                let grown = (body.capacity() + body.capacity() / 4).max(needed).max(16 * 1024).min(self.max_body);
                body.reserve_exact(grown - body.len());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse { status, headers, body: Bytes::from(body) })
    }
}

/// With the `rustls-ring` feature (and not `rustls`): installs ring as rustls's process-wide
/// default crypto provider, unless the program installed one first.
pub(crate) fn install_tls_provider() {
    #[cfg(all(feature = "rustls-ring", not(feature = "rustls")))]
    {
        // Err means a provider is already installed: the program's choice stands.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}
