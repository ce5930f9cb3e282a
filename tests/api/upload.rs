//! `upload_image`: bad input refused before anything is sent, the format and size read from
//! qcow2 files laid out as qemu-img makes them, the S3 half against an S3 server we did not write
//! (s3s over s3s-fs, started in-process by the tests: see `s3_server`), the UCloudStack half
//! against wiremock, retries, failure and resume.

use crate::s3_server::{ACCESS_KEY, S3Server, SECRET, TOKEN};
use crate::support::{client_for, form, param};
use md5::{Digest, Md5};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use ucloudstack::image::{ImageFormat, OsType, S3Error, TransferProgress, TransferStage, UploadHandle};
use ucloudstack::{Client, Error};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub(crate) const MIB: usize = 1 << 20;
pub(crate) const IMAGE: &str = "cn-image-up";

// ---------------------------------------------------------------- files

/// A folder of its own under the system's temp folder, removed on drop.
pub(crate) struct Dir(PathBuf);

impl Dir {
    pub(crate) fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("ucloudstack-upload-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    pub(crate) fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `len` bytes, each MiB unlike the others.
pub(crate) fn content(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let block: Vec<u8> = (0..MIB).map(|_| rng.u8(..)).collect();
    let mut bytes = Vec::with_capacity(len + MIB);
    for i in 0..len.div_ceil(MIB) {
        bytes.extend_from_slice(&(seed << 32 | i as u64).to_le_bytes());
        bytes.extend_from_slice(&block[8..]);
    }
    bytes.truncate(len);
    bytes
}

pub(crate) fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// An empty qcow2 (version 3, 64 KiB clusters) of `virtual_size` bytes, laid out as
/// `qemu-img create -f qcow2` lays one out: the header, the refcount table, one refcount block
/// counting the four clusters in use, and the L1 table. `qemu-img check` finds no error in it,
/// and no test needs qemu-img to make it.
pub(crate) fn qcow2_file(path: &Path, virtual_size: u64) {
    const CLUSTER: u64 = 1 << 16;
    let l1_entries = virtual_size.div_ceil(CLUSTER * (CLUSTER / 8));
    let (refcount_table, refcount_block, l1_table) = (CLUSTER, 2 * CLUSTER, 3 * CLUSTER);
    let mut file = vec![0u8; (l1_table + 8 * l1_entries) as usize];
    let mut put = |at: usize, bytes: &[u8]| file[at..at + bytes.len()].copy_from_slice(bytes);
    put(0, b"QFI\xfb");
    put(4, &3u32.to_be_bytes()); // version
    put(20, &16u32.to_be_bytes()); // cluster_bits
    put(24, &virtual_size.to_be_bytes());
    put(36, &(l1_entries as u32).to_be_bytes());
    put(40, &l1_table.to_be_bytes());
    put(48, &refcount_table.to_be_bytes());
    put(56, &1u32.to_be_bytes()); // refcount_table_clusters
    put(96, &4u32.to_be_bytes()); // refcount_order: 16-bit refcounts
    put(100, &104u32.to_be_bytes()); // header_length
    put(refcount_table as usize, &refcount_block.to_be_bytes());
    for cluster in 0..4 {
        put(refcount_block as usize + 2 * cluster, &1u16.to_be_bytes());
    }
    std::fs::write(path, file).unwrap();
}

/// The parts the S3 server holds match `file` cut in `part` bytes.
async fn assert_parts_match(s3: &S3Server, key: &str, upload_id: &str, file: &[u8], part: usize) {
    let parts = s3.parts(key, upload_id).await;
    let expected: Vec<(u32, usize, String)> =
        file.chunks(part).enumerate().map(|(i, c)| (i as u32 + 1, c.len(), md5_hex(c))).collect();
    assert_eq!(parts, expected, "the parts on the S3 service are the file's");
}

// ---------------------------------------------------------------- the platform (wiremock)

/// Answers the UCloudStack actions of an upload: ImportImage (the given upload id), S3Login
/// (the given S3 endpoint, or a refusal), CompleteImageMultipartUpload, and DescribeImage
/// (`WaitUploading` until completed, then `Used`).
struct Platform {
    endpoint: Option<String>,
    bucket: String,
    upload_id: String,
    completed: Arc<AtomicBool>,
}

impl Respond for Platform {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let form = form(request);
        let json = |v: serde_json::Value| ResponseTemplate::new(200).set_body_json(v);
        match param(&form, "Action") {
            Some("ImportImage") => json(serde_json::json!({
                "Action": "ImportImageResponse", "RetCode": 0,
                "ImageID": IMAGE, "UploadID": self.upload_id, "Bucket": self.bucket
            })),
            Some("S3Login") => match &self.endpoint {
                Some(endpoint) => json(serde_json::json!({
                    "Action": "S3LoginResponse", "RetCode": 0, "AccessKey": ACCESS_KEY,
                    "SecretKey": SECRET, "Endpoint": endpoint, "Bucket": self.bucket, "SessionID": TOKEN
                })),
                None => json(serde_json::json!({"Action": "S3LoginResponse", "RetCode": 230, "Message": "no S3 here"})),
            },
            Some("CompleteImageMultipartUpload") => {
                self.completed.store(true, SeqCst);
                json(serde_json::json!({"Action": "CompleteImageMultipartUploadResponse", "RetCode": 0}))
            }
            Some("DescribeImage") => {
                let mut image = crate::support::image_json(1);
                image["ImageID"] = IMAGE.into();
                let done = self.completed.load(SeqCst);
                image["ImageStatus"] = if done { "Used" } else { "WaitUploading" }.into();
                image["PreparePrecent"] = if done { 100 } else { 0 }.into();
                json(serde_json::json!({
                    "Action": "DescribeImageResponse", "RetCode": 0, "TotalCount": 1, "Infos": [image]
                }))
            }
            other => json(serde_json::json!({"RetCode": 160, "Message": format!("unexpected {other:?}")})),
        }
    }
}

pub(crate) async fn platform(endpoint: Option<&str>, bucket: &str, upload_id: &str) -> (MockServer, Client) {
    let server = MockServer::start().await;
    let answer = Platform {
        endpoint: endpoint.map(str::to_owned),
        bucket: bucket.to_owned(),
        upload_id: upload_id.to_owned(),
        completed: Arc::new(AtomicBool::new(false)),
    };
    Mock::given(wiremock::matchers::method("POST")).respond_with(answer).mount(&server).await;
    let client = client_for(&server);
    (server, client)
}

/// The forms the platform received, for each action in order.
pub(crate) async fn actions(server: &MockServer) -> Vec<Vec<(String, String)>> {
    server.received_requests().await.unwrap().iter().map(form).collect()
}

pub(crate) fn action_names(forms: &[Vec<(String, String)>]) -> Vec<String> {
    forms.iter().map(|f| param(f, "Action").unwrap_or("").to_owned()).collect()
}

pub(crate) fn upload(client: &Client, path: &Path) -> ucloudstack::image::UploadImageBuilder {
    client
        .upload_image(path)
        .company_id(200001)
        .image_name("web")
        .os_type(OsType::Linux)
        .os_distribution("Ubuntu")
        .os_version("24.04")
        .poll_delay(Duration::from_millis(20), Duration::from_millis(20))
        .max_wait(Duration::from_secs(10))
}

// ---------------------------------------------------------------- input rules

#[tokio::test]
async fn bad_inputs_are_refused_before_anything_is_sent() {
    let dir = Dir::new("rules");
    let server = MockServer::start().await;
    let client = client_for(&server);
    let raw = dir.file("disk.raw", &[7u8; 4096]);
    let empty = dir.file("empty.raw", b"");
    let qcow2 = dir.0.join("disk.qcow2");
    qcow2_file(&qcow2, 1 << 30);
    // 60 GiB, sparse: 5 MiB parts would be 12,288 of them.
    let huge = dir.0.join("huge.raw");
    std::fs::File::create(&huge).unwrap().set_len(60 << 30).unwrap();
    let cases: Vec<(&str, ucloudstack::image::UploadImageBuilder)> = vec![
        ("path", upload(&client, &dir.0.join("missing.raw")).image_format(ImageFormat::Raw)),
        ("path", upload(&client, &dir.0).image_format(ImageFormat::Raw)),
        ("path", upload(&client, &empty).image_format(ImageFormat::Raw)),
        ("path", upload(&client, Path::new("")).image_format(ImageFormat::Raw)),
        ("part_size", upload(&client, &raw).image_format(ImageFormat::Raw).part_size(5 * MIB as u64 - 1)),
        ("part_size", upload(&client, &raw).image_format(ImageFormat::Raw).part_size(6 << 30)),
        ("part_size", upload(&client, &huge).image_format(ImageFormat::Raw).part_size(5 * MIB as u64)),
        ("ImageFormat", upload(&client, &raw)),
        ("ImageFormat", upload(&client, &qcow2).image_format(ImageFormat::Iso)),
        ("ImageFormat", upload(&client, &raw).image_format(ImageFormat::Qcow2)),
        ("concurrency", upload(&client, &raw).image_format(ImageFormat::Raw).concurrency(0)),
        ("s3_region", upload(&client, &raw).image_format(ImageFormat::Raw).s3_region(" ")),
        ("ImageName", client.upload_image(&raw).image_format(ImageFormat::Raw).company_id(1).os_type(OsType::Linux)),
        ("ImageSize", upload(&client, &raw).image_format(ImageFormat::Raw).image_size(2001)),
        // Resuming still refuses a format the file contradicts.
        (
            "ImageFormat",
            client.upload_image(&qcow2).image_format(ImageFormat::Vmdk).resume(UploadHandle::new("i", "u")),
        ),
    ];
    for (want, builder) in cases {
        let shown = format!("{builder:?}");
        match builder.send().await {
            Err(Error::InvalidRequest { field, rule, .. }) => assert_eq!(field, want, "{rule} ({shown})"),
            other => panic!("{shown}: {other:?}"),
        }
    }
    // A 60 GiB file needs parts above 5 MiB: the default is large enough.
    assert!(server.received_requests().await.unwrap().is_empty(), "nothing was sent");
}

// ---------------------------------------------------------------- header sniffing

#[tokio::test]
async fn the_header_names_the_format_and_a_qcow2_its_virtual_size() {
    let dir = Dir::new("sniff");
    let qcow2 = dir.0.join("ubuntu.qcow2");
    qcow2_file(&qcow2, 3 << 30);
    let mut iso = vec![0u8; 40_000];
    iso[32_769..32_774].copy_from_slice(b"CD001");
    let iso = dir.file("install.iso", &iso);
    for (path, format, size) in [(&qcow2, "qcow2", "3"), (&iso, "iso", "1")] {
        // S3Login is refused: the import is seen, then the upload stops with a handle.
        let (server, client) = platform(None, "mirror", "upload-1").await;
        let Err(Error::Transfer(failure)) = upload(&client, path).send().await else { panic!("no transfer error") };
        assert_eq!(failure.stage, TransferStage::Login);
        assert_eq!(failure.image_id, IMAGE);
        let handle = UploadHandle::new(IMAGE, "upload-1").with_part_size(5 << 20);
        assert_eq!(failure.resume_handle(), Some(&handle), "with the part size chosen");
        let forms = actions(&server).await;
        assert_eq!(action_names(&forms), ["ImportImage", "S3Login"]);
        assert_eq!(param(&forms[0], "ImportType"), Some("Local"));
        assert_eq!(param(&forms[0], "ImageFormat"), Some(format), "{}", path.display());
        assert_eq!(param(&forms[0], "ImageSize"), Some(size), "{}", path.display());
        assert_eq!(param(&forms[1], "Scenes"), Some("ImageUpload"));
        assert_eq!(param(&forms[1], "CompanyID"), Some("200001"));
    }
    // A size given wins over the header's.
    let (server, client) = platform(None, "mirror", "upload-1").await;
    let _ = upload(&client, &qcow2).image_size(20).send().await;
    assert_eq!(param(&actions(&server).await[0], "ImageSize"), Some("20"));
}

// ---------------------------------------------------------------- end to end: wiremock + the S3 server

#[tokio::test]
async fn a_40_mib_file_goes_up_in_8_mib_parts_end_to_end() {
    let s3 = S3Server::start("e2e").await;
    // Other uploads in the bucket, ours among them: the key is found by its upload id.
    s3.upload("images/cn-image-0/old.raw").await;
    let key = "images/cn-image-up/web 镜像.raw";
    let upload_id = s3.upload(key).await;
    s3.upload("images/cn-image-9/later.raw").await;
    let dir = Dir::new("e2e");
    let bytes = content(40 * MIB, 1);
    let path = dir.file("web.raw", &bytes);
    let (server, client) = platform(Some(&s3.uri), &s3.bucket, &upload_id).await;
    let reports = Arc::new(Mutex::new(Vec::<TransferProgress>::new()));
    let seen = reports.clone();
    let done = upload(&client, &path)
        .image_format(ImageFormat::Raw)
        .part_size(8 * MIB as u64)
        .concurrency(3)
        .on_progress(move |p| seen.lock().unwrap().push(*p))
        .send()
        .await
        .unwrap();
    assert_eq!(done.image.id(), IMAGE);
    assert_eq!(done.image.status(), "Used");
    assert_eq!((done.bytes_sent, done.bytes_reused, done.part_size), (40 * MIB as u64, 0, 8 * MIB as u64));
    assert_parts_match(&s3, key, &upload_id, &bytes, 8 * MIB).await;
    let signed_parts = crate::s3_server::verified().iter().filter(|r| r.starts_with("PUT /e2e/")).count();
    assert_eq!(signed_parts, 5, "s3s checked each part's signature and session token");

    let forms = actions(&server).await;
    let names = action_names(&forms);
    assert_eq!(names[..4], ["ImportImage", "S3Login", "CompleteImageMultipartUpload", "DescribeImage"]);
    assert_eq!(param(&forms[0], "ImageFormat"), Some("raw"));
    assert_eq!(param(&forms[0], "ImageSize"), Some("1"));
    assert_eq!(param(&forms[2], "ImageID"), Some(IMAGE));
    assert_eq!(param(&forms[2], "UploadID"), Some(upload_id.as_str()));
    assert_eq!(param(&forms[2], "CompanyID"), Some("200001"));

    let reports = reports.lock().unwrap();
    let bytes_done: Vec<u64> = reports.iter().filter(|p| p.percent.is_none()).map(|p| p.bytes_done).collect();
    let each_mib: Vec<u64> = (0..=40).map(|m| m * MIB as u64).collect();
    assert_eq!(bytes_done, each_mib, "one report per MiB as the parts leave");
    assert!(reports.iter().all(|p| p.bytes_total == 40 * MIB as u64));
    assert_eq!(reports.last().unwrap().percent, Some(100), "the wait reports PreparePrecent");
}

#[tokio::test]
async fn a_resumed_upload_sends_only_the_parts_missing_or_different() {
    let s3 = S3Server::start("resume").await;
    let key = "images/cn-image-up/web.raw";
    let upload_id = s3.upload(key).await;
    let dir = Dir::new("resume");
    // Five parts of 5 MiB, the last 3 MiB.
    let part = 5 * MIB;
    let bytes = content(4 * part + 3 * MIB, 2);
    let path = dir.file("web.raw", &bytes);
    // An earlier attempt sent parts 1 and 2, and a part 3 of other bytes.
    s3.put_part(key, &upload_id, 1, bytes[..part].to_vec()).await;
    s3.put_part(key, &upload_id, 2, bytes[part..2 * part].to_vec()).await;
    s3.put_part(key, &upload_id, 3, vec![0u8; part]).await;
    let (server, client) = platform(Some(&s3.uri), &s3.bucket, &upload_id).await;
    let done = client.upload_image(&path).resume(UploadHandle::new(IMAGE, &upload_id)).send().await.unwrap();
    assert_eq!(done.part_size, part as u64);
    assert_eq!(done.bytes_sent, (2 * part + 3 * MIB) as u64, "parts 3 (different), 4 and 5 (missing) were sent");
    assert_eq!(done.bytes_reused, 2 * part as u64);
    assert_parts_match(&s3, key, &upload_id, &bytes, part).await;
    let names = action_names(&actions(&server).await);
    assert_eq!(names[..4], ["DescribeImage", "S3Login", "CompleteImageMultipartUpload", "DescribeImage"]);

    // The file changes in part 2: resuming again sends that part alone.
    let mut changed = bytes.clone();
    changed[part + 12345] ^= 0xff;
    std::fs::write(&path, &changed).unwrap();
    let (_server, client) = platform(Some(&s3.uri), &s3.bucket, &upload_id).await;
    let done = client.upload_image(&path).resume(UploadHandle::new(IMAGE, &upload_id)).send().await.unwrap();
    assert_eq!(done.bytes_sent, part as u64, "only the part that changed");
    assert_parts_match(&s3, key, &upload_id, &changed, part).await;

    // A file shorter than the parts the platform holds cannot be made right: refused.
    std::fs::write(&path, &changed[..3 * part]).unwrap();
    let (server, client) = platform(Some(&s3.uri), &s3.bucket, &upload_id).await;
    let Err(Error::Transfer(failure)) =
        client.upload_image(&path).resume(UploadHandle::new(IMAGE, &upload_id)).send().await
    else {
        panic!("a shrunk file was uploaded")
    };
    assert_eq!(failure.stage, TransferStage::Locate);
    assert!(failure.to_string().contains("holds part 4"), "{failure}");
    assert!(!action_names(&actions(&server).await).contains(&"CompleteImageMultipartUpload".to_owned()));
}

#[tokio::test]
async fn a_file_that_changes_while_it_is_sent_is_not_completed() {
    let s3 = S3Server::start("changing").await;
    let key = "images/cn-image-up/web.raw";
    let upload_id = s3.upload(key).await;
    let dir = Dir::new("changing");
    let bytes = content(12 * MIB, 6);
    let path = dir.file("web.raw", &bytes);
    let mut changed = bytes.clone();
    changed[MIB] ^= 1;
    let (server, client) = platform(Some(&s3.uri), &s3.bucket, &upload_id).await;
    // The first part changes once it is in.
    let (target, new) = (path.clone(), changed.clone());
    let err = upload(&client, &path)
        .image_format(ImageFormat::Raw)
        .concurrency(1)
        .on_progress(move |p| {
            if p.bytes_done == 5 * MIB as u64 {
                std::fs::write(&target, &new).unwrap();
            }
        })
        .send()
        .await
        .unwrap_err();
    let Error::Transfer(failure) = err else { panic!("{err}") };
    assert_eq!(failure.stage, TransferStage::Read, "{failure}");
    assert!(!action_names(&actions(&server).await).contains(&"CompleteImageMultipartUpload".to_owned()));
    // Resuming sends the part that differs from what the platform holds, and completes.
    let (_server, client) = platform(Some(&s3.uri), &s3.bucket, &upload_id).await;
    let done = client.upload_image(&path).resume(failure.resume_handle().cloned().unwrap()).send().await.unwrap();
    assert_eq!(done.bytes_sent, 5 * MIB as u64, "the first part alone");
    assert_parts_match(&s3, key, &upload_id, &changed, 5 * MIB).await;
}

// ---------------------------------------------------------------- retries and failures

/// What the proxy in front of the S3 server does to the first requests that carry a `PUT`.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Resets the connection once the request's head and some of its body arrived.
    Reset,
    /// Answers 503 SlowDown.
    SlowDown,
    /// Answers 403 SignatureDoesNotMatch.
    Refuse,
}

/// A TCP proxy to the S3 server that spoils PUTs with `faults` in turn, then passes everything on.
async fn faulty_proxy(s3: &str, faults: Vec<Fault>) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let target = s3.trim_start_matches("http://").to_owned();
    let faults = Arc::new(Mutex::new(faults.into_iter()));
    let spoiled = Arc::new(AtomicUsize::new(0));
    let count = spoiled.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let (target, faults, count) = (target.clone(), faults.clone(), count.clone());
            tokio::spawn(async move {
                let Ok(mut server) = tokio::net::TcpStream::connect(&target).await else { return };
                let mut up = [0u8; 64 * 1024];
                let mut down = [0u8; 64 * 1024];
                loop {
                    tokio::select! {
                        n = client.read(&mut up) => {
                            let Ok(n) = n else { return };
                            if n == 0 { return; }
                            let is_put = up[..n].windows(4).any(|w| w == b"PUT ");
                            let fault = if is_put { faults.lock().unwrap().next() } else { None };
                            if let Some(fault) = fault {
                                count.fetch_add(1, SeqCst);
                                let answer = match fault {
                                    Fault::Reset => None,
                                    Fault::SlowDown => Some((503, "SlowDown", "Please reduce your request rate.")),
                                    Fault::Refuse => Some((403, "SignatureDoesNotMatch", "The request signature we calculated does not match")),
                                };
                                if let Some((status, code, message)) = answer {
                                    let body = format!("<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>");
                                    let head = format!("HTTP/1.1 {status} X\r\ncontent-type: application/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len());
                                    let _ = client.write_all(format!("{head}{body}").as_bytes()).await;
                                    // Closed, not reset, once the client stops sending: a reset
                                    // could discard the answer before the client reads it.
                                    let _ = client.shutdown().await;
                                    let drain = async { while client.read(&mut up).await.is_ok_and(|n| n > 0) {} };
                                    let _ = tokio::time::timeout(Duration::from_secs(5), drain).await;
                                    return;
                                }
                                let _ = client.set_zero_linger();
                                return;
                            }
                            if server.write_all(&up[..n]).await.is_err() { return; }
                        }
                        n = server.read(&mut down) => {
                            let Ok(n) = n else { return };
                            if n == 0 || client.write_all(&down[..n]).await.is_err() { return; }
                        }
                    }
                }
            });
        }
    });
    (address, spoiled)
}

#[tokio::test]
async fn parts_are_sent_again_after_a_reset_connection_and_slow_down() {
    let s3 = S3Server::start("retry").await;
    let key = "images/cn-image-up/web.raw";
    let upload_id = s3.upload(key).await;
    let (proxy, spoiled) = faulty_proxy(&s3.uri, vec![Fault::Reset, Fault::SlowDown]).await;
    let dir = Dir::new("retry");
    let bytes = content(12 * MIB, 3);
    let path = dir.file("web.raw", &bytes);
    let (_server, client) = platform(Some(&proxy), &s3.bucket, &upload_id).await;
    let done = upload(&client, &path).image_format(ImageFormat::Raw).concurrency(1).send().await.unwrap();
    assert_eq!(spoiled.load(SeqCst), 2, "both faults were met");
    assert_eq!(done.bytes_sent, 12 * MIB as u64);
    assert_parts_match(&s3, key, &upload_id, &bytes, 5 * MIB).await;
}

#[tokio::test]
async fn a_refused_part_fails_with_a_resume_handle_and_resuming_finishes() {
    let s3 = S3Server::start("refused").await;
    let key = "images/cn-image-up/web.raw";
    let upload_id = s3.upload(key).await;
    // The first part is refused: a refusal is not tried again.
    let (proxy, spoiled) = faulty_proxy(&s3.uri, vec![Fault::Refuse]).await;
    let dir = Dir::new("refused");
    let bytes = content(12 * MIB, 4);
    let path = dir.file("web.raw", &bytes);
    let (server, client) = platform(Some(&proxy), &s3.bucket, &upload_id).await;
    let err = upload(&client, &path).image_format(ImageFormat::Raw).concurrency(1).send().await.unwrap_err();
    let shown = format!("{err} {err:?}");
    for secret in [SECRET, TOKEN, "X-Amz-Signature", "X-Amz-Credential"] {
        assert!(!shown.contains(secret), "{secret} shown: {shown}");
    }
    let Error::Transfer(failure) = err else { panic!("{shown}") };
    assert_eq!(failure.stage, TransferStage::Upload);
    assert_eq!(failure.image_id, IMAGE);
    let cause = std::error::Error::source(&failure).unwrap().downcast_ref::<S3Error>().expect("an S3Error");
    assert_eq!((cause.status, cause.code.as_deref(), cause.attempts), (Some(403), Some("SignatureDoesNotMatch"), 1));
    assert_eq!(spoiled.load(SeqCst), 1);
    assert!(!action_names(&actions(&server).await).contains(&"CompleteImageMultipartUpload".to_owned()));
    let handle = failure.resume_handle().cloned().expect("a handle");
    let want = UploadHandle::new(IMAGE, &upload_id).with_object_key(key).with_part_size(5 << 20);
    assert_eq!(handle, want, "the key found and the part size are kept");

    let (_server, client) = platform(Some(&s3.uri), &s3.bucket, &upload_id).await;
    let done = client.upload_image(&path).resume(handle).send().await.unwrap();
    assert_eq!(done.bytes_sent + done.bytes_reused, 12 * MIB as u64);
    assert_parts_match(&s3, key, &upload_id, &bytes, 5 * MIB).await;
}

// ---------------------------------------------------------------- the wire, against wiremock

/// Sends `request`, as the wire service received it (its path, query, Host, Content-MD5 and
/// body), to the S3 server, its `X-Amz-Signature` spoiled if `spoil`: s3s checks the presigned
/// SigV4 signature and the session token. The status and body s3s answered.
async fn replay(s3: &str, request: &Request, spoil: bool) -> (u16, String) {
    let mut query = request.url.query().unwrap().to_owned();
    if spoil {
        let signature = request.url.query_pairs().find(|(k, _)| k == "X-Amz-Signature").unwrap().1.into_owned();
        let last = if signature.ends_with('0') { "1" } else { "0" };
        let spoiled = format!("{}{last}", &signature[..signature.len() - 1]);
        query = query.replace(&signature, &spoiled);
    }
    let url = format!("{s3}{}?{query}", request.url.path());
    let mut sent = reqwest::Client::new().request(request.method.clone(), url).body(request.body.clone());
    for name in ["host", "content-md5"] {
        if let Some(value) = request.headers.get(name) {
            sent = sent.header(name, value);
        }
    }
    let response = sent.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// A hand-written S3 service under `/s3api` (a valid bucket name, as s3s reads it when the
/// requests are replayed to it): ListMultipartUploads in two pages (ours on the second),
/// ListParts in two pages (part 1 right, part 2 of other bytes until sent), UploadPart answering
/// the MD5 of what it got.
struct PagedS3 {
    key: &'static str,
    part1_md5: String,
    part2_md5: Mutex<String>,
}

impl Respond for PagedS3 {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query = |name: &str| request.url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        let xml = |body: String| ResponseTemplate::new(200).set_body_raw(body, "application/xml");
        match (request.method.as_str(), query("uploads"), query("uploadId")) {
            ("GET", Some(_), _) => match query("key-marker") {
                None => xml("<ListMultipartUploadsResult><IsTruncated>true</IsTruncated><NextKeyMarker>images/a</NextKeyMarker><NextUploadIdMarker>u-a</NextUploadIdMarker><Upload><Key>images/a</Key><UploadId>u-a</UploadId></Upload></ListMultipartUploadsResult>".into()),
                Some(_) => xml(format!("<ListMultipartUploadsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><IsTruncated>false</IsTruncated><Upload><Key>{}</Key><UploadId>upload-1</UploadId></Upload></ListMultipartUploadsResult>", self.key)),
            },
            ("GET", None, Some(_)) => match query("part-number-marker") {
                None => xml(format!("<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>1</NextPartNumberMarker><Part><PartNumber>1</PartNumber><ETag>&quot;{}&quot;</ETag><Size>{}</Size></Part></ListPartsResult>", self.part1_md5, 5 * MIB)),
                Some(_) => xml(format!("<ListPartsResult><IsTruncated>false</IsTruncated><Part><PartNumber>2</PartNumber><ETag>\"{}\"</ETag><Size>1048576</Size></Part></ListPartsResult>", self.part2_md5.lock().unwrap())),
            },
            ("PUT", None, Some(_)) => {
                *self.part2_md5.lock().unwrap() = md5_hex(&request.body);
                ResponseTemplate::new(200).insert_header("etag", format!("\"{}\"", md5_hex(&request.body)))
            }
            _ => ResponseTemplate::new(400).set_body_raw("<Error><Code>InvalidRequest</Code><Message>unexpected</Message></Error>", "application/xml"),
        }
    }
}

#[tokio::test]
async fn the_s3_requests_are_paged_presigned_with_the_session_token_and_carry_content_md5() {
    let s3 = MockServer::start().await;
    let dir = Dir::new("wire");
    let bytes = content(6 * MIB, 5);
    let path = dir.file("web.raw", &bytes);
    let key = "images/cn-image-up/web 镜像.raw";
    let answer = PagedS3 { key, part1_md5: md5_hex(&bytes[..5 * MIB]), part2_md5: Mutex::new("0".repeat(32)) };
    Mock::given(wiremock::matchers::path_regex("^/s3api/mirror")).respond_with(answer).mount(&s3).await;
    let (_platform, client) = platform(Some(&format!("{}/s3api", s3.uri())), "mirror", "upload-1").await;
    let done = client.upload_image(&path).resume(UploadHandle::new(IMAGE, "upload-1")).send().await.unwrap();
    assert_eq!((done.bytes_sent, done.bytes_reused), (MIB as u64, 5 * MIB as u64), "only part 2 was sent");

    let requests = s3.received_requests().await.unwrap();
    let summary: Vec<String> = requests
        .iter()
        .map(|r| {
            let mut query: Vec<String> = r
                .url
                .query_pairs()
                .filter(|(k, _)| !k.starts_with("X-Amz-"))
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            query.sort();
            format!("{} {} {}", r.method, r.url.path(), query.join("&"))
        })
        .collect();
    assert_eq!(
        summary,
        [
            "GET /s3api/mirror max-uploads=1000&uploads=",
            "GET /s3api/mirror key-marker=images/a&max-uploads=1000&upload-id-marker=u-a&uploads=",
            "GET /s3api/mirror/images/cn-image-up/web%20%E9%95%9C%E5%83%8F.raw max-parts=1000&uploadId=upload-1",
            "GET /s3api/mirror/images/cn-image-up/web%20%E9%95%9C%E5%83%8F.raw max-parts=1000&part-number-marker=1&uploadId=upload-1",
            "PUT /s3api/mirror/images/cn-image-up/web%20%E9%95%9C%E5%83%8F.raw partNumber=2&uploadId=upload-1",
            // Before completing: the parts held are those sent.
            "GET /s3api/mirror/images/cn-image-up/web%20%E9%95%9C%E5%83%8F.raw max-parts=1000&uploadId=upload-1",
            "GET /s3api/mirror/images/cn-image-up/web%20%E9%95%9C%E5%83%8F.raw max-parts=1000&part-number-marker=1&uploadId=upload-1",
        ]
    );
    let put = &requests[4];
    let md5 = put.headers.get("content-md5").expect("Content-MD5").to_str().unwrap();
    use base64::Engine;
    assert_eq!(md5, base64::engine::general_purpose::STANDARD.encode(Md5::digest(&bytes[5 * MIB..])));
    assert_eq!(put.body.len(), MIB);
    let lengths: Vec<_> = put.headers.get_all("content-length").iter().collect();
    assert_eq!(lengths, ["1048576"], "one Content-Length");
    for request in &requests {
        let query = |name: &str| request.url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        assert_eq!(query("X-Amz-Algorithm").as_deref(), Some("AWS4-HMAC-SHA256"));
        assert_eq!(query("X-Amz-Security-Token").as_deref(), Some(TOKEN), "the session token is sent");
        assert!(query("X-Amz-Credential").unwrap().starts_with(&format!("{ACCESS_KEY}/")));
        assert!(query("X-Amz-Credential").unwrap().ends_with("/us-east-1/s3/aws4_request"));
        let put = request.method.as_str() == "PUT";
        if put {
            assert!(request.headers.contains_key("content-md5"), "Content-MD5 on every part");
        }
        let signed = if put { "content-md5;host" } else { "host" };
        assert_eq!(query("X-Amz-SignedHeaders").as_deref(), Some(signed));
    }
    // s3s, a SigV4 implementation we did not write, accepts each signature (over the path and
    // Host signed for, the query and the signed headers) and the token; what it answers past
    // that check is its own (it holds no such upload). The same request with its signature
    // spoiled is refused: the check is made.
    let s3 = tokio::task::spawn_blocking(crate::s3_server::address).await.unwrap().unwrap_or_else(|e| panic!("{e}"));
    for request in &requests {
        let line = format!("{} {}?{}", request.method, request.url.path(), request.url.query().unwrap());
        let (status, body) = replay(&s3, request, false).await;
        assert!(crate::s3_server::verified().contains(&line), "s3s accepts {line}: {status} {body}");
        let (status, body) = replay(&s3, request, true).await;
        assert_eq!(status, 403, "{line} spoiled: {body}");
        assert!(body.contains("<Code>SignatureDoesNotMatch</Code>"), "{line} spoiled: {body}");
    }
}

/// The client's S3 half and the fake's, each written to S3's rules by its own hand, meet: the
/// fake checks every part's SigV4 signature, session token and Content-MD5.
#[tokio::test]
async fn an_upload_to_the_embedded_fake_reaches_used_with_every_part_checked() {
    let fake = ucloudstack::testing::FakeUCloudStack::builder()
        .making_delay(std::time::Duration::from_millis(200))
        .other_uploads(3)
        .start()
        .await;
    let dir = std::env::temp_dir().join(format!("ucloudstack-upload-fake-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("disk.raw");
    let bytes: Vec<u8> = (0..(12usize << 20)).map(|i| (i % 253) as u8).collect();
    std::fs::write(&path, &bytes).unwrap();
    let done = fake
        .client()
        .upload_image(&path)
        .company_id(200001)
        .image_name("raw-disk")
        .image_format(ucloudstack::image::ImageFormat::Raw)
        .os_type(ucloudstack::image::OsType::Linux)
        .os_distribution("Ubuntu")
        .part_size(5 << 20)
        .concurrency(3)
        .poll_delay(std::time::Duration::from_millis(100), std::time::Duration::from_millis(100))
        .send()
        .await
        .unwrap();
    let id = done.image.image_id.clone().unwrap();
    assert_eq!(done.image.image_status, Some(ucloudstack::image::ImageStatus::Used));
    assert_eq!(done.bytes_sent, 12 << 20);
    let parts = fake.uploaded_parts(&id);
    assert_eq!(
        parts.iter().map(|(n, size, _)| (*n, *size)).collect::<Vec<_>>(),
        [(1, 5 << 20), (2, 5 << 20), (3, 2 << 20)]
    );
    use md5::Digest as _;
    for (n, _, md5) in &parts {
        let start = (*n as usize - 1) * (5 << 20);
        let end = (start + (5 << 20)).min(bytes.len());
        let want: String = md5::Md5::digest(&bytes[start..end]).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(md5, &want, "part {n}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------- progress

/// A 16 MiB file in two 8 MiB parts, one at a time, to the embedded fake: the progress reports
/// (`percent` none: the bytes' phase) the hook got, and the fake.
async fn upload_with_progress(
    name: &str,
    fault: Option<ucloudstack::testing::S3Fault>,
) -> (Vec<u64>, ucloudstack::testing::FakeUCloudStack) {
    let fake = ucloudstack::testing::FakeUCloudStack::builder().making_delay(Duration::from_millis(50)).start().await;
    if let Some(fault) = fault {
        fake.inject_s3_fault(fault, 1);
    }
    let dir = Dir::new(name);
    let path = dir.file("disk.raw", &content(16 * MIB, 7));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let done = upload(&fake.client(), &path)
        .image_format(ImageFormat::Raw)
        .part_size(8 << 20)
        .concurrency(1)
        .on_progress(move |p| {
            if p.percent.is_none() {
                log.lock().unwrap().push((p.bytes_done, p.bytes_total));
            }
        })
        .send()
        .await
        .unwrap();
    assert_eq!(done.bytes_sent, 16 << 20);
    let reports = seen.lock().unwrap().clone();
    assert!(reports.iter().all(|&(_, total)| total == 16 << 20), "{reports:?}");
    (reports.into_iter().map(|(done, _)| done).collect(), fake)
}

fn assert_rising_to(reports: &[u64], total: u64) {
    assert!(reports.windows(2).all(|w| w[0] < w[1]), "reports rise strictly: {reports:?}");
    assert!(reports.iter().all(|&n| n <= total), "never more than the file: {reports:?}");
    assert_eq!(reports.last(), Some(&total), "{reports:?}");
}

#[tokio::test]
async fn progress_rises_as_a_part_streams_not_only_when_it_lands() {
    let (reports, _fake) = upload_with_progress("progress", None).await;
    assert_rising_to(&reports, 16 << 20);
    // One report a MiB, and some while the first part is still on its way.
    assert!(reports.len() > 2 + 2, "{reports:?}");
    assert!(reports.iter().any(|&n| n > 0 && n < 8 << 20), "{reports:?}");
}

#[tokio::test]
async fn a_part_sent_again_has_its_failed_attempt_taken_back_from_progress() {
    let (reports, fake) =
        upload_with_progress("progress-retry", Some(ucloudstack::testing::S3Fault::ResetMidBody)).await;
    assert_eq!(fake.s3_request_count("UploadPart"), 3, "part 1 was cut once and sent again");
    // Counted twice, part 1's bytes would take the reports past the file's size.
    assert_rising_to(&reports, 16 << 20);
}

// ---------------------------------------------------------------- expired credentials

/// S3Login tells no expiry: the credentials are renewed when the S3 service refuses them as
/// expired, with one more S3Login however many parts were refused at once, and the parts go
/// on.
#[tokio::test]
async fn credentials_that_expire_mid_upload_are_renewed_with_one_more_login() {
    let fake = Arc::new(
        ucloudstack::testing::FakeUCloudStack::builder().making_delay(Duration::from_millis(50)).start().await,
    );
    let dir = Dir::new("expiry");
    let bytes = content(40 * MIB, 3);
    let path = dir.file("disk.raw", &bytes);
    let (expire, expired) = (fake.clone(), Arc::new(AtomicBool::new(false)));
    let done = upload(&fake.client(), &path)
        .image_format(ImageFormat::Raw)
        .part_size(8 << 20)
        .concurrency(3)
        // Once the object key is found, before any part leaves: the first parts meet it together.
        .on_progress(move |_| {
            if !expired.swap(true, SeqCst) {
                expire.expire_s3_credentials();
            }
        })
        .send()
        .await
        .unwrap();
    assert_eq!(done.bytes_sent, 40 << 20);
    assert_eq!(fake.request_count("S3Login"), 2, "one renewal");
    let refused = fake.s3_request_count("UploadPart") - 5;
    assert!((1..=3).contains(&refused), "{refused} parts refused as expired, then sent again");
    let id = done.image.image_id.clone().unwrap();
    let parts = fake.uploaded_parts(&id);
    assert_eq!(parts.len(), 5);
    for (n, size, md5) in parts {
        let start = (n as usize - 1) * 8 * MIB;
        assert_eq!((size, md5), (8 << 20, md5_hex(&bytes[start..start + 8 * MIB])), "part {n}");
    }
}

/// Credentials that are expired as soon as they are handed out: one renewal, then the
/// failure, not a loop of logins.
#[tokio::test]
async fn credentials_expired_again_after_renewal_fail_the_upload() {
    let fake = ucloudstack::testing::FakeUCloudStack::builder().s3_credential_ttl(Duration::ZERO).start().await;
    let dir = Dir::new("expired");
    let path = dir.file("disk.raw", &content(6 * MIB, 4));
    let failure = upload(&fake.client(), &path).image_format(ImageFormat::Raw).send().await.unwrap_err();
    let Error::Transfer(failure) = failure else { panic!("{failure}") };
    assert_eq!(failure.stage, TransferStage::Locate);
    let s3 = failure.source.downcast_ref::<S3Error>().unwrap();
    assert_eq!((s3.status, s3.code.as_deref()), (Some(400), Some("ExpiredToken")));
    assert_eq!(s3.attempts, 2, "sent again once, with the renewed credentials");
    assert_eq!(fake.request_count("S3Login"), 2);
    assert_eq!(fake.s3_request_count("ListMultipartUploads"), 2);
}

// ---------------------------------------------------------------- the handle, early

/// A tool that keeps the handle as soon as it exists can go on after the program itself was
/// stopped: the handle comes before any byte, once after ImportImage and once more with the
/// object key found, and is the one the upload finishes with.
#[tokio::test]
async fn the_handle_is_told_before_any_byte_is_sent() {
    let fake = ucloudstack::testing::FakeUCloudStack::builder().making_delay(Duration::from_millis(50)).start().await;
    let dir = Dir::new("handle-early");
    let path = dir.file("disk.raw", &content(6 * MIB, 3));
    let events = Arc::new(Mutex::new(Vec::new()));
    let (on_handle, on_progress) = (events.clone(), events.clone());
    let done = upload(&fake.client(), &path)
        .image_format(ImageFormat::Raw)
        .on_handle(move |h| on_handle.lock().unwrap().push(format!("handle {} {:?}", h.upload_id(), h.object_key())))
        .on_progress(move |p| on_progress.lock().unwrap().push(format!("bytes {}", p.bytes_done)))
        .send()
        .await
        .unwrap();
    let events = events.lock().unwrap().clone();
    let key = fake.upload_key(done.image.id()).unwrap();
    assert_eq!(done.handle.object_key(), Some(key.as_str()));
    let told = [
        format!("handle {} None", done.handle.upload_id()),
        format!("handle {} Some({key:?})", done.handle.upload_id()),
    ];
    assert_eq!(events[..2], told, "{events:?}");
    assert_eq!(events.iter().filter(|e| e.starts_with("handle")).count(), 2, "{events:?}");
    assert!(events.iter().any(|e| e == &format!("bytes {}", 6 * MIB)), "{events:?}");

    // Resuming tells the handle it was given, before sending anything.
    let told = Arc::new(Mutex::new(None));
    let keep = told.clone();
    let again = upload(&fake.client(), &path)
        .resume(done.handle.clone())
        .on_handle(move |handle| *keep.lock().unwrap() = Some(handle.clone()))
        .send()
        .await;
    assert_eq!(told.lock().unwrap().as_ref(), Some(&done.handle), "{again:?}");
}

/// An upload whose part fails for good: its handle (with the object key the listing found).
async fn failed_upload(fake: &ucloudstack::testing::FakeUCloudStack, path: &Path) -> UploadHandle {
    fake.inject_s3_fault(ucloudstack::testing::S3Fault::InternalError, 1000);
    let err = upload(&fake.client(), path).image_format(ImageFormat::Raw).send().await.unwrap_err();
    fake.clear_faults();
    let Error::Transfer(failure) = err else { panic!("{err}") };
    assert_eq!(failure.stage, TransferStage::Upload, "{failure}");
    failure.resume_handle().cloned().expect("a refused part can be resumed")
}

/// A handle whose upload the S3 service answers it no longer holds resumes nothing: the
/// failure says so and carries no handle to try again with. An upload the bucket's listing
/// does not show is not taken for gone: the handle stays, and the message says to give the key.
#[tokio::test]
async fn a_handle_for_an_upload_that_is_gone_is_not_offered_again() {
    let fake = ucloudstack::testing::FakeUCloudStack::builder().making_delay(Duration::from_millis(50)).start().await;
    let dir = Dir::new("gone");
    let path = dir.file("disk.raw", &content(6 * MIB, 5));
    let handle = failed_upload(&fake, &path).await;
    let key = handle.object_key().expect("the key the listing found").to_owned();

    // Its key named: ListParts answers NoSuchUpload, and that is believed.
    let gone = UploadHandle::new(handle.image_id(), "no-such-upload").with_object_key(&key);
    let err = fake.client().upload_image(&path).resume(gone).send().await.unwrap_err();
    let Error::Transfer(failure) = err else { panic!("{err}") };
    assert_eq!(failure.stage, TransferStage::Locate, "{failure}");
    let cause = std::error::Error::source(&failure).unwrap().downcast_ref::<S3Error>().expect("an S3Error");
    assert!(cause.is_no_such_upload() && cause.operation == "ListParts", "{cause}");
    assert!(failure.resume_handle().is_none(), "{failure}");

    // No key: the listing did not show it, which proves nothing on MinIO.
    let unlisted = UploadHandle::new(handle.image_id(), "no-such-upload");
    let err = fake.client().upload_image(&path).resume(unlisted.clone()).send().await.unwrap_err();
    let Error::Transfer(failure) = err else { panic!("{err}") };
    assert_eq!(failure.stage, TransferStage::Locate, "{failure}");
    let cause = std::error::Error::source(&failure).unwrap().downcast_ref::<S3Error>().expect("an S3Error");
    assert!(cause.is_upload_not_listed() && !cause.is_no_such_upload() && cause.code.is_none(), "{cause:?}");
    assert_eq!(failure.resume_handle(), Some(&unlisted), "{failure}");
    let shown = failure.to_string();
    assert!(shown.contains("did not show") && shown.contains("object_key"), "{shown}");
    assert!(!shown.contains("never made"), "{shown}");

    // The real handle still finishes the upload.
    let done = fake.client().upload_image(&path).resume(handle.clone()).send().await.unwrap();
    assert_eq!(done.bytes_sent + done.bytes_reused, 6 * MIB as u64);

    // An image that failed is not resumed either.
    assert!(fake.set_image_status(handle.image_id(), ucloudstack::image::ImageStatus::Failed));
    let err = fake.client().upload_image(&path).resume(handle).send().await.unwrap_err();
    let Error::Transfer(failure) = err else { panic!("{err}") };
    assert_eq!(failure.stage, TransferStage::Make, "{failure}");
    assert!(failure.resume_handle().is_none(), "{failure}");
}

/// MinIO lists in-progress uploads only by their exact key: the upload stops at Locate with its
/// handle and says to give the key; a key that is not the upload's is refused by ListParts,
/// the handle kept; the right one finishes, and is kept in the handle.
#[tokio::test]
async fn an_upload_minio_does_not_list_finishes_with_its_object_key_given() {
    let fake = ucloudstack::testing::FakeUCloudStack::builder()
        .making_delay(Duration::from_millis(50))
        .lists_uploads_only_by_key()
        .start()
        .await;
    let dir = Dir::new("minio-list");
    let bytes = content(12 * MIB, 8);
    let path = dir.file("disk.raw", &bytes);
    let err = upload(&fake.client(), &path).image_format(ImageFormat::Raw).send().await.unwrap_err();
    let Error::Transfer(failure) = err else { panic!("{err}") };
    assert_eq!(failure.stage, TransferStage::Locate, "{failure}");
    let cause = std::error::Error::source(&failure).unwrap().downcast_ref::<S3Error>().expect("an S3Error");
    assert!(cause.is_upload_not_listed() && !cause.is_no_such_upload(), "{cause:?}");
    let shown = failure.to_string();
    assert!(shown.contains("MinIO") && shown.contains("object_key"), "{shown}");
    let handle = failure.resume_handle().cloned().expect("not listed is not gone: the handle stays");
    assert_eq!(handle.object_key(), None);
    assert_eq!(fake.s3_request_count("UploadPart"), 0);

    // A key that is not the upload's: ListParts says so before any part, the handle stays.
    let err = fake.client().upload_image(&path).resume(handle.clone()).object_key("images/x/y.raw").send().await;
    let Err(Error::Transfer(failure)) = err else { panic!("{err:?}") };
    assert_eq!(failure.stage, TransferStage::Locate, "{failure}");
    assert!(failure.to_string().contains("is it the upload's key"), "{failure}");
    assert_eq!(failure.resume_handle(), Some(&handle), "{failure}");
    assert_eq!(fake.s3_request_count("UploadPart"), 0);

    let key = fake.upload_key(handle.image_id()).unwrap();
    let lists = fake.s3_request_count("ListMultipartUploads");
    let done = fake.client().upload_image(&path).resume(handle.clone()).object_key(&key).send().await.unwrap();
    assert_eq!(done.bytes_sent, 12 * MIB as u64);
    assert_eq!(done.handle, handle.with_object_key(&key), "the key given is kept in the handle");
    assert_eq!(fake.s3_request_count("ListMultipartUploads"), lists, "a key given is not looked for");
    let (len, _) = fake.uploaded_file(done.image.id()).unwrap();
    assert_eq!(len, 12 * MIB as u64);
}

/// A handle that names the object key resumes without listing the bucket's uploads.
#[tokio::test]
async fn a_resumed_handle_with_its_key_lists_no_uploads() {
    let fake = ucloudstack::testing::FakeUCloudStack::builder().making_delay(Duration::from_millis(50)).start().await;
    let dir = Dir::new("keyed");
    let path = dir.file("disk.raw", &content(12 * MIB, 9));
    let handle = failed_upload(&fake, &path).await;
    assert_eq!(handle.object_key(), fake.upload_key(handle.image_id()).as_deref());
    assert_eq!(fake.s3_request_count("ListMultipartUploads"), 1);
    // As a tool keeps it in a file, and reads it back.
    let kept: UploadHandle = serde_json::from_str(&serde_json::to_string(&handle).unwrap()).unwrap();
    let done = fake.client().upload_image(&path).resume(kept).send().await.unwrap();
    assert_eq!(done.bytes_sent + done.bytes_reused, 12 * MIB as u64);
    assert_eq!(fake.s3_request_count("ListMultipartUploads"), 1, "no listing on resume");
    assert!(fake.s3_request_count("ListParts") >= 1);
}

/// A resume after CompleteImageMultipartUpload has no parts to compare the file with: it says
/// it did not compare, and claims no bytes reused, whatever the file now is.
#[tokio::test]
async fn a_resume_after_completion_says_the_file_was_not_compared() {
    let fake = ucloudstack::testing::FakeUCloudStack::builder().making_delay(Duration::from_millis(300)).start().await;
    let dir = Dir::new("after-complete");
    let path = dir.file("disk.raw", &content(6 * MIB, 10));
    let done = upload(&fake.client(), &path).image_format(ImageFormat::Raw).send().await.unwrap();
    assert!(done.file_compared);
    assert_eq!((done.bytes_sent, done.bytes_reused), (6 * MIB as u64, 0));
    // Another file now, under the same name.
    std::fs::write(&path, content(7 * MIB, 11)).unwrap();
    let parts = fake.s3_request_count("ListParts");
    let fake = Arc::new(fake);
    for status in [ucloudstack::image::ImageStatus::Used, ucloudstack::image::ImageStatus::Making] {
        assert!(fake.set_image_status(done.image.id(), status.clone()));
        // Made a moment later.
        let (later, id) = (fake.clone(), done.image.id().to_owned());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            later.set_image_status(&id, ucloudstack::image::ImageStatus::Used);
        });
        let again = upload(&fake.client(), &path).resume(done.handle.clone()).send().await.unwrap();
        assert!(!again.file_compared, "{status}");
        assert_eq!((again.bytes_sent, again.bytes_reused), (0, 0), "{status}: nothing is claimed reused");
    }
    assert_eq!(fake.s3_request_count("ListParts"), parts, "S3 holds no parts to list");
}

/// A part of an earlier attempt stored late (here: planted once every part was sent) is found
/// by the ListParts before CompleteImageMultipartUpload and sent again; a part beyond the
/// file's stops the upload before it is completed, with its handle.
#[tokio::test]
async fn parts_stored_late_by_an_earlier_attempt_are_found_before_completing() {
    let fake = Arc::new(
        ucloudstack::testing::FakeUCloudStack::builder().making_delay(Duration::from_millis(50)).start().await,
    );
    let dir = Dir::new("late-part");
    let bytes = content(12 * MIB, 12);
    let path = dir.file("disk.raw", &bytes);
    // Once the last part's bytes are all out: part 1, long landed, is replaced by 5 MiB of
    // zeros, or a part 4 appears.
    let plant = |part: u32| {
        let (fake, image) = (fake.clone(), Arc::new(Mutex::new(String::new())));
        let keep = image.clone();
        let planted = Arc::new(AtomicBool::new(false));
        let size = if part == 1 { 5 << 20 } else { 1 << 20 };
        upload(&fake.client(), &path)
            .image_format(ImageFormat::Raw)
            .concurrency(1)
            .on_handle(move |h| *keep.lock().unwrap() = h.image_id().to_owned())
            .on_progress(move |p| {
                if p.percent.is_none() && p.bytes_done == 12 << 20 && !planted.swap(true, SeqCst) {
                    assert!(fake.add_uploaded_part(&image.lock().unwrap(), part, size));
                }
            })
    };
    let done = plant(1).send().await.unwrap();
    assert_eq!(done.bytes_sent, 17 << 20, "part 1 was sent again");
    let parts = fake.uploaded_parts(done.image.id());
    let want: Vec<(u32, u64, String)> =
        bytes.chunks(5 * MIB).zip(1..).map(|(c, n)| (n, c.len() as u64, md5_hex(c))).collect();
    assert_eq!(parts, want, "the image is made of the file's parts");

    let completes = fake.request_count("CompleteImageMultipartUpload");
    let err = plant(4).send().await.unwrap_err();
    let Error::Transfer(failure) = err else { panic!("{err}") };
    assert_eq!(failure.stage, TransferStage::Upload, "{failure}");
    assert!(failure.to_string().contains("holds part 4"), "{failure}");
    assert!(failure.resume_handle().is_some());
    assert_eq!(fake.request_count("CompleteImageMultipartUpload"), completes, "not completed");
}

/// The file is opened once and every part read from that handle: another file of the same
/// size put in its place, or bytes written into it, each with the mtime set back, are found
/// before the upload is completed (by inode, by ctime), never assembled into one image.
#[cfg(unix)]
#[tokio::test]
async fn a_file_replaced_or_rewritten_with_its_mtime_kept_is_not_completed() {
    let fake = ucloudstack::testing::FakeUCloudStack::builder().making_delay(Duration::from_millis(50)).start().await;
    let dir = Dir::new("same-mtime");
    for replace in [true, false] {
        let path = dir.file("disk.raw", &content(12 * MIB, 13));
        let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
        let other = content(12 * MIB, 14);
        let (target, spare) = (path.clone(), dir.0.join("other.raw"));
        let changed = Arc::new(AtomicBool::new(false));
        let once = changed.clone();
        let outcome = upload(&fake.client(), &path)
            .image_format(ImageFormat::Raw)
            .concurrency(1)
            .on_progress(move |p| {
                // Part 1 is out: parts 2 and 3 are read after this.
                if p.bytes_done != 5 * MIB as u64 || once.swap(true, SeqCst) {
                    return;
                }
                if replace {
                    std::fs::write(&spare, &other).unwrap();
                    std::fs::File::options().write(true).open(&spare).unwrap().set_modified(mtime).unwrap();
                    std::fs::rename(&spare, &target).unwrap();
                } else {
                    let file = std::fs::File::options().write(true).open(&target).unwrap();
                    std::os::unix::fs::FileExt::write_all_at(&file, &other[6 * MIB..], 6 * MIB as u64).unwrap();
                    file.set_modified(mtime).unwrap();
                }
            })
            .send()
            .await;
        assert!(changed.load(SeqCst));
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), mtime, "the mtime is the same");
        let Err(Error::Transfer(failure)) = outcome else { panic!("replace {replace}: completed: {outcome:?}") };
        assert_eq!(failure.stage, TransferStage::Read, "{failure}");
        assert!(failure.to_string().contains("changed"), "{failure}");
        assert!(failure.resume_handle().is_some());
    }
    assert_eq!(fake.request_count("CompleteImageMultipartUpload"), 0);
}

/// An S3 service whose ETags are not the parts' MD5s (as with SSE-KMS): one upload listed,
/// UploadPart keeping each part's size and such an ETag, ListParts listing them.
#[derive(Default, Clone)]
struct KmsS3 {
    parts: Arc<Mutex<std::collections::BTreeMap<u32, (usize, String)>>>,
    puts: Arc<AtomicUsize>,
}

impl Respond for KmsS3 {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query = |name: &str| request.url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        let xml = |body: String| ResponseTemplate::new(200).set_body_raw(body, "application/xml");
        match (request.method.as_str(), query("uploads"), query("partNumber")) {
            ("GET", Some(_), _) => xml("<ListMultipartUploadsResult><IsTruncated>false</IsTruncated><Upload><Key>images/kms.raw</Key><UploadId>upload-1</UploadId></Upload></ListMultipartUploadsResult>".into()),
            ("GET", None, None) => {
                let parts = self.parts.lock().unwrap();
                let listed: String = parts
                    .iter()
                    .map(|(n, (size, etag))| format!("<Part><PartNumber>{n}</PartNumber><ETag>\"{etag}\"</ETag><Size>{size}</Size></Part>"))
                    .collect();
                xml(format!("<ListPartsResult><IsTruncated>false</IsTruncated>{listed}</ListPartsResult>"))
            }
            ("PUT", None, Some(number)) => {
                self.puts.fetch_add(1, SeqCst);
                let etag = md5_hex(format!("{}kms", md5_hex(&request.body)).as_bytes());
                self.parts.lock().unwrap().insert(number.parse().unwrap(), (request.body.len(), etag.clone()));
                ResponseTemplate::new(200).insert_header("etag", format!("\"{etag}\""))
            }
            _ => ResponseTemplate::new(400).set_body_raw("<Error><Code>InvalidRequest</Code><Message>unexpected</Message></Error>", "application/xml"),
        }
    }
}

/// A 200 to UploadPart is proof the bytes arrived (the service checked the signed
/// Content-MD5): an ETag of 32 hex digits that is not their MD5 is logged, not sent again to
/// failure, and the ListParts before completing takes the ETags answered.
#[tokio::test]
async fn etags_that_are_not_md5s_are_accepted_after_a_200() {
    let s3 = MockServer::start().await;
    let kms = KmsS3::default();
    Mock::given(wiremock::matchers::path_regex("^/s3/mirror")).respond_with(kms.clone()).mount(&s3).await;
    let (server, client) = platform(Some(&format!("{}/s3", s3.uri())), "mirror", "upload-1").await;
    let dir = Dir::new("kms");
    let path = dir.file("web.raw", &content(12 * MIB, 15));
    let done = upload(&client, &path).image_format(ImageFormat::Raw).send().await.unwrap();
    assert_eq!(done.bytes_sent, 12 * MIB as u64);
    assert_eq!(kms.puts.load(SeqCst), 3, "each part sent once");
    assert!(action_names(&actions(&server).await).contains(&"CompleteImageMultipartUpload".to_owned()));
}

/// ListParts beyond what S3 can hold is a malformed answer, not parts: a part number outside
/// 1 to 10,000, or more than 10,000 entries.
#[tokio::test]
async fn list_parts_refuses_part_numbers_and_counts_s3_cannot_hold() {
    let dir = Dir::new("list-bounds");
    let path = dir.file("web.raw", &content(6 * MIB, 16));
    let part = |n: u32| {
        format!("<Part><PartNumber>{n}</PartNumber><ETag>\"{}\"</ETag><Size>5242880</Size></Part>", "0".repeat(32))
    };
    let cases = [
        (part(10_001), "part number 10001"),
        (part(0), "part number 0"),
        (part(1).repeat(10_001), "more than 10000 parts"),
    ];
    for (parts, want) in cases {
        let s3 = MockServer::start().await;
        let body = format!("<ListPartsResult><IsTruncated>false</IsTruncated>{parts}</ListPartsResult>");
        Mock::given(wiremock::matchers::query_param("uploadId", "upload-1"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/xml"))
            .mount(&s3)
            .await;
        let (_server, client) = platform(Some(&format!("{}/s3", s3.uri())), "mirror", "upload-1").await;
        let handle = UploadHandle::new(IMAGE, "upload-1").with_object_key("images/web.raw");
        let err = client.upload_image(&path).resume(handle).send().await.unwrap_err();
        let Error::Transfer(failure) = err else { panic!("{err}") };
        assert_eq!(failure.stage, TransferStage::Locate, "{failure}");
        let cause = std::error::Error::source(&failure).unwrap().downcast_ref::<S3Error>();
        let cause = cause.unwrap_or_else(|| panic!("not an S3 answer refused: {failure}"));
        assert_eq!(cause.operation, "ListParts");
        assert!(cause.message.contains(want), "{cause}");
        let puts = s3.received_requests().await.unwrap().iter().filter(|r| r.method.as_str() == "PUT").count();
        assert_eq!(puts, 0, "{want}");
    }
}

/// ImportImage's `Secret` and `TagKeyValuePairs` go through `upload_image` too; the secret is
/// never shown.
#[tokio::test]
async fn the_secret_and_tags_reach_import_image_and_the_secret_is_not_shown() {
    let dir = Dir::new("secret-tags");
    let path = dir.file("web.raw", &content(MIB, 17));
    let (server, client) = platform(None, "mirror", "upload-1").await;
    let builder = upload(&client, &path)
        .image_format(ImageFormat::Raw)
        .secret("image-secret-never-shown")
        .tags([("env", "prod"), ("team", "web")]);
    let shown = format!("{builder:?}");
    let err = builder.send().await.unwrap_err();
    let shown = format!("{shown} {err} {err:?}");
    assert!(!shown.contains("image-secret-never-shown"), "{shown}");
    let forms = actions(&server).await;
    assert_eq!(param(&forms[0], "Action"), Some("ImportImage"));
    assert_eq!(param(&forms[0], "Secret"), Some("image-secret-never-shown"));
    assert_eq!(param(&forms[0], "TagKeyValuePairs.0"), Some("ZW52:cHJvZA=="));
    assert_eq!(param(&forms[0], "TagKeyValuePairs.1"), Some("dGVhbQ==:d2Vi"));
}

#[tokio::test]
async fn a_raw_file_that_cannot_be_a_disk_is_uploaded_with_a_warning() {
    let fake = ucloudstack::testing::FakeUCloudStack::builder().making_delay(Duration::from_millis(20)).start().await;
    let dir = Dir::new("tiny-raw");
    let path = dir.file("notes.raw", b"not a disk, only 24 b\n..");
    let (capture, _guard) = crate::support::capture_logs(tracing::Level::WARN);
    upload(&fake.client(), &path).image_format(ImageFormat::Raw).send().await.unwrap();
    let logs = capture.text();
    assert!(
        logs.contains("is 24 bytes, not a whole number of 512-byte sectors, smaller than any disk (1 MiB)"),
        "{logs}"
    );
    // A real disk's size draws nothing.
    let disk = dir.file("disk.raw", &vec![0u8; 2 << 20]);
    let (capture, _guard) = crate::support::capture_logs(tracing::Level::WARN);
    upload(&fake.client(), &disk).image_format(ImageFormat::Raw).send().await.unwrap();
    assert!(!capture.text().contains("is it a raw disk image"), "{}", capture.text());
}
