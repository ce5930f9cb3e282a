//! Helpers shared by the integration tests.

use ucloudstack::CallOptionsBuilder;
use ucloudstack::{Client, Credentials, RetryPolicy};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The key pair of protocol.md's vectors #3 and the UCloudStack vectors.
pub const PUBLIC: &str = "ucloudsomeone@example.com1296235120854146120";
pub const PRIVATE: &str = "46f09bb9fab4f12dfc160dae12273d5332b5debe";

/// A wiremock server that answers every POST with `body`.
pub async fn server_answering(status: u16, body: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), "application/json"))
        .mount(&server)
        .await;
    server
}

/// A client for `server` with the vector keys, region `cn`, and no retries.
pub fn client_for(server: &MockServer) -> Client {
    Client::builder()
        .endpoint(format!("{}/api", server.uri()))
        .credentials(Credentials::new(PUBLIC, PRIVATE))
        .region("cn")
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap()
}

/// The decoded form pairs of a request, in the order sent.
pub fn form(request: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body).into_owned().collect()
}

/// The form pairs sorted, as `key=value` strings, for exact comparison.
pub fn sorted(pairs: &[(String, String)]) -> Vec<String> {
    let mut out: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    out.sort();
    out
}

/// Recomputes the signature of a received form with the private key, the server's way.
pub fn recompute_signature(pairs: &[(String, String)], private_key: &str) -> String {
    let unsigned: Vec<(&str, &str)> =
        pairs.iter().filter(|(k, _)| k != "Signature").map(|(k, v)| (k.as_str(), v.as_str())).collect();
    ucloudstack::sign::signature(&unsigned, private_key)
}

pub fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// A realistic ImageInfo as JSON, with Chinese text.
pub fn image_json(i: usize) -> serde_json::Value {
    serde_json::json!({
        "Region": "cn", "CompanyID": 200001, "Email": "ops@example.com", "ProjectID": "proj-0001",
        "ProjectName": "默认项目", "ImageID": format!("cn-image-{i:04}"), "Name": format!("web-{i} 镜像"),
        "ImageDescription": "由虚拟机导出的自制镜像", "ImageSize": 40, "ImageType": "Custom",
        "OSType": "Linux", "OSName": "CentOS 7.4 x86_64", "SetArch": "x86_64", "OSDistribution": "Centos",
        "ImageStatus": "Used", "CreateTime": 1_700_000_000 + i as i64, "UpdateTime": 1_700_000_100 + i as i64
    })
}

/// What a [`RawServer`] does with each request.
#[derive(Clone, Copy)]
pub enum Behaviour {
    /// Answers 200 with this JSON body, keeping the connection open.
    Answer(&'static str),
    /// Reads the request, then resets the connection without answering.
    Reset,
    /// Reads the request and never answers.
    Hang,
    /// Answers 200 with a chunked body that goes on for `mib` MiB.
    Endless { mib: usize },
}

/// A minimal HTTP/1.1 server on loopback that counts connections and requests and can
/// misbehave in the ways wiremock cannot: resets, hangs, endless bodies.
pub struct RawServer {
    addr: std::net::SocketAddr,
    connections: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    requests: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl RawServer {
    pub async fn start(body: &'static str) -> RawServer {
        Self::with(Behaviour::Answer(body)).await
    }

    pub async fn with(behaviour: Behaviour) -> RawServer {
        use std::sync::atomic::Ordering::SeqCst;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = RawServer {
            addr: listener.local_addr().unwrap(),
            connections: Default::default(),
            requests: Default::default(),
        };
        let (connections, requests) = (server.connections.clone(), server.requests.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                connections.fetch_add(1, SeqCst);
                let requests = requests.clone();
                tokio::spawn(async move {
                    let _ = serve_connection(socket, behaviour, move || {
                        requests.fetch_add(1, SeqCst);
                    })
                    .await;
                });
            }
        });
        server
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    pub fn connections(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn requests(&self) -> usize {
        self.requests.load(std::sync::atomic::Ordering::SeqCst)
    }
}

async fn serve_connection(
    mut socket: tokio::net::TcpStream,
    behaviour: Behaviour,
    on_request: impl Fn(),
) -> std::io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = Vec::new();
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            let n = socket.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let length: usize =
            head.lines().find_map(|l| l.strip_prefix("content-length:")).map_or(0, |v| v.trim().parse().unwrap_or(0));
        while buf.len() < head_end + length {
            let mut chunk = [0u8; 4096];
            let n = socket.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        buf.drain(..head_end + length);
        on_request();
        match behaviour {
            Behaviour::Answer(body) => {
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                socket.write_all(response.as_bytes()).await?;
            }
            Behaviour::Reset => {
                socket.set_zero_linger()?;
                return Ok(());
            }
            Behaviour::Hang => {
                tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                return Ok(());
            }
            Behaviour::Endless { mib } => {
                socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
                    )
                    .await?;
                let chunk = vec![b' '; 64 * 1024];
                let header = format!("{:x}\r\n", chunk.len());
                for _ in 0..mib * 16 {
                    socket.write_all(header.as_bytes()).await?;
                    socket.write_all(&chunk).await?;
                    socket.write_all(b"\r\n").await?;
                }
                socket.write_all(b"0\r\n\r\n").await?;
            }
        }
    }
}

/// Everything the crate logs at `level` and above on this thread, until the guard drops.
pub fn capture_logs(level: tracing::Level) -> (Capture, tracing::subscriber::DefaultGuard) {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber =
        tracing_subscriber::fmt().with_max_level(level).with_writer(move || writer.clone()).with_ansi(false).finish();
    (capture, tracing::subscriber::set_default(subscriber))
}

/// Log lines, as written.
#[derive(Clone, Default)]
pub struct Capture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Capture {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
