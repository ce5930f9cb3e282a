//! The actions around images: ModifyNameAndRemark and DescribeRegion.

use super::form::{Form, Outcome, Why, param, required};
use super::state::{Handler, State};
use serde_json::json;

pub(super) const ACTIONS: &[(&str, Handler)] = &[("ModifyNameAndRemark", rename), ("DescribeRegion", regions)];

/// Renames an image (its remark is its description) or a VM.
fn rename(state: &mut State, form: &Form) -> Outcome {
    let id = required(form, "ResourceID")?;
    let name = required(form, "Name")?;
    let remark = param(form, "Remark");
    if let Some(image) = state.image_mut(id) {
        image.info.name = Some(name.to_owned());
        image.info.image_name = Some(name.to_owned());
        if let Some(remark) = remark {
            image.info.image_description = Some(remark.to_owned());
        }
        return Ok(json!({}));
    }
    if let Some(vm) = state.vm_mut(id) {
        vm.name = name.to_owned();
        if let Some(remark) = remark {
            vm.remark = remark.to_owned();
        }
        return Ok(json!({}));
    }
    Err((Why::ResourceNotFound, format!("Resource [{id}] not found")))
}

/// The fake's one region; `TotalCount` is a string, as the API guide types it.
fn regions(state: &mut State, _: &Form) -> Outcome {
    let region = &state.region;
    let info = json!({
        "Region": region, "RegionAlias": "华北一", "EndPoints": "http://127.0.0.1/api", "City": "北京",
        "Address": "fake", "CPUCount": 128, "CPUUsed": 16, "CPUAllocable": 112, "MemoryCap": 524288,
        "MemoryUsed": 65536, "MemoryPhysicUsed": 60000, "MemoryAllocable": 458752, "GPUCount": 0,
        "GPUAllocable": 0, "GPUUsed": 0, "StorageCount": 10240, "StorageUsed": 1024,
        "StoragePhysicUsed": 900, "CreateTime": 1_700_000_000, "UpdateTime": 1_700_000_000,
        "ExpireTime": 1_900_000_000, "State": "Normal", "VGPUCount": 0, "VGPUUsed": 0
    });
    Ok(json!({ "TotalCount": "1", "Infos": [info] }))
}
