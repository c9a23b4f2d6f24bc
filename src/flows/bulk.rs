//! Many onboardings at once under one pacer per credential: what a partner runs for hundreds
//! or thousands of customers.
//!
//! [`Bulk`] keeps up to `concurrency` [`Onboarding`]s going and hands their sends to the host
//! one at a time, each tagged with its slot. The host may have several sends in flight (an
//! async host sends each as it comes; a blocking host sends, feeds and asks again) and feeds
//! each answer back to its slot. Ids resolved by name (roles, permission groups, token
//! permission groups) are shared: the first onboarding runs alone and looks them up, then the
//! others start and reuse them.
//! Pacing is the [`Pacers`]' the host passes in, so every onboarding of one credential shares
//! one budget, and the server's `Ratelimit` numbers hold them all back together.

use std::collections::VecDeque;
use std::time::Duration;

use http::Request;
use serde_json::Value;

use super::onboarding::{Action, Onboarding, OnboardingSpec, Report, Resolved};
use crate::client::Client;
use crate::error::Error;
use crate::machines::{Clock, Pacers};
use crate::object;
use crate::retry::{Attempt, RetryPolicy};

/// What the host does next.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum BulkAction {
    /// Send this request for the onboarding in `slot`, then [`Bulk::feed`] that slot what
    /// happened. Ask again right away: another slot may have something to send.
    Send {
        /// Whose request it is.
        slot: usize,
        /// The request.
        request: Request<Vec<u8>>,
    },
    /// Nothing to send now: wait this long, or until an answer in flight comes back, then
    /// ask again.
    Wait(Duration),
    /// Every onboarding is over: read [`Bulk::reports`].
    Done,
}

/// Where the run is, for a progress bar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Onboardings over and complete.
    pub done: usize,
    /// Onboardings over and not complete (failed or in conflict).
    pub failed: usize,
    /// Onboardings not over yet (running or waiting to start).
    pub remaining: usize,
    /// Requests handed out so far.
    pub requests: u64,
    /// The wait the run is in, when nothing can be sent (pacing or a server's wait).
    pub current_wait: Duration,
}

impl Progress {
    /// `{"done", "failed", "remaining", "requests", "current_wait"}` (the wait in seconds).
    pub fn to_json(&self) -> Value {
        object([
            ("done", self.done.into()),
            ("failed", self.failed.into()),
            ("remaining", self.remaining.into()),
            ("requests", self.requests.into()),
            ("current_wait", self.current_wait.as_secs_f64().into()),
        ])
    }
}

#[derive(Debug)]
struct Slot {
    /// The index of its spec.
    index: usize,
    flow: Onboarding,
    /// A send is out and its answer not fed back yet.
    in_flight: bool,
}

/// Many onboardings, `concurrency` at a time, sharing resolved ids. See the module docs.
#[derive(Debug)]
pub struct Bulk {
    /// Onboardings not started yet, with their spec's index.
    waiting: VecDeque<(usize, Onboarding)>,
    slots: Vec<Option<Slot>>,
    reports: Vec<Option<Report>>,
    /// The indexes of the specs whose onboardings are over, in the order they ended.
    over: Vec<usize>,
    resolved: Resolved,
    /// The first onboarding is over: its resolved ids are known, and every slot may run.
    warmed: bool,
    progress: Progress,
}

impl Bulk {
    /// Onboards every spec, at most `concurrency` at once (from 1). `random` holds 16
    /// random bytes per spec, for its account create's idempotency key. Every spec is checked
    /// here: a bad one is refused with its index, before anything is sent.
    pub fn new(
        client: Client,
        specs: Vec<OnboardingSpec>,
        policy: RetryPolicy,
        concurrency: usize,
        random: Vec<[u8; 16]>,
    ) -> Result<Self, Error> {
        if concurrency == 0 {
            return Err(
                crate::error::Invalid::new("concurrency", "must be an integer >= 1").into(),
            );
        }
        if random.len() != specs.len() {
            return Err(crate::error::Invalid::new(
                "random",
                format!(
                    "needs 16 bytes per spec: {} specs, {} keys",
                    specs.len(),
                    random.len()
                ),
            )
            .into());
        }
        // Each onboarding is made now, with its checks of the spec, so that no run stops
        // half-way on the spec of customer 900.
        let waiting = specs
            .into_iter()
            .zip(random)
            .enumerate()
            .map(|(i, (spec, random))| {
                let flow = Onboarding::new(client.clone(), spec, policy, random);
                flow.map(|flow| (i, flow)).map_err(|e| match e {
                    Error::Invalid(invalid) => crate::error::Invalid::new(
                        format!("specs[{i}].{}", invalid.field),
                        invalid.reason,
                    )
                    .into(),
                    other => other,
                })
            })
            .collect::<Result<VecDeque<_>, Error>>()?;
        let count = waiting.len();
        Ok(Bulk {
            waiting,
            slots: (0..concurrency).map(|_| None).collect(),
            reports: (0..count).map(|_| None).collect(),
            over: Vec::with_capacity(count),
            resolved: Resolved::default(),
            warmed: false,
            progress: Progress {
                remaining: count,
                ..Progress::default()
            },
        })
    }

    /// Where the run is.
    pub fn progress(&self) -> Progress {
        self.progress
    }

    /// One report per spec, in the specs' order, once the run is [`BulkAction::Done`]; before
    /// that, `None` for those not over.
    pub fn reports(&self) -> &[Option<Report>] {
        &self.reports
    }

    /// The report of the spec at `index`, once its onboarding is over.
    pub fn report(&self, index: usize) -> Option<&Report> {
        self.reports.get(index).and_then(Option::as_ref)
    }

    /// The indexes of the specs whose onboardings are over, in the order they ended: a host
    /// hands on each report as it comes by reading past the ones it has seen. Those never
    /// started when the run was abandoned are not among them.
    pub fn over(&self) -> &[usize] {
        &self.over
    }

    /// The index of the spec whose onboarding runs in `slot`.
    pub fn spec_index(&self, slot: usize) -> Option<usize> {
        self.slots.get(slot)?.as_ref().map(|s| s.index)
    }

    /// How many sends may be in flight at once: one per onboarding under way.
    pub fn slots(&self) -> usize {
        self.slots.len()
    }

    /// What to do now. Each send takes its place in its identity's budget at this very step,
    /// so the host must hand a [`BulkAction::Send`] to its transport right away.
    pub fn next(&mut self, pacers: &mut Pacers, now: Clock) -> BulkAction {
        let mut wait: Option<Duration> = None;
        let mut in_flight = false;
        for slot in 0..self.slots.len() {
            loop {
                // Until the first onboarding is over, it runs alone: the names it looks up
                // are then looked up once, not once per slot.
                let may_start = self.warmed || slot == 0;
                if self.slots[slot].is_none() && !(may_start && self.start(slot)) {
                    break;
                }
                let Some(running) = &mut self.slots[slot] else {
                    break;
                };
                if running.in_flight {
                    in_flight = true;
                    break;
                }
                match running.flow.next_action(pacers, now) {
                    Action::Send(request) => {
                        running.in_flight = true;
                        self.progress.requests += 1;
                        self.progress.current_wait = Duration::ZERO;
                        return BulkAction::Send { slot, request };
                    }
                    Action::Wait(d) => {
                        wait = Some(wait.map_or(d, |w| w.min(d)));
                        break;
                    }
                    Action::Done => self.finish(slot),
                }
            }
        }
        match wait {
            Some(wait) => {
                self.progress.current_wait = wait;
                BulkAction::Wait(wait)
            }
            // Only answers are awaited: poll as a pacer does while every place is in flight.
            None if in_flight => BulkAction::Wait(crate::retry::Pacer::POLL),
            None => BulkAction::Done,
        }
    }

    /// What happened to the request of the last [`BulkAction::Send`] of `slot`, at `now`;
    /// `jitter` in `[0, 1)`. Ignored for a slot with nothing in flight.
    pub fn feed(
        &mut self,
        slot: usize,
        pacers: &mut Pacers,
        attempt: Attempt<'_>,
        now: Clock,
        jitter: f64,
    ) {
        if let Some(Some(running)) = self.slots.get_mut(slot) {
            if running.in_flight {
                running.in_flight = false;
                running.flow.feed(pacers, attempt, now, jitter);
                self.resolved.merge(running.flow.resolved());
            }
        }
    }

    /// Gives up on every onboarding (the host was aborted): frees the places of sends in
    /// flight, at `now`; the reports keep what was done, and those not started have every
    /// step pending.
    pub fn abandon(&mut self, pacers: &mut Pacers, now: Clock) {
        for slot in 0..self.slots.len() {
            if let Some(running) = &mut self.slots[slot] {
                running.flow.abandon(pacers, now);
                self.finish(slot);
            }
        }
        while let Some((index, flow)) = self.waiting.pop_front() {
            self.reports[index] = Some(flow.report().clone());
            self.progress.failed += 1;
            self.progress.remaining -= 1;
        }
    }

    /// Starts the next waiting spec in `slot`; false when none is left.
    fn start(&mut self, slot: usize) -> bool {
        let Some((index, mut flow)) = self.waiting.pop_front() else {
            return false;
        };
        flow.learn(&self.resolved);
        self.slots[slot] = Some(Slot {
            index,
            flow,
            in_flight: false,
        });
        true
    }

    fn finish(&mut self, slot: usize) {
        let Some(running) = self.slots[slot].take() else {
            return;
        };
        self.resolved.merge(running.flow.resolved());
        self.warmed = true;
        let report = running.flow.report().clone();
        if report.complete {
            self.progress.done += 1;
        } else {
            self.progress.failed += 1;
        }
        self.progress.remaining -= 1;
        self.reports[running.index] = Some(report);
        self.over.push(running.index);
    }
}
