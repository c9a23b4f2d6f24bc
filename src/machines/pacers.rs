//! One [`Pacer`] per identity: each credential has its own budget at Cloudflare (1,200 requests
//! per 5 minutes per user or account token), so each is paced on its own.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::time::Duration;

use http::HeaderMap;

use crate::auth::CREDENTIAL_HEADERS;
use crate::retry::{Pacer, Ticket};

/// Who a request is sent as, without the secret: a hash of its credential headers. Two
/// requests signed alike have the same identity; the key never leaves the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Identity(u64);

impl Identity {
    /// The identity of a request with these headers.
    pub fn of(headers: &HeaderMap) -> Identity {
        // std's SipHash with its fixed keys: stable within a process, which is all a pacer
        // needs, and no randomness drawn.
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        // By `HeaderName`, not `&str`: a `&str` key runs through http's general header-name
        // parser, which is large in the .wasm.
        for name in &CREDENTIAL_HEADERS {
            for value in headers.get_all(name) {
                name.as_str().hash(&mut hasher);
                value.as_bytes().hash(&mut hasher);
            }
        }
        Identity(hasher.finish())
    }
}

/// Past this many identities, those with nothing in their budget are forgotten (they would
/// say "go" anyway).
const IDENTITIES_KEPT: usize = 256;

/// The pacers of one client: none when pacing is off, else one per identity, all with the same
/// budget.
#[derive(Debug, Clone, Default)]
pub struct Pacers {
    budget: Option<(u32, Duration)>,
    by_identity: HashMap<Identity, Pacer>,
}

impl Pacers {
    /// No pacing: every send goes at once.
    pub fn off() -> Self {
        Pacers::default()
    }

    /// At most `limit` sends per `window` for each identity.
    pub fn new(limit: u32, window: Duration) -> Self {
        Pacers {
            budget: Some((limit, window)),
            by_identity: HashMap::new(),
        }
    }

    /// Cloudflare's documented budget for each identity: 1,200 requests per 300 seconds.
    pub fn cloudflare() -> Self {
        let pacer = Pacer::cloudflare();
        Pacers::new(pacer.limit(), pacer.window())
    }

    /// The budget, when pacing.
    pub fn budget(&self) -> Option<(u32, Duration)> {
        self.budget
    }

    /// Takes a place for a send as `identity` at `now`: `Ok(None)` when not pacing.
    pub(crate) fn acquire(
        &mut self,
        identity: Identity,
        now: Duration,
    ) -> Result<Option<Ticket>, Duration> {
        let Some((limit, window)) = self.budget else {
            return Ok(None);
        };
        if !self.by_identity.contains_key(&identity) && self.by_identity.len() >= IDENTITIES_KEPT {
            self.by_identity.retain(|_, pacer| pacer.in_use(now) > 0);
        }
        let pacer = self
            .by_identity
            .entry(identity)
            .or_insert_with(|| Pacer::new(limit, window));
        pacer.acquire(now).map(Some)
    }

    /// What an answer to `identity` said of its budget, at `now` (monotonic) and `wall` (for
    /// an HTTP-date reset): the pacer keeps under the server's own count until its reset.
    pub(crate) fn observe(
        &mut self,
        identity: Identity,
        headers: &HeaderMap,
        now: Duration,
        wall: std::time::SystemTime,
    ) {
        if self.budget.is_none() {
            return;
        }
        if let (Some(budget), Some(pacer)) = (
            crate::server_budget(headers, Some(wall)),
            self.by_identity.get_mut(&identity),
        ) {
            pacer.observe(budget, now);
        }
    }

    /// The send of `ticket` as `identity` ended at `now`.
    pub(crate) fn settle(&mut self, identity: Identity, ticket: Ticket, now: Duration) {
        if let Some(pacer) = self.by_identity.get_mut(&identity) {
            pacer.settle(ticket, now);
        }
    }
}
