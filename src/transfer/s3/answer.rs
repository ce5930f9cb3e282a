//! What the S3 service answered: a success, or the failure read from its XML error, never
//! an answer from another host.

use super::error::Retry;
use super::xml::Doc;
use super::{Keys, S3, S3Error};
use bytes::Bytes;

/// The longest body read from an answer that is not a listing: an S3 `<Error>` document is a
/// few hundred bytes, and an UploadPart's 200 has none.
const MAX_ERROR_BODY: usize = 64 << 10;

impl S3 {
    /// The response when it is a success; else the failure, read from S3's XML error. An
    /// answer from another origin than the service's (a redirect followed by a program's own
    /// HTTP client) is refused, and a redirect is a failure: neither is followed nor trusted.
    pub(super) async fn answer(
        &self,
        keys: &Keys,
        op: &str,
        sent: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<reqwest::Response, S3Error> {
        let response = match sent {
            Ok(response) => response,
            // The address holds the signature and the session token: errors leave it out.
            Err(e) => {
                return Err(S3Error {
                    retry: if e.is_builder() { Retry::Never } else { Retry::Soon },
                    source: Some(Box::new(e.without_url())),
                    ..S3Error::new(op, "no answer")
                });
            }
        };
        let status = response.status().as_u16();
        if !crate::client::same_origin(response.url(), &self.bucket_url) {
            let message = format!(
                "the answer came from another host, {}, after a redirect (followed by the HTTP client given to \
                 the crate): it is not taken",
                host_of(response.url())
            );
            return Err(S3Error { status: Some(status), ..S3Error::new(op, message) });
        }
        if response.status().is_redirection() {
            // Host only: the address it names may carry the presigned query.
            let to = response.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok());
            let to = to.and_then(|l| self.bucket_url.join(l).ok());
            let message = match to {
                Some(to) if !crate::client::same_origin(&to, &self.bucket_url) => format!(
                    "the service redirected (HTTP {status}) to another host, {}, and the redirect was not followed",
                    host_of(&to)
                ),
                _ => format!("the service answered a redirect (HTTP {status}) and it was not followed"),
            };
            return Err(S3Error { status: Some(status), ..S3Error::new(op, message) });
        }
        if response.status().is_success() {
            return Ok(response);
        }
        let body = read_capped(op, response, MAX_ERROR_BODY).await.unwrap_or_default();
        Err(failure(keys, op, status, &body))
    }

    /// An UploadPart's 200 read to its end: an S3 `<Error>` document in it is the failure it
    /// says (some services answer 200 and an error), not a part stored.
    pub(super) async fn error_in_200(&self, keys: &Keys, op: &str, response: reqwest::Response) -> Result<(), S3Error> {
        let status = response.status().as_u16();
        // Only an error document decides: a body too long or cut short is left to the
        // ListParts that checks every part before completing.
        match read_capped(op, response, MAX_ERROR_BODY).await {
            Ok(body) if Doc::read(&body, "").is_ok_and(|d| d.root == "Error") => Err(failure(keys, op, status, &body)),
            Ok(_) => Ok(()),
            Err(e) => {
                tracing::debug!(operation = op, error = %e, "the body of S3's 200 was not read to its end");
                Ok(())
            }
        }
    }
}

/// The failure an answer with `status` and `body` (S3's XML error, if any) says, and whether it
/// may be sent again.
fn failure(keys: &Keys, op: &str, status: u16, body: &[u8]) -> S3Error {
    let doc = Doc::read(body, "").ok().filter(|d| d.root == "Error");
    let code = doc.as_ref().and_then(|d| d.field("Code")).filter(|c| !c.is_empty()).map(str::to_owned);
    let message = match doc.as_ref().and_then(|d| d.field("Message")).filter(|m| !m.is_empty()) {
        Some(message) => scrub(keys, message),
        None => format!("HTTP {status}"),
    };
    let retry = match (status, code.as_deref()) {
        (503, _) | (_, Some("SlowDown")) => Retry::Later,
        (429 | 500 | 502 | 504, _) => Retry::Soon,
        (_, Some("RequestTimeout" | "BadDigest" | "IncompleteBody" | "InternalError" | "ServiceUnavailable")) => {
            Retry::Soon
        }
        _ => Retry::Never,
    };
    let message = match &code {
        Some(code) => format!("HTTP {status} {code}: {message}"),
        None => message,
    };
    S3Error { status: Some(status), code, retry, ..S3Error::new(op, message) }
}

/// `host` or `host:port` of `url`: never its path or query.
fn host_of(url: &url::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => "an address without a host".to_owned(),
    }
}

/// `message` without the credentials, should the service echo them, at a readable length.
fn scrub(keys: &Keys, message: &str) -> String {
    let mut text = crate::excerpt::excerpt_of(message.as_bytes(), 300);
    for secret in [Some(&keys.secret_key), keys.token.as_ref()].into_iter().flatten() {
        if !secret.is_empty() {
            text = text.replace(secret.expose(), "***");
        }
    }
    // A presigned address echoed back carries the signature.
    match text.find("X-Amz-") {
        Some(at) => format!("{}***", &text[..at]),
        None => text,
    }
}

/// The body, or an error past `cap` bytes.
pub(super) async fn read_capped(op: &str, mut response: reqwest::Response, cap: usize) -> Result<Bytes, S3Error> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > cap {
                    return Err(S3Error::malformed(op, format!("longer than {cap} bytes")));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body.into()),
            Err(e) => {
                return Err(S3Error {
                    retry: Retry::Soon,
                    source: Some(Box::new(e.without_url())),
                    ..S3Error::new(op, "the answer was cut off")
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::s3::tests::s3;

    #[test]
    fn echoed_credentials_and_signatures_are_scrubbed() {
        let s3 = s3("http://h");
        let text = scrub(&s3.keys(), "bad wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY at /m/k?X-Amz-Signature=abc");
        assert_eq!(text, "bad *** at /m/k?***");
    }
}
