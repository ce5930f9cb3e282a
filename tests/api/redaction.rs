//! The private key never shows: not in Debug, not in Display, not in errors.

use crate::support::*;
use ucloudstack::CallOptionsBuilder;
use ucloudstack::image::DescribeImageRequest;
use ucloudstack::testing::FakeUCloudStack;
use ucloudstack::{Client, Credentials, Error, RetryPolicy};

const SECRET: &str = "SECRET-private-key-7f3a9c";

fn assert_clean(text: &str, signature: Option<&str>) {
    assert!(!text.contains(SECRET), "the private key leaked: {text}");
    if let Some(sig) = signature {
        assert!(!text.contains(sig), "the signature leaked: {text}");
    }
}

#[tokio::test]
async fn debug_and_display_never_show_the_private_key() {
    let creds = Credentials::new("public-key", SECRET).with_security_token("token-value");
    assert_clean(&format!("{creds:?}"), None);
    assert!(!format!("{creds:?}").contains("token-value"));

    let server = server_answering(200, r#"{"RetCode":171,"Message":"signature error"}"#).await;
    let builder = Client::builder()
        .endpoint(format!("{}/api", server.uri()))
        .credentials(creds)
        .region("cn")
        .retry_policy(RetryPolicy::disabled());
    assert_clean(&format!("{builder:?}"), None);
    let client = builder.build().unwrap();
    assert_clean(&format!("{client:?}"), None);
    assert_clean(&format!("{:?}", client.describe_image().limit(3)), None);
    assert_clean(&format!("{:?}", client.create_custom_image().vm_id("v")), None);
    assert_clean(&format!("{:?}", client.delete_custom_image().image_id("i")), None);
    assert_clean(&format!("{:?}", DescribeImageRequest::builder()), None);

    let err = client.describe_image().send().await.unwrap_err();
    let sent = form(&server.received_requests().await.unwrap()[0]);
    let signature = param(&sent, "Signature").unwrap().to_owned();
    assert!(matches!(err, Error::Api { .. }));
    assert_clean(&format!("{err} {err:?}"), Some(&signature));

    // Errors that never reached a server, and a config error.
    let err = client.describe_image().limit(0).send().await.unwrap_err();
    assert_clean(&format!("{err} {err:?}"), None);
    let err = Client::builder().credentials(Credentials::new("p", SECRET)).build().unwrap_err();
    assert_clean(&format!("{err} {err:?}"), None);
}

#[tokio::test]
async fn recorded_requests_do_not_show_the_signature() {
    let mock = ucloudstack::testing::MockTransport::new();
    mock.push_json(200, r#"{"RetCode":0}"#);
    let client = Client::builder()
        .endpoint("http://fake.invalid/api")
        .credentials(Credentials::new("p", SECRET).with_security_token("sts-token-value"))
        .region("cn")
        .transport(mock.clone())
        .build()
        .unwrap();
    client.delete_custom_image().image_id("i").send().await.unwrap();
    let request = &mock.requests()[0];
    let signature = request.form().into_iter().find(|(k, _)| k == "Signature").unwrap().1;
    let shown = format!("{request:?} {mock:?}");
    assert_clean(&shown, Some(&signature));
    assert!(!shown.contains("sts-token-value"), "{shown}");
}

#[tokio::test]
async fn the_fake_and_its_client_do_not_show_the_key() {
    let fake = FakeUCloudStack::builder().credentials("pub", SECRET).start().await;
    assert_clean(&format!("{fake:?} {:?} {:?}", fake.client(), fake.credentials()), None);
    assert_clean(&format!("{:?}", FakeUCloudStack::builder().credentials("pub", SECRET)), None);
}
