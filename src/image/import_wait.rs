//! How the import workflows (`import_image_from_url`, `copy_image`, `upload_image`) wait for
//! their image to be `Used`: one `max_wait` and `poll_delay`, the same setters on each builder.

use super::{ImageAvailable, ImageWaiter};
use crate::Client;
use std::time::Duration;

/// How long an import may take, unless told otherwise.
pub const DEFAULT_IMPORT_MAX_WAIT: Duration = Duration::from_secs(2 * 60 * 60);

/// The wait of an import workflow, as its builder's setters left it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ImportWait {
    pub max_wait: Duration,
    /// The first and longest delay between polls; the waiter's own when `None`.
    pub poll_delay: Option<(Duration, Duration)>,
}

impl Default for ImportWait {
    fn default() -> Self {
        ImportWait { max_wait: DEFAULT_IMPORT_MAX_WAIT, poll_delay: None }
    }
}

impl ImportWait {
    /// The waiter for `image_id` in `region` (the client's default when `None`).
    pub fn waiter(&self, client: &Client, image_id: &str, region: Option<&str>) -> ImageWaiter<ImageAvailable> {
        let mut waiter = client.wait_until_image_available(image_id).max_wait(self.max_wait);
        if let Some((min, max)) = self.poll_delay {
            waiter = waiter.poll_delay(min, max);
        }
        if let Some(region) = region {
            waiter = waiter.region(region);
        }
        waiter
    }
}

/// `max_wait` (documented by `$what`: what the wait covers) and `poll_delay`, for a builder
/// with an `ImportWait` field named `wait`.
macro_rules! import_wait_setters {
    ($what:literal) => {
        #[doc = concat!("The longest ", $what, " may take (default [`DEFAULT_IMPORT_MAX_WAIT`](crate::image::DEFAULT_IMPORT_MAX_WAIT), 2 h; `Duration::MAX` is no limit).")]
        pub fn max_wait(mut self, max_wait: std::time::Duration) -> Self {
            self.wait.max_wait = max_wait;
            self
        }

        /// The first and longest delay between polls while the image is made (default 2 s and
        /// 30 s).
        pub fn poll_delay(mut self, min: std::time::Duration, max: std::time::Duration) -> Self {
            self.wait.poll_delay = Some((min, max));
            self
        }
    };
}
pub(crate) use import_wait_setters;
