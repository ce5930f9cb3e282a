//! The `images` example, run as a program against the fake: output and exit codes.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;
use ucloudstack::testing::FakeUCloudStack;

/// `cargo test` builds the examples next to the test binaries (target/<profile>/examples);
/// `cargo test --test api` alone does not, so build it then.
fn images_binary() -> PathBuf {
    static BUILT: std::sync::Once = std::sync::Once::new();
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let binary = profile_dir.join("examples").join(format!("images{}", std::env::consts::EXE_SUFFIX));
    BUILT.call_once(|| {
        if !binary.exists() {
            let status = Command::new(env!("CARGO"))
                .args(["build", "-p", "ucloudstack", "--example", "images"])
                .status()
                .unwrap();
            assert!(status.success(), "cargo build --example images failed");
        }
    });
    assert!(binary.exists(), "{} is not built", binary.display());
    binary
}

fn images(fake: &FakeUCloudStack, args: &[&str]) -> Output {
    let creds = fake.credentials();
    let private_key = "fake-private-key"; // the fake's default pair
    assert_eq!(creds.public_key(), "fake-public-key");
    Command::new(images_binary())
        .args(args)
        .args(["--poll-delay", "0.1", "--max-wait", "30"])
        .env("UCLOUDSTACK_ENDPOINT", fake.endpoint())
        .env("UCLOUDSTACK_PUBLIC_KEY", creds.public_key())
        .env("UCLOUDSTACK_PRIVATE_KEY", private_key)
        .env("UCLOUDSTACK_REGION", fake.region())
        .env_remove("UCLOUDSTACK_ZONE")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn start() -> FakeUCloudStack {
    FakeUCloudStack::builder()
        .making_delay(Duration::from_millis(300))
        .deleting_delay(Duration::from_millis(300))
        .start()
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn list_prints_a_table_and_json() {
    let fake = start().await;
    fake.seed_custom_images(3);
    let out = images(&fake, &["list"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("ID") && lines[0].contains("STATUS") && lines[0].contains("CREATED"), "{stdout}");
    assert!(stdout.contains("cn-image-kylin-v10") && stdout.contains("2023-11-14"), "{stdout}");
    assert_eq!(lines.last(), Some(&"9 images"));

    let out = images(&fake, &["list", "--type", "custom", "--json"]);
    assert!(out.status.success());
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 3);
    assert_eq!(listed[0]["ImageType"], "Custom");
}

#[tokio::test(flavor = "multi_thread")]
async fn create_wait_then_delete_wait() {
    let fake = start().await;
    let out = images(&fake, &["create", "--vm-id", "vm-fake-2", "--name", "from-cli", "--wait", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let image: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(image["ImageStatus"], "Used");
    assert_eq!(image["Name"], "from-cli");
    let id = image["ImageID"].as_str().unwrap().to_owned();
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("created {id}")) && stderr.contains("Used after"), "{stderr}");

    let out = images(&fake, &["delete", &id, "--wait"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(&format!("deleted {id}")));
    assert!(fake.image(&id).is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_id_fails_with_the_ret_code() {
    let fake = start().await;
    let out = images(&fake, &["delete", "cn-image-nope"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("DeleteCustomImage failed with RetCode 1000"), "{stderr}");
    assert!(stderr.contains("request id"), "{stderr}");

    let out = images(&fake, &["show", "cn-image-nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no image cn-image-nope"));

    let out = images(&fake, &["frobnicate"]);
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");
}

#[tokio::test(flavor = "multi_thread")]
async fn capture_rename_vms_and_regions() {
    let fake = FakeUCloudStack::builder()
        .making_delay(Duration::from_millis(300))
        .vm_delay(Duration::from_millis(300))
        .start()
        .await;
    fake.set_vm_state("vm-fake-2", ucloudstack::vm::VmState::Running);

    let out = images(&fake, &["vms", "--state", "running"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("ID") && stdout.contains("vm-fake-2") && !stdout.contains("vm-fake-1"), "{stdout}");
    assert!(stdout.trim_end().ends_with("1 VM"), "{stdout}");

    let out = images(&fake, &["capture", "vm-fake-2", "--name", "cli-golden"]);
    assert_eq!(out.status.code(), Some(1), "a running VM without --stop is refused");
    assert!(text(&out.stderr).contains("the VM is Running"), "{}", text(&out.stderr));

    let out = images(&fake, &["capture", "vm-fake-2", "--name", "cli-golden", "--stop", "--restart", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let image: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((image["Name"].as_str(), image["ImageStatus"].as_str()), (Some("cli-golden"), Some("Used")));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("stopping the VM") && stderr.contains("starting the VM again"), "{stderr}");
    assert!(stderr.contains("stopped and started again"), "{stderr}");
    assert_eq!(fake.vm_state("vm-fake-2"), Some(ucloudstack::vm::VmState::Running));

    let id = image["ImageID"].as_str().unwrap();
    let out = images(&fake, &["rename", id, "--name", "renamed", "--description", "via cli"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let renamed = fake.image(id).unwrap();
    assert_eq!((renamed.name.as_deref(), renamed.image_description.as_deref()), (Some("renamed"), Some("via cli")));

    let out = images(&fake, &["regions", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let regions: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(regions[0]["Region"], "cn");
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_many_ids_or_a_name_prefix() {
    let fake = start().await;
    let ids = fake.seed_custom_images(5);
    let mut args = vec!["delete"];
    args.extend(ids[..3].iter().map(String::as_str));
    args.push("cn-image-nope");
    let out = images(&fake, &args);
    assert_eq!(out.status.code(), Some(1), "one of four failed");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("4/4 deleted") && stderr.contains("error: cn-image-nope"), "{stderr}");
    assert!(stderr.contains("1 of 4 deletes failed"), "{stderr}");

    // Seeded images are named "seeded <id>".
    let out = images(&fake, &["delete", "--name-prefix", "seeded", "--wait"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("2 custom images named") && stderr.contains("deleted 2 images"), "{stderr}");
    assert!(fake.images().iter().all(|i| i.image_type == Some(ucloudstack::image::ImageType::Base)));

    let out = images(&fake, &["list", "--concurrency", "3"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).trim_end().ends_with("6 images"));
}
