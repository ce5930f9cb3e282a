//! Bad input is refused before anything is sent, with the field and the rule named.

use crate::support::*;
use ucloudstack::image::{CreateCustomImageRequest, DeleteCustomImageRequest, DescribeImageRequest, ImageType};
use ucloudstack::{Client, Credentials, Error};
use wiremock::MockServer;

fn field_and_rule(err: Error) -> (String, String) {
    match err {
        Error::InvalidRequest { field, rule, .. } => (field, rule),
        other => panic!("expected Error::InvalidRequest, got {other:?}"),
    }
}

async fn assert_nothing_sent(server: &MockServer) {
    assert!(server.received_requests().await.unwrap().is_empty(), "a request left");
}

#[tokio::test]
async fn no_region_anywhere_is_refused() {
    let server = MockServer::start().await;
    let client = Client::builder()
        .endpoint(format!("{}/api", server.uri()))
        .credentials(Credentials::new(PUBLIC, PRIVATE))
        .build()
        .unwrap();
    let (field, rule) = field_and_rule(client.describe_image().send().await.unwrap_err());
    assert_eq!(field, "Region");
    assert!(rule.contains("required"), "{rule}");
    let (field, _) = field_and_rule(client.call("DescribeVPC", &[("Limit", "1")]).await.unwrap_err());
    assert_eq!(field, "Region");
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn limit_outside_1_to_100_is_refused() {
    let server = MockServer::start().await;
    let client = client_for(&server);
    for limit in [0, 101, 1000] {
        let (field, rule) = field_and_rule(client.describe_image().limit(limit).send().await.unwrap_err());
        assert_eq!(field, "Limit");
        assert_eq!(rule, format!("must be between 1 and 100, got {limit}"));
    }
    assert!(DescribeImageRequest::builder().limit(100).build().is_ok());
    assert!(DescribeImageRequest::builder().limit(1).build().is_ok());
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn required_fields_are_checked() {
    let server = MockServer::start().await;
    let client = client_for(&server);
    let cases = [
        (client.create_custom_image().image_name("n").send().await, "VMID"),
        (client.create_custom_image().vm_id("v").send().await, "ImageName"),
        (client.create_custom_image().vm_id("  ").image_name("n").send().await, "VMID"),
        (client.create_custom_image().vm_id("v").image_name("").send().await, "ImageName"),
        (client.create_custom_image().vm_id("v").image_name("n").region("").send().await, "Region"),
    ];
    for (result, want) in cases {
        assert_eq!(field_and_rule(result.unwrap_err()).0, want);
    }
    let (field, rule) = field_and_rule(client.delete_custom_image().send().await.unwrap_err());
    assert_eq!((field.as_str(), rule.as_str()), ("ImageID", "is required"));
    let (field, _) = field_and_rule(client.describe_image().image_ids(["a", ""]).send().await.unwrap_err());
    assert_eq!(field, "ImageIDs.1");
    let (field, _) = field_and_rule(client.describe_image().project_ids([" "]).send().await.unwrap_err());
    assert_eq!(field, "ProjectIDs.0");
    let (field, _) = field_and_rule(client.describe_image().image_type("").send().await.unwrap_err());
    assert_eq!(field, "ImageType");
    assert_nothing_sent(&server).await;
}

#[test]
fn value_style_builders_validate_too() {
    assert_eq!(field_and_rule(CreateCustomImageRequest::builder().build().unwrap_err()).0, "VMID");
    assert_eq!(field_and_rule(DeleteCustomImageRequest::builder().build().unwrap_err()).0, "ImageID");
    assert_eq!(field_and_rule(DescribeImageRequest::builder().limit(0).build().unwrap_err()).0, "Limit");
    let ok = DescribeImageRequest::builder().image_type(ImageType::Base).build().unwrap();
    assert_eq!(ok.image_type, Some(ImageType::Base));
}

#[tokio::test]
async fn a_request_changed_after_build_is_checked_again() {
    let server = MockServer::start().await;
    let mut request = DescribeImageRequest::builder().limit(10).build().unwrap();
    request.limit = Some(500);
    assert_eq!(field_and_rule(client_for(&server).send(request).await.unwrap_err()).0, "Limit");
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn generic_call_refuses_reserved_and_repeated_keys() {
    let server = MockServer::start().await;
    let client = client_for(&server);
    assert_eq!(field_and_rule(client.call("X", &[("Signature", "s")]).await.unwrap_err()).0, "Signature");
    assert_eq!(field_and_rule(client.call("X", &[("PublicKey", "s")]).await.unwrap_err()).0, "PublicKey");
    assert_eq!(field_and_rule(client.call("X", &[("A", "1"), ("A", "2")]).await.unwrap_err()).0, "A");
    assert_eq!(field_and_rule(client.call("Bad Action", &[("A", "1")]).await.unwrap_err()).0, "Action");
    assert_nothing_sent(&server).await;
}

#[test]
fn bad_configuration_is_a_config_error() {
    let config_field = |result: Result<Client, Error>| match result.unwrap_err() {
        Error::Config { field, .. } => field,
        other => panic!("expected Error::Config, got {other:?}"),
    };
    let creds = || Credentials::new("p", "k");
    assert_eq!(config_field(Client::builder().credentials(creds()).build()), "endpoint");
    assert_eq!(config_field(Client::builder().endpoint("localhost/api").credentials(creds()).build()), "endpoint");
    assert_eq!(config_field(Client::builder().endpoint("ftp://h/api").credentials(creds()).build()), "endpoint");
    assert_eq!(config_field(Client::builder().endpoint("http://h/api").build()), "credentials");
    let empty_key = Client::builder().endpoint("http://h/api").credentials(Credentials::new("p", "")).build();
    assert_eq!(config_field(empty_key), "credentials");
}
