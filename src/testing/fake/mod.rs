//! An in-memory UCloudStack that speaks the real wire protocol, for tests and the quickstart.
//!
//! `mod.rs` holds the public face. Its modules import one way, each only those listed before
//! it: `form` (a request's form, an action's answer), `content` (the bytes of image files,
//! hashes, base64), `sigv4` (S3's signature, and its dates), `codes` (the RetCode of each
//! refusal in the generation the fake plays), `state` (what the fake holds), `fetch` (a Remote
//! import's fetch of its URL), one file per service with its actions and their `ACTIONS` table
//! (`image`, `vm`, `other`, and the newer platforms' `transfer` and `catalog`), `handler` (the
//! checks and faults every action shares; it looks the action up in the tables), `download`
//! (the file server), `s3auth` (an S3 request and its signature check), `s3` (the S3 service
//! an upload's parts go to), `server`.

mod catalog;
mod codes;
mod content;
mod download;
mod fetch;
mod form;
mod handler;
mod image;
mod other;
mod s3;
mod s3auth;
mod server;
mod sigv4;
mod state;
mod transfer;
mod vm;

pub use form::ReceivedRequest;
pub use state::{Fault, S3Fault};

use crate::image::{ImageInfo, ImageStatus};
use crate::resource::PermissionMode;
use crate::transport::{HttpRequest, HttpResponse, Transport, TransportError};
use crate::vm::VmState;
use crate::{Client, ClientBuilder, Credentials, Platform};
use async_trait::async_trait;
use handler::{Settings, Shared};
pub(crate) use state::custom_image;
use state::{FakeImage, FakeVm, Phase, S3Part, S3State, State, TokenBucket, base_images};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A VM as the fake holds it (for the test factories).
pub(crate) fn fake_vm(id: &str) -> FakeVm {
    FakeVm::new(id)
}

/// Configures a [`FakeUCloudStack`] before it starts.
#[derive(Clone, Default)]
#[must_use]
pub struct FakeBuilder {
    settings: Settings,
}

impl std::fmt::Debug for FakeBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.settings.fmt(f)
    }
}

impl FakeBuilder {
    /// The key pair the fake accepts (default `fake-public-key` / `fake-private-key`).
    pub fn credentials(mut self, public_key: impl Into<String>, private_key: impl Into<String>) -> Self {
        self.settings.public_key = public_key.into();
        self.settings.private_key = private_key.into();
        self
    }

    /// The only region the fake serves (default `cn`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.settings.region = region.into();
        self
    }

    /// Requires `Zone` with this value on every call, as older UCloudStack releases do.
    pub fn require_zone(mut self, zone: impl Into<String>) -> Self {
        self.settings.require_zone = Some(zone.into());
        self
    }

    /// The platform generation the fake plays (default [`Platform::V2`]): it answers with that
    /// generation's RetCodes, and [`client`](FakeUCloudStack::client) is built for it.
    pub fn platform(mut self, platform: Platform) -> Self {
        self.settings.platform = platform;
        self
    }

    /// How long a new custom image stays `Making` before it is `Used` (default 2 s).
    pub fn making_delay(mut self, delay: Duration) -> Self {
        self.settings.making_delay = delay;
        self
    }

    /// How long a deleted image stays `Deleting` before it is gone (default 1 s).
    pub fn deleting_delay(mut self, delay: Duration) -> Self {
        self.settings.deleting_delay = delay;
        self
    }

    /// How long a VM takes to get where a power action sends it (`Stopping` → `Stopped`,
    /// `Starting` → `Running`, ...; default 2 s).
    pub fn vm_delay(mut self, delay: Duration) -> Self {
        self.settings.vm_delay = delay;
        self
    }

    /// The virtual machines the fake holds (default `vm-fake-1` to `vm-fake-3`), each
    /// `Stopped` and made from the Base image `cn-image-centos-79`.
    pub fn vm_ids(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.settings.vm_ids = ids.into_iter().map(Into::into).collect();
        self
    }

    /// Starts with no images at all instead of the six platform (Base) images.
    pub fn without_base_images(mut self) -> Self {
        self.settings.base_images = false;
        self
    }

    /// Accepts at most this many requests per second (a token bucket holding one second's
    /// worth), answering the rest with the platform's "too frequent" code, as a rate-limited
    /// platform does. Default: no limit.
    pub fn rate_limit(mut self, per_second: u32) -> Self {
        self.settings.rate_limit = Some(per_second);
        self
    }

    /// Holds every answer back this long, as a platform across a network would (default none).
    pub fn latency(mut self, latency: Duration) -> Self {
        self.settings.latency = latency;
        self
    }

    /// Plays a platform from before the newer image actions (ImportImage, the multipart upload
    /// and abort actions, the base image actions, DescribeImageOSVersions, UpdateImage,
    /// GetImageDownloadURL, S3Login, UpdateResourcePermission): each answers "unknown action",
    /// 110 \[140\], as such a platform does.
    pub fn older_platform(mut self) -> Self {
        self.settings.older_platform = true;
        self
    }

    /// How long a GetImageDownloadURL answer lasts (default 1 h): its `ExpiredTime` is the
    /// system clock's now plus this. Zero gives queries that have expired already.
    pub fn download_expiry(mut self, expiry: Duration) -> Self {
        self.settings.download_expiry = expiry;
        self
    }

    /// How many bytes an image's file has at the download address (default 1 MiB); an image
    /// imported from a URL has as many as were fetched.
    pub fn image_file_size(mut self, bytes: u64) -> Self {
        self.settings.image_file_size = bytes;
        self
    }

    /// The region S3 signatures must name (default `us-east-1`, MinIO's); another is 400
    /// `AuthorizationHeaderMalformed` naming the expected one.
    pub fn s3_region(mut self, region: impl Into<String>) -> Self {
        self.settings.s3_region = region.into();
        self
    }

    /// How long the credentials of an S3Login last (default 1 h); then a request signed with
    /// them is 400 `ExpiredToken`.
    pub fn s3_credential_ttl(mut self, ttl: Duration) -> Self {
        self.settings.s3_credential_ttl = ttl;
        self
    }

    /// S3Login answers an empty `SessionID`: the credentials have no session token, and a
    /// request carrying one is 403 `InvalidToken`.
    pub fn without_s3_session_token(mut self) -> Self {
        self.settings.s3_session_token = false;
        self
    }

    /// Starts with `count` unrelated multipart uploads in progress in the bucket (keys under
    /// `backups/`, `images/` and `isos/`, around those of imports), so that a client must page
    /// through ListMultipartUploads to find its own.
    pub fn other_uploads(mut self, count: usize) -> Self {
        self.settings.other_uploads = count;
        self
    }

    /// ListMultipartUploads lists in-progress uploads as MinIO does: only those whose key is
    /// exactly the `prefix` asked for, none without one (MinIO issues 7632, 11686). A client
    /// that finds an upload's key by listing the bucket finds nothing then.
    pub fn lists_uploads_only_by_key(mut self) -> Self {
        self.settings.s3_lists_uploads_only_by_key = true;
        self
    }

    fn into_shared(self, base_url: &str) -> Arc<Shared> {
        let settings = &self.settings;
        let mut s3 = S3State {
            credential_ttl: settings.s3_credential_ttl,
            session_token: settings.s3_session_token,
            ..S3State::default()
        };
        for i in 0..settings.other_uploads {
            let key = match i % 3 {
                0 => format!("backups/vm-{i:06}.qcow2"),
                1 => format!("images/cn-image-archive-{i:06}/disk.raw"),
                _ => format!("isos/upload-{i:06}.iso"),
            };
            s3.begin(key, None);
        }
        let state = State {
            region: settings.region.clone(),
            images: if settings.base_images { base_images(&settings.region) } else { Vec::new() },
            vms: settings.vm_ids.iter().map(|id| FakeVm::new(id)).collect(),
            rate: settings.rate_limit.map(TokenBucket::new),
            download_key: format!("{:032x}", fastrand::u128(..)),
            download_expiry: settings.download_expiry,
            file_size: settings.image_file_size,
            base_url: base_url.to_owned(),
            older_platform: settings.older_platform,
            s3,
            ..State::default()
        };
        Arc::new(Shared { settings: self.settings, state: Arc::new(Mutex::new(state)) })
    }

    /// Starts the fake on 127.0.0.1, on a port of its own.
    pub async fn start(self) -> FakeUCloudStack {
        let shared = self.into_shared("");
        let server = server::start(shared.clone()).expect("a port on 127.0.0.1 for the fake UCloudStack");
        let base_url = format!("http://{}", server.addr);
        shared.lock().base_url.clone_from(&base_url);
        FakeUCloudStack { shared, server: Some(server), endpoint: format!("{base_url}/api") }
    }

    /// The fake without a server: reach it through [`FakeUCloudStack::transport`] only. Its
    /// clock is tokio's, so it runs under paused time. (Downloads and the S3 service need the
    /// server, see [`add_uploaded_part`](FakeUCloudStack::add_uploaded_part); a Remote import's
    /// fetch runs on real time either way.)
    pub fn in_process(self) -> FakeUCloudStack {
        let shared = self.into_shared("http://fake.invalid");
        FakeUCloudStack { shared, server: None, endpoint: "http://fake.invalid/api".into() }
    }
}

/// A UCloudStack on 127.0.0.1 for tests: the image actions (the newer platforms' too), the VM
/// actions, ModifyNameAndRemark and DescribeRegion from in-memory state, signatures checked,
/// faults on request, and an image download server.
///
/// It answers with the RetCodes of the [`platform`](FakeBuilder::platform) it plays (2.x by
/// default; the numbers in brackets are 1.x's), and keeps the platform's rules:
/// - every call needs `Action` (101 \[154\]), `PublicKey` (103 \[170\]) and a matching
///   `Signature` (109 \[171\]), `Region` equal to the fake's (102 \[229\] when missing, 113 \[162\]
///   when another), and `Zone` when [`require_zone`](FakeBuilder::require_zone) was set;
///   an action it does not know is 110 \[140\], and so is every newer action below on an
///   [`older_platform`](FakeBuilder::older_platform);
/// - DescribeImage filters on `ImageType`, `ImageIDs.N`, `Keyword`, `ProjectIDs.N`,
///   `CompanyID`, `ImageFormat` and `Status.N`, counts `TotalCount` before paging, and pages
///   with `Offset`/`Limit` (default 20; outside 1..=100 is 4 \[140\]);
/// - CreateCustomImage needs `VMID` and `ImageName` (3 \[229\]); the VM must exist (1004 \[2006\]),
///   be `Stopped` (1014 \[2005\]) and not be imaged already (1016 \[100\]); the image is `Making`
///   with the system clock's `CreateTime` and a rising `PreparePrecent`, then `Used` after the
///   making delay;
/// - DeleteCustomImage needs `ImageID` of an existing image (1000 \[2008\]), a custom one (207
///   \[140\]), not `Making` or `Deleting` (1001 \[2007\]) and used by no VM (1008 \[2009\]); the
///   image is `Deleting`, then gone after the deleting delay;
/// - ImportImage needs `CompanyID`, `ImageName` (1-50 CJK, letters, digits, `.` `_` `-`),
///   `ImageFormat` (not qcow2/iso/vmdk/raw: 1003 \[140\]), `ImportType`, `OSType`,
///   `OSDistribution`, and `LoadURL` when Remote (3 \[229\] when missing; other bad values 4
///   \[140\], `ImageSize` over 2000: 1017 \[140\]). The custom image records what it was given
///   (`Secret` makes it `Encrypted`; the key is not kept). A Remote import is `WaitUploading`;
///   a thread GETs `LoadURL`, which must be a loopback host (else `Failed`, `Reason`
///   `cannot reach <host>`), and the image is `Uploading` with `PreparePrecent` rising to 50 as the
///   bytes come (hashed, not kept; `ImageSize` their GiB, at least 1), then to 100 over the
///   making delay, then `Used`; a fetch that fails (refused, not 2xx, cut off) makes it
///   `Failed` with `Reason` saying why. A Local import is `WaitUploading` with an `UploadID`
///   and `Bucket` `mirror`: the multipart upload it began is in the S3 service (below) under
///   the key `images/<ImageID>/<ImageName>.<ImageFormat>`;
/// - CompleteImageMultipartUpload needs `ImageID` and `UploadID` of a Local import still
///   waiting (1000 \[2008\] unknown image, 113 \[140\] another upload, none, or one aborted
///   through S3, 1001 \[2007\] complete already), and parts S3 would assemble: at least one,
///   numbered 1 to N without gaps, each but the last at least 5 MiB (else 201 \[140\], the
///   message says which part; the image waits on). The image records the size
///   ([`uploaded_file`](FakeUCloudStack::uploaded_file); `ImageSize` its GiB rounded up, at
///   least 1), is `Uploading`, then `Used` after the making delay; S3 no longer lists the
///   upload. AbortImageMultipartUpload (`CompanyID`, `ImageID`, optional `UploadID`) removes
///   such an import and its upload's parts, with the same refusals;
/// - AbortCustomImage removes a custom image that is `WaitMaking`, `Making`, `WaitUploading`
///   or `Uploading` (1000 \[2008\], a Base one 207 \[140\], another status 1001 \[2007\]);
/// - CloneCustomImageToBaseImage (`SourceImageID`, `DestImageName` of 1-128 characters) makes
///   a `Used` custom image a new `Used` Base image at once, for everyone (1000, 207, 1001 as
///   above), answering `DestImageID`; DeleteBaseImage removes a Base image (1000, a custom one
///   207, one a VM is made from 1008 \[2009\]); DescribeBaseImage lists the Base images
///   (`ImageIDs.N`), `Permission` `all` or `Specific`, as UpdateResourcePermission
///   (`ResourceType` `BASE_IMAGE`, `PermissionMode`, `Permission` a comma-separated string of
///   CompanyIDs) sets it; other resource types are 200 \[140\];
/// - DescribeImageOSVersions pages (as DescribeImage) a fixed table of 22 OS versions
///   (`ImageOSIDs.N` filters); UpdateImage sets the OS fields, `BootloaderType`, `SupportQGA`
///   and `SupportCloudInit` of a `Used` image (1000, 1001 as above);
/// - GetImageDownloadURL answers a `DownloadQuery` (`ImageID`, `Expires`, `Signature`) and its
///   `ExpiredTime` (the system clock plus [`download_expiry`](FakeBuilder::download_expiry))
///   for a `Used` image (1000, 1001 as above; an encrypted one 113 \[140\]). The server answers
///   `GET /s3/download?<DownloadQuery>` with the file ([`image_file_size`](FakeBuilder::image_file_size)
///   bytes, or what an import fetched; deterministic bytes made from the image id), honours one
///   `Range` (206, or 416 outside the file), and answers 403 to a query that is expired or not
///   signed by the fake, 404 once the image is gone;
/// - S3Login with `Scenes` `ImageUpload` answers fresh credentials (`SessionID` their session
///   token, empty with [`without_s3_session_token`](FakeBuilder::without_s3_session_token)),
///   valid for [`s3_credential_ttl`](FakeBuilder::s3_credential_ttl), `Endpoint` the fake's
///   base URL and `/s3`, `Bucket` `mirror`; `OSS` needs an `ID`, and the fake has no object
///   storage (200 \[140\]);
/// - the S3 service at `Endpoint`, path-style (`/s3/mirror/<key>`), checks every request's
///   AWS SigV4 signature as S3 does, in the `Authorization` header or a presigned query:
///   region [`s3_region`](FakeBuilder::s3_region) and service `s3` (else 400
///   `AuthorizationHeaderMalformed` or `AuthorizationQueryParametersError`), a known access key
///   (403 `InvalidAccessKeyId`), its session token in `x-amz-security-token` or
///   `X-Amz-Security-Token` (403 `InvalidToken`), unexpired credentials (400 `ExpiredToken`),
///   `host` and every `x-amz-*` header signed (403 `AccessDenied`), `x-amz-date` within 15
///   minutes (403 `RequestTimeTooSkewed`) or a presigned URL within its `X-Amz-Expires` (403
///   `AccessDenied`), `x-amz-content-sha256` (`UNSIGNED-PAYLOAD` or a digest), then the
///   signature (403 `SignatureDoesNotMatch`, showing the canonical request without the token).
///   It answers ListMultipartUploads (`GET ?uploads`: by key, then upload id, paged by
///   `max-uploads` up to 1000, `key-marker`, `upload-id-marker`; `prefix`, `encoding-type`;
///   [`other_uploads`](FakeBuilder::other_uploads) adds unrelated ones;
///   [`lists_uploads_only_by_key`](FakeBuilder::lists_uploads_only_by_key) lists as MinIO
///   does, only the uploads of the key `prefix` names), UploadPart (`PUT
///   ?partNumber=N&uploadId=U`: N 1 to 10,000, `Content-Length` required (411) and at most
///   5 GiB, the body streamed through MD5 and checked against `Content-MD5` (400 `BadDigest`,
///   malformed 400 `InvalidDigest`) and a signed SHA-256 (400 `XAmzContentSHA256Mismatch`);
///   the part is kept as its number, size, MD5 and time, never its bytes, and the ETag
///   answered is its quoted MD5), ListParts (`GET ?uploadId=U`, paged by `max-parts` and
///   `part-number-marker`) and AbortMultipartUpload (`DELETE ?uploadId=U`, 204); an unknown
///   or completed upload is 404 `NoSuchUpload`, another bucket 404 `NoSuchBucket`, a HEAD or
///   GET of an object 404 `NoSuchKey` (the fake keeps no objects), other operations 501
///   `NotImplemented`. [`S3Fault`]s make UploadPart fail on request;
/// - DescribeVMInstance filters on `VMIDs.N`, `States.N`, `Keyword`, `ProjectIDs.N`, `VPCID`,
///   `SubnetID` and `CompanyID`; StopVMInstance needs a `Running` VM, StartVMInstance a
///   `Stopped` one not being imaged (1016), RestartVMInstance a `Running` one, and
///   PoweroffVMInstance one that is on; else 1005 \[140\]. The VM goes `Stopping`, `Starting`,
///   `Restarting` or `Poweroffing`, and gets there after the [VM delay](FakeBuilder::vm_delay);
/// - ModifyNameAndRemark renames an image (its remark is its description) or a VM, else 200
///   \[140\]; DescribeRegion lists the fake's region, `TotalCount` as a string;
/// - [`rate_limit`](FakeBuilder::rate_limit) and [`Fault::Throttled`] answer 199 \[165\].
#[derive(Debug)]
pub struct FakeUCloudStack {
    shared: Arc<Shared>,
    server: Option<server::Server>,
    endpoint: String,
}

impl FakeUCloudStack {
    /// Starts a fake with the defaults of [`FakeBuilder`].
    pub async fn start() -> FakeUCloudStack {
        FakeBuilder::default().start().await
    }

    /// Configures a fake before starting it.
    pub fn builder() -> FakeBuilder {
        FakeBuilder::default()
    }

    /// The API URL, e.g. `http://127.0.0.1:40123/api`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The key pair the fake accepts.
    pub fn credentials(&self) -> Credentials {
        Credentials::new(&self.shared.settings.public_key, &self.shared.settings.private_key)
    }

    /// The region the fake serves.
    pub fn region(&self) -> &str {
        &self.shared.settings.region
    }

    /// The platform generation the fake plays.
    pub fn platform(&self) -> Platform {
        self.shared.settings.platform
    }

    /// The virtual machines the fake holds.
    pub fn vm_ids(&self) -> Vec<String> {
        self.shared.lock().vms.iter().map(|vm| vm.vm_id.clone()).collect()
    }

    /// A client builder aimed at this fake: endpoint, credentials, region, platform (and
    /// zone) set. A fake without a server gets its in-process transport.
    pub fn client_builder(&self) -> ClientBuilder {
        let settings = &self.shared.settings;
        let mut builder = Client::builder()
            .endpoint(&self.endpoint)
            .credentials(self.credentials())
            .region(self.region())
            .platform(settings.platform);
        if let Some(zone) = &settings.require_zone {
            builder = builder.zone(zone);
        }
        if self.server.is_none() {
            builder = builder.transport(self.transport());
        }
        builder
    }

    /// A client aimed at this fake.
    pub fn client(&self) -> Client {
        self.client_builder().build().expect("the fake's own settings are valid")
    }

    /// A transport that serves this fake in process, without a socket.
    pub fn transport(&self) -> FakeTransport {
        FakeTransport { shared: self.shared.clone() }
    }

    /// Every image the fake holds now, in listing order.
    pub fn images(&self) -> Vec<ImageInfo> {
        let mut state = self.shared.lock();
        self.shared.advance(&mut state);
        state.images.iter().map(|i| i.info.clone()).collect()
    }

    /// One image, if the fake holds it.
    pub fn image(&self, image_id: &str) -> Option<ImageInfo> {
        self.images().into_iter().find(|i| i.image_id.as_deref() == Some(image_id))
    }

    /// Adds `count` custom images in state `Used` and returns their ids.
    pub fn seed_custom_images(&self, count: usize) -> Vec<String> {
        let mut state = self.shared.lock();
        (0..count)
            .map(|_| {
                let id = state.next_image_id();
                let info = custom_image(&self.shared.settings.region, &id, &format!("seeded {id}"), None, None);
                // As a newer platform lists a custom image made from a VM, long ago.
                let info = ImageInfo {
                    image_status: Some(ImageStatus::Used),
                    image_format: Some(crate::image::ImageFormat::Qcow2),
                    image_from: Some("vm-seeded".into()),
                    prepare_percent: Some(100),
                    bootloader_type: Some(crate::image::BootloaderType::Bios),
                    encrypted: Some(false),
                    ..info
                };
                state.images.push(FakeImage::new(info, Phase::Stable));
                id
            })
            .collect()
    }

    /// Sets an image's status (e.g. to `Failed`), as the platform would.
    pub fn set_image_status(&self, image_id: &str, status: ImageStatus) -> bool {
        let mut state = self.shared.lock();
        match state.image_mut(image_id) {
            Some(image) => {
                image.info.image_status = Some(status);
                image.phase = Phase::Stable;
                image.source_vm = None;
                true
            }
            None => false,
        }
    }

    /// Marks an image encrypted (or not), as one imported with a `Secret` is: an encrypted image
    /// cannot be downloaded. False when the fake holds no such image.
    pub fn set_image_encrypted(&self, image_id: &str, encrypted: bool) -> bool {
        self.shared.lock().image_mut(image_id).map(|image| image.info.encrypted = Some(encrypted)).is_some()
    }

    /// What a Remote import fetched from its `LoadURL`: the length in bytes and the SHA-1 in
    /// lowercase hex (the bytes themselves are not kept). `None` until the fetch is complete,
    /// and for any other image.
    pub fn imported_file(&self, image_id: &str) -> Option<(u64, String)> {
        self.shared.lock().image(image_id).and_then(|image| image.fetched.clone())
    }

    /// Who may use a base image, as UpdateResourcePermission last set it: the mode and the
    /// CompanyIDs of `Permission` (none for `all`). `None` when it was never set (everyone).
    pub fn resource_permission(&self, resource_id: &str) -> Option<(PermissionMode, Vec<i64>)> {
        self.shared.lock().permissions.get(resource_id).cloned()
    }

    /// A VM's state now, if the fake holds the VM.
    pub fn vm_state(&self, vm_id: &str) -> Option<VmState> {
        self.vm(vm_id).and_then(|vm| vm.state)
    }

    /// A VM's state, as DescribeVMInstance would list it now.
    pub fn vm(&self, vm_id: &str) -> Option<crate::vm::VmInstanceInfo> {
        let mut state = self.shared.lock();
        self.shared.advance(&mut state);
        state.vms.iter().find(|vm| vm.vm_id == vm_id).map(|vm| vm.info(&self.shared.settings.region))
    }

    /// Sets a VM's state at once (e.g. `Running`, from which no image can be made), ending any
    /// transition it was in.
    pub fn set_vm_state(&self, vm_id: &str, state: VmState) -> bool {
        self.shared.lock().vm_mut(vm_id).map(|vm| (vm.state, vm.transition) = (state, None)).is_some()
    }

    /// Says which image a VM was made from: that image is in use, and cannot be deleted, while
    /// the VM exists.
    pub fn set_vm_image(&self, vm_id: &str, image_id: &str) -> bool {
        self.shared.lock().vm_mut(vm_id).map(|vm| vm.image_id = image_id.to_owned()).is_some()
    }

    /// Makes the next `times` calls of `action` fail with `fault`. Faults queue up in order.
    pub fn inject_fault(&self, action: &str, fault: Fault, times: usize) {
        let mut state = self.shared.lock();
        if times > 0 {
            state.faults.entry(action.to_owned()).or_default().push_back((fault, times));
        }
    }

    /// Drops every fault still queued, for every action and for S3: the platform has recovered.
    pub fn clear_faults(&self) {
        let mut state = self.shared.lock();
        state.faults.clear();
        state.s3.faults.clear();
    }

    /// Makes the next `times` UploadPart requests to the S3 service meet `fault`, whatever they
    /// carry (each is counted before it is checked). Faults queue up in order.
    pub fn inject_s3_fault(&self, fault: S3Fault, times: usize) {
        if times > 0 {
            self.shared.lock().s3.faults.push_back((fault, times));
        }
    }

    /// How many S3 requests of `operation` came (`UploadPart`, `ListParts`,
    /// `ListMultipartUploads`, `AbortMultipartUpload`, `HeadObject`, ...), refused ones too.
    pub fn s3_request_count(&self, operation: &str) -> usize {
        self.shared.lock().s3.counts.get(operation).copied().unwrap_or(0)
    }

    /// The parts an image's upload holds, by number: each one's size and MD5 in lowercase hex
    /// (its ETag, unquoted). The fake keeps nothing else of a part, never its bytes. Empty when
    /// the image has no upload (or it was aborted).
    pub fn uploaded_parts(&self, image_id: &str) -> Vec<(u32, u64, String)> {
        let state = self.shared.lock();
        let parts = state.s3.upload_of(image_id).map(|upload| &upload.parts);
        let parts = parts.into_iter().flatten();
        parts.map(|(n, part)| (*n, part.size, content::hex(&part.md5))).collect()
    }

    /// What CompleteImageMultipartUpload assembled for a Local import: the length in bytes and
    /// the S3 ETag of the whole (the MD5 of the parts' MD5s, `-`, how many parts). `None`
    /// before it, and for any other image.
    pub fn uploaded_file(&self, image_id: &str) -> Option<(u64, String)> {
        self.shared.lock().image(image_id).and_then(|image| image.uploaded.clone())
    }

    /// The S3 object key of an image's upload (a Local import's), which no action answers.
    pub fn upload_key(&self, image_id: &str) -> Option<String> {
        self.shared.lock().s3.upload_of(image_id).map(|upload| upload.key.clone())
    }

    /// Records a part of an image's upload as if UploadPart had received `size` zero bytes,
    /// without S3 (for a fake without a server, or to skip the bytes). False when the image
    /// has no upload in progress, or `part_number` is not 1 to 10,000.
    pub fn add_uploaded_part(&self, image_id: &str, part_number: u32, size: u64) -> bool {
        if !(1..=10_000).contains(&part_number) {
            return false;
        }
        let md5 = content::md5_of_zeros(size);
        let mut state = self.shared.lock();
        let upload = state.s3.uploads.iter_mut().find(|u| u.image_id.as_deref() == Some(image_id) && !u.completed);
        let Some(upload) = upload else { return false };
        upload.parts.insert(part_number, S3Part { size, md5, modified: state::unix_now() });
        true
    }

    /// Makes every S3 credential handed out so far expired: requests signed with them are 400
    /// `ExpiredToken` until the client logs in again.
    pub fn expire_s3_credentials(&self) {
        let now = std::time::Instant::now();
        for credential in self.shared.lock().s3.credentials.values_mut() {
            credential.expires = now;
        }
    }

    /// The requests received so far, in order: the latest 10,000, so that a long-running test
    /// or benchmark does not grow without end.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.shared.lock().received.iter().cloned().collect()
    }

    /// How many requests for `action` were received, since the start (not only those
    /// [`requests`](Self::requests) still holds).
    pub fn request_count(&self, action: &str) -> usize {
        self.shared.lock().counts.get(action).copied().unwrap_or(0)
    }
}

/// Serves a [`FakeUCloudStack`] in process: no socket, tokio's clock.
#[derive(Debug, Clone)]
pub struct FakeTransport {
    shared: Arc<Shared>,
}

#[async_trait]
impl Transport for FakeTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        request.set_delivery(crate::Delivery::Sending);
        let headers = request
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let reply = self.shared.handle(&request.body, headers);
        if !reply.delay.is_zero() {
            tokio::time::sleep(reply.delay).await;
        }
        let mut headers = http::HeaderMap::new();
        for (name, value) in reply.headers {
            headers.insert(
                http::HeaderName::from_static(name),
                http::HeaderValue::from_str(&value).expect("the fake's headers are ASCII"),
            );
        }
        Ok(HttpResponse::new(reply.status, headers, reply.body))
    }
}
