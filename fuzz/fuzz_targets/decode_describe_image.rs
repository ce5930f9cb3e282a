//! Decoding a DescribeImage response from arbitrary bytes returns Ok or Err, never panics, and a
//! success always has RetCode 0.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ucloudstack::image::DescribeImageResponse;
use ucloudstack::{HttpResponse, response};

fuzz_target!(|body: &[u8]| {
    let reply = HttpResponse::new(200, http::HeaderMap::new(), body.to_vec());
    if let Ok(decoded) = response::decode::<DescribeImageResponse>("DescribeImage", &reply) {
        assert_eq!(decoded.ret_code, 0);
    }
});
