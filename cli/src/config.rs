//! Building the client: the library's own precedence (flags, `UCLOUDSTACK_*`, `UCLOUD_*`,
//! `~/.ucloud`), or the embedded fake with `--fake`.

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
    pub poll_delay: Duration,
}

impl Session {
    /// The first and longest delay between polls.
    pub fn poll_delays(&self) -> (Duration, Duration) {
        (self.poll_delay, Duration::from_secs(30).max(self.poll_delay))
    }
}

/// The names the README's commands use: custom images `cn-image-custom-000001` to `-000003`.
pub const FAKE_IMAGE_NAMES: [&str; 3] = ["web-golden", "tmp-build-1", "tmp-build-2"];

pub async fn connect(global: &Global) -> Result<Session, Failure> {
    let max_wait = seconds(global.max_wait, "--max-wait")?;
    let poll_delay = seconds(global.poll_delay, "--poll-delay")?;
    if global.fake {
        let fake = start_fake().await?;
        let mut builder = fake.client_builder();
        if let Some(region) = &global.region {
            builder = builder.region(region);
        }
        let client = builder.build()?;
        return Ok(Session { client, fake: Some(fake), max_wait, poll_delay });
    }
    let client = from_env(global.profile.as_deref(), global.endpoint.as_deref(), global.region.as_deref()).build()?;
    Ok(Session { client, fake: None, max_wait, poll_delay })
}

/// The library's `from_env` with the flags on top: a flag wins over every other place.
pub fn from_env(profile: Option<&str>, endpoint: Option<&str>, region: Option<&str>) -> ClientBuilder {
    let mut builder = ClientBuilder::from_env().user_agent(concat!("ucloudstack-cli/", env!("CARGO_PKG_VERSION")));
    if let Some(profile) = profile {
        builder = builder.profile(profile);
    }
    if let Some(endpoint) = endpoint {
        builder = builder.endpoint(endpoint);
    }
    if let Some(region) = region {
        builder = builder.region(region);
    }
    builder
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

fn seconds(value: f64, flag: &str) -> Result<Duration, Failure> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| Failure::usage(format!("{flag} must be a number of seconds of at least 0, got {value}")))
}
