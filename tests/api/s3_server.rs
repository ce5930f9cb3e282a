//! The upload tests' S3 server: s3s (an S3 service from crates.io, with its own SigV4 check) over
//! s3s-fs (buckets in a temp folder), started in-process once per test binary on a free loopback
//! port, on a tokio runtime of its own in a thread of its own, so that it outlives each test's
//! runtime. No Python, no other process.
//!
//! s3s checks every signed request: the presigned SigV4 query (a wrong signature is refused with
//! 403 SignatureDoesNotMatch) for the access key [`ACCESS_KEY`] and its secret [`SECRET`], then
//! its `X-Amz-Security-Token` ([`TOKEN`], else 403 ExpiredToken). The tests' own helpers send
//! unsigned requests, which are let through, as an S3 server open to anonymous users would.
//!
//! s3s-fs alone does not serve what an upload needs, so [`Store`] wraps it: it keeps an index of
//! the uploads and their parts (size, MD5) to answer ListMultipartUploads and ListParts (with
//! ETags, paging and NoSuchUpload), checks UploadPart's Content-MD5 (400 BadDigest), and lets any
//! caller use an upload (s3s-fs ties an upload to the access key that created it).

use base64::Engine;
use bytes::Bytes;
use futures::TryStreamExt;
use hyper_util::rt::TokioIo;
use md5::{Digest, Md5};
use s3s::access::{S3Access, S3AccessContext};
use s3s::auth::{S3Auth, SecretKey};
use s3s::dto::*;
use s3s::{S3, S3Request, S3Response, S3Result, s3_error};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

pub(crate) const ACCESS_KEY: &str = "AKIDUPLOAD";
pub(crate) const SECRET: &str = "s3-secret-key-never-shown";
pub(crate) const TOKEN: &str = "session-token-never-shown";

/// The server's address, or why it could not start: the tests that need it fail with that.
static SERVER: OnceLock<Result<String, String>> = OnceLock::new();

/// "METHOD path?query" of each signed request whose signature and token s3s accepted.
static VERIFIED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The signed requests s3s accepted so far, as "METHOD path?query".
pub(crate) fn verified() -> Vec<String> {
    VERIFIED.lock().unwrap().clone()
}

/// The server's address, `http://127.0.0.1:port`, started on first use.
pub(crate) fn address() -> Result<String, String> {
    SERVER.get_or_init(start).clone()
}

fn start() -> Result<String, String> {
    let root = std::env::temp_dir().join(format!("ucloudstack-s3s-{}", std::process::id()));
    remove_stale_roots(&root);
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).map_err(|e| format!("the S3 server cannot start: {}: {e}", root.display()))?;
    let fs = s3s_fs::FileSystem::new(&root).map_err(|e| format!("the S3 server cannot start: s3s-fs: {e:?}"))?;
    let mut builder = s3s::service::S3ServiceBuilder::new(Store { fs, uploads: Mutex::default() });
    builder.set_auth(Auth);
    builder.set_access(Access);
    let service = builder.build();

    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("s3-server".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
                Ok(runtime) => runtime,
                Err(e) => return drop(sender.send(Err(format!("the S3 server cannot start: a runtime: {e}")))),
            };
            runtime.block_on(async move {
                let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
                    Ok(listener) => listener,
                    Err(e) => return drop(sender.send(Err(format!("the S3 server cannot start: bind: {e}")))),
                };
                let address = listener.local_addr().map(|a| format!("http://{a}"));
                let _ = sender.send(address.map_err(|e| format!("the S3 server cannot start: {e}")));
                while let Ok((socket, _)) = listener.accept().await {
                    let service = service.clone();
                    // The whole request is read before s3s sees it: a refusal then reaches the
                    // client as an answer, not as a reset while it still sends the body.
                    let buffered = hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
                        let service = service.clone();
                        async move {
                            let (head, body) = request.into_parts();
                            let body = http_body_util::BodyExt::collect(body)
                                .await
                                .map_err(|e| s3s::HttpError::new(Box::new(e)))?
                                .to_bytes();
                            service.call(http::Request::from_parts(head, s3s::Body::from(body))).await
                        }
                    });
                    tokio::spawn(async move {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(socket), buffered)
                            .await;
                    });
                }
            });
        })
        .map_err(|e| format!("the S3 server cannot start: a thread: {e}"))?;
    receiver
        .recv_timeout(Duration::from_secs(30))
        .map_err(|e| format!("the S3 server cannot start: no address after 30 s ({e})"))?
}

/// The folders earlier test binaries left (a static is never dropped): those of processes gone.
fn remove_stale_roots(root: &Path) {
    let (Some(parent), Some(name)) = (root.parent(), root.file_name().and_then(|n| n.to_str())) else { return };
    let prefix = &name[..name.rfind('-').unwrap_or(0) + 1];
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix(prefix).and_then(|p| p.parse::<u32>().ok()) else { continue };
        let gone = if Path::new("/proc/self").exists() {
            !Path::new(&format!("/proc/{pid}")).exists()
        } else {
            let modified = entry.metadata().and_then(|m| m.modified()).ok();
            modified.and_then(|m| m.elapsed().ok()).is_some_and(|age| age > Duration::from_secs(24 * 3600))
        };
        if gone && pid != std::process::id() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The secret of [`ACCESS_KEY`], the only key known.
struct Auth;

#[async_trait::async_trait]
impl S3Auth for Auth {
    async fn get_secret_key(&self, access_key: &str) -> S3Result<SecretKey> {
        if access_key == ACCESS_KEY { Ok(SecretKey::from(SECRET)) } else { Err(s3_error!(InvalidAccessKeyId)) }
    }
}

/// Unsigned requests pass; a signed one (its signature already checked by s3s) must carry
/// [`TOKEN`], and is noted in [`VERIFIED`].
struct Access;

#[async_trait::async_trait]
impl S3Access for Access {
    async fn check(&self, cx: &mut S3AccessContext<'_>) -> S3Result<()> {
        if cx.credentials().is_none() {
            return Ok(());
        }
        let token = cx.uri().query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "X-Amz-Security-Token")
                .map(|(_, v)| v.into_owned())
        });
        if token.as_deref() != Some(TOKEN) {
            return Err(s3_error!(ExpiredToken, "The provided token has expired."));
        }
        VERIFIED.lock().unwrap().push(format!("{} {}", cx.method(), cx.uri()));
        Ok(())
    }
}

struct Upload {
    initiated: Timestamp,
    /// Part number: size, MD5 (hex), when.
    parts: BTreeMap<i32, (i64, String, Timestamp)>,
}

/// s3s-fs, with the index of uploads it lacks.
struct Store {
    fs: s3s_fs::FileSystem,
    /// (bucket, key, upload id): the upload.
    uploads: Mutex<BTreeMap<(String, String, String), Upload>>,
}

impl Store {
    fn known(&self, id: &(String, String, String)) -> S3Result<()> {
        if self.uploads.lock().unwrap().contains_key(id) { Ok(()) } else { Err(s3_error!(NoSuchUpload)) }
    }
}

/// The request without the caller's access key: s3s-fs lets only an upload's creator use it.
fn anyone<T>(mut request: S3Request<T>) -> S3Request<T> {
    request.credentials = None;
    request
}

fn now() -> Timestamp {
    Timestamp::from(SystemTime::now())
}

#[async_trait::async_trait]
impl S3 for Store {
    async fn create_bucket(&self, req: S3Request<CreateBucketInput>) -> S3Result<S3Response<CreateBucketOutput>> {
        self.fs.create_bucket(req).await
    }

    async fn head_bucket(&self, req: S3Request<HeadBucketInput>) -> S3Result<S3Response<HeadBucketOutput>> {
        self.fs.head_bucket(req).await
    }

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        let (bucket, key) = (req.input.bucket.clone(), req.input.key.clone());
        let out = self.fs.create_multipart_upload(anyone(req)).await?;
        let id = out.output.upload_id.clone().ok_or_else(|| s3_error!(InternalError, "no upload id"))?;
        let upload = Upload { initiated: now(), parts: BTreeMap::new() };
        self.uploads.lock().unwrap().insert((bucket, key, id), upload);
        Ok(out)
    }

    async fn upload_part(&self, mut req: S3Request<UploadPartInput>) -> S3Result<S3Response<UploadPartOutput>> {
        let input = &req.input;
        let id = (input.bucket.clone(), input.key.clone(), input.upload_id.clone());
        self.known(&id)?;
        let number = input.part_number;
        if !(1..=10_000).contains(&number) {
            return Err(s3_error!(InvalidArgument, "Part number must be an integer between 1 and 10000, inclusive"));
        }
        let body = req.input.body.take().ok_or_else(|| s3_error!(IncompleteBody))?;
        let chunks: Vec<Bytes> = body.try_collect().await.map_err(|e| s3_error!(IncompleteBody, "{e}"))?;
        let bytes = Bytes::from(chunks.concat());
        let md5 = Md5::digest(&bytes);
        if let Some(given) = &req.input.content_md5 {
            let given = base64::engine::general_purpose::STANDARD
                .decode(given)
                .map_err(|_| s3_error!(InvalidDigest, "The Content-MD5 you specified was invalid."))?;
            if given[..] != md5[..] {
                return Err(s3_error!(BadDigest, "The Content-MD5 you specified did not match what we received."));
            }
        }
        let size = bytes.len() as i64;
        let once = futures::stream::once(async move { Ok::<_, std::io::Error>(bytes) });
        req.input.body = Some(StreamingBlob::wrap(once));
        let out = self.fs.upload_part(anyone(req)).await?;
        let etag: String = md5.iter().map(|b| format!("{b:02x}")).collect();
        if let Some(upload) = self.uploads.lock().unwrap().get_mut(&id) {
            upload.parts.insert(number, (size, etag, now()));
        }
        Ok(out)
    }

    async fn list_parts(&self, req: S3Request<ListPartsInput>) -> S3Result<S3Response<ListPartsOutput>> {
        let input = req.input;
        let uploads = self.uploads.lock().unwrap();
        let id = (input.bucket.clone(), input.key.clone(), input.upload_id.clone());
        let upload = uploads.get(&id).ok_or_else(|| s3_error!(NoSuchUpload))?;
        let max = input.max_parts.unwrap_or(1000).clamp(0, 1000) as usize;
        let after: Vec<_> = upload.parts.range(input.part_number_marker.unwrap_or(0) + 1..).collect();
        let page: Vec<Part> = after
            .iter()
            .take(max)
            .map(|(number, (size, etag, at))| Part {
                part_number: Some(**number),
                size: Some(*size),
                e_tag: Some(ETag::Strong(etag.clone())),
                last_modified: Some(at.clone()),
                ..Default::default()
            })
            .collect();
        let truncated = after.len() > page.len();
        Ok(S3Response::new(ListPartsOutput {
            bucket: Some(input.bucket),
            key: Some(input.key),
            upload_id: Some(input.upload_id),
            max_parts: Some(max as i32),
            part_number_marker: input.part_number_marker,
            is_truncated: Some(truncated),
            next_part_number_marker: page.last().and_then(|p| p.part_number).filter(|_| truncated),
            parts: Some(page),
            ..Default::default()
        }))
    }

    async fn list_multipart_uploads(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        let input = req.input;
        let uploads = self.uploads.lock().unwrap();
        let max = input.max_uploads.unwrap_or(1000).clamp(0, 1000) as usize;
        let prefix = input.prefix.clone().unwrap_or_default();
        let key_marker = input.key_marker.clone().unwrap_or_default();
        let id_marker = input.upload_id_marker.clone().unwrap_or_default();
        let after: Vec<_> = uploads
            .iter()
            .filter(|((bucket, key, id), _)| {
                *bucket == input.bucket
                    && key.starts_with(&prefix)
                    && (key.as_str() > key_marker.as_str()
                        || (!id_marker.is_empty() && *key == key_marker && id.as_str() > id_marker.as_str()))
            })
            .collect();
        let page: Vec<MultipartUpload> = after
            .iter()
            .take(max)
            .map(|((_, key, id), upload)| MultipartUpload {
                key: Some(key.clone()),
                upload_id: Some(id.clone()),
                initiated: Some(upload.initiated.clone()),
                ..Default::default()
            })
            .collect();
        let truncated = after.len() > page.len();
        let last = page.last().filter(|_| truncated);
        Ok(S3Response::new(ListMultipartUploadsOutput {
            bucket: Some(input.bucket),
            prefix: input.prefix,
            key_marker: input.key_marker,
            upload_id_marker: input.upload_id_marker,
            max_uploads: Some(max as i32),
            is_truncated: Some(truncated),
            next_key_marker: last.and_then(|u| u.key.clone()),
            next_upload_id_marker: last.and_then(|u| u.upload_id.clone()),
            uploads: Some(page),
            ..Default::default()
        }))
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let input = &req.input;
        let id = (input.bucket.clone(), input.key.clone(), input.upload_id.clone());
        self.known(&id)?;
        let out = self.fs.complete_multipart_upload(anyone(req)).await?;
        self.uploads.lock().unwrap().remove(&id);
        Ok(out)
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        let input = &req.input;
        let id = (input.bucket.clone(), input.key.clone(), input.upload_id.clone());
        self.known(&id)?;
        let out = self.fs.abort_multipart_upload(anyone(req)).await?;
        self.uploads.lock().unwrap().remove(&id);
        Ok(out)
    }
}

/// A bucket of its own on the shared S3 server, and the tests' unsigned requests to it.
pub(crate) struct S3Server {
    pub(crate) uri: String,
    pub(crate) bucket: String,
    http: reqwest::Client,
}

impl S3Server {
    /// Starts the server if it is not yet (a test fails if it cannot) and creates `bucket`.
    pub(crate) async fn start(bucket: &str) -> S3Server {
        let uri = tokio::task::spawn_blocking(address).await.unwrap().unwrap_or_else(|e| panic!("{e}"));
        let s3 = S3Server { uri, bucket: bucket.to_owned(), http: reqwest::Client::new() };
        let response = s3.http.put(format!("{}/{bucket}", s3.uri)).send().await.unwrap();
        assert!(response.status().is_success(), "CreateBucket: {}", response.status());
        s3
    }

    fn object(&self, key: &str) -> String {
        format!("{}/{}/{}", self.uri, self.bucket, encode_key(key))
    }

    /// CreateMultipartUpload: the upload id.
    pub(crate) async fn upload(&self, key: &str) -> String {
        let body = self.http.post(format!("{}?uploads", self.object(key))).send().await.unwrap().text().await.unwrap();
        between(&body, "<UploadId>", "</UploadId>").unwrap_or_else(|| panic!("no UploadId in {body}")).to_owned()
    }

    pub(crate) async fn put_part(&self, key: &str, upload_id: &str, number: u32, bytes: Vec<u8>) {
        let url = format!("{}?partNumber={number}&uploadId={upload_id}", self.object(key));
        let response = self.http.put(url).body(bytes).send().await.unwrap();
        assert!(response.status().is_success(), "UploadPart: {}", response.status());
    }

    /// ListParts: (number, size, ETag unquoted).
    pub(crate) async fn parts(&self, key: &str, upload_id: &str) -> Vec<(u32, usize, String)> {
        let url = format!("{}?uploadId={upload_id}", self.object(key));
        let body = self.http.get(url).send().await.unwrap().text().await.unwrap();
        body.split("<Part>")
            .skip(1)
            .map(|part| {
                let number = between(part, "<PartNumber>", "<").unwrap().parse().unwrap();
                let size = between(part, "<Size>", "<").unwrap().parse().unwrap();
                let etag = between(part, "<ETag>", "<").unwrap().replace("&#34;", "").replace("&quot;", "");
                (number, size, etag.replace('"', ""))
            })
            .collect()
    }
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    Some(&text[from..from + text[from..].find(end)?])
}

fn encode_key(key: &str) -> String {
    key.split('/')
        .map(|s| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>())
        .collect::<Vec<_>>()
        .join("/")
        .replace('+', "%20")
}
