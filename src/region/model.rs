//! The region model: what DescribeRegion lists.

use serde::{Deserialize, Serialize};

/// One region (地域), as DescribeRegion returns it; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct RegionInfo {
    /// `Region`: the region's id, e.g. `cn`.
    #[serde(rename = "Region", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `RegionAlias`: the region's display name.
    #[serde(
        rename = "RegionAlias",
        deserialize_with = "crate::de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub region_alias: Option<String>,
    /// `EndPoints`: the region's API endpoints.
    #[serde(rename = "EndPoints", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub end_points: Option<String>,
    /// `City`: the city.
    #[serde(rename = "City", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// `Address`: the address.
    #[serde(rename = "Address", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// `Remark`: a remark.
    #[serde(rename = "Remark", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    /// `CPUCount`: CPU cores in all.
    #[serde(rename = "CPUCount", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub cpu_count: Option<i64>,
    /// `CPUUsed`: CPU cores in use.
    #[serde(rename = "CPUUsed", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub cpu_used: Option<i64>,
    /// `CPUAllocable`: CPU cores that can be allocated.
    #[serde(rename = "CPUAllocable", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub cpu_allocable: Option<i64>,
    /// `MemoryCap`: memory in all.
    #[serde(rename = "MemoryCap", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub memory_cap: Option<i64>,
    /// `MemoryUsed`: memory allocated.
    #[serde(rename = "MemoryUsed", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub memory_used: Option<i64>,
    /// `MemoryPhysicUsed`: memory physically used.
    #[serde(
        rename = "MemoryPhysicUsed",
        deserialize_with = "crate::de::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub memory_physic_used: Option<i64>,
    /// `MemoryAllocable`: memory that can be allocated.
    #[serde(
        rename = "MemoryAllocable",
        deserialize_with = "crate::de::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub memory_allocable: Option<i64>,
    /// `GPUCount`: GPUs in all.
    #[serde(rename = "GPUCount", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub gpu_count: Option<i64>,
    /// `GPUAllocable`: GPUs that can be allocated.
    #[serde(rename = "GPUAllocable", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub gpu_allocable: Option<i64>,
    /// `GPUUsed`: GPUs in use.
    #[serde(rename = "GPUUsed", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub gpu_used: Option<i64>,
    /// `StorageCount`: storage in all.
    #[serde(rename = "StorageCount", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub storage_count: Option<i64>,
    /// `StorageUsed`: storage allocated.
    #[serde(rename = "StorageUsed", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub storage_used: Option<i64>,
    /// `StoragePhysicUsed`: storage physically used.
    #[serde(
        rename = "StoragePhysicUsed",
        deserialize_with = "crate::de::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub storage_physic_used: Option<i64>,
    /// `CreateTime`: the creation time, as Unix seconds.
    #[serde(rename = "CreateTime", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub create_time: Option<i64>,
    /// `UpdateTime`: the last change, as Unix seconds.
    #[serde(rename = "UpdateTime", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub update_time: Option<i64>,
    /// `ExpireTime`: when the licence expires, as Unix seconds.
    #[serde(rename = "ExpireTime", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub expire_time: Option<i64>,
    /// `State`: the licence state.
    #[serde(rename = "State", deserialize_with = "crate::de::opt_string", skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// `VGPUCount`: vGPUs in all.
    #[serde(rename = "VGPUCount", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub vgpu_count: Option<i64>,
    /// `VGPUUsed`: vGPUs in use.
    #[serde(rename = "VGPUUsed", deserialize_with = "crate::de::opt_int", skip_serializing_if = "Option::is_none")]
    pub vgpu_used: Option<i64>,
}
