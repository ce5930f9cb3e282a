//! Scale, against the embedded fake UCloudStack on loopback with 20 ms added to every answer:
//! - `paginate_latency`: 10,000 images in pages of 100, one page at a time vs 8 in flight
//!   (target: at least 5x faster at 8, the same ids in the same order, requests <= pages + 1);
//! - `bulk_delete`: 500 deletes under a 50-per-second rate limit (target: within 1.3x of the
//!   500 / 50 = 10 s ideal, no failure);
//! - `retry_storm`: 1,000 calls against a server answering 503 to everything (target: at most
//!   1.5 requests a call with the retry budget, 3.0 without), and the first call after the
//!   server recovers is not held back by more than one backoff.

mod common;

use criterion::{Criterion, criterion_group};
use futures::TryStreamExt;
use futures::future::join_all;
use std::time::{Duration, Instant};
use ucloudstack::testing::{FakeUCloudStack, Fault};
use ucloudstack::{CallOptionsBuilder, Client, RetryBudget, RetryPolicy};

const LATENCY: Duration = Duration::from_millis(20);
const IMAGES: usize = 10_000;
const PAGE: u32 = 100;

async fn ids(client: &Client, concurrency: usize) -> Vec<String> {
    let items = client.describe_image().into_paginator().page_size(PAGE).concurrency(concurrency).items();
    let images: Vec<_> = items.try_collect().await.unwrap();
    images.into_iter().map(|i| i.image_id.unwrap()).collect()
}

fn paginate_latency(c: &mut Criterion, runtime: &tokio::runtime::Runtime) {
    let fake = runtime.block_on(FakeUCloudStack::builder().without_base_images().latency(LATENCY).start());
    fake.seed_custom_images(IMAGES);
    let client = fake.client();
    let one = runtime.block_on(ids(&client, 1));
    let before = fake.request_count("DescribeImage");
    let eight = runtime.block_on(ids(&client, 8));
    let requests = fake.request_count("DescribeImage") - before;
    assert_eq!(one, eight, "the same ids in the same order");
    let pages = IMAGES / PAGE as usize;
    assert!(requests <= pages + 1, "{requests} requests for {pages} pages");
    println!("paginate_latency: {} images, {requests} requests for {pages} pages at concurrency 8", eight.len());

    let mut group = c.benchmark_group("paginate_latency");
    group.sample_size(10);
    for concurrency in [1, 8] {
        group.bench_function(format!("concurrency_{concurrency}"), |b| {
            b.to_async(runtime).iter(|| async { assert_eq!(ids(&client, concurrency).await.len(), IMAGES) })
        });
    }
    group.finish();
    match (common::mean_ns("paginate_latency", "concurrency_1"), common::mean_ns("paginate_latency", "concurrency_8")) {
        (Some(one), Some(eight)) => {
            let speedup = one / eight;
            let verdict = if speedup >= 5.0 { "meets" } else { "MISSES" };
            println!(
                "paginate_latency: {:.0} ms at 1, {:.0} ms at 8: {speedup:.1}x faster ({verdict} the target of 5x)",
                one / 1e6,
                eight / 1e6
            );
        }
        _ => println!("paginate_latency: no estimates found"),
    }
}

fn bulk_delete(c: &mut Criterion, runtime: &tokio::runtime::Runtime) {
    let fake = runtime.block_on(
        FakeUCloudStack::builder()
            .without_base_images()
            .latency(LATENCY)
            .rate_limit(50)
            .deleting_delay(Duration::ZERO)
            .start(),
    );
    let client = fake.client();
    let mut group = c.benchmark_group("bulk_delete");
    group.sample_size(10).warm_up_time(Duration::from_millis(1)).measurement_time(Duration::from_secs(100));
    let mut worst = Duration::ZERO;
    group.bench_function("500_deletes_at_50_per_second", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let ids = fake.seed_custom_images(500);
                // Let the rate limit's bucket fill, as after an idle second.
                std::thread::sleep(Duration::from_millis(1100));
                let started = Instant::now();
                let results = runtime.block_on(client.delete_custom_images(ids).concurrency(8).send());
                let took = started.elapsed();
                assert!(results.iter().all(Result::is_ok), "a delete failed");
                worst = worst.max(took);
                total += took;
            }
            total
        })
    });
    group.finish();
    if let Some(mean) = common::mean_ns("bulk_delete", "500_deletes_at_50_per_second") {
        let ratio = mean / 1e9 / 10.0;
        let verdict = if ratio <= 1.3 { "meets" } else { "MISSES" };
        println!(
            "bulk_delete: {:.2} s on average, {:.2} s at worst, {ratio:.2}x the 10 s ideal ({verdict} the target of 1.3x), no failure",
            mean / 1e9,
            worst.as_secs_f64()
        );
    }
}

/// 1,000 calls, 50 at a time, against a server answering 503 to everything; the requests made.
async fn storm(client: &Client, fake: &FakeUCloudStack) -> usize {
    let before = fake.request_count("DescribeImage");
    for _ in 0..20 {
        let calls = (0..50).map(|_| client.describe_image().send());
        assert!(join_all(calls).await.iter().all(Result::is_err));
    }
    fake.request_count("DescribeImage") - before
}

fn retry_storm(c: &mut Criterion, runtime: &tokio::runtime::Runtime) {
    let fake = runtime.block_on(FakeUCloudStack::builder().without_base_images().start());
    let quick = RetryPolicy::default().initial_backoff(Duration::from_millis(2)).max_backoff(Duration::from_millis(10));
    let with_budget = || fake.client_builder().retry_policy(quick).build().unwrap();
    let without = || fake.client_builder().retry_policy(quick).retry_budget(RetryBudget::disabled()).build().unwrap();

    fake.inject_fault("DescribeImage", Fault::Http(503), usize::MAX);
    let budgeted = with_budget();
    let (a, b) = runtime.block_on(async { (storm(&budgeted, &fake).await, storm(&without(), &fake).await) });
    println!(
        "retry_storm: {:.2} requests a call with the retry budget (target <= 1.5), {:.2} without",
        a as f64 / 1000.0,
        b as f64 / 1000.0
    );
    // The platform recovers: the first call goes out at once, with the budget spent.
    fake.clear_faults();
    let started = Instant::now();
    runtime.block_on(budgeted.describe_image().send()).unwrap();
    let first = started.elapsed();
    let verdict = if first < Duration::from_millis(100) { "meets" } else { "MISSES" };
    println!("retry_storm: the first call after recovery took {first:?} ({verdict} the target of one backoff, 100 ms)");

    fake.inject_fault("DescribeImage", Fault::Http(503), usize::MAX);
    let mut group = c.benchmark_group("retry_storm");
    group.sample_size(10);
    group.bench_function("1000_calls_with_budget", |b| {
        b.to_async(runtime).iter(|| async { storm(&with_budget(), &fake).await })
    });
    group.bench_function("1000_calls_without_budget", |b| {
        b.to_async(runtime).iter(|| async { storm(&without(), &fake).await })
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    paginate_latency(c, &runtime);
    bulk_delete(c, &runtime);
    retry_storm(c, &runtime);
}

criterion_group!(benches, bench);

fn main() {
    benches();
    criterion::Criterion::default().configure_from_args().final_summary();
}
