//! `client.image_download_url(id)` and `client.copy_image(id).to(&other)`: an image's download
//! address, and a copy that another platform (or region) pulls from it.

use super::import_wait::{ImportWait, import_wait_setters};
use super::{ImageInfo, ImageStatus};
use crate::wait::WaitProgress;
use crate::{Client, Error};
use std::sync::Arc;
use url::Url;

type ProgressHook = Arc<dyn Fn(&WaitProgress<'_>) + Send + Sync>;

impl Client {
    /// The address an image file can be downloaded from, until it expires: GetImageDownloadURL
    /// answers `DownloadQuery` (already URL-encoded) and `ExpiredTime`; the address is the
    /// client's [`download_endpoint`](crate::ClientBuilder::download_endpoint) with that query
    /// (by default `<scheme>://<endpoint host>/s3/download?<DownloadQuery>`: the platform does
    /// not say where its download service is, so this part is inferred). Encrypted images
    /// cannot be downloaded. Anyone holding the address can download the image until it
    /// expires: treat it as a secret.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// let address = client.image_download_url("cn-image-1").await?;
    /// println!("curl -o disk.qcow2 '{address}'");
    /// # Ok(()) }
    /// ```
    pub async fn image_download_url(&self, image_id: impl Into<String>) -> Result<Url, Error> {
        self.image_download_url_in(&image_id.into(), None).await
    }

    async fn image_download_url_in(&self, image_id: &str, region: Option<&str>) -> Result<Url, Error> {
        let mut get = self.get_image_download_url().image_id(image_id);
        if let Some(region) = region {
            get = get.region(region);
        }
        let answer = get.send().await?;
        let query = answer.info.and_then(|info| info.download_query).filter(|q| !q.is_empty());
        let Some(query) = query else {
            return Err(Error::Decode {
                meta: crate::ErrorMetadata::new("GetImageDownloadURL"),
                reason: "the answer has no Info.DownloadQuery".into(),
                malformed: false,
                body: String::new(),
            });
        };
        let mut address = self.download_endpoint().clone();
        address.set_query(Some(query.expose()));
        Ok(address)
    }

    /// Copies an image to another platform, or another region of this one: the other
    /// client's platform imports it ([`Client::import_image_from_url`]) from this one's
    /// [download address](Client::image_download_url), with the source's `ImageFormat`,
    /// `OSType`, `OSDistribution`, `SetArch`, `BootloaderType`, QGA and cloud-init support and
    /// description (cut to the 100 characters ImportImage takes), and waits until it is `Used`. No byte passes through this program. None of the official
    /// SDKs offers it.
    ///
    /// The source must be `Used`, not encrypted, and say its `ImageFormat` (newer platforms
    /// do); the other platform must reach this one's download address. The name is the
    /// source's unless [`image_name`](CopyImageBuilder::image_name) says otherwise; the
    /// `CompanyID` is the source's unless [`company_id`](CopyImageBuilder::company_id) does.
    ///
    /// ```no_run
    /// # async fn run(client: ucloudstack::Client, other_region: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
    /// let copy = client.copy_image("cn-image-1").to(&other_region).image_name("ubuntu-24.04").send().await?;
    /// println!("copied as {}", copy.id());
    /// # Ok(()) }
    /// ```
    pub fn copy_image(&self, image_id: impl Into<String>) -> CopyImageBuilder {
        CopyImageBuilder {
            source: self.clone(),
            image_id: image_id.into(),
            source_region: None,
            target: None,
            image_name: None,
            company_id: None,
            wait: ImportWait::default(),
            on_progress: None,
        }
    }
}

/// Copies an image to another platform or region: see [`Client::copy_image`].
#[derive(Clone)]
#[must_use = "a copy does nothing until .send() is awaited"]
pub struct CopyImageBuilder {
    source: Client,
    image_id: String,
    source_region: Option<String>,
    target: Option<Client>,
    image_name: Option<String>,
    company_id: Option<i64>,
    wait: ImportWait,
    on_progress: Option<ProgressHook>,
}

impl std::fmt::Debug for CopyImageBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopyImageBuilder")
            .field("image_id", &self.image_id)
            .field("source_region", &self.source_region)
            .field(
                "target",
                &self.target.as_ref().map(|c| c.download_endpoint().host_str().unwrap_or_default().to_owned()),
            )
            .field("image_name", &self.image_name)
            .field("company_id", &self.company_id)
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

impl CopyImageBuilder {
    /// The client of the platform or region to copy to (required): its own endpoint, keys
    /// and default region.
    pub fn to(mut self, target: &Client) -> Self {
        self.target = Some(target.clone());
        self
    }

    /// The source image's region, when not the source client's default.
    pub fn source_region(mut self, region: impl Into<String>) -> Self {
        self.source_region = Some(region.into());
        self
    }

    /// `ImageName` of the copy (default: the source's name).
    pub fn image_name(mut self, name: impl Into<String>) -> Self {
        self.image_name = Some(name.into());
        self
    }

    /// `CompanyID` the copy belongs to (default: the source's).
    pub fn company_id(mut self, company_id: i64) -> Self {
        self.company_id = Some(company_id);
        self
    }

    import_wait_setters!("the copy");

    /// The wait as set so far, for [`to_each`](Self::to_each) to carry on.
    pub(super) fn import_wait(&self) -> ImportWait {
        self.wait
    }

    /// The wait [`CopyToEachBuilder`](super::CopyToEachBuilder) set for every copy.
    pub(super) fn with_import_wait(mut self, wait: ImportWait) -> Self {
        self.wait = wait;
        self
    }

    /// Calls `report` after every poll of the copy, `PreparePrecent` as `percent`.
    pub fn on_progress(mut self, report: impl Fn(&WaitProgress<'_>) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(report));
        self
    }

    /// Checks the source, gets its download address, and has the other platform import it;
    /// the copy once it is `Used`.
    pub async fn send(self) -> Result<ImageInfo, Error> {
        let Some(target) = self.target.clone() else {
            return Err(Error::invalid("to", "is required: the client of the platform or region to copy to"));
        };
        if self.image_id.trim().is_empty() {
            return Err(Error::invalid("ImageID", "must not be empty or blank"));
        }
        let region = self.source_region.as_deref();
        let Some(source) = super::waiters::look(&self.source, &self.image_id, region).await? else {
            return Err(Error::invalid(
                "ImageID",
                format!("{:?} is not listed where the source client looks", self.image_id),
            ));
        };
        let status = source.image_status.clone();
        if !status.as_ref().is_some_and(ImageStatus::is_available) {
            let status = status.map_or_else(|| "without a status".to_owned(), |s| format!("{s}"));
            return Err(Error::invalid(
                "ImageID",
                format!("{} is {status}: only a Used image can be copied", self.image_id),
            ));
        }
        if source.encrypted == Some(true) {
            return Err(Error::invalid(
                "ImageID",
                format!("{} is encrypted: it cannot be downloaded, so not copied", self.image_id),
            ));
        }
        let Some(format) = source.image_format.clone() else {
            return Err(Error::invalid(
                "ImageFormat",
                format!(
                    "{} does not say its ImageFormat (older platforms do not): import it with import_image_from_url",
                    self.image_id
                ),
            ));
        };
        let address = self.source.image_download_url_in(&self.image_id, region).await?;
        let mut import = target.import_image_from_url(address.as_str()).image_format(format).wait(self.wait);
        if let Some(name) =
            self.image_name.clone().or_else(|| source.name.clone()).or_else(|| source.image_name.clone())
        {
            import = import.image_name(name);
        }
        if let Some(company_id) = self.company_id.or(source.company_id) {
            import = import.company_id(company_id);
        }
        if let Some(os_type) = source.os_type.clone() {
            import = import.os_type(os_type);
        }
        if let Some(distribution) = source.os_distribution.clone() {
            import = import.os_distribution(distribution);
        }
        if let Some(arch) = source.set_arch.clone() {
            import = import.set_arch(arch);
        }
        if let Some(bootloader) = source.bootloader_type.clone() {
            import = import.bootloader_type(bootloader);
        }
        if let Some(qga) = source.support_qga {
            import = import.support_qga(qga);
        }
        if let Some(cloud_init) = source.support_cloud_init {
            import = import.support_cloud_init(cloud_init);
        }
        // ImportImage takes at most 100 characters of description: a longer source's is cut.
        if let Some(description) = source.image_description.as_deref().filter(|d| !d.trim().is_empty()) {
            import = import.image_description(description.chars().take(100).collect::<String>());
        }
        if let Some(report) = self.on_progress {
            import = import.on_progress(move |p| report(p));
        }
        import.send().await
    }
}
