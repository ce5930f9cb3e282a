//! DescribeRegion (获取地域信息): the regions of the platform; the one action that takes no
//! `Region`.

use super::model::RegionInfo;
use crate::action::action;

action! {
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
    name: "DescribeRegion", method: describe_region, idempotent: true,
    request: DescribeRegionRequest, builder: DescribeRegionRequestBuilder,
    fluent: DescribeRegionFluentBuilder, response: DescribeRegionResponse,
    regional: false,
    fields {
        /// `CompanyID`: the tenant id; honoured for admin callers only.
        "CompanyID" company_id: Option<i64> => value(i64),
        /// `MemberID`: the member id.
        "MemberID" member_id: Option<i64> => value(i64),
    }
    returns {
        /// `TotalCount`: how many regions there are (the guide types it as a string; it is read
        /// either way).
        #[serde(rename = "TotalCount", default, deserialize_with = "crate::de::int")]
        pub total_count: i64,
        /// `Infos`: the regions (`null` or missing is empty).
        #[serde(rename = "Infos", default, deserialize_with = "crate::de::list")]
        pub infos: Vec<RegionInfo>,
    }
}
