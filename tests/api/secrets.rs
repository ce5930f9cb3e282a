//! Every log line at TRACE, across a success, an API error and a transport error, and every
//! error's Display and Debug: no private key, no signature.

use ucloudstack::CallOptionsBuilder;
use ucloudstack::testing::{FakeUCloudStack, Fault};
use ucloudstack::{Client, Credentials, RetryPolicy};

const SECRET: &str = "TOP-SECRET-private-key-42";

#[tokio::test]
async fn trace_logs_and_errors_hold_no_key_and_no_signature() {
    let (capture, _guard) = crate::support::capture_logs(tracing::Level::TRACE);

    let fake = FakeUCloudStack::builder().credentials("pub-key", SECRET).start().await;
    let client = fake.client_builder().retry_policy(RetryPolicy::disabled()).build().unwrap();
    let mut shown = Vec::new();

    client.describe_image().send().await.unwrap();
    fake.inject_fault("DescribeImage", Fault::RetCode(171), 1);
    let api = client.describe_image().send().await.unwrap_err();
    shown.push(format!("{api} {api:?}"));
    fake.inject_fault("DescribeImage", Fault::TruncatedBody, 1);
    let decode = client.describe_image().send().await.unwrap_err();
    shown.push(format!("{decode} {decode:?}"));

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/api", listener.local_addr().unwrap());
    drop(listener);
    let offline = Client::builder()
        .endpoint(dead)
        .credentials(Credentials::new("pub-key", SECRET))
        .region("cn")
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let transport = offline.describe_image().send().await.unwrap_err();
    shown.push(format!("{transport} {transport:?}"));

    let signatures: Vec<String> = fake.requests().iter().map(|r| r.param("Signature").unwrap().to_owned()).collect();
    assert_eq!(signatures.len(), 3);
    let logs = capture.text();
    assert!(logs.contains("ucloudstack"), "the capture saw the crate's spans: {logs}");
    assert!(logs.contains("DescribeImage"));
    for text in shown.iter().chain(std::iter::once(&logs)) {
        assert!(!text.contains(SECRET), "the private key leaked: {text}");
        for signature in &signatures {
            assert!(!text.contains(signature.as_str()), "a signature leaked: {text}");
        }
    }
}

#[tokio::test]
async fn a_server_that_echoes_the_request_leaks_nothing() {
    use wiremock::{Mock, MockServer, Request, ResponseTemplate};
    const TOKEN: &str = "sts-token-7f3a9c";
    let (capture, _guard) = crate::support::capture_logs(tracing::Level::TRACE);

    // Echo the whole form into the message, the HTML error page and the request id, with the
    // signature placed to straddle the 512-byte excerpt.
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(|request: &Request| {
            let echo = String::from_utf8_lossy(&request.body).into_owned();
            let padded = format!("{}{echo}", "x".repeat(490));
            let status = if echo.contains("Limit=1") { 503 } else { 200 };
            ResponseTemplate::new(status)
                .set_body_raw(format!(r#"{{"RetCode":4,"Message":"echo: {echo}"}} {padded}"#), "application/json")
                .insert_header("x-ucloud-request-uuid", echo.as_str())
        })
        .mount(&server)
        .await;
    let client = Client::builder()
        .endpoint(format!("{}/api", server.uri()))
        .credentials(Credentials::new("pub-key", SECRET).with_security_token(TOKEN))
        .region("cn")
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let api = client.describe_image().send().await.unwrap_err();
    let http = client.describe_image().limit(1).send().await.unwrap_err();
    assert!(matches!(http, ucloudstack::Error::Http { status: 503, .. }), "{http:?}");
    let shown = [format!("{api} {api:?}"), format!("{http} {http:?}")];
    assert!(shown[0].contains("***"), "the echo was redacted, not dropped: {}", shown[0]);

    let received = server.received_requests().await.unwrap();
    let signatures: Vec<String> = received
        .iter()
        .map(|r| url::form_urlencoded::parse(&r.body).find(|(k, _)| k == "Signature").unwrap().1.into_owned())
        .collect();
    let logs = capture.text();
    for text in shown.iter().chain(std::iter::once(&logs)) {
        assert!(!text.contains(TOKEN), "the token leaked: {text}");
        for signature in &signatures {
            // No whole signature, and no 20-character piece of one cut by an excerpt.
            let leak = text.lines().find(|l| l.contains(&signature[..20]) || l.contains(&signature[20..]));
            assert!(leak.is_none(), "a signature leaked: {leak:?}");
        }
    }
}
