//! Flattening and signing: a DescribeImage with 10 ImageIDs and every optional field, and a
//! CreateCustomImage, from request struct to signed form body (`Client::prepare`), and the
//! flattener and signer alone. Target: under 5 us for the whole DescribeImage.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use ucloudstack::encode::{Pairs, to_pairs};
use ucloudstack::image::{CreateCustomImageRequest, DescribeImageRequest, ImageType};
use ucloudstack::{Client, Credentials};

fn client() -> Client {
    Client::builder()
        .endpoint("http://192.0.2.10/api")
        .credentials(Credentials::new(
            "ucloudsomeone@example.com1296235120854146120",
            "46f09bb9fab4f12dfc160dae12273d5332b5debe",
        ))
        .region("cn")
        .zone("zone-01")
        .build()
        .unwrap()
}

fn describe() -> DescribeImageRequest {
    DescribeImageRequest::builder()
        .image_type(ImageType::Custom)
        .image_ids((0..10).map(|i| format!("cn-image-{i:06}")))
        .company_id(200001)
        .keyword("centos 镜像")
        .project_ids(["proj-0001", "proj-0002"])
        .offset(200)
        .limit(100)
        .region("cn")
        .build()
        .unwrap()
}

fn create() -> CreateCustomImageRequest {
    CreateCustomImageRequest::builder()
        .vm_id("vm-xu-JozBZR")
        .image_name("golden-web-tier")
        .image_description("由虚拟机导出的自制镜像")
        .company_id(200001)
        .build()
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let client = client();
    let (describe, create) = (describe(), create());
    let mut group = c.benchmark_group("encode_sign");
    group.bench_function("describe_image_prepare", |b| b.iter(|| client.prepare(black_box(&describe)).unwrap()));
    group.bench_function("create_custom_image_prepare", |b| b.iter(|| client.prepare(black_box(&create)).unwrap()));
    group.bench_function("describe_image_flatten", |b| {
        b.iter(|| {
            let mut pairs = Pairs::with_capacity(24);
            to_pairs(black_box(&describe), &mut pairs).unwrap();
            pairs
        })
    });
    let mut pairs = Pairs::new();
    to_pairs(&describe, &mut pairs).unwrap();
    group.bench_function("describe_image_sign", |b| {
        b.iter(|| ucloudstack::sign::signature(black_box(&pairs), "46f09bb9fab4f12dfc160dae12273d5332b5debe"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
