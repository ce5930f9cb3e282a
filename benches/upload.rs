//! Uploading a 256 MiB file in 8 MiB parts at concurrency 4, against the embedded fake on
//! loopback, in the same run as the floor: plain reqwest reading the same parts from the same
//! file, MD5-ing them and PUTting them with `Content-MD5` to the same fake S3 service at the same
//! concurrency. Target: the SDK at 0.9x of the floor's throughput or better (a mean time within
//! 1/0.9 = 1.11x). Also the rate of reading the file and MD5-ing it on one core: the limit of a
//! checked upload on this machine.
//!
//! The fake checks a SigV4 signature on every S3 request, so the floor PUTs to addresses
//! presigned once, before the timed loop (by rusty-s3, with `host` alone signed: `Content-MD5`
//! is sent, and checked, but not signed): it pays nothing for signing, key lookup or progress,
//! and the fake needs no unsigned back door. The SDK's whole `upload_image(..).send()` is timed
//! (ImportImage, S3Login, ListMultipartUploads, the parts, CompleteImageMultipartUpload, one
//! DescribeImage: the fake makes the image `Used` at once); the floor re-sends its parts to one
//! upload made beforehand (S3 replaces a part sent again).

mod common;

use base64::Engine;
use common::{report_ratio, upload_raw, write_file};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group};
use futures::StreamExt;
use md5::{Digest, Md5};
use rusty_s3::S3Action;
use std::io::{Read, SeekFrom};
use std::path::Path;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use ucloudstack::image::{ImageFormat, ImportType, OsType, S3Scene};
use ucloudstack::testing::FakeUCloudStack;

const SIZE: u64 = 256 << 20;
const PART: u64 = 8 << 20;
const PARTS: u64 = SIZE / PART;
const CONCURRENCY: usize = 4;
/// The floor reads and hashes as the SDK does: 1 MiB at a time.
const CHUNK: usize = 1 << 20;

/// The floor's part: read into one buffer, hashed 1 MiB at a time, PUT with its Content-MD5.
async fn floor_part(http: &reqwest::Client, path: &Path, url: url::Url, number: u64) {
    let offset = (number - 1) * PART;
    let len = (SIZE - offset).min(PART) as usize;
    let mut buf = vec![0u8; len];
    let mut file = tokio::fs::File::open(path).await.unwrap();
    file.seek(SeekFrom::Start(offset)).await.unwrap();
    let mut md5 = Md5::new();
    for chunk in buf.chunks_mut(CHUNK) {
        file.read_exact(chunk).await.unwrap();
        md5.update(&*chunk);
    }
    let content_md5 = base64::engine::general_purpose::STANDARD.encode(md5.finalize());
    let response = http.put(url).header("content-md5", content_md5).body(buf).send().await.unwrap();
    assert!(response.status().is_success(), "part {number}: {}", response.status());
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let fake = runtime.block_on(FakeUCloudStack::builder().making_delay(Duration::ZERO).start());
    let client = fake.client();
    let dir = std::env::temp_dir().join(format!("ucloudstack-bench-upload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("disk.raw");
    write_file(&path, SIZE);

    // The floor's upload, credentials and presigned addresses: made once, outside the timing.
    let (image_id, urls) = runtime.block_on(async {
        let imported = client
            .import_image()
            .company_id(200001)
            .image_name("floor")
            .image_format(ImageFormat::Raw)
            .import_type(ImportType::Local)
            .os_type(OsType::Linux)
            .os_distribution("Ubuntu")
            .send()
            .await
            .unwrap();
        let upload_id = imported.upload_id.unwrap();
        let login = client.s3_login().company_id(200001).scenes(S3Scene::ImageUpload).send().await.unwrap();
        let endpoint = url::Url::parse(&format!("{}/", login.endpoint)).unwrap();
        let bucket =
            rusty_s3::Bucket::new(endpoint, rusty_s3::UrlStyle::Path, login.bucket.clone(), "us-east-1").unwrap();
        let token = login.session_id.as_ref().map(|t| t.expose().to_owned()).unwrap_or_default();
        let keys = rusty_s3::Credentials::new_with_token(&login.access_key, login.secret_key.expose(), token);
        // The fake's documented key: images/<ImageID>/<ImageName>.<ImageFormat>.
        let key = format!("images/{}/floor.raw", imported.image_id);
        let urls: Vec<url::Url> = (1..=PARTS)
            .map(|n| bucket.upload_part(Some(&keys), &key, n as u16, &upload_id).sign(Duration::from_secs(3600)))
            .collect();
        (imported.image_id, urls)
    });
    let plain = reqwest::Client::new();
    let floor = || async {
        futures::stream::iter(urls.iter().cloned().zip(1..))
            .map(|(url, n)| floor_part(&plain, &path, url, n))
            .buffer_unordered(CONCURRENCY)
            .collect::<Vec<()>>()
            .await;
    };
    runtime.block_on(floor());
    assert_eq!(fake.uploaded_parts(&image_id).len() as u64, PARTS, "the floor's parts reach the fake");

    let mut group = c.benchmark_group("upload_256_mib");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Bytes(SIZE));
    group.bench_function("sdk", |b| {
        b.to_async(&runtime).iter(|| async {
            let done = upload_raw(&client, &path, PART, CONCURRENCY).send().await.unwrap();
            assert_eq!(done.bytes_sent, SIZE);
        })
    });
    group.bench_function("floor", |b| b.to_async(&runtime).iter(floor));
    group.bench_function("read_md5_one_core", |b| {
        b.iter(|| {
            let mut file = std::fs::File::open(&path).unwrap();
            let mut buf = vec![0u8; CHUNK];
            let (mut md5, mut n) = (Md5::new(), 0u64);
            loop {
                let read = file.read(&mut buf).unwrap();
                if read == 0 {
                    break;
                }
                md5.update(&buf[..read]);
                n += read as u64;
            }
            assert_eq!(n, SIZE);
            md5.finalize()
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
    report_ratio("upload_256_mib", "sdk", "floor", 1.0 / 0.9);
}
