//! The fake plays the newer platforms' image actions (spec/image-transfer-api.md) with their
//! state rules and codes, over real HTTP, through the untyped `call`.

use serde_json::Value;
use sha1::{Digest, Sha1};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use ucloudstack::reqwest;
use ucloudstack::resource::PermissionMode;
use ucloudstack::ret_code::{v1, v2};
use ucloudstack::testing::FakeUCloudStack;
use ucloudstack::{CallOptionsBuilder, Client, Error, Platform, RetryPolicy};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn no_retry(fake: &FakeUCloudStack) -> Client {
    fake.client_builder().retry_policy(RetryPolicy::disabled()).build().unwrap()
}

fn code(result: Result<Value, Error>) -> Option<i64> {
    result.unwrap_err().ret_code()
}

/// An ImportImage form with every required field, plus `extra`.
fn import_form<'a>(import_type: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("CompanyID", "200001"),
        ("ImageName", "web-镜像_1.0"),
        ("ImageFormat", "qcow2"),
        ("ImportType", import_type),
        ("OSType", "Linux"),
        ("OSDistribution", "Ubuntu"),
    ];
    form.extend_from_slice(extra);
    form
}

/// The image as DescribeImage lists it, or `Null`.
async fn describe(client: &Client, id: &str) -> Value {
    let page = client.call("DescribeImage", &[("ImageIDs.0", id)]).await.unwrap();
    page["Infos"].get(0).cloned().unwrap_or(Value::Null)
}

/// Polls the image every 20 ms until its status is `until`, returning every answer seen.
async fn watch(client: &Client, id: &str, until: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let image = describe(client, id).await;
        let done = image["ImageStatus"] == until;
        seen.push(image);
        if done {
            return seen;
        }
        assert!(tokio::time::Instant::now() < deadline, "never {until}: {:?}", seen.last());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A loopback server that answers one GET after `wait`, with `body` in four slow parts.
async fn slow_file_server(body: Vec<u8>, wait: Duration) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/images/disk.qcow2", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        while !request.ends_with(b"\r\n\r\n") {
            let mut byte = [0];
            if socket.read(&mut byte).await.unwrap() == 0 {
                return;
            }
            request.push(byte[0]);
        }
        tokio::time::sleep(wait).await;
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
        socket.write_all(head.as_bytes()).await.unwrap();
        for part in body.chunks(body.len().div_ceil(4)) {
            socket.write_all(part).await.unwrap();
            socket.flush().await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    url
}

#[tokio::test]
async fn a_remote_import_fetches_its_url_and_becomes_used_with_rising_progress() {
    let fake = FakeUCloudStack::builder().making_delay(Duration::from_millis(300)).start().await;
    let client = no_retry(&fake);
    let file: Vec<u8> = (0..300_000u32).map(|i| (i * 31 % 251) as u8).collect();
    let url = slow_file_server(file.clone(), Duration::from_millis(150)).await;

    let extra = [("LoadURL", url.as_str()), ("BootloaderType", "uefi"), ("SetArch", "aarch64"), ("OSVersion", "24.04")];
    let answer = client.call("ImportImage", &import_form("Remote", &extra)).await.unwrap();
    let id = answer["ImageID"].as_str().unwrap().to_owned();
    assert_eq!(answer["Bucket"], "mirror");
    assert!(answer.get("UploadID").is_none(), "only a Local import has an upload");

    let seen = watch(&client, &id, "Used").await;
    let statuses: Vec<&str> = seen.iter().map(|i| i["ImageStatus"].as_str().unwrap()).collect();
    let mut phases = statuses.clone();
    phases.dedup();
    assert_eq!(phases, ["WaitUploading", "Uploading", "Used"], "{statuses:?}");
    let percents: Vec<i64> = seen.iter().map(|i| i["PreparePrecent"].as_i64().unwrap()).collect();
    assert!(percents.windows(2).all(|w| w[0] <= w[1]), "progress never goes back: {percents:?}");
    let mut distinct = percents.clone();
    distinct.dedup();
    assert!(distinct.len() >= 4, "progress rises step by step: {percents:?}");
    assert_eq!((percents[0], *percents.last().unwrap()), (0, 100));

    let image = seen.last().unwrap();
    assert_eq!(image["ImageType"], "Custom");
    assert_eq!(image["ImportType"], "Remote");
    assert_eq!(image["ImageFrom"], url.as_str());
    assert_eq!(image["ImageFormat"], "qcow2");
    assert_eq!(image["BootloaderType"], "uefi");
    assert_eq!((&image["SetArch"], &image["OSDistribution"]), (&"aarch64".into(), &"Ubuntu".into()));
    assert_eq!(image["ImageSize"], 1, "300 kB rounds up to 1 GiB");
    assert_eq!(image["CompanyID"], 200001);
    assert_eq!(image["Encrypted"], false);
    let sha1: String = Sha1::digest(&file).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(fake.imported_file(&id), Some((300_000, sha1)));

    // Its download is as long as what was fetched.
    let info = client.call("GetImageDownloadURL", &[("ImageID", id.as_str())]).await.unwrap();
    let query = info["Info"]["DownloadQuery"].as_str().unwrap();
    let response = reqwest::get(format!("{}?{query}", client.download_endpoint())).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap().len(), 300_000);
}

#[tokio::test]
async fn a_remote_import_that_cannot_be_fetched_fails_with_the_reason() {
    let fake = FakeUCloudStack::builder().making_delay(Duration::from_millis(10)).start().await;
    let client = no_retry(&fake);
    let missing = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(404)).mount(&missing).await;
    let refusing = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let cases = [
        (format!("{}/gone.qcow2", missing.uri()), "answered HTTP 404"),
        (format!("http://{refusing}/x.qcow2"), "cannot connect to"),
        ("http://mirror.example.com/x.qcow2".to_owned(), "cannot reach mirror.example.com"),
        ("http://10.0.0.1:8080/x.qcow2".to_owned(), "cannot reach 10.0.0.1"),
    ];
    for (url, reason) in cases {
        let answer = client.call("ImportImage", &import_form("Remote", &[("LoadURL", url.as_str())])).await.unwrap();
        let id = answer["ImageID"].as_str().unwrap();
        let seen = watch(&client, id, "Failed").await;
        let image = seen.last().unwrap();
        assert!(image["Reason"].as_str().unwrap().contains(reason), "{url}: {}", image["Reason"]);
        assert_eq!(fake.imported_file(id), None);
    }
}

#[tokio::test]
async fn import_image_refusals() {
    for (platform, missing, bad, format, too_large) in [
        (Platform::V2, v2::PARAM_EMPTY, v2::PARAM_FORMAT, v2::IMAGE_FORMAT, v2::IMAGE_TOO_LARGE),
        (Platform::V1, v1::PARAM_MISSING, v1::PARAM_ERROR, v1::PARAM_ERROR, v1::PARAM_ERROR),
    ] {
        let fake = FakeUCloudStack::builder().platform(platform).start().await;
        let client = no_retry(&fake);
        let full = import_form("Local", &[]);
        for key in ["CompanyID", "ImageName", "ImageFormat", "ImportType", "OSType", "OSDistribution"] {
            let without: Vec<_> = full.iter().filter(|(k, _)| *k != key).copied().collect();
            assert_eq!(code(client.call("ImportImage", &without).await), Some(missing), "without {key}");
        }
        let remote = import_form("Remote", &[]);
        assert_eq!(code(client.call("ImportImage", &remote).await), Some(missing), "Remote needs LoadURL");
        let no_url = import_form("Remote", &[("LoadURL", "disk.qcow2")]);
        assert_eq!(code(client.call("ImportImage", &no_url).await), Some(bad), "LoadURL must be a URL");
        let long_name = "n".repeat(51);
        let long_description = "d".repeat(101);
        for (key, value, expected) in [
            ("ImageFormat", "vhd", format),
            ("ImageSize", "2001", too_large),
            ("ImageSize", "big", bad),
            ("ImportType", "Ftp", bad),
            ("ImageName", "has space", bad),
            ("ImageName", long_name.as_str(), bad),
            ("ImageDescription", long_description.as_str(), bad),
            ("SetArch", "mips", bad),
            ("BootloaderType", "grub", bad),
            ("SupportQGA", "yes", bad),
            ("TagKeyValuePairs.0", "ZW52", bad),
            ("CompanyID", "acme", bad),
        ] {
            let mut form: Vec<_> = full.iter().filter(|(k, _)| *k != key).copied().collect();
            form.push((key, value));
            assert_eq!(code(client.call("ImportImage", &form).await), Some(expected), "{key}={value}");
        }
        let twice = [("TagKeyValuePairs.0", "ZW52:cHJvZA=="), ("TagKeyValuePairs.1", "ZW52:ZGV2")];
        assert_eq!(code(client.call("ImportImage", &import_form("Local", &twice)).await), Some(bad));
        assert_eq!(fake.images().len(), 6, "nothing was imported");
    }
}

#[tokio::test(start_paused = true)]
async fn a_local_import_waits_for_its_upload_then_completes_or_aborts() {
    let fake = FakeUCloudStack::builder().making_delay(Duration::from_secs(10)).in_process();
    let client = no_retry(&fake);
    let tags = [("TagKeyValuePairs.0", "ZW52:cHJvZA=="), ("ImageSize", "20"), ("Secret", "k3y")];
    let answer = client.call("ImportImage", &import_form("Local", &tags)).await.unwrap();
    let (id, upload) = (answer["ImageID"].as_str().unwrap(), answer["UploadID"].as_str().unwrap());
    assert_eq!(answer["Bucket"], "mirror");
    assert!(upload.len() > 60 && upload.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    let image = describe(&client, id).await;
    assert_eq!((&image["ImageStatus"], &image["ImportType"]), (&"WaitUploading".into(), &"Local".into()));
    assert_eq!((&image["ImageFrom"], &image["ImageSize"]), (&"Local".into(), &20.into()));
    assert_eq!(image["Tags"], serde_json::json!([{ "Key": "env", "Value": "prod" }]));
    assert_eq!(image["Encrypted"], true, "an image with a key is encrypted");

    let complete = |upload_id: &str| {
        let form = [("ImageID", id.to_owned()), ("UploadID", upload_id.to_owned())];
        let client = client.clone();
        async move { client.call("CompleteImageMultipartUpload", &form).await }
    };
    assert_eq!(code(complete("another-upload").await), Some(v2::PARAM_CHECK_FAILED));
    assert_eq!(code(client.call("CompleteImageMultipartUpload", &[("ImageID", id)]).await), Some(v2::PARAM_EMPTY));
    assert_eq!(code(complete(upload).await), Some(v2::RESOURCE_STATE), "no parts yet");
    assert!(fake.add_uploaded_part(id, 1, 1000));
    complete(upload).await.unwrap();
    assert_eq!(describe(&client, id).await["ImageStatus"], "Uploading");
    assert_eq!(code(complete(upload).await), Some(v2::IMAGE_STATE), "complete already");
    let abort = [("CompanyID", "200001"), ("ImageID", id)];
    assert_eq!(code(client.call("AbortImageMultipartUpload", &abort).await), Some(v2::IMAGE_STATE));
    tokio::time::advance(Duration::from_secs(5)).await;
    let halfway = describe(&client, id).await["PreparePrecent"].as_i64().unwrap();
    assert!((40..=60).contains(&halfway), "{halfway}");
    tokio::time::advance(Duration::from_secs(6)).await;
    assert_eq!(describe(&client, id).await["ImageStatus"], "Used");

    // Another import, given up.
    let answer = client.call("ImportImage", &import_form("Local", &[])).await.unwrap();
    let (id, upload) = (answer["ImageID"].as_str().unwrap(), answer["UploadID"].as_str().unwrap());
    let wrong = [("CompanyID", "200001"), ("ImageID", id), ("UploadID", "another-upload")];
    assert_eq!(code(client.call("AbortImageMultipartUpload", &wrong).await), Some(v2::PARAM_CHECK_FAILED));
    assert_eq!(code(client.call("AbortImageMultipartUpload", &[("ImageID", id)]).await), Some(v2::PARAM_EMPTY));
    let right = [("CompanyID", "200001"), ("ImageID", id), ("UploadID", upload)];
    client.call("AbortImageMultipartUpload", &right).await.unwrap();
    assert_eq!(describe(&client, id).await, Value::Null, "gone");
    assert_eq!(code(client.call("AbortImageMultipartUpload", &right).await), Some(v2::IMAGE_NOT_FOUND));

    // An image that was never uploaded has no upload to complete or abort.
    let seeded = fake.seed_custom_images(1).remove(0);
    let form = [("CompanyID", "200001"), ("ImageID", seeded.as_str())];
    assert_eq!(code(client.call("AbortImageMultipartUpload", &form).await), Some(v2::PARAM_CHECK_FAILED));
}

#[tokio::test(start_paused = true)]
async fn abort_custom_image_removes_only_an_image_on_its_way() {
    let fake = FakeUCloudStack::builder().making_delay(Duration::from_secs(60)).in_process();
    let client = no_retry(&fake);
    let made = client.call("CreateCustomImage", &[("VMID", "vm-fake-1"), ("ImageName", "golden")]).await.unwrap();
    let made = made["ImageID"].as_str().unwrap();
    assert_eq!(describe(&client, made).await["ImageStatus"], "Making");
    client.call("AbortCustomImage", &[("ImageID", made)]).await.unwrap();
    assert_eq!(describe(&client, made).await, Value::Null);
    // The VM is free to be imaged again.
    client.call("CreateCustomImage", &[("VMID", "vm-fake-1"), ("ImageName", "again")]).await.unwrap();

    let local = client.call("ImportImage", &import_form("Local", &[])).await.unwrap();
    let local = local["ImageID"].as_str().unwrap();
    client.call("AbortCustomImage", &[("ImageID", local)]).await.unwrap();
    assert_eq!(describe(&client, local).await, Value::Null);

    let used = fake.seed_custom_images(1).remove(0);
    assert_eq!(code(client.call("AbortCustomImage", &[("ImageID", used.as_str())]).await), Some(v2::IMAGE_STATE));
    let base = [("ImageID", "cn-image-centos-74")];
    assert_eq!(code(client.call("AbortCustomImage", &base).await), Some(v2::WRONG_RESOURCE_TYPE));
    let nope = [("ImageID", "cn-image-nope")];
    assert_eq!(code(client.call("AbortCustomImage", &nope).await), Some(v2::IMAGE_NOT_FOUND));
    assert_eq!(code(client.call("AbortCustomImage", &[("CompanyID", "1")]).await), Some(v2::PARAM_EMPTY));
}

#[tokio::test(start_paused = true)]
async fn a_used_custom_image_becomes_a_base_image_until_deleted() {
    let fake = FakeUCloudStack::builder().in_process();
    let client = no_retry(&fake);
    let source = fake.seed_custom_images(1).remove(0);
    let clone = [("SourceImageID", source.as_str()), ("DestImageName", "golden-base")];
    let base = client.call("CloneCustomImageToBaseImage", &clone).await.unwrap();
    let base = base["DestImageID"].as_str().unwrap().to_owned();

    // The platform copies the image first: the base image is Making, then Used.
    let listed = describe(&client, &base).await;
    assert_eq!((&listed["ImageType"], &listed["ImageStatus"]), (&"Base".into(), &"Making".into()));
    let available = client.wait_until_image_available(&base).poll_delay(Duration::from_secs(1), Duration::from_secs(1));
    available.wait().await.unwrap();
    let listed = describe(&client, &base).await;
    assert_eq!((&listed["ImageType"], &listed["ImageStatus"]), (&"Base".into(), &"Used".into()));
    assert_eq!((&listed["Name"], &listed["ImageFrom"]), (&"golden-base".into(), &source.as_str().into()));
    let all = client.call("DescribeBaseImage", &[] as &[(&str, &str)]).await.unwrap();
    assert_eq!(all["TotalCount"], 7, "the six platform images and the clone");
    let one = client.call("DescribeBaseImage", &[("ImageIDs.0", base.as_str())]).await.unwrap();
    assert_eq!(one["TotalCount"], 1);
    let info = &one["Infos"][0];
    assert_eq!((&info["ImageID"], &info["Name"]), (&base.as_str().into(), &"golden-base".into()));
    assert_eq!((&info["Permission"], &info["Region"]), (&"all".into(), &"cn".into()));
    assert!(info["CreateTime"].as_i64().unwrap() > 1_700_000_000);

    let permission = |mode: &'static str, who: &'static str| {
        let base = base.clone();
        let client = client.clone();
        async move {
            let form = [
                ("ResourceID", base.as_str()),
                ("ResourceType", "BASE_IMAGE"),
                ("PermissionMode", mode),
                ("Permission", who),
            ];
            client.call("UpdateResourcePermission", &form).await
        }
    };
    let shown = || async {
        let one = client.call("DescribeBaseImage", &[("ImageIDs.0", base.as_str())]).await.unwrap();
        one["Infos"][0]["Permission"].as_str().unwrap().to_owned()
    };
    permission("whitelist", "200001,200002").await.unwrap();
    assert_eq!(shown().await, "Specific");
    assert_eq!(fake.resource_permission(&base), Some((PermissionMode::Whitelist, vec![200001, 200002])));
    permission("blacklist", "200003").await.unwrap();
    assert_eq!(shown().await, "Specific");
    permission("all", "").await.unwrap();
    assert_eq!(shown().await, "all");
    assert_eq!(code(permission("whitelist", "200001,acme").await), Some(v2::PARAM_FORMAT));
    assert_eq!(code(permission("greylist", "").await), Some(v2::PARAM_FORMAT));
    let custom = [("ResourceID", source.as_str()), ("ResourceType", "BASE_IMAGE")];
    assert_eq!(code(client.call("UpdateResourcePermission", &custom).await), Some(v2::WRONG_RESOURCE_TYPE));
    let cluster = [("ResourceID", "vs-1"), ("ResourceType", "COMPUTE_SET")];
    assert_eq!(code(client.call("UpdateResourcePermission", &cluster).await), Some(v2::RESOURCE_NOT_FOUND));
    let no_type = [("ResourceID", base.as_str())];
    assert_eq!(code(client.call("UpdateResourcePermission", &no_type).await), Some(v2::PARAM_EMPTY));

    // Refusals of the clone.
    let long = "n".repeat(129);
    let clone = |source: &str, name: &str| {
        let form = [("SourceImageID", source.to_owned()), ("DestImageName", name.to_owned())];
        let client = client.clone();
        async move { client.call("CloneCustomImageToBaseImage", &form).await }
    };
    assert_eq!(code(clone(&source, &long).await), Some(v2::PARAM_FORMAT));
    assert_eq!(code(clone(&source, "").await), Some(v2::PARAM_EMPTY));
    assert_eq!(code(clone("cn-image-nope", "n").await), Some(v2::IMAGE_NOT_FOUND));
    assert_eq!(code(clone(&base, "n").await), Some(v2::WRONG_RESOURCE_TYPE));
    let making = client.call("CreateCustomImage", &[("VMID", "vm-fake-2"), ("ImageName", "m")]).await.unwrap();
    assert_eq!(code(clone(making["ImageID"].as_str().unwrap(), "n").await), Some(v2::IMAGE_STATE));

    // Deleting.
    let delete = |id: &str| {
        let form = [("ImageID", id.to_owned())];
        let client = client.clone();
        async move { client.call("DeleteBaseImage", &form).await }
    };
    assert_eq!(code(delete(&source).await), Some(v2::WRONG_RESOURCE_TYPE));
    assert_eq!(code(delete("cn-image-centos-79").await), Some(v2::IMAGE_IN_USE), "the VMs are made from it");
    delete(&base).await.unwrap();
    assert_eq!(describe(&client, &base).await, Value::Null);
    let none = client.call("DescribeBaseImage", &[("ImageIDs.0", base.as_str())]).await.unwrap();
    assert_eq!(none["TotalCount"], 0);
    assert_eq!(fake.resource_permission(&base), None);
    assert_eq!(code(delete(&base).await), Some(v2::IMAGE_NOT_FOUND));
    delete("cn-image-ubuntu-1604").await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn os_versions_are_a_fixed_table_paged_like_describe_image() {
    let fake = FakeUCloudStack::builder().in_process();
    let client = no_retry(&fake);
    let all = client.call("DescribeImageOSVersions", &[("Limit", "100")]).await.unwrap();
    let total = all["TotalCount"].as_u64().unwrap();
    let infos = all["Infos"].as_array().unwrap();
    assert!((15..=30).contains(&total) && infos.len() as u64 == total, "{total}");
    assert!(infos.iter().all(|os| os["Status"] == "Ready" && os["ImageOSID"].as_str().unwrap().starts_with("os-")));
    let has = |distribution: &str, version: &str, arch: &str, network: &str| {
        infos.iter().any(|os| {
            os["OSDistribution"] == distribution
                && os["OSVersion"] == version
                && os["SetArch"] == arch
                && os["NetworkMode"] == network
        })
    };
    assert!(has("Ubuntu", "24.04", "aarch64", "Netplan"));
    assert!(has("Centos", "7.9", "x86_64", "NetworkScripts"));
    assert!(has("Debian", "12", "x86_64", "Interfaces"));
    assert!(has("Windows", "2022", "x86_64", "None"));
    assert!(has("Kylin", "V10", "aarch64", "NetworkScripts"));
    let ids: Vec<&str> = infos.iter().map(|os| os["ImageOSID"].as_str().unwrap()).collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len() as u64, total, "ids are unique");

    let default_page = client.call("DescribeImageOSVersions", &[] as &[(&str, &str)]).await.unwrap();
    assert_eq!(default_page["Infos"].as_array().unwrap().len() as u64, total.min(20));
    let page = client.call("DescribeImageOSVersions", &[("Offset", "5"), ("Limit", "5")]).await.unwrap();
    assert_eq!((page["TotalCount"].as_u64(), &page["Infos"][0]), (Some(total), &infos[5]));
    assert_eq!(page["Infos"].as_array().unwrap().len(), 5);
    let two = [("ImageOSIDs.0", ids[3]), ("ImageOSIDs.1", ids[7])];
    let picked = client.call("DescribeImageOSVersions", &two).await.unwrap();
    assert_eq!((&picked["TotalCount"], &picked["Infos"][1]), (&2.into(), &infos[7]));
    let zero = client.call("DescribeImageOSVersions", &[("Limit", "0")]).await;
    assert_eq!(code(zero), Some(v2::PARAM_FORMAT));
}

#[tokio::test(start_paused = true)]
async fn update_image_changes_only_a_used_image() {
    let fake = FakeUCloudStack::builder().in_process();
    let client = no_retry(&fake);
    let id = fake.seed_custom_images(1).remove(0);
    let mut form = vec![
        ("CompanyID", "200001"),
        ("ImageID", id.as_str()),
        ("OSType", "Linux"),
        ("SetArch", "aarch64"),
        ("OSDistribution", "Debian"),
        ("OSVersion", "12"),
        ("BootloaderType", "uefi"),
        ("SupportQGA", "true"),
        ("SupportCloudInit", "false"),
    ];
    client.call("UpdateImage", &form).await.unwrap();
    let image = describe(&client, &id).await;
    assert_eq!((&image["SetArch"], &image["OSDistribution"]), (&"aarch64".into(), &"Debian".into()));
    assert_eq!((&image["OSName"], &image["BootloaderType"]), (&"Debian 12".into(), &"uefi".into()));
    assert_eq!((&image["SupportQGA"], &image["SupportCloudInit"]), (&true.into(), &false.into()));

    form.truncate(6);
    let without_version: Vec<_> = form.iter().filter(|(k, _)| *k != "OSVersion").copied().collect();
    assert_eq!(code(client.call("UpdateImage", &without_version).await), Some(v2::PARAM_EMPTY));
    let mut mips = form.clone();
    mips[3] = ("SetArch", "mips");
    assert_eq!(code(client.call("UpdateImage", &mips).await), Some(v2::PARAM_FORMAT));
    let mut unknown = form.clone();
    unknown[1] = ("ImageID", "cn-image-nope");
    assert_eq!(code(client.call("UpdateImage", &unknown).await), Some(v2::IMAGE_NOT_FOUND));
    let making = client.call("CreateCustomImage", &[("VMID", "vm-fake-1"), ("ImageName", "m")]).await.unwrap();
    let mut not_ready = form.clone();
    not_ready[1] = ("ImageID", making["ImageID"].as_str().unwrap());
    assert_eq!(code(client.call("UpdateImage", &not_ready).await), Some(v2::IMAGE_STATE));
}

#[tokio::test]
async fn an_image_downloads_whole_or_by_range_until_its_query_expires() {
    let fake = FakeUCloudStack::builder().image_file_size(300_000).start().await;
    let client = no_retry(&fake);
    let id = fake.seed_custom_images(1).remove(0);
    let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let answer = client.call("GetImageDownloadURL", &[("ImageID", id.as_str())]).await.unwrap();
    let query = answer["Info"]["DownloadQuery"].as_str().unwrap();
    let expires = answer["Info"]["ExpiredTime"].as_i64().unwrap();
    assert!((before + 3600..=before + 3602).contains(&expires), "an hour by default: {expires}");
    assert!(query.contains(&format!("ImageID={id}")) && query.contains("Signature="), "{query}");
    let address = format!("{}?{query}", client.download_endpoint());
    assert!(address.starts_with(&fake.endpoint().replace("/api", "/s3/download?")), "{address}");

    let http = reqwest::Client::new();
    let get = |range: Option<&'static str>| {
        let mut request = http.get(&address);
        if let Some(range) = range {
            request = request.header("Range", range);
        }
        request.send()
    };
    let whole = get(None).await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["content-length"], "300000");
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    let whole = whole.bytes().await.unwrap();
    assert_eq!(whole.len(), 300_000);
    assert_eq!(get(None).await.unwrap().bytes().await.unwrap(), whole, "the same bytes every time");
    assert!(whole.windows(2).any(|w| w[0] != w[1]), "not all one byte");
    let head = http.head(&address).send().await.unwrap();
    assert_eq!((head.status().as_u16(), &head.headers()["content-length"]), (200, &"300000".parse().unwrap()));
    assert!(head.bytes().await.unwrap().is_empty());

    for (range, from, to) in
        [("bytes=1000-1999", 1000, 2000), ("bytes=299990-", 299_990, 300_000), ("bytes=-10", 299_990, 300_000)]
    {
        let part = get(Some(range)).await.unwrap();
        assert_eq!(part.status(), 206, "{range}");
        let content_range = format!("bytes {from}-{}/300000", to - 1);
        assert_eq!(part.headers()["content-range"], content_range.as_str());
        assert_eq!(part.bytes().await.unwrap(), whole[from..to], "{range}");
    }
    let beyond = get(Some("bytes=300000-")).await.unwrap();
    assert_eq!(beyond.status(), 416);
    assert_eq!(beyond.headers()["content-range"], "bytes */300000");

    let tampered = address.replace("Signature=", "Signature=0");
    assert_eq!(http.get(&tampered).send().await.unwrap().status(), 403);
    let other = address.replace(&id, "cn-image-centos-74");
    assert_eq!(http.get(&other).send().await.unwrap().status(), 403, "a query is for its image only");
    let bare = client.download_endpoint().to_string();
    assert_eq!(http.get(&bare).send().await.unwrap().status(), 403);

    client.call("DeleteCustomImage", &[("ImageID", id.as_str())]).await.unwrap();
    assert_eq!(get(None).await.unwrap().status(), 404, "the image is going");
}

#[tokio::test]
async fn an_expired_query_is_forbidden() {
    let fake = FakeUCloudStack::builder().download_expiry(Duration::ZERO).start().await;
    let client = no_retry(&fake);
    let answer = client.call("GetImageDownloadURL", &[("ImageID", "cn-image-centos-74")]).await.unwrap();
    let query = answer["Info"]["DownloadQuery"].as_str().unwrap();
    let response = reqwest::get(format!("{}?{query}", client.download_endpoint())).await.unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.text().await.unwrap().contains("expired"));
}

#[tokio::test(start_paused = true)]
async fn only_a_used_unencrypted_image_has_a_download_url() {
    for (platform, not_found, state, check) in [
        (Platform::V2, v2::IMAGE_NOT_FOUND, v2::IMAGE_STATE, v2::PARAM_CHECK_FAILED),
        (Platform::V1, v1::IMAGE_NOT_FOUND, v1::IMAGE_UNAVAILABLE, v1::PARAM_ERROR),
    ] {
        let fake = FakeUCloudStack::builder().platform(platform).in_process();
        let client = no_retry(&fake);
        let id = fake.seed_custom_images(1).remove(0);
        let form = [("ImageID", id.as_str())];
        client.call("GetImageDownloadURL", &form).await.unwrap();
        assert!(fake.set_image_encrypted(&id, true));
        assert_eq!(code(client.call("GetImageDownloadURL", &form).await), Some(check));
        fake.set_image_encrypted(&id, false);
        fake.set_image_status(&id, ucloudstack::image::ImageStatus::Failed);
        assert_eq!(code(client.call("GetImageDownloadURL", &form).await), Some(state));
        let nope = [("ImageID", "cn-image-nope")];
        assert_eq!(code(client.call("GetImageDownloadURL", &nope).await), Some(not_found));
        assert!(!fake.set_image_encrypted("cn-image-nope", true));
    }
}

#[tokio::test]
async fn s3_login_answers_credentials_for_the_mirror_bucket() {
    let fake = FakeUCloudStack::start().await;
    let client = no_retry(&fake);
    let login = client.call("S3Login", &[("Scenes", "ImageUpload")]).await.unwrap();
    assert_eq!(login["Bucket"], "mirror");
    assert_eq!(login["Endpoint"], fake.endpoint().replace("/api", "/s3").as_str());
    for key in ["AccessKey", "SecretKey", "SessionID"] {
        assert!(login[key].as_str().unwrap().len() >= 20, "{key}");
    }
    let again = client.call("S3Login", &[("Scenes", "ImageUpload")]).await.unwrap();
    assert_ne!(again["SessionID"], login["SessionID"], "a fresh session each time");
    let missing = client.call("S3Login", &[("CompanyID", "200001")]).await;
    assert_eq!(code(missing), Some(v2::PARAM_EMPTY));
    assert_eq!(code(client.call("S3Login", &[("Scenes", "FTP")]).await), Some(v2::PARAM_FORMAT));
    assert_eq!(code(client.call("S3Login", &[("Scenes", "OSS")]).await), Some(v2::PARAM_EMPTY));
    let oss = [("Scenes", "OSS"), ("ID", "oss-1")];
    assert_eq!(code(client.call("S3Login", &oss).await), Some(v2::RESOURCE_NOT_FOUND));
}

#[tokio::test(start_paused = true)]
async fn describe_image_filters_by_format_and_status() {
    let fake = FakeUCloudStack::builder().in_process();
    let client = no_retry(&fake);
    let mut form = import_form("Local", &[]);
    form[2] = ("ImageFormat", "raw");
    let id = client.call("ImportImage", &form).await.unwrap()["ImageID"].as_str().unwrap().to_owned();
    fake.seed_custom_images(2);

    let count = |filters: &'static [(&'static str, &'static str)]| {
        let client = client.clone();
        async move { client.call("DescribeImage", filters).await.unwrap()["TotalCount"].as_u64().unwrap() }
    };
    assert_eq!(count(&[("ImageFormat", "raw")]).await, 1);
    assert_eq!(count(&[("ImageFormat", "qcow2")]).await, 8, "the platform images and the seeded ones");
    assert_eq!(count(&[("Status.0", "WaitUploading")]).await, 1);
    assert_eq!(count(&[("Status.0", "Used")]).await, 8);
    assert_eq!(count(&[("Status.0", "Used"), ("Status.1", "WaitUploading")]).await, 9);
    assert_eq!(count(&[("Status.0", "WaitUploading"), ("ImageFormat", "qcow2")]).await, 0);
    let listed = client.call("DescribeImage", &[("Status.0", "WaitUploading")]).await.unwrap();
    assert_eq!(listed["Infos"][0]["ImageID"], id.as_str());
}

#[tokio::test(start_paused = true)]
async fn an_older_platform_does_not_know_the_newer_actions() {
    let newer = [
        "ImportImage",
        "CompleteImageMultipartUpload",
        "AbortImageMultipartUpload",
        "AbortCustomImage",
        "CloneCustomImageToBaseImage",
        "DeleteBaseImage",
        "DescribeBaseImage",
        "DescribeImageOSVersions",
        "GetImageDownloadURL",
        "UpdateImage",
        "S3Login",
        "UpdateResourcePermission",
    ];
    for (platform, unknown) in [(Platform::V2, v2::ACTION_NOT_FOUND), (Platform::V1, v1::PARAM_ERROR)] {
        let fake = FakeUCloudStack::builder().platform(platform).older_platform().in_process();
        let client = no_retry(&fake);
        for action in newer {
            let err = client.call(action, &[("ImageID", "cn-image-centos-74")]).await.unwrap_err();
            assert_eq!(err.ret_code(), Some(unknown), "{action}");
        }
        client.call("DescribeImage", &[] as &[(&str, &str)]).await.unwrap();
        // The newer platform knows them all.
        let fake = FakeUCloudStack::builder().platform(platform).in_process();
        let client = no_retry(&fake);
        for action in newer {
            let answer = client.call(action, &[("Nothing", "x")]).await;
            assert_ne!(answer.err().and_then(|e| e.ret_code()), Some(unknown), "{action}");
        }
    }
}
