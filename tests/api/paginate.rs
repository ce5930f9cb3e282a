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

// -- Pages fetched ahead.

/// A transport that counts how many requests are in flight at once.
#[derive(Debug)]
struct Counts {
    now: std::sync::atomic::AtomicUsize,
    most: std::sync::atomic::AtomicUsize,
}

#[derive(Debug, Clone)]
struct Counting {
    inner: ucloudstack::testing::FakeTransport,
    counts: std::sync::Arc<Counts>,
}

#[async_trait::async_trait]
impl ucloudstack::Transport for Counting {
    async fn send(
        &self,
        request: ucloudstack::HttpRequest,
    ) -> Result<ucloudstack::HttpResponse, ucloudstack::TransportError> {
        use std::sync::atomic::Ordering::SeqCst;
        let now = self.counts.now.fetch_add(1, SeqCst) + 1;
        self.counts.most.fetch_max(now, SeqCst);
        let answer = self.inner.send(request).await;
        self.counts.now.fetch_sub(1, SeqCst);
        answer
    }
}

fn counted(count: usize) -> (FakeUCloudStack, Vec<String>, std::sync::Arc<Counts>, Client) {
    let fake =
        FakeUCloudStack::builder().without_base_images().latency(std::time::Duration::from_millis(20)).in_process();
    let ids = fake.seed_custom_images(count);
    let counts = std::sync::Arc::new(Counts { now: 0.into(), most: 0.into() });
    let counting = Counting { inner: fake.transport(), counts: counts.clone() };
    let client = fake.client_builder().transport(counting).build().unwrap();
    (fake, ids, counts, client)
}

#[tokio::test(start_paused = true)]
async fn pages_ahead_come_in_server_order_with_no_extra_request() {
    for (count, page_size, concurrency) in [(1000, 100, 8), (1001, 100, 8), (250, 7, 3), (5, 10, 8), (0, 10, 4)] {
        let (fake, ids, counting, client) = counted(count);
        let started = tokio::time::Instant::now();
        let items: Vec<ImageInfo> = client
            .describe_image()
            .into_paginator()
            .page_size(page_size)
            .concurrency(concurrency)
            .items()
            .try_collect()
            .await
            .unwrap();
        let got: Vec<String> = items.into_iter().map(|i| i.image_id.unwrap()).collect();
        assert_eq!(got, ids, "{count} / {page_size} / {concurrency}");
        let pages = count.div_ceil(page_size as usize).max(1);
        assert_eq!(fake.request_count("DescribeImage"), pages, "{count} / {page_size} / {concurrency}");
        let most = counting.most.load(std::sync::atomic::Ordering::SeqCst);
        assert!(most <= concurrency, "{most} in flight");
        if pages > 2 {
            assert!(most > 1, "pages were fetched ahead");
            // The first page alone, then rounds of `concurrency` pages, 20 ms each.
            let rounds = 1 + (pages - 1).div_ceil(concurrency);
            assert_eq!(started.elapsed().as_millis() as usize, rounds * 20, "{count} / {page_size} / {concurrency}");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_dropped_stream_sends_nothing_more() {
    let (fake, _, _, client) = counted(1000);
    let mut pages = client.describe_image().into_paginator().page_size(10).concurrency(4).pages();
    pages.next().await.unwrap().unwrap();
    pages.next().await.unwrap().unwrap();
    drop(pages);
    let sent = fake.request_count("DescribeImage");
    assert!(sent <= 1 + 4, "the first page, then at most 4 in flight: {sent}");
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    assert_eq!(fake.request_count("DescribeImage"), sent);
}

#[tokio::test]
async fn a_server_that_caps_the_page_size_is_followed() {
    // Asked for 100 a page, the server answers 10 at a time.
    let mock = MockTransport::new();
    for p in 0..4 {
        mock.push_json(200, &page(40, p * 10..p * 10 + 10));
    }
    let items: Vec<ImageInfo> =
        mock_client(&mock).describe_image().into_paginator().concurrency(3).items().try_collect().await.unwrap();
    assert_eq!(items.len(), 40);
    let offsets: Vec<String> =
        mock.requests().iter().map(|r| r.form().into_iter().find(|(k, _)| k == "Offset").unwrap().1).collect();
    assert_eq!(offsets, ["0", "10", "20", "30"]);
}

#[tokio::test]
async fn concurrency_zero_is_refused() {
    let mock = MockTransport::new();
    let err = mock_client(&mock).describe_image().into_paginator().concurrency(0).items().try_next().await.unwrap_err();
    assert!(matches!(&err, Error::InvalidRequest { field, .. } if field == "concurrency"), "{err:?}");
    assert!(mock.requests().is_empty());
}

#[tokio::test(start_paused = true)]
async fn vms_are_paged_ahead_too() {
    let fake = FakeUCloudStack::builder().vm_ids((0..25).map(|i| format!("vm-{i:02}"))).in_process();
    let vms: Vec<_> = fake
        .client()
        .describe_vm_instance()
        .into_paginator()
        .page_size(4)
        .concurrency(3)
        .items()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = vms.iter().map(|vm| vm.vm_id.clone().unwrap()).collect();
    assert_eq!(ids, (0..25).map(|i| format!("vm-{i:02}")).collect::<Vec<_>>());
    assert_eq!(fake.request_count("DescribeVMInstance"), 7);
}

#[tokio::test]
async fn a_short_first_page_sets_the_stride_and_every_request_is_one_by_ones() {
    // Asked for 10, the first page holds 9 of 27: the next pages are at 9 and 18, and ask
    // for 10 as one-page-at-a-time paging would.
    let mock = MockTransport::new();
    mock.push_json(200, &page(27, 0..9)).push_json(200, &page(27, 9..18)).push_json(200, &page(27, 18..27));
    let items = ahead(&mock, 10, 2).await;
    assert_eq!(items.len(), 27);
    let asked: Vec<(String, String)> = mock
        .requests()
        .iter()
        .map(|r| {
            let form = r.form();
            let get = |key: &str| form.iter().find(|(k, _)| k == key).unwrap().1.clone();
            (get("Offset"), get("Limit"))
        })
        .collect();
    let want = [("0", "10"), ("9", "10"), ("18", "10")].map(|(o, l)| (o.to_owned(), l.to_owned()));
    assert_eq!(asked, want);
}

/// Every image of the mock's pages, `concurrency` pages at a time.
async fn ahead(mock: &MockTransport, page_size: u32, concurrency: usize) -> Vec<ImageInfo> {
    let paginator = mock_client(mock).describe_image().into_paginator().page_size(page_size).concurrency(concurrency);
    paginator.items().try_collect().await.unwrap()
}

// -- Pages ahead against a real HTTP server: the same items as one page after the other.

/// A wiremock listing of images `0..len` that answers each request from its Offset and Limit.
#[derive(Clone)]
struct Listing {
    len: usize,
    total: i64,
    /// Every page holds this many items, whatever the Limit.
    ignores_limit: Option<usize>,
    /// The page at this offset holds this many items instead.
    odd: Vec<(usize, usize)>,
}

impl Listing {
    fn new(len: usize) -> Self {
        Listing { len, total: len as i64, ignores_limit: None, odd: Vec::new() }
    }

    async fn serve(self) -> wiremock::MockServer {
        let server = wiremock::MockServer::builder().start().await;
        wiremock::Mock::given(wiremock::matchers::method("POST")).respond_with(self).mount(&server).await;
        server
    }
}

impl wiremock::Respond for Listing {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        let form = crate::support::form(request);
        let get = |key| crate::support::param(&form, key).and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
        let offset = get("Offset").min(self.len);
        let mut count = self.ignores_limit.unwrap_or(get("Limit"));
        if let Some(&(_, odd)) = self.odd.iter().find(|(at, _)| *at == offset) {
            count = odd;
        }
        let body = page(self.total, offset..(offset + count).min(self.len));
        wiremock::ResponseTemplate::new(200).set_body_raw(body, "application/json")
    }
}

/// The image ids, one page after the other and with `concurrency` pages ahead.
async fn one_by_one_and_ahead(server: &wiremock::MockServer, page_size: u32, concurrency: usize) -> [Vec<String>; 2] {
    let client = crate::support::client_for(server);
    let mut out = [Vec::new(), Vec::new()];
    for (ids, concurrency) in out.iter_mut().zip([1, concurrency]) {
        let paginator = client.describe_image().into_paginator().page_size(page_size).concurrency(concurrency);
        let items: Vec<ImageInfo> = paginator.items().try_collect().await.unwrap();
        *ids = items.into_iter().map(|i| i.image_id.unwrap()).collect();
    }
    assert_eq!(out[1].len(), out[0].len(), "items ahead and one by one");
    out
}

fn image_ids(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("cn-image-{i:04}")).collect()
}

#[tokio::test]
async fn a_short_or_long_page_mid_list_gives_what_one_by_one_gives() {
    // TotalCount stays 1,000: the page at 200 holds 99, the one at 399 holds 101.
    let server = Listing { odd: vec![(200, 99), (399, 101)], ..Listing::new(1000) }.serve().await;
    let [one_by_one, ahead] = one_by_one_and_ahead(&server, 100, 8).await;
    assert_eq!(one_by_one, image_ids(0..1000));
    assert_eq!(ahead, one_by_one);

    // An empty page mid-list ends the list both ways.
    let server = Listing { odd: vec![(300, 0)], ..Listing::new(1000) }.serve().await;
    let [one_by_one, ahead] = one_by_one_and_ahead(&server, 100, 8).await;
    assert_eq!(one_by_one, image_ids(0..300));
    assert_eq!(ahead, one_by_one);
}

#[tokio::test]
async fn a_server_ignoring_limit_gives_no_duplicates() {
    // Asked for 10 a page, the server answers 100.
    let server = Listing { ignores_limit: Some(100), ..Listing::new(1000) }.serve().await;
    let [one_by_one, ahead] = one_by_one_and_ahead(&server, 10, 8).await;
    assert_eq!(one_by_one, image_ids(0..1000));
    assert_eq!(ahead, one_by_one);
    assert_eq!(server.received_requests().await.unwrap().len(), 2 * 10, "no request wasted");
}

#[tokio::test]
async fn a_negative_total_count_is_unknown_and_paging_goes_on_to_an_empty_page() {
    let server = Listing { total: -1, ..Listing::new(250) }.serve().await;
    let [one_by_one, ahead] = one_by_one_and_ahead(&server, 100, 8).await;
    assert_eq!(one_by_one, image_ids(0..250));
    assert_eq!(ahead, one_by_one);
    let offsets: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| crate::support::param(&crate::support::form(r), "Offset").unwrap().to_owned())
        .collect();
    assert_eq!(offsets, ["0", "100", "200", "250"].repeat(2), "one page after the other, to the empty page");
}

#[tokio::test]
async fn concurrency_is_clamped_to_max_concurrency() {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use ucloudstack::paginate::MAX_CONCURRENCY;
    /// Counts the requests; every page but the first answers after a second.
    struct Slow(Listing, std::sync::Arc<AtomicUsize>);
    impl wiremock::Respond for Slow {
        fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
            let first = self.1.fetch_add(1, SeqCst) == 0;
            let answer = self.0.respond(request);
            if first { answer } else { answer.set_delay(std::time::Duration::from_secs(1)) }
        }
    }
    let arrived = std::sync::Arc::new(AtomicUsize::new(0));
    let server = wiremock::MockServer::builder().start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(Slow(Listing::new(1000), arrived.clone()))
        .mount(&server)
        .await;
    // 100 pages of 10: all 99 after the first would go at once without the clamp.
    let client = crate::support::client_for(&server);
    let mut pages = client.describe_image().into_paginator().page_size(10).concurrency(usize::MAX).pages();
    pages.next().await.unwrap().unwrap();
    let poll = tokio::time::timeout(std::time::Duration::from_millis(600), pages.next());
    assert!(poll.await.is_err(), "the second page is still on its way");
    // No page after the first has been answered: everything that arrived is in flight at once.
    assert_eq!(arrived.load(SeqCst), 1 + MAX_CONCURRENCY);
}
