//! The enums of the resource actions.

use crate::open_enum::string_enum;
use serde::{Deserialize, Serialize};

string_enum! {
    /// 权限模式: who may use a shared resource (UpdateResourcePermission's `PermissionMode`).
    pub enum PermissionMode {
        /// `all`: every tenant (the platform's default).
        All = "all",
        /// `whitelist`: only the tenants of `Permission`.
        Whitelist = "whitelist",
        /// `blacklist`: every tenant but those of `Permission`.
        Blacklist = "blacklist",
    }
}

string_enum! {
    /// 资源类型: the kind of resource UpdateResourcePermission shares.
    pub enum ResourceType {
        /// `BASE_IMAGE`: a base (platform) image.
        BaseImage = "BASE_IMAGE",
        /// `COMPUTE_SET`: a compute cluster.
        ComputeSet = "COMPUTE_SET",
        /// `STORAGE_SET`: a storage cluster.
        StorageSet = "STORAGE_SET",
        /// `SEGMENT`: a network segment.
        Segment = "SEGMENT",
        /// `DC`: a data centre.
        Dc = "DC",
        /// `FLATNETWORK`: a flat network.
        FlatNetwork = "FLATNETWORK",
    }
}
