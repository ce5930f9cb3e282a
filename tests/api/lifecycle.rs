//! The image lifecycle: VM actions, renaming, regions, the VM waiters, and capture_image under
//! faults, each test asserting what the fake's VM and image were left as.

use futures::TryStreamExt;
use std::time::Duration;
use ucloudstack::image::{ImageStatus, ImageType};
use ucloudstack::ret_code::v2;
use ucloudstack::testing::{FakeUCloudStack, Fault};
use ucloudstack::vm::{VmInstanceInfo, VmState};
use ucloudstack::{CallOptionsBuilder, CaptureFailure, CaptureStage, Error, RetryPolicy, WaitFailure};

fn fake() -> FakeUCloudStack {
    FakeUCloudStack::builder()
        .making_delay(Duration::from_secs(60))
        .vm_delay(Duration::from_secs(5))
        .vm_ids(["vm-web01", "vm-db01"])
        .in_process()
}

/// The form of the last request, sorted, without the pairs every request has.
fn last_form(fake: &FakeUCloudStack) -> Vec<String> {
    let mut pairs: Vec<String> = fake
        .requests()
        .last()
        .unwrap()
        .form
        .iter()
        .filter(|(k, _)| !["Action", "PublicKey", "Signature"].contains(&k.as_str()))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    pairs.sort();
    pairs
}

// -- The wire of every new action and field.

#[tokio::test(start_paused = true)]
async fn every_field_reaches_the_wire_by_its_name() {
    let fake = fake();
    let client = fake.client();
    client
        .describe_vm_instance()
        .vm_ids(["vm-web01", "vm-db01"])
        .states([VmState::Running, VmState::Stopped])
        .keyword("web")
        .project_ids(["proj-default"])
        .vpc_id("vpc-fake")
        .subnet_id("subnet-fake")
        .company_id(200001)
        .sort_by("CreateTime")
        .sort("desc")
        .offset(0)
        .limit(100)
        .send()
        .await
        .unwrap();
    assert_eq!(
        last_form(&fake),
        [
            "CompanyID=200001",
            "Keyword=web",
            "Limit=100",
            "Offset=0",
            "ProjectIDs.0=proj-default",
            "Region=cn",
            "Sort=desc",
            "SortBy=CreateTime",
            "States.0=Running",
            "States.1=Stopped",
            "SubnetID=subnet-fake",
            "VMIDs.0=vm-web01",
            "VMIDs.1=vm-db01",
            "VPCID=vpc-fake",
        ]
    );

    let power = ["StopVMInstance", "StartVMInstance", "PoweroffVMInstance", "RestartVMInstance"];
    for action in power {
        let result = match action {
            "StopVMInstance" => {
                client.stop_vm_instance().vm_id("vm-web01").company_id(1).member_id(7).send().await.map(drop)
            }
            "StartVMInstance" => {
                client.start_vm_instance().vm_id("vm-web01").company_id(1).member_id(7).send().await.map(drop)
            }
            "PoweroffVMInstance" => {
                client.poweroff_vm_instance().vm_id("vm-web01").company_id(1).member_id(7).send().await.map(drop)
            }
            _ => client.restart_vm_instance().vm_id("vm-web01").company_id(1).member_id(7).send().await.map(drop),
        };
        let _ = result;
        assert_eq!(fake.requests().last().unwrap().action.as_deref(), Some(action));
        assert_eq!(last_form(&fake), ["CompanyID=1", "MemberID=7", "Region=cn", "VMID=vm-web01"], "{action}");
    }

    let image = fake.seed_custom_images(1).remove(0);
    client.modify_name_and_remark().resource_id(&image).name("golden").remark("web").member_id(7).send().await.unwrap();
    assert_eq!(
        last_form(&fake),
        [
            "MemberID=7".to_string(),
            "Name=golden".into(),
            "Region=cn".into(),
            "Remark=web".into(),
            format!("ResourceID={image}")
        ]
    );

    client.describe_region().company_id(200001).member_id(7).send().await.unwrap();
    assert_eq!(last_form(&fake), ["CompanyID=200001", "MemberID=7"], "DescribeRegion sends no Region");

    client.describe_image().member_id(7).send().await.unwrap();
    assert_eq!(last_form(&fake), ["MemberID=7", "Region=cn"]);
    let created = client
        .create_custom_image()
        .vm_id("vm-db01")
        .image_name("n")
        .project_id("proj-default")
        .member_id(7)
        .send()
        .await
        .unwrap();
    assert_eq!(last_form(&fake), ["ImageName=n", "MemberID=7", "ProjectID=proj-default", "Region=cn", "VMID=vm-db01"]);
    let _ = client.delete_custom_image().image_id(&created.image_id).member_id(7).send().await;
    assert_eq!(last_form(&fake), [format!("ImageID={}", created.image_id), "MemberID=7".into(), "Region=cn".into()]);
}

#[tokio::test(start_paused = true)]
async fn bad_input_is_refused_before_anything_is_sent() {
    let fake = fake();
    let client = fake.client();
    let field = |e: Error| match e {
        Error::InvalidRequest { field, .. } => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(field(client.stop_vm_instance().send().await.unwrap_err()), "VMID");
    assert_eq!(field(client.modify_name_and_remark().resource_id("x").send().await.unwrap_err()), "Name");
    assert_eq!(field(client.describe_vm_instance().limit(101).send().await.unwrap_err()), "Limit");
    assert_eq!(field(client.describe_vm_instance().vm_ids(["a", " "]).send().await.unwrap_err()), "VMIDs.1");
    assert_eq!(field(client.capture_image("vm-web01").send().await.unwrap_err()), "ImageName");
    assert!(fake.requests().is_empty());
}

#[tokio::test(start_paused = true)]
async fn vms_regions_and_renames_decode() {
    let fake = fake();
    let client = fake.client();
    let vms: Vec<VmInstanceInfo> =
        client.describe_vm_instance().into_paginator().page_size(1).items().try_collect().await.unwrap();
    assert_eq!(vms.len(), 2);
    assert_eq!(fake.request_count("DescribeVMInstance"), 2, "one page each");
    let vm = &vms[0];
    assert_eq!((vm.vm_id.as_deref(), vm.state.clone()), (Some("vm-web01"), Some(VmState::Stopped)));
    assert_eq!((vm.disk_infos.len(), vm.ip_infos[0].is_default_gw), (1, Some(true)));

    let stopped = client.describe_vm_instance().states([VmState::Running]).send().await.unwrap();
    assert_eq!(stopped.total_count, 0);

    let regions = client.describe_region().send().await.unwrap();
    assert_eq!((regions.total_count, regions.infos[0].region.as_deref()), (1, Some("cn")), "TotalCount came as \"1\"");

    let id = fake.seed_custom_images(1).remove(0);
    client.modify_name_and_remark().resource_id(&id).name("golden").remark("web tier").send().await.unwrap();
    let image = fake.image(&id).unwrap();
    assert_eq!((image.name.as_deref(), image.image_description.as_deref()), (Some("golden"), Some("web tier")));
    let err = client.modify_name_and_remark().resource_id("nope").name("x").send().await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

// -- VM waiters under paused time.

#[tokio::test(start_paused = true)]
async fn stop_and_start_wait_for_the_state() {
    let fake = fake();
    let client = fake.client();
    fake.set_vm_state("vm-web01", VmState::Running);
    client.stop_vm_instance().vm_id("vm-web01").send().await.unwrap();
    assert_eq!(fake.vm_state("vm-web01"), Some(VmState::Stopping));
    let started = tokio::time::Instant::now();
    let vm = client.wait_until_vm_stopped("vm-web01").await.unwrap();
    assert_eq!(vm.state, Some(VmState::Stopped));
    assert!(started.elapsed() >= Duration::from_secs(5));

    client.start_vm_instance().vm_id("vm-web01").send().await.unwrap();
    let vm = client.wait_until_vm_running("vm-web01").max_wait(Duration::from_secs(300)).await.unwrap();
    assert_eq!(vm.state, Some(VmState::Running));
    let err = client.start_vm_instance().vm_id("vm-web01").send().await.unwrap_err();
    assert_eq!(err.ret_code(), Some(v2::VM_STATE), "starting a running VM is a state error");
}

#[tokio::test(start_paused = true)]
async fn vm_waiters_end_on_failed_and_poll_through_errors() {
    let fake = fake();
    let client = fake.client();
    fake.set_vm_state("vm-web01", VmState::Failed);
    match client.wait_until_vm_running("vm-web01").await.unwrap_err() {
        Error::Waiter { resource, reason, .. } => {
            assert_eq!((resource, reason), ("VM", WaitFailure::FailureState("Failed".into())));
        }
        other => panic!("{other:?}"),
    }
    fake.set_vm_state("vm-db01", VmState::Running);
    client.stop_vm_instance().vm_id("vm-db01").send().await.unwrap();
    fake.inject_fault("DescribeVMInstance", Fault::Http(503), 4);
    let vm = client.wait_until_vm_stopped("vm-db01").poll_delay(Duration::from_secs(1), Duration::from_secs(2)).await;
    assert_eq!(vm.unwrap().state, Some(VmState::Stopped));
    assert!(fake.request_count("DescribeVMInstance") > 4);
    let err = client.wait_until_vm_stopped("vm-nope").await.unwrap_err();
    assert!(matches!(err, Error::Waiter { reason: WaitFailure::NotListed(3), .. }), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn a_lost_stop_answer_is_settled_by_looking_at_the_vm() {
    let fake = fake();
    fake.set_vm_state("vm-web01", VmState::Running);
    fake.inject_fault("StopVMInstance", Fault::LostAnswer { acts_after: Duration::ZERO }, 1);
    let client = fake.client_builder().attempt_timeout(Duration::from_secs(2)).build().unwrap();
    client.stop_vm_instance().vm_id("vm-web01").send().await.unwrap();
    assert_eq!(fake.request_count("StopVMInstance"), 2, "the retry heard the VM is already stopping");
    assert_eq!(fake.request_count("DescribeVMInstance"), 1);

    // A restart is never sent twice.
    fake.set_vm_state("vm-db01", VmState::Running);
    fake.inject_fault("RestartVMInstance", Fault::LostAnswer { acts_after: Duration::ZERO }, 1);
    let err = client.restart_vm_instance().vm_id("vm-db01").send().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(fake.request_count("RestartVMInstance"), 1);
}

// -- capture_image.

fn capture_error(err: Error) -> ucloudstack::CaptureError {
    match err {
        Error::Capture(failure) => *failure,
        other => panic!("not a capture error: {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn capture_stops_makes_waits_and_starts_again() {
    let fake = fake();
    fake.set_vm_state("vm-web01", VmState::Running);
    let stages = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = stages.clone();
    let captured = fake
        .client()
        .capture_image("vm-web01")
        .image_name("web-golden")
        .image_description("web tier")
        .stop_vm(true)
        .restart_vm(true)
        .on_progress(move |p| seen.lock().unwrap().push(p.stage))
        .send()
        .await
        .unwrap();
    assert!(captured.vm_was_running && captured.vm_restarted);
    assert_eq!(captured.image.image_status, Some(ImageStatus::Used));
    assert_eq!(captured.image.name.as_deref(), Some("web-golden"));
    assert_eq!(captured.image.image_type, Some(ImageType::Custom));
    assert_eq!(fake.vm_state("vm-web01"), Some(VmState::Running));
    let order: Vec<_> = stages.lock().unwrap().iter().copied().collect();
    let stages_seen: Vec<_> = order.iter().fold(Vec::new(), |mut v, s| {
        if v.last() != Some(s) {
            v.push(*s);
        }
        v
    });
    assert_eq!(stages_seen, [CaptureStage::Inspect, CaptureStage::Stop, CaptureStage::Create, CaptureStage::Restart]);
    assert_eq!(fake.request_count("CreateCustomImage"), 1);
}

#[tokio::test(start_paused = true)]
async fn capture_of_a_stopped_vm_leaves_it_stopped() {
    let fake = fake();
    let captured = fake.client().capture_image("vm-db01").image_name("db").restart_vm(true).send().await.unwrap();
    assert!(!captured.vm_was_running && !captured.vm_restarted);
    assert_eq!(fake.vm_state("vm-db01"), Some(VmState::Stopped));
    assert_eq!(fake.request_count("StartVMInstance"), 0);
}

#[tokio::test(start_paused = true)]
async fn a_running_vm_is_an_error_before_anything_changes() {
    let fake = fake();
    fake.set_vm_state("vm-web01", VmState::Running);
    let err = capture_error(fake.client().capture_image("vm-web01").image_name("x").send().await.unwrap_err());
    assert_eq!((err.stage, err.vm_state.clone()), (CaptureStage::Inspect, Some(VmState::Running)));
    assert!(err.to_string().contains("stop_vm(true)"), "{err}");
    assert_eq!(fake.request_count("StopVMInstance") + fake.request_count("CreateCustomImage"), 0);
    assert_eq!(fake.vm_state("vm-web01"), Some(VmState::Running));
}

#[tokio::test(start_paused = true)]
async fn capture_when_the_stop_fails() {
    let fake = fake();
    fake.set_vm_state("vm-web01", VmState::Running);
    fake.inject_fault("StopVMInstance", Fault::RetCode(v2::SERVICE_ERROR), 1);
    let err = fake.client().capture_image("vm-web01").image_name("x").stop_vm(true).restart_vm(true).send().await;
    let err = capture_error(err.unwrap_err());
    assert_eq!(err.stage, CaptureStage::Stop);
    assert_eq!(err.vm_state, Some(VmState::Running), "it never stopped, so it runs");
    assert_eq!(err.image_id, None);
    assert_eq!(fake.request_count("CreateCustomImage"), 0);
    assert_eq!(fake.request_count("StartVMInstance"), 0, "a running VM needs no start");
    assert_eq!(fake.vm_state("vm-web01"), Some(VmState::Running));
}

#[tokio::test(start_paused = true)]
async fn capture_when_the_create_hears_the_vm_is_not_stopped() {
    let fake = fake();
    fake.set_vm_state("vm-web01", VmState::Running);
    fake.inject_fault("CreateCustomImage", Fault::RetCode(v2::VM_NOT_STOPPED), 1);
    let err = fake.client().capture_image("vm-web01").image_name("x").stop_vm(true).restart_vm(true).send().await;
    let err = capture_error(err.unwrap_err());
    assert_eq!(err.stage, CaptureStage::Create);
    assert_eq!(err.source.as_ref().and_then(|e| e.ret_code()), Some(v2::VM_NOT_STOPPED));
    assert_eq!(err.vm_state, Some(VmState::Running), "started again, as asked");
    assert_eq!(fake.vm_state("vm-web01"), Some(VmState::Running));
    assert!(fake.images().iter().all(|i| i.image_type == Some(ImageType::Base)), "no image was made");
}

#[tokio::test(start_paused = true)]
async fn capture_when_the_image_fails() {
    let fake = fake();
    fake.set_vm_state("vm-web01", VmState::Running);
    let client = fake.client();
    let capture = client.capture_image("vm-web01").image_name("doomed").stop_vm(true).restart_vm(true).send();
    let capture = tokio::spawn(capture);
    // Once the image exists, the platform fails it.
    let id = loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if let Some(image) = fake.images().into_iter().find(|i| i.name.as_deref() == Some("doomed")) {
            break image.image_id.unwrap();
        }
    };
    fake.set_image_status(&id, ImageStatus::Failed);
    let err = capture_error(capture.await.unwrap().unwrap_err());
    assert_eq!(err.stage, CaptureStage::Create);
    assert_eq!((err.image_id.as_deref(), err.image_status.clone()), (Some(id.as_str()), Some(ImageStatus::Failed)));
    assert_eq!(err.vm_state, Some(VmState::Running), "started again after the failure");
    assert!(err.to_string().contains("went Failed"), "{err}");
    assert_eq!(fake.vm_state("vm-web01"), Some(VmState::Running));
}

#[tokio::test(start_paused = true)]
async fn capture_when_the_start_fails() {
    let fake = fake();
    fake.set_vm_state("vm-web01", VmState::Running);
    fake.inject_fault("StartVMInstance", Fault::RetCode(v2::SERVICE_ERROR), 100);
    let err = fake.client().capture_image("vm-web01").image_name("x").stop_vm(true).restart_vm(true).send().await;
    let err = capture_error(err.unwrap_err());
    assert_eq!(err.stage, CaptureStage::Restart);
    assert_eq!(err.vm_state, Some(VmState::Stopped), "the error says the VM is left stopped");
    assert_eq!(err.image_status, Some(ImageStatus::Used), "and the image is ready");
    assert_eq!(fake.vm_state("vm-web01"), Some(VmState::Stopped));
}

#[tokio::test(start_paused = true)]
async fn capture_recovers_a_create_that_timed_out() {
    let fake = fake();
    fake.set_vm_state("vm-web01", VmState::Running);
    fake.inject_fault("CreateCustomImage", Fault::LostAnswer { acts_after: Duration::from_secs(1) }, 1);
    let client = fake.client_builder().attempt_timeout(Duration::from_secs(3)).build().unwrap();
    let captured =
        client.capture_image("vm-web01").image_name("late").stop_vm(true).restart_vm(true).send().await.unwrap();
    assert_eq!(captured.image.name.as_deref(), Some("late"));
    assert_eq!(fake.request_count("CreateCustomImage"), 1, "found by name, never re-sent");
    assert_eq!(fake.vm_state("vm-web01"), Some(VmState::Running));
}

#[tokio::test(start_paused = true)]
async fn capture_waits_while_the_vm_is_being_imaged() {
    let fake = fake();
    fake.inject_fault("CreateCustomImage", Fault::RetCode(v2::VM_BEING_IMAGED), 2);
    let client = fake.client_builder().retry_policy(RetryPolicy::disabled()).build().unwrap();
    let captured = client.capture_image("vm-db01").image_name("db").send().await.unwrap();
    assert_eq!(captured.image.image_status, Some(ImageStatus::Used));
    assert_eq!(fake.request_count("CreateCustomImage"), 3);
    assert_eq!(fake.vm_state("vm-db01"), Some(VmState::Stopped));
}

// -- capture_image when answers are lost or the listing says what the capture did not do.

#[tokio::test(start_paused = true)]
async fn a_capture_keeps_looking_for_a_lost_creates_image_as_long_as_it_may_wait() {
    let fake = fake();
    // The platform makes the image 20 s after the create, whose answer is lost.
    fake.inject_fault("CreateCustomImage", Fault::LostAnswer { acts_after: Duration::from_secs(20) }, 1);
    let client = fake.client_builder().attempt_timeout(Duration::from_secs(5)).build().unwrap();
    let captured = client.capture_image("vm-db01").image_name("late").send().await.unwrap();
    assert_eq!(captured.image.name.as_deref(), Some("late"));
    assert_eq!(fake.request_count("CreateCustomImage"), 1, "never re-sent");
    assert_eq!(fake.images().iter().filter(|i| i.name.as_deref() == Some("late")).count(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_capture_whose_create_outcome_stays_unknown_says_so() {
    let fake = fake();
    fake.inject_fault("CreateCustomImage", Fault::LostAnswer { acts_after: Duration::from_secs(3600) }, 1);
    let client = fake.client_builder().attempt_timeout(Duration::from_secs(5)).build().unwrap();
    let err = client.capture_image("vm-db01").image_name("lost").max_wait(Duration::from_secs(60)).send().await;
    let err = err.unwrap_err();
    assert!(err.outcome_unknown(), "{err}");
    let text = err.to_string();
    assert!(text.contains("outcome unknown") && text.contains("look for it before capturing again"), "{text}");
    let failure = capture_error(err);
    assert!(failure.outcome_unknown && failure.image_id.is_none());
    assert_eq!(failure.stage, CaptureStage::Create);
}

#[tokio::test(start_paused = true)]
async fn vm_restarted_reports_only_a_start_the_capture_sent() {
    let fake = std::sync::Arc::new(fake());
    fake.set_vm_state("vm-web01", VmState::Running);
    let watcher = fake.clone();
    // Someone else starts the VM as soon as the image is ready.
    let other = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            if watcher
                .images()
                .iter()
                .any(|i| i.name.as_deref() == Some("g") && i.image_status == Some(ImageStatus::Used))
            {
                watcher.set_vm_state("vm-web01", VmState::Running);
                return;
            }
        }
    });
    let captured =
        fake.client().capture_image("vm-web01").image_name("g").stop_vm(true).restart_vm(true).send().await.unwrap();
    other.await.unwrap();
    assert!(captured.vm_was_running);
    assert_eq!(fake.request_count("StartVMInstance"), 0);
    assert!(!captured.vm_restarted, "no StartVMInstance was sent");
}

// -- What a failed capture says, in words and in values.

#[tokio::test(start_paused = true)]
async fn capturing_a_vm_that_does_not_exist_is_not_found() {
    let fake = fake();
    let err = fake.client().capture_image("vm-nope").image_name("x").stop_vm(true).send().await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let failure = capture_error(err);
    assert!(failure.is_not_found());
    assert_eq!((failure.stage, &failure.failure), (CaptureStage::Inspect, &CaptureFailure::VmNotFound));
    let text = failure.to_string();
    assert!(text.contains("the VM is not listed") && text.ends_with("; nothing was changed"), "{text}");
    assert_eq!(fake.request_count("StopVMInstance") + fake.request_count("CreateCustomImage"), 0);

    // The platform saying so, after the VM was listed: the cause's is_not_found, delegated.
    fake.set_vm_state("vm-web01", VmState::Running);
    fake.inject_fault("StopVMInstance", Fault::RetCode(v2::VM_NOT_FOUND), 1);
    let err = fake.client().capture_image("vm-web01").image_name("x").stop_vm(true).send().await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let failure = capture_error(err);
    assert!(failure.is_not_found() && failure.source.as_ref().is_some_and(|e| e.is_not_found()));
    assert_eq!((failure.stage, &failure.failure), (CaptureStage::Stop, &CaptureFailure::VmNotFound));

    // Other failures are not "not found".
    let err = fake.client().capture_image("vm-web01").image_name("x").send().await.unwrap_err();
    assert!(!err.is_not_found(), "{err}");
    assert_eq!(capture_error(err).failure, CaptureFailure::VmRunning);
}

#[tokio::test(start_paused = true)]
async fn a_stop_that_outlasts_the_wait_says_the_wait_ran_out() {
    // The platform takes two hours to stop the VM; the capture may wait ten minutes.
    let fake = FakeUCloudStack::builder().vm_delay(Duration::from_secs(7200)).vm_ids(["vm-web01"]).in_process();
    fake.set_vm_state("vm-web01", VmState::Running);
    let limit = Duration::from_secs(600);
    let err = fake.client().capture_image("vm-web01").image_name("x").stop_vm(true).max_wait(limit).send().await;
    let failure = capture_error(err.unwrap_err());
    let text = failure.to_string();
    assert!(text.contains("the VM was still Stopping when the 10 min wait ran out"), "{text}");
    assert!(!text.contains("instead of"), "{text}");
    assert_eq!(failure.stage, CaptureStage::Stop);
    assert_eq!(failure.failure, CaptureFailure::TimedOut { limit, last_state: Some("Stopping".into()) });
    assert_eq!(failure.timed_out(), Some((limit, Some("Stopping"))));
    assert_eq!(failure.vm_state, Some(VmState::Stopping));
    assert!(failure.elapsed >= limit, "{:?}", failure.elapsed);
    assert!(!failure.is_not_found());

    // Held in Stopping by someone else before the capture began: the same words.
    let fake = self::fake();
    fake.set_vm_state("vm-db01", VmState::Stopping);
    let err = fake.client().capture_image("vm-db01").image_name("x").max_wait(limit).send().await;
    let failure = capture_error(err.unwrap_err());
    assert!(failure.to_string().contains("the VM was still Stopping when the 10 min wait ran out"), "{failure}");
    assert_eq!(failure.timed_out(), Some((limit, Some("Stopping"))));
}

#[tokio::test(start_paused = true)]
async fn a_vm_that_fails_while_stopping_is_not_a_wait_that_ran_out() {
    let fake = std::sync::Arc::new(
        FakeUCloudStack::builder().vm_delay(Duration::from_secs(60)).vm_ids(["vm-web01"]).in_process(),
    );
    fake.set_vm_state("vm-web01", VmState::Running);
    let client = fake.client();
    let capture = tokio::spawn(client.capture_image("vm-web01").image_name("x").stop_vm(true).send());
    while fake.request_count("StopVMInstance") == 0 {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    fake.set_vm_state("vm-web01", VmState::Failed);
    let failure = capture_error(capture.await.unwrap().unwrap_err());
    let text = failure.to_string();
    assert!(text.contains("the VM went Failed instead of stopping"), "{text}");
    assert!(!text.contains("ran out"), "{text}");
    assert_eq!(failure.failure, CaptureFailure::UnexpectedState("Failed".into()));
    assert_eq!(failure.timed_out(), None);
}
