//! The newer platforms' transfer actions: ImportImage (Remote and Local),
//! CompleteImageMultipartUpload, AbortImageMultipartUpload, AbortCustomImage,
//! GetImageDownloadURL and S3Login.

use super::content::{base64_decode, hex, sha1_hex};
use super::form::{Form, Outcome, Refusal, Why, boolean, int, list, one_of, param, required, required_int, text};
use super::state::{FakeImage, Handler, Phase, S3Credential, State, custom_image, unix_now};
use crate::image::{BootloaderType, ImageFormat, ImageInfo, ImageStatus, ImageTag, ImageType, ImportType, OsType};
use md5::{Digest, Md5};
use serde_json::json;
use tokio::time::Instant;

pub(super) const ACTIONS: &[(&str, Handler)] = &[
    ("ImportImage", import),
    ("CompleteImageMultipartUpload", complete),
    ("AbortImageMultipartUpload", abort_upload),
    ("AbortCustomImage", abort_custom),
    ("GetImageDownloadURL", download_url),
    ("S3Login", s3_login),
];

/// The bucket images are uploaded to.
pub(super) const BUCKET: &str = "mirror";

/// The smallest part but the last, as S3 checks at completion: 5 MiB.
pub(super) const MIN_PART: u64 = 5 << 20;

const GIB: u64 = 1 << 30;

/// The largest `ImageSize`, GiB.
const MAX_SIZE: i64 = 2000;

/// A Remote import is fetched in the background (`WaitUploading`, `Uploading`, then made);
/// a Local one waits for its upload (`WaitUploading`) with an `UploadID`.
fn import(state: &mut State, form: &Form) -> Outcome {
    let company_id = required_int(form, "CompanyID")?;
    let name = required(form, "ImageName")?;
    check_name(name)?;
    let format = required(form, "ImageFormat")?;
    if !["qcow2", "iso", "vmdk", "raw"].contains(&format) {
        return Err((Why::ImageFormat, format!("ImageFormat [{format}] is not qcow2, iso, vmdk or raw")));
    }
    let import_type = required(form, "ImportType")?;
    let os_type = required(form, "OSType")?;
    let os_distribution = required(form, "OSDistribution")?;
    let remote = match import_type {
        "Remote" => true,
        "Local" => false,
        other => return Err((Why::BadParam, format!("Params [ImportType] must be Remote or Local, got {other:?}"))),
    };
    let load_url = if remote { Some(required(form, "LoadURL")?) } else { None };
    if let Some(url) = load_url
        && url::Url::parse(url).is_err()
    {
        return Err((Why::BadParam, format!("Params [LoadURL] is no URL: {url:?}")));
    }
    let arch = one_of(form, "SetArch", &["x86_64", "aarch64"])?.unwrap_or("x86_64");
    let size = int(form, "ImageSize")?;
    match size {
        Some(size) if size > MAX_SIZE => {
            return Err((Why::ImageTooLarge, format!("ImageSize {size} GiB is over {MAX_SIZE} GiB")));
        }
        Some(size) if size < 1 => {
            return Err((Why::BadParam, format!("Params [ImageSize] must be positive, got {size}")));
        }
        _ => {}
    }
    let description = text(form, "ImageDescription", 100)?;
    let bootloader = one_of(form, "BootloaderType", &["bios", "uefi"])?.unwrap_or("bios");
    let tags = tags(form)?;
    let os_name = match param(form, "OSVersion") {
        Some(version) => format!("{os_distribution} {version}"),
        None => os_distribution.to_owned(),
    };
    let id = state.next_image_id();
    let info = ImageInfo {
        image_status: Some(ImageStatus::WaitUploading),
        // Remote works the size out from what it fetches.
        image_size: if remote { None } else { size },
        project_id: param(form, "ProjectID").map(str::to_owned).or(Some("proj-default".into())),
        os_type: Some(OsType::from(os_type)),
        os_name: Some(os_name),
        set_arch: Some(arch.to_owned()),
        os_distribution: Some(os_distribution.to_owned()),
        image_format: Some(ImageFormat::from(format)),
        import_type: Some(ImportType::from(import_type)),
        image_from: Some(load_url.unwrap_or("Local").to_owned()),
        prepare_percent: Some(0),
        bootloader_type: Some(BootloaderType::from(bootloader)),
        support_qga: boolean(form, "SupportQGA")?,
        support_cloud_init: boolean(form, "SupportCloudInit")?,
        // An image given a key is encrypted (the key itself is not kept).
        encrypted: Some(param(form, "Secret").is_some()),
        tags,
        ..custom_image(&state.region, &id, name, description, Some(company_id))
    };
    if let Some(url) = load_url {
        state.images.push(FakeImage::new(info, Phase::Fetching));
        state.fetches.push((id.clone(), url.to_owned()));
        return Ok(json!({ "ImageID": id, "Bucket": BUCKET }));
    }
    // The platform begins the multipart upload itself; S3 lists it under this key.
    let upload_id = state.s3.begin(format!("images/{id}/{name}.{format}"), Some(id.clone()));
    let mut image = FakeImage::new(info, Phase::AwaitingUpload);
    image.upload_id = Some(upload_id.clone());
    state.images.push(image);
    Ok(json!({ "ImageID": id, "UploadID": upload_id, "Bucket": BUCKET }))
}

/// 1 to 50 characters: CJK, letters, digits, `.`, `_`, `-`.
fn check_name(name: &str) -> Result<(), Refusal> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || ".-_".contains(c) || ('\u{4e00}'..='\u{9fff}').contains(&c);
    if name.chars().count() > 50 || !name.chars().all(allowed) {
        return Err((Why::BadParam, format!("Params [ImageName] must be 1-50 CJK, letters, digits, . _ -: {name:?}")));
    }
    Ok(())
}

/// `TagKeyValuePairs.N`, each `base64(key):base64(value)`, keys unique.
fn tags(form: &Form) -> Result<Vec<ImageTag>, Refusal> {
    let mut tags: Vec<ImageTag> = Vec::new();
    for pair in list(form, "TagKeyValuePairs") {
        let bad =
            || (Why::BadParam, format!("Params [TagKeyValuePairs] must be base64(key):base64(value), got {pair:?}"));
        let (key, value) = pair.split_once(':').ok_or_else(bad)?;
        let decode = |part: &str| base64_decode(part).and_then(|bytes| String::from_utf8(bytes).ok());
        let (key, value) = (decode(key).ok_or_else(bad)?, decode(value).ok_or_else(bad)?);
        if key.is_empty() || tags.iter().any(|t| t.key == key) {
            return Err((Why::BadParam, format!("Params [TagKeyValuePairs] has the key {key:?} twice or empty")));
        }
        tags.push(ImageTag::new(key, value));
    }
    Ok(tags)
}

/// A Local import's image and its upload, checked against `UploadID` when one is given.
fn upload<'a>(state: &'a mut State, form: &Form, upload_id: Option<&str>) -> Result<&'a mut FakeImage, Refusal> {
    let id = required(form, "ImageID")?;
    let image = state.image_mut(id).ok_or_else(|| (Why::ImageNotFound, format!("Image [{id}] not found")))?;
    let Some(recorded) = image.upload_id.as_deref() else {
        return Err((Why::UploadMismatch, format!("Image [{id}] has no multipart upload")));
    };
    if upload_id.is_some_and(|sent| sent != recorded) {
        return Err((Why::UploadMismatch, format!("UploadID is not the upload of image [{id}]")));
    }
    if image.phase != Phase::AwaitingUpload {
        let status = image.info.status();
        return Err((Why::ImageState, format!("Image [{id}] is {status}: its upload is complete")));
    }
    Ok(image)
}

/// Assembles the parts, as S3's CompleteMultipartUpload would: at least one, numbered 1 to N
/// without gaps, every one but the last at least 5 MiB. The image records the size and the
/// multipart ETag, and is made from them.
fn complete(state: &mut State, form: &Form) -> Outcome {
    int(form, "CompanyID")?;
    let upload_id = required(form, "UploadID")?;
    let image_id = upload(state, form, Some(upload_id))?.info.id().to_owned();
    let (size, etag) = assemble(state, upload_id)?;
    let image =
        state.image_mut(&image_id).ok_or_else(|| (Why::ImageNotFound, format!("Image [{image_id}] not found")))?;
    image.info.image_status = Some(ImageStatus::Uploading);
    image.info.image_size = Some(size.div_ceil(GIB).max(1) as i64);
    image.uploaded = Some((size, etag));
    image.phase = Phase::Making { since: Instant::now(), from: 0 };
    Ok(json!({}))
}

/// Checks the upload's parts and marks it completed: its total size and ETag (the MD5 of the
/// parts' MD5s, `-` and how many, as S3 writes it).
fn assemble(state: &mut State, upload_id: &str) -> Result<(u64, String), Refusal> {
    let Some(upload) = state.s3.uploads.iter_mut().find(|u| u.upload_id == upload_id && !u.completed) else {
        return Err((Why::UploadMismatch, format!("The multipart upload [{upload_id}] no longer exists (aborted)")));
    };
    let count = upload.parts.len();
    if count == 0 {
        return Err((Why::PartsRefused, format!("The multipart upload [{upload_id}] has no parts")));
    }
    if let Some(missing) = (1..=count as u32).find(|n| !upload.parts.contains_key(n)) {
        let last = upload.parts.keys().next_back().copied().unwrap_or_default();
        let why = format!("Part {missing} of the multipart upload is missing (parts 1 to {last} must all be there)");
        return Err((Why::PartsRefused, why));
    }
    if let Some((n, part)) = upload.parts.iter().take(count - 1).find(|(_, part)| part.size < MIN_PART) {
        let size = part.size;
        let why = format!("Part {n} is {size} bytes: every part but the last must be at least {MIN_PART} bytes");
        return Err((Why::PartsRefused, why));
    }
    let mut md5 = Md5::new();
    for part in upload.parts.values() {
        md5.update(part.md5);
    }
    upload.completed = true;
    let size = upload.parts.values().map(|p| p.size).sum();
    Ok((size, format!("{}-{count}", hex(&md5.finalize()))))
}

fn abort_upload(state: &mut State, form: &Form) -> Outcome {
    required_int(form, "CompanyID")?;
    let image_id = upload(state, form, param(form, "UploadID"))?.info.image_id.clone();
    state.images.retain(|i| i.info.image_id != image_id);
    state.s3.forget_gone(&state.images);
    Ok(json!({}))
}

/// Only a custom image on its way (made, imported or uploaded) is given up.
fn abort_custom(state: &mut State, form: &Form) -> Outcome {
    int(form, "CompanyID")?;
    let id = required(form, "ImageID")?;
    let image = state.image(id).ok_or_else(|| (Why::ImageNotFound, format!("Image [{id}] not found")))?;
    if image.info.image_type == Some(ImageType::Base) {
        return Err((Why::WrongImageType, format!("Image [{id}] is a Base image, not a custom one")));
    }
    let status = image.info.status();
    if !["WaitMaking", "Making", "WaitUploading", "Uploading"].contains(&status) {
        return Err((Why::ImageState, format!("Image [{id}] is {status}: only an image being made can be aborted")));
    }
    state.images.retain(|i| i.info.image_id.as_deref() != Some(id));
    state.s3.forget_gone(&state.images);
    Ok(json!({}))
}

/// The signature of a download query: SHA-1 of the fake's download key, the image and the
/// expiry (the platform's scheme is not known; only the fake checks it).
pub(super) fn download_signature(key: &str, image_id: &str, expires: i64) -> String {
    sha1_hex(&[key.as_bytes(), b"\n", image_id.as_bytes(), b"\n", expires.to_string().as_bytes()])
}

/// Only a `Used` image that is not encrypted.
fn download_url(state: &mut State, form: &Form) -> Outcome {
    let id = required(form, "ImageID")?;
    let image = state.image(id).ok_or_else(|| (Why::ImageNotFound, format!("Image [{id}] not found")))?;
    if image.info.encrypted == Some(true) {
        return Err((Why::Encrypted, format!("Image [{id}] is encrypted and cannot be downloaded")));
    }
    let status = image.info.status();
    if status != ImageStatus::Used.as_str() {
        return Err((Why::ImageState, format!("Image [{id}] is {status}: only a Used image can be downloaded")));
    }
    let lasts = i64::try_from(state.download_expiry.as_secs()).unwrap_or(i64::MAX);
    let expires = unix_now().saturating_add(lasts);
    let signature = download_signature(&state.download_key, id, expires);
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("ImageID", id)
        .append_pair("Expires", &expires.to_string())
        .append_pair("Signature", &signature)
        .finish();
    Ok(json!({ "Info": { "DownloadQuery": query, "ExpiredTime": expires } }))
}

/// Credentials for the fake's S3 service (`<base URL>/s3`), remembered until they expire.
/// `OSS` needs an object-storage instance, which the fake has none of.
/// How long expired credentials are remembered.
const KEEP_EXPIRED: std::time::Duration = std::time::Duration::from_secs(3600);

fn s3_login(state: &mut State, form: &Form) -> Outcome {
    int(form, "CompanyID")?;
    let scenes = required(form, "Scenes")?;
    match scenes {
        "ImageUpload" => {}
        "OSS" => {
            let id = required(form, "ID")?;
            return Err((Why::ResourceNotFound, format!("OSS [{id}] not found")));
        }
        other => return Err((Why::BadParam, format!("Params [Scenes] must be ImageUpload or OSS, got {other:?}"))),
    }
    let token = |n: usize, alphabet: &[u8]| -> String {
        (0..n).map(|_| alphabet[fastrand::usize(..alphabet.len())] as char).collect()
    };
    let upper = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mixed = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let (access_key, secret_key) = (token(20, upper), token(40, mixed));
    let session_token = if state.s3.session_token { token(64, mixed) } else { String::new() };
    let now = std::time::Instant::now();
    let expires = now.checked_add(state.s3.credential_ttl).unwrap_or(now + KEEP_EXPIRED);
    // Those that expired long ago are forgotten (then `InvalidAccessKeyId`, not `ExpiredToken`).
    state.s3.credentials.retain(|_, c| now.saturating_duration_since(c.expires) < KEEP_EXPIRED);
    let credential = S3Credential { secret_key: secret_key.clone(), session_token: session_token.clone(), expires };
    state.s3.credentials.insert(access_key.clone(), credential);
    Ok(json!({
        "AccessKey": access_key,
        "SecretKey": secret_key,
        "Endpoint": format!("{}/s3", state.base_url),
        "Bucket": BUCKET,
        "SessionID": session_token,
    }))
}
