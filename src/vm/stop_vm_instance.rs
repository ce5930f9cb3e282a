//! StopVMInstance (关闭虚拟机): stops a VM cleanly: `Running` → `Stopping` → `Stopped`.

use crate::action::action;
use crate::vm::VmState;
use crate::{Client, Error, Failure};

action! {
    /// StopVMInstance (关闭虚拟机): stops a VM cleanly: `Running` → `Stopping` → `Stopped`. It returns at once; the state changes later
    /// (see [`Client::wait_until_vm_stopped`](crate::Client::wait_until_vm_stopped)).
    ///
    /// Idempotent: stopping a VM that is already `Stopping` or `Stopped` changes nothing (the platform
    /// answers "the VM's state does not allow this"), so a lost answer is retried; a retry that hears
    /// that while the VM is `Stopping` or `Stopped` (one DescribeVMInstance checks) is a success.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// client.stop_vm_instance().vm_id("vm-web01").send().await?;
    /// # Ok(()) }
    /// ```
    "StopVMInstance" => StopVmInstanceRequest, StopVmInstanceRequestBuilder, StopVmInstanceFluentBuilder, stop_vm_instance;
    idempotent: true;
    settle: settle;
    request {
        /// `VMID`: the VM (required).
        "VMID" vm_id: Option<String> => required(String),
        /// `CompanyID`: the tenant id; honoured for admin callers only.
        "CompanyID" company_id: Option<i64> => value(i64),
        /// `MemberID`: the member id.
        "MemberID" member_id: Option<i64> => value(i64),
    }
    response StopVmInstanceResponse {}
}

/// After a lost answer, "state" while the VM is already where this action takes it is a success.
async fn settle(
    request: &StopVmInstanceRequest,
    client: &Client,
    failure: Failure,
) -> Result<StopVmInstanceResponse, Error> {
    let (vm_id, region) = (request.vm_id.as_deref().unwrap_or_default(), request.region.as_deref());
    super::settle_power(client, vm_id, region, failure, &[VmState::Stopping, VmState::Stopped]).await?;
    Ok(StopVmInstanceResponse { action: "StopVMInstanceResponse".to_owned(), ..Default::default() })
}
