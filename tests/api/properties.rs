//! Properties over generated input (bounded case counts): flattening, signing, decoding.

use proptest::prelude::*;
use ucloudstack::encode::{Pairs, to_pairs};
use ucloudstack::image::{DescribeImageRequest, DescribeImageResponse, ImageType};
use ucloudstack::sign::signature;
use ucloudstack::{HttpResponse, response};

fn request() -> impl Strategy<Value = DescribeImageRequest> {
    (
        proptest::option::of(prop_oneof![
            Just(ImageType::Base),
            Just(ImageType::Custom),
            "[A-Za-z]{1,8}".prop_map(ImageType::from)
        ]),
        proptest::collection::vec("[a-z0-9-]{1,20}", 0..12),
        proptest::option::of(any::<i64>()),
        proptest::option::of("\\PC{1,30}"),
        proptest::collection::vec("[a-z0-9-]{1,12}", 0..4),
        proptest::option::of(any::<u32>()),
        proptest::option::of(1u32..=100),
    )
        .prop_map(|(image_type, ids, company, keyword, projects, offset, limit)| {
            let mut b = DescribeImageRequest::builder().image_ids(ids).project_ids(projects);
            if let Some(t) = image_type {
                b = b.image_type(t);
            }
            if let Some(c) = company {
                b = b.company_id(c);
            }
            if let Some(k) = keyword {
                b = b.keyword(k);
            }
            if let Some(o) = offset {
                b = b.offset(o);
            }
            if let Some(l) = limit {
                b = b.limit(l);
            }
            b.build().unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn flattening_is_deterministic_with_unique_keys(req in request()) {
        let (mut a, mut b) = (Pairs::new(), Pairs::new());
        to_pairs(&req, &mut a).unwrap();
        to_pairs(&req.clone(), &mut b).unwrap();
        prop_assert_eq!(&a, &b);
        let mut keys: Vec<&String> = a.iter().map(|(k, _)| k).collect();
        keys.sort();
        keys.dedup();
        prop_assert_eq!(keys.len(), a.len());
        prop_assert_eq!(a.iter().filter(|(k, _)| k.starts_with("ImageIDs.")).count(), req.image_ids.len());
    }

    #[test]
    fn the_signature_ignores_the_order_of_pairs(
        pairs in proptest::collection::btree_map("[A-Za-z.0-9]{1,10}", "\\PC{0,20}", 0..20),
        key in "\\PC{1,40}",
        seed in any::<u64>(),
    ) {
        let pairs: Vec<(String, String)> = pairs.into_iter().collect();
        let mut shuffled = pairs.clone();
        fastrand::Rng::with_seed(seed).shuffle(&mut shuffled);
        let sig = signature(&pairs, &key);
        prop_assert_eq!(&sig, &signature(&shuffled, &key));
        prop_assert_eq!(sig.len(), 40);
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(body in proptest::collection::vec(any::<u8>(), 0..512), status in 100u16..600) {
        let response = HttpResponse::new(status, http::HeaderMap::new(), body);
        let _ = response::decode::<DescribeImageResponse>("DescribeImage", &response);
        let _ = response::decode_value("DescribeImage", &response);
    }

    #[test]
    fn decoding_json_shaped_input_never_panics(
        ret in prop_oneof![Just("0".to_owned()), Just("\"0\"".to_owned()), any::<i64>().prop_map(|n| n.to_string()), Just("null".to_owned())],
        total in prop_oneof![any::<i64>().prop_map(|n| n.to_string()), Just("\"12\"".to_owned()), Just("1.5".to_owned()), Just("null".to_owned())],
        field in prop_oneof![Just("\"x\"".to_owned()), Just("null".to_owned()), Just("[]".to_owned()), Just("{}".to_owned()), any::<f64>().prop_map(|n| n.to_string())],
    ) {
        let body = format!(r#"{{"RetCode":{ret},"TotalCount":{total},"Infos":[{{"ImageID":{field},"ImageSize":{field},"ImageStatus":{field}}}]}}"#);
        let response = HttpResponse::new(200, http::HeaderMap::new(), body);
        let _ = response::decode::<DescribeImageResponse>("DescribeImage", &response);
    }
}
