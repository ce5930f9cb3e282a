//! `client.copy_image(id).to_each([&a, &b, &c])`: one golden image pulled by several platforms
//! or regions at once, each copy on its own, one's failure not stopping the others.

use super::ImageInfo;
use super::copy_image::CopyImageBuilder;
use super::import_wait::{ImportWait, import_wait_setters};
use crate::wait::WaitProgress;
use crate::{Client, Error};
use futures_util::future::join_all;
use std::sync::Arc;

type TargetProgress = Arc<dyn Fn(usize, &WaitProgress<'_>) + Send + Sync>;

/// Copies an image to several platforms or regions at once: see
/// [`CopyImageBuilder::to_each`].
#[derive(Clone)]
#[must_use = "a copy does nothing until .send() is awaited"]
pub struct CopyToEachBuilder {
    copy: CopyImageBuilder,
    targets: Vec<Client>,
    wait: ImportWait,
    on_progress: Option<TargetProgress>,
}

impl std::fmt::Debug for CopyToEachBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hosts: Vec<_> = self.targets.iter().map(|c| c.download_endpoint().host_str().unwrap_or_default()).collect();
        f.debug_struct("CopyToEachBuilder").field("copy", &self.copy).field("targets", &hosts).finish_non_exhaustive()
    }
}

impl CopyImageBuilder {
    /// Copies to every one of `targets` at once, instead of to one ([`to`](Self::to)): each
    /// target's platform pulls the image itself, as [`Client::copy_image`] says, with this
    /// builder's name, `CompanyID` and source region. One target failing does not stop the
    /// others: [`send`](CopyToEachBuilder::send) answers each target's copy or error, in the
    /// order of `targets`.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client, a: ucloudstack::Client, b: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// let copies = client.copy_image("cn-image-1").image_name("golden").to_each([&a, &b]).send().await?;
    /// for (target, copy) in ["a", "b"].iter().zip(copies) {
    ///     match copy {
    ///         Ok(image) => println!("{target}: {}", image.id()),
    ///         Err(e) => eprintln!("{target}: {e}"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn to_each<'a>(self, targets: impl IntoIterator<Item = &'a Client>) -> CopyToEachBuilder {
        let wait = self.import_wait();
        CopyToEachBuilder { copy: self, targets: targets.into_iter().cloned().collect(), wait, on_progress: None }
    }
}

impl CopyToEachBuilder {
    import_wait_setters!("each copy");

    /// Calls `report` after every poll of each copy, with the target's index in `targets`.
    pub fn on_progress(mut self, report: impl Fn(usize, &WaitProgress<'_>) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(report));
        self
    }

    /// Copies to every target at once; each target's copy once it is `Used`, or its error, in
    /// the order of the targets. No targets is [`Error::InvalidRequest`] for `to_each`.
    pub async fn send(self) -> Result<Vec<Result<ImageInfo, Error>>, Error> {
        if self.targets.is_empty() {
            return Err(Error::invalid("to_each", "needs at least one client to copy to"));
        }
        let copies = self.targets.iter().enumerate().map(|(index, target)| {
            let mut copy = self.copy.clone().to(target).with_import_wait(self.wait);
            if let Some(report) = self.on_progress.clone() {
                copy = copy.on_progress(move |p| report(index, p));
            }
            copy.send()
        });
        Ok(join_all(copies).await)
    }
}
