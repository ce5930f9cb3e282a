//! Flattening and signing arbitrary DescribeImage requests and arbitrary pairs: no panic,
//! unique keys, one pair per list entry, and a signature that ignores the order of pairs.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ucloudstack::encode::{Pairs, to_pairs};
use ucloudstack::image::DescribeImageRequest;
use ucloudstack::sign::signature;

#[derive(Arbitrary, Debug)]
struct Input {
    image_type: Option<String>,
    image_ids: Vec<String>,
    company_id: Option<i64>,
    keyword: Option<String>,
    project_ids: Vec<String>,
    offset: Option<u32>,
    limit: Option<u32>,
    private_key: String,
    extra: Vec<(String, String)>,
}

fuzz_target!(|input: Input| {
    let mut builder = DescribeImageRequest::builder().image_ids(input.image_ids).project_ids(input.project_ids);
    if let Some(t) = input.image_type {
        builder = builder.image_type(t.as_str());
    }
    if let Some(c) = input.company_id {
        builder = builder.company_id(c);
    }
    if let Some(k) = input.keyword {
        builder = builder.keyword(k);
    }
    if let Some(o) = input.offset {
        builder = builder.offset(o);
    }
    if let Some(l) = input.limit {
        builder = builder.limit(l);
    }
    // Invalid requests are refused with an error; valid ones must flatten.
    let Ok(request) = builder.build() else { return };
    let mut pairs = Pairs::new();
    to_pairs(&request, &mut pairs).expect("a valid request flattens");
    let mut keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), pairs.len(), "keys are unique");
    assert_eq!(pairs.iter().filter(|(k, _)| k.starts_with("ImageIDs.")).count(), request.image_ids.len());

    pairs.extend(input.extra);
    let forward = signature(&pairs, &input.private_key);
    pairs.reverse();
    assert_eq!(forward, signature(&pairs, &input.private_key));
    assert_eq!(forward.len(), 40);
});
