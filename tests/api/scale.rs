//! Scale: bulk deletes that slow down on throttling, and the client-wide retry budget.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;
use ucloudstack::ret_code::v2;
use ucloudstack::testing::{FakeUCloudStack, Fault};
use ucloudstack::{CallOptionsBuilder, Error, RetryBudget, RetryPolicy};

#[tokio::test(start_paused = true)]
async fn one_result_per_id_in_order_and_errors_stay_per_id() {
    let fake = FakeUCloudStack::builder().in_process();
    let mut ids = fake.seed_custom_images(20);
    ids.insert(3, "cn-image-nope".into());
    ids.insert(7, "cn-image-centos-74".into());
    ids.insert(9, " ".into());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let told = Arc::new(Mutex::new(Vec::new()));
    let each = told.clone();
    let results = fake
        .client()
        .delete_custom_images(ids.clone())
        .concurrency(4)
        .on_progress(move |done, total| log.lock().unwrap().push((done, total)))
        .on_result(move |id, result| each.lock().unwrap().push((id.to_owned(), result.is_ok())))
        .send()
        .await;
    assert_eq!(results.len(), ids.len());
    // Each id's result was told once, as it came, and agrees with what send() returned.
    let mut told = told.lock().unwrap().clone();
    assert_eq!(told.len(), ids.len());
    told.sort();
    let mut returned: Vec<_> = ids.iter().cloned().zip(results.iter().map(Result::is_ok)).collect();
    returned.sort();
    assert_eq!(told, returned);
    assert_eq!(told.iter().filter(|(_, ok)| !ok).count(), 3);
    for (i, result) in results.iter().enumerate() {
        match i {
            3 => assert!(result.as_ref().unwrap_err().is_not_found()),
            7 => assert_eq!(result.as_ref().unwrap_err().ret_code(), Some(v2::WRONG_RESOURCE_TYPE)),
            9 => assert!(matches!(result, Err(Error::InvalidRequest { .. }))),
            _ => assert!(result.is_ok(), "{i}: {result:?}"),
        }
    }
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), ids.len());
    assert_eq!(seen.last(), Some(&(ids.len(), ids.len())));
    assert_eq!(fake.request_count("DeleteCustomImage"), 22, "the blank id was never sent");
}

#[tokio::test(start_paused = true)]
async fn a_rate_limit_slows_the_bulk_down_without_a_failure() {
    // 10 requests a second; 16 deletes at once would be 800 a second at 20 ms each.
    let fake = FakeUCloudStack::builder().rate_limit(10).latency(Duration::from_millis(20)).in_process();
    let ids = fake.seed_custom_images(100);
    let started = Instant::now();
    let results = fake.client().delete_custom_images(ids).concurrency(16).send().await;
    let elapsed = started.elapsed();
    assert!(results.iter().all(Result::is_ok), "{:?}", results.iter().find(|r| r.is_err()));
    let sent = fake.request_count("DeleteCustomImage");
    assert!(sent > 100, "some answers were throttled: {sent}");
    // The bucket starts full (10), then lets 10 a second through: 9 s at best.
    assert!(elapsed >= Duration::from_secs(9), "{elapsed:?}");
    assert!(elapsed <= Duration::from_secs(9) * 13 / 10, "within 1.3x of the ideal: {elapsed:?}");
}

#[tokio::test(start_paused = true)]
async fn throttling_alone_never_fails_an_id_before_the_deadline() {
    let fake = FakeUCloudStack::builder().in_process();
    let ids = fake.seed_custom_images(2);
    fake.inject_fault("DeleteCustomImage", Fault::Throttled, 6);
    let results = fake.client().delete_custom_images(ids.clone()).concurrency(2).send().await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(fake.request_count("DeleteCustomImage"), 8);

    // A platform that only ever says "too frequent": the deadline ends it.
    let fake = FakeUCloudStack::builder().in_process();
    let ids = fake.seed_custom_images(3);
    fake.inject_fault("DeleteCustomImage", Fault::Throttled, 10_000);
    let started = Instant::now();
    let results =
        fake.client().delete_custom_images(ids).concurrency(2).total_timeout(Duration::from_secs(30)).send().await;
    assert_eq!(started.elapsed(), Duration::from_secs(30));
    for result in &results {
        // Only ever refused: nothing was done, and the error says so.
        let err = result.as_ref().unwrap_err();
        assert!(matches!(err, Error::Throttled { .. }) && err.is_throttled() && !err.outcome_unknown(), "{err:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn concurrency_zero_is_refused_per_id() {
    let fake = FakeUCloudStack::builder().in_process();
    let results = fake.client().delete_custom_images(["a", "b"]).concurrency(0).send().await;
    assert!(results.iter().all(|r| matches!(r, Err(Error::InvalidRequest { field, .. }) if field == "concurrency")));
    assert!(fake.requests().is_empty());
    assert!(fake.client().delete_custom_images(Vec::<String>::new()).send().await.is_empty());
}

// -- The retry budget.

#[tokio::test(start_paused = true)]
async fn a_storm_costs_about_one_request_per_call_and_clones_share_the_budget() {
    let fake = FakeUCloudStack::builder().in_process();
    fake.inject_fault("DescribeImage", Fault::Http(503), 100_000);
    let fast = RetryPolicy::default().initial_backoff(Duration::from_millis(1)).max_backoff(Duration::from_millis(2));
    let client = fake.client_builder().retry_policy(fast).build().unwrap();
    let clone = client.clone();
    for i in 0..400 {
        let caller = if i % 2 == 0 { &client } else { &clone };
        assert!(caller.describe_image().send().await.is_err());
    }
    let per_call = fake.request_count("DescribeImage") as f64 / 400.0;
    assert!(per_call <= 1.5, "{per_call} requests per call");
    assert_eq!(client.retry_budget_available(), clone.retry_budget_available());
    assert!(client.retry_budget_available() < 5, "spent");

    // Without a budget, every call makes its three attempts.
    let fake = FakeUCloudStack::builder().in_process();
    fake.inject_fault("DescribeImage", Fault::Http(503), 100_000);
    let client = fake.client_builder().retry_policy(fast).retry_budget(RetryBudget::disabled()).build().unwrap();
    for _ in 0..100 {
        assert!(client.describe_image().send().await.is_err());
    }
    assert_eq!(fake.request_count("DescribeImage"), 300);
}

#[tokio::test(start_paused = true)]
async fn after_the_storm_the_first_call_succeeds_at_once_and_refills() {
    let fake = FakeUCloudStack::builder().in_process();
    let client = fake.client_builder().retry_budget(RetryBudget::default().capacity(10)).build().unwrap();
    fake.inject_fault("DescribeImage", Fault::Http(503), 3);
    assert!(client.describe_image().send().await.is_err());
    assert_eq!(client.retry_budget_available(), 0);
    let started = Instant::now();
    client.describe_image().send().await.unwrap();
    assert_eq!(started.elapsed(), Duration::ZERO, "no backoff before the first success");
    assert_eq!(client.retry_budget_available(), 1);
    client.describe_image().send().await.unwrap();
    assert_eq!(client.retry_budget_available(), 2);
}

#[tokio::test(start_paused = true)]
async fn throttle_retries_draw_from_the_budget() {
    let fake = FakeUCloudStack::builder().in_process();
    let client = fake.client_builder().retry_budget(RetryBudget::default().capacity(5)).build().unwrap();
    fake.inject_fault("CreateCustomImage", Fault::Throttled, 3);
    let err = client.create_custom_image().vm_id("vm-fake-1").image_name("x").send().await.unwrap_err();
    assert!(err.is_throttled());
    assert_eq!(err.attempts(), 2, "one retry was in the budget, the second was not");
}

#[tokio::test(start_paused = true)]
async fn a_bulk_delete_remembers_a_lost_answer_across_a_throttled_retry() {
    // The first try deletes the image but its answer is lost; the retry is throttled; the
    // next try hears "not found": the image was deleted, by the first try.
    let fake = FakeUCloudStack::builder().deleting_delay(Duration::ZERO).in_process();
    let ids = fake.seed_custom_images(1);
    fake.inject_fault("DeleteCustomImage", Fault::LostAnswer { acts_after: Duration::ZERO }, 1);
    fake.inject_fault("DeleteCustomImage", Fault::Throttled, 1);
    let client = fake.client_builder().attempt_timeout(Duration::from_secs(2)).build().unwrap();
    let results = client.delete_custom_images(ids.clone()).send().await;
    assert!(results[0].is_ok(), "{results:?}");
    assert!(fake.image(&ids[0]).is_none());
    assert_eq!(fake.request_count("DeleteCustomImage"), 3);
}

#[tokio::test(start_paused = true)]
async fn a_bulk_delete_that_runs_out_of_time_reports_every_id() {
    let fake = FakeUCloudStack::builder().in_process();
    let ids = fake.seed_custom_images(4);
    fake.inject_fault("DeleteCustomImage", Fault::Throttled, 10_000);
    let last = Arc::new(Mutex::new((0, 0)));
    let seen = last.clone();
    let results = fake
        .client()
        .delete_custom_images(ids)
        .concurrency(1)
        .total_timeout(Duration::from_secs(5))
        .on_progress(move |done, total| *seen.lock().unwrap() = (done, total))
        .send()
        .await;
    assert_eq!(*last.lock().unwrap(), (4, 4), "the bar reaches the end");
    assert!(results.iter().all(|r| r.as_ref().unwrap_err().is_throttled()), "{results:?}");
    assert!(results[0].as_ref().unwrap_err().attempts() >= 1, "sent, throttled");
    assert_eq!(results[3].as_ref().unwrap_err().attempts(), 0, "never sent");
    assert!(results[3].as_ref().unwrap_err().to_string().contains("never sent"), "{results:?}");
}

// -- Throttling that comes from a gateway in front of the platform (HTTP 429, 503 + Retry-After).

#[tokio::test(start_paused = true)]
async fn gateway_429_is_throttling_everywhere() {
    for fault in [Fault::HttpRetryAfter(429, 1), Fault::Http(429), Fault::HttpRetryAfter(503, 2)] {
        let fake = FakeUCloudStack::builder().in_process();
        let ids = fake.seed_custom_images(200);
        fake.inject_fault("DeleteCustomImage", fault.clone(), 40);
        let client = fake.client();
        let results = client.delete_custom_images(ids).concurrency(16).total_timeout(Duration::from_secs(600)).send();
        let results = results.await;
        let failed = results.iter().filter(|r| r.is_err()).count();
        assert_eq!(failed, 0, "{fault:?}: {:?}", results.iter().find(|r| r.is_err()));
        assert_eq!(client.retry_budget_available(), 500, "{fault:?}: refusals are the bulk's, not retries");
    }
    // A single create refused by a gateway did nothing: it is retried, and makes one image.
    let fake = FakeUCloudStack::builder().in_process();
    fake.inject_fault("CreateCustomImage", Fault::HttpRetryAfter(429, 1), 1);
    let created = fake.client().create_custom_image().vm_id("vm-fake-1").image_name("once").send().await;
    assert!(created.is_ok(), "{created:?}");
    assert_eq!(fake.request_count("CreateCustomImage"), 2);
    assert_eq!(fake.images().iter().filter(|i| i.name.as_deref() == Some("once")).count(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_bulk_delete_against_endless_throttling_ends_by_its_patience() {
    let fake = FakeUCloudStack::builder().in_process();
    let ids = fake.seed_custom_images(5);
    fake.inject_fault("DeleteCustomImage", Fault::HttpRetryAfter(429, 1), usize::MAX);
    let started = Instant::now();
    // No total timeout: the default patience (10 min) ends it.
    let results = fake.client().delete_custom_images(ids.clone()).concurrency(2).send().await;
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(600) && elapsed <= Duration::from_secs(600 + 17), "{elapsed:?}");
    for result in &results {
        let err = result.as_ref().unwrap_err();
        assert!(err.is_throttled() && matches!(err, Error::Throttled { .. }), "{err:?}");
        assert!(err.to_string().contains("throttle patience of 600s"), "{err}");
    }
    // And it is configurable.
    let started = Instant::now();
    let fake2 = FakeUCloudStack::builder().in_process();
    let ids = fake2.seed_custom_images(3);
    fake2.inject_fault("DeleteCustomImage", Fault::Throttled, usize::MAX);
    let results = fake2.client().delete_custom_images(ids).throttle_patience(Duration::from_secs(20)).send().await;
    assert!(started.elapsed() <= Duration::from_secs(20 + 17), "{:?}", started.elapsed());
    assert!(results.iter().all(|r| r.as_ref().unwrap_err().is_throttled()));
}

#[tokio::test(start_paused = true)]
async fn duplicate_ids_and_huge_concurrency_are_decided() {
    let fake = FakeUCloudStack::builder().in_process();
    let ids = fake.seed_custom_images(3);
    let twice = vec![ids[0].clone(), ids[1].clone(), ids[0].clone()];
    let results = fake.client().delete_custom_images(twice).send().await;
    assert_eq!(results.len(), 3);
    for result in &results {
        match result {
            Err(Error::InvalidRequest { field, rule, .. }) => {
                assert_eq!(field, "ImageID");
                assert!(rule.contains("given twice (at 0 and 2)"), "{rule}");
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(fake.request_count("DeleteCustomImage"), 0, "refused before anything is sent");

    // usize::MAX in flight is lowered to the documented maximum.
    let fake = FakeUCloudStack::builder().latency(Duration::from_millis(50)).in_process();
    let ids = fake.seed_custom_images(300);
    let counting = Counting { inner: fake.transport(), now: Default::default(), most: Default::default() };
    let most = counting.most.clone();
    let client = fake.client_builder().transport(counting).build().unwrap();
    let results = client.delete_custom_images(ids).concurrency(usize::MAX).send().await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(most.load(Ordering::SeqCst), ucloudstack::paginate::MAX_CONCURRENCY);
}

/// A transport that counts the requests in flight at once.
#[derive(Debug)]
struct Counting {
    inner: ucloudstack::testing::FakeTransport,
    now: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
}

#[ucloudstack::async_trait::async_trait]
impl ucloudstack::Transport for Counting {
    async fn send(
        &self,
        request: ucloudstack::HttpRequest,
    ) -> Result<ucloudstack::HttpResponse, ucloudstack::TransportError> {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        let response = self.inner.send(request).await;
        self.now.fetch_sub(1, Ordering::SeqCst);
        response
    }
}
