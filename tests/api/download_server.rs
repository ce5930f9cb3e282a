//! A download server of the tests' own on raw TCP, for the hostile answers a real server would
//! not send: each connection is handed, with its request, to a closure that answers as it likes.
//! Every connection and request is recorded.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use ucloudstack::Error;
use ucloudstack::testing::FakeUCloudStack;

/// One request as the server read it.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// The request line (`GET /download?... HTTP/1.1`).
    pub line: String,
    /// Where its `Range: bytes=N-` starts, if it has one.
    pub start: Option<usize>,
    /// Its `If-Range`, if any.
    pub if_range: Option<String>,
}

pub(crate) struct RawServer {
    /// `http://127.0.0.1:PORT/download`.
    pub address: String,
    /// `127.0.0.1:PORT`.
    pub host: String,
    /// Connections accepted, whether or not a request came on them.
    pub connections: Arc<AtomicUsize>,
    pub requests: Arc<Mutex<Vec<Request>>>,
}

impl RawServer {
    pub(crate) fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    pub(crate) fn starts(&self) -> Vec<Option<usize>> {
        self.requests.lock().unwrap().iter().map(|r| r.start).collect()
    }
}

/// Starts a server whose `n`-th request (from 0) is answered by `answer(n, request, socket)`;
/// connections are served at once, each on a task of its own.
pub(crate) async fn raw_server<F, Fut>(answer: F) -> RawServer
where
    F: Fn(usize, Request, TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let server = RawServer {
        address: format!("http://{host}/download"),
        host,
        connections: Arc::default(),
        requests: Arc::default(),
    };
    let (connections, requests, answer) = (server.connections.clone(), server.requests.clone(), Arc::new(answer));
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            connections.fetch_add(1, Ordering::SeqCst);
            let (requests, answer) = (requests.clone(), answer.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&head).into_owned();
                let header = |name: &str| {
                    text.lines().find_map(|l| {
                        let (key, value) = l.split_once(':')?;
                        key.eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
                    })
                };
                let start = header("range")
                    .and_then(|r| r.strip_prefix("bytes=").and_then(|r| r.trim_end_matches('-').parse().ok()));
                let request = Request {
                    line: text.lines().next().unwrap_or_default().to_owned(),
                    start,
                    if_range: header("if-range"),
                };
                let n = {
                    let mut log = requests.lock().unwrap();
                    log.push(request.clone());
                    log.len() - 1
                };
                answer(n, request, socket).await;
            });
        }
    });
    server
}

/// The file the servers hold: `len` bytes of a pattern, different for each `version`.
pub(crate) fn file(len: usize, version: u8) -> Vec<u8> {
    (0..len).map(|i| (i * (7 + 6 * version as usize) % 251) as u8).collect()
}

/// A fake platform whose download address points at `server`, and an image on it.
pub(crate) async fn platform(server: &RawServer) -> (FakeUCloudStack, ucloudstack::Client, String) {
    let fake = FakeUCloudStack::start().await;
    let id = fake.seed_custom_images(1).remove(0);
    let client = fake.client_builder().download_endpoint(server.address.clone()).build().unwrap();
    (fake, client, id)
}

/// The error and its sources, each shown.
pub(crate) fn chain(err: &Error) -> String {
    let mut text = format!("{err:?}");
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = source {
        text.push_str(&format!(" | {e}"));
        source = e.source();
    }
    text
}

pub(crate) fn timed_out(err: &Error) -> bool {
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = source {
        if e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::TimedOut) {
            return true;
        }
        source = e.source();
    }
    false
}

/// A fresh folder under the system's temporary folder.
pub(crate) fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ucloudstack-dl-{}-{}", std::process::id(), fastrand::u64(..)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The headers of a `len`-byte file served whole (200, `start` 0) or from `start` (206), on a
/// connection that closes after the body.
pub(crate) fn head(start: usize, len: usize) -> String {
    if start > 0 {
        format!(
            "HTTP/1.1 206 Partial Content\r\ncontent-length: {}\r\ncontent-range: bytes {start}-{}/{len}\r\nconnection: close\r\n\r\n",
            len - start,
            len - 1
        )
    } else {
        format!("HTTP/1.1 200 OK\r\ncontent-length: {len}\r\nconnection: close\r\n\r\n")
    }
}
