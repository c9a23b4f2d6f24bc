//! A paginated list, by name: one [`Call`] per page, each paced and retried as any call, and
//! the paginator deciding when to stop.

use http::Request;
use serde_json::Value;

use super::{Call, Clock, Pacers, Step};
use crate::auth::Credentials;
use crate::client::Client;
use crate::error::Error;
use crate::message::ApiResponse;
use crate::named::{CheckedResult, NamedPaginator};
use crate::paginate::Stop;
use crate::retry::{Attempt, RetryPolicy};

/// Lists take no idempotency key: a GET is safe to resend as it is.
const NO_KEY: [u8; 16] = [0; 16];

/// What the host does next with a list.
#[derive(Debug)]
pub enum ListStep {
    /// Send this request, then [`List::feed`] what happened.
    Send(Request<Vec<u8>>),
    /// Sleep this long, then ask again.
    Sleep(std::time::Duration),
    /// A page arrived: the body last fed holds it. When `fresh` is false the page repeats an
    /// earlier one (the API ignored `page`) and its items must be dropped.
    Page {
        /// The page's checked answer.
        response: ApiResponse<CheckedResult>,
        /// False when its items repeat the previous page's.
        fresh: bool,
    },
    /// The list is over: why it stopped, or the error of the page that failed.
    Done(Result<Stop, Error>),
}

/// Every page of a paginated list.
#[derive(Debug)]
pub struct List {
    client: Client,
    credentials: Option<Credentials>,
    policy: RetryPolicy,
    pages: NamedPaginator,
    page: Option<Call>,
}

impl List {
    /// Pages through the operation called `name` from `params`, which are checked here.
    pub fn new(
        client: &Client,
        name: &str,
        params: Value,
        credentials: Option<&Credentials>,
        policy: RetryPolicy,
        max_pages: Option<u32>,
    ) -> Result<List, Error> {
        let mut pages = NamedPaginator::new(name, params)?;
        if let Some(max_pages) = max_pages {
            pages.set_max_pages(max_pages);
        }
        // The first page's request is built now, so bad input or credentials fail here.
        let first = pages.next_params().unwrap_or(Value::Null);
        let page = Call::new(client, name, first, credentials, policy, NO_KEY)?;
        Ok(List {
            client: client.clone(),
            credentials: credentials.cloned(),
            policy,
            pages,
            page: Some(page),
        })
    }

    /// The operation's dotted name.
    pub fn operation(&self) -> &'static str {
        self.pages.operation()
    }

    /// What to do now.
    pub fn next(&mut self, pacers: &mut Pacers, now: Clock) -> ListStep {
        let page = match &mut self.page {
            Some(page) => page,
            None => match self.pages.next_params() {
                None => {
                    let stop = self.pages.stop().cloned().unwrap_or(Stop::LastPage);
                    return ListStep::Done(Ok(stop));
                }
                Some(params) => {
                    let call = Call::new(
                        &self.client,
                        self.pages.operation(),
                        params,
                        self.credentials.as_ref(),
                        self.policy,
                        NO_KEY,
                    );
                    match call {
                        Ok(call) => self.page.insert(call),
                        Err(error) => return ListStep::Done(Err(error)),
                    }
                }
            },
        };
        match page.next(pacers, now) {
            Step::Send(request) => ListStep::Send(request),
            Step::Sleep(wait) => ListStep::Sleep(wait),
            Step::Done(outcome) => {
                self.page = None;
                match outcome {
                    Ok(response) => {
                        let fresh = self.pages.feed_checked(&response);
                        ListStep::Page { response, fresh }
                    }
                    Err(error) => ListStep::Done(Err(error)),
                }
            }
        }
    }

    /// What happened to the request of the last [`ListStep::Send`].
    pub fn feed(&mut self, pacers: &mut Pacers, attempt: Attempt<'_>, now: Clock, jitter: f64) {
        if let Some(page) = &mut self.page {
            page.feed(pacers, attempt, now, jitter);
        }
    }

    /// Gives up; frees the place of a send in flight.
    pub fn abandon(&mut self, pacers: &mut Pacers, now: Clock) {
        if let Some(page) = &mut self.page {
            page.abandon(pacers, now);
        }
    }

    /// Why the list stopped, once it has.
    pub fn stop(&self) -> Option<&Stop> {
        self.pages.stop()
    }
}
