//! Every command against `--fake`: the README's lines as written, JSON, exit codes, enum flags.

use crate::support::{Dir, Run, against, fake, qcow2, run, start_fake, ucloudstack};
use std::io::{Read, Write};
use std::net::TcpListener;

/// The command lines of README's section on the tool (`ucloudstack --fake ...`).
fn readme_lines() -> Vec<String> {
    let readme = include_str!("../../../README.md");
    let section = readme.split("\n## The `ucloudstack` command").nth(1).expect("README has the tool's section");
    let section = section.split("\n## ").next().unwrap_or_default();
    // Without the comment and the redirection.
    let lines = section
        .lines()
        .map(|l| l.split(" #").next().unwrap_or_default().split(" > ").next().unwrap_or_default().trim());
    lines.filter(|l| l.starts_with("ucloudstack --fake ")).map(String::from).collect()
}

/// A line split as a shell would, for the quoting the README uses (double quotes).
fn words(line: &str) -> Vec<String> {
    let mut words = vec![String::new()];
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => words.push(String::new()),
            c => words.last_mut().unwrap().push(c),
        }
    }
    words.into_iter().filter(|w| !w.is_empty()).collect()
}

/// Serves `body` to every GET on 127.0.0.1, as `python3 -m http.server` would.
fn serve(body: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body));
        }
    });
    format!("http://{address}/")
}

#[test]
fn every_readme_command_works_as_written() {
    let lines = readme_lines();
    let expected = [
        "list",
        "show",
        "create",
        "capture",
        "rename",
        "delete",
        "import-url",
        "copy",
        "os-versions",
        "publish",
        "update",
        "upload",
        "download",
        "vms",
        "regions",
        "completions",
    ];
    for command in expected {
        assert!(lines.iter().any(|l| words(l).iter().any(|w| w == command)), "README runs {command}: {lines:?}");
    }
    let dir = Dir::new("readme");
    let disk = qcow2(&dir, "disk.qcow2");
    let server = serve(std::fs::read(disk).unwrap());
    let runs: Vec<(String, Run)> = std::thread::scope(|scope| {
        let handles: Vec<_> = lines
            .iter()
            .map(|line| {
                let dir = dir.path();
                let server = &server;
                scope.spawn(move || {
                    let mut args = words(&line.replace("http://127.0.0.1:8000/", server));
                    // Without a terminal the tool cannot ask: a script says --yes.
                    let asks = args.iter().any(|a| a == "delete" || a == "--stop");
                    if asks && !args.iter().any(|a| a == "--yes" || a == "--dry-run") {
                        args.push("--yes".into());
                    }
                    args.extend(["--poll-delay".into(), "0.2".into()]);
                    (line.clone(), run(ucloudstack(dir).args(&args[1..])))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (line, run) in runs {
        assert_eq!(run.code, 0, "{line}: {run:?}");
        assert!(!run.stdout.is_empty(), "{line} prints its result: {run:?}");
    }
}

#[test]
fn json_for_every_listing_and_result() {
    for (args, shape) in [
        (&["images", "list"][..], "array"),
        (&["images", "show", "cn-image-centos-74"], "ImageID"),
        (&["vms"], "array"),
        (&["regions"], "array"),
        (&["images", "os-versions"], "array"),
        (&["images", "rename", "cn-image-custom-000001", "--name", "x1"], "ImageID"),
        (&["images", "create", "--vm-id", "vm-fake-1", "--name", "golden"], "ImageID"),
        (&["images", "delete", "cn-image-custom-000002", "--yes"], "deleted"),
        (&["images", "delete", "--name-prefix", "tmp-", "--dry-run"], "would_delete"),
        (&["images", "publish", "cn-image-custom-000001", "--name", "base"], "DestImageID"),
        (&["images", "download", "cn-image-custom-000001", "out.qcow2"], "path"),
    ] {
        let run = fake(&[&["--json"], args].concat()).ok();
        let value = run.stdout_json();
        match shape {
            "array" => assert!(value.as_array().is_some_and(|a| !a.is_empty()), "{args:?}: {value}"),
            key => assert!(value.get(key).is_some(), "{args:?}: {value}"),
        }
        assert!(run.stderr.is_empty(), "--json keeps stderr for its error: {run:?}");
    }
}

#[test]
fn failures_are_one_json_object_with_an_exit_code() {
    let missing = fake(&["--json", "images", "show", "cn-image-nope"]);
    assert_eq!(missing.code, 1);
    let error = missing.error_json();
    assert_eq!(error["kind"], "not_found");
    assert_eq!(error["outcome_unknown"], false);
    assert!(error["retcode"].is_null() && error["request_id"].is_null(), "{error}");

    let api = fake(&["--json", "images", "rename", "cn-image-nope", "--name", "x"]);
    assert_eq!(api.code, 1, "{api:?}");
    let error = api.error_json();
    assert_eq!(error["kind"], "api");
    assert!(error["retcode"].as_i64().is_some_and(|c| c != 0), "{error}");
    assert!(error["request_id"].as_str().is_some_and(|id| !id.is_empty()), "{error}");
    assert!(error["message"].as_str().unwrap().contains("ModifyNameAndRemark"), "{error}");

    let usage = fake(&["--json", "images", "list", "--no-such-flag"]);
    assert_eq!(usage.code, 2);
    assert_eq!(usage.error_json()["kind"], "usage");
}

#[tokio::test]
async fn an_answer_that_may_have_acted_exits_3() {
    let fake = start_fake().await;
    fake.inject_fault("ModifyNameAndRemark", ucloudstack::testing::Fault::Http(502), 100);
    let dir = Dir::new("unknown");
    let run =
        run(against(&fake, dir.path()).args(["--json", "images", "rename", "cn-image-custom-000001", "--name", "x"]));
    assert_eq!(run.code, 3, "{run:?}");
    let error = run.error_json();
    assert_eq!(error["outcome_unknown"], true);
    assert_eq!(error["kind"], "http");
}

#[test]
fn enum_flags_refuse_unknown_values() {
    for args in [
        &["vms", "--state", "sleeping"][..],
        &["images", "list", "--type", "golden"],
        &[
            "images",
            "update",
            "cn-image-custom-000001",
            "--company-id",
            "1",
            "--os-type",
            "beos",
            "--distribution",
            "x",
        ],
    ] {
        let run = fake(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains("possible values"), "{run:?}");
    }
    // Any case is accepted: the platform's `Running` is `running` on the command line.
    assert!(fake(&["vms", "--state", "RUNNING"]).ok().stdout.contains("vm-fake-3"));
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let run = fake(&["completions", shell]).ok();
        assert!(run.stdout.contains("ucloudstack") && run.stdout.contains("images"), "{shell}");
    }
}

#[test]
fn help_documents_exit_codes_and_configuration() {
    let run = fake(&["--help"]).ok();
    for text in ["Exit status", "3 outcome unknown", "UCLOUDSTACK_ENDPOINT", "~/.ucloud", "--fake"] {
        assert!(run.stdout.contains(text), "{text}: {}", run.stdout);
    }
}

#[tokio::test]
async fn capture_and_rename_change_the_platform() {
    let fake = start_fake().await;
    fake.set_vm_state("vm-fake-2", ucloudstack::vm::VmState::Running);
    let dir = Dir::new("capture-rename");
    let args = ["--json", "--poll-delay", "0.2", "images", "capture", "vm-fake-2", "--name", "cli-golden"];
    let run1 = run(against(&fake, dir.path()).args(args).args(["--stop", "--restart", "--yes"])).ok();
    let image = run1.stdout_json();
    assert_eq!((image["Name"].as_str(), image["ImageStatus"].as_str()), (Some("cli-golden"), Some("Used")));
    assert_eq!(fake.vm_state("vm-fake-2"), Some(ucloudstack::vm::VmState::Running), "started again");

    let id = image["ImageID"].as_str().unwrap();
    run(against(&fake, dir.path()).args(["images", "rename", id, "--name", "renamed", "--description", "via cli"]))
        .ok();
    let renamed = fake.image(id).unwrap();
    assert_eq!((renamed.name.as_deref(), renamed.image_description.as_deref()), (Some("renamed"), Some("via cli")));
}

#[test]
fn create_wait_names_the_image_it_made_when_the_wait_fails() {
    let run = fake(&["--json", "--max-wait", "0", "images", "create", "--vm-id", "vm-fake-1", "--name", "g", "--wait"]);
    assert_eq!(run.code, 1, "{run:?}");
    let error = run.error_json();
    let id = error["image_id"].as_str().expect("the image's id");
    assert!(id.starts_with("cn-image-custom-") && error["message"].as_str().unwrap().contains(id), "{error}");
}

#[test]
fn counts_and_seconds_out_of_range_are_usage_errors_saying_the_limit() {
    for args in [
        &["images", "list", "--concurrency", "0"][..],
        &["images", "delete", "cn-image-custom-000002", "--concurrency", "0", "--yes"],
        &[
            "images",
            "upload",
            "x.qcow2",
            "--name",
            "n",
            "--company-id",
            "1",
            "--os-type",
            "linux",
            "--distribution",
            "U",
            "--concurrency",
            "0",
        ],
    ] {
        let run = fake(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains("must be at least 1"), "{run:?}");
    }
    let negative = fake(&["--max-wait", "-1", "regions"]);
    assert_eq!(negative.code, 2, "{negative:?}");
    assert!(negative.stderr.contains("--max-wait must be a number of seconds of at least 0, got -1"), "{negative:?}");
    let huge = fake(&["--poll-delay", "1e300", "regions"]);
    assert_eq!(huge.code, 2, "{huge:?}");
    assert!(huge.stderr.contains("must be at most 31536000 seconds") && huge.stderr.len() < 200, "{huge:?}");
}

#[test]
fn json_usage_errors_keep_the_whole_message() {
    let values = fake(&["--json", "images", "list", "--type", "golden"]);
    let message = values.error_json()["message"].as_str().unwrap().to_owned();
    assert!(message.contains("[possible values: base, custom]") && !message.contains("Usage"), "{message}");
    let missing = fake(&["--json", "images"]);
    assert_eq!(missing.code, 2, "{missing:?}");
    let message = missing.error_json()["message"].as_str().unwrap().to_owned();
    assert!(message.contains("`ucloudstack images` needs a command") && message.contains("list, show"), "{message}");
}

#[test]
fn a_configuration_error_under_fake_does_not_suggest_fake() {
    let run = fake(&["--region", " ", "regions"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("region") && !run.stderr.contains("pass --fake"), "{run:?}");
}

#[test]
fn dry_run_json_says_it_is_one() {
    let run = fake(&["--json", "images", "delete", "--name-prefix", "tmp-", "--dry-run"]).ok();
    let value = run.stdout_json();
    assert_eq!(value["dry_run"], true, "{value}");
    assert_eq!(value["would_delete"].as_array().map(Vec::len), Some(2), "{value}");
}

#[test]
fn images_update_names_every_missing_flag_at_once() {
    let run = fake(&["images", "update", "cn-image-custom-000001", "--company-id", "1"]);
    assert_eq!(run.code, 2, "{run:?}");
    for flag in ["--os-type", "--distribution", "--os-version", "--arch"] {
        assert!(run.stderr.contains(flag), "{flag} not named: {}", run.stderr);
    }
}

#[test]
fn enum_flags_take_any_case_and_global_options_are_listed_apart() {
    let listed = fake(&["images", "list", "--type", "Custom"]).ok();
    assert!(listed.stdout.contains("Custom") && !listed.stdout.contains(" Base "), "{listed:?}");
    let help = fake(&["images", "copy", "--help"]).ok();
    let (own, global) = help.stdout.split_once("Global options:").expect("a heading of their own");
    assert!(
        own.contains("<IMAGE_ID>") && own.contains("The image to copy") && own.contains("--to-profile"),
        "{}",
        help.stdout
    );
    assert!(global.contains("--endpoint") && !own.contains("--endpoint"), "{}", help.stdout);
}

#[test]
fn images_show_prints_every_field_one_a_line() {
    let shown = fake(&["images", "show", "cn-image-custom-000001"]).ok();
    for line in ["ImageID:        cn-image-custom-000001", "ImageStatus:    Used", "ImageFormat:    qcow2", "SetArch:"]
    {
        assert!(shown.stdout.lines().any(|l| l.starts_with(line)), "{line}: {}", shown.stdout);
    }
    assert!(shown.stdout.contains(" UTC"), "times as dates: {}", shown.stdout);
}

#[test]
fn images_publish_waits_until_the_base_image_is_made_and_says_who_may_use_it() {
    let run = fake(&["images", "publish", "cn-image-custom-000001", "--name", "gold", "--allow", "200002"]).ok();
    let base = run.stdout.trim();
    assert!(base.starts_with("cn-image-base-"), "{run:?}");
    assert!(run.stderr.contains(&format!("published cn-image-custom-000001 as base image {base}")), "{run:?}");
    assert!(run.stderr.contains(&format!("{base} may be used only by the tenants 200002")), "{run:?}");
}
