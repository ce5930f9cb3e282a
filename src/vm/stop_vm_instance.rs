//! StopVMInstance (关闭虚拟机): stops a VM cleanly: `Running` → `Stopping` → `Stopped`.

use super::power_action;

power_action! {
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
    name: "StopVMInstance", method: stop_vm_instance,
    request: StopVmInstanceRequest, builder: StopVmInstanceRequestBuilder,
    fluent: StopVmInstanceFluentBuilder, response: StopVmInstanceResponse,
    settles: [Stopping, Stopped],
}
