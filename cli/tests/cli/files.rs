//! Paths: names that are not UTF-8.

use crate::support::{Dir, against, raw, run, start_fake, ucloudstack};
use ucloudstack::image::ImageStatus;
use ucloudstack::testing::S3Fault;

const UPLOAD: [&str; 10] =
    ["images", "upload", "disk.raw", "--name", "r", "--company-id", "200001", "--format", "raw", "--os-type"];
const UPLOAD_REST: [&str; 3] = ["linux", "--distribution", "Ubuntu"];

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
        serde_json::json!({ "path": "web\u{fffd}.img", "path_hex": "776562ff2e696d67", "bytes": 1 << 20 })
    );
    assert_eq!(std::fs::metadata(dir.path().join(name)).unwrap().len(), 1 << 20);
    // A UTF-8 path is given as it is, with no hex.
    let json = run(ucloudstack(dir.path()).args(download).arg("web.img")).ok().stdout_json();
    assert_eq!(json, serde_json::json!({ "path": "web.img", "bytes": 1 << 20 }));

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
