//! Deletes and stops are shown and confirmed: `--yes` without a terminal, `--dry-run`, no
//! blank prefix; failures counted apart.

use crate::support::{Dir, against, custom_names, run, start_fake};
use ucloudstack::image::ImageStatus;
use ucloudstack::vm::VmState;

#[tokio::test]
async fn without_a_terminal_delete_needs_yes_and_deletes_nothing() {
    let fake = start_fake().await;
    let dir = Dir::new("no-yes");
    for args in [&["images", "delete", "--name-prefix", "tmp-"][..], &["images", "delete", "cn-image-custom-000001"]] {
        let run = run(against(&fake, dir.path()).args(args));
        assert_eq!(run.code, 2, "{run:?}");
        assert!(
            run.stderr.contains("--yes") && run.stderr.contains("tmp-build-1") == (args[2] != "cn-image-custom-000001")
        );
    }
    let json = run(against(&fake, dir.path()).args(["--json", "images", "delete", "--name-prefix", "tmp-"]));
    assert_eq!((json.code, json.error_json()["kind"].as_str()), (2, Some("usage")));
    assert_eq!(fake.request_count("DeleteCustomImage"), 0);
    assert_eq!(custom_names(&fake), ["web-golden", "tmp-build-1", "tmp-build-2"]);
}

#[tokio::test]
async fn dry_run_lists_and_deletes_nothing() {
    let fake = start_fake().await;
    let dir = Dir::new("dry-run");
    let run = run(against(&fake, dir.path()).args(["images", "delete", "--name-prefix", "tmp-", "--dry-run"])).ok();
    assert!(run.stdout.contains("tmp-build-1") && run.stdout.contains("tmp-build-2"), "{run:?}");
    assert!(!run.stdout.contains("web-golden"));
    assert_eq!(fake.request_count("DeleteCustomImage"), 0);
}

#[tokio::test]
async fn yes_deletes_what_was_listed() {
    let fake = start_fake().await;
    let dir = Dir::new("yes");
    let run = run(against(&fake, dir.path()).args(["images", "delete", "--name-prefix", "tmp-", "--yes"])).ok();
    assert_eq!(run.stdout.lines().collect::<Vec<_>>(), ["cn-image-custom-000002", "cn-image-custom-000003"]);
    for id in ["cn-image-custom-000002", "cn-image-custom-000003"] {
        let status = fake.image(id).and_then(|i| i.image_status);
        assert!(matches!(status, None | Some(ImageStatus::Deleting)), "{id}: {status:?}");
    }
    assert_eq!(fake.image("cn-image-custom-000001").and_then(|i| i.image_status), Some(ImageStatus::Used));
}

#[tokio::test]
async fn a_blank_prefix_is_refused_before_anything_is_sent() {
    let fake = start_fake().await;
    let dir = Dir::new("blank");
    let before = fake.requests().len();
    for prefix in ["", "   "] {
        let run =
            run(against(&fake, dir.path()).args(["--json", "images", "delete", "--name-prefix", prefix, "--yes"]));
        assert_eq!(run.code, 2, "{run:?}");
        assert_eq!(run.error_json()["kind"], "usage");
    }
    assert_eq!(fake.requests().len(), before, "no request");
}

#[tokio::test]
async fn bulk_failures_are_counted_apart() {
    let fake = start_fake().await;
    let dir = Dir::new("bulk");
    // A base image cannot be deleted as a custom one: one success, one failure.
    let args = ["--json", "images", "delete", "cn-image-custom-000002", "cn-image-centos-74", "--yes"];
    let run = run(against(&fake, dir.path()).args(args));
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout_json()["deleted"], serde_json::json!(["cn-image-custom-000002"]));
    let error = run.error_json();
    assert_eq!(error["kind"], "bulk");
    assert!(error["message"].as_str().unwrap().starts_with("1 of 2 deletes failed"), "{error}");
    assert_eq!(error["failures"][0]["id"], "cn-image-centos-74");
    assert!(error["failures"][0]["retcode"].as_i64().is_some(), "{error}");
}

#[tokio::test]
async fn capture_stop_is_confirmed_and_said_in_the_tools_words() {
    let fake = start_fake().await;
    fake.set_vm_state("vm-fake-3", VmState::Running);
    let dir = Dir::new("capture");
    let stop = run(against(&fake, dir.path()).args(["images", "capture", "vm-fake-3", "--name", "g", "--stop"]));
    assert_eq!(stop.code, 2, "{stop:?}");
    assert!(stop.stderr.contains("Stop VM vm-fake-3") && stop.stderr.contains("--yes"), "{stop:?}");
    assert_eq!(fake.request_count("StopVMInstance"), 0);
    assert_eq!(fake.vm_state("vm-fake-3"), Some(VmState::Running));

    let no_stop = run(against(&fake, dir.path()).args(["images", "capture", "vm-fake-3", "--name", "g"]));
    assert_eq!(no_stop.code, 1, "{no_stop:?}");
    assert!(no_stop.stderr.contains("pass --stop") && !no_stop.stderr.contains("stop_vm"), "{no_stop:?}");
    assert_eq!(fake.request_count("CreateCustomImage"), 0);
}
