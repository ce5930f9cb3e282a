//! A Remote import's fetch of its `LoadURL`: a plain HTTP/1.1 GET on a thread and runtime of its
//! own (so it runs whatever the test's runtime does, paused or blocked), streamed and hashed,
//! never buffered. Only loopback hosts are fetched: the fake is for machines without a network.

use super::content::hex;
use super::state::{Phase, State};
use crate::image::ImageStatus;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use sha1::{Digest, Sha1};
use std::sync::{Mutex, Weak};
use std::time::Duration;
use url::{Host, Position, Url};

/// How long the fetch waits to connect, and then for each part of the answer.
const PATIENCE: Duration = Duration::from_secs(30);

const GIB: u64 = 1 << 30;

/// Fetches `url` for the image `image_id`, moving the image along in `state`: `Uploading` once
/// the server answers, then `Fetched`; `Failed` with `Reason` when the fetch fails. Stops as
/// soon as the image is gone (aborted) or the fake is.
pub(super) fn spawn(state: Weak<Mutex<State>>, image_id: String, url: String) {
    let job = Fetch { state, image_id };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
    let thread = std::thread::Builder::new().name("fake-ucloudstack-fetch".into());
    let started = match runtime {
        Ok(runtime) => {
            let job = job.clone();
            thread.spawn(move || runtime.block_on(job.run(&url))).map(drop)
        }
        Err(error) => Err(error),
    };
    if let Err(error) = started {
        job.fail(format!("the fake could not start the fetch: {error}"));
    }
}

#[derive(Clone)]
struct Fetch {
    state: Weak<Mutex<State>>,
    image_id: String,
}

impl Fetch {
    /// Changes the image while it is still being fetched; false when it is not (or the fake is
    /// gone), and the fetch should stop.
    fn update(&self, change: impl FnOnce(&mut super::state::FakeImage)) -> bool {
        let Some(state) = self.state.upgrade() else { return false };
        let mut state = state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match state.image_mut(&self.image_id) {
            Some(image) if image.phase == Phase::Fetching => {
                change(image);
                true
            }
            _ => false,
        }
    }

    fn fail(&self, reason: String) {
        self.update(|image| {
            image.info.image_status = Some(ImageStatus::Failed);
            image.info.reason = Some(reason);
            image.phase = Phase::Stable;
        });
    }

    async fn run(self, url: &str) {
        if let Err(reason) = self.fetch(url).await {
            self.fail(reason);
        }
    }

    async fn fetch(&self, url: &str) -> Result<(), String> {
        let url = Url::parse(url).map_err(|e| format!("LoadURL is no URL: {e}"))?;
        let host = url.host_str().unwrap_or_default().to_owned();
        let loopback = match url.host() {
            Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        if !loopback {
            return Err(format!("cannot reach {host}"));
        }
        if url.scheme() != "http" {
            return Err(format!("cannot fetch {}: the fake fetches http only", url.scheme()));
        }
        let authority = &url[Position::BeforeHost..Position::AfterPort];
        let port = url.port_or_known_default().unwrap_or(80);
        let address = host.trim_start_matches('[').trim_end_matches(']');
        let connect = tokio::net::TcpStream::connect((address, port));
        let stream = match tokio::time::timeout(PATIENCE, connect).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(error)) => return Err(format!("cannot connect to {authority}: {error}")),
            Err(_) => return Err(format!("cannot connect to {authority}: timed out")),
        };
        let io = hyper_util::rt::TokioIo::new(stream);
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(io).await.map_err(|e| format!("{authority}: {e}"))?;
        tokio::spawn(connection);
        let request = http::Request::get(&url[Position::BeforePath..Position::AfterQuery])
            .header(http::header::HOST, authority)
            .header(http::header::USER_AGENT, "ucloudstack-fake-import")
            .body(Empty::<Bytes>::new())
            .map_err(|e| format!("cannot fetch {url}: {e}"))?;
        let response = match tokio::time::timeout(PATIENCE, sender.send_request(request)).await {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => return Err(format!("{authority} did not answer: {error}")),
            Err(_) => return Err(format!("{authority} did not answer in {PATIENCE:?}")),
        };
        if !response.status().is_success() {
            return Err(format!("{url} answered HTTP {}", response.status()));
        }
        let total = response.headers().get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse().ok());
        if !self.update(|image| image.info.image_status = Some(ImageStatus::Uploading)) {
            return Ok(());
        }
        let mut body = response.into_body();
        let (mut hasher, mut length) = (Sha1::new(), 0u64);
        loop {
            let frame = match tokio::time::timeout(PATIENCE, body.frame()).await {
                Ok(Some(Ok(frame))) => frame,
                Ok(None) => break,
                Ok(Some(Err(error))) => return Err(format!("{authority} broke off after {length} bytes: {error}")),
                Err(_) => return Err(format!("{authority} stalled after {length} bytes")),
            };
            let Ok(data) = frame.into_data() else { continue };
            hasher.update(&data);
            length += data.len() as u64;
            // Fetching is the first half of the progress; making the image, the second.
            let percent = total.map_or(0, |total: u64| (length.min(total) * 50 / total.max(1)) as i64);
            if !self.update(|image| image.info.prepare_percent = Some(percent)) {
                return Ok(());
            }
        }
        let digest = hex(&hasher.finalize());
        self.update(|image| {
            image.info.image_size = Some(length.div_ceil(GIB).max(1) as i64);
            image.info.prepare_percent = Some(50);
            image.fetched = Some((length, digest));
            image.phase = Phase::Fetched;
        });
        Ok(())
    }
}
