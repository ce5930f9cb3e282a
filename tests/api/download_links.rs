//! Symbolic links planted where a download writes: the `.part`, its `.part.etag` and the
//! destination. A download never writes through a link, never creates a file where a link
//! points, and never puts a link in place.
#![cfg(unix)]

use crate::download_server::{chain, tempdir};
use std::os::unix::fs::symlink;
use std::path::Path;
use ucloudstack::Error;
use ucloudstack::testing::FakeUCloudStack;

const LEN: u64 = 2 << 20;

async fn fake() -> (FakeUCloudStack, String) {
    let fake = FakeUCloudStack::builder().image_file_size(LEN).start().await;
    let id = fake.seed_custom_images(1).remove(0);
    (fake, id)
}

fn refused_before_sending(fake: &FakeUCloudStack, err: &Error, words: &str) {
    match err {
        Error::InvalidRequest { field, rule, .. } => {
            assert_eq!(field, "path");
            assert!(rule.contains(words), "{rule}");
        }
        other => panic!("{}", chain(other)),
    }
    assert_eq!(fake.request_count("GetImageDownloadURL"), 0, "refused before anything was sent");
}

fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

#[tokio::test]
async fn a_part_that_links_to_another_file_is_refused() {
    let (fake, id) = fake().await;
    let dir = tempdir();
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, b"the user's own file").unwrap();
    symlink(&victim, dir.join("web.qcow2.part")).unwrap();
    let err = fake.client().download_image(&id, dir.join("web.qcow2")).send().await.unwrap_err();
    refused_before_sending(&fake, &err, "symbolic link");
    assert!(chain(&err).contains("web.qcow2.part"), "{}", chain(&err));
    assert_eq!(std::fs::read(&victim).unwrap(), b"the user's own file");
    assert!(std::fs::symlink_metadata(dir.join("web.qcow2")).is_err());
}

#[tokio::test]
async fn a_dangling_part_link_creates_nothing_where_it_points() {
    let (fake, id) = fake().await;
    let dir = tempdir();
    let target = dir.join("made-here");
    symlink(&target, dir.join("web.qcow2.part")).unwrap();
    let err = fake.client().download_image(&id, dir.join("web.qcow2")).send().await.unwrap_err();
    refused_before_sending(&fake, &err, "symbolic link");
    assert!(std::fs::symlink_metadata(&target).is_err(), "a file was made where the link points");
}

#[tokio::test]
async fn an_etag_sidecar_that_links_to_another_file_is_refused() {
    let (fake, id) = fake().await;
    let dir = tempdir();
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, b"keep me").unwrap();
    symlink(&victim, dir.join("web.qcow2.part.etag")).unwrap();
    let err = fake.client().download_image(&id, dir.join("web.qcow2")).send().await.unwrap_err();
    refused_before_sending(&fake, &err, "symbolic link");
    assert!(chain(&err).contains("web.qcow2.part.etag"), "{}", chain(&err));
    assert_eq!(std::fs::read(&victim).unwrap(), b"keep me");
}

#[tokio::test]
async fn a_part_swapped_for_a_link_during_the_download_is_not_put_in_place() {
    let (fake, id) = fake().await;
    let dir = tempdir();
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, b"not an image").unwrap();
    let (part, planted) = (dir.join("web.qcow2.part"), victim.clone());
    let swapped = std::sync::atomic::AtomicBool::new(false);
    let err = fake
        .client()
        .download_image(&id, dir.join("web.qcow2"))
        .on_progress(move |_| {
            if !swapped.swap(true, std::sync::atomic::Ordering::SeqCst) {
                std::fs::remove_file(&part).unwrap();
                symlink(&planted, &part).unwrap();
            }
        })
        .send()
        .await
        .unwrap_err();
    assert!(chain(&err).contains("replaced"), "{}", chain(&err));
    let path = dir.join("web.qcow2");
    assert!(!is_link(&path), "a link was put in place");
    assert!(std::fs::symlink_metadata(&path).is_err());
    assert_eq!(std::fs::read(&victim).unwrap(), b"not an image");
}

#[tokio::test]
async fn a_dangling_link_at_the_path_is_refused_before_anything_is_sent() {
    let (fake, id) = fake().await;
    let dir = tempdir();
    let path = dir.join("web.qcow2");
    symlink(dir.join("nowhere"), &path).unwrap();
    let err = fake.client().download_image(&id, &path).send().await.unwrap_err();
    refused_before_sending(&fake, &err, "exists");
    assert!(std::fs::symlink_metadata(dir.join("nowhere")).is_err());
}

#[tokio::test]
async fn a_link_at_the_path_is_replaced_itself_never_written_through() {
    let (fake, id) = fake().await;
    let dir = tempdir();
    let (path, victim) = (dir.join("web.qcow2"), dir.join("victim.txt"));
    std::fs::write(&victim, b"the link's target").unwrap();
    symlink(&victim, &path).unwrap();
    let err = fake.client().download_image(&id, &path).send().await.unwrap_err();
    refused_before_sending(&fake, &err, "exists");
    fake.client().download_image(&id, &path).overwrite(true).send().await.unwrap();
    assert!(!is_link(&path), "the link itself is replaced");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), LEN);
    assert_eq!(std::fs::read(&victim).unwrap(), b"the link's target");
}

#[tokio::test]
async fn a_part_that_is_a_hard_link_to_another_file_is_refused() {
    // Another name of the same file: writing to the `.part` would change it too.
    let (fake, id) = fake().await;
    let dir = tempdir();
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, b"the user's own file").unwrap();
    std::fs::hard_link(&victim, dir.join("web.qcow2.part")).unwrap();
    let err = fake.client().download_image(&id, dir.join("web.qcow2")).send().await.unwrap_err();
    refused_before_sending(&fake, &err, "other names");
    assert_eq!(std::fs::read(&victim).unwrap(), b"the user's own file");
}
