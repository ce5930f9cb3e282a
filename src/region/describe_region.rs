//! DescribeRegion (获取地域信息): the regions of the platform. The one action that takes no
//! `Region`, so it is written out rather than declared with `action!`.

use crate::action::action;
use crate::{Action, ApiResponse, CallOptions, CallOptionsBuilder, Client, Error};
use serde::{Deserialize, Serialize};

/// A DescribeRegion request: no `Region`; build it with [`DescribeRegionRequest::builder`], or
/// send it fluently with [`Client::describe_region`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DescribeRegionRequest {
    /// `CompanyID`: the tenant id; honoured for admin callers only.
    #[serde(rename = "CompanyID", skip_serializing_if = "Option::is_none")]
    pub company_id: Option<i64>,
    /// `MemberID`: the member id.
    #[serde(rename = "MemberID", skip_serializing_if = "Option::is_none")]
    pub member_id: Option<i64>,
}

impl DescribeRegionRequest {
    /// A builder with nothing set.
    pub fn builder() -> DescribeRegionRequestBuilder {
        DescribeRegionRequestBuilder::default()
    }
}

/// Builds a [`DescribeRegionRequest`].
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct DescribeRegionRequestBuilder {
    request: DescribeRegionRequest,
}

impl DescribeRegionRequestBuilder {
    /// Returns the request (it has no rules to break).
    pub fn build(self) -> Result<DescribeRegionRequest, Error> {
        Ok(self.request)
    }

    action!(@setter value, /// `CompanyID`: the tenant id; honoured for admin callers only.
        company_id, i64);
    action!(@setter value, /// `MemberID`: the member id.
        member_id, i64);
}

/// `client.describe_region()`: set the fields, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "a fluent builder does nothing until .send() is awaited"]
pub struct DescribeRegionFluentBuilder {
    client: Client,
    inner: DescribeRegionRequestBuilder,
    options: CallOptions,
}

impl DescribeRegionFluentBuilder {
    /// Sends the request.
    pub async fn send(self) -> Result<DescribeRegionResponse, Error> {
        self.client.send_with(self.inner.build()?, &self.options).await
    }

    action!(@forward value, /// `CompanyID`: the tenant id; honoured for admin callers only.
        company_id, i64);
    action!(@forward value, /// `MemberID`: the member id.
        member_id, i64);
}

impl CallOptionsBuilder for DescribeRegionFluentBuilder {
    fn call_options(&mut self) -> &mut CallOptions {
        &mut self.options
    }
}

impl Client {
    /// DescribeRegion (获取地域信息): the regions of the platform, to find the `Region` other
    /// calls need. Sends no `Region` of its own.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// let regions = client.describe_region().send().await?;
    /// for region in &regions.infos {
    ///     println!("{:?} {:?}", region.region, region.region_alias);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn describe_region(&self) -> DescribeRegionFluentBuilder {
        DescribeRegionFluentBuilder {
            client: self.clone(),
            inner: DescribeRegionRequestBuilder::default(),
            options: CallOptions::default(),
        }
    }
}

impl Action for DescribeRegionRequest {
    const NAME: &'static str = "DescribeRegion";
    const IDEMPOTENT: bool = true;
    const REGIONAL: bool = false;
    type Output = DescribeRegionResponse;
}

/// The answer to DescribeRegion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DescribeRegionResponse {
    /// `Action`: `DescribeRegionResponse`.
    #[serde(rename = "Action", default, deserialize_with = "crate::de::string")]
    pub action: String,
    /// `RetCode`: 0 (any other value is returned as [`Error::Api`] instead).
    #[serde(rename = "RetCode", deserialize_with = "crate::de::int")]
    pub ret_code: i64,
    /// `Message`: empty on success.
    #[serde(rename = "Message", default, deserialize_with = "crate::de::string")]
    pub message: String,
    /// `TotalCount`: how many regions there are (the guide types it as a string; it is read
    /// either way).
    #[serde(rename = "TotalCount", default, deserialize_with = "crate::de::int")]
    pub total_count: i64,
    /// `Infos`: the regions (`null` or missing is empty).
    #[serde(rename = "Infos", default, deserialize_with = "crate::de::list")]
    pub infos: Vec<RegionInfo>,
}

impl ApiResponse for DescribeRegionResponse {
    fn ret_code(&self) -> i64 {
        self.ret_code
    }
    fn message(&self) -> &str {
        &self.message
    }
}

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
