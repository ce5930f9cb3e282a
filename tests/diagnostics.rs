//! What a call tells at DEBUG: the action (rpc.method), resource, attempts, RetCode, request id,
//! elapsed time.
//! A test binary of its own: tracing caches whether a span is wanted per call site, process-wide,
//! so a span first met by another test's thread without a subscriber could go unrecorded here.

use std::io::Write;
use std::sync::{Arc, Mutex};
use ucloudstack::testing::{FakeUCloudStack, Fault};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_span_of_a_call_says_what_happened() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let fake = FakeUCloudStack::start().await;
    let client = fake.client();
    let id = fake.seed_custom_images(1).remove(0);
    fake.inject_fault("DeleteCustomImage", Fault::Http(503), 1);
    client.delete_custom_image().image_id(&id).send().await.unwrap();
    let err = client.delete_custom_image().image_id("cn-image-nope").send().await.unwrap_err();

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    let succeeded = logs.lines().find(|l| l.contains("call succeeded")).expect(&logs);
    for field in [
        "rpc.method=\"DeleteCustomImage\"".to_owned(),
        format!("resource=\"{id}\""),
        "attempts=2".to_owned(),
        "ret_code=0".to_owned(),
        "request_id=".to_owned(),
        "elapsed_ms=".to_owned(),
    ] {
        assert!(succeeded.contains(&field), "{field} missing from {succeeded}");
    }
    let failed = logs.lines().find(|l| l.contains("call failed")).expect(&logs);
    assert!(failed.contains("ret_code=1000") && failed.contains("resource=\"cn-image-nope\""), "{failed}");
    assert!(failed.contains(err.request_id().unwrap()), "{failed}");
}

#[test]
fn the_ids_and_names_that_always_exist_read_as_str() {
    let image = ucloudstack::testing::image("cn-image-1", "golden");
    assert_eq!((image.id(), image.name(), image.status()), ("cn-image-1", "golden", "Used"));
    let vm = ucloudstack::testing::vm("vm-1", ucloudstack::vm::VmState::Running);
    assert_eq!((vm.id(), vm.name(), vm.state()), ("vm-1", "vm-1", "Running"));
    let empty = ucloudstack::image::ImageInfo::default();
    assert_eq!((empty.id(), empty.name(), empty.status()), ("", "", ""));
    let page = ucloudstack::testing::image_page(vec![image.clone(), image]);
    assert_eq!((page.total_count, page.infos.len()), (2, 2));
}
