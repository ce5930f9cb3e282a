//! What comes back: typed responses, and every way a response can be an error.

use crate::support::*;
use ucloudstack::CallOptionsBuilder;
use ucloudstack::Error;
use ucloudstack::image::{ImageStatus, ImageType, OsType};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn describe_error(status: u16, body: &str) -> Error {
    let server = server_answering(status, body).await;
    client_for(&server).describe_image().send().await.unwrap_err()
}

#[tokio::test]
async fn a_page_of_100_images_decodes_field_by_field() {
    let infos: Vec<serde_json::Value> = (0..100).map(image_json).collect();
    let body = serde_json::json!({
        "Action": "DescribeImageResponse", "RetCode": 0, "Message": "", "TotalCount": 250, "Infos": infos
    });
    let server = server_answering(200, &body.to_string()).await;
    let page = client_for(&server).describe_image().limit(100).send().await.unwrap();
    assert_eq!(page.total_count, 250);
    assert_eq!(page.action, "DescribeImageResponse");
    assert_eq!(page.infos.len(), 100);
    let last = &page.infos[99];
    assert_eq!(last.image_id.as_deref(), Some("cn-image-0099"));
    assert_eq!(last.name.as_deref(), Some("web-99 镜像"));
    assert_eq!(last.region.as_deref(), Some("cn"));
    assert_eq!(last.company_id, Some(200001));
    assert_eq!(last.email.as_deref(), Some("ops@example.com"));
    assert_eq!(last.project_id.as_deref(), Some("proj-0001"));
    assert_eq!(last.project_name.as_deref(), Some("默认项目"));
    assert_eq!(last.image_description.as_deref(), Some("由虚拟机导出的自制镜像"));
    assert_eq!(last.image_size, Some(40));
    assert_eq!(last.image_type, Some(ImageType::Custom));
    assert_eq!(last.os_type, Some(OsType::Linux));
    assert_eq!(last.os_name.as_deref(), Some("CentOS 7.4 x86_64"));
    assert_eq!(last.set_arch.as_deref(), Some("x86_64"));
    assert_eq!(last.os_distribution.as_deref(), Some("Centos"));
    assert_eq!(last.image_status, Some(ImageStatus::Used));
    assert_eq!(last.create_time, Some(1_700_000_099));
    assert_eq!(last.update_time, Some(1_700_000_199));
}

#[tokio::test]
async fn lenient_where_servers_are_loose() {
    let body = r#"{"RetCode":"0","Action":"DescribeImageResponse","TotalCount":"2","NewTopLevel":{"x":[1]},
        "Infos":[{"ImageID":"a","ImageSize":"40","CreateTime":"1700000000","CompanyID":null,"OSType":"Haiku",
                  "ImageStatus":"Frozen","Name":null,"Email":null,"Brand":"new"},
                 {"ImageID":"b"}]}"#;
    let server = server_answering(200, body).await;
    let page = client_for(&server).describe_image().send().await.unwrap();
    assert_eq!(page.total_count, 2);
    let a = &page.infos[0];
    assert_eq!((a.image_size, a.create_time, a.company_id), (Some(40), Some(1_700_000_000), None));
    assert_eq!(a.os_type, Some(OsType::Unknown("Haiku".into())));
    assert_eq!(a.image_status, Some(ImageStatus::Unknown("Frozen".into())));
    assert_eq!((a.name.as_deref(), a.email.as_deref()), (None, None));
    let b = &page.infos[1];
    assert_eq!((b.image_id.as_deref(), b.image_type.as_ref(), b.update_time), (Some("b"), None, None));
}

#[tokio::test]
async fn null_infos_is_an_empty_page() {
    let server = server_answering(200, r#"{"RetCode":0,"TotalCount":0,"Infos":null}"#).await;
    let page = client_for(&server).describe_image().send().await.unwrap();
    assert!(page.infos.is_empty());
}

#[tokio::test]
async fn ret_code_is_an_api_error_with_the_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-UCLOUD-REQUEST-UUID", "6b1e8d2c-0000-4000-8000-000000000001")
                .set_body_raw(
                    r#"{"Action":"DescribeImageResponse","RetCode":171,"Message":"签名错误"}"#,
                    "application/json",
                ),
        )
        .mount(&server)
        .await;
    let err = client_for(&server).describe_image().send().await.unwrap_err();
    match &err {
        Error::Api { meta: ucloudstack::ErrorMetadata { action, request_id, .. }, ret_code, message, .. } => {
            assert_eq!(action, "DescribeImage");
            assert_eq!(*ret_code, 171);
            assert_eq!(message, "签名错误");
            assert_eq!(request_id.as_deref(), Some("6b1e8d2c-0000-4000-8000-000000000001"));
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "DescribeImage failed: RetCode 171: 签名错误 (request 6b1e8d2c-0000-4000-8000-000000000001)"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn ret_code_as_a_string_is_read() {
    let err = describe_error(200, r#"{"RetCode":"230","Message":"Params [Limit] not available"}"#).await;
    assert_eq!(err.ret_code(), Some(230));
    let err = describe_error(200, r#"{"RetCode": "560","Message":"busy","TotalCount":0,"Infos":[]}"#).await;
    assert_eq!(err.ret_code(), Some(560));
    assert!(err.is_retryable(), "560 is 2.x's system busy");
}

#[tokio::test]
async fn create_without_image_id_on_error_is_still_an_api_error() {
    let server = server_answering(200, r#"{"RetCode":240,"Message":"VM [vm-x] not found"}"#).await;
    let err = client_for(&server).create_custom_image().vm_id("vm-x").image_name("n").send().await.unwrap_err();
    assert_eq!(err.ret_code(), Some(240));
}

#[tokio::test]
async fn non_2xx_is_an_http_error_before_the_body_is_read() {
    let err = describe_error(502, "<html><body>Bad Gateway</body></html>").await;
    match &err {
        Error::Http { status, body, .. } => {
            assert_eq!(*status, 502);
            assert!(body.contains("Bad Gateway"));
        }
        other => panic!("expected Error::Http, got {other:?}"),
    }
    assert!(err.is_retryable());
    // A JSON body with RetCode 0 does not make a 500 a success.
    assert!(matches!(describe_error(500, r#"{"RetCode":0,"TotalCount":0}"#).await, Error::Http { status: 500, .. }));
    assert!(!describe_error(403, "forbidden").await.is_retryable());
}

#[tokio::test]
async fn broken_bodies_are_decode_errors_with_an_excerpt() {
    let cases = [
        ("", "empty"),
        ("<html><body>maintenance</body></html>", "maintenance"),
        (r#"{"RetCode":0,"TotalCount":3,"Infos":[{"ImageID":"a"#, "RetCode"),
        (r#"{"TotalCount":1,"Infos":[]}"#, "TotalCount"),
        (r#"{"RetCode":0,"Infos":[]}"#, "RetCode"),
        (r#"{"RetCode":0,"TotalCount":"many","Infos":[]}"#, "many"),
        ("null", "null"),
    ];
    for (body, expect) in cases {
        let err = describe_error(200, body).await;
        match &err {
            Error::Decode { meta: ucloudstack::ErrorMetadata { action, .. }, reason, body: excerpt, .. } => {
                assert_eq!(action, "DescribeImage");
                assert!(excerpt.contains(expect) || reason.contains(expect), "{body:?}: {err}");
            }
            other => panic!("{body:?} should be a decode error, got {other:?}"),
        }
    }
    let missing = describe_error(200, r#"{"TotalCount":1,"Infos":[]}"#).await;
    assert!(missing.to_string().contains("missing field `RetCode`"), "{missing}");
}

#[tokio::test]
async fn create_success_without_image_id_is_a_decode_error() {
    let server = server_answering(200, r#"{"RetCode":0,"Action":"CreateCustomImageResponse"}"#).await;
    let err = client_for(&server).create_custom_image().vm_id("v").image_name("n").send().await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("ImageID"));
}

#[tokio::test]
async fn a_long_body_is_cut_in_the_error() {
    let body = format!("<html>{}</html>", "x".repeat(10_000));
    match describe_error(200, &body).await {
        Error::Decode { body, .. } => assert!(body.len() < 600, "excerpt of {} bytes", body.len()),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn transport_failure_is_a_transport_error() {
    // A port nothing listens on: the connection never opens.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = ucloudstack::Client::builder()
        .endpoint(format!("http://{addr}/api"))
        .credentials(ucloudstack::Credentials::new("p", "k"))
        .region("cn")
        .retry_policy(ucloudstack::RetryPolicy::disabled())
        .build()
        .unwrap();
    match client.describe_image().send().await.unwrap_err() {
        Error::Transport { meta: ucloudstack::ErrorMetadata { action, .. }, maybe_sent, .. } => {
            assert_eq!(action, "DescribeImage");
            assert!(!maybe_sent, "a refused connection cannot have reached the server");
        }
        other => panic!("{other:?}"),
    }
}
