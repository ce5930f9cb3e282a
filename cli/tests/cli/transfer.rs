//! Upload and download with small files: the fake's, and a failed upload resumed from the
//! handle file it wrote.

use crate::support::{Dir, against, fake, qcow2, raw, run, start_fake, ucloudstack};
use ucloudstack::image::ImageStatus;
use ucloudstack::testing::S3Fault;

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
    fake.inject_s3_fault(S3Fault::InternalError, 1000);
    let dir = Dir::new("resume");
    raw(&dir, "disk.raw", 3 << 20);
    let args = ["images", "upload", "disk.raw", "--name", "r", "--company-id", "200001", "--format", "raw"];
    let failed = run(against(&fake, dir.path()).args(args).args(["--os-type", "linux", "--distribution", "Ubuntu"]));
    assert_eq!(failed.code, 1, "{failed:?}");
    assert!(failed.stderr.contains("--resume disk.raw.upload.json"), "{failed:?}");
    let handle: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("disk.raw.upload.json")).unwrap()).unwrap();
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
