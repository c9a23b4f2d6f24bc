//! wasm-bindgen bindings of [`cloudflare_tenant`]: conversion only; every decision about
//! Cloudflare's API is the core's ([`cloudflare_tenant::host`]).
//!
//! - [`Machine`]: a call, a list, one onboarding or many (a bulk run), driven by JS: `next`,
//!   send or sleep as told, feed back what happened to each send's slot, with [`Pacers`].
//! - The by-name floor for users with their own transport: `buildRequest`, `checkText` /
//!   `checkBytes`, [`Paginator`], [`Pacer`], `operations`.
//!
//! Values cross as JSON text, read and written by the core; a result never crosses (JS parses
//! the body the core has checked). Times come as milliseconds (`performance.now()`,
//! `Date.now()`), but a [`Pacer`]'s as seconds. An error is thrown as the JSON text of the
//! core's view ([`Error::to_json`]), which never holds a secret; after a panic (a trap in JS),
//! [`take_panic`] gives its message.

use std::cell::RefCell;

use cloudflare_tenant::host::{self, Machine as HostMachine, Settings};
use cloudflare_tenant::machines::{Clock, Pacers as CorePacers};
use cloudflare_tenant::{
    operations as catalog, Attempt, Credentials, Error, NamedPaginator, OperationInfo,
    Pacer as CorePacer, Ticket, DEFAULT_USER_AGENT,
};
use wasm_bindgen::prelude::*;

/// Talc instead of dlmalloc: 3 KB less of the gzipped .wasm, and faster (no threads here).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The core's error thrown as the JSON text of its view (a JS `Error` would take js-sys: 1 KB).
fn js<T>(result: Result<T, Error>) -> Result<T, JsValue> {
    result.map_err(|error| JsValue::from_str(&error.to_json().to_string()))
}

/// The host's clocks in milliseconds (`now`: monotonic, `wall`: `Date.now()`), checked.
fn clock(now: f64, wall: f64) -> Result<Clock, JsValue> {
    js(Clock::from_millis(now, wall))
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Keeps the message of a panic (the wasm build aborts on panic, which JS sees as a trap).
#[wasm_bindgen(start)]
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        LAST_PANIC.with(|last| *last.borrow_mut() = Some(info.to_string()));
    }));
}

/// The message of the last panic, if one happened since the last call.
#[wasm_bindgen(js_name = takePanic)]
pub fn take_panic() -> Option<String> {
    LAST_PANIC.with(|last| last.borrow_mut().take())
}

#[wasm_bindgen]
extern "C" {
    /// `Reflect.get(target, key)`, for any object (Node's `process.env` is exotic); rethrows.
    #[wasm_bindgen(js_namespace = Reflect, js_name = get, catch)]
    fn reflect_get(target: &JsValue, key: &str) -> Result<JsValue, JsValue>;
}

/// [`Credentials::from_environment`] looked up in `env` (`process.env`; a value that is not a
/// string is unset) as JSON text, or `undefined`; throws a bad value's error or what `env` threw.
#[wasm_bindgen(js_name = credentialsFromEnvironment)]
pub fn credentials_from_environment(env: &JsValue) -> Result<Option<String>, JsValue> {
    let thrown = RefCell::new(None);
    let found = Credentials::from_environment(|name| match reflect_get(env, name) {
        Ok(value) => value.as_string(),
        Err(error) => {
            thrown.borrow_mut().get_or_insert(error);
            None
        }
    });
    if let Some(error) = thrown.into_inner() {
        return Err(error);
    }
    Ok(js(found)?.map(|credentials| credentials.to_json().to_string()))
}

// ---- the catalog and the by-name floor ------------------------------------------------------

/// Every operation: JSON `[{"name", "method", "paginated", "secret_fields"}]`.
#[wasm_bindgen]
pub fn operations() -> String {
    let summaries = catalog().iter().map(OperationInfo::summary_json);
    serde_json::Value::Array(summaries.collect()).to_string()
}

/// The `User-Agent` the core sends unless told otherwise.
#[wasm_bindgen(js_name = defaultUserAgent)]
pub fn default_user_agent() -> String {
    DEFAULT_USER_AGENT.to_owned()
}

/// The request for `name` (params and credentials as JSON text) as JSON text.
#[wasm_bindgen(js_name = buildRequest)]
pub fn build_request(
    name: &str,
    params: &str,
    credentials: Option<String>,
    base_url: Option<String>,
    user_agent: Option<String>,
) -> Result<String, JsValue> {
    let (credentials, base_url, agent) = (credentials.as_deref(), base_url.as_deref(), user_agent);
    js(host::build_request_json(
        name,
        params,
        credentials,
        base_url,
        agent.as_deref(),
    ))
}

/// [`host::check_json`] of a body that is text.
#[wasm_bindgen(js_name = checkText)]
pub fn check_text(name: &str, status: u16, headers: &str, body: &str) -> Result<String, JsValue> {
    check_bytes(name, status, headers, body.as_bytes())
}

/// [`host::check_json`] of a body as bytes, kept exactly as sent.
#[wasm_bindgen(js_name = checkBytes)]
pub fn check_bytes(name: &str, status: u16, headers: &str, body: &[u8]) -> Result<String, JsValue> {
    js(host::check_json(name, status, headers, body))
}

/// Pages through a list operation, sans-IO: [`NamedPaginator`] with JSON text in and out.
#[wasm_bindgen]
pub struct Paginator(NamedPaginator);

#[wasm_bindgen]
impl Paginator {
    /// Pages of `name` from `params` (JSON text), at most `max_pages`.
    #[wasm_bindgen(constructor)]
    pub fn new(name: &str, params: &str, max_pages: Option<u32>) -> Result<Paginator, JsValue> {
        js(host::paginator(name, params, max_pages)).map(Paginator)
    }

    /// The params of the next page as JSON text, or `undefined` when done.
    #[wasm_bindgen(js_name = nextParams)]
    pub fn next_params(&self) -> Option<String> {
        self.0.next_params().map(|params| params.to_string())
    }

    /// The answer to the last page: [`host::feed_page_json`]; after an error, the same page.
    pub fn feed(&mut self, status: u16, headers: &str, body: &[u8]) -> Result<String, JsValue> {
        js(host::feed_page_json(&mut self.0, status, headers, body))
    }

    /// Why it stopped, once it has: JSON text of `{"reason", "message", "anomaly", ...}`.
    pub fn stop(&self) -> Option<String> {
        self.0.stop().map(|stop| stop.to_json().to_string())
    }
}

/// One request budget, sans-IO ([`CorePacer`]); times are a monotonic clock's seconds.
#[wasm_bindgen]
pub struct Pacer(CorePacer);

#[wasm_bindgen]
impl Pacer {
    /// At most `limit` sends per `window` seconds, as the core checks them.
    #[wasm_bindgen(constructor)]
    pub fn new(limit: f64, window: f64) -> Result<Pacer, JsValue> {
        let (limit, window) = js(host::budget(limit, window))?;
        Ok(Pacer(CorePacer::new(limit, window)))
    }

    /// Cloudflare's documented budget: 1,200 requests per 300 seconds per credential.
    pub fn cloudflare() -> Pacer {
        Pacer(CorePacer::cloudflare())
    }

    /// A budget others may have spent already: [`CorePacer::taking_over`].
    #[wasm_bindgen(js_name = takingOver)]
    pub fn taking_over(limit: f64, window: f64) -> Result<Pacer, JsValue> {
        let (limit, window) = js(host::budget(limit, window))?;
        Ok(Pacer(CorePacer::taking_over(limit, window)))
    }

    /// A place for a send at `now`: [`CorePacer::acquire_json`].
    pub fn acquire(&mut self, now: f64) -> Result<String, JsValue> {
        js(self.0.acquire_json(now))
    }

    /// The send of `ticket` ended at `now`; its place frees a window later.
    pub fn settle(&mut self, ticket: f64, now: f64) -> Result<(), JsValue> {
        // A ticket id is an integer below 2^53 (one per send): exact as a JS number.
        let now = js(host::seconds("now", now))?;
        self.0.settle(Ticket::from_id(ticket as u64), now);
        Ok(())
    }

    /// What an answer's headers say of the budget at `now` (seconds) and `wall` (`Date.now()`):
    /// [`CorePacer::observe_json`]. After settling the answer's ticket.
    pub fn observe(&mut self, headers: &str, now: f64, wall: f64) -> Result<(), JsValue> {
        js(self.0.observe_json(headers, clock(now * 1000.0, wall)?))
    }
}

// ---- the exchange machines ------------------------------------------------------------------

/// A client's settings, checked once: base URL, user agent, credentials and retry policy.
#[wasm_bindgen]
pub struct Core(Settings);

#[wasm_bindgen]
impl Core {
    /// `credentials`: JSON text, or none (then each call brings its own). Retry durations in
    /// seconds; unset retry fields keep the core's defaults.
    #[wasm_bindgen(constructor)]
    pub fn new(
        credentials: Option<String>,
        base_url: Option<String>,
        user_agent: Option<String>,
        max_retries: Option<f64>,
        initial_backoff: Option<f64>,
        max_backoff: Option<f64>,
        max_retry_after: Option<f64>,
    ) -> Result<Core, JsValue> {
        let credentials = js(host::read_credentials(None, credentials.as_deref()))?;
        let client = host::client(credentials, base_url.as_deref(), user_agent.as_deref());
        let waits = [
            ("initialBackoff", initial_backoff),
            ("maxBackoff", max_backoff),
            ("maxRetryAfter", max_retry_after),
        ];
        let policy = js(host::retry_policy(("maxRetries", max_retries), waits))?;
        Ok(Core(Settings {
            client: js(client)?,
            policy,
        }))
    }

    /// The base URL requests go to.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.0.client.base_url().to_owned()
    }
}

/// The budgets of one client, one per identity, shared by all its calls, lists and flows.
#[wasm_bindgen]
pub struct Pacers(CorePacers);

#[wasm_bindgen]
impl Pacers {
    /// At most `limit` sends per `window` seconds for each identity.
    #[wasm_bindgen(constructor)]
    pub fn new(limit: f64, window: f64) -> Result<Pacers, JsValue> {
        js(CorePacers::from_host(limit, window)).map(Pacers)
    }

    pub fn off() -> Pacers {
        Pacers(CorePacers::off())
    }

    /// Cloudflare's documented budget for each identity: 1,200 requests per 300 seconds.
    pub fn cloudflare() -> Pacers {
        Pacers(CorePacers::cloudflare())
    }
}

/// A call, a list, one onboarding or many (a bulk run), driven alike; its steps are
/// [`HostMachine::next_json`]'s.
#[wasm_bindgen]
pub struct Machine(HostMachine);

#[wasm_bindgen]
impl Machine {
    /// A call of `name` with `params` (JSON text), signed with `credentials` (JSON text) or
    /// else `core`'s. `random`: 16 random bytes, fresh for each call, whence the core makes
    /// the idempotency key of an operation that takes one (`accounts.create`) when `params`
    /// holds none; every resend carries it. Throws the error of bad input.
    pub fn call(
        core: &Core,
        name: &str,
        params: &str,
        credentials: Option<String>,
        random: &[u8],
    ) -> Result<Machine, JsValue> {
        js(core.0.call(name, params, credentials.as_deref(), random)).map(Machine)
    }

    /// Every page of `name`, as [`Machine::call`] takes them; at most `max_pages`.
    pub fn list(
        core: &Core,
        name: &str,
        params: &str,
        credentials: Option<String>,
        max_pages: Option<u32>,
    ) -> Result<Machine, JsValue> {
        js(core.0.list(name, params, credentials.as_deref(), max_pages)).map(Machine)
    }

    /// Onboarding from `spec` (JSON text), signed with `credentials` instead when given;
    /// `random`: 16 random bytes, fresh for each onboarding, for the account create's key.
    pub fn onboarding(
        core: &Core,
        spec: &str,
        credentials: Option<String>,
        random: &[u8],
    ) -> Result<Machine, JsValue> {
        js(core.0.onboarding(spec, credentials.as_deref(), random)).map(Machine)
    }

    /// Onboardings of `specs` (JSON text of a list) as [`Machine::onboarding`] takes one, at
    /// most `concurrency` at once (the core's default when undefined); 16 random bytes a spec.
    pub fn bulk(
        core: &Core,
        specs: &str,
        credentials: Option<String>,
        concurrency: JsValue,
        random: &[u8],
    ) -> Result<Machine, JsValue> {
        // Undefined or null: not given. Not a number (`"8"`): NaN, which the core refuses.
        let given = (!concurrency.is_undefined() && !concurrency.is_null())
            .then(|| concurrency.as_f64().unwrap_or(f64::NAN));
        js(core.0.bulk(specs, credentials.as_deref(), given, random)).map(Machine)
    }

    /// What to do now: [`HostMachine::next_json`].
    pub fn next(&mut self, pacers: &mut Pacers, now: f64, wall: f64) -> Result<String, JsValue> {
        Ok(self.0.next_json(&mut pacers.0, clock(now, wall)?))
    }

    /// The answer to the last send of `slot` (`headers`: JSON `[[name, value], ...]`);
    /// `jitter` is a random number in [0, 1).
    #[wasm_bindgen(js_name = feedResponse)]
    #[allow(clippy::too_many_arguments)]
    pub fn feed_response(
        &mut self,
        slot: u32,
        pacers: &mut Pacers,
        status: u16,
        headers: &str,
        body: &[u8],
        now: f64,
        wall: f64,
        jitter: f64,
    ) -> Result<(), JsValue> {
        let (slot, now) = (slot as usize, clock(now, wall)?);
        js((self.0).feed_response_json(slot, &mut pacers.0, status, headers, body, now, jitter))
    }

    /// The last send of `slot` got no answer: `sent` is false only when it surely never left.
    #[wasm_bindgen(js_name = feedError)]
    #[allow(clippy::too_many_arguments)]
    pub fn feed_error(
        &mut self,
        slot: u32,
        pacers: &mut Pacers,
        sent: bool,
        message: &str,
        now: f64,
        wall: f64,
        jitter: f64,
    ) -> Result<(), JsValue> {
        let (attempt, now) = (Attempt::lost(sent, message), clock(now, wall)?);
        (self.0).feed(slot as usize, &mut pacers.0, attempt, now, jitter);
        Ok(())
    }

    /// Gives up (the caller aborted): frees the places of the sends in flight; a bulk run's
    /// reports keep what was done.
    pub fn abandon(&mut self, pacers: &mut Pacers, now: f64, wall: f64) -> Result<(), JsValue> {
        self.0.abandon(&mut pacers.0, clock(now, wall)?);
        Ok(())
    }

    /// Where a bulk run is: JSON text of `{"done", "failed", "remaining", "requests",
    /// "current_wait"}` (the wait in seconds).
    pub fn progress(&self) -> String {
        self.0.progress_json().to_string()
    }

    /// JSON text of a bulk run's reports, one per spec in the specs' order (`null` for one
    /// not over yet).
    pub fn reports(&self) -> String {
        self.0.reports_json().to_string()
    }

    /// How many sends may be in flight at once.
    pub fn slots(&self) -> u32 {
        self.0.slots().try_into().unwrap_or(u32::MAX)
    }

    /// The index of the spec whose onboarding runs in `slot` of a bulk run, if one does.
    #[wasm_bindgen(js_name = specIndex)]
    pub fn spec_index(&self, slot: u32) -> Option<u32> {
        self.0
            .bulk_run()?
            .spec_index(slot as usize)?
            .try_into()
            .ok()
    }
}
