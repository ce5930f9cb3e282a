//! `images list|show|rename|os-versions|publish|update`.

use super::os::with_os;
use crate::args::{Kind, List, Naming, Os};
use crate::config::Session;
use crate::error::Failure;
use crate::output::{Out, shown, table, text};
use futures::TryStreamExt;
use ucloudstack::image::{ImageInfo, ImageOsInfo, ImageType};
use ucloudstack::resource::{PermissionMode, ResourceType};

pub async fn list(s: &Session, out: Out, args: List) -> Result<(), Failure> {
    let mut request = s.client.describe_image().image_ids(args.ids).project_ids(args.projects);
    if let Some(kind) = args.image_type {
        request = request.image_type(match kind {
            Kind::Base => ImageType::Base,
            Kind::Custom => ImageType::Custom,
        });
    }
    if let Some(keyword) = args.keyword {
        request = request.keyword(keyword);
    }
    let paginator = request.into_paginator().concurrency(args.concurrency);
    let images: Vec<ImageInfo> = paginator.items().try_collect().await?;
    out.images(&images);
    Ok(())
}

/// The image `image_id`, or a not-found failure.
pub async fn find(s: &Session, image_id: &str) -> Result<ImageInfo, Failure> {
    let page = s.client.describe_image().image_ids([image_id]).send().await?;
    match page.infos.into_iter().find(|i| i.image_id.as_deref() == Some(image_id)) {
        Some(image) => Ok(image),
        None => Err(Failure::NotFound(format!("no image {image_id} is listed"))),
    }
}

pub async fn show(s: &Session, out: Out, image_id: &str) -> Result<(), Failure> {
    out.image_details(&find(s, image_id).await?);
    Ok(())
}

pub async fn rename(s: &Session, out: Out, image_id: &str, naming: Naming) -> Result<(), Failure> {
    let mut rename = s.client.modify_name_and_remark().resource_id(image_id).name(naming.name);
    if let Some(description) = naming.description {
        rename = rename.remark(description);
    }
    rename.send().await?;
    out.note(format!("renamed {image_id}"));
    out.id("ImageID", image_id);
    Ok(())
}

pub async fn os_versions(s: &Session, out: Out) -> Result<(), Failure> {
    let versions: Vec<ImageOsInfo> =
        s.client.describe_image_os_versions().into_paginator().items().try_collect().await?;
    if out.json {
        out.json(&versions);
        return Ok(());
    }
    let rows = versions.iter().map(|o| {
        [
            text(&o.image_os_id),
            shown(&o.os_type),
            text(&o.os_distribution),
            text(&o.os_version),
            text(&o.set_arch),
            text(&o.network_mode),
        ]
    });
    table(["ID", "TYPE", "DISTRIBUTION", "VERSION", "ARCH", "NETWORK"], rows, "OS version");
    Ok(())
}

pub async fn publish(
    s: &Session,
    out: Out,
    image_id: &str,
    name: String,
    allow: Vec<i64>,
    deny: Vec<i64>,
) -> Result<(), Failure> {
    let clone = s.client.clone_custom_image_to_base_image().source_image_id(image_id).dest_image_name(name);
    let base = clone.send().await?.dest_image_id;
    out.note(format!("publishing {image_id} as base image {base}"));
    // The platform makes the base image from the custom one: it is of no use until `Used`.
    let waiter = s.client.wait_until_image_available(&base);
    crate::commands::make::wait_with_spinner(s, waiter, "making base image")
        .await
        .map_err(|e| Failure::after_making(e, &base))?;
    out.note(format!("published {image_id} as base image {base}"));
    let (mode, companies) = match (allow.is_empty(), deny.is_empty()) {
        (false, _) => (Some(PermissionMode::Whitelist), allow),
        (true, false) => (Some(PermissionMode::Blacklist), deny),
        (true, true) => (None, Vec::new()),
    };
    if let Some(mode) = mode {
        let permission = s.client.update_resource_permission().resource_id(&base);
        let permission = permission.resource_type(ResourceType::BaseImage).permission_mode(mode.clone());
        permission.permission(companies.clone()).send().await?;
        let tenants = companies.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        out.note(match mode {
            PermissionMode::Whitelist => format!("{base} may be used only by the tenants {tenants}"),
            _ => format!("{base} may be used by every tenant but {tenants}"),
        });
    }
    out.id("DestImageID", &base);
    Ok(())
}

pub async fn update(s: &Session, out: Out, image_id: &str, company_id: Option<i64>, os: Os) -> Result<(), Failure> {
    let update = s.client.update_image().image_id(image_id).company_id(s.company_id(company_id)?);
    with_os(update, os)?.send().await?;
    out.note(format!("updated {image_id}"));
    out.id("ImageID", image_id);
    Ok(())
}
