//! Building the client: the library's own precedence (flags, `UCLOUDSTACK_*`, `UCLOUD_*`,
//! `~/.ucloud`), a named profile alone (`--profile`), or the embedded fake with `--fake`.

use crate::args::Global;
use crate::error::Failure;
use std::time::Duration;
use ucloudstack::testing::FakeUCloudStack;
use ucloudstack::vm::VmState;
use ucloudstack::{Client, ClientBuilder};

/// The client, and the fake it talks to when there is one (kept alive as long as the client).
pub struct Session {
    pub client: Client,
    pub fake: Option<FakeUCloudStack>,
    /// How long to wait, and the first delay between polls.
    pub max_wait: Duration,
    /// `--max-wait` when given: it bounds a download too (a default one would cut off a
    /// large download that is going well).
    pub transfer_max_wait: Option<Duration>,
    pub poll_delay: Duration,
}

impl Session {
    /// The tenant a command makes images for: `--company-id`, else the client's default
    /// (`UCLOUDSTACK_COMPANY_ID`, else the profile's `company_id`), else a usage error that
    /// says where to find it.
    pub fn company_id(&self, flag: Option<i64>) -> Result<i64, Failure> {
        flag.or(self.client.company_id()).ok_or_else(|| {
            Failure::usage(
                "--company-id is required: pass it, set UCLOUDSTACK_COMPANY_ID, or add \"company_id\" to your \
                 ~/.ucloud profile. It is your tenant's id: the CompanyID of any of your images (ucloudstack \
                 --json images show IMAGE_ID), or the tenant's ID in the console's tenant list",
            )
        })
    }

    /// The first and longest delay between polls.
    pub fn poll_delays(&self) -> (Duration, Duration) {
        (self.poll_delay, Duration::from_secs(30).max(self.poll_delay))
    }
}

/// The tenant of the fake's images.
const FAKE_COMPANY_ID: i64 = 200001;

/// The names the README's commands use: custom images `cn-image-custom-000001` to `-000003`.
pub const FAKE_IMAGE_NAMES: [&str; 3] = ["web-golden", "tmp-build-1", "tmp-build-2"];

pub async fn connect(global: &Global) -> Result<Session, Failure> {
    let transfer_max_wait = global.max_wait.map(|secs| seconds(secs, "--max-wait")).transpose()?;
    let max_wait = transfer_max_wait.unwrap_or(DEFAULT_MAX_WAIT);
    let poll_delay = seconds(global.poll_delay, "--poll-delay")?;
    if global.fake {
        crate::error::FAKE_IN_USE.store(true, std::sync::atomic::Ordering::Relaxed);
        let fake = start_fake().await?;
        // The fake's one tenant, so that its README lines need no --company-id.
        let mut builder = fake.client_builder().company_id(FAKE_COMPANY_ID);
        if let Some(region) = &global.region {
            builder = builder.region(region);
        }
        let client = builder.build()?;
        return Ok(Session { client, fake: Some(fake), max_wait, transfer_max_wait, poll_delay });
    }
    let client = from_env(global.profile.as_deref(), global.endpoint.as_deref(), global.region.as_deref()).build()?;
    Ok(Session { client, fake: None, max_wait, transfer_max_wait, poll_delay })
}

/// The client's settings, with `--endpoint`/`--region` on top: a flag wins over every other
/// place. A named profile gives every other setting itself, as `aws --profile` does: the
/// `UCLOUDSTACK_*`/`UCLOUD_*` variables are not read with it (they would mix two platforms:
/// the profile's keys signing for the environment's endpoint), only the variables naming the
/// shared files. Without one, the library's `from_env` precedence.
pub fn from_env(profile: Option<&str>, endpoint: Option<&str>, region: Option<&str>) -> ClientBuilder {
    let mut builder = match profile {
        Some(profile) => {
            let mut builder = ClientBuilder::new().profile(profile);
            if let Some(file) = set("UCLOUD_SHARED_CONFIG_FILE") {
                builder = builder.shared_config_file(file);
            }
            if let Some(file) = set("UCLOUD_SHARED_CREDENTIAL_FILE") {
                builder = builder.shared_credential_file(file);
            }
            builder
        }
        None => ClientBuilder::from_env(),
    };
    builder = builder.user_agent(concat!("ucloudstack-cli/", env!("CARGO_PKG_VERSION")));
    if let Some(endpoint) = endpoint {
        builder = builder.endpoint(endpoint);
    }
    if let Some(region) = region {
        builder = builder.region(region);
    }
    builder
}

/// A variable that is set and not blank.
fn set(name: &str) -> Option<std::ffi::OsString> {
    std::env::var_os(name).filter(|value| !value.to_string_lossy().trim().is_empty())
}

/// A fake holding what the README's commands use: `vm-fake-3` running (for `capture --stop`),
/// and three custom images named `web-golden`, `tmp-build-1` and `tmp-build-2`.
pub async fn start_fake() -> Result<FakeUCloudStack, Failure> {
    let second = Duration::from_secs(1);
    let fake = FakeUCloudStack::builder().vm_delay(second).making_delay(second).deleting_delay(second).start().await;
    fake.set_vm_state("vm-fake-3", VmState::Running);
    let client = fake.client();
    for (id, name) in fake.seed_custom_images(FAKE_IMAGE_NAMES.len()).iter().zip(FAKE_IMAGE_NAMES) {
        client.modify_name_and_remark().resource_id(id).name(name).send().await?;
    }
    Ok(fake)
}

/// `--max-wait` when not given: half an hour for an image or a VM.
const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(1800);

/// The longest `--max-wait` or `--poll-delay`: a year (a longer one would overflow the clock).
const MAX_SECONDS: f64 = 365.0 * 24.0 * 3600.0;

fn seconds(value: f64, flag: &str) -> Result<Duration, Failure> {
    if value > MAX_SECONDS {
        return Err(Failure::usage(format!("{flag} must be at most {MAX_SECONDS} seconds (a year)")));
    }
    Duration::try_from_secs_f64(value)
        .map_err(|_| Failure::usage(format!("{flag} must be a number of seconds of at least 0, got {value}")))
}
