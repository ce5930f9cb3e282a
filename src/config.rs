//! Client settings: endpoint, credentials, region and zone, timeouts, retries, transport.

use crate::Platform;
use crate::options::{CallOptions, CallOptionsBuilder};
use crate::retry::RetryPolicy;
use crate::transport::{DEFAULT_MAX_BODY, ReqwestTransport, Transport};
use crate::{Client, Credentials, Error};
use http::HeaderValue;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// The environment variables [`ClientBuilder::from_env`] reads.
pub mod env {
    /// The API URL, e.g. `http://192.0.2.10/api` (required).
    pub const ENDPOINT: &str = "UCLOUDSTACK_ENDPOINT";
    /// The public key (required).
    pub const PUBLIC_KEY: &str = "UCLOUDSTACK_PUBLIC_KEY";
    /// The private key (required).
    pub const PRIVATE_KEY: &str = "UCLOUDSTACK_PRIVATE_KEY";
    /// The default region, e.g. `cn` (optional).
    pub const REGION: &str = "UCLOUDSTACK_REGION";
    /// The zone, for releases that want one, e.g. `zone-01` (optional).
    pub const ZONE: &str = "UCLOUDSTACK_ZONE";
}

/// Default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default time allowed for one attempt, from sending to the last byte of the answer (see
/// [`CallOptionsBuilder::attempt_timeout`]).
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// The settings a built client runs with.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) endpoint: Url,
    pub(crate) region: Option<String>,
    pub(crate) zone: Option<String>,
    pub(crate) user_agent: HeaderValue,
    pub(crate) attempt_timeout: Duration,
    pub(crate) total_timeout: Option<Duration>,
    pub(crate) retry: RetryPolicy,
    pub(crate) platform: Platform,
    pub(crate) budget: crate::RetryBudget,
}

/// Builds a [`Client`]; every problem is reported by [`build`](ClientBuilder::build) as
/// [`Error::Config`] naming the setting.
///
/// The client's default retry policy and timeouts are set through [`CallOptionsBuilder`], the
/// same setters a single call takes.
///
/// ```
/// use std::time::Duration;
/// use ucloudstack::{CallOptionsBuilder, Client, Credentials};
///
/// let client = Client::builder()
///     .endpoint("http://192.0.2.10/api")
///     .credentials(Credentials::new("public", "private"))
///     .region("cn")
///     .zone("zone-01")
///     .attempt_timeout(Duration::from_secs(10))
///     .build()?;
/// # Ok::<(), ucloudstack::Error>(())
/// ```
#[derive(Default, Clone)]
#[must_use]
pub struct ClientBuilder {
    endpoint: Option<String>,
    credentials: Option<Credentials>,
    region: Option<String>,
    zone: Option<String>,
    user_agent: Option<String>,
    connect_timeout: Option<Duration>,
    defaults: CallOptions,
    max_response_size: Option<usize>,
    transport: Option<Arc<dyn Transport>>,
    http_client: Option<reqwest::Client>,
    platform: Platform,
    budget: crate::RetryBudget,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("endpoint", &self.endpoint)
            .field("credentials", &self.credentials)
            .field("region", &self.region)
            .field("zone", &self.zone)
            .field("platform", &self.platform)
            .field("budget", &self.budget)
            .field("user_agent", &self.user_agent)
            .field("connect_timeout", &self.connect_timeout)
            .field("defaults", &self.defaults)
            .field("max_response_size", &self.max_response_size)
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// An empty builder; [`Client::builder`] is the usual way in.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder filled from `UCLOUDSTACK_ENDPOINT`, `UCLOUDSTACK_PUBLIC_KEY`,
    /// `UCLOUDSTACK_PRIVATE_KEY`, `UCLOUDSTACK_REGION` and `UCLOUDSTACK_ZONE` (see [`env`](mod@crate::env)).
    /// Unset or empty variables leave their setting unset; later setters override.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub(crate) fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let mut builder = ClientBuilder { endpoint: get(env::ENDPOINT), ..Self::default() };
        builder.region = get(env::REGION);
        builder.zone = get(env::ZONE);
        builder.credentials = match (get(env::PUBLIC_KEY), get(env::PRIVATE_KEY)) {
            (Some(public), Some(private)) => Some(Credentials::new(public, private)),
            _ => None,
        };
        builder
    }

    /// The UCloudStack API URL, used as is, e.g. `https://console.example.com/api` (required).
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The key pair that signs every request (required).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The default `Region` for every call; a request's own region wins.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// A `Zone` sent with every call, for UCloudStack releases that require one (e.g. `zone-01`).
    /// Not sent unless set.
    pub fn zone(mut self, zone: impl Into<String>) -> Self {
        self.zone = Some(zone.into());
        self
    }

    /// The generation of the platform (default [`Platform::V2`], the API document's). It
    /// selects the RetCode table errors are classified and retried by; nothing on the wire
    /// changes. 1.x platforms usually want a [`zone`](Self::zone) too.
    pub fn platform(mut self, platform: Platform) -> Self {
        self.platform = platform;
        self
    }

    /// The client-wide retry budget, shared by its clones (default [`RetryBudget::default`]:
    /// AWS's standard mode, 500 tokens, 5 a retry).
    ///
    /// [`RetryBudget::default`]: crate::RetryBudget::default
    pub fn retry_budget(mut self, budget: crate::RetryBudget) -> Self {
        self.budget = budget;
        self
    }

    /// Text appended to the `User-Agent` header, e.g. `my-tool/1.2`.
    pub fn user_agent(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent = Some(suffix.into());
        self
    }

    /// The time allowed to open a connection (default 5 s). Applies to the default transport.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Refuses response bodies larger than `bytes` (default 16 MiB) with a transport error of
    /// kind `BodyTooLarge`, without reading them whole. Applies to the default transport.
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.max_response_size = Some(bytes);
        self
    }

    /// Sends through this transport instead of the default one.
    pub fn transport(mut self, transport: impl Transport + 'static) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// Sends through the default transport over this `reqwest::Client` (its proxy, TLS and
    /// pool settings are kept; the connect timeout of this builder then does not apply).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Checks every setting and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let endpoint = parse_endpoint(self.endpoint.as_deref())?;
        let credentials = self.credentials.ok_or_else(|| {
            Error::config("credentials", "are required: set them with .credentials(Credentials::new(public, private))")
        })?;
        credentials.check()?;
        for (field, value) in [("region", &self.region), ("zone", &self.zone)] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(Error::config(field, "must not be empty or blank when set"));
            }
        }
        if self.connect_timeout == Some(Duration::ZERO) {
            return Err(Error::config("connect_timeout", "must be longer than zero"));
        }
        if let Err(Error::InvalidRequest { field, rule }) = self.defaults.check() {
            return Err(Error::config(field, rule));
        }
        let user_agent = user_agent(self.user_agent.as_deref())?;
        let max_body = self.max_response_size.unwrap_or(DEFAULT_MAX_BODY);
        let transport: Arc<dyn Transport> = match (self.transport, self.http_client) {
            (Some(transport), _) => transport,
            (None, Some(client)) => Arc::new(ReqwestTransport::from_client(client).max_body_size(max_body)),
            (None, None) => Arc::new(
                ReqwestTransport::new(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))?.max_body_size(max_body),
            ),
        };
        let config = Config {
            endpoint,
            region: self.region,
            zone: self.zone,
            user_agent,
            attempt_timeout: self.defaults.attempt_timeout.unwrap_or(DEFAULT_ATTEMPT_TIMEOUT),
            total_timeout: self.defaults.total_timeout,
            retry: self.defaults.retry.unwrap_or_default(),
            platform: self.platform,
            budget: self.budget,
        };
        Ok(Client::from_parts(config, credentials, transport))
    }
}

/// The client's defaults: `retry_policy` (default [`RetryPolicy::default`], 3 attempts),
/// `attempt_timeout` (default 30 s) and `total_timeout` (default: none beyond the attempts').
impl CallOptionsBuilder for ClientBuilder {
    fn call_options(&mut self) -> &mut CallOptions {
        &mut self.defaults
    }
}

fn parse_endpoint(endpoint: Option<&str>) -> Result<Url, Error> {
    let text = endpoint
        .ok_or_else(|| Error::config("endpoint", "is required, e.g. .endpoint(\"http://192.0.2.10/api\")"))?
        .trim();
    // A URL may carry a password; never echo that part.
    let shown = match (text.find("://"), text.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://***{}", &text[..scheme], &text[at..]),
        _ => text.to_owned(),
    };
    let url = Url::parse(text).map_err(|e| Error::config("endpoint", format!("{shown:?} is not a valid URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::config("endpoint", format!("{shown:?} must be an http:// or https:// URL")));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::config("endpoint", format!("{shown:?} has no host")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config("endpoint", "must not carry a user name or password"));
    }
    Ok(url)
}

fn user_agent(suffix: Option<&str>) -> Result<HeaderValue, Error> {
    let base = concat!("ucloudstack-rust/", env!("CARGO_PKG_VERSION"), " Rust-SDK Product/UCloudStack");
    let text = match suffix.map(str::trim).filter(|s| !s.is_empty()) {
        Some(extra) => format!("{base} {extra}"),
        None => base.to_owned(),
    };
    HeaderValue::from_str(&text).map_err(|_| Error::config("user_agent", "must be visible ASCII text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_field(result: Result<Client, Error>) -> String {
        match result.unwrap_err() {
            Error::Config { field, .. } => field,
            other => panic!("not a config error: {other:?}"),
        }
    }

    fn good() -> ClientBuilder {
        Client::builder().endpoint("http://127.0.0.1:1/api").credentials(Credentials::new("pub", "priv"))
    }

    #[test]
    fn every_bad_setting_is_named() {
        assert!(good().build().is_ok());
        assert_eq!(err_field(Client::builder().credentials(Credentials::new("a", "b")).build()), "endpoint");
        for bad in ["", "not a url", "ftp://host/api", "http://", "http://user:pw@host/api"] {
            assert_eq!(err_field(good().endpoint(bad).build()), "endpoint", "{bad}");
        }
        assert_eq!(err_field(Client::builder().endpoint("http://h/api").build()), "credentials");
        assert_eq!(err_field(good().credentials(Credentials::new("", "x")).build()), "credentials");
        assert_eq!(err_field(good().credentials(Credentials::new("x", "")).build()), "credentials");
        assert_eq!(err_field(good().region(" ").build()), "region");
        assert_eq!(err_field(good().zone("").build()), "zone");
        assert_eq!(err_field(good().attempt_timeout(Duration::ZERO).build()), "attempt_timeout");
        assert_eq!(err_field(good().user_agent("bad\nagent").build()), "user_agent");
        let secret = good().endpoint("ftp://admin:hunter2@host/api").build().unwrap_err().to_string();
        assert!(secret.contains("ftp://***@host/api") && !secret.contains("hunter2"), "{secret}");
    }

    #[test]
    fn from_env_reads_the_documented_variables() {
        let vars = [
            (env::ENDPOINT, "http://10.0.0.1/api"),
            (env::PUBLIC_KEY, "pub"),
            (env::PRIVATE_KEY, "priv"),
            (env::REGION, "cn"),
            (env::ZONE, ""),
        ];
        let lookup = |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string());
        let builder = ClientBuilder::from_lookup(lookup);
        assert_eq!(builder.endpoint.as_deref(), Some("http://10.0.0.1/api"));
        assert_eq!(builder.region.as_deref(), Some("cn"));
        assert_eq!(builder.zone, None);
        let client = builder.build().unwrap();
        assert!(format!("{client:?}").contains("public_key: \"pub\""), "{client:?}");
        assert!(!format!("{client:?}").contains("\"priv\""), "{client:?}");

        let missing = ClientBuilder::from_lookup(|name| (name == env::ENDPOINT).then(|| "http://h/api".to_owned()));
        assert_eq!(err_field(missing.build()), "credentials");
    }
}
