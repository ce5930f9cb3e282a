//! Redirects of a download: one to another host is never followed (its token would go with it)
//! and an answer from another host is never written, also through a program's own HTTP client
//! that follows redirects; one within the download server's origin is followed.

use crate::download_server::{chain, file, platform, raw_server, tempdir};
use tokio::io::AsyncWriteExt;
use ucloudstack::Error;

const LEN: usize = 256 << 10;

/// A server that serves the file to whatever asks (200, or 206 from a `Range`).
async fn serving() -> crate::download_server::RawServer {
    raw_server(|_, request, mut socket| async move {
        let start = request.start.unwrap_or(0);
        let head = crate::download_server::head(start, LEN);
        let _ = socket.write_all(head.as_bytes()).await;
        let _ = socket.write_all(&file(LEN, 2)[start..]).await;
    })
    .await
}

/// A server that answers every request with `status` and a `Location` of `to`.
async fn redirecting(status: u16, to: String) -> crate::download_server::RawServer {
    raw_server(move |_, _, mut socket| {
        let head =
            format!("HTTP/1.1 {status} Moved\r\nlocation: {to}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        async move {
            let _ = socket.write_all(head.as_bytes()).await;
        }
    })
    .await
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed() {
    for status in [302, 307] {
        let elsewhere = serving().await;
        let to = format!("http://{}/steal?Token=sekrit-elsewhere", elsewhere.host);
        let server = redirecting(status, to).await;
        let (_fake, client, id) = platform(&server).await;
        let dir = tempdir();
        let path = dir.join("moved.qcow2");
        let err = client.download_image(&id, &path).send().await.unwrap_err();
        let text = chain(&err);
        assert!(matches!(err, Error::Transfer(_)), "{text}");
        assert!(text.contains("redirected to another host"), "{status}: {text}");
        assert!(text.contains(&elsewhere.host), "the host is named: {text}");
        assert!(!text.contains("sekrit") && !text.contains("Signature"), "no query: {text}");
        assert_eq!(elsewhere.connections(), 0, "{status}: the other host heard nothing");
        assert_eq!(server.requests.lock().unwrap().len(), 1, "a final failure, not retried");
        assert!(std::fs::symlink_metadata(&path).is_err(), "no file at the path");
    }
}

#[tokio::test]
async fn an_answer_from_another_host_through_a_following_client_is_refused() {
    // The program's own client follows redirects: the other host is asked, but its answer is
    // not taken as the image.
    let elsewhere = serving().await;
    let server = redirecting(302, format!("http://{}/other", elsewhere.host)).await;
    let fake = ucloudstack::testing::FakeUCloudStack::start().await;
    let id = fake.seed_custom_images(1).remove(0);
    let client = fake
        .client_builder()
        .http_client(ucloudstack::reqwest::Client::new())
        .download_endpoint(server.address.clone())
        .build()
        .unwrap();
    let dir = tempdir();
    let path = dir.join("other.qcow2");
    let err = client.download_image(&id, &path).send().await.unwrap_err();
    let text = chain(&err);
    assert!(text.contains("another host") && text.contains(&elsewhere.host), "{text}");
    assert!(!text.contains("Signature"), "{text}");
    assert!(std::fs::symlink_metadata(&path).is_err(), "no file at the path");
    let part = std::fs::metadata(dir.join("other.qcow2.part")).map_or(0, |m| m.len());
    assert_eq!(part, 0, "nothing of the other host's answer is kept");
}

#[tokio::test]
async fn a_redirect_within_the_download_server_is_followed() {
    let server = raw_server(|n, request, mut socket| async move {
        let head = if n == 0 {
            "HTTP/1.1 302 Found\r\nlocation: /node-2/file\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_owned()
        } else {
            assert!(request.line.starts_with("GET /node-2/file "), "{}", request.line);
            format!("HTTP/1.1 200 OK\r\ncontent-length: {LEN}\r\nconnection: close\r\n\r\n")
        };
        let _ = socket.write_all(head.as_bytes()).await;
        if n > 0 {
            let _ = socket.write_all(&file(LEN, 2)).await;
        }
    })
    .await;
    let (_fake, client, id) = platform(&server).await;
    let dir = tempdir();
    let path = dir.join("node.qcow2");
    let done = client.download_image(&id, &path).send().await.unwrap();
    assert_eq!(done.bytes, LEN as u64);
    assert!(std::fs::read(&path).unwrap() == file(LEN, 2));
    assert_eq!(server.requests.lock().unwrap().len(), 2);
}
