//! The envelope check of any response, from an arbitrary status and body: Ok only for a 2xx
//! JSON body whose RetCode is 0; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ucloudstack::{Error, HttpResponse, response};

fuzz_target!(|input: (u16, &[u8])| {
    let (status, body) = input;
    let reply = HttpResponse::new(status, http::HeaderMap::new(), body.to_vec());
    match response::decode_value("AnyAction", &reply) {
        Ok(value) => {
            assert!((200..300).contains(&status));
            assert!(value.get("RetCode").is_some());
        }
        Err(Error::Http { status: s, .. }) => assert_eq!(s, status),
        Err(_) => {}
    }
});
