//! Client settings: endpoint, credentials, region and zone, timeouts, retries, transport.

use crate::Platform;
use crate::options::{CallOptions, CallOptionsBuilder};
use crate::profile::{Given, Sources};
use crate::retry::RetryPolicy;
use crate::transport::{DEFAULT_MAX_BODY, ReqwestTransport, Transport};
use crate::{Client, Credentials, Error};
use http::HeaderValue;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// The environment variables [`ClientBuilder::from_env`] reads first; the official SDK's
/// `UCLOUD_*` names come next (see [`ClientBuilder::from_env`]).
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
    /// The tenant (`CompanyID`) uploads and imports are made for, by programs and tools that
    /// want a default (optional; see [`Client::company_id`](crate::Client::company_id)).
    pub const COMPANY_ID: &str = "UCLOUDSTACK_COMPANY_ID";
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
    /// The setting that named the endpoint (see [`crate::EndpointOrigin::set_by`]).
    pub(crate) endpoint_set_by: String,
    /// Where image files are downloaded from (see [`ClientBuilder::download_endpoint`]).
    pub(crate) download_endpoint: Url,
    /// The user's own HTTP client, which file transfers use too.
    pub(crate) http_client: Option<reqwest::Client>,
    pub(crate) connect_timeout: Duration,
    pub(crate) region: Option<String>,
    pub(crate) zone: Option<String>,
    pub(crate) company_id: Option<i64>,
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
    download_endpoint: Option<String>,
    credentials: Option<Credentials>,
    region: Option<String>,
    zone: Option<String>,
    company_id: Option<i64>,
    user_agent: Option<String>,
    connect_timeout: Option<Duration>,
    defaults: CallOptions,
    max_response_size: Option<usize>,
    transport: Option<Arc<dyn Transport>>,
    http_client: Option<reqwest::Client>,
    platform: Platform,
    budget: crate::RetryBudget,
    sources: Sources,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("endpoint", &self.endpoint.as_deref().map(masked))
            .field("download_endpoint", &self.download_endpoint.as_deref().map(masked))
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
            .field("from_env", &self.sources.env.is_some())
            .field("profile", &self.sources.profile)
            .field("shared_config_file", &self.sources.config_file)
            .field("shared_credential_file", &self.sources.credential_file)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The largest shared file (`config.json`, `credential.json`) read, in bytes: 1 MiB. A
    /// larger one is an [`Error::Config`] naming the file (the CLI's files are a few KiB).
    pub const MAX_SHARED_FILE_SIZE: u64 = 1024 * 1024;

    /// An empty builder; [`Client::builder`] is the usual way in.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder that reads what is not set on it from the environment and the shared files of
    /// the official tooling, at [`build`](Self::build). For each setting, the first found wins:
    ///
    /// | setting | the builder | then | then | then the profile's |
    /// |---|---|---|---|---|
    /// | endpoint | `.endpoint(..)` | `UCLOUDSTACK_ENDPOINT` | `UCLOUD_API_BASE_URL` | `base_url` |
    /// | key pair | `.credentials(..)` | `UCLOUDSTACK_PUBLIC_KEY` + `_PRIVATE_KEY` | `UCLOUD_PUBLIC_KEY` + `_PRIVATE_KEY` | `public_key` + `private_key` (credential file) |
    /// | region | `.region(..)` | `UCLOUDSTACK_REGION` | `UCLOUD_REGION` | `region` |
    /// | zone | `.zone(..)` | `UCLOUDSTACK_ZONE` | `UCLOUD_ZONE` | `zone` |
    /// | company id | `.company_id(..)` | `UCLOUDSTACK_COMPANY_ID` | | `company_id` (this crate's own field) |
    /// | attempt timeout | `.attempt_timeout(..)` | | `UCLOUD_TIMEOUT_SECOND` | `timeout_sec` |
    ///
    /// The profile is the one named by [`profile`](Self::profile), else by `UCLOUD_PROFILE`,
    /// else the `active` one of the config file; the files are
    /// [`shared_config_file`](Self::shared_config_file) and
    /// [`shared_credential_file`](Self::shared_credential_file), else
    /// `UCLOUD_SHARED_CONFIG_FILE` and `UCLOUD_SHARED_CREDENTIAL_FILE`, else
    /// `~/.ucloud/config.json` and `~/.ucloud/credential.json`. Only regular files of at most
    /// [`MAX_SHARED_FILE_SIZE`](Self::MAX_SHARED_FILE_SIZE) bytes are read. A missing default
    /// file is no error; a missing named one, one that is not a regular file or is too large,
    /// malformed JSON, or a named profile in neither file is. A broken default file is only a
    /// warning (`tracing`) when the builder and the environment hold the endpoint, the key pair
    /// and the region. A credential file other users can read draws a warning, as ssh would.
    ///
    /// A key pair comes whole from one place. A bad setting is an [`Error::Config`] at `build`
    /// naming it. Every required setting missing everywhere (endpoint, public key, private key,
    /// region) is in one [`Error::Config`], whose `missing` lists each with the variables and
    /// the profile field that would provide it ([`MissingSetting`](crate::MissingSetting)),
    /// and whose `shared_files` names the files read and the profiles found in them
    /// ([`SharedFiles`](crate::SharedFiles)); when no profile was active, or the one named is
    /// in neither file, the message says so, with the file and the profiles found. (The
    /// official Go SDK lets the files win over the environment; this crate follows the Rust
    /// habit of aws-config: the nearer setting wins.)
    ///
    /// # The shared files
    ///
    /// The `ucloud` CLI writes both files (mode 0600), each a JSON **array** of profiles;
    /// a profile's key pair is the entry of `credential.json` with the same `profile` name.
    /// Keys this crate does not use (`project_id`, `max_retry_times`, ...) are ignored.
    ///
    /// `~/.ucloud/config.json`: `base_url` is the API URL, `active` marks the profile used
    /// when none is named, `timeout_sec` is the attempt timeout in seconds.
    ///
    /// ```json
    /// [
    ///   {
    ///     "profile": "default",
    ///     "active": true,
    ///     "project_id": "",
    ///     "region": "cn",
    ///     "zone": "zone-01",
    ///     "base_url": "http://192.0.2.10/api",
    ///     "timeout_sec": 15,
    ///     "max_retry_times": 3
    ///   },
    ///   {
    ///     "profile": "staging",
    ///     "active": false,
    ///     "region": "cn",
    ///     "base_url": "http://192.0.2.20/api",
    ///     "timeout_sec": 30
    ///   }
    /// ]
    /// ```
    ///
    /// `~/.ucloud/credential.json`:
    ///
    /// ```json
    /// [
    ///   { "profile": "default", "public_key": "your-public-key", "private_key": "your-private-key" },
    ///   { "profile": "staging", "public_key": "staging-public-key", "private_key": "staging-private-key" }
    /// ]
    /// ```
    ///
    /// With these, `Client::from_env()` talks to `http://192.0.2.10/api` in region `cn` with
    /// the `default` key pair; `UCLOUD_PROFILE=staging`, or `.profile("staging")`, picks the
    /// other one.
    pub fn from_env() -> Self {
        ClientBuilder {
            sources: Sources { env: Some(Arc::new(|name| std::env::var(name).ok())), ..Sources::default() },
            ..Self::default()
        }
    }

    #[cfg(test)]
    pub(crate) fn from_lookup(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        ClientBuilder { sources: Sources { env: Some(Arc::new(lookup)), ..Sources::default() }, ..Self::default() }
    }

    /// Reads the settings not set on the builder from this profile of the shared files (see
    /// [`from_env`](Self::from_env) for the files and the precedence).
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.sources.profile = Some(name.into());
        self
    }

    /// The shared config file to read profiles from, instead of `~/.ucloud/config.json`; it
    /// must exist.
    pub fn shared_config_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.sources.config_file = Some(path.into());
        self
    }

    /// The shared credential file to read key pairs from, instead of
    /// `~/.ucloud/credential.json`; it must exist.
    pub fn shared_credential_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.sources.credential_file = Some(path.into());
        self
    }

    /// The UCloudStack API URL, used as is, e.g. `https://console.example.com/api` (required).
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The address image files are downloaded from: GetImageDownloadURL answers only the query
    /// (`DownloadQuery`), which goes after this address's `?` (see
    /// [`Client::image_download_url`]). The platform does not say where its download service
    /// is; by default it is the endpoint's scheme and host with the path `/s3/download`, as the
    /// platform's own reference shows (`http://<console host>/s3/download?...`). Set it when
    /// your platform serves downloads elsewhere (the Java SDK's comment shows
    /// `http://<s3 host>/download`).
    pub fn download_endpoint(mut self, url: impl Into<String>) -> Self {
        self.download_endpoint = Some(url.into());
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

    /// The tenant (`CompanyID`) a program makes images for by default: kept by the client
    /// ([`Client::company_id`]) for workflows and tools to use where a request takes one.
    /// No request sends it unless told to: a listing filtered by tenant is asked for.
    pub fn company_id(mut self, company_id: i64) -> Self {
        self.company_id = Some(company_id);
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
    /// pool settings are kept; the connect timeout of this builder then does not apply). With
    /// the `rustls-ring` feature, install a rustls provider before building it (see the
    /// README's "Features").
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Checks every setting (reading the environment and the shared files when asked to) and
    /// builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let given = Given {
            endpoint: self.endpoint.is_some(),
            credentials: self.credentials.is_some(),
            region: self.region.is_some(),
        };
        let outside = self.sources.read(given)?;
        if let (None, Some(half)) = (&self.credentials, &outside.half_pair) {
            return Err(Error::config("credentials", half.clone()));
        }
        let endpoint =
            self.endpoint.map(|text| (text, "ClientBuilder::endpoint".to_owned())).or_else(|| outside.endpoint.clone());
        let credentials = self.credentials.or_else(|| match (&outside.public_key, &outside.private_key) {
            (Some((public, _)), Some((private, _))) => Some(Credentials::new(public, private)),
            _ => None,
        });
        let region = self.region.or_else(|| outside.region.clone().map(|(v, _)| v));
        // Every required setting missing, in one error. A plain builder may leave the region
        // to each request; one that reads the environment or the files wants it from there.
        let mut wanted = Vec::new();
        if endpoint.is_none() {
            wanted.push(&crate::missing::ENDPOINT);
        }
        if credentials.is_none() {
            if outside.public_key.is_none() {
                wanted.push(&crate::missing::PUBLIC_KEY);
            }
            if outside.private_key.is_none() {
                wanted.push(&crate::missing::PRIVATE_KEY);
            }
        }
        if region.is_none() && outside.consulted {
            wanted.push(&crate::missing::REGION);
        }
        let (Some((endpoint, place)), Some(credentials), true) = (endpoint, credentials, wanted.is_empty()) else {
            return Err(crate::missing::error(&outside, &wanted));
        };
        let endpoint = parse_endpoint(&endpoint, if place == "ClientBuilder::endpoint" { "endpoint" } else { &place })?;
        let download_endpoint = match &self.download_endpoint {
            Some(text) => parse_endpoint(text, "download_endpoint")?,
            None => default_download_endpoint(&endpoint),
        };
        credentials.check()?;
        let zone = self.zone.or_else(|| outside.zone.clone().map(|(v, _)| v));
        let company_id = match (self.company_id, &outside.company_id) {
            (Some(id), _) => Some(id),
            (None, Some((text, place))) => {
                Some(text.trim().parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
                    Error::config(place.clone(), format!("{text:?} is not a company id (a whole number above 0)"))
                })?)
            }
            (None, None) => None,
        };
        for (field, value) in [("region", &region), ("zone", &zone)] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(Error::config(field, "must not be empty or blank when set"));
            }
        }
        let mut defaults = self.defaults;
        if let (None, Some((text, place))) = (defaults.attempt_timeout, &outside.timeout) {
            let timeout =
                text.parse::<f64>().ok().filter(|s| *s > 0.0).and_then(|s| Duration::try_from_secs_f64(s).ok());
            let timeout = timeout.ok_or_else(|| {
                Error::config(place.clone(), format!("{text:?} is not a number of seconds above zero"))
            })?;
            defaults.attempt_timeout = Some(timeout);
        }
        if self.connect_timeout == Some(Duration::ZERO) {
            return Err(Error::config("connect_timeout", "must be longer than zero"));
        }
        if let Err(Error::InvalidRequest { field, rule }) = defaults.validate() {
            return Err(Error::config(field, rule));
        }
        let user_agent = user_agent(self.user_agent.as_deref())?;
        let max_body = self.max_response_size.unwrap_or(DEFAULT_MAX_BODY);
        let http_client = self.http_client.clone();
        let transport: Arc<dyn Transport> = match (self.transport, self.http_client) {
            (Some(transport), _) => transport,
            (None, Some(client)) => Arc::new(ReqwestTransport::from_client(client).max_body_size(max_body)),
            (None, None) => Arc::new(
                ReqwestTransport::new(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))?.max_body_size(max_body),
            ),
        };
        let config = Config {
            endpoint,
            endpoint_set_by: place,
            download_endpoint,
            http_client,
            connect_timeout: self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            region,
            zone,
            company_id,
            user_agent,
            attempt_timeout: defaults.attempt_timeout.unwrap_or(DEFAULT_ATTEMPT_TIMEOUT),
            total_timeout: defaults.total_timeout,
            retry: defaults.retry.unwrap_or_default(),
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

/// Checks an endpoint URL; `field` names where it came from.
fn parse_endpoint(text: &str, field: &str) -> Result<Url, Error> {
    let text = text.trim();
    let shown = masked(text);
    // `host/api` or `host:port/api` (no scheme) is read as a relative URL or as a scheme
    // named after the host: say what to write instead.
    let with_scheme = || {
        let bare = text.trim_start_matches('/');
        format!("write it with its scheme: \"http://{bare}\" or \"https://{bare}\"", bare = masked(bare))
    };
    let url = Url::parse(text).map_err(|e| match e {
        url::ParseError::RelativeUrlWithoutBase => {
            Error::config(field, format!("{shown:?} has no scheme: {}", with_scheme()))
        }
        e => Error::config(field, format!("{shown:?} is not a valid URL: {e}")),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        let rule = if url.cannot_be_a_base() || !text.contains("://") {
            format!("{shown:?} has no http:// or https:// scheme: {}", with_scheme())
        } else {
            format!("{shown:?} must be an http:// or https:// URL")
        };
        return Err(Error::config(field, rule));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::config(field, format!("{shown:?} has no host")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(field, "must not carry a user name or password"));
    }
    Ok(url)
}

/// The endpoint's scheme, host and port with the path `/s3/download`.
fn default_download_endpoint(endpoint: &Url) -> Url {
    let mut url = endpoint.clone();
    url.set_path("/s3/download");
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// An endpoint as it may be shown: whatever comes before its last `@` (a user name and
/// password, in whatever shape the text has) is `***`, except a leading `scheme:/` or `//`.
fn masked(text: &str) -> String {
    let Some(at) = text.rfind('@') else { return text.to_owned() };
    let scheme = text.find(':').filter(|&colon| {
        let name = &text[..colon];
        name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            && text[colon + 1..].starts_with('/')
    });
    let kept = scheme.map_or(0, |colon| colon + 1);
    let kept = kept + text[kept..at].len() - text[kept..at].trim_start_matches('/').len();
    format!("{}***{}", &text[..kept], &text[at..])
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
        let builder = ClientBuilder::from_lookup(vars(&[
            (env::ENDPOINT, "http://10.0.0.1/api"),
            (env::PUBLIC_KEY, "pub"),
            (env::PRIVATE_KEY, "priv"),
            (env::REGION, "cn"),
            (env::ZONE, ""),
        ]));
        let client = builder.build().unwrap();
        assert_eq!(client.region(), Some("cn"));
        assert!(format!("{client:?}").contains("public_key: \"pub\""), "{client:?}");
        assert!(!format!("{client:?}").contains("\"priv\""), "{client:?}");

        let missing = ClientBuilder::from_lookup(vars(&[(env::ENDPOINT, "http://h/api")]));
        let message = missing.build().unwrap_err().to_string();
        assert!(message.contains("credentials") && message.contains("UCLOUDSTACK_PUBLIC_KEY"), "{message}");
        assert!(message.contains("UCLOUD_PUBLIC_KEY"), "{message}");
    }

    /// A lookup over these variables only (no HOME: no shared files).
    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
        let owned: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| owned.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn the_official_names_come_after_ours_and_before_the_files() {
        let client = ClientBuilder::from_lookup(vars(&[
            ("UCLOUD_API_BASE_URL", "http://10.0.0.2/api"),
            ("UCLOUD_PUBLIC_KEY", "upub"),
            ("UCLOUD_PRIVATE_KEY", "upriv"),
            ("UCLOUD_REGION", "hz"),
            ("UCLOUD_ZONE", "zone-02"),
            ("UCLOUD_TIMEOUT_SECOND", "12.5"),
            (env::REGION, "cn"),
        ]))
        .build()
        .unwrap();
        let debug = format!("{client:?}");
        assert!(debug.contains("10.0.0.2") && debug.contains("upub") && debug.contains("zone-02"), "{debug}");
        assert_eq!(client.region(), Some("cn"), "UCLOUDSTACK_REGION wins over UCLOUD_REGION");
        assert!(debug.contains("attempt_timeout: 12.5s"), "{debug}");

        // Explicit settings win over everything.
        let client =
            ClientBuilder::from_lookup(vars(&[("UCLOUD_REGION", "hz"), ("UCLOUD_API_BASE_URL", "http://h/api")]))
                .credentials(Credentials::new("a", "b"))
                .region("explicit")
                .build()
                .unwrap();
        assert_eq!(client.region(), Some("explicit"));
    }

    #[test]
    fn every_missing_or_bad_value_names_where_it_looked() {
        let base = [(env::ENDPOINT, "http://h/api"), (env::PUBLIC_KEY, "p"), (env::PRIVATE_KEY, "s")];
        let err = ClientBuilder::from_lookup(vars(&base)).build().unwrap_err().to_string();
        assert!(err.contains("region") && err.contains("UCLOUDSTACK_REGION") && err.contains("UCLOUD_REGION"), "{err}");

        let half = [
            (env::ENDPOINT, "http://h/api"),
            (env::PUBLIC_KEY, "p"),
            (env::REGION, "cn"),
            ("UCLOUD_PUBLIC_KEY", "u"),
            ("UCLOUD_PRIVATE_KEY", "v"),
        ];
        let err = ClientBuilder::from_lookup(vars(&half)).build().unwrap_err().to_string();
        assert!(err.contains("UCLOUDSTACK_PUBLIC_KEY is set but UCLOUDSTACK_PRIVATE_KEY is not"), "{err}");
        assert!(err.contains("UCLOUD_* and the profiles were not used"), "{err}");

        let bad = [(env::ENDPOINT, "ftp://h"), (env::PUBLIC_KEY, "p"), (env::PRIVATE_KEY, "s"), (env::REGION, "cn")];
        assert_eq!(err_field(ClientBuilder::from_lookup(vars(&bad)).build()), env::ENDPOINT);

        let timeout = [
            ("UCLOUD_API_BASE_URL", "http://h/api"),
            ("UCLOUD_PUBLIC_KEY", "p"),
            ("UCLOUD_PRIVATE_KEY", "s"),
            ("UCLOUD_REGION", "cn"),
            ("UCLOUD_TIMEOUT_SECOND", "soon"),
        ];
        assert_eq!(err_field(ClientBuilder::from_lookup(vars(&timeout)).build()), "UCLOUD_TIMEOUT_SECOND");
        let mut huge = timeout;
        huge[4] = ("UCLOUD_TIMEOUT_SECOND", "1e30");
        assert_eq!(err_field(ClientBuilder::from_lookup(vars(&huge)).build()), "UCLOUD_TIMEOUT_SECOND", "no panic");
    }

    #[test]
    fn a_broken_default_file_cannot_fail_a_client_that_needs_nothing_from_it() {
        let home = std::env::temp_dir().join(format!("ucloudstack-home-{}", std::process::id()));
        std::fs::create_dir_all(home.join(".ucloud")).unwrap();
        std::fs::write(home.join(".ucloud").join("config.json"), "{ not json").unwrap();
        let lookup = vars(&[("HOME", home.to_str().unwrap())]);
        let settled = ClientBuilder::from_lookup(lookup)
            .endpoint("http://h/api")
            .credentials(Credentials::new("p", "s"))
            .region("cn")
            .build();
        assert!(settled.is_ok(), "{settled:?}");
        let needs_files = ClientBuilder::from_lookup(vars(&[("HOME", home.to_str().unwrap())])).build();
        assert!(err_field(needs_files).ends_with("config.json"));
        let _ = std::fs::remove_dir_all(&home);
    }
}
