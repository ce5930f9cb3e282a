//! PoweroffVMInstance (断电虚拟机): cuts a VM's power (it may lose data; for a hung VM): `Running` → `Poweroffing` → `Stopped`.

use crate::action::action;
use crate::vm::VmState;
use crate::{Client, Error, Failure};

action! {
    /// PoweroffVMInstance (断电虚拟机): cuts a VM's power (it may lose data; for a hung VM): `Running` → `Poweroffing` →
    /// `Stopped`. It returns at once; the state changes later
    /// (see [`Client::wait_until_vm_stopped`](crate::Client::wait_until_vm_stopped)).
    ///
    /// Idempotent: cutting the power of a VM that is already `Poweroffing` or `Stopped` changes nothing
    /// (the platform answers "the VM's state does not allow this"), so a lost answer is retried; a
    /// retry that hears that while the VM is `Poweroffing` or `Stopped` is a success.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// client.poweroff_vm_instance().vm_id("vm-web01").send().await?;
    /// # Ok(()) }
    /// ```
    "PoweroffVMInstance" => PoweroffVmInstanceRequest, PoweroffVmInstanceRequestBuilder, PoweroffVmInstanceFluentBuilder, poweroff_vm_instance;
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
    response PoweroffVmInstanceResponse {}
}

/// After a lost answer, "state" while the VM is already where this action takes it is a success.
async fn settle(
    request: &PoweroffVmInstanceRequest,
    client: &Client,
    failure: Failure,
) -> Result<PoweroffVmInstanceResponse, Error> {
    let (vm_id, region) = (request.vm_id.as_deref().unwrap_or_default(), request.region.as_deref());
    super::settle_power(client, vm_id, region, failure, &[VmState::Poweroffing, VmState::Stopped]).await?;
    Ok(PoweroffVmInstanceResponse { action: "PoweroffVMInstanceResponse".to_owned(), ..Default::default() })
}
