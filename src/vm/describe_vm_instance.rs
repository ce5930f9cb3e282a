//! DescribeVMInstance (获取虚拟机信息): lists virtual machines.

use super::model::{VmInstanceInfo, VmState};
use crate::action::action;

action! {
    /// DescribeVMInstance (获取虚拟机信息): lists virtual machines.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// use ucloudstack::vm::VmState;
    ///
    /// let page = client.describe_vm_instance().states([VmState::Running]).keyword("web").send().await?;
    /// for vm in &page.infos {
    ///     println!("{:?} {:?} {:?}", vm.vm_id, vm.name, vm.state);
    /// }
    /// # Ok(()) }
    /// ```
    name: "DescribeVMInstance", method: describe_vm_instance, idempotent: true,
    request: DescribeVmInstanceRequest, builder: DescribeVmInstanceRequestBuilder,
    fluent: DescribeVmInstanceFluentBuilder, response: DescribeVmInstanceResponse,
    // VMs carry floats (usage figures), which do not hash: a page's fingerprint hashes its JSON.
    paged: {
        item: VmInstanceInfo, fingerprint: json_fingerprint,
        paginator: DescribeVmInstancePaginator, pages: DescribeVmInstancePages, items: DescribeVmInstanceItems,
    },
    fields {
        /// `VMIDs`: only these VMs; sent as `VMIDs.0`, `VMIDs.1`, ...
        "VMIDs" vm_ids: Vec<String> => extend(String),
        /// `States`: only VMs in these states; sent as `States.0`, ...
        "States" states: Vec<VmState> => extend(VmState),
        /// `Keyword`: a search keyword.
        "Keyword" keyword: Option<String> => set(String),
        /// `ProjectIDs`: only VMs of these project groups; sent as `ProjectIDs.0`, ...
        "ProjectIDs" project_ids: Vec<String> => extend(String),
        /// `VPCID`: only VMs in this VPC.
        "VPCID" vpc_id: Option<String> => set(String),
        /// `SubnetID`: only VMs in this subnet.
        "SubnetID" subnet_id: Option<String> => set(String),
        /// `CompanyID`: the tenant id; honoured for admin callers only.
        "CompanyID" company_id: Option<i64> => value(i64),
        /// `Offset`: where the page starts (server default 0).
        "Offset" offset: Option<u32> => value(u32),
        /// `Limit`: the page length, 1 to 100 (server default 20).
        "Limit" limit: Option<u32> => value(u32),
        /// `SortBy`: the field to sort by, e.g. `CreateTime`.
        "SortBy" sort_by: Option<String> => set(String),
        /// `Sort`: the order, ascending or descending (e.g. `asc`, `desc`).
        "Sort" sort: Option<String> => set(String),
    }
    returns {}
}
