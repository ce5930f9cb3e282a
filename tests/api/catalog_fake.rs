//! Every newer action, typed, against the embedded fake: the fake receives exactly the pairs
//! the client builds (field by field, signed), carries the action out, and its answer decodes
//! into the typed response.

use futures::TryStreamExt;
use std::time::Duration;
use ucloudstack::image::{BootloaderType, ImageFormat, ImageStatus, ImportType, OsType, S3Scene};
use ucloudstack::resource::{PermissionMode, ResourceType};
use ucloudstack::testing::FakeUCloudStack;
use ucloudstack::{Action, Client};

/// Sends `request` and checks that the fake received exactly the form `client.prepare` builds.
async fn round_trip<A: Action + Clone>(fake: &FakeUCloudStack, client: &Client, request: A) -> A::Output {
    let expected = client.prepare(&request).unwrap().form();
    let output = client.send(request).await.unwrap_or_else(|e| panic!("{}: {e}", A::NAME));
    let received = fake.requests().into_iter().rev().find(|r| r.action.as_deref() == Some(A::NAME)).unwrap();
    let sorted = |mut pairs: Vec<(String, String)>| {
        pairs.sort();
        pairs
    };
    assert_eq!(sorted(received.form), sorted(expected), "{}", A::NAME);
    output
}

#[tokio::test(start_paused = true)]
async fn every_newer_action_round_trips_through_the_fake_field_by_field() {
    let fake = FakeUCloudStack::builder().making_delay(Duration::from_secs(5)).in_process();
    let client = fake.client();

    // A Local import, completed, then Used.
    let import = client
        .import_image()
        .company_id(200001)
        .image_name("ubuntu-24.04")
        .image_format(ImageFormat::Qcow2)
        .import_type(ImportType::Local)
        .os_type(OsType::Linux)
        .os_distribution("Ubuntu")
        .os_version("24.04")
        .set_arch("x86_64")
        .image_size(20)
        .image_description("base for web")
        .project_id("proj-default")
        .bootloader_type(BootloaderType::Uefi)
        .support_qga(true)
        .support_cloud_init(true)
        .tags([("env", "prod")]);
    let imported = round_trip(&fake, &client, import.as_input().clone().build().unwrap()).await;
    let upload_id = imported.upload_id.clone().expect("a Local import has an UploadID");
    assert_eq!(fake.image(&imported.image_id).unwrap().image_status, Some(ImageStatus::WaitUploading));
    assert!(fake.add_uploaded_part(&imported.image_id, 1, 1000));
    let complete = client.complete_image_multipart_upload().image_id(&imported.image_id).upload_id(&upload_id);
    round_trip(&fake, &client, complete.as_input().clone().build().unwrap()).await;
    let image = client.wait_until_image_available(&imported.image_id).await.unwrap();
    assert_eq!(image.image_format, Some(ImageFormat::Qcow2));
    assert_eq!(image.bootloader_type, Some(BootloaderType::Uefi));

    // Another, given up.
    let second = import.clone().image_name("abandoned").send().await.unwrap();
    let abort = client
        .abort_image_multipart_upload()
        .company_id(200001)
        .image_id(&second.image_id)
        .upload_id(second.upload_id.clone().unwrap());
    round_trip(&fake, &client, abort.as_input().clone().build().unwrap()).await;
    assert!(fake.image(&second.image_id).is_none());

    // A custom image being made, aborted.
    let making = client.create_custom_image().vm_id("vm-fake-1").image_name("half").send().await.unwrap();
    let abort = client.abort_custom_image().image_id(&making.image_id).company_id(200001);
    round_trip(&fake, &client, abort.as_input().clone().build().unwrap()).await;
    assert!(fake.image(&making.image_id).is_none());

    // Published as a base image for one tenant, listed, then deleted.
    let clone = client
        .clone_custom_image_to_base_image()
        .source_image_id(&imported.image_id)
        .dest_image_name("base-web")
        .company_id(200001);
    let cloned = round_trip(&fake, &client, clone.as_input().clone().build().unwrap()).await;
    let permit = client
        .update_resource_permission()
        .resource_id(&cloned.dest_image_id)
        .resource_type(ResourceType::BaseImage)
        .permission_mode(PermissionMode::Whitelist)
        .permission([200002, 200003]);
    round_trip(&fake, &client, permit.as_input().clone().build().unwrap()).await;
    assert_eq!(
        fake.resource_permission(&cloned.dest_image_id),
        Some((PermissionMode::Whitelist, vec![200002, 200003]))
    );
    let list = client.describe_base_image().image_ids([cloned.dest_image_id.clone()]);
    let bases = round_trip(&fake, &client, list.as_input().clone().build().unwrap()).await;
    assert_eq!(bases.infos.len(), 1);
    assert_eq!(bases.infos[0].name.as_deref(), Some("base-web"));
    let delete = client.delete_base_image().image_id(&cloned.dest_image_id).company_id(200001);
    round_trip(&fake, &client, delete.as_input().clone().build().unwrap()).await;

    // The OS table, by page and whole.
    let page = client.describe_image_os_versions().company_id(200001).offset(0).limit(5);
    let first = round_trip(&fake, &client, page.as_input().clone().build().unwrap()).await;
    assert_eq!(first.infos.len(), 5);
    let every: Vec<_> =
        client.describe_image_os_versions().into_paginator().page_size(7).items().try_collect().await.unwrap();
    assert_eq!(every.len() as i64, first.total_count);

    // OS attributes, the download address, S3 credentials.
    let update = client
        .update_image()
        .company_id(200001)
        .image_id(&imported.image_id)
        .os_type(OsType::Linux)
        .set_arch("aarch64")
        .os_distribution("Debian")
        .os_version("12")
        .bootloader_type(BootloaderType::Bios)
        .support_qga(false)
        .support_cloud_init(true);
    round_trip(&fake, &client, update.as_input().clone().build().unwrap()).await;
    let updated = fake.image(&imported.image_id).unwrap();
    assert_eq!((updated.os_distribution.as_deref(), updated.set_arch.as_deref()), (Some("Debian"), Some("aarch64")));
    let get = client.get_image_download_url().image_id(&imported.image_id);
    let url = round_trip(&fake, &client, get.as_input().clone().build().unwrap()).await;
    let info = url.info.unwrap();
    assert!(!info.download_query.unwrap().expose().is_empty() && info.expired_time.is_some());
    let login = client.s3_login().scenes(S3Scene::ImageUpload).company_id(200001);
    let s3 = round_trip(&fake, &client, login.as_input().clone().build().unwrap()).await;
    assert_eq!(s3.bucket, "mirror");
    assert!(!format!("{s3:?}").contains(s3.secret_key.expose()), "secrets stay out of Debug");
}
