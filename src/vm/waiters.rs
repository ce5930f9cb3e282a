//! The VM waiters: until a VM is stopped, or running.

use super::{VmInstanceInfo, VmState, find_vm};
use crate::wait::{Verdict, WaitTarget, Waiter, Watched};
use crate::{Client, Error, WaitFailure};

/// How many polls in a row may not list a VM before the wait fails.
const MISSING_POLLS: u32 = 3;

/// The VM is `Stopped`.
#[derive(Debug, Clone, Copy)]
pub struct VmStopped;

/// The VM is `Running`.
#[derive(Debug, Clone, Copy)]
pub struct VmRunning;

/// A waiter for a VM; see [`Waiter`].
pub type VmWaiter<T> = Waiter<T>;

/// VMs, as the waiters watch them: DescribeVMInstance by id.
#[derive(Debug, Clone, Copy)]
pub struct Vms;

impl Watched for Vms {
    type Resource = VmInstanceInfo;
    const RESOURCE: &'static str = "VM";

    fn poll(
        client: &Client,
        id: &str,
        region: Option<&str>,
    ) -> impl Future<Output = Result<Option<VmInstanceInfo>, Error>> + Send {
        find_vm(client, id, region)
    }

    fn status(vm: &VmInstanceInfo) -> String {
        vm.state.as_ref().map_or_else(|| "(no state)".to_owned(), ToString::to_string)
    }
}

/// `Failed` ends a wait, as does a VM not listed three polls in a row; `want` completes it.
fn judge(vm: Option<VmInstanceInfo>, missing_polls: u32, want: &VmState) -> Verdict<VmInstanceInfo> {
    let Some(vm) = vm else {
        return if missing_polls >= MISSING_POLLS {
            Verdict::Failed(WaitFailure::NotListed(missing_polls))
        } else {
            Verdict::Pending
        };
    };
    match &vm.state {
        Some(state) if state == want => Verdict::Done(vm),
        Some(state @ (VmState::Failed | VmState::Deleted | VmState::Terminating | VmState::Terminated)) => {
            Verdict::Failed(WaitFailure::FailureState(state.to_string()))
        }
        _ => Verdict::Pending,
    }
}

impl WaitTarget for VmStopped {
    type Watched = Vms;
    type Output = VmInstanceInfo;

    fn judge(vm: Option<VmInstanceInfo>, missing_polls: u32) -> Verdict<VmInstanceInfo> {
        judge(vm, missing_polls, &VmState::Stopped)
    }
}

impl WaitTarget for VmRunning {
    type Watched = Vms;
    type Output = VmInstanceInfo;

    fn judge(vm: Option<VmInstanceInfo>, missing_polls: u32) -> Verdict<VmInstanceInfo> {
        judge(vm, missing_polls, &VmState::Running)
    }
}

impl Client {
    /// Waits until the VM is `Stopped`, and returns it. Fails with [`Error::Waiter`] if it
    /// reaches `Failed` (or is deleted), is not listed in three polls in a row, or time runs
    /// out (30 min by default); transient errors keep it polling.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// client.stop_vm_instance().vm_id("vm-web01").send().await?;
    /// let vm = client.wait_until_vm_stopped("vm-web01").await?;
    /// # Ok(()) }
    /// ```
    pub fn wait_until_vm_stopped(&self, vm_id: impl Into<String>) -> VmWaiter<VmStopped> {
        Waiter::new(self.clone(), vm_id.into())
    }

    /// Waits until the VM is `Running`, and returns it; see
    /// [`wait_until_vm_stopped`](Self::wait_until_vm_stopped).
    pub fn wait_until_vm_running(&self, vm_id: impl Into<String>) -> VmWaiter<VmRunning> {
        Waiter::new(self.clone(), vm_id.into())
    }
}
