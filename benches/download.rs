//! Downloading an image file, against the embedded fake on loopback, in the same run as the
//! floor: a plain reqwest streaming GET of the same address into a file through the same
//! 1 MiB buffer, with no `.part`, no fsync and no rename. Target: the SDK at 0.9x of the
//! floor's throughput or better (a mean time within 1/0.9 = 1.11x).

mod common;

use common::report_ratio;
use criterion::{Criterion, Throughput, criterion_group};
use tokio::io::AsyncWriteExt;
use ucloudstack::testing::FakeUCloudStack;

const SIZE: u64 = 256 << 20;

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (fake, id) = runtime.block_on(async {
        let fake = FakeUCloudStack::builder().image_file_size(SIZE).start().await;
        let id = fake.seed_custom_images(1).remove(0);
        (fake, id)
    });
    let client = fake.client();
    let dir = std::env::temp_dir().join(format!("ucloudstack-bench-download-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sdk_path = dir.join("sdk.img");
    let floor_path = dir.join("floor.img");
    let address = runtime.block_on(client.image_download_url(&id)).unwrap();
    let plain = reqwest::Client::new();

    let mut group = c.benchmark_group("download_256_mib");
    group.sample_size(10).throughput(Throughput::Bytes(SIZE));
    group.bench_function("sdk", |b| {
        b.to_async(&runtime).iter(|| async {
            let _ = std::fs::remove_file(&sdk_path);
            let done = client.download_image(&id, &sdk_path).send().await.unwrap();
            assert_eq!(done.bytes, SIZE);
        })
    });
    group.bench_function("floor", |b| {
        b.to_async(&runtime).iter(|| async {
            let mut response = plain.get(address.clone()).send().await.unwrap();
            let file = tokio::fs::File::create(&floor_path).await.unwrap();
            let mut out = tokio::io::BufWriter::with_capacity(1 << 20, file);
            let mut n = 0u64;
            while let Some(chunk) = response.chunk().await.unwrap() {
                out.write_all(&chunk).await.unwrap();
                n += chunk.len() as u64;
            }
            out.flush().await.unwrap();
            assert_eq!(n, SIZE);
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
    drop(fake);
}

criterion_group!(benches, bench);

fn main() {
    benches();
    criterion::Criterion::default().configure_from_args().final_summary();
    report_ratio("download_256_mib", "sdk", "floor", 1.0 / 0.9);
}
