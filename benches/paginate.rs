//! Streaming 10,000 images in pages of 100 from a local server, and the peak heap while doing
//! so (dhat's allocator counts every allocation of the process, server thread included).

mod common;

use common::{canned_server, http_response, page_body};
use criterion::{Criterion, criterion_group};
use futures::TryStreamExt;
use std::sync::Arc;
use ucloudstack::image::ImageInfo;
use ucloudstack::{Client, Credentials};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const TOTAL: usize = 10_000;
const PAGE: usize = 100;

fn setup() -> (Client, usize) {
    let pages: Vec<Arc<Vec<u8>>> =
        (0..TOTAL / PAGE).map(|p| http_response(&page_body(PAGE, p * PAGE, TOTAL))).collect();
    let page_bytes = pages[0].len();
    let addr = canned_server(move |form| {
        let offset = url::form_urlencoded::parse(form)
            .find(|(k, _)| k == "Offset")
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0);
        pages[(offset / PAGE).min(pages.len() - 1)].clone()
    });
    let client = Client::builder()
        .endpoint(format!("http://{addr}/api"))
        .credentials(Credentials::new("pub", "priv"))
        .region("cn")
        .build()
        .unwrap();
    (client, page_bytes)
}

async fn stream_all(client: &Client) -> usize {
    stream_ahead(client, 1).await
}

async fn stream_ahead(client: &Client, concurrency: usize) -> usize {
    let mut items = client.describe_image().into_paginator().page_size(PAGE as u32).concurrency(concurrency).items();
    let mut count = 0;
    while let Some(image) = items.try_next().await.unwrap() {
        std::hint::black_box(&image);
        count += 1;
    }
    count
}

/// Peak heap above the starting point while `f` runs, in bytes.
fn peak_during<T>(runtime: &tokio::runtime::Runtime, f: impl std::future::Future<Output = T>) -> (T, u64) {
    let profiler = dhat::Profiler::builder().testing().build();
    let start = dhat::HeapStats::get().curr_bytes as u64;
    let out = runtime.block_on(f);
    let peak = dhat::HeapStats::get().max_bytes as u64;
    drop(profiler);
    (out, peak.saturating_sub(start))
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (client, page_bytes) = setup();
    assert_eq!(runtime.block_on(stream_all(&client)), TOTAL); // warm the connection pool

    let (count, streaming_peak) = peak_during(&runtime, stream_all(&client));
    assert_eq!(count, TOTAL);
    let (count, ahead_peak) = peak_during(&runtime, stream_ahead(&client, 8));
    assert_eq!(count, TOTAL);
    let (all, collecting_peak) = peak_during(&runtime, async {
        let all: Vec<ImageInfo> = client.describe_image().into_paginator().items().try_collect().await.unwrap();
        all
    });
    assert_eq!(all.len(), TOTAL);
    drop(all);
    println!(
        "paginate memory: streaming {TOTAL} images peaks at {:.0} KiB above the start; one page is {:.0} KiB of JSON; \
         collecting them all instead peaks at {:.0} KiB",
        streaming_peak as f64 / 1024.0,
        page_bytes as f64 / 1024.0,
        collecting_peak as f64 / 1024.0,
    );
    // One page in flight costs what streaming at concurrency 1 peaks at: body, decoded page and
    // buffers. At 8, the target is under 8 + 1 of those.
    let pages = ahead_peak as f64 / streaming_peak as f64;
    let verdict = if pages < 9.0 { "meets" } else { "MISSES" };
    println!(
        "paginate memory: streaming at concurrency 8 peaks at {:.0} KiB, {pages:.1} times the one-page peak \
         ({verdict} the target of under 8 + 1)",
        ahead_peak as f64 / 1024.0,
    );

    let mut group = c.benchmark_group("paginate");
    group.sample_size(10);
    group.bench_function("stream_10000_images_pages_of_100", |b| {
        b.to_async(&runtime).iter(|| async { assert_eq!(stream_all(&client).await, TOTAL) })
    });
    group.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    criterion::Criterion::default().configure_from_args().final_summary();
}
