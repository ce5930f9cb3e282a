//! A download's deadline (`max_wait`) and minimum rate (`min_rate`), and servers that send a
//! little per connection: the requests stay few, with pauses, and the call ends.

use crate::download_server::{chain, file, platform, raw_server, tempdir, timed_out};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use ucloudstack::Error;

const LEN: usize = 4 << 20;

/// Headers of the whole file (200) or of what a `Range` asked (206).
fn head(start: usize) -> String {
    crate::download_server::head(start, LEN)
}

/// A server that sends `bytes` every `every`, from where the request asked.
async fn dripping(bytes: usize, every: Duration) -> crate::download_server::RawServer {
    raw_server(move |_, request, mut socket| async move {
        let start = request.start.unwrap_or(0);
        let _ = socket.write_all(head(start).as_bytes()).await;
        for piece in file(LEN, 1)[start..].chunks(bytes) {
            if socket.write_all(piece).await.is_err() {
                return;
            }
            tokio::time::sleep(every).await;
        }
    })
    .await
}

/// Runs a download that must end within 30 s instead of hanging the test.
async fn bounded<T>(download: impl std::future::Future<Output = T>) -> (T, Duration) {
    let began = Instant::now();
    let outcome = tokio::time::timeout(Duration::from_secs(30), download).await.expect("the download hung");
    (outcome, began.elapsed())
}

#[tokio::test]
async fn one_byte_a_second_ends_at_max_wait() {
    let server = dripping(1, Duration::from_secs(1)).await;
    let (_fake, client, id) = platform(&server).await;
    let dir = tempdir();
    let path = dir.join("drip.qcow2");
    let download = client.download_image(&id, &path).max_wait(Duration::from_secs(2)).send();
    let (err, took) = bounded(download).await;
    let err = err.unwrap_err();
    assert!(took >= Duration::from_millis(1900) && took < Duration::from_secs(4), "{took:?}");
    assert!(matches!(err, Error::Transfer(_)), "{}", chain(&err));
    assert!(timed_out(&err), "{}", chain(&err));
    assert!(chain(&err).contains("max_wait"), "{}", chain(&err));
    assert!(std::fs::symlink_metadata(&path).is_err());
}

#[tokio::test]
async fn max_wait_bounds_the_pauses_between_tries_too() {
    let server = raw_server(|_, _, mut socket| async move {
        let _ = socket.write_all(b"HTTP/1.1 503 Busy\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
    })
    .await;
    let (_fake, client, id) = platform(&server).await;
    let dir = tempdir();
    let download =
        client.download_image(&id, dir.join("busy.qcow2")).attempts(50).max_wait(Duration::from_secs(2)).send();
    let (err, took) = bounded(download).await;
    let err = err.unwrap_err();
    // Pauses of 250 ms, 500 ms and 1 s; the next (2 s) would pass max_wait: it ends there.
    assert!(took >= Duration::from_millis(1700) && took < Duration::from_secs(3), "{took:?}");
    assert!(timed_out(&err) && chain(&err).contains("503"), "{}", chain(&err));
    assert_eq!(server.requests.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn a_connection_slower_than_min_rate_is_cut() {
    // 1 KiB every 100 ms (10 KiB/s) against a floor of 100 KiB/s over 500 ms.
    let server = dripping(1 << 10, Duration::from_millis(100)).await;
    let (_fake, client, id) = platform(&server).await;
    let dir = tempdir();
    let download = client
        .download_image(&id, dir.join("slow.qcow2"))
        .min_rate(100 << 10, Duration::from_millis(500))
        .attempts(2)
        .send();
    let (err, took) = bounded(download).await;
    let err = err.unwrap_err();
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert!(timed_out(&err), "{}", chain(&err));
    assert!(chain(&err).contains("slower than"), "{}", chain(&err));
    assert_eq!(server.requests.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_server_that_sends_a_little_per_connection_gets_few_requests() {
    // 1 KiB per connection, then it closes: each try counts, with a pause between them.
    let server = raw_server(|_, request, mut socket| async move {
        let start = request.start.unwrap_or(0);
        let _ = socket.write_all(head(start).as_bytes()).await;
        let _ = socket.write_all(&file(LEN, 1)[start..start + 1024]).await;
    })
    .await;
    let (_fake, client, id) = platform(&server).await;
    let dir = tempdir();
    let path = dir.join("short.qcow2");
    let (err, took) = bounded(client.download_image(&id, &path).send()).await;
    let err = err.unwrap_err();
    let requests = server.requests.lock().unwrap().len();
    assert_eq!(requests, ucloudstack::image::DEFAULT_DOWNLOAD_ATTEMPTS as usize, "{}", chain(&err));
    assert!(chain(&err).contains("5 tries in a row"), "{}", chain(&err));
    // 250 + 500 + 1000 + 2000 ms between them.
    assert!(took >= Duration::from_millis(3700), "{took:?}");
    assert!(std::fs::symlink_metadata(&path).is_err());
    let starts = server.starts();
    assert_eq!(starts[..3], [None, Some(1024), Some(2048)], "each try goes on where the last ended");
}
