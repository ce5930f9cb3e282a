//! Every item of a listing action across its pages, as a `futures::Stream`: the machinery
//! every paginator shares. Each service's paginators sit next to their actions
//! (`DescribeImageFluentBuilder::into_paginator`).

use crate::{Action, CallOptions, Client, Error};
use futures_core::Stream;
use futures_util::stream::FuturesOrdered;
use futures_util::{StreamExt, TryStreamExt, stream};
use std::collections::HashMap;
use std::future::Future;
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

/// The most requests a paginator or a bulk operation keeps in flight at once; a larger
/// concurrency is lowered to it.
pub const MAX_CONCURRENCY: usize = 64;

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

/// Checks `Limit` against the listing actions' range.
pub(crate) fn check_limit(limit: Option<u32>) -> Result<(), Error> {
    match limit {
        Some(limit) if !(1..=MAX_PAGE_SIZE).contains(&limit) => {
            Err(Error::invalid("Limit", format!("must be between 1 and {MAX_PAGE_SIZE}, got {limit}")))
        }
        _ => Ok(()),
    }
}

/// Implements [`PagedAction`] for a request with `offset` and `limit` fields whose response has
/// `total_count` and `infos`.
macro_rules! paged_action {
    ($request:ty => $response:ty, $item:ty, $fingerprint:path) => {
        impl $crate::paginate::PagedAction for $request {
            type Item = $item;

            fn offset(&self) -> Option<u32> {
                self.offset
            }
            fn limit(&self) -> Option<u32> {
                self.limit
            }
            fn set_page(&mut self, offset: u32, limit: u32) {
                (self.offset, self.limit) = (Some(offset), Some(limit));
            }
            fn items(page: &$response) -> &[$item] {
                &page.infos
            }
            fn into_items(page: $response) -> Vec<$item> {
                page.infos
            }
            fn total_count(page: &$response) -> i64 {
                page.total_count
            }
            fn fingerprint(items: &[$item]) -> u64 {
                $fingerprint(items)
            }
        }
    };
}
pub(crate) use paged_action;

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
///
/// With [`concurrency`](Self::concurrency) `n` above 1, the first page is fetched alone (it
/// tells `TotalCount`); then up to `n` pages are requested at once, at the offsets that
/// `TotalCount` and the page size give, and yielded in server order, holding at most `n` pages.
/// The stream ends at the first page that comes back short or empty (the list shrank while
/// paging) and at the `TotalCount` the latest page reported. Fetching ahead widens the
/// consistency caveat: the pages are read at slightly different moments, so a list that
/// changes while it is read is the more likely to show an item twice or miss one. Dropping
/// the stream cancels the requests in flight and sends no more.
#[must_use = "a paginator does nothing until .pages() or .items() is polled"]
pub struct Paginator<A: PagedAction> {
    client: Client,
    request: Result<A, Error>,
    options: CallOptions,
    page_size: Option<u32>,
    max_pages: usize,
    concurrency: usize,
}

impl<A: PagedAction + std::fmt::Debug> std::fmt::Debug for Paginator<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginator")
            .field("request", &self.request)
            .field("options", &self.options)
            .field("page_size", &self.page_size)
            .field("max_pages", &self.max_pages)
            .field("concurrency", &self.concurrency)
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
            concurrency: self.concurrency,
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
        Paginator { client, request, options, page_size: None, max_pages: DEFAULT_MAX_PAGES, concurrency: 1 }
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

    /// How many page requests may be in flight at once once `TotalCount` is known (default 1:
    /// one page after the other). At least 1.
    pub fn concurrency(mut self, pages: usize) -> Self {
        self.concurrency = pages;
        self
    }

    /// The pages, in server order. The first page is yielded even when empty, so its
    /// `total_count` can be read.
    pub fn pages(self) -> Paged<A::Output> {
        let page_size = self.page_size;
        let concurrency = self.concurrency;
        let start = self.request.and_then(|mut request| {
            if concurrency == 0 {
                return Err(Error::invalid("concurrency", "must be at least 1"));
            }
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
        if concurrency <= 1 {
            return Paged { inner: stream::unfold(state, next_page::<A>).boxed() };
        }
        let ahead = Ahead { state, in_flight: FuturesOrdered::new(), next_offset: 0, end: 0, step: 1, concurrency };
        Paged { inner: stream::unfold(ahead, next_page_ahead::<A>).boxed() }
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

type PageFuture<A> = Pin<Box<dyn Future<Output = (u32, Result<<A as Action>::Output, Error>)> + Send>>;

/// A paginator that fetches pages ahead: the first page alone, then up to `concurrency` at a
/// time, yielded in order.
struct Ahead<A: PagedAction> {
    state: State<A>,
    in_flight: FuturesOrdered<PageFuture<A>>,
    /// The offset of the next page to request.
    next_offset: u32,
    /// `TotalCount`, as the latest page said.
    end: i64,
    /// How many items a full page holds, as the first page showed (a server may cap `Limit`).
    step: u32,
    concurrency: usize,
}

fn fetch<A: PagedAction>(cursor: &Cursor<A>, offset: u32) -> PageFuture<A> {
    let (client, options, mut request) = (cursor.client.clone(), cursor.options.clone(), cursor.request.clone());
    let limit = request.limit().unwrap_or(MAX_PAGE_SIZE);
    request.set_page(offset, limit);
    Box::pin(async move { (offset, client.send_with(request, &options).await) })
}

async fn next_page_ahead<A: PagedAction>(mut ahead: Ahead<A>) -> Option<(Result<A::Output, Error>, Ahead<A>)> {
    let cursor = match std::mem::replace(&mut ahead.state, State::Done) {
        State::Next(cursor) => cursor,
        State::Failed(error) => return Some((Err(error), ahead)),
        State::Done => return None,
    };
    let limit = cursor.request.limit().unwrap_or(MAX_PAGE_SIZE);
    if cursor.fetched == 0 {
        // The first page alone: it tells TotalCount.
        let offset = cursor.offset;
        let (_, result) = fetch(&cursor, offset).await;
        return ahead.accept(cursor, offset, limit, result);
    }
    // Keep up to `concurrency` requests in flight, within TotalCount and the page guard.
    while ahead.in_flight.len() < ahead.concurrency
        && i64::from(ahead.next_offset) < ahead.end
        && cursor.fetched + ahead.in_flight.len() < cursor.max_pages
    {
        ahead.in_flight.push_back(fetch(&cursor, ahead.next_offset));
        ahead.next_offset = ahead.next_offset.saturating_add(ahead.step);
    }
    if ahead.in_flight.is_empty() {
        if i64::from(ahead.next_offset) < ahead.end {
            let reason = format!(
                "gave up after {} pages at offset {}: the list does not end",
                cursor.fetched, ahead.next_offset
            );
            return Some((Err(guard_error::<A>(reason)), ahead));
        }
        return None;
    }
    let (offset, result) = ahead.in_flight.next().await?;
    ahead.accept(cursor, offset, limit, result)
}

impl<A: PagedAction> Ahead<A> {
    /// Takes one page in order: what to yield (nothing for an empty page after the first),
    /// and whether the list goes on.
    fn accept(
        mut self,
        mut cursor: Box<Cursor<A>>,
        offset: u32,
        limit: u32,
        result: Result<A::Output, Error>,
    ) -> Option<(Result<A::Output, Error>, Self)> {
        let page = match result {
            Ok(page) => page,
            Err(error) => {
                self.in_flight = FuturesOrdered::new();
                return Some((Err(error), self));
            }
        };
        let first = cursor.fetched == 0;
        cursor.fetched += 1;
        let received = A::items(&page).len();
        let repeats = cursor.seen.entry(A::fingerprint(A::items(&page))).or_insert(0);
        *repeats += 1;
        if received > 0 && *repeats >= MAX_REPEATS {
            self.in_flight = FuturesOrdered::new();
            let reason = format!("the page at offset {offset} came back {MAX_REPEATS} times: the list does not end");
            return Some((Err(guard_error::<A>(reason)), self));
        }
        self.end = A::total_count(&page);
        let end_of_page = i64::from(offset) + received as i64;
        // A short or empty page is the end of the list as it is now: the rest was planned
        // from a TotalCount that no longer holds.
        if first {
            // A server may cap Limit: the first page says how long a full page is, and the
            // next pages ask for that many, so that they tile the list without overlap.
            self.step = u32::try_from(received).unwrap_or(limit).clamp(1, limit.max(1));
            self.next_offset = offset.saturating_add(self.step);
            cursor.request.set_page(self.next_offset, self.step);
        }
        let short = !first && received < self.step as usize;
        let ends = received == 0 || short || end_of_page >= self.end;
        if ends {
            // Requests in flight are cancelled here, and no more are made.
            self.in_flight = FuturesOrdered::new();
            if received == 0 && !first {
                return None;
            }
        } else {
            self.state = State::Next(cursor);
        }
        Some((Ok(page), self))
    }
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
