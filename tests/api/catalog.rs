//! The newer platforms' image actions against wiremock: every field on the wire by its name,
//! realistic answers decoded, each rule refused before anything is sent, secrets never shown,
//! retries by idempotency, and "unknown action" from an older platform.

use crate::support::*;
use futures::TryStreamExt;
use std::time::Duration;
use ucloudstack::CallOptionsBuilder;
use ucloudstack::image::{
    BootloaderType, ImageFormat, ImageStatus, ImageTag, ImportImageFluentBuilder, ImportType, OsType, S3Scene,
};
use ucloudstack::resource::{PermissionMode, ResourceType};
use ucloudstack::{ApiErrorKind, Client, Credentials, Error, RetryPolicy};
use wiremock::matchers::{body_string_contains, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const OK: &str = r#"{"RetCode":0,"Message":""}"#;

/// The pairs of the last request, sorted, its signature checked, without `PublicKey` and
/// `Signature`.
async fn sent(server: &MockServer) -> Vec<String> {
    let received = server.received_requests().await.unwrap();
    let pairs = form(received.last().expect("a request was sent"));
    assert_eq!(param(&pairs, "Signature").unwrap(), recompute_signature(&pairs, PRIVATE));
    sorted(&pairs).into_iter().filter(|p| !p.starts_with("Signature=") && !p.starts_with("PublicKey=")).collect()
}

// -- Every field reaches the wire by its name; realistic answers decode.

#[tokio::test]
async fn import_image_sends_every_field_and_reads_its_answer() {
    let server = server_answering(
        200,
        r#"{"Action":"ImportImageResponse","RetCode":0,"Message":"","ImageID":"image-6f2c1a",
            "UploadID":"YjQ1ZTI4YzUtMzE4Ni00NmE4LWI0ZDYtZjM0OGE2NjEwZDY3","Bucket":"mirror"}"#,
    )
    .await;
    let imported = client_for(&server)
        .import_image()
        .company_id(200001)
        .image_name("ubuntu-24.04_镜像")
        .image_format(ImageFormat::Qcow2)
        .import_type(ImportType::Local)
        .os_type(OsType::Linux)
        .os_distribution("Ubuntu")
        .os_version("24.04")
        .set_arch("aarch64")
        .load_url("https://mirror.example/ubuntu-24.04.qcow2")
        .image_size(2000)
        .image_description("d".repeat(100))
        .project_id("proj-default")
        .bootloader_type(BootloaderType::Uefi)
        .support_qga(true)
        .support_cloud_init(false)
        .secret("image-key-123")
        .tags([("env", "prod"), ("team:owner", "图像")])
        .tags([ImageTag::new("empty", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        sent(&server).await,
        [
            "Action=ImportImage".to_owned(),
            "BootloaderType=uefi".into(),
            "CompanyID=200001".into(),
            format!("ImageDescription={}", "d".repeat(100)),
            "ImageFormat=qcow2".into(),
            "ImageName=ubuntu-24.04_镜像".into(),
            "ImageSize=2000".into(),
            "ImportType=Local".into(),
            "LoadURL=https://mirror.example/ubuntu-24.04.qcow2".into(),
            "OSDistribution=Ubuntu".into(),
            "OSType=Linux".into(),
            "OSVersion=24.04".into(),
            "ProjectID=proj-default".into(),
            "Region=cn".into(),
            "Secret=image-key-123".into(),
            "SetArch=aarch64".into(),
            "SupportCloudInit=false".into(),
            "SupportQGA=true".into(),
            "TagKeyValuePairs.0=ZW52:cHJvZA==".into(),
            "TagKeyValuePairs.1=dGVhbTpvd25lcg==:5Zu+5YOP".into(),
            "TagKeyValuePairs.2=ZW1wdHk=:".into(),
        ]
    );
    assert_eq!(imported.image_id, "image-6f2c1a");
    assert_eq!(imported.upload_id.as_deref(), Some("YjQ1ZTI4YzUtMzE4Ni00NmE4LWI0ZDYtZjM0OGE2NjEwZDY3"));
    assert_eq!(imported.bucket.as_deref(), Some("mirror"));
}

#[tokio::test]
async fn the_multipart_and_abort_actions_send_every_field() {
    let server = server_answering(200, OK).await;
    let client = client_for(&server);
    client.complete_image_multipart_upload().image_id("image-1").upload_id("u-1").company_id(7).send().await.unwrap();
    assert_eq!(
        sent(&server).await,
        ["Action=CompleteImageMultipartUpload", "CompanyID=7", "ImageID=image-1", "Region=cn", "UploadID=u-1"]
    );
    client.abort_image_multipart_upload().company_id(7).image_id("image-1").upload_id("u-1").send().await.unwrap();
    assert_eq!(
        sent(&server).await,
        ["Action=AbortImageMultipartUpload", "CompanyID=7", "ImageID=image-1", "Region=cn", "UploadID=u-1"]
    );
    client.abort_custom_image().image_id("image-1").company_id(7).region("cn2").send().await.unwrap();
    assert_eq!(sent(&server).await, ["Action=AbortCustomImage", "CompanyID=7", "ImageID=image-1", "Region=cn2"]);
    client.delete_base_image().image_id("image-2").company_id(7).send().await.unwrap();
    assert_eq!(sent(&server).await, ["Action=DeleteBaseImage", "CompanyID=7", "ImageID=image-2", "Region=cn"]);
}

#[tokio::test]
async fn clone_custom_image_to_base_image_sends_every_field_and_reads_the_new_id() {
    let server = server_answering(200, r#"{"RetCode":0,"DestImageID":"image-base-9"}"#).await;
    let cloned = client_for(&server)
        .clone_custom_image_to_base_image()
        .source_image_id("image-1")
        .dest_image_name("基".repeat(128))
        .company_id(7)
        .send()
        .await
        .unwrap();
    assert_eq!(
        sent(&server).await,
        [
            "Action=CloneCustomImageToBaseImage".to_owned(),
            "CompanyID=7".into(),
            format!("DestImageName={}", "基".repeat(128)),
            "Region=cn".into(),
            "SourceImageID=image-1".into(),
        ]
    );
    assert_eq!(cloned.dest_image_id, "image-base-9");
}

#[tokio::test]
async fn describe_base_image_sends_its_ids_and_reads_the_images() {
    let server = server_answering(
        200,
        r#"{"Action":"DescribeBaseImageResponse","RetCode":0,"TotalCount":"2","Infos":[
            {"ImageID":"image-2","Name":"Ubuntu 24.04","Description":"基础镜像","Permission":"all",
             "Region":"cn","CreateTime":1700000000,"UpdateTime":"1700000100"},
            {"ImageID":"image-3","Name":"web","Permission":"Specific","Description":null}]}"#,
    )
    .await;
    let bases = client_for(&server).describe_base_image().image_ids(["image-2", "image-3"]).send().await.unwrap();
    assert_eq!(
        sent(&server).await,
        ["Action=DescribeBaseImage", "ImageIDs.0=image-2", "ImageIDs.1=image-3", "Region=cn"]
    );
    assert_eq!(bases.total_count, 2);
    let first = &bases.infos[0];
    assert_eq!((first.image_id.as_deref(), first.name.as_deref()), (Some("image-2"), Some("Ubuntu 24.04")));
    assert_eq!((first.description.as_deref(), first.permission.as_deref()), (Some("基础镜像"), Some("all")));
    assert_eq!(
        (first.region.as_deref(), first.create_time, first.update_time),
        (Some("cn"), Some(1700000000), Some(1700000100))
    );
    assert_eq!((bases.infos[1].permission.as_deref(), bases.infos[1].description.as_deref()), (Some("Specific"), None));
}

fn os_page(offset: usize, ids: &[&str], total: usize) -> String {
    let infos: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| {
            serde_json::json!({"ImageOSID": id, "OSType": "Linux", "OSDistribution": "Ubuntu",
                "OSVersion": format!("24.{offset}"), "SetArch": "x86_64", "NetworkMode": "Netplan",
                "Remark": "", "Status": "Ready"})
        })
        .collect();
    serde_json::json!({"Action": "DescribeImageOSVersionsResponse", "RetCode": 0, "TotalCount": total, "Infos": infos})
        .to_string()
}

#[tokio::test]
async fn describe_image_os_versions_sends_every_field_and_pages() {
    let server = MockServer::start().await;
    for (offset, ids) in [(0, vec!["os-1", "os-2"]), (2, vec!["os-3"])] {
        Mock::given(method("POST"))
            .and(body_string_contains(format!("Offset={offset}&")))
            .respond_with(ResponseTemplate::new(200).set_body_string(os_page(offset, &ids, 3)))
            .mount(&server)
            .await;
    }
    let client = client_for(&server);
    let page = client
        .describe_image_os_versions()
        .image_os_ids(["os-1"])
        .offset(0)
        .limit(2)
        .company_id(7)
        .send()
        .await
        .unwrap();
    assert_eq!(
        sent(&server).await,
        ["Action=DescribeImageOSVersions", "CompanyID=7", "ImageOSIDs.0=os-1", "Limit=2", "Offset=0", "Region=cn"]
    );
    assert_eq!(page.total_count, 3);
    let os = &page.infos[0];
    assert_eq!(os.image_os_id.as_deref(), Some("os-1"));
    assert_eq!(os.os_type, Some(OsType::Linux));
    assert_eq!((os.os_distribution.as_deref(), os.os_version.as_deref()), (Some("Ubuntu"), Some("24.0")));
    assert_eq!((os.set_arch.as_deref(), os.network_mode.as_deref()), (Some("x86_64"), Some("Netplan")));
    assert_eq!((os.remark.as_deref(), os.status.as_deref()), (Some(""), Some("Ready")));

    let every: Vec<_> =
        client.describe_image_os_versions().limit(2).into_paginator().items().try_collect().await.unwrap();
    let ids: Vec<_> = every.iter().filter_map(|o| o.image_os_id.as_deref()).collect();
    assert_eq!(ids, ["os-1", "os-2", "os-3"]);
}

#[tokio::test]
async fn get_image_download_url_reads_the_query_and_never_shows_it() {
    let query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=5f0c1e2d";
    let body = format!(r#"{{"RetCode":0,"Info":{{"DownloadQuery":"{query}","ExpiredTime":1700003600}}}}"#);
    let server = server_answering(200, &body).await;
    let answer = client_for(&server).get_image_download_url().image_id("image-1").send().await.unwrap();
    assert_eq!(sent(&server).await, ["Action=GetImageDownloadURL", "ImageID=image-1", "Region=cn"]);
    let info = answer.info.as_ref().unwrap();
    assert_eq!(info.download_query.as_ref().map(|q| q.expose()), Some(query));
    assert_eq!(info.expired_time, Some(1700003600));
    assert!(!format!("{answer:?}").contains("5f0c1e2d"), "{answer:?}");
}

#[tokio::test]
async fn update_image_sends_every_field() {
    let server = server_answering(200, OK).await;
    client_for(&server)
        .update_image()
        .company_id(200001)
        .image_id("image-1")
        .os_type(OsType::Windows)
        .set_arch("x86_64")
        .os_distribution("Windows")
        .os_version("2019")
        .bootloader_type(BootloaderType::Bios)
        .support_qga(false)
        .support_cloud_init(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        sent(&server).await,
        [
            "Action=UpdateImage",
            "BootloaderType=bios",
            "CompanyID=200001",
            "ImageID=image-1",
            "OSDistribution=Windows",
            "OSType=Windows",
            "OSVersion=2019",
            "Region=cn",
            "SetArch=x86_64",
            "SupportCloudInit=true",
            "SupportQGA=false",
        ]
    );
}

#[tokio::test]
async fn s3_login_sends_every_field_and_keeps_its_secrets() {
    let server = server_answering(
        200,
        r#"{"Action":"S3LoginResponse","RetCode":0,"AccessKey":"AKIA-ucs-1","SecretKey":"s3-secret-9f8e",
            "Endpoint":"http://192.0.2.10:9000","Bucket":"oss-bucket","SessionID":"session-token-7a6b"}"#,
    )
    .await;
    let s3 = client_for(&server)
        .s3_login()
        .scenes(S3Scene::Oss)
        .id("oss-1")
        .bucket("oss-bucket")
        .company_id(7)
        .send()
        .await
        .unwrap();
    assert_eq!(
        sent(&server).await,
        ["Action=S3Login", "Bucket=oss-bucket", "CompanyID=7", "ID=oss-1", "Region=cn", "Scenes=OSS"]
    );
    assert_eq!(
        (s3.access_key.as_str(), s3.endpoint.as_str(), s3.bucket.as_str()),
        ("AKIA-ucs-1", "http://192.0.2.10:9000", "oss-bucket")
    );
    assert_eq!(s3.secret_key.expose(), "s3-secret-9f8e");
    assert_eq!(s3.session_id.as_ref().map(|s| s.expose()), Some("session-token-7a6b"));
    let shown = format!("{s3:?}");
    assert!(shown.contains("AKIA-ucs-1"), "{shown}");
    assert!(!shown.contains("s3-secret-9f8e") && !shown.contains("session-token-7a6b"), "{shown}");

    // An empty SessionID is no session token.
    let server = server_answering(200, r#"{"RetCode":0,"AccessKey":"a","SecretKey":"b","SessionID":""}"#).await;
    let s3 = client_for(&server).s3_login().scenes(S3Scene::ImageUpload).send().await.unwrap();
    assert_eq!(s3.session_id, None);
    assert_eq!(sent(&server).await, ["Action=S3Login", "Region=cn", "Scenes=ImageUpload"]);
}

#[tokio::test]
async fn update_resource_permission_sends_the_tenants_as_one_string() {
    let server = server_answering(200, OK).await;
    client_for(&server)
        .update_resource_permission()
        .resource_id("image-2")
        .resource_type(ResourceType::BaseImage)
        .permission_mode(PermissionMode::Whitelist)
        .permission([200001, 200002])
        .permission([200003])
        .send()
        .await
        .unwrap();
    assert_eq!(
        sent(&server).await,
        [
            "Action=UpdateResourcePermission",
            "Permission=200001,200002,200003",
            "PermissionMode=whitelist",
            "Region=cn",
            "ResourceID=image-2",
            "ResourceType=BASE_IMAGE",
        ]
    );
}

#[tokio::test]
async fn describe_image_filters_by_format_and_status() {
    let server = server_answering(200, r#"{"RetCode":0,"TotalCount":0,"Infos":[]}"#).await;
    client_for(&server)
        .describe_image()
        .image_format(ImageFormat::Iso)
        .status([ImageStatus::Used, ImageStatus::WaitUploading])
        .project_ids(["proj-default"])
        .company_id(7)
        .send()
        .await
        .unwrap();
    assert_eq!(
        sent(&server).await,
        [
            "Action=DescribeImage",
            "CompanyID=7",
            "ImageFormat=iso",
            "ProjectIDs.0=proj-default",
            "Region=cn",
            "Status.0=Used",
            "Status.1=WaitUploading",
        ]
    );
}

#[tokio::test]
async fn describe_image_reads_the_newer_fields() {
    let mut image = image_json(1);
    let newer = serde_json::json!({
        "Remark": "导入", "ImageFormat": "vmdk", "ImportType": "Local", "ImageFrom": "Local",
        "PreparePrecent": 67, "BootloaderType": "bios", "SupportQGA": true, "SupportCloudInit": "false",
        "Encrypted": false, "BoundVMSetIDs": ["vs-1", "vs-2"], "BoundVMIDs": ["vm-1"],
        "CompanyName": "示例公司", "Tags": [{"Key": "env", "Value": "prod"}], "ImageStatus": "Uploading"
    });
    image.as_object_mut().unwrap().extend(newer.as_object().unwrap().clone());
    let body = serde_json::json!({"RetCode": 0, "TotalCount": 1, "Infos": [image]}).to_string();
    let server = server_answering(200, &body).await;
    let page = client_for(&server).describe_image().send().await.unwrap();
    let info = &page.infos[0];
    assert_eq!(info.prepare_percent, Some(67), "PreparePrecent, as the wire spells it");
    assert_eq!(info.image_status, Some(ImageStatus::Uploading));
    assert_eq!(
        (info.image_format.clone(), info.import_type.clone()),
        (Some(ImageFormat::Vmdk), Some(ImportType::Local))
    );
    assert_eq!((info.image_from.as_deref(), info.remark.as_deref()), (Some("Local"), Some("导入")));
    assert_eq!(info.bootloader_type, Some(BootloaderType::Bios));
    assert_eq!((info.support_qga, info.support_cloud_init, info.encrypted), (Some(true), Some(false), Some(false)));
    assert_eq!(
        (info.bound_vm_set_ids.as_slice(), info.bound_vm_ids.as_slice()),
        (&["vs-1".to_owned(), "vs-2".into()][..], &["vm-1".to_owned()][..])
    );
    assert_eq!(info.company_name.as_deref(), Some("示例公司"));
    assert_eq!(info.tags, [ImageTag::new("env", "prod")]);
    assert_eq!(info.name.as_deref(), Some("web-1 镜像"), "the older fields still read");
}

// -- Secrets.

#[tokio::test]
async fn import_image_never_shows_its_secret() {
    let server = server_answering(200, r#"{"RetCode":0,"ImageID":"image-1"}"#).await;
    let client = client_for(&server);
    let fluent = valid_import(&client, "").secret("TOP-SECRET-image-key");
    let request = fluent.as_input().clone().build().unwrap();
    for shown in [format!("{fluent:?}"), format!("{:?}", fluent.as_input()), format!("{request:?}")] {
        assert!(!shown.contains("TOP-SECRET"), "{shown}");
        assert!(shown.contains("***"), "{shown}");
    }
    let (capture, _guard) = capture_logs(tracing::Level::TRACE);
    fluent.send().await.unwrap();
    assert!(!capture.text().contains("TOP-SECRET"), "{}", capture.text());
    assert!(sent(&server).await.contains(&"Secret=TOP-SECRET-image-key".to_owned()), "it is sent all the same");
}

// -- Retries by idempotency; lost answers settled; older platforms.

fn retrying_client(server: &MockServer) -> Client {
    Client::builder()
        .endpoint(format!("{}/api", server.uri()))
        .credentials(Credentials::new(PUBLIC, PRIVATE))
        .region("cn")
        .retry_policy(
            RetryPolicy::default().initial_backoff(Duration::from_millis(1)).max_backoff(Duration::from_millis(1)),
        )
        .build()
        .unwrap()
}

/// A server whose first answer is lost (HTTP 502), then answers `then`.
async fn lossy_server(then: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(502)).up_to_n_times(1).mount(&server).await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(then.as_bytes().to_vec(), "application/json"))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn import_and_clone_are_never_sent_twice() {
    let server = lossy_server(r#"{"RetCode":0,"ImageID":"image-2","DestImageID":"image-3"}"#).await;
    let client = retrying_client(&server);
    let error = valid_import(&client, "").send().await.unwrap_err();
    assert!(error.outcome_unknown(), "{error}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "ImportImage makes an image: never re-sent");

    let server = lossy_server(r#"{"RetCode":0,"DestImageID":"image-3"}"#).await;
    let client = retrying_client(&server);
    let cloned = client.clone_custom_image_to_base_image().source_image_id("i").dest_image_name("b").send().await;
    assert!(cloned.is_err());
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "a clone makes an image: never re-sent");

    // The idempotent ones are re-sent.
    let server = lossy_server(OK).await;
    let client = retrying_client(&server);
    client
        .update_image()
        .company_id(1)
        .image_id("i")
        .os_type(OsType::Linux)
        .set_arch("x86_64")
        .os_distribution("Ubuntu")
        .os_version("24.04")
        .send()
        .await
        .unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_lost_removal_is_settled_by_not_found() {
    let not_found = r#"{"RetCode":200,"Message":"resource not found"}"#;
    for action in ["DeleteBaseImage", "AbortCustomImage", "AbortImageMultipartUpload"] {
        let server = lossy_server(not_found).await;
        let client = retrying_client(&server);
        let result = match action {
            "DeleteBaseImage" => client.delete_base_image().image_id("image-2").send().await.map(|r| r.action),
            "AbortCustomImage" => client.abort_custom_image().image_id("image-2").send().await.map(|r| r.action),
            _ => client.abort_image_multipart_upload().company_id(1).image_id("image-2").send().await.map(|r| r.action),
        };
        assert_eq!(result.unwrap(), format!("{action}Response"), "the lost attempt did it");
        assert_eq!(server.received_requests().await.unwrap().len(), 2, "{action}");

        // Without a lost answer, "not found" stays the answer.
        let server = server_answering(200, not_found).await;
        let client = retrying_client(&server);
        let error = match action {
            "DeleteBaseImage" => client.delete_base_image().image_id("image-2").send().await.map(drop),
            "AbortCustomImage" => client.abort_custom_image().image_id("image-2").send().await.map(drop),
            _ => client.abort_image_multipart_upload().company_id(1).image_id("image-2").send().await.map(drop),
        }
        .unwrap_err();
        assert!(error.is_not_found(), "{action}: {error}");
    }
}

#[tokio::test]
async fn a_lost_removal_refused_for_its_state_looks_at_the_image() {
    // 2: the retry hears "state" (201); DescribeImage says the image is Deleting.
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(502)).up_to_n_times(1).mount(&server).await;
    Mock::given(body_string_contains("Action=DeleteBaseImage"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"RetCode":201,"Message":"state"}"#))
        .mount(&server)
        .await;
    let mut image = image_json(2);
    image["ImageID"] = "image-2".into();
    image["ImageStatus"] = "Deleting".into();
    let page = serde_json::json!({"RetCode": 0, "TotalCount": 1, "Infos": [image]}).to_string();
    Mock::given(body_string_contains("Action=DescribeImage"))
        .respond_with(ResponseTemplate::new(200).set_body_string(page))
        .mount(&server)
        .await;
    retrying_client(&server).delete_base_image().image_id("image-2").send().await.unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 3, "the lost delete, the refused retry, one look");
    assert_eq!(param(&form(&received[2]), "ImageIDs.0"), Some("image-2"));
}

#[tokio::test]
async fn an_older_platform_says_the_action_is_unknown_once() {
    let server = server_answering(200, r#"{"RetCode":110,"Message":"Action not found"}"#).await;
    let error = valid_import(&retrying_client(&server), "").send().await.unwrap_err();
    assert_eq!(error.api_kind(), Some(ApiErrorKind::UnknownAction));
    let text = error.to_string();
    assert!(text.contains("the platform is older than this action"), "{text}");
    assert!(text.starts_with("ImportImage failed: RetCode 110"), "{text}");

    let server = server_answering(200, r#"{"RetCode":110,"Message":"Action not found"}"#).await;
    let error = retrying_client(&server).describe_base_image().send().await.unwrap_err();
    assert_eq!(error.api_kind(), Some(ApiErrorKind::UnknownAction));
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "not retried, even when idempotent");
}

// -- Each rule, refused before anything is sent.

/// An ImportImage that passes every rule, but for the field `omit`, left unset.
fn valid_import(client: &Client, omit: &str) -> ImportImageFluentBuilder {
    let mut b = client.import_image();
    if omit != "CompanyID" {
        b = b.company_id(200001);
    }
    if omit != "ImageName" {
        b = b.image_name("ubuntu");
    }
    if omit != "ImageFormat" {
        b = b.image_format(ImageFormat::Qcow2);
    }
    if omit != "ImportType" {
        b = b.import_type(ImportType::Remote);
    }
    if omit != "OSType" {
        b = b.os_type(OsType::Linux);
    }
    if omit != "OSDistribution" {
        b = b.os_distribution("Ubuntu");
    }
    if omit != "LoadURL" {
        b = b.load_url("http://mirror.example/u.qcow2");
    }
    b
}

/// One test per rule: the call fails with `InvalidRequest` naming `field`, and no request
/// reaches the server.
macro_rules! refused {
    ($($name:ident: $field:literal, |$client:ident| $call:expr;)*) => {$(
        #[tokio::test]
        async fn $name() {
            let server = server_answering(200, OK).await;
            let $client = client_for(&server);
            let error = $call.send().await.map(drop).unwrap_err();
            match &error {
                Error::InvalidRequest { field, .. } => assert_eq!(field, $field, "{error}"),
                other => panic!("not refused before sending: {other}"),
            }
            assert!(server.received_requests().await.unwrap().is_empty(), "nothing is sent");
        }
    )*};
}

refused! {
    import_requires_company_id: "CompanyID", |c| valid_import(&c, "CompanyID");
    import_requires_image_name: "ImageName", |c| valid_import(&c, "ImageName");
    import_requires_image_format: "ImageFormat", |c| valid_import(&c, "ImageFormat");
    import_refuses_a_blank_image_format: "ImageFormat", |c| valid_import(&c, "").image_format(" ");
    import_requires_import_type: "ImportType", |c| valid_import(&c, "ImportType");
    import_requires_os_type: "OSType", |c| valid_import(&c, "OSType");
    import_requires_os_distribution: "OSDistribution", |c| valid_import(&c, "OSDistribution");
    import_names_are_at_most_50_characters: "ImageName", |c| valid_import(&c, "").image_name("镜".repeat(51));
    import_names_hold_no_space: "ImageName", |c| valid_import(&c, "").image_name("my image");
    import_names_hold_no_slash: "ImageName", |c| valid_import(&c, "").image_name("a/b");
    import_remote_requires_load_url: "LoadURL", |c| valid_import(&c, "LoadURL");
    import_load_url_is_http: "LoadURL", |c| valid_import(&c, "").load_url("ftp://mirror.example/u.qcow2");
    import_load_url_is_a_url: "LoadURL", |c| valid_import(&c, "").load_url("mirror.example/u.qcow2");
    import_size_is_at_least_1: "ImageSize", |c| valid_import(&c, "").image_size(0);
    import_size_is_at_most_2000: "ImageSize", |c| valid_import(&c, "").image_size(2001);
    import_description_is_at_most_100_characters: "ImageDescription",
        |c| valid_import(&c, "").image_description("述".repeat(101));
    import_tag_keys_are_unique: "TagKeyValuePairs.2",
        |c| valid_import(&c, "").tags([("env", "prod"), ("team", "web"), ("env", "dev")]);
    import_tag_keys_are_not_blank: "TagKeyValuePairs.0", |c| valid_import(&c, "").tags([(" ", "x")]);
    import_secret_is_not_blank: "Secret", |c| valid_import(&c, "").secret("");
    complete_requires_image_id: "ImageID", |c| c.complete_image_multipart_upload().upload_id("u");
    complete_requires_upload_id: "UploadID", |c| c.complete_image_multipart_upload().image_id("i");
    abort_upload_requires_company_id: "CompanyID", |c| c.abort_image_multipart_upload().image_id("i");
    abort_upload_requires_image_id: "ImageID", |c| c.abort_image_multipart_upload().company_id(1);
    abort_custom_requires_image_id: "ImageID", |c| c.abort_custom_image().company_id(1);
    clone_requires_source: "SourceImageID", |c| c.clone_custom_image_to_base_image().dest_image_name("b");
    clone_requires_dest_name: "DestImageName", |c| c.clone_custom_image_to_base_image().source_image_id("i");
    clone_dest_name_is_at_most_128_characters: "DestImageName",
        |c| c.clone_custom_image_to_base_image().source_image_id("i").dest_image_name("b".repeat(129));
    delete_base_requires_image_id: "ImageID", |c| c.delete_base_image().company_id(1);
    describe_base_refuses_a_blank_id: "ImageIDs.1", |c| c.describe_base_image().image_ids(["image-1", ""]);
    os_versions_limit_is_at_most_100: "Limit", |c| c.describe_image_os_versions().limit(101);
    os_versions_refuse_a_blank_id: "ImageOSIDs.0", |c| c.describe_image_os_versions().image_os_ids([" "]);
    download_url_requires_image_id: "ImageID", |c| c.get_image_download_url();
    update_requires_company_id: "CompanyID",
        |c| c.update_image().image_id("i").os_type(OsType::Linux).set_arch("x").os_distribution("d").os_version("v");
    update_requires_image_id: "ImageID",
        |c| c.update_image().company_id(1).os_type(OsType::Linux).set_arch("x").os_distribution("d").os_version("v");
    update_requires_os_type: "OSType",
        |c| c.update_image().company_id(1).image_id("i").set_arch("x").os_distribution("d").os_version("v");
    update_requires_set_arch: "SetArch",
        |c| c.update_image().company_id(1).image_id("i").os_type(OsType::Linux).os_distribution("d").os_version("v");
    update_requires_os_distribution: "OSDistribution",
        |c| c.update_image().company_id(1).image_id("i").os_type(OsType::Linux).set_arch("x").os_version("v");
    update_requires_os_version: "OSVersion",
        |c| c.update_image().company_id(1).image_id("i").os_type(OsType::Linux).set_arch("x").os_distribution("d");
    s3_login_requires_scenes: "Scenes", |c| c.s3_login().company_id(1);
    s3_login_for_oss_requires_id: "ID", |c| c.s3_login().scenes(S3Scene::Oss).bucket("b");
    permission_requires_resource_id: "ResourceID",
        |c| c.update_resource_permission().resource_type(ResourceType::BaseImage);
    permission_requires_resource_type: "ResourceType", |c| c.update_resource_permission().resource_id("image-2");
    describe_image_refuses_a_blank_status: "Status.0", |c| c.describe_image().status([""]);
    describe_image_refuses_a_blank_format: "ImageFormat", |c| c.describe_image().image_format("");
}
