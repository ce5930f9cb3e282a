//! The handle that resumes an upload: what a tool keeps (in a file, a database) to go on
//! after the program itself stopped.

/// Resumes an interrupted upload: the image, the platform's upload id and, once known, the
/// upload's S3 object key. It serializes, so a tool can keep it in a file (`object_key` is
/// left out while unknown, and may be missing from a handle kept by an older version).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UploadHandle {
    image_id: String,
    upload_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    object_key: Option<String>,
}

impl UploadHandle {
    /// A handle for the upload `upload_id` of image `image_id`.
    pub fn new(image_id: impl Into<String>, upload_id: impl Into<String>) -> Self {
        UploadHandle { image_id: image_id.into(), upload_id: upload_id.into(), object_key: None }
    }

    /// The same handle naming the upload's S3 object key: a resume with it asks S3 for the
    /// upload's parts at once, without listing the bucket's uploads to find the key.
    pub fn with_object_key(mut self, key: impl Into<String>) -> Self {
        self.object_key = Some(key.into());
        self
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
}
