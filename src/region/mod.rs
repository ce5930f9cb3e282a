//! Regions (地域): DescribeRegion.

mod describe_region;

pub use describe_region::*;
