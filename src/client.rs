//! The client: strings the steps together (encode, sign, send, decode) and owns retries and
//! timeouts.

use crate::action::{Action, Failure};
use crate::config::{ClientBuilder, Config};
use crate::encode::{Pairs, to_pairs};
use crate::error::Error;
use crate::response;
use crate::sign::{SIGNATURE, signature};
use crate::transport::{HttpRequest, HttpResponse, Transport, TransportErrorKind};
use crate::{CallOptions, Credentials, Platform, RetryPolicy};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, header};
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;
use tracing::Instrument;

/// Parameters whose values are secrets: scrubbed from errors and logs like the keys.
const SECRET_PARAMS: [&str; 3] = ["Secret", "SecretKey", "Password"];

/// The keys the client sets itself; a request may not carry them.
const RESERVED: [&str; 4] = ["Action", "PublicKey", SIGNATURE, "SecurityToken"];

/// A UCloudStack API client.
///
/// Cheap to clone (one `Arc` inside) and `Send + Sync`: build one and share it. Connections are
/// pooled and reused across calls.
///
/// ```no_run
/// # async fn run() -> Result<(), ucloudstack::Error> {
/// use ucloudstack::{Client, Credentials};
/// use ucloudstack::image::ImageType;
///
/// let client = Client::builder()
///     .endpoint("http://192.0.2.10/api")
///     .credentials(Credentials::new("public", "private"))
///     .region("cn")
///     .build()?;
/// let page = client.describe_image().image_type(ImageType::Base).limit(10).send().await?;
/// for image in &page.infos {
///     println!("{:?} {:?}", image.image_id, image.name);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    credentials: Credentials,
    transport: Arc<dyn Transport>,
    budget: crate::budget::TokenBucket,
    /// The HTTP client of file transfers, built on first use.
    files: std::sync::OnceLock<reqwest::Client>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Client")
            .field("endpoint", &inner.config.endpoint.as_str())
            .field("download_endpoint", &inner.config.download_endpoint.as_str())
            .field("region", &inner.config.region)
            .field("zone", &inner.config.zone)
            .field("platform", &inner.config.platform)
            .field("credentials", &inner.credentials)
            .field("retry", &inner.config.retry)
            .field("budget", &inner.budget)
            .field("attempt_timeout", &inner.config.attempt_timeout)
            .field("total_timeout", &inner.config.total_timeout)
            .field("transport", &inner.transport)
            .finish()
    }
}

impl Client {
    /// A builder for a client; see [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client configured from the environment and the official tooling's shared files:
    /// `UCLOUDSTACK_*`, then `UCLOUD_*`, then the profile of `~/.ucloud/` (see
    /// [`ClientBuilder::from_env`] for the precedence and the files' layout, with an
    /// example). A bad setting is an [`Error::Config`] naming it; every required setting
    /// missing is listed in one, each with every place that would provide it.
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env().build()
    }

    pub(crate) fn from_parts(config: Config, credentials: Credentials, transport: Arc<dyn Transport>) -> Self {
        let budget = crate::budget::TokenBucket::new(config.budget);
        let files = std::sync::OnceLock::new();
        Client { inner: Arc::new(Inner { config, credentials, transport, budget, files }) }
    }

    /// The endpoint and the setting that named it, for an error that could not reach it.
    fn endpoint_origin(&self) -> Box<crate::EndpointOrigin> {
        let config = &self.inner.config;
        Box::new(crate::EndpointOrigin { url: config.endpoint.to_string(), set_by: config.endpoint_set_by.clone() })
    }

    /// The tenant (`CompanyID`) this client makes images for by default, when one was set
    /// ([`ClientBuilder::company_id`], `UCLOUDSTACK_COMPANY_ID`, or a profile's `company_id`).
    /// Requests send it only when given it: this is for programs and tools to fill in.
    pub fn company_id(&self) -> Option<i64> {
        self.inner.config.company_id
    }

    /// The default `Region`, if the client has one.
    pub fn region(&self) -> Option<&str> {
        self.inner.config.region.as_deref()
    }

    /// The HTTP client that moves image files: the one given to
    /// [`ClientBuilder::http_client`], else one of the crate's own, built on first use. The
    /// crate's own sends no `Referer` and follows a redirect only within the same origin
    /// (scheme, host and port: a download service that sends to another path of itself), at
    /// most [`MAX_SAME_ORIGIN_REDIRECTS`] in a row: a presigned S3 address or a download token
    /// never reaches another host. An answer from elsewhere is refused by the transfers
    /// anyway ([`same_origin`]), for a client given by the program too.
    pub(crate) fn files_http(&self) -> Result<&reqwest::Client, Error> {
        if let Some(client) = self.inner.files.get() {
            return Ok(client);
        }
        let client = match &self.inner.config.http_client {
            Some(client) => client.clone(),
            None => {
                crate::transport::install_tls_provider();
                reqwest::Client::builder()
                    .connect_timeout(self.inner.config.connect_timeout)
                    .pool_idle_timeout(Duration::from_secs(60))
                    .referer(false)
                    .redirect(reqwest::redirect::Policy::custom(|attempt| {
                        let first = attempt.previous().first();
                        if attempt.previous().len() > MAX_SAME_ORIGIN_REDIRECTS {
                            attempt.error("too many redirects")
                        } else if first.is_some_and(|first| same_origin(first, attempt.url())) {
                            attempt.follow()
                        } else {
                            // Not followed: the 3xx is the answer, and a transfer fails on it.
                            attempt.stop()
                        }
                    }))
                    .build()
                    .map_err(|e| Error::config("transport", e.to_string()))?
            }
        };
        Ok(self.inner.files.get_or_init(|| client))
    }

    /// The address image files are downloaded from (see
    /// [`ClientBuilder::download_endpoint`]).
    pub fn download_endpoint(&self) -> &url::Url {
        &self.inner.config.download_endpoint
    }

    /// The platform generation whose RetCode table classifies errors.
    pub fn platform(&self) -> Platform {
        self.inner.config.platform
    }

    /// Tokens left in the client's retry budget (see [`RetryBudget`](crate::RetryBudget)).
    pub fn retry_budget_available(&self) -> u32 {
        self.inner.budget.available()
    }

    /// The retry policy calls use.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.config.retry
    }

    /// Sends a typed request: validates it, flattens and signs it, sends it with retries, and
    /// decodes the answer.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// use ucloudstack::image::{DescribeImageRequest, ImageType};
    ///
    /// let request = DescribeImageRequest::builder().image_type(ImageType::Base).limit(10).build()?;
    /// let page = client.send(request).await?;
    /// println!("{} images in all", page.total_count);
    /// # Ok(()) }
    /// ```
    pub async fn send<A: Action>(&self, request: A) -> Result<A::Output, Error> {
        self.send_with(request, &CallOptions::default()).await
    }

    /// [`send`](Client::send) with this call's own retry policy or timeouts.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// use std::time::Duration;
    /// use ucloudstack::{CallOptions, CallOptionsBuilder, RetryPolicy};
    /// use ucloudstack::image::DescribeImageRequest;
    ///
    /// let options = CallOptions::new().retry_policy(RetryPolicy::disabled()).attempt_timeout(Duration::from_secs(5));
    /// let page = client.send_with(DescribeImageRequest::builder().build()?, &options).await?;
    /// # Ok(()) }
    /// ```
    pub async fn send_with<A: Action>(&self, request: A, options: &CallOptions) -> Result<A::Output, Error> {
        self.send_noting_unknown(request, options, false).await.0
    }

    /// [`send_with`](Self::send_with) for a request an earlier call may already have carried
    /// out (`unknown_before`), telling whether this call's answers were lost too: a bulk
    /// operation that sends an id again after a throttled answer keeps what it knows.
    pub(crate) async fn send_noting_unknown<A: Action>(
        &self,
        request: A,
        options: &CallOptions,
        unknown_before: bool,
    ) -> (Result<A::Output, Error>, bool) {
        let pairs = match self.pairs(&request) {
            Ok(pairs) => pairs,
            Err(error) => return (Err(error), unknown_before),
        };
        if let Err(error) = options.validate() {
            return (Err(error), unknown_before);
        }
        let started = SystemTime::now();
        let total = options.total_timeout.or(self.inner.config.total_timeout);
        let deadline = total.map(crate::time::from_now);
        // The look before the request (recover_by_name's listing) is part of the call: it
        // keeps to the same total timeout, and the request gets what is left of it.
        let noted = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, request.note_existing(self)).await,
            None => Ok(request.note_existing(self).await),
        };
        let total_timeout = |limit| Error::Timeout {
            meta: crate::ErrorMetadata { action: A::NAME.to_owned(), attempts: 0, request_id: None },
            what: "total",
            limit,
        };
        let existing = match noted {
            Ok(Ok(existing)) => existing,
            Ok(Err(error)) => return (Err(error), unknown_before),
            Err(_) => return (Err(total_timeout(total.unwrap_or_default())), unknown_before),
        };
        let left;
        let options = match (total, deadline) {
            (Some(total), Some(deadline)) => {
                let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
                if remaining.is_zero() {
                    return (Err(total_timeout(total)), unknown_before);
                }
                left = CallOptions { total_timeout: Some(remaining), ..options.clone() };
                &left
            }
            _ => options,
        };
        let decode = |response: &HttpResponse| response::decode::<A::Output>(A::NAME, response);
        let (mut result, earlier_outcome_unknown) =
            self.execute_noting_unknown(A::NAME, A::IDEMPOTENT, pairs, options, unknown_before, decode).await;
        // A timeout names the limit the caller set, not what was left of it.
        if let (Err(Error::Timeout { what: "total", limit, .. }), Some(total)) = (&mut result, total) {
            *limit = total;
        }
        let result = match result {
            Ok(output) => Ok(output),
            // A throttled answer did nothing: whoever sends it again decides what it means.
            Err(error) if error.is_throttled() => Err(error),
            Err(error) => {
                let failure = Failure { error, earlier_outcome_unknown, started, existing, deadline };
                request.settle(self, failure).await
            }
        };
        (result, earlier_outcome_unknown)
    }

    /// The signed HTTP request that [`send`](Client::send) would make for `request`, without
    /// sending it: validated, flattened, with the common pairs and the signature. For logging
    /// (its `Debug` hides the body), custom transports and tests.
    ///
    /// ```
    /// # fn run() -> Result<(), ucloudstack::Error> {
    /// use ucloudstack::{Client, Credentials};
    /// use ucloudstack::image::DeleteCustomImageRequest;
    ///
    /// let client = Client::builder()
    ///     .endpoint("http://192.0.2.10/api")
    ///     .credentials(Credentials::new("public", "private"))
    ///     .region("cn")
    ///     .build()?;
    /// let request = client.prepare(&DeleteCustomImageRequest::builder().image_id("img-1").build()?)?;
    /// assert!(request.form().contains(&("ImageID".into(), "img-1".into())));
    /// # Ok(()) }
    /// # run().unwrap();
    /// ```
    pub fn prepare<A: Action>(&self, request: &A) -> Result<HttpRequest, Error> {
        let pairs = self.pairs(request)?;
        Ok(HttpRequest::new(self.inner.config.endpoint.clone(), self.headers(), self.body(&pairs).0))
    }

    /// Every pair a typed request sends, but the signature.
    fn pairs<A: Action>(&self, request: &A) -> Result<Pairs, Error> {
        request.validate()?;
        let mut pairs = Pairs::with_capacity(16);
        to_pairs(request, &mut pairs)?;
        // A user's own Action may serialize what only the client may set.
        if let Some((key, _)) = pairs.iter().find(|(k, _)| RESERVED.contains(&k.as_str()) || k == "Region") {
            return Err(Error::invalid(key.as_str(), "is set by the client; use Action::region for Region"));
        }
        if let Some(region) = request.region() {
            pairs.push(("Region".to_owned(), region.to_owned()));
        }
        self.add_common_pairs(A::NAME, A::REGIONAL, &mut pairs)?;
        Ok(pairs)
    }

    /// Calls any UCloudStack action, typed or not, and returns the response body as JSON once
    /// its `RetCode` is 0.
    ///
    /// The parameters are sent as given (use `Name.0`, `Name.1` for lists); `Region` and `Zone`
    /// come from the client unless given. The call is retried like a typed one, treating
    /// `Describe*`, `Get*` and `List*` actions as idempotent; use
    /// [`call_with`](Client::call_with) and [`CallOptions::idempotent`] to say otherwise.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// let vpcs = client.call("DescribeVPC", &[("Limit", "10")]).await?;
    /// println!("{}", vpcs["TotalCount"]);
    /// # Ok(()) }
    /// ```
    pub async fn call<K: AsRef<str>, V: AsRef<str>>(
        &self,
        action: &str,
        params: &[(K, V)],
    ) -> Result<serde_json::Value, Error> {
        self.call_with(action, params, &CallOptions::default()).await
    }

    /// [`call`](Client::call) with this call's own options, e.g. to say whether the action is
    /// idempotent.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// use ucloudstack::CallOptions;
    ///
    /// let options = CallOptions::new().idempotent(false);
    /// client.call_with("CreateVPC", &[("Name", "vpc-a"), ("Network.0", "10.0.0.0/16")], &options).await?;
    /// # Ok(()) }
    /// ```
    pub async fn call_with<K: AsRef<str>, V: AsRef<str>>(
        &self,
        action: &str,
        params: &[(K, V)],
        options: &CallOptions,
    ) -> Result<serde_json::Value, Error> {
        let mut pairs = raw_pairs(action, params)?;
        self.add_common_pairs(action, true, &mut pairs)?;
        let idempotent = options.idempotent.unwrap_or_else(|| infer_idempotent(action));
        self.execute(action, idempotent, pairs, options, |response| response::decode_value(action, response)).await
    }

    /// [`call`](Client::call), decoding the body into the caller's own type once its
    /// `RetCode` is 0.
    pub async fn call_as<T: DeserializeOwned, K: AsRef<str>, V: AsRef<str>>(
        &self,
        action: &str,
        params: &[(K, V)],
    ) -> Result<T, Error> {
        let mut pairs = raw_pairs(action, params)?;
        self.add_common_pairs(action, true, &mut pairs)?;
        let decode = |response: &HttpResponse| {
            let value = response::decode_value(action, response)?;
            T::deserialize(value).map_err(|e| response::json_error(action, response, &e))
        };
        self.execute(action, infer_idempotent(action), pairs, &CallOptions::default(), decode).await
    }

    /// Sends `pairs` (all but the signature) with retries and timeouts until `decode` accepts
    /// an answer or the policy gives up.
    async fn execute<T>(
        &self,
        action: &str,
        idempotent: bool,
        pairs: Pairs,
        options: &CallOptions,
        decode: impl Fn(&HttpResponse) -> Result<T, Error> + Send + Sync,
    ) -> Result<T, Error> {
        self.execute_noting_unknown(action, idempotent, pairs, options, false, decode).await.0
    }

    /// [`execute`](Self::execute), also telling whether an attempt before the last may have
    /// been carried out although its answer was lost.
    async fn execute_noting_unknown<T>(
        &self,
        action: &str,
        idempotent: bool,
        pairs: Pairs,
        options: &CallOptions,
        unknown_before: bool,
        decode: impl Fn(&HttpResponse) -> Result<T, Error> + Send + Sync,
    ) -> (Result<T, Error>, bool) {
        let config = &self.inner.config;
        if let Err(error) = options.validate() {
            return (Err(error), unknown_before);
        }
        let retry = options.retry.as_ref().unwrap_or(&config.retry);
        let attempt_timeout = options.attempt_timeout.unwrap_or(config.attempt_timeout);
        let made = AtomicU32::new(0);
        let unknown_before = AtomicBool::new(unknown_before);
        use tracing::field::Empty;
        // The image or VM the request is about, when it names one.
        let resource = pairs
            .iter()
            .find(|(k, _)| matches!(k.as_str(), "ImageID" | "VMID" | "ResourceID"))
            .map(|(_, v)| v.as_str());
        // Named and attributed as OpenTelemetry's RPC conventions say, so that a program that
        // exports traces sees calls, attempts and retries as they are (`otel.*` fields are
        // read by tracing-opentelemetry).
        let endpoint = &config.endpoint;
        let span = tracing::info_span!(
            "ucloudstack.call",
            otel.name = %format_args!("UCloudStack/{action}"),
            otel.kind = "client",
            otel.status_code = Empty,
            rpc.system = "ucloudstack",
            rpc.service = "UCloudStack",
            rpc.method = action,
            server.address = endpoint.host_str().unwrap_or_default(),
            server.port = endpoint.port_or_known_default().unwrap_or_default(),
            ucloudstack.resource = resource,
            ucloudstack.attempts = Empty,
            ucloudstack.ret_code = Empty,
            ucloudstack.request_id = Empty,
            error.type = Empty,
            elapsed_ms = Empty
        );
        let budget = &self.inner.budget;
        let attempts = async {
            let started = Instant::now();
            let mut last_retry_cost = None;
            loop {
                let attempt = made.fetch_add(1, Ordering::Relaxed) + 1;
                let call = tracing::Span::current();
                let try_span = tracing::debug_span!(
                    "ucloudstack.attempt",
                    otel.name = %format_args!("POST UCloudStack/{action}"),
                    otel.kind = "client",
                    otel.status_code = Empty,
                    http.request.method = "POST",
                    http.request.resend_count = attempt - 1,
                    http.response.status_code = Empty,
                    ucloudstack.ret_code = Empty,
                    ucloudstack.request_id = Empty,
                    error.type = Empty
                );
                let result =
                    self.attempt(action, &pairs, attempt_timeout, &decode, &call).instrument(try_span.clone()).await;
                match &result {
                    Ok(_) => _ = try_span.record("ucloudstack.ret_code", 0),
                    Err(error) => failed_span(&try_span, error),
                }
                let retryable = |error: &Error| {
                    retry.should_retry(error, attempt, idempotent)
                        && (options.throttle_retries || !error.is_throttled())
                };
                match result {
                    Ok(value) => {
                        let elapsed_ms = started.elapsed().as_millis() as u64;
                        let span = tracing::Span::current();
                        span.record("ucloudstack.attempts", attempt).record("elapsed_ms", elapsed_ms);
                        span.record("ucloudstack.ret_code", 0);
                        tracing::debug!(attempt, elapsed_ms, "call succeeded");
                        budget.success(last_retry_cost);
                        return Ok(value);
                    }
                    Err(error)
                        if retryable(&error) && {
                            last_retry_cost = budget.acquire(&error);
                            last_retry_cost.is_some()
                        } =>
                    {
                        let delay = retry.backoff(&error, attempt);
                        tracing::debug!(attempt, error = %error, delay_ms = delay.as_millis() as u64, "retrying");
                        if error.outcome_unknown() {
                            unknown_before.store(true, Ordering::Relaxed);
                        }
                        tokio::time::sleep(delay).await;
                    }
                    Err(error) => {
                        if retryable(&error) {
                            tracing::debug!(attempt, "the client's retry budget is spent: not retrying");
                        }
                        let elapsed_ms = started.elapsed().as_millis() as u64;
                        let span = tracing::Span::current();
                        span.record("ucloudstack.attempts", attempt).record("elapsed_ms", elapsed_ms);
                        failed_span(&span, &error);
                        tracing::debug!(attempt, error = %error, "call failed");
                        return Err(error.with_attempts(attempt));
                    }
                }
            }
        }
        .instrument(span.clone());
        let result = match options.total_timeout.or(config.total_timeout) {
            None => attempts.await,
            Some(limit) => tokio::time::timeout(limit, attempts).await.unwrap_or_else(|_| {
                let attempts = made.load(Ordering::Relaxed);
                let error = Error::Timeout {
                    meta: crate::ErrorMetadata { action: action.to_owned(), attempts, request_id: None },
                    what: "total",
                    limit,
                };
                span.record("ucloudstack.attempts", attempts);
                failed_span(&span, &error);
                Err(error)
            }),
        };
        (result, unknown_before.load(Ordering::Relaxed))
    }

    fn add_common_pairs(&self, action: &str, regional: bool, pairs: &mut Pairs) -> Result<(), Error> {
        let config = &self.inner.config;
        let has = |pairs: &Pairs, key: &str| pairs.iter().any(|(k, _)| k == key);
        if regional && !has(pairs, "Region") {
            let region = config.region.as_deref().ok_or_else(|| {
                Error::invalid("Region", "is required: set it on the request or with ClientBuilder::region")
            })?;
            pairs.push(("Region".to_owned(), region.to_owned()));
        }
        if let Some(zone) = &config.zone
            && !has(pairs, "Zone")
        {
            pairs.push(("Zone".to_owned(), zone.clone()));
        }
        pairs.push(("Action".to_owned(), action.to_owned()));
        let credentials = &self.inner.credentials;
        pairs.push(("PublicKey".to_owned(), credentials.public_key().to_owned()));
        if let Some(token) = credentials.security_token() {
            pairs.push(("SecurityToken".to_owned(), token.to_owned()));
        }
        Ok(())
    }

    /// One attempt: sign, stamp, send within the attempt timeout, and decode; an error never
    /// carries a secret the request held, even from a server that echoes it.
    async fn attempt<T>(
        &self,
        action: &str,
        pairs: &Pairs,
        limit: Duration,
        decode: &(impl Fn(&HttpResponse) -> Result<T, Error> + Send + Sync),
        call: &tracing::Span,
    ) -> Result<T, Error> {
        let inner = &*self.inner;
        let (body, signature) = self.body(pairs);
        let request = HttpRequest::new(inner.config.endpoint.clone(), self.headers(), body);
        let delivery = request.delivery_probe();
        let response = match tokio::time::timeout(limit, inner.transport.send(request)).await {
            // The transport said no byte had left, and now none will: the server cannot have
            // seen this attempt.
            Err(_) if delivery.abandon() => {
                return Err(Error::Transport {
                    meta: crate::ErrorMetadata::new(action),
                    maybe_sent: false,
                    kind: TransportErrorKind::Connect,
                    source: format!("no connection within the attempt timeout of {limit:?}").into(),
                    endpoint: Some(self.endpoint_origin()),
                });
            }
            Err(_) => {
                return Err(Error::Timeout { meta: crate::ErrorMetadata::new(action), what: "attempt", limit });
            }
            Ok(Err(e)) => {
                return Err(Error::Transport {
                    meta: crate::ErrorMetadata::new(action),
                    maybe_sent: e.maybe_sent(),
                    kind: e.kind(),
                    source: e.into_source(),
                    endpoint: Some(self.endpoint_origin()),
                });
            }
            Ok(Ok(response)) => response,
        };
        let secrets = self.secrets(&signature, pairs);
        let attempt_span = tracing::Span::current();
        attempt_span.record("http.response.status_code", response.status);
        if !call.is_disabled() || tracing::enabled!(tracing::Level::DEBUG) {
            let id = raw_request_id(&response).map(|id| redact_text(id.to_owned(), &secrets));
            let id = id.map(|id| crate::excerpt::excerpt_of(id.as_bytes(), crate::response::REQUEST_ID_EXCERPT));
            if let Some(id) = &id {
                attempt_span.record("ucloudstack.request_id", id.as_str());
                call.record("ucloudstack.request_id", id.as_str());
            }
            tracing::trace!(
                status = response.status,
                request_id = id.as_deref().unwrap_or(""),
                bytes = response.body.len(),
                "response"
            );
        }
        // A server that echoes the request may put a secret in any field (a status, a name):
        // decode the scrubbed answer instead, so no value, excerpt or log can hold one.
        let response =
            if secrets.iter().any(|s| contains(&response, s)) { redacted(&response, &secrets) } else { response };
        decode(&response).map_err(|error| error.redact(&secrets).with_platform(inner.config.platform))
    }

    /// What a request of this client carries that must never appear in an error or a log: the
    /// signature, the keys, and the values of secret parameters (an image's `Secret`).
    fn secrets<'a>(&'a self, signature: &'a str, pairs: &'a Pairs) -> Vec<&'a str> {
        let credentials = &self.inner.credentials;
        let mut secrets = vec![signature, credentials.security_token().unwrap_or_default(), credentials.private_key()];
        secrets.extend(pairs.iter().filter(|(k, _)| SECRET_PARAMS.contains(&k.as_str())).map(|(_, v)| v.as_str()));
        secrets
    }

    fn headers(&self) -> HeaderMap {
        let millis = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_millis();
        let mut headers = HeaderMap::with_capacity(3);
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
        headers.insert(header::USER_AGENT, self.inner.config.user_agent.clone());
        headers.insert("U-Timestamp-Ms", HeaderValue::from(millis as u64));
        headers
    }

    /// The url-encoded form: every pair, then the signature over exactly those pairs; and the
    /// signature.
    fn body(&self, pairs: &Pairs) -> (Bytes, String) {
        let signature = signature(pairs, self.inner.credentials.private_key());
        // Room for every pair with a little escaping, and the signature.
        let size: usize = pairs.iter().map(|(k, v)| k.len() + v.len() * 3 / 2 + 2).sum::<usize>() + 52;
        let mut form = url::form_urlencoded::Serializer::new(String::with_capacity(size));
        for (key, value) in pairs {
            form.append_pair(key, value);
        }
        form.append_pair(SIGNATURE, &signature);
        (Bytes::from(form.finish()), signature)
    }
}

/// Whether the body or the request id of a response holds `secret`.
fn contains(response: &HttpResponse, secret: &str) -> bool {
    !secret.is_empty()
        && (memchr::memmem::find(&response.body, secret.as_bytes()).is_some()
            || raw_request_id(response).is_some_and(|id| id.contains(secret)))
}

/// The whole request id header, uncut: a secret in it must be found before it is cut.
fn raw_request_id(response: &HttpResponse) -> Option<&str> {
    response.headers.get(crate::REQUEST_ID_HEADER)?.to_str().ok()
}

/// A copy of `response` with every secret in its body and request id replaced by `***`.
fn redacted(response: &HttpResponse, secrets: &[&str]) -> HttpResponse {
    let mut body = response.body.to_vec();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        let mut out = Vec::with_capacity(body.len());
        let mut rest = &body[..];
        while let Some(at) = memchr::memmem::find(rest, secret.as_bytes()) {
            out.extend_from_slice(&rest[..at]);
            out.extend_from_slice(b"***");
            rest = &rest[at + secret.len()..];
        }
        out.extend_from_slice(rest);
        body = out;
    }
    let mut headers = response.headers.clone();
    if let Some(id) = raw_request_id(response)
        && let Ok(value) = HeaderValue::from_str(&redact_text(id.to_owned(), secrets))
    {
        headers.insert(crate::REQUEST_ID_HEADER, value);
    }
    HttpResponse::new(response.status, headers, body)
}

fn redact_text(mut text: String, secrets: &[&str]) -> String {
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if text.contains(secret) {
            text = text.replace(secret, "***");
        }
    }
    text
}

/// `Describe*`, `Get*` and `List*` only read.
fn infer_idempotent(action: &str) -> bool {
    ["Describe", "Get", "List"].iter().any(|prefix| action.starts_with(prefix))
}

/// Checks a generic call's action and parameters and copies them out.
fn raw_pairs<K: AsRef<str>, V: AsRef<str>>(action: &str, params: &[(K, V)]) -> Result<Pairs, Error> {
    if action.is_empty() || !action.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::invalid("Action", format!("{action:?} is not an action name (ASCII letters and digits)")));
    }
    let mut pairs = Pairs::with_capacity(params.len() + 5);
    let mut seen = std::collections::HashSet::with_capacity(params.len());
    for (key, value) in params {
        let (key, value) = (key.as_ref(), value.as_ref());
        if key.is_empty() {
            return Err(Error::invalid("params", "a parameter name is empty"));
        }
        if RESERVED.contains(&key) {
            return Err(Error::invalid(key, "is set by the client and cannot be passed as a parameter"));
        }
        if !seen.insert(key) {
            return Err(Error::invalid(key, "is given more than once"));
        }
        pairs.push((key.to_owned(), value.to_owned()));
    }
    Ok(pairs)
}

/// Marks a call's or an attempt's span as failed: `otel.status_code`, `error.type` (a low-
/// cardinality class, as OpenTelemetry asks: the HTTP status, or what kind of failure) and the
/// RetCode when the platform answered one.
fn failed_span(span: &tracing::Span, error: &Error) {
    if span.is_disabled() {
        return;
    }
    span.record("otel.status_code", "ERROR");
    let class = match error {
        Error::Api { .. } => "ret_code".to_owned(),
        Error::Http { status, .. } => status.to_string(),
        Error::Transport { kind, .. } => format!("transport.{kind:?}").to_ascii_lowercase(),
        Error::Timeout { what, .. } => format!("timeout.{what}"),
        Error::Decode { .. } => "decode".to_owned(),
        Error::Throttled { .. } => "throttled".to_owned(),
        _ => "other".to_owned(),
    };
    span.record("error.type", class.as_str());
    if let Some(code) = error.ret_code() {
        span.record("ucloudstack.ret_code", code);
    }
}

/// Redirects within one origin the files client follows in a row.
pub(crate) const MAX_SAME_ORIGIN_REDIRECTS: usize = 5;

/// Whether two addresses share scheme, host and port: a redirect or an answer from another
/// origin is never trusted with a transfer's secrets or bytes.
pub(crate) fn same_origin(a: &url::Url, b: &url::Url) -> bool {
    a.origin() == b.origin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_params_are_checked() {
        assert!(raw_pairs("DescribeVPC", &[("Limit", "10")]).is_ok());
        assert!(raw_pairs("", &[("Limit", "10")]).is_err());
        assert!(raw_pairs("Describe VPC", &[("Limit", "10")]).is_err());
        assert!(raw_pairs("X", &[("Signature", "x")]).is_err());
        assert!(raw_pairs("X", &[("A", "1"), ("A", "2")]).is_err());
        assert!(infer_idempotent("DescribeVPC") && !infer_idempotent("CreateVPC"));
    }

    #[test]
    fn client_is_shareable() {
        fn is<T: Clone + Send + Sync + 'static>() {}
        is::<Client>();
    }
}
