//! The VM actions: DescribeVMInstance and the four power actions, with the platform's state
//! rules. Each power action returns at once and the VM gets where it is going after the VM
//! delay.

use super::form::{Form, Outcome, Why, int, list, page, param, required};
use super::state::{Handler, State};
use crate::vm::{VmInstanceInfo, VmState};
use serde_json::json;

pub(super) const ACTIONS: &[(&str, Handler)] = &[
    ("DescribeVMInstance", describe),
    ("StopVMInstance", stop),
    ("StartVMInstance", start),
    ("PoweroffVMInstance", poweroff),
    ("RestartVMInstance", restart),
];

fn describe(state: &mut State, form: &Form) -> Outcome {
    let (offset, limit) = page(form)?;
    let ids = list(form, "VMIDs");
    let states: Vec<VmState> = list(form, "States").into_iter().map(VmState::from).collect();
    let projects = list(form, "ProjectIDs");
    let company = int(form, "CompanyID")?;
    let keyword = param(form, "Keyword").map(str::to_lowercase);
    let (vpc, subnet) = (param(form, "VPCID"), param(form, "SubnetID"));
    let mut found: Vec<VmInstanceInfo> = state
        .vms
        .iter()
        .map(|vm| vm.info(&state.region))
        .filter(|vm| {
            let has = |field: &Option<String>, k: &str| field.as_deref().is_some_and(|v| v.to_lowercase().contains(k));
            (ids.is_empty() || vm.vm_id.as_deref().is_some_and(|id| ids.contains(&id)))
                && (states.is_empty() || vm.state.as_ref().is_some_and(|s| states.contains(s)))
                && (projects.is_empty() || vm.project_id.as_deref().is_some_and(|p| projects.contains(&p)))
                && company.is_none_or(|c| vm.company_id == Some(c))
                && vpc.is_none_or(|v| vm.vpc_id.as_deref() == Some(v))
                && subnet.is_none_or(|s| vm.subnet_id.as_deref() == Some(s))
                && keyword.as_deref().is_none_or(|k| has(&vm.name, k) || has(&vm.vm_id, k))
        })
        .collect();
    if param(form, "Sort").is_some_and(|s| s.eq_ignore_ascii_case("desc")) {
        found.reverse();
    }
    let total = found.len();
    let page: Vec<VmInstanceInfo> = found.into_iter().skip(offset).take(limit).collect();
    Ok(json!({ "TotalCount": total, "Infos": page }))
}

/// Moves a VM from one of `from` to `now`, on its way to `then`.
fn power(state: &mut State, form: &Form, from: &[VmState], now: VmState, then: VmState) -> Outcome {
    let vm_id = required(form, "VMID")?;
    let imaging = state.images.iter().any(|i| i.source_vm.as_deref() == Some(vm_id));
    let vm = state.vm_mut(vm_id).ok_or_else(|| (Why::VmNotFound, format!("VM [{vm_id}] not found")))?;
    if !from.contains(&vm.state) {
        return Err((Why::VmState, format!("VM [{vm_id}] is {}: it cannot go {now} now", vm.state)));
    }
    if imaging && now == VmState::Starting {
        return Err((Why::VmBeingImaged, format!("VM [{vm_id}] is being imaged, retry later")));
    }
    vm.go(now, then);
    Ok(json!({}))
}

fn stop(state: &mut State, form: &Form) -> Outcome {
    power(state, form, &[VmState::Running], VmState::Stopping, VmState::Stopped)
}

fn start(state: &mut State, form: &Form) -> Outcome {
    power(state, form, &[VmState::Stopped], VmState::Starting, VmState::Running)
}

fn poweroff(state: &mut State, form: &Form) -> Outcome {
    let from = [VmState::Running, VmState::Starting, VmState::Stopping, VmState::Restarting];
    power(state, form, &from, VmState::Poweroffing, VmState::Stopped)
}

fn restart(state: &mut State, form: &Form) -> Outcome {
    power(state, form, &[VmState::Running], VmState::Restarting, VmState::Running)
}
