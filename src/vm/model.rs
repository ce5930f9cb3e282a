//! The VM types, as the API guide defines them.

use crate::image::OsType;
use crate::open_enum::string_enum;
use serde::{Deserialize, Serialize};

string_enum! {
    /// 虚拟机状态: the state of a virtual machine.
    pub enum VmState {
        /// `Starting` (启动中).
        Starting = "Starting",
        /// `Restarting` (重启中).
        Restarting = "Restarting",
        /// `Running` (运行中).
        Running = "Running",
        /// `Stopping` (关机中).
        Stopping = "Stopping",
        /// `Stopped` (已关机): the only state a custom image can be made in.
        Stopped = "Stopped",
        /// `Deleted` (已删除).
        Deleted = "Deleted",
        /// `Terminating` (销毁中).
        Terminating = "Terminating",
        /// `Terminated` (已销毁).
        Terminated = "Terminated",
        /// `Migrating` (迁移中).
        Migrating = "Migrating",
        /// `Reinstalling` (重装中).
        Reinstalling = "Reinstalling",
        /// `Poweroffing` (断电中): power being cut.
        Poweroffing = "Poweroffing",
        /// `Failed` (失败).
        Failed = "Failed",
    }
}

string_enum! {
    /// 计费方式: how a VM is billed.
    pub enum ChargeType {
        /// `Dynamic`: by the hour.
        Dynamic = "Dynamic",
        /// `Month`: by the month.
        Month = "Month",
        /// `Year`: by the year.
        Year = "Year",
    }
}

impl VmInstanceInfo {
    /// `VMID`, which the platform always sends; `""` if a response lacked it.
    pub fn id(&self) -> &str {
        self.vm_id.as_deref().unwrap_or_default()
    }

    /// `Name`; `""` if a response lacked it.
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or_default()
    }

    /// `State`, as text; `""` if a response lacked it.
    pub fn state(&self) -> &str {
        self.state.as_ref().map_or("", VmState::as_str)
    }
}

impl VmState {
    /// Whether the VM is on its way to another state (`Starting`, `Restarting`, `Stopping`,
    /// `Poweroffing`, `Terminating`, `Migrating`, `Reinstalling`).
    pub fn is_transitional(&self) -> bool {
        matches!(
            self,
            VmState::Starting
                | VmState::Restarting
                | VmState::Stopping
                | VmState::Poweroffing
                | VmState::Terminating
                | VmState::Migrating
                | VmState::Reinstalling
        )
    }
}

/// One virtual machine (虚拟机), as DescribeVMInstance returns it. Every field is optional in
/// the API guide, so every field is an `Option` (lists are empty when absent); `null`, missing
/// fields and numbers sent as strings are accepted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct VmInstanceInfo {
    /// `Region`: the region.
    #[serde(rename = "Region", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `CompanyID`: the tenant id.
    #[serde(rename = "CompanyID", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub company_id: Option<i64>,
    /// `Email`: the owner's email.
    #[serde(rename = "Email", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `ProjectID`: the project group.
    #[serde(rename = "ProjectID", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// `ProjectName`: the project group's name.
    #[serde(
        rename = "ProjectName",
        deserialize_with = "crate::de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub project_name: Option<String>,
    /// `State`: the VM's state.
    #[serde(rename = "State", skip_serializing_if = "Option::is_none")]
    pub state: Option<VmState>,
    /// `VMID`: the VM's id.
    #[serde(rename = "VMID", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub vm_id: Option<String>,
    /// `VMType`: the cluster type id.
    #[serde(rename = "VMType", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub vm_type: Option<String>,
    /// `VMTypeAlias`: the cluster type's name.
    #[serde(
        rename = "VMTypeAlias",
        deserialize_with = "crate::de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub vm_type_alias: Option<String>,
    /// `SetID`: the compute cluster id.
    #[serde(rename = "SetID", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub set_id: Option<String>,
    /// `SetArch`: the CPU architecture, e.g. `x86_64`.
    #[serde(rename = "SetArch", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub set_arch: Option<String>,
    /// `HostIP`: the IP of the host the VM runs on.
    #[serde(rename = "HostIP", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<String>,
    /// `ImageID`: the image the VM was made from.
    #[serde(rename = "ImageID", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub image_id: Option<String>,
    /// `OSName`: the operating system's name.
    #[serde(rename = "OSName", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub os_name: Option<String>,
    /// `OSType`: the operating system family.
    #[serde(rename = "OSType", skip_serializing_if = "Option::is_none")]
    pub os_type: Option<OsType>,
    /// `Remark`: the VM's remark.
    #[serde(rename = "Remark", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    /// `Name`: the VM's name.
    #[serde(rename = "Name", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `CreateTime`: the creation time, as Unix seconds.
    #[serde(rename = "CreateTime", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub create_time: Option<i64>,
    /// `ChargeType`: how the VM is billed.
    #[serde(rename = "ChargeType", skip_serializing_if = "Option::is_none")]
    pub charge_type: Option<ChargeType>,
    /// `ExpireTime`: when the VM expires, as Unix seconds.
    #[serde(rename = "ExpireTime", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub expire_time: Option<i64>,
    /// `CPU`: the number of CPU cores.
    #[serde(rename = "CPU", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub cpu: Option<i64>,
    /// `Memory`: the memory, in MB.
    #[serde(rename = "Memory", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub memory: Option<i64>,
    /// `DiskInfos`: the VM's disks (`null` or missing is empty).
    #[serde(rename = "DiskInfos", deserialize_with = "crate::de::list", skip_serializing_if = "Vec::is_empty")]
    pub disk_infos: Vec<VmDiskInfo>,
    /// `IPInfos`: the VM's addresses (`null` or missing is empty).
    #[serde(rename = "IPInfos", deserialize_with = "crate::de::list", skip_serializing_if = "Vec::is_empty")]
    pub ip_infos: Vec<VmIpInfo>,
    /// `VPCID`: the VPC.
    #[serde(rename = "VPCID", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// `VPCName`: the VPC's name.
    #[serde(rename = "VPCName", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub vpc_name: Option<String>,
    /// `SubnetID`: the subnet.
    #[serde(rename = "SubnetID", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    /// `SubnetName`: the subnet's name.
    #[serde(
        rename = "SubnetName",
        deserialize_with = "crate::de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub subnet_name: Option<String>,
    /// `UpdateTime`: the last change, as Unix seconds.
    #[serde(rename = "UpdateTime", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub update_time: Option<i64>,
    /// `GPUType`: `GPU` or `VGPU`.
    #[serde(rename = "GPUType", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub gpu_type: Option<String>,
    /// `GPU`: the number of GPUs.
    #[serde(rename = "GPU", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub gpu: Option<i64>,
    /// `VGPUID`: the vGPU id.
    #[serde(rename = "VGPUID", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub vgpu_id: Option<String>,
    /// `MdevName`: the mediated device's name.
    #[serde(rename = "MdevName", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub mdev_name: Option<String>,
    /// `CPUUtilization`: the CPU utilization.
    #[serde(
        rename = "CPUUtilization",
        deserialize_with = "crate::de::lax_float",
        skip_serializing_if = "Option::is_none"
    )]
    pub cpu_utilization: Option<f64>,
    /// `MemUsage`: the memory usage.
    #[serde(rename = "MemUsage", deserialize_with = "crate::de::lax_float", skip_serializing_if = "Option::is_none")]
    pub mem_usage: Option<f64>,
    /// `SpaceUsage`: the disk space usage.
    #[serde(rename = "SpaceUsage", deserialize_with = "crate::de::lax_float", skip_serializing_if = "Option::is_none")]
    pub space_usage: Option<f64>,
    /// `CanLogin`: whether the VM can be logged in to.
    #[serde(rename = "CanLogin", deserialize_with = "crate::de::lax_bool", skip_serializing_if = "Option::is_none")]
    pub can_login: Option<bool>,
    /// `SupportHotplug`: whether the VM supports hot-plugging.
    #[serde(
        rename = "SupportHotplug",
        deserialize_with = "crate::de::lax_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub support_hotplug: Option<bool>,
    /// `ImagePreparePrecent`: the image sync progress, in percent (the API spells it `Precent`).
    #[serde(
        rename = "ImagePreparePrecent",
        deserialize_with = "crate::de::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub image_prepare_percent: Option<i64>,
    /// `Reason`: why the VM failed, when it did.
    #[serde(rename = "Reason", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `BasicImageName`: the name of the Base image the VM descends from.
    #[serde(
        rename = "BasicImageName",
        deserialize_with = "crate::de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub basic_image_name: Option<String>,
}

/// One disk of a VM.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct VmDiskInfo {
    /// `Type`: `Boot` (the system disk) or `Data`.
    #[serde(rename = "Type", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub disk_type: Option<String>,
    /// `DiskID`: the disk's id.
    #[serde(rename = "DiskID", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub disk_id: Option<String>,
    /// `Name`: the disk's name.
    #[serde(rename = "Name", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Drive`: the drive, e.g. `vda`.
    #[serde(rename = "Drive", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub drive: Option<String>,
    /// `Size`: the size, in GB.
    #[serde(rename = "Size", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    /// `IsElastic`: whether the disk is elastic (`Y`/`N` on the wire).
    #[serde(
        rename = "IsElastic",
        deserialize_with = "crate::de::lax_bool",
        serialize_with = "crate::de::yes_no",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_elastic: Option<bool>,
    /// `StorageSetType`: the storage cluster type.
    #[serde(
        rename = "StorageSetType",
        deserialize_with = "crate::de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub storage_set_type: Option<String>,
}

/// One address of a VM.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct VmIpInfo {
    /// `IP`: the address.
    #[serde(rename = "IP", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// `Type`: `Private` or `Public`.
    #[serde(rename = "Type", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub ip_type: Option<String>,
    /// `IPVersion`: `IPv4` or `IPv6`.
    #[serde(rename = "IPVersion", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub ip_version: Option<String>,
    /// `SGName`: the security group's name.
    #[serde(rename = "SGName", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub sg_name: Option<String>,
    /// `SGID`: the security group.
    #[serde(rename = "SGID", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub sg_id: Option<String>,
    /// `InterfaceID`: the network interface.
    #[serde(
        rename = "InterfaceID",
        deserialize_with = "crate::de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub interface_id: Option<String>,
    /// `IsElastic`: whether the address is elastic (`Y`/`N` on the wire).
    #[serde(
        rename = "IsElastic",
        deserialize_with = "crate::de::lax_bool",
        serialize_with = "crate::de::yes_no",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_elastic: Option<bool>,
    /// `IsVIP`: whether the address is a virtual IP (`Y`/`N` on the wire).
    #[serde(
        rename = "IsVIP",
        deserialize_with = "crate::de::lax_bool",
        serialize_with = "crate::de::yes_no",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_vip: Option<bool>,
    /// `IPID`: the address's id.
    #[serde(rename = "IPID", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub ip_id: Option<String>,
    /// `ISDefaultGW`: whether this is the default gateway (`0`/`1` on the wire).
    #[serde(rename = "ISDefaultGW", deserialize_with = "crate::de::lax_bool", skip_serializing_if = "Option::is_none")]
    pub is_default_gw: Option<bool>,
    /// `NicType`: `LAN` or `WAN`.
    #[serde(rename = "NicType", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub nic_type: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_open() {
        assert_eq!(VmState::from("Stopped"), VmState::Stopped);
        assert_eq!(VmState::from("Hibernating"), VmState::Unknown("Hibernating".into()));
        assert_eq!(VmState::Poweroffing.as_str(), "Poweroffing");
        assert!(VmState::Stopping.is_transitional() && !VmState::Stopped.is_transitional());
    }

    #[test]
    fn a_vm_decodes_as_the_platform_sends_it() {
        let vm: VmInstanceInfo = serde_json::from_str(
            r#"{"VMID":"vm-1","State":"Running","CPU":"4","Memory":8192,"CPUUtilization":"12.5","CanLogin":true,
                "ChargeType":"Month","OSType":"Linux","DiskInfos":[{"Type":"Boot","Size":40,"IsElastic":"N"}],
                "IPInfos":[{"IP":"10.0.0.5","IsVIP":"Y","ISDefaultGW":1}],"ImagePreparePrecent":100,"Extra":1}"#,
        )
        .unwrap();
        assert_eq!((vm.vm_id.as_deref(), vm.state.clone(), vm.cpu), (Some("vm-1"), Some(VmState::Running), Some(4)));
        assert_eq!((vm.cpu_utilization, vm.can_login, vm.image_prepare_percent), (Some(12.5), Some(true), Some(100)));
        assert_eq!(vm.charge_type, Some(ChargeType::Month));
        assert_eq!((vm.disk_infos[0].size, vm.disk_infos[0].is_elastic), (Some(40), Some(false)));
        assert_eq!((vm.ip_infos[0].is_vip, vm.ip_infos[0].is_default_gw), (Some(true), Some(true)));
        let json = serde_json::to_string(&vm.disk_infos[0]).unwrap();
        assert_eq!(json, r#"{"Type":"Boot","Size":40,"IsElastic":"N"}"#, "Y/N goes back as Y/N");
        let empty: VmInstanceInfo = serde_json::from_str(r#"{"DiskInfos":null,"State":null}"#).unwrap();
        assert_eq!(empty, VmInstanceInfo::default());
    }
}
