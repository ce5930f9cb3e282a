//! Hostile servers: huge texts and echoed secrets in any field stay bounded and secret-free in
//! `Display`, `Debug`, logs and progress; odd VM figures do not fail a page.

use crate::support::*;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use ucloudstack::image::ImageStatus;
use ucloudstack::vm::VmState;
use ucloudstack::{CallOptionsBuilder, Client, Credentials, RetryPolicy};
use wiremock::matchers::{body_string_contains, method};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "TOKEN-sts-5d1e8b";

/// A page of one image whose status is `status`.
fn image_page(status: &str) -> String {
    let mut image = image_json(1);
    image["ImageStatus"] = serde_json::Value::String(status.to_owned());
    serde_json::json!({"RetCode": 0, "TotalCount": 1, "Infos": [image]}).to_string()
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .endpoint(format!("{}/api", server.uri()))
        .credentials(Credentials::new(PUBLIC, PRIVATE).with_security_token(TOKEN))
        .region("cn")
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_ten_mib_status_stays_small_in_every_output() {
    let huge = "Failing".repeat(10 << 20 >> 3);
    let server = server_answering(200, &image_page(&huge)).await;
    let client = client(&server);
    let page = client.describe_image().send().await.unwrap();
    let status = page.infos[0].image_status.clone().unwrap();
    assert_eq!(status.as_str().len(), huge.len(), "the data itself is kept as sent");
    assert!(status.to_string().len() < 200 && format!("{status:?}").len() < 220);

    let seen = Arc::new(Mutex::new(0usize));
    let longest = seen.clone();
    let err = client
        .wait_until_image_available("cn-image-0001")
        .max_wait(Duration::from_millis(500))
        .poll_delay(Duration::from_millis(100), Duration::from_millis(100))
        .on_poll(move |p| {
            let mut longest = longest.lock().unwrap();
            *longest = (*longest).max(p.status.len());
        })
        .wait()
        .await
        .unwrap_err();
    assert!(*seen.lock().unwrap() < 200, "progress: {}", seen.lock().unwrap());
    assert!(err.to_string().len() < 1_000, "Display: {}", err.to_string().len());
    assert!(format!("{err:?}").len() < 1_000, "Debug: {}", format!("{err:?}").len());
}

/// Echoes the request's `SecurityToken` and `Signature` into the image's status.
struct Echo;

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let form = form(request);
        let status = format!("{}:{}", param(&form, "SecurityToken").unwrap(), param(&form, "Signature").unwrap());
        ResponseTemplate::new(200).set_body_string(image_page(&status))
    }
}

#[tokio::test]
async fn an_echoed_token_or_signature_never_reaches_values_progress_or_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(body_string_contains("DescribeImage")).respond_with(Echo).mount(&server).await;
    let client = client(&server);
    let page = client.describe_image().send().await.unwrap();
    let shown = format!("{page:?} {}", page.infos[0].image_status.as_ref().unwrap());
    let sent = form(&server.received_requests().await.unwrap()[0]);
    let signature = param(&sent, "Signature").unwrap().to_owned();
    assert!(!shown.contains(TOKEN) && !shown.contains(&signature), "{shown}");
    assert!(shown.contains("***:***"), "{shown}");

    let progress = Arc::new(Mutex::new(String::new()));
    let log = progress.clone();
    let err = client
        .wait_until_image_available("cn-image-0001")
        .max_wait(Duration::from_millis(500))
        .poll_delay(Duration::from_millis(100), Duration::from_millis(100))
        .on_poll(move |p| log.lock().unwrap().push_str(p.status))
        .wait()
        .await
        .unwrap_err();
    let text = format!("{err} {err:?} {}", progress.lock().unwrap());
    assert!(!text.contains(TOKEN), "{text}");
    assert_eq!(ImageStatus::from("***:***").to_string(), "***:***");
}

#[tokio::test]
async fn odd_vm_figures_read_as_absent_without_failing_the_page() {
    let vm = |id: &str, cpu: serde_json::Value, login: serde_json::Value| serde_json::json!({"VMID": id, "Name": id, "State": "Running", "CPUUtilization": cpu, "MemUsage": "N/A", "CanLogin": login});
    let body = serde_json::json!({"RetCode": 0, "TotalCount": 3, "Infos": [
        vm("vm-1", "-".into(), 2.into()),
        vm("vm-2", "N/A".into(), "maybe".into()),
        vm("vm-3", 12.5.into(), true.into()),
    ]});
    let server = server_answering(200, &body.to_string()).await;
    let page = client(&server).describe_vm_instance().send().await.unwrap();
    let vms = &page.infos;
    assert_eq!(vms.len(), 3);
    assert_eq!((vms[0].cpu_utilization, vms[0].can_login), (None, None));
    assert_eq!((vms[1].cpu_utilization, vms[1].mem_usage, vms[1].can_login), (None, None, None));
    assert_eq!((vms[2].cpu_utilization, vms[2].can_login), (Some(12.5), Some(true)));
    assert_eq!(vms[2].state, Some(VmState::Running));
}

#[tokio::test]
async fn an_echoed_image_secret_or_s3_secret_never_reaches_errors() {
    // The platform echoes ImportImage's Secret in its message.
    let server = server_answering(200, r#"{"RetCode":230,"Message":"secret image-key-4711 is too weak"}"#).await;
    let err = client(&server)
        .import_image()
        .company_id(200001)
        .image_name("x")
        .image_format(ucloudstack::image::ImageFormat::Qcow2)
        .import_type(ucloudstack::image::ImportType::Remote)
        .load_url("http://mirror.example/x.qcow2")
        .os_type(ucloudstack::image::OsType::Linux)
        .os_distribution("Ubuntu")
        .secret("image-key-4711")
        .send()
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("image-key-4711") && shown.contains("***"), "{shown}");

    // An S3Login answer that cannot be decoded keeps its secrets out of the excerpt.
    let body = r#"{"RetCode":0,"AccessKey":"AK","SecretKey":"sk-0042","SessionID":"sess-0042","Bucket":{"x":[1]}}"#;
    let server = server_answering(200, body).await;
    let err = client(&server).s3_login().scenes(ucloudstack::image::S3Scene::ImageUpload).send().await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(matches!(err, ucloudstack::Error::Decode { .. }), "{shown}");
    assert!(!shown.contains("sk-0042") && !shown.contains("sess-0042"), "{shown}");
}
