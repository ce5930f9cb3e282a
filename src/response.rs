//! From an HTTP response to a typed response or an [`Error`]: status, envelope, body.
//!
//! The client runs these after every attempt; they are public for custom transports, tests
//! and fuzzing.

use crate::action::ApiResponse;
use crate::error::{Error, excerpt};
use crate::transport::HttpResponse;
use serde::Deserialize;
use std::time::Duration;

/// The response header that carries the server's id for the request.
pub const REQUEST_ID_HEADER: &str = "x-ucloud-request-uuid";

/// The `X-UCLOUD-REQUEST-UUID` of a response, if it has a readable one.
pub(crate) fn request_id(response: &HttpResponse) -> Option<String> {
    response.headers.get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned)
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
            action: action.to_owned(),
            status: response.status,
            body: excerpt(&response.body),
            request_id: request_id(response),
            retry_after: retry_after(response),
            attempts: 1,
        });
    }
    match response.body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Err(decode_error(action, response, "the body is empty".to_owned(), true)),
        // serde would read a JSON array into a struct field by field: `[0]` is no envelope.
        Some(b'{') => std::str::from_utf8(&response.body)
            .map_err(|e| decode_error(action, response, format!("the body is not UTF-8: {e}"), true)),
        Some(_) => Err(decode_error(action, response, "the body is not a JSON object".to_owned(), true)),
    }
}

pub(crate) fn decode_error(action: &str, response: &HttpResponse, reason: String, malformed: bool) -> Error {
    Error::Decode {
        action: action.to_owned(),
        reason,
        malformed,
        body: excerpt(&response.body),
        request_id: request_id(response),
        attempts: 1,
    }
}

/// A serde_json failure: malformed when the text is not JSON (syntax, cut off), not when it is
/// JSON of the wrong shape.
pub(crate) fn json_error(action: &str, response: &HttpResponse, error: &serde_json::Error) -> Error {
    decode_error(action, response, error.to_string(), error.is_syntax() || error.is_eof())
}

fn api_error(action: &str, response: &HttpResponse, ret_code: i64, message: &str) -> Error {
    Error::Api {
        action: action.to_owned(),
        ret_code,
        message: message.to_owned(),
        request_id: request_id(response),
        attempts: 1,
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
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| json_error(action, response, &e))?;
    let envelope = Envelope::deserialize(&value).map_err(|e| json_error(action, response, &e))?;
    if envelope.ret_code != 0 {
        return Err(api_error(action, response, envelope.ret_code, &envelope.message));
    }
    Ok(value)
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
        for body in ["", "  ", "<html>", r#"{"RetCode":0"#, "[]", "[0]", r#"[0,"",5]"#, "null", "171"] {
            let err = decode::<Thing>("X", &response(200, body)).unwrap_err();
            assert!(matches!(err, Error::Decode { malformed: true, .. }), "{body:?} gave {err:?}");
            assert!(err.is_retryable());
        }
        for body in [r#"{"Count":1}"#, r#"{"RetCode":0}"#, r#"{"RetCode":0,"Count":"x"}"#] {
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
            Error::Http { status, retry_after, request_id, .. } => {
                assert_eq!(status, 503);
                assert_eq!(retry_after, Some(Duration::from_secs(2)));
                assert_eq!(request_id.as_deref(), Some("req-1"));
            }
            other => panic!("{other:?}"),
        }
    }
}
