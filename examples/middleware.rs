//! A `Transport` that wraps the default one and records each attempt's action and time: the
//! place for metrics, tracing headers or a recorder. Runs against the embedded fake, with one
//! HTTP 503 injected so that a retry shows up. `cargo run --example middleware`
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use ucloudstack::testing::{FakeUCloudStack, Fault};
use ucloudstack::{HttpRequest, HttpResponse, ReqwestTransport, Transport, TransportError};

#[derive(Debug)]
struct Timed {
    inner: ReqwestTransport,
    log: Arc<Mutex<Vec<(String, u16, Duration)>>>, // action, HTTP status (0: no answer), time
}

#[ucloudstack::async_trait::async_trait]
impl Transport for Timed {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let action = request.form().into_iter().find(|(k, _)| k == "Action").map(|(_, v)| v).unwrap_or_default();
        let started = Instant::now();
        let answer = self.inner.send(request).await;
        let status = answer.as_ref().map_or(0, |r| r.status);
        self.log.lock().unwrap().push((action, status, started.elapsed()));
        answer
    }
}

#[tokio::main]
async fn main() -> Result<(), ucloudstack::Error> {
    let fake = FakeUCloudStack::start().await;
    let log = Arc::new(Mutex::new(Vec::new()));
    let inner = ReqwestTransport::new(Duration::from_secs(5))?;
    let client = fake.client_builder().transport(Timed { inner, log: log.clone() }).build()?;
    fake.inject_fault("DescribeImage", Fault::Http(503), 1);
    client.describe_image().send().await?;
    for (attempt, (action, status, took)) in log.lock().unwrap().iter().enumerate() {
        println!("attempt {}: {action} -> HTTP {status} in {took:?}", attempt + 1);
    }
    Ok(())
}
