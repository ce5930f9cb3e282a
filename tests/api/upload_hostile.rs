//! `upload_image` against hostile S3 answers: redirects to another host, listings that would
//! set the memory used or page forever, 200s that hold an error, handles that are not.

use crate::support::{PRIVATE, PUBLIC};
use crate::upload::{Dir, IMAGE, MIB, content, platform, upload};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use ucloudstack::image::{ImageFormat, S3Error, TransferError, TransferStage, UploadHandle};
use ucloudstack::{CallOptionsBuilder, Client, Credentials, Error, RetryPolicy};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// An S3 service scripted by a closure.
struct Script<F>(F);

impl<F: Fn(&Request) -> ResponseTemplate + Send + Sync + 'static> Respond for Script<F> {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        (self.0)(request)
    }
}

fn xml(body: impl Into<String>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.into(), "application/xml")
}

const NO_PARTS: &str = "<ListPartsResult><IsTruncated>false</IsTruncated></ListPartsResult>";

/// A hostile S3 service at `/s3/mirror`, and a platform (wiremock) whose S3Login points to it.
async fn hostile_s3<F>(script: F) -> (MockServer, MockServer, Client)
where
    F: Fn(&Request) -> ResponseTemplate + Send + Sync + 'static,
{
    let s3 = MockServer::start().await;
    Mock::given(wiremock::matchers::path_regex("^/s3/mirror")).respond_with(Script(script)).mount(&s3).await;
    let (server, client) = platform(Some(&format!("{}/s3", s3.uri())), "mirror", "upload-1").await;
    (s3, server, client)
}

async fn puts(s3: &MockServer) -> usize {
    s3.received_requests().await.unwrap().iter().filter(|r| r.method.as_str() == "PUT").count()
}

fn transfer_failure(err: Error) -> TransferError {
    match err {
        Error::Transfer(failure) => failure,
        other => panic!("not a transfer failure: {other}"),
    }
}

fn s3_cause(failure: &TransferError) -> &S3Error {
    let cause = std::error::Error::source(failure).and_then(|c| c.downcast_ref::<S3Error>());
    cause.unwrap_or_else(|| panic!("not an S3 failure: {failure}"))
}

// ---------------------------------------------------------------- redirects

/// A second host that records every connection it accepts and answers each request a listing
/// that would be taken if it were trusted: no parts, or the upload under another key.
struct Recorder {
    uri: String,
    connections: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<String>>>,
}

async fn recorder() -> Recorder {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let uri = format!("http://{}", listener.local_addr().unwrap());
    let (connections, seen) = (Arc::new(AtomicUsize::new(0)), Arc::new(Mutex::new(Vec::new())));
    let (count, log) = (connections.clone(), seen.clone());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            count.fetch_add(1, SeqCst);
            let log = log.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 << 10 {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let body = if head.lines().next().is_some_and(|l| l.contains("uploads")) {
                    "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated><Upload><Key>elsewhere.raw</Key>\
                     <UploadId>upload-1</UploadId></Upload></ListMultipartUploadsResult>"
                } else {
                    NO_PARTS
                };
                log.lock().unwrap().push(head);
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    Recorder { uri, connections, seen }
}

/// An S3 listing (ListParts on a resume, or ListMultipartUploads to find the key) answered
/// 302 or 307 to another host: nothing reaches that host, nothing is sent, and the upload
/// fails for good at once, naming the host (never the presigned query), keeping its handle.
#[tokio::test]
async fn an_s3_listing_redirected_to_another_host_is_not_followed() {
    let dir = Dir::new("redirect-listing");
    let path = dir.file("web.raw", &content(6 * MIB, 21));
    for status in [302, 307] {
        for keyed in [true, false] {
            let other = recorder().await;
            let to = other.uri.clone();
            let (s3, _server, client) = hostile_s3(move |r: &Request| match r.method.as_str() {
                "GET" => ResponseTemplate::new(status)
                    .insert_header("location", format!("{to}{}?{}", r.url.path(), r.url.query().unwrap_or(""))),
                _ => ResponseTemplate::new(200),
            })
            .await;
            let mut handle = UploadHandle::new(IMAGE, "upload-1");
            if keyed {
                handle = handle.with_object_key("images/web.raw");
            }
            let err = client.upload_image(&path).resume(handle).send().await.unwrap_err();
            let failure = transfer_failure(err);
            let text = format!("{failure} {:?}", s3_cause(&failure));
            assert_eq!(failure.stage, TransferStage::Locate, "{text}");
            assert!(failure.resume_handle().is_some(), "the handle is kept: {text}");
            let host = other.uri.trim_start_matches("http://");
            assert!(text.contains("redirect") && text.contains(host), "{status} {keyed}: {text}");
            assert!(text.contains("not followed"), "{text}");
            for secret in ["X-Amz-", "Signature", "Credential", "Security-Token", "session-token"] {
                assert!(!text.contains(secret), "{secret} in {text}");
            }
            let cause = s3_cause(&failure);
            assert_eq!(cause.attempts, 1, "not tried again: {text}");
            assert_eq!(cause.operation, if keyed { "ListParts" } else { "ListMultipartUploads" });
            assert_eq!(other.connections.load(SeqCst), 0, "{:?}", other.seen.lock().unwrap());
            assert_eq!(puts(&s3).await, 0);
        }
    }
}

/// A program's own HTTP client (`ClientBuilder::http_client`) may follow redirects: the
/// answer of another host is then refused, not taken as the listing.
#[tokio::test]
async fn an_s3_answer_from_another_host_through_a_programs_own_client_is_refused() {
    let dir = Dir::new("redirect-own-client");
    let path = dir.file("web.raw", &content(6 * MIB, 22));
    for keyed in [true, false] {
        let other = recorder().await;
        let to = other.uri.clone();
        let s3 = MockServer::start().await;
        let script = Script(move |r: &Request| match r.method.as_str() {
            "GET" => ResponseTemplate::new(307)
                .insert_header("location", format!("{to}{}?{}", r.url.path(), r.url.query().unwrap_or(""))),
            _ => ResponseTemplate::new(200),
        });
        Mock::given(wiremock::matchers::path_regex("^/s3/mirror")).respond_with(script).mount(&s3).await;
        let (server, _) = platform(Some(&format!("{}/s3", s3.uri())), "mirror", "upload-1").await;
        let client = Client::builder()
            .endpoint(format!("{}/api", server.uri()))
            .credentials(Credentials::new(PUBLIC, PRIVATE))
            .region("cn")
            .retry_policy(RetryPolicy::disabled())
            .http_client(reqwest::Client::new())
            .build()
            .unwrap();
        let mut handle = UploadHandle::new(IMAGE, "upload-1");
        if keyed {
            handle = handle.with_object_key("images/web.raw");
        }
        let err = client.upload_image(&path).resume(handle).send().await.unwrap_err();
        let failure = transfer_failure(err);
        let text = format!("{failure}");
        assert_eq!(failure.stage, TransferStage::Locate, "{text}");
        assert!(failure.resume_handle().is_some(), "{text}");
        assert!(text.contains("another host") && text.contains(other.uri.trim_start_matches("http://")), "{text}");
        assert!(!text.contains("X-Amz-"), "{text}");
        assert_eq!(puts(&s3).await, 0, "the other host's listing was not taken: {text}");
    }
}

// ---------------------------------------------------------------- resending

/// UploadPart answered 200 with an S3 `<Error>` document is a failure: refused for good here
/// (`AccessDenied`), no part is sent twice (it was 9 PUTs for 3 parts).
#[tokio::test]
async fn an_upload_part_200_holding_an_error_document_is_a_failure() {
    let dir = Dir::new("error-200");
    let path = dir.file("web.raw", &content(12 * MIB, 23));
    let (s3, _server, client) = hostile_s3(|r: &Request| match r.method.as_str() {
        "GET" => xml(NO_PARTS),
        _ => xml("<Error><Code>AccessDenied</Code><Message>not stored</Message></Error>"),
    })
    .await;
    let err = upload(&client, &path).image_format(ImageFormat::Raw).object_key("images/web.raw").send().await;
    let failure = transfer_failure(err.unwrap_err());
    assert_eq!(failure.stage, TransferStage::Upload, "{failure}");
    let cause = s3_cause(&failure);
    assert_eq!(cause.code.as_deref(), Some("AccessDenied"), "{failure}");
    assert_eq!(cause.status, Some(200), "{failure}");
    assert!(failure.resume_handle().is_some());
    let puts = puts(&s3).await;
    assert!((1..=3).contains(&puts), "each part at most once, none sent again: {puts} PUTs");
}

/// A service that answers 200 to every UploadPart and stores nothing: the parts the final
/// ListParts misses are sent again in parallel (as many at once as the upload sends), and the
/// failure says the platform holds nothing.
#[tokio::test]
async fn parts_the_listing_misses_are_sent_again_in_parallel_and_the_failure_says_what_is_held() {
    let dir = Dir::new("resend-parallel");
    let path = dir.file("web.raw", &content(12 * MIB, 24));
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let seen = arrivals.clone();
    // Each PUT is answered 400 ms after it arrived: one at a time, they arrive that far apart.
    let (s3, _server, client) = hostile_s3(move |r: &Request| match r.method.as_str() {
        "GET" => xml(NO_PARTS),
        _ => {
            seen.lock().unwrap().push(Instant::now());
            ResponseTemplate::new(200).set_delay(Duration::from_millis(400))
        }
    })
    .await;
    let err = upload(&client, &path).image_format(ImageFormat::Raw).object_key("images/web.raw").send().await;
    let failure = transfer_failure(err.unwrap_err());
    assert_eq!(failure.stage, TransferStage::Upload, "{failure}");
    assert!(failure.to_string().contains("holds nothing"), "{failure}");
    assert!(failure.resume_handle().is_some());
    assert_eq!(puts(&s3).await, 9, "3 parts, sent again twice");
    let arrivals = arrivals.lock().unwrap().clone();
    for round in arrivals[3..].chunks(3) {
        let spread = round[2].duration_since(round[0]);
        assert!(spread < Duration::from_millis(350), "a round's parts went one at a time: {spread:?}");
    }
}

// ---------------------------------------------------------------- the part size

/// A ListParts of `parts` (number, size), with ETags no file has.
fn listing(parts: &[(u32, u64)]) -> String {
    let parts: String = parts
        .iter()
        .map(|(n, size)| {
            format!("<Part><PartNumber>{n}</PartNumber><ETag>\"{}\"</ETag><Size>{size}</Size></Part>", "e".repeat(32))
        })
        .collect();
    format!("<ListPartsResult><IsTruncated>false</IsTruncated>{parts}</ListPartsResult>")
}

/// A handle kept by an older version names no part size: a listing claiming parts larger
/// than it is trusted to set (64 MiB here) would set the memory a part takes, so it is refused
/// before any part is read, saying to set part_size.
#[tokio::test]
async fn an_old_handle_and_a_listing_claiming_huge_parts_is_refused_before_reading() {
    let dir = Dir::new("huge-listed-parts");
    let path = dir.file("web.raw", b"");
    std::fs::File::options().write(true).open(&path).unwrap().set_len(160 << 20).unwrap();
    let claimed = 80u64 << 20;
    let body = listing(&[(1, claimed)]);
    let (s3, _server, client) = hostile_s3(move |r: &Request| match r.method.as_str() {
        "GET" => xml(body.clone()),
        _ => ResponseTemplate::new(500),
    })
    .await;
    let handle = UploadHandle::new(IMAGE, "upload-1").with_object_key("images/web.raw");
    let err = client.upload_image(&path).resume(handle).concurrency(1).send().await.unwrap_err();
    let failure = transfer_failure(err);
    assert_eq!(failure.stage, TransferStage::Locate, "{failure}");
    let text = failure.to_string();
    assert!(text.contains("part_size") && text.contains(&claimed.to_string()), "{text}");
    assert!(failure.resume_handle().is_some());
    assert_eq!(puts(&s3).await, 0);
}

/// The handle carries the part size from before the first byte; on a resume it (or the
/// caller's part_size) is the part size, and a listing whose parts (but the last) are of
/// another size is refused before any part is sent.
#[tokio::test]
async fn the_handle_keeps_the_part_size_and_a_listing_that_disagrees_is_refused() {
    let fake = ucloudstack::testing::FakeUCloudStack::builder().making_delay(Duration::from_millis(50)).start().await;
    let dir = Dir::new("handle-part-size");
    let path = dir.file("web.raw", &content(20 * MIB, 25));
    let told = Arc::new(Mutex::new(Vec::new()));
    let keep = told.clone();
    fake.inject_s3_fault(ucloudstack::testing::S3Fault::InternalError, 1000);
    let err = upload(&fake.client(), &path)
        .image_format(ImageFormat::Raw)
        .part_size(6 << 20)
        .on_handle(move |h| keep.lock().unwrap().push(h.clone()))
        .send()
        .await
        .unwrap_err();
    fake.clear_faults();
    let failure = transfer_failure(err);
    let told = told.lock().unwrap().clone();
    assert!(told.iter().all(|h| h.part_size() == Some(6 << 20)), "{told:?}");
    let handle = failure.resume_handle().unwrap().clone();
    assert_eq!(handle.part_size(), Some(6 << 20));
    let text = serde_json::to_string(&handle).unwrap();
    assert!(text.contains(r#""part_size":6291456"#), "{text}");
    assert_eq!(serde_json::from_str::<UploadHandle>(&text).unwrap(), handle);
    // Resumed without a part size, the handle's is used.
    let done = upload(&fake.client(), &path).resume(handle).send().await.unwrap();
    assert_eq!(done.part_size, 6 << 20);

    // Parts of 6 MiB listed for a handle of 5 MiB parts: refused; with part_size(6 MiB), taken.
    let body = listing(&[(1, 6 << 20), (2, 6 << 20)]);
    let (s3, _server, client) = hostile_s3(move |r: &Request| match r.method.as_str() {
        "GET" => xml(body.clone()),
        _ => ResponseTemplate::new(200),
    })
    .await;
    let handle = UploadHandle::new(IMAGE, "upload-1").with_object_key("images/web.raw").with_part_size(5 << 20);
    let err = client.upload_image(&path).resume(handle.clone()).send().await.unwrap_err();
    let failure = transfer_failure(err);
    assert_eq!(failure.stage, TransferStage::Locate, "{failure}");
    let text = failure.to_string();
    assert!(text.contains("part 1") && text.contains("6291456") && text.contains("part_size"), "{text}");
    assert_eq!(puts(&s3).await, 0);
    let err = client.upload_image(&path).resume(handle).part_size(6 << 20).send().await.unwrap_err();
    assert!(!transfer_failure(err).to_string().contains("part_size"));
    assert!(puts(&s3).await > 0, "the caller's part size agrees with the listing");

    // A handle kept by an older version takes the listed size (within the bound), and is told
    // with it before any part is sent.
    let body = listing(&[(1, 6 << 20), (2, 6 << 20)]);
    let sent = Arc::new(AtomicUsize::new(0));
    let count = sent.clone();
    let (_s3, _server, client) = hostile_s3(move |r: &Request| match r.method.as_str() {
        "GET" => xml(body.clone()),
        _ => {
            count.fetch_add(1, SeqCst);
            ResponseTemplate::new(200)
        }
    })
    .await;
    let told = Arc::new(Mutex::new(Vec::new()));
    let keep = told.clone();
    let old = UploadHandle::new(IMAGE, "upload-1").with_object_key("images/web.raw");
    let watch = sent.clone();
    let _ = client
        .upload_image(&path)
        .resume(old)
        .on_handle(move |h| keep.lock().unwrap().push((h.part_size(), watch.load(SeqCst))))
        .send()
        .await;
    assert_eq!(told.lock().unwrap().last(), Some(&(Some(6 << 20), 0)), "{told:?}");
    assert!(sent.load(SeqCst) > 0);
}

// ---------------------------------------------------------------- handles

/// A handle with a blank id, an object key over S3's 1,024 bytes or a part size S3 refuses is
/// refused when read, and on resume before anything is sent, naming the field.
#[tokio::test]
async fn handles_with_blank_ids_long_keys_or_bad_part_sizes_are_refused() {
    let long = "k".repeat(1025);
    let cases = [
        (r#"{"image_id":"","upload_id":"u"}"#.to_owned(), "image_id"),
        (r#"{"image_id":"i","upload_id":"  "}"#.to_owned(), "upload_id"),
        (format!(r#"{{"image_id":"i","upload_id":"u","object_key":"{long}"}}"#), "object_key"),
        (r#"{"image_id":"i","upload_id":"u","object_key":""}"#.to_owned(), "object_key"),
        (r#"{"image_id":"i","upload_id":"u","part_size":1}"#.to_owned(), "part_size"),
        (format!(r#"{{"image_id":"{}","upload_id":"u"}}"#, "i".repeat(1025)), "image_id"),
    ];
    for (json, field) in &cases {
        let err = serde_json::from_str::<UploadHandle>(json).unwrap_err().to_string();
        assert!(err.contains(field), "{field}: {err}");
        assert!(err.len() < 300, "the value is not echoed: {} bytes", err.len());
    }
    assert!(serde_json::from_str::<UploadHandle>(r#"{"image_id":"i","upload_id":"u"}"#).is_ok());
    assert!(
        serde_json::from_str::<UploadHandle>(&format!(
            r#"{{"image_id":"i","upload_id":"u","object_key":"{}"}}"#,
            "k".repeat(1024)
        ))
        .is_ok()
    );

    let dir = Dir::new("bad-handles");
    let path = dir.file("web.raw", &content(MIB, 26));
    let (server, client) = platform(None, "mirror", "upload-1").await;
    let handles = [
        (UploadHandle::new("", "u"), "image_id"),
        (UploadHandle::new("i", " "), "upload_id"),
        (UploadHandle::new("i", "u").with_object_key(long.clone()), "object_key"),
        (UploadHandle::new("i", "u").with_part_size(1), "part_size"),
    ];
    for (handle, want) in handles {
        let err = client.upload_image(&path).resume(handle).send().await.unwrap_err();
        let Error::InvalidRequest { field, rule, .. } = &err else { panic!("{want}: {err}") };
        assert_eq!(field, want, "{rule}");
        assert!(rule.len() < 300, "{rule}");
    }
    let err = client.upload_image(&path).resume(UploadHandle::new("i", "u")).object_key(long).send().await;
    let Err(Error::InvalidRequest { field, .. }) = err else { panic!("{err:?}") };
    assert_eq!(field, "object_key");
    assert!(server.received_requests().await.unwrap().is_empty(), "nothing sent");
}

// ---------------------------------------------------------------- listings

fn query(request: &Request, name: &str) -> Option<String> {
    request.url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

async fn gets(s3: &MockServer) -> usize {
    s3.received_requests().await.unwrap().iter().filter(|r| r.method.as_str() == "GET").count()
}

/// Listings marked truncated forever, each page with a new marker, stop at a cap named in
/// the failure (ListParts: 20 pages, as 10,000 parts fill 10; ListMultipartUploads: 100)
/// instead of 10,000 pages.
#[tokio::test]
async fn listings_truncated_forever_stop_at_a_named_cap() {
    let dir = Dir::new("endless-listing");
    let path = dir.file("web.raw", &content(6 * MIB, 27));
    for (keyed, cap, op) in [(true, 20, "ListParts"), (false, 100, "ListMultipartUploads")] {
        let (s3, _server, client) = hostile_s3(|r: &Request| {
            let next = |marker: &str| {
                query(r, marker).map_or(1, |m| m.trim_start_matches('k').parse::<u64>().unwrap_or(0) + 1)
            };
            match query(r, "uploads") {
                Some(_) => xml(format!(
                    "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated><NextKeyMarker>k{}</NextKeyMarker>\
                     <NextUploadIdMarker>u</NextUploadIdMarker></ListMultipartUploadsResult>",
                    next("key-marker")
                )),
                None => xml(format!(
                    "<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>{}</NextPartNumberMarker>\
                     </ListPartsResult>",
                    next("part-number-marker")
                )),
            }
        })
        .await;
        let mut handle = UploadHandle::new(IMAGE, "upload-1");
        if keyed {
            handle = handle.with_object_key("images/web.raw");
        }
        let sent = client.upload_image(&path).resume(handle).send();
        let err = tokio::time::timeout(Duration::from_secs(60), sent).await.expect("stopped at a cap").unwrap_err();
        let failure = transfer_failure(err);
        assert_eq!(failure.stage, TransferStage::Locate, "{failure}");
        let cause = s3_cause(&failure);
        assert_eq!(cause.operation, op);
        assert!(cause.message.contains(&format!("{cap} pages")), "{cause}");
        assert!(failure.resume_handle().is_some());
        assert_eq!(gets(&s3).await, cap, "{op}");
    }
}

/// ListMultipartUploads showing the upload id under two keys is ambiguous: refused, naming
/// both keys and object_key, whichever page each is on.
#[tokio::test]
async fn an_upload_id_listed_under_two_keys_is_refused() {
    let dir = Dir::new("two-keys");
    let path = dir.file("web.raw", &content(6 * MIB, 28));
    let (s3, _server, client) = hostile_s3(|r: &Request| {
        let upload = |key: &str| format!("<Upload><Key>{key}</Key><UploadId>upload-1</UploadId></Upload>");
        match query(r, "key-marker") {
            None => xml(format!(
                "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated><NextKeyMarker>images/a.raw</NextKeyMarker>\
                 <NextUploadIdMarker>upload-1</NextUploadIdMarker>{}</ListMultipartUploadsResult>",
                upload("images/a.raw")
            )),
            Some(_) => xml(format!(
                "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>{}</ListMultipartUploadsResult>",
                upload("images/b.raw")
            )),
        }
    })
    .await;
    let err = client.upload_image(&path).resume(UploadHandle::new(IMAGE, "upload-1")).send().await.unwrap_err();
    let failure = transfer_failure(err);
    assert_eq!(failure.stage, TransferStage::Locate, "{failure}");
    let text = failure.to_string();
    assert!(text.contains("images/a.raw") && text.contains("images/b.raw") && text.contains("object_key"), "{text}");
    assert!(failure.resume_handle().is_some_and(|h| h.object_key().is_none()), "{text}");
    assert_eq!(puts(&s3).await, 0);
}

// ---------------------------------------------------------------- messages

/// A qcow2 header claiming a size past ImportImage's 2000 GiB, with no image_size set: the
/// refusal says the size was read from the header and how to set it.
#[tokio::test]
async fn a_header_size_past_the_limit_says_it_came_from_the_header() {
    let dir = Dir::new("huge-header");
    let mut head = vec![0u8; 64 << 10];
    head[..8].copy_from_slice(b"QFI\xfb\0\0\0\x03");
    head[24..32].copy_from_slice(&u64::MAX.to_be_bytes());
    let path = dir.file("huge.qcow2", &head);
    let (server, client) = platform(None, "mirror", "upload-1").await;
    let err = upload(&client, &path).send().await.unwrap_err();
    let Error::InvalidRequest { field, rule, .. } = &err else { panic!("{err}") };
    assert_eq!(field, "ImageSize");
    assert!(rule.contains("header") && rule.contains("image_size"), "{rule}");
    assert!(server.received_requests().await.unwrap().is_empty());
    // With image_size set, the header's size does not matter.
    let err = upload(&client, &path).image_size(20).send().await.unwrap_err();
    assert!(matches!(err, Error::Transfer(_)), "{err}");
}

/// A file cut short while its parts are read: the failure says the file changed (shrank), not
/// "failed to fill whole buffer".
#[tokio::test]
async fn a_file_that_shrinks_while_it_is_read_says_it_changed() {
    let fake = ucloudstack::testing::FakeUCloudStack::builder().making_delay(Duration::from_millis(50)).start().await;
    let dir = Dir::new("shrinks");
    let path = dir.file("web.raw", &content(20 * MIB, 29));
    let cut = path.clone();
    let err = upload(&fake.client(), &path)
        .image_format(ImageFormat::Raw)
        .concurrency(1)
        .on_progress(move |p| {
            if p.bytes_done > 0 {
                let _ = std::fs::File::options().write(true).open(&cut).and_then(|f| f.set_len(6 << 20));
            }
        })
        .send()
        .await
        .unwrap_err();
    let failure = transfer_failure(err);
    assert_eq!(failure.stage, TransferStage::Read, "{failure}");
    let text =
        format!("{failure}: {}", std::error::Error::source(&failure).map(ToString::to_string).unwrap_or_default());
    assert!(text.contains("changed") && text.contains("shrank"), "{text}");
    assert!(!text.contains("fill whole buffer"), "{text}");
    assert!(failure.resume_handle().is_some());
}

/// A raw disk whose bytes happen to hold an ISO 9660 mark at 32769 or start with `QFI\xfb`
/// uploads as raw when raw is named; the header decides only when no format is named.
#[tokio::test]
async fn an_explicit_raw_format_wins_over_a_header_the_disk_happens_to_hold() {
    let dir = Dir::new("raw-wins");
    let mut iso_like = content(MIB, 30);
    iso_like[32_769..32_774].copy_from_slice(b"CD001");
    let mut qcow2_like = content(MIB, 31);
    qcow2_like[..4].copy_from_slice(b"QFI\xfb");
    for (name, bytes) in [("iso-like.raw", iso_like), ("qcow2-like.raw", qcow2_like)] {
        let path = dir.file(name, &bytes);
        let (server, client) = platform(None, "mirror", "upload-1").await;
        let err = upload(&client, &path).image_format(ImageFormat::Raw).send().await.unwrap_err();
        let failure = transfer_failure(err);
        assert_eq!(failure.stage, TransferStage::Login, "{name}: {failure}");
        let forms = crate::upload::actions(&server).await;
        assert_eq!(crate::support::param(&forms[0], "ImageFormat"), Some("raw"), "{name}");
        assert_eq!(crate::support::param(&forms[0], "ImageSize"), Some("1"), "{name}");
    }
}

/// UploadPart answered 200 with a retryable S3 error (`InternalError`) is sent again, and the
/// upload finishes: the error's code decides, as for any other status.
#[tokio::test]
async fn an_upload_part_200_holding_a_retryable_error_is_sent_again() {
    let dir = Dir::new("error-200-retry");
    let path = dir.file("web.raw", &content(12 * MIB, 32));
    // Part number -> (size, MD5) of what was stored.
    let stored = Arc::new(Mutex::new(std::collections::BTreeMap::<u32, (usize, String)>::new()));
    let failed_once = Arc::new(AtomicUsize::new(0));
    let (s3, _server, client) = hostile_s3(move |r: &Request| match r.method.as_str() {
        "GET" => {
            let parts: String = stored
                .lock()
                .unwrap()
                .iter()
                .map(|(n, (size, md5))| {
                    format!("<Part><PartNumber>{n}</PartNumber><ETag>\"{md5}\"</ETag><Size>{size}</Size></Part>")
                })
                .collect();
            xml(format!("<ListPartsResult><IsTruncated>false</IsTruncated>{parts}</ListPartsResult>"))
        }
        _ if query(r, "partNumber").as_deref() == Some("2") && failed_once.fetch_add(1, SeqCst) == 0 => {
            xml("<Error><Code>InternalError</Code><Message>try again</Message></Error>")
        }
        _ => {
            let n: u32 = query(r, "partNumber").unwrap().parse().unwrap();
            stored.lock().unwrap().insert(n, (r.body.len(), crate::upload::md5_hex(&r.body)));
            ResponseTemplate::new(200)
        }
    })
    .await;
    let done = upload(&client, &path).image_format(ImageFormat::Raw).object_key("images/web.raw").send().await.unwrap();
    assert_eq!(puts(&s3).await, 4, "part 2 twice");
    assert_eq!(done.bytes_sent, 12 * MIB as u64);
}
