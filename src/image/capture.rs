//! `client.capture_image(vm_id)`: make a custom image of a VM safely. Stop it if it runs (when
//! allowed), make the image, wait until it is ready, start the VM again; and on any failure
//! after the stop, still try to start it, and say in what state the VM and the image were left.

use super::{ImageInfo, ImageStatus};
use crate::vm::{VmInstanceInfo, VmState, find_vm};
use crate::{ApiErrorKind, Client, Error, WaitFailure};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// How long a capture may take in all (stop, make, wait), unless told otherwise.
pub const DEFAULT_CAPTURE_MAX_WAIT: Duration = Duration::from_secs(30 * 60);
/// How long starting the VM again may take, on top of `max_wait`: a VM is brought back even
/// when the capture ran out of time.
pub const RESTART_MAX_WAIT: Duration = Duration::from_secs(10 * 60);
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
    /// Whether the capture started the VM again: true only when it sent StartVMInstance and
    /// saw the VM run (only when asked, and only if it was running).
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
    config: Config,
}

/// What the builder sets: the configuration only; a run's state lives in [`Run`].
#[derive(Clone)]
struct Config {
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
        let c = &self.config;
        f.debug_struct("CaptureImageBuilder")
            .field("vm_id", &c.vm_id)
            .field("region", &c.region)
            .field("image_name", &c.image_name)
            .field("image_description", &c.image_description)
            .field("stop_vm", &c.stop_vm)
            .field("restart_vm", &c.restart_vm)
            .field("recover_by_name", &c.recover_by_name)
            .field("max_wait", &c.max_wait)
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
    /// asked to (within [`RESTART_MAX_WAIT`]), and the [`Error::Capture`] says at which step it
    /// failed, what ended it ([`CaptureFailure`]: a wait that ran out, with its limit and the
    /// last state seen, is not a VM that went wrong) and in what state the VM and the image
    /// were left. A VM that does not exist answers [`Error::is_not_found`].
    ///
    /// When the create's answer is lost, the capture looks for the new image by name (see
    /// [`recover_by_name`](CaptureImageBuilder::recover_by_name)) for as long as `max_wait`
    /// allows; if none appears, the error's
    /// [`outcome_unknown`](CaptureError::outcome_unknown) is true: the platform may still be
    /// making the image, so look for it before capturing again.
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
            config: Config {
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
            },
        }
    }
}

impl CaptureImageBuilder {
    /// `ImageName`: the name of the new image (required).
    pub fn image_name(mut self, name: impl Into<String>) -> Self {
        self.config.image_name = Some(name.into());
        self
    }

    /// `ImageDescription`: a description of the new image.
    pub fn image_description(mut self, description: impl Into<String>) -> Self {
        self.config.image_description = Some(description.into());
        self
    }

    /// Stop the VM first if it runs (default `false`: a running VM is then an error, before
    /// anything changes).
    pub fn stop_vm(mut self, stop: bool) -> Self {
        self.config.stop_vm = stop;
        self
    }

    /// Start the VM again once the image is ready, or after a failure, if the capture stopped
    /// it (default `false`).
    pub fn restart_vm(mut self, restart: bool) -> Self {
        self.config.restart_vm = restart;
        self
    }

    /// Look the image up by name if the create's answer is lost, for as long as `max_wait`
    /// allows (default `true`; see
    /// [`CreateCustomImageFluentBuilder::recover_by_name`](super::CreateCustomImageFluentBuilder::recover_by_name):
    /// no other tool may create an image of the same name meanwhile).
    pub fn recover_by_name(mut self, recover: bool) -> Self {
        self.config.recover_by_name = recover;
        self
    }

    /// The longest the capture may take, stop and image included (default 30 min;
    /// `Duration::MAX` is no limit); starting the VM again has [`RESTART_MAX_WAIT`] on top.
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.config.max_wait = max_wait;
        self
    }

    /// The first and longest delay between the polls of its waiters (default 2 s and 30 s).
    pub fn poll_delay(mut self, min: Duration, max: Duration) -> Self {
        self.config.poll_delay = Some((min, max));
        self
    }

    /// The region of the VM, when not the client's default.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.config.region = Some(region.into());
        self
    }

    /// Calls `report` at each step and each poll, e.g. to show progress.
    pub fn on_progress(mut self, report: impl Fn(&CaptureProgress<'_>) + Send + Sync + 'static) -> Self {
        self.config.on_progress = Some(Arc::new(report));
        self
    }

    /// Runs the capture; see [`Client::capture_image`].
    pub async fn send(self) -> Result<CapturedImage, Error> {
        let name = match self.config.image_name.as_deref() {
            Some(name) if !name.trim().is_empty() => name.to_owned(),
            Some(_) => return Err(Error::invalid("ImageName", "must not be empty or blank")),
            None => return Err(Error::invalid("ImageName", "is required")),
        };
        if self.config.vm_id.trim().is_empty() {
            return Err(Error::invalid("VMID", "must not be empty or blank"));
        }
        let started = Instant::now();
        let run = Run {
            client: &self.client,
            config: &self.config,
            name,
            started,
            deadline: crate::time::deadline(started, self.config.max_wait),
            stopped_by_us: false,
            image_id: None,
        };
        run.go().await
    }
}

/// One capture under way: what it was asked (`config`), when it must end, and what it has
/// done so far, which decides what a failure must undo and report.
struct Run<'a> {
    client: &'a Client,
    config: &'a Config,
    name: String,
    started: Instant,
    deadline: Instant,
    /// The capture sent StopVMInstance and the VM stopped (or was stopping).
    stopped_by_us: bool,
    /// The image made, once the create answered (or recovery found it).
    image_id: Option<String>,
}

/// How a step failed: the step, what ended it, the words for it, and the error.
struct Failed {
    stage: CaptureStage,
    failure: CaptureFailure,
    reason: String,
    error: Option<Error>,
}

/// What a failed wait was waiting on, for its words.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Subject {
    Vm,
    Image,
}

impl Failed {
    fn new(stage: CaptureStage, failure: CaptureFailure, reason: impl Into<String>, error: Option<Error>) -> Self {
        Failed { stage, failure, reason: reason.into(), error }
    }

    /// A call of this step failed (`doing` says what it was for); the platform saying the
    /// VM does not exist is [`CaptureFailure::VmNotFound`].
    fn call(stage: CaptureStage, doing: &str, error: Error) -> Self {
        if error.is_not_found() {
            return Failed::new(
                stage,
                CaptureFailure::VmNotFound,
                "the platform says the VM does not exist",
                Some(error),
            );
        }
        Failed::new(stage, CaptureFailure::CallFailed, doing, Some(error))
    }

    /// A wait of this step ended before `subject` got where it was going (`goal`, e.g.
    /// "stopping"); `limit` is the time the step was allowed.
    fn wait(stage: CaptureStage, error: Error, subject: Subject, goal: &str, limit: Duration) -> Self {
        let who = match subject {
            Subject::Vm => "the VM",
            Subject::Image => "the image",
        };
        let spoken = crate::time::Spoken(limit);
        let (failure, reason) = match &error {
            Error::Waiter { reason: WaitFailure::TimedOut(_), last_status, .. } => {
                let reason = match last_status {
                    Some(state) => format!("{who} was still {state} when the {spoken} wait ran out"),
                    None => format!("no state of {who} was seen before the {spoken} wait ran out"),
                };
                (CaptureFailure::TimedOut { limit, last_state: last_status.clone() }, reason)
            }
            Error::Waiter { reason: WaitFailure::FailureState(state), .. } => {
                (CaptureFailure::UnexpectedState(state.clone()), format!("{who} went {state} instead of {goal}"))
            }
            Error::Waiter { reason: WaitFailure::NotListed(_), .. } => {
                let failure =
                    if subject == Subject::Vm { CaptureFailure::VmNotFound } else { CaptureFailure::ImageNotListed };
                (failure, format!("{who} is no longer listed"))
            }
            _ => return Failed::call(stage, &format!("{who} could not be watched while {goal}"), error),
        };
        Failed::new(stage, failure, reason, Some(error))
    }
}

impl Run<'_> {
    async fn go(mut self) -> Result<CapturedImage, Error> {
        let vm_was_running = match self.stop_if_running().await {
            Ok(was_running) => was_running,
            Err(failed) => return Err(self.fail(failed).await),
        };
        let image_id = match self.create().await {
            Ok(id) => id,
            Err(failed) => return Err(self.fail(failed).await),
        };
        self.image_id = Some(image_id.clone());
        let image = match self.wait_image(&image_id).await {
            Ok(image) => image,
            Err(error) => {
                let limit = self.config.max_wait;
                let failed = Failed::wait(CaptureStage::Create, error, Subject::Image, "becoming ready", limit);
                return Err(self.fail(failed).await);
            }
        };
        let mut vm_restarted = false;
        if self.config.restart_vm && vm_was_running {
            match self.restart().await {
                Ok(started_by_us) => vm_restarted = started_by_us,
                Err((error, vm_state)) => {
                    let failed = restart_failed(error);
                    return Err(Error::Capture(Box::new(CaptureError {
                        vm_id: self.config.vm_id.clone(),
                        stage: CaptureStage::Restart,
                        failure: failed.failure,
                        reason: format!("the image is ready, but {}", failed.reason),
                        vm_state,
                        image_id: image.image_id.clone(),
                        image_status: image.image_status.clone(),
                        outcome_unknown: false,
                        elapsed: self.started.elapsed(),
                        source: failed.error.map(Box::new),
                    })));
                }
            }
        }
        Ok(CapturedImage { image, vm_was_running, vm_restarted })
    }

    fn report(&self, stage: CaptureStage, status: &str) {
        if let Some(report) = &self.config.on_progress {
            let progress =
                CaptureProgress { vm_id: &self.config.vm_id, stage, status, elapsed: self.started.elapsed() };
            report(&progress);
        }
    }

    /// A waiter with this capture's limits and progress.
    fn limits<T: crate::wait::WaitTarget>(
        &self,
        waiter: crate::wait::Waiter<T>,
        stage: CaptureStage,
        until: Instant,
    ) -> crate::wait::Waiter<T> {
        let mut waiter = waiter.max_wait(until.saturating_duration_since(Instant::now()));
        if let Some((min, max)) = self.config.poll_delay {
            waiter = waiter.poll_delay(min, max);
        }
        if let Some(region) = &self.config.region {
            waiter = waiter.region(region);
        }
        if let Some(report) = self.config.on_progress.clone() {
            let vm_id = self.config.vm_id.clone();
            let started = self.started;
            waiter = waiter.on_poll(move |p| {
                report(&CaptureProgress { vm_id: &vm_id, stage, status: p.status, elapsed: started.elapsed() })
            });
        }
        waiter
    }

    /// Looks at the VM and stops it if it runs (when allowed); whether it was running.
    async fn stop_if_running(&mut self) -> Result<bool, Failed> {
        let state = match self.look(CaptureStage::Inspect).await {
            Ok(Some(vm)) => vm.state.unwrap_or_else(|| VmState::Unknown(String::new())),
            Ok(None) => {
                let reason = "the VM is not listed: it does not exist, or not in this region";
                return Err(Failed::new(CaptureStage::Inspect, CaptureFailure::VmNotFound, reason, None));
            }
            Err(error) => return Err(Failed::call(CaptureStage::Inspect, "the VM could not be looked up", error)),
        };
        match state {
            VmState::Stopped => return Ok(false),
            // Someone else is stopping it: wait, but it was not this capture that stopped it.
            VmState::Stopping | VmState::Poweroffing => {
                let waiter = self.limits(
                    self.client.wait_until_vm_stopped(&self.config.vm_id),
                    CaptureStage::Stop,
                    self.deadline,
                );
                return match waiter.wait().await {
                    Ok(_) => Ok(false),
                    Err(error) => Err(self.stop_failed(error)),
                };
            }
            VmState::Running | VmState::Starting | VmState::Restarting if !self.config.stop_vm => {
                let reason = format!("the VM is {state}: stop it first, or set stop_vm(true)");
                return Err(Failed::new(CaptureStage::Inspect, CaptureFailure::VmRunning, reason, None));
            }
            VmState::Running => {}
            VmState::Starting | VmState::Restarting => {
                let waiter = self.limits(
                    self.client.wait_until_vm_running(&self.config.vm_id),
                    CaptureStage::Stop,
                    self.deadline,
                );
                if let Err(error) = waiter.wait().await {
                    let limit = self.config.max_wait;
                    return Err(Failed::wait(CaptureStage::Inspect, error, Subject::Vm, "running", limit));
                }
            }
            other => {
                let reason = format!("the VM is {other}: no image can be made from it");
                let failure = CaptureFailure::UnexpectedState(other.to_string());
                return Err(Failed::new(CaptureStage::Inspect, failure, reason, None));
            }
        }
        self.report(CaptureStage::Stop, "Running");
        let mut stop = self.client.stop_vm_instance().vm_id(&self.config.vm_id);
        if let Some(region) = &self.config.region {
            stop = stop.region(region);
        }
        if let Err(error) = stop.send().await {
            // A stop whose answer was lost may have been carried out.
            self.stopped_by_us = error.outcome_unknown();
            return Err(Failed::call(CaptureStage::Stop, "the platform refused to stop the VM", error));
        }
        self.stopped_by_us = true;
        let waiter =
            self.limits(self.client.wait_until_vm_stopped(&self.config.vm_id), CaptureStage::Stop, self.deadline);
        match waiter.wait().await {
            Ok(_) => Ok(true),
            Err(error) => Err(self.stop_failed(error)),
        }
    }

    /// The failure of the wait for the VM to stop.
    fn stop_failed(&self, error: Error) -> Failed {
        Failed::wait(CaptureStage::Stop, error, Subject::Vm, "stopping", self.config.max_wait)
    }

    /// CreateCustomImage, waiting while the platform is busy with the VM, and looking for the
    /// image for as long as the capture may wait if the answer is lost; the new image's id.
    async fn create(&self) -> Result<String, Failed> {
        loop {
            self.report(CaptureStage::Create, "creating the image");
            let left = self.deadline.saturating_duration_since(Instant::now());
            let mut create = self
                .client
                .create_custom_image()
                .vm_id(&self.config.vm_id)
                .image_name(&self.name)
                .recover_by_name(self.config.recover_by_name)
                .recovery_window(left);
            if let Some(description) = &self.config.image_description {
                create = create.image_description(description);
            }
            if let Some(region) = &self.config.region {
                create = create.region(region);
            }
            match create.send().await {
                Ok(created) => return Ok(created.image_id),
                // 1016: the VM is already being imaged; 1019 and 150xx: short of resources.
                Err(error) if error.api_kind() == Some(ApiErrorKind::Busy) && !left.is_zero() => {
                    tracing::debug!(vm_id = %self.config.vm_id, %error, "the platform is busy with the VM; waiting");
                    self.report(CaptureStage::Create, "waiting: the VM is busy");
                    tokio::time::sleep(BUSY_RETRY.min(left)).await;
                }
                Err(error) if error.outcome_unknown() => {
                    let reason = format!(
                        "the create's answer was lost and no new image named {:?} was found{}: the platform may \
                         still be making it, so look for it before capturing again",
                        crate::excerpt::excerpt_of(self.name.as_bytes(), crate::open_enum::SHOWN),
                        if self.config.recover_by_name { " in time" } else { " (recover_by_name is off)" },
                    );
                    return Err(Failed::new(CaptureStage::Create, CaptureFailure::OutcomeUnknown, reason, Some(error)));
                }
                Err(error) => {
                    return Err(Failed::call(CaptureStage::Create, "the platform refused to make the image", error));
                }
            }
        }
    }

    async fn wait_image(&self, image_id: &str) -> Result<ImageInfo, Error> {
        let waiter = self.client.wait_until_image_available(image_id);
        self.limits(waiter, CaptureStage::Create, self.deadline).wait().await
    }

    /// Starts the VM and waits until it runs, within [`RESTART_MAX_WAIT`]: whether this capture
    /// started it (false when it was found running or starting already); on failure, the
    /// error and the VM's state as last seen.
    async fn restart(&self) -> Result<bool, (Error, Option<VmState>)> {
        let until = crate::time::from_now(RESTART_MAX_WAIT);
        let seen = |vm: Option<VmInstanceInfo>| vm.and_then(|vm| vm.state);
        let mut started_by_us = false;
        let result = async {
            loop {
                let state = seen(self.look(CaptureStage::Restart).await?);
                match state {
                    Some(VmState::Running | VmState::Starting | VmState::Restarting) => break,
                    Some(VmState::Stopping | VmState::Poweroffing) => {
                        let waiter = self.client.wait_until_vm_stopped(&self.config.vm_id);
                        self.limits(waiter, CaptureStage::Restart, until).wait().await?;
                        continue;
                    }
                    _ => {}
                }
                let mut start = self.client.start_vm_instance().vm_id(&self.config.vm_id);
                if let Some(region) = &self.config.region {
                    start = start.region(region);
                }
                match start.send().await {
                    Ok(_) => {
                        started_by_us = true;
                        break;
                    }
                    // The image is still being made from it: the platform will not start it yet.
                    Err(error) if error.api_kind() == Some(ApiErrorKind::Busy) && Instant::now() < until => {
                        tokio::time::sleep(BUSY_RETRY.min(until.saturating_duration_since(Instant::now()))).await;
                    }
                    Err(error) => return Err(error),
                }
            }
            let waiter = self.client.wait_until_vm_running(&self.config.vm_id);
            self.limits(waiter, CaptureStage::Restart, until).wait().await
        }
        .await;
        match result {
            Ok(_) => Ok(started_by_us),
            Err(error) => {
                let state = self.look(CaptureStage::Restart).await.ok().and_then(seen);
                Err((error, state))
            }
        }
    }

    async fn look(&self, stage: CaptureStage) -> Result<Option<VmInstanceInfo>, Error> {
        let vm = find_vm(self.client, &self.config.vm_id, self.config.region.as_deref()).await?;
        let status =
            vm.as_ref().and_then(|vm| vm.state.as_ref()).map_or_else(|| "not listed".to_owned(), ToString::to_string);
        self.report(stage, &status);
        Ok(vm)
    }

    /// The one place a failed capture's error is made: first, when asked and the capture
    /// stopped the VM, try to start it again; then look at what is left of the VM and the
    /// image.
    async fn fail(&self, failed: Failed) -> Error {
        let Failed { stage, failure, mut reason, error } = failed;
        let vm_state = if self.config.restart_vm && self.stopped_by_us {
            match self.restart().await {
                Ok(_) => self.look(stage).await.ok().flatten().and_then(|vm| vm.state),
                Err((restart_error, state)) => {
                    reason.push_str(&format!("; starting the VM again failed too: {restart_error}"));
                    state
                }
            }
        } else {
            self.look(stage).await.ok().flatten().and_then(|vm| vm.state)
        };
        let mut image_status = None;
        if let Some(id) = &self.image_id
            && let Ok(Some(image)) = super::waiters::look(self.client, id, self.config.region.as_deref()).await
        {
            image_status = image.image_status;
        }
        Error::Capture(Box::new(CaptureError {
            vm_id: self.config.vm_id.clone(),
            stage,
            outcome_unknown: failure == CaptureFailure::OutcomeUnknown,
            failure,
            reason,
            vm_state,
            image_id: self.image_id.clone(),
            image_status,
            elapsed: self.started.elapsed(),
            source: error.map(Box::new),
        }))
    }
}

/// The failure of starting the VM again: a wait (within [`RESTART_MAX_WAIT`]) or a call.
fn restart_failed(error: Error) -> Failed {
    match error {
        error @ Error::Waiter { .. } => {
            Failed::wait(CaptureStage::Restart, error, Subject::Vm, "running", RESTART_MAX_WAIT)
        }
        error => Failed::call(CaptureStage::Restart, "the VM could not be started again", error),
    }
}

/// Why [`Client::capture_image`] failed, and in what state it left the VM and the image (as
/// last seen), after trying to start the VM again when asked to.
#[derive(Debug, thiserror::Error)]
#[error("capturing an image of VM {vm_id} failed while {stage}: {reason}; {}", Left(self))]
#[non_exhaustive]
pub struct CaptureError {
    /// The VM imaged.
    pub vm_id: String,
    /// The step that failed.
    pub stage: CaptureStage,
    /// What ended the step, for programs that word their own message.
    pub failure: CaptureFailure,
    /// What went wrong, in words (the library's: it may name the builder's setters).
    pub reason: String,
    /// The VM's state as last seen when the capture gave up (`None`: not known).
    pub vm_state: Option<VmState>,
    /// The image made, if the create got that far.
    pub image_id: Option<String>,
    /// The image's status as last seen.
    pub image_status: Option<ImageStatus>,
    /// Whether the create's answer was lost and its image not found: the platform may be
    /// making an image nobody knows the id of. Look for it by name before capturing again.
    pub outcome_unknown: bool,
    /// The time from the capture's start to its end (starting the VM again after a failure
    /// included).
    pub elapsed: Duration,
    /// The error that ended the step, when one did.
    #[source]
    pub source: Option<Box<Error>>,
}

impl CaptureError {
    /// Whether the capture failed because the VM does not exist: it is not listed (in the
    /// region asked), stopped being listed, or the platform said so (its error's
    /// [`is_not_found`](Error::is_not_found)). [`Error::is_not_found`] says the same of the
    /// [`Error::Capture`] holding it.
    pub fn is_not_found(&self) -> bool {
        self.failure == CaptureFailure::VmNotFound || self.source.as_ref().is_some_and(|e| e.is_not_found())
    }

    /// The time limit that ran out and the state (or status) last seen, when a wait ran out
    /// ([`CaptureFailure::TimedOut`]).
    pub fn timed_out(&self) -> Option<(Duration, Option<&str>)> {
        match &self.failure {
            CaptureFailure::TimedOut { limit, last_state } => Some((*limit, last_state.as_deref())),
            _ => None,
        }
    }
}

/// What ended a capture ([`CaptureError::failure`]), for programs that word their own
/// message; [`CaptureError::reason`] says it in the library's words.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CaptureFailure {
    /// The VM does not exist: it is not listed (in the region asked), stopped being listed, or
    /// the platform said so.
    VmNotFound,
    /// The VM runs (or is starting or restarting) and the capture was not allowed to stop it
    /// ([`CaptureImageBuilder::stop_vm`]); nothing was changed. Its state is
    /// [`CaptureError::vm_state`].
    VmRunning,
    /// The VM (or, while making it, the image) is in or went to a state the step cannot go on
    /// from, e.g. `Failed`: that state.
    UnexpectedState(String),
    /// A wait ran out of time while the VM (or, while making it, the image) was on its way.
    TimedOut {
        /// The time allowed: the capture's `max_wait`, or [`RESTART_MAX_WAIT`] when starting
        /// the VM again.
        limit: Duration,
        /// The state (or status) last seen; `None` when no poll was answered.
        last_state: Option<String>,
    },
    /// The image stopped being listed while the capture waited for it.
    ImageNotListed,
    /// A call failed: the platform refused it, or it could not be made ([`CaptureError`]'s
    /// `source`).
    CallFailed,
    /// The create's answer was lost and no new image was found
    /// ([`CaptureError::outcome_unknown`]).
    OutcomeUnknown,
}

/// The step of [`Client::capture_image`] at which it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CaptureStage {
    /// Looking the VM up, before anything changed.
    Inspect,
    /// Stopping the VM.
    Stop,
    /// Making the image (CreateCustomImage, then waiting until it is `Used`).
    Create,
    /// Starting the VM again once the image was ready.
    Restart,
}

impl fmt::Display for CaptureStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CaptureStage::Inspect => "looking at the VM",
            CaptureStage::Stop => "stopping the VM",
            CaptureStage::Create => "making the image",
            CaptureStage::Restart => "starting the VM again",
        })
    }
}

/// What the capture left: nothing while it only looked at the VM (it may not even exist).
struct Left<'a>(&'a CaptureError);

impl fmt::Display for Left<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        if e.stage == CaptureStage::Inspect {
            return f.write_str("nothing was changed");
        }
        let image = LeftImage(&e.image_id, &e.image_status, e.outcome_unknown);
        write!(f, "the VM was left {}, the image {image}", LeftVm(&e.vm_state))
    }
}

struct LeftVm<'a>(&'a Option<VmState>);

impl fmt::Display for LeftVm<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(state) => write!(f, "{state}"),
            None => f.write_str("in a state not known"),
        }
    }
}

struct LeftImage<'a>(&'a Option<String>, &'a Option<ImageStatus>, bool);

impl fmt::Display for LeftImage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0, self.1) {
            (None, _) if self.2 => f.write_str("perhaps being made (outcome unknown)"),
            (None, _) => f.write_str("not made"),
            (Some(id), Some(status)) => write!(f, "{id} {status}"),
            (Some(id), None) => write!(f, "{id} in a status not known"),
        }
    }
}
