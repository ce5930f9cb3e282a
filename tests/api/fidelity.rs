//! Platform fidelity: RetCodes classified by the platform's own table, retries by meaning,
//! truthful deletes, creates that recover a lost answer, and a fake that keeps the platform's
//! rules. Each test counts the requests the server saw.

use crate::support::*;
use std::time::Duration;
use tokio::time::Instant;
use ucloudstack::CallOptionsBuilder;
use ucloudstack::image::ImageStatus;
use ucloudstack::ret_code::{v1, v2};
use ucloudstack::testing::{FakeUCloudStack, Fault};
use ucloudstack::vm::VmState;
use ucloudstack::{ApiErrorKind, Client, Credentials, Error, Platform, RetryPolicy, TransportErrorKind};

fn in_process(platform: Platform) -> FakeUCloudStack {
    FakeUCloudStack::builder().platform(platform).making_delay(Duration::from_secs(30)).in_process()
}

// -- 1. The platform generation selects the table, and nothing else.

#[tokio::test]
async fn the_platform_changes_nothing_on_the_wire() {
    let fake = FakeUCloudStack::start().await;
    let v1_client = fake.client_builder().platform(Platform::V1).build().unwrap();
    assert_eq!(fake.client().platform(), Platform::V2, "2.x is the default");
    assert_eq!(v1_client.platform(), Platform::V1);
    fake.client().describe_image().limit(5).send().await.unwrap();
    v1_client.describe_image().limit(5).send().await.unwrap();
    let keys = |i: usize| {
        let mut keys: Vec<String> = fake.requests()[i].form.iter().map(|(k, _)| k.clone()).collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(0), keys(1));
    assert!(!keys(0).contains(&"Zone".to_owned()), "Zone stays its own setting");
}

#[tokio::test(start_paused = true)]
async fn the_same_code_means_what_the_clients_table_says() {
    // 100 is "operation failed, retry later" on 1.x but "lacks a Referer" on 2.x.
    for (platform, kind, requests) in
        [(Platform::V1, Some(ApiErrorKind::Busy), 3), (Platform::V2, Some(ApiErrorKind::InvalidParameter), 1)]
    {
        let fake = in_process(platform);
        fake.inject_fault("DescribeImage", Fault::RetCode(100), 5);
        let err = fake.client().describe_image().send().await.unwrap_err();
        assert_eq!(err.api_kind(), kind, "{platform:?}");
        assert_eq!(fake.request_count("DescribeImage"), requests, "{platform:?}");
    }
}

// -- 2 and 3. Kinds, and retries by meaning.

#[tokio::test(start_paused = true)]
async fn codes_that_are_not_transient_are_never_retried() {
    for (platform, code) in [
        (Platform::V2, v2::ACCOUNT_NOT_FOUND),
        (Platform::V2, 3000), // VPC not found: not in the table
        (Platform::V2, v2::BALANCE_INSUFFICIENT),
        (Platform::V2, 2001),
        (Platform::V1, v1::IMAGE_NOT_FOUND),
        (Platform::V1, v1::SIGNATURE_FAILED),
    ] {
        let fake = in_process(platform);
        fake.inject_fault("DescribeImage", Fault::RetCode(code), 5);
        let err = fake.client().describe_image().send().await.unwrap_err();
        assert_eq!((err.ret_code(), err.attempts()), (Some(code), 1), "{platform:?} {code}");
        assert!(!err.is_retryable());
        assert_eq!(fake.request_count("DescribeImage"), 1, "{platform:?} {code}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_throttled_create_is_retried_after_at_least_a_second_and_makes_one_image() {
    for platform in [Platform::V2, Platform::V1] {
        let fake = in_process(platform);
        fake.inject_fault("CreateCustomImage", Fault::Throttled, 2);
        let started = Instant::now();
        let created = fake.client().create_custom_image().vm_id("vm-fake-1").image_name("once").send().await.unwrap();
        assert!(started.elapsed() >= Duration::from_secs(2), "two throttled answers, a second each at least");
        assert_eq!(fake.request_count("CreateCustomImage"), 3);
        let made: Vec<_> = fake.images().into_iter().filter(|i| i.name.as_deref() == Some("once")).collect();
        assert_eq!(made.len(), 1);
        assert_eq!(made[0].image_id.as_deref(), Some(created.image_id.as_str()));
    }
}

#[tokio::test(start_paused = true)]
async fn throttled_answers_say_so_when_retries_run_out() {
    let fake = in_process(Platform::V2);
    fake.inject_fault("DescribeImage", Fault::Throttled, 3);
    let err = fake.client().describe_image().send().await.unwrap_err();
    assert!(err.is_throttled() && err.is_retryable());
    assert_eq!((err.ret_code(), err.attempts()), (Some(v2::TOO_FREQUENT), 3));
    assert!(err.to_string().contains("too many requests"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn busy_is_retried_for_reads_but_never_for_a_create() {
    let fake = in_process(Platform::V2);
    fake.inject_fault("DescribeImage", Fault::RetCode(v2::SYSTEM_BUSY), 1);
    fake.client().describe_image().send().await.unwrap();
    assert_eq!(fake.request_count("DescribeImage"), 2);

    fake.inject_fault("CreateCustomImage", Fault::RetCode(v2::NO_PHYSICAL_RESOURCES), 1);
    let err = fake.client().create_custom_image().vm_id("vm-fake-1").image_name("x").send().await.unwrap_err();
    assert_eq!(err.api_kind(), Some(ApiErrorKind::Busy));
    assert_eq!(fake.request_count("CreateCustomImage"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_rate_limited_platform_is_waited_out() {
    let fake = FakeUCloudStack::builder().rate_limit(2).in_process();
    let client = fake.client_builder().retry_policy(RetryPolicy::default().max_attempts(5)).build().unwrap();
    for _ in 0..6 {
        client.describe_image().send().await.unwrap();
    }
    let sent = fake.request_count("DescribeImage");
    assert!(sent > 6, "some calls were refused and retried: {sent}");
}

#[tokio::test]
async fn a_body_the_crate_can_never_read_is_not_retried() {
    for body in ["\u{feff}{\"RetCode\":0,\"TotalCount\":0,\"Infos\":[]}", "[0]", "null"] {
        let server = server_answering(200, body).await;
        let client = Client::builder()
            .endpoint(format!("{}/api", server.uri()))
            .credentials(Credentials::new(PUBLIC, PRIVATE))
            .region("cn")
            .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
            .build()
            .unwrap();
        let err = client.describe_image().send().await.unwrap_err();
        assert!(matches!(err, Error::Decode { malformed: false, .. }), "{body:?}: {err:?}");
        assert_eq!(server.received_requests().await.unwrap().len(), 1, "{body:?}");
    }
}

/// A listener whose accept queue is full: a connect to it never completes.
async fn black_hole() -> (tokio::net::TcpListener, Vec<tokio::net::TcpStream>, String) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    while let Ok(Ok(stream)) =
        tokio::time::timeout(Duration::from_millis(200), tokio::net::TcpStream::connect(addr)).await
    {
        fillers.push(stream);
        assert!(fillers.len() < 64, "the accept queue never filled");
    }
    (listener, fillers, format!("http://{addr}/api"))
}

#[tokio::test]
async fn a_connection_that_never_opened_is_not_sent_even_when_the_attempt_timed_out() {
    let (_listener, _fillers, endpoint) = black_hole().await;
    let client = Client::builder()
        .endpoint(endpoint)
        .credentials(Credentials::new(PUBLIC, PRIVATE))
        .region("cn")
        .attempt_timeout(Duration::from_millis(300))
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    let err = client.create_custom_image().vm_id("vm-1").image_name("x").send().await.unwrap_err();
    match &err {
        Error::Transport { maybe_sent, kind, .. } => assert!(!maybe_sent && *kind == TransportErrorKind::Connect),
        other => panic!("{other:?}"),
    }
    assert_eq!(err.attempts(), 3, "the server cannot have seen it, so even a create is tried again");
    assert!(err.to_string().contains("no connection within"), "{err}");

    // Once the request left, a timeout is a timeout: the create is not sent again.
    let server = RawServer::with(Behaviour::Hang).await;
    let client = Client::builder()
        .endpoint(server.endpoint())
        .credentials(Credentials::new(PUBLIC, PRIVATE))
        .region("cn")
        .attempt_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = client.create_custom_image().vm_id("vm-1").image_name("x").send().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { what: "attempt", .. }), "{err:?}");
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_transport_error_names_its_root_cause() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/api", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::builder()
        .endpoint(dead)
        .credentials(Credentials::new(PUBLIC, PRIVATE))
        .region("cn")
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let text = client.describe_image().send().await.unwrap_err().to_string();
    assert!(text.to_lowercase().contains("refused"), "{text}");
    assert!(text.len() < 500, "{text}");
}

// -- 4. Truthful deletes.

fn lossy(platform: Platform) -> (FakeUCloudStack, Client) {
    let fake = FakeUCloudStack::builder()
        .platform(platform)
        .making_delay(Duration::from_secs(600))
        .deleting_delay(Duration::from_secs(60))
        .in_process();
    let client = fake.client_builder().attempt_timeout(Duration::from_secs(2)).build().unwrap();
    (fake, client)
}

#[tokio::test(start_paused = true)]
async fn a_delete_whose_answer_was_lost_succeeds_when_the_retry_hears_state() {
    for platform in [Platform::V2, Platform::V1] {
        let (fake, client) = lossy(platform);
        let id = fake.seed_custom_images(1).remove(0);
        fake.inject_fault("DeleteCustomImage", Fault::LostAnswer { acts_after: Duration::ZERO }, 1);
        client.delete_custom_image().image_id(&id).send().await.unwrap();
        assert_eq!(fake.request_count("DeleteCustomImage"), 2, "{platform:?}: the retry heard the image is Deleting");
        assert_eq!(fake.request_count("DescribeImage"), 1, "{platform:?}: one look decided");
        assert_eq!(fake.image(&id).unwrap().image_status, Some(ImageStatus::Deleting));
    }
}

#[tokio::test(start_paused = true)]
async fn a_delete_whose_answer_was_cut_succeeds_when_the_retry_hears_not_found() {
    for platform in [Platform::V2, Platform::V1] {
        let fake = FakeUCloudStack::builder().platform(platform).deleting_delay(Duration::ZERO).in_process();
        let id = fake.seed_custom_images(1).remove(0);
        fake.inject_fault("DeleteCustomImage", Fault::TruncatedBody, 1);
        fake.client().delete_custom_image().image_id(&id).send().await.unwrap();
        assert_eq!(fake.request_count("DeleteCustomImage"), 2, "{platform:?}");
        assert_eq!(fake.request_count("DescribeImage"), 0, "{platform:?}: not found needs no look");
        assert!(fake.image(&id).is_none());
    }
}

#[tokio::test(start_paused = true)]
async fn a_delete_stays_an_error_when_nothing_was_lost_or_the_image_is_still_there() {
    let (fake, client) = lossy(Platform::V2);
    let err = client.delete_custom_image().image_id("cn-image-nope").send().await.unwrap_err();
    assert!(err.is_not_found(), "no earlier attempt: not found is the answer");

    // The lost attempt was refused (the image is Making); the retry hears the same.
    let id = client.create_custom_image().vm_id("vm-fake-1").image_name("x").send().await.unwrap().image_id;
    fake.inject_fault("DeleteCustomImage", Fault::LostAnswer { acts_after: Duration::ZERO }, 1);
    let err = client.delete_custom_image().image_id(&id).send().await.unwrap_err();
    assert_eq!(err.ret_code(), Some(v2::IMAGE_STATE));
    assert_eq!(fake.request_count("DescribeImage"), 1);
    assert_eq!(fake.image(&id).unwrap().image_status, Some(ImageStatus::Making));
}

// -- 5. Creates that recover an unknown outcome.

fn recovering(acts_after: Duration) -> (FakeUCloudStack, Client) {
    let fake = FakeUCloudStack::builder().in_process();
    fake.inject_fault("CreateCustomImage", Fault::LostAnswer { acts_after }, 1);
    let client = fake.client_builder().attempt_timeout(Duration::from_secs(2)).build().unwrap();
    (fake, client)
}

#[tokio::test(start_paused = true)]
async fn recover_by_name_finds_the_image_a_lost_answer_made() {
    let (fake, client) = recovering(Duration::ZERO);
    let created = client.create_custom_image().vm_id("vm-fake-1").image_name("golden").recover_by_name(true).send();
    let created = created.await.unwrap();
    assert_eq!(fake.image(&created.image_id).unwrap().name.as_deref(), Some("golden"));
    assert_eq!(fake.request_count("CreateCustomImage"), 1, "never re-sent");
}

#[tokio::test(start_paused = true)]
async fn recover_by_name_keeps_looking_while_the_platform_works() {
    // The platform makes the image 4 s after the request; the attempt gave up after 2 s.
    let (fake, client) = recovering(Duration::from_secs(4));
    let started = Instant::now();
    let created = client.create_custom_image().vm_id("vm-fake-1").image_name("late").recover_by_name(true).send();
    let created = created.await.unwrap();
    assert!(fake.image(&created.image_id).is_some());
    assert!(started.elapsed() >= Duration::from_secs(4));
    assert_eq!(fake.request_count("CreateCustomImage"), 1);
}

#[tokio::test(start_paused = true)]
async fn recover_by_name_gives_the_original_error_when_nothing_appears() {
    let (fake, client) = recovering(Duration::from_secs(600));
    let started = Instant::now();
    let err = client
        .create_custom_image()
        .vm_id("vm-fake-1")
        .image_name("never")
        .recover_by_name(true)
        .recovery_window(Duration::from_secs(3))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() <= Duration::from_secs(2 + 3 + 1), "bounded by the window");
    assert!(fake.request_count("DescribeImage") >= 2, "looked more than once");
    assert_eq!(fake.request_count("CreateCustomImage"), 1);
}

#[tokio::test(start_paused = true)]
async fn recover_by_name_refuses_to_guess_between_two_images() {
    // An older platform does not say which VM an image came from (`ImageFrom`).
    let fake = FakeUCloudStack::builder().older_platform().in_process();
    fake.inject_fault("CreateCustomImage", Fault::LostAnswer { acts_after: Duration::ZERO }, 1);
    let client = fake.client_builder().attempt_timeout(Duration::from_secs(2)).build().unwrap();
    // Another tool makes an image of the same name while our create's answer is lost.
    let other = fake.client();
    let twin = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(1)).await;
        other.create_custom_image().vm_id("vm-fake-2").image_name("twin").send().await.unwrap()
    });
    let err = client.create_custom_image().vm_id("vm-fake-1").image_name("twin").recover_by_name(true).send();
    let err = err.await.unwrap_err();
    let other = twin.await.unwrap();
    assert!(err.outcome_unknown(), "{err}");
    match err {
        Error::AmbiguousRecovery { image_ids, name, source, .. } => {
            assert_eq!(name, "twin");
            assert_eq!(image_ids.len(), 2);
            assert!(image_ids.contains(&other.image_id));
            assert!(matches!(*source, Error::Timeout { .. }));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn recover_by_name_adopts_only_an_image_of_its_own_vm_where_the_platform_says() {
    let fake = FakeUCloudStack::builder().in_process();
    fake.inject_fault("CreateCustomImage", Fault::LostAnswer { acts_after: Duration::ZERO }, 1);
    let client = fake.client_builder().attempt_timeout(Duration::from_secs(2)).build().unwrap();
    // Another tool makes an image of the same name from another VM meanwhile.
    let other = fake.client();
    let twin = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(1)).await;
        other.create_custom_image().vm_id("vm-fake-2").image_name("twin").send().await.unwrap()
    });
    let ours = client.create_custom_image().vm_id("vm-fake-1").image_name("twin").recover_by_name(true).send();
    let ours = ours.await.unwrap();
    let twin = twin.await.unwrap();
    assert_ne!(ours.image_id, twin.image_id);
    assert_eq!(fake.image(&ours.image_id).unwrap().image_from.as_deref(), Some("vm-fake-1"));
}

#[tokio::test(start_paused = true)]
async fn recover_by_name_never_adopts_an_image_that_was_there_before() {
    // An image of the same name made 30 minutes before the call; the create's answer is lost
    // and the platform never acts on it.
    let fake = FakeUCloudStack::builder().in_process();
    let old = fake.client().create_custom_image().vm_id("vm-fake-2").image_name("golden").send().await.unwrap();
    tokio::time::advance(Duration::from_secs(30 * 60)).await;
    fake.inject_fault("CreateCustomImage", Fault::LostAnswer { acts_after: Duration::from_secs(3600) }, 1);
    let client = fake.client_builder().attempt_timeout(Duration::from_secs(2)).build().unwrap();
    let err = client
        .create_custom_image()
        .vm_id("vm-fake-1")
        .image_name("golden")
        .recover_by_name(true)
        .recovery_window(Duration::from_secs(3))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }) && err.outcome_unknown(), "not {} adopted: {err:?}", old.image_id);
}

#[tokio::test(start_paused = true)]
async fn recovery_ends_with_its_window_even_inside_a_hanging_listing() {
    let (fake, client) = recovering(Duration::from_secs(3600));
    // Every listing after the one before the create hangs far longer than the window.
    let started = Instant::now();
    let create = client
        .create_custom_image()
        .vm_id("vm-fake-1")
        .image_name("slow")
        .recover_by_name(true)
        .recovery_window(Duration::from_secs(3))
        .attempt_timeout(Duration::from_secs(2));
    let hang = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        fake.inject_fault("DescribeImage", Fault::Delay(Duration::from_secs(90)), 100);
    };
    let (err, ()) = tokio::join!(create.send(), hang);
    assert!(matches!(err, Err(Error::Timeout { .. })), "{err:?}");
    assert!(started.elapsed() <= Duration::from_secs(2 + 3 + 1), "{:?}", started.elapsed());

    // The call's own total timeout bounds recovery too.
    let (fake, client) = recovering(Duration::from_secs(3600));
    fake.inject_fault("DescribeImage", Fault::Delay(Duration::from_secs(90)), 100);
    let started = Instant::now();
    let err = client
        .create_custom_image()
        .vm_id("vm-fake-1")
        .image_name("slow")
        .recover_by_name(true)
        .recovery_window(Duration::MAX)
        .total_timeout(Duration::from_secs(200))
        .send()
        .await;
    assert!(err.is_err());
    assert!(started.elapsed() <= Duration::from_secs(201), "{:?}", started.elapsed());
}

#[tokio::test(start_paused = true)]
async fn the_listing_before_a_recoverable_create_keeps_to_the_total_timeout() {
    // Every DescribeImage hangs, the first one (made before the create) included.
    let (fake, client) = recovering(Duration::from_secs(3600));
    fake.inject_fault("DescribeImage", Fault::Delay(Duration::from_secs(90)), 100);
    let started = Instant::now();
    let err = client
        .create_custom_image()
        .vm_id("vm-fake-1")
        .image_name("slow")
        .recover_by_name(true)
        .total_timeout(Duration::from_secs(2))
        .send()
        .await
        .unwrap_err();
    assert!(started.elapsed() <= Duration::from_secs(3), "{:?}", started.elapsed());
    match &err {
        Error::Timeout { what, limit, .. } => assert_eq!((*what, *limit), ("total", Duration::from_secs(2))),
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.request_count("CreateCustomImage"), 0, "nothing was created");
}

#[tokio::test(start_paused = true)]
async fn without_recover_by_name_or_with_a_definite_answer_nothing_is_looked_up() {
    let (fake, client) = recovering(Duration::ZERO);
    let err = client.create_custom_image().vm_id("vm-fake-1").image_name("x").send().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }));
    fake.set_vm_state("vm-fake-2", VmState::Running);
    let err = client.create_custom_image().vm_id("vm-fake-2").image_name("y").recover_by_name(true).send().await;
    assert_eq!(err.unwrap_err().ret_code(), Some(v2::VM_NOT_STOPPED));
    assert_eq!(fake.request_count("DescribeImage"), 1, "only the listing before the create");
}

// -- 6. Regressions found by review.

#[tokio::test(start_paused = true)]
async fn waiters_saturate_huge_durations() {
    let fake = FakeUCloudStack::builder().making_delay(Duration::from_secs(10)).in_process();
    let client = fake.client();
    let id = client.create_custom_image().vm_id("vm-fake-1").image_name("x").send().await.unwrap().image_id;
    let image = client
        .wait_until_image_available(&id)
        .max_wait(Duration::MAX)
        .poll_delay(Duration::MAX, Duration::MAX)
        .wait()
        .await
        .unwrap();
    assert_eq!(image.image_status, Some(ImageStatus::Used));
}

#[tokio::test(start_paused = true)]
async fn a_waiter_that_times_out_on_errors_keeps_the_last_one() {
    let fake = FakeUCloudStack::builder().in_process();
    let id = fake.seed_custom_images(1).remove(0);
    fake.inject_fault("DescribeImage", Fault::Http(503), 1000);
    let err = fake.client().wait_until_image_deleted(&id).max_wait(Duration::from_secs(60)).wait().await.unwrap_err();
    match &err {
        Error::Waiter { reason, source: Some(last), .. } => {
            assert_eq!(*reason, ucloudstack::WaitFailure::TimedOut(Duration::from_secs(60)));
            assert!(matches!(**last, Error::Http { status: 503, .. }), "{last:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("HTTP 503"), "{err}");
}

#[tokio::test]
async fn a_huge_message_and_request_id_stay_short() {
    let server = wiremock::MockServer::start().await;
    let body = format!(r#"{{"RetCode":4,"Message":"{}"}}"#, "m".repeat(10 << 20));
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_raw(body, "application/json")
                .insert_header("x-ucloud-request-uuid", "r".repeat(60_000).as_str()),
        )
        .mount(&server)
        .await;
    let err = client_for(&server).describe_image().send().await.unwrap_err();
    assert_eq!(err.ret_code(), Some(4));
    assert!(err.to_string().len() < 1024, "{} bytes", err.to_string().len());
    assert!(format!("{err:?}").len() < 1024);
}

#[tokio::test]
async fn call_refuses_two_ret_codes() {
    let server = server_answering(200, r#"{"RetCode":109,"Message":"bad","RetCode":0}"#).await;
    let err = client_for(&server).call("DescribeVPC", &[("Limit", "1")]).await.unwrap_err();
    assert!(matches!(&err, Error::Decode { reason, .. } if reason.contains("duplicate")), "{err:?}");
}

// -- 7. The fake keeps the platform's rules, in the codes of the generation it plays.

#[tokio::test(start_paused = true)]
async fn the_fake_refuses_what_the_platform_refuses() {
    for (platform, making, in_use, running, not_found) in [
        (Platform::V2, v2::IMAGE_STATE, v2::IMAGE_IN_USE, v2::VM_NOT_STOPPED, v2::IMAGE_NOT_FOUND),
        (Platform::V1, v1::IMAGE_UNAVAILABLE, v1::IMAGE_IN_USE, v1::VM_NOT_STOPPED, v1::IMAGE_NOT_FOUND),
    ] {
        let fake = in_process(platform);
        let client = fake.client();
        let code = |r: Result<_, Error>| r.map(|_| ()).unwrap_err().ret_code();

        let id = client.create_custom_image().vm_id("vm-fake-1").image_name("a").send().await.unwrap().image_id;
        assert_eq!(code(client.delete_custom_image().image_id(&id).send().await), Some(making), "{platform:?}");

        let used = fake.seed_custom_images(1).remove(0);
        fake.set_vm_image("vm-fake-3", &used);
        assert_eq!(code(client.delete_custom_image().image_id(&used).send().await), Some(in_use), "{platform:?}");

        fake.set_vm_state("vm-fake-2", VmState::Running);
        let err = client.create_custom_image().vm_id("vm-fake-2").image_name("b").send().await.unwrap_err();
        assert_eq!(err.ret_code(), Some(running), "{platform:?}");
        assert_eq!(err.api_kind(), Some(ApiErrorKind::InvalidState));
        assert!(err.to_string().contains("stop it first"), "{err}");

        let err = client.delete_custom_image().image_id("cn-image-nope").send().await.unwrap_err();
        assert_eq!(err.ret_code(), Some(not_found));
        assert!(err.is_not_found());
        assert_eq!(fake.vm_state("vm-fake-2"), Some(VmState::Running), "nothing changed the VM");
    }
}

#[tokio::test(start_paused = true)]
async fn a_vm_being_imaged_is_busy() {
    let fake = in_process(Platform::V2);
    let client = fake.client_builder().retry_policy(RetryPolicy::disabled()).build().unwrap();
    client.create_custom_image().vm_id("vm-fake-1").image_name("a").send().await.unwrap();
    let err = client.create_custom_image().vm_id("vm-fake-1").image_name("b").send().await.unwrap_err();
    assert_eq!(err.ret_code(), Some(v2::VM_BEING_IMAGED));
    assert_eq!(err.api_kind(), Some(ApiErrorKind::Busy));
}

#[tokio::test]
async fn the_1x_fake_answers_1x_codes() {
    let fake = FakeUCloudStack::builder().platform(Platform::V1).require_zone("zone-01").start().await;
    let client = fake.client_builder().retry_policy(RetryPolicy::disabled()).build().unwrap();
    let code = |r: Result<serde_json::Value, Error>| r.unwrap_err().ret_code();
    assert_eq!(code(client.call("DescribeImage", &[("Limit", "x")]).await), Some(v1::PARAM_ERROR));
    assert_eq!(code(client.call("CreateCustomImage", &[("ImageName", "x")]).await), Some(v1::PARAM_MISSING));
    assert_eq!(code(client.call("DescribeImage", &[("Region", "mars")]).await), Some(v1::REGION_NOT_FOUND));
    assert_eq!(code(client.call("DescribeImage", &[("Zone", "zone-99")]).await), Some(v1::ZONE_NOT_FOUND));
    let err = client.create_custom_image().vm_id("vm-nope").image_name("x").send().await.unwrap_err();
    assert_eq!((err.ret_code(), err.is_not_found()), (Some(v1::VM_NOT_FOUND), true));
}

#[tokio::test(start_paused = true)]
async fn a_refusal_is_not_a_lost_answer() {
    // 429 and 503 refuse: "not found" after them is the truth about an image that never was.
    for status in [429, 503] {
        let fake = in_process(Platform::V2);
        fake.inject_fault("DeleteCustomImage", Fault::Http(status), 1);
        let err = fake.client().delete_custom_image().image_id("cn-image-never").send().await.unwrap_err();
        assert!(err.is_not_found(), "{status}: {err:?}");
        assert_eq!(fake.request_count("DeleteCustomImage"), 2);
    }
    // A gateway's 502 may hide a delete that happened.
    let fake = in_process(Platform::V2);
    let id = fake.seed_custom_images(1).remove(0);
    fake.inject_fault("DeleteCustomImage", Fault::Http(502), 1);
    fake.client().delete_custom_image().image_id(&id).send().await.unwrap();
}
