//! `images create` and `images capture`: custom images from VMs.

use crate::args::{Capture, Naming};
use crate::config::Session;
use crate::confirm::confirm;
use crate::error::Failure;
use crate::interrupt::{self, Left};
use crate::output::Out;
use crate::progress::{Progress, wait_status};
use ucloudstack::Error;
use ucloudstack::vm::VmState;
use ucloudstack::wait::{WaitTarget, Waiter};

pub async fn create(s: &Session, out: Out, vm_id: String, naming: Naming, wait: bool) -> Result<(), Failure> {
    let mut request = s.client.create_custom_image().vm_id(vm_id).image_name(naming.name);
    if let Some(description) = naming.description {
        request = request.image_description(description);
    }
    let created = request.send().await?;
    out.note(format!("creating {}", created.image_id));
    if wait {
        let waiter = s.client.wait_until_image_available(&created.image_id);
        let image = wait_with_spinner(s, waiter, "making image").await;
        out.image(&image.map_err(|e| Failure::after_making(e, &created.image_id))?);
    } else {
        out.id("ImageID", &created.image_id);
    }
    Ok(())
}

/// Waits, with a spinner showing `what`, the resource's id and status, and the time.
pub async fn wait_with_spinner<T: WaitTarget>(s: &Session, waiter: Waiter<T>, what: &str) -> Result<T::Output, Error> {
    let (min, max) = s.poll_delays();
    let progress = Progress::spinner(format!("{what}: waiting"));
    let bar = progress.handle();
    let what = what.to_owned();
    let report = move |p: &ucloudstack::wait::WaitProgress<'_>| bar.set_message(wait_status(&what, p));
    waiter.max_wait(s.max_wait).poll_delay(min, max).on_poll(report).wait().await
}

pub async fn capture(s: &Session, out: Out, args: Capture) -> Result<(), Failure> {
    let vm_id = args.vm_id.as_str();
    // Stopped only when the person (or --yes) said so: never a VM that started after it was looked at.
    let stop = args.stop && confirm_stop(s, vm_id, args.restart, args.confirm.yes).await?;
    let (min, max) = s.poll_delays();
    let mut capture =
        s.client.capture_image(vm_id).image_name(args.naming.name).stop_vm(stop).restart_vm(stop && args.restart);
    if let Some(description) = args.naming.description {
        capture = capture.image_description(description);
    }
    let stopped = if stop { "may have been stopped and " } else { "" };
    let left = format!(
        "VM {vm_id} {stopped}an image of it may have been begun: check `ucloudstack vms` and \
         `ucloudstack images list` before running it again"
    );
    let _saying = interrupt::saying(move || Left::unknown(left.clone()));
    let progress = Progress::spinner("looking at the VM");
    let bar = progress.handle();
    // The status is the step's own resource's: the VM's while stopping or starting it, the
    // image's while making it.
    let capture = capture.max_wait(s.max_wait).poll_delay(min, max);
    let captured = capture.on_progress(move |p| bar.set_message(format!("{}: {}", p.stage, p.status))).send().await;
    drop(progress);
    let captured = captured?;
    let id = captured.image.image_id.clone().unwrap_or_default();
    let vm = match (captured.vm_was_running, captured.vm_restarted) {
        (true, true) => " (the VM was stopped and started again)",
        (true, false) => " (the VM was stopped and is left stopped)",
        _ => "",
    };
    out.note(format!("captured {id} from {vm_id}{vm}"));
    out.image(&captured.image);
    Ok(())
}

/// With `--stop`: whether to stop the VM if it runs. `--yes` says yes; else a VM that does not
/// run is not stopped (nor asked about), and one that runs is stopped only once confirmed. A
/// VM not listed is the capture's own error.
async fn confirm_stop(s: &Session, vm_id: &str, restart: bool, yes: bool) -> Result<bool, Failure> {
    if yes {
        return Ok(true);
    }
    let page = s.client.describe_vm_instance().vm_ids([vm_id]).send().await?;
    let Some(vm) = page.infos.into_iter().find(|vm| vm.vm_id.as_deref() == Some(vm_id)) else {
        return Ok(false);
    };
    if matches!(vm.state, Some(VmState::Stopped)) {
        return Ok(false);
    }
    let name = vm.name.as_deref().unwrap_or("-");
    let state = vm.state.as_ref().map_or("in an unknown state".into(), ToString::to_string);
    let then = if restart { ", then start it again" } else { " and leave it stopped" };
    confirm(&format!("Stop VM {vm_id} ({name}, {state}) to image it{then}"), yes).await?;
    Ok(true)
}
