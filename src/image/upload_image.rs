//! `client.upload_image(path)`: ImportImage(Local), S3Login, the file in parallel parts through
//! the platform's S3 service, CompleteImageMultipartUpload, then wait until the image is `Used`.

use super::import_image_from_url::forward;
use super::import_wait::{ImportWait, import_wait_setters};
use super::meter::{Meter, ProgressHook};
use super::s3::{self, Keys, Login, RemotePart, S3, S3Error};
use super::transfer::{TransferError, TransferProgress, TransferStage, UploadHandle};
use super::{
    BootloaderType, ImageFormat, ImageInfo, ImageStatus, ImageTag, ImportImageFluentBuilder, ImportType, OsType,
    S3Scene,
};
use crate::{CallOptionsBuilder, Client, Error, SecretString};
use bytes::Bytes;
use futures_util::StreamExt;
use md5::{Digest, Md5};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;
use tokio::io::AsyncReadExt;
use tokio::time::Instant;

/// The smallest part S3 takes (but for the last): 5 MiB.
pub const MIN_PART_SIZE: u64 = 5 << 20;
/// The largest part S3 takes: 5 GiB.
pub const MAX_PART_SIZE: u64 = 5 << 30;
/// The most parts one S3 upload holds.
pub const MAX_PARTS: u64 = 10_000;
/// Parts in flight at once, unless told otherwise.
pub const DEFAULT_UPLOAD_CONCURRENCY: usize = 4;
/// The SigV4 region, unless told otherwise: MinIO's default (the platform does not say).
pub const DEFAULT_S3_REGION: &str = "us-east-1";

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;
/// Bytes read from the file's start to tell its format: an ISO's `CD001` ends at 32774.
const HEAD: usize = 32_774;
/// A part is read (and hashed) this much at a time.
const READ_CHUNK: usize = 1 << 20;
/// Times the parts the final ListParts finds other than sent are sent again.
const RESEND_ROUNDS: usize = 2;

type Cause = Box<dyn std::error::Error + Send + Sync>;

/// The outcome of [`Client::upload_image`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct UploadedImage {
    /// The image, `Used`, as last seen.
    pub image: ImageInfo,
    /// Bytes this call sent.
    pub bytes_sent: u64,
    /// Bytes the platform already held from an earlier attempt (a resumed upload), each part
    /// found the same as the file's; 0 when the file was not compared (`file_compared`).
    pub bytes_reused: u64,
    /// Whether the file was compared with what the platform holds. `false` when a resume
    /// found the upload completed already (the image `Used`, or being made after
    /// CompleteImageMultipartUpload): S3 holds no parts to compare then, so nothing tells
    /// whether the image was made from this file.
    pub file_compared: bool,
    /// The part size used.
    pub part_size: u64,
    /// The image, the platform's upload id and the upload's object key.
    pub handle: UploadHandle,
}

/// Uploads a local image file: see [`Client::upload_image`].
#[derive(Clone)]
#[must_use = "an upload does nothing until .send() is awaited"]
pub struct UploadImageBuilder {
    client: Client,
    path: PathBuf,
    import: ImportImageFluentBuilder,
    company_id: Option<i64>,
    image_format: Option<ImageFormat>,
    image_size: Option<u32>,
    region: Option<String>,
    part_size: Option<u64>,
    concurrency: usize,
    wait: ImportWait,
    on_progress: Option<ProgressHook>,
    on_handle: Option<HandleHook>,
    resume: Option<UploadHandle>,
    s3_region: String,
    object_key: Option<String>,
}

type HandleHook = Arc<dyn Fn(&UploadHandle) + Send + Sync>;

impl std::fmt::Debug for UploadImageBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadImageBuilder")
            .field("path", &self.path)
            .field("import", &self.import)
            .field("part_size", &self.part_size)
            .field("concurrency", &self.concurrency)
            .field("wait", &self.wait)
            .field("resume", &self.resume)
            .field("s3_region", &self.s3_region)
            .field("object_key", &self.object_key)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Uploads the image file at `path` and waits until the platform has made an image of it:
    ///
    /// 1. ImportImage with `ImportType=Local` (the image waits, `WaitUploading`);
    /// 2. S3Login (`Scenes=ImageUpload`): credentials for the platform's own S3 service;
    /// 3. the upload's object key: no action names it, so it is found by paging the bucket's
    ///    S3 ListMultipartUploads for the `UploadID` ImportImage answered (inferred), unless
    ///    [`object_key`](UploadImageBuilder::object_key) gives it or the resume handle names
    ///    it; a key given is checked with ListParts. The key found is kept in the handle;
    /// 4. the file in parts ([`concurrency`](UploadImageBuilder::concurrency) at once), each an
    ///    S3 UploadPart presigned with SigV4, the session token among what is signed, and
    ///    carrying its `Content-MD5`, which the service checks: its 200 is taken as proof, an
    ///    ETag that is not the MD5 (SSE-KMS) is logged; a part that fails is sent again (up to
    ///    5 tries, longer pauses after `SlowDown` or HTTP 503);
    /// 5. S3 ListParts, to check the service holds exactly the parts sent (each by size and
    ///    ETag, none beyond; a part an earlier attempt stored late would win otherwise): any
    ///    other is sent again, twice at most, a part beyond the file's stops the upload;
    /// 6. CompleteImageMultipartUpload, then DescribeImage until `Used`
    ///    ([`on_progress`](UploadImageBuilder::on_progress) then gets `PreparePrecent`).
    ///
    /// Inferred, each overridable: the format from the file's header (qcow2, iso, vmdk; a raw
    /// disk must be named), `ImageSize` (a qcow2's or a sparse vmdk's virtual size, a raw
    /// disk's or an ISO's length, rounded up to GiB), the part size (at least 5 MiB, large
    /// enough for at most 10,000 parts), the SigV4 region (`us-east-1`), the object key (from
    /// the listing). Bad input (no file, a
    /// directory, an empty file, a part size S3 refuses, a format the header contradicts, an
    /// ImportImage field) is [`Error::InvalidRequest`] before anything is sent.
    ///
    /// **Expired credentials:** S3Login names no expiry, so its credentials are taken to last
    /// until the S3 service refuses them as expired (`ExpiredToken`, `TokenRefreshRequired`, or
    /// `InvalidAccessKeyId` once it has forgotten them: inferred). Then one more S3Login renews
    /// them for all the parts, and the refused request is sent again, once.
    ///
    /// Memory stays under `concurrency × part_size` plus a little: each part is read from the
    /// file as it is sent. The file is opened once, and every part read at its offset from
    /// that one handle; before completing, the file must be unchanged (length and mtime, and
    /// on Unix device, inode and ctime, of the handle and of the path), else the upload stops
    /// at [`TransferStage::Read`] with its handle.
    ///
    /// **Failures** after ImportImage answered are [`Error::Transfer`]: the stage, the image,
    /// the bytes the platform holds, the cause as `source()`, and
    /// [`resume_handle`](TransferError::resume_handle). ImportImage's own failure is returned
    /// as it is (no image to resume; after a lost answer, look for the image by name).
    ///
    /// **Resuming:** [`resume`](UploadImageBuilder::resume) with that handle (or one kept
    /// elsewhere) skips ImportImage, logs in again, lists the parts the platform holds (S3
    /// ListParts) and sends only those missing or whose size or MD5 differ from the file's (a
    /// service whose ETags are not MD5s, as with SSE-KMS, gets them all again), then
    /// completes. A file that changed since is either uploaded right or refused, never
    /// assembled from parts of two files. A resume after CompleteImageMultipartUpload (the
    /// image `Used`, or `WaitMaking`, `Making`, `Initializing`) cannot check the file, as S3
    /// holds no parts any more: it waits for the image, reads nothing, and says so
    /// ([`file_compared`](UploadedImage::file_compared) `false`, `bytes_reused` 0).
    ///
    /// **Cancellation:** dropping the future leaves the image `WaitUploading` on the platform
    /// with the parts sent so far. Resume it with `.resume(UploadHandle::new(image_id,
    /// upload_id))`, or remove it with
    /// [`abort_image_multipart_upload`](Client::abort_image_multipart_upload) (which removes
    /// the image and its parts). Dropped after CompleteImageMultipartUpload, the platform goes
    /// on making the image.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// use ucloudstack::image::OsType;
    ///
    /// let done = client
    ///     .upload_image("ubuntu-24.04.qcow2")
    ///     .company_id(200001)
    ///     .image_name("ubuntu-24.04")
    ///     .os_type(OsType::Linux)
    ///     .os_distribution("Ubuntu")
    ///     .os_version("24.04")
    ///     .on_progress(|p| eprintln!("{} of {} bytes", p.bytes_done, p.bytes_total))
    ///     .send()
    ///     .await;
    /// match done {
    ///     Ok(done) => println!("{} is ready ({} bytes sent)", done.image.id(), done.bytes_sent),
    ///     Err(ucloudstack::Error::Transfer(failure)) if failure.resume_handle().is_some() => {
    ///         eprintln!("{failure}; resume with {:?}", failure.resume_handle());
    ///     }
    ///     Err(other) => return Err(other),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn upload_image(&self, path: impl AsRef<Path>) -> UploadImageBuilder {
        UploadImageBuilder {
            client: self.clone(),
            path: path.as_ref().to_path_buf(),
            import: self.import_image().import_type(ImportType::Local),
            company_id: None,
            image_format: None,
            image_size: None,
            region: None,
            part_size: None,
            concurrency: DEFAULT_UPLOAD_CONCURRENCY,
            wait: ImportWait::default(),
            on_progress: None,
            on_handle: None,
            resume: None,
            s3_region: DEFAULT_S3_REGION.to_owned(),
            object_key: None,
        }
    }
}

impl UploadImageBuilder {
    forward! {
        image_name(impl Into<String>),
        os_type(OsType),
        os_distribution(impl Into<String>),
        os_version(impl Into<String>),
        set_arch(impl Into<String>),
        image_description(impl Into<String>),
        project_id(impl Into<String>),
        bootloader_type(BootloaderType),
        support_qga(bool),
        support_cloud_init(bool),
        secret(impl Into<SecretString>),
        tags(impl IntoIterator<Item = impl Into<ImageTag>>),
    }

    /// `CompanyID`: the tenant (ImportImage, S3Login and CompleteImageMultipartUpload).
    pub fn company_id(mut self, company_id: i64) -> Self {
        self.company_id = Some(company_id);
        self.import = self.import.company_id(company_id);
        self
    }

    /// `ImageFormat`; by default the file's header says (a raw disk must be named). A format
    /// the header contradicts is refused.
    pub fn image_format(mut self, format: ImageFormat) -> Self {
        self.image_format = Some(format);
        self
    }

    /// `ImageSize` in GiB; by default a qcow2's or a sparse vmdk's virtual size, or a raw
    /// disk's or an ISO's length, rounded up.
    pub fn image_size(mut self, gib: u32) -> Self {
        self.image_size = Some(gib);
        self
    }

    /// `Region` of every call, when not the client's default.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        let region = region.into();
        self.import = self.import.region(region.clone());
        self.region = Some(region);
        self
    }

    /// The size of each part but the last: 5 MiB ([`MIN_PART_SIZE`]) to 5 GiB, and large
    /// enough for at most 10,000 parts. By default the smallest such size in whole MiB (when
    /// resuming, the size of the parts already sent).
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.part_size = Some(bytes);
        self
    }

    /// Parts in flight at once (default [`DEFAULT_UPLOAD_CONCURRENCY`], 4; values above
    /// [`MAX_CONCURRENCY`](crate::paginate::MAX_CONCURRENCY) are clamped to it; 0 is refused).
    pub fn concurrency(mut self, parts: usize) -> Self {
        self.concurrency = parts.min(crate::paginate::MAX_CONCURRENCY);
        self
    }

    import_wait_setters!("the platform making the image once the bytes are in");

    /// Calls `report` as the parts' bytes leave (each MiB; bytes done and in all), then after
    /// every poll while the image is made (`percent`: `PreparePrecent`). `bytes_done` only
    /// rises: a part sent again has the bytes of its failed attempt taken back, and reports
    /// pause until it has been sent that far again. It counts bytes handed to the connection,
    /// ahead of those the service has acknowledged by up to a MiB and the socket's buffers per
    /// part in flight.
    pub fn on_progress(mut self, report: impl Fn(&TransferProgress) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(report));
        self
    }

    /// Calls `keep` with the upload's handle once it is known, before any byte is sent: right
    /// after ImportImage answered, or at once when resuming; and again, before any byte too,
    /// when the handle gains the upload's object key ([`UploadHandle::object_key`]). A tool
    /// that keeps the latest (in a file, say) can go on after the program itself was stopped
    /// (Ctrl-C, a crash, a reboot), which no error value survives.
    pub fn on_handle(mut self, keep: impl Fn(&UploadHandle) + Send + Sync + 'static) -> Self {
        self.on_handle = Some(Arc::new(keep));
        self
    }

    /// Goes on with an upload that was interrupted, instead of importing a new image: see
    /// [`Client::upload_image`]. The ImportImage fields are not needed then (`CompanyID` and
    /// `Region` are still used).
    pub fn resume(mut self, handle: UploadHandle) -> Self {
        self.resume = Some(handle);
        self
    }

    /// The upload's S3 object key, instead of finding it in the bucket's ListMultipartUploads.
    ///
    /// No action names the key, so by default the listing is paged for ImportImage's
    /// `UploadID` (inferred). Some S3 services (MinIO, which the platform's upload ids point
    /// to) list in-progress uploads only when asked for the exact key: there the listing shows
    /// nothing, and the upload stops at [`TransferStage::Locate`] keeping its resume handle
    /// ([`S3Error::is_upload_not_listed`]). Give the key here then (resuming with that handle
    /// works too). It is checked with S3 ListParts before any part is sent: a key that is not
    /// the upload's stops there, the handle kept. A handle that names a key
    /// ([`UploadHandle::object_key`]) needs none; a key given here wins over it.
    pub fn object_key(mut self, key: impl Into<String>) -> Self {
        self.object_key = Some(key.into());
        self
    }

    /// The region the S3 requests are signed for (default [`DEFAULT_S3_REGION`]).
    pub fn s3_region(mut self, region: impl Into<String>) -> Self {
        self.s3_region = region.into();
        self
    }

    /// The ImportImage request as set so far (without the inferred format and size).
    pub fn as_input(&self) -> &super::ImportImageRequestBuilder {
        self.import.as_input()
    }

    /// Uploads the file; see [`Client::upload_image`].
    pub async fn send(self) -> Result<UploadedImage, Error> {
        let file = inspect(&self.path).await?;
        if self.concurrency == 0 {
            return Err(Error::invalid("concurrency", "must be at least 1"));
        }
        if self.s3_region.trim().is_empty() {
            return Err(Error::invalid("s3_region", "must not be empty or blank"));
        }
        if let Some(key) = &self.object_key {
            s3::check_key(key).map_err(|rule| Error::invalid("object_key", rule))?;
        }
        if let Some(size) = self.part_size {
            check_part_size(size, file.len)?;
        } else {
            check_part_size(default_part_size(file.len), file.len)
                .map_err(|_| Error::invalid("path", "is larger than S3 takes: 10,000 parts of 5 GiB at most"))?;
        }
        let sniffed = sniff(&file.head);
        let format = match (&self.image_format, &sniffed, &self.resume) {
            // Resuming: the import is done; only a contradiction matters.
            (None, _, Some(_)) => None,
            (given, _, _) => Some(resolve_format(given.as_ref(), sniffed.as_ref())?),
        };
        let request = match (&self.resume, format) {
            (None, Some(format)) => {
                let size = self.image_size.or_else(|| virtual_gib(&format, &file));
                let mut import = self.import.as_input().clone().image_format(format);
                if let Some(size) = size {
                    import = import.image_size(size);
                }
                Some(import.build()?)
            }
            _ => None,
        };
        let http = self.client.files_http()?.clone();
        let (_, _, options) = self.import.clone().into_parts();
        let (handle, resumed) = match (self.resume.clone(), request) {
            (Some(handle), _) => (handle, true),
            (None, Some(request)) => {
                let imported = self.client.send_with(request, &options).await?;
                match imported.upload_id.filter(|u| !u.trim().is_empty()) {
                    Some(upload_id) => (UploadHandle::new(imported.image_id, upload_id), false),
                    None => {
                        return Err(Error::Transfer(TransferError {
                            stage: TransferStage::Locate,
                            image_id: imported.image_id,
                            bytes_done: 0,
                            source: "ImportImage answered no UploadID: remove the image and try again".into(),
                            handle: None,
                        }));
                    }
                }
            }
            (None, None) => return Err(Error::invalid("ImageFormat", "is required")),
        };
        tracing::debug!(image_id = handle.image_id(), upload_id = handle.upload_id(), resumed, "uploading an image");
        if let Some(keep) = &self.on_handle {
            keep(&handle);
        }
        let mut job = Job { builder: &self, http, file, started: Instant::now(), done: 0, sent: 0, reused: 0, handle };
        let outcome = job.run(resumed).await;
        outcome.map_err(|(stage, source)| {
            let handle = job.handle;
            let resume = resumable(source.as_ref()).then(|| Box::new(handle.clone()));
            Error::Transfer(TransferError {
                stage,
                image_id: handle.image_id().to_owned(),
                bytes_done: job.done,
                source,
                handle: resume,
            })
        })
    }
}

impl UploadImageBuilder {
    /// S3Login for image uploads, with the upload's `CompanyID` and `Region`.
    fn s3_login(&self) -> super::S3LoginFluentBuilder {
        let mut login = self.client.s3_login().scenes(S3Scene::ImageUpload);
        if let Some(company_id) = self.company_id {
            login = login.company_id(company_id);
        }
        if let Some(region) = &self.region {
            login = login.region(region);
        }
        login
    }
}

impl CallOptionsBuilder for UploadImageBuilder {
    /// The retry policy and timeouts of the ImportImage call (the S3 requests have their own).
    fn call_options(&mut self) -> &mut crate::CallOptions {
        self.import.call_options()
    }
}

/// What the file is: its length, its first bytes, what tells it changed, and the one handle
/// every part is read from (reopened by path, parts could come from two files).
struct FileFacts {
    len: u64,
    head: Vec<u8>,
    stamp: Stamp,
    handle: Arc<std::fs::File>,
}

/// What tells that a file changed: its length and mtime, and on Unix its device and inode
/// (another file put in its place) and ctime (written to, even with the mtime set back).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    #[cfg(unix)]
    node: (u64, u64, i64, i64),
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            node: (meta.dev(), meta.ino(), meta.ctime(), meta.ctime_nsec()),
        }
    }
}

async fn inspect(path: &Path) -> Result<FileFacts, Error> {
    if path.as_os_str().is_empty() {
        return Err(Error::invalid("path", "must name a file"));
    }
    let shown = path.display();
    let meta = match tokio::fs::metadata(path).await {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::invalid("path", format!("{shown} does not exist")));
        }
        Err(e) => return Err(Error::invalid("path", format!("{shown} cannot be read: {e}"))),
    };
    if meta.is_dir() {
        return Err(Error::invalid("path", format!("{shown} is a directory: name a file")));
    }
    if !meta.is_file() {
        return Err(Error::invalid("path", format!("{shown} is not a regular file")));
    }
    if meta.len() == 0 {
        return Err(Error::invalid("path", format!("{shown} is empty")));
    }
    let unreadable = |e: std::io::Error| Error::invalid("path", format!("{shown} cannot be read: {e}"));
    let mut file = tokio::fs::File::open(path).await.map_err(unreadable)?;
    // The handle's own: the file it reads, whatever the path names later.
    let stamp = Stamp::of(&file.metadata().await.map_err(unreadable)?);
    if stamp.len == 0 {
        return Err(Error::invalid("path", format!("{shown} is empty")));
    }
    let mut head = Vec::with_capacity(HEAD);
    (&mut file).take(HEAD as u64).read_to_end(&mut head).await.map_err(unreadable)?;
    let handle = Arc::new(file.into_std().await);
    Ok(FileFacts { len: stamp.len, head, stamp, handle })
}

/// The format the file's first bytes name: a qcow2 (`QFI\xfb`), a sparse vmdk (`KDMV`) or a
/// vmdk descriptor, an ISO 9660 disc (`CD001` at byte 32769).
pub(crate) fn sniff(head: &[u8]) -> Option<ImageFormat> {
    if head.starts_with(b"QFI\xfb") {
        Some(ImageFormat::Qcow2)
    } else if head.starts_with(b"KDMV") || head.starts_with(b"# Disk DescriptorFile") {
        Some(ImageFormat::Vmdk)
    } else if head.get(32_769..32_774) == Some(b"CD001") {
        Some(ImageFormat::Iso)
    } else {
        None
    }
}

/// The format to import as: the one given, unless the header contradicts it; else the
/// header's.
fn resolve_format(given: Option<&ImageFormat>, sniffed: Option<&ImageFormat>) -> Result<ImageFormat, Error> {
    match (given, sniffed) {
        (Some(given), Some(sniffed)) if given == sniffed => Ok(given.clone()),
        (Some(given), Some(sniffed)) => {
            Err(Error::invalid("ImageFormat", format!("is {given} but the file's header says {sniffed}")))
        }
        (Some(given @ (ImageFormat::Qcow2 | ImageFormat::Iso | ImageFormat::Vmdk)), None) => {
            Err(Error::invalid("ImageFormat", format!("is {given} but the file has no {given} header")))
        }
        (Some(given), None) => Ok(given.clone()),
        (None, Some(sniffed)) => Ok(sniffed.clone()),
        (None, None) => Err(Error::invalid(
            "ImageFormat",
            "is required: the file's header names no format (qcow2, iso, vmdk); set image_format (raw for a raw disk)",
        )),
    }
}

/// The image's size in GiB, rounded up, when the file tells it: a qcow2's virtual size
/// (big-endian at byte 24), a sparse vmdk's capacity (little-endian sectors at byte 12), a raw
/// disk's or an ISO's length.
fn virtual_gib(format: &ImageFormat, file: &FileFacts) -> Option<u32> {
    head_gib(format, file.len, &file.head)
}

/// [`virtual_gib`] of a file of `len` bytes starting with `head`.
fn head_gib(format: &ImageFormat, len: u64, head: &[u8]) -> Option<u32> {
    let field = |at: usize| -> Option<[u8; 8]> { head.get(at..at + 8)?.try_into().ok() };
    let bytes = match format {
        ImageFormat::Qcow2 => u64::from_be_bytes(field(24)?),
        ImageFormat::Vmdk if head.starts_with(b"KDMV") => u64::from_le_bytes(field(12)?).saturating_mul(512),
        ImageFormat::Raw | ImageFormat::Iso => len,
        _ => return None,
    };
    (bytes > 0).then(|| u32::try_from(bytes.div_ceil(GIB)).unwrap_or(u32::MAX))
}

/// The smallest part size in whole MiB, at least 5 MiB, that splits `len` bytes into at most
/// 10,000 parts.
pub(crate) fn default_part_size(len: u64) -> u64 {
    len.div_ceil(MAX_PARTS).div_ceil(MIB).saturating_mul(MIB).max(MIN_PART_SIZE)
}

/// How many parts of `part_size` make `len` bytes (the last may be smaller).
pub(crate) fn part_count(len: u64, part_size: u64) -> u64 {
    len.div_ceil(part_size.max(1))
}

fn check_part_size(size: u64, len: u64) -> Result<(), Error> {
    if size < MIN_PART_SIZE {
        return Err(Error::invalid("part_size", format!("must be at least 5 MiB ({MIN_PART_SIZE} bytes), got {size}")));
    }
    if size > MAX_PART_SIZE {
        return Err(Error::invalid("part_size", format!("must be at most 5 GiB ({MAX_PART_SIZE} bytes), got {size}")));
    }
    let parts = part_count(len, size);
    if parts > MAX_PARTS {
        return Err(Error::invalid(
            "part_size",
            format!(
                "{size} bytes makes {parts} parts of this {len}-byte file, S3 takes at most {MAX_PARTS}: use at least {}",
                default_part_size(len)
            ),
        ));
    }
    Ok(())
}

/// An upload under way.
struct Job<'a> {
    builder: &'a UploadImageBuilder,
    http: reqwest::Client,
    file: FileFacts,
    started: Instant,
    /// Bytes the platform holds.
    done: u64,
    /// Bytes this call sent (a part sent again counts again).
    sent: u64,
    /// Bytes of parts the platform held already, found the same as the file's.
    reused: u64,
    /// The upload, with its object key once known.
    handle: UploadHandle,
}

/// What the parts share.
#[derive(Clone, Copy)]
struct Parts<'a> {
    s3: &'a S3,
    key: &'a str,
    upload_id: &'a str,
    file: &'a Arc<std::fs::File>,
    len: u64,
    part_size: u64,
    remote: &'a BTreeMap<u32, RemotePart>,
    meter: &'a Arc<Meter>,
}

type Step<T> = Result<T, (TransferStage, Cause)>;

fn at<E: Into<Cause>>(stage: TransferStage) -> impl FnOnce(E) -> (TransferStage, Cause) {
    move |e| (stage, e.into())
}

/// Whether [`resume`](UploadImageBuilder::resume) could finish what `cause` stopped: not once
/// the S3 service answered that it no longer holds the upload (completed, aborted, or never
/// made), nor once the image failed or is gone. Anything else (a refused part, a cut
/// connection, a wait that ran out, an upload the listing did not show, a key given that
/// ListParts did not confirm) it can.
fn resumable(cause: &(dyn std::error::Error + Send + Sync + 'static)) -> bool {
    if cause.is::<Final>() || cause.downcast_ref::<S3Error>().is_some_and(S3Error::is_no_such_upload) {
        return false;
    }
    !matches!(
        cause.downcast_ref::<Error>(),
        Some(Error::Waiter { reason: crate::WaitFailure::FailureState(_) | crate::WaitFailure::NotListed(_), .. })
    )
}

/// A failure no resume can mend: the image failed or is gone.
#[derive(Debug)]
struct Final(String);

impl std::fmt::Display for Final {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Final {}

/// ListParts answered `NoSuchUpload` for a key given with
/// [`object_key`](UploadImageBuilder::object_key): the key may not be the upload's.
#[derive(Debug, thiserror::Error)]
#[error("the S3 service holds no upload {upload_id} under the object key {key:?} given: is it the upload's key?")]
struct Unconfirmed {
    key: String,
    upload_id: String,
    #[source]
    source: S3Error,
}

/// Where the object key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyFrom {
    /// [`UploadImageBuilder::object_key`]: unchecked until ListParts answers.
    Given,
    /// The resume handle: found or checked by an earlier call.
    Handle,
    /// The bucket's ListMultipartUploads.
    Listing,
}

impl Job<'_> {
    async fn run(&mut self, resumed: bool) -> Step<UploadedImage> {
        let b = self.builder;
        let handle = self.handle.clone();
        let (image_id, upload_id) = (handle.image_id(), handle.upload_id());
        let fallback_size = b.part_size.unwrap_or_else(|| default_part_size(self.file.len));
        if resumed {
            let seen = super::waiters::look(&b.client, image_id, b.region.as_deref()).await;
            match seen.map_err(at(TransferStage::Locate))?.and_then(|i| i.image_status.clone().map(|s| (i, s))) {
                Some((image, status)) if status.is_available() => {
                    self.done = self.file.len;
                    return Ok(self.uploaded(image, fallback_size, false));
                }
                Some((image, status)) if status.is_failed_or_gone() => {
                    let reason = image.reason.unwrap_or_default();
                    let image = format!("the image is {status} {reason}").trim_end().to_owned();
                    return Err((TransferStage::Make, Box::new(Final(image))));
                }
                // CompleteImageMultipartUpload was done: the platform is making the image.
                Some((_, ImageStatus::WaitMaking | ImageStatus::Making | ImageStatus::Initializing)) => {
                    self.done = self.file.len;
                    let image = self.wait(image_id).await?;
                    return Ok(self.uploaded(image, fallback_size, false));
                }
                _ => {}
            }
        }
        let login = b.s3_login().send().await.map_err(at(TransferStage::Login))?;
        let credentials = Login {
            endpoint: &login.endpoint,
            bucket: &login.bucket,
            access_key: &login.access_key,
            secret_key: &login.secret_key,
            token: login.session_id.as_ref(),
        };
        let scheme = b.client.download_endpoint().scheme().to_owned();
        let s3 =
            S3::new(self.http.clone(), credentials, &scheme, b.s3_region.trim()).map_err(at(TransferStage::Login))?;
        // S3Login says nothing of how long its credentials last (inferred: until the service
        // refuses them as expired); then they are renewed with another S3Login.
        let relogin = b.s3_login();
        let s3 = s3.with_renewal(Box::new(move || {
            let relogin = relogin.clone();
            Box::pin(async move {
                let login = relogin.send().await?;
                Ok(Keys::new(&login.access_key, &login.secret_key, login.session_id.as_ref())?)
            })
        }));
        let (key, from) = match (&b.object_key, handle.object_key()) {
            (Some(key), _) => (key.clone(), KeyFrom::Given),
            (None, Some(key)) => (key.to_owned(), KeyFrom::Handle),
            (None, None) => (s3.find_key(upload_id).await.map_err(at(TransferStage::Locate))?, KeyFrom::Listing),
        };
        if from == KeyFrom::Listing {
            self.keep_key(&key);
        }
        // A key given is checked before any part is sent; a resume needs the parts held.
        let remote = if resumed || from == KeyFrom::Given {
            s3.list_parts(&key, upload_id).await.map_err(|e| match from {
                KeyFrom::Given if e.is_no_such_upload() => {
                    let unconfirmed = Unconfirmed { key: key.clone(), upload_id: upload_id.to_owned(), source: e };
                    (TransferStage::Locate, Cause::from(unconfirmed))
                }
                _ => (TransferStage::Locate, Cause::from(e)),
            })?
        } else {
            BTreeMap::new()
        };
        if from == KeyFrom::Given {
            self.keep_key(&key);
        }
        let part_size = b.part_size.or_else(|| earlier_part_size(&remote, self.file.len)).unwrap_or(fallback_size);
        let count = part_count(self.file.len, part_size);
        if let Some((&extra, _)) = remote.range(u32::try_from(count).unwrap_or(u32::MAX).saturating_add(1)..).next() {
            let rule = format!(
                "the platform holds part {extra}, but the file makes {count} parts of {part_size} bytes: the file \
                 changed or the upload began with another part size (set part_size to it); else remove the upload \
                 (AbortImageMultipartUpload) and start again"
            );
            return Err((TransferStage::Locate, rule.into()));
        }
        let meter = Meter::new(b.on_progress.clone(), self.file.len, self.started);
        let file = self.file.handle.clone();
        meter.add(0);
        let parts = Parts {
            s3: &s3,
            key: &key,
            upload_id,
            file: &file,
            len: self.file.len,
            part_size,
            remote: &remote,
            meter: &meter,
        };
        let count = u32::try_from(count).unwrap_or(u32::MAX);
        let mut landed = BTreeMap::new();
        let mut sending = futures_util::stream::iter(1..=count).map(|n| parts.send(n)).buffer_unordered(b.concurrency);
        while let Some(part) = sending.next().await {
            let (number, part) = part?;
            self.done += part.size;
            match part.reused {
                true => self.reused += part.size,
                false => self.sent += part.size,
            }
            landed.insert(number, part);
        }
        drop(sending);
        self.settle(&parts, &mut landed, count).await?;
        // Bytes read from a file that changed meanwhile would make an image of two files; the
        // path naming another file would upload one other than the caller's.
        let file = self.file.handle.clone();
        let now = tokio::task::spawn_blocking(move || file.metadata())
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))
            .and_then(|meta| meta)
            .map_err(at(TransferStage::Read))?;
        let there = tokio::fs::metadata(&b.path).await.map_err(at(TransferStage::Read))?;
        if Stamp::of(&now) != self.file.stamp || Stamp::of(&there) != self.file.stamp {
            let rule = "the file changed while it was sent: resume the upload to send the parts that differ";
            return Err((TransferStage::Read, rule.into()));
        }
        let mut complete = b.client.complete_image_multipart_upload().image_id(image_id).upload_id(upload_id);
        if let Some(company_id) = b.company_id {
            complete = complete.company_id(company_id);
        }
        if let Some(region) = &b.region {
            complete = complete.region(region);
        }
        complete.send().await.map_err(at(TransferStage::Complete))?;
        let image = self.wait(image_id).await?;
        Ok(self.uploaded(image, part_size, true))
    }

    /// Makes sure S3 holds parts 1 to `count` as `landed` says, and nothing beyond, before the
    /// platform assembles them: a part of an earlier attempt that timed out on the client but
    /// was stored late would win otherwise. Parts found other are sent again (a bounded number
    /// of times).
    async fn settle(&mut self, parts: &Parts<'_>, landed: &mut BTreeMap<u32, Landed>, count: u32) -> Step<()> {
        let (empty, silent) = (BTreeMap::new(), Meter::new(None, self.file.len, self.started));
        // Sent again whatever S3 holds, and not counted twice in the progress.
        let resend = Parts { remote: &empty, meter: &silent, ..*parts };
        for round in 0..=RESEND_ROUNDS {
            let held = parts.s3.list_parts(parts.key, parts.upload_id).await.map_err(at(TransferStage::Upload))?;
            if let Some((&extra, _)) = held.range(count.saturating_add(1)..).next() {
                let rule = format!(
                    "the platform holds part {extra}, beyond the file's {count} parts (an earlier attempt's, with \
                     another part size?): remove the upload (AbortImageMultipartUpload) and start again"
                );
                return Err((TransferStage::Upload, rule.into()));
            }
            let differ: Vec<u32> =
                landed.iter().filter(|(n, part)| !held.get(n).is_some_and(|h| part.is(h))).map(|(n, _)| *n).collect();
            if differ.is_empty() {
                return Ok(());
            }
            if round == RESEND_ROUNDS {
                let rule = format!(
                    "the platform still holds other bytes than were sent for parts {differ:?} after sending them \
                     again: resume the upload"
                );
                return Err((TransferStage::Upload, rule.into()));
            }
            tracing::warn!(parts = ?differ, "S3 holds other parts than were sent (an earlier attempt's?): sending them again");
            for number in differ {
                let (_, part) = resend.send(number).await?;
                self.sent += part.size;
                if landed.insert(number, part).is_some_and(|was| was.reused) {
                    self.reused = self.reused.saturating_sub(landed.get(&number).map_or(0, |p| p.size));
                }
            }
        }
        Ok(())
    }

    /// Records the upload's object key in the handle, and tells [`on_handle`] of it when it is
    /// news.
    ///
    /// [`on_handle`]: UploadImageBuilder::on_handle
    fn keep_key(&mut self, key: &str) {
        if self.handle.object_key() == Some(key) {
            return;
        }
        self.handle = self.handle.clone().with_object_key(key);
        if let Some(keep) = &self.builder.on_handle {
            keep(&self.handle);
        }
    }

    async fn wait(&self, image_id: &str) -> Step<ImageInfo> {
        let b = self.builder;
        let mut waiter = b.wait.waiter(&b.client, image_id, b.region.as_deref());
        if let Some(report) = b.on_progress.clone() {
            let (started, total) = (self.started, self.file.len);
            waiter = waiter.on_poll(move |p| {
                let percent = Some(p.percent.unwrap_or(0));
                let elapsed = started.elapsed();
                report(&TransferProgress { bytes_done: total, bytes_total: total, elapsed, percent });
            });
        }
        waiter.wait().await.map_err(at(TransferStage::Make))
    }

    /// The outcome; `compared`: whether the file was compared with the parts the platform
    /// holds (not once the upload was completed).
    fn uploaded(&self, image: ImageInfo, part_size: u64, compared: bool) -> UploadedImage {
        UploadedImage {
            image,
            bytes_sent: self.sent,
            bytes_reused: if compared { self.reused } else { 0 },
            file_compared: compared,
            part_size,
            handle: self.handle.clone(),
        }
    }
}

/// When resuming without a part size: the size of the parts already sent (part 1's, else the
/// largest: only the last part is smaller), if S3 takes it for this file.
fn earlier_part_size(remote: &BTreeMap<u32, RemotePart>, len: u64) -> Option<u64> {
    let size = remote.get(&1).or_else(|| remote.values().max_by_key(|p| p.size))?.size;
    check_part_size(size, len).ok().map(|()| size)
}

/// A part as this call left it on the platform.
struct Landed {
    size: u64,
    md5: [u8; 16],
    /// The ETag the service answered, or listed for a part it held already.
    etag: Option<String>,
    /// Held already, not sent.
    reused: bool,
}

impl Landed {
    /// Whether `held` is this part: its size, and its ETag the MD5 or the one answered.
    fn is(&self, held: &RemotePart) -> bool {
        held.size == self.size && (held.etag == s3::hex(&self.md5) || self.etag.as_deref() == Some(&held.etag))
    }
}

impl Parts<'_> {
    /// Part `number`: read and hashed; sent unless the platform holds the same bytes. Its
    /// number, and what landed.
    async fn send(&self, number: u32) -> Step<(u32, Landed)> {
        let offset = u64::from(number - 1) * self.part_size;
        let len = (self.len - offset).min(self.part_size);
        let (bytes, md5) = read_part(self.file, offset, len).await.map_err(at(TransferStage::Read))?;
        if let Some(held) = self.remote.get(&number).filter(|p| p.size == len && p.etag == s3::hex(&md5)) {
            self.meter.add(len);
            return Ok((number, Landed { size: len, md5, etag: Some(held.etag.clone()), reused: true }));
        }
        let sent = self.s3.upload_part(self.key, self.upload_id, number, bytes, md5, self.meter).await;
        let etag = sent.map_err(at(TransferStage::Upload))?;
        Ok((number, Landed { size: len, md5, etag, reused: false }))
    }
}

/// `len` bytes of the file from `offset`, in one buffer, with their MD5: read (and hashed) on
/// a blocking thread, at the offset, from the one handle all parts share.
async fn read_part(file: &Arc<std::fs::File>, offset: u64, len: u64) -> std::io::Result<(Bytes, [u8; 16])> {
    let too_large = || std::io::Error::other("a part larger than this machine can address");
    let len = usize::try_from(len).map_err(|_| too_large())?;
    let file = file.clone();
    let read = move || {
        let mut buf = Vec::new();
        buf.try_reserve_exact(len).map_err(|_| std::io::Error::other("no memory for the part's buffer"))?;
        buf.resize(len, 0);
        let mut md5 = Md5::new();
        let mut at = offset;
        for chunk in buf.chunks_mut(READ_CHUNK) {
            read_exact_at(&file, chunk, at)?;
            md5.update(&*chunk);
            at += chunk.len() as u64;
        }
        Ok((Bytes::from(buf), md5.finalize().into()))
    };
    tokio::task::spawn_blocking(read).await.map_err(|e| std::io::Error::other(e.to_string()))?
}

#[cfg(unix)]
fn read_exact_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &std::fs::File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// No positional reads here: a seek and a read of the shared handle, one part at a time.
#[cfg(not(any(unix, windows)))]
fn read_exact_at(mut file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek};
    static ONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = ONE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    file.seek(std::io::SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_part_size_is_5_mib_until_10000_parts_need_more_then_whole_mib() {
        assert_eq!(default_part_size(1), MIN_PART_SIZE);
        assert_eq!(default_part_size(40 * MIB), MIN_PART_SIZE);
        assert_eq!(default_part_size(MAX_PARTS * MIN_PART_SIZE), MIN_PART_SIZE);
        // One byte more needs 6 MiB parts.
        assert_eq!(default_part_size(MAX_PARTS * MIN_PART_SIZE + 1), 6 * MIB);
        assert_eq!(default_part_size(100 * GIB), 11 * MIB);
        for len in [1, 5 * MIB, 50 * GIB, 100 * GIB + 7, 1 << 45] {
            let size = default_part_size(len);
            assert_eq!(size % MIB, 0);
            assert!(part_count(len, size) <= MAX_PARTS, "{len}");
            assert!(size == MIN_PART_SIZE || part_count(len, size - MIB) > MAX_PARTS, "{len}: not the smallest");
        }
    }

    #[test]
    fn part_count_rounds_up_and_the_last_part_may_be_smaller() {
        assert_eq!(part_count(40 * MIB, 8 * MIB), 5);
        assert_eq!(part_count(40 * MIB + 1, 8 * MIB), 6);
        assert_eq!(part_count(1, 8 * MIB), 1);
    }

    #[test]
    fn part_sizes_s3_refuses_are_named() {
        for (size, len) in [(MIN_PART_SIZE - 1, MIB), (MAX_PART_SIZE + 1, GIB), (MIN_PART_SIZE, 60 * GIB)] {
            let Err(Error::InvalidRequest { field, .. }) = check_part_size(size, len) else { panic!("{size}") };
            assert_eq!(field, "part_size");
        }
        assert!(check_part_size(MIN_PART_SIZE, 40 * GIB).is_ok());
    }

    #[test]
    fn a_resumed_upload_takes_the_part_size_of_the_parts_already_sent() {
        let part = |size| RemotePart { size, etag: String::new() };
        let remote: BTreeMap<u32, RemotePart> = [(2, part(8 * MIB)), (3, part(8 * MIB)), (5, part(MIB))].into();
        assert_eq!(earlier_part_size(&remote, 33 * MIB), Some(8 * MIB), "part 1 is missing: the largest");
        let remote: BTreeMap<u32, RemotePart> = [(1, part(6 * MIB)), (2, part(2 * MIB))].into();
        assert_eq!(earlier_part_size(&remote, 8 * MIB), Some(6 * MIB));
        // A single small part (a file under 5 MiB) says nothing S3 would take as a part size.
        let remote: BTreeMap<u32, RemotePart> = [(1, part(MIB))].into();
        assert_eq!(earlier_part_size(&remote, MIB), None);
    }

    #[test]
    fn headers_name_their_formats() {
        let mut iso = vec![0u8; HEAD];
        iso[32_769..32_774].copy_from_slice(b"CD001");
        assert_eq!(sniff(&iso), Some(ImageFormat::Iso));
        assert_eq!(sniff(b"QFI\xfb\0\0\0\x03"), Some(ImageFormat::Qcow2));
        assert_eq!(sniff(b"KDMV\x01\0\0\0"), Some(ImageFormat::Vmdk));
        assert_eq!(sniff(b"# Disk DescriptorFile\nversion=1"), Some(ImageFormat::Vmdk));
        assert_eq!(sniff(&[0u8; 512]), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn a_sparse_vmdk_says_its_capacity_in_sectors() {
        let mut head = b"KDMV\x01\0\0\0\x03\0\0\0".to_vec();
        head.extend_from_slice(&(3 * GIB / 512 + 1).to_le_bytes());
        assert_eq!(head_gib(&ImageFormat::Vmdk, 1 << 16, &head), Some(4));
        assert_eq!(head_gib(&ImageFormat::Vmdk, 100, b"# Disk DescriptorFile"), None);
    }
}
