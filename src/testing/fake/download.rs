//! `GET /s3/download?<DownloadQuery>`: an image's file, as GetImageDownloadURL grants it. The
//! bytes are made up from the image id (deterministic, never held whole), streamed in chunks;
//! `Range` gives 206 or 416 (unless an `If-Range` is not the `ETag`: then 200); a wrong or
//! expired query is 403, an image gone is 404.

use super::content::{fill, seed, sha1_hex};
use super::handler::Shared;
use super::state::unix_now;
use super::transfer::download_signature;
use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body::{Body, Frame, SizeHint};
use http_body_util::{Either, Full};
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The path the fake serves downloads on, as the platform's reference shows it.
pub(super) const PATH: &str = "/s3/download";

/// How much of a file one frame holds.
const CHUNK: u64 = 64 * 1024;

/// A response body: a short text, or a file.
pub(super) type Reply = Response<Either<Full<Bytes>, Blob>>;

pub(super) fn text(status: StatusCode, body: &'static str) -> Reply {
    let mut response = Response::new(Either::Left(Full::new(Bytes::from_static(body.as_bytes()))));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    response
}

/// Answers a download (`head`: the headers only). A `Range` with an `If-Range` that is not the
/// file's `ETag` gets the whole file, as HTTP says.
pub(super) fn serve(shared: &Shared, head: bool, query: Option<&str>, headers: &http::HeaderMap) -> Reply {
    let header = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    let (range, if_range) = (header(header::RANGE), header(header::IF_RANGE));
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let (Some(image_id), Some(expires), Some(signature)) = (get("ImageID"), get("Expires"), get("Signature")) else {
        return text(StatusCode::FORBIDDEN, "the query lacks ImageID, Expires or Signature");
    };
    let expires: i64 = expires.parse().unwrap_or(i64::MIN);
    let length = {
        let mut state = shared.lock();
        if signature != download_signature(&state.download_key, image_id, expires) {
            return text(StatusCode::FORBIDDEN, "the signature does not match");
        }
        if unix_now() >= expires {
            return text(StatusCode::FORBIDDEN, "the query has expired");
        }
        shared.advance(&mut state);
        let file_size = state.file_size;
        match state.image(image_id) {
            Some(image) if image.info.image_status.as_ref().is_some_and(|s| s.is_available()) => {
                // As long as what an import fetched or an upload assembled (not those bytes).
                image.fetched.as_ref().or(image.uploaded.as_ref()).map_or(file_size, |(length, _)| *length)
            }
            _ => return text(StatusCode::NOT_FOUND, "no such image"),
        }
    };
    let etag = format!("\"{}\"", sha1_hex(&[image_id.as_bytes(), &length.to_le_bytes()]));
    let range = range.filter(|_| if_range.is_none_or(|v| v.trim() == etag));
    let (status, start, end) = match range.map(|r| parse_range(r, length)) {
        Some(Some(Ok((start, end)))) => (StatusCode::PARTIAL_CONTENT, start, end),
        Some(Some(Err(()))) => {
            let mut response = text(StatusCode::RANGE_NOT_SATISFIABLE, "the range is outside the file");
            insert(&mut response, header::CONTENT_RANGE, format!("bytes */{length}"));
            return response;
        }
        // No range, or one the fake does not read (several, or malformed): the whole file.
        Some(None) | None => (StatusCode::OK, 0, length),
    };
    let blob = Blob { seed: seed(image_id), at: start, end: if head { start } else { end } };
    let mut response = Response::new(Either::Right(blob));
    *response.status_mut() = status;
    insert(&mut response, header::CONTENT_LENGTH, (end - start).to_string());
    insert(&mut response, header::CONTENT_TYPE, "application/octet-stream".into());
    insert(&mut response, header::ACCEPT_RANGES, "bytes".into());
    insert(&mut response, header::ETAG, etag);
    if status == StatusCode::PARTIAL_CONTENT {
        insert(&mut response, header::CONTENT_RANGE, format!("bytes {start}-{}/{length}", end - 1));
    }
    response
}

fn insert(response: &mut Reply, name: header::HeaderName, value: String) {
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().insert(name, value);
    }
}

/// One `bytes=` range as `[start, end)`: `None` when the fake does not read it (ignored, as
/// HTTP allows), `Err` when it is outside the file.
fn parse_range(range: &str, length: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = range.trim().strip_prefix("bytes=")?.trim();
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    let number = |text: &str| text.parse::<u64>().ok();
    let (start, end) = match (first.is_empty(), last.is_empty()) {
        // `bytes=-n`: the last n bytes.
        (true, false) => {
            let n = number(last)?;
            if n == 0 {
                return Some(Err(()));
            }
            (length.saturating_sub(n), length)
        }
        (false, true) => (number(first)?, length),
        (false, false) => {
            let (start, last) = (number(first)?, number(last)?);
            if last < start {
                return None;
            }
            (start, last.saturating_add(1).min(length))
        }
        (true, true) => return None,
    };
    Some(if start < length { Ok((start, end)) } else { Err(()) })
}

/// A file's bytes from `at` to `end`, made up chunk by chunk as the connection takes them.
#[derive(Debug)]
pub(super) struct Blob {
    seed: u64,
    at: u64,
    end: u64,
}

impl Body for Blob {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.at >= this.end {
            return Poll::Ready(None);
        }
        let n = CHUNK.min(this.end - this.at);
        let mut chunk = vec![0; n as usize];
        fill(this.seed, this.at, &mut chunk);
        this.at += n;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(chunk)))))
    }

    fn is_end_stream(&self) -> bool {
        self.at >= self.end
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.end.saturating_sub(self.at))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Some(Ok((0, 10))));
        assert_eq!(parse_range("bytes=90-", 100), Some(Ok((90, 100))));
        assert_eq!(parse_range("bytes=90-500", 100), Some(Ok((90, 100))));
        assert_eq!(parse_range("bytes=-10", 100), Some(Ok((90, 100))));
        assert_eq!(parse_range("bytes=-500", 100), Some(Ok((0, 100))));
        assert_eq!(parse_range("bytes=100-", 100), Some(Err(())));
        assert_eq!(parse_range("bytes=-0", 100), Some(Err(())));
        assert_eq!(parse_range("bytes=0-", 0), Some(Err(())));
        assert_eq!(parse_range("bytes=5-1", 100), None);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
    }
}
