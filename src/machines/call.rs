//! One call of an operation, by name: built once, sent after the pacer's wait, resent by the
//! retry rules, read when done.

use http::Request;
use serde_json::Value;

use super::{Clock, Identity, Pacers};
use crate::auth::Credentials;
use crate::client::Client;
use crate::error::{Error, Invalid};
use crate::message::ApiResponse;
use crate::named::{check_response_named, CheckedResult};
use crate::registry::{operation, OperationInfo};
use crate::retry::{Attempt, Next, Retry, RetryPolicy, Ticket};

/// What the host does next.
#[derive(Debug)]
pub enum Step {
    /// Send this request, then [`Call::feed`] what happened.
    Send(Request<Vec<u8>>),
    /// Sleep this long, then ask again.
    Sleep(std::time::Duration),
    /// The call is over. `Ok` holds the checked answer: the host reads `result` from the body
    /// it received with its own JSON parser, and wraps the fields of [`Call::secret_fields`].
    Done(Result<ApiResponse<CheckedResult>, Error>),
}

/// Where a call is.
#[derive(Debug)]
enum State {
    /// Ready to send once the pacer agrees.
    Ready,
    /// Waiting for the retry rules' wait to end, at this monotonic time.
    Waiting(std::time::Duration),
    /// Sent; its answer is awaited. Holds the pacer's ticket, when pacing.
    InFlight(Option<Ticket>),
    /// Over; the outcome is handed out once.
    Finished(Option<Result<ApiResponse<CheckedResult>, Error>>),
}

/// One call of an operation: the request is built (and the input checked) once, when the call
/// is made.
#[derive(Debug)]
pub struct Call {
    operation: &'static OperationInfo,
    request: Request<Vec<u8>>,
    identity: Identity,
    retry: Retry,
    state: State,
}

impl Call {
    /// A call of the operation called `name` with JSON `params`, signed with `credentials` or
    /// else the client's. Bad input is refused here, before any request exists. `random` is
    /// 16 random bytes from the host: an operation that takes an idempotency key and was given
    /// none gets one made from them, and every resend carries it.
    pub fn new(
        client: &Client,
        name: &str,
        params: Value,
        credentials: Option<&Credentials>,
        policy: RetryPolicy,
        random: [u8; 16],
    ) -> Result<Call, Error> {
        let operation = operation(name)?;
        let request = client.request_keyed(operation, params, credentials, random)?;
        Ok(Call {
            operation,
            identity: Identity::of(request.headers()),
            retry: Retry::for_request(policy, operation.name, &request),
            request,
            state: State::Ready,
        })
    }

    /// The operation's dotted name.
    pub fn operation(&self) -> &'static str {
        self.operation.name
    }

    /// The fields of the result that hold secrets: the host keeps them out of reprs and logs.
    pub fn secret_fields(&self) -> &'static [&'static str] {
        self.operation.secret_fields
    }

    /// Who the call is sent as (its pacing key).
    pub fn identity(&self) -> Identity {
        self.identity
    }

    /// Retries made so far.
    pub fn retries(&self) -> u32 {
        self.retry.retries()
    }

    /// What to do now. A send takes its place in the identity's budget at this very step, so
    /// the host must hand the request to its transport right away.
    pub fn next(&mut self, pacers: &mut Pacers, now: Clock) -> Step {
        if let State::Waiting(until) = self.state {
            if now.monotonic < until {
                return Step::Sleep(until - now.monotonic);
            }
            self.state = State::Ready;
        }
        match &mut self.state {
            State::Ready => match pacers.acquire(self.identity, now.monotonic) {
                Ok(ticket) => {
                    self.state = State::InFlight(ticket);
                    Step::Send(self.request.clone())
                }
                Err(wait) => Step::Sleep(wait),
            },
            State::Finished(outcome) => Step::Done(outcome.take().unwrap_or_else(|| {
                Err(Invalid::new("call", "is over; its outcome was handed out already").into())
            })),
            State::InFlight(_) => Step::Done(Err(Invalid::new(
                "call",
                "was asked for its next step before the answer to its send was fed back",
            )
            .into())),
            State::Waiting(_) => unreachable!("a finished wait is ready"),
        }
    }

    /// What happened to the request of the last [`Step::Send`], at `now`; `jitter` is the
    /// host's random number in `[0, 1)`. Ignored unless a send is awaited.
    pub fn feed(&mut self, pacers: &mut Pacers, attempt: Attempt<'_>, now: Clock, jitter: f64) {
        let State::InFlight(ticket) = self.state else {
            return;
        };
        if let Some(ticket) = ticket {
            pacers.settle(self.identity, ticket, now.monotonic);
        }
        if let Attempt::Response { headers, .. } = attempt {
            pacers.observe(self.identity, headers, now.monotonic, now.wall);
        }
        self.state = match self.retry.after(attempt, now.wall, jitter) {
            Next::Done => {
                let Attempt::Response {
                    status,
                    headers,
                    body,
                } = attempt
                else {
                    unreachable!("the retry rules are done only with a response")
                };
                let read = check_response_named(self.operation.name, status, headers, body);
                State::Finished(Some(read))
            }
            Next::Wait(wait) => State::Waiting(now.monotonic + wait),
            Next::Fail(error) => State::Finished(Some(Err(error))),
        };
    }

    /// Gives up: the host could not send (it was aborted, or its send was cancelled). Frees
    /// the place in the budget, at `now`.
    pub fn abandon(&mut self, pacers: &mut Pacers, now: Clock) {
        if let State::InFlight(Some(ticket)) = self.state {
            pacers.settle(self.identity, ticket, now.monotonic);
        }
        self.state = State::Finished(None);
    }
}
