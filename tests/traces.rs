//! Calls as spans shaped by OpenTelemetry's RPC and HTTP conventions: one span a call, one
//! child span an attempt, with the attributes a trace exporter reads; never a secret.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use ucloudstack::testing::{FakeUCloudStack, Fault};
use ucloudstack::{CallOptionsBuilder, RetryPolicy};

/// A span as a trace exporter would see it once it closed.
#[derive(Debug, Clone, Default)]
struct Seen {
    name: &'static str,
    parent: Option<&'static str>,
    fields: BTreeMap<String, String>,
}

impl Seen {
    fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }
}

/// Span ids in the order they opened, and each span as recorded so far.
type Opened = (Vec<u64>, HashMap<u64, Seen>);

/// Every span opened, in order, with its fields as they were recorded.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Opened>>);

impl Spans {
    fn named(&self, name: &str) -> Vec<Seen> {
        let spans = self.0.lock().unwrap();
        spans.0.iter().map(|id| spans.1[id].clone()).filter(|s| s.name == name).collect()
    }
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let parent = ctx.span(id).and_then(|span| span.parent()).map(|parent| parent.name());
        let mut seen = Seen { name: attrs.metadata().name(), parent, fields: BTreeMap::new() };
        attrs.record(&mut Fields(&mut seen.fields));
        let mut spans = self.0.lock().unwrap();
        spans.0.push(id.into_u64());
        spans.1.insert(id.into_u64(), seen);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        if let Some(seen) = self.0.lock().unwrap().1.get_mut(&id.into_u64()) {
            values.record(&mut Fields(&mut seen.fields));
        }
    }
}

/// The spans opened from now on, by every thread, until the guard drops: one subscriber for
/// the process (a scoped one can miss a call site first met by another thread), and one test
/// at a time.
async fn recording() -> (Spans, tokio::sync::MutexGuard<'static, ()>) {
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    static SPANS: std::sync::OnceLock<Spans> = std::sync::OnceLock::new();
    let turn = ONE_AT_A_TIME.lock().await;
    let spans = SPANS.get_or_init(|| {
        let spans = Spans::default();
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(spans.clone())).unwrap();
        spans
    });
    *spans.0.lock().unwrap() = Opened::default();
    (spans.clone(), turn)
}

/// A folder of its own under the system's temp folder, removed on drop.
struct Dir(std::path::PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("ucloudstack-traces-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn a_call_is_a_span_with_an_attempt_span_for_each_try() {
    let fake = FakeUCloudStack::start().await;
    fake.inject_fault("DescribeImage", Fault::Http(503), 1);
    let client = fake
        .client_builder()
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(std::time::Duration::from_millis(1))
                .max_backoff(std::time::Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let (spans, _guard) = recording().await;
    client.describe_image().send().await.unwrap();

    let calls = spans.named("ucloudstack.call");
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call = &calls[0];
    let port = url::Url::parse(fake.endpoint()).unwrap().port().unwrap().to_string();
    for (field, value) in [
        ("otel.name", "UCloudStack/DescribeImage"),
        ("otel.kind", "client"),
        ("rpc.system", "ucloudstack"),
        ("rpc.service", "UCloudStack"),
        ("rpc.method", "DescribeImage"),
        ("server.address", "127.0.0.1"),
        ("server.port", port.as_str()),
        ("ucloudstack.attempts", "2"),
        ("ucloudstack.ret_code", "0"),
    ] {
        assert_eq!(call.get(field), Some(value), "{field}: {call:?}");
    }
    assert!(call.get("ucloudstack.request_id").is_some_and(|id| !id.is_empty()), "{call:?}");
    assert_eq!(call.get("error.type"), None);

    let attempts = spans.named("ucloudstack.attempt");
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    assert!(attempts.iter().all(|a| a.parent == Some("ucloudstack.call")));
    let (first, second) = (&attempts[0], &attempts[1]);
    assert_eq!(first.get("http.request.method"), Some("POST"));
    assert_eq!(first.get("http.request.resend_count"), Some("0"));
    assert_eq!(first.get("http.response.status_code"), Some("503"));
    assert_eq!(first.get("error.type"), Some("503"));
    assert_eq!(first.get("otel.status_code"), Some("ERROR"));
    assert_eq!(second.get("http.request.resend_count"), Some("1"));
    assert_eq!(second.get("http.response.status_code"), Some("200"));
    assert_eq!(second.get("ucloudstack.ret_code"), Some("0"));
    assert_eq!(second.get("error.type"), None);
}

#[tokio::test]
async fn a_refused_call_carries_its_ret_code_and_no_secret() {
    let fake = FakeUCloudStack::start().await;
    let client = fake.client();
    let (spans, _guard) = recording().await;
    let err = client.delete_custom_image().image_id("cn-image-missing").send().await.unwrap_err();
    let code = err.ret_code().expect("an API error").to_string();

    let call = &spans.named("ucloudstack.call")[0];
    assert_eq!(call.get("rpc.method"), Some("DeleteCustomImage"));
    assert_eq!(call.get("ucloudstack.resource"), Some("cn-image-missing"));
    assert_eq!(call.get("error.type"), Some("ret_code"));
    assert_eq!(call.get("otel.status_code"), Some("ERROR"));
    assert_eq!(call.get("ucloudstack.ret_code"), Some(code.as_str()));
    let all = format!("{:?}{:?}", spans.named("ucloudstack.call"), spans.named("ucloudstack.attempt"));
    assert!(!all.contains("fake-private-key"), "the private key is in a span: {all}");
    assert!(!all.contains("Signature"), "{all}");
}

#[tokio::test]
async fn an_upload_is_a_transfer_span_over_its_calls_with_bytes_parts_and_rate() {
    let fake = FakeUCloudStack::builder().making_delay(std::time::Duration::from_millis(50)).start().await;
    let dir = Dir::new("traced");
    let path = dir.0.join("disk.raw");
    std::fs::write(&path, (0..11usize << 20).map(|i| (i % 251) as u8).collect::<Vec<u8>>()).unwrap();
    let (spans, _guard) = recording().await;
    let done = fake
        .client()
        .upload_image(&path)
        .company_id(200001)
        .image_name("web")
        .os_type(ucloudstack::image::OsType::Linux)
        .os_distribution("Ubuntu")
        .poll_delay(std::time::Duration::from_millis(20), std::time::Duration::from_millis(20))
        .image_format(ucloudstack::image::ImageFormat::Raw)
        .part_size(5 << 20)
        .send()
        .await
        .unwrap();

    let transfers = spans.named("ucloudstack.transfer");
    assert_eq!(transfers.len(), 1, "{transfers:?}");
    let transfer = &transfers[0];
    assert_eq!(transfer.get("ucloudstack.transfer"), Some("upload"));
    assert_eq!(transfer.get("ucloudstack.image_id"), done.image.image_id.as_deref());
    assert_eq!(transfer.get("ucloudstack.bytes"), Some((11u64 << 20).to_string().as_str()));
    assert_eq!(transfer.get("ucloudstack.parts"), Some("3"));
    assert!(transfer.get("ucloudstack.bytes_per_second").is_some_and(|r| r.parse::<u64>().unwrap() > 0));
    assert_eq!(transfer.get("error.type"), None);
    // The calls it made are its children.
    let calls = spans.named("ucloudstack.call");
    for action in ["ImportImage", "S3Login", "CompleteImageMultipartUpload"] {
        let call = calls.iter().find(|c| c.get("rpc.method") == Some(action)).unwrap_or_else(|| panic!("{action}"));
        assert_eq!(call.parent, Some("ucloudstack.transfer"), "{action}");
    }
    let all = format!("{transfers:?}");
    assert!(!all.contains("X-Amz") && !all.contains("session"), "{all}");
}

#[tokio::test]
async fn a_resumed_download_counts_the_bytes_it_kept_apart_from_those_it_moved() {
    let fake = FakeUCloudStack::start().await;
    let dir = Dir::new("traced-download");
    let id = fake.seed_custom_images(1).remove(0);
    let whole = dir.0.join("whole.qcow2");
    let first = fake.client().download_image(&id, &whole).send().await.unwrap();
    assert_eq!(first.bytes_resumed, 0);
    let bytes = std::fs::read(&whole).unwrap();
    assert!(bytes.len() > 2, "{}", bytes.len());
    // An earlier run's .part (no version kept beside it: taken to be this image's).
    let kept = bytes.len() / 2;
    std::fs::write(dir.0.join("again.qcow2.part"), &bytes[..kept]).unwrap();

    let (spans, _guard) = recording().await;
    let again = fake.client().download_image(&id, dir.0.join("again.qcow2")).send().await.unwrap();
    assert_eq!((again.bytes, again.bytes_resumed), (bytes.len() as u64, kept as u64));
    assert_eq!(std::fs::read(dir.0.join("again.qcow2")).unwrap(), bytes);

    let transfer = &spans.named("ucloudstack.transfer")[0];
    assert_eq!(transfer.get("ucloudstack.transfer"), Some("download"));
    assert_eq!(transfer.get("ucloudstack.image_id"), Some(id.as_str()));
    assert_eq!(transfer.get("ucloudstack.bytes"), Some((bytes.len() - kept).to_string().as_str()));
    assert_eq!(transfer.get("ucloudstack.bytes_reused"), Some(kept.to_string().as_str()));
    let address = spans.named("ucloudstack.call");
    assert!(
        address
            .iter()
            .any(|c| c.get("rpc.method") == Some("GetImageDownloadURL") && c.parent == Some("ucloudstack.transfer"))
    );
    let all = format!("{:?}", spans.named("ucloudstack.transfer"));
    assert!(!all.contains("Token") && !all.contains('?'), "no address in the span: {all}");
}
