//! Decoding DescribeImage responses of 1, 20 and 100 images from bytes: the SDK's typed,
//! checked decode against the floor, plain serde_json into plain structs. Target: the SDK no
//! slower than the floor.

mod common;

use common::{PlainResponse, page_body, report_ratio};
use criterion::{Criterion, Throughput, criterion_group};
use std::hint::black_box;
use ucloudstack::image::DescribeImageResponse;
use ucloudstack::{HttpResponse, response};

fn bench(c: &mut Criterion) {
    for count in [1, 20, 100] {
        let body = page_body(count, 0, 1000);
        let reply = HttpResponse::new(200, http::HeaderMap::new(), body.clone());
        let mut group = c.benchmark_group(format!("decode_{count}"));
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function("sdk", |b| {
            b.iter(|| response::decode::<DescribeImageResponse>("DescribeImage", black_box(&reply)).unwrap())
        });
        group
            .bench_function("floor", |b| b.iter(|| serde_json::from_slice::<PlainResponse>(black_box(&body)).unwrap()));
        group.finish();
    }
}

criterion_group!(benches, bench);

/// With `DECODE_ONLY=sdk` or `DECODE_ONLY=floor`, decodes the 100-image page 1,000 times and
/// exits, for a count of instructions that does not depend on the machine's load:
/// `DECODE_ONLY=sdk valgrind --tool=callgrind <bench binary>`.
fn count_only(which: &str) {
    let body = page_body(100, 0, 1000);
    let reply = HttpResponse::new(200, http::HeaderMap::new(), body.clone());
    for _ in 0..1000 {
        match which {
            "sdk" => drop(black_box(response::decode::<DescribeImageResponse>("DescribeImage", &reply).unwrap())),
            _ => drop(black_box(serde_json::from_slice::<PlainResponse>(&body).unwrap())),
        }
    }
}

fn main() {
    if let Ok(which) = std::env::var("DECODE_ONLY") {
        return count_only(&which);
    }
    benches();
    criterion::Criterion::default().configure_from_args().final_summary();
    for count in [1, 20, 100] {
        report_ratio(&format!("decode_{count}"), "sdk", "floor", 1.0);
    }
}
