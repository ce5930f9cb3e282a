//! A DescribeImage call with a 100-image page against a local HTTP server that answers with
//! canned bytes, in the same run as the floor: a plain reqwest POST of a pre-built signed form
//! plus serde_json into plain structs. Sequential, and 32 calls in flight on one client.
//! Target: the SDK within 1.10x of the floor.

mod common;

use common::{PlainResponse, canned_server, http_response, page_body, report_ratio};
use criterion::{Criterion, criterion_group};
use futures::future::join_all;
use ucloudstack::image::DescribeImageRequest;
use ucloudstack::{Client, Credentials};

const IN_FLIGHT: usize = 32;

fn bench(c: &mut Criterion) {
    let reply = http_response(&page_body(100, 0, 1000));
    let addr = canned_server(move |_| reply.clone());
    let endpoint = format!("http://{addr}/api");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();

    let client = Client::builder()
        .endpoint(&endpoint)
        .credentials(Credentials::new(
            "ucloudsomeone@example.com1296235120854146120",
            "46f09bb9fab4f12dfc160dae12273d5332b5debe",
        ))
        .region("cn")
        .build()
        .unwrap();
    let form = client.prepare(&DescribeImageRequest::builder().limit(100).build().unwrap()).unwrap().body;
    let plain = reqwest::Client::builder().build().unwrap();

    let sdk_call = || async {
        let page = client.describe_image().limit(100).send().await.unwrap();
        assert_eq!(page.infos.len(), 100);
    };
    let floor_call = || async {
        let bytes = plain
            .post(&endpoint)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.clone())
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let page: PlainResponse = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(page.infos.len(), 100);
    };

    let mut group = c.benchmark_group("round_trip_sequential");
    group.bench_function("sdk", |b| b.to_async(&runtime).iter(sdk_call));
    group.bench_function("floor", |b| b.to_async(&runtime).iter(floor_call));
    group.finish();

    let mut group = c.benchmark_group("round_trip_concurrent_32");
    group.bench_function("sdk", |b| b.to_async(&runtime).iter(|| join_all((0..IN_FLIGHT).map(|_| sdk_call()))));
    group.bench_function("floor", |b| b.to_async(&runtime).iter(|| join_all((0..IN_FLIGHT).map(|_| floor_call()))));
    group.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    criterion::Criterion::default().configure_from_args().final_summary();
    report_ratio("round_trip_sequential", "sdk", "floor", 1.10);
    report_ratio("round_trip_concurrent_32", "sdk", "floor", 1.10);
}
