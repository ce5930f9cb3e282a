//! The embedded fake UCloudStack behaves like the real one.

use std::time::Duration;
use ucloudstack::CallOptionsBuilder;
use ucloudstack::image::{ImageStatus, ImageType};
use ucloudstack::ret_code::{v1, v2};
use ucloudstack::testing::{FakeUCloudStack, Fault};
use ucloudstack::{ApiErrorKind, Credentials, Error, Platform, RetryPolicy};

#[tokio::test]
async fn lists_the_seeded_base_images() {
    let fake = FakeUCloudStack::start().await;
    let page = fake.client().describe_image().send().await.unwrap();
    assert_eq!(page.total_count, 6);
    assert!(page.infos.iter().all(|i| i.image_type == Some(ImageType::Base)));
    assert!(page.infos.iter().all(|i| i.image_status == Some(ImageStatus::Used)));
    let received = fake.requests();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].param("Action"), Some("DescribeImage"));
    assert!(received[0].header("user-agent").unwrap().starts_with("ucloudstack-rust/"));
}

#[tokio::test]
async fn a_wrong_private_key_is_the_platforms_signature_code() {
    for (platform, code) in [(Platform::V2, v2::SIGNATURE_INVALID), (Platform::V1, v1::SIGNATURE_FAILED)] {
        let fake = FakeUCloudStack::builder().platform(platform).start().await;
        let client = fake.client_builder().credentials(Credentials::new("fake-public-key", "wrong")).build().unwrap();
        let err = client.describe_image().send().await.unwrap_err();
        assert_eq!(err.ret_code(), Some(code));
        assert_eq!(err.api_kind(), Some(ApiErrorKind::Auth));
        assert!(err.to_string().contains("check the key pair"), "{err}");
        assert!(err.request_id().is_some());
        assert_eq!(fake.request_count("DescribeImage"), 1, "a signature error is not retried");
    }
}

#[tokio::test(start_paused = true)]
async fn create_goes_making_then_used_and_delete_goes_deleting_then_gone() {
    let fake = FakeUCloudStack::builder()
        .making_delay(Duration::from_secs(60))
        .deleting_delay(Duration::from_secs(10))
        .in_process();
    let client = fake.client();
    let created = client
        .create_custom_image()
        .vm_id("vm-fake-1")
        .image_name("golden")
        .image_description("web tier")
        .send()
        .await
        .unwrap();
    let status = |client: ucloudstack::Client, id: String| async move {
        let page = client.describe_image().image_ids([id]).send().await.unwrap();
        page.infos.first().and_then(|i| i.image_status.clone())
    };
    assert_eq!(status(client.clone(), created.image_id.clone()).await, Some(ImageStatus::Making));
    let image = fake.image(&created.image_id).unwrap();
    assert_eq!(image.name.as_deref(), Some("golden"));
    assert_eq!(image.image_description.as_deref(), Some("web tier"));
    assert_eq!(image.image_type, Some(ImageType::Custom));

    tokio::time::advance(Duration::from_secs(61)).await;
    assert_eq!(status(client.clone(), created.image_id.clone()).await, Some(ImageStatus::Used));

    client.delete_custom_image().image_id(&created.image_id).send().await.unwrap();
    assert_eq!(status(client.clone(), created.image_id.clone()).await, Some(ImageStatus::Deleting));
    tokio::time::advance(Duration::from_secs(11)).await;
    assert_eq!(status(client.clone(), created.image_id.clone()).await, None);
    let err = client.delete_custom_image().image_id(&created.image_id).send().await.unwrap_err();
    assert_eq!(err.ret_code(), Some(v2::IMAGE_NOT_FOUND));
    assert!(err.is_not_found());
}

#[tokio::test]
async fn documented_errors() {
    let fake = FakeUCloudStack::start().await;
    let client = fake.client_builder().retry_policy(RetryPolicy::disabled()).build().unwrap();
    fn code<T: std::fmt::Debug>(result: Result<T, Error>) -> Option<i64> {
        result.unwrap_err().ret_code()
    }

    assert_eq!(
        code(client.create_custom_image().vm_id("vm-nope").image_name("x").send().await),
        Some(v2::VM_NOT_FOUND)
    );
    assert_eq!(code(client.delete_custom_image().image_id("cn-image-nope").send().await), Some(v2::IMAGE_NOT_FOUND));
    assert_eq!(
        code(client.delete_custom_image().image_id("cn-image-centos-74").send().await),
        Some(v2::WRONG_RESOURCE_TYPE)
    );
    // What the typed client refuses to send, sent raw.
    assert_eq!(code(client.call("DescribeImage", &[("Limit", "101")]).await), Some(v2::PARAM_FORMAT));
    assert_eq!(code(client.call("CreateCustomImage", &[("ImageName", "x")]).await), Some(v2::PARAM_EMPTY));
    assert_eq!(code(client.call("DeleteCustomImage", &[("CompanyID", "1")]).await), Some(v2::PARAM_EMPTY));
    assert_eq!(code(client.call("DescribeImage", &[("Region", "mars")]).await), Some(v2::PARAM_CHECK_FAILED));
    assert_eq!(code(client.call("DescribeVPC", &[("Limit", "1")]).await), Some(v2::ACTION_NOT_FOUND));
    assert_eq!(fake.images().len(), 6, "nothing was created or deleted");
}

#[tokio::test]
async fn describe_filters_and_pages_after_counting() {
    let fake = FakeUCloudStack::start().await;
    let seeded = fake.seed_custom_images(25);
    let client = fake.client();

    let custom = client.describe_image().image_type(ImageType::Custom).offset(20).limit(10).send().await.unwrap();
    assert_eq!(custom.total_count, 25);
    let ids: Vec<_> = custom.infos.iter().map(|i| i.image_id.clone().unwrap()).collect();
    assert_eq!(ids, seeded[20..]);

    let default_page = client.describe_image().send().await.unwrap();
    assert_eq!((default_page.total_count, default_page.infos.len()), (31, 20));

    let by_id = client.describe_image().image_ids([&seeded[3], "cn-image-centos-74"]).send().await.unwrap();
    assert_eq!(by_id.total_count, 2);

    let keyword = client.describe_image().keyword("ubuntu").send().await.unwrap();
    assert_eq!(keyword.total_count, 2);
    let chinese = client.describe_image().keyword("数据中心").send().await.unwrap();
    assert_eq!(chinese.infos[0].image_id.as_deref(), Some("cn-image-windows-2019"));

    let project = client.describe_image().project_ids(["proj-default"]).send().await.unwrap();
    assert_eq!(project.total_count, 25);
    let company = client.describe_image().company_id(200001).send().await.unwrap();
    assert_eq!(company.total_count, 25);
    let nobody = client.describe_image().company_id(1).send().await.unwrap();
    assert_eq!((nobody.total_count, nobody.infos.len()), (0, 0));

    let past_the_end = client.describe_image().offset(1000).send().await.unwrap();
    assert_eq!((past_the_end.total_count, past_the_end.infos.len()), (31, 0));
}

#[tokio::test]
async fn zone_is_required_when_the_fake_says_so() {
    let fake = FakeUCloudStack::builder().require_zone("zone-01").start().await;
    fake.client().describe_image().send().await.unwrap();
    assert_eq!(fake.requests()[0].param("Zone"), Some("zone-01"));
    let without = ucloudstack::Client::builder()
        .endpoint(fake.endpoint())
        .credentials(fake.credentials())
        .region("cn")
        .build()
        .unwrap();
    assert_eq!(without.describe_image().send().await.unwrap_err().ret_code(), Some(v2::PARAM_EMPTY));
}

#[tokio::test]
async fn faults_are_injected_for_the_next_calls_only() {
    let fake = FakeUCloudStack::start().await;
    let client = fake.client_builder().retry_policy(RetryPolicy::disabled()).build().unwrap();
    fake.inject_fault("DescribeImage", Fault::Http(503), 1);
    fake.inject_fault("DescribeImage", Fault::RetCode(2001), 1);
    fake.inject_fault("DescribeImage", Fault::Throttled, 1);
    fake.inject_fault("DescribeImage", Fault::MalformedBody, 1);
    fake.inject_fault("DescribeImage", Fault::TruncatedBody, 1);
    fake.inject_fault("DescribeImage", Fault::HttpRetryAfter(429, 1), 1);
    assert!(matches!(client.describe_image().send().await, Err(Error::Http { status: 503, .. })));
    assert_eq!(client.describe_image().send().await.unwrap_err().ret_code(), Some(2001));
    assert!(client.describe_image().send().await.unwrap_err().is_throttled());
    assert!(matches!(client.describe_image().send().await, Err(Error::Decode { .. })));
    assert!(matches!(client.describe_image().send().await, Err(Error::Decode { .. })));
    match client.describe_image().send().await {
        Err(Error::Http { status: 429, retry_after, .. }) => assert_eq!(retry_after, Some(Duration::from_secs(1))),
        other => panic!("{other:?}"),
    }
    assert!(client.describe_image().send().await.is_ok(), "faults are used up");
    // Faults are per action.
    fake.inject_fault("CreateCustomImage", Fault::Http(500), 1);
    assert!(client.describe_image().send().await.is_ok());
}

#[tokio::test]
async fn a_retryable_failure_is_retried_and_a_create_is_never_doubled() {
    let fake = FakeUCloudStack::start().await;
    let client = fake
        .client_builder()
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    fake.inject_fault("DescribeImage", Fault::Http(503), 1);
    client.describe_image().send().await.unwrap();
    assert_eq!(fake.request_count("DescribeImage"), 2, "503 then 200");

    fake.inject_fault("CreateCustomImage", Fault::TruncatedBody, 1);
    let err = client.create_custom_image().vm_id("vm-fake-1").image_name("once").send().await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }));
    assert_eq!(fake.request_count("CreateCustomImage"), 1, "a create that reached the server is not re-sent");
    let made: Vec<_> = fake.images().into_iter().filter(|i| i.name.as_deref() == Some("once")).collect();
    assert_eq!(made.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn attempt_timeout_ends_a_slow_answer() {
    let fake = FakeUCloudStack::builder().in_process();
    let client = fake
        .client_builder()
        .attempt_timeout(Duration::from_secs(5))
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    fake.inject_fault("DescribeImage", Fault::Delay(Duration::from_secs(60)), 1);
    match client.describe_image().send().await.unwrap_err() {
        Error::Timeout { what, limit, .. } => assert_eq!((what, limit), ("attempt", Duration::from_secs(5))),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_lost_answer_that_never_acts_leaves_the_fake_standing() {
    let fake = FakeUCloudStack::builder().making_delay(Duration::ZERO).in_process();
    let client = fake
        .client_builder()
        .attempt_timeout(Duration::from_secs(5))
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    // `Instant::now() + Duration::MAX` used to panic inside the fake.
    fake.inject_fault("CreateCustomImage", Fault::LostAnswer { acts_after: Duration::MAX }, 1);
    let err = client.create_custom_image().vm_id("vm-fake-1").image_name("never").send().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    tokio::time::advance(Duration::from_secs(365 * 24 * 3600)).await;
    assert!(fake.images().iter().all(|i| i.name.as_deref() != Some("never")), "never carried out");
    client.describe_image().send().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn the_request_log_keeps_the_latest_ten_thousand_and_counts_them_all() {
    let fake = FakeUCloudStack::builder().in_process();
    let client = fake.client();
    for member in 0..10_003 {
        client.describe_region().member_id(member).send().await.unwrap();
    }
    let kept = fake.requests();
    assert_eq!(kept.len(), 10_000);
    assert_eq!(kept[0].param("MemberID"), Some("3"), "the oldest go first");
    assert_eq!(kept[9_999].param("MemberID"), Some("10002"));
    assert_eq!(fake.request_count("DescribeRegion"), 10_003);
}
