//! The S3 half of an upload: the platform's own S3 service (MinIO, inferred from its upload
//! ids), path-style (`{Endpoint}/{Bucket}/{Key}`), every request presigned with SigV4 by
//! rusty-s3's signer with the session token (`SessionID`) among what is signed.

mod answer;
mod error;
mod list;
mod xml;

use error::Retry;
pub use error::S3Error;

use super::meter::Meter;
use crate::SecretString;
use base64::Engine;
use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rusty_s3::Method;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;
use url::Url;

/// How long a presigned request stays valid: each attempt is signed afresh.
const PRESIGN_SECONDS: u64 = 15 * 60;
/// The longest object key S3 takes, in bytes.
pub(crate) const MAX_KEY: usize = 1024;
/// How many times one S3 request is tried before it fails.
pub(crate) const S3_TRIES: u32 = 5;

/// What S3 leaves unencoded in a path segment: RFC 3986's unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// A part the service holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RemotePart {
    pub(crate) size: u64,
    /// The ETag, unquoted: the part's MD5 in hex on MinIO and S3.
    pub(crate) etag: String,
}

/// The credentials and address of the platform's S3 service, from S3Login.
pub(crate) struct S3 {
    http: reqwest::Client,
    /// `{Endpoint}/{Bucket}`.
    bucket_url: Url,
    /// The credentials requests are signed with now: replaced when they expire.
    keys: RwLock<Arc<Keys>>,
    region: String,
    renew: Option<Renew>,
    /// One renewal at a time: parts that find the credentials expired together log in once.
    renewing: tokio::sync::Mutex<()>,
}

impl fmt::Debug for S3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3")
            .field("bucket_url", &self.bucket_url.as_str())
            .field("access_key", &self.keys().access_key)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// S3Login's credentials; `generation` counts the renewals before them.
pub(crate) struct Keys {
    access_key: String,
    secret_key: SecretString,
    token: Option<SecretString>,
    generation: u64,
}

impl Keys {
    /// The keys of an S3Login answer, if it has them.
    pub(crate) fn new(
        access_key: &str,
        secret_key: &SecretString,
        token: Option<&SecretString>,
    ) -> Result<Keys, String> {
        if access_key.trim().is_empty() || secret_key.expose().is_empty() {
            return Err("S3Login answered no AccessKey or SecretKey".into());
        }
        Ok(Keys {
            access_key: access_key.trim().to_owned(),
            secret_key: secret_key.clone(),
            token: token.filter(|t| !t.is_empty()).cloned(),
            generation: 0,
        })
    }
}

/// Logs in again (S3Login) for fresh credentials, when the service says they expired.
pub(crate) type Renew = Box<
    dyn Fn() -> std::pin::Pin<Box<dyn Future<Output = Result<Keys, Box<dyn std::error::Error + Send + Sync>>> + Send>>
        + Send
        + Sync,
>;

/// S3Login's answer, as the S3 half needs it.
pub(crate) struct Login<'a> {
    pub(crate) endpoint: &'a str,
    pub(crate) bucket: &'a str,
    pub(crate) access_key: &'a str,
    pub(crate) secret_key: &'a SecretString,
    pub(crate) token: Option<&'a SecretString>,
}

impl S3 {
    /// The service at `login.endpoint` (`default_scheme` when it names none), signing for
    /// `region`.
    pub(crate) fn new(
        http: reqwest::Client,
        login: Login<'_>,
        default_scheme: &str,
        region: &str,
    ) -> Result<S3, String> {
        let endpoint = login.endpoint.trim();
        if endpoint.is_empty() {
            return Err("S3Login answered no Endpoint".into());
        }
        let text =
            if endpoint.contains("://") { endpoint.to_owned() } else { format!("{default_scheme}://{endpoint}") };
        let mut url = Url::parse(&text).map_err(|e| format!("S3Login's Endpoint is not an address: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err("S3Login's Endpoint is not an http or https address with a host".into());
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
            return Err("S3Login's Endpoint has a query, a fragment or a user: only a base address works".into());
        }
        let bucket = login.bucket.trim();
        let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
        if bucket.is_empty() || bucket.len() > 255 || !bucket.chars().all(valid) || bucket.chars().all(|c| c == '.') {
            return Err(format!("S3Login's Bucket {bucket:?} is not a bucket name"));
        }
        let keys = Keys::new(login.access_key, login.secret_key, login.token)?;
        let path = format!("{}/{}", url.path().trim_end_matches('/'), utf8_percent_encode(bucket, SEGMENT));
        url.set_path(&path);
        Ok(S3 {
            http,
            bucket_url: url,
            keys: RwLock::new(Arc::new(keys)),
            region: region.to_owned(),
            renew: None,
            renewing: tokio::sync::Mutex::new(()),
        })
    }

    /// Logs in again with `renew` when a request is refused for expired credentials (S3's
    /// `ExpiredToken`, `TokenRefreshRequired`, or `InvalidAccessKeyId` once the service forgot
    /// them), then sends it again, once per request.
    pub(crate) fn with_renewal(mut self, renew: Renew) -> S3 {
        self.renew = Some(renew);
        self
    }

    fn keys(&self) -> Arc<Keys> {
        self.keys.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Fresh credentials in place of `expired`'s, unless another request renewed them since.
    async fn renew(&self, expired: &Keys) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let Some(renew) = &self.renew else { return Err("no way to log in again".into()) };
        let _one_at_a_time = self.renewing.lock().await;
        if self.keys().generation != expired.generation {
            return Ok(());
        }
        let mut keys = renew().await?;
        keys.generation = expired.generation + 1;
        tracing::debug!(access_key = %keys.access_key, "S3 credentials expired; logged in again");
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
        Ok(())
    }

    /// `{Endpoint}/{Bucket}/{Key}`, each segment of the key encoded as S3 canonicalizes it.
    pub(crate) fn object_url(&self, key: &str) -> Result<Url, String> {
        check_key(key)?;
        let mut url = self.bucket_url.clone();
        let mut path = url.path().to_owned();
        for segment in key.split('/') {
            path.push('/');
            path.extend(utf8_percent_encode(segment, SEGMENT));
        }
        url.set_path(&path);
        Ok(url)
    }

    /// `url` presigned with `keys` for `method` with `query` and the signed `headers`
    /// (lowercase names).
    fn presign(&self, keys: &Keys, method: Method, url: Url, query: &[(&str, &str)], headers: &[(&str, &str)]) -> Url {
        let mut query = query.to_vec();
        query.sort_unstable();
        let mut headers = headers.to_vec();
        headers.sort_unstable();
        rusty_s3::signing::sign(
            &jiff::Timestamp::now(),
            method,
            url,
            &keys.access_key,
            keys.secret_key.expose(),
            keys.token.as_ref().map(SecretString::expose),
            &self.region,
            PRESIGN_SECONDS,
            query.into_iter(),
            headers.into_iter(),
        )
    }

    /// Sends part `number` (its bytes and their MD5), tried again after a failure that did
    /// not refuse it. `meter` counts the bytes as they leave, and takes back those of a failed
    /// attempt. The ETag answered, unquoted and lowercase: a 200 is proof enough, as the
    /// service checked the signed `Content-MD5`, so an ETag that is not the MD5 (SSE-KMS) is
    /// logged, not refused.
    pub(crate) async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        number: u32,
        body: Bytes,
        md5: [u8; 16],
        meter: &Arc<Meter>,
    ) -> Result<Option<String>, S3Error> {
        let op = &format!("UploadPart {number}");
        let url = &self.object_url(key).map_err(|e| S3Error::new(op, e))?;
        let content_md5 = &base64::engine::general_purpose::STANDARD.encode(md5);
        let number = &number.to_string();
        // A part that moves slower than 256 KiB/s is given up and sent again.
        let timeout = Duration::from_secs(120 + body.len() as u64 / (256 << 10));
        let (hex, body) = (&hex(&md5), &body);
        self.retrying(op, |keys| async move {
            let query = [("partNumber", number.as_str()), ("uploadId", upload_id)];
            let signed =
                self.presign(&keys, Method::Put, url.clone(), &query, &[("content-md5", content_md5.as_str())]);
            let attempt = meter.attempt(body.len() as u64);
            let request = self
                .http
                .put(signed)
                .header("content-md5", content_md5.as_str())
                .timeout(timeout)
                .body(reqwest::Body::wrap(attempt.body(body.clone())));
            let outcome = match self.answer(&keys, op, request.send().await).await {
                Ok(response) => {
                    let etag = response.headers().get(reqwest::header::ETAG).and_then(|v| v.to_str().ok());
                    let etag = etag.map(|e| e.trim().trim_matches('"').to_ascii_lowercase()).filter(|e| !e.is_empty());
                    // A 200 whose body is an S3 error stored nothing.
                    self.error_in_200(&keys, op, response).await.map(|()| etag)
                }
                Err(e) => Err(e),
            };
            // The service checked the signed Content-MD5 before its 200: an ETag that is not the
            // MD5 is its own (SSE-KMS, SSE-C), not other bytes.
            if let Ok(Some(etag)) = outcome.as_ref().map(|e| e.as_deref().filter(|e| *e != hex.as_str())) {
                tracing::warn!(operation = op, etag, md5 = hex.as_str(), "S3 took the part; its ETag is not the MD5");
            }
            match &outcome {
                Ok(_) => attempt.landed(),
                Err(_) => attempt.failed(),
            }
            outcome
        })
        .await
    }

    /// `attempt` (given the credentials to sign with) until it succeeds, fails for good, or was
    /// tried [`S3_TRIES`] times; backs off between tries, longer when the service asked to
    /// slow down. Credentials that expired are renewed once, and the request sent again at
    /// once.
    async fn retrying<T, F, Fut>(&self, op: &str, mut attempt: F) -> Result<T, S3Error>
    where
        F: FnMut(Arc<Keys>) -> Fut,
        Fut: Future<Output = Result<T, S3Error>>,
    {
        let (mut tries, mut renewed) = (0, false);
        loop {
            tries += 1;
            let keys = self.keys();
            match attempt(keys.clone()).await {
                Ok(value) => return Ok(value),
                Err(mut error) if error.is_expired_credentials() && !renewed && self.renew.is_some() => {
                    renewed = true;
                    if let Err(cause) = self.renew(&keys).await {
                        error.message = format!("{}; logging in again (S3Login) failed", error.message);
                        error.source = Some(cause);
                        error.attempts = tries;
                        return Err(error);
                    }
                }
                Err(mut error) if error.retry == Retry::Never || tries >= S3_TRIES => {
                    error.attempts = tries;
                    return Err(error);
                }
                Err(error) => {
                    let base = if error.retry == Retry::Later { 1000 } else { 200 };
                    let pause = base * (1u64 << (tries - 1).min(6));
                    let pause = Duration::from_millis(pause / 2 + fastrand::u64(0..=pause / 2));
                    tracing::debug!(operation = op, tries, %error, ?pause, "S3 request failed; trying again");
                    tokio::time::sleep(pause).await;
                }
            }
        }
    }
}

/// Whether a request can name `key` path-style: a `.` or `..` segment would be folded away by
/// any URL parser, a leading `/` would leave the bucket. S3 keys are 1 to 1,024 bytes.
pub(crate) fn check_key(key: &str) -> Result<(), String> {
    if key.len() > MAX_KEY {
        // Not echoed: it may be huge.
        return Err(format!("must be at most {MAX_KEY} bytes (S3's limit), got {}", key.len()));
    }
    if key.is_empty() || key.starts_with('/') || key.split('/').any(|s| s == "." || s == "..") {
        return Err(format!("the object key {key:?} cannot be addressed path-style"));
    }
    Ok(())
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn s3(endpoint: &str) -> S3 {
        let secret = SecretString::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        let login =
            Login { endpoint, bucket: "mirror", access_key: "AKIAIOSFODNN7EXAMPLE", secret_key: &secret, token: None };
        S3::new(reqwest::Client::new(), login, "http", "us-east-1").unwrap()
    }

    #[test]
    fn keys_are_addressed_under_the_endpoint_path_with_s3_encoding() {
        let s3 = s3("http://127.0.0.1:9000/s3/");
        let url = s3.object_url("images/cn-image-1/web 镜像+v1.qcow2").unwrap();
        assert_eq!(url.path(), "/s3/mirror/images/cn-image-1/web%20%E9%95%9C%E5%83%8F%2Bv1.qcow2");
        assert_eq!(s3.object_url("a//b~c").unwrap().path(), "/s3/mirror/a//b~c");
        for bad in ["", "/etc/passwd", "a/../b", "./a", "a/."] {
            assert!(s3.object_url(bad).is_err(), "{bad}");
        }
        assert_eq!(self::s3("10.0.0.1:9000").bucket_url.as_str(), "http://10.0.0.1:9000/mirror");
    }

    /// AWS's documented presigned GET (examplebucket, test.txt, 24 May 2013, 86400 s): the
    /// signer produces its signature from the same inputs.
    #[test]
    fn the_signer_matches_aws_documented_presigned_example() {
        let date = jiff::Timestamp::from_second(1_369_353_600).unwrap();
        let url = Url::parse("https://examplebucket.s3.amazonaws.com/test.txt").unwrap();
        let signed = rusty_s3::signing::sign(
            &date,
            Method::Get,
            url,
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            None,
            "us-east-1",
            86400,
            std::iter::empty(),
            std::iter::empty(),
        );
        assert!(
            signed
                .as_str()
                .ends_with("X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        );
    }
}
