//! Virtual machines (虚拟机): list them, stop, start, power off and restart them, and wait for
//! their state. A custom image can only be made from a stopped VM (RetCode 1014 on 2.x, 2005 on
//! 1.x); [`Client::capture_image`](crate::Client::capture_image) does the whole dance.

mod describe_vm_instance;
mod model;
mod poweroff_vm_instance;
mod restart_vm_instance;
mod start_vm_instance;
mod stop_vm_instance;
mod waiters;

pub use describe_vm_instance::*;
pub use model::{ChargeType, VmDiskInfo, VmInstanceInfo, VmIpInfo, VmState};
pub use poweroff_vm_instance::*;
pub use restart_vm_instance::*;
pub use start_vm_instance::*;
pub use stop_vm_instance::*;
pub use waiters::{VmRunning, VmStopped, VmWaiter, Vms};

use crate::{ApiErrorKind, Client, Error, Failure};

/// One VM by id, `None` when not listed.
pub(crate) async fn find_vm(
    client: &Client,
    vm_id: &str,
    region: Option<&str>,
) -> Result<Option<VmInstanceInfo>, Error> {
    let mut look = client.describe_vm_instance().vm_ids([vm_id]);
    if let Some(region) = region {
        look = look.region(region);
    }
    let page = look.send().await?;
    Ok(page.infos.into_iter().find(|vm| vm.vm_id.as_deref() == Some(vm_id)))
}

/// An idempotent power action: a VM id, the tenant and member ids, an answer with nothing but
/// the envelope, and, after a lost answer, success when a "state" answer comes while the VM is
/// in one of `settles` (an earlier attempt did it).
macro_rules! power_action {
    (
        $(#[$doc:meta])*
        name: $name:literal, method: $method:ident,
        request: $request:ident, builder: $builder:ident,
        fluent: $fluent:ident, response: $response:ident,
        settles: [$($state:ident),+],
    ) => {
        crate::action::action! {
            $(#[$doc])*
            name: $name, method: $method, idempotent: true,
            request: $request, builder: $builder,
            fluent: $fluent, response: $response,
            settle: settle,
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

        async fn settle(
            request: &$request,
            client: &crate::Client,
            failure: crate::Failure,
        ) -> Result<$response, crate::Error> {
            let (vm_id, region) = (request.vm_id.as_deref().unwrap_or_default(), request.region.as_deref());
            super::settle_power(client, vm_id, region, failure, &[$(crate::vm::VmState::$state),+]).await?;
            Ok($response { action: concat!($name, "Response").to_owned(), ..Default::default() })
        }
    };
}
pub(crate) use power_action;

/// The truthful ending of a power action retried after a lost answer: a "state" answer while
/// the VM is in one of `done` means an earlier attempt did the work.
pub(crate) async fn settle_power(
    client: &Client,
    vm_id: &str,
    region: Option<&str>,
    failure: Failure,
    done: &[VmState],
) -> Result<(), Error> {
    let Failure { error, earlier_outcome_unknown, .. } = failure;
    if !earlier_outcome_unknown || error.api_kind() != Some(ApiErrorKind::InvalidState) {
        return Err(error);
    }
    match find_vm(client, vm_id, region).await {
        Ok(Some(vm)) if vm.state.as_ref().is_some_and(|s| done.contains(s)) => {
            tracing::debug!(vm_id, %error, "an earlier attempt did it; its answer was lost");
            Ok(())
        }
        _ => Err(error),
    }
}
