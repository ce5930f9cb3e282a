//! `client.capture_image(vm_id)`: make a custom image of a VM safely. Stop it if it runs (when
//! allowed), make the image, wait until it is ready, start the VM again; and on any failure
//! after the stop, still try to start it, and say in what state the VM and the image were left.

use super::{ImageInfo, ImageStatus};
use crate::vm::{VmInstanceInfo, VmState, find_vm};
use crate::{ApiErrorKind, CaptureError, CaptureStage, Client, Error, WaitFailure};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// How long a capture may take in all (stop, make, wait), unless told otherwise.
pub const DEFAULT_CAPTURE_MAX_WAIT: Duration = Duration::from_secs(30 * 60);
/// How long starting the VM again may take, on top of `max_wait`: a VM is brought back even
/// when the capture ran out of time.
pub const RESTART_BUDGET: Duration = Duration::from_secs(10 * 60);
/// How long to wait before asking again while the platform says the VM is being imaged (1016)
/// or is short of resources.
const BUSY_RETRY: Duration = Duration::from_secs(10);

/// The outcome of [`Client::capture_image`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CapturedImage {
    /// The new image, `Used` (ready).
    pub image: ImageInfo,
    /// Whether the VM was running when the capture began (and so was stopped by it).
    pub vm_was_running: bool,
    /// Whether the capture started the VM again (only when asked, and only if it was running).
    pub vm_restarted: bool,
}

/// What a capture is doing, for progress reports (see [`CaptureImageBuilder::on_progress`]).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct CaptureProgress<'a> {
    /// The VM imaged.
    pub vm_id: &'a str,
    /// The step under way.
    pub stage: CaptureStage,
    /// The state or status last seen in this step (the VM's, or the image's while making it).
    pub status: &'a str,
    /// Time since the capture began.
    pub elapsed: Duration,
}

type ProgressHook = Arc<dyn Fn(&CaptureProgress<'_>) + Send + Sync>;

/// Makes a custom image of a VM: see [`Client::capture_image`].
#[derive(Clone)]
#[must_use = "a capture does nothing until .send() is awaited"]
pub struct CaptureImageBuilder {
    client: Client,
    vm_id: String,
    region: Option<String>,
    image_name: Option<String>,
    image_description: Option<String>,
    stop_vm: bool,
    restart_vm: bool,
    recover_by_name: bool,
    max_wait: Duration,
    poll_delay: Option<(Duration, Duration)>,
    on_progress: Option<ProgressHook>,
}

impl std::fmt::Debug for CaptureImageBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureImageBuilder")
            .field("vm_id", &self.vm_id)
            .field("region", &self.region)
            .field("image_name", &self.image_name)
            .field("image_description", &self.image_description)
            .field("stop_vm", &self.stop_vm)
            .field("restart_vm", &self.restart_vm)
            .field("recover_by_name", &self.recover_by_name)
            .field("max_wait", &self.max_wait)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Makes a custom image of a VM, which the platform allows only while the VM is stopped:
    /// looks at the VM; stops it if it runs and [`stop_vm`](CaptureImageBuilder::stop_vm) allows
    /// (else a running VM is an error before anything changes); waits until it is `Stopped`;
    /// makes the image (waiting, not failing, while the platform says the VM is already being
    /// imaged, 1016); waits until the image is `Used`; and, with
    /// [`restart_vm`](CaptureImageBuilder::restart_vm), starts the VM again if it was running.
    ///
    /// On any failure after the VM was stopped, it still tries to start the VM again when
    /// asked to (within [`RESTART_BUDGET`]), and the [`Error::Capture`] says at which step it
    /// failed and in what state the VM and the image were left.
    ///
    /// **Cancellation:** dropping the future stops the work where it is. After the stop was
    /// sent, that may leave the VM `Stopping` or `Stopped` (never started again) and an image
    /// `Making`; nothing is undone.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// use std::time::Duration;
    ///
    /// let captured = client
    ///     .capture_image("vm-web01")
    ///     .image_name("web-golden-2026-11-28")
    ///     .image_description("web tier")
    ///     .stop_vm(true)
    ///     .restart_vm(true)
    ///     .max_wait(Duration::from_secs(1800))
    ///     .send()
    ///     .await?;
    /// println!("{:?} is ready; VM restarted: {}", captured.image.image_id, captured.vm_restarted);
    /// # Ok(()) }
    /// ```
    pub fn capture_image(&self, vm_id: impl Into<String>) -> CaptureImageBuilder {
        CaptureImageBuilder {
            client: self.clone(),
            vm_id: vm_id.into(),
            region: None,
            image_name: None,
            image_description: None,
            stop_vm: false,
            restart_vm: false,
            recover_by_name: true,
            max_wait: DEFAULT_CAPTURE_MAX_WAIT,
            poll_delay: None,
            on_progress: None,
        }
    }
}

/// What the capture knows when it gives up.
struct Left {
    stage: CaptureStage,
    reason: String,
    error: Option<Error>,
    image_id: Option<String>,
    image_status: Option<ImageStatus>,
}

impl CaptureImageBuilder {
    /// `ImageName`: the name of the new image (required).
    pub fn image_name(mut self, name: impl Into<String>) -> Self {
        self.image_name = Some(name.into());
        self
    }

    /// `ImageDescription`: a description of the new image.
    pub fn image_description(mut self, description: impl Into<String>) -> Self {
        self.image_description = Some(description.into());
        self
    }

    /// Stop the VM first if it runs (default `false`: a running VM is then an error, before
    /// anything changes).
    pub fn stop_vm(mut self, stop: bool) -> Self {
        self.stop_vm = stop;
        self
    }

    /// Start the VM again once the image is ready, or after a failure, if the capture stopped
    /// it (default `false`).
    pub fn restart_vm(mut self, restart: bool) -> Self {
        self.restart_vm = restart;
        self
    }

    /// Look the image up by name if the create's answer is lost (default `true`; see
    /// [`CreateCustomImageFluentBuilder::recover_by_name`](super::CreateCustomImageFluentBuilder::recover_by_name):
    /// names must be unique for it to mean anything).
    pub fn recover_by_name(mut self, recover: bool) -> Self {
        self.recover_by_name = recover;
        self
    }

    /// The longest the capture may take, stop and image included (default 30 min); starting
    /// the VM again has [`RESTART_BUDGET`] on top.
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// The first and longest delay between the polls of its waiters (default 2 s and 30 s).
    pub fn poll_delay(mut self, min: Duration, max: Duration) -> Self {
        self.poll_delay = Some((min, max));
        self
    }

    /// The region of the VM, when not the client's default.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Calls `report` at each step and each poll, e.g. to show progress.
    pub fn on_progress(mut self, report: impl Fn(&CaptureProgress<'_>) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(report));
        self
    }

    /// Runs the capture; see [`Client::capture_image`].
    pub async fn send(self) -> Result<CapturedImage, Error> {
        let name = match self.image_name.as_deref() {
            Some(name) if !name.trim().is_empty() => name.to_owned(),
            Some(_) => return Err(Error::invalid("ImageName", "must not be empty or blank")),
            None => return Err(Error::invalid("ImageName", "is required")),
        };
        if self.vm_id.trim().is_empty() {
            return Err(Error::invalid("VMID", "must not be empty or blank"));
        }
        let started = Instant::now();
        let deadline = started.checked_add(self.max_wait).unwrap_or(started + RESTART_BUDGET * 1000);
        let vm_was_running = self.stop_if_running(started, deadline).await?;

        let image_id = match self.create(&name, started, deadline).await {
            Ok(id) => id,
            Err(error) => {
                let left = Left {
                    stage: CaptureStage::Create,
                    reason: "the image could not be made".into(),
                    error: Some(error),
                    image_id: None,
                    image_status: None,
                };
                return Err(self.give_up(left, vm_was_running, started).await);
            }
        };
        let image = match self.wait_image(&image_id, started, deadline).await {
            Ok(image) => image,
            Err(error) => {
                let image_status = match &error {
                    Error::Waiter { last_status: Some(status), .. } => Some(ImageStatus::from(status.as_str())),
                    _ => None,
                };
                let reason = match &error {
                    Error::Waiter { reason: WaitFailure::FailureState(status), .. } => {
                        format!("the image went {status}")
                    }
                    _ => "the image did not become ready".into(),
                };
                let left = Left {
                    stage: CaptureStage::Create,
                    reason,
                    error: Some(error),
                    image_id: Some(image_id),
                    image_status,
                };
                return Err(self.give_up(left, vm_was_running, started).await);
            }
        };

        let mut vm_restarted = false;
        if self.restart_vm && vm_was_running {
            if let Err((error, vm_state)) = self.restart(started).await {
                return Err(Error::Capture(Box::new(CaptureError {
                    vm_id: self.vm_id.clone(),
                    stage: CaptureStage::Restart,
                    reason: "the image is ready, but the VM did not start again".into(),
                    vm_state,
                    image_id: image.image_id.clone(),
                    image_status: image.image_status.clone(),
                    source: Some(Box::new(error)),
                })));
            }
            vm_restarted = true;
        }
        Ok(CapturedImage { image, vm_was_running, vm_restarted })
    }

    fn report(&self, stage: CaptureStage, status: &str, started: Instant) {
        if let Some(report) = &self.on_progress {
            report(&CaptureProgress { vm_id: &self.vm_id, stage, status, elapsed: started.elapsed() });
        }
    }

    /// A waiter with this capture's limits and progress.
    fn limits<T: crate::wait::WaitTarget>(
        &self,
        waiter: crate::wait::Waiter<T>,
        stage: CaptureStage,
        started: Instant,
        until: Instant,
    ) -> crate::wait::Waiter<T> {
        let mut waiter = waiter.max_wait(until.saturating_duration_since(Instant::now()));
        if let Some((min, max)) = self.poll_delay {
            waiter = waiter.poll_delay(min, max);
        }
        if let Some(region) = &self.region {
            waiter = waiter.region(region);
        }
        if let Some(report) = self.on_progress.clone() {
            let vm_id = self.vm_id.clone();
            waiter = waiter.on_poll(move |p| {
                report(&CaptureProgress { vm_id: &vm_id, stage, status: p.status, elapsed: started.elapsed() })
            });
        }
        waiter
    }

    /// Looks at the VM and stops it if it runs (when allowed); whether it was running.
    async fn stop_if_running(&self, started: Instant, deadline: Instant) -> Result<bool, Error> {
        let vm = self.look(CaptureStage::Inspect, started).await;
        let state = match vm {
            Ok(Some(vm)) => vm.state.unwrap_or_else(|| VmState::Unknown(String::new())),
            Ok(None) => return Err(self.before_any_change("the VM is not listed", None, None)),
            Err(error) => return Err(self.before_any_change("the VM could not be looked up", None, Some(error))),
        };
        match state {
            VmState::Stopped => return Ok(false),
            // Someone else is stopping it: wait, but it was not this capture that stopped it.
            VmState::Stopping | VmState::Poweroffing => {
                let waiter =
                    self.limits(self.client.wait_until_vm_stopped(&self.vm_id), CaptureStage::Stop, started, deadline);
                return match waiter.wait().await {
                    Ok(_) => Ok(false),
                    Err(error) => Err(self.give_up(self.stop_failed(error), false, started).await),
                };
            }
            VmState::Running | VmState::Starting | VmState::Restarting if !self.stop_vm => {
                let reason = format!("the VM is {state}: stop it first, or set stop_vm(true)");
                return Err(self.before_any_change(&reason, Some(state), None));
            }
            VmState::Running => {}
            VmState::Starting | VmState::Restarting => {
                let waiter =
                    self.limits(self.client.wait_until_vm_running(&self.vm_id), CaptureStage::Stop, started, deadline);
                if let Err(error) = waiter.wait().await {
                    return Err(self.before_any_change("the VM did not finish starting", None, Some(error)));
                }
            }
            other => {
                let reason = format!("the VM is {other}: no image can be made from it");
                return Err(self.before_any_change(&reason, Some(other), None));
            }
        }
        self.report(CaptureStage::Stop, "Running", started);
        let mut stop = self.client.stop_vm_instance().vm_id(&self.vm_id);
        if let Some(region) = &self.region {
            stop = stop.region(region);
        }
        if let Err(error) = stop.send().await {
            return Err(self.give_up(self.stop_failed(error), true, started).await);
        }
        let waiter = self.limits(self.client.wait_until_vm_stopped(&self.vm_id), CaptureStage::Stop, started, deadline);
        match waiter.wait().await {
            Ok(_) => Ok(true),
            Err(error) => Err(self.give_up(self.stop_failed(error), true, started).await),
        }
    }

    fn stop_failed(&self, error: Error) -> Left {
        Left {
            stage: CaptureStage::Stop,
            reason: "the VM did not stop".into(),
            error: Some(error),
            image_id: None,
            image_status: None,
        }
    }

    /// CreateCustomImage, waiting while the platform is busy with the VM; the new image's id.
    async fn create(&self, name: &str, started: Instant, deadline: Instant) -> Result<String, Error> {
        loop {
            self.report(CaptureStage::Create, "Stopped", started);
            let mut create = self
                .client
                .create_custom_image()
                .vm_id(&self.vm_id)
                .image_name(name)
                .recover_by_name(self.recover_by_name);
            if let Some(description) = &self.image_description {
                create = create.image_description(description);
            }
            if let Some(region) = &self.region {
                create = create.region(region);
            }
            match create.send().await {
                Ok(created) => return Ok(created.image_id),
                // 1016: the VM is already being imaged; 1019 and 150xx: short of resources.
                Err(error) if error.api_kind() == Some(ApiErrorKind::Busy) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(error);
                    }
                    tracing::debug!(vm_id = %self.vm_id, %error, "the platform is busy with the VM; waiting");
                    self.report(CaptureStage::Create, "waiting: the VM is busy", started);
                    tokio::time::sleep(BUSY_RETRY.min(left)).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    async fn wait_image(&self, image_id: &str, started: Instant, deadline: Instant) -> Result<ImageInfo, Error> {
        let waiter = self.client.wait_until_image_available(image_id);
        self.limits(waiter, CaptureStage::Create, started, deadline).wait().await
    }

    /// Starts the VM and waits until it runs, within [`RESTART_BUDGET`]; on failure, the error
    /// and the VM's state as last seen.
    async fn restart(&self, started: Instant) -> Result<VmInstanceInfo, (Error, Option<VmState>)> {
        let until = Instant::now() + RESTART_BUDGET;
        let seen = |vm: Option<VmInstanceInfo>| vm.and_then(|vm| vm.state);
        let result = async {
            loop {
                let state = seen(self.look(CaptureStage::Restart, started).await?);
                match state {
                    Some(VmState::Running) => break,
                    Some(VmState::Starting | VmState::Restarting) => break,
                    Some(VmState::Stopping | VmState::Poweroffing) => {
                        let waiter = self.client.wait_until_vm_stopped(&self.vm_id);
                        self.limits(waiter, CaptureStage::Restart, started, until).wait().await?;
                        continue;
                    }
                    _ => {}
                }
                let mut start = self.client.start_vm_instance().vm_id(&self.vm_id);
                if let Some(region) = &self.region {
                    start = start.region(region);
                }
                match start.send().await {
                    Ok(_) => break,
                    // The image is still being made from it: the platform will not start it yet.
                    Err(error) if error.api_kind() == Some(ApiErrorKind::Busy) && Instant::now() < until => {
                        tokio::time::sleep(BUSY_RETRY.min(until.saturating_duration_since(Instant::now()))).await;
                    }
                    Err(error) => return Err(error),
                }
            }
            let waiter = self.client.wait_until_vm_running(&self.vm_id);
            self.limits(waiter, CaptureStage::Restart, started, until).wait().await
        }
        .await;
        match result {
            Ok(vm) => Ok(vm),
            Err(error) => {
                let state = self.look(CaptureStage::Restart, started).await.ok().and_then(seen);
                Err((error, state))
            }
        }
    }

    async fn look(&self, stage: CaptureStage, started: Instant) -> Result<Option<VmInstanceInfo>, Error> {
        let vm = find_vm(&self.client, &self.vm_id, self.region.as_deref()).await?;
        let status = vm.as_ref().and_then(|vm| vm.state.as_ref()).map_or("not listed", |s| s.as_str());
        self.report(stage, status, started);
        Ok(vm)
    }

    fn before_any_change(&self, reason: &str, vm_state: Option<VmState>, error: Option<Error>) -> Error {
        Error::Capture(Box::new(CaptureError {
            vm_id: self.vm_id.clone(),
            stage: CaptureStage::Inspect,
            reason: reason.to_owned(),
            vm_state,
            image_id: None,
            image_status: None,
            source: error.map(Box::new),
        }))
    }

    /// The error of a capture that failed after it may have changed the VM: first, when asked
    /// and the capture stopped the VM, try to start it again; then look at what is left.
    async fn give_up(&self, left: Left, vm_was_running: bool, started: Instant) -> Error {
        let Left { stage, mut reason, error, image_id, mut image_status } = left;
        let vm_state = if self.restart_vm && vm_was_running {
            match self.restart(started).await {
                Ok(vm) => vm.state,
                Err((restart_error, state)) => {
                    reason.push_str(&format!("; starting the VM again failed too: {restart_error}"));
                    state
                }
            }
        } else {
            self.look(stage, started).await.ok().flatten().and_then(|vm| vm.state)
        };
        if let Some(id) = &image_id {
            if let Ok(Some(image)) = super::waiters::look(&self.client, id, self.region.as_deref()).await {
                image_status = image.image_status;
            }
        }
        let source = error.map(Box::new);
        Error::Capture(Box::new(CaptureError {
            vm_id: self.vm_id.clone(),
            stage,
            reason,
            vm_state,
            image_id,
            image_status,
            source,
        }))
    }
}
