//! StartVMInstance (启动虚拟机): starts a stopped VM: `Stopped` → `Starting` → `Running`.

use super::power_action;

power_action! {
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
    name: "StartVMInstance", method: start_vm_instance,
    request: StartVmInstanceRequest, builder: StartVmInstanceRequestBuilder,
    fluent: StartVmInstanceFluentBuilder, response: StartVmInstanceResponse,
    settles: [Starting, Running],
}
