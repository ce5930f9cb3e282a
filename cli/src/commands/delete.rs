//! `images delete`: custom images by id or name prefix, shown and confirmed first.

use crate::args::Delete;
use crate::config::Session;
use crate::confirm::{can_ask, confirm};
use crate::error::Failure;
use crate::interrupt::{self, Left};
use crate::output::{Out, plural, render, shown, text};
use crate::progress::Progress;
use futures::TryStreamExt;
use indicatif::ProgressBar;
use std::sync::{Arc, Mutex};
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
    let mut outcome = Outcome::default();
    let images = chosen(s, out, &args, &mut outcome).await?;
    if images.is_empty() && !args.dry_run {
        out.note("no custom image matches: nothing to delete");
        deleted(out, &outcome);
        return Ok(());
    }
    let count = plural(images.len(), "custom image");
    if args.dry_run {
        out.note(match images.is_empty() {
            true => "--dry-run: no custom image matches; nothing was deleted".to_owned(),
            false => format!("--dry-run: would delete {count}; nothing was deleted"),
        });
        if out.json {
            out.json(&serde_json::json!({ "dry_run": true, "would_delete": images, "skipped": outcome.skipped }));
        } else {
            out.images(&images);
        }
        return Ok(());
    }
    // Shown to the person asked, and to anyone reading text; `--json` keeps stderr for its error.
    if (!args.confirm.yes && can_ask()) || !out.json {
        eprint!("{}", render(["ID", "NAME", "STATUS"], &rows(&images), "image"));
    }
    let question = match images.len() {
        1 => "Delete this custom image".to_owned(),
        _ => format!("Delete these {count}"),
    };
    confirm(&question, args.confirm.yes).await?;
    // The question may have waited long: what was shown is looked at again.
    let images = if args.confirm.yes { images } else { still_chosen(s, out, &args, images, &mut outcome).await? };
    if images.is_empty() {
        deleted(out, &outcome);
        return Ok(());
    }
    let ids: Vec<String> = images.iter().filter_map(|i| i.image_id.clone()).collect();
    let progress = Progress::count("deleting", ids.len());
    let tally = Arc::new(Tally::new(progress.handle(), "deleting", "accepted"));
    let _saying = interrupt::saying({
        let (tally, ids) = (tally.clone(), ids.clone());
        move || tally.left(&ids)
    });
    let bulk = s.client.delete_custom_images(ids.clone()).concurrency(args.concurrency);
    let counting = tally.clone();
    let results = bulk.on_result(move |id, result| counting.add(id, result.is_ok())).send().await;
    drop(progress);
    let (mut done, mut failures) = (Vec::new(), Vec::new());
    for (id, result) in ids.into_iter().zip(results) {
        match result {
            Ok(_) => done.push(id),
            // Gone already, as asked: deleted by someone else since it was listed.
            Err(e) if e.is_not_found() => {
                out.note(format!("{id} was already deleted (no such image any more): nothing to do"));
                outcome.already_gone.push(id);
            }
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
    outcome.deleted = done;
    deleted(out, &outcome);
    let done = outcome.deleted;
    if failures.is_empty() {
        return Ok(());
    }
    let summary = format!("{} of {} failed", failures.len(), plural(failures.len() + done.len(), "delete"));
    Err(Failure::Bulk { summary, failures })
}

/// What a delete did besides failing: the ids deleted, those already gone when looked at
/// again, and those renamed away from --name-prefix while the question waited (not deleted).
#[derive(Default)]
struct Outcome {
    deleted: Vec<String>,
    already_gone: Vec<String>,
    renamed_away: Vec<String>,
    /// Images named that were already going away before anything was asked, and why.
    skipped: Vec<serde_json::Value>,
}

/// The images shown that are still to be deleted once the question is answered: each looked
/// up again; one gone (or going) since is already deleted, and one found by --name-prefix
/// whose name no longer starts with it is left alone.
async fn still_chosen(
    s: &Session,
    out: Out,
    args: &Delete,
    listed: Vec<ImageInfo>,
    outcome: &mut Outcome,
) -> Result<Vec<ImageInfo>, Failure> {
    let ids: Vec<String> = listed.iter().filter_map(|i| i.image_id.clone()).collect();
    let now: Vec<ImageInfo> = s.client.describe_image().image_ids(ids).into_paginator().items().try_collect().await?;
    let mut images = Vec::new();
    for image in listed {
        let id = text(&image.image_id);
        let current = now.iter().find(|i| i.image_id == image.image_id);
        match current {
            None => {
                out.note(format!(
                    "{id} was already deleted (by someone else while the question waited): nothing to do"
                ));
                outcome.already_gone.push(id);
            }
            Some(current) if going(current) => {
                out.note(format!(
                    "{id} was already deleted (it is {} now, since the question was asked): nothing to do",
                    shown(&current.image_status)
                ));
                outcome.already_gone.push(id);
            }
            Some(current) if !args.image_ids.contains(&id) && !matches_prefix(current, args) => {
                out.note(format!(
                    "{id} is now named {:?}, which does not start with --name-prefix {:?}: not deleted",
                    text(&current.name),
                    args.name_prefix.as_deref().unwrap_or_default()
                ));
                outcome.renamed_away.push(id);
            }
            Some(current) => images.push(current.clone()),
        }
    }
    Ok(images)
}

/// An image already going away.
fn going(image: &ImageInfo) -> bool {
    matches!(image.image_status, Some(ImageStatus::Deleting | ImageStatus::Deleted | ImageStatus::Terminating))
}

/// Whether the image's name starts with --name-prefix.
fn matches_prefix(image: &ImageInfo, args: &Delete) -> bool {
    let prefix = args.name_prefix.as_deref();
    prefix.is_some_and(|prefix| image.name.as_deref().is_some_and(|name| name.starts_with(prefix)))
}

/// The images named on the command line (each must be listed, and custom) and those whose
/// name starts with the prefix, each once, none already going away.
async fn chosen(s: &Session, out: Out, args: &Delete, outcome: &mut Outcome) -> Result<Vec<ImageInfo>, Failure> {
    let mut images: Vec<ImageInfo> = Vec::new();
    if !args.image_ids.is_empty() {
        let listed: Vec<ImageInfo> =
            s.client.describe_image().image_ids(args.image_ids.clone()).into_paginator().items().try_collect().await?;
        let mut base = Vec::new();
        for id in &args.image_ids {
            if images.iter().any(|i| i.image_id.as_deref() == Some(id)) {
                continue;
            }
            match listed.iter().find(|i| i.image_id.as_deref() == Some(id)) {
                Some(image) if image.image_type.as_ref().is_some_and(|t| *t != ImageType::Custom) => {
                    base.push(format!("{id} ({})", shown(&image.image_type)));
                }
                Some(image) if going(image) => {
                    let why = format!("already {}", shown(&image.image_status));
                    out.note(format!("{id} is {why}: skipped"));
                    outcome.skipped.push(serde_json::json!({ "id": id, "why": why }));
                }
                Some(image) => images.push(image.clone()),
                None => return Err(Failure::NotFound(format!("no image {id} is listed: nothing was deleted"))),
            }
        }
        if !base.is_empty() {
            return Err(Failure::usage(format!(
                "not custom images: {}; `images delete` deletes only custom images; nothing was deleted",
                base.join(", ")
            )));
        }
    }
    if let Some(prefix) = &args.name_prefix {
        // Every page first, then the deletes: deleting while paging would shift the pages.
        let custom = s.client.describe_image().image_type(ImageType::Custom).into_paginator().concurrency(8);
        let all: Vec<ImageInfo> = custom.items().try_collect().await?;
        let named = all.into_iter().filter(|i| i.name.as_deref().is_some_and(|n| n.starts_with(prefix.as_str())));
        for image in named.filter(|i| !going(i)) {
            if !images.iter().any(|i| i.image_id == image.image_id) {
                images.push(image);
            }
        }
    }
    Ok(images)
}

fn rows(images: &[ImageInfo]) -> Vec<[String; 3]> {
    images.iter().map(|i| [text(&i.image_id), text(&i.name), shown(&i.image_status)]).collect()
}

/// Results counted as they come, successes and failures apart, on a bar.
struct Tally {
    bar: ProgressBar,
    what: &'static str,
    ok_word: &'static str,
    /// Each id answered, and whether it went through.
    seen: Mutex<Vec<(String, bool)>>,
}

impl Tally {
    fn new(bar: ProgressBar, what: &'static str, ok_word: &'static str) -> Self {
        Tally { bar, what, ok_word, seen: Mutex::new(Vec::new()) }
    }

    fn add(&self, id: &str, ok: bool) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.push((id.to_owned(), ok));
        let good = seen.iter().filter(|(_, ok)| *ok).count();
        self.bar.set_position(seen.len() as u64);
        self.bar.set_message(format!("{} ({good} {}, {} failed)", self.what, self.ok_word, seen.len() - good));
    }

    /// What Ctrl-C leaves of deleting `ids`: the deletes accepted so far, and those that may or
    /// may not have been.
    fn left(&self, ids: &[String]) -> Left {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let accepted: Vec<&str> = seen.iter().filter(|(_, ok)| *ok).map(|(id, _)| id.as_str()).collect();
        let unanswered: Vec<&str> =
            ids.iter().filter(|id| !seen.iter().any(|(seen, _)| seen == *id)).map(String::as_str).collect();
        let accepted = match accepted.is_empty() {
            true => "no delete was accepted yet".to_owned(),
            false => format!("the deletes of {} were accepted", accepted.join(", ")),
        };
        if unanswered.is_empty() {
            return Left::known(format!("{accepted}; each delete was answered"));
        }
        Left::unknown(format!(
            "{accepted}; those of {} may or may not have been: look (images list --id ID) before running it again",
            unanswered.join(", ")
        ))
    }
}

/// Waits until each image is gone, counting those gone and those not apart.
async fn wait_gone(s: &Session, ids: &[String]) -> (Vec<String>, Vec<(String, Error)>) {
    let progress = Progress::count("waiting until gone", ids.len());
    let tally = Tally::new(progress.handle(), "waiting until gone", "gone");
    let waits = ids.iter().map(|id| {
        let tally = &tally;
        async move {
            let (min, max) = s.poll_delays();
            let waiter = s.client.wait_until_image_deleted(id).max_wait(s.max_wait).poll_delay(min, max);
            let result = waiter.wait().await;
            tally.add(id, result.is_ok());
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

/// The ids deleted, on stdout; with --json, also those found already gone and those renamed
/// away (the notes say them in text).
fn deleted(out: Out, outcome: &Outcome) {
    if out.json {
        out.json(&serde_json::json!({
            "deleted": outcome.deleted,
            "already_gone": outcome.already_gone,
            "renamed_away": outcome.renamed_away,
            "skipped": outcome.skipped,
        }));
    } else {
        for id in &outcome.deleted {
            println!("{id}");
        }
    }
}
