//! Every image across pages of DescribeImage, as a `futures::Stream`.

use crate::image::{
    DescribeImageFluentBuilder, DescribeImageRequest, DescribeImageRequestBuilder, DescribeImageResponse, ImageInfo,
    MAX_LIMIT,
};
use crate::{Action, CallOptions, Client, Error};
use futures_core::Stream;
use futures_util::{StreamExt, TryStreamExt, stream};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::pin::Pin;
use std::task::{Context, Poll};

/// How many times the same page may come back, anywhere in the list, before the paginator
/// gives up.
const MAX_REPEATS: usize = 3;

/// The most pages a paginator fetches unless told otherwise: a guard against a server that
/// never stops answering with more.
pub const DEFAULT_MAX_PAGES: usize = 10_000;

/// Pages through DescribeImage: made by
/// [`DescribeImageFluentBuilder::into_paginator`], consumed as [`pages`](Self::pages) or
/// [`items`](Self::items).
///
/// Nothing is sent until the stream is polled. Each page asks for `page_size` images (default
/// 100, or the request's own `limit`) from the request's own `offset` (default 0); the offset
/// advances by the images received, and the stream ends on an empty page or when the offset
/// reaches `TotalCount`. Only one page is held at a time. An error ends the stream after it is
/// yielded.
///
/// Offset paging is not a snapshot: images created or deleted while paging can shift the
/// list, so an image may be seen twice or missed. A server that returns the same page three
/// times in a row, or a list longer than [`max_pages`](Self::max_pages), ends the stream with
/// [`Error::Pagination`].
///
/// ```no_run
/// # async fn run(client: ucloudstack::Client) -> Result<(), ucloudstack::Error> {
/// use futures::TryStreamExt;
/// use ucloudstack::image::ImageType;
///
/// let mut images = client.describe_image().image_type(ImageType::Custom).into_paginator().items();
/// while let Some(image) = images.try_next().await? {
///     println!("{:?}", image.image_id);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a paginator does nothing until .pages() or .items() is polled"]
pub struct DescribeImagePaginator {
    client: Client,
    request: DescribeImageRequestBuilder,
    options: CallOptions,
    page_size: Option<u32>,
    max_pages: usize,
}

impl DescribeImageFluentBuilder {
    /// Pages through every image the request matches; see [`DescribeImagePaginator`].
    pub fn into_paginator(self) -> DescribeImagePaginator {
        let (client, request, options) = self.into_parts();
        DescribeImagePaginator { client, request, options, page_size: None, max_pages: DEFAULT_MAX_PAGES }
    }
}

impl DescribeImagePaginator {
    /// Images per page, 1 to 100 (default 100, or the request's own `limit`).
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// The most pages to fetch before failing (default [`DEFAULT_MAX_PAGES`]).
    pub fn max_pages(mut self, max_pages: usize) -> Self {
        self.max_pages = max_pages.max(1);
        self
    }

    /// The pages, as they arrive. The first page is yielded even when empty, so its
    /// `total_count` can be read.
    pub fn pages(self) -> DescribeImagePages {
        let page_size = self.page_size;
        let start = self.request.build().and_then(|mut request| {
            request.limit = Some(page_size.or(request.limit).unwrap_or(MAX_LIMIT));
            request.validate()?;
            Ok(request)
        });
        let state = match start {
            Ok(request) => State::Next(Box::new(Cursor {
                client: self.client,
                options: self.options,
                offset: request.offset.unwrap_or(0),
                request,
                fetched: 0,
                max_pages: self.max_pages,
                seen: HashMap::new(),
            })),
            Err(error) => State::Failed(error),
        };
        DescribeImagePages { inner: stream::unfold(state, next_page).boxed() }
    }

    /// The images, one by one, across pages.
    pub fn items(self) -> DescribeImageItems {
        let items = self.pages().map_ok(|page| stream::iter(page.infos.into_iter().map(Ok))).try_flatten();
        DescribeImageItems { inner: items.boxed() }
    }
}

/// Where the paginator is between pages.
struct Cursor {
    client: Client,
    options: CallOptions,
    request: DescribeImageRequest,
    offset: u32,
    fetched: usize,
    max_pages: usize,
    /// How many times each page (by a hash of its content) has been seen.
    seen: HashMap<u64, usize>,
}

enum State {
    Next(Box<Cursor>),
    Failed(Error),
    Done,
}

fn guard_error(reason: String) -> Error {
    Error::Pagination { action: DescribeImageRequest::NAME.to_owned(), reason }
}

async fn next_page(state: State) -> Option<(Result<DescribeImageResponse, Error>, State)> {
    let mut cursor = match state {
        State::Next(cursor) => cursor,
        State::Failed(error) => return Some((Err(error), State::Done)),
        State::Done => return None,
    };
    if cursor.fetched >= cursor.max_pages {
        let reason =
            format!("gave up after {} pages at offset {}: the list does not end", cursor.fetched, cursor.offset);
        return Some((Err(guard_error(reason)), State::Done));
    }
    let mut request = cursor.request.clone();
    request.offset = Some(cursor.offset);
    let page = match cursor.client.send_with(request, &cursor.options).await {
        Ok(page) => page,
        Err(error) => return Some((Err(error), State::Done)),
    };
    cursor.fetched += 1;
    let received = page.infos.len();
    if received == 0 {
        return if cursor.fetched == 1 { Some((Ok(page), State::Done)) } else { None };
    }
    // Images added while paging can shift one page onto the next once or twice; a server that
    // answers the same pages again and again (A, A, A or A, B, A, B, A) is broken. Pages are
    // told apart by their whole content, so images without ids count too.
    let repeats = cursor.seen.entry(fingerprint(&page.infos)).or_insert(0);
    *repeats += 1;
    if *repeats >= MAX_REPEATS {
        let reason =
            format!("the page at offset {} came back {MAX_REPEATS} times: the list does not end", cursor.offset);
        return Some((Err(guard_error(reason)), State::Done));
    }
    cursor.offset = cursor.offset.saturating_add(u32::try_from(received).unwrap_or(u32::MAX));
    let done = i64::from(cursor.offset) >= page.total_count;
    Some((Ok(page), if done { State::Done } else { State::Next(cursor) }))
}

/// A hash of a page's content.
fn fingerprint(infos: &[ImageInfo]) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    infos.hash(&mut hasher);
    hasher.finish()
}

/// A stream of results from a paginator, `Send` and `Unpin`, so it works with
/// `futures::TryStreamExt::try_next` and in `tokio::spawn`.
#[must_use = "streams do nothing unless polled"]
pub struct Paged<T> {
    inner: Pin<Box<dyn Stream<Item = Result<T, Error>> + Send>>,
}

/// The pages of a [`DescribeImagePaginator`].
pub type DescribeImagePages = Paged<DescribeImageResponse>;

/// The images of a [`DescribeImagePaginator`], across pages.
pub type DescribeImageItems = Paged<ImageInfo>;

impl<T> Stream for Paged<T> {
    type Item = Result<T, Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<T> std::fmt::Debug for Paged<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paged").finish_non_exhaustive()
    }
}
