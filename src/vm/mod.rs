//! Virtual machines (虚拟机), as image work needs them: their states.
//!
//! A custom image can only be made from a stopped VM (RetCode 1014 on 2.x, 2005 on 1.x).

mod model;

pub use model::VmState;
