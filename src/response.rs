//! From an HTTP response to a typed response or an [`Error`]: status, envelope, body.
//!
//! The client runs these after every attempt; they are public for custom transports, tests
//! and fuzzing.

use crate::action::ApiResponse;
use crate::error::Error;
use crate::excerpt::{BODY_EXCERPT, excerpt, excerpt_of};
use crate::transport::HttpResponse;
use serde::Deserialize;
use std::time::Duration;

/// How much of a request id an error keeps (a UUID is 36).
pub(crate) const REQUEST_ID_EXCERPT: usize = 128;

/// The response header that carries the server's id for the request.
pub const REQUEST_ID_HEADER: &str = "x-ucloud-request-uuid";

/// The `X-UCLOUD-REQUEST-UUID` of a response, if it has a readable one, cut to 128 bytes.
pub(crate) fn request_id(response: &HttpResponse) -> Option<String> {
    let id = response.headers.get(REQUEST_ID_HEADER)?.to_str().ok()?;
    Some(excerpt_of(id.as_bytes(), REQUEST_ID_EXCERPT))
}

/// `Retry-After` in seconds (the HTTP-date form is not used by UCloudStack and is ignored).
fn retry_after(response: &HttpResponse) -> Option<Duration> {
    let text = response.headers.get(http::header::RETRY_AFTER)?.to_str().ok()?;
    text.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Checks the status and returns the body as text, or the error the response amounts to.
///
/// The whole body is checked for UTF-8 once, up front: serde_json then reads it as `&str` and
/// skips checking each string on its own, which was a fifth of the cost of a decode.
fn body<'a>(action: &str, response: &'a HttpResponse) -> Result<&'a str, Error> {
    if !(200..300).contains(&response.status) {
        return Err(Error::Http {
            meta: crate::ErrorMetadata { action: action.to_owned(), attempts: 1, request_id: request_id(response) },
            status: response.status,
            body: excerpt(&response.body),
            retry_after: retry_after(response),
        });
    }
    if response.body.starts_with(b"\xEF\xBB\xBF") {
        // The platform's JSON never starts with one; a server that adds it always will.
        let reason = "the body starts with a UTF-8 byte-order mark, which JSON does not allow".to_owned();
        return Err(decode_error(action, response, reason, false));
    }
    match response.body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Err(decode_error(action, response, "the body is empty".to_owned(), true)),
        // serde would read a JSON array into a struct field by field: `[0]` is no envelope.
        Some(b'{') => std::str::from_utf8(&response.body)
            .map_err(|e| decode_error(action, response, format!("the body is not UTF-8: {e}"), true)),
        Some(_) => {
            // JSON that is not an object will be the same JSON next time; an HTML page from a
            // proxy, or a cut-off body, may not.
            let is_json = serde_json::from_slice::<serde::de::IgnoredAny>(&response.body).is_ok();
            let reason = if is_json { "the body is JSON but not an object" } else { "the body is not JSON" };
            Err(decode_error(action, response, reason.to_owned(), !is_json))
        }
    }
}

pub(crate) fn decode_error(action: &str, response: &HttpResponse, reason: String, malformed: bool) -> Error {
    Error::Decode {
        meta: crate::ErrorMetadata { action: action.to_owned(), attempts: 1, request_id: request_id(response) },
        reason,
        malformed,
        body: excerpt(&response.body),
    }
}

/// A serde_json failure: malformed when the text is not JSON (syntax, cut off), not when it is
/// JSON of the wrong shape.
pub(crate) fn json_error(action: &str, response: &HttpResponse, error: &serde_json::Error) -> Error {
    decode_error(action, response, error.to_string(), error.is_syntax() || error.is_eof())
}

/// An answer with a RetCode other than 0, classified by the 2.x table until the client says
/// which platform it talks to.
fn api_error(action: &str, response: &HttpResponse, ret_code: i64, message: &str) -> Error {
    Error::Api {
        meta: crate::ErrorMetadata { action: action.to_owned(), attempts: 1, request_id: request_id(response) },
        ret_code,
        message: excerpt_of(message.as_bytes(), BODY_EXCERPT),
        platform: crate::Platform::default(),
    }
}

/// Just the envelope; read only when the typed decode failed, to tell an API error (whose
/// body lacks the payload fields) from a broken body.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "RetCode", deserialize_with = "crate::de::int")]
    ret_code: i64,
    #[serde(rename = "Message", default, deserialize_with = "crate::de::string")]
    message: String,
}

/// Checks the status and the `RetCode`, and decodes a typed response in one pass over the
/// body (a second, envelope-only pass runs only when the first fails).
pub fn decode<T: ApiResponse>(action: &str, response: &HttpResponse) -> Result<T, Error> {
    let text = body(action, response)?;
    match serde_json::from_str::<T>(text) {
        Ok(value) if value.ret_code() == 0 => Ok(value),
        Ok(value) => Err(api_error(action, response, value.ret_code(), value.message())),
        Err(typed) => match serde_json::from_str::<Envelope>(text) {
            Ok(envelope) if envelope.ret_code != 0 => {
                Err(api_error(action, response, envelope.ret_code, &envelope.message))
            }
            _ => Err(json_error(action, response, &typed)),
        },
    }
}

/// Checks the status and the `RetCode`, and returns the body as JSON: for actions the crate
/// does not type.
pub fn decode_value(action: &str, response: &HttpResponse) -> Result<serde_json::Value, Error> {
    let text = body(action, response)?;
    // The envelope is read from the text, not from a `Value`: a `Value` keeps the last of two
    // `RetCode` keys, which would let `{"RetCode":171,"RetCode":0}` pass as a success.
    let envelope: Envelope = serde_json::from_str(text).map_err(|e| json_error(action, response, &e))?;
    if envelope.ret_code != 0 {
        return Err(api_error(action, response, envelope.ret_code, &envelope.message));
    }
    serde_json::from_str(text).map_err(|e| json_error(action, response, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    struct Thing {
        #[serde(rename = "RetCode", deserialize_with = "crate::de::int")]
        ret_code: i64,
        #[serde(rename = "Message", default)]
        message: String,
        #[serde(rename = "Count", deserialize_with = "crate::de::int")]
        count: i64,
    }

    impl ApiResponse for Thing {
        fn ret_code(&self) -> i64 {
            self.ret_code
        }
        fn message(&self) -> &str {
            &self.message
        }
    }

    fn response(status: u16, body: &str) -> HttpResponse {
        let mut headers = http::HeaderMap::new();
        headers.insert(REQUEST_ID_HEADER, "req-1".parse().unwrap());
        HttpResponse { status, headers, body: bytes::Bytes::copy_from_slice(body.as_bytes()) }
    }

    #[test]
    fn api_error_without_payload_is_an_api_error() {
        let err = decode::<Thing>("X", &response(200, r#"{"RetCode":"171","Message":"bad sig"}"#)).unwrap_err();
        assert_eq!(err.ret_code(), Some(171));
        assert_eq!(err.request_id(), Some("req-1"));
        assert!(err.to_string().contains("bad sig"));
    }

    #[test]
    fn success_decodes() {
        let ok = decode::<Thing>("X", &response(200, r#"{"RetCode":0,"Count":"12","Extra":[1]}"#)).unwrap();
        assert_eq!(ok.count, 12);
    }

    #[test]
    fn broken_bodies_are_decode_errors() {
        for body in ["", "  ", "<html>", r#"{"RetCode":0"#, "[0,"] {
            let err = decode::<Thing>("X", &response(200, body)).unwrap_err();
            assert!(matches!(err, Error::Decode { malformed: true, .. }), "{body:?} gave {err:?}");
            assert!(err.is_retryable());
        }
        let never_readable = ["[]", "[0]", r#"[0,"",5]"#, "null", "171", "\u{feff}{\"RetCode\":0,\"Count\":1}"];
        for body in
            never_readable.into_iter().chain([r#"{"Count":1}"#, r#"{"RetCode":0}"#, r#"{"RetCode":0,"Count":"x"}"#])
        {
            let err = decode::<Thing>("X", &response(200, body)).unwrap_err();
            assert!(matches!(err, Error::Decode { malformed: false, .. }), "{body:?} gave {err:?}");
            assert!(!err.is_retryable(), "the same JSON will not change shape on a retry");
        }
        for body in [r#"{"Count":1}"#, "[0]", r#"[0,"message"]"#] {
            let err = decode_value("X", &response(200, body)).unwrap_err();
            assert!(matches!(err, Error::Decode { .. }), "{body:?} gave {err:?}");
        }
    }

    #[test]
    fn a_duplicate_ret_code_is_refused_on_both_paths() {
        let body = r#"{"RetCode":171,"RetCode":0,"Count":1}"#;
        let typed = decode::<Thing>("X", &response(200, body)).unwrap_err();
        let value = decode_value("X", &response(200, body)).unwrap_err();
        for err in [typed, value] {
            assert!(matches!(&err, Error::Decode { reason, .. } if reason.contains("duplicate")), "{err:?}");
        }
    }

    #[test]
    fn message_and_request_id_are_capped() {
        let message = "m".repeat(10 << 20);
        let mut resp = response(200, &format!(r#"{{"RetCode":4,"Message":"{message}"}}"#));
        resp.headers.insert(REQUEST_ID_HEADER, "r".repeat(60_000).parse().unwrap());
        let err = decode::<Thing>("X", &resp).unwrap_err();
        assert!(err.to_string().len() < 1024, "{}", err.to_string().len());
        assert!(err.request_id().unwrap().len() <= REQUEST_ID_EXCERPT + 3);
    }

    #[test]
    fn a_body_that_is_not_utf8_is_malformed() {
        let mut resp = response(200, "");
        resp.body = bytes::Bytes::from_static(b"{\"RetCode\":0,\"Count\":1,\"X\":\"\xff\"}");
        let err = decode::<Thing>("X", &resp).unwrap_err();
        assert!(matches!(err, Error::Decode { malformed: true, .. }), "{err:?}");
        assert!(err.to_string().contains("UTF-8"), "{err}");
    }

    #[test]
    fn status_is_checked_before_the_body() {
        let mut resp = response(503, r#"{"RetCode":0,"Count":1}"#);
        resp.headers.insert(http::header::RETRY_AFTER, "2".parse().unwrap());
        match decode::<Thing>("X", &resp).unwrap_err() {
            Error::Http { meta: crate::ErrorMetadata { request_id, .. }, status, retry_after, .. } => {
                assert_eq!(status, 503);
                assert_eq!(retry_after, Some(Duration::from_secs(2)));
                assert_eq!(request_id.as_deref(), Some("req-1"));
            }
            other => panic!("{other:?}"),
        }
    }
}
