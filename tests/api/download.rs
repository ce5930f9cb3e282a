//! `download_image`: a streamed GET into `<path>.part`, resumed with `Range` after a cut or from
//! an earlier `.part`, a fresh address after a 403, and no file at `path` after a failure.

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use ucloudstack::Error;
use ucloudstack::testing::FakeUCloudStack;

const SIZE: usize = 3 << 20;

fn content() -> Vec<u8> {
    (0..SIZE).map(|i| (i * 7 % 256) as u8).collect()
}

/// What the file server does with its n-th request.
#[derive(Clone, Copy)]
enum Answer {
    /// 200 with Content-Length, but only this many bytes, then the connection closes.
    CutAfter(usize),
    /// The whole file (200), or from the Range asked (206).
    Serve,
    /// This status, empty.
    Status(u16),
}

/// A file server on loopback that answers its requests in turn and records their Range headers.
async fn file_server(answers: Vec<Answer>) -> (String, Arc<Mutex<Vec<Option<String>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}/download", listener.local_addr().unwrap());
    let ranges = Arc::new(Mutex::new(Vec::new()));
    let seen = ranges.clone();
    tokio::spawn(async move {
        let body = content();
        for answer in answers.into_iter().chain(std::iter::repeat(Answer::Serve)).take(50) {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                let Ok(n) = socket.read(&mut buf).await else { break };
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
            }
            let text = String::from_utf8_lossy(&request).to_lowercase();
            let range = text.lines().find_map(|l| l.strip_prefix("range: bytes=")).map(|r| r.trim().to_owned());
            seen.lock().unwrap().push(range.clone());
            let start: usize = range.as_deref().and_then(|r| r.trim_end_matches('-').parse().ok()).unwrap_or(0);
            let head = match answer {
                Answer::CutAfter(n) => {
                    let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {SIZE}\r\nconnection: close\r\n\r\n");
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(&body[..n]).await;
                    continue;
                }
                Answer::Status(status) => {
                    format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                }
                Answer::Serve if start > 0 => format!(
                    "HTTP/1.1 206 Partial Content\r\ncontent-length: {}\r\ncontent-range: bytes {start}-{}/{SIZE}\r\nconnection: close\r\n\r\n",
                    SIZE - start,
                    SIZE - 1
                ),
                Answer::Serve => format!("HTTP/1.1 200 OK\r\ncontent-length: {SIZE}\r\nconnection: close\r\n\r\n"),
            };
            let _ = socket.write_all(head.as_bytes()).await;
            if matches!(answer, Answer::Serve) {
                let _ = socket.write_all(&body[start..]).await;
            }
        }
    });
    (address, ranges)
}

async fn setup(
    answers: Vec<Answer>,
) -> (FakeUCloudStack, ucloudstack::Client, String, Arc<Mutex<Vec<Option<String>>>>) {
    let fake = FakeUCloudStack::start().await;
    let id = fake.seed_custom_images(1).remove(0);
    let (address, ranges) = file_server(answers).await;
    let client = fake.client_builder().download_endpoint(address).build().unwrap();
    (fake, client, id, ranges)
}

#[tokio::test]
async fn a_download_from_the_fake_writes_the_file_and_renames_it() {
    // 40 MiB: past two of the flushes to disk begun in the background every 16 MiB.
    const LEN: u64 = 40 << 20;
    let fake = FakeUCloudStack::builder().image_file_size(LEN).start().await;
    let id = fake.seed_custom_images(1).remove(0);
    let dir = tempdir();
    let path = dir.join("web.qcow2");
    let progress = Arc::new(Mutex::new(Vec::new()));
    let seen = progress.clone();
    let done = fake
        .client()
        .download_image(&id, &path)
        .on_progress(move |p| seen.lock().unwrap().push((p.bytes_done, p.bytes_total)))
        .send()
        .await
        .unwrap();
    assert_eq!(done.bytes, LEN);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), LEN);
    assert!(!dir.join("web.qcow2.part").exists());
    assert_eq!(progress.lock().unwrap().last(), Some(&(LEN, LEN)));
    // The same bytes as a plain GET of the address.
    let address = fake.client().image_download_url(&id).await.unwrap();
    let direct = ucloudstack::reqwest::get(address).await.unwrap().bytes().await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), direct.to_vec());
}

#[tokio::test]
async fn a_cut_connection_is_resumed_with_a_range() {
    let (_fake, client, id, ranges) = setup(vec![Answer::CutAfter(1 << 20)]).await;
    let dir = tempdir();
    let path = dir.join("cut.qcow2");
    let done = client.download_image(&id, &path).send().await.unwrap();
    assert_eq!(done.bytes, SIZE as u64);
    assert_eq!(std::fs::read(&path).unwrap(), content());
    assert_eq!(*ranges.lock().unwrap(), [None, Some(format!("{}-", 1 << 20))]);
}

#[tokio::test]
async fn an_existing_part_is_continued() {
    let (_fake, client, id, ranges) = setup(vec![]).await;
    let dir = tempdir();
    let path = dir.join("half.qcow2");
    std::fs::write(dir.join("half.qcow2.part"), &content()[..SIZE / 2]).unwrap();
    client.download_image(&id, &path).send().await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), content());
    assert_eq!(*ranges.lock().unwrap(), [Some(format!("{}-", SIZE / 2))]);
}

#[tokio::test]
async fn an_expired_address_is_asked_for_again() {
    let (fake, client, id, ranges) = setup(vec![Answer::Status(403)]).await;
    let dir = tempdir();
    let path = dir.join("expired.qcow2");
    client.download_image(&id, &path).send().await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), content());
    assert_eq!(ranges.lock().unwrap().len(), 2);
    assert_eq!(fake.request_count("GetImageDownloadURL"), 2, "a fresh address after the 403");
}

#[tokio::test]
async fn a_final_failure_leaves_no_file_at_the_path() {
    let (_fake, client, id, _) = setup(vec![Answer::CutAfter(1000), Answer::Status(404)]).await;
    let dir = tempdir();
    let path = dir.join("gone.qcow2");
    let err = client.download_image(&id, &path).send().await.unwrap_err();
    match &err {
        Error::Transfer(failure) => {
            assert_eq!(failure.bytes_done, 1000);
            assert!(failure.resume_handle().is_none());
        }
        other => panic!("{other:?}"),
    }
    assert!(!path.exists());
    assert_eq!(std::fs::metadata(dir.join("gone.qcow2.part")).unwrap().len(), 1000, "the .part stays");

    // An encrypted image: the platform refuses its address.
    let fake = FakeUCloudStack::start().await;
    let id = fake.seed_custom_images(1).remove(0);
    fake.set_image_encrypted(&id, true);
    let err = fake.client().download_image(&id, dir.join("secret.qcow2")).send().await.unwrap_err();
    assert!(matches!(err, Error::Transfer(_)), "{err:?}");
    assert!(!dir.join("secret.qcow2").exists());
}

#[tokio::test]
async fn bad_paths_are_refused_before_anything_is_sent() {
    let (fake, client, id, ranges) = setup(vec![]).await;
    let dir = tempdir();
    std::fs::write(dir.join("there.qcow2"), b"x").unwrap();
    for (path, rule) in [(dir.clone(), "is a directory"), (dir.join("there.qcow2"), "exists")] {
        match client.download_image(&id, &path).send().await {
            Err(Error::InvalidRequest { field, rule: got, .. }) => {
                assert_eq!(field, "path");
                assert!(got.contains(rule), "{got}");
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(fake.request_count("GetImageDownloadURL"), 0);
    assert!(ranges.lock().unwrap().is_empty());
    client.download_image(&id, dir.join("there.qcow2")).overwrite(true).send().await.unwrap();
    assert_eq!(std::fs::read(dir.join("there.qcow2")).unwrap(), content());
}

/// A fresh folder under the system's temporary folder.
fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ucloudstack-download-{}-{}", std::process::id(), fastrand::u64(..)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
