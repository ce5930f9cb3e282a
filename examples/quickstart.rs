//! List images, capture a custom image of a stopped VM (make it, wait until it is available),
//! show it, rename it, delete it.
//!
//! `cargo run --example quickstart` runs against the embedded fake UCloudStack. To run the same
//! steps against a real one, set UCLOUDSTACK_ENDPOINT, UCLOUDSTACK_PUBLIC_KEY,
//! UCLOUDSTACK_PRIVATE_KEY, UCLOUDSTACK_REGION and, for the create step, UCLOUDSTACK_VM_ID.

use futures_util::TryStreamExt;
use std::time::Duration;
use ucloudstack::Client;
use ucloudstack::image::{ImageInfo, ImageType};
use ucloudstack::testing::FakeUCloudStack;

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), ucloudstack::Error> {
    // Keep the fake alive for the whole run: dropping it stops the server.
    let (client, vm_id, _fake) = if std::env::var_os(ucloudstack::env::ENDPOINT).is_some() {
        let client = Client::from_env()?;
        println!("Using the UCloudStack at ${}", ucloudstack::env::ENDPOINT);
        (client, std::env::var("UCLOUDSTACK_VM_ID").ok().filter(|v| !v.is_empty()), None)
    } else {
        // The fake makes an image in 1.5 s; a real UCloudStack takes minutes.
        let fake = FakeUCloudStack::builder()
            .making_delay(Duration::from_millis(1500))
            .deleting_delay(Duration::from_millis(500))
            .vm_delay(Duration::from_millis(500))
            .start()
            .await;
        println!("UCLOUDSTACK_ENDPOINT is not set: using the embedded fake UCloudStack at {}", fake.endpoint());
        (fake.client(), fake.vm_ids().into_iter().next(), Some(fake))
    };

    println!("\n1. Listing platform images (DescribeImage, ImageType=Base)");
    let page = client.describe_image().image_type(ImageType::Base).limit(10).send().await?;
    println!("   {} base images in all, first {}:", page.total_count, page.infos.len());
    for image in &page.infos {
        println!("   {}", line(image));
    }

    let Some(vm_id) = vm_id else {
        println!("\nUCLOUDSTACK_VM_ID is not set: skipping capture, show, rename and delete.");
        return Ok(());
    };

    println!("\n2. Capturing a custom image of VM {vm_id} (capture_image: DescribeVMInstance, CreateCustomImage, then");
    println!("   DescribeImage until it is Used). The VM must be stopped: a running one is refused before");
    println!(
        "   anything changes, unless .stop_vm(true) lets the capture stop it (and .restart_vm(true) start it again)."
    );
    let captured = client
        .capture_image(&vm_id)
        .image_name("quickstart-image")
        .image_description("made by the ucloudstack quickstart")
        .on_progress(|p| println!("   {}: {} ({:.1}s)", p.stage, p.status, p.elapsed.as_secs_f64()))
        .send()
        .await?;
    let image_id = captured.image.image_id.clone().unwrap_or_default();
    println!("   {}", line(&captured.image));

    println!("\n3. Showing and renaming it (DescribeImage ImageIDs.0={image_id}, ModifyNameAndRemark)");
    client.modify_name_and_remark().resource_id(&image_id).name("quickstart-golden").send().await?;
    let shown = client.describe_image().image_ids([&image_id]).send().await?;
    for image in &shown.infos {
        println!("   {}", line(image));
    }

    println!("\n4. Deleting it (DeleteCustomImage)");
    client.delete_custom_image().image_id(&image_id).send().await?;
    println!("   waiting until it is gone...");
    client.wait_until_image_deleted(&image_id).await?;
    println!("   {image_id} is gone");

    println!("\n5. Every custom image left, across pages (the paginator)");
    let mut images = client.describe_image().image_type(ImageType::Custom).into_paginator().items();
    let mut count = 0;
    while let Some(image) = images.try_next().await? {
        println!("   {}", line(&image));
        count += 1;
    }
    println!("   {count} custom images");
    println!("\nDone.");
    Ok(())
}

fn line(image: &ImageInfo) -> String {
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let show = |v: Option<&dyn std::fmt::Display>| v.map_or_else(|| "-".into(), |v| v.to_string());
    format!(
        "{:<24} {:<32} {:<7} {:<10}",
        text(&image.image_id),
        text(&image.name),
        show(image.image_type.as_ref().map(|v| v as _)),
        show(image.image_status.as_ref().map(|v| v as _)),
    )
}
