//! Edges of a download: the bytes a failure reports are those on disk.

use crate::download_server::{chain, tempdir};
use ucloudstack::Error;

/// Run by [`a_failed_download_counts_the_bytes_on_disk`] in a process of its own, under a
/// file size limit: a write past it fails (`EFBIG`) with bytes still in the write buffer.
#[tokio::test]
#[ignore = "run under a file size limit by a_failed_download_counts_the_bytes_on_disk"]
async fn under_a_file_size_limit() {
    let Some(dir) = std::env::var_os("UCLOUDSTACK_TEST_FSIZE_DIR") else { return };
    let dir = std::path::PathBuf::from(dir);
    let fake = ucloudstack::testing::FakeUCloudStack::builder().image_file_size(8 << 20).start().await;
    let id = fake.seed_custom_images(1).remove(0);
    let err = fake.client().download_image(&id, dir.join("limited.qcow2")).send().await.unwrap_err();
    let on_disk = std::fs::metadata(dir.join("limited.qcow2.part")).unwrap().len();
    match &err {
        Error::Transfer(failure) => assert_eq!(failure.bytes_done, on_disk, "{}", chain(&err)),
        other => panic!("{}", chain(other)),
    }
    assert!(err.to_string().contains(&format!("failed after {on_disk} bytes")), "{err}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_failed_download_counts_the_bytes_on_disk() {
    if std::process::Command::new("prlimit").arg("--version").output().is_err() {
        eprintln!("no prlimit here: skipped");
        return;
    }
    let dir = tempdir();
    // 5 MiB and a bit: the write that passes it fails, with up to 1 MiB more in the buffer.
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; exec prlimit --fsize=5243000 -- \"$0\" \"$@\"")
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", "download_edges::under_a_file_size_limit", "--ignored", "--nocapture", "--test-threads=1"])
        .env("UCLOUDSTACK_TEST_FSIZE_DIR", &dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && text.contains("1 passed"), "{text}");
    assert_eq!(std::fs::metadata(dir.join("limited.qcow2.part")).unwrap().len(), 5243000);
}
