//! The DescribeImage paginator: every image exactly once, lazily, and never forever.

use crate::support::image_json;
use futures::{StreamExt, TryStreamExt};
use ucloudstack::CallOptionsBuilder;
use ucloudstack::image::{DescribeImageResponse, ImageInfo, ImageType};
use ucloudstack::testing::{FakeUCloudStack, Fault, MockTransport};
use ucloudstack::{Client, Credentials, Error, RetryPolicy};

fn fake_with(count: usize) -> (FakeUCloudStack, Vec<String>) {
    let fake = FakeUCloudStack::builder().without_base_images().in_process();
    let ids = fake.seed_custom_images(count);
    (fake, ids)
}

#[tokio::test]
async fn every_image_once_for_every_count_and_page_size() {
    for count in [0, 1, 100, 101, 1000] {
        let (fake, ids) = fake_with(count);
        let client = fake.client();
        for page_size in [1, 7, 100] {
            let before = fake.request_count("DescribeImage");
            let items: Vec<ImageInfo> =
                client.describe_image().into_paginator().page_size(page_size).items().try_collect().await.unwrap();
            let got: Vec<String> = items.into_iter().map(|i| i.image_id.unwrap()).collect();
            assert_eq!(got, ids, "{count} images in pages of {page_size}");
            let pages = fake.request_count("DescribeImage") - before;
            assert_eq!(pages, count.div_ceil(page_size as usize).max(1), "requests for {count} / {page_size}");
        }
    }
}

#[tokio::test]
async fn pages_carry_offset_limit_and_filters() {
    let (fake, _) = fake_with(20);
    let client = fake.client();
    let pages: Vec<DescribeImageResponse> = client
        .describe_image()
        .image_type(ImageType::Custom)
        .keyword("seeded")
        .offset(5)
        .into_paginator()
        .page_size(10)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.iter().map(|p| p.infos.len()).collect::<Vec<_>>(), [10, 5], "starts at the user's offset");
    let sent: Vec<(Option<String>, Option<String>, Option<String>)> = fake
        .requests()
        .iter()
        .map(|r| {
            (r.param("Offset").map(Into::into), r.param("Limit").map(Into::into), r.param("ImageType").map(Into::into))
        })
        .collect();
    assert_eq!(
        sent,
        [
            (Some("5".into()), Some("10".into()), Some("Custom".into())),
            (Some("15".into()), Some("10".into()), Some("Custom".into()))
        ]
    );
}

#[tokio::test]
async fn the_requests_own_limit_is_the_page_size_and_the_default_is_100() {
    let (fake, _) = fake_with(150);
    let client = fake.client();
    let _: Vec<ImageInfo> = client.describe_image().limit(30).into_paginator().items().try_collect().await.unwrap();
    assert_eq!(fake.requests()[0].param("Limit"), Some("30"));
    let _: Vec<ImageInfo> = client.describe_image().into_paginator().items().try_collect().await.unwrap();
    assert_eq!(fake.requests().last().unwrap().param("Limit"), Some("100"));
}

#[tokio::test]
async fn nothing_is_sent_until_polled_and_an_empty_list_yields_one_page() {
    let (fake, _) = fake_with(0);
    let pages = fake.client().describe_image().into_paginator().pages();
    assert_eq!(fake.request_count("DescribeImage"), 0, "lazy");
    let pages: Vec<DescribeImageResponse> = pages.try_collect().await.unwrap();
    assert_eq!((pages.len(), pages[0].total_count), (1, 0));
}

#[tokio::test]
async fn a_bad_page_size_is_the_first_item() {
    let (fake, _) = fake_with(3);
    let mut items = fake.client().describe_image().into_paginator().page_size(101).items();
    match items.next().await {
        Some(Err(Error::InvalidRequest { field, .. })) => assert_eq!(field, "Limit"),
        other => panic!("{other:?}"),
    }
    assert!(items.next().await.is_none());
    assert_eq!(fake.request_count("DescribeImage"), 0);
}

#[tokio::test]
async fn an_error_on_page_3_ends_the_stream_with_that_error() {
    let (fake, ids) = fake_with(50);
    let client = fake.client_builder().retry_policy(RetryPolicy::disabled()).build().unwrap();
    let mut pages = client.describe_image().into_paginator().page_size(10).pages();
    assert_eq!(pages.try_next().await.unwrap().unwrap().infos.len(), 10);
    assert_eq!(pages.try_next().await.unwrap().unwrap().infos[0].image_id.as_deref(), Some(ids[10].as_str()));
    fake.inject_fault("DescribeImage", Fault::RetCode(230), 1);
    assert_eq!(pages.next().await.unwrap().unwrap_err().ret_code(), Some(230));
    assert!(pages.next().await.is_none(), "the stream ends after its error");
}

fn mock_client(mock: &MockTransport) -> Client {
    Client::builder()
        .endpoint("http://fake.invalid/api")
        .credentials(Credentials::new("p", "k"))
        .region("cn")
        .retry_policy(RetryPolicy::disabled())
        .transport(mock.clone())
        .build()
        .unwrap()
}

fn page(total: i64, ids: std::ops::Range<usize>) -> String {
    let infos: Vec<_> = ids.map(image_json).collect();
    serde_json::json!({ "RetCode": 0, "TotalCount": total, "Infos": infos }).to_string()
}

#[tokio::test]
async fn a_total_count_that_keeps_growing_hits_the_page_guard() {
    let mock = MockTransport::new();
    for n in 0..30 {
        mock.push_json(200, &page(10 * (n + 2) as i64, n * 10..n * 10 + 10));
    }
    let mut items = mock_client(&mock).describe_image().into_paginator().page_size(10).max_pages(20).items();
    let mut seen = 0;
    let err = loop {
        match items.next().await.expect("the stream ends with an error") {
            Ok(_) => seen += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(seen, 200);
    assert!(matches!(err, Error::Pagination { .. }), "{err:?}");
    assert!(err.to_string().contains("20 pages"), "{err}");
    assert_eq!(mock.requests().len(), 20);
}

#[tokio::test]
async fn a_total_count_that_shrinks_ends_the_list() {
    let mock = MockTransport::new();
    mock.push_json(200, &page(30, 0..10)).push_json(200, &page(15, 10..15));
    let items: Vec<ImageInfo> =
        mock_client(&mock).describe_image().into_paginator().page_size(10).items().try_collect().await.unwrap();
    assert_eq!(items.len(), 15);
    assert_eq!(mock.remaining(), 0);
}

#[tokio::test]
async fn a_page_that_keeps_repeating_is_an_error() {
    let mock = MockTransport::new();
    for _ in 0..6 {
        mock.push_json(200, &page(100, 0..10));
    }
    let result: Result<Vec<ImageInfo>, Error> =
        mock_client(&mock).describe_image().into_paginator().page_size(10).items().try_collect().await;
    let err = result.unwrap_err();
    assert!(matches!(err, Error::Pagination { .. }) && err.to_string().contains("came back 3 times"), "{err}");
    assert_eq!(mock.requests().len(), 3, "the first page and two repeats");
}

#[tokio::test]
async fn pages_that_alternate_or_have_no_ids_are_caught() {
    // A, B, A, B, A: no page repeats the one before it, but the list never ends.
    let mock = MockTransport::new();
    for _ in 0..4 {
        mock.push_json(200, &page(1000, 0..10)).push_json(200, &page(1000, 10..20));
    }
    let result: Result<Vec<ImageInfo>, Error> =
        mock_client(&mock).describe_image().into_paginator().page_size(10).items().try_collect().await;
    assert!(matches!(result, Err(Error::Pagination { .. })), "{result:?}");
    assert_eq!(mock.requests().len(), 5, "A, B, A, B, A");

    // Images without ids: the same page again and again is still the same page.
    let mock = MockTransport::new();
    let no_ids =
        serde_json::json!({"RetCode": 0, "TotalCount": 1000, "Infos": [{"Name": "x"}, {"Name": "y"}]}).to_string();
    for _ in 0..5 {
        mock.push_json(200, &no_ids);
    }
    let result: Result<Vec<ImageInfo>, Error> =
        mock_client(&mock).describe_image().into_paginator().page_size(2).items().try_collect().await;
    assert!(matches!(result, Err(Error::Pagination { .. })), "{result:?}");
    assert_eq!(mock.requests().len(), 3);
}

#[tokio::test]
async fn a_page_shifted_by_one_new_image_is_tolerated() {
    // An image added at the front between two requests shifts page 1 onto page 2.
    let mock = MockTransport::new();
    mock.push_json(200, &page(2, 0..1)).push_json(200, &page(3, 0..1)).push_json(200, &page(3, 1..2));
    let items: Vec<ImageInfo> =
        mock_client(&mock).describe_image().into_paginator().page_size(1).items().try_collect().await.unwrap();
    assert_eq!(items.len(), 3);
}

#[tokio::test]
async fn streams_are_send_and_run_in_spawned_tasks() {
    let fake = FakeUCloudStack::start().await;
    fake.seed_custom_images(12);
    let client = fake.client();
    let task = tokio::spawn(async move {
        client
            .describe_image()
            .image_type(ImageType::Custom)
            .into_paginator()
            .page_size(5)
            .items()
            .try_collect::<Vec<_>>()
            .await
    });
    assert_eq!(task.await.unwrap().unwrap().len(), 12);
}
