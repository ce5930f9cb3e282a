//! `images upload|download|import-url|copy`: moving image files, with progress.

use crate::args::{Naming, Os, Upload, known};
use crate::config::{Session, from_env, start_fake};
use crate::error::Failure;
use crate::interrupt::{self, Left};
use crate::output::Out;
use crate::progress::{Progress, show_transfer, wait_status};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use ucloudstack::image::{BootloaderType, ImageFormat, ImageInfo, OsType, UploadHandle};
use ucloudstack::testing::FakeUCloudStack;
use ucloudstack::{Client, Error};

/// What a handle file holds: the library's handle, and what a resume needs besides.
#[derive(serde::Serialize, serde::Deserialize)]
struct Saved {
    #[serde(flatten)]
    handle: UploadHandle,
    company_id: Option<i64>,
    region: Option<String>,
}

pub async fn upload(s: &Session, out: Out, a: Upload) -> Result<(), Failure> {
    let (min, max) = s.poll_delays();
    let mut upload = s.client.upload_image(&a.file).concurrency(a.concurrency).max_wait(s.max_wait);
    upload = upload.poll_delay(min, max);
    let mut company_id = a.company_id;
    if let Some(path) = &a.resume {
        let saved = read_handle(path)?;
        company_id = company_id.or(saved.company_id);
        if let Some(region) = saved.region.filter(|r| Some(r.as_str()) != s.client.region()) {
            upload = upload.region(region);
        }
        upload = upload.resume(saved.handle);
    }
    if let Some(company_id) = company_id {
        upload = upload.company_id(company_id);
    }
    if let Some(name) = a.name {
        upload = upload.image_name(name);
    }
    if let Some(description) = a.description {
        upload = upload.image_description(description);
    }
    if let Some(format) = &a.format {
        upload = upload.image_format(known::<ImageFormat>(format, ImageFormat::KNOWN));
    }
    if let Some(os_type) = &a.os_type {
        upload = upload.os_type(known::<OsType>(os_type, OsType::KNOWN));
    }
    if let Some(distribution) = a.distribution {
        upload = upload.os_distribution(distribution);
    }
    if let Some(version) = a.os_version {
        upload = upload.os_version(version);
    }
    if let Some(arch) = a.arch {
        upload = upload.set_arch(arch);
    }
    if let Some(size) = a.size {
        upload = upload.image_size(size);
    }
    if let Some(mib) = a.part_size {
        let bytes = mib.checked_mul(1 << 20).ok_or_else(|| Failure::usage("--part-size is too large"))?;
        upload = upload.part_size(bytes);
    }
    // The handle is kept as soon as it exists, so that even Ctrl-C or a crash can be resumed.
    let path = a.handle_file.clone().or_else(|| a.resume.clone()).unwrap_or_else(|| beside(&a.file, ".upload.json"));
    let region: Option<String> = s.client.region().map(Into::into);
    // ImportImage may have made an image although no answer came.
    let _saying = interrupt::saying(|| {
        Left::unknown(
            "no byte was sent; an image may have been imported: look for it by name (images list --keyword NAME)",
        )
    });
    let (keep_path, keep_region, file) = (path.clone(), region.clone(), a.file.clone());
    upload = upload.on_handle(move |handle| {
        let saved = Saved { handle: handle.clone(), company_id, region: keep_region.clone() };
        let hint = match write_handle(&keep_path, &saved) {
            Ok(()) => resume_hint(&file, &keep_path),
            Err(e) => format!("the handle file {} could not be written: {e}", keep_path.display()),
        };
        // The handle file says what is there: nothing unknown is left.
        interrupt::say(move || Left::known(hint.clone()));
    });
    let progress = Progress::spinner(format!("uploading {}", a.file.display()));
    let bar = progress.handle();
    let result = upload.on_progress(move |p| show_transfer(&bar, p)).send().await;
    drop(progress);
    match result {
        Ok(done) => {
            let (sent, reused) = (done.bytes_sent, done.bytes_reused);
            out.note(format!("uploaded {}: {sent} bytes sent, {reused} already on the platform", done.image.id()));
            // The handle is spent: a later run must not resume a finished upload.
            let _ = std::fs::remove_file(&path);
            out.image(&done.image);
            Ok(())
        }
        Err(Error::Transfer(failure)) if failure.resume_handle().is_some() => {
            let handle = failure.resume_handle().cloned();
            let saved = handle.map(|handle| Saved { handle, company_id, region });
            let hint = saved.as_ref().map(|saved| match write_handle(&path, saved) {
                Ok(()) => resume_hint(&a.file, &path),
                Err(e) => format!("cannot write the handle file {}: {e}", path.display()),
            });
            Err(Failure::with_hint(Error::Transfer(failure), hint))
        }
        Err(other) => Err(other.into()),
    }
}

fn resume_hint(file: &Path, handle_file: &Path) -> String {
    format!(
        "the parts sent stay on the platform; to go on, run (with the same --profile, --region or --endpoint): \
         ucloudstack images upload {} --resume {}",
        file.display(),
        handle_file.display()
    )
}

fn read_handle(path: &Path) -> Result<Saved, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("--resume: cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| Failure::usage(format!("--resume: {} is not an upload handle file: {e}", path.display())))
}

fn write_handle(path: &Path, saved: &Saved) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(saved).map_err(std::io::Error::other)?;
    std::fs::write(path, text + "\n")
}

/// `file` with `suffix` appended to its name.
fn beside(file: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(file.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

pub async fn download(s: &Session, out: Out, image_id: &str, file: &Path, overwrite: bool) -> Result<(), Failure> {
    let progress = Progress::spinner(format!("downloading {image_id}"));
    let bar = progress.handle();
    let download = s.client.download_image(image_id, file).overwrite(overwrite);
    let part = beside(file, ".part");
    let kept = move || {
        let bytes = std::fs::metadata(&part).ok()?.len();
        Some(format!("{} keeps the {bytes} bytes received: run the same command again to continue", part.display()))
    };
    let _saying = interrupt::saying({
        let kept = kept.clone();
        move || Left::known(kept().unwrap_or_else(|| "nothing was kept".into()))
    });
    let result = download.on_progress(move |p| show_transfer(&bar, p)).send().await;
    drop(progress);
    match result {
        Ok(done) => {
            out.note(format!("downloaded {image_id}: {} bytes in {}", done.bytes, done.path.display()));
            if out.json {
                out.json(&serde_json::json!({ "path": done.path, "bytes": done.bytes }));
            } else {
                println!("{}", done.path.display());
            }
            Ok(())
        }
        Err(Error::Transfer(failure)) => Err(Failure::with_hint(Error::Transfer(failure), kept())),
        Err(other) => Err(other.into()),
    }
}

pub async fn import_url(
    s: &Session,
    out: Out,
    url: String,
    naming: Naming,
    format: &str,
    os: Os,
    company_id: i64,
) -> Result<(), Failure> {
    let (min, max) = s.poll_delays();
    let mut import = s.client.import_image_from_url(url).image_name(naming.name).company_id(company_id);
    import = import.image_format(known::<ImageFormat>(format, ImageFormat::KNOWN));
    import = import.os_type(known::<OsType>(&os.os_type, OsType::KNOWN)).os_distribution(os.distribution);
    if let Some(version) = os.os_version {
        import = import.os_version(version);
    }
    if let Some(arch) = os.arch {
        import = import.set_arch(arch);
    }
    if let Some(bootloader) = os.bootloader {
        import = import.bootloader_type(known::<BootloaderType>(&bootloader, BootloaderType::KNOWN));
    }
    if let Some(description) = naming.description {
        import = import.image_description(description);
    }
    let progress = Progress::spinner("importing");
    let bar = progress.handle();
    let import = import.max_wait(s.max_wait).poll_delay(min, max);
    let image = import.on_progress(move |p| bar.set_message(wait_status("importing", p))).send().await;
    drop(progress);
    let image = image?;
    out.note(format!("imported {}", image.id()));
    out.image(&image);
    Ok(())
}

/// Where a copy goes.
pub struct Target {
    pub profile: Option<String>,
    pub endpoint: Option<String>,
    pub fake: bool,
    pub region: Option<String>,
}

pub async fn copy(
    s: &Session,
    out: Out,
    image_id: &str,
    to: Target,
    name: Option<String>,
    company_id: Option<i64>,
) -> Result<(), Failure> {
    let (target, _fake) = target_client(to, out).await?;
    let (min, max) = s.poll_delays();
    let mut copy = s.client.copy_image(image_id).to(&target).max_wait(s.max_wait).poll_delay(min, max);
    if let Some(name) = name {
        copy = copy.image_name(name);
    }
    if let Some(company_id) = company_id {
        copy = copy.company_id(company_id);
    }
    let progress = Progress::spinner("copying");
    let bar = progress.handle();
    let image: Result<ImageInfo, Error> =
        copy.on_progress(move |p| bar.set_message(wait_status("copying", p))).send().await;
    drop(progress);
    let image = image?;
    out.note(format!("copied {image_id} as {}", image.id()));
    out.image(&image);
    Ok(())
}

/// The client a copy goes to, and the second fake it talks to with `--to-fake`.
async fn target_client(to: Target, out: Out) -> Result<(Client, Option<FakeUCloudStack>), Failure> {
    let region = to.region.as_deref();
    match (to.profile, to.endpoint, to.fake) {
        (Some(profile), _, _) => Ok((from_env(Some(&profile), None, region).build()?, None)),
        (None, Some(endpoint), _) => Ok((from_env(None, Some(&endpoint), region).build()?, None)),
        (None, None, true) => {
            let fake = start_fake().await?;
            out.note(format!("copying to a second embedded fake UCloudStack at {}", fake.endpoint()));
            let mut builder = fake.client_builder();
            if let Some(region) = region {
                builder = builder.region(region);
            }
            Ok((builder.build()?, Some(fake)))
        }
        (None, None, false) => Err(Failure::usage("say where to copy to: --to-profile, --to-endpoint or --to-fake")),
    }
}
