//! `images`: list, show, create, capture, rename and delete UCloudStack images, and list VMs
//! and regions, from the command line.
//!
//! ```text
//! cargo run --example images -- list [--type custom] [--keyword centos] [--id ID].. [--project P].. [--concurrency 8] [--json]
//! cargo run --example images -- show IMAGE_ID [--json]
//! cargo run --example images -- create --vm-id VM --name NAME [--description TEXT] [--wait]
//! cargo run --example images -- capture VM_ID --name NAME [--description TEXT] [--stop] [--restart]
//! cargo run --example images -- rename IMAGE_ID --name NAME [--description TEXT]
//! cargo run --example images -- delete IMAGE_ID.. [--name-prefix PREFIX] [--concurrency 8] [--wait]
//! cargo run --example images -- vms [--state running].. [--json]
//! cargo run --example images -- regions [--json]
//! cargo run --example images -- import-url URL --name NAME --format qcow2 --os-type linux --distribution Ubuntu [--os-version 24.04] --company-id ID
//! cargo run --example images -- copy IMAGE_ID (--to-profile P | --to-endpoint URL | --to-fake) [--to-region R] [--name NAME] [--company-id ID]
//! cargo run --example images -- os-versions [--json]
//! cargo run --example images -- download IMAGE_ID FILE [--overwrite]
//! cargo run --example images -- publish IMAGE_ID --name NAME [--allow COMPANY_ID].. [--deny COMPANY_ID]..
//! cargo run --example images -- update IMAGE_ID --company-id ID --os-type linux --arch x86_64 --distribution Ubuntu --os-version 24.04
//! ```
//!
//! Runs against the embedded fake UCloudStack unless UCLOUDSTACK_ENDPOINT is set (then also
//! UCLOUDSTACK_PUBLIC_KEY, UCLOUDSTACK_PRIVATE_KEY and UCLOUDSTACK_REGION). Exit status: 0 on
//! success, 1 when a call fails, 2 on bad usage.

use clap::{Parser, Subcommand, ValueEnum};
use futures_util::TryStreamExt;
use std::io::IsTerminal;
use std::time::Duration;
use ucloudstack::image::{BootloaderType, ImageFormat, ImageInfo, ImageOsInfo, ImageStatus, ImageType, OsType};
use ucloudstack::resource::{PermissionMode, ResourceType};
use ucloudstack::testing::FakeUCloudStack;
use ucloudstack::vm::{VmInstanceInfo, VmState};
use ucloudstack::wait::{WaitTarget, Waiter};
use ucloudstack::{Client, Error};

#[derive(Parser)]
#[command(name = "images", about = "Manage UCloudStack images", version)]
struct Cli {
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
    /// Region to use instead of UCLOUDSTACK_REGION.
    #[arg(long, global = true)]
    region: Option<String>,
    /// Longest time to wait with --wait, in seconds.
    #[arg(long, global = true, default_value_t = 1800.0)]
    max_wait: f64,
    /// First delay between polls with --wait, in seconds (it grows to 30 s).
    #[arg(long, global = true, default_value_t = 2.0)]
    poll_delay: f64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List images, every page.
    List {
        /// Only Base (platform) or Custom images.
        #[arg(long = "type", value_enum)]
        image_type: Option<Kind>,
        /// Search keyword.
        #[arg(long)]
        keyword: Option<String>,
        /// Only these image ids (repeatable).
        #[arg(long = "id")]
        ids: Vec<String>,
        /// Only images of these project groups (repeatable).
        #[arg(long = "project")]
        projects: Vec<String>,
        /// Pages fetched at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
    },
    /// Show one image.
    Show {
        /// The image id.
        image_id: String,
    },
    /// Make a custom image from a virtual machine.
    Create {
        /// The virtual machine.
        #[arg(long)]
        vm_id: String,
        /// The new image's name.
        #[arg(long)]
        name: String,
        /// The new image's description.
        #[arg(long)]
        description: Option<String>,
        /// Wait until the image is available.
        #[arg(long)]
        wait: bool,
    },
    /// Make a custom image of a VM safely: stop it (with --stop), make the image, wait until it
    /// is ready, start the VM again (with --restart).
    Capture {
        /// The virtual machine.
        vm_id: String,
        /// The new image's name.
        #[arg(long)]
        name: String,
        /// The new image's description.
        #[arg(long)]
        description: Option<String>,
        /// Stop the VM first if it runs (else a running VM is an error).
        #[arg(long)]
        stop: bool,
        /// Start the VM again afterwards, if it was running.
        #[arg(long)]
        restart: bool,
    },
    /// Rename an image (ModifyNameAndRemark).
    Rename {
        /// The image id.
        image_id: String,
        /// The new name.
        #[arg(long)]
        name: String,
        /// The new description.
        #[arg(long)]
        description: Option<String>,
    },
    /// List virtual machines, every page.
    Vms {
        /// Only VMs in these states (repeatable), e.g. running, stopped.
        #[arg(long = "state")]
        states: Vec<String>,
    },
    /// List the platform's regions.
    Regions,
    /// Import an image the platform fetches from a URL, and wait until it is ready.
    ImportUrl {
        /// The URL the platform downloads the image from.
        url: String,
        /// The new image's name.
        #[arg(long)]
        name: String,
        /// The file's format: qcow2, iso, vmdk or raw.
        #[arg(long)]
        format: String,
        /// The OS family: linux, windows or kylin.
        #[arg(long)]
        os_type: String,
        /// The distribution, e.g. Ubuntu (see `os-versions`).
        #[arg(long)]
        distribution: String,
        /// The OS version, e.g. 24.04.
        #[arg(long)]
        os_version: Option<String>,
        /// The architecture: x86_64 or aarch64.
        #[arg(long)]
        arch: Option<String>,
        /// The tenant the image belongs to.
        #[arg(long)]
        company_id: i64,
        /// The new image's description.
        #[arg(long)]
        description: Option<String>,
    },
    /// Copy an image to another platform or region: that platform pulls it from this one.
    Copy {
        /// The image to copy.
        image_id: String,
        /// Copy to the platform of this `~/.ucloud` profile.
        #[arg(long, conflicts_with_all = ["to_endpoint", "to_fake"])]
        to_profile: Option<String>,
        /// Copy to the platform at this API URL (the keys from the environment).
        #[arg(long, conflicts_with = "to_fake")]
        to_endpoint: Option<String>,
        /// Copy to a second embedded fake UCloudStack (a demonstration).
        #[arg(long)]
        to_fake: bool,
        /// The region to copy to (default: the target's own).
        #[arg(long)]
        to_region: Option<String>,
        /// The copy's name (default: the source's).
        #[arg(long)]
        name: Option<String>,
        /// The tenant the copy belongs to (default: the source's).
        #[arg(long)]
        company_id: Option<i64>,
    },
    /// List the OS versions images can be imported as.
    OsVersions,
    /// Publish a custom image as a base image, optionally for some tenants only.
    Publish {
        /// The custom image.
        image_id: String,
        /// The base image's name.
        #[arg(long)]
        name: String,
        /// Only these tenants may use it (repeatable).
        #[arg(long = "allow", conflicts_with = "deny")]
        allow: Vec<i64>,
        /// Every tenant but these may use it (repeatable).
        #[arg(long = "deny")]
        deny: Vec<i64>,
    },
    /// Set an image's OS attributes.
    Update {
        /// The image.
        image_id: String,
        /// The tenant the image belongs to.
        #[arg(long)]
        company_id: i64,
        /// The OS family: linux, windows or kylin.
        #[arg(long)]
        os_type: String,
        /// The architecture: x86_64 or aarch64.
        #[arg(long)]
        arch: String,
        /// The distribution, e.g. Ubuntu.
        #[arg(long)]
        distribution: String,
        /// The OS version, e.g. 24.04.
        #[arg(long)]
        os_version: String,
        /// The boot loader: bios or uefi.
        #[arg(long)]
        bootloader: Option<String>,
    },
    /// Download an image to a file (a `.part` left by a failed run is continued).
    Download {
        /// The image.
        image_id: String,
        /// The file to write.
        file: std::path::PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        overwrite: bool,
    },
    /// Delete a custom image.
    Delete {
        /// The image ids.
        image_ids: Vec<String>,
        /// Also every custom image whose name starts with this (listed first, then deleted).
        #[arg(long)]
        name_prefix: Option<String>,
        /// Deletes at once (fewer when the platform says "too frequent").
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Wait until the images are gone.
        #[arg(long)]
        wait: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    Base,
    Custom,
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    if let Err(e) = run(cli).await {
        match e.downcast_ref::<Error>() {
            Some(Error::Api {
                meta: ucloudstack::ErrorMetadata { action, request_id, .. }, ret_code, message, ..
            }) => {
                eprintln!("error: {action} failed with RetCode {ret_code}: {message}");
                if let Some(id) = request_id {
                    eprintln!("       request id {id}");
                }
            }
            _ => eprintln!("error: {e}"),
        }
        std::process::exit(1);
    }
}

type Failure = Box<dyn std::error::Error>;

async fn run(cli: Cli) -> Result<(), Failure> {
    let (client, _fake) = connect(cli.region.as_deref()).await?;
    let limits = (secs(cli.max_wait, "--max-wait")?, secs(cli.poll_delay, "--poll-delay")?);
    match cli.command {
        Command::List { image_type, keyword, ids, projects, concurrency } => {
            let mut request = client.describe_image().image_ids(ids).project_ids(projects);
            if let Some(kind) = image_type {
                request = request.image_type(match kind {
                    Kind::Base => ImageType::Base,
                    Kind::Custom => ImageType::Custom,
                });
            }
            if let Some(keyword) = keyword {
                request = request.keyword(keyword);
            }
            let images: Vec<ImageInfo> =
                request.into_paginator().concurrency(concurrency).items().try_collect().await?;
            print_images(&images, cli.json);
        }
        Command::Show { image_id } => {
            let page = client.describe_image().image_ids([&image_id]).send().await?;
            match page.infos.into_iter().find(|i| i.image_id.as_deref() == Some(&image_id)) {
                Some(image) => print_image(&image, cli.json),
                None => return Err(format!("no image {image_id} is listed").into()),
            }
        }
        Command::Create { vm_id, name, description, wait } => {
            let mut request = client.create_custom_image().vm_id(vm_id).image_name(name);
            if let Some(description) = description {
                request = request.image_description(description);
            }
            let created = request.send().await?;
            eprintln!("created {}", created.image_id);
            if wait {
                let image = with_progress(client.wait_until_image_available(&created.image_id), limits).await?;
                print_image(&image, cli.json);
            } else if cli.json {
                println!("{}", serde_json::json!({ "ImageID": created.image_id }));
            } else {
                println!("{}", created.image_id);
            }
        }
        Command::Capture { vm_id, name, description, stop, restart } => {
            let mut capture =
                client.capture_image(&vm_id).image_name(name).stop_vm(stop).restart_vm(restart).max_wait(limits.0);
            if let Some(description) = description {
                capture = capture.image_description(description);
            }
            capture = capture.poll_delay(limits.1, Duration::from_secs(30).max(limits.1));
            let captured = capture_with_progress(capture).await?;
            let id = captured.image.image_id.clone().unwrap_or_default();
            eprintln!(
                "captured {id} from {vm_id}{}",
                match (captured.vm_was_running, captured.vm_restarted) {
                    (true, true) => " (the VM was stopped and started again)",
                    (true, false) => " (the VM was stopped and is left stopped)",
                    _ => "",
                }
            );
            print_image(&captured.image, cli.json);
        }
        Command::Rename { image_id, name, description } => {
            let mut rename = client.modify_name_and_remark().resource_id(&image_id).name(name);
            if let Some(description) = description {
                rename = rename.remark(description);
            }
            rename.send().await?;
            eprintln!("renamed {image_id}");
        }
        Command::Vms { states } => {
            let states: Vec<VmState> = states.iter().map(|s| state(s)).collect();
            let vms: Vec<VmInstanceInfo> =
                client.describe_vm_instance().states(states).into_paginator().items().try_collect().await?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&vms).expect("VmInstanceInfo serializes"));
            } else {
                let rows = vms.iter().map(|vm| {
                    [
                        text(&vm.vm_id),
                        text(&vm.name),
                        vm.state.as_ref().map_or("-".into(), ToString::to_string),
                        text(&vm.image_id),
                        vm.cpu.map_or("-".into(), |c| format!("{c} CPU")),
                        vm.memory.map_or("-".into(), |m| format!("{} GB", m / 1024)),
                        vm.ip_infos.iter().filter_map(|ip| ip.ip.clone()).collect::<Vec<_>>().join(","),
                    ]
                });
                table(["ID", "NAME", "STATE", "IMAGE", "CPU", "MEMORY", "IP"], rows, "VM");
            }
        }
        Command::Regions => {
            let regions = client.describe_region().send().await?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&regions.infos).expect("RegionInfo serializes"));
            } else {
                let rows = regions
                    .infos
                    .iter()
                    .map(|r| [text(&r.region), text(&r.region_alias), text(&r.city), text(&r.state)]);
                table(["REGION", "NAME", "CITY", "STATE"], rows, "region");
            }
        }
        Command::ImportUrl { url, name, format, os_type, distribution, os_version, arch, company_id, description } => {
            let mut import = client
                .import_image_from_url(url)
                .image_name(name)
                .image_format(known::<ImageFormat>(&format, ImageFormat::KNOWN, "--format")?)
                .os_type(known::<OsType>(&os_type, OsType::KNOWN, "--os-type")?)
                .os_distribution(distribution)
                .company_id(company_id)
                .max_wait(limits.0)
                .poll_delay(limits.1, Duration::from_secs(30).max(limits.1));
            if let Some(version) = os_version {
                import = import.os_version(version);
            }
            if let Some(arch) = arch {
                import = import.set_arch(arch);
            }
            if let Some(description) = description {
                import = import.image_description(description);
            }
            let image = transfer_progress(|report| import.on_progress(report).send()).await?;
            eprintln!("imported {}", image.id());
            print_image(&image, cli.json);
        }
        Command::Copy { image_id, to_profile, to_endpoint, to_fake, to_region, name, company_id } => {
            let (target, _target_fake) = target(to_profile, to_endpoint, to_fake, to_region).await?;
            let mut copy = client
                .copy_image(&image_id)
                .to(&target)
                .max_wait(limits.0)
                .poll_delay(limits.1, Duration::from_secs(30).max(limits.1));
            if let Some(name) = name {
                copy = copy.image_name(name);
            }
            if let Some(company_id) = company_id {
                copy = copy.company_id(company_id);
            }
            let image = transfer_progress(|report| copy.on_progress(report).send()).await?;
            eprintln!("copied {image_id} as {}", image.id());
            print_image(&image, cli.json);
        }
        Command::OsVersions => {
            let versions: Vec<ImageOsInfo> =
                client.describe_image_os_versions().into_paginator().items().try_collect().await?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&versions).expect("ImageOsInfo serializes"));
            } else {
                let rows = versions.iter().map(|o| {
                    [
                        text(&o.image_os_id),
                        o.os_type.as_ref().map_or("-".into(), ToString::to_string),
                        text(&o.os_distribution),
                        text(&o.os_version),
                        text(&o.set_arch),
                        text(&o.network_mode),
                    ]
                });
                table(["ID", "TYPE", "DISTRIBUTION", "VERSION", "ARCH", "NETWORK"], rows, "OS version");
            }
        }
        Command::Publish { image_id, name, allow, deny } => {
            let cloned = client
                .clone_custom_image_to_base_image()
                .source_image_id(&image_id)
                .dest_image_name(name)
                .send()
                .await?;
            eprintln!("published {image_id} as base image {}", cloned.dest_image_id);
            let (mode, companies) = match (allow.is_empty(), deny.is_empty()) {
                (false, _) => (Some(PermissionMode::Whitelist), allow),
                (true, false) => (Some(PermissionMode::Blacklist), deny),
                (true, true) => (None, Vec::new()),
            };
            if let Some(mode) = mode {
                client
                    .update_resource_permission()
                    .resource_id(&cloned.dest_image_id)
                    .resource_type(ResourceType::BaseImage)
                    .permission_mode(mode.clone())
                    .permission(companies.clone())
                    .send()
                    .await?;
                eprintln!("{} is {mode} for {companies:?}", cloned.dest_image_id);
            }
            if cli.json {
                println!("{}", serde_json::json!({ "DestImageID": cloned.dest_image_id }));
            } else {
                println!("{}", cloned.dest_image_id);
            }
        }
        Command::Update { image_id, company_id, os_type, arch, distribution, os_version, bootloader } => {
            let mut update = client
                .update_image()
                .image_id(&image_id)
                .company_id(company_id)
                .os_type(known::<OsType>(&os_type, OsType::KNOWN, "--os-type")?)
                .set_arch(arch)
                .os_distribution(distribution)
                .os_version(os_version);
            if let Some(bootloader) = bootloader {
                update = update.bootloader_type(known::<BootloaderType>(
                    &bootloader,
                    BootloaderType::KNOWN,
                    "--bootloader",
                )?);
            }
            update.send().await?;
            eprintln!("updated {image_id}");
        }
        Command::Download { image_id, file, overwrite } => {
            let terminal = std::io::stderr().is_terminal();
            let download = client.download_image(&image_id, &file).overwrite(overwrite).on_progress(move |p| {
                let mib = |bytes: u64| bytes as f64 / (1 << 20) as f64;
                let rate = mib(p.bytes_done) / p.elapsed.as_secs_f64().max(0.001);
                let line = format!("{:.1} of {:.1} MiB ({rate:.1} MiB/s)", mib(p.bytes_done), mib(p.bytes_total));
                if terminal {
                    status_line(&line);
                }
            });
            let result = download.send().await;
            if terminal {
                status_line("");
            }
            let done = result?;
            eprintln!("downloaded {image_id}: {} bytes in {}", done.bytes, done.path.display());
        }
        Command::Delete { mut image_ids, name_prefix, concurrency, wait } => {
            if name_prefix.as_deref() == Some("") {
                return Err("--name-prefix must not be empty: it would match every custom image".into());
            }
            if let Some(prefix) = name_prefix {
                // Every page first, then the deletes: deleting while paging would shift the pages.
                let custom = client.describe_image().image_type(ImageType::Custom).into_paginator().concurrency(8);
                let images: Vec<ImageInfo> = custom.items().try_collect().await?;
                // An image already going away would only answer "state" (1001).
                let going = |i: &ImageInfo| {
                    matches!(
                        i.image_status,
                        Some(ImageStatus::Deleting | ImageStatus::Deleted | ImageStatus::Terminating)
                    )
                };
                let named = images
                    .into_iter()
                    .filter(|i| i.name.as_deref().is_some_and(|n| n.starts_with(&prefix)) && !going(i));
                image_ids.extend(named.filter_map(|i| i.image_id));
                eprintln!("{} custom images named {prefix:?}...", image_ids.len());
            }
            if image_ids.is_empty() {
                return Err("nothing to delete: give image ids or --name-prefix".into());
            }
            if let [image_id] = image_ids.as_slice() {
                client.delete_custom_image().image_id(image_id).send().await?;
                eprintln!("deleting {image_id}");
                if wait {
                    with_progress(client.wait_until_image_deleted(image_id), limits).await?;
                    eprintln!("deleted {image_id}");
                }
                return Ok(());
            }
            let results =
                delete_with_progress(client.delete_custom_images(image_ids.clone()).concurrency(concurrency)).await;
            let mut failed = 0;
            for (id, result) in image_ids.iter().zip(&results) {
                match result {
                    Ok(_) => eprintln!("deleting {id}"),
                    Err(e) => {
                        failed += 1;
                        eprintln!("error: {id}: {e}");
                    }
                }
            }
            if wait {
                let gone = image_ids.iter().zip(&results).filter(|(_, r)| r.is_ok()).map(|(id, _)| {
                    client
                        .wait_until_image_deleted(id)
                        .max_wait(limits.0)
                        .poll_delay(limits.1, Duration::from_secs(30).max(limits.1))
                        .wait()
                });
                for result in futures::future::join_all(gone).await {
                    result?;
                }
                eprintln!("deleted {} images", image_ids.len() - failed);
            }
            if failed > 0 {
                return Err(format!("{failed} of {} deletes failed", image_ids.len()).into());
            }
        }
    }
    Ok(())
}

/// The client a copy goes to: a profile's, an endpoint's (keys from the environment), or a
/// second embedded fake's (kept alive by the caller).
async fn target(
    profile: Option<String>,
    endpoint: Option<String>,
    fake: bool,
    region: Option<String>,
) -> Result<(Client, Option<FakeUCloudStack>), Failure> {
    let (builder, fake) = match (profile, endpoint, fake) {
        (Some(profile), _, _) => (ucloudstack::ClientBuilder::from_env().profile(profile), None),
        (None, Some(endpoint), _) => (ucloudstack::ClientBuilder::from_env().endpoint(endpoint), None),
        (None, None, true) => {
            let fake = FakeUCloudStack::builder().start().await;
            eprintln!("copying to a second embedded fake UCloudStack at {}", fake.endpoint());
            (fake.client_builder(), Some(fake))
        }
        (None, None, false) => return Err("say where to copy to: --to-profile, --to-endpoint or --to-fake".into()),
    };
    let builder = match region {
        Some(region) => builder.region(region),
        None => builder,
    };
    Ok((builder.build()?, fake))
}

/// A value of an open enum as typed on the command line, in any case; an unknown one is a
/// usage error that lists the known ones.
fn known<T: From<&'static str>>(text: &str, known: &'static [&'static str], flag: &str) -> Result<T, Failure> {
    match known.iter().find(|k| k.eq_ignore_ascii_case(text)) {
        Some(value) => Ok(T::from(value)),
        None => Err(format!("{flag} {text:?} is not one of {}", known.join(", ")).into()),
    }
}

/// Runs an import or a copy, showing the status, the platform's percent and the elapsed time.
async fn transfer_progress<F, Fut>(run: F) -> Result<ImageInfo, Error>
where
    F: FnOnce(Box<dyn Fn(&ucloudstack::wait::WaitProgress<'_>) + Send + Sync>) -> Fut,
    Fut: std::future::Future<Output = Result<ImageInfo, Error>>,
{
    let terminal = std::io::stderr().is_terminal();
    let last = std::sync::Mutex::new(String::new());
    let result = run(Box::new(move |p| {
        let percent = p.percent.map_or(String::new(), |n| format!(" {n}%"));
        let line = format!("{}: {}{percent}", p.id, p.status);
        if terminal {
            status_line(&format!("{line} ({}s)", p.elapsed.as_secs()));
        } else {
            let mut last = last.lock().unwrap();
            if *last != line {
                eprintln!("{line} after {:.1}s", p.elapsed.as_secs_f64());
                *last = line;
            }
        }
    }))
    .await;
    if terminal {
        status_line("");
    }
    result
}

/// The client from the environment, or the embedded fake (kept alive by the caller).
async fn connect(region: Option<&str>) -> Result<(Client, Option<FakeUCloudStack>), Failure> {
    if std::env::var_os(ucloudstack::env::ENDPOINT).is_some() {
        for name in [ucloudstack::env::PUBLIC_KEY, ucloudstack::env::PRIVATE_KEY] {
            if std::env::var(name).map_or(true, |v| v.is_empty()) {
                return Err(format!("{name} is not set").into());
            }
        }
        let mut builder = ucloudstack::ClientBuilder::from_env();
        if let Some(region) = region {
            builder = builder.region(region);
        }
        return Ok((builder.build()?, None));
    }
    let fake = FakeUCloudStack::builder().vm_delay(Duration::from_secs(1)).start().await;
    // One running VM, so that `capture vm-fake-3 --stop --restart` shows the whole dance.
    fake.set_vm_state("vm-fake-3", VmState::Running);
    eprintln!("UCLOUDSTACK_ENDPOINT is not set: using the embedded fake UCloudStack at {}", fake.endpoint());
    let mut builder = fake.client_builder();
    if let Some(region) = region {
        builder = builder.region(region);
    }
    let client = builder.build()?;
    // The custom images the README's commands use: cn-image-custom-000001 to -000003.
    for (id, name) in fake.seed_custom_images(3).iter().zip(["web-golden", "tmp-build-1", "tmp-build-2"]) {
        fake.client().modify_name_and_remark().resource_id(id).name(name).send().await?;
    }
    Ok((client, Some(fake)))
}

fn secs(value: f64, flag: &str) -> Result<Duration, Failure> {
    Duration::try_from_secs_f64(value).map_err(|_| format!("{flag} must be a number of seconds, got {value}").into())
}

/// Rewrites the terminal's last line with `text` (an empty text clears it).
fn status_line(text: &str) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r\x1b[2K{text}");
    let _ = err.flush();
}

/// Waits, showing a line with the status and elapsed time on a terminal, plain lines when a
/// status changes otherwise.
async fn with_progress<T: WaitTarget>(
    waiter: Waiter<T>,
    (max_wait, poll_delay): (Duration, Duration),
) -> Result<T::Output, Error> {
    let waiter = waiter.max_wait(max_wait).poll_delay(poll_delay, Duration::from_secs(30).max(poll_delay));
    if std::io::stderr().is_terminal() {
        let result =
            waiter.on_poll(|p| status_line(&format!("{}: {} ({}s)", p.id, p.status, p.elapsed.as_secs()))).wait().await;
        status_line("");
        result
    } else {
        let last = std::sync::Mutex::new(String::new());
        waiter
            .on_poll(move |p| {
                let mut last = last.lock().unwrap();
                if *last != p.status {
                    eprintln!("{}: {} after {:.1}s", p.id, p.status, p.elapsed.as_secs_f64());
                    *last = p.status.to_owned();
                }
            })
            .wait()
            .await
    }
}

/// Runs a capture, showing the step, the status and the elapsed time: one line kept up to date
/// on a terminal,
/// a line per change otherwise.
async fn capture_with_progress(
    capture: ucloudstack::image::CaptureImageBuilder,
) -> Result<ucloudstack::image::CapturedImage, Error> {
    if std::io::stderr().is_terminal() {
        let result = capture
            .on_progress(|p| status_line(&format!("{}: {} ({}s)", p.stage, p.status, p.elapsed.as_secs())))
            .send()
            .await;
        status_line("");
        result
    } else {
        let last = std::sync::Mutex::new(String::new());
        capture
            .on_progress(move |p| {
                let line = format!("{}: {}", p.stage, p.status);
                let mut last = last.lock().unwrap();
                if *last != line {
                    eprintln!("{line} after {:.1}s", p.elapsed.as_secs_f64());
                    *last = line;
                }
            })
            .send()
            .await
    }
}

/// Runs a bulk delete with a progress bar on a terminal, a line every tenth otherwise.
async fn delete_with_progress(
    bulk: ucloudstack::image::DeleteCustomImagesBuilder,
) -> Vec<Result<ucloudstack::image::DeleteCustomImageResponse, Error>> {
    if std::io::stderr().is_terminal() {
        let started = std::time::Instant::now();
        let results = bulk
            .on_progress(move |done, total| {
                let filled = 40 * done / total.max(1);
                let bar = format!("{}{}", "#".repeat(filled), "-".repeat(40 - filled));
                status_line(&format!("[{bar}] {done}/{total} deleted ({}s)", started.elapsed().as_secs()));
            })
            .send()
            .await;
        status_line("");
        results
    } else {
        bulk.on_progress(|done, total| {
            if done == total || done % (total / 10).max(1) == 0 {
                eprintln!("{done}/{total} deleted");
            }
        })
        .send()
        .await
    }
}

fn print_image(image: &ImageInfo, json: bool) {
    if json {
        println!("{}", serde_json::to_string_pretty(image).expect("ImageInfo serializes"));
    } else {
        print_images(std::slice::from_ref(image), false);
    }
}

fn print_images(images: &[ImageInfo], json: bool) {
    if json {
        println!("{}", serde_json::to_string_pretty(images).expect("ImageInfo serializes"));
        return;
    }
    let rows = images.iter().map(|i| {
        [
            text(&i.image_id),
            text(&i.name),
            i.image_type.as_ref().map_or("-".into(), ToString::to_string),
            i.os_name.clone().or_else(|| i.os_type.as_ref().map(ToString::to_string)).unwrap_or_else(|| "-".into()),
            i.image_status.as_ref().map_or("-".into(), ToString::to_string),
            i.image_size.map_or("-".into(), |gb| format!("{gb} GB")),
            i.create_time.map_or("-".into(), date),
        ]
    });
    table(["ID", "NAME", "TYPE", "OS", "STATUS", "SIZE", "CREATED"], rows, "image");
}

fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| "-".into())
}

/// A VM state as typed on the command line, in any case (`running` is `Running`).
fn state(text: &str) -> VmState {
    VmState::KNOWN
        .iter()
        .find(|known| known.eq_ignore_ascii_case(text))
        .map_or_else(|| VmState::from(text), |known| VmState::from(*known))
}

/// Prints rows under a header, columns aligned, then the count of `noun`s.
fn table<const N: usize>(header: [&str; N], rows: impl Iterator<Item = [String; N]>, noun: &str) {
    let rows: Vec<[String; N]> = rows.collect();
    let header = header.map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> =
            row.iter().zip(&widths).map(|(cell, w)| format!("{cell}{}", " ".repeat(w - width(cell)))).collect();
        println!("{}", cells.join("  ").trim_end());
    }
    println!("{} {noun}{}", rows.len(), if rows.len() == 1 { "" } else { "s" });
}

/// Display width: CJK characters take two columns.
fn width(text: &str) -> usize {
    text.chars().map(|c| if ('\u{1100}'..='\u{FFDC}').contains(&c) && c > '\u{2E7F}' { 2 } else { 1 }).sum()
}

/// A Unix timestamp as `YYYY-MM-DD HH:MM` UTC (civil-from-days, proleptic Gregorian).
fn date(timestamp: i64) -> String {
    let (days, secs) = (timestamp.div_euclid(86_400), timestamp.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}", secs / 3600, secs % 3600 / 60)
}
