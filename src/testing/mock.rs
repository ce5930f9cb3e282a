//! A transport that replays canned responses and records what it was asked to send.

use crate::transport::{HttpRequest, HttpResponse, Transport, TransportError};
use async_trait::async_trait;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// Replays queued responses in order and records every request.
///
/// Clones share the queue and the record, so a test keeps one clone and gives the other to
/// the client. A call when the queue is empty panics, naming the request: a test that forgot
/// a response fails loudly rather than seeing retries.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), ucloudstack::Error> {
/// use ucloudstack::{Client, Credentials};
/// use ucloudstack::testing::MockTransport;
///
/// let mock = MockTransport::new();
/// mock.push_json(200, r#"{"RetCode":0,"Action":"DeleteCustomImageResponse"}"#);
/// let client = Client::builder()
///     .endpoint("http://fake.invalid/api")
///     .credentials(Credentials::new("pub", "priv"))
///     .region("cn")
///     .transport(mock.clone())
///     .build()?;
/// client.delete_custom_image().image_id("img-1").send().await?;
/// let form = mock.requests()[0].form();
/// assert!(form.contains(&("ImageID".to_owned(), "img-1".to_owned())));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct MockTransport {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    replies: VecDeque<Result<HttpResponse, TransportError>>,
    requests: Vec<HttpRequest>,
}

impl MockTransport {
    /// An empty mock.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues a response.
    pub fn push_response(&self, response: HttpResponse) -> &Self {
        self.inner.lock().unwrap().replies.push_back(Ok(response));
        self
    }

    /// Queues a JSON response with this status and body.
    pub fn push_json(&self, status: u16, body: &str) -> &Self {
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
        self.push_response(HttpResponse::new(status, headers, body.to_owned()))
    }

    /// Queues a transport failure.
    pub fn push_error(&self, error: TransportError) -> &Self {
        self.inner.lock().unwrap().replies.push_back(Err(error));
        self
    }

    /// Every request sent so far, in order.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.inner.lock().unwrap().requests.clone()
    }

    /// How many responses are still queued.
    pub fn remaining(&self) -> usize {
        self.inner.lock().unwrap().replies.len()
    }
}

#[async_trait]
impl Transport for MockTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let mut inner = self.inner.lock().unwrap();
        inner.requests.push(request);
        let sent = inner.requests.len();
        match inner.replies.pop_front() {
            Some(reply) => reply,
            None => {
                drop(inner);
                panic!("MockTransport: no canned response left for request #{sent}");
            }
        }
    }
}
