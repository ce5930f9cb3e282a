//! The VM types, as the API guide defines them.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_open() {
        assert_eq!(VmState::from("Stopped"), VmState::Stopped);
        assert_eq!(VmState::from("Hibernating"), VmState::Unknown("Hibernating".into()));
        assert_eq!(VmState::Poweroffing.as_str(), "Poweroffing");
    }
}
