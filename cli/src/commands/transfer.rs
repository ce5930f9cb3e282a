//! `images upload|download|import-url|copy`: moving image files, with progress.

use super::handle::{self, Saved};
use super::os::with_os;
use crate::args::{Copy, ImportUrl, OsFlags, Upload, known};
use crate::config::{Session, from_env, start_fake};
use crate::error::Failure;
use crate::interrupt::{self, Left};
use crate::output::plural;
use crate::output::{Out, put_path, quoted};
use crate::progress::{Lines, Progress, show_transfer, wait_status};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering::Relaxed;
use ucloudstack::image::{ImageFormat, ImageInfo, S3Error, TransferError};
use ucloudstack::testing::FakeUCloudStack;
use ucloudstack::{Client, Error, WaitFailure};

pub async fn upload(s: &Session, out: Out, a: Upload) -> Result<(), Failure> {
    // The handle is kept as soon as it exists, so that even Ctrl-C or a crash can be resumed:
    // a folder that is not there is refused before anything is sent.
    let path = a.handle_file.clone().or_else(|| a.resume.clone()).unwrap_or_else(|| beside(&a.file, ".upload.json"));
    let named: Vec<&Path> = [Some(a.file.as_path()), Some(&path), a.resume.as_deref()].into_iter().flatten().collect();
    crate::error::quote_in_messages(&named);
    if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty() && !f.is_dir()) {
        return Err(Failure::usage(format!(
            "the handle file {} cannot be written: the folder {} does not exist; nothing was sent",
            quoted(&path),
            quoted(folder)
        )));
    }
    check_handle_file(out, &a, &path)?;
    let (min, max) = s.poll_delays();
    let mut upload = s.client.upload_image(&a.file).concurrency(a.concurrency).max_wait(s.max_wait);
    upload = upload.poll_delay(min, max);
    let mut company_id = a.company_id;
    if let Some(resume) = &a.resume {
        let saved = read_handle(resume)?;
        company_id = company_id.or(saved.company_id);
        if let Some(region) = saved.region.filter(|r| Some(r.as_str()) != s.client.region()) {
            upload = upload.region(region);
        }
        upload = upload.resume(saved.handle);
    }
    // A resume without one sends none: the handle's upload needs no new import.
    if company_id.is_some() || a.resume.is_none() {
        upload = upload.company_id(s.company_id(company_id)?);
    }
    if let Some(name) = a.name {
        upload = upload.image_name(name);
    }
    if let Some(description) = a.description {
        upload = upload.image_description(description);
    }
    if let Some(format) = &a.format {
        upload = upload.image_format(known::<ImageFormat>(format, ImageFormat::KNOWN)?);
    }
    let os = OsFlags {
        os_type: a.os_type,
        distribution: a.distribution,
        os_version: a.os_version,
        arch: a.arch,
        bootloader: a.bootloader,
    };
    upload = with_os(upload, os)?;
    if let Some(size) = a.size {
        upload = upload.image_size(size);
    }
    if let Some(key) = &a.object_key {
        upload = upload.object_key(key);
    }
    if let Some(mib) = a.part_size {
        let bytes = mib.checked_mul(1 << 20).ok_or_else(|| Failure::usage("--part-size is too large"))?;
        upload = upload.part_size(bytes);
    }
    let region: Option<String> = s.client.region().map(Into::into);
    // ImportImage may have made an image although no answer came.
    let _saying = interrupt::saying(|| {
        Left::unknown(
            "no byte was sent; an image may have been imported: look for it by name (images list --keyword NAME)",
        )
    });
    let progress = Progress::spinner(format!("uploading {}", quoted(&a.file)));
    let bar = progress.handle();
    let (keep_path, keep_region, file) = (path.clone(), region.clone(), a.file.clone());
    // Whether this run wrote the handle file: only then is it this upload's to remove.
    let kept = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let wrote = kept.clone();
    upload = upload.on_handle(move |handle| {
        let saved = Saved { handle: handle.clone(), company_id, region: keep_region.clone() };
        let hint = match handle::write(&keep_path, &saved) {
            Ok(()) => {
                wrote.store(true, std::sync::atomic::Ordering::Relaxed);
                resume_hint(&file, &keep_path)
            }
            Err(e) => {
                let note = format!("the handle file {} cannot be written: {e}", quoted(&keep_path));
                if !out.json {
                    bar.suspend(|| eprintln!("note: {note}; a crash or Ctrl-C now cannot be resumed"));
                }
                note
            }
        };
        // The handle says what is there: nothing unknown is left.
        interrupt::say(move || Left::known(hint.clone()));
    });
    let bar = progress.handle();
    let result = upload.on_progress(move |p| show_transfer(&bar, p)).send().await;
    drop(progress);
    match result {
        Ok(done) => {
            let (sent, reused) = (done.bytes_sent, done.bytes_reused);
            out.note(format!("uploaded {}: {sent} bytes sent, {reused} already on the platform", done.image.id()));
            // The handles are spent: a later run must not resume a finished upload. Only this
            // upload's: one this run did not write or resume from is not its to remove.
            let ours = kept.load(Relaxed).then_some(&path);
            for spent in [ours, a.resume.as_ref()].into_iter().flatten() {
                let _ = std::fs::remove_file(spent);
            }
            out.image(&done.image);
            Ok(())
        }
        // A failure the library offers no handle for: no resume can go on with it.
        Err(Error::Transfer(failure))
            if failure.resume_handle().is_none() && (kept.load(Relaxed) || a.resume.is_some()) =>
        {
            let ours = kept.load(Relaxed).then_some(&path);
            let mut removed: Vec<String> = Vec::new();
            for spent in [ours, a.resume.as_ref()].into_iter().flatten() {
                if std::fs::remove_file(spent).is_ok() {
                    removed.push(quoted(spent));
                }
            }
            let removed = match removed.is_empty() {
                true => String::new(),
                false => format!(" (removed {})", removed.join(", ")),
            };
            let id = failure.image_id.clone();
            let why = match no_such_upload(&failure) {
                true => "the platform's S3 service no longer holds it",
                false => "its image failed or is gone",
            };
            let hint = format!(
                "the upload cannot be resumed: {why}{removed}; start afresh, without --resume (image {id}, made \
                 for it, may remain: `ucloudstack images show {id}`)"
            );
            Err(Failure::with_hint(Error::Transfer(failure), Some(hint)))
        }
        Err(Error::Transfer(failure)) if failure.resume_handle().is_some() => {
            let handle = failure.resume_handle().cloned();
            let saved = handle.map(|handle| Saved { handle, company_id, region });
            // A listing that does not show the upload needs its key to go on (MinIO).
            let not_listed = failure.source.downcast_ref::<S3Error>().is_some_and(S3Error::is_upload_not_listed);
            let hint = saved.as_ref().map(|saved| match handle::write(&path, saved) {
                Ok(()) if not_listed => format!(
                    "{} --object-key KEY (the upload's S3 object key: this service's listing does not show it)",
                    resume_hint(&a.file, &path)
                ),
                Ok(()) => resume_hint(&a.file, &path),
                Err(e) => format!("cannot write the handle file {}: {e}", quoted(&path)),
            });
            Err(Failure::with_hint(Error::Transfer(failure), hint))
        }
        Err(other) => Err(other.into()),
    }
}

/// The S3 service no longer holds the multipart upload (completed, aborted, or never made).
fn no_such_upload(failure: &TransferError) -> bool {
    failure.source.downcast_ref::<S3Error>().is_some_and(S3Error::is_no_such_upload)
}

fn resume_hint(file: &Path, handle_file: &Path) -> String {
    format!(
        "the parts sent stay on the platform; to go on, run (with the same --profile, --region or --endpoint): \
         ucloudstack images upload {} --resume {}",
        quoted(file),
        quoted(handle_file)
    )
}

/// The handle file this upload would write, refused before anything is sent when it is a link,
/// not a regular file, the image file itself, something that is not a handle, or the handle
/// of an earlier upload (which would be lost) unless --overwrite-handle.
fn check_handle_file(out: Out, a: &Upload, path: &Path) -> Result<(), Failure> {
    let named = match a.handle_file.is_some() {
        true => format!("--handle-file {}", quoted(path)),
        false => format!("the handle file {}", quoted(path)),
    };
    if handle::same_file(path, &a.file) {
        return Err(Failure::usage(format!(
            "{named} is the image file itself: a handle file must be a file of its own; nothing was sent"
        )));
    }
    // --resume's own file is read (and checked) as the handle to go on with.
    if a.resume.as_deref().is_some_and(|resume| resume == path || handle::same_file(resume, path)) {
        return Ok(());
    }
    let earlier = match handle::inspect(path) {
        Ok(None) => return Ok(()),
        Ok(Some(earlier)) => earlier,
        Err(why) => {
            return Err(Failure::usage(format!(
                "{named} {why}; it is not replaced: name another with --handle-file; nothing was sent"
            )));
        }
    };
    let id = earlier.handle.image_id();
    if a.overwrite_handle {
        out.note(format!(
            "--overwrite-handle: the earlier upload of image {id} can no longer be resumed once its handle in {} is \
             replaced; its image stays until deleted: ucloudstack images delete {id}",
            quoted(path)
        ));
        return Ok(());
    }
    let (file, handle_file) = (quoted(&a.file), quoted(path));
    Err(Failure::usage(format!(
        "{named} holds the handle of an earlier upload (image {id}), which this upload would replace; \
         nothing was sent.\n\
         To go on with that upload: ucloudstack images upload {file} --resume {handle_file}\n\
         To abandon it: ucloudstack images delete {id}, then rm {handle_file}\n\
         To start afresh and leave it as it is (it can no longer be resumed then): pass --overwrite-handle"
    )))
}

fn read_handle(path: &Path) -> Result<Saved, Failure> {
    match handle::inspect(path) {
        Ok(Some(saved)) => Ok(saved),
        Ok(None) => Err(Failure::usage(format!("--resume: {} does not exist", quoted(path)))),
        Err(why) => Err(Failure::usage(format!("--resume: {} {why}", quoted(path)))),
    }
}

/// `file` with `suffix` appended to its name.
fn beside(file: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(file.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

pub async fn download(s: &Session, out: Out, image_id: &str, file: &Path, overwrite: bool) -> Result<(), Failure> {
    let part = beside(file, ".part");
    crate::error::quote_in_messages(&[file, &part]);
    if let Some(folder) = file.parent().filter(|f| !f.as_os_str().is_empty() && !f.is_dir()) {
        return Err(Failure::usage(format!(
            "cannot download to {}: the folder {} does not exist",
            quoted(file),
            quoted(folder)
        )));
    }
    let progress = Progress::spinner(format!("downloading {image_id}"));
    let bar = progress.handle();
    let mut download = s.client.download_image(image_id, file).overwrite(overwrite);
    match s.transfer_max_wait {
        Some(max_wait) if max_wait.is_zero() => {
            return Err(Failure::usage("--max-wait 0 cannot bound a download: give more than 0 seconds"));
        }
        Some(max_wait) => download = download.max_wait(max_wait),
        None => {}
    }
    let kept = move || {
        let bytes = std::fs::metadata(&part).ok()?.len();
        Some(format!("{} keeps the {bytes} bytes received: run the same command again to continue", quoted(&part)))
    };
    let _saying = interrupt::saying({
        let kept = kept.clone();
        move || Left::known(kept().unwrap_or_else(|| "nothing was kept".into()))
    });
    let result = download.on_progress(move |p| show_transfer(&bar, p)).send().await;
    drop(progress);
    match result {
        Ok(done) => {
            let resumed = match done.bytes_resumed {
                0 => String::new(),
                n => format!(" ({n} of them kept from an earlier run's .part, {} received now)", done.bytes - n),
            };
            out.note(format!("downloaded {image_id}: {} bytes in {}{resumed}", done.bytes, quoted(&done.path)));
            if out.json {
                let mut json = serde_json::json!({ "bytes": done.bytes, "bytes_resumed": done.bytes_resumed });
                put_path(&mut json, "path", &done.path);
                out.json(&json);
            } else {
                // The path's own bytes, for `$(..)` in scripts; the note above is for pasting.
                let mut line = done.path.as_os_str().as_encoded_bytes().to_vec();
                line.push(b'\n');
                let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), &line);
            }
            Ok(())
        }
        Err(Error::Transfer(failure)) => Err(Failure::with_hint(Error::Transfer(failure), kept())),
        Err(other) => Err(other.into()),
    }
}

pub async fn import_url(s: &Session, out: Out, a: ImportUrl) -> Result<(), Failure> {
    let (min, max) = s.poll_delays();
    let mut import =
        s.client.import_image_from_url(a.url).image_name(a.naming.name).company_id(s.company_id(a.company_id)?);
    import = with_os(import.image_format(known::<ImageFormat>(&a.format, ImageFormat::KNOWN)?), a.os)?;
    if let Some(description) = a.naming.description {
        import = import.image_description(description);
    }
    let progress = Progress::spinner("importing");
    let bar = progress.handle();
    let import = import.max_wait(s.max_wait).poll_delay(min, max);
    let image = import.on_progress(move |p| bar.set_message(wait_status("importing", p))).send().await;
    drop(progress);
    let image = image.map_err(|error| {
        // The import made an image before its wait failed: say which, and what to do with it.
        let (hint, image_id) = match &error {
            Error::Waiter { id, reason: WaitFailure::FailureState(_), .. } => (
                Some(format!(
                    "the failed import left image {id} behind: remove it with `ucloudstack images delete {id}`"
                )),
                Some(id.clone()),
            ),
            Error::Waiter { id, .. } => (
                Some(format!("image {id} may still be importing: see it with `ucloudstack images show {id}`")),
                Some(id.clone()),
            ),
            _ => (None, None),
        };
        Failure::Call { error: Box::new(error), hint, image_id }
    })?;
    out.note(format!("imported {}", image.id()));
    out.image(&image);
    Ok(())
}

pub async fn copy(s: &Session, out: Out, a: Copy) -> Result<(), Failure> {
    let (targets, _fake) = target_clients(&a, out).await?;
    let (min, max) = s.poll_delays();
    let mut copy = s.client.copy_image(&a.image_id);
    if let Some(name) = &a.name {
        copy = copy.image_name(name);
    }
    if let Some(company_id) = a.company_id {
        copy = copy.company_id(company_id);
    }
    let clients: Vec<Client> = targets.iter().map(|(_, client)| client.clone()).collect();
    let lines = Lines::new(targets.iter().map(|(label, _)| format!("copying to {label}")));
    let bars = lines.bars();
    let copies = copy.to_each(&clients).max_wait(s.max_wait).poll_delay(min, max);
    let copies = copies.on_progress(move |n, p| bars[n].set_message(wait_status("copying", p))).send().await?;
    let mut results = Vec::new();
    // Published one after another: each is one call and a short wait on its own platform.
    for (n, ((label, client), copied)) in targets.iter().zip(copies).enumerate() {
        let done = match copied {
            Ok(image) if a.publish => publish_copy(s, client, &image).await.map(|base| (image, Some(base))),
            Ok(image) => Ok((image, None)),
            Err(error) => Err(error),
        };
        results.push(lines.finish(n, label, done));
    }
    drop(lines);
    if let ([_], false) = (targets.as_slice(), a.publish) {
        // One target: the copy as `images list` prints an image, as before several were taken.
        let (image, _) = results.pop().expect("one result a target")?;
        out.note(format!("copied {} as {}", a.image_id, image.id()));
        out.image(&image);
        return Ok(());
    }
    report_copies(out, &a.image_id, &targets, results)
}

/// Publishes a copy as a base image on its own platform, named as the copy; its id once made.
async fn publish_copy(s: &Session, client: &Client, image: &ImageInfo) -> Result<String, Error> {
    let clone = client.clone_custom_image_to_base_image().source_image_id(image.id()).dest_image_name(image.name());
    let base = clone.send().await?.dest_image_id;
    let (min, max) = s.poll_delays();
    client.wait_until_image_available(&base).max_wait(s.max_wait).poll_delay(min, max).wait().await?;
    Ok(base)
}

/// Each target's outcome: a line on stdout (TARGET ID [BASE_ID]) or one JSON object a target;
/// the failures as one failure, whose exit code says whether any may have acted.
fn report_copies(
    out: Out,
    source: &str,
    targets: &[(String, Client)],
    results: Vec<Result<(ImageInfo, Option<String>), Error>>,
) -> Result<(), Failure> {
    let mut json = Vec::new();
    let mut failures = Vec::new();
    for ((label, _), result) in targets.iter().zip(results) {
        match result {
            Ok((image, base)) => {
                let published = base.as_ref().map_or(String::new(), |b| format!(", published as base image {b}"));
                out.note(format!("{label}: copied {source} as {}{published}", image.id()));
                if !out.json {
                    println!("{label} {}{}", image.id(), base.as_ref().map_or(String::new(), |b| format!(" {b}")));
                }
                json.push(serde_json::json!({ "target": label, "image_id": image.id(), "base_image_id": base, "error": null }));
            }
            Err(error) => {
                json.push(serde_json::json!({
                    "target": label, "image_id": null, "base_image_id": null, "error": crate::error::message(&error)
                }));
                failures.push((label.clone(), error));
            }
        }
    }
    if out.json {
        out.json(&json);
    }
    if failures.is_empty() {
        return Ok(());
    }
    let summary = format!("{} of {} failed", failures.len(), plural(targets.len(), "copy"));
    Err(Failure::Bulk { summary: summary.replace("copys", "copies"), failures })
}

/// The clients copies go to, each with the name it is shown by (the profile, the endpoint, or
/// `fake`), and the second fake they talk to with `--to-fake`.
async fn target_clients(to: &Copy, out: Out) -> Result<(Vec<(String, Client)>, Option<FakeUCloudStack>), Failure> {
    let region = to.to_region.as_deref();
    if !to.to_profile.is_empty() {
        let mut seen = std::collections::BTreeSet::new();
        let mut targets = Vec::new();
        for profile in &to.to_profile {
            if profile.trim().is_empty() {
                return Err(Failure::usage("--to-profile: a profile name must not be empty"));
            }
            if !seen.insert(profile.as_str()) {
                return Err(Failure::usage(format!("--to-profile: {profile:?} is named twice")));
            }
            targets.push((profile.clone(), from_env(Some(profile), None, region).build()?));
        }
        return Ok((targets, None));
    }
    match (&to.to_endpoint, to.to_fake) {
        (Some(endpoint), _) => Ok((vec![(endpoint.clone(), from_env(None, Some(endpoint), region).build()?)], None)),
        (None, true) => {
            let fake = start_fake().await?;
            out.note(format!("copying to a second embedded fake UCloudStack at {}", fake.endpoint()));
            let mut builder = fake.client_builder();
            if let Some(region) = region {
                builder = builder.region(region);
            }
            Ok((vec![("fake".to_owned(), builder.build()?)], Some(fake)))
        }
        (None, false) => Err(Failure::usage("say where to copy to: --to-profile, --to-endpoint or --to-fake")),
    }
}
