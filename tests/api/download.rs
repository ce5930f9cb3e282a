//! `download_image`: a streamed GET into `<path>.part`, resumed with `Range` after a cut or from
//! an earlier `.part`, a fresh address after a 403, and no file at `path` after a failure.

use crate::download_server::{chain, timed_out};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use ucloudstack::Error;
use ucloudstack::testing::FakeUCloudStack;

const SIZE: usize = 3 << 20;

fn content() -> Vec<u8> {
    (0..SIZE).map(|i| (i * 7 % 256) as u8).collect()
}

/// The other version of the file, as a server may hold it after the image changed.
fn content_v2() -> Vec<u8> {
    (0..SIZE).map(|i| (i * 13 % 251) as u8).collect()
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
    /// As `Serve`, but only this many bytes, then nothing more on a connection kept open.
    Stall(usize),
    /// Nothing at all, on a connection kept open.
    StallHeaders,
    /// As `Serve` with this `ETag` and version of the file (1 or 2), whatever `If-Range` says.
    Tagged(&'static str, u8),
    /// 200 of version 1 with this `ETag`, cut after this many bytes.
    TaggedCut(&'static str, usize),
    /// 200 with neither Content-Length nor chunks: the body ends when the connection closes.
    NoLength,
    /// 206 `bytes START-END/*` without Content-Length, cut after this many bytes.
    StarTotalCut(usize),
    /// 404 whose body echoes the request, download query and all.
    Echo404,
}

/// What the file server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    range: Option<String>,
    if_range: Option<String>,
    query: String,
}

type Log = Arc<Mutex<Vec<Seen>>>;

fn ranges(log: &Log) -> Vec<Option<String>> {
    log.lock().unwrap().iter().map(|s| s.range.clone()).collect()
}

/// A file server on loopback that answers its requests in turn and records them.
async fn file_server(answers: Vec<Answer>) -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}/download", listener.local_addr().unwrap());
    let log = Log::default();
    let seen = log.clone();
    tokio::spawn(async move {
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
            let text = String::from_utf8_lossy(&request).into_owned();
            let header = |name: &str| {
                text.lines().find_map(|l| {
                    let (key, value) = l.split_once(':')?;
                    key.eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
                })
            };
            let range = header("range").and_then(|r| r.strip_prefix("bytes=").map(str::to_owned));
            let query = text.lines().next().unwrap_or_default().to_owned();
            seen.lock().unwrap().push(Seen {
                range: range.clone(),
                if_range: header("if-range"),
                query: query.clone(),
            });
            let start: usize = range.as_deref().and_then(|r| r.trim_end_matches('-').parse().ok()).unwrap_or(0);
            let (body, etag) = match answer {
                Answer::Tagged(etag, 2) => (content_v2(), format!("etag: {etag}\r\n")),
                Answer::Tagged(etag, _) | Answer::TaggedCut(etag, _) => (content(), format!("etag: {etag}\r\n")),
                _ => (content(), String::new()),
            };
            let served = if start > 0 {
                format!(
                    "HTTP/1.1 206 Partial Content\r\ncontent-length: {}\r\ncontent-range: bytes {start}-{}/{SIZE}\r\n{etag}connection: close\r\n\r\n",
                    SIZE - start,
                    SIZE - 1
                )
            } else {
                format!("HTTP/1.1 200 OK\r\ncontent-length: {SIZE}\r\n{etag}connection: close\r\n\r\n")
            };
            let (head, send) = match answer {
                Answer::CutAfter(n) => {
                    (format!("HTTP/1.1 200 OK\r\ncontent-length: {SIZE}\r\nconnection: close\r\n\r\n"), 0..n)
                }
                Answer::Status(status) => {
                    (format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"), 0..0)
                }
                Answer::Echo404 => {
                    let echo = format!("no such file: {query}");
                    let head = format!(
                        "HTTP/1.1 404 Not Found\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{echo}",
                        echo.len()
                    );
                    (head, 0..0)
                }
                Answer::Serve | Answer::Tagged(..) => (served, start..SIZE),
                Answer::Stall(n) => (served, start..start + n),
                Answer::TaggedCut(_, n) => (served, 0..n),
                Answer::StallHeaders => (String::new(), 0..0),
                Answer::NoLength => ("HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n".to_owned(), 0..SIZE),
                Answer::StarTotalCut(n) => (
                    format!(
                        "HTTP/1.1 206 Partial Content\r\ncontent-range: bytes {start}-{}/*\r\nconnection: close\r\n\r\n",
                        SIZE - 1
                    ),
                    start..start + n,
                ),
            };
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&body[send]).await;
            if matches!(answer, Answer::Stall(_) | Answer::StallHeaders) {
                // The connection stays open and quiet.
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(120)).await;
                    drop(socket);
                });
            }
        }
    });
    (address, log)
}

async fn setup(answers: Vec<Answer>) -> (FakeUCloudStack, ucloudstack::Client, String, Log) {
    let fake = FakeUCloudStack::start().await;
    let id = fake.seed_custom_images(1).remove(0);
    let (address, log) = file_server(answers).await;
    let client = fake.client_builder().download_endpoint(address).build().unwrap();
    (fake, client, id, log)
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
    let (_fake, client, id, log) = setup(vec![Answer::CutAfter(1 << 20)]).await;
    let dir = tempdir();
    let path = dir.join("cut.qcow2");
    let done = client.download_image(&id, &path).send().await.unwrap();
    assert_eq!(done.bytes, SIZE as u64);
    assert_eq!(std::fs::read(&path).unwrap(), content());
    assert_eq!(ranges(&log), [None, Some(format!("{}-", 1 << 20))]);
}

#[tokio::test]
async fn an_existing_part_is_continued() {
    let (_fake, client, id, log) = setup(vec![]).await;
    let dir = tempdir();
    let path = dir.join("half.qcow2");
    std::fs::write(dir.join("half.qcow2.part"), &content()[..SIZE / 2]).unwrap();
    client.download_image(&id, &path).send().await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), content());
    assert_eq!(ranges(&log), [Some(format!("{}-", SIZE / 2))]);
}

#[tokio::test]
async fn an_expired_address_is_asked_for_again() {
    let (fake, client, id, log) = setup(vec![Answer::Status(403)]).await;
    let dir = tempdir();
    let path = dir.join("expired.qcow2");
    client.download_image(&id, &path).send().await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), content());
    assert_eq!(log.lock().unwrap().len(), 2);
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
    let (fake, client, id, log) = setup(vec![]).await;
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
    match client.download_image(&id, dir.join("new.qcow2")).idle_timeout(Duration::ZERO).send().await {
        Err(Error::InvalidRequest { field, .. }) => assert_eq!(field, "idle_timeout"),
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.request_count("GetImageDownloadURL"), 0);
    assert!(log.lock().unwrap().is_empty());
    client.download_image(&id, dir.join("there.qcow2")).overwrite(true).send().await.unwrap();
    assert_eq!(std::fs::read(dir.join("there.qcow2")).unwrap(), content());
}

/// Runs a download that must end (either way) within 20 s instead of hanging the test.
async fn bounded<T>(download: impl std::future::Future<Output = T>) -> (T, Duration) {
    let began = Instant::now();
    let outcome = tokio::time::timeout(Duration::from_secs(20), download).await.expect("the download hung");
    (outcome, began.elapsed())
}

#[tokio::test]
async fn a_stalled_answer_is_taken_as_a_cut_and_resumed() {
    let (_fake, client, id, log) = setup(vec![Answer::Stall(1 << 20)]).await;
    let dir = tempdir();
    let path = dir.join("stall.qcow2");
    let download = client.download_image(&id, &path).idle_timeout(Duration::from_millis(300)).send();
    let (done, took) = bounded(download).await;
    assert_eq!(done.unwrap().bytes, SIZE as u64);
    assert_eq!(std::fs::read(&path).unwrap(), content());
    assert_eq!(ranges(&log), [None, Some(format!("{}-", 1 << 20))]);
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test]
async fn stalls_that_get_no_further_end_with_a_timeout() {
    // Headers that never come, then bytes that stop: each is a cut; the tries run out (the
    // first got 1000 bytes further: less than 1 MiB counts as no further).
    let answers = vec![Answer::Stall(1000), Answer::StallHeaders, Answer::Stall(0), Answer::Serve];
    let (_fake, client, id, log) = setup(answers).await;
    let dir = tempdir();
    let path = dir.join("stalls.qcow2");
    let download = client.download_image(&id, &path).idle_timeout(Duration::from_millis(200)).attempts(3).send();
    let (err, took) = bounded(download).await;
    let err = err.unwrap_err();
    assert!(matches!(&err, Error::Transfer(f) if f.bytes_done == 1000), "{err:?}");
    assert!(timed_out(&err), "{}", chain(&err));
    assert!(
        chain(&err).contains("3 tries in a row got less than 1 MiB further each (the file stands at byte 1000)"),
        "{}",
        chain(&err)
    );
    assert_eq!(log.lock().unwrap().len(), 3);
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(!path.exists());
}

#[tokio::test]
async fn a_server_that_ignores_range_and_keeps_cutting_runs_out_of_tries() {
    let (_fake, client, id, log) = setup(vec![Answer::CutAfter(SIZE / 2); 20]).await;
    let dir = tempdir();
    let path = dir.join("loop.qcow2");
    let (err, took) = bounded(client.download_image(&id, &path).attempts(3).send()).await;
    let err = err.unwrap_err();
    assert!(
        chain(&err).contains(&format!("3 tries in a row got no further than byte {}", SIZE / 2)),
        "{}",
        chain(&err)
    );
    // The first try, then three that each start again from byte 0 and stop at the same place.
    assert_eq!(log.lock().unwrap().len(), 4);
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(!path.exists());
}

#[tokio::test]
async fn answers_that_start_the_file_again_are_counted_and_paused() {
    // A 416 to a plain GET: each one empties the `.part`; the tries run out, with pauses.
    let (_fake, client, id, log) = setup(vec![Answer::Status(416); 20]).await;
    let dir = tempdir();
    let path = dir.join("again.qcow2");
    let (err, took) = bounded(client.download_image(&id, &path).attempts(3).send()).await;
    let err = err.unwrap_err();
    assert!(chain(&err).contains("3 tries in a row got no further than byte 0"), "{}", chain(&err));
    assert!(chain(&err).contains("416"), "{}", chain(&err));
    assert_eq!(log.lock().unwrap().len(), 3);
    assert!(took >= Duration::from_millis(700), "250 ms then 500 ms between the tries: {took:?}");
}

#[tokio::test]
async fn a_file_that_changed_between_tries_starts_again_instead_of_being_spliced() {
    // Version 1 cut half-way; then version 2, whose server ignores If-Range and sends a 206.
    let answers = vec![Answer::TaggedCut("\"v1\"", SIZE / 2), Answer::Tagged("\"v2\"", 2), Answer::Tagged("\"v2\"", 2)];
    let (_fake, client, id, log) = setup(answers).await;
    let dir = tempdir();
    let path = dir.join("changed.qcow2");
    client.download_image(&id, &path).send().await.unwrap();
    assert!(std::fs::read(&path).unwrap() == content_v2(), "two versions spliced");
    let seen = log.lock().unwrap().clone();
    assert_eq!(seen[1].range.as_deref(), Some(&*format!("{}-", SIZE / 2)));
    assert_eq!(seen[1].if_range.as_deref(), Some("\"v1\""), "the Range asks for the same version");
    assert_eq!(seen[2].range, None, "then the whole file again");
    assert!(!dir.join("changed.qcow2.part.etag").exists());
}

#[tokio::test]
async fn a_part_of_another_version_is_not_continued() {
    // An earlier call left half of an older file and its ETag; the fake answers its If-Range
    // with the whole (new) file, as HTTP says.
    const LEN: u64 = 4 << 20;
    let fake = FakeUCloudStack::builder().image_file_size(LEN).start().await;
    let id = fake.seed_custom_images(1).remove(0);
    let dir = tempdir();
    let path = dir.join("old.qcow2");
    std::fs::write(dir.join("old.qcow2.part"), vec![0xEE; (LEN / 2) as usize]).unwrap();
    std::fs::write(dir.join("old.qcow2.part.etag"), format!("{LEN}\n\"an-older-version\"\n")).unwrap();
    fake.client().download_image(&id, &path).send().await.unwrap();
    let address = fake.client().image_download_url(&id).await.unwrap();
    let direct = ucloudstack::reqwest::get(address).await.unwrap().bytes().await.unwrap();
    assert!(std::fs::read(&path).unwrap() == direct.to_vec(), "the older half was kept");
    assert!(!dir.join("old.qcow2.part.etag").exists());

    // With the right ETag kept, the same .part is continued with a Range (and If-Range).
    std::fs::remove_file(&path).unwrap();
    let etag = ucloudstack::reqwest::get(fake.client().image_download_url(&id).await.unwrap()).await.unwrap().headers()
        ["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    std::fs::write(dir.join("old.qcow2.part"), &direct[..(LEN / 2) as usize]).unwrap();
    std::fs::write(dir.join("old.qcow2.part.etag"), format!("{LEN}\n{etag}\n")).unwrap();
    let before = fake.requests().len();
    fake.client().download_image(&id, &path).send().await.unwrap();
    assert!(std::fs::read(&path).unwrap() == direct.to_vec());
    assert!(fake.requests().len() > before);
}

#[tokio::test]
async fn a_body_of_unknown_length_is_not_taken_as_the_whole_file() {
    let (_fake, client, id, _) = setup(vec![Answer::NoLength]).await;
    let dir = tempdir();
    let path = dir.join("unknown.qcow2");
    let err = client.download_image(&id, &path).send().await.unwrap_err();
    assert!(chain(&err).contains("never said the file's length"), "{}", chain(&err));
    assert!(!path.exists());
    assert_eq!(std::fs::metadata(dir.join("unknown.qcow2.part")).unwrap().len(), SIZE as u64, "the .part stays");
}

#[tokio::test]
async fn a_star_total_is_taken_from_the_range_end() {
    // `bytes 0-END/*`, cut early: the file is END+1 bytes long, so the cut is resumed.
    let (_fake, client, id, log) = setup(vec![Answer::StarTotalCut(1000)]).await;
    let dir = tempdir();
    let path = dir.join("star.qcow2");
    client.download_image(&id, &path).send().await.unwrap();
    assert!(std::fs::read(&path).unwrap() == content());
    assert_eq!(ranges(&log), [None, Some("1000-".to_owned())]);
}

#[tokio::test]
async fn an_echoed_download_query_is_scrubbed_from_the_error() {
    let (_fake, client, id, log) = setup(vec![Answer::Echo404]).await;
    let dir = tempdir();
    let err = client.download_image(&id, dir.join("echo.qcow2")).send().await.unwrap_err();
    let text = chain(&err);
    assert!(text.contains("404") && text.contains("***"), "{text}");
    let line = log.lock().unwrap()[0].query.clone();
    let query = line.split_once('?').unwrap().1.split(' ').next().unwrap().to_owned();
    let signature = query.split('&').find_map(|p| p.strip_prefix("Signature=")).unwrap().to_owned();
    assert!(signature.len() > 8, "{query}");
    let decoded: String =
        url::form_urlencoded::parse(format!("s={signature}").as_bytes()).next().unwrap().1.into_owned();
    for secret in [&query, &signature, &decoded] {
        assert!(!text.contains(secret.as_str()), "{secret} in {text}");
    }
}

#[tokio::test]
async fn a_file_made_at_the_path_during_the_download_is_not_replaced() {
    let (_fake, client, id, _) = setup(vec![]).await;
    let dir = tempdir();
    let path = dir.join("raced.qcow2");
    let there = path.clone();
    let err = client
        .download_image(&id, &path)
        .on_progress(move |_| {
            let _ = std::fs::write(&there, b"mine");
        })
        .send()
        .await
        .unwrap_err();
    assert!(chain(&err).contains("was made during the download"), "{}", chain(&err));
    assert_eq!(std::fs::read(&path).unwrap(), b"mine");
    assert_eq!(std::fs::metadata(dir.join("raced.qcow2.part")).unwrap().len(), SIZE as u64, "the .part stays");
}

/// A fresh folder under the system's temporary folder.
fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ucloudstack-download-{}-{}", std::process::id(), fastrand::u64(..)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
