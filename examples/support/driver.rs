//! The examples' driver: runs the core's machines over [`Transport`]. It only sends, sleeps and
//! loops; the machines decide retries, pacing and how answers are read.

use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use cloudflare_tenant::flows::{Action, Onboarding, Report};
use cloudflare_tenant::machines::{read_result, Call, Clock, List, ListStep, Pacers, Step};
use cloudflare_tenant::{ApiResponse, Attempt, Error, Stop};
use serde_json::Value;

use super::transport::{Outcome, Transport};

/// Sends for one client: its transport, and the pacers of every identity it sends as.
pub struct Driver {
    transport: Transport,
    pacers: Mutex<Pacers>,
    origin: Instant,
}

impl Driver {
    /// Sends with `transport`, paced by `pacers`.
    pub fn new(transport: Transport, pacers: Pacers) -> Self {
        Driver {
            transport,
            pacers: Mutex::new(pacers),
            origin: Instant::now(),
        }
    }

    fn clock(&self) -> Clock {
        Clock {
            monotonic: self.origin.elapsed(),
            wall: SystemTime::now(),
        }
    }

    /// Sends `request` and hands what happened to `feed`, with the pacers and the time.
    fn exchange(
        &self,
        request: cloudflare_tenant::http::Request<Vec<u8>>,
        feed: impl FnOnce(&mut Pacers, Attempt<'_>, Clock),
    ) -> Option<Vec<u8>> {
        let outcome = self.transport.send(request);
        let mut pacers = self.pacers.lock().unwrap();
        feed(&mut pacers, outcome.attempt(), self.clock());
        match outcome {
            Outcome::Response(r) => Some(r.into_body()),
            _ => None,
        }
    }

    /// Runs one call to its end: the answer's `result`, or the error.
    pub fn call(&self, mut call: Call) -> Result<ApiResponse<Value>, Error> {
        let mut body = None;
        loop {
            let step = call.next(&mut self.pacers.lock().unwrap(), self.clock());
            match step {
                Step::Send(request) => {
                    body = self.exchange(request, |p, a, now| call.feed(p, a, now, jitter()));
                }
                Step::Sleep(wait) => std::thread::sleep(wait),
                Step::Done(done) => {
                    let body = body.unwrap_or_default();
                    return read_result(call.operation(), done?, &body);
                }
            }
        }
    }

    /// Every item of every page, and why the listing stopped.
    pub fn list(&self, mut list: List) -> Result<(Vec<Value>, Stop), Error> {
        let (mut items, mut body) = (Vec::new(), None);
        loop {
            let step = list.next(&mut self.pacers.lock().unwrap(), self.clock());
            match step {
                ListStep::Send(request) => {
                    body = self.exchange(request, |p, a, now| list.feed(p, a, now, jitter()));
                }
                ListStep::Sleep(wait) => std::thread::sleep(wait),
                ListStep::Page { response, fresh } if fresh => {
                    let body = body.take().unwrap_or_default();
                    match read_result(list.operation(), response, &body)?.result {
                        Value::Array(page) => items.extend(page),
                        other => items.push(other),
                    }
                }
                ListStep::Page { .. } => {}
                ListStep::Done(stop) => return Ok((items, stop?)),
            }
        }
    }

    /// Runs an onboarding to its end.
    pub fn onboard(&self, mut flow: Onboarding) -> Report {
        loop {
            let action = flow.next_action(&mut self.pacers.lock().unwrap(), self.clock());
            match action {
                Action::Send(request) => {
                    self.exchange(request, |p, a, now| flow.feed(p, a, now, jitter()));
                }
                Action::Wait(wait) => std::thread::sleep(wait),
                Action::Done => return flow.report().clone(),
            }
        }
    }
}

/// A jitter value in `[0, 1)` from the clock's nanoseconds: enough to keep clients out of
/// step, with no dependency for it.
fn jitter() -> f64 {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    f64::from(nanos % 1_000_000) / 1_000_000.0
}
