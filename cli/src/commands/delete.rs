//! `images delete`: custom images by id or name prefix, shown and confirmed first.

use crate::args::Delete;
use crate::config::Session;
use crate::confirm::confirm;
use crate::error::Failure;
use crate::output::{Out, render, shown, text};
use crate::progress::Progress;
use futures::TryStreamExt;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use ucloudstack::Error;
use ucloudstack::image::{ImageInfo, ImageStatus, ImageType};

pub async fn delete(s: &Session, out: Out, args: Delete) -> Result<(), Failure> {
    if args.image_ids.is_empty() && args.name_prefix.is_none() {
        return Err(Failure::usage("nothing to delete: give image ids or --name-prefix"));
    }
    // Checked by clap already; kept so that no path ever deletes every image.
    if args.name_prefix.as_deref().is_some_and(|p| p.trim().is_empty()) {
        return Err(Failure::usage("--name-prefix must not be empty or blank: it would match every custom image"));
    }
    let images = chosen(s, &args).await?;
    if images.is_empty() {
        out.note("no custom image matches: nothing to delete");
        deleted(out, &[]);
        return Ok(());
    }
    if args.dry_run {
        out.note(format!("--dry-run: would delete {} custom images; nothing was deleted", images.len()));
        out.images(&images);
        return Ok(());
    }
    // Shown to the person asked, and to anyone reading text; `--json` keeps stderr for its error.
    let asking = !args.confirm.yes && std::io::stdin().is_terminal();
    if asking || !out.json {
        eprint!("{}", render(["ID", "NAME", "STATUS"], &rows(&images), "image"));
    }
    confirm(&format!("Delete these {} custom images", images.len()), args.confirm.yes)?;
    let ids: Vec<String> = images.iter().filter_map(|i| i.image_id.clone()).collect();
    let progress = Progress::count("deleting", ids.len());
    let bar = progress.handle();
    // Successes and failures counted apart as each result comes in.
    let counts = std::sync::Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
    let bulk = s.client.delete_custom_images(ids.clone()).concurrency(args.concurrency);
    let results = bulk
        .on_result(move |_, result| {
            let counter = if result.is_ok() { &counts.0 } else { &counts.1 };
            counter.fetch_add(1, Ordering::Relaxed);
            let (ok, failed) = (counts.0.load(Ordering::Relaxed), counts.1.load(Ordering::Relaxed));
            bar.set_position((ok + failed) as u64);
            bar.set_message(format!("deleting ({ok} accepted, {failed} failed)"));
        })
        .send()
        .await;
    drop(progress);
    let (mut done, mut failures) = (Vec::new(), Vec::new());
    for (id, result) in ids.into_iter().zip(results) {
        match result {
            Ok(_) => done.push(id),
            Err(e) => failures.push((id, e)),
        }
    }
    out.note(format!("{} deleting, {} failed", done.len(), failures.len()));
    if args.wait && !done.is_empty() {
        let (gone, mut not_gone) = wait_gone(s, &done).await;
        out.note(format!("{} deleted, {} not confirmed gone", gone.len(), not_gone.len()));
        failures.append(&mut not_gone);
        done = gone;
    }
    deleted(out, &done);
    if failures.is_empty() {
        return Ok(());
    }
    let summary = format!("{} of {} deletes failed", failures.len(), failures.len() + done.len());
    Err(Failure::Bulk { summary, failures })
}

/// The images named on the command line (each must be listed) and those whose name starts
/// with the prefix, not already going away.
async fn chosen(s: &Session, args: &Delete) -> Result<Vec<ImageInfo>, Failure> {
    let mut images = Vec::new();
    if !args.image_ids.is_empty() {
        let listed: Vec<ImageInfo> =
            s.client.describe_image().image_ids(args.image_ids.clone()).into_paginator().items().try_collect().await?;
        for id in &args.image_ids {
            match listed.iter().find(|i| i.image_id.as_deref() == Some(id)) {
                Some(image) => images.push(image.clone()),
                None => return Err(Failure::NotFound(format!("no image {id} is listed: nothing was deleted"))),
            }
        }
    }
    if let Some(prefix) = &args.name_prefix {
        // Every page first, then the deletes: deleting while paging would shift the pages.
        let custom = s.client.describe_image().image_type(ImageType::Custom).into_paginator().concurrency(8);
        let all: Vec<ImageInfo> = custom.items().try_collect().await?;
        let going = |i: &ImageInfo| {
            matches!(i.image_status, Some(ImageStatus::Deleting | ImageStatus::Deleted | ImageStatus::Terminating))
        };
        let named = all.into_iter().filter(|i| i.name.as_deref().is_some_and(|n| n.starts_with(prefix.as_str())));
        for image in named.filter(|i| !going(i)) {
            if !images.iter().any(|i: &ImageInfo| i.image_id == image.image_id) {
                images.push(image);
            }
        }
    }
    Ok(images)
}

fn rows(images: &[ImageInfo]) -> Vec<[String; 3]> {
    images.iter().map(|i| [text(&i.image_id), text(&i.name), shown(&i.image_status)]).collect()
}

/// Waits until each image is gone, counting those gone and those not apart.
async fn wait_gone(s: &Session, ids: &[String]) -> (Vec<String>, Vec<(String, Error)>) {
    let progress = Progress::count("waiting until gone", ids.len());
    let (gone_count, failed_count) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let bar = progress.handle();
    let waits = ids.iter().map(|id| {
        let (bar, gone_count, failed_count) = (&bar, &gone_count, &failed_count);
        async move {
            let (min, max) = s.poll_delays();
            let waiter = s.client.wait_until_image_deleted(id).max_wait(s.max_wait).poll_delay(min, max);
            let result = waiter.wait().await;
            let counter = if result.is_ok() { gone_count } else { failed_count };
            counter.fetch_add(1, Ordering::Relaxed);
            let (gone, failed) = (gone_count.load(Ordering::Relaxed), failed_count.load(Ordering::Relaxed));
            bar.set_position((gone + failed) as u64);
            bar.set_message(format!("waiting until gone ({gone} gone, {failed} failed)"));
            (id.clone(), result)
        }
    });
    let results = futures::future::join_all(waits).await;
    drop(progress);
    let mut gone = Vec::new();
    let mut failed = Vec::new();
    for (id, result) in results {
        match result {
            Ok(_) => gone.push(id),
            Err(e) => failed.push((id, e)),
        }
    }
    (gone, failed)
}

/// The ids deleted, on stdout.
fn deleted(out: Out, ids: &[String]) {
    if out.json {
        out.json(&serde_json::json!({ "deleted": ids }));
    } else {
        for id in ids {
            println!("{id}");
        }
    }
}
