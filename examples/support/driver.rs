//! The examples' driver: runs any of the core's machines (a call, a list, an onboarding, a bulk
//! run) over [`Transport`]. It only sends, sleeps and loops; the machines decide retries,
//! pacing, paging and how answers are read. One send at a time: a bulk run still keeps its
//! onboardings under way, its sends just take turns.

use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use cloudflare_tenant::host::{Machine, Next};
use cloudflare_tenant::machines::{read_result, Clock, Pacers};
use cloudflare_tenant::Error;
use serde_json::Value;

use super::transport::{Outcome, Transport};

/// Sends for one client: its transport, and the pacers of every identity it sends as (shared
/// by every thread that drives through it; held only to ask and to feed, never over a send).
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

    /// Runs `machine` to its end: a call's result, or every item of every page of a list (an
    /// onboarding's or a bulk run's reports are the machine's to give after). The error is
    /// the machine's.
    pub fn run(&self, machine: &mut Machine) -> Result<Vec<Value>, Error> {
        let (mut results, mut body) = (Vec::new(), Vec::new());
        loop {
            let next = machine.next(&mut self.pacers.lock().unwrap(), self.clock());
            match next {
                Next::Send { slot, request } => {
                    let outcome = self.transport.send(request);
                    let mut pacers = self.pacers.lock().unwrap();
                    machine.feed(slot, &mut pacers, outcome.attempt(), self.clock(), jitter());
                    body = match outcome {
                        Outcome::Response(response) => response.into_body(),
                        Outcome::NotSent(_) | Outcome::NoResponse(_) => Vec::new(),
                    };
                }
                Next::Sleep(wait) => std::thread::sleep(wait),
                Next::Answer { response, fresh } => {
                    if fresh {
                        match read_result(machine.operation(), response, &body)?.result {
                            Value::Array(items) => results.extend(items),
                            other => results.push(other),
                        }
                    }
                    // A call has one answer; a list goes on to its next page.
                    if let Machine::Call(_) = machine {
                        return Ok(results);
                    }
                }
                Next::Failed(error) => return Err(error),
                Next::End => return Ok(results),
            }
        }
    }

    fn clock(&self) -> Clock {
        Clock {
            monotonic: self.origin.elapsed(),
            wall: SystemTime::now(),
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
