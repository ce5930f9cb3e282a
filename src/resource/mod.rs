//! Actions on any resource (资源): renaming, and who may use a shared one.

mod model;
mod modify_name_and_remark;

pub use model::{PermissionMode, ResourceType};
pub use modify_name_and_remark::*;
