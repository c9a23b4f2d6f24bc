//! Retry and rate-limit decisions. The core decides; the host sleeps.
//!
//! Sans-IO: the host says what happened to an attempt, what time it is and hands in a jitter
//! value in `[0, 1)`; [`Retry::after`] answers done, wait this long and resend, or fail with
//! this error. The rules:
//!
//! - 429 is retried for every method: the request was refused, not done. The wait is the
//!   server's (`retry-after-ms`, `Retry-After` in seconds or as an HTTP date, or the body's
//!   `retry_after` when the header says 0), else the backoff; a wait over the cap fails at once
//!   and the error keeps it. A zero or unreadable wait gets the backoff, never a resend at once.
//! - 408, 5xx and transport errors after the request may have left are retried for GET, PUT
//!   and DELETE, and for a request that carries an idempotency key (a keyed `POST /accounts`:
//!   the API answers its resend as it answered the first; see [`crate::idempotency`]). For
//!   any other POST (and PATCH) the outcome is unknown: it may have been done, and resending
//!   `POST /users` could make a second user. That becomes [`Error::OutcomeUnknown`], for the
//!   caller (or a flow) to reconcile.
//! - A request that never left (connection refused) is safe to resend whatever its method.
//!
//! [`Pacer`] keeps a bulk job under the API's limit instead of running into 429s.

use std::time::{Duration, SystemTime};

use http::header::HeaderMap;
use http::Method;

use crate::envelope;
use crate::error::{Error, OutcomeUnknown, TransportError};
use crate::headers::{header_str, retry_after, CF_RAY};
use crate::shape::Shape;

/// How persistent to be. The defaults are the official SDKs': 2 retries, 0.5 s doubling to
/// 8 s, with jitter; and a server-requested wait of at most 2 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first backoff.
    pub initial_backoff: Duration,
    /// The longest backoff.
    pub max_backoff: Duration,
    /// The longest wait a server may ask for; past it the call fails instead of waiting.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// Never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// The backoff before retry number `retry` (from 0): doubling, capped, shortened by up
    /// to a quarter by `jitter` so that many clients do not retry in step.
    pub fn backoff(&self, retry: u32, jitter: f64) -> Duration {
        let doubled = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.min(31)));
        let capped = doubled.min(self.max_backoff);
        // NaN or infinite jitter from a host counts as none, rather than a panic.
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        capped.mul_f64(1.0 - 0.25 * jitter)
    }
}

impl RetryPolicy {
    /// The fields a host's policy has ([`RetryPolicy::from_json`], [`RetryPolicy::to_json`]).
    pub const FIELDS: [&'static str; 4] = [
        "max_retries",
        "initial_backoff",
        "max_backoff",
        "max_retry_after",
    ];

    /// The form [`RetryPolicy::from_json`] reads, every field given.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "max_retries": self.max_retries,
            "initial_backoff": self.initial_backoff.as_secs_f64(),
            "max_backoff": self.max_backoff.as_secs_f64(),
            "max_retry_after": self.max_retry_after.as_secs_f64(),
        })
    }
}

/// What happened to one attempt.
#[derive(Debug, Clone, Copy)]
pub enum Attempt<'a> {
    /// The request never left (connection refused, name not resolved): nothing was done.
    NotSent {
        /// The transport's own words.
        message: &'a str,
    },
    /// The request may have left, and no response came (timeout, connection reset).
    NoResponse {
        /// The transport's own words.
        message: &'a str,
    },
    /// A response came.
    Response {
        /// The HTTP status.
        status: u16,
        /// The response headers.
        headers: &'a HeaderMap,
        /// The whole body.
        body: &'a [u8],
    },
}

/// What the host does next.
#[derive(Debug)]
pub enum Next {
    /// Use this response as it is: parse it for the result or its error.
    Done,
    /// Wait this long, then send the same request again.
    Wait(Duration),
    /// Stop with this error.
    Fail(Error),
}

/// The retry state of one call.
#[derive(Debug, Clone)]
pub struct Retry {
    policy: RetryPolicy,
    operation: &'static str,
    method: Method,
    keyed: bool,
    retries: u32,
}

impl Retry {
    /// Starts a call of `operation` (its dotted name) with `method`.
    pub fn new(policy: RetryPolicy, operation: &'static str, method: Method) -> Self {
        Retry {
            policy,
            operation,
            method,
            keyed: false,
            retries: 0,
        }
    }

    /// Starts a call of `operation` that sends `request`: one that carries an idempotency key
    /// is as safe to resend as a GET.
    pub fn for_request<B>(
        policy: RetryPolicy,
        operation: &'static str,
        request: &http::Request<B>,
    ) -> Self {
        let retry = Retry::new(policy, operation, request.method().clone());
        if request.headers().contains_key(crate::idempotency::HEADER) {
            retry.keyed()
        } else {
            retry
        }
    }

    /// The request carries an idempotency key: resent like a GET when its answer is lost.
    pub fn keyed(self) -> Self {
        Retry {
            keyed: true,
            ..self
        }
    }

    /// Retries made so far.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// Decides after an attempt. `now` reads `Retry-After` dates; `jitter` is in `[0, 1)`.
    pub fn after(&mut self, attempt: Attempt<'_>, now: SystemTime, jitter: f64) -> Next {
        let natural = matches!(
            self.method,
            Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
        );
        let idempotent = self.keyed || natural;
        let next = match attempt {
            Attempt::NotSent { message } => self.again(None, jitter, || {
                Error::Transport(Box::new(TransportError {
                    operation: self.operation,
                    sent: false,
                    message: message.to_owned(),
                }))
            }),
            // A keyed POST resent to the end is still of unknown outcome.
            Attempt::NoResponse { message } if self.keyed && !natural => {
                self.again(None, jitter, || self.unknown(None, None, message))
            }
            Attempt::NoResponse { message } if idempotent => self.again(None, jitter, || {
                Error::Transport(Box::new(TransportError {
                    operation: self.operation,
                    sent: true,
                    message: message.to_owned(),
                }))
            }),
            Attempt::NoResponse { message } => Next::Fail(self.unknown(None, None, message)),
            Attempt::Response {
                status,
                headers,
                body,
            } => {
                let parsed = || {
                    envelope::open(self.operation, status, headers, body, &Shape::Any)
                        .err()
                        .unwrap_or_else(|| self.unknown(Some(status), None, "no error"))
                };
                let unknown = || {
                    let ray = header_str(headers, &CF_RAY).map(str::to_owned);
                    self.unknown(Some(status), ray, &parsed().to_string())
                };
                // Honoured or refused, never ignored: a wait over the cap fails now, and the
                // error (`last`) keeps the server's wait.
                let honour = |last: &dyn Fn() -> Error| match retry_after(headers, body, Some(now))
                {
                    Some(wait) if wait > self.policy.max_retry_after => {
                        Next::Fail(with_retry_after(last(), wait))
                    }
                    wait => self.again(wait, jitter, last),
                };
                match status {
                    429 => honour(&parsed),
                    408 | 500..=599 if natural => honour(&parsed),
                    // A keyed POST resent to the end is still of unknown outcome.
                    408 | 500..=599 if idempotent => honour(&unknown),
                    408 | 500..=599 => Next::Fail(unknown()),
                    _ => Next::Done,
                }
            }
        };
        if matches!(next, Next::Wait(_)) {
            self.retries += 1;
        }
        next
    }

    /// Waits and retries while retries remain; else fails with `last`.
    fn again(&self, wait: Option<Duration>, jitter: f64, last: impl FnOnce() -> Error) -> Next {
        if self.retries >= self.policy.max_retries {
            return Next::Fail(last());
        }
        Next::Wait(wait.unwrap_or_else(|| self.policy.backoff(self.retries, jitter)))
    }

    fn unknown(&self, status: Option<u16>, ray_id: Option<String>, detail: &str) -> Error {
        Error::OutcomeUnknown(Box::new(OutcomeUnknown {
            operation: self.operation,
            method: self.method.to_string(),
            status,
            ray_id,
            detail: detail.to_owned(),
        }))
    }
}

/// `error` with the wait the server asked for.
fn with_retry_after(mut error: Error, wait: Duration) -> Error {
    match &mut error {
        Error::Api(e) => e.retry_after = Some(wait),
        Error::Decode(e) => e.retry_after = Some(wait),
        _ => {}
    }
    error
}

/// Keeps a client under a request budget (Cloudflare's: 1,200 requests per 5 minutes per
/// credential). Exact on the wire: a send holds its place in the budget from the moment it is
/// handed to the transport until `window` after its answer came back, so whenever the server
/// counts it (on arrival, at any point in between), no window of the server's can see more than
/// `limit` sends. Time is any monotonic clock's reading, as a duration since its own origin.
///
/// ```
/// # use std::time::Duration;
/// # use cloudflare_tenant::Pacer;
/// let mut pacer = Pacer::new(1, Duration::from_secs(2));
/// let ticket = pacer.acquire(Duration::ZERO).expect("budget free: send now");
/// // ... hand the request to the transport, wait for its answer (or its failure) ...
/// pacer.settle(ticket, Duration::from_secs(1));
/// assert_eq!(pacer.acquire(Duration::from_secs(1)).unwrap_err(), Duration::from_secs(2));
/// ```
#[derive(Debug, Clone)]
pub struct Pacer {
    limit: usize,
    window: Duration,
    /// Sends still counted: their ticket and when their answer came (`None`: still in flight).
    held: Vec<(u64, Option<Duration>)>,
    next_ticket: u64,
    /// What the server said last: sends it still takes, until this time.
    server: Option<(usize, Duration)>,
    /// Until its first send is answered, that send goes alone ([`Pacer::taking_over`]).
    alone: bool,
}

/// A send the [`Pacer`] counted. Hand it back with [`Pacer::settle`] once the answer came, or
/// the send failed or was abandoned: until then its place in the budget stays taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ticket(u64);

impl Ticket {
    /// The ticket as a number, for hosts that hand it across a language boundary.
    pub fn id(self) -> u64 {
        self.0
    }

    /// A ticket from [`Ticket::id`].
    pub fn from_id(id: u64) -> Self {
        Ticket(id)
    }
}

impl Pacer {
    /// How often a host asks again while every counted send is still in flight: when any of
    /// them is answered is not known in advance.
    pub const POLL: Duration = Duration::from_millis(10);

    /// At most `limit` sends in any `window`.
    pub fn new(limit: u32, window: Duration) -> Self {
        Pacer {
            limit: limit.max(1) as usize,
            window,
            held: Vec::new(),
            next_ticket: 0,
            server: None,
            alone: false,
        }
    }

    /// A pacer for a budget others may have spent already: a process that takes over the
    /// pacing of a credential (after a restart, or one that replaced another) does not know
    /// what was sent in the last window. Its first send goes alone; the rest wait for its
    /// answer, whose `Ratelimit` headers ([`Pacer::observe`]) say what the server has left.
    /// From then on it paces as [`Pacer::new`] does.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use cloudflare_tenant::{Pacer, ServerBudget};
    /// let mut pacer = Pacer::taking_over(1200, Duration::from_secs(300));
    /// let first = pacer.acquire(Duration::ZERO).expect("the first send goes");
    /// assert!(pacer.acquire(Duration::ZERO).is_err(), "the others wait for its answer");
    /// pacer.settle(first, Duration::from_secs(1));
    /// // Others used the budget: 2 left until the server's reset, 100 s away.
    /// pacer.observe(ServerBudget { remaining: 2, reset: Duration::from_secs(100) }, Duration::from_secs(1));
    /// assert!(pacer.acquire(Duration::from_secs(1)).is_ok());
    /// assert!(pacer.acquire(Duration::from_secs(1)).is_ok());
    /// assert_eq!(pacer.acquire(Duration::from_secs(1)).unwrap_err(), Duration::from_secs(100));
    /// ```
    pub fn taking_over(limit: u32, window: Duration) -> Self {
        Pacer {
            alone: true,
            ..Pacer::new(limit, window)
        }
    }

    /// Cloudflare's documented budget: 1,200 requests per 300 seconds.
    pub fn cloudflare() -> Self {
        Pacer::new(1200, Duration::from_secs(300))
    }

    /// Sends allowed per window.
    pub fn limit(&self) -> u32 {
        self.limit as u32
    }

    /// The window.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// Sends counted at `now`: in flight, or answered less than a window ago.
    pub fn in_use(&mut self, now: Duration) -> usize {
        let window = self.window;
        self.held
            .retain(|(_, answered)| answered.is_none_or(|at| now.saturating_sub(at) < window));
        self.held.len()
    }

    /// Takes a place in the budget for a send at `now` and returns its ticket; or, when the
    /// budget is spent, how long to wait before asking again. Asking and taking are one step,
    /// so concurrent senders cannot both pass.
    pub fn acquire(&mut self, now: Duration) -> Result<Ticket, Duration> {
        match &mut self.server {
            Some((_, until)) if now >= *until => self.server = None,
            // The server's word is final: none left means wait for its reset.
            Some((0, until)) => return Err(*until - now),
            _ => {}
        }
        if self.alone && !self.held.is_empty() {
            return Err(Self::POLL.min(self.window.max(Duration::from_nanos(1))));
        }
        if self.in_use(now) < self.limit {
            if let Some((left, _)) = &mut self.server {
                *left -= 1;
            }
            let ticket = Ticket(self.next_ticket);
            self.next_ticket += 1;
            self.held.push((ticket.0, None));
            return Ok(ticket);
        }
        let window = self.window;
        let free_at = self
            .held
            .iter()
            .filter_map(|(_, answered)| answered.map(|at| at + window))
            .min();
        Err(match free_at {
            Some(at) => at.saturating_sub(now).max(Duration::from_nanos(1)),
            None => Self::POLL.min(window.max(Duration::from_nanos(1))),
        })
    }

    /// What an answer's headers said of the budget ([`crate::server_budget`]), read at `now`:
    /// when the server counts more sends than this pacer made (others share the credential),
    /// no more sends pass until its reset than it said are left, less the sends still in
    /// flight (it may not have counted them yet). A reset is taken as at most one window
    /// away, so an absurd one cannot stall the host. Two reports for the same window keep the
    /// lower count: answers may arrive out of order.
    pub fn observe(&mut self, budget: crate::ServerBudget, now: Duration) {
        let in_flight = self.held.iter().filter(|(_, at)| at.is_none()).count();
        let left = (budget.remaining as usize).saturating_sub(in_flight);
        // The server counts only what it knows: when it leaves at least as much as our own
        // count does, the sends are ours and our window is the stricter (and exact: the
        // server's `t` is whole seconds, rounded up).
        let ours = self.limit.saturating_sub(self.in_use(now));
        if left >= ours {
            self.server = None;
            return;
        }
        let until = now + budget.reset.min(self.window);
        self.server = match self.server {
            Some((known, at)) if at.abs_diff(until) < Duration::from_secs(1) => {
                Some((known.min(left), at.max(until)))
            }
            _ => Some((left, until)),
        };
    }

    /// The send of `ticket` ended at `now`: its answer came, or it failed. Its place frees a
    /// window later. An unknown or already settled ticket is ignored.
    pub fn settle(&mut self, ticket: Ticket, now: Duration) {
        if let Some(entry) = self.held.iter_mut().find(|(id, _)| *id == ticket.0) {
            entry.1.get_or_insert(now);
            self.alone = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ServerBudget;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn taking_over_sends_one_alone_until_its_answer() {
        let mut pacer = Pacer::taking_over(10, 10 * SECOND);
        let first = pacer.acquire(Duration::ZERO).unwrap();
        // However long it takes, the others wait for the first answer.
        assert_eq!(pacer.acquire(5 * SECOND), Err(Pacer::POLL));
        // An unknown ticket is no answer.
        pacer.settle(Ticket::from_id(99), 5 * SECOND);
        assert_eq!(pacer.acquire(5 * SECOND), Err(Pacer::POLL));
        pacer.settle(first, 5 * SECOND);
        // Its headers: the server took 7 sends of others this window; 3 left for 4 s.
        let budget = ServerBudget {
            remaining: 3,
            reset: 4 * SECOND,
        };
        pacer.observe(budget, 5 * SECOND);
        for _ in 0..3 {
            assert!(pacer.acquire(5 * SECOND).is_ok(), "in flight together now");
        }
        assert_eq!(pacer.acquire(5 * SECOND), Err(4 * SECOND));
        // After the server's reset, the pacer's own count: 10 per window, 4 of them held.
        for _ in 0..6 {
            assert!(pacer.acquire(9 * SECOND).is_ok());
        }
        assert!(pacer.acquire(9 * SECOND).is_err());
    }

    #[test]
    fn taking_over_without_headers_paces_as_new_after_the_first_answer() {
        let mut pacer = Pacer::taking_over(2, SECOND);
        let first = pacer.acquire(Duration::ZERO).unwrap();
        pacer.settle(first, Duration::ZERO);
        assert!(pacer.acquire(Duration::ZERO).is_ok());
        assert!(
            pacer.acquire(Duration::ZERO).is_err(),
            "the limit of 2 per window"
        );
        // A new pacer is not held back at all.
        let mut fresh = Pacer::new(2, SECOND);
        assert!(fresh.acquire(Duration::ZERO).is_ok() && fresh.acquire(Duration::ZERO).is_ok());
    }
}
