//! Actions on any resource (资源): renaming.

mod modify_name_and_remark;

pub use modify_name_and_remark::*;
