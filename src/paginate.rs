//! Pagination as a state machine: ask it for the next request, feed it the response, get the
//! page's items. It never loops forever, and says why it stopped.
//!
//! It stops at the first of: the last page by `total_pages`; a page shorter than `per_page`;
//! an empty page; `page * per_page >= total_count`; a page whose items were already seen (the
//! API ignores `page` for some credentials and returns the same page forever); the page cap.
//! The last two are [`Stop::is_anomaly`]: a host should tell its user.

use std::collections::hash_map::DefaultHasher;
use std::fmt;
use std::hash::Hasher;

use serde::Serialize;

use crate::api::Paginated;
use crate::message::{ApiResponse, ResultInfo};

/// Pages read before the paginator gives up, unless set otherwise (50,000 items at 50 a page).
pub const DEFAULT_MAX_PAGES: u32 = 1000;

/// Why a paginator stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stop {
    /// The page was the last by `total_pages`.
    LastPage,
    /// The page held fewer items than a full page.
    ShortPage,
    /// The page held no items.
    EmptyPage,
    /// `page * per_page` reached `total_count`.
    TotalCount,
    /// The page repeated items already seen on page `first_seen`; its items were dropped.
    RepeatedPage {
        /// The page that repeated.
        page: u32,
        /// The page the same items first came on.
        first_seen: u32,
    },
    /// The page cap was reached with more pages left.
    PageCap {
        /// The cap.
        max_pages: u32,
    },
}

impl Stop {
    /// True when the listing may be incomplete: a repeated page or the page cap.
    pub fn is_anomaly(&self) -> bool {
        matches!(self, Stop::RepeatedPage { .. } | Stop::PageCap { .. })
    }

    /// A stable JSON view for the hosts: `{"reason", "anomaly", "message", ...}` with
    /// `reason` one of `last_page`, `short_page`, `empty_page`, `total_count`,
    /// `repeated_page` (with `page`, `first_seen`), `page_cap` (with `max_pages`).
    pub fn to_json(&self) -> serde_json::Value {
        let mut view = serde_json::Map::new();
        let reason = match *self {
            Stop::LastPage => "last_page",
            Stop::ShortPage => "short_page",
            Stop::EmptyPage => "empty_page",
            Stop::TotalCount => "total_count",
            Stop::RepeatedPage { page, first_seen } => {
                view.insert("page".into(), page.into());
                view.insert("first_seen".into(), first_seen.into());
                "repeated_page"
            }
            Stop::PageCap { max_pages } => {
                view.insert("max_pages".into(), max_pages.into());
                "page_cap"
            }
        };
        view.insert("reason".into(), reason.into());
        view.insert("anomaly".into(), self.is_anomaly().into());
        view.insert("message".into(), self.to_string().into());
        serde_json::Value::Object(view)
    }
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::LastPage => f.write_str("last page reached"),
            Stop::ShortPage => f.write_str("short page: no more items"),
            Stop::EmptyPage => f.write_str("empty page: no more items"),
            Stop::TotalCount => f.write_str("total_count reached"),
            Stop::RepeatedPage { page, first_seen } => write!(
                f,
                "page {page} repeated page {first_seen}: the API ignored `page`; stopped to avoid a loop"
            ),
            Stop::PageCap { max_pages } => {
                write!(f, "stopped at the cap of {max_pages} pages with more left")
            }
        }
    }
}

/// The state shared by the typed and the by-name paginators.
#[derive(Debug, Clone)]
pub struct PageState {
    next: Option<u32>,
    per_page: Option<u32>,
    pages_read: u32,
    max_pages: u32,
    /// Fingerprint of each page read, with its page number (at most `max_pages` of them: a
    /// list is small enough to search, and smaller in the .wasm than a map).
    seen: Vec<(u64, u32)>,
    stop: Option<Stop>,
}

impl PageState {
    /// Starts at `first_page` (default 1) with the requested `per_page` (default: the API's).
    pub fn new(first_page: Option<u32>, per_page: Option<u32>) -> Self {
        PageState {
            next: Some(first_page.unwrap_or(1).max(1)),
            per_page,
            pages_read: 0,
            max_pages: DEFAULT_MAX_PAGES,
            seen: Vec::new(),
            stop: None,
        }
    }

    /// Sets the page cap (at least 1).
    pub fn set_max_pages(&mut self, max_pages: u32) {
        self.max_pages = max_pages.max(1);
    }

    /// The page to ask for next, or `None` when done.
    pub fn next_page(&self) -> Option<u32> {
        self.next
    }

    /// Why it stopped, once it has.
    pub fn stop(&self) -> Option<&Stop> {
        self.stop.as_ref()
    }

    /// Records the page just read; returns false when its items must be dropped (a repeat).
    pub fn feed(&mut self, item_count: usize, fingerprint: u64, info: Option<&ResultInfo>) -> bool {
        let Some(page) = self.next.take() else {
            return false;
        };
        self.pages_read += 1;
        if item_count > 0 {
            if let Some(&(_, first_seen)) = self.seen.iter().find(|(f, _)| *f == fingerprint) {
                self.stop = Some(Stop::RepeatedPage { page, first_seen });
                return false;
            }
            self.seen.push((fingerprint, page));
        }
        let info = info.cloned().unwrap_or_default();
        let per_page = info.per_page.or(self.per_page.map(u64::from)).unwrap_or(20);
        let count = item_count as u64;
        let page64 = u64::from(page);
        self.stop = if count == 0 {
            Some(Stop::EmptyPage)
        } else if info.total_pages.is_some_and(|total| page64 >= total) {
            Some(Stop::LastPage)
        } else if count < per_page {
            Some(Stop::ShortPage)
        } else if info
            .total_count
            .is_some_and(|total| page64 * per_page >= total)
        {
            Some(Stop::TotalCount)
        } else if self.pages_read >= self.max_pages {
            Some(Stop::PageCap {
                max_pages: self.max_pages,
            })
        } else {
            None
        };
        if self.stop.is_none() {
            self.next = Some(page + 1);
        }
        true
    }
}

impl PageState {
    /// Records a page and returns its items, or none when the page repeats an earlier one.
    pub fn take_page<T: Serialize>(&mut self, items: Vec<T>, info: Option<&ResultInfo>) -> Vec<T> {
        if self.feed(items.len(), fingerprint(&items), info) {
            items
        } else {
            Vec::new()
        }
    }
}

/// A stable fingerprint of a page's items, to notice a page the API sends again.
pub fn fingerprint<T: Serialize>(items: &[T]) -> u64 {
    let mut hasher = DefaultHasher::new();
    let bytes = serde_json::to_vec(items).unwrap_or_default();
    hasher.write(&bytes);
    hasher.finish()
}

/// Walks every page of a list operation.
///
/// ```
/// use cloudflare_tenant::api::roles::ListRoles;
/// use cloudflare_tenant::Paginator;
///
/// let mut pages = Paginator::new(ListRoles {
///     account_id: "023e105f4ecef8ad9ca31a8372d0c353".into(),
///     per_page: Some(50),
///     ..Default::default()
/// });
/// while let Some(op) = pages.next_request() {
///     // send client.request(&op)?, then: let items = pages.feed(client.response::<ListRoles>(&resp)?);
///     # let _ = op; break;
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Paginator<O> {
    operation: O,
    state: PageState,
}

impl<O: Paginated> Paginator<O> {
    /// Starts at the operation's `page` (default 1).
    pub fn new(operation: O) -> Self {
        let state = PageState::new(operation.page(), operation.per_page());
        Paginator { operation, state }
    }

    /// Sets the page cap.
    pub fn max_pages(mut self, max_pages: u32) -> Self {
        self.state.set_max_pages(max_pages);
        self
    }

    /// The operation for the next page, or `None` when done.
    pub fn next_request(&self) -> Option<O> {
        let page = self.state.next_page()?;
        let mut operation = self.operation.clone();
        operation.set_page(page);
        Some(operation)
    }

    /// Takes the response to the last request and returns the page's new items.
    pub fn feed(&mut self, response: ApiResponse<Vec<O::Item>>) -> Vec<O::Item> {
        self.state
            .take_page(response.result, response.result_info.as_ref())
    }

    /// Why it stopped, once it has.
    pub fn stop(&self) -> Option<&Stop> {
        self.state.stop()
    }
}
