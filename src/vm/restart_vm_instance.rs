//! RestartVMInstance (重启虚拟机): restarts a running VM: `Running` → `Restarting` → `Running`.

use crate::action::action;

action! {
    /// RestartVMInstance (重启虚拟机): restarts a running VM: `Running` → `Restarting` → `Running`. It returns at once; the state changes later
    /// (see [`Client::wait_until_vm_running`](crate::Client::wait_until_vm_running)).
    ///
    /// Not idempotent: once a restart has finished, a repeat restarts the VM a second time, so a
    /// request that may have reached the platform is never sent again.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// client.restart_vm_instance().vm_id("vm-web01").send().await?;
    /// # Ok(()) }
    /// ```
    name: "RestartVMInstance", method: restart_vm_instance, idempotent: false,
    request: RestartVmInstanceRequest, builder: RestartVmInstanceRequestBuilder,
    fluent: RestartVmInstanceFluentBuilder, response: RestartVmInstanceResponse,
    fields {
        /// `VMID`: the VM (required).
        "VMID" vm_id: Option<String> => required(String),
        /// `CompanyID`: the tenant id; honoured for admin callers only.
        "CompanyID" company_id: Option<i64> => value(i64),
        /// `MemberID`: the member id.
        "MemberID" member_id: Option<i64> => value(i64),
    }
    returns {}
}
