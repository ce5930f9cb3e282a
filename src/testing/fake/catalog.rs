//! The newer platforms' catalogue actions: base images (CloneCustomImageToBaseImage,
//! DeleteBaseImage, DescribeBaseImage, UpdateResourcePermission), the OS table
//! (DescribeImageOSVersions) and UpdateImage.

use super::form::{Form, Outcome, Refusal, Why, boolean, int, list, one_of, page, param, required, required_int, text};
use super::state::{FakeImage, Handler, Phase, State, unix_now};
use crate::image::{BaseImageInfo, BootloaderType, ImageInfo, ImageOsInfo, ImageStatus, ImageType, OsType};
use crate::resource::PermissionMode;
use serde_json::json;
use tokio::time::Instant;

pub(super) const ACTIONS: &[(&str, Handler)] = &[
    ("CloneCustomImageToBaseImage", clone_to_base),
    ("DeleteBaseImage", delete_base),
    ("DescribeBaseImage", describe_base),
    ("UpdateResourcePermission", update_permission),
    ("DescribeImageOSVersions", os_versions),
    ("UpdateImage", update),
];

fn not_found(id: &str) -> Refusal {
    (Why::ImageNotFound, format!("Image [{id}] not found"))
}

/// A `Used` custom image becomes a new base image for every tenant: `Making` first, as the
/// platform copies it, `Used` after the making delay.
fn clone_to_base(state: &mut State, form: &Form) -> Outcome {
    let source_id = required(form, "SourceImageID")?;
    let name = required(form, "DestImageName")?;
    text(form, "DestImageName", 128)?;
    int(form, "CompanyID")?;
    let source = state.image(source_id).ok_or_else(|| not_found(source_id))?;
    if source.info.image_type == Some(ImageType::Base) {
        return Err((Why::WrongImageType, format!("Image [{source_id}] is a Base image already")));
    }
    if source.info.image_status != Some(ImageStatus::Used) {
        let status = source.info.status();
        return Err((Why::ImageState, format!("Image [{source_id}] is {status}: only a Used image can be cloned")));
    }
    let source = source.info.clone();
    let id = state.next_base_image_id();
    let now = unix_now();
    let info = ImageInfo {
        image_id: Some(id.clone()),
        name: Some(name.to_owned()),
        image_name: Some(name.to_owned()),
        image_type: Some(ImageType::Base),
        image_status: Some(ImageStatus::Making),
        image_from: Some(source_id.to_owned()),
        prepare_percent: Some(0),
        create_time: Some(now),
        update_time: Some(now),
        remarkable: Some(true),
        // A platform image: no tenant, project, key or upload of its own.
        company_id: None,
        email: None,
        project_id: None,
        project_name: None,
        company_name: None,
        import_type: None,
        encrypted: Some(false),
        tags: Vec::new(),
        ..source
    };
    state.images.push(FakeImage::new(info, Phase::Making { since: Instant::now(), from: 0 }));
    Ok(json!({ "DestImageID": id }))
}

/// Only a base image no VM is made from.
fn delete_base(state: &mut State, form: &Form) -> Outcome {
    let id = required(form, "ImageID")?;
    int(form, "CompanyID")?;
    let image = state.image(id).ok_or_else(|| not_found(id))?;
    if image.info.image_type != Some(ImageType::Base) {
        return Err((Why::WrongImageType, format!("Image [{id}] is a custom image, not a Base one")));
    }
    if let Some(vm) = state.vms.iter().find(|vm| vm.image_id == id) {
        return Err((Why::ImageInUse, format!("Image [{id}] is used by VM [{}]", vm.vm_id)));
    }
    state.images.retain(|i| i.info.image_id.as_deref() != Some(id));
    state.permissions.remove(id);
    Ok(json!({}))
}

/// Every base image, or those of `ImageIDs.N`; no paging.
fn describe_base(state: &mut State, form: &Form) -> Outcome {
    let ids = list(form, "ImageIDs");
    let infos: Vec<BaseImageInfo> = state
        .images
        .iter()
        .map(|image| &image.info)
        .filter(|info| info.image_type == Some(ImageType::Base))
        .filter(|info| ids.is_empty() || ids.contains(&info.id()))
        .map(|info| {
            let shared = state.permissions.get(info.id()).is_none_or(|(mode, _)| *mode == PermissionMode::All);
            BaseImageInfo {
                image_id: info.image_id.clone(),
                name: Some(info.name().to_owned()),
                description: info.image_description.clone(),
                permission: Some(if shared { "all" } else { "Specific" }.into()),
                region: info.region.clone(),
                create_time: info.create_time,
                update_time: info.update_time,
                ..BaseImageInfo::default()
            }
        })
        .collect();
    Ok(json!({ "TotalCount": infos.len(), "Infos": infos }))
}

/// Records who may use a base image; the fake holds no other shareable resource.
fn update_permission(state: &mut State, form: &Form) -> Outcome {
    let id = required(form, "ResourceID")?;
    let kind = required(form, "ResourceType")?;
    let modes = ["all", "whitelist", "blacklist"];
    let mode = PermissionMode::from(one_of(form, "PermissionMode", &modes)?.unwrap_or("all"));
    let companies = param(form, "Permission")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.parse::<i64>().map_err(|_| {
                (Why::BadParam, format!("Params [Permission] must be comma-separated CompanyIDs, got {c:?}"))
            })
        })
        .collect::<Result<Vec<i64>, Refusal>>()?;
    let kinds = ["BASE_IMAGE", "COMPUTE_SET", "STORAGE_SET", "SEGMENT", "DC", "FLATNETWORK"];
    if !kinds.contains(&kind) {
        return Err((Why::BadParam, format!("Params [ResourceType] must be one of {kinds:?}, got {kind:?}")));
    }
    let image = state.image_mut(id).filter(|_| kind == "BASE_IMAGE");
    let Some(image) = image else {
        return Err((Why::ResourceNotFound, format!("Resource [{id}] of type {kind} not found")));
    };
    if image.info.image_type != Some(ImageType::Base) {
        return Err((Why::WrongImageType, format!("Image [{id}] is a custom image, not a Base one")));
    }
    image.info.update_time = Some(unix_now());
    let companies = if mode == PermissionMode::All { Vec::new() } else { companies };
    state.permissions.insert(id.to_owned(), (mode, companies));
    Ok(json!({}))
}

/// The OS versions a platform knows: (OSType, SetArch, OSDistribution, OSVersion, NetworkMode).
const OS_VERSIONS: &[(&str, &str, &str, &str, &str)] = &[
    ("Linux", "x86_64", "Centos", "7.9", "NetworkScripts"),
    ("Linux", "aarch64", "Centos", "7.9", "NetworkScripts"),
    ("Linux", "x86_64", "Centos", "8.5", "NetworkScripts"),
    ("Linux", "x86_64", "Rocky", "8.9", "NetworkScripts"),
    ("Linux", "x86_64", "Rocky", "9.3", "NetworkScripts"),
    ("Linux", "x86_64", "Anolis", "8.8", "NetworkScripts"),
    ("Linux", "x86_64", "openEuler", "22.03", "NetworkScripts"),
    ("Linux", "aarch64", "openEuler", "22.03", "NetworkScripts"),
    ("Linux", "x86_64", "Ubuntu", "20.04", "Netplan"),
    ("Linux", "x86_64", "Ubuntu", "22.04", "Netplan"),
    ("Linux", "aarch64", "Ubuntu", "22.04", "Netplan"),
    ("Linux", "x86_64", "Ubuntu", "24.04", "Netplan"),
    ("Linux", "aarch64", "Ubuntu", "24.04", "Netplan"),
    ("Linux", "x86_64", "Debian", "11", "Interfaces"),
    ("Linux", "x86_64", "Debian", "12", "Interfaces"),
    ("Linux", "aarch64", "Debian", "12", "Interfaces"),
    ("Linux", "x86_64", "UOS", "20", "NetworkScripts"),
    ("Kylin", "x86_64", "Kylin", "V10", "NetworkScripts"),
    ("Kylin", "aarch64", "Kylin", "V10", "NetworkScripts"),
    ("Windows", "x86_64", "Windows", "2016", "None"),
    ("Windows", "x86_64", "Windows", "2019", "None"),
    ("Windows", "x86_64", "Windows", "2022", "None"),
];

/// The OS table row by row, each with a stable `os-` id.
fn os_table() -> impl Iterator<Item = ImageOsInfo> {
    OS_VERSIONS.iter().map(|&(os_type, arch, distribution, version, network)| {
        let key = format!("{distribution}-{version}-{arch}");
        let hash = key.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
        ImageOsInfo {
            image_os_id: Some(format!("os-{hash:08x}")),
            os_type: Some(OsType::from(os_type)),
            os_distribution: Some(distribution.to_owned()),
            os_version: Some(version.to_owned()),
            set_arch: Some(arch.to_owned()),
            network_mode: Some(network.to_owned()),
            remark: Some(format!("{distribution} {version} {arch}")),
            status: Some("Ready".into()),
            ..ImageOsInfo::default()
        }
    })
}

fn os_versions(_: &mut State, form: &Form) -> Outcome {
    let (offset, limit) = page(form)?;
    int(form, "CompanyID")?;
    let ids = list(form, "ImageOSIDs");
    let found: Vec<ImageOsInfo> = os_table()
        .filter(|os| ids.is_empty() || os.image_os_id.as_deref().is_some_and(|id| ids.contains(&id)))
        .collect();
    let page: Vec<&ImageOsInfo> = found.iter().skip(offset).take(limit).collect();
    Ok(json!({ "TotalCount": found.len(), "Infos": page }))
}

/// Only a `Used` image; its OS fields and boot settings change.
fn update(state: &mut State, form: &Form) -> Outcome {
    required_int(form, "CompanyID")?;
    let id = required(form, "ImageID")?;
    let os_type = required(form, "OSType")?;
    let arch = required(form, "SetArch")?;
    one_of(form, "SetArch", &["x86_64", "aarch64"])?;
    let distribution = required(form, "OSDistribution")?;
    let version = required(form, "OSVersion")?;
    let bootloader = one_of(form, "BootloaderType", &["bios", "uefi"])?;
    let (qga, cloud_init) = (boolean(form, "SupportQGA")?, boolean(form, "SupportCloudInit")?);
    let image = state.image_mut(id).ok_or_else(|| not_found(id))?;
    if image.info.image_status != Some(ImageStatus::Used) {
        let status = image.info.status();
        return Err((Why::ImageState, format!("Image [{id}] is {status}: only a Used image can be updated")));
    }
    let info = &mut image.info;
    info.os_type = Some(OsType::from(os_type));
    info.set_arch = Some(arch.to_owned());
    info.os_distribution = Some(distribution.to_owned());
    info.os_name = Some(format!("{distribution} {version}"));
    info.bootloader_type = bootloader.map(BootloaderType::from).or(info.bootloader_type.take());
    info.support_qga = qga.or(info.support_qga);
    info.support_cloud_init = cloud_init.or(info.support_cloud_init);
    info.update_time = Some(unix_now());
    Ok(json!({}))
}
