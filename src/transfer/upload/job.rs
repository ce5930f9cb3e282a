//! An upload under way: logging in to S3, finding the upload, sending the parts, checking what
//! S3 holds, completing, and waiting for the image.

use super::parts::default_part_size;
use super::parts::{Landed, Parts, disagreeing, earlier_part_size, part_count};
use super::source::{FileFacts, Stamp};
use super::step::{Cause, Step, at};
use super::{UploadImageBuilder, UploadedImage};
use crate::Error;
use crate::image::model::{ImageInfo, ImageStatus};
use crate::transfer::error::TransferStage;
use crate::transfer::handle::UploadHandle;
use crate::transfer::meter::Meter;
use crate::transfer::progress::TransferProgress;
use crate::transfer::s3::{Keys, Login, RemotePart, S3, S3Error};
use futures_util::StreamExt;
use std::collections::BTreeMap;
use tokio::time::Instant;

/// Times the parts the final ListParts finds other than sent are sent again.
const RESEND_ROUNDS: usize = 2;

/// An upload under way.
pub(super) struct Job<'a> {
    pub(super) builder: &'a UploadImageBuilder,
    pub(super) http: reqwest::Client,
    pub(super) file: FileFacts,
    pub(super) started: Instant,
    /// Bytes the platform holds.
    pub(super) done: u64,
    /// Bytes this call sent (a part sent again counts again).
    pub(super) sent: u64,
    /// Bytes of parts the platform held already, found the same as the file's.
    pub(super) reused: u64,
    /// The upload, with its object key once known.
    pub(super) handle: UploadHandle,
}

/// Whether [`resume`](UploadImageBuilder::resume) could finish what `cause` stopped: not once
/// the S3 service answered that it no longer holds the upload (completed, aborted, or never
/// made), nor once the image failed or is gone. Anything else (a refused part, a cut
/// connection, a wait that ran out, an upload the listing did not show, a key given that
/// ListParts did not confirm) it can.
pub(super) fn resumable(cause: &(dyn std::error::Error + Send + Sync + 'static)) -> bool {
    if cause.is::<Final>() || cause.downcast_ref::<S3Error>().is_some_and(S3Error::is_no_such_upload) {
        return false;
    }
    !matches!(
        cause.downcast_ref::<Error>(),
        Some(Error::Waiter { reason: crate::WaitFailure::FailureState(_) | crate::WaitFailure::NotListed(_), .. })
    )
}

/// A failure no resume can mend: the image failed or is gone.
#[derive(Debug)]
pub(super) struct Final(String);

impl std::fmt::Display for Final {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Final {}

/// ListParts answered `NoSuchUpload` for a key given with
/// [`object_key`](UploadImageBuilder::object_key): the key may not be the upload's.
#[derive(Debug, thiserror::Error)]
#[error("the S3 service holds no upload {upload_id} under the object key {key:?} given: is it the upload's key?")]
pub(super) struct Unconfirmed {
    pub(super) key: String,
    pub(super) upload_id: String,
    #[source]
    pub(super) source: S3Error,
}

/// What the platform holds of the parts `differ`, which it was sent [`RESEND_ROUNDS`] + 1
/// times: said as it is (nothing at all, parts missing, parts other than sent).
fn not_held(held: &BTreeMap<u32, RemotePart>, differ: &[u32]) -> String {
    let tries = RESEND_ROUNDS + 1;
    if held.is_empty() {
        return format!(
            "the platform holds nothing of the upload (ListParts lists no part) after parts {differ:?} were each \
             sent {tries} times and answered 200: resume the upload"
        );
    }
    let (other, missing): (Vec<u32>, Vec<u32>) = differ.iter().partition(|n| held.contains_key(n));
    let mut said = Vec::new();
    if !missing.is_empty() {
        said.push(format!("nothing for parts {missing:?}"));
    }
    if !other.is_empty() {
        said.push(format!("other bytes (size or ETag) than were sent for parts {other:?}"));
    }
    format!(
        "after parts {differ:?} were each sent {tries} times, the platform holds {}: resume the upload",
        said.join(" and ")
    )
}

/// Where the object key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyFrom {
    /// [`UploadImageBuilder::object_key`]: unchecked until ListParts answers.
    Given,
    /// The resume handle: found or checked by an earlier call.
    Handle,
    /// The bucket's ListMultipartUploads.
    Listing,
}

impl Job<'_> {
    pub(super) async fn run(&mut self, resumed: bool) -> Step<UploadedImage> {
        let b = self.builder;
        let handle = self.handle.clone();
        let (image_id, upload_id) = (handle.image_id(), handle.upload_id());
        // The caller's, else the handle's (chosen before the first byte); a listing sets it only
        // for a handle kept by an older version.
        let chosen = b.part_size.or(handle.part_size());
        let fallback_size = chosen.unwrap_or_else(|| default_part_size(self.file.len));
        if resumed {
            let seen = crate::image::waiters::look(&b.client, image_id, b.region.as_deref()).await;
            match seen.map_err(at(TransferStage::Locate))?.and_then(|i| i.image_status.clone().map(|s| (i, s))) {
                Some((image, status)) if status.is_available() => {
                    self.done = self.file.len;
                    return Ok(self.uploaded(image, fallback_size, false));
                }
                Some((image, status)) if status.is_failed_or_gone() => {
                    let reason = image.reason.unwrap_or_default();
                    let image = format!("the image is {status} {reason}").trim_end().to_owned();
                    return Err((TransferStage::Make, Box::new(Final(image))));
                }
                // CompleteImageMultipartUpload was done: the platform is making the image.
                Some((_, ImageStatus::WaitMaking | ImageStatus::Making | ImageStatus::Initializing)) => {
                    self.done = self.file.len;
                    let image = self.wait(image_id).await?;
                    return Ok(self.uploaded(image, fallback_size, false));
                }
                _ => {}
            }
        }
        let login = b.s3_login().send().await.map_err(at(TransferStage::Login))?;
        let credentials = Login {
            endpoint: &login.endpoint,
            bucket: &login.bucket,
            access_key: &login.access_key,
            secret_key: &login.secret_key,
            token: login.session_id.as_ref(),
        };
        let scheme = b.client.download_endpoint().scheme().to_owned();
        let s3 =
            S3::new(self.http.clone(), credentials, &scheme, b.s3_region.trim()).map_err(at(TransferStage::Login))?;
        // S3Login says nothing of how long its credentials last (inferred: until the service
        // refuses them as expired); then they are renewed with another S3Login.
        let relogin = b.s3_login();
        let s3 = s3.with_renewal(Box::new(move || {
            let relogin = relogin.clone();
            Box::pin(async move {
                let login = relogin.send().await?;
                Ok(Keys::new(&login.access_key, &login.secret_key, login.session_id.as_ref())?)
            })
        }));
        let (key, from) = match (&b.object_key, handle.object_key()) {
            (Some(key), _) => (key.clone(), KeyFrom::Given),
            (None, Some(key)) => (key.to_owned(), KeyFrom::Handle),
            (None, None) => (s3.find_key(upload_id).await.map_err(at(TransferStage::Locate))?, KeyFrom::Listing),
        };
        if from == KeyFrom::Listing {
            self.keep(self.handle.clone().with_object_key(&key));
        }
        // A key given is checked before any part is sent; a resume needs the parts held.
        let remote = if resumed || from == KeyFrom::Given {
            s3.list_parts(&key, upload_id).await.map_err(|e| match from {
                KeyFrom::Given if e.is_no_such_upload() => {
                    let unconfirmed = Unconfirmed { key: key.clone(), upload_id: upload_id.to_owned(), source: e };
                    (TransferStage::Locate, Cause::from(unconfirmed))
                }
                _ => (TransferStage::Locate, Cause::from(e)),
            })?
        } else {
            BTreeMap::new()
        };
        if from == KeyFrom::Given {
            self.keep(self.handle.clone().with_object_key(&key));
        }
        let part_size = match chosen {
            Some(size) => size,
            None => earlier_part_size(&remote, self.file.len)
                .map_err(|rule| (TransferStage::Locate, Cause::from(rule)))?
                .unwrap_or(fallback_size),
        };
        let count = part_count(self.file.len, part_size);
        tracing::Span::current().record("ucloudstack.parts", count);
        if let Some(rule) = disagreeing(&remote, part_size, count) {
            return Err((TransferStage::Locate, rule.into()));
        }
        // Before any byte: a handle kept from here on resumes with this part size.
        self.keep(self.handle.clone().with_part_size(part_size));
        if let Some((&extra, _)) = remote.range(u32::try_from(count).unwrap_or(u32::MAX).saturating_add(1)..).next() {
            let rule = format!(
                "the platform holds part {extra}, but the file makes {count} parts of {part_size} bytes: the file \
                 changed or the upload began with another part size (set part_size to it); else remove the upload \
                 (AbortImageMultipartUpload) and start again"
            );
            return Err((TransferStage::Locate, rule.into()));
        }
        let meter = Meter::new(b.on_progress.clone(), self.file.len, self.started);
        let file = self.file.handle.clone();
        meter.add(0);
        let parts = Parts {
            s3: &s3,
            key: &key,
            upload_id,
            file: &file,
            len: self.file.len,
            part_size,
            remote: &remote,
            meter: &meter,
        };
        let count = u32::try_from(count).unwrap_or(u32::MAX);
        let mut landed = BTreeMap::new();
        let mut sending = futures_util::stream::iter(1..=count).map(|n| parts.send(n)).buffer_unordered(b.concurrency);
        while let Some(part) = sending.next().await {
            let (number, part) = part?;
            self.done += part.size;
            match part.reused {
                true => self.reused += part.size,
                false => self.sent += part.size,
            }
            landed.insert(number, part);
        }
        drop(sending);
        self.settle(&parts, &mut landed, count).await?;
        // Bytes read from a file that changed meanwhile would make an image of two files; the
        // path naming another file would upload one other than the caller's.
        let file = self.file.handle.clone();
        let now = tokio::task::spawn_blocking(move || file.metadata())
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))
            .and_then(|meta| meta)
            .map_err(at(TransferStage::Read))?;
        let there = tokio::fs::metadata(&b.path).await.map_err(at(TransferStage::Read))?;
        if Stamp::of(&now) != self.file.stamp || Stamp::of(&there) != self.file.stamp {
            let rule = "the file changed while it was sent: resume the upload to send the parts that differ";
            return Err((TransferStage::Read, rule.into()));
        }
        let mut complete = b.client.complete_image_multipart_upload().image_id(image_id).upload_id(upload_id);
        if let Some(company_id) = b.company_id {
            complete = complete.company_id(company_id);
        }
        if let Some(region) = &b.region {
            complete = complete.region(region);
        }
        complete.send().await.map_err(at(TransferStage::Complete))?;
        let image = self.wait(image_id).await?;
        Ok(self.uploaded(image, part_size, true))
    }

    /// Makes sure S3 holds parts 1 to `count` as `landed` says, and nothing beyond, before the
    /// platform assembles them: a part of an earlier attempt that timed out on the client but
    /// was stored late would win otherwise. Parts found other are sent again (a bounded number
    /// of times).
    async fn settle(&mut self, parts: &Parts<'_>, landed: &mut BTreeMap<u32, Landed>, count: u32) -> Step<()> {
        let (empty, silent) = (BTreeMap::new(), Meter::new(None, self.file.len, self.started));
        // Sent again whatever S3 holds, and not counted twice in the progress.
        let resend = Parts { remote: &empty, meter: &silent, ..*parts };
        for round in 0..=RESEND_ROUNDS {
            let held = parts.s3.list_parts(parts.key, parts.upload_id).await.map_err(at(TransferStage::Upload))?;
            if let Some((&extra, _)) = held.range(count.saturating_add(1)..).next() {
                let rule = format!(
                    "the platform holds part {extra}, beyond the file's {count} parts (an earlier attempt's, with \
                     another part size?): remove the upload (AbortImageMultipartUpload) and start again"
                );
                return Err((TransferStage::Upload, rule.into()));
            }
            let differ: Vec<u32> =
                landed.iter().filter(|(n, part)| !held.get(n).is_some_and(|h| part.is(h))).map(|(n, _)| *n).collect();
            if differ.is_empty() {
                return Ok(());
            }
            if round == RESEND_ROUNDS {
                return Err((TransferStage::Upload, not_held(&held, &differ).into()));
            }
            tracing::warn!(parts = ?differ, "S3 holds other parts than were sent (an earlier attempt's?): sending them again");
            // As many at once as the first sending: a large file is not sent again part by part.
            let mut resending =
                futures_util::stream::iter(differ).map(|n| resend.send(n)).buffer_unordered(self.builder.concurrency);
            while let Some(sent) = resending.next().await {
                let (number, part) = sent?;
                self.sent += part.size;
                if landed.insert(number, part).is_some_and(|was| was.reused) {
                    self.reused = self.reused.saturating_sub(landed.get(&number).map_or(0, |p| p.size));
                }
            }
        }
        Ok(())
    }

    /// Records what the handle gained (the object key, the part size), and tells
    /// [`on_handle`] of it when it is news.
    ///
    /// [`on_handle`]: UploadImageBuilder::on_handle
    fn keep(&mut self, handle: UploadHandle) {
        if self.handle == handle {
            return;
        }
        self.handle = handle;
        if let Some(keep) = &self.builder.on_handle {
            keep(&self.handle);
        }
    }

    async fn wait(&self, image_id: &str) -> Step<ImageInfo> {
        let b = self.builder;
        let mut waiter = b.wait.waiter(&b.client, image_id, b.region.as_deref());
        if let Some(report) = b.on_progress.clone() {
            let (started, total) = (self.started, self.file.len);
            // What this call did not send was there before it.
            let bytes_resumed = total.saturating_sub(self.sent.min(total));
            waiter = waiter.on_poll(move |p| {
                let percent = Some(p.percent.unwrap_or(0));
                let elapsed = started.elapsed();
                report(&TransferProgress { bytes_done: total, bytes_resumed, bytes_total: total, elapsed, percent });
            });
        }
        waiter.wait().await.map_err(at(TransferStage::Make))
    }

    /// The outcome; `compared`: whether the file was compared with the parts the platform
    /// holds (not once the upload was completed).
    fn uploaded(&self, image: ImageInfo, part_size: u64, compared: bool) -> UploadedImage {
        UploadedImage {
            image,
            bytes_sent: self.sent,
            bytes_reused: if compared { self.reused } else { 0 },
            file_compared: compared,
            part_size,
            handle: self.handle.clone(),
        }
    }
}
