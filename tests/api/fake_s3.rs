//! The fake's S3 service (the bytes of a Local import), driven over real HTTP with a SigV4
//! signer of this file's own: it checks what S3 checks, and CompleteImageMultipartUpload
//! checks the parts as S3 would assemble them.

use base64::Engine;
use hmac::{Hmac, Mac};
use md5::Md5;
use sha2::{Digest, Sha256};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use ucloudstack::reqwest;
use ucloudstack::ret_code::v2;
use ucloudstack::testing::{FakeBuilder, FakeUCloudStack, S3Fault};
use ucloudstack::{CallOptionsBuilder, Client, RetryPolicy};

const MIB: usize = 1 << 20;

// ---- An independent SigV4 signer ----

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn md5_hex(data: &[u8]) -> String {
    hex(&Md5::digest(data))
}

fn content_md5(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(data))
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// RFC 3986 unreserved characters stay; everything else is `%XX` (a path keeps its `/`).
fn encode(text: &str, path: bool) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b'/' if path => "/".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `YYYYMMDDTHHMMSSZ` of a time (days to a civil date, after Hinnant).
fn amz_date(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let (day, month) = (doy - (153 * mp + 2) / 5 + 1, if mp < 10 { mp + 3 } else { mp - 9 });
    let year = yoe + era * 400 + i64::from(month <= 2);
    let s = secs.rem_euclid(86_400);
    format!("{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

#[derive(Clone)]
struct Signer {
    access_key: String,
    secret_key: String,
    token: Option<String>,
    region: String,
}

impl Signer {
    fn signature(&self, date: &str, canonical: &str) -> (String, String) {
        let scope = format!("{}/{}/s3/aws4_request", &date[..8], self.region);
        let to_sign = format!("AWS4-HMAC-SHA256\n{date}\n{scope}\n{}", sha256(canonical.as_bytes()));
        let mut key = hmac(format!("AWS4{}", self.secret_key).as_bytes(), &date[..8]);
        for part in [self.region.as_str(), "s3", "aws4_request"] {
            key = hmac(&key, part);
        }
        (scope, hex(&hmac(&key, &to_sign)))
    }

    /// Canonical query of `path_and_query`'s query, sorted, re-encoded.
    fn canonical_query(query: &str) -> String {
        let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (encode(&k, false), encode(&v, false)))
            .collect();
        pairs.sort();
        pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
    }

    /// The headers of a request signed in its `Authorization` header (`host` is sent by the
    /// HTTP client; `extra` must be sent as given).
    fn headers(
        &self,
        method: &str,
        url: &reqwest::Url,
        extra: &[(&str, &str)],
        payload: &str,
        date: &str,
    ) -> Vec<(String, String)> {
        let host = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
        let mut signed: Vec<(String, String)> = vec![
            ("host".into(), host),
            ("x-amz-content-sha256".into(), payload.into()),
            ("x-amz-date".into(), date.into()),
        ];
        if let Some(token) = &self.token {
            signed.push(("x-amz-security-token".into(), token.clone()));
        }
        signed.extend(extra.iter().map(|(k, v)| (k.to_lowercase(), v.trim().to_string())));
        signed.sort();
        let lines: String = signed.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
        let names = signed.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(";");
        let query = Self::canonical_query(url.query().unwrap_or_default());
        let canonical = format!("{method}\n{}\n{query}\n{lines}\n{names}\n{payload}", url.path());
        let (scope, signature) = self.signature(date, &canonical);
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={names}, Signature={signature}",
            self.access_key
        );
        signed.retain(|(k, _)| k != "host");
        signed.push(("authorization".into(), authorization));
        signed
    }

    /// `url` presigned for `method`, lasting `expires` seconds from `date`.
    fn presign(&self, method: &str, url: &reqwest::Url, expires: u64, date: &str) -> reqwest::Url {
        let host = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
        let credential = format!("{}/{}/{}/s3/aws4_request", self.access_key, &date[..8], self.region);
        let mut query = url.query().map(|q| format!("{q}&")).unwrap_or_default();
        query += &format!(
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={}&X-Amz-Date={date}&X-Amz-Expires={expires}\
             &X-Amz-SignedHeaders=host",
            encode(&credential, false)
        );
        if let Some(token) = &self.token {
            query += &format!("&X-Amz-Security-Token={}", encode(token, false));
        }
        let canonical = format!(
            "{method}\n{}\n{}\nhost:{host}\n\nhost\nUNSIGNED-PAYLOAD",
            url.path(),
            Self::canonical_query(&query)
        );
        let (_, signature) = self.signature(date, &canonical);
        let mut signed = url.clone();
        signed.set_query(Some(&format!("{query}&X-Amz-Signature={signature}")));
        signed
    }
}

/// The signer itself, on AWS's documented examples.
#[test]
fn the_test_signer_reproduces_aws_examples() {
    let signer = Signer {
        access_key: "AKIAIOSFODNN7EXAMPLE".into(),
        secret_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        token: None,
        region: "us-east-1".into(),
    };
    let empty = sha256(b"");
    // The example's host has no port (the fake's has): its canonical request, by hand.
    let canonical = format!(
        "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\nx-amz-content-sha256:{empty}\n\
         x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n{empty}"
    );
    let (_, signature) = signer.signature("20130524T000000Z", &canonical);
    assert_eq!(signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    assert_eq!(amz_date(UNIX_EPOCH + Duration::from_secs(1_369_353_600)), "20130524T000000Z");
    assert_eq!(amz_date(UNIX_EPOCH + Duration::from_secs(1_709_251_199)), "20240229T235959Z");
}

// ---- A Local import and its upload ----

struct Upload {
    fake: FakeUCloudStack,
    client: Client,
    signer: Signer,
    /// `http://127.0.0.1:port/s3/mirror`.
    bucket_url: String,
    image_id: String,
    upload_id: String,
    key: String,
    http: reqwest::Client,
}

const NAME: &str = "disk-镜像_1.0";

async fn login(client: &Client) -> (Signer, String) {
    let login = client.call("S3Login", &[("Scenes", "ImageUpload")]).await.unwrap();
    let text = |key: &str| login[key].as_str().unwrap().to_owned();
    let token = Some(text("SessionID")).filter(|t| !t.is_empty());
    let signer =
        Signer { access_key: text("AccessKey"), secret_key: text("SecretKey"), token, region: "us-east-1".into() };
    (signer, format!("{}/{}", text("Endpoint"), text("Bucket")))
}

async fn upload_with(builder: FakeBuilder) -> Upload {
    let fake = builder.start().await;
    let client = fake.client_builder().retry_policy(RetryPolicy::disabled()).build().unwrap();
    let form = [
        ("CompanyID", "200001"),
        ("ImageName", NAME),
        ("ImageFormat", "qcow2"),
        ("ImportType", "Local"),
        ("OSType", "Linux"),
        ("OSDistribution", "Ubuntu"),
    ];
    let answer = client.call("ImportImage", &form).await.unwrap();
    let image_id = answer["ImageID"].as_str().unwrap().to_owned();
    let upload_id = answer["UploadID"].as_str().unwrap().to_owned();
    let (signer, bucket_url) = login(&client).await;
    let key = format!("images/{image_id}/{NAME}.qcow2");
    Upload { fake, client, signer, bucket_url, image_id, upload_id, key, http: reqwest::Client::new() }
}

async fn upload() -> Upload {
    upload_with(FakeUCloudStack::builder()).await
}

/// An answer: status, ETag, body.
#[derive(Debug)]
struct Answer {
    status: u16,
    etag: Option<String>,
    body: String,
}

impl Answer {
    fn code(&self) -> &str {
        tag(&self.body, "Code").first().copied().unwrap_or_default()
    }
}

/// The texts of every `<name>` element.
fn tag<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    xml.split(&open).skip(1).filter_map(|rest| rest.split_once(&close).map(|(text, _)| text)).collect()
}

impl Upload {
    fn url(&self, path_and_query: &str) -> reqwest::Url {
        format!("{}{path_and_query}", self.bucket_url).parse().unwrap()
    }

    fn part_url(&self, part: u32) -> reqwest::Url {
        self.url(&format!("/{}?partNumber={part}&uploadId={}", encode(&self.key, true), self.upload_id))
    }

    async fn send(&self, method: &str, url: reqwest::Url, headers: &[(String, String)], body: Vec<u8>) -> Answer {
        let mut request = self.http.request(method.parse().unwrap(), url).body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let etag = response.headers().get("etag").map(|v| v.to_str().unwrap().to_owned());
        Answer { status, etag, body: response.text().await.unwrap() }
    }

    /// A request signed in its header with `signer`, the body's SHA-256 signed.
    async fn signed_with(&self, signer: &Signer, method: &str, url: reqwest::Url, body: Vec<u8>) -> Answer {
        let md5 = content_md5(&body);
        let extra: Vec<(&str, &str)> = if method == "PUT" { vec![("content-md5", &md5)] } else { Vec::new() };
        let headers = signer.headers(method, &url, &extra, &sha256(&body), &amz_date(SystemTime::now()));
        self.send(method, url, &headers, body).await
    }

    async fn signed(&self, method: &str, url: reqwest::Url, body: Vec<u8>) -> Answer {
        self.signed_with(&self.signer, method, url, body).await
    }

    async fn put_part(&self, part: u32, body: Vec<u8>) -> Answer {
        self.signed("PUT", self.part_url(part), body).await
    }

    async fn complete(&self) -> Result<serde_json::Value, ucloudstack::Error> {
        let form = [("ImageID", self.image_id.as_str()), ("UploadID", self.upload_id.as_str())];
        self.client.call("CompleteImageMultipartUpload", &form).await
    }
}

fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

// ---- The tests ----

/// The fake keeps a part as its number, size and MD5 (by design: never the bytes, so a large
/// upload costs no memory; see `uploaded_parts`).
#[tokio::test]
async fn a_signed_part_is_stored_as_its_size_and_md5() {
    let up = upload().await;
    let body = bytes(100_000, 1);
    let answer = up.put_part(1, body.clone()).await;
    assert_eq!((answer.status, answer.etag.as_deref()), (200, Some(format!("\"{}\"", md5_hex(&body)).as_str())));

    // UNSIGNED-PAYLOAD: the body's hash is not signed, its MD5 still checked.
    let second = bytes(10, 2);
    let url = up.part_url(2);
    let md5 = content_md5(&second);
    let headers =
        up.signer.headers("PUT", &url, &[("Content-MD5", &md5)], "UNSIGNED-PAYLOAD", &amz_date(SystemTime::now()));
    assert_eq!(up.send("PUT", url, &headers, second.clone()).await.status, 200);
    // The same part again replaces it.
    assert_eq!(up.put_part(1, body[..500].to_vec()).await.status, 200);

    let expected = vec![(1, 500, md5_hex(&body[..500])), (2, 10, md5_hex(&second))];
    assert_eq!(up.fake.uploaded_parts(&up.image_id), expected);
    assert_eq!(up.fake.s3_request_count("UploadPart"), 3);
    assert_eq!(up.fake.uploaded_parts("cn-image-nope"), Vec::new());
}

#[tokio::test]
async fn a_presigned_part_is_accepted_until_it_expires() {
    let up = upload().await;
    let body = bytes(1000, 3);
    let md5 = content_md5(&body);
    let url = up.signer.presign("PUT", &up.part_url(1), 600, &amz_date(SystemTime::now()));
    let headers = [("content-md5".to_owned(), md5.clone())];
    let answer = up.send("PUT", url, &headers, body.clone()).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.etag, Some(format!("\"{}\"", md5_hex(&body))));

    let two_hours_ago = amz_date(SystemTime::now() - Duration::from_secs(7200));
    let expired = up.signer.presign("PUT", &up.part_url(2), 3600, &two_hours_ago);
    let answer = up.send("PUT", expired, &headers, body.clone()).await;
    assert_eq!((answer.status, answer.code()), (403, "AccessDenied"), "{answer:?}");
    assert_eq!(tag(&answer.body, "Message"), ["Request has expired"]);

    // Signed for part 2, sent for part 3.
    let tampered = up.signer.presign("PUT", &up.part_url(2), 600, &amz_date(SystemTime::now()));
    let tampered: reqwest::Url = tampered.as_str().replace("partNumber=2", "partNumber=3").parse().unwrap();
    let answer = up.send("PUT", tampered, &headers, body.clone()).await;
    assert_eq!((answer.status, answer.code()), (403, "SignatureDoesNotMatch"), "{answer:?}");

    let no_token = Signer { token: None, ..up.signer.clone() };
    let url = no_token.presign("PUT", &up.part_url(2), 600, &amz_date(SystemTime::now()));
    assert_eq!(up.send("PUT", url, &headers, body).await.code(), "InvalidToken");
    assert_eq!(up.fake.uploaded_parts(&up.image_id).len(), 1);
}

#[tokio::test]
async fn wrong_signatures_keys_tokens_regions_and_dates_are_refused() {
    let up = upload().await;
    let body = bytes(64, 4);
    let refused = |answer: Answer, status: u16, code: &str| {
        assert_eq!((answer.status, answer.code()), (status, code), "{answer:?}");
        answer
    };
    let with = |change: fn(&mut Signer)| {
        let mut signer = up.signer.clone();
        change(&mut signer);
        signer
    };
    let token = up.signer.token.clone().unwrap();

    let wrong_secret = with(|s| s.secret_key.push('x'));
    let answer =
        refused(up.signed_with(&wrong_secret, "PUT", up.part_url(1), body.clone()).await, 403, "SignatureDoesNotMatch");
    assert!(!tag(&answer.body, "StringToSign").is_empty() && !tag(&answer.body, "CanonicalRequest").is_empty());
    assert!(!answer.body.contains(&token) && !answer.body.contains(&up.signer.secret_key), "no secret shown");

    let unknown = with(|s| s.access_key = "AKIDNOTHANDEDOUT0000".into());
    refused(up.signed_with(&unknown, "PUT", up.part_url(1), body.clone()).await, 403, "InvalidAccessKeyId");
    let no_token = with(|s| s.token = None);
    refused(up.signed_with(&no_token, "PUT", up.part_url(1), body.clone()).await, 403, "InvalidToken");
    let wrong_token = with(|s| s.token.as_mut().unwrap().push('x'));
    refused(up.signed_with(&wrong_token, "PUT", up.part_url(1), body.clone()).await, 403, "InvalidToken");
    let region = with(|s| s.region = "cn-north-1".into());
    let answer = refused(
        up.signed_with(&region, "PUT", up.part_url(1), body.clone()).await,
        400,
        "AuthorizationHeaderMalformed",
    );
    assert_eq!(tag(&answer.body, "Region"), ["us-east-1"]);

    // Signed, then the request changed: another part number, another body hash.
    let url = up.part_url(1);
    let headers = up.signer.headers("PUT", &url, &[], &sha256(&body), &amz_date(SystemTime::now()));
    refused(up.send("PUT", up.part_url(2), &headers, body.clone()).await, 403, "SignatureDoesNotMatch");
    // An x-amz header sent but not signed.
    let mut unsigned = headers.clone();
    unsigned.push(("x-amz-meta-owner".into(), "me".into()));
    let answer = refused(up.send("PUT", url.clone(), &unsigned, body.clone()).await, 403, "AccessDenied");
    assert_eq!(tag(&answer.body, "HeadersNotSigned"), ["x-amz-meta-owner"]);
    // A date 20 minutes off.
    let skewed =
        up.signer.headers("PUT", &url, &[], &sha256(&body), &amz_date(SystemTime::now() - Duration::from_secs(1200)));
    refused(up.send("PUT", url.clone(), &skewed, body.clone()).await, 403, "RequestTimeTooSkewed");
    // No signature at all.
    refused(up.send("PUT", url.clone(), &[], body.clone()).await, 403, "AccessDenied");

    assert_eq!(up.fake.uploaded_parts(&up.image_id), Vec::new(), "nothing stored");
    assert_eq!(up.fake.s3_request_count("UploadPart"), 9);
}

#[tokio::test]
async fn expired_credentials_are_refused_until_the_next_login() {
    let up = upload_with(FakeUCloudStack::builder().s3_credential_ttl(Duration::ZERO)).await;
    let answer = up.put_part(1, bytes(10, 5)).await;
    assert_eq!((answer.status, answer.code()), (400, "ExpiredToken"), "{answer:?}");

    let up = upload().await;
    assert_eq!(up.put_part(1, bytes(10, 5)).await.status, 200);
    up.fake.expire_s3_credentials();
    assert_eq!(up.put_part(2, bytes(10, 5)).await.code(), "ExpiredToken");
    let (fresh, _) = login(&up.client).await;
    assert_eq!(up.signed_with(&fresh, "PUT", up.part_url(2), bytes(10, 5)).await.status, 200);

    // Credentials without a session token: none may be sent.
    let up = upload_with(FakeUCloudStack::builder().without_s3_session_token()).await;
    assert_eq!(up.signer.token, None, "SessionID is empty");
    assert_eq!(up.put_part(1, bytes(10, 5)).await.status, 200);
    let with_token = Signer { token: Some("a-token".into()), ..up.signer.clone() };
    assert_eq!(up.signed_with(&with_token, "PUT", up.part_url(1), bytes(10, 5)).await.code(), "InvalidToken");

    // Another signing region, when set.
    let up = upload_with(FakeUCloudStack::builder().s3_region("cn-north-1")).await;
    assert_eq!(up.put_part(1, bytes(10, 5)).await.code(), "AuthorizationHeaderMalformed");
    let north = Signer { region: "cn-north-1".into(), ..up.signer.clone() };
    assert_eq!(up.signed_with(&north, "PUT", up.part_url(1), bytes(10, 5)).await.status, 200);
}

#[tokio::test]
async fn the_body_is_checked_against_content_md5_and_the_signed_sha256() {
    let up = upload().await;
    let body = bytes(2000, 6);
    let url = up.part_url(1);
    let now = amz_date(SystemTime::now());
    let digest = sha256(&body);

    let other_md5 = content_md5(b"something else");
    let headers = up.signer.headers("PUT", &url, &[("content-md5", &other_md5)], &digest, &now);
    let answer = up.send("PUT", url.clone(), &headers, body.clone()).await;
    assert_eq!((answer.status, answer.code()), (400, "BadDigest"), "{answer:?}");

    let headers = up.signer.headers("PUT", &url, &[("content-md5", "not base64!")], &digest, &now);
    assert_eq!(up.send("PUT", url.clone(), &headers, body.clone()).await.code(), "InvalidDigest");
    let headers = up.signer.headers("PUT", &url, &[("content-md5", "AAAA")], &digest, &now);
    assert_eq!(up.send("PUT", url.clone(), &headers, body.clone()).await.code(), "InvalidDigest", "3 bytes");

    let headers = up.signer.headers("PUT", &url, &[], &sha256(b"other"), &now);
    let answer = up.send("PUT", url.clone(), &headers, body.clone()).await;
    assert_eq!((answer.status, answer.code()), (400, "XAmzContentSHA256Mismatch"), "{answer:?}");
    assert_eq!(tag(&answer.body, "S3ComputedContentSHA256"), [digest.as_str()]);

    let headers = up.signer.headers("PUT", &url, &[], "not-a-hash", &now);
    assert_eq!(up.send("PUT", url.clone(), &headers, body.clone()).await.code(), "InvalidArgument");
    assert_eq!(up.fake.uploaded_parts(&up.image_id), Vec::new(), "nothing stored");

    // Chunked, without Content-Length: S3 wants the length.
    let headers = up.signer.headers("PUT", &url, &[], "UNSIGNED-PAYLOAD", &now);
    let mut raw = format!(
        "PUT {}?{} HTTP/1.1\r\nhost: {}:{}\r\n",
        url.path(),
        url.query().unwrap(),
        url.host_str().unwrap(),
        url.port().unwrap()
    );
    for (name, value) in &headers {
        raw += &format!("{name}: {value}\r\n");
    }
    raw += "transfer-encoding: chunked\r\nconnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    let mut socket = tokio::net::TcpStream::connect((url.host_str().unwrap(), url.port().unwrap())).await.unwrap();
    socket.write_all(raw.as_bytes()).await.unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 411"), "{answer}");
    assert!(answer.contains("<Code>MissingContentLength</Code>"), "{answer}");
}

#[tokio::test]
async fn list_parts_pages_with_the_part_number_marker() {
    let up = upload().await;
    let parts = [bytes(10, 7), bytes(20, 8), bytes(30, 9)];
    for (i, part) in parts.iter().enumerate() {
        assert_eq!(up.put_part(i as u32 + 1, part.clone()).await.status, 200);
    }
    let list = |query: String| {
        let url = up.url(&format!("/{}?uploadId={}{query}", encode(&up.key, true), up.upload_id));
        up.signed("GET", url, Vec::new())
    };
    let first = list("&max-parts=2".into()).await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(tag(&first.body, "Key"), [up.key.as_str()]);
    assert_eq!(tag(&first.body, "IsTruncated"), ["true"]);
    assert_eq!(tag(&first.body, "NextPartNumberMarker"), ["2"]);
    assert_eq!(tag(&first.body, "PartNumber"), ["1", "2"]);
    assert_eq!(tag(&first.body, "Size"), ["10", "20"]);
    let etags: Vec<String> = parts[..2].iter().map(|p| format!("&quot;{}&quot;", md5_hex(p))).collect();
    assert_eq!(tag(&first.body, "ETag"), etags);

    let rest = list("&max-parts=2&part-number-marker=2".into()).await;
    assert_eq!(tag(&rest.body, "IsTruncated"), ["false"]);
    assert_eq!((tag(&rest.body, "PartNumber"), tag(&rest.body, "Size")), (vec!["3"], vec!["30"]));
    let whole = list(String::new()).await;
    assert_eq!(tag(&whole.body, "PartNumber"), ["1", "2", "3"]);
    assert_eq!(tag(&whole.body, "MaxParts"), ["1000"]);
    assert_eq!(up.fake.s3_request_count("ListParts"), 3);
}

#[tokio::test]
async fn list_multipart_uploads_pages_until_the_upload_is_found() {
    let up = upload_with(FakeUCloudStack::builder().other_uploads(25)).await;
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut markers = String::new();
    let mut pages = 0;
    loop {
        let answer = up.signed("GET", up.url(&format!("?uploads&max-uploads=10{markers}")), Vec::new()).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        pages += 1;
        let keys = tag(&answer.body, "Key");
        let ids = tag(&answer.body, "UploadId");
        assert!(keys.len() <= 10 && keys.len() == ids.len());
        seen.extend(keys.iter().zip(&ids).map(|(k, i)| (k.to_string(), i.to_string())));
        if tag(&answer.body, "IsTruncated") == ["false"] {
            break;
        }
        let (key, id) = (tag(&answer.body, "NextKeyMarker")[0], tag(&answer.body, "NextUploadIdMarker")[0]);
        markers = format!("&key-marker={}&upload-id-marker={}", encode(key, false), encode(id, false));
    }
    assert_eq!((pages, seen.len()), (3, 26), "the 25 others and this one");
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen, "in order of key, then upload id, none twice");
    let mine: Vec<&(String, String)> = seen.iter().filter(|(_, id)| *id == up.upload_id).collect();
    assert_eq!(mine, [&(up.key.clone(), up.upload_id.clone())], "found by its upload id");
    assert!(seen.iter().any(|(k, _)| k < &up.key) && seen.iter().any(|(k, _)| k > &up.key), "amid others");

    // A prefix, keys URL-encoded.
    let query = format!("?uploads&prefix={}&encoding-type=url", encode(&format!("images/{}/", up.image_id), false));
    let answer = up.signed("GET", up.url(&query), Vec::new()).await;
    assert_eq!(tag(&answer.body, "Key"), [encode(&up.key, true)]);
    assert_eq!(tag(&answer.body, "EncodingType"), ["url"]);
    assert_eq!(up.fake.s3_request_count("ListMultipartUploads"), 4);
}

#[tokio::test]
async fn complete_checks_the_parts_then_the_image_is_used() {
    let up = upload_with(FakeUCloudStack::builder().making_delay(Duration::from_millis(200))).await;
    let refused = |result: Result<serde_json::Value, ucloudstack::Error>| result.unwrap_err().ret_code();
    assert_eq!(refused(up.complete().await), Some(v2::RESOURCE_STATE), "no parts");

    let (first, small, last) = (bytes(5 * MIB, 10), bytes(MIB, 11), bytes(1, 12));
    assert_eq!(up.put_part(1, first.clone()).await.status, 200);
    assert_eq!(up.put_part(3, last.clone()).await.status, 200);
    let gap = up.complete().await.unwrap_err();
    assert_eq!(gap.ret_code(), Some(v2::RESOURCE_STATE), "part 2 is missing: {gap}");
    assert!(gap.to_string().contains("Part 2"), "{gap}");
    assert_eq!(up.put_part(2, small).await.status, 200);
    let too_small = up.complete().await.unwrap_err();
    assert_eq!(too_small.ret_code(), Some(v2::RESOURCE_STATE), "a middle part under 5 MiB: {too_small}");
    assert!(too_small.to_string().contains("at least 5242880 bytes"), "{too_small}");
    let image = up.fake.image(&up.image_id).unwrap();
    assert_eq!(image.image_status.unwrap().as_str(), "WaitUploading", "still waiting for its parts");

    let second = bytes(5 * MIB, 13);
    assert_eq!(up.put_part(2, second.clone()).await.status, 200);
    up.complete().await.unwrap();
    assert_eq!(up.fake.image(&up.image_id).unwrap().image_status.unwrap().as_str(), "Uploading");
    let all: Vec<u8> = [Md5::digest(&first), Md5::digest(&second), Md5::digest(&last)].concat();
    let expected = (10 * MIB as u64 + 1, format!("{}-3", md5_hex(&all)));
    assert_eq!(up.fake.uploaded_file(&up.image_id), Some(expected));
    let image = up.client.wait_until_image_available(&up.image_id).await.unwrap();
    assert_eq!((image.image_size, image.prepare_percent), (Some(1), Some(100)), "1 GiB at least");

    // Completed: S3 no longer lists it or takes parts.
    let listed = up.signed("GET", up.url("?uploads"), Vec::new()).await;
    assert!(tag(&listed.body, "UploadId").is_empty(), "{listed:?}");
    assert_eq!(up.put_part(4, bytes(1, 1)).await.code(), "NoSuchUpload");
    assert_eq!(up.fake.uploaded_parts(&up.image_id).len(), 3, "the parts stay on record");
    assert_eq!(refused(up.complete().await), Some(v2::IMAGE_STATE), "complete already");
}

#[tokio::test]
async fn injected_faults_fail_upload_part_then_it_recovers() {
    let up = upload().await;
    let body = bytes(300_000, 14);
    up.fake.inject_s3_fault(S3Fault::SlowDown, 1);
    up.fake.inject_s3_fault(S3Fault::InternalError, 1);
    up.fake.inject_s3_fault(S3Fault::ResetMidBody, 1);
    up.fake.inject_s3_fault(S3Fault::CorruptPart, 2);

    let answer = up.put_part(1, body.clone()).await;
    assert_eq!((answer.status, answer.code()), (503, "SlowDown"), "{answer:?}");
    let answer = up.put_part(1, body.clone()).await;
    assert_eq!((answer.status, answer.code()), (500, "InternalError"), "{answer:?}");
    let url = up.part_url(1);
    let headers = up.signer.headers("PUT", &url, &[], &sha256(&body), &amz_date(SystemTime::now()));
    let mut request = up.http.put(url).body(body.clone());
    for (name, value) in &headers {
        request = request.header(name, value);
    }
    let cut = request.send().await.expect_err("no answer, the connection closed");
    assert!(!cut.is_status(), "{cut:?}");
    let answer = up.put_part(1, body.clone()).await;
    assert_eq!((answer.status, answer.code()), (400, "BadDigest"), "corrupted, Content-MD5 catches it: {answer:?}");
    assert_eq!(up.fake.uploaded_parts(&up.image_id), Vec::new(), "none of those stored");

    // Corrupted without Content-MD5 (nor a signed SHA-256): stored, with the wrong MD5.
    let url = up.part_url(1);
    let headers = up.signer.headers("PUT", &url, &[], "UNSIGNED-PAYLOAD", &amz_date(SystemTime::now()));
    let answer = up.send("PUT", url, &headers, body.clone()).await;
    let stored = up.fake.uploaded_parts(&up.image_id);
    assert_eq!(answer.status, 200);
    assert_eq!(answer.etag, Some(format!("\"{}\"", stored[0].2)));
    assert_ne!(stored[0].2, md5_hex(&body), "what arrived is not what was sent");

    let answer = up.put_part(1, body.clone()).await;
    assert_eq!(answer.status, 200, "the faults are spent");
    assert_eq!(up.fake.uploaded_parts(&up.image_id), [(1, body.len() as u64, md5_hex(&body))]);
    assert_eq!(up.fake.s3_request_count("UploadPart"), 6);

    up.fake.inject_s3_fault(S3Fault::SlowDown, 5);
    up.fake.clear_faults();
    assert_eq!(up.put_part(2, body).await.status, 200);
}

#[tokio::test]
async fn unknown_uploads_buckets_and_objects_and_aborts() {
    let up = upload().await;
    assert_eq!(up.put_part(1, bytes(10, 15)).await.status, 200);
    let key = encode(&up.key, true);

    let wrong_id = up.url(&format!("/{key}?partNumber=1&uploadId=not-an-upload"));
    let answer = up.signed("PUT", wrong_id, bytes(10, 15)).await;
    assert_eq!((answer.status, answer.code()), (404, "NoSuchUpload"), "{answer:?}");
    let wrong_key = up.url(&format!("/images/other.qcow2?partNumber=1&uploadId={}", up.upload_id));
    assert_eq!(up.signed("PUT", wrong_key, bytes(10, 15)).await.code(), "NoSuchUpload");
    let part_zero = up.url(&format!("/{key}?partNumber=0&uploadId={}", up.upload_id));
    assert_eq!(up.signed("PUT", part_zero, bytes(10, 15)).await.code(), "InvalidArgument");
    let bucket: reqwest::Url = up.bucket_url.replace("/mirror", "/other?uploads").parse().unwrap();
    let answer = up.signed("GET", bucket, Vec::new()).await;
    assert_eq!((answer.status, answer.code()), (404, "NoSuchBucket"), "{answer:?}");

    let object = up.url(&format!("/{key}"));
    let answer = up.signed("GET", object.clone(), Vec::new()).await;
    assert_eq!((answer.status, answer.code()), (404, "NoSuchKey"), "{answer:?}");
    let answer = up.signed("HEAD", object.clone(), Vec::new()).await;
    assert_eq!((answer.status, answer.body.as_str()), (404, ""));
    let answer = up.signed("PUT", object, bytes(10, 15)).await;
    assert_eq!((answer.status, answer.code()), (501, "NotImplemented"), "PutObject: {answer:?}");

    let in_progress = up.url(&format!("/{key}?uploadId={}", up.upload_id));
    assert_eq!(up.signed("DELETE", in_progress.clone(), Vec::new()).await.status, 204);
    assert_eq!(up.signed("GET", in_progress.clone(), Vec::new()).await.code(), "NoSuchUpload");
    assert_eq!(up.signed("DELETE", in_progress, Vec::new()).await.code(), "NoSuchUpload");
    assert_eq!(up.fake.uploaded_parts(&up.image_id), Vec::new(), "the parts went with it");
    let gone = up.complete().await.unwrap_err();
    assert_eq!(gone.ret_code(), Some(v2::PARAM_CHECK_FAILED), "{gone}");
    assert_eq!(up.fake.s3_request_count("AbortMultipartUpload"), 2);

    // AbortImageMultipartUpload drops the upload and its parts with the image.
    let other = upload().await;
    assert_eq!(other.put_part(1, bytes(10, 16)).await.status, 200);
    let form = [("CompanyID", "200001"), ("ImageID", other.image_id.as_str()), ("UploadID", other.upload_id.as_str())];
    other.client.call("AbortImageMultipartUpload", &form).await.unwrap();
    assert_eq!(other.fake.uploaded_parts(&other.image_id), Vec::new());
    assert_eq!(other.put_part(2, bytes(10, 16)).await.code(), "NoSuchUpload");
}

/// The upload ids ListMultipartUploads answers for `prefix` (none: no prefix).
async fn listed(up: &Upload, prefix: &str) -> Vec<String> {
    let query = match prefix {
        "" => "?uploads".to_owned(),
        _ => format!("?uploads&prefix={}", encode(prefix, false)),
    };
    let answer = up.signed("GET", up.url(&query), Vec::new()).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    tag(&answer.body, "UploadId").iter().map(|id| id.to_string()).collect()
}

/// As MinIO: in-progress uploads are listed only by their exact key.
#[tokio::test]
async fn a_fake_that_lists_uploads_only_by_key_lists_them_as_minio_does() {
    let up = upload_with(FakeUCloudStack::builder().other_uploads(3).lists_uploads_only_by_key()).await;
    assert!(listed(&up, "").await.is_empty(), "nothing without a prefix");
    assert!(listed(&up, &format!("images/{}/", up.image_id)).await.is_empty(), "nothing under a folder");
    assert_eq!(listed(&up, &up.key).await, vec![up.upload_id.clone()], "the upload of the exact key");
    assert_eq!(up.fake.upload_key(&up.image_id).as_deref(), Some(up.key.as_str()));
    // Without the knob, the bucket lists them all.
    let open = upload().await;
    assert!(listed(&open, "").await.contains(&open.upload_id));
}
