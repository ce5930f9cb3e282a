//! Upload and download with small files: the fake's, and a failed upload resumed from the
//! handle file it wrote.

use crate::support::{Dir, Run, against, fake, qcow2, raw, run, start_fake, ucloudstack};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use ucloudstack::image::ImageStatus;
use ucloudstack::testing::{FakeUCloudStack, S3Fault};

/// A 3 MiB raw file in a folder of its own, and an upload of it that fails (every part refused)
/// and leaves its handle file: the failed run, and the handle file's path and JSON.
async fn failed_upload(fake: &FakeUCloudStack, dir: &Dir) -> (Run, PathBuf, serde_json::Value) {
    fake.inject_s3_fault(S3Fault::InternalError, 1000);
    raw(dir, "disk.raw", 3 << 20);
    let args = ["images", "upload", "disk.raw", "--name", "r", "--company-id", "200001", "--format", "raw"];
    let failed = run(against(fake, dir.path()).args(args).args(["--os-type", "linux", "--distribution", "Ubuntu"]));
    assert_eq!(failed.code, 1, "{failed:?}");
    fake.clear_faults();
    let handle_file = dir.path().join("disk.raw.upload.json");
    let handle = serde_json::from_slice(&std::fs::read(&handle_file).unwrap()).unwrap();
    (failed, handle_file, handle)
}

#[test]
fn upload_a_qcow2_and_download_an_image() {
    let dir = Dir::new("transfer");
    qcow2(&dir, "disk.qcow2");
    let args = ["--fake", "--json", "images", "upload", "disk.qcow2", "--name", "web", "--company-id", "200001"];
    let upload = run(ucloudstack(dir.path()).args(args).args(["--os-type", "linux", "--distribution", "Ubuntu"])).ok();
    assert_eq!(upload.stdout_json()["ImageStatus"], "Used", "{upload:?}");

    let download =
        run(ucloudstack(dir.path()).args(["--fake", "images", "download", "cn-image-custom-000001", "web.img"]));
    assert_eq!(download.ok().stdout.trim(), "web.img");
    assert_eq!(std::fs::metadata(dir.path().join("web.img")).unwrap().len(), 1 << 20);
    let again =
        run(ucloudstack(dir.path()).args(["--fake", "images", "download", "cn-image-custom-000001", "web.img"]));
    assert_eq!(again.code, 2, "{again:?}");
    assert!(again.stderr.contains("--overwrite") && !again.stderr.contains("overwrite(true)"), "{again:?}");
}

#[test]
fn a_raw_file_must_say_its_format() {
    let dir = Dir::new("raw");
    raw(&dir, "disk.raw", 100_000);
    let args = ["--fake", "images", "upload", "disk.raw", "--name", "r", "--company-id", "1", "--os-type", "linux"];
    let run = run(ucloudstack(dir.path()).args(args).args(["--distribution", "Ubuntu"]));
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("pass --format") && !run.stderr.contains("image_format"), "{run:?}");
    assert!(fake(&["images", "upload", "disk.raw", "--format", "zip"]).code == 2);
}

#[tokio::test]
async fn a_failed_upload_writes_its_handle_and_resumes_from_it() {
    let fake = start_fake().await;
    let dir = Dir::new("resume");
    let (failed, _, handle) = failed_upload(&fake, &dir).await;
    assert!(failed.stderr.contains("--resume disk.raw.upload.json"), "{failed:?}");
    let image_id = handle["image_id"].as_str().unwrap().to_owned();
    assert_eq!(handle["company_id"], 200001);

    fake.clear_faults();
    let resumed =
        run(against(&fake, dir.path()).args(["images", "upload", "disk.raw", "--resume", "disk.raw.upload.json"]));
    resumed.ok();
    assert!(!dir.path().join("disk.raw.upload.json").exists(), "a spent handle is removed");
    assert_eq!(fake.image(&image_id).and_then(|i| i.image_status), Some(ImageStatus::Used));
}

#[tokio::test]
async fn a_failed_download_says_the_part_file_stays() {
    let fake = start_fake().await;
    fake.set_image_encrypted("cn-image-custom-000001", true);
    let dir = Dir::new("part");
    dir.file("web.img.part", &[7u8; 1000]);
    let run = run(against(&fake, dir.path()).args(["images", "download", "cn-image-custom-000001", "web.img"]));
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("web.img.part keeps the 1000 bytes"), "{run:?}");
    assert!(!dir.path().join("web.img").exists());
}

/// Ctrl-C mid-upload: the handle file, written before any byte, is there to go on with.
#[cfg(unix)]
#[tokio::test]
async fn ctrl_c_mid_upload_leaves_a_handle_file_to_resume_with() {
    let fake = start_fake().await;
    // Every part answered "slow down": the upload backs off and stays in flight.
    fake.inject_s3_fault(S3Fault::SlowDown, 100_000);
    let dir = Dir::new("interrupt");
    raw(&dir, "disk.raw", 3 << 20);
    let args = ["images", "upload", "disk.raw", "--name", "r", "--company-id", "200001", "--format", "raw"];
    let mut command = against(&fake, dir.path());
    command.args(args).args(["--os-type", "linux", "--distribution", "Ubuntu"]);
    let child = command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let handle_file = dir.path().join("disk.raw.upload.json");
    let waited = std::time::Instant::now();
    while !handle_file.exists() {
        assert!(waited.elapsed() < std::time::Duration::from_secs(30), "no handle file was written");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let kill = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted; the parts sent stay") && stderr.contains("--resume"), "{stderr}");

    fake.clear_faults();
    let resumed =
        run(against(&fake, dir.path()).args(["images", "upload", "disk.raw", "--resume", "disk.raw.upload.json"]));
    resumed.ok();
    assert!(!handle_file.exists(), "a spent handle is removed");
}

#[tokio::test]
async fn a_failed_download_without_a_part_file_ends_its_message_cleanly() {
    let fake = start_fake().await;
    fake.set_image_encrypted("cn-image-custom-000001", true);
    let dir = Dir::new("no-part");
    let run = run(against(&fake, dir.path()).args(["images", "download", "cn-image-custom-000001", "web.img"]));
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!dir.path().join("web.img.part").exists());
    assert!(!run.stderr.ends_with("\n\n"), "no empty hint line: {run:?}");
}

#[test]
fn a_download_into_a_missing_folder_names_it() {
    let run = fake(&["images", "download", "cn-image-custom-000001", "nowhere/web.img"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("nowhere/web.img") && run.stderr.contains("does not exist"), "{run:?}");
}

/// Resuming an upload the S3 service no longer holds: no advice to resume again, and the stale
/// handle file is removed.
#[tokio::test]
async fn an_upload_that_cannot_be_resumed_says_to_start_afresh() {
    let fake = start_fake().await;
    let dir = Dir::new("stale");
    let (_, handle_file, mut handle) = failed_upload(&fake, &dir).await;
    // The multipart upload is gone (as once aborted or completed elsewhere).
    handle["upload_id"] = "an-upload-long-gone".into();
    std::fs::write(&handle_file, handle.to_string()).unwrap();

    let resumed =
        run(against(&fake, dir.path()).args(["images", "upload", "disk.raw", "--resume", "disk.raw.upload.json"]));
    assert_eq!(resumed.code, 1, "{resumed:?}");
    assert!(resumed.stderr.contains("cannot be resumed") && resumed.stderr.contains("start afresh"), "{resumed:?}");
    assert!(!resumed.stderr.contains("--resume disk.raw.upload.json"), "no advice to resume: {resumed:?}");
    assert!(!handle_file.exists(), "the stale handle file is removed");
}

/// An upload whose image failed cannot be resumed either: its handle file goes, and the
/// message says why.
#[tokio::test]
async fn an_upload_whose_image_failed_says_to_start_afresh() {
    let fake = start_fake().await;
    let dir = Dir::new("failed-image");
    let (_, handle_file, handle) = failed_upload(&fake, &dir).await;
    assert!(fake.set_image_status(handle["image_id"].as_str().unwrap(), ImageStatus::Failed));

    let resumed =
        run(against(&fake, dir.path()).args(["images", "upload", "disk.raw", "--resume", "disk.raw.upload.json"]));
    assert_eq!(resumed.code, 1, "{resumed:?}");
    assert!(resumed.stderr.contains("its image failed or is gone") && resumed.stderr.contains("start afresh"));
    assert!(!handle_file.exists(), "the spent handle file is removed");
}

#[tokio::test]
async fn a_handle_file_in_a_missing_folder_is_refused_before_anything_is_sent() {
    let fake = start_fake().await;
    let dir = Dir::new("handle-folder");
    qcow2(&dir, "disk.qcow2");
    let args = ["images", "upload", "disk.qcow2", "--name", "r", "--company-id", "200001", "--os-type", "linux"];
    let mut command = against(&fake, dir.path());
    command.args(args).args(["--distribution", "Ubuntu", "--handle-file", "nowhere/h.json"]);
    let before = fake.requests().len();
    let run = run(&mut command);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("nowhere") && run.stderr.contains("nothing was sent"), "{run:?}");
    assert_eq!(fake.requests().len(), before);
}

/// A handle file that cannot be written (here in /proc, where no file can be made, even by
/// root) is said at once, and the upload goes on. (A folder there is refused before anything is
/// sent: see files.rs.)
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_handle_file_that_cannot_be_written_is_noted() {
    let fake = start_fake().await;
    let dir = Dir::new("handle-unwritable");
    qcow2(&dir, "disk.qcow2");
    let args = ["images", "upload", "disk.qcow2", "--name", "r", "--company-id", "200001", "--os-type", "linux"];
    let mut command = against(&fake, dir.path());
    let handle_file = "/proc/ucloudstack-cli-test.upload.json";
    command.args(args).args(["--distribution", "Ubuntu", "--handle-file", handle_file, "--poll-delay", "0.2"]);
    let run = run(&mut command).ok();
    assert!(run.stderr.contains(&format!("note: the handle file {handle_file} cannot be written")), "{run:?}");
}

#[tokio::test]
async fn upload_takes_a_bootloader() {
    let fake = start_fake().await;
    let dir = Dir::new("bootloader");
    qcow2(&dir, "disk.qcow2");
    let args = ["images", "upload", "disk.qcow2", "--name", "r", "--company-id", "200001", "--os-type", "linux"];
    let mut command = against(&fake, dir.path());
    command.args(args).args(["--distribution", "Ubuntu", "--bootloader", "uefi", "--poll-delay", "0.2"]);
    run(&mut command).ok();
    let import = fake.requests().into_iter().find(|r| r.action.as_deref() == Some("ImportImage")).expect("ImportImage");
    assert_eq!(import.param("BootloaderType").map(str::to_ascii_lowercase).as_deref(), Some("uefi"));
}

/// A service that lists uploads only by key (as MinIO does): the tool keeps the handle, says to
/// give the key, and `--resume` with `--object-key` finishes the upload.
#[tokio::test]
async fn an_upload_the_listing_does_not_show_goes_on_with_its_object_key() {
    let fake = ucloudstack::testing::FakeUCloudStack::builder()
        .credentials(crate::support::PUBLIC_KEY, crate::support::PRIVATE_KEY)
        .lists_uploads_only_by_key()
        .start()
        .await;
    let dir = Dir::new("minio");
    raw(&dir, "disk.raw", 3 << 20);
    let args = ["images", "upload", "disk.raw", "--name", "r", "--company-id", "200001", "--format", "raw"];
    let failed = run(against(&fake, dir.path()).args(args).args(["--os-type", "linux", "--distribution", "Ubuntu"]));
    assert_eq!(failed.code, 1, "{failed:?}");
    assert!(failed.stderr.contains("--resume disk.raw.upload.json --object-key KEY"), "{failed:?}");
    let handle: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("disk.raw.upload.json")).unwrap()).unwrap();
    let image_id = handle["image_id"].as_str().unwrap().to_owned();
    let key = fake.upload_key(&image_id).expect("the fake made a key");

    let resume = ["images", "upload", "disk.raw", "--resume", "disk.raw.upload.json", "--object-key", &key];
    run(against(&fake, dir.path()).args(resume)).ok();
    assert_eq!(fake.image(&image_id).and_then(|i| i.image_status), Some(ImageStatus::Used));
}

#[tokio::test]
async fn max_wait_bounds_a_download_as_its_help_says() {
    let fake = start_fake().await;
    let dir = Dir::new("download-max-wait");
    // The platform takes far longer to give the address than the download may take in all.
    fake.inject_fault("GetImageDownloadURL", ucloudstack::testing::Fault::Delay(Duration::from_secs(20)), 10);
    let started = Instant::now();
    let run = run(against(&fake, dir.path())
        .args(["--max-wait", "1", "images", "download"])
        .args(["cn-image-custom-000001", "out.qcow2"]));
    assert_eq!(run.code, 1, "{run:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    assert!(run.stderr.contains("timed out: the download took its whole --max-wait (1s)"), "{run:?}");
    let zero = crate::support::run(
        against(&fake, dir.path())
            .args(["--max-wait", "0", "images", "download"])
            .args(["cn-image-custom-000001", "out.qcow2"]),
    );
    assert_eq!(zero.code, 2, "{zero:?}");
}

#[tokio::test]
async fn a_resumed_download_says_how_much_it_kept_and_json_counts_it() {
    let fake = start_fake().await;
    let dir = Dir::new("download-resumed");
    let download = |file: &str| {
        run(against(&fake, dir.path()).args(["--json", "images", "download", "cn-image-custom-000001", file]))
    };
    download("whole.qcow2").ok();
    let bytes = std::fs::read(dir.path().join("whole.qcow2")).unwrap();
    let kept = bytes.len() / 2;
    std::fs::write(dir.path().join("again.qcow2.part"), &bytes[..kept]).unwrap();
    let again =
        run(against(&fake, dir.path()).args(["images", "download", "cn-image-custom-000001", "again.qcow2"])).ok();
    let said = format!("({kept} of them kept from an earlier run's .part, {} received now)", bytes.len() - kept);
    assert!(again.stderr.contains(&said), "{again:?}");
    std::fs::remove_file(dir.path().join("again.qcow2")).unwrap();
    std::fs::write(dir.path().join("again.qcow2.part"), &bytes[..kept]).unwrap();
    let json: serde_json::Value = serde_json::from_str(&download("again.qcow2").ok().stdout).unwrap();
    assert_eq!((json["bytes"].as_u64(), json["bytes_resumed"].as_u64()), (Some(bytes.len() as u64), Some(kept as u64)));
}

#[test]
fn a_failed_import_names_the_image_it_left_and_how_to_remove_it() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{closed}/disk.qcow2");
    let args = ["--json", "images", "import-url", &url, "--name", "web", "--format", "qcow2"];
    let failed = fake(&[&args[..], &["--os-type", "linux", "--distribution", "Ubuntu"]].concat());
    assert_eq!(failed.code, 1, "{failed:?}");
    let error: serde_json::Value = serde_json::from_str(failed.stderr.trim()).unwrap();
    let id = error["image_id"].as_str().expect("the image left behind");
    assert!(error["message"].as_str().unwrap().contains(&format!("ucloudstack images delete {id}")), "{error}");
}

/// `~/.ucloud` with a profile for each of `targets`, named as given.
fn target_profiles(home: &Dir, targets: &[(&str, &FakeUCloudStack)]) {
    use crate::support::{PRIVATE_KEY, PUBLIC_KEY};
    let config: Vec<_> = targets
        .iter()
        .map(|(name, fake)| serde_json::json!({"profile": name, "region": fake.region(), "base_url": fake.endpoint()}))
        .collect();
    let keys: Vec<_> = targets
        .iter()
        .map(|(name, _)| serde_json::json!({"profile": name, "public_key": PUBLIC_KEY, "private_key": PRIVATE_KEY}))
        .collect();
    home.file(".ucloud/config.json", serde_json::Value::from(config).to_string().as_bytes());
    home.file(".ucloud/credential.json", serde_json::Value::from(keys).to_string().as_bytes());
}

#[tokio::test]
async fn a_copy_to_three_platforms_publishes_on_each_and_one_failing_stops_no_other() {
    let source = start_fake().await;
    let (a, b, c) = (start_fake().await, start_fake().await, start_fake().await);
    b.inject_fault("ImportImage", ucloudstack::testing::Fault::RetCode(1000), 1);
    let home = Dir::new("copy-each");
    target_profiles(&home, &[("a", &a), ("b", &b), ("c", &c)]);
    let mut command = against(&source, home.path());
    command.args(["--json", "--poll-delay", "0.2", "images", "copy", "cn-image-custom-000001"]);
    let run = run(command.args(["--to-profile", "a,b", "--to-profile", "c", "--publish", "--company-id", "200001"]));
    assert_eq!(run.code, 1, "{run:?}");
    let each: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    let targets: Vec<_> = each.iter().map(|t| t["target"].as_str().unwrap()).collect();
    assert_eq!(targets, ["a", "b", "c"]);
    for (n, fake) in [(0, &a), (2, &c)] {
        let copy = each[n]["image_id"].as_str().unwrap();
        let base = each[n]["base_image_id"].as_str().unwrap();
        assert!(fake.image(copy).is_some() && fake.image(base).is_some(), "{}", each[n]);
        assert_eq!(fake.image(base).unwrap().image_status, Some(ImageStatus::Used), "published and made");
        assert!(each[n]["error"].is_null());
    }
    assert!(each[1]["image_id"].is_null() && each[1]["error"].as_str().unwrap().contains("1000"), "{}", each[1]);
    let failure: serde_json::Value = serde_json::from_str(run.stderr.trim()).unwrap();
    assert_eq!(failure["failures"][0]["id"], "b", "{failure}");
    assert!(failure["message"].as_str().unwrap().starts_with("1 of 3 copies failed"), "{failure}");
}
