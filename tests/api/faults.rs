//! The fault matrix: each fault with the outcome and the number of requests the server saw,
//! and for CreateCustomImage, never more than one new image.

use crate::support::*;
use std::time::Duration;
use ucloudstack::CallOptionsBuilder;
use ucloudstack::image::{ImageStatus, OsType};
use ucloudstack::testing::{FakeUCloudStack, Fault};
use ucloudstack::{Client, Credentials, Error, RetryPolicy, TransportErrorKind};

/// Three attempts with near-zero backoff, so real-time tests stay fast.
fn quick_retries() -> RetryPolicy {
    RetryPolicy::default().initial_backoff(Duration::from_millis(1)).max_backoff(Duration::from_millis(5))
}

fn raw_client(server: &RawServer) -> Client {
    Client::builder()
        .endpoint(server.endpoint())
        .credentials(Credentials::new(PUBLIC, PRIVATE))
        .region("cn")
        .retry_policy(quick_retries())
        .attempt_timeout(Duration::from_millis(300))
        .build()
        .unwrap()
}

async fn fake() -> (FakeUCloudStack, Client) {
    let fake = FakeUCloudStack::start().await;
    let client = fake.client_builder().retry_policy(quick_retries()).build().unwrap();
    (fake, client)
}

#[tokio::test]
async fn http_503_then_200_succeeds_on_the_retry() {
    let (fake, client) = fake().await;
    fake.inject_fault("DescribeImage", Fault::Http(503), 1);
    client.describe_image().send().await.unwrap();
    assert_eq!(fake.request_count("DescribeImage"), 2);
}

#[tokio::test]
async fn http_503_three_times_fails_after_3_attempts() {
    let (fake, client) = fake().await;
    fake.inject_fault("DescribeImage", Fault::Http(503), 5);
    let err = client.describe_image().send().await.unwrap_err();
    assert!(matches!(err, Error::Http { status: 503, .. }));
    assert_eq!(err.attempts(), 3);
    assert!(err.to_string().contains("after 3 attempts"), "{err}");
    assert_eq!(fake.request_count("DescribeImage"), 3);
}

#[tokio::test(start_paused = true)]
async fn http_429_with_retry_after_waits_that_long() {
    let fake = FakeUCloudStack::builder().in_process();
    let client = fake.client();
    fake.inject_fault("DescribeImage", Fault::HttpRetryAfter(429, 1), 1);
    let started = tokio::time::Instant::now();
    client.describe_image().send().await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(1), "Retry-After: 1 is honoured exactly");
    assert_eq!(fake.request_count("DescribeImage"), 2);
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_clamped_to_the_max_backoff() {
    let fake = FakeUCloudStack::builder().in_process();
    let client = fake.client();
    fake.inject_fault("DescribeImage", Fault::HttpRetryAfter(503, 86_400), 1);
    let started = tokio::time::Instant::now();
    client.describe_image().send().await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(5));
}

#[tokio::test]
async fn every_attempt_is_signed_and_stamped_afresh() {
    let fake = FakeUCloudStack::start().await;
    let client = fake.client();
    fake.inject_fault("DescribeImage", Fault::HttpRetryAfter(503, 1), 1);
    client.describe_image().send().await.unwrap();
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    let stamps: Vec<u64> = requests.iter().map(|r| r.header("u-timestamp-ms").unwrap().parse().unwrap()).collect();
    assert!(stamps[1] >= stamps[0] + 1000, "{stamps:?}");
    for r in &requests {
        assert_eq!(r.param("Signature").unwrap(), recompute_signature(&r.form, "fake-private-key"));
    }
}

#[tokio::test]
async fn connection_reset_is_retried_for_describe_but_never_for_create() {
    let server = RawServer::with(Behaviour::Reset).await;
    let client = raw_client(&server);
    let err = client.describe_image().send().await.unwrap_err();
    match &err {
        Error::Transport { maybe_sent, kind, .. } => assert!(*maybe_sent && *kind == TransportErrorKind::Io, "{err:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!((err.attempts(), server.requests()), (3, 3));

    let server = RawServer::with(Behaviour::Reset).await;
    let err = raw_client(&server).create_custom_image().vm_id("v").image_name("n").send().await.unwrap_err();
    assert!(matches!(err, Error::Transport { maybe_sent: true, .. }), "{err:?}");
    assert_eq!((err.attempts(), server.requests()), (1, 1), "a create that may have arrived is not re-sent");
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_for_create() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder()
        .endpoint(format!("http://{addr}/api"))
        .credentials(Credentials::new(PUBLIC, PRIVATE))
        .region("cn")
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let err = client.create_custom_image().vm_id("v").image_name("n").send().await.unwrap_err();
    match &err {
        Error::Transport { maybe_sent, kind, .. } => {
            assert!(!maybe_sent);
            assert_eq!(*kind, TransportErrorKind::Connect);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.attempts(), 3, "the server cannot have seen it, so it is safe to try again");
}

#[tokio::test]
async fn a_server_that_accepts_and_hangs_times_out() {
    let server = RawServer::with(Behaviour::Hang).await;
    let client = raw_client(&server);
    let started = std::time::Instant::now();
    let err = client.describe_image().retry_policy(RetryPolicy::disabled()).send().await.unwrap_err();
    let elapsed = started.elapsed();
    match &err {
        Error::Timeout { what, limit, .. } => assert_eq!((*what, *limit), ("attempt", Duration::from_millis(300))),
        other => panic!("{other:?}"),
    }
    assert!(elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(3), "{elapsed:?}");

    let err = client.describe_image().send().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }));
    assert_eq!(err.attempts(), 3);

    let started = std::time::Instant::now();
    let err = client.describe_image().total_timeout(Duration::from_millis(400)).send().await.unwrap_err();
    match &err {
        Error::Timeout { what, .. } => assert_eq!(*what, "total"),
        other => panic!("{other:?}"),
    }
    assert_eq!(err.attempts(), 2, "one attempt timed out, the second was under way");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn truncated_json_and_an_html_page_are_retried_for_describe() {
    let (fake, client) = fake().await;
    fake.inject_fault("DescribeImage", Fault::TruncatedBody, 1);
    fake.inject_fault("DescribeImage", Fault::MalformedBody, 1);
    client.describe_image().send().await.unwrap();
    assert_eq!(fake.request_count("DescribeImage"), 3);

    fake.inject_fault("DescribeImage", Fault::MalformedBody, 3);
    let err = client.describe_image().send().await.unwrap_err();
    match &err {
        Error::Decode { body, .. } => assert!(body.contains("<html>"), "{body}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn busy_then_0_succeeds_and_2001_or_109_is_not_retried() {
    let (fake, client) = fake().await;
    fake.inject_fault("DescribeImage", Fault::RetCode(560), 1);
    client.describe_image().send().await.unwrap();
    assert_eq!(fake.request_count("DescribeImage"), 2);

    for code in [109, 2001] {
        fake.inject_fault("DescribeImage", Fault::RetCode(code), 1);
        let err = client.describe_image().send().await.unwrap_err();
        assert_eq!((err.ret_code(), err.attempts()), (Some(code), 1));
    }
    assert_eq!(fake.request_count("DescribeImage"), 4);
}

#[tokio::test]
async fn ret_code_as_a_string_and_numbers_as_strings() {
    let server =
        server_answering(200, r#"{"RetCode":"0","TotalCount":"1","Infos":[{"ImageSize":"40","CreateTime":"17"}]}"#)
            .await;
    let page = client_for(&server).describe_image().send().await.unwrap();
    assert_eq!((page.total_count, page.infos[0].image_size, page.infos[0].create_time), (1, Some(40), Some(17)));
}

#[tokio::test]
async fn unknown_enum_values_and_null_in_every_optional_field() {
    let nulls = r#"{"RetCode":0,"Message":null,"Action":null,"TotalCount":2,"Infos":[
        {"Region":null,"CompanyID":null,"Email":null,"ProjectID":null,"ProjectName":null,"ImageID":null,
         "Name":null,"ImageDescription":null,"ImageSize":null,"ImageType":null,"OSType":null,"OSName":null,
         "SetArch":null,"OSDistribution":null,"ImageStatus":null,"CreateTime":null,"UpdateTime":null},
        {"ImageType":"Shared","OSType":"HarmonyOS","ImageStatus":"Migrating"}]}"#;
    let server = server_answering(200, nulls).await;
    let page = client_for(&server).describe_image().send().await.unwrap();
    assert_eq!(page.infos[0], ucloudstack::image::ImageInfo::default());
    let odd = &page.infos[1];
    assert_eq!(odd.image_type.as_ref().map(|t| t.as_str()), Some("Shared"));
    assert_eq!(odd.os_type, Some(OsType::Unknown("HarmonyOS".into())));
    assert_eq!(odd.image_status, Some(ImageStatus::Unknown("Migrating".into())));
}

#[tokio::test]
async fn a_64_mib_body_is_refused_without_reading_it_whole() {
    // With Content-Length: refused before reading.
    let big = format!("{{\"RetCode\":0,\"Pad\":\"{}\"}}", "x".repeat(64 << 20));
    let server = server_answering(200, &big).await;
    drop(big);
    let err = client_for(&server).describe_image().send().await.unwrap_err();
    match &err {
        Error::Transport { kind, .. } => assert_eq!(*kind, TransportErrorKind::BodyTooLarge),
        other => panic!("{other:?}"),
    }
    assert!(!err.is_retryable(), "a body over the limit will be over it again");
    assert!(err.to_string().contains("16777216"), "{err}");

    // Chunked, with no length: refused once past the limit.
    let server = RawServer::with(Behaviour::Endless { mib: 64 }).await;
    let client = Client::builder()
        .endpoint(server.endpoint())
        .credentials(Credentials::new(PUBLIC, PRIVATE))
        .region("cn")
        .max_response_size(1 << 20)
        .build()
        .unwrap();
    let err = client.describe_image().send().await.unwrap_err();
    assert!(matches!(err, Error::Transport { kind: TransportErrorKind::BodyTooLarge, .. }), "{err:?}");
    assert_eq!(server.requests(), 1, "not retried");
}

#[tokio::test]
async fn create_never_makes_two_images_under_any_fault() {
    // (HTTP 429 is throttling: nothing was done, so it is retried; see
    // `scale::gateway_429_is_throttling_everywhere`.)
    let faults = [
        Fault::Http(503),
        Fault::Http(502),
        Fault::RetCode(560),
        Fault::TruncatedBody,
        Fault::MalformedBody,
        Fault::Delay(Duration::from_millis(800)),
    ];
    for fault in faults {
        let fake = FakeUCloudStack::start().await;
        let client = fake
            .client_builder()
            .retry_policy(quick_retries())
            .attempt_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        fake.inject_fault("CreateCustomImage", fault.clone(), 1);
        let result = client.create_custom_image().vm_id("vm-fake-1").image_name("once").send().await;
        let made = fake.images().iter().filter(|i| i.name.as_deref() == Some("once")).count();
        assert!(result.is_err(), "{fault:?} should fail the call");
        assert!(made <= 1, "{fault:?} made {made} images");
        assert_eq!(fake.request_count("CreateCustomImage"), 1, "{fault:?}: the create was re-sent");
    }
}
