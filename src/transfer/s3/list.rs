//! The listings: the bucket's uploads (to find an upload's key) and an upload's parts, each
//! paged with bounds.

use super::xml::{Doc, field, is_root};
use super::{Keys, RemotePart, S3, S3Error, answer::read_capped};
use bytes::Bytes;
use rusty_s3::Method;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Items asked for per page of a listing.
const PAGE: &str = "1000";
/// Pages of ListParts read at most: 10,000 parts fill 10 pages of 1000; the rest is slack for
/// a service that pages shorter. More is a listing going round in circles.
pub(super) const MAX_PARTS_PAGES: usize = 20;
/// Pages of ListMultipartUploads read at most (100,000 uploads in progress in the bucket):
/// past that, the key is better given than sought.
pub(super) const MAX_UPLOADS_PAGES: usize = 100;
/// The highest part number, and the most parts one upload holds.
const MAX_PART_NUMBER: u32 = 10_000;
/// The longest XML answer read (a page of 1000 uploads is about 500 KiB).
const MAX_XML: usize = 16 << 20;
/// The time a listing request may take.
const LIST_TIMEOUT: Duration = Duration::from_secs(60);

/// A key from a listing, quoted and cut to a readable length.
fn shown(key: &str) -> String {
    format!("{:?}", crate::excerpt::excerpt_of(key.as_bytes(), 200))
}

impl S3 {
    /// The key of the upload `upload_id`: pages through the bucket's ListMultipartUploads
    /// (without `prefix`: the key is what is sought) to its end, for the entries with that
    /// `UploadId` (the platform names the upload, not its object). Not listed is its own
    /// failure ([`S3Error::is_upload_not_listed`]), not `NoSuchUpload`: MinIO lists nothing
    /// here. Listed under two keys, or past [`MAX_UPLOADS_PAGES`] pages, is a failure that says
    /// to give the key.
    pub(crate) async fn find_key(&self, upload_id: &str) -> Result<String, S3Error> {
        const OP: &str = "ListMultipartUploads";
        let (mut key_marker, mut id_marker) = (String::new(), String::new());
        let mut found: Option<String> = None;
        for _ in 0..MAX_UPLOADS_PAGES {
            let mut query = vec![("uploads", ""), ("max-uploads", PAGE)];
            if !key_marker.is_empty() {
                query.push(("key-marker", &key_marker));
                if !id_marker.is_empty() {
                    query.push(("upload-id-marker", &id_marker));
                }
            }
            let url = self.bucket_url.clone();
            let body = self.retrying(OP, |keys| self.get(keys, OP, url.clone(), &query)).await?;
            let doc = Doc::read(&body, "Upload").map_err(|e| S3Error::malformed(OP, e))?;
            if !is_root(&doc.root, "ListMultipartUploads") {
                return Err(S3Error::malformed(OP, format!("a <{}> document", doc.root)));
            }
            // Paged to the end: the same upload under two keys is not settled by which comes first.
            for upload in doc.records.iter().filter(|u| field(u, "UploadId") == Some(upload_id)) {
                let key = match field(upload, "Key") {
                    Some(key) if !key.is_empty() => key,
                    _ => return Err(S3Error::malformed(OP, "the upload is listed without a Key")),
                };
                match &found {
                    Some(first) if first != key => {
                        let (first, key) = (shown(first), shown(key));
                        let message = format!(
                            "the bucket's listing shows the multipart upload {upload_id} under two keys, {first} and \
                             {key}: give the upload's key with object_key(..)"
                        );
                        return Err(S3Error::new(OP, message));
                    }
                    Some(_) => {}
                    None => found = Some(key.to_owned()),
                }
            }
            if !doc.truncated() {
                if let Some(key) = found {
                    return Ok(key);
                }
                let message = format!(
                    "the bucket's listing did not show the multipart upload {upload_id}; some S3 services (MinIO) \
                     list uploads only by their object key: give it with object_key(..)"
                );
                return Err(S3Error { not_listed: true, ..S3Error::new(OP, message) });
            }
            let next = (doc.field("NextKeyMarker").unwrap_or(""), doc.field("NextUploadIdMarker").unwrap_or(""));
            if next.0.is_empty() || (next.0 == key_marker && next.1 == id_marker) {
                return Err(S3Error::malformed(OP, "a truncated page without a new NextKeyMarker"));
            }
            (key_marker, id_marker) = (next.0.to_owned(), next.1.to_owned());
        }
        let message = format!(
            "the bucket's listing runs past {MAX_UPLOADS_PAGES} pages (still truncated): give the upload's key with \
             object_key(..)"
        );
        Err(S3Error::new(OP, message))
    }

    /// The parts the service holds for the upload, by number: pages through ListParts. A part
    /// numbered outside 1 to 10,000, more than 10,000 entries, or more than
    /// [`MAX_PARTS_PAGES`] pages, is a malformed answer.
    pub(crate) async fn list_parts(&self, key: &str, upload_id: &str) -> Result<BTreeMap<u32, RemotePart>, S3Error> {
        const OP: &str = "ListParts";
        let url = self.object_url(key).map_err(|e| S3Error::new(OP, e))?;
        let mut parts = BTreeMap::new();
        let mut marker = String::new();
        // S3 numbers parts 1 to 10,000: a listing past that is not of an upload.
        let mut entries = 0;
        for _ in 0..MAX_PARTS_PAGES {
            let mut query = vec![("uploadId", upload_id), ("max-parts", PAGE)];
            if !marker.is_empty() {
                query.push(("part-number-marker", &marker));
            }
            let body = self.retrying(OP, |keys| self.get(keys, OP, url.clone(), &query)).await?;
            let doc = Doc::read(&body, "Part").map_err(|e| S3Error::malformed(OP, e))?;
            if !is_root(&doc.root, "ListParts") {
                return Err(S3Error::malformed(OP, format!("a <{}> document", doc.root)));
            }
            for part in &doc.records {
                entries += 1;
                if entries > MAX_PART_NUMBER {
                    return Err(S3Error::malformed(OP, format!("more than {MAX_PART_NUMBER} parts listed")));
                }
                let number = field(part, "PartNumber").and_then(|n| n.parse::<u32>().ok());
                let size = field(part, "Size").and_then(|n| n.parse::<u64>().ok());
                let (Some(number), Some(size)) = (number, size) else {
                    return Err(S3Error::malformed(OP, "a Part without a PartNumber or a Size"));
                };
                if !(1..=MAX_PART_NUMBER).contains(&number) {
                    return Err(S3Error::malformed(OP, format!("part number {number}, not 1 to {MAX_PART_NUMBER}")));
                }
                let etag = field(part, "ETag").unwrap_or("").trim_matches('"').to_ascii_lowercase();
                parts.insert(number, RemotePart { size, etag });
            }
            if !doc.truncated() {
                return Ok(parts);
            }
            let next = doc.field("NextPartNumberMarker").unwrap_or("");
            if next.is_empty() || next == marker {
                return Err(S3Error::malformed(OP, "a truncated page without a new NextPartNumberMarker"));
            }
            marker = next.to_owned();
        }
        Err(S3Error::malformed(
            OP,
            format!("still truncated after {MAX_PARTS_PAGES} pages (an upload holds at most {MAX_PART_NUMBER} parts)"),
        ))
    }

    /// One GET of a listing: its body.
    pub(super) async fn get(
        &self,
        keys: Arc<Keys>,
        op: &str,
        url: Url,
        query: &[(&str, &str)],
    ) -> Result<Bytes, S3Error> {
        let signed = self.presign(&keys, Method::Get, url, query, &[]);
        let response = self.answer(&keys, op, self.http.get(signed).timeout(LIST_TIMEOUT).send().await).await?;
        read_capped(op, response, MAX_XML).await
    }
}
