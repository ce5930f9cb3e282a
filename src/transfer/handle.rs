//! The handle that resumes an upload: what a tool keeps (in a file, a database) to go on
//! after the program itself stopped.

use super::limits::{MAX_PART_SIZE, MIN_PART_SIZE};
use super::s3::check_key;

/// The longest image id a handle holds (the platform's are a few dozen bytes).
const MAX_HANDLE_IMAGE_ID: usize = 256;
/// The longest upload id a handle holds (MinIO's are about 150 bytes).
const MAX_HANDLE_UPLOAD_ID: usize = 1024;

/// Resumes an interrupted upload: the image, the platform's upload id, the part size and,
/// once known, the upload's S3 object key. It serializes, so a tool can keep it in a file
/// (`object_key` is left out while unknown; it and `part_size` may be missing from a handle
/// kept by an older version).
///
/// Reading one checks it: `image_id` and `upload_id` not blank and at most 256 and 1,024
/// bytes, `object_key` a key S3 can
/// address path-style of at most 1,024 bytes (S3's limit), `part_size` 5 MiB to 5 GiB. A
/// handle made with [`new`](UploadHandle::new) is checked the same way by
/// [`resume`](crate::image::UploadImageBuilder::resume) before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "Unchecked")]
pub struct UploadHandle {
    image_id: String,
    upload_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    object_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    part_size: Option<u64>,
}

/// A handle as read, before it is checked.
#[derive(serde::Deserialize)]
struct Unchecked {
    image_id: String,
    upload_id: String,
    #[serde(default)]
    object_key: Option<String>,
    #[serde(default)]
    part_size: Option<u64>,
}

impl TryFrom<Unchecked> for UploadHandle {
    type Error = String;

    fn try_from(raw: Unchecked) -> Result<Self, String> {
        let handle = UploadHandle {
            image_id: raw.image_id,
            upload_id: raw.upload_id,
            object_key: raw.object_key,
            part_size: raw.part_size,
        };
        handle.check().map_err(|(field, rule)| format!("{field}: {rule}"))?;
        Ok(handle)
    }
}

impl UploadHandle {
    /// The field that breaks a rule of a handle, and the rule: see [`UploadHandle`]. Values
    /// are not echoed, as they may be huge.
    pub(crate) fn check(&self) -> Result<(), (&'static str, String)> {
        for (field, value, max) in
            [("image_id", &self.image_id, MAX_HANDLE_IMAGE_ID), ("upload_id", &self.upload_id, MAX_HANDLE_UPLOAD_ID)]
        {
            if value.trim().is_empty() {
                return Err((field, "must not be empty or blank".into()));
            }
            if value.len() > max {
                return Err((field, format!("must be at most {max} bytes, got {}", value.len())));
            }
        }
        if let Some(key) = &self.object_key {
            check_key(key).map_err(|rule| ("object_key", rule))?;
        }
        if let Some(size) = self.part_size.filter(|s| !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(s)) {
            return Err((
                "part_size",
                format!("must be 5 MiB to 5 GiB ({MIN_PART_SIZE} to {MAX_PART_SIZE} bytes), got {size}"),
            ));
        }
        Ok(())
    }

    /// A handle for the upload `upload_id` of image `image_id`.
    pub fn new(image_id: impl Into<String>, upload_id: impl Into<String>) -> Self {
        UploadHandle { image_id: image_id.into(), upload_id: upload_id.into(), object_key: None, part_size: None }
    }

    /// The same handle naming the upload's S3 object key: a resume with it asks S3 for the
    /// upload's parts at once, without listing the bucket's uploads to find the key.
    pub fn with_object_key(mut self, key: impl Into<String>) -> Self {
        self.object_key = Some(key.into());
        self
    }

    /// The same handle naming the upload's part size: a resume without
    /// [`part_size`](crate::image::UploadImageBuilder::part_size) uses it, and refuses a
    /// listing of parts of another size.
    pub fn with_part_size(mut self, bytes: u64) -> Self {
        self.part_size = Some(bytes);
        self
    }

    /// The upload's part size, as chosen before the first byte was sent (`None` in a handle
    /// kept by an older version).
    pub fn part_size(&self) -> Option<u64> {
        self.part_size
    }

    /// The image being uploaded.
    pub fn image_id(&self) -> &str {
        &self.image_id
    }

    /// The platform's upload id (`UploadID`).
    pub fn upload_id(&self) -> &str {
        &self.upload_id
    }

    /// The upload's S3 object key, once an upload found it (or was given it).
    pub fn object_key(&self) -> Option<&str> {
        self.object_key.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handle_kept_before_it_had_a_key_still_reads_and_one_without_a_key_writes_as_before() {
        let old: UploadHandle = serde_json::from_str(r#"{"image_id":"i","upload_id":"u"}"#).unwrap();
        assert_eq!(old, UploadHandle::new("i", "u"));
        assert_eq!(serde_json::to_string(&old).unwrap(), r#"{"image_id":"i","upload_id":"u"}"#);
        let keyed = old.with_object_key("images/i/a.raw");
        let text = serde_json::to_string(&keyed).unwrap();
        assert_eq!(text, r#"{"image_id":"i","upload_id":"u","object_key":"images/i/a.raw"}"#);
        assert_eq!(serde_json::from_str::<UploadHandle>(&text).unwrap().object_key(), Some("images/i/a.raw"));
    }

    #[test]
    fn a_handle_with_its_part_size_writes_it_and_reads_back_and_an_older_one_still_reads() {
        let handle = UploadHandle::new("i", "u").with_part_size(8 << 20);
        let text = serde_json::to_string(&handle).unwrap();
        assert_eq!(text, r#"{"image_id":"i","upload_id":"u","part_size":8388608}"#);
        assert_eq!(serde_json::from_str::<UploadHandle>(&text).unwrap().part_size(), Some(8 << 20));
        let old: UploadHandle = serde_json::from_str(r#"{"image_id":"i","upload_id":"u"}"#).unwrap();
        assert_eq!(old.part_size(), None);
    }

    #[test]
    fn handles_breaking_a_rule_name_the_field_and_not_the_value() {
        let long = "x".repeat(5000);
        let cases = [
            (UploadHandle::new(" ", "u"), "image_id"),
            (UploadHandle::new(long.clone(), "u"), "image_id"),
            (UploadHandle::new("i", ""), "upload_id"),
            (UploadHandle::new("i", long.clone()), "upload_id"),
            (UploadHandle::new("i", "u").with_object_key(long.clone()), "object_key"),
            (UploadHandle::new("i", "u").with_object_key("a/../b"), "object_key"),
            (UploadHandle::new("i", "u").with_part_size((5 << 30) + 1), "part_size"),
        ];
        for (handle, want) in cases {
            let (field, rule) = handle.check().unwrap_err();
            assert_eq!(field, want, "{rule}");
            assert!(!rule.contains(&long), "{field}: the value is not echoed");
        }
        assert!(UploadHandle::new("i", "u").with_object_key("k".repeat(1024)).with_part_size(5 << 20).check().is_ok());
    }
}
