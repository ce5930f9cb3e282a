//! Waiters under tokio's paused time: Making -> Used, Deleting -> gone, Failed, timeouts,
//! transient errors in the middle.

use std::time::Duration;
use ucloudstack::image::ImageStatus;
use ucloudstack::testing::{FakeUCloudStack, Fault};
use ucloudstack::{Error, WaitFailure};

fn fake(making: Duration, deleting: Duration) -> FakeUCloudStack {
    FakeUCloudStack::builder().making_delay(making).deleting_delay(deleting).in_process()
}

async fn create(fake: &FakeUCloudStack) -> String {
    fake.client().create_custom_image().vm_id("vm-fake-1").image_name("w").send().await.unwrap().image_id
}

#[tokio::test(start_paused = true)]
async fn making_then_used() {
    let fake = fake(Duration::from_secs(300), Duration::ZERO);
    let id = create(&fake).await;
    let started = tokio::time::Instant::now();
    let image = fake.client().wait_until_image_available(&id).await.unwrap();
    assert_eq!(image.image_status, Some(ImageStatus::Used));
    assert_eq!(image.image_id.as_deref(), Some(id.as_str()));
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(300) && waited < Duration::from_secs(340), "waited {waited:?}");
    // Delays grow from 2 s to 30 s: about 2+4+8+16+30*9 s needs some 14 polls, not 150.
    let polls = fake.request_count("DescribeImage");
    assert!((10..=20).contains(&polls), "{polls} polls");
}

#[tokio::test(start_paused = true)]
async fn deleting_then_gone() {
    let fake = fake(Duration::ZERO, Duration::from_secs(45));
    let id = create(&fake).await;
    let client = fake.client();
    client.delete_custom_image().image_id(&id).send().await.unwrap();
    assert_eq!(fake.image(&id).unwrap().image_status, Some(ImageStatus::Deleting));
    client.wait_until_image_deleted(&id).await.unwrap();
    assert!(fake.image(&id).is_none());
}

#[tokio::test(start_paused = true)]
async fn failed_ends_the_wait_naming_image_and_status() {
    let fake = fake(Duration::from_secs(3600), Duration::ZERO);
    let id = create(&fake).await;
    fake.set_image_status(&id, ImageStatus::Failed);
    match fake.client().wait_until_image_available(&id).await.unwrap_err() {
        Error::Waiter { resource, id: waited, reason, last_status, .. } => {
            assert_eq!((resource, waited), ("image", id));
            assert_eq!(reason, WaitFailure::FailureState("Failed".into()));
            assert_eq!(last_status.as_deref(), Some("Failed"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn running_out_of_time_names_the_last_status() {
    let fake = fake(Duration::from_secs(7200), Duration::ZERO);
    let id = create(&fake).await;
    let started = tokio::time::Instant::now();
    let err =
        fake.client().wait_until_image_available(&id).max_wait(Duration::from_secs(600)).wait().await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_secs(600), "stops at the limit");
    match &err {
        Error::Waiter { last_status, reason, .. } => {
            assert_eq!(last_status.as_deref(), Some("Making"));
            assert_eq!(*reason, WaitFailure::TimedOut(Duration::from_secs(600)));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("last status: Making"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn the_default_limit_is_30_minutes() {
    let fake = fake(Duration::from_secs(7200), Duration::ZERO);
    let id = create(&fake).await;
    let started = tokio::time::Instant::now();
    assert!(matches!(fake.client().wait_until_image_available(&id).await, Err(Error::Waiter { .. })));
    assert_eq!(started.elapsed(), Duration::from_secs(1800));
}

#[tokio::test(start_paused = true)]
async fn a_503_in_the_middle_is_polled_through() {
    let fake = fake(Duration::from_secs(60), Duration::ZERO);
    let id = create(&fake).await;
    let client = fake.client();
    let waiter = client.wait_until_image_available(&id).poll_delay(Duration::from_secs(5), Duration::from_secs(5));
    // More 503s than the retry policy's 3 attempts: one whole poll fails, and the waiter goes on.
    fake.inject_fault("DescribeImage", Fault::Http(503), 4);
    let image = waiter.await.unwrap();
    assert_eq!(image.image_status, Some(ImageStatus::Used));
    assert!(fake.request_count("DescribeImage") > 4);
}

#[tokio::test(start_paused = true)]
async fn a_non_transient_error_ends_the_wait() {
    let fake = fake(Duration::from_secs(60), Duration::ZERO);
    let id = create(&fake).await;
    fake.inject_fault("DescribeImage", Fault::RetCode(171), 1);
    let err = fake.client().wait_until_image_available(&id).await.unwrap_err();
    assert_eq!(err.ret_code(), Some(171));
}

#[tokio::test(start_paused = true)]
async fn an_image_that_is_never_listed_fails_soon() {
    let fake = fake(Duration::ZERO, Duration::ZERO);
    let err = fake.client().wait_until_image_available("cn-image-typo").await.unwrap_err();
    match err {
        Error::Waiter { last_status, .. } => assert_eq!(last_status.as_deref(), Some("not listed")),
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.request_count("DescribeImage"), 3);
}

#[tokio::test(start_paused = true)]
async fn progress_is_reported_at_every_poll() {
    let fake = fake(Duration::from_secs(10), Duration::ZERO);
    let id = create(&fake).await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    fake.client()
        .wait_until_image_available(&id)
        .on_poll(move |p| log.lock().unwrap().push((p.polls, p.status.to_owned())))
        .await
        .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.first(), Some(&(1, "Making".to_owned())));
    assert_eq!(seen.last().map(|(_, s)| s.as_str()), Some("Used"));
}
