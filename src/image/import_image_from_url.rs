//! `client.import_image_from_url(url)`: ImportImage(Remote), then wait until the image is
//! `Used`, with `PreparePrecent` as the progress.

use super::import_wait::{ImportWait, import_wait_setters};
use super::{BootloaderType, ImageFormat, ImageInfo, ImportImageFluentBuilder, ImportType, OsType};
use crate::wait::WaitProgress;
use crate::{CallOptionsBuilder, Client, Error};
use std::sync::Arc;

type ProgressHook = Arc<dyn Fn(&WaitProgress<'_>) + Send + Sync>;

/// Imports an image the platform fetches from a URL: see [`Client::import_image_from_url`].
#[derive(Clone)]
#[must_use = "an import does nothing until .send() is awaited"]
pub struct ImportImageFromUrlBuilder {
    import: ImportImageFluentBuilder,
    wait: ImportWait,
    on_progress: Option<ProgressHook>,
}

impl std::fmt::Debug for ImportImageFromUrlBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportImageFromUrlBuilder")
            .field("import", &self.import)
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Brings an image into the platform from a URL the platform can reach: sends
    /// ImportImage with `ImportType=Remote` and `LoadURL=url`, then waits until the image is
    /// `Used` (`WaitUploading`, `Uploading`, `WaitMaking`, `Making` and `Initializing` are on the
    /// way; [`on_progress`](ImportImageFromUrlBuilder::on_progress) gets `PreparePrecent` as
    /// [`WaitProgress::percent`]). No byte passes through this program.
    ///
    /// The ImportImage fields are set as on [`Client::import_image`]; `CompanyID`,
    /// `ImageName`, `ImageFormat`, `OSType` and `OSDistribution` are required.
    ///
    /// The import is not idempotent: it is sent once. If its answer is lost the call fails
    /// with [`outcome_unknown`](Error::outcome_unknown): look for an image of that name
    /// before importing again. An image that ends `Failed` is an [`Error::Waiter`] whose
    /// reason carries the platform's `Reason`.
    ///
    /// **Cancellation:** dropping the future after the import was sent leaves the platform
    /// importing; the image appears with its name and can be deleted as any custom image.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// use ucloudstack::image::{ImageFormat, OsType};
    ///
    /// let image = client
    ///     .import_image_from_url("http://mirror.example/ubuntu-24.04.qcow2")
    ///     .company_id(200001)
    ///     .image_name("ubuntu-24.04")
    ///     .image_format(ImageFormat::Qcow2)
    ///     .os_type(OsType::Linux)
    ///     .os_distribution("Ubuntu")
    ///     .os_version("24.04")
    ///     .on_progress(|p| eprintln!("{} {}% ({:?})", p.status, p.percent.unwrap_or(0), p.elapsed))
    ///     .send()
    ///     .await?;
    /// println!("{} is ready", image.id());
    /// # Ok(()) }
    /// ```
    pub fn import_image_from_url(&self, url: impl Into<String>) -> ImportImageFromUrlBuilder {
        ImportImageFromUrlBuilder {
            import: self.import_image().import_type(ImportType::Remote).load_url(url),
            wait: ImportWait::default(),
            on_progress: None,
        }
    }
}

/// Setters forwarded to the ImportImage request, documented there.
macro_rules! forward {
    ($( $name:ident($ty:ty) ),* $(,)?) => {
        $(
            #[doc = concat!("The ImportImage field set by [`ImportImageFluentBuilder::", stringify!($name), "`].")]
            pub fn $name(mut self, value: $ty) -> Self {
                self.import = self.import.$name(value);
                self
            }
        )*
    };
}
pub(crate) use forward;

impl ImportImageFromUrlBuilder {
    forward! {
        company_id(i64),
        image_name(impl Into<String>),
        image_format(ImageFormat),
        os_type(OsType),
        os_distribution(impl Into<String>),
        os_version(impl Into<String>),
        set_arch(impl Into<String>),
        image_size(u32),
        image_description(impl Into<String>),
        project_id(impl Into<String>),
        bootloader_type(BootloaderType),
        support_qga(bool),
        support_cloud_init(bool),
        region(impl Into<String>),
    }

    import_wait_setters!("the import, the platform's fetch included,");

    /// Calls `report` after every poll: the status, `PreparePrecent` as `percent`, the time.
    pub fn on_progress(mut self, report: impl Fn(&WaitProgress<'_>) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(report));
        self
    }

    /// The ImportImage request as set so far.
    pub fn as_input(&self) -> &super::ImportImageRequestBuilder {
        self.import.as_input()
    }

    /// The wait, as copy_image passes it on.
    pub(super) fn wait(mut self, wait: ImportWait) -> Self {
        self.wait = wait;
        self
    }

    /// Sends the import and waits until the image is `Used`; the image as last seen.
    pub async fn send(self) -> Result<ImageInfo, Error> {
        let request = self.import.as_input().clone().build()?;
        let region = request.region.clone();
        let (client, _, options) = self.import.into_parts();
        let imported = client.send_with(request, &options).await?;
        let mut waiter = self.wait.waiter(&client, &imported.image_id, region.as_deref());
        if let Some(report) = self.on_progress {
            waiter = waiter.on_poll(move |p| report(p));
        }
        waiter.wait().await
    }
}

impl CallOptionsBuilder for ImportImageFromUrlBuilder {
    /// The retry policy and timeouts of the ImportImage call (the wait has `max_wait`).
    fn call_options(&mut self) -> &mut crate::CallOptions {
        self.import.call_options()
    }
}
