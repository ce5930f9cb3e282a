//! Shared by the benchmarks: realistic response bodies, the plain structs of the floor, a
//! canned-bytes HTTP server on loopback, and the ratio report.
#![allow(dead_code)]

use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One realistic ImageInfo, Chinese text included.
pub fn image_json(i: usize) -> serde_json::Value {
    serde_json::json!({
        "Region": "cn", "CompanyID": 200001, "Email": "ops@example.com", "ProjectID": "proj-0001",
        "ProjectName": "默认项目", "ImageID": format!("cn-image-{i:06}"), "Name": format!("web-{i} 镜像"),
        "ImageDescription": "由虚拟机导出的自制镜像，用于 Web 层", "ImageSize": 40, "ImageType": "Custom",
        "OSType": "Linux", "OSName": "CentOS 7.4 x86_64", "SetArch": "x86_64", "OSDistribution": "Centos",
        "ImageStatus": "Used", "CreateTime": 1_700_000_000 + i as i64, "UpdateTime": 1_700_000_100 + i as i64
    })
}

/// A DescribeImage response body with `count` images from `offset`.
pub fn page_body(count: usize, offset: usize, total: usize) -> Vec<u8> {
    let infos: Vec<_> = (offset..offset + count).map(image_json).collect();
    serde_json::to_vec(&serde_json::json!({
        "Action": "DescribeImageResponse", "RetCode": 0, "Message": "", "TotalCount": total, "Infos": infos
    }))
    .unwrap()
}

/// The floor's model: the same fields as plain structs, decoded by plain serde_json.
#[derive(Deserialize)]
pub struct PlainResponse {
    #[serde(rename = "RetCode")]
    pub ret_code: i64,
    #[serde(rename = "Action")]
    pub action: String,
    #[serde(rename = "Message")]
    pub message: String,
    #[serde(rename = "TotalCount")]
    pub total_count: i64,
    #[serde(rename = "Infos")]
    pub infos: Vec<PlainImage>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PlainImage {
    pub region: Option<String>,
    #[serde(rename = "CompanyID")]
    pub company_id: Option<i64>,
    pub email: Option<String>,
    #[serde(rename = "ProjectID")]
    pub project_id: Option<String>,
    pub project_name: Option<String>,
    #[serde(rename = "ImageID")]
    pub image_id: Option<String>,
    pub name: Option<String>,
    pub image_description: Option<String>,
    pub image_size: Option<i64>,
    pub image_type: Option<String>,
    #[serde(rename = "OSType")]
    pub os_type: Option<String>,
    #[serde(rename = "OSName")]
    pub os_name: Option<String>,
    pub set_arch: Option<String>,
    #[serde(rename = "OSDistribution")]
    pub os_distribution: Option<String>,
    pub image_status: Option<String>,
    pub create_time: Option<i64>,
    pub update_time: Option<i64>,
}

/// An HTTP/1.1 keep-alive server on 127.0.0.1, on a thread of its own, answering each request
/// with the bytes `respond` picks from the request body.
pub fn canned_server(respond: impl Fn(&[u8]) -> Arc<Vec<u8>> + Send + Sync + 'static) -> SocketAddr {
    let respond = Arc::new(respond);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            loop {
                let (socket, _) = listener.accept().await.unwrap();
                socket.set_nodelay(true).unwrap();
                let respond = respond.clone();
                tokio::spawn(async move {
                    let _ = serve(socket, &*respond).await;
                });
            }
        });
    });
    rx.recv_timeout(Duration::from_secs(10)).unwrap()
}

async fn serve(
    mut socket: tokio::net::TcpStream,
    respond: &(dyn Fn(&[u8]) -> Arc<Vec<u8>> + Send + Sync),
) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = vec![0u8; 16384];
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let n = socket.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = std::str::from_utf8(&buf[..head_end]).unwrap_or("").to_ascii_lowercase();
        let length: usize =
            head.lines().find_map(|l| l.strip_prefix("content-length:")).map_or(0, |v| v.trim().parse().unwrap_or(0));
        while buf.len() < head_end + length {
            let n = socket.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let reply = respond(&buf[head_end..head_end + length]);
        buf.drain(..head_end + length);
        socket.write_all(&reply).await?;
    }
}

/// A full HTTP response around `body`.
pub fn http_response(body: &[u8]) -> Arc<Vec<u8>> {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-ucloud-request-uuid: bench\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    Arc::new(out)
}

/// Criterion's estimate for `group/function` (the slope of its linear sampling when it has
/// one, as criterion reports; else the mean), in nanoseconds, from its output folder.
pub fn mean_ns(group: &str, function: &str) -> Option<f64> {
    let dir = target_dir();
    let path = dir.join("criterion").join(group).join(function).join("new").join("estimates.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    json["slope"]["point_estimate"].as_f64().or_else(|| json["mean"]["point_estimate"].as_f64())
}

/// Cargo's target folder, where criterion writes: `CARGO_TARGET_DIR`, else the one this
/// binary runs from (`<target>/release/deps/<bench>`): `cargo bench -p` runs it in the
/// package's folder, `benches/`, not the workspace's.
fn target_dir() -> std::path::PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return dir.into();
    }
    let exe = std::env::current_exe().ok();
    exe.as_deref().and_then(|e| Some(e.parent()?.parent()?.parent()?.to_path_buf())).unwrap_or_else(|| "target".into())
}

/// Prints `sdk / floor` for a group, against a target ratio.
pub fn report_ratio(group: &str, sdk: &str, floor: &str, target: f64) {
    match (mean_ns(group, sdk), mean_ns(group, floor)) {
        (Some(a), Some(b)) => {
            let ratio = a / b;
            let verdict = if ratio <= target { "meets" } else { "MISSES" };
            println!(
                "{group}: {sdk} {:.1} us, {floor} {:.1} us, ratio {ratio:.3} ({verdict} the target of {target:.2})",
                a / 1000.0,
                b / 1000.0
            );
        }
        _ => println!("{group}: no estimates found (was the group filtered out?)"),
    }
}

/// `len` pseudo-random bytes into `path` (xorshift: MD5 does not care, but nothing compresses).
pub fn write_file(path: &std::path::Path, len: u64) {
    use std::io::Write;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut block = vec![0u8; 1 << 20];
    for _ in 0..len.div_ceil(1 << 20) {
        for word in block.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            word.copy_from_slice(&x.to_le_bytes());
        }
        out.write_all(&block).unwrap();
    }
    out.into_inner().unwrap().set_len(len).unwrap();
}

/// The benches' upload of a raw file to the embedded fake: `part` bytes a part, `concurrency`
/// at once, polls every 100 ms (the fake makes the image at once).
pub fn upload_raw(
    client: &ucloudstack::Client,
    path: &std::path::Path,
    part: u64,
    concurrency: usize,
) -> ucloudstack::image::UploadImageBuilder {
    use ucloudstack::image::{ImageFormat, OsType};
    client
        .upload_image(path)
        .company_id(200001)
        .image_name("bench")
        .image_format(ImageFormat::Raw)
        .os_type(OsType::Linux)
        .os_distribution("Ubuntu")
        .part_size(part)
        .concurrency(concurrency)
        .poll_delay(Duration::from_millis(100), Duration::from_millis(100))
}
