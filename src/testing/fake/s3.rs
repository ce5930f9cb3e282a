//! The fake's S3 service under `/s3/`, path-style (`/s3/<bucket>/<key>`): the multipart
//! operations of an image upload (ListMultipartUploads, UploadPart, ListParts,
//! AbortMultipartUpload) and HeadBucket; a HEAD or GET of an object is `NoSuchKey` (the fake
//! keeps no objects), anything else `NotImplemented`. Every request is SigV4-checked first
//! (`s3auth`). A part's body streams through MD5 (and SHA-256 when it is signed) and is never
//! kept.

use super::content::{base64_decode, hex};
use super::download::Reply;
use super::handler::Shared;
use super::s3auth::{S3Error, S3Request, authenticate, error};
use super::sigv4;
use super::state::{S3Fault, S3Part, S3Upload, unix_now};
use super::transfer::BUCKET;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use http_body_util::{BodyExt, Either, Full};
use hyper::Request;
use hyper::body::Incoming;
use md5::{Digest as _, Md5};
use sha2::{Digest as _, Sha256};
use std::sync::Arc;

/// The paths the service answers (but `/s3/download`, the file server).
pub(super) const PREFIX: &str = "/s3/";

/// The largest part S3 takes: 5 GiB.
const MAX_PART: u64 = 5 << 30;

/// The most a list answers.
const PAGE: usize = 1000;

/// The connection is closed without an answer ([`S3Fault::ResetMidBody`], or a body cut off).
#[derive(Debug)]
pub(super) struct Cut;

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the fake S3 service closed the connection without answering")
    }
}

impl std::error::Error for Cut {}

enum Failure {
    Answer(S3Error),
    Cut,
}

impl From<S3Error> for Failure {
    fn from(error: S3Error) -> Self {
        Failure::Answer(error)
    }
}

impl From<Cut> for Failure {
    fn from(_: Cut) -> Self {
        Failure::Cut
    }
}

fn no_such_upload() -> S3Error {
    let message = "The specified upload does not exist. The upload ID may be invalid, or the upload may have been \
                   aborted or completed.";
    error(404, "NoSuchUpload", message)
}

/// The operation a request asks for, by method, path and subresource.
fn operation(method: &Method, bucket: &str, key: &str, query: &[(String, String)]) -> &'static str {
    let has = |name: &str| query.iter().any(|(k, _)| k == name);
    if bucket.is_empty() {
        return if method == Method::GET { "ListBuckets" } else { "Unknown" };
    }
    match (method.as_str(), key.is_empty()) {
        ("GET", true) if has("uploads") => "ListMultipartUploads",
        ("GET", true) => "ListObjects",
        ("HEAD", true) => "HeadBucket",
        ("PUT", false) if has("partNumber") && has("uploadId") => "UploadPart",
        ("PUT", false) => "PutObject",
        ("GET", false) if has("uploadId") => "ListParts",
        ("GET", false) => "GetObject",
        ("HEAD", false) => "HeadObject",
        ("DELETE", false) if has("uploadId") => "AbortMultipartUpload",
        ("DELETE", false) => "DeleteObject",
        ("POST", false) if has("uploads") => "CreateMultipartUpload",
        ("POST", false) if has("uploadId") => "CompleteMultipartUpload",
        _ => "Unknown",
    }
}

pub(super) async fn serve(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Reply, Cut> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path();
    let rest = path.strip_prefix(PREFIX).unwrap_or_default();
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    let decode = |text: &str| String::from_utf8_lossy(&sigv4::percent_decode(text)).into_owned();
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes()).into_owned().collect();
    let (bucket, key) = (decode(bucket), decode(key));
    let operation = operation(&parts.method, &bucket, &key, &query);
    let request = S3Request { method: &parts.method, path, bucket, key, query, headers: &parts.headers, operation };
    let fault = {
        let mut state = shared.lock();
        *state.s3.counts.entry(operation).or_default() += 1;
        if operation == "UploadPart" { state.s3.next_fault() } else { None }
    };
    let outcome = handle(&shared, &request, body, fault).await;
    let latency = shared.settings.latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let request_id = format!("{:016X}", fastrand::u64(..));
    let head = request.method == Method::HEAD;
    match outcome {
        Ok(mut reply) => {
            insert(&mut reply, "x-amz-request-id", &request_id);
            Ok(reply)
        }
        Err(Failure::Answer(error)) => Ok(error_reply(head, error, &request, &request_id)),
        Err(Failure::Cut) => Err(Cut),
    }
}

async fn handle(
    shared: &Shared,
    request: &S3Request<'_>,
    mut body: Incoming,
    fault: Option<S3Fault>,
) -> Result<Reply, Failure> {
    match fault {
        Some(S3Fault::SlowDown) => {
            drain(&mut body).await?;
            return Err(error(503, "SlowDown", "Please reduce your request rate.").into());
        }
        Some(S3Fault::InternalError) => {
            drain(&mut body).await?;
            return Err(error(500, "InternalError", "We encountered an internal error. Please try again.").into());
        }
        Some(S3Fault::ResetMidBody) => {
            let half = content_length(request.headers).unwrap_or(0) / 2;
            let _ = read(&mut body, Some(half.max(1)), false).await;
            return Err(Failure::Cut);
        }
        Some(S3Fault::CorruptPart) | None => {}
    }
    let payload = match authenticate(shared, request) {
        Ok(payload) => payload,
        Err(error) => {
            drain(&mut body).await?;
            return Err(error.into());
        }
    };
    let supported = [
        "ListMultipartUploads",
        "HeadBucket",
        "UploadPart",
        "ListParts",
        "GetObject",
        "HeadObject",
        "AbortMultipartUpload",
    ];
    if !supported.contains(&request.operation) {
        drain(&mut body).await?;
        let message = format!(
            "A header or query you provided implies functionality that is not implemented: the fake S3 service \
             does not implement {} (only {})",
            request.operation,
            supported.join(", ")
        );
        return Err(error(501, "NotImplemented", message).into());
    }
    if request.bucket != BUCKET {
        drain(&mut body).await?;
        return Err(error(404, "NoSuchBucket", "The specified bucket does not exist")
            .with("BucketName", request.bucket.clone())
            .into());
    }
    if request.operation == "UploadPart" {
        return upload_part(shared, request, body, payload, fault == Some(S3Fault::CorruptPart)).await;
    }
    drain(&mut body).await?;
    match request.operation {
        "ListMultipartUploads" => list_uploads(shared, request),
        "ListParts" => list_parts(shared, request),
        "AbortMultipartUpload" => abort(shared, request),
        "HeadBucket" => Ok(reply(StatusCode::OK, None)),
        _ => Err(error(404, "NoSuchKey", "The specified key does not exist.").with("Key", request.key.clone()).into()),
    }
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// What came of a body: its length, MD5, and SHA-256 (hex) when asked for.
struct Received {
    length: u64,
    md5: [u8; 16],
    sha256: Option<String>,
}

/// Streams a body through the hashes, frame by frame, keeping none of it; stops after `limit`
/// bytes when given. A body cut off is a connection gone: nobody to answer.
async fn read(body: &mut Incoming, limit: Option<u64>, sha256: bool) -> Result<Received, Cut> {
    let (mut md5, mut sha) = (Md5::new(), sha256.then(Sha256::new));
    let mut length = 0u64;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(|_| Cut)?.into_data() else { continue };
        md5.update(&data);
        if let Some(sha) = &mut sha {
            sha.update(&data);
        }
        length += data.len() as u64;
        if limit.is_some_and(|limit| length >= limit) {
            break;
        }
    }
    Ok(Received { length, md5: md5.finalize().into(), sha256: sha.map(|sha| hex(&sha.finalize())) })
}

/// Reads a body to its end before an answer, so that the client, still sending, reads the
/// answer instead of a reset connection.
async fn drain(body: &mut Incoming) -> Result<(), Cut> {
    while let Some(frame) = body.frame().await {
        frame.map_err(|_| Cut)?;
    }
    Ok(())
}

/// The in-progress upload `upload_id` of the request's key.
fn find<'a>(uploads: &'a mut [S3Upload], request: &S3Request<'_>, upload_id: &str) -> Option<&'a mut S3Upload> {
    uploads.iter_mut().find(|u| u.upload_id == upload_id && u.key == request.key && !u.completed)
}

async fn upload_part(
    shared: &Shared,
    request: &S3Request<'_>,
    mut body: Incoming,
    payload: Option<String>,
    corrupt: bool,
) -> Result<Reply, Failure> {
    let sent = request.param("partNumber").unwrap_or_default();
    let Some(number) = sent.parse::<u32>().ok().filter(|n| (1..=10_000).contains(n)) else {
        drain(&mut body).await?;
        return Err(error(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive")
            .with("ArgumentName", "partNumber")
            .with("ArgumentValue", sent)
            .into());
    };
    let upload_id = request.param("uploadId").unwrap_or_default();
    match content_length(request.headers) {
        None => {
            drain(&mut body).await?;
            return Err(error(411, "MissingContentLength", "You must provide the Content-Length HTTP header.").into());
        }
        // Not read: a client sending more than 5 GiB is answered at once.
        Some(length) if length > MAX_PART => {
            return Err(error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
                .with("ProposedSize", length.to_string())
                .with("MaxSizeAllowed", MAX_PART.to_string())
                .into());
        }
        Some(_) => {}
    }
    let content_md5 = match request.header("content-md5") {
        None => None,
        Some(value) => match base64_decode(value.trim()).and_then(|d| <[u8; 16]>::try_from(d).ok()) {
            Some(digest) => Some(digest),
            None => {
                drain(&mut body).await?;
                return Err(error(400, "InvalidDigest", "The Content-MD5 you specified was invalid.").into());
            }
        },
    };
    if find(&mut shared.lock().s3.uploads, request, upload_id).is_none() {
        drain(&mut body).await?;
        return Err(no_such_upload().with("UploadId", upload_id).into());
    }
    let mut received = read(&mut body, None, payload.is_some()).await?;
    if corrupt {
        // A bit flipped on the way: what arrived is not what was sent.
        received.md5[0] ^= 1;
        received.sha256 = received.sha256.map(|_| sigv4::sha256_hex(b"corrupted in transit"));
    }
    if content_md5.is_some_and(|sent| sent != received.md5) {
        return Err(error(400, "BadDigest", "The Content-MD5 you specified did not match what we received.").into());
    }
    if let (Some(sent), Some(computed)) = (payload, received.sha256)
        && sent != computed
    {
        let message = "The provided 'x-amz-content-sha256' header does not match what was computed.";
        return Err(error(400, "XAmzContentSHA256Mismatch", message)
            .with("ClientComputedContentSHA256", sent)
            .with("S3ComputedContentSHA256", computed)
            .into());
    }
    let mut state = shared.lock();
    // Aborted or completed while the body came.
    let upload = find(&mut state.s3.uploads, request, upload_id).ok_or_else(no_such_upload)?;
    let part = S3Part { size: received.length, md5: received.md5, modified: unix_now() };
    upload.parts.insert(number, part);
    let mut answer = reply(StatusCode::OK, None);
    insert(&mut answer, "etag", &format!("\"{}\"", hex(&received.md5)));
    Ok(answer)
}

/// `max-uploads` or `max-parts`: at most 1000.
fn max_param(request: &S3Request<'_>, name: &str) -> Result<usize, S3Error> {
    match request.param(name) {
        None => Ok(PAGE),
        Some(text) => match text.parse::<i64>() {
            Ok(n) if n >= 0 => Ok(usize::try_from(n).unwrap_or(PAGE).min(PAGE)),
            _ => Err(error(400, "InvalidArgument", format!("Provided {name} not an integer or within integer range"))
                .with("ArgumentName", name)
                .with("ArgumentValue", text)),
        },
    }
}

/// `encoding-type=url`: keys in the answer are URL-encoded.
fn url_encoded(request: &S3Request<'_>) -> Result<bool, S3Error> {
    match request.param("encoding-type") {
        None => Ok(false),
        Some("url") => Ok(true),
        Some(other) => Err(error(400, "InvalidArgument", "Invalid Encoding Method specified in Request")
            .with("ArgumentName", "encoding-type")
            .with("ArgumentValue", other)),
    }
}

const XMLNS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";
const OWNER: &str = "<ID>fake-owner</ID><DisplayName>fake</DisplayName>";

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn element(name: &str, value: &str) -> String {
    format!("<{name}>{}</{name}>", escape(value))
}

/// Uploads in order of key, then upload id, after the markers; as MinIO, only those of the key
/// `prefix` names when [`lists_uploads_only_by_key`](super::FakeBuilder::lists_uploads_only_by_key).
fn list_uploads(shared: &Shared, request: &S3Request<'_>) -> Result<Reply, Failure> {
    let max = max_param(request, "max-uploads")?;
    let encode = url_encoded(request)?;
    if request.param("delimiter").is_some_and(|d| !d.is_empty()) {
        return Err(error(501, "NotImplemented", "the fake S3 service does not group uploads by a delimiter").into());
    }
    let key_marker = request.param("key-marker").unwrap_or_default();
    let id_marker = request.param("upload-id-marker").filter(|_| !key_marker.is_empty());
    let prefix = request.param("prefix").unwrap_or_default();
    let key = |key: &str| if encode { sigv4::uri_encode(key.as_bytes(), true) } else { key.to_owned() };
    let by_key = shared.settings.s3_lists_uploads_only_by_key;
    let state = shared.lock();
    let mut listed: Vec<&S3Upload> = state
        .s3
        .uploads
        .iter()
        .filter(|u| !u.completed && if by_key { u.key == prefix } else { u.key.starts_with(prefix) })
        .filter(|u| match id_marker {
            _ if key_marker.is_empty() => true,
            Some(id) => u.key.as_str() > key_marker || (u.key == key_marker && u.upload_id.as_str() > id),
            None => u.key.as_str() > key_marker,
        })
        .collect();
    listed.sort_by(|a, b| (&a.key, &a.upload_id).cmp(&(&b.key, &b.upload_id)));
    let truncated = listed.len() > max;
    listed.truncate(max);
    let last = listed.last();
    let mut xml = format!("<ListMultipartUploadsResult xmlns=\"{XMLNS}\">{}", element("Bucket", BUCKET));
    xml += &element("KeyMarker", &key(key_marker));
    xml += &element("UploadIdMarker", id_marker.unwrap_or_default());
    xml += &element("NextKeyMarker", &last.map(|u| key(&u.key)).unwrap_or_default());
    xml += &element("NextUploadIdMarker", last.map(|u| u.upload_id.as_str()).unwrap_or_default());
    if !prefix.is_empty() {
        xml += &element("Prefix", &key(prefix));
    }
    if encode {
        xml += "<EncodingType>url</EncodingType>";
    }
    xml += &element("MaxUploads", &max.to_string());
    xml += &element("IsTruncated", &truncated.to_string());
    for upload in listed {
        xml += "<Upload>";
        xml += &element("Key", &key(&upload.key));
        xml += &element("UploadId", &upload.upload_id);
        xml += &format!("<Initiator>{OWNER}</Initiator><Owner>{OWNER}</Owner><StorageClass>STANDARD</StorageClass>");
        xml += &element("Initiated", &sigv4::iso8601(upload.initiated));
        xml += "</Upload>";
    }
    xml += "</ListMultipartUploadsResult>";
    Ok(reply(StatusCode::OK, Some(xml)))
}

/// Parts in order of number, after `part-number-marker`.
fn list_parts(shared: &Shared, request: &S3Request<'_>) -> Result<Reply, Failure> {
    let max = max_param(request, "max-parts")?;
    let encode = url_encoded(request)?;
    let marker = match request.param("part-number-marker") {
        None => 0,
        Some(text) => text.parse::<u32>().map_err(|_| {
            error(400, "InvalidArgument", "Provided part-number-marker not an integer or within integer range")
                .with("ArgumentName", "part-number-marker")
                .with("ArgumentValue", text)
        })?,
    };
    let upload_id = request.param("uploadId").unwrap_or_default();
    let mut state = shared.lock();
    let upload =
        find(&mut state.s3.uploads, request, upload_id).ok_or_else(|| no_such_upload().with("UploadId", upload_id))?;
    let parts: Vec<(&u32, &S3Part)> = upload.parts.range(marker.saturating_add(1)..).collect();
    let truncated = parts.len() > max;
    let parts = &parts[..parts.len().min(max)];
    let next = parts.last().map_or(marker, |(n, _)| **n);
    let key = if encode { sigv4::uri_encode(upload.key.as_bytes(), true) } else { upload.key.clone() };
    let mut xml = format!("<ListPartsResult xmlns=\"{XMLNS}\">{}", element("Bucket", BUCKET));
    xml += &element("Key", &key);
    xml += &element("UploadId", &upload.upload_id);
    if encode {
        xml += "<EncodingType>url</EncodingType>";
    }
    xml += &format!("<Initiator>{OWNER}</Initiator><Owner>{OWNER}</Owner><StorageClass>STANDARD</StorageClass>");
    xml += &element("PartNumberMarker", &marker.to_string());
    xml += &element("NextPartNumberMarker", &next.to_string());
    xml += &element("MaxParts", &max.to_string());
    xml += &element("IsTruncated", &truncated.to_string());
    for (number, part) in parts {
        xml += "<Part>";
        xml += &element("PartNumber", &number.to_string());
        xml += &element("LastModified", &sigv4::iso8601(part.modified));
        xml += &element("ETag", &format!("\"{}\"", hex(&part.md5)));
        xml += &element("Size", &part.size.to_string());
        xml += "</Part>";
    }
    xml += "</ListPartsResult>";
    Ok(reply(StatusCode::OK, Some(xml)))
}

/// Drops an in-progress upload and its parts: 204.
fn abort(shared: &Shared, request: &S3Request<'_>) -> Result<Reply, Failure> {
    let upload_id = request.param("uploadId").unwrap_or_default();
    let mut state = shared.lock();
    let uploads = &mut state.s3.uploads;
    let before = uploads.len();
    uploads.retain(|u| !(u.upload_id == upload_id && u.key == request.key && !u.completed));
    if uploads.len() == before {
        return Err(no_such_upload().with("UploadId", upload_id).into());
    }
    Ok(reply(StatusCode::NO_CONTENT, None))
}

/// An answer: XML (with its declaration) or nothing.
fn reply(status: StatusCode, xml: Option<String>) -> Reply {
    let body = match &xml {
        Some(xml) => format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{xml}"),
        None => String::new(),
    };
    let mut response = hyper::Response::new(Either::Left(Full::new(Bytes::from(body))));
    *response.status_mut() = status;
    if xml.is_some() {
        insert(&mut response, "content-type", "application/xml");
    }
    response
}

fn insert(response: &mut Reply, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(HeaderName::from_static(name), value);
    }
}

/// `<Error>` with the code, message, the error's own elements, resource and request id; a HEAD
/// gets the status alone, as from S3.
fn error_reply(head: bool, error: S3Error, request: &S3Request<'_>, request_id: &str) -> Reply {
    let mut xml = format!("<Error>{}{}", element("Code", error.code), element("Message", &error.message));
    for (name, value) in &error.extra {
        xml += &element(name, value);
    }
    let resource = request.path.strip_prefix("/s3").unwrap_or(request.path);
    xml += &element("Resource", resource);
    xml += &element("RequestId", request_id);
    xml += "</Error>";
    let mut response = reply(error.status, (!head).then_some(xml));
    insert(&mut response, "x-amz-request-id", request_id);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_by_method_path_and_subresource() {
        let q = |pairs: &[&str]| pairs.iter().map(|k| (k.to_string(), String::new())).collect::<Vec<_>>();
        let cases = [
            (Method::GET, "mirror", "", q(&["uploads"]), "ListMultipartUploads"),
            (Method::PUT, "mirror", "images/a/b.qcow2", q(&["partNumber", "uploadId"]), "UploadPart"),
            (Method::GET, "mirror", "images/a/b.qcow2", q(&["uploadId"]), "ListParts"),
            (Method::DELETE, "mirror", "k", q(&["uploadId"]), "AbortMultipartUpload"),
            (Method::HEAD, "mirror", "k", q(&[]), "HeadObject"),
            (Method::HEAD, "mirror", "", q(&[]), "HeadBucket"),
            (Method::POST, "mirror", "k", q(&["uploads"]), "CreateMultipartUpload"),
            (Method::PUT, "mirror", "k", q(&[]), "PutObject"),
            (Method::GET, "", "", q(&[]), "ListBuckets"),
        ];
        for (method, bucket, key, query, name) in cases {
            assert_eq!(operation(&method, bucket, key, &query), name);
        }
    }

    #[test]
    fn xml_is_escaped() {
        assert_eq!(element("Key", "a<b>&\"c'"), "<Key>a&lt;b&gt;&amp;&quot;c&apos;</Key>");
    }
}
