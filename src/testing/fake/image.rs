//! The image actions: DescribeImage, CreateCustomImage, DeleteCustomImage.

use super::handler::{Form, Outcome, Shared, list, param};
use super::state::{FakeImage, Phase, State, custom_image};
use crate::image::{ImageInfo, ImageStatus, ImageType};
use crate::vm::VmState;
use serde_json::json;
use tokio::time::Instant;

pub(super) fn describe(shared: &Shared, state: &mut State, form: &Form) -> Outcome {
    let (offset, limit) = shared.page(form)?;
    let image_type = param(form, "ImageType").map(ImageType::from);
    let ids = list(form, "ImageIDs");
    let projects = list(form, "ProjectIDs");
    let company = shared.int(form, "CompanyID")?;
    let keyword = param(form, "Keyword").map(str::to_lowercase);
    let matches = |info: &ImageInfo| {
        let has = |field: &Option<String>, k: &str| field.as_deref().is_some_and(|v| v.to_lowercase().contains(k));
        image_type.as_ref().is_none_or(|t| info.image_type.as_ref() == Some(t))
            && (ids.is_empty() || info.image_id.as_deref().is_some_and(|id| ids.contains(&id)))
            && (projects.is_empty() || info.project_id.as_deref().is_some_and(|p| projects.contains(&p)))
            && company.is_none_or(|c| info.company_id == Some(c))
            && keyword.as_deref().is_none_or(|k| {
                has(&info.name, k) || has(&info.image_id, k) || has(&info.image_description, k) || has(&info.os_name, k)
            })
    };
    let found: Vec<&ImageInfo> = state.images.iter().map(|i| &i.info).filter(|i| matches(i)).collect();
    let page: Vec<&ImageInfo> = found.iter().skip(offset).take(limit).copied().collect();
    Ok(json!({ "TotalCount": found.len(), "Infos": page }))
}

/// Only from a VM that exists, is stopped, and is not being imaged already.
pub(super) fn create(shared: &Shared, state: &mut State, form: &Form) -> Outcome {
    let codes = &shared.codes;
    let vm_id = shared.required(form, "VMID")?;
    let name = shared.required(form, "ImageName")?;
    let company_id = shared.int(form, "CompanyID")?;
    let Some(vm) = state.vms.iter().find(|v| v.vm_id == vm_id) else {
        return Err((codes.vm_not_found, format!("VM [{vm_id}] not found")));
    };
    if state.images.iter().any(|i| i.source_vm.as_deref() == Some(vm_id)) {
        return Err((codes.vm_being_imaged, format!("VM [{vm_id}] is being imaged, retry later")));
    }
    if vm.state != VmState::Stopped {
        return Err((codes.vm_not_stopped, format!("VM [{vm_id}] is {}: stop it first", vm.state)));
    }
    let id = state.next_image_id();
    let region = &shared.settings.region;
    let info = custom_image(region, &id, name, param(form, "ImageDescription"), company_id);
    let phase = Phase::Making { since: Instant::now() };
    state.images.push(FakeImage { info, phase, source_vm: Some(vm_id.to_owned()) });
    Ok(json!({ "ImageID": id }))
}

/// Only a custom image that is neither changing (`Making`, `Deleting`) nor used by a VM.
pub(super) fn delete(shared: &Shared, state: &mut State, form: &Form) -> Outcome {
    let codes = &shared.codes;
    let id = shared.required(form, "ImageID")?;
    let in_use = state.vms.iter().find(|vm| vm.image_id == id).map(|vm| vm.vm_id.clone());
    let image = state.image_mut(id).ok_or_else(|| (codes.image_not_found, format!("Image [{id}] not found")))?;
    if image.info.image_type == Some(ImageType::Base) {
        return Err((codes.base_image, format!("Image [{id}] is a Base image, not a custom one")));
    }
    if let Some(status @ (ImageStatus::Making | ImageStatus::Deleting)) = &image.info.image_status {
        return Err((codes.image_state, format!("Image [{id}] is {status} and cannot be deleted now")));
    }
    if let Some(vm_id) = in_use {
        return Err((codes.image_in_use, format!("Image [{id}] is used by VM [{vm_id}]")));
    }
    image.info.image_status = Some(ImageStatus::Deleting);
    image.phase = Phase::Deleting { since: Instant::now() };
    Ok(json!({}))
}
