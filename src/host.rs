//! What every host binding needs, once: any of the core's machines behind one interface
//! ([`Machine`]), started from the values a host hands over (JSON params and specs, the host's
//! random bytes), and the checks of host values that are not the API's (seconds, clocks,
//! budgets). A binding converts its language's values to these and back; it decides nothing.
//! A host whose values cross as JSON text (the wasm binding) finds its readers here too:
//! [`read_json`], [`read_credentials`], [`read_headers`], [`Settings`] and the `*_json` views.
//!
//! ```
//! use cloudflare_tenant::host::{Machine, Next};
//! use cloudflare_tenant::machines::{Clock, Pacers};
//! use cloudflare_tenant::{Client, Credentials, RetryPolicy};
//!
//! let client = Client::new(Credentials::api_token("t0ken").unwrap());
//! let id = "023e105f4ecef8ad9ca31a8372d0c353";
//! let params = serde_json::json!({"account_id": id});
//! let mut call =
//!     Machine::call(&client, "accounts.get", params, None, RetryPolicy::default(), &[7; 16])
//!         .unwrap();
//! let now = Clock::from_secs(0.0, 1.7e9).unwrap();
//! let Next::Send { slot: 0, request } = call.next(&mut Pacers::off(), now) else { panic!() };
//! assert_eq!(request.uri().path(), format!("/client/v4/accounts/{id}"));
//! ```

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, Request};
use serde_json::{Map, Value};

use crate::error::{Error, Invalid};
use crate::flows::{Action, Bulk, BulkAction, Onboarding, OnboardingSpec, Report};
use crate::machines::{Call, Clock, List, ListStep, Pacers, Step};
use crate::message::ApiResponse;
use crate::named::{check_response_named, CheckedResult, NamedPaginator};
use crate::paginate::Stop;
use crate::retry::{Attempt, Pacer, RetryPolicy};
use crate::{
    operation, response_headers, server_budget, Client, Credentials, OperationInfo, Outgoing,
};

/// The operation that the errors of the onboarding flows name.
const ONBOARDING: &str = "onboarding";

/// How many onboardings a bulk run keeps under way when the caller does not say.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// A call, a list, one onboarding or many, driven alike. Boxed inside: they differ in size by
/// hundreds of bytes.
#[derive(Debug)]
pub enum Machine {
    /// One call of an operation.
    Call(Box<Call>),
    /// Every page of a list.
    List(Box<List>),
    /// One customer's onboarding.
    Onboarding(Box<Onboarding>),
    /// Many onboardings, several sends in flight at once.
    Bulk(Box<Bulk>),
}

/// What a machine says to do next, whichever it is.
#[derive(Debug)]
pub enum Next {
    /// Send this request now, then feed back what happened, tagged with `slot` (always 0 but
    /// for a bulk run, which may have a send in flight per slot).
    Send {
        /// Whose answer it will be.
        slot: usize,
        /// The request.
        request: Request<Vec<u8>>,
    },
    /// Sleep this long (a bulk run: or until an answer in flight comes), then ask again.
    Sleep(Duration),
    /// A call's answer, or a page of a list; `fresh` is false for a page that repeats an
    /// earlier one (its items were seen already). The result is the body last fed.
    Answer {
        /// What came with the result.
        response: ApiResponse<CheckedResult>,
        /// Whether the result holds items not seen before.
        fresh: bool,
    },
    /// A call or a list failed.
    Failed(Error),
    /// A list or a flow is over: read [`Machine::stop`], [`Machine::report`] or
    /// [`Machine::bulk`].
    End,
}

/// A step of [`Machine::next_step`].
#[derive(Debug)]
pub enum HostStep {
    /// Send `request`, then feed back what happened to `slot`.
    Send {
        /// Whose answer it will be.
        slot: usize,
        /// The request.
        request: Outgoing,
    },
    /// Any other step, as [`Machine::next_json`] gives it.
    Json(String),
}

impl Machine {
    /// A call of the operation `name` ([`Call::new`]); `random`: the host's 16 random bytes.
    pub fn call(
        client: &Client,
        name: &str,
        params: Value,
        credentials: Option<&Credentials>,
        policy: RetryPolicy,
        random: &[u8],
    ) -> Result<Machine, Error> {
        let random = sixteen(random).map_err(|e| in_op(e, known(name)))?;
        let call = Call::new(client, name, params, credentials, policy, random)?;
        Ok(Machine::Call(Box::new(call)))
    }

    /// Every page of the operation `name` ([`List::new`]), at most `max_pages` (from 1).
    pub fn list(
        client: &Client,
        name: &str,
        params: Value,
        credentials: Option<&Credentials>,
        policy: RetryPolicy,
        max_pages: Option<u32>,
    ) -> Result<Machine, Error> {
        if max_pages == Some(0) {
            let error = Invalid::new("max_pages", "must be an integer from 1 to 2**32 - 1");
            return Err(in_op(error.into(), known(name)));
        }
        let list = List::new(client, name, params, credentials, policy, max_pages)?;
        Ok(Machine::List(Box::new(list)))
    }

    /// One onboarding of `spec` (JSON of an [`OnboardingSpec`]) signed as `client` signs;
    /// `random`: the host's 16 random bytes, for the account create's key.
    pub fn onboarding(
        client: Client,
        spec: Value,
        policy: RetryPolicy,
        random: &[u8],
    ) -> Result<Machine, Error> {
        let start = || {
            acts_as_partner(&client)?;
            let spec = OnboardingSpec::from_json(spec)?;
            Onboarding::new(client, spec, policy, sixteen(random)?)
        };
        let flow = start().map_err(|e| e.in_operation(ONBOARDING))?;
        Ok(Machine::Onboarding(Box::new(flow)))
    }

    /// Onboardings of `specs` (a JSON array of [`OnboardingSpec`]s), at most `concurrency` at
    /// once (from 1); `random`: the host's 16 random bytes per spec, one after the other. A bad
    /// spec is refused naming it (`specs[3].members[0].email`), before anything is sent.
    pub fn bulk(
        client: Client,
        specs: Value,
        policy: RetryPolicy,
        concurrency: usize,
        random: &[u8],
    ) -> Result<Machine, Error> {
        let start = || {
            acts_as_partner(&client)?;
            let Value::Array(specs) = specs else {
                return Err(Invalid::new("specs", "must be a list of onboarding specs").into());
            };
            let specs = specs
                .into_iter()
                .enumerate()
                .map(|(i, spec)| OnboardingSpec::from_json(spec).map_err(|e| at_spec(e, i)));
            let specs = specs.collect::<Result<Vec<_>, Error>>()?;
            if random.len() != 16 * specs.len() {
                let reason = format!(
                    "must be 16 random bytes per spec: {} specs, {} bytes",
                    specs.len(),
                    random.len()
                );
                return Err(Invalid::new("random", reason).into());
            }
            let random = random
                .chunks_exact(16)
                .map(sixteen)
                .collect::<Result<_, _>>()?;
            // Slots past the number of specs would never be used.
            let slots = concurrency.min(specs.len().max(1));
            Bulk::new(client, specs, policy, slots, random)
        };
        let bulk = start().map_err(|e| e.in_operation(ONBOARDING))?;
        Ok(Machine::Bulk(Box::new(bulk)))
    }

    /// How many sends may be in flight at once: 1, or one per onboarding a bulk run keeps
    /// under way (never more than it has specs).
    pub fn slots(&self) -> usize {
        match self {
            Machine::Bulk(bulk) => bulk.slots(),
            Machine::Call(_) | Machine::List(_) | Machine::Onboarding(_) => 1,
        }
    }

    /// The operation's dotted name (`onboarding` for the flows).
    pub fn operation(&self) -> &'static str {
        match self {
            Machine::Call(call) => call.operation(),
            Machine::List(list) => list.operation(),
            Machine::Onboarding(_) | Machine::Bulk(_) => ONBOARDING,
        }
    }

    /// The fields of a result (each item of a page, a report) that hold secrets; a result
    /// that is itself the secret is marked [`WHOLE_RESULT`](crate::WHOLE_RESULT).
    pub fn secret_fields(&self) -> &'static [&'static str] {
        match self {
            Machine::Call(call) => call.secret_fields(),
            Machine::List(list) => operation(list.operation()).map_or(&[], |op| op.secret_fields),
            Machine::Onboarding(_) | Machine::Bulk(_) => Report::SECRET_FIELDS,
        }
    }

    /// What to do now. Each send takes its place in its identity's budget at this very step.
    pub fn next(&mut self, pacers: &mut Pacers, now: Clock) -> Next {
        match self {
            Machine::Call(call) => match call.next(pacers, now) {
                Step::Send(request) => Next::Send { slot: 0, request },
                Step::Sleep(wait) => Next::Sleep(wait),
                Step::Done(Ok(response)) => Next::Answer {
                    response,
                    fresh: true,
                },
                Step::Done(Err(error)) => Next::Failed(error),
            },
            Machine::List(list) => match list.next(pacers, now) {
                ListStep::Send(request) => Next::Send { slot: 0, request },
                ListStep::Sleep(wait) => Next::Sleep(wait),
                ListStep::Page { response, fresh } => Next::Answer { response, fresh },
                ListStep::Done(Ok(_)) => Next::End,
                ListStep::Done(Err(error)) => Next::Failed(error),
            },
            Machine::Onboarding(flow) => match flow.next_action(pacers, now) {
                Action::Send(request) => Next::Send { slot: 0, request },
                Action::Wait(wait) => Next::Sleep(wait),
                Action::Done => Next::End,
            },
            Machine::Bulk(bulk) => match bulk.next(pacers, now) {
                BulkAction::Send { slot, request } => Next::Send { slot, request },
                BulkAction::Wait(wait) => Next::Sleep(wait),
                BulkAction::Done => Next::End,
            },
        }
    }

    /// What happened to the last send of `slot`; `jitter` is a random number in `[0, 1)`.
    pub fn feed(
        &mut self,
        slot: usize,
        pacers: &mut Pacers,
        attempt: Attempt<'_>,
        now: Clock,
        jitter: f64,
    ) {
        match self {
            Machine::Call(call) => call.feed(pacers, attempt, now, jitter),
            Machine::List(list) => list.feed(pacers, attempt, now, jitter),
            Machine::Onboarding(flow) => flow.feed(pacers, attempt, now, jitter),
            Machine::Bulk(bulk) => bulk.feed(slot, pacers, attempt, now, jitter),
        }
    }

    /// Gives up (the host cancelled, or a send raised): frees the places of sends in flight.
    pub fn abandon(&mut self, pacers: &mut Pacers, now: Clock) {
        match self {
            Machine::Call(call) => call.abandon(pacers, now),
            Machine::List(list) => list.abandon(pacers, now),
            Machine::Onboarding(flow) => flow.abandon(pacers, now),
            Machine::Bulk(bulk) => bulk.abandon(pacers, now),
        }
    }

    /// Why a list stopped, once it has.
    pub fn stop(&self) -> Option<&Stop> {
        match self {
            Machine::List(list) => list.stop(),
            _ => None,
        }
    }

    /// What one onboarding did so far.
    pub fn report(&self) -> Option<&Report> {
        match self {
            Machine::Onboarding(flow) => Some(flow.report()),
            _ => None,
        }
    }

    /// The bulk run, for its progress and reports.
    pub fn bulk_run(&self) -> Option<&Bulk> {
        match self {
            Machine::Bulk(bulk) => Some(bulk),
            _ => None,
        }
    }
}

// ---- the steps as JSON text: the one form every binding hands its host ---------------------

impl Machine {
    /// [`Machine::next`] as JSON text, which a binding hands its host as it is:
    /// - `{"send": {method, url, headers, sensitive_headers, body, slot}}` ([`request_json`]
    ///   with the slot): send it, then feed back what happened to its slot;
    /// - `{"sleep": seconds}`: sleep (a bulk run: or until an answer in flight comes back);
    /// - a call's answer `{"done": {"result_info"?, "messages", "secret_fields"}}`, or a page
    ///   of a list `{"page": {..., "fresh"}}`: the result is the body last fed (a page's items
    ///   are new only when `fresh`);
    /// - the end (a call's answer is its end): `{"done": {"stop": ...}}` (a list), `{"done":
    ///   {"report", "secret_fields"}}` (an onboarding), `{"done": {"reports",
    ///   "secret_fields"}}` (a bulk run: one report per spec, in order);
    /// - `{"error": view}` ([`Error::to_json`]) when a call or a page failed.
    ///
    /// `secret_fields` name the fields of the result (each item, the report) that hold secrets.
    pub fn next_json(&mut self, pacers: &mut Pacers, now: Clock) -> String {
        match self.next_step(pacers, now) {
            HostStep::Send { slot, request } => {
                let request = request_json(&request);
                let fields = request.strip_suffix('}').unwrap_or(&request);
                format!(r#"{{"send":{fields},"slot":{slot}}}}}"#)
            }
            HostStep::Json(text) => text,
        }
    }

    /// [`Machine::next_json`] for a host that takes a request in its plain parts: a send
    /// comes as its slot and [`Outgoing`], any other step as `next_json`'s text.
    pub fn next_step(&mut self, pacers: &mut Pacers, now: Clock) -> HostStep {
        let step = match self.next(pacers, now) {
            Next::Send { slot, request } => {
                let request = Outgoing::from(request);
                return HostStep::Send { slot, request };
            }
            Next::Sleep(wait) => ("sleep", Value::from(wait.as_secs_f64())),
            Next::Answer { response, fresh } => {
                let mut answer = answer_json(&response);
                answer.insert("secret_fields".into(), self.secret_fields().into());
                match self {
                    Machine::List(_) => {
                        answer.insert("fresh".into(), fresh.into());
                        ("page", Value::from(answer))
                    }
                    _ => ("done", Value::from(answer)),
                }
            }
            Next::Failed(error) => ("error", error.to_json()),
            Next::End => ("done", self.end_json()),
        };
        let (tag, value) = step;
        HostStep::Json(format!(r#"{{"{tag}":{value}}}"#))
    }

    /// What a list, an onboarding or a bulk run ends with (see [`Machine::next_json`]).
    fn end_json(&self) -> Value {
        let mut done = Map::new();
        if let Some(stop) = self.stop() {
            done.insert("stop".into(), stop.to_json());
        }
        if let Some(report) = self.report() {
            done.insert("report".into(), report.to_json());
            done.insert("secret_fields".into(), Report::SECRET_FIELDS.into());
        }
        if self.bulk_run().is_some() {
            done.insert("reports".into(), self.reports_json());
            done.insert("secret_fields".into(), Report::SECRET_FIELDS.into());
        }
        Value::Object(done)
    }

    /// A bulk run's reports, one per spec in the specs' order (`null` for one not over yet);
    /// `[]` for any other machine. Their secret fields are [`Report::SECRET_FIELDS`].
    pub fn reports_json(&self) -> Value {
        let reports = self.bulk_run().map_or(&[][..], |bulk| bulk.reports());
        let reports = reports
            .iter()
            .map(|r| r.as_ref().map_or(Value::Null, Report::to_json));
        Value::Array(reports.collect())
    }

    /// Where a bulk run is: `{"done", "failed", "remaining", "requests", "current_wait"}` (the
    /// wait in seconds); all zero for any other machine.
    pub fn progress_json(&self) -> Value {
        let progress = self.bulk_run().map(|bulk| bulk.progress());
        progress.unwrap_or_default().to_json()
    }
}

/// A request as JSON text: `{"method", "url", "headers": {lower-case name: value},
/// "sensitive_headers": [name, ...], "body": text | null}`; `sensitive_headers` name those
/// that carry a secret, for a host's masked repr.
pub fn request_json(request: &Outgoing) -> String {
    // Written straight into one buffer: through a map of the headers and serde's derive, this
    // view (made for every send) took half as long again as building the request.
    let body = request.body.as_deref();
    let mut out = Vec::with_capacity(256 + 2 * body.map_or(0, str::len));
    out.extend_from_slice(br#"{"method":"#);
    json_str(&mut out, request.method.as_str());
    out.extend_from_slice(br#","url":"#);
    json_str(&mut out, &request.url);
    out.extend_from_slice(br#","headers":{"#);
    for (i, (name, value)) in request.headers.iter().enumerate() {
        out.extend_from_slice(if i == 0 { b"" } else { b"," });
        json_str(&mut out, name.as_str());
        out.push(b':');
        json_str(&mut out, &String::from_utf8_lossy(value.as_bytes()));
    }
    out.extend_from_slice(br#"},"sensitive_headers":["#);
    for (i, name) in request.sensitive_headers().enumerate() {
        out.extend_from_slice(if i == 0 { b"" } else { b"," });
        json_str(&mut out, name);
    }
    out.extend_from_slice(br#"],"body":"#);
    match body {
        None => out.extend_from_slice(b"null"),
        Some(body) => json_str(&mut out, body),
    }
    out.push(b'}');
    String::from_utf8(out).expect("JSON text from UTF-8 strings")
}

/// `text` as a JSON string, escaped by serde_json.
fn json_str(out: &mut Vec<u8>, text: &str) {
    use serde::Serializer as _;
    let mut serializer = serde_json::Serializer::new(out);
    serializer.serialize_str(text).expect("writing to memory");
}

/// What comes with a checked result: `{"result_info"?, "messages"}`.
pub fn answer_json(response: &ApiResponse<CheckedResult>) -> Map<String, Value> {
    let mut answer = Map::new();
    if let Some(info) = &response.result_info {
        answer.insert("result_info".into(), info.to_json());
    }
    let messages = response.messages.iter().map(|m| m.to_json()).collect();
    answer.insert("messages".into(), Value::Array(messages));
    answer
}

/// A flow acts as the partner, with the client's credentials: refused without them, before
/// anything is sent.
fn acts_as_partner(client: &Client) -> Result<(), Error> {
    if client.has_credentials() {
        return Ok(());
    }
    let reason =
        "are required: the flow acts as the partner; give them to the client or to the call";
    Err(Invalid::new("credentials", reason).into())
}

/// The host's random bytes for one key: exactly 16.
fn sixteen(random: &[u8]) -> Result<[u8; 16], Error> {
    random.try_into().map_err(|_| {
        let reason = format!("must be 16 random bytes, got {}", random.len());
        Invalid::new("random", reason).into()
    })
}

/// Names the spec an input error of one onboarding belongs to.
fn at_spec(error: Error, index: usize) -> Error {
    match error {
        Error::Invalid(mut inner) => {
            inner.field = match inner.field.as_str() {
                "spec" => format!("specs[{index}]"),
                field => format!("specs[{index}].{field}"),
            };
            Error::Invalid(inner)
        }
        other => other,
    }
}

/// A host's `concurrency` for [`Machine::bulk`]: an integer from 1 ([`DEFAULT_CONCURRENCY`]
/// when not given); past what `usize` holds reads as "every spec at once".
pub fn concurrency(value: Option<f64>) -> Result<usize, Error> {
    match value {
        None => Ok(DEFAULT_CONCURRENCY),
        Some(n) if n >= 1.0 && n.fract() == 0.0 => Ok(n.min(usize::MAX as f64) as usize),
        Some(_) => Err(Invalid::new("concurrency", "must be an integer >= 1").into()),
    }
}

/// A host's number of seconds as a duration: finite and not negative, rounded to the
/// nanosecond (so that a clock moved by exactly the wait asked for reads as the wait's end).
pub fn seconds(field: &str, value: f64) -> Result<Duration, Error> {
    let refused = || Invalid::new(field, "must be a finite, non-negative number of seconds");
    let duration = Duration::try_from_secs_f64(value).map_err(|_| refused())?;
    let nanos = (value * 1e9).round();
    Ok(if nanos < u64::MAX as f64 {
        Duration::from_nanos(nanos as u64)
    } else {
        duration
    })
}

impl Clock {
    /// The host's clocks in milliseconds (`performance.now()`, `Date.now()`), as
    /// [`Clock::from_secs`] reads seconds.
    pub fn from_millis(monotonic: f64, wall: f64) -> Result<Clock, Error> {
        Clock::from_secs(monotonic / 1000.0, wall / 1000.0)
    }

    /// The host's clocks in seconds: a monotonic one (`time.monotonic()`, `performance.now() /
    /// 1000`) and the wall (`time.time()`, `Date.now() / 1000`).
    pub fn from_secs(monotonic: f64, wall: f64) -> Result<Clock, Error> {
        Ok(Clock {
            monotonic: seconds("now", monotonic)?,
            wall: SystemTime::UNIX_EPOCH + seconds("wall", wall)?,
        })
    }
}

impl Pacers {
    /// At most `limit` sends per `window` seconds for each identity, as a host gives them:
    /// `limit` an integer from 1, `window` seconds above 0.
    pub fn from_host(limit: f64, window: f64) -> Result<Pacers, Error> {
        let (limit, window) = budget(limit, window)?;
        Ok(Pacers::new(limit, window))
    }
}

/// A host's budget of at most `limit` sends per `window` seconds, checked: `limit` an integer
/// from 1, `window` seconds above 0.
pub fn budget(limit: f64, window: f64) -> Result<(u32, Duration), Error> {
    if !(limit.fract() == 0.0 && (1.0..=f64::from(u32::MAX)).contains(&limit)) {
        return Err(Invalid::new("limit", "must be an integer from 1 to 2**32 - 1").into());
    }
    let window = seconds("window", window)
        .ok()
        .filter(|w| !w.is_zero())
        .ok_or_else(|| Invalid::new("window", "must be a number of seconds > 0"))?;
    Ok((limit as u32, window))
}

// ---- values handed over as JSON text (the wasm binding) -------------------------------------

/// The catalog's name for `name`, when it is an operation: what a host's input errors name.
pub fn known(name: &str) -> Option<&'static str> {
    operation(name).ok().map(|op| op.name)
}

/// Names `operation` in an input error, when there is one and the error names none yet.
fn in_op(error: Error, operation: Option<&'static str>) -> Error {
    match operation {
        Some(operation) => error.in_operation(operation),
        None => error,
    }
}

/// JSON text a host hands over as `field`, read by the core's JSON reader (recursion limit,
/// exact numbers); an error names the field, and `operation` when given.
pub fn read_json(operation: Option<&'static str>, field: &str, text: &str) -> Result<Value, Error> {
    serde_json::from_str(text).map_err(|e| {
        let reason = format!("is not valid JSON text ({e})");
        in_op(Invalid::new(field, reason).into(), operation)
    })
}

/// Credentials as JSON text (`{"api_token"}` | `{"api_email", "api_key"}` |
/// `{"user_service_key"}`, [`Credentials::from_json`]); none for `null` or no text.
pub fn read_credentials(
    operation: Option<&'static str>,
    text: Option<&str>,
) -> Result<Option<Credentials>, Error> {
    match text.map(|text| read_json(operation, "credentials", text)) {
        None | Some(Ok(Value::Null)) => Ok(None),
        Some(value) => Credentials::from_json(value?)
            .map(Some)
            .map_err(|e| in_op(e, operation)),
    }
}

/// Response headers as JSON text `[[name, value], ...]` (a value a string or a number); only
/// those the core reads are kept ([`response_headers`]).
pub fn read_headers(operation: Option<&'static str>, text: &str) -> Result<HeaderMap, Error> {
    let Value::Array(pairs) = read_json(operation, "headers", text)? else {
        let error = Invalid::new("headers", "must be a list of [name, value] pairs");
        return Err(in_op(error.into(), operation));
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

/// The params and credentials of a call of `name`, as JSON text.
pub fn call_args(
    name: &str,
    params: &str,
    credentials: Option<&str>,
) -> Result<(Value, Option<Credentials>), Error> {
    let op = known(name);
    Ok((
        read_json(op, "params", params)?,
        read_credentials(op, credentials)?,
    ))
}

/// A client with these credentials (or none), base URL and user agent (or the core's).
pub fn client(
    credentials: Option<Credentials>,
    base_url: Option<&str>,
    user_agent: Option<&str>,
) -> Result<Client, Error> {
    let mut client = credentials.map_or_else(Client::default, Client::new);
    if let Some(base_url) = base_url {
        client = client.with_base_url(base_url)?;
    }
    match user_agent {
        Some(user_agent) => client.with_user_agent(user_agent),
        None => Ok(client),
    }
}

/// [`client`] without credentials, for requests signed per call. The one with every default
/// is set up once: most by-name requests go to the public API.
pub fn unsigned_client(
    base_url: Option<&str>,
    user_agent: Option<&str>,
) -> Result<Cow<'static, Client>, Error> {
    static DEFAULT: std::sync::OnceLock<Client> = std::sync::OnceLock::new();
    match (base_url, user_agent) {
        (None, None) => Ok(Cow::Borrowed(DEFAULT.get_or_init(Client::default))),
        _ => client(None, base_url, user_agent).map(Cow::Owned),
    }
}

/// `client`, or the same client signing with `credentials` (JSON text) when given: what the
/// onboarding flows act as.
pub fn client_as(client: &Client, credentials: Option<&str>) -> Result<Client, Error> {
    Ok(match read_credentials(Some(ONBOARDING), credentials)? {
        Some(credentials) => client.signed_as(credentials),
        None => client.clone(),
    })
}

/// The request for `name` with `params` and `credentials` (JSON text), to `base_url` with
/// `user_agent` (or the core's), as [`request_json`].
pub fn build_request_json(
    name: &str,
    params: &str,
    credentials: Option<&str>,
    base_url: Option<&str>,
    user_agent: Option<&str>,
) -> Result<String, Error> {
    let (info, client) = request_client(name, base_url, user_agent)?;
    let params = read_json(Some(info.name), "params", params)?;
    let credentials = read_credentials(Some(info.name), credentials)?;
    let request = client.lay_out_named(info, &params, credentials.as_ref())?;
    Ok(request_json(&request))
}

/// The request for the operation `name` from its params, signed with `credentials`, for
/// `base_url` and `user_agent` (or the core's): the by-name build of every host.
pub fn build_request(
    name: &str,
    params: &Value,
    credentials: Option<&Credentials>,
    base_url: Option<&str>,
    user_agent: Option<&str>,
) -> Result<Outgoing, Error> {
    let (info, client) = request_client(name, base_url, user_agent)?;
    client.lay_out_named(info, params, credentials)
}

/// The operation `name` and the client for `base_url` and `user_agent`, checked in that
/// order, before the params are.
fn request_client(
    name: &str,
    base_url: Option<&str>,
    user_agent: Option<&str>,
) -> Result<(&'static OperationInfo, Cow<'static, Client>), Error> {
    let info = operation(name)?;
    let client = unsigned_client(base_url, user_agent).map_err(|e| in_op(e, Some(info.name)))?;
    Ok((info, client))
}

/// Checks a response to `name` (headers as [`read_headers`] takes them): JSON text of
/// `{"result_info"?, "messages"}`; the host reads the result from the body it holds.
pub fn check_json(name: &str, status: u16, headers: &str, body: &[u8]) -> Result<String, Error> {
    let headers = read_headers(Some(operation(name)?.name), headers)?;
    let response = check_response_named(name, status, &headers, body)?;
    Ok(Value::from(answer_json(&response)).to_string())
}

/// Pages of the list operation `name` from `params` (JSON text), at most `max_pages` (the
/// core's cap when not given); refuses an operation that does not page.
pub fn paginator(
    name: &str,
    params: &str,
    max_pages: Option<u32>,
) -> Result<NamedPaginator, Error> {
    let mut pages = NamedPaginator::new(name, read_json(known(name), "params", params)?)?;
    if let Some(max_pages) = max_pages {
        pages.set_max_pages(max_pages);
    }
    Ok(pages)
}

/// Checks the answer to the last page of `pages` and feeds it: JSON text of `{"keep",
/// "result_info"?, "messages"}` (the items are the body's `result`, unless `keep` is false: a
/// repeated page).
pub fn feed_page_json(
    pages: &mut NamedPaginator,
    status: u16,
    headers: &str,
    body: &[u8],
) -> Result<String, Error> {
    let name = pages.operation();
    let headers = read_headers(Some(name), headers)?;
    let response = check_response_named(name, status, &headers, body)?;
    let mut meta = answer_json(&response);
    meta.insert("keep".into(), pages.feed_checked(&response).into());
    Ok(Value::from(meta).to_string())
}

/// The core's retry policy with what a host sets, each field named as the host names it: at
/// most `max_retries` (an integer from 0 to 2**32 - 1), and the waits in seconds
/// (`initial_backoff`, `max_backoff`, `max_retry_after`: [`seconds`]). A field not given keeps
/// the default.
pub fn retry_policy(
    max_retries: (&str, Option<f64>),
    waits: [(&str, Option<f64>); 3],
) -> Result<RetryPolicy, Error> {
    let mut policy = RetryPolicy::default();
    if let (name, Some(count)) = max_retries {
        if !(count.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&count)) {
            return Err(Invalid::new(name, "must be an integer from 0 to 2**32 - 1").into());
        }
        policy.max_retries = count as u32;
    }
    let fields = [
        &mut policy.initial_backoff,
        &mut policy.max_backoff,
        &mut policy.max_retry_after,
    ];
    for (field, (name, value)) in fields.into_iter().zip(waits) {
        if let Some(value) = value {
            *field = seconds(name, value)?;
        }
    }
    Ok(policy)
}

impl RetryPolicy {
    /// Reads a host's policy as JSON: `{"max_retries", "initial_backoff", "max_backoff",
    /// "max_retry_after"}` ([`RetryPolicy::FIELDS`]), checked as [`retry_policy`] checks them; a
    /// field left out (or `null`) keeps the default.
    pub fn from_json(value: &Value) -> Result<Self, Error> {
        let Some(map) = value.as_object() else {
            return Err(Invalid::new("policy", "must be an object").into());
        };
        if let Some(unknown) = map.keys().find(|k| !Self::FIELDS.contains(&k.as_str())) {
            return Err(Invalid::new(unknown.as_str(), "is not a retry policy field").into());
        }
        // A value that is not a number reads as NaN, which every field refuses.
        let field = |name| {
            let value = map.get(name).filter(|v| !v.is_null());
            (name, value.map(|v| v.as_f64().unwrap_or(f64::NAN)))
        };
        let [count, initial, max, after] = Self::FIELDS;
        retry_policy(field(count), [field(initial), field(max), field(after)])
    }
}

/// A client and its retry policy, checked once: what a host's client object holds. Its machines
/// take their values as JSON text.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Base URL, user agent and the credentials it signs with, if any.
    pub client: Client,
    /// How its calls retry.
    pub policy: RetryPolicy,
}

impl Settings {
    /// [`Machine::call`] with `params` and `credentials` as JSON text.
    pub fn call(
        &self,
        name: &str,
        params: &str,
        credentials: Option<&str>,
        random: &[u8],
    ) -> Result<Machine, Error> {
        let (params, credentials) = call_args(name, params, credentials)?;
        let credentials = credentials.as_ref();
        Machine::call(&self.client, name, params, credentials, self.policy, random)
    }

    /// [`Machine::list`] with `params` and `credentials` as JSON text.
    pub fn list(
        &self,
        name: &str,
        params: &str,
        credentials: Option<&str>,
        max_pages: Option<u32>,
    ) -> Result<Machine, Error> {
        let (params, credentials) = call_args(name, params, credentials)?;
        let credentials = credentials.as_ref();
        Machine::list(
            &self.client,
            name,
            params,
            credentials,
            self.policy,
            max_pages,
        )
    }

    /// [`Machine::onboarding`] of `spec` as JSON text, signed as the client signs or with
    /// `credentials` (JSON text) when given.
    pub fn onboarding(
        &self,
        spec: &str,
        credentials: Option<&str>,
        random: &[u8],
    ) -> Result<Machine, Error> {
        let spec = read_json(Some(ONBOARDING), "spec", spec)?;
        let client = client_as(&self.client, credentials)?;
        Machine::onboarding(client, spec, self.policy, random)
    }

    /// [`Machine::bulk`] of `specs` as JSON text, signed as [`Settings::onboarding`] signs, at
    /// most `concurrency` at once ([`concurrency`]).
    pub fn bulk(
        &self,
        specs: &str,
        credentials: Option<&str>,
        concurrency: Option<f64>,
        random: &[u8],
    ) -> Result<Machine, Error> {
        let specs = read_json(Some(ONBOARDING), "specs", specs)?;
        let client = client_as(&self.client, credentials)?;
        let concurrency = self::concurrency(concurrency).map_err(|e| e.in_operation(ONBOARDING))?;
        Machine::bulk(client, specs, self.policy, concurrency, random)
    }
}

impl Machine {
    /// [`Machine::feed`] of an answer whose headers are JSON text ([`read_headers`]).
    #[allow(clippy::too_many_arguments)]
    pub fn feed_response_json(
        &mut self,
        slot: usize,
        pacers: &mut Pacers,
        status: u16,
        headers: &str,
        body: &[u8],
        now: Clock,
        jitter: f64,
    ) -> Result<(), Error> {
        let headers = &read_headers(None, headers)?;
        let attempt = Attempt::Response {
            status,
            headers,
            body,
        };
        self.feed(slot, pacers, attempt, now, jitter);
        Ok(())
    }
}

impl<'a> Attempt<'a> {
    /// A send that got no answer: [`Attempt::NoResponse`], or [`Attempt::NotSent`] when the
    /// host knows it never left (`sent` false).
    pub fn lost(sent: bool, message: &'a str) -> Self {
        match sent {
            true => Attempt::NoResponse { message },
            false => Attempt::NotSent { message },
        }
    }
}

impl Pacer {
    /// A place for a send at `now` (a host's seconds), as JSON text: `{"ticket": id}` (send
    /// now, then settle it) or `{"wait": seconds}` (sleep, then ask again).
    pub fn acquire_json(&mut self, now: f64) -> Result<String, Error> {
        Ok(match self.acquire(seconds("now", now)?) {
            Ok(ticket) => format!(r#"{{"ticket":{}}}"#, ticket.id()),
            Err(wait) => format!(r#"{{"wait":{}}}"#, Value::from(wait.as_secs_f64())),
        })
    }

    /// What an answer's headers (as [`read_headers`] takes them) say of the budget at `now`:
    /// the server's `Ratelimit` count holds it back when others spent some of it.
    pub fn observe_json(&mut self, headers: &str, now: Clock) -> Result<(), Error> {
        let headers = read_headers(None, headers)?;
        if let Some(budget) = server_budget(&headers, Some(now.wall)) {
            self.observe(budget, now.monotonic);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refused(result: Result<Machine, Error>) -> (Option<&'static str>, String) {
        match result {
            Err(Error::Invalid(invalid)) => (invalid.operation, invalid.field),
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    fn partner() -> Client {
        Client::new(Credentials::api_token("t0ken").unwrap())
    }

    #[test]
    fn host_values_are_checked_and_named() {
        let policy = RetryPolicy::default();
        let call = Machine::call(
            &partner(),
            "accounts.list",
            json!({}),
            None,
            policy,
            &[1; 15],
        );
        assert_eq!(refused(call), (Some("accounts.list"), "random".into()));
        let list = Machine::list(
            &partner(),
            "accounts.list",
            json!({}),
            None,
            policy,
            Some(0),
        );
        assert_eq!(refused(list), (Some("accounts.list"), "max_pages".into()));
        let spec = json!({"name": "Acme"});
        let bulk = Machine::bulk(partner(), json!([spec, {}]), policy, 2, &[0; 32]);
        assert_eq!(refused(bulk), (Some("onboarding"), "specs[1].name".into()));
        let bulk = Machine::bulk(partner(), json!([spec]), policy, 0, &[0; 16]);
        assert_eq!(refused(bulk), (Some("onboarding"), "concurrency".into()));
        let bulk = Machine::bulk(partner(), json!([spec]), policy, 4, &[0; 17]);
        assert_eq!(refused(bulk), (Some("onboarding"), "random".into()));
        let bulk = Machine::bulk(partner(), json!({}), policy, 4, &[]);
        assert_eq!(refused(bulk), (Some("onboarding"), "specs".into()));
        let anonymous = Client::default();
        let bulk = Machine::bulk(anonymous.clone(), json!([spec]), policy, 4, &[0; 16]);
        assert_eq!(refused(bulk), (Some("onboarding"), "credentials".into()));
        let flow = Machine::onboarding(anonymous, spec.clone(), policy, &[0; 16]);
        assert_eq!(refused(flow), (Some("onboarding"), "credentials".into()));
        for refused in [0.0, -1.0, 1.5, f64::NAN, f64::INFINITY] {
            assert!(concurrency(Some(refused)).is_err(), "{refused}");
        }
        assert_eq!(concurrency(None).unwrap(), DEFAULT_CONCURRENCY);
        assert_eq!(concurrency(Some(3.0)).unwrap(), 3);
        assert_eq!(concurrency(Some(1e30)).unwrap(), usize::MAX);
        let bulk = Machine::bulk(partner(), json!([spec, spec]), policy, 8, &[0; 32]).unwrap();
        assert_eq!(bulk.slots(), 2, "no more slots than specs");
        assert!(Clock::from_secs(f64::NAN, 0.0).is_err());
        assert!(Clock::from_secs(1.0, -1.0).is_err());
        assert!(Pacers::from_host(0.0, 1.0).is_err());
        assert!(Pacers::from_host(1.5, 1.0).is_err());
        assert!(Pacers::from_host(10.0, 0.0).is_err());
        assert_eq!(
            Pacers::from_host(10.0, 2.5).unwrap().budget(),
            Some((10, Duration::from_millis(2500)))
        );
    }

    #[test]
    fn values_as_json_text_are_read_by_the_core_and_named() {
        let field = |e: Error| match e {
            Error::Invalid(invalid) => (invalid.operation, invalid.field),
            other => panic!("expected an input error, got {other:?}"),
        };
        assert!(read_credentials(None, Some("null")).unwrap().is_none());
        let bad = read_credentials(Some("user.get"), Some("{not json")).unwrap_err();
        assert_eq!(field(bad), (Some("user.get"), "credentials".into()));
        let headers = read_headers(
            None,
            r#"[["CF-Ray", "r1"], ["x-other", "y"], ["Retry-After", 3]]"#,
        );
        let headers = headers.unwrap();
        assert_eq!(headers.get("cf-ray").unwrap(), "r1");
        assert_eq!(headers.get("retry-after").unwrap(), "3");
        assert!(headers.get("x-other").is_none(), "only what the core reads");
        assert_eq!(field(read_headers(None, "{}").unwrap_err()).1, "headers");
        let waits = [("initialBackoff", Some(-1.0)), ("b", None), ("c", None)];
        assert_eq!(
            field(retry_policy(("maxRetries", None), waits).unwrap_err()).1,
            "initialBackoff"
        );
        for refused in [-1.0, 1.5, f64::NAN, 5e9] {
            let error = retry_policy(
                ("maxRetries", Some(refused)),
                [("a", None), ("b", None), ("c", None)],
            );
            assert_eq!(field(error.unwrap_err()).1, "maxRetries", "{refused}");
        }
        let waits = [("a", Some(0.5)), ("b", None), ("c", None)];
        let policy = retry_policy(("maxRetries", Some(2.0)), waits).unwrap();
        assert_eq!(
            (policy.max_retries, policy.initial_backoff),
            (2, Duration::from_millis(500))
        );
        assert!(Clock::from_millis(f64::NAN, 0.0).is_err());
        assert_eq!(
            Clock::from_millis(1500.0, 0.0).unwrap().monotonic,
            Duration::from_millis(1500)
        );
        let settings = Settings::default();
        let flow = settings.onboarding(r#"{"name": "Acme"}"#, None, &[0; 16]);
        assert_eq!(refused(flow), (Some("onboarding"), "credentials".into()));
        let token = Some(r#"{"api_token": "t0ken"}"#);
        assert!(settings
            .onboarding(r#"{"name": "Acme"}"#, token, &[0; 16])
            .is_ok());
        let call = settings.call("accounts.get", "{}", token, &[0; 16]);
        assert_eq!(refused(call), (Some("accounts.get"), "account_id".into()));
        let mut pacer = Pacer::new(1, Duration::from_secs(10));
        assert!(pacer
            .acquire_json(1.0)
            .unwrap()
            .starts_with(r#"{"ticket":"#));
        assert!(pacer.acquire_json(1.0).unwrap().starts_with(r#"{"wait":"#));
        assert!(pacer.acquire_json(-1.0).is_err());
    }

    #[test]
    fn steps_as_json_name_the_slot_and_the_secret_headers() {
        let policy = RetryPolicy::default();
        let params = json!({"account_id": "023e105f4ecef8ad9ca31a8372d0c353"});
        let mut call = Machine::call(&partner(), "accounts.get", params, None, policy, &[7; 16]);
        let call = call.as_mut().unwrap();
        let now = Clock::from_secs(0.0, 0.0).unwrap();
        let step: Value = serde_json::from_str(&call.next_json(&mut Pacers::off(), now)).unwrap();
        let send = &step["send"];
        assert_eq!(send["slot"], 0);
        assert_eq!(send["method"], "GET");
        assert_eq!(send["sensitive_headers"], json!(["authorization"]));
        assert_eq!(send["body"], Value::Null);
        let body = br#"{"success":true,"errors":[],"messages":[],"result":{"id":"a","name":"A"}}"#;
        let headers = http::HeaderMap::new();
        let attempt = Attempt::Response {
            status: 200,
            headers: &headers,
            body,
        };
        call.feed(0, &mut Pacers::off(), attempt, now, 0.5);
        let step: Value = serde_json::from_str(&call.next_json(&mut Pacers::off(), now)).unwrap();
        assert_eq!(step, json!({"done": {"messages": [], "secret_fields": []}}));
        let over: Value = serde_json::from_str(&call.next_json(&mut Pacers::off(), now)).unwrap();
        assert_eq!(
            over["error"]["field"], "call",
            "a call ends with its answer"
        );
    }

    #[test]
    fn a_built_request_is_the_client_request_in_plain_parts() {
        let key = Credentials::global_key("ops@example.com", "k3y").unwrap();
        let params = json!({"name": "Acme", "standalone": true, "idempotency_key": "once-1"});
        let built = build_request("accounts.create", &params, Some(&key), None, None).unwrap();
        let names: Vec<&str> = built
            .headers
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "accept",
                "content-type",
                "idempotency-key",
                "user-agent",
                "x-auth-email",
                "x-auth-key"
            ]
        );
        let sensitive: Vec<&str> = built.sensitive_headers().collect();
        assert_eq!(sensitive, ["x-auth-email", "x-auth-key"]);
        assert!(!format!("{built:?}").contains("k3y"), "{built:?}");
        // The operation, then the client's settings, then the params.
        let bad = build_request_json("accounts.create", "[", None, Some("ftp://x"), None);
        let Err(Error::Invalid(bad)) = bad else {
            panic!("{bad:?}")
        };
        assert_eq!(
            (bad.operation, bad.field.as_str()),
            (Some("accounts.create"), "base_url")
        );
        let unknown = build_request_json("accounts.nope", "[", None, Some("ftp://x"), None);
        assert!(
            matches!(unknown, Err(Error::UnknownOperation(_))),
            "{unknown:?}"
        );
        let by_client = Client::default().request_named("accounts.create", params, Some(&key));
        let by_client = by_client.unwrap();
        assert_eq!(built, Outgoing::from(by_client.clone()));
        let request = built.into_request().unwrap();
        assert_eq!(request.uri(), by_client.uri());
        assert_eq!(request.headers(), by_client.headers());
        assert_eq!(request.body(), by_client.body());
    }

    #[test]
    fn a_request_view_joins_repeated_headers_and_escapes_its_text() {
        let request = Request::post("https://example.test/a?b=%22c%22")
            .header("x-b", "1")
            .header("x-a", "q\"uote")
            .header("x-b", "2")
            .header("authorization", "Bearer t0ken")
            .body(br#"{"k":"v\n"}"#.to_vec())
            .unwrap();
        let mut request = Outgoing::from(request);
        assert_eq!(request.headers[0].0, "authorization");
        request.headers[0].1.set_sensitive(true);
        let text = request_json(&request);
        let view: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            view,
            json!({
                "method": "POST",
                "url": "https://example.test/a?b=%22c%22",
                "headers": {
                    "authorization": "Bearer t0ken",
                    "x-a": "q\"uote",
                    "x-b": "1, 2",
                },
                "sensitive_headers": ["authorization"],
                "body": "{\"k\":\"v\\n\"}",
            })
        );
        assert!(
            text.find("x-a") < text.find("x-b"),
            "names in order: {text}"
        );
    }

    #[test]
    fn a_bulk_run_sends_one_request_per_slot_and_tags_it() {
        let specs = json!([{"name": "A"}, {"name": "B"}]);
        let policy = RetryPolicy::default();
        let mut run = Machine::bulk(partner(), specs, policy, 8, &[3; 32]).unwrap();
        assert_eq!(run.operation(), "onboarding");
        assert_eq!(run.secret_fields(), Report::SECRET_FIELDS);
        let now = Clock::from_secs(0.0, 0.0).unwrap();
        // The first onboarding runs alone until the names it resolves are known.
        assert!(matches!(
            run.next(&mut Pacers::off(), now),
            Next::Send { slot: 0, .. }
        ));
        assert!(matches!(run.next(&mut Pacers::off(), now), Next::Sleep(_)));
        assert_eq!(run.bulk_run().unwrap().reports().len(), 2);
    }

    #[test]
    fn a_hosts_policy_is_read_checked_and_written_back() {
        use serde_json::json;
        let default = RetryPolicy::default();
        assert_eq!(RetryPolicy::from_json(&json!({})).unwrap(), default);
        let given = json!({"max_retries": 5, "initial_backoff": 0.01, "max_backoff": null});
        let policy = RetryPolicy::from_json(&given).unwrap();
        assert_eq!(policy.max_retries, 5);
        assert_eq!(policy.initial_backoff, Duration::from_millis(10));
        assert_eq!(policy.max_backoff, default.max_backoff);
        assert_eq!(RetryPolicy::from_json(&policy.to_json()).unwrap(), policy);
        let field = |value: serde_json::Value| match RetryPolicy::from_json(&value) {
            Err(Error::Invalid(invalid)) => invalid.field,
            other => panic!("expected an input error, got {other:?}"),
        };
        assert_eq!(field(json!({"max_retries": -1})), "max_retries");
        assert_eq!(field(json!({"max_retries": 1.5})), "max_retries");
        assert_eq!(field(json!({"max_retries": 4294967296u64})), "max_retries");
        assert_eq!(field(json!({"initial_backoff": -1.0})), "initial_backoff");
        assert_eq!(field(json!({"max_retry_after": "2"})), "max_retry_after");
        assert_eq!(field(json!({"retries": 2})), "retries");
        assert_eq!(field(json!([])), "policy");
    }
}
