//! A request as the fake reads it, and what an action answers: the bottom layer of the fake,
//! which imports nothing else of it.

use serde_json::Value;

/// The form of a request, decoded.
pub(super) type Form = [(String, String)];

/// What an action answers: the JSON payload, or a refusal.
pub(super) type Outcome = Result<Value, Refusal>;

/// Why the platform refuses a request, and its message; `codes` gives the generation's RetCode.
pub(super) type Refusal = (Why, String);

/// The situations the platform refuses a request in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Why {
    MissingAction,
    UnknownAction,
    MissingPublicKey,
    MissingSignature,
    BadSignature,
    MissingRegion,
    UnknownRegion,
    MissingParam,
    BadParam,
    UnknownZone,
    TooFrequent,
    ImageNotFound,
    ImageState,
    ImageInUse,
    /// A Base image where a custom one is needed, or the other way round.
    WrongImageType,
    /// ImportImage's `ImageFormat` is none the platform takes.
    ImageFormat,
    /// ImportImage's `ImageSize` is over 2000 GiB.
    ImageTooLarge,
    /// An `UploadID` that is not the image's multipart upload, or an image without one.
    UploadMismatch,
    /// GetImageDownloadURL of an encrypted image.
    Encrypted,
    /// CompleteImageMultipartUpload of parts S3 would not assemble: none, a gap, or a part
    /// but the last under 5 MiB.
    PartsRefused,
    VmNotFound,
    VmNotStopped,
    VmBeingImaged,
    VmState,
    ResourceNotFound,
}

/// A request the fake received, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReceivedRequest {
    /// The `Action` pair, if any.
    pub action: Option<String>,
    /// Every form pair, in the order sent, `Signature` included.
    pub form: Vec<(String, String)>,
    /// Every header, names lowercase.
    pub headers: Vec<(String, String)>,
}

impl ReceivedRequest {
    /// The value of a form pair.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The value of a header (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }
}

/// A form value, `None` when missing or empty.
pub(super) fn param<'a>(form: &'a Form, key: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

/// The values of `Name.0`, `Name.1`, ... in index order.
pub(super) fn list<'a>(form: &'a Form, name: &str) -> Vec<&'a str> {
    let prefix = format!("{name}.");
    let mut items: Vec<(usize, &str)> =
        form.iter().filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?.parse().ok()?, v.as_str()))).collect();
    items.sort_by_key(|(i, _)| *i);
    items.into_iter().map(|(_, v)| v).collect()
}

/// A form value the action cannot do without.
pub(super) fn required<'a>(form: &'a Form, key: &str) -> Result<&'a str, Refusal> {
    param(form, key).ok_or_else(|| (Why::MissingParam, format!("Params [{key}] not available")))
}

/// A form value that must be an integer when given.
pub(super) fn int(form: &Form, key: &str) -> Result<Option<i64>, Refusal> {
    param(form, key)
        .map(|text| {
            text.parse().map_err(|_| (Why::BadParam, format!("Params [{key}] must be an integer, got {text:?}")))
        })
        .transpose()
}

/// A required form value that must be an integer.
pub(super) fn required_int(form: &Form, key: &str) -> Result<i64, Refusal> {
    required(form, key)?;
    Ok(int(form, key)?.unwrap_or_default())
}

/// A form value that must be one of `allowed` when given.
pub(super) fn one_of<'a>(form: &'a Form, key: &str, allowed: &[&str]) -> Result<Option<&'a str>, Refusal> {
    match param(form, key) {
        Some(value) if !allowed.contains(&value) => {
            Err((Why::BadParam, format!("Params [{key}] must be one of {allowed:?}, got {value:?}")))
        }
        value => Ok(value),
    }
}

/// A form value that must be `true` or `false` when given.
pub(super) fn boolean(form: &Form, key: &str) -> Result<Option<bool>, Refusal> {
    Ok(one_of(form, key, &["true", "false"])?.map(|v| v == "true"))
}

/// A form value of at most `max` characters when given.
pub(super) fn text<'a>(form: &'a Form, key: &str, max: usize) -> Result<Option<&'a str>, Refusal> {
    match param(form, key) {
        Some(value) if value.chars().count() > max => {
            Err((Why::BadParam, format!("Params [{key}] must be at most {max} characters")))
        }
        value => Ok(value),
    }
}

/// `Offset` and `Limit` as the listing actions read them (default 0 and 20; 1..=100).
pub(super) fn page(form: &Form) -> Result<(usize, usize), Refusal> {
    let offset = int(form, "Offset")?.unwrap_or(0);
    let limit = int(form, "Limit")?.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err((Why::BadParam, format!("Params [Limit] must be between 1 and 100, got {limit}")));
    }
    if offset < 0 {
        return Err((Why::BadParam, format!("Params [Offset] must not be negative, got {offset}")));
    }
    Ok((offset as usize, limit as usize))
}
