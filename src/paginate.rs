//! Every item of a listing action across its pages, as a `futures::Stream`: the machinery
//! every paginator shares. Each service's paginators sit next to their actions
//! (`DescribeImageFluentBuilder::into_paginator`).

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

/// The largest page the listing actions accept (`Limit` 1 to 100).
pub const MAX_PAGE_SIZE: u32 = 100;

/// A listing action: `Offset` and `Limit` in, `TotalCount` and a list out.
pub trait PagedAction: Action + Clone + 'static {
    /// One element of the list, e.g. [`ImageInfo`](crate::image::ImageInfo).
    type Item: Send + 'static;

    /// The request's own `Offset`, if set.
    fn offset(&self) -> Option<u32>;
    /// The request's own `Limit`, if set.
    fn limit(&self) -> Option<u32>;
    /// Sets `Offset` and `Limit`.
    fn set_page(&mut self, offset: u32, limit: u32);
    /// The list of one page.
    fn items(page: &Self::Output) -> &[Self::Item];
    /// The list of one page, taken out of it.
    fn into_items(page: Self::Output) -> Vec<Self::Item>;
    /// `TotalCount` of one page.
    fn total_count(page: &Self::Output) -> i64;
    /// A hash of a page's content, to see a page that keeps coming back.
    fn fingerprint(items: &[Self::Item]) -> u64;
}

/// Pages through a listing action: made by a fluent builder's `into_paginator()`, consumed as
/// [`pages`](Self::pages) or [`items`](Self::items).
///
/// Nothing is sent until the stream is polled. Each page asks for `page_size` items (default
/// 100, or the request's own `limit`) from the request's own `offset` (default 0); the offset
/// advances by the items received, and the stream ends on an empty page or when the offset
/// reaches `TotalCount`. Only one page is held at a time. An error ends the stream after it is
/// yielded.
///
/// Offset paging is not a snapshot: items created or deleted while paging can shift the
/// list, so an item may be seen twice or missed. A server that returns the same page three
/// times (anywhere in the list), or a list longer than [`max_pages`](Self::max_pages), ends
/// the stream with [`Error::Pagination`].
#[must_use = "a paginator does nothing until .pages() or .items() is polled"]
pub struct Paginator<A: PagedAction> {
    client: Client,
    request: Result<A, Error>,
    options: CallOptions,
    page_size: Option<u32>,
    max_pages: usize,
}

impl<A: PagedAction + std::fmt::Debug> std::fmt::Debug for Paginator<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginator")
            .field("request", &self.request)
            .field("options", &self.options)
            .field("page_size", &self.page_size)
            .field("max_pages", &self.max_pages)
            .finish_non_exhaustive()
    }
}

impl<A: PagedAction> Clone for Paginator<A> {
    fn clone(&self) -> Self {
        let request = match &self.request {
            Ok(request) => Ok(request.clone()),
            // Errors are not Clone; the clone reports the same rule broken.
            Err(Error::InvalidRequest { field, rule }) => Err(Error::invalid(field.clone(), rule.clone())),
            Err(other) => Err(Error::invalid("request", other.to_string())),
        };
        Paginator {
            client: self.client.clone(),
            request,
            options: self.options.clone(),
            page_size: self.page_size,
            max_pages: self.max_pages,
        }
    }
}

impl<A: PagedAction> crate::CallOptionsBuilder for Paginator<A> {
    fn call_options(&mut self) -> &mut CallOptions {
        &mut self.options
    }
}

impl<A: PagedAction> Paginator<A> {
    /// A paginator for `request` (its build result: an invalid request fails the stream).
    pub(crate) fn new(client: Client, request: Result<A, Error>, options: CallOptions) -> Self {
        Paginator { client, request, options, page_size: None, max_pages: DEFAULT_MAX_PAGES }
    }

    /// Items per page, 1 to 100 (default 100, or the request's own `limit`).
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
    pub fn pages(self) -> Paged<A::Output> {
        let page_size = self.page_size;
        let start = self.request.and_then(|mut request| {
            let limit = page_size.or(request.limit()).unwrap_or(MAX_PAGE_SIZE);
            let offset = request.offset().unwrap_or(0);
            request.set_page(offset, limit);
            request.validate()?;
            Ok((request, offset))
        });
        let state = match start {
            Ok((request, offset)) => State::Next(Box::new(Cursor {
                client: self.client,
                options: self.options,
                offset,
                request,
                fetched: 0,
                max_pages: self.max_pages,
                seen: HashMap::new(),
            })),
            Err(error) => State::Failed(error),
        };
        Paged { inner: stream::unfold(state, next_page::<A>).boxed() }
    }

    /// The items, one by one, across pages.
    pub fn items(self) -> Paged<A::Item> {
        let items = self.pages().map_ok(|page| stream::iter(A::into_items(page).into_iter().map(Ok))).try_flatten();
        Paged { inner: items.boxed() }
    }
}

/// Where the paginator is between pages.
struct Cursor<A> {
    client: Client,
    options: CallOptions,
    request: A,
    offset: u32,
    fetched: usize,
    max_pages: usize,
    /// How many times each page (by a hash of its content) has been seen.
    seen: HashMap<u64, usize>,
}

enum State<A> {
    Next(Box<Cursor<A>>),
    Failed(Error),
    Done,
}

fn guard_error<A: Action>(reason: String) -> Error {
    Error::Pagination { action: A::NAME.to_owned(), reason }
}

async fn next_page<A: PagedAction>(state: State<A>) -> Option<(Result<A::Output, Error>, State<A>)> {
    let mut cursor = match state {
        State::Next(cursor) => cursor,
        State::Failed(error) => return Some((Err(error), State::Done)),
        State::Done => return None,
    };
    if cursor.fetched >= cursor.max_pages {
        let reason =
            format!("gave up after {} pages at offset {}: the list does not end", cursor.fetched, cursor.offset);
        return Some((Err(guard_error::<A>(reason)), State::Done));
    }
    let mut request = cursor.request.clone();
    let limit = cursor.request.limit().unwrap_or(MAX_PAGE_SIZE);
    request.set_page(cursor.offset, limit);
    let page = match cursor.client.send_with(request, &cursor.options).await {
        Ok(page) => page,
        Err(error) => return Some((Err(error), State::Done)),
    };
    cursor.fetched += 1;
    let received = A::items(&page).len();
    if received == 0 {
        return if cursor.fetched == 1 { Some((Ok(page), State::Done)) } else { None };
    }
    // Items added while paging can shift one page onto the next once or twice; a server that
    // answers the same pages again and again (A, A, A or A, B, A, B, A) is broken. Pages are
    // told apart by their whole content, so items without ids count too.
    let repeats = cursor.seen.entry(A::fingerprint(A::items(&page))).or_insert(0);
    *repeats += 1;
    if *repeats >= MAX_REPEATS {
        let reason =
            format!("the page at offset {} came back {MAX_REPEATS} times: the list does not end", cursor.offset);
        return Some((Err(guard_error::<A>(reason)), State::Done));
    }
    cursor.offset = cursor.offset.saturating_add(u32::try_from(received).unwrap_or(u32::MAX));
    let done = i64::from(cursor.offset) >= A::total_count(&page);
    Some((Ok(page), if done { State::Done } else { State::Next(cursor) }))
}

/// A hash of a page's content, for items that hash.
pub(crate) fn hash_fingerprint<T: Hash>(items: &[T]) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    items.hash(&mut hasher);
    hasher.finish()
}

/// A hash of a page's content, for items that do not hash (floats): of their JSON.
pub(crate) fn json_fingerprint<T: serde::Serialize>(items: &[T]) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_vec(items).unwrap_or_default().hash(&mut hasher);
    hasher.finish()
}

/// A stream of results from a paginator, `Send` and `Unpin`, so it works with
/// `futures::TryStreamExt::try_next` and in `tokio::spawn`.
#[must_use = "streams do nothing unless polled"]
pub struct Paged<T> {
    inner: Pin<Box<dyn Stream<Item = Result<T, Error>> + Send>>,
}

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
