//! The crate's spans as a program that exports traces sees them: every call a
//! `ucloudstack.call` span (OpenTelemetry's RPC attributes: `rpc.system`, `rpc.method`,
//! `server.address`, the RetCode, the request id, `error.type`), every try a child
//! `ucloudstack.attempt` span (`http.response.status_code`, `http.request.resend_count`).
//!
//! `cargo run --example traces` prints each span as it closes, against the embedded fake
//! UCloudStack, with one answer lost to a 503 so that a retry shows. With tracing-opentelemetry
//! as a layer instead of the printing one, the same spans go to any OpenTelemetry collector
//! (`otel.name`, `otel.kind` and `otel.status_code` are read by that layer).

use std::time::Duration;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::prelude::*;
use ucloudstack::testing::{FakeUCloudStack, Fault};
use ucloudstack::{CallOptionsBuilder, RetryPolicy};

#[tokio::main]
async fn main() {
    // A line for every span of the crate as it closes, with its fields (attempts are DEBUG).
    let printing = tracing_subscriber::fmt::layer()
        .with_span_events(FmtSpan::CLOSE)
        .with_target(false)
        .with_filter(filter_fn(|meta| meta.is_span() && meta.target().starts_with("ucloudstack")));
    tracing_subscriber::registry().with(printing).init();

    let fake = FakeUCloudStack::start().await;
    fake.inject_fault("DescribeImage", Fault::Http(503), 1);
    let fast = RetryPolicy::default().initial_backoff(Duration::from_millis(50));
    let client = fake.client_builder().retry_policy(fast).build().expect("the fake's client");

    let page = client.describe_image().limit(10).send().await.expect("a page of images");
    println!("\nDescribeImage: {} images, after one retry (see the two attempt spans above)\n", page.infos.len());

    let refused = client.delete_custom_image().image_id("cn-image-missing").send().await;
    println!("\nDeleteCustomImage: {} (its span has error.type and the RetCode)", refused.unwrap_err());
}
