//! `client.upload_image(path)`: ImportImage(Local), S3Login, the file in parallel parts through
//! the platform's S3 service, CompleteImageMultipartUpload, then wait until the image is `Used`.

mod job;
mod parts;
mod source;
mod step;

use super::error::{TransferError, TransferStage};
use super::handle::UploadHandle;
use super::meter::ProgressHook;
use super::progress::TransferProgress;
use super::s3;
use super::span::{failed, finished, transfer_span};
use crate::image::import_image::{ImportImageFluentBuilder, ImportImageRequestBuilder, MAX_IMPORT_IMAGE_SIZE};
use crate::image::import_image_from_url::forward;
use crate::image::import_wait::{ImportWait, import_wait_setters};
use crate::image::model::{BootloaderType, ImageFormat, ImageInfo, ImageTag, ImportType, OsType};
use crate::image::s3_login::{S3LoginFluentBuilder, S3Scene};
use crate::{CallOptionsBuilder, Client, Error, SecretString};
use job::{Job, resumable};
use parts::{check_part_size, default_part_size};
use source::{inspect, resolve_format, sniff, virtual_gib};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::time::Instant;
use tracing::Instrument;

pub use super::limits::{MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE};
/// Parts in flight at once, unless told otherwise.
pub const DEFAULT_UPLOAD_CONCURRENCY: usize = 4;
/// The SigV4 region, unless told otherwise: MinIO's default (the platform does not say).
pub const DEFAULT_S3_REGION: &str = "us-east-1";

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

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
    ///    5 tries, longer pauses after `SlowDown` or HTTP 503); a 200 whose body is an S3
    ///    `<Error>` document is that error, sent again or not by its code;
    /// 5. S3 ListParts, to check the service holds exactly the parts sent (each by size and
    ///    ETag, none beyond; a part an earlier attempt stored late would win otherwise): any
    ///    other is sent again (as many at once as in step 4), twice at most, then the failure
    ///    says what the platform holds; a part beyond the file's stops the upload;
    /// 6. CompleteImageMultipartUpload, then DescribeImage until `Used`
    ///    ([`on_progress`](UploadImageBuilder::on_progress) then gets `PreparePrecent`).
    ///
    /// Inferred, each overridable: the format from the file's header (qcow2, iso, vmdk; a raw
    /// disk must be named), `ImageSize` (a qcow2's or a sparse vmdk's virtual size, a raw
    /// disk's or an ISO's length, rounded up to GiB), the part size (at least 5 MiB, large
    /// enough for at most 10,000 parts), the SigV4 region (`us-east-1`), the object key (from
    /// the listing). Bad input (no file, a
    /// directory, an empty file, a part size S3 refuses, a format other than raw the header
    /// contradicts, a size read from the header past 2000 GiB with no `image_size` set, an
    /// ImportImage field, a resume handle that breaks [`UploadHandle`]'s rules) is [`Error::InvalidRequest`] before anything is sent.
    ///
    /// **Redirects:** no S3 request follows a redirect to another host: a 3xx is a failure
    /// naming only the host it pointed to (never the presigned address), and an answer that
    /// came from another origin (through an HTTP client given with
    /// [`ClientBuilder::http_client`](crate::ClientBuilder::http_client) that follows
    /// redirects) is refused. The upload keeps its resume handle. The listings are bounded:
    /// ListParts to 20 pages, ListMultipartUploads to 100 (then give the key), and an upload
    /// listed under two keys is refused, naming both.
    ///
    /// **Expired credentials:** S3Login names no expiry, so its credentials are taken to last
    /// until the S3 service refuses them as expired (`ExpiredToken`, `TokenRefreshRequired`, or
    /// `InvalidAccessKeyId` once it has forgotten them: inferred). Then one more S3Login renews
    /// them for all the parts, and the refused request is sent again, once.
    ///
    /// Memory stays under `concurrency × part_size` plus a little: each part is read from the
    /// file as it is sent. The part size is the caller's or the handle's, never set by what
    /// the S3 service lists (but, for a handle kept by an older version, up to 64 MiB). The file is opened once, and every part read at its offset from
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
    /// completes. A listed part (but the last) of another size than the upload's part size is
    /// refused before any part is sent. A handle is checked first (see [`UploadHandle`]). A file that changed since is either uploaded right or refused, never
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
    /// the header contradicts is refused, but for raw: a raw disk holds any bytes (an ISO 9660
    /// filesystem at byte 32769, a qcow2 magic at its start), so raw named wins over the header,
    /// with a warning logged.
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
    /// enough for at most 10,000 parts. By default the smallest such size in whole MiB. It is
    /// kept in the handle ([`UploadHandle::part_size`]) before the first byte is sent; when
    /// resuming, by default the handle's. A resume refuses a listing whose parts (but the
    /// last) are of another size. A handle kept by an older version names none: the size of
    /// the parts listed is taken then, up to 64 MiB (or the file's default part size, if
    /// larger); past that, set it here.
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
    /// after ImportImage answered (with the part size, [`UploadHandle::part_size`]), or at once
    /// when resuming; and again, before any byte too, when the handle gains the upload's object
    /// key ([`UploadHandle::object_key`]) or, resuming, its part size. A tool
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
    /// ([`S3Error::is_upload_not_listed`](s3::S3Error::is_upload_not_listed)). Give the key here then (resuming with that handle
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
    pub fn as_input(&self) -> &ImportImageRequestBuilder {
        self.import.as_input()
    }

    /// Uploads the file; see [`Client::upload_image`]. The upload is a `ucloudstack.transfer`
    /// span (its bytes, parts and rate; the calls it makes are its children).
    pub async fn send(self) -> Result<UploadedImage, Error> {
        let span = transfer_span("upload", self.resume.as_ref().map(UploadHandle::image_id));
        let started = Instant::now();
        let outcome = self.upload(&span).instrument(span.clone()).await;
        match &outcome {
            Ok(done) => finished(&span, done.bytes_sent, done.bytes_reused, started.elapsed()),
            Err(error) => failed(&span, error, started.elapsed()),
        }
        outcome
    }

    async fn upload(self, span: &tracing::Span) -> Result<UploadedImage, Error> {
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
        if let Some(handle) = &self.resume {
            handle.check().map_err(|(field, rule)| Error::invalid(field, rule))?;
        }
        if let Some(size) = self.part_size.or(self.resume.as_ref().and_then(UploadHandle::part_size)) {
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
        if format == Some(ImageFormat::Raw) {
            warn_if_not_a_disk(&self.path, file.len);
        }
        let request = match (&self.resume, format) {
            (None, Some(format)) => {
                let size = self.image_size.or_else(|| virtual_gib(&format, &file));
                if let Some(gib) = size.filter(|g| self.image_size.is_none() && *g > MAX_IMPORT_IMAGE_SIZE) {
                    let from = match format {
                        ImageFormat::Raw | ImageFormat::Iso => "the file's length".to_owned(),
                        _ => format!("the file's {format} header"),
                    };
                    return Err(Error::invalid(
                        "ImageSize",
                        format!(
                            "{from} gives {gib} GiB (no image_size was set), but the platform takes 1 to \
                             {MAX_IMPORT_IMAGE_SIZE} GiB: set image_size(..) to the image's size in GiB"
                        ),
                    ));
                }
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
                    Some(upload_id) => {
                        let part_size = self.part_size.unwrap_or_else(|| default_part_size(file.len));
                        (UploadHandle::new(imported.image_id, upload_id).with_part_size(part_size), false)
                    }
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
        span.record("ucloudstack.image_id", handle.image_id());
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
    fn s3_login(&self) -> S3LoginFluentBuilder {
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

/// A raw disk is whole 512-byte sectors, and no bootable disk is under 1 MiB: a file that is
/// neither may be something else (a checksum file, a truncated download) named raw. Uploaded
/// all the same, with a warning: the platform would make a disk of its own size from it.
fn warn_if_not_a_disk(path: &Path, len: u64) {
    const SECTOR: u64 = 512;
    const SMALLEST: u64 = 1 << 20;
    if !len.is_multiple_of(SECTOR) || len < SMALLEST {
        let whole = if len.is_multiple_of(SECTOR) { "" } else { "not a whole number of 512-byte sectors, " };
        tracing::warn!(
            path = %path.display(),
            len,
            "{} is {len} bytes, {whole}{}: is it a raw disk image?",
            path.display(),
            if len < SMALLEST { "smaller than any disk (1 MiB)" } else { "as a raw disk must be" },
        );
    }
}
