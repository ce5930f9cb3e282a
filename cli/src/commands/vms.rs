//! `vms`: list virtual machines.

use crate::args::known;
use crate::config::Session;
use crate::error::Failure;
use crate::output::{Out, shown, table, text};
use futures::TryStreamExt;
use ucloudstack::vm::{VmInstanceInfo, VmState};

pub async fn list(s: &Session, out: Out, states: &[String]) -> Result<(), Failure> {
    let states: Vec<VmState> = states.iter().map(|state| known(state, VmState::KNOWN)).collect::<Result<_, _>>()?;
    let request = s.client.describe_vm_instance().states(states);
    let vms: Vec<VmInstanceInfo> = request.into_paginator().items().try_collect().await?;
    if out.json {
        out.json(&vms);
        return Ok(());
    }
    let rows = vms.iter().map(|vm| {
        [
            text(&vm.vm_id),
            text(&vm.name),
            shown(&vm.state),
            text(&vm.image_id),
            vm.cpu.map_or("-".into(), |c| format!("{c} CPU")),
            vm.memory.map_or("-".into(), |m| format!("{} GB", m / 1024)),
            vm.ip_infos.iter().filter_map(|ip| ip.ip.clone()).collect::<Vec<_>>().join(","),
        ]
    });
    table(["ID", "NAME", "STATE", "IMAGE", "CPU", "MEMORY", "IP"], rows, "VM");
    Ok(())
}
