//! What goes on the wire: the exact form pairs, the signature, the headers.

use crate::support::*;
use ucloudstack::CallOptionsBuilder;
use ucloudstack::image::{CreateCustomImageRequest, DeleteCustomImageRequest, DescribeImageRequest, ImageType};
use ucloudstack::{Client, Credentials, RetryPolicy};
use wiremock::MockServer;

const DESCRIBE_OK: &str = r#"{"Action":"DescribeImageResponse","RetCode":0,"Message":"","TotalCount":0,"Infos":[]}"#;
const CREATE_OK: &str = r#"{"Action":"CreateCustomImageResponse","RetCode":0,"ImageID":"cn-image-new"}"#;
const DELETE_OK: &str = r#"{"Action":"DeleteCustomImageResponse","RetCode":0}"#;

/// The client of protocol.md's UCloudStack vectors: keys of #3, Region cn, Zone zone-01.
fn vector_client(server: &MockServer) -> Client {
    Client::builder()
        .endpoint(format!("{}/api", server.uri()))
        .credentials(Credentials::new(PUBLIC, PRIVATE))
        .region("cn")
        .zone("zone-01")
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap()
}

async fn only_request(server: &MockServer) -> Vec<(String, String)> {
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1, "exactly one request");
    let request = &received[0];
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), "/api");
    assert_eq!(request.url.query(), None);
    let pairs = form(request);
    assert_eq!(
        param(&pairs, "Signature").unwrap(),
        recompute_signature(&pairs, PRIVATE),
        "signature of the received body"
    );
    pairs
}

#[tokio::test]
async fn describe_image_matches_the_ucloudstack_vector() {
    let server = server_answering(200, DESCRIBE_OK).await;
    vector_client(&server)
        .describe_image()
        .image_ids(["cn-image-centos-74", "cn-image-ubuntu-1604"])
        .image_type(ImageType::Base)
        .limit(20)
        .offset(0)
        .send()
        .await
        .unwrap();
    let pairs = only_request(&server).await;
    assert_eq!(
        sorted(&pairs),
        [
            "Action=DescribeImage",
            "ImageIDs.0=cn-image-centos-74",
            "ImageIDs.1=cn-image-ubuntu-1604",
            "ImageType=Base",
            "Limit=20",
            "Offset=0",
            &format!("PublicKey={PUBLIC}"),
            "Region=cn",
            "Signature=71467c63ec4eb6c123efa777daa2b645dbd43b0b",
            "Zone=zone-01",
        ]
    );
}

#[tokio::test]
async fn create_custom_image_matches_the_ucloudstack_vector() {
    let server = server_answering(200, CREATE_OK).await;
    let request = CreateCustomImageRequest::builder()
        .vm_id("vm-xu-JozBZR")
        .image_name("my-image")
        .image_description("test image")
        .build()
        .unwrap();
    let created = vector_client(&server).send(request).await.unwrap();
    assert_eq!(created.image_id, "cn-image-new");
    let pairs = only_request(&server).await;
    assert_eq!(
        sorted(&pairs),
        [
            "Action=CreateCustomImage",
            "ImageDescription=test image",
            "ImageName=my-image",
            &format!("PublicKey={PUBLIC}"),
            "Region=cn",
            "Signature=10dbb0516001612ccc55ac3a78e5011ed5a0e62c",
            "VMID=vm-xu-JozBZR",
            "Zone=zone-01",
        ]
    );
}

#[tokio::test]
async fn delete_custom_image_matches_the_ucloudstack_vector() {
    let server = server_answering(200, DELETE_OK).await;
    let request = DeleteCustomImageRequest::builder().image_id("image-abc").build().unwrap();
    vector_client(&server).send(request).await.unwrap();
    let pairs = only_request(&server).await;
    assert_eq!(
        sorted(&pairs),
        [
            "Action=DeleteCustomImage",
            "ImageID=image-abc",
            &format!("PublicKey={PUBLIC}"),
            "Region=cn",
            "Signature=3e488c8db0b17bf9cf18fb7884b3ff025f9bd475",
            "Zone=zone-01",
        ]
    );
}

#[tokio::test]
async fn every_describe_field_goes_on_the_wire_and_zone_only_when_set() {
    let server = server_answering(200, DESCRIBE_OK).await;
    let request = DescribeImageRequest::builder()
        .image_type(ImageType::Custom)
        .image_ids(["a", "b"])
        .image_ids(vec![String::from("c")])
        .company_id(200001)
        .keyword("centos 7 & 镜像")
        .project_ids(["p-1"])
        .offset(40)
        .limit(100)
        .build()
        .unwrap();
    client_for(&server).send(request).await.unwrap();
    let pairs = only_request(&server).await;
    let signature = param(&pairs, "Signature").unwrap().to_owned();
    assert_eq!(
        sorted(&pairs),
        [
            "Action=DescribeImage",
            "CompanyID=200001",
            "ImageIDs.0=a",
            "ImageIDs.1=b",
            "ImageIDs.2=c",
            "ImageType=Custom",
            "Keyword=centos 7 & 镜像",
            "Limit=100",
            "Offset=40",
            "ProjectIDs.0=p-1",
            &format!("PublicKey={PUBLIC}"),
            "Region=cn",
            &format!("Signature={signature}"),
        ]
    );
}

#[tokio::test]
async fn create_sends_company_id_and_leaves_out_what_is_unset() {
    let server = server_answering(200, CREATE_OK).await;
    client_for(&server).create_custom_image().vm_id("vm-1").image_name("golden").company_id(7).send().await.unwrap();
    let pairs = only_request(&server).await;
    let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert!(keys.contains(&"CompanyID") && !keys.contains(&"ImageDescription") && !keys.contains(&"Zone"));
}

#[tokio::test]
async fn region_comes_from_the_client_unless_the_request_has_one() {
    let server = server_answering(200, DELETE_OK).await;
    let client = client_for(&server);
    client.delete_custom_image().image_id("img-1").send().await.unwrap();
    client.delete_custom_image().image_id("img-1").region("cn-sh2").send().await.unwrap();
    let received = server.received_requests().await.unwrap();
    let regions: Vec<String> = received.iter().map(|r| param(&form(r), "Region").unwrap().to_owned()).collect();
    assert_eq!(regions, ["cn", "cn-sh2"]);
    for request in &received {
        let pairs = form(request);
        assert_eq!(pairs.iter().filter(|(k, _)| k == "Region").count(), 1);
        assert_eq!(param(&pairs, "Signature").unwrap(), recompute_signature(&pairs, PRIVATE));
    }
}

#[tokio::test]
async fn headers_name_the_crate_and_stamp_the_time() {
    let server = server_answering(200, DESCRIBE_OK).await;
    let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
    let client = Client::builder()
        .endpoint(format!("{}/api", server.uri()))
        .credentials(Credentials::new(PUBLIC, PRIVATE))
        .region("cn")
        .user_agent("my-tool/1.2")
        .build()
        .unwrap();
    client.describe_image().send().await.unwrap();
    let received = server.received_requests().await.unwrap();
    let headers = &received[0].headers;
    assert_eq!(headers["content-type"], "application/x-www-form-urlencoded");
    let agent = headers["user-agent"].to_str().unwrap();
    let version = agent.strip_prefix("ucloudstack-rust/").and_then(|rest| rest.split(' ').next()).unwrap_or("");
    assert!(version.split('.').count() == 3 && version.split('.').all(|n| n.parse::<u32>().is_ok()), "{agent}");
    assert!(agent.ends_with(" Rust-SDK Product/UCloudStack my-tool/1.2"), "{agent}");
    let stamp: u128 = headers["u-timestamp-ms"].to_str().unwrap().parse().unwrap();
    assert!(stamp >= before && stamp < before + 60_000, "U-Timestamp-Ms {stamp} is now");
    assert!(!headers.contains_key("x-ucloud-request-uuid"), "no request id is sent");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(302).insert_header("Location", "http://192.0.2.1/elsewhere"))
        .mount(&server)
        .await;
    let err = client_for(&server).describe_image().send().await.unwrap_err();
    assert!(matches!(err, ucloudstack::Error::Http { status: 302, .. }), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "the signed body went nowhere else");
}

#[tokio::test]
async fn connections_are_reused_across_calls() {
    let server = RawServer::start(DESCRIBE_OK).await;
    let client = Client::builder()
        .endpoint(server.endpoint())
        .credentials(Credentials::new(PUBLIC, PRIVATE))
        .region("cn")
        .build()
        .unwrap();
    for _ in 0..5 {
        client.describe_image().send().await.unwrap();
    }
    assert_eq!(server.requests(), 5);
    assert_eq!(server.connections(), 1, "one pooled connection serves every call");
}

#[tokio::test]
async fn generic_call_is_signed_like_a_typed_one() {
    let server = server_answering(200, r#"{"RetCode":0,"Action":"DescribeVPCResponse","TotalCount":3}"#).await;
    let client = client_for(&server);
    let value = client.call("DescribeVPC", &[("Limit", "10"), ("VPCIDs.0", "vpc-1")]).await.unwrap();
    assert_eq!(value["TotalCount"], 3);
    let pairs = only_request(&server).await;
    let signature = param(&pairs, "Signature").unwrap().to_owned();
    assert_eq!(
        sorted(&pairs),
        [
            "Action=DescribeVPC",
            "Limit=10",
            &format!("PublicKey={PUBLIC}"),
            "Region=cn",
            &format!("Signature={signature}"),
            "VPCIDs.0=vpc-1",
        ]
    );

    #[derive(serde::Deserialize)]
    struct Vpcs {
        #[serde(rename = "TotalCount")]
        total: u32,
    }
    let typed: Vpcs = client.call_as("DescribeVPC", &[("Limit", "10")]).await.unwrap();
    assert_eq!(typed.total, 3);
}
