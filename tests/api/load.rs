//! One client under load, and futures dropped mid-flight.

use std::time::Duration;
use ucloudstack::testing::{FakeUCloudStack, Fault};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_shared_by_256_tasks() {
    let fake = FakeUCloudStack::builder().without_base_images().start().await;
    let ids = fake.seed_custom_images(256);
    let client = fake.client();
    let tasks: Vec<_> = ids
        .iter()
        .cloned()
        .map(|id| {
            let client = client.clone();
            tokio::spawn(async move {
                let page = client.describe_image().image_ids([&id]).send().await?;
                Ok::<_, ucloudstack::Error>((id, page))
            })
        })
        .collect();
    for task in tasks {
        let (id, page) = task.await.unwrap().unwrap();
        assert_eq!(page.total_count, 1);
        assert_eq!(page.infos[0].image_id.as_deref(), Some(id.as_str()), "each task got its own answer");
    }
    assert_eq!(fake.request_count("DescribeImage"), 256);
}

#[tokio::test]
async fn a_dropped_call_leaves_the_client_usable() {
    let fake = FakeUCloudStack::start().await;
    let client = fake.client();
    fake.inject_fault("DescribeImage", Fault::Delay(Duration::from_secs(5)), 1);
    let slow = client.describe_image().send();
    assert!(tokio::time::timeout(Duration::from_millis(200), slow).await.is_err(), "dropped mid-flight");
    for _ in 0..3 {
        let page = client.describe_image().send().await.unwrap();
        assert_eq!(page.total_count, 6);
    }
    assert_eq!(fake.request_count("DescribeImage"), 4);
}
