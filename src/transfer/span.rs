//! Every transfer as a `ucloudstack.transfer` span: what moved (bytes, parts, the rate) and
//! how it ended, for a program that exports traces; the calls it makes (ImportImage, S3Login,
//! ...) are its children. Never a secret: no address, key or token is recorded.

use super::error::TransferError;
use crate::Error;
use std::time::Duration;
use tracing::field::Empty;

/// The span of one transfer: `kind` is `upload` or `download`.
pub(super) fn transfer_span(kind: &'static str, image_id: Option<&str>) -> tracing::Span {
    tracing::info_span!(
        "ucloudstack.transfer",
        otel.name = %format_args!("UCloudStack {kind}"),
        otel.kind = "client",
        otel.status_code = Empty,
        ucloudstack.transfer = kind,
        ucloudstack.image_id = image_id,
        ucloudstack.bytes = Empty,
        ucloudstack.bytes_reused = Empty,
        ucloudstack.parts = Empty,
        ucloudstack.bytes_per_second = Empty,
        elapsed_ms = Empty,
        error.type = Empty
    )
}

/// Records what a finished transfer moved: `bytes` this call moved, `reused` those already
/// there (parts held, a `.part` continued), and the rate of this call's bytes.
pub(super) fn finished(span: &tracing::Span, bytes: u64, reused: u64, elapsed: Duration) {
    if span.is_disabled() {
        return;
    }
    span.record("ucloudstack.bytes", bytes).record("ucloudstack.bytes_reused", reused);
    span.record("elapsed_ms", elapsed.as_millis() as u64);
    if !elapsed.is_zero() {
        span.record("ucloudstack.bytes_per_second", (bytes as f64 / elapsed.as_secs_f64()) as u64);
    }
}

/// Records a failed transfer: `error.type` is the stage that failed (or the kind of error
/// before the transfer began), and the bytes that made it.
pub(super) fn failed(span: &tracing::Span, error: &Error, elapsed: Duration) {
    if span.is_disabled() {
        return;
    }
    span.record("otel.status_code", "ERROR").record("elapsed_ms", elapsed.as_millis() as u64);
    match error {
        Error::Transfer(TransferError { stage, bytes_done, .. }) => {
            span.record("error.type", format!("{stage:?}").to_ascii_lowercase().as_str());
            span.record("ucloudstack.bytes", *bytes_done);
        }
        Error::InvalidRequest { .. } => _ = span.record("error.type", "invalid_request"),
        _ => _ = span.record("error.type", "call"),
    };
}
