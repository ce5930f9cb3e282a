//! DescribeImageOSVersions (获取镜像系统版本): the OS versions images may declare.

use super::ImageOsInfo;
use crate::action::action;

action! {
    /// DescribeImageOSVersions (获取镜像系统版本), newer platforms: the valid (`OSType`,
    /// `SetArch`, `OSDistribution`, `OSVersion`) tuples for ImportImage and UpdateImage. A paged
    /// listing: see `into_paginator()`.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// use futures::TryStreamExt;
    ///
    /// let every: Vec<_> = client.describe_image_os_versions().into_paginator().items().try_collect().await?;
    /// for os in &every {
    ///     println!("{:?} {:?} {:?}", os.os_distribution, os.os_version, os.set_arch);
    /// }
    /// # Ok(()) }
    /// ```
    name: "DescribeImageOSVersions", method: describe_image_os_versions, idempotent: true,
    request: DescribeImageOsVersionsRequest, builder: DescribeImageOsVersionsRequestBuilder,
    fluent: DescribeImageOsVersionsFluentBuilder, response: DescribeImageOsVersionsResponse,
    paged: {
        item: ImageOsInfo, fingerprint: hash_fingerprint,
        paginator: DescribeImageOsVersionsPaginator, pages: DescribeImageOsVersionsPages,
        items: DescribeImageOsVersionsItems,
    },
    fields {
        /// `ImageOSIDs`: only these OS versions; sent as `ImageOSIDs.0`, `ImageOSIDs.1`, ...
        "ImageOSIDs" image_os_ids: Vec<String> => extend(String),
        /// `Offset`: where the page starts (server default 0).
        "Offset" offset: Option<u32> => value(u32),
        /// `Limit`: the page length, 1 to 100.
        "Limit" limit: Option<u32> => value(u32),
        /// `CompanyID`: the tenant id.
        "CompanyID" company_id: Option<i64> => value(i64),
    }
    returns {}
}
