//! What the fake holds: images and VMs, and how they change as time passes.

use crate::image::{BootloaderType, ImageFormat, ImageInfo, ImageStatus, ImageType, OsType};
use crate::resource::PermissionMode;
use crate::vm::{ChargeType, VmDiskInfo, VmInstanceInfo, VmIpInfo, VmState};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

use super::content::minio_upload_id;
use super::form::{Form, Outcome, ReceivedRequest};

/// What an action does: it reads the form, changes the state and answers.
pub(super) type Handler = fn(&mut State, &Form) -> Outcome;

/// How many requests the fake remembers for [`requests`](super::FakeUCloudStack::requests):
/// the latest, so that a long-running test does not grow without end.
pub(super) const REQUEST_LOG: usize = 10_000;

/// A fault the fake injects instead of (or on top of) its normal answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this HTTP status and an HTML body, without acting on the request.
    Http(u16),
    /// Answer with this HTTP status and `Retry-After: <seconds>`, without acting.
    HttpRetryAfter(u16, u64),
    /// Answer with this `RetCode` and a message, without acting on the request.
    RetCode(i64),
    /// Answer with the platform's "too frequent" code (199 on 2.x, 165 on 1.x), without acting.
    Throttled,
    /// Act on the request, then hold the answer back this long.
    Delay(Duration),
    /// Act on the request, then answer 200 with an HTML page instead of JSON.
    MalformedBody,
    /// Act on the request, then answer 200 with only the first half of the JSON.
    TruncatedBody,
    /// Carry the request out `acts_after` from now (at once when zero; never when further off
    /// than the clock reaches, such as `Duration::MAX`), as a platform still working on it
    /// would, but never answer: the client's attempt timeout ends the attempt.
    LostAnswer {
        /// How long the platform takes to carry the request out.
        acts_after: Duration,
    },
}

/// A fault the fake's S3 service injects into UploadPart (see
/// [`inject_s3_fault`](super::FakeUCloudStack::inject_s3_fault)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum S3Fault {
    /// Read the body, then answer 503 `SlowDown` without storing the part.
    SlowDown,
    /// Read the body, then answer 500 `InternalError` without storing the part.
    InternalError,
    /// Read about half of the body, then close the connection without answering.
    ResetMidBody,
    /// The bytes arrive changed, as if corrupted in transit: with `Content-MD5` the part is
    /// refused (400 `BadDigest`), without it the part is stored with the MD5 of what arrived,
    /// which is not the MD5 of what was sent.
    CorruptPart,
}

/// Temporary S3 credentials S3Login handed out.
#[derive(Clone)]
pub(super) struct S3Credential {
    pub secret_key: String,
    /// Empty when S3Login handed out no session token.
    pub session_token: String,
    pub expires: std::time::Instant,
}

impl std::fmt::Debug for S3Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Credential").field("secret_key", &"***").field("expires", &self.expires).finish()
    }
}

/// One part of a multipart upload: never its bytes.
#[derive(Debug, Clone)]
pub(super) struct S3Part {
    pub size: u64,
    pub md5: [u8; 16],
    /// Unix seconds.
    pub modified: i64,
}

/// A multipart upload in the bucket.
#[derive(Debug, Clone)]
pub(super) struct S3Upload {
    pub key: String,
    pub upload_id: String,
    /// Unix seconds.
    pub initiated: i64,
    /// The Local import the upload is for (none for the unrelated uploads).
    pub image_id: Option<String>,
    pub parts: BTreeMap<u32, S3Part>,
    /// CompleteImageMultipartUpload assembled it: S3 no longer lists it or takes parts.
    pub completed: bool,
}

/// What the fake's S3 service holds.
#[derive(Debug, Default)]
pub(super) struct S3State {
    /// By access key, expired ones included for a while (they answer `ExpiredToken`).
    pub credentials: HashMap<String, S3Credential>,
    pub credential_ttl: Duration,
    /// Whether S3Login hands out a session token (`SessionID`).
    pub session_token: bool,
    /// Every multipart upload, in the order they began.
    pub uploads: Vec<S3Upload>,
    /// The faults the next UploadPart requests meet, each with how many it has left.
    pub faults: VecDeque<(S3Fault, usize)>,
    /// Per operation name, how many requests came.
    pub counts: HashMap<&'static str, usize>,
}

impl S3State {
    /// Begins a multipart upload of `key`, returning its upload id.
    pub fn begin(&mut self, key: String, image_id: Option<String>) -> String {
        let upload_id = minio_upload_id();
        let upload = S3Upload {
            key,
            upload_id: upload_id.clone(),
            initiated: unix_now(),
            image_id,
            parts: BTreeMap::new(),
            completed: false,
        };
        self.uploads.push(upload);
        upload_id
    }

    /// The upload an image's parts go to (completed or not).
    pub fn upload_of(&self, image_id: &str) -> Option<&S3Upload> {
        self.uploads.iter().find(|u| u.image_id.as_deref() == Some(image_id))
    }

    /// Drops the uploads of images the fake no longer holds.
    pub fn forget_gone(&mut self, images: &[FakeImage]) {
        self.uploads.retain(|u| match &u.image_id {
            Some(id) => images.iter().any(|i| i.info.image_id.as_deref() == Some(id)),
            None => true,
        });
    }

    /// The fault the next UploadPart meets, if one is queued.
    pub fn next_fault(&mut self) -> Option<S3Fault> {
        let (fault, left) = self.faults.front_mut()?;
        let fault = *fault;
        *left -= 1;
        if *left == 0 {
            self.faults.pop_front();
        }
        Some(fault)
    }
}

/// Everything the fake knows, behind one lock.
#[derive(Debug, Default)]
pub(super) struct State {
    /// The one region the fake serves.
    pub region: String,
    pub images: Vec<FakeImage>,
    pub vms: Vec<FakeVm>,
    /// Per action, the faults to inject, in order, each with how many calls it has left.
    pub faults: HashMap<String, VecDeque<(Fault, usize)>>,
    /// The latest [`REQUEST_LOG`] requests, oldest first.
    pub received: VecDeque<ReceivedRequest>,
    /// Per action name, how many requests came: every one, not only those still logged.
    pub counts: HashMap<String, usize>,
    /// Requests the platform carries out later (see [`Fault::LostAnswer`]): when, and the form.
    pub deferred: Vec<(Instant, Vec<(String, String)>)>,
    pub rate: Option<TokenBucket>,
    pub next_id: u64,
    pub requests_served: u64,
    /// Remote imports to start fetching: image id and `LoadURL`.
    pub fetches: Vec<(String, String)>,
    /// The fake plays a platform from before the newer image actions: its answers have none
    /// of the newer image fields either.
    pub older_platform: bool,
    /// Who may use each base image UpdateResourcePermission was called for.
    pub permissions: HashMap<String, (PermissionMode, Vec<i64>)>,
    /// What the actions need of the settings: the key download queries are signed with (the
    /// fake's own, not the private key), how long they last, the size of an image's file, and
    /// the server's base URL (`http://127.0.0.1:port`).
    pub download_key: String,
    pub download_expiry: Duration,
    pub file_size: u64,
    pub base_url: String,
    pub s3: S3State,
}

#[derive(Debug, Clone)]
pub(super) struct FakeImage {
    pub info: ImageInfo,
    pub phase: Phase,
    /// The VM the image is being made from, while it is `Making`.
    pub source_vm: Option<String>,
    /// A Local import's `UploadID`.
    pub upload_id: Option<String>,
    /// What a Remote import fetched: its length and SHA-1 (hex). The bytes are not kept.
    pub fetched: Option<(u64, String)>,
    /// What a Local import's completed upload assembled: its length and S3 ETag.
    pub uploaded: Option<(u64, String)>,
}

impl FakeImage {
    pub fn new(info: ImageInfo, phase: Phase) -> Self {
        FakeImage { info, phase, source_vm: None, upload_id: None, fetched: None, uploaded: None }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct FakeVm {
    pub vm_id: String,
    pub name: String,
    pub remark: String,
    pub state: VmState,
    /// The image the VM was made from: that image is in use while the VM exists.
    pub image_id: String,
    /// Where the VM is going, and since when: it gets there after the VM delay.
    pub transition: Option<(VmState, Instant)>,
}

impl FakeVm {
    pub fn new(vm_id: &str) -> Self {
        FakeVm {
            vm_id: vm_id.to_owned(),
            name: vm_id.to_owned(),
            remark: String::new(),
            state: VmState::Stopped,
            image_id: VM_IMAGE.to_owned(),
            transition: None,
        }
    }

    /// Puts the VM in `now` on its way to `then`.
    pub fn go(&mut self, now: VmState, then: VmState) {
        self.state = now;
        self.transition = Some((then, Instant::now()));
    }

    /// The VM as DescribeVMInstance lists it.
    pub fn info(&self, region: &str) -> VmInstanceInfo {
        let disk = VmDiskInfo {
            disk_type: Some("Boot".into()),
            disk_id: Some(format!("{}-boot", self.vm_id)),
            name: Some("系统盘".into()),
            drive: Some("vda".into()),
            size: Some(40),
            is_elastic: Some(false),
            storage_set_type: Some("Normal".into()),
            ..VmDiskInfo::default()
        };
        let ip = VmIpInfo {
            ip: Some("10.0.0.10".into()),
            ip_type: Some("Private".into()),
            ip_version: Some("IPv4".into()),
            is_elastic: Some(false),
            is_vip: Some(false),
            is_default_gw: Some(true),
            nic_type: Some("LAN".into()),
            ..VmIpInfo::default()
        };
        VmInstanceInfo {
            region: Some(region.to_owned()),
            company_id: Some(200001),
            project_id: Some("proj-default".into()),
            project_name: Some("默认项目".into()),
            state: Some(self.state.clone()),
            vm_id: Some(self.vm_id.clone()),
            name: Some(self.name.clone()),
            remark: Some(self.remark.clone()).filter(|r| !r.is_empty()),
            image_id: Some(self.image_id.clone()),
            os_type: Some(OsType::Linux),
            os_name: Some("CentOS 7.9 64位".into()),
            set_arch: Some("x86_64".into()),
            charge_type: Some(ChargeType::Dynamic),
            cpu: Some(2),
            memory: Some(4096),
            vpc_id: Some("vpc-fake".into()),
            subnet_id: Some("subnet-fake".into()),
            create_time: Some(FAKE_TIME),
            update_time: Some(FAKE_TIME),
            cpu_utilization: Some(0.5),
            can_login: Some(true),
            disk_infos: vec![disk],
            ip_infos: vec![ip],
            ..VmInstanceInfo::default()
        }
    }
}

/// Where an image is in its life; statuses change lazily, when the fake is next asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Stable,
    /// Being made (from a VM, or from an import's bytes), `PreparePrecent` rising from `from`:
    /// `Used` after the making delay.
    Making {
        since: Instant,
        from: i64,
    },
    Deleting {
        since: Instant,
    },
    /// A Remote import whose `LoadURL` a thread of its own is fetching: that thread moves it on.
    Fetching,
    /// A Remote import with all its bytes in: `Making` from the next look on. (The thread does
    /// not stamp the time itself: its clock is not the fake's when tokio's time is paused.)
    Fetched,
    /// A Local import waiting for CompleteImageMultipartUpload.
    AwaitingUpload,
}

/// How many requests the fake accepts per second, as a token bucket: `per_second` tokens at
/// most, refilled continuously.
#[derive(Debug, Clone)]
pub(super) struct TokenBucket {
    per_second: f64,
    tokens: f64,
    at: Instant,
}

impl TokenBucket {
    pub fn new(per_second: u32) -> Self {
        let per_second = f64::from(per_second.max(1));
        TokenBucket { per_second, tokens: per_second, at: Instant::now() }
    }

    /// Takes a token if there is one.
    pub fn take(&mut self) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.at).as_secs_f64() * self.per_second;
        self.tokens = (self.tokens + refill).min(self.per_second);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

impl State {
    /// Logs a request, forgetting the oldest beyond [`REQUEST_LOG`].
    pub fn record(&mut self, request: ReceivedRequest) {
        *self.counts.entry(request.action.clone().unwrap_or_default()).or_default() += 1;
        if self.received.len() == REQUEST_LOG {
            self.received.pop_front();
        }
        self.received.push_back(request);
    }

    /// Has the platform carry `form` out `after` from now; one so far off that no clock can
    /// name it is never carried out.
    pub fn defer(&mut self, after: Duration, form: Vec<(String, String)>) {
        if let Some(at) = Instant::now().checked_add(after) {
            self.deferred.push((at, form));
        }
    }

    pub fn next_image_id(&mut self) -> String {
        self.next_id += 1;
        format!("cn-image-custom-{:06}", self.next_id)
    }

    pub fn next_base_image_id(&mut self) -> String {
        self.next_id += 1;
        format!("cn-image-base-{:06}", self.next_id)
    }

    pub fn image(&self, image_id: &str) -> Option<&FakeImage> {
        self.images.iter().find(|i| i.info.image_id.as_deref() == Some(image_id))
    }

    pub fn image_mut(&mut self, image_id: &str) -> Option<&mut FakeImage> {
        self.images.iter_mut().find(|i| i.info.image_id.as_deref() == Some(image_id))
    }

    pub fn vm_mut(&mut self, vm_id: &str) -> Option<&mut FakeVm> {
        self.vms.iter_mut().find(|v| v.vm_id == vm_id)
    }

    /// Moves images and VMs along their life, as time has passed.
    pub fn advance(&mut self, making_delay: Duration, deleting_delay: Duration, vm_delay: Duration) {
        let now = Instant::now();
        for vm in &mut self.vms {
            if let Some((then, since)) = vm.transition.clone()
                && now.duration_since(since) >= vm_delay
            {
                vm.state = then;
                vm.transition = None;
            }
        }
        self.images.retain_mut(|image| {
            if image.phase == Phase::Fetched {
                image.phase = Phase::Making { since: now, from: image.info.prepare_percent.unwrap_or(0) };
            }
            match image.phase {
                Phase::Making { since, .. } if now.duration_since(since) >= making_delay => {
                    image.info.image_status = Some(ImageStatus::Used);
                    image.info.prepare_percent = Some(100);
                    image.phase = Phase::Stable;
                    image.source_vm = None;
                    true
                }
                Phase::Making { since, from } => {
                    let done = now.duration_since(since).as_secs_f64() / making_delay.as_secs_f64();
                    image.info.prepare_percent = Some((from + ((100 - from) as f64 * done) as i64).min(99));
                    true
                }
                Phase::Deleting { since } => now.duration_since(since) < deleting_delay,
                _ => true,
            }
        });
        self.s3.forget_gone(&self.images);
    }

    /// The fault the next call of `action` meets, if one is queued.
    pub fn next_fault(&mut self, action: &str) -> Option<Fault> {
        let queue = self.faults.get_mut(action)?;
        let (fault, left) = queue.front_mut()?;
        let fault = fault.clone();
        *left -= 1;
        if *left == 0 {
            queue.pop_front();
        }
        Some(fault)
    }

    /// Takes the requests whose time has come, in order.
    pub fn due(&mut self) -> Vec<Vec<(String, String)>> {
        let now = Instant::now();
        let (due, later) = std::mem::take(&mut self.deferred).into_iter().partition(|(at, _)| *at <= now);
        self.deferred = later;
        due.into_iter().map(|(_, form)| form).collect()
    }
}

const FAKE_TIME: i64 = 1_700_000_000;

/// Now, as the platform stamps `CreateTime`: Unix seconds by the system clock.
pub(super) fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

pub(crate) fn custom_image(
    region: &str,
    id: &str,
    name: &str,
    description: Option<&str>,
    company_id: Option<i64>,
) -> ImageInfo {
    let now = unix_now();
    ImageInfo {
        region: Some(region.to_owned()),
        company_id: Some(company_id.unwrap_or(200001)),
        email: Some("tester@example.com".into()),
        project_id: Some("proj-default".into()),
        project_name: Some("默认项目".into()),
        image_id: Some(id.to_owned()),
        name: Some(name.to_owned()),
        image_description: description.map(str::to_owned),
        image_size: Some(40),
        image_type: Some(ImageType::Custom),
        os_type: Some(OsType::Linux),
        os_name: Some("CentOS 7.6 64位".into()),
        set_arch: Some("x86_64".into()),
        os_distribution: Some("Centos".into()),
        image_status: Some(ImageStatus::Making),
        create_time: Some(now),
        update_time: Some(now),
        image_name: Some(name.to_owned()),
        region_alias: Some("华北一".into()),
        can_vgpu: Some(false),
        support_hotplug: Some(true),
        ..ImageInfo::default()
    }
}

/// The image the fake's VMs are made from.
pub(super) const VM_IMAGE: &str = "cn-image-centos-79";

/// The platform images a fresh UCloudStack lists.
pub(super) fn base_images(region: &str) -> Vec<FakeImage> {
    let rows: [(&str, &str, OsType, &str, &str, i64); 6] = [
        ("cn-image-centos-74", "CentOS 7.4 64位", OsType::Linux, "Centos", "x86_64", 20),
        (VM_IMAGE, "CentOS 7.9 64位", OsType::Linux, "Centos", "x86_64", 20),
        ("cn-image-ubuntu-1604", "Ubuntu 16.04 64位", OsType::Linux, "Ubuntu", "x86_64", 20),
        ("cn-image-ubuntu-2204", "Ubuntu 22.04 64位", OsType::Linux, "Ubuntu", "x86_64", 20),
        ("cn-image-windows-2019", "Windows Server 2019 数据中心版", OsType::Windows, "Windows", "x86_64", 40),
        ("cn-image-kylin-v10", "Kylin V10 SP2 aarch64", OsType::Kylin, "Kylin", "aarch64", 30),
    ];
    rows.into_iter()
        .map(|(id, os_name, os_type, distro, arch, size)| {
            let info = ImageInfo {
                region: Some(region.to_owned()),
                image_id: Some(id.to_owned()),
                name: Some(os_name.to_owned()),
                image_description: Some("平台默认镜像".into()),
                image_size: Some(size),
                image_type: Some(ImageType::Base),
                os_type: Some(os_type),
                os_name: Some(os_name.to_owned()),
                set_arch: Some(arch.to_owned()),
                os_distribution: Some(distro.to_owned()),
                image_status: Some(ImageStatus::Used),
                create_time: Some(FAKE_TIME),
                update_time: Some(FAKE_TIME),
                image_name: Some(os_name.to_owned()),
                region_alias: Some("华北一".into()),
                can_vgpu: Some(false),
                support_hotplug: Some(true),
                remarkable: Some(true),
                image_format: Some(ImageFormat::Qcow2),
                image_from: Some("System".into()),
                prepare_percent: Some(100),
                bootloader_type: Some(BootloaderType::Bios),
                support_qga: Some(true),
                support_cloud_init: Some(true),
                encrypted: Some(false),
                ..ImageInfo::default()
            };
            FakeImage::new(info, Phase::Stable)
        })
        .collect()
}
