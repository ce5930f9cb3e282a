//! One try of a download: a GET from where the `.part` ends, its answer checked, its body
//! written until the file is complete or the try is over.

use super::answer::{
    BoxError, address_secrets, content_range, http_error, off_origin, response_total, stalled, too_slow, validator,
};
use super::{DownloadImageBuilder, Run, WRITE_BUFFER};
use crate::transfer::error::TransferStage;
use crate::transfer::part_file::{EarlySync, Version, with_suffix, write_version};
use tokio::io::AsyncWriteExt;
use tokio::time::Instant;
use url::Url;

/// What one try came to, when not the complete file.
pub(super) enum Step {
    /// Try again from where the `.part` ends.
    Retry(BoxError),
    /// Give up.
    Fail(TransferStage, BoxError),
}

/// Why the body of an answer stopped, when not at its clean end.
enum Cut {
    /// Cut, stalled, too slow or past its range: try again.
    Retry(BoxError),
    /// `max_wait` passed.
    OverTime,
}

impl DownloadImageBuilder {
    /// One GET from where the `.part` ends, until the file is complete or the try is over.
    pub(super) async fn fetch(&self, http: &reqwest::Client, url: Url, run: &mut Run) -> Result<(), Step> {
        let secrets = address_secrets(&url);
        let mut request = http.get(url.clone());
        if run.have > 0 {
            request = request.header(reqwest::header::RANGE, format!("bytes={}-", run.have));
            if let Some(validator) = run.file.as_ref().and_then(Version::if_range) {
                request = request.header(reqwest::header::IF_RANGE, validator);
            }
        }
        let idle = self.idle_timeout;
        let over_time = || Step::Fail(TransferStage::Download, self.over_time(None));
        let headers_by = run.deadline.map_or(Instant::now() + idle, |d| d.min(Instant::now() + idle));
        // The address is a secret until it expires: errors leave it out.
        let mut response = match tokio::time::timeout_at(headers_by, request.send()).await {
            Ok(sent) => sent.map_err(|e| Step::Retry(Box::new(e.without_url())))?,
            Err(_) if run.deadline.is_some_and(|d| Instant::now() >= d) => return Err(over_time()),
            Err(_) => return Err(Step::Retry(stalled(idle, "the answer's headers"))),
        };
        // Another host's answer is never the image, and a redirect to it is not followed.
        if let Some(why) = off_origin(&url, &response) {
            return Err(Step::Fail(TransferStage::Download, why.into()));
        }
        let status = response.status().as_u16();
        let validator = validator(&response);
        let write = |e: std::io::Error| Step::Fail(TransferStage::Write, Box::new(e));
        // Where this answer's bytes must stop (a byte offset in the file).
        let mut limit = None;
        match status {
            200 => {
                // The whole file: what the `.part` held is replaced.
                let seen = Version { total: response.content_length(), validator };
                if run.file.as_ref().is_some_and(|known| !known.agrees(&seen)) {
                    tracing::debug!(image_id = %self.image_id, "the file changed on the server; starting again");
                }
                run.have = 0;
                run.resumed = 0;
                run.file = Some(seen);
            }
            206 => {
                let Some((start, end, total)) = content_range(&response) else {
                    return self.restart(run, "a 206 answer without a readable Content-Range").await;
                };
                if start != run.have {
                    let why = format!("a 206 answer from byte {start}, not from byte {}", run.have);
                    return self.restart(run, &why).await;
                }
                let seen = Version { total, validator };
                let known = run.file.get_or_insert_with(|| seen.clone());
                if !known.agrees(&seen) {
                    return self.restart(run, "the file changed on the server since the first answer").await;
                }
                // `bytes START-END/*`: what was asked reaches the end of the file.
                known.total = known.total.or(total).or(end.checked_add(1));
                limit = end.checked_add(1);
            }
            416 => {
                // Nothing past the `.part`: complete if it is the file's length and version,
                // else start again.
                let total = response_total(&response);
                let known = run.file.get_or_insert_with(Version::default);
                let same = validator.is_none() || known.validator.is_none() || validator == known.validator;
                if same
                    && total == Some(run.have)
                    && known.agrees(&Version { total, validator: known.validator.clone() })
                {
                    known.total = total;
                    run.part.sync().await.map_err(write)?;
                    return Ok(());
                }
                let why = "a 416 answer that does not end the file where the .part does, or of another version";
                return self.restart(run, why).await;
            }
            // The address expired or was refused: ask for another.
            403 => {
                run.address = None;
                return Err(Step::Retry(http_error(status, &mut response, idle, &secrets).await.into()));
            }
            500 | 502 | 503 | 504 => {
                return Err(Step::Retry(http_error(status, &mut response, idle, &secrets).await.into()));
            }
            _ => {
                let error = http_error(status, &mut response, idle, &secrets).await;
                return Err(Step::Fail(TransferStage::Download, error.into()));
            }
        }
        let total = run.file.as_ref().and_then(|v| v.total);
        let limit = match (limit, total) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // A body that says where it ends (chunked, or HTTP/2) is complete at a clean end.
        let framed = response.version() >= reqwest::Version::HTTP_2
            || response
                .headers()
                .get(reqwest::header::TRANSFER_ENCODING)
                .is_some_and(|v| v.as_bytes().ends_with(b"chunked"));
        let file = run.part.writer(run.have).map_err(write)?;
        if run.have == 0 {
            write_version(run.part.path(), run.file.as_ref()).await.map_err(write)?;
        }
        let mut early = EarlySync::new(&file, run.have).await.map_err(write)?;
        let mut out = tokio::io::BufWriter::with_capacity(WRITE_BUFFER, file);
        let mut reported = run.have;
        // One timer for the whole body, moved on only when it fires: a timer per chunk would
        // cost more than the chunk's copy on a fast link. It wakes for the idle timeout, the
        // end of a `min_rate` window and `max_wait`, whichever comes first.
        let rate = self.min_rate.filter(|(bytes_per_sec, _)| *bytes_per_sec > 0);
        let mut last_byte = Instant::now();
        let mut window = (last_byte, run.have);
        let wake = |last_byte: Instant, window_start: Instant| {
            let mut at = last_byte + idle;
            if let Some((_, span)) = rate {
                at = at.min(window_start + span);
            }
            run.deadline.map_or(at, |d| at.min(d))
        };
        let mut timer = std::pin::pin!(tokio::time::sleep_until(wake(last_byte, window.0)));
        let cut = loop {
            let next = match futures_util::future::select(std::pin::pin!(response.chunk()), timer.as_mut()).await {
                futures_util::future::Either::Left((next, _)) => Some(next),
                futures_util::future::Either::Right(_) => None,
            };
            match next {
                None => {
                    let now = Instant::now();
                    if run.deadline.is_some_and(|d| now >= d) {
                        break Some(Cut::OverTime);
                    }
                    if let Some((bytes_per_sec, span)) = rate
                        && now >= window.0 + span
                    {
                        let got = run.have - window.1;
                        if (got as f64) < bytes_per_sec as f64 * span.as_secs_f64() {
                            break Some(Cut::Retry(too_slow(got, (bytes_per_sec, span))));
                        }
                        window = (now, run.have);
                    }
                    if now >= last_byte + idle {
                        break Some(Cut::Retry(stalled(idle, "more of the file")));
                    }
                    timer.as_mut().reset(wake(last_byte, window.0));
                }
                Some(Ok(Some(mut bytes))) => {
                    // Bytes past the answer's range (or the file's end) are never written.
                    let past = limit.is_some_and(|limit| run.have + bytes.len() as u64 > limit);
                    if let Some(limit) = limit.filter(|_| past) {
                        bytes.truncate(limit.saturating_sub(run.have) as usize);
                    }
                    out.write_all(&bytes).await.map_err(write)?;
                    // Idle from when the next byte is asked for: a slow disk is not a stall.
                    last_byte = Instant::now();
                    run.have += bytes.len() as u64;
                    if past {
                        let why =
                            format!("the answer ran past byte {} where its range ends: the rest is dropped", run.have);
                        break Some(Cut::Retry(why.into()));
                    }
                    if run.have - reported >= WRITE_BUFFER as u64 {
                        reported = run.have;
                        self.report(run);
                        early.tick(run.have).map_err(write)?;
                    }
                }
                Some(Ok(None)) => break None,
                Some(Err(e)) => break Some(Cut::Retry(Box::new(e.without_url()))),
            }
        };
        out.flush().await.map_err(write)?;
        let file = out.into_inner();
        early.finish().await.map_err(write)?;
        match (cut, total) {
            (Some(Cut::OverTime), _) => Err(over_time()),
            (Some(Cut::Retry(e)), _) => Err(Step::Retry(e)),
            (None, Some(total)) if run.have < total => Err(Step::Retry("the answer ended before the file did".into())),
            (None, Some(total)) if run.have > total => Err(Step::Fail(
                TransferStage::Download,
                format!("got {} bytes of a {total}-byte file", run.have).into(),
            )),
            (None, None) if !framed => Err(Step::Fail(
                TransferStage::Download,
                format!(
                    "the server never said the file's length (no Content-Length, Content-Range or chunked end): \
                     the {} bytes received may not be all of it, so they stay in the .part",
                    run.have
                )
                .into(),
            )),
            (None, _) => {
                file.sync_all().await.map_err(write)?;
                run.file.get_or_insert_with(Version::default).total = Some(run.have);
                Ok(())
            }
        }
    }

    /// Empties the `.part` to start the file again from byte 0 on the next try.
    async fn restart(&self, run: &mut Run, why: &str) -> Result<(), Step> {
        tracing::debug!(image_id = %self.image_id, why, "download starts again");
        run.have = 0;
        run.resumed = 0;
        run.file = None;
        run.part.truncate().map_err(|e| Step::Fail(TransferStage::Write, Box::new(e)))?;
        let _ = tokio::fs::remove_file(with_suffix(run.part.path(), ".etag")).await;
        Err(Step::Retry(format!("{why}: starting again from byte 0").into()))
    }
}
