//! PoweroffVMInstance (断电虚拟机): cuts a VM's power (it may lose data; for a hung VM): `Running` → `Poweroffing` → `Stopped`.

use super::power_action;

power_action! {
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
    name: "PoweroffVMInstance", method: poweroff_vm_instance,
    request: PoweroffVmInstanceRequest, builder: PoweroffVmInstanceRequestBuilder,
    fluent: PoweroffVmInstanceFluentBuilder, response: PoweroffVmInstanceResponse,
    settles: [Poweroffing, Stopped],
}
