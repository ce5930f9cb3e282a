//! Decoding a CreateCustomImage response from arbitrary bytes returns Ok or Err, never panics, and a
//! success always has RetCode 0.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ucloudstack::image::CreateCustomImageResponse;
use ucloudstack::{HttpResponse, response};

fuzz_target!(|body: &[u8]| {
    let reply = HttpResponse::new(200, http::HeaderMap::new(), body.to_vec());
    if let Ok(decoded) = response::decode::<CreateCustomImageResponse>("CreateCustomImage", &reply) {
        assert_eq!(decoded.ret_code, 0);
    }
});
