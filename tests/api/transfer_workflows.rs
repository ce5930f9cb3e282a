//! The newer platforms' workflows against the embedded fake over real HTTP: an import the
//! platform fetches, the download address, a copy one platform pulls from another, and an
//! older platform that does not know the actions.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use ucloudstack::image::{ImageFormat, ImageStatus, ImportType, OsType};
use ucloudstack::testing::FakeUCloudStack;
use ucloudstack::{ApiErrorKind, Error, WaitFailure};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FILE: usize = 3 << 20;

async fn file_server() -> MockServer {
    let server = MockServer::start().await;
    let body: Vec<u8> = (0..FILE).map(|i| (i % 251) as u8).collect();
    Mock::given(method("GET"))
        .and(path("/disk.qcow2"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(body))
        .mount(&server)
        .await;
    server
}

async fn fake() -> FakeUCloudStack {
    FakeUCloudStack::builder().making_delay(Duration::from_millis(300)).start().await
}

#[tokio::test]
async fn an_import_from_a_url_is_fetched_and_waited_for() {
    let files = file_server().await;
    let fake = fake().await;
    let percents = Arc::new(Mutex::new(Vec::new()));
    let seen = percents.clone();
    let url = format!("{}/disk.qcow2", files.uri());
    let image = fake
        .client()
        .import_image_from_url(&url)
        .company_id(200001)
        .image_name("ubuntu-24.04")
        .image_format(ImageFormat::Qcow2)
        .os_type(OsType::Linux)
        .os_distribution("Ubuntu")
        .os_version("24.04")
        .poll_delay(Duration::from_millis(100), Duration::from_millis(100))
        .max_wait(Duration::from_secs(20))
        .on_progress(move |p| seen.lock().unwrap().push((p.status.to_owned(), p.percent)))
        .send()
        .await
        .unwrap();
    assert_eq!(image.image_status, Some(ImageStatus::Used));
    assert_eq!(image.image_format, Some(ImageFormat::Qcow2));
    assert_eq!(image.import_type, Some(ImportType::Remote));
    assert_eq!(image.image_from.as_deref(), Some(url.as_str()));
    assert_eq!(files.received_requests().await.unwrap().len(), 1, "the platform fetched the file once");
    assert_eq!(fake.request_count("ImportImage"), 1);
    let form = &fake.requests().into_iter().find(|r| r.action.as_deref() == Some("ImportImage")).unwrap();
    assert_eq!(form.param("ImportType"), Some("Remote"));
    assert_eq!(form.param("LoadURL"), Some(url.as_str()));
    let percents = percents.lock().unwrap();
    assert!(!percents.is_empty(), "progress was reported");
}

#[tokio::test]
async fn a_failed_import_says_the_platforms_reason() {
    let files = file_server().await;
    let fake = fake().await;
    let err = fake
        .client()
        .import_image_from_url(format!("{}/missing.qcow2", files.uri()))
        .company_id(200001)
        .image_name("missing")
        .image_format(ImageFormat::Qcow2)
        .os_type(OsType::Linux)
        .os_distribution("Ubuntu")
        .poll_delay(Duration::from_millis(100), Duration::from_millis(100))
        .max_wait(Duration::from_secs(20))
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::Waiter { reason: WaitFailure::FailureState(state), .. } => {
            assert!(state.starts_with("Failed ("), "the Reason is in the error: {state}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_bad_import_is_refused_before_anything_is_sent() {
    let fake = fake().await;
    let err = fake.client().import_image_from_url("ftp://mirror/x.iso").image_name("x").send().await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    assert_eq!(fake.request_count("ImportImage"), 0);
}

#[tokio::test]
async fn the_download_address_serves_the_file() {
    let fake = fake().await;
    let id = fake.seed_custom_images(1).remove(0);
    let client = fake.client();
    let address = client.image_download_url(&id).await.unwrap();
    let endpoint = url::Url::parse(fake.endpoint()).unwrap();
    assert_eq!(
        (address.host_str(), address.port(), address.path()),
        (endpoint.host_str(), endpoint.port(), "/s3/download")
    );
    let response = ucloudstack::reqwest::get(address.clone()).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(!response.bytes().await.unwrap().is_empty());

    // Set elsewhere, the address follows.
    let moved = fake.client_builder().download_endpoint("http://127.0.0.1:9/download").build().unwrap();
    let address = moved.image_download_url(&id).await.unwrap();
    assert!(address.as_str().starts_with("http://127.0.0.1:9/download?"), "{address}");
    let err = fake.client_builder().download_endpoint("ftp://x").build().unwrap_err();
    assert!(matches!(err, Error::Config { ref field, .. } if field == "download_endpoint"), "{err:?}");

    // An encrypted image cannot be downloaded.
    fake.set_image_encrypted(&id, true);
    assert!(client.image_download_url(&id).await.is_err());
}

#[tokio::test]
async fn a_copy_is_pulled_by_the_other_platform() {
    let source = fake().await;
    let target = FakeUCloudStack::builder().making_delay(Duration::from_millis(300)).start().await;
    let id = source.seed_custom_images(1).remove(0);
    let copy = source
        .client()
        .copy_image(&id)
        .to(&target.client())
        .image_name("web-copy")
        .company_id(200001)
        .poll_delay(Duration::from_millis(100), Duration::from_millis(100))
        .max_wait(Duration::from_secs(20))
        .send()
        .await
        .unwrap();
    let original = source.image(&id).unwrap();
    assert_eq!(copy.name.as_deref(), Some("web-copy"));
    assert_eq!(copy.image_status, Some(ImageStatus::Used));
    assert_eq!(copy.image_format, original.image_format);
    assert_eq!(copy.os_type, original.os_type);
    assert_eq!(source.request_count("ImportImage"), 0);
    assert_eq!(target.request_count("ImportImage"), 1);
    let import = target.requests().into_iter().find(|r| r.action.as_deref() == Some("ImportImage")).unwrap();
    let load = import.param("LoadURL").unwrap().to_owned();
    assert!(load.contains("/s3/download?"), "{load}");
    let (size, _) = target.imported_file(&copy.image_id.clone().unwrap()).unwrap();
    assert!(size > 0, "the target fetched the source's file");

    // Without a target, or from an image that is not ready, nothing is sent.
    let err = source.client().copy_image(&id).send().await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { ref field, .. } if field == "to"), "{err:?}");
    source.set_image_status(&id, ImageStatus::Making);
    let err = source.client().copy_image(&id).to(&target.client()).send().await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    assert_eq!(target.request_count("ImportImage"), 1);
}

#[tokio::test]
async fn an_older_platform_says_it_does_not_know_the_action() {
    let fake = FakeUCloudStack::builder().older_platform().start().await;
    let err = fake.client().describe_image_os_versions().send().await.unwrap_err();
    assert_eq!(err.api_kind(), Some(ApiErrorKind::UnknownAction));
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("older than this action"), "{err}");
    assert_eq!(fake.request_count("DescribeImageOSVersions"), 1, "not retried");
}

#[tokio::test]
async fn a_copy_to_each_of_three_platforms_goes_on_when_one_fails() {
    let source = fake().await;
    let id = source.seed_custom_images(1).remove(0);
    let targets: Vec<FakeUCloudStack> = futures::future::join_all(
        (0..3).map(|_| FakeUCloudStack::builder().making_delay(Duration::from_millis(1500)).start()),
    )
    .await;
    // The second refuses the import.
    targets[1].inject_fault("ImportImage", ucloudstack::testing::Fault::RetCode(1000), 1);
    let clients: Vec<_> = targets.iter().map(FakeUCloudStack::client).collect();
    let polled = std::sync::Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
    let seen = polled.clone();
    let started = std::time::Instant::now();
    let copies = source
        .client()
        .copy_image(&id)
        .image_name("golden")
        .company_id(200001)
        .to_each(&clients)
        .poll_delay(Duration::from_millis(100), Duration::from_millis(100))
        .max_wait(Duration::from_secs(20))
        .on_progress(move |target, _| _ = seen.lock().unwrap().insert(target))
        .send()
        .await
        .unwrap();
    assert_eq!(copies.len(), 3);
    assert!(copies[1].as_ref().is_err_and(|e| e.ret_code() == Some(1000)), "{:?}", copies[1]);
    for (n, copy) in [(0, &copies[0]), (2, &copies[2])] {
        let copy = copy.as_ref().unwrap();
        assert_eq!((copy.name.as_deref(), copy.image_status.clone()), (Some("golden"), Some(ImageStatus::Used)));
        assert!(targets[n].image(copy.image_id.as_deref().unwrap()).is_some(), "made on target {n}");
    }
    // At once, not one after the other: two copies of 1.5 s each took far less than both.
    assert!(started.elapsed() < Duration::from_millis(2700), "{:?}", started.elapsed());
    assert_eq!(*polled.lock().unwrap(), [0, 2].into(), "each target's progress, by its index");

    let none: [&ucloudstack::Client; 0] = [];
    let err = source.client().copy_image(&id).to_each(none).send().await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { ref field, .. } if field == "to_each"), "{err:?}");
}
