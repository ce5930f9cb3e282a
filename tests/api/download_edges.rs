//! Edges of a download: the bytes a failure reports are those on disk, a stale complete `.part`
//! is not put in place on a 416 of another version, and a 206 that runs past its range is cut
//! where the range ends.

use crate::download_server::{chain, file, platform, raw_server, tempdir};
use tokio::io::AsyncWriteExt;
use ucloudstack::Error;

const LEN: usize = 3 << 20;
const MIB: usize = 1 << 20;

#[tokio::test]
async fn a_complete_stale_part_and_a_416_of_another_version_start_again() {
    let server = raw_server(|n, request, mut socket| async move {
        let start = request.start.unwrap_or(0);
        let head = if n == 0 {
            // The `.part` is as long as the file, but the file is another version now.
            assert_eq!((request.start, request.if_range.as_deref()), (Some(LEN), Some("\"old\"")));
            format!("HTTP/1.1 416 Range Not Satisfiable\r\netag: \"new\"\r\ncontent-range: bytes */{LEN}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        } else if start > 0 {
            format!(
                "HTTP/1.1 206 Partial Content\r\netag: \"new\"\r\ncontent-length: {}\r\ncontent-range: bytes {start}-{}/{LEN}\r\nconnection: close\r\n\r\n",
                LEN - start,
                LEN - 1
            )
        } else {
            format!("HTTP/1.1 200 OK\r\netag: \"new\"\r\ncontent-length: {LEN}\r\nconnection: close\r\n\r\n")
        };
        let _ = socket.write_all(head.as_bytes()).await;
        if n > 0 {
            let _ = socket.write_all(&file(LEN, 2)[start..]).await;
        }
    })
    .await;
    let (_fake, client, id) = platform(&server).await;
    let dir = tempdir();
    let path = dir.join("stale.qcow2");
    std::fs::write(dir.join("stale.qcow2.part"), file(LEN, 1)).unwrap();
    std::fs::write(dir.join("stale.qcow2.part.etag"), format!("{LEN}\n\"old\"\n")).unwrap();
    client.download_image(&id, &path).send().await.unwrap();
    assert!(std::fs::read(&path).unwrap() == file(LEN, 2), "the stale file was put in place");
    assert_eq!(server.starts(), [Some(LEN), None]);
}

#[tokio::test]
async fn a_206_that_runs_past_its_range_is_cut_where_the_range_ends() {
    let server = raw_server(|n, request, mut socket| async move {
        let start = request.start.unwrap_or(0);
        let content = file(LEN, 1);
        let (head, body) = match n {
            0 => (format!("HTTP/1.1 200 OK\r\ncontent-length: {LEN}\r\nconnection: close\r\n\r\n"), content[..MIB].to_vec()),
            1 => {
                // `bytes 1M-(2M-1)`, no length: the range, then half a MiB that is not the file.
                let mut body = content[start..2 * MIB].to_vec();
                body.extend(std::iter::repeat_n(0xEE, MIB / 2));
                let head = format!(
                    "HTTP/1.1 206 Partial Content\r\ncontent-range: bytes {start}-{}/{LEN}\r\nconnection: close\r\n\r\n",
                    2 * MIB - 1
                );
                (head, body)
            }
            _ => (
                format!(
                    "HTTP/1.1 206 Partial Content\r\ncontent-length: {}\r\ncontent-range: bytes {start}-{}/{LEN}\r\nconnection: close\r\n\r\n",
                    LEN - start,
                    LEN - 1
                ),
                content[start..].to_vec(),
            ),
        };
        let _ = socket.write_all(head.as_bytes()).await;
        let _ = socket.write_all(&body).await;
    })
    .await;
    let (_fake, client, id) = platform(&server).await;
    let dir = tempdir();
    let path = dir.join("past.qcow2");
    client.download_image(&id, &path).send().await.unwrap();
    assert!(std::fs::read(&path).unwrap() == file(LEN, 1), "bytes past the range were written");
    assert_eq!(server.starts(), [None, Some(MIB), Some(2 * MIB)]);
}

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
