//! StartVMInstance (启动虚拟机): starts a stopped VM: `Stopped` → `Starting` → `Running`.

use crate::action::action;
use crate::vm::VmState;
use crate::{Client, Error, Failure};

action! {
    /// StartVMInstance (启动虚拟机): starts a stopped VM: `Stopped` → `Starting` → `Running`. It returns at once; the state changes later
    /// (see [`Client::wait_until_vm_running`](crate::Client::wait_until_vm_running)).
    ///
    /// Idempotent: starting a VM that is already `Starting` or `Running` changes nothing (the platform
    /// answers "the VM's state does not allow this"), so a lost answer is retried; a retry that hears
    /// that while the VM is `Starting` or `Running` (one DescribeVMInstance checks) is a success.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// client.start_vm_instance().vm_id("vm-web01").send().await?;
    /// # Ok(()) }
    /// ```
    "StartVMInstance" => StartVmInstanceRequest, StartVmInstanceRequestBuilder, StartVmInstanceFluentBuilder, start_vm_instance;
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
    response StartVmInstanceResponse {}
}

/// After a lost answer, "state" while the VM is already where this action takes it is a success.
async fn settle(
    request: &StartVmInstanceRequest,
    client: &Client,
    failure: Failure,
) -> Result<StartVmInstanceResponse, Error> {
    let (vm_id, region) = (request.vm_id.as_deref().unwrap_or_default(), request.region.as_deref());
    super::settle_power(client, vm_id, region, failure, &[VmState::Starting, VmState::Running]).await?;
    Ok(StartVmInstanceResponse { action: "StartVMInstanceResponse".to_owned(), ..Default::default() })
}
