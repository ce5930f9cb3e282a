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

/// The most requests a paginator or a bulk operation keeps in flight:
/// [`Paginator::concurrency`] and
/// [`DeleteCustomImagesBuilder::concurrency`](crate::image::DeleteCustomImagesBuilder::concurrency)
/// clamp to it.
/// Past a few dozen, more connections only load the platform without making a listing faster.
pub const MAX_CONCURRENCY: usize = 64;

/// Pages through a listing action: made by a fluent builder's `into_paginator()`, consumed as
/// [`pages`](Self::pages) or [`items`](Self::items).
///
/// Nothing is sent until the stream is polled. Each page asks for `page_size` items (default
/// 100, or the request's own `limit`) from the request's own `offset` (default 0); the offset
/// advances by the items received (a server may cap or ignore `Limit`), and the stream ends on
/// an empty page or when the offset reaches `TotalCount`. A `TotalCount` below zero means
/// "unknown": the list then ends only at an empty page. Only one page is held at a time. An
/// error ends the stream after it is yielded.
///
/// Offset paging is not a snapshot: items created or deleted while paging can shift the
/// list, so an item may be seen twice or missed. A server that returns the same page three
/// times (anywhere in the list), a list longer than [`max_pages`](Self::max_pages), or one
/// that goes past the largest `Offset` (`u32::MAX`) ends the stream with [`Error::Pagination`].
///
/// With [`concurrency`](Self::concurrency) `n` above 1, the first page is fetched alone: it
/// tells `TotalCount` and how many items a page holds. Then up to `n` of the next pages are
/// requested at once, each with the `Offset` and `Limit` that one-page-at-a-time paging would
/// send if every page held as many, and yielded in server order, holding at most `n` pages.
/// A page that breaks that plan (shorter or longer than the first, or a `TotalCount` below
/// zero) is still the right page, but the pages in flight behind it asked from the wrong
/// offsets: they are dropped, and the rest of the list is read one page after the other. So
/// the items are exactly those of one-page-at-a-time paging given the same answers. Fetching
/// ahead widens the consistency caveat: the pages are read at slightly different moments, so a
/// list that changes while it is read is the more likely to show an item twice or miss one.
/// Dropping the stream cancels the requests in flight and sends no more.
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
    /// one page after the other). Values above [`MAX_CONCURRENCY`] are clamped to it; 0 fails
    /// the stream with [`Error::InvalidRequest`] before anything is sent.
    pub fn concurrency(mut self, pages: usize) -> Self {
        self.concurrency = pages.min(MAX_CONCURRENCY);
        self
    }

    /// The pages, in server order. The first page is yielded even when empty, so its
    /// `total_count` can be read.
    pub fn pages(self) -> Paged<A::Output> {
        let (page_size, concurrency) = (self.page_size, self.concurrency);
        let start = self.request.and_then(|mut request| {
            if concurrency == 0 {
                return Err(Error::invalid("concurrency", "must be at least 1"));
            }
            let limit = page_size.or(request.limit()).unwrap_or(MAX_PAGE_SIZE);
            let offset = request.offset().unwrap_or(0);
            request.set_page(offset, limit);
            request.validate()?;
            Ok((request, offset, limit))
        });
        let state = match start {
            Ok((request, offset, limit)) => State::Next(Box::new(Cursor {
                client: self.client,
                options: self.options,
                request,
                offset,
                limit,
                fetched: 0,
                max_pages: self.max_pages,
                seen: HashMap::new(),
                concurrency,
                ahead: FuturesOrdered::new(),
                plan: if concurrency > 1 { Plan::AfterFirst } else { Plan::OneByOne },
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

type PageFuture<A> = Pin<Box<dyn Future<Output = (u32, Result<<A as Action>::Output, Error>)> + Send>>;

/// Where the paginator is between pages: where one-page-at-a-time paging would ask next, and
/// the pages already asked for ahead of it.
struct Cursor<A: PagedAction> {
    client: Client,
    options: CallOptions,
    request: A,
    /// The next page's `Offset`: the request's own offset plus the items received.
    offset: u32,
    /// Every page's `Limit`.
    limit: u32,
    fetched: usize,
    max_pages: usize,
    /// How many times each page (by a hash of its content) has been seen.
    seen: HashMap<u64, usize>,
    concurrency: usize,
    /// Pages requested ahead, in order; the first is always at `offset`.
    ahead: FuturesOrdered<PageFuture<A>>,
    plan: Plan,
}

/// How the next pages are requested.
#[derive(Clone, Copy)]
enum Plan {
    /// Ahead, once the first page has told `TotalCount` and a page's length.
    AfterFirst,
    /// `step` items a page, up to `total`; `next` is the offset of the next page to request.
    Ahead { next: u64, step: u32, total: i64 },
    /// One page after the other, for good.
    OneByOne,
}

enum State<A: PagedAction> {
    Next(Box<Cursor<A>>),
    Failed(Error),
    Done,
}

fn guard_error<A: Action>(reason: String) -> Error {
    Error::Pagination { action: A::NAME.to_owned(), reason }
}

impl<A: PagedAction> Cursor<A> {
    fn fetch(&self, offset: u32) -> PageFuture<A> {
        let (client, options, mut request) = (self.client.clone(), self.options.clone(), self.request.clone());
        request.set_page(offset, self.limit);
        Box::pin(async move { (offset, client.send_with(request, &options).await) })
    }

    /// The page at `offset`: from the pages in flight, topped up first, or fetched now.
    async fn next(&mut self) -> Result<A::Output, Error> {
        if let Plan::Ahead { mut next, step, total } = self.plan {
            while self.ahead.len() < self.concurrency && self.fetched + self.ahead.len() < self.max_pages {
                let Some(offset) = u32::try_from(next).ok().filter(|&offset| i64::from(offset) < total) else { break };
                self.ahead.push_back(self.fetch(offset));
                next += u64::from(step);
            }
            self.plan = Plan::Ahead { next, step, total };
        }
        if let Some((offset, result)) = self.ahead.next().await {
            if offset == self.offset {
                return result;
            }
            // Never expected: a plan that broke is dropped with its pages. Ask again.
            self.stop_ahead();
        }
        self.fetch(self.offset).await.1
    }

    /// After a page of `received` items that does not end the list: goes on ahead while the
    /// pages tile as planned, else drops the pages in flight and goes one by one.
    fn replan(&mut self, received: u32, total: i64) {
        match &mut self.plan {
            Plan::AfterFirst if total >= 0 => {
                self.plan = Plan::Ahead { next: u64::from(self.offset), step: received, total }
            }
            Plan::Ahead { step, total: planned, .. } if *step == received && total >= 0 => *planned = total,
            _ => self.stop_ahead(),
        }
    }

    fn stop_ahead(&mut self) {
        self.plan = Plan::OneByOne;
        self.ahead = FuturesOrdered::new();
    }
}

async fn next_page<A: PagedAction>(state: State<A>) -> Option<(Result<A::Output, Error>, State<A>)> {
    let mut cursor = match state {
        State::Next(cursor) => cursor,
        State::Failed(error) => return Some((Err(error), State::Done)),
        State::Done => return None,
    };
    // Returning without the cursor drops it, and with it the requests in flight.
    if cursor.fetched >= cursor.max_pages {
        let reason =
            format!("gave up after {} pages at offset {}: the list does not end", cursor.fetched, cursor.offset);
        return Some((Err(guard_error::<A>(reason)), State::Done));
    }
    let page = match cursor.next().await {
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
    let Some((received, next)) =
        u32::try_from(received).ok().and_then(|received| Some((received, cursor.offset.checked_add(received)?)))
    else {
        let reason = format!("the list goes past offset {}, the largest Offset there is", u32::MAX);
        return Some((Err(guard_error::<A>(reason)), State::Done));
    };
    cursor.offset = next;
    let total = A::total_count(&page);
    if total >= 0 && i64::from(next) >= total {
        return Some((Ok(page), State::Done));
    }
    cursor.replan(received, total);
    Some((Ok(page), State::Next(cursor)))
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
