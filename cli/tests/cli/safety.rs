//! Deletes and stops are shown and confirmed: `--yes` without a terminal, `--dry-run`, no
//! blank prefix; failures counted apart.

use crate::support::{Dir, against, custom_names, run, start_fake};
#[cfg(unix)]
use crate::support::{interrupt_when, on_terminal, on_terminal_at_prompt};
use std::time::Duration;
use ucloudstack::image::ImageStatus;
use ucloudstack::testing::Fault;
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
    // The first delete is refused ("the image's state does not allow this"): one failure, one success.
    fake.inject_fault("DeleteCustomImage", Fault::RetCode(1001), 1);
    let args = ["--json", "images", "delete", "cn-image-custom-000002", "cn-image-custom-000003", "--yes"];
    let run = run(against(&fake, dir.path()).args(args).args(["--concurrency", "1"]));
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout_json()["deleted"], serde_json::json!(["cn-image-custom-000003"]));
    let error = run.error_json();
    assert_eq!(error["kind"], "bulk");
    assert!(error["message"].as_str().unwrap().starts_with("1 of 2 deletes failed"), "{error}");
    assert_eq!(error["failures"][0]["id"], "cn-image-custom-000002");
    assert_eq!(error["failures"][0]["retcode"], 1001, "{error}");
}

#[tokio::test]
async fn base_images_are_refused_before_the_question_and_nothing_is_deleted() {
    let fake = start_fake().await;
    let dir = Dir::new("base");
    let args = ["images", "delete", "cn-image-custom-000002", "cn-image-centos-74", "--yes"];
    let run = run(against(&fake, dir.path()).args(args));
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("not custom images: cn-image-centos-74 (Base)"), "{run:?}");
    assert_eq!(fake.request_count("DeleteCustomImage"), 0);
}

#[tokio::test]
async fn an_id_twice_is_deleted_once() {
    let fake = start_fake().await;
    let dir = Dir::new("twice");
    let args = ["--json", "images", "delete", "cn-image-custom-000002", "cn-image-custom-000002", "--yes"];
    let run = run(against(&fake, dir.path()).args(args)).ok();
    assert_eq!(run.stdout_json()["deleted"], serde_json::json!(["cn-image-custom-000002"]));
    assert_eq!(fake.request_count("DeleteCustomImage"), 1);
}

#[tokio::test]
async fn images_already_going_away_are_skipped_by_id_too() {
    let fake = start_fake().await;
    fake.set_image_status("cn-image-custom-000003", ImageStatus::Deleting);
    let dir = Dir::new("going");
    let args = ["images", "delete", "cn-image-custom-000002", "cn-image-custom-000003", "--yes"];
    let run = run(against(&fake, dir.path()).args(args)).ok();
    assert_eq!(run.stdout.trim(), "cn-image-custom-000002", "{run:?}");
    assert!(run.stderr.contains("cn-image-custom-000003 is already Deleting: skipped"), "{run:?}");
    assert_eq!(fake.request_count("DeleteCustomImage"), 1);
    // JSON says it too: the skipped id, and why.
    let json = crate::support::run(
        against(&fake, dir.path()).args(["--json", "images", "delete"]).args(["cn-image-custom-000003", "--yes"]),
    )
    .ok();
    let expected = serde_json::json!([{ "id": "cn-image-custom-000003", "why": "already Deleting" }]);
    assert_eq!(json.stdout_json()["skipped"], expected, "{json:?}");
    assert_eq!(json.stdout_json()["deleted"], serde_json::json!([]));
    let dry = crate::support::run(against(&fake, dir.path()).args([
        "images",
        "delete",
        "cn-image-custom-000001",
        "--dry-run",
    ]));
    assert!(dry.ok().stderr.contains("would delete 1 custom image;"), "one image, not \"1 custom images\"");
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

/// Ctrl-C at the question ends the tool at once (exit 130), nothing deleted; not only once
/// Enter is pressed.
#[cfg(unix)]
#[tokio::test]
async fn ctrl_c_at_the_question_ends_the_tool_at_once() {
    let fake = start_fake().await;
    let dir = Dir::new("ctrl-c-question");
    let mut command = against(&fake, dir.path());
    command.args(["images", "delete", "cn-image-custom-000002"]);
    let Some(run) = on_terminal(&command, "[y/N]", "\x03", None) else {
        return eprintln!("skipped: no python3 to drive a terminal");
    };
    assert_eq!(run.code, Some(130), "{run:?}");
    assert!(run.after_keys.is_some_and(|s| s < 5.0) && run.output.contains("interrupted"), "{run:?}");
    assert!(run.output.contains("Delete this custom image?"), "one image, one noun: {run:?}");
    assert_eq!(fake.request_count("DeleteCustomImage"), 0);
}

/// A question on a stderr that is not a terminal would be answered blind: --yes is needed
/// there too, even with stdin on a terminal.
#[cfg(unix)]
#[tokio::test]
async fn with_stderr_redirected_delete_needs_yes() {
    let fake = start_fake().await;
    let dir = Dir::new("stderr-redirected");
    let stderr = dir.path().join("stderr.txt");
    let mut command = against(&fake, dir.path());
    command.args(["images", "delete", "cn-image-custom-000002"]);
    let Some(run) = on_terminal(&command, "", "", Some(&stderr)) else {
        return eprintln!("skipped: no python3 to drive a terminal");
    };
    let stderr = std::fs::read_to_string(stderr).unwrap();
    assert_eq!(run.code, Some(2), "{run:?} {stderr}");
    assert!(stderr.contains("pass --yes") && !stderr.contains("[y/N]"), "{stderr}");
    assert_eq!(fake.request_count("DeleteCustomImage"), 0);
}

/// Ctrl-C during a bulk delete says which deletes were accepted, and that the rest may or may
/// not have been (`outcome_unknown`).
#[cfg(unix)]
#[tokio::test]
async fn an_interrupted_delete_names_what_was_accepted() {
    let fake = start_fake().await;
    // Each delete is carried out at once, its answer held back 3 s.
    fake.inject_fault("DeleteCustomImage", Fault::Delay(Duration::from_secs(3)), 10);
    let dir = Dir::new("interrupt-delete");
    let mut command = against(&fake, dir.path());
    let args = ["--json", "images", "delete", "cn-image-custom-000002", "cn-image-custom-000003"];
    command.args(args).args(["--yes", "--concurrency", "1"]);
    // The second delete is sent once the first one's answer came.
    let second_sent = || {
        let status = fake.image("cn-image-custom-000003").and_then(|i| i.image_status);
        matches!(status, None | Some(ImageStatus::Deleting))
    };
    let run = interrupt_when(&mut command, || {
        second_sent() && {
            std::thread::sleep(Duration::from_millis(300));
            true
        }
    })
    .await;
    assert_eq!(run.code, 130, "{run:?}");
    let error = run.error_json();
    assert_eq!((error["kind"].as_str(), error["outcome_unknown"].as_bool()), (Some("interrupted"), Some(true)));
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("the deletes of cn-image-custom-000002 were accepted"), "{message}");
    assert!(message.contains("those of cn-image-custom-000003 may or may not have been"), "{message}");
}

/// Ctrl-C while a change awaits its answer: it may have been made.
#[cfg(unix)]
#[tokio::test]
async fn an_interrupted_change_may_have_acted() {
    let fake = start_fake().await;
    fake.inject_fault("ModifyNameAndRemark", Fault::Delay(Duration::from_secs(10)), 1);
    let dir = Dir::new("interrupt-rename");
    let mut command = against(&fake, dir.path());
    command.args(["--json", "images", "rename", "cn-image-custom-000001", "--name", "x"]);
    let before = fake.request_count("ModifyNameAndRemark");
    let run = interrupt_when(&mut command, || fake.request_count("ModifyNameAndRemark") > before).await;
    assert_eq!(run.code, 130, "{run:?}");
    let error = run.error_json();
    assert_eq!(error["outcome_unknown"], true, "{error}");
    assert!(error["message"].as_str().unwrap().contains("it may have acted: look before"), "{error}");
}

/// `capture --stop` without `--yes` looked at a stopped VM and asked nothing: a VM started
/// since is not stopped unasked; the capture refuses it instead.
#[tokio::test]
async fn capture_never_stops_a_vm_it_did_not_ask_about() {
    let fake = start_fake().await;
    fake.set_vm_state("vm-fake-2", VmState::Stopped);
    // The tool's look answers "Stopped" late: the VM starts meanwhile.
    fake.inject_fault("DescribeVMInstance", Fault::Delay(Duration::from_secs(2)), 1);
    let dir = Dir::new("capture-race");
    let mut command = against(&fake, dir.path());
    command.args(["images", "capture", "vm-fake-2", "--name", "g", "--stop"]);
    let child = command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    while fake.request_count("DescribeVMInstance") == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    fake.set_vm_state("vm-fake-2", VmState::Running);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(fake.request_count("StopVMInstance"), 0, "{stderr}");
    assert_eq!(fake.vm_state("vm-fake-2"), Some(VmState::Running));
}

#[tokio::test]
async fn dry_run_json_with_no_match_keeps_the_dry_run_shape() {
    let fake = start_fake().await;
    let dir = Dir::new("dry-run-none");
    let args = ["--json", "images", "delete", "--name-prefix", "nothing-", "--dry-run"];
    let run = run(against(&fake, dir.path()).args(args)).ok();
    assert_eq!(run.stdout_json(), serde_json::json!({ "dry_run": true, "would_delete": [], "skipped": [] }));
}

/// An image someone else deleted while the question waited is gone, as asked: said so, not
/// counted as a failure.
#[cfg(unix)]
#[tokio::test]
async fn an_image_deleted_while_the_question_waits_is_reported_gone() {
    let fake = start_fake().await;
    let dir = Dir::new("gone-while-asked");
    let mut command = against(&fake, dir.path());
    command.args(["images", "delete", "cn-image-custom-000002", "cn-image-custom-000003"]);
    let elsewhere = async {
        fake.client().delete_custom_image().image_id("cn-image-custom-000002").send().await.unwrap();
    };
    let Some(run) = on_terminal_at_prompt(&command, "[y/N]", "y\n", elsewhere).await else {
        return eprintln!("skipped: no python3 to drive a terminal");
    };
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.output.contains("cn-image-custom-000002 was already deleted"), "{run:?}");
    assert!(!run.output.contains("1 failed") && !run.output.contains("deletes failed"), "{run:?}");
    // Ours, and the one sent elsewhere.
    assert_eq!(fake.request_count("DeleteCustomImage"), 2);
}

/// An image renamed away from --name-prefix while the question waited no longer matches: it is
/// not deleted, and that is said.
#[cfg(unix)]
#[tokio::test]
async fn an_image_renamed_away_while_the_question_waits_is_not_deleted() {
    let fake = start_fake().await;
    let dir = Dir::new("renamed-while-asked");
    let mut command = against(&fake, dir.path());
    command.args(["images", "delete", "--name-prefix", "tmp-"]);
    let elsewhere = async {
        let rename = fake.client().modify_name_and_remark().resource_id("cn-image-custom-000002").name("keep-me");
        rename.send().await.unwrap();
    };
    let Some(run) = on_terminal_at_prompt(&command, "[y/N]", "y\n", elsewhere).await else {
        return eprintln!("skipped: no python3 to drive a terminal");
    };
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.output.contains("cn-image-custom-000002 is now named \"keep-me\""), "{run:?}");
    assert_eq!(fake.image("cn-image-custom-000002").and_then(|i| i.image_status), Some(ImageStatus::Used));
    let status = fake.image("cn-image-custom-000003").and_then(|i| i.image_status);
    assert!(matches!(status, None | Some(ImageStatus::Deleting)), "{status:?}");
}

/// A delete answered "no such image" (deleted elsewhere since it was listed): gone, as asked,
/// not a failure.
#[tokio::test]
async fn a_delete_answered_not_found_counts_the_image_as_gone() {
    let fake = start_fake().await;
    let dir = Dir::new("not-found");
    fake.inject_fault("DeleteCustomImage", Fault::RetCode(1000), 1);
    let args = ["--json", "images", "delete", "cn-image-custom-000002", "cn-image-custom-000003", "--yes"];
    let run = run(against(&fake, dir.path()).args(args).args(["--concurrency", "1"])).ok();
    let expected = serde_json::json!({
        "deleted": ["cn-image-custom-000003"],
        "already_gone": ["cn-image-custom-000002"],
        "renamed_away": [],
        "skipped": [],
    });
    assert_eq!(run.stdout_json(), expected);
}
