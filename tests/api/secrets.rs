//! Every log line at TRACE, across a success, an API error and a transport error, and every
//! error's Display and Debug: no private key, no signature.

use std::io::Write;
use std::sync::{Arc, Mutex};
use ucloudstack::testing::{FakeUCloudStack, Fault};
use ucloudstack::{Client, Credentials, RetryPolicy};

const SECRET: &str = "TOP-SECRET-private-key-42";

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn trace_logs_and_errors_hold_no_key_and_no_signature() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let fake = FakeUCloudStack::builder().credentials("pub-key", SECRET).start().await;
    let client = fake.client_builder().retry_policy(RetryPolicy::disabled()).build().unwrap();
    let mut shown = Vec::new();

    client.describe_image().send().await.unwrap();
    fake.inject_fault("DescribeImage", Fault::RetCode(171), 1);
    let api = client.describe_image().send().await.unwrap_err();
    shown.push(format!("{api} {api:?}"));
    fake.inject_fault("DescribeImage", Fault::TruncatedBody, 1);
    let decode = client.describe_image().send().await.unwrap_err();
    shown.push(format!("{decode} {decode:?}"));

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/api", listener.local_addr().unwrap());
    drop(listener);
    let offline = Client::builder()
        .endpoint(dead)
        .credentials(Credentials::new("pub-key", SECRET))
        .region("cn")
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let transport = offline.describe_image().send().await.unwrap_err();
    shown.push(format!("{transport} {transport:?}"));

    let signatures: Vec<String> = fake.requests().iter().map(|r| r.param("Signature").unwrap().to_owned()).collect();
    assert_eq!(signatures.len(), 3);
    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("ucloudstack"), "the capture saw the crate's spans: {logs}");
    assert!(logs.contains("DescribeImage"));
    for text in shown.iter().chain(std::iter::once(&logs)) {
        assert!(!text.contains(SECRET), "the private key leaked: {text}");
        for signature in &signatures {
            assert!(!text.contains(signature.as_str()), "a signature leaked: {text}");
        }
    }
}
