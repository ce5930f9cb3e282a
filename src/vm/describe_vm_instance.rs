//! DescribeVMInstance (获取虚拟机信息): lists virtual machines.

use super::model::{VmInstanceInfo, VmState};
use crate::Error;
use crate::action::action;
use crate::paginate::{Paged, Paginator};

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
    "DescribeVMInstance" => DescribeVmInstanceRequest, DescribeVmInstanceRequestBuilder, DescribeVmInstanceFluentBuilder, describe_vm_instance;
    idempotent: true;
    check: check;
    request {
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
    response DescribeVmInstanceResponse {
        /// `TotalCount`: how many VMs match, across all pages.
        #[serde(rename = "TotalCount", deserialize_with = "crate::de::int")]
        pub total_count: i64,
        /// `Infos`: the VMs of this page (`null` or missing is an empty page).
        #[serde(rename = "Infos", default, deserialize_with = "crate::de::list")]
        pub infos: Vec<VmInstanceInfo>,
    }
}

fn check(request: &DescribeVmInstanceRequest) -> Result<(), Error> {
    crate::paginate::check_limit(request.limit)
}

// VMs carry floats (usage figures), which do not hash: a page's fingerprint hashes its JSON.
crate::paginate::paged_action!(DescribeVmInstanceRequest => DescribeVmInstanceResponse, VmInstanceInfo, crate::paginate::json_fingerprint);

/// Pages through DescribeVMInstance; see [`Paginator`].
pub type DescribeVmInstancePaginator = Paginator<DescribeVmInstanceRequest>;
/// The pages of a [`DescribeVmInstancePaginator`].
pub type DescribeVmInstancePages = Paged<DescribeVmInstanceResponse>;
/// The VMs of a [`DescribeVmInstancePaginator`], across pages.
pub type DescribeVmInstanceItems = Paged<VmInstanceInfo>;

impl DescribeVmInstanceFluentBuilder {
    /// Pages through every VM the request matches; see [`Paginator`].
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// use futures::TryStreamExt;
    ///
    /// let vms: Vec<_> = client.describe_vm_instance().into_paginator().items().try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn into_paginator(self) -> DescribeVmInstancePaginator {
        let (client, request, options) = self.into_parts();
        Paginator::new(client, request.build(), options)
    }
}
