//! Peak heap while reading a response body near the size limit: at most 1.25 times the body.
//! A test binary of its own, because dhat's allocator counts every allocation of the process;
//! each case runs in a process of its own, because dhat's peak is the process's.

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use ucloudstack::CallOptionsBuilder;
use ucloudstack::{Client, Credentials, RetryPolicy};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const LIMIT: usize = 8 << 20;
const BODY: usize = LIMIT - 4096;
const HEAD: &[u8] = br#"{"RetCode":0,"TotalCount":0,"Infos":[]}"#;

/// Serves one valid DescribeImage answer padded with spaces to `BODY` bytes, written from a
/// small buffer so the server adds nothing to the peak; chunked or with Content-Length.
async fn serve(chunked: bool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 8192];
        let _ = socket.read(&mut buf).await;
        let spaces = [b' '; 64 * 1024];
        let head = if chunked {
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n".to_owned()
        } else {
            format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {BODY}\r\n\r\n")
        };
        socket.write_all(head.as_bytes()).await.unwrap();
        let mut parts: Vec<&[u8]> = vec![HEAD];
        let mut left = BODY - HEAD.len();
        while left > 0 {
            let n = left.min(spaces.len());
            parts.push(&spaces[..n]);
            left -= n;
        }
        for part in parts {
            if chunked {
                socket.write_all(format!("{:x}\r\n", part.len()).as_bytes()).await.unwrap();
            }
            socket.write_all(part).await.unwrap();
            if chunked {
                socket.write_all(b"\r\n").await.unwrap();
            }
        }
        if chunked {
            socket.write_all(b"0\r\n\r\n").await.unwrap();
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    });
    format!("http://{addr}/api")
}

/// Measures one case in a process of its own (dhat's peak cannot be reset): the test runs
/// itself again with `MEMORY_CASE` set and checks that the run passed.
fn in_own_process(name: &str, chunked: bool) {
    if std::env::var_os("MEMORY_CASE").is_some() {
        return measure(chunked);
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env("MEMORY_CASE", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    println!("{text}");
    assert!(out.status.success() && text.contains("x the body"), "{text}");
}

fn measure(chunked: bool) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let _profiler = dhat::Profiler::builder().testing().build();
    let peak = runtime.block_on(async {
        let endpoint = serve(chunked).await;
        let client = Client::builder()
            .endpoint(endpoint)
            .credentials(Credentials::new("pub", "priv"))
            .region("cn")
            .max_response_size(LIMIT)
            .retry_policy(RetryPolicy::disabled())
            .build()
            .unwrap();
        let start = dhat::HeapStats::get().curr_bytes;
        let page = client.describe_image().send().await.unwrap();
        assert_eq!(page.total_count, 0);
        dhat::HeapStats::get().max_bytes - start
    });
    let ratio = peak as f64 / BODY as f64;
    println!("chunked={chunked}: peak {peak} bytes above the start, {ratio:.2}x the body");
    assert!(ratio <= 1.25, "chunked={chunked}: {ratio:.2}x");
}

#[test]
fn a_body_with_content_length_near_the_limit() {
    in_own_process("a_body_with_content_length_near_the_limit", false);
}

#[test]
fn a_chunked_body_near_the_limit() {
    in_own_process("a_chunked_body_near_the_limit", true);
}
