//! A request to the fake's S3 service as it reads it, S3's error answers, and the check of its
//! AWS SigV4 signature, by header or presigned query, as S3 makes it: scope, dates, the
//! credentials S3Login handed out and their session token, the signed headers, the payload
//! hash, then the signature itself.

use super::handler::Shared;
use super::sigv4::{self, ALGORITHM, UNSIGNED};
use super::state::unix_now;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

/// How far a signed request's time may be from the server's, seconds.
const SKEW: i64 = 900;

/// The longest a presigned URL may last: a week.
const MAX_EXPIRES: i64 = 604_800;

/// An S3 error answer: status, code, message, and elements of its own.
#[derive(Debug)]
pub(super) struct S3Error {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub extra: Vec<(&'static str, String)>,
}

pub(super) fn error(status: u16, code: &'static str, message: impl Into<String>) -> S3Error {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    S3Error { status, code, message: message.into(), extra: Vec::new() }
}

impl S3Error {
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.extra.push((name, value.into()));
        self
    }
}

/// One request, as the service reads it.
pub(super) struct S3Request<'a> {
    pub method: &'a Method,
    /// The path as sent, `/s3/...`.
    pub path: &'a str,
    pub bucket: String,
    /// Decoded.
    pub key: String,
    pub query: Vec<(String, String)>,
    pub headers: &'a HeaderMap,
    pub operation: &'static str,
}

impl S3Request<'_> {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    }
}

/// What a signed request carries: from the `Authorization` header or the presigned query.
struct Signed {
    presigned: bool,
    credential: String,
    signed_headers: Vec<String>,
    signature: String,
    amz_date: String,
    /// A presigned URL's `X-Amz-Expires`.
    expires: Option<i64>,
    token: Option<String>,
}

impl Signed {
    /// The error of a malformed signature: its code depends on where it was.
    fn malformed(&self, message: impl Into<String>) -> S3Error {
        if self.presigned {
            error(400, "AuthorizationQueryParametersError", message)
        } else {
            error(
                400,
                "AuthorizationHeaderMalformed",
                format!("The authorization header is malformed; {}", message.into()),
            )
        }
    }
}

fn access_denied(message: &str) -> S3Error {
    error(403, "AccessDenied", message)
}

/// Checks the signature as S3 does, returning the SHA-256 the body must have, if it is signed.
pub(super) fn authenticate(shared: &Shared, request: &S3Request<'_>) -> Result<Option<String>, S3Error> {
    let signed = match (request.header("authorization"), request.param("X-Amz-Algorithm").is_some()) {
        (Some(_), true) => {
            let message = "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature \
                           query string parameter or the Authorization header should be specified";
            return Err(error(400, "InvalidArgument", message));
        }
        (None, false) => return Err(access_denied("Access Denied")),
        (Some(value), false) => from_header(&value, request)?,
        (None, true) => from_query(request)?,
    };
    let date = sigv4::parse_amz_date(&signed.amz_date)
        .ok_or_else(|| access_denied("AWS authentication requires a valid Date or x-amz-date header"))?;
    let scope: Vec<&str> = signed.credential.split('/').collect();
    let [access_key, day, region, service, terminator] = scope[..] else {
        return Err(signed.malformed(
            "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
        ));
    };
    if day != &signed.amz_date[..8] {
        return Err(signed.malformed("Invalid credential date. Date is not the same as X-Amz-Date."));
    }
    let expected_region = &shared.settings.s3_region;
    if region != expected_region {
        let message = format!("the region '{region}' is wrong; expecting '{expected_region}'");
        return Err(signed.malformed(message).with("Region", expected_region.clone()));
    }
    if service != "s3" {
        return Err(signed.malformed(format!("incorrect service \"{service}\". This endpoint belongs to \"s3\".")));
    }
    if terminator != "aws4_request" {
        return Err(
            signed.malformed(format!("incorrect terminal \"{terminator}\". This endpoint uses \"aws4_request\"."))
        );
    }
    if !signed.signed_headers.iter().any(|h| h == "host") {
        return Err(signed.malformed("the signed headers must include host"));
    }
    let now = unix_now();
    match signed.expires {
        None if (now - date).abs() > SKEW => {
            return Err(error(
                403,
                "RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large.",
            )
            .with("RequestTime", signed.amz_date.clone())
            .with("ServerTime", sigv4::iso8601(now))
            .with("MaxAllowedSkewMilliseconds", (SKEW * 1000).to_string()));
        }
        Some(_) if date > now + SKEW => return Err(access_denied("Request is not valid yet")),
        Some(expires) if now > date + expires => {
            return Err(access_denied("Request has expired")
                .with("X-Amz-Expires", expires.to_string())
                .with("Expires", sigv4::iso8601(date + expires))
                .with("ServerTime", sigv4::iso8601(now)));
        }
        _ => {}
    }
    let credential = shared.lock().s3.credentials.get(access_key).cloned();
    let Some(credential) = credential else {
        return Err(error(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        )
        .with("AWSAccessKeyId", access_key));
    };
    let sent_token = signed.token.as_deref().unwrap_or_default();
    if sent_token != credential.session_token {
        return Err(error(403, "InvalidToken", "The provided token is malformed or otherwise invalid."));
    }
    if std::time::Instant::now() >= credential.expires {
        return Err(error(400, "ExpiredToken", "The provided token has expired."));
    }
    let unsigned: Vec<&str> = request
        .headers
        .keys()
        .map(HeaderName::as_str)
        .filter(|name| name.starts_with("x-amz-") && !signed.signed_headers.iter().any(|h| h == name))
        .collect();
    if !unsigned.is_empty() {
        return Err(access_denied("There were headers present in the request which were not signed")
            .with("HeadersNotSigned", unsigned.join(", ")));
    }
    let payload = match request.header("x-amz-content-sha256") {
        Some(value) => value,
        None if signed.presigned => UNSIGNED.to_owned(),
        None => {
            let message = "Missing required header for this request: x-amz-content-sha256";
            return Err(error(400, "InvalidRequest", message));
        }
    };
    let digest = payload.len() == 64 && payload.bytes().all(|b| b.is_ascii_hexdigit());
    if payload.starts_with("STREAMING-") {
        let message = format!("the fake S3 service does not take aws-chunked bodies ({payload})");
        return Err(error(501, "NotImplemented", message));
    }
    if payload != UNSIGNED && !digest {
        let message = "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid \
                       sha256 value.";
        return Err(error(400, "InvalidArgument", message));
    }

    let headers: Vec<(String, String)> = signed
        .signed_headers
        .iter()
        .map(|name| {
            let values = request.headers.get_all(name.as_str()).iter().map(HeaderValue::as_bytes);
            (name.clone(), sigv4::canonical_value(values))
        })
        .collect();
    let skip = signed.presigned.then_some("X-Amz-Signature");
    let query = sigv4::canonical_query(&request.query, skip);
    let canonical = sigv4::canonical_request(
        request.method.as_str(),
        &sigv4::canonical_uri(request.path),
        &query,
        &headers,
        &payload,
    );
    let scope = format!("{day}/{region}/{service}/{terminator}");
    let to_sign = sigv4::string_to_sign(&signed.amz_date, &scope, &canonical);
    let expected = sigv4::signature(&credential.secret_key, day, region, service, &to_sign);
    if !sigv4::same(&expected, &signed.signature) {
        // As S3 does, the answer shows what was signed; the session token is not repeated.
        let mut shown = canonical;
        if !sent_token.is_empty() {
            shown = shown.replace(sent_token, "***").replace(&sigv4::uri_encode(sent_token.as_bytes(), false), "***");
        }
        let message = "The request signature we calculated does not match the signature you provided. Check your \
                       key and signing method.";
        return Err(error(403, "SignatureDoesNotMatch", message)
            .with("AWSAccessKeyId", access_key)
            .with("StringToSign", to_sign)
            .with("SignatureProvided", signed.signature.clone())
            .with("CanonicalRequest", shown));
    }
    Ok(digest.then(|| payload.to_ascii_lowercase()))
}

/// `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
fn from_header(value: &str, request: &S3Request<'_>) -> Result<Signed, S3Error> {
    let Some(fields) = value.strip_prefix(ALGORITHM) else {
        let message = "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.";
        return Err(error(400, "InvalidRequest", message));
    };
    let field = |name: &str| {
        fields.split(',').map(str::trim).find_map(|part| part.strip_prefix(name)?.strip_prefix('=')).map(str::to_owned)
    };
    let mut signed = Signed {
        presigned: false,
        credential: String::new(),
        signed_headers: Vec::new(),
        signature: String::new(),
        amz_date: request.header("x-amz-date").unwrap_or_default(),
        expires: None,
        token: request.header("x-amz-security-token"),
    };
    let (Some(credential), Some(headers), Some(signature)) =
        (field("Credential"), field("SignedHeaders"), field("Signature"))
    else {
        return Err(signed.malformed("it must hold Credential, SignedHeaders and Signature"));
    };
    signed.credential = credential;
    signed.signed_headers = headers.split(';').map(str::to_owned).collect();
    signed.signature = signature;
    Ok(signed)
}

/// `X-Amz-Algorithm`, `X-Amz-Credential`, ... in the query.
fn from_query(request: &S3Request<'_>) -> Result<Signed, S3Error> {
    let bad = |message: &str| error(400, "AuthorizationQueryParametersError", message);
    if request.param("X-Amz-Algorithm") != Some(ALGORITHM) {
        return Err(bad("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\""));
    }
    let names = ["X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"];
    let [Some(credential), Some(amz_date), Some(expires), Some(headers), Some(signature)] =
        names.map(|name| request.param(name))
    else {
        return Err(bad("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, \
                        X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."));
    };
    let expires = match expires.parse::<i64>() {
        Ok(n) if (1..=MAX_EXPIRES).contains(&n) => n,
        Ok(n) if n > MAX_EXPIRES => {
            return Err(bad("X-Amz-Expires must be less than a week (in seconds) that is 604800"));
        }
        _ => return Err(bad("X-Amz-Expires should be a number greater than zero")),
    };
    Ok(Signed {
        presigned: true,
        credential: credential.to_owned(),
        signed_headers: headers.split(';').map(str::to_owned).collect(),
        signature: signature.to_owned(),
        amz_date: amz_date.to_owned(),
        expires: Some(expires),
        token: request.param("X-Amz-Security-Token").map(str::to_owned),
    })
}
