//! Test doubles for code built on this crate (feature `testing`).
//!
//! - [`FakeUCloudStack`]: a UCloudStack on 127.0.0.1 that checks signatures, keeps images in
//!   memory (custom images go `Making` -> `Used`, deletion `Deleting` -> gone) and injects
//!   faults on request. [`FakeUCloudStack::transport`] serves the same fake without a socket,
//!   for tests under tokio's paused time.
//! - [`MockTransport`]: replays canned responses and records the requests it was given.
//! - [`image`], [`vm`], [`image_page`], [`vm_page`]: realistic values to build answers from.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), ucloudstack::Error> {
//! use ucloudstack::testing::FakeUCloudStack;
//!
//! let fake = FakeUCloudStack::start().await;
//! let client = fake.client();
//! let page = client.describe_image().send().await?;
//! assert_eq!(page.total_count as usize, fake.images().len());
//! # Ok(()) }
//! ```

mod factories;
mod fake;
mod mock;

pub use factories::{image, image_page, vm, vm_page};
pub use fake::{FakeBuilder, FakeTransport, FakeUCloudStack, Fault, ReceivedRequest, S3Fault};
pub use mock::MockTransport;
