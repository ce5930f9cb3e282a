//! Two downloads to one path: the second fails at once, saying another download holds the
//! `.part`; the first ends with the right file. And a `.part` that another writer grew is not
//! put in place.

use crate::download_server::{chain, file, platform, raw_server, tempdir};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

const LEN: usize = 1 << 20;

#[tokio::test]
async fn a_second_download_to_the_same_path_fails_at_once() {
    // 64 KiB every 100 ms: the first download takes about 1.6 s.
    let server = raw_server(|_, request, mut socket| async move {
        let start = request.start.unwrap_or(0);
        let head = crate::download_server::head(start, LEN);
        let _ = socket.write_all(head.as_bytes()).await;
        for piece in file(LEN, 1)[start..].chunks(64 << 10) {
            if socket.write_all(piece).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    let (_fake, client, id) = platform(&server).await;
    let dir = tempdir();
    let path = dir.join("twice.qcow2");
    let first = tokio::spawn(client.download_image(&id, &path).send());
    while server.requests.lock().unwrap().is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let began = Instant::now();
    let err = client.download_image(&id, &path).send().await.unwrap_err();
    assert!(began.elapsed() < Duration::from_secs(1), "{:?}", began.elapsed());
    let text = chain(&err);
    assert!(text.contains("another download holds") && text.contains("twice.qcow2.part"), "{text}");
    assert_eq!(server.requests.lock().unwrap().len(), 1, "the second sent nothing");
    let done = first.await.unwrap().unwrap();
    assert_eq!(done.bytes, LEN as u64);
    assert!(std::fs::read(&path).unwrap() == file(LEN, 1), "the file is the image, whole");
    assert!(std::fs::symlink_metadata(dir.join("twice.qcow2.part")).is_err());
}

#[tokio::test]
async fn a_part_grown_by_another_writer_is_not_put_in_place() {
    let server = raw_server(|_, _, mut socket| async move {
        let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", 2 * LEN);
        let _ = socket.write_all(head.as_bytes()).await;
        let _ = socket.write_all(&file(2 * LEN, 1)).await;
    })
    .await;
    let (_fake, client, id) = platform(&server).await;
    let dir = tempdir();
    let path = dir.join("grown.qcow2");
    let part = dir.join("grown.qcow2.part");
    // Another writer that takes no lock adds to the `.part` mid-way.
    let grown = std::sync::atomic::AtomicBool::new(false);
    let err = client
        .download_image(&id, &path)
        .on_progress(move |_| {
            if !grown.swap(true, std::sync::atomic::Ordering::SeqCst) {
                let other = std::fs::OpenOptions::new().write(true).open(&part).unwrap();
                other.set_len(2 * LEN as u64 + 4096).unwrap();
            }
        })
        .send()
        .await
        .unwrap_err();
    let text = chain(&err);
    assert!(text.contains("on disk"), "{text}");
    assert!(std::fs::symlink_metadata(&path).is_err(), "no file at the path");
}
