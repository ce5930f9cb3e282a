//! Every public duration setter takes `Duration::MAX` and `Duration::ZERO` without a panic:
//! MAX means "no limit", ZERO is refused where it cannot mean anything, or looks once.

use std::time::Duration;
use ucloudstack::image::ImageStatus;
use ucloudstack::testing::{FakeUCloudStack, Fault};
use ucloudstack::vm::VmState;
use ucloudstack::{CallOptions, CallOptionsBuilder, Error, RetryPolicy};

const EXTREMES: [Duration; 2] = [Duration::MAX, Duration::ZERO];

fn fake() -> FakeUCloudStack {
    FakeUCloudStack::builder().vm_ids(["vm-web01"]).in_process()
}

fn refused(err: &Error, field: &str) -> bool {
    matches!(err, Error::InvalidRequest { field: f, .. } if f == field)
}

#[tokio::test(start_paused = true)]
async fn client_and_call_timeouts() {
    for d in EXTREMES {
        let fake = fake();
        // The client's own: a zero is refused when used (or at build), never a panic.
        for builder in [
            fake.client_builder().connect_timeout(d),
            fake.client_builder().attempt_timeout(d),
            fake.client_builder().total_timeout(d),
            fake.client_builder().retry_policy(RetryPolicy::default().initial_backoff(d).max_backoff(d)),
        ] {
            if let Ok(client) = builder.build() {
                let result = client.describe_image().send().await;
                assert!(result.is_ok() || d.is_zero(), "{d:?}: {result:?}");
            }
        }
        // A call's own.
        let client = fake.client();
        let page = client.describe_image().attempt_timeout(d).send().await;
        assert!(if d.is_zero() { refused(page.as_ref().unwrap_err(), "attempt_timeout") } else { page.is_ok() });
        let page = client.describe_image().total_timeout(d).send().await;
        assert!(if d.is_zero() { refused(page.as_ref().unwrap_err(), "total_timeout") } else { page.is_ok() });
        let options = CallOptions::new().total_timeout(d).attempt_timeout(d);
        let page = client.send_with(ucloudstack::image::DescribeImageRequest::builder().build().unwrap(), &options);
        assert_eq!(page.await.is_ok(), !d.is_zero());
    }
}

#[tokio::test(start_paused = true)]
async fn backoffs_after_a_failure() {
    for d in EXTREMES {
        let fake = fake();
        fake.inject_fault("DescribeImage", Fault::Http(503), 1);
        let policy = RetryPolicy::default().initial_backoff(d).max_backoff(d);
        let page = fake.client().describe_image().retry_policy(policy).send().await;
        assert!(page.is_ok(), "{d:?}: {page:?}");
        // Retry-After larger than any backoff.
        fake.inject_fault("DescribeImage", Fault::HttpRetryAfter(503, u64::MAX), 1);
        let page = fake.client().describe_image().retry_policy(policy).send().await;
        assert!(page.is_ok(), "{d:?}: {page:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn waiters() {
    for d in EXTREMES {
        let fake = fake();
        let id = fake.seed_custom_images(1).remove(0);
        let image = fake.client().wait_until_image_available(&id).max_wait(d).wait().await;
        assert_eq!(image.unwrap().image_status, Some(ImageStatus::Used), "{d:?}");
        let vm = fake.client().wait_until_vm_stopped("vm-web01").poll_delay(d, d).max_wait(d).wait().await;
        assert!(vm.is_ok(), "{d:?}: {vm:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn recovery_window_after_a_lost_answer() {
    for d in EXTREMES {
        let fake = fake();
        fake.inject_fault("CreateCustomImage", Fault::LostAnswer { acts_after: Duration::ZERO }, 1);
        let client = fake.client_builder().attempt_timeout(Duration::from_secs(2)).build().unwrap();
        let created = client
            .create_custom_image()
            .vm_id("vm-web01")
            .image_name("golden")
            .recover_by_name(true)
            .recovery_window(d)
            .send()
            .await;
        // The platform acted at once: found at the first look, whatever the window.
        assert!(fake.image(&created.unwrap().image_id).is_some(), "{d:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn capture() {
    for d in EXTREMES {
        let fake = fake();
        fake.set_vm_state("vm-web01", VmState::Running);
        let captured = fake
            .client()
            .capture_image("vm-web01")
            .image_name("golden")
            .stop_vm(true)
            .restart_vm(true)
            .max_wait(d)
            .poll_delay(d, d)
            .send()
            .await;
        match captured {
            Ok(captured) => assert!(!d.is_zero() && captured.vm_restarted),
            // No time at all: it fails, but says so, and starts the VM again.
            Err(Error::Capture(failure)) => {
                assert!(d.is_zero(), "{failure}");
                assert_eq!(fake.vm_state("vm-web01"), Some(VmState::Running), "{failure}");
            }
            Err(other) => panic!("{d:?}: {other:?}"),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn bulk_delete() {
    for d in EXTREMES {
        let fake = fake();
        let ids = fake.seed_custom_images(3);
        let results = fake.client().delete_custom_images(ids.clone()).total_timeout(d).send().await;
        assert!(results.iter().all(|r| if d.is_zero() {
            refused(r.as_ref().unwrap_err(), "total_timeout")
        } else {
            r.is_ok()
        }));
        let ids = fake.seed_custom_images(3);
        let results = fake.client().delete_custom_images(ids).throttle_patience(d).send().await;
        let zero = |r: &Result<_, Error>| refused(r.as_ref().unwrap_err(), "throttle_patience");
        assert!(results.iter().all(|r| if d.is_zero() { zero(r) } else { r.is_ok() }), "{results:?}");
    }
}
