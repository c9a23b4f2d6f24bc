//! wasm-bindgen bindings of [`cloudflare_tenant`]: conversion only; every decision about
//! Cloudflare's API is the core's.
//!
//! - [`Machine`]: a call, a list, the onboarding flow, or many onboardings (a bulk run, with
//!   several sends in flight at once). The JS driver asks `next`, sends or sleeps as told, and
//!   feeds back what happened to each send's slot; the [`Pacers`] of its client come along.
//! - The by-name floor, for users who bring their own transport: `buildRequest`,
//!   `checkText` / `checkBytes`, [`Paginator`], [`Pacer`] and `operations`.
//! - `credentialsFromEnvironment`: credentials from the conventional environment variables,
//!   looked up in the object the host gives (`process.env`), as the JSON text the rest takes.
//!
//! Parameters, credentials, specs and headers come in as JSON text, read by the core's own JSON
//! reader (recursion limit, exact numbers, field paths in errors). Requests, steps and views go
//! out as JSON text. A result never crosses: JS reads it from the body it received with
//! `JSON.parse` once the core has checked it, which is faster than any crossing out of wasm.
//! Times come in as milliseconds: `performance.now()` and `Date.now()`. An error is thrown as
//! the JSON text of the core's view ([`Error::to_json`]), which never holds a secret. Should
//! the core panic, [`take_panic`] gives the message instead of a bare `unreachable` trap.

use std::cell::RefCell;
use std::fmt::Display;
use std::time::{Duration, SystemTime};

use cloudflare_tenant::host::{self, Machine as HostMachine};
use cloudflare_tenant::http::HeaderMap;
use cloudflare_tenant::machines::{Clock, Pacers as CorePacers};
use cloudflare_tenant::{
    check_response_named, operation, operations as catalog, response_headers, server_budget,
    Attempt, Client, Credentials, Error, Invalid, NamedPaginator, OperationInfo,
    Pacer as CorePacer, RetryPolicy, Ticket, DEFAULT_USER_AGENT,
};
use serde_json::Value;
use wasm_bindgen::prelude::*;

/// Talc instead of the standard library's dlmalloc: 3 KB less of the gzipped .wasm, and faster.
/// (Threads would need a locking allocator; this build has none.)
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

// ---- values in and out ----------------------------------------------------------------------

/// The JS value thrown for a core error: the JSON text of its view. (A JS `Error` built here
/// would take js-sys, 1 KB of the gzipped .wasm.)
fn throw(error: Error) -> JsValue {
    JsValue::from_str(&error.to_json().to_string())
}

/// An argument refused here, before it reached the core.
fn invalid(operation: Option<&'static str>, field: &str, reason: String) -> Error {
    let field = field.to_owned();
    Invalid {
        operation,
        field,
        reason,
    }
    .into()
}

/// Names the operation an input error belongs to, unless it names one already.
fn named(error: Error, operation: Option<&'static str>) -> Error {
    match operation {
        Some(operation) => error.in_operation(operation),
        None => error,
    }
}

/// The operation that the errors of the onboarding flows name.
const ONBOARDING: &str = "onboarding";

/// The catalog's name for `name`, when it is an operation.
fn known(name: &str) -> Option<&'static str> {
    operation(name).ok().map(|op| op.name)
}

fn read_json(operation: Option<&'static str>, field: &str, text: &str) -> Result<Value, Error> {
    serde_json::from_str(text)
        .map_err(|e| invalid(operation, field, format!("is not valid JSON text ({e})")))
}

/// `{"api_token"}` | `{"api_email", "api_key"}` | `{"user_service_key"}`, or none.
fn read_credentials(
    op: Option<&'static str>,
    text: Option<String>,
) -> Result<Option<Credentials>, Error> {
    match text
        .map(|text| read_json(op, "credentials", &text))
        .transpose()?
    {
        None | Some(Value::Null) => Ok(None),
        Some(value) => Credentials::from_json(value)
            .map(Some)
            .map_err(|e| named(e, op)),
    }
}

#[wasm_bindgen]
extern "C" {
    /// `Reflect.get(target, key)`: one property of a JS object, whatever kind of object it is
    /// (Node's `process.env` is an exotic one). Rethrows what the object throws.
    #[wasm_bindgen(js_namespace = Reflect, js_name = get, catch)]
    fn reflect_get(target: &JsValue, key: &str) -> Result<JsValue, JsValue>;
}

/// Credentials from the conventional environment variables, looked up in `env` (Node's
/// `process.env`, or any object): JSON text of the form the other functions take, or
/// `undefined` when there are none. Which variables, in which order, and what counts as set
/// are the core's ([`Credentials::from_environment`]); a variable that is not a string counts
/// as unset. Throws the core's error for a bad value, naming the variable, or what `env`
/// threw.
#[wasm_bindgen(js_name = credentialsFromEnvironment)]
pub fn credentials_from_environment(env: &JsValue) -> Result<Option<String>, JsValue> {
    install_panic_hook();
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
    let found = found.map_err(throw)?;
    Ok(found.map(|credentials| credentials.to_json().to_string()))
}

/// Response headers as JSON `[[name, value], ...]`; only those the core reads are kept.
fn read_headers(operation: Option<&'static str>, headers: &str) -> Result<HeaderMap, Error> {
    let Value::Array(pairs) = read_json(operation, "headers", headers)? else {
        let reason = "must be a list of [name, value] pairs".into();
        return Err(invalid(operation, "headers", reason));
    };
    Ok(response_headers(pairs.iter().filter_map(|pair| {
        let value = match pair.get(1)? {
            Value::String(text) => text.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        Some((pair.get(0)?.as_str()?, value))
    })))
}

/// `{"<tag>": value}`.
fn tagged(tag: &str, value: impl Display) -> String {
    format!(r#"{{"{tag}":{value}}}"#)
}

fn seconds(duration: Duration) -> Value {
    duration.as_secs_f64().into()
}

/// Sets `value` to the `seconds` given, if any, as the core reads a host's seconds.
fn set_seconds(value: &mut Duration, field: &str, seconds: Option<f64>) -> Result<(), Error> {
    if let Some(seconds) = seconds {
        *value = host::seconds(field, seconds)?;
    }
    Ok(())
}

/// The host's clocks, in milliseconds: monotonic for waits, the wall for `Retry-After` dates.
fn clock(monotonic_ms: f64, wall_ms: f64) -> Clock {
    let since_origin = |ms: f64| Duration::try_from_secs_f64(ms / 1000.0).unwrap_or_default();
    let wall = SystemTime::UNIX_EPOCH.checked_add(since_origin(wall_ms));
    let wall = wall.unwrap_or(SystemTime::UNIX_EPOCH);
    Clock {
        monotonic: since_origin(monotonic_ms),
        wall,
    }
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Keeps the message of a panic (the wasm build aborts on panic, which JS sees as a trap).
fn install_panic_hook() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            LAST_PANIC.with(|last| *last.borrow_mut() = Some(info.to_string()));
        }));
    });
}

/// The message of the last panic, if one happened since the last call.
#[wasm_bindgen(js_name = takePanic)]
pub fn take_panic() -> Option<String> {
    LAST_PANIC.with(|last| last.borrow_mut().take())
}

// ---- the catalog and the by-name floor ------------------------------------------------------

/// Every operation: JSON `[{"name", "method", "paginated", "secret_fields"}]`.
#[wasm_bindgen]
pub fn operations() -> String {
    let summaries = catalog().iter().map(OperationInfo::summary_json);
    Value::Array(summaries.collect()).to_string()
}

/// The `User-Agent` the core sends unless told otherwise.
#[wasm_bindgen(js_name = defaultUserAgent)]
pub fn default_user_agent() -> String {
    DEFAULT_USER_AGENT.to_owned()
}

/// A core client with these credentials (or none), base URL and user agent (or the core's).
fn client(
    credentials: Option<Credentials>,
    base_url: Option<String>,
    user_agent: Option<String>,
) -> Result<Client, Error> {
    let mut client = credentials.map(Client::new).unwrap_or_default();
    if let Some(base_url) = base_url {
        client = client.with_base_url(base_url)?;
    }
    match user_agent {
        Some(user_agent) => client.with_user_agent(user_agent),
        None => Ok(client),
    }
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
    install_panic_hook();
    let build = || {
        let op = Some(operation(name)?.name);
        let client = client(None, base_url, user_agent).map_err(|e| named(e, op))?;
        let params = read_json(op, "params", params)?;
        let credentials = read_credentials(op, credentials)?;
        client.request_named(name, params, credentials.as_ref())
    };
    build()
        .map(|request| host::request_json(&request))
        .map_err(throw)
}

/// Checks a response whose body is text: JSON text of `{"result_info"?, "messages"}` (the
/// caller reads `result` from the body), or throws the error it carries.
#[wasm_bindgen(js_name = checkText)]
pub fn check_text(name: &str, status: u16, headers: &str, body: &str) -> Result<String, JsValue> {
    check_bytes(name, status, headers, body.as_bytes())
}

/// [`check_text`] for a body given as bytes, kept exactly as sent.
#[wasm_bindgen(js_name = checkBytes)]
pub fn check_bytes(name: &str, status: u16, headers: &str, body: &[u8]) -> Result<String, JsValue> {
    install_panic_hook();
    let check = || {
        let headers = read_headers(Some(operation(name)?.name), headers)?;
        check_response_named(name, status, &headers, body)
    };
    check()
        .map(|response| Value::from(host::answer_json(&response)).to_string())
        .map_err(throw)
}

/// Pages through a list operation, sans-IO: [`NamedPaginator`] with JSON text in and out.
#[wasm_bindgen]
pub struct Paginator(NamedPaginator);

#[wasm_bindgen]
impl Paginator {
    /// Starts from `params` (JSON text), stopping after `max_pages` at most; refuses an
    /// operation that does not page.
    #[wasm_bindgen(constructor)]
    pub fn new(name: &str, params: &str, max_pages: Option<u32>) -> Result<Paginator, JsValue> {
        install_panic_hook();
        let mut pages = read_json(known(name), "params", params)
            .and_then(|params| NamedPaginator::new(name, params))
            .map_err(throw)?;
        if let Some(max_pages) = max_pages {
            pages.set_max_pages(max_pages);
        }
        Ok(Paginator(pages))
    }

    /// The params of the next page as JSON text, or `undefined` when done.
    #[wasm_bindgen(js_name = nextParams)]
    pub fn next_params(&self) -> Option<String> {
        self.0.next_params().map(|params| params.to_string())
    }

    /// Checks the answer to the last page: JSON text of `{"keep", "result_info"?, "messages"}`
    /// (the items are the body's `result`, unless `keep` is false: a repeated page), or
    /// throws its error, and then the same page is asked for again.
    pub fn feed(&mut self, status: u16, headers: &str, body: &[u8]) -> Result<String, JsValue> {
        install_panic_hook();
        let name = self.0.operation();
        let headers = read_headers(Some(name), headers).map_err(throw)?;
        let response = check_response_named(name, status, &headers, body).map_err(throw)?;
        let mut meta = host::answer_json(&response);
        meta.insert("keep".into(), self.0.feed_checked(&response).into());
        Ok(Value::from(meta).to_string())
    }

    /// Why it stopped, once it has: JSON text of `{"reason", "message", "anomaly", ...}`.
    pub fn stop(&self) -> Option<String> {
        self.0.stop().map(|stop| stop.to_json().to_string())
    }
}

/// A budget of at most `limit` sends per `window` seconds, checked by the core.
fn budget(limit: f64, window: f64) -> Result<(u32, Duration), JsValue> {
    host::budget(limit, window).map_err(throw)
}

/// One request budget, sans-IO ([`CorePacer`]); times are a monotonic clock's seconds.
#[wasm_bindgen]
pub struct Pacer(CorePacer);

#[wasm_bindgen]
impl Pacer {
    #[wasm_bindgen(constructor)]
    pub fn new(limit: f64, window: f64) -> Result<Pacer, JsValue> {
        budget(limit, window).map(|(limit, window)| Pacer(CorePacer::new(limit, window)))
    }

    /// Cloudflare's documented budget: 1,200 requests per 300 seconds per credential.
    pub fn cloudflare() -> Pacer {
        Pacer(CorePacer::cloudflare())
    }

    /// A budget others may have spent already ([`CorePacer::taking_over`]): the first send
    /// goes alone, and its answer's headers say what is left. For a pacer shared by many
    /// clients that starts afresh (a Durable Object after a restart).
    #[wasm_bindgen(js_name = takingOver)]
    pub fn taking_over(limit: f64, window: f64) -> Result<Pacer, JsValue> {
        budget(limit, window).map(|(limit, window)| Pacer(CorePacer::taking_over(limit, window)))
    }

    /// A place for a send at `now`: JSON text `{"ticket": id}` (send now, then settle it) or
    /// `{"wait": seconds}` (sleep, then ask again).
    pub fn acquire(&mut self, now: f64) -> String {
        match self
            .0
            .acquire(Duration::try_from_secs_f64(now).unwrap_or_default())
        {
            Ok(ticket) => tagged("ticket", ticket.id()),
            Err(wait) => tagged("wait", seconds(wait)),
        }
    }

    /// The send of `ticket` ended at `now`; its place frees a window later.
    pub fn settle(&mut self, ticket: f64, now: f64) {
        // A ticket id is an integer below 2^53 (one per send): exact as a JS number.
        let now = Duration::try_from_secs_f64(now).unwrap_or_default();
        self.0.settle(Ticket::from_id(ticket as u64), now);
    }

    /// What an answer's headers (JSON `[[name, value], ...]`) say of the budget, read at `now`
    /// (monotonic seconds) and `wall_ms` (`Date.now()`, for a reset given as a date): the
    /// server's `Ratelimit` count holds this budget back when others spent some of it. Call it
    /// after settling the answer's ticket, as the core's own machines do.
    pub fn observe(&mut self, headers: &str, now: f64, wall_ms: f64) -> Result<(), JsValue> {
        let headers = read_headers(None, headers).map_err(throw)?;
        let now = clock(now * 1000.0, wall_ms);
        if let Some(budget) = server_budget(&headers, Some(now.wall)) {
            self.0.observe(budget, now.monotonic);
        }
        Ok(())
    }
}

// ---- the exchange machines ------------------------------------------------------------------

/// A client's settings, checked once: base URL, user agent, credentials and retry policy.
#[wasm_bindgen]
pub struct Core {
    client: Client,
    policy: RetryPolicy,
    /// As given, to set up a client with other credentials the same way.
    user_agent: Option<String>,
}

#[wasm_bindgen]
impl Core {
    /// `credentials`: JSON text, or none (then each call brings its own). Retry durations in
    /// seconds; unset retry fields keep the core's defaults.
    #[wasm_bindgen(constructor)]
    pub fn new(
        credentials: Option<String>,
        base_url: Option<String>,
        user_agent: Option<String>,
        max_retries: Option<u32>,
        initial_backoff: Option<f64>,
        max_backoff: Option<f64>,
        max_retry_after: Option<f64>,
    ) -> Result<Core, JsValue> {
        install_panic_hook();
        let start = || {
            let credentials = read_credentials(None, credentials)?;
            let client = client(credentials, base_url, user_agent.clone())?;
            let mut policy = RetryPolicy::default();
            policy.max_retries = max_retries.unwrap_or(policy.max_retries);
            set_seconds(
                &mut policy.initial_backoff,
                "initialBackoff",
                initial_backoff,
            )?;
            set_seconds(&mut policy.max_backoff, "maxBackoff", max_backoff)?;
            set_seconds(
                &mut policy.max_retry_after,
                "maxRetryAfter",
                max_retry_after,
            )?;
            Ok(Core {
                client,
                policy,
                user_agent,
            })
        };
        start().map_err(throw)
    }

    /// The base URL requests go to.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.client.base_url().to_owned()
    }
}

impl Core {
    /// This core's client, or one set up the same way but signed with `credentials`.
    fn client_as(&self, credentials: Option<String>) -> Result<Client, Error> {
        match read_credentials(Some(ONBOARDING), credentials)? {
            None => Ok(self.client.clone()),
            some => client(some, Some(self.base_url()), self.user_agent.clone()),
        }
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
        budget(limit, window).map(|(limit, window)| Pacers(CorePacers::new(limit, window)))
    }

    pub fn off() -> Pacers {
        Pacers(CorePacers::off())
    }

    /// Cloudflare's documented budget for each identity: 1,200 requests per 300 seconds.
    pub fn cloudflare() -> Pacers {
        Pacers(CorePacers::cloudflare())
    }
}

/// A call, a list, one onboarding or many (a bulk run), driven alike. Its steps, as JSON text:
/// `{"send": {method, url, headers, body, slot}}` (send it at once, then feed back what
/// happened to its `slot`; only a bulk run has several slots, and may hand out another send
/// before the first is answered), `{"sleep": seconds}` (a bulk run: or until an answer in
/// flight comes back), then
/// - a call: `{"done": {"result_info"?, "messages", "secret_fields"}}` or `{"error": view}`;
/// - a list: `{"page": {"fresh", "result_info"?, "messages", "secret_fields"}}` for each page
///   (its items are the body's `result`, unless `fresh` is false: a repeated page), then
///   `{"done": {"stop": {reason, message, anomaly, ...}}}` or `{"error": view}`;
/// - onboarding: `{"done": {"report", "secret_fields"}}`;
/// - a bulk run: `{"done": {"reports", "secret_fields"}}`: one report per spec, in order.
///
/// `secret_fields` name the fields of the result (each item, the report) that hold secrets.
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
        install_panic_hook();
        let start = || {
            let (params, credentials) = read_call(name, params, credentials)?;
            let credentials = credentials.as_ref();
            HostMachine::call(&core.client, name, params, credentials, core.policy, random)
        };
        start().map(Machine).map_err(throw)
    }

    /// Every page of `name`, as [`Machine::call`] takes them; at most `max_pages`.
    pub fn list(
        core: &Core,
        name: &str,
        params: &str,
        credentials: Option<String>,
        max_pages: Option<u32>,
    ) -> Result<Machine, JsValue> {
        install_panic_hook();
        let start = || {
            let (params, credentials) = read_call(name, params, credentials)?;
            let credentials = credentials.as_ref();
            HostMachine::list(
                &core.client,
                name,
                params,
                credentials,
                core.policy,
                max_pages,
            )
        };
        start().map(Machine).map_err(throw)
    }

    /// Onboarding from `spec` (JSON text of the core's `OnboardingSpec`) with `core`'s
    /// settings, signed with `credentials` instead when given. `random`: 16 random bytes,
    /// fresh for each onboarding, for the account create's idempotency key. Throws a bad
    /// spec's error.
    pub fn onboarding(
        core: &Core,
        spec: &str,
        credentials: Option<String>,
        random: &[u8],
    ) -> Result<Machine, JsValue> {
        install_panic_hook();
        let start = || {
            let spec = read_json(Some(ONBOARDING), "spec", spec)?;
            let client = core.client_as(credentials)?;
            HostMachine::onboarding(client, spec, core.policy, random)
        };
        start().map(Machine).map_err(throw)
    }

    /// Onboardings of `specs` (JSON text of an array of the core's `OnboardingSpec`s) with
    /// `core`'s settings, signed with `credentials` instead when given, at most `concurrency`
    /// at once (an integer from 1; the core's default when undefined), sharing the ids they
    /// resolve by name. `random`: 16 random bytes
    /// per spec, fresh, one after the other, for each account create's idempotency key.
    /// Throws the error of a bad spec, naming it (`specs[3].name`), before anything is sent.
    pub fn bulk(
        core: &Core,
        specs: &str,
        credentials: Option<String>,
        concurrency: JsValue,
        random: &[u8],
    ) -> Result<Machine, JsValue> {
        install_panic_hook();
        let start = || {
            let specs = read_json(Some(ONBOARDING), "specs", specs)?;
            let client = core.client_as(credentials)?;
            // Undefined or null: the core's default. Anything but a number (`"8"`) reads as
            // NaN, which the core refuses.
            let given = (!concurrency.is_undefined() && !concurrency.is_null())
                .then(|| concurrency.as_f64().unwrap_or(f64::NAN));
            let concurrency = host::concurrency(given).map_err(|e| e.in_operation(ONBOARDING))?;
            HostMachine::bulk(client, specs, core.policy, concurrency, random)
        };
        start().map(Machine).map_err(throw)
    }

    /// What to do now.
    pub fn next(&mut self, pacers: &mut Pacers, monotonic_ms: f64, wall_ms: f64) -> String {
        install_panic_hook();
        (self.0).next_json(&mut pacers.0, clock(monotonic_ms, wall_ms))
    }

    /// The answer to the last send (`headers`: JSON `[[name, value], ...]`); `jitter` is a
    /// random number in [0, 1).
    #[wasm_bindgen(js_name = feedResponse)]
    #[allow(clippy::too_many_arguments)]
    pub fn feed_response(
        &mut self,
        slot: u32,
        pacers: &mut Pacers,
        status: u16,
        headers: &str,
        body: &[u8],
        monotonic_ms: f64,
        wall_ms: f64,
        jitter: f64,
    ) -> Result<(), JsValue> {
        install_panic_hook();
        let headers = read_headers(None, headers).map_err(throw)?;
        let attempt = Attempt::Response {
            status,
            headers: &headers,
            body,
        };
        self.feed(slot, pacers, attempt, clock(monotonic_ms, wall_ms), jitter);
        Ok(())
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
        monotonic_ms: f64,
        wall_ms: f64,
        jitter: f64,
    ) {
        install_panic_hook();
        let attempt = match sent {
            true => Attempt::NoResponse { message },
            false => Attempt::NotSent { message },
        };
        self.feed(slot, pacers, attempt, clock(monotonic_ms, wall_ms), jitter);
    }

    /// Gives up (the caller aborted): frees the places of the sends in flight; a bulk run's
    /// reports keep what was done.
    pub fn abandon(&mut self, pacers: &mut Pacers, monotonic_ms: f64, wall_ms: f64) {
        self.0.abandon(&mut pacers.0, clock(monotonic_ms, wall_ms));
    }

    /// Where a bulk run is: JSON text of `{"done", "failed", "remaining", "requests",
    /// "current_wait"}` (the wait in seconds).
    pub fn progress(&self) -> String {
        self.0.progress_json().to_string()
    }

    /// JSON text of a bulk run's reports, one per spec in the specs' order (`null` for one
    /// not over yet). Their secret fields are [`Report::SECRET_FIELDS`].
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
        let index = self.0.bulk_run()?.spec_index(slot as usize)?;
        u32::try_from(index).ok()
    }
}

impl Machine {
    fn feed(&mut self, slot: u32, pacers: &mut Pacers, attempt: Attempt, now: Clock, jitter: f64) {
        (self.0).feed(slot as usize, &mut pacers.0, attempt, now, jitter);
    }
}

/// The params and credentials of a call of `name`, from JSON text.
fn read_call(
    name: &str,
    params: &str,
    credentials: Option<String>,
) -> Result<(Value, Option<Credentials>), Error> {
    Ok((
        read_json(known(name), "params", params)?,
        read_credentials(known(name), credentials)?,
    ))
}
