//! The image actions of every platform: DescribeImage, CreateCustomImage, DeleteCustomImage.
//! DescribeImage also filters on the newer platforms' `ImageFormat` and `Status.N`.

use super::form::{Form, Outcome, Why, int, list, page, param, required};
use super::state::{FakeImage, Handler, Phase, State, custom_image};
use crate::image::{BootloaderType, ImageFormat, ImageInfo, ImageStatus, ImageType};
use crate::vm::VmState;
use serde_json::json;
use tokio::time::Instant;

pub(super) const ACTIONS: &[(&str, Handler)] =
    &[("DescribeImage", describe), ("CreateCustomImage", create), ("DeleteCustomImage", delete)];

fn describe(state: &mut State, form: &Form) -> Outcome {
    let (offset, limit) = page(form)?;
    let image_type = param(form, "ImageType").map(ImageType::from);
    let ids = list(form, "ImageIDs");
    let projects = list(form, "ProjectIDs");
    let company = int(form, "CompanyID")?;
    let keyword = param(form, "Keyword").map(str::to_lowercase);
    // An older platform knows neither filter, and ignores them as any unknown parameter.
    let older = state.older_platform;
    let format = param(form, "ImageFormat").filter(|_| !older).map(ImageFormat::from);
    let statuses: Vec<ImageStatus> =
        if older { Vec::new() } else { list(form, "Status").into_iter().map(ImageStatus::from).collect() };
    let matches = |info: &ImageInfo| {
        let has = |field: &Option<String>, k: &str| field.as_deref().is_some_and(|v| v.to_lowercase().contains(k));
        image_type.as_ref().is_none_or(|t| info.image_type.as_ref() == Some(t))
            && (ids.is_empty() || info.image_id.as_deref().is_some_and(|id| ids.contains(&id)))
            && (projects.is_empty() || info.project_id.as_deref().is_some_and(|p| projects.contains(&p)))
            && company.is_none_or(|c| info.company_id == Some(c))
            && format.as_ref().is_none_or(|f| info.image_format.as_ref() == Some(f))
            && (statuses.is_empty() || info.image_status.as_ref().is_some_and(|s| statuses.contains(s)))
            && keyword.as_deref().is_none_or(|k| {
                has(&info.name, k) || has(&info.image_id, k) || has(&info.image_description, k) || has(&info.os_name, k)
            })
    };
    let found: Vec<&ImageInfo> = state.images.iter().map(|i| &i.info).filter(|i| matches(i)).collect();
    let page: Vec<ImageInfo> =
        found.iter().skip(offset).take(limit).map(|i| if older { as_older(i) } else { (*i).clone() }).collect();
    Ok(json!({ "TotalCount": found.len(), "Infos": page }))
}

/// An image as a platform from before the newer image actions lists it: without their fields.
fn as_older(info: &ImageInfo) -> ImageInfo {
    ImageInfo {
        remark: None,
        image_format: None,
        import_type: None,
        image_from: None,
        prepare_percent: None,
        bootloader_type: None,
        support_qga: None,
        support_cloud_init: None,
        encrypted: None,
        bound_vm_set_ids: Vec::new(),
        bound_vm_ids: Vec::new(),
        company_name: None,
        tags: Vec::new(),
        ..info.clone()
    }
}

/// Only from a VM that exists, is stopped, and is not being imaged already.
fn create(state: &mut State, form: &Form) -> Outcome {
    let vm_id = required(form, "VMID")?;
    let name = required(form, "ImageName")?;
    let company_id = int(form, "CompanyID")?;
    let Some(vm) = state.vms.iter().find(|v| v.vm_id == vm_id) else {
        return Err((Why::VmNotFound, format!("VM [{vm_id}] not found")));
    };
    if state.images.iter().any(|i| i.source_vm.as_deref() == Some(vm_id)) {
        return Err((Why::VmBeingImaged, format!("VM [{vm_id}] is being imaged, retry later")));
    }
    if vm.state != VmState::Stopped {
        return Err((Why::VmNotStopped, format!("VM [{vm_id}] is {}: stop it first", vm.state)));
    }
    let id = state.next_image_id();
    let info = ImageInfo {
        image_from: Some(vm_id.to_owned()),
        image_format: Some(ImageFormat::Qcow2),
        prepare_percent: Some(0),
        bootloader_type: Some(BootloaderType::Bios),
        encrypted: Some(false),
        ..custom_image(&state.region, &id, name, param(form, "ImageDescription"), company_id)
    };
    let mut image = FakeImage::new(info, Phase::Making { since: Instant::now(), from: 0 });
    image.source_vm = Some(vm_id.to_owned());
    state.images.push(image);
    Ok(json!({ "ImageID": id }))
}

/// Only a custom image that is neither changing (`Making`, `Deleting`) nor used by a VM.
fn delete(state: &mut State, form: &Form) -> Outcome {
    let id = required(form, "ImageID")?;
    let in_use = state.vms.iter().find(|vm| vm.image_id == id).map(|vm| vm.vm_id.clone());
    let image = state.image_mut(id).ok_or_else(|| (Why::ImageNotFound, format!("Image [{id}] not found")))?;
    if image.info.image_type == Some(ImageType::Base) {
        return Err((Why::WrongImageType, format!("Image [{id}] is a Base image, not a custom one")));
    }
    if let Some(status @ (ImageStatus::Making | ImageStatus::Deleting)) = &image.info.image_status {
        return Err((Why::ImageState, format!("Image [{id}] is {status} and cannot be deleted now")));
    }
    if let Some(vm_id) = in_use {
        return Err((Why::ImageInUse, format!("Image [{id}] is used by VM [{vm_id}]")));
    }
    image.info.image_status = Some(ImageStatus::Deleting);
    image.phase = Phase::Deleting { since: Instant::now() };
    Ok(json!({}))
}
