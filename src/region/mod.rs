//! Regions (地域): DescribeRegion.

mod describe_region;
mod model;

pub use describe_region::*;
pub use model::RegionInfo;
