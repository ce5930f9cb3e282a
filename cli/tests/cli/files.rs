//! Paths and handle files: names that are not UTF-8, handle files planted as links, pipes,
//! huge or odd files, an earlier upload's handle, and a full disk (`ulimit -f`).

use crate::support::{Dir, against, raw, run, start_fake, ucloudstack};
use std::time::{Duration, Instant};
use ucloudstack::image::ImageStatus;
use ucloudstack::testing::{FakeUCloudStack, S3Fault};

const UPLOAD: [&str; 10] =
    ["images", "upload", "disk.raw", "--name", "r", "--company-id", "200001", "--format", "raw", "--os-type"];
const UPLOAD_REST: [&str; 3] = ["linux", "--distribution", "Ubuntu"];

/// A fresh upload of `disk.raw` in `dir`, with `extra` flags.
fn upload(fake: &FakeUCloudStack, dir: &Dir, extra: &[&str]) -> crate::support::Run {
    run(against(fake, dir.path()).args(UPLOAD).args(UPLOAD_REST).args(extra))
}

/// A failed upload of a 3 MiB `disk.raw`: its handle file `disk.raw.upload.json` stays.
fn failed_upload(fake: &FakeUCloudStack, dir: &Dir) -> serde_json::Value {
    raw(dir, "disk.raw", 3 << 20);
    fake.inject_s3_fault(S3Fault::InternalError, 1000);
    let failed = upload(fake, dir, &[]);
    fake.clear_faults();
    assert_eq!(failed.code, 1, "{failed:?}");
    serde_json::from_slice(&std::fs::read(dir.path().join("disk.raw.upload.json")).unwrap()).unwrap()
}

#[cfg(unix)]
#[test]
fn a_download_to_a_name_that_is_not_utf8_is_printed_losslessly() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = Dir::new("non-utf8-download");
    let name = OsStr::from_bytes(b"web\xff.img");
    let download = ["--fake", "--json", "images", "download", "cn-image-custom-000001"];
    let json = run(ucloudstack(dir.path()).args(download).arg(name)).ok().stdout_json();
    assert_eq!(
        json,
        serde_json::json!({ "path": "web\u{fffd}.img", "path_hex": "776562ff2e696d67", "bytes": 1 << 20, "bytes_resumed": 0 })
    );
    assert_eq!(std::fs::metadata(dir.path().join(name)).unwrap().len(), 1 << 20);
    // A UTF-8 path is given as it is, with no hex.
    let json = run(ucloudstack(dir.path()).args(download).arg("web.img")).ok().stdout_json();
    assert_eq!(json, serde_json::json!({ "path": "web.img", "bytes": 1 << 20, "bytes_resumed": 0 }));

    // Text: stdout has the path's bytes; the note quotes it as a shell reads it back.
    let text = ucloudstack(dir.path())
        .args(["--fake", "images", "download", "cn-image-custom-000001"])
        .arg(OsStr::from_bytes(b"two words\xfe.img"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&text.stderr);
    assert_eq!(text.status.code(), Some(0), "{stderr}");
    assert_eq!(text.stdout, b"two words\xfe.img\n");
    assert!(stderr.contains(r"bytes in $'two words\xfe.img'"), "{stderr}");
}

/// The resume command of a failed upload of a file whose name is not UTF-8 (with a space and a
/// quote), pasted into bash as printed, finishes the upload.
#[cfg(unix)]
#[tokio::test]
async fn a_resume_hint_for_a_name_that_is_not_utf8_can_be_pasted_into_a_shell() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let fake = start_fake().await;
    let dir = Dir::new("non-utf8-resume");
    let file = OsStr::from_bytes(b"disk \xff's.raw");
    std::fs::copy(raw(&dir, "source.raw", 3 << 20), dir.path().join(file)).unwrap();
    fake.inject_s3_fault(S3Fault::InternalError, 1000);
    let mut command = against(&fake, dir.path());
    command.args(["images", "upload"]).arg(file).args(&UPLOAD[3..]).args(UPLOAD_REST);
    let failed = run(&mut command);
    fake.clear_faults();
    assert_eq!(failed.code, 1, "{failed:?}");
    let line = failed.stderr.lines().find_map(|l| l.find("ucloudstack images upload").map(|at| &l[at..]));
    let line = line.unwrap_or_else(|| panic!("no resume command: {failed:?}"));
    assert_eq!(line, r"ucloudstack images upload $'disk \xff\'s.raw' --resume $'disk \xff\'s.raw.upload.json'");
    let handle: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join(OsStr::from_bytes(b"disk \xff's.raw.upload.json"))).unwrap(),
    )
    .unwrap();

    crate::support::pasted_into_bash(&against(&fake, dir.path()), line).ok();
    let image_id = handle["image_id"].as_str().unwrap();
    assert_eq!(fake.image(image_id).and_then(|i| i.image_status), Some(ImageStatus::Used));
}

/// The library's own messages name paths too: the tool quotes them there as well.
#[cfg(unix)]
#[test]
fn the_librarys_messages_quote_paths_that_are_not_utf8() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = Dir::new("non-utf8-message");
    let mut command = ucloudstack(dir.path());
    command.args(["--fake", "--json", "images", "upload"]).arg(OsStr::from_bytes(b"no \xffne.raw"));
    let missing = run(command.args(&UPLOAD[3..]).args(UPLOAD_REST));
    assert_eq!(missing.code, 2, "{missing:?}");
    let message = missing.error_json()["message"].as_str().unwrap().to_owned();
    assert!(message.contains(r"$'no \xffne.raw' does not exist"), "{message}");
}

/// A handle file planted as a symlink (to a file, or dangling) is refused before anything is
/// sent, and nothing is written where it points; so is one given to --resume.
#[cfg(unix)]
#[tokio::test]
async fn a_handle_file_that_is_a_symlink_is_refused_and_what_it_points_to_is_untouched() {
    let fake = start_fake().await;
    let dir = Dir::new("handle-symlink");
    raw(&dir, "disk.raw", 3 << 20);
    let victim = dir.file("victim.txt", b"precious\n");
    let link = dir.path().join("disk.raw.upload.json");
    std::os::unix::fs::symlink("victim.txt", &link).unwrap();
    // Were the upload to go on, it would fail and write its handle.
    fake.inject_s3_fault(S3Fault::InternalError, 1000);
    let before = fake.requests().len();
    let refused = upload(&fake, &dir, &[]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(refused.stderr.contains("disk.raw.upload.json is a symbolic link"), "{refused:?}");
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious\n");
    assert_eq!(fake.requests().len(), before, "nothing was sent");

    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink("made.txt", &link).unwrap();
    let refused = upload(&fake, &dir, &[]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(!dir.path().join("made.txt").exists(), "a dangling link made a file");

    let resume =
        run(against(&fake, dir.path()).args(["images", "upload", "disk.raw", "--resume", "disk.raw.upload.json"]));
    assert_eq!(resume.code, 2, "{resume:?}");
    assert!(resume.stderr.contains("--resume: disk.raw.upload.json is a symbolic link"), "{resume:?}");
    assert_eq!(fake.requests().len(), before, "nothing was sent");
}

/// A handle file is replaced, not written into (another link to it keeps its bytes), and only
/// its owner can read it; no temporary file is left.
#[cfg(unix)]
#[tokio::test]
async fn handle_files_are_replaced_atomically_and_readable_by_the_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let fake = start_fake().await;
    let dir = Dir::new("handle-atomic");
    let mut handle = failed_upload(&fake, &dir);
    let handle_file = dir.path().join("disk.raw.upload.json");
    assert_eq!(std::fs::metadata(&handle_file).unwrap().permissions().mode() & 0o777, 0o600);

    handle["note"] = "kept by the other link".into();
    std::fs::write(&handle_file, handle.to_string()).unwrap();
    std::fs::hard_link(&handle_file, dir.path().join("other.json")).unwrap();
    fake.inject_s3_fault(S3Fault::InternalError, 1000);
    let resumed =
        run(against(&fake, dir.path()).args(["images", "upload", "disk.raw", "--resume", "disk.raw.upload.json"]));
    assert_eq!(resumed.code, 1, "{resumed:?}");
    let rewritten = std::fs::read_to_string(&handle_file).unwrap();
    assert!(!rewritten.contains("kept by the other link"), "the handle was written again: {rewritten}");
    let other = std::fs::read_to_string(dir.path().join("other.json")).unwrap();
    assert!(other.contains("kept by the other link"), "written through another link: {other}");
    assert_eq!(std::fs::metadata(&handle_file).unwrap().permissions().mode() & 0o777, 0o600);
    let mut names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["disk.raw", "disk.raw.upload.json", "other.json"]);
}

/// A fresh upload of a file whose earlier upload left its handle: refused, saying how to resume
/// or abandon it, unless --overwrite-handle.
#[tokio::test]
async fn a_fresh_upload_keeps_an_earlier_uploads_handle_unless_told() {
    let fake = start_fake().await;
    let dir = Dir::new("earlier-handle");
    let handle = failed_upload(&fake, &dir);
    let image_id = handle["image_id"].as_str().unwrap();
    let handle_file = dir.path().join("disk.raw.upload.json");
    let kept = std::fs::read(&handle_file).unwrap();
    let imports = fake.request_count("ImportImage");

    let refused = upload(&fake, &dir, &[]);
    assert_eq!(refused.code, 2, "{refused:?}");
    for words in [
        "ucloudstack images upload disk.raw --resume disk.raw.upload.json".to_owned(),
        format!("ucloudstack images delete {image_id}"),
        "rm disk.raw.upload.json".to_owned(),
        "--overwrite-handle".to_owned(),
    ] {
        assert!(refused.stderr.contains(&words), "{words}: {refused:?}");
    }
    assert_eq!(std::fs::read(&handle_file).unwrap(), kept);
    assert_eq!(fake.request_count("ImportImage"), imports, "nothing was sent");

    let afresh = upload(&fake, &dir, &["--overwrite-handle", "--poll-delay", "0.2"]).ok();
    assert!(afresh.stderr.contains(&format!("ucloudstack images delete {image_id}")), "{afresh:?}");
    assert_eq!(fake.request_count("ImportImage"), imports + 1);
    assert!(!handle_file.exists(), "the new upload's spent handle is removed");
}

/// A file that is not a handle (the image itself, notes) is never overwritten, even with
/// --overwrite-handle.
#[tokio::test]
async fn a_file_that_is_not_a_handle_is_never_overwritten() {
    let fake = start_fake().await;
    let dir = Dir::new("not-a-handle");
    let image = raw(&dir, "disk.raw", 3 << 20);
    let bytes = std::fs::read(&image).unwrap();
    let notes = dir.file("notes.txt", b"my notes\n");
    for extra in [&["--handle-file", "disk.raw"][..], &["--handle-file", "disk.raw", "--overwrite-handle"]] {
        let refused = upload(&fake, &dir, &[extra, &["--poll-delay", "0.2"]].concat());
        assert_eq!(refused.code, 2, "{refused:?}");
        assert!(refused.stderr.contains("--handle-file disk.raw is the image file itself"), "{refused:?}");
        assert!(std::fs::read(&image).unwrap() == bytes, "the image was overwritten");
    }
    let refused = upload(&fake, &dir, &["--handle-file", "notes.txt", "--overwrite-handle"]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(refused.stderr.contains("notes.txt is not an upload handle file"), "{refused:?}");
    assert_eq!(std::fs::read(&notes).unwrap(), b"my notes\n");
    assert_eq!(fake.request_count("ImportImage"), 0, "nothing was sent");
}

/// Handle files that are huge, hold a huge key or an empty upload id, or are a folder or a
/// pipe: refused at once, before anything is sent.
#[tokio::test]
async fn huge_empty_or_odd_handle_files_are_refused_at_once() {
    let fake = start_fake().await;
    let dir = Dir::new("odd-handles");
    raw(&dir, "disk.raw", 1 << 20);
    std::fs::File::create(dir.path().join("huge.json")).unwrap().set_len(100 << 20).unwrap();
    let key = "k".repeat(1025);
    dir.file("key.json", format!(r#"{{"image_id":"i","upload_id":"u","object_key":"{key}"}}"#).as_bytes());
    dir.file("empty-id.json", br#"{"image_id":"i","upload_id":""}"#);
    std::fs::create_dir(dir.path().join("folder.json")).unwrap();
    let before = fake.requests().len();
    for (file, words) in [
        ("huge.json", "huge.json is larger than 64 KiB: not an upload handle file"),
        // The library's own checks of a handle, as it reads one.
        ("key.json", "key.json is not an upload handle file: object_key: must be at most 1024 bytes"),
        ("empty-id.json", "empty-id.json is not an upload handle file: upload_id: must not be"),
        ("folder.json", "folder.json is not a regular file"),
    ] {
        let started = Instant::now();
        let resume = run(against(&fake, dir.path()).args(["images", "upload", "disk.raw", "--resume", file]));
        assert_eq!(resume.code, 2, "{resume:?}");
        assert!(resume.stderr.contains(&format!("--resume: {words}")), "{words}: {resume:?}");
        assert!(started.elapsed() < Duration::from_secs(5), "{file}: {:?}", started.elapsed());
    }
    let refused = upload(&fake, &dir, &["--handle-file", "folder.json"]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(refused.stderr.contains("folder.json is not a regular file"), "{refused:?}");
    let long_key = upload(&fake, &dir, &["--object-key", &key]);
    assert_eq!(long_key.code, 2, "{long_key:?}");
    assert!(long_key.stderr.contains("--object-key") && long_key.stderr.contains("1024"), "{long_key:?}");
    assert_eq!(fake.requests().len(), before, "nothing was sent");
}

/// A pipe as the handle file would block the read forever: refused at once.
#[cfg(unix)]
#[tokio::test]
async fn a_pipe_as_the_handle_file_is_refused_without_blocking() {
    let fake = start_fake().await;
    let dir = Dir::new("fifo-handle");
    raw(&dir, "disk.raw", 1 << 20);
    assert!(std::process::Command::new("mkfifo").arg(dir.path().join("h.json")).status().unwrap().success());
    let mut child = against(&fake, dir.path())
        .args(["images", "upload", "disk.raw", "--resume", "h.json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(10) {
            child.kill().unwrap();
            panic!("the tool blocked on a pipe for 10 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--resume: h.json is not a regular file"), "{stderr}");
}

/// Under `ulimit -f` a write past the limit fails (EFBIG) instead of the signal ending the tool:
/// one JSON object and exit 1.
#[cfg(unix)]
#[test]
fn a_download_past_the_file_size_limit_fails_with_one_json_object() {
    let dir = Dir::new("ulimit-f");
    let mut command = ucloudstack(dir.path());
    command.args(["--fake", "--json", "images", "download", "cn-image-custom-000001", "web.img"]);
    let limited = run(&mut crate::support::under_sh(&command, "ulimit -f 64"));
    assert_eq!(limited.code, 1, "{limited:?}");
    let error = limited.error_json();
    assert_eq!(error["exit_code"], 1, "{error}");
    assert!(error["message"].as_str().unwrap().contains("File too large"), "{error}");
    assert!(!dir.path().join("web.img").exists());
}
