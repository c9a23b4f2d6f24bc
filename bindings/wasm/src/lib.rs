//! wasm-bindgen bindings of [`cloudflare_tenant`]: marshalling only.
//!
//! This crate converts values and errors between JavaScript and the core's by-name entry point
//! ([`Client::request_named`], [`check_response_named`], [`NamedPaginator`]); every decision
//! about Cloudflare's API is the core's. The npm package (`js/`) wraps these functions into its
//! public API (`buildRequest`, `parseResponse`, `Paginator`, `TenantClient`) and turns the
//! errors thrown here into its error classes.
//!
//! How values cross:
//! - parameters, credentials and response headers come in as JSON text (the JS layer calls
//!   `JSON.stringify`), so the core's own JSON reader (recursion limit, exact numbers, field
//!   paths in errors) sees them, not a JS-object walker;
//! - a response body comes in as a string or as bytes (`checkText` / `checkBytes`); the core
//!   checks it, and what comes with the result (`result_info`, `messages`) goes back. The result
//!   itself never crosses: the JS layer reads it from the body with `JSON.parse`, which builds
//!   objects faster than any crossing out of wasm could;
//! - requests and error views go out as JSON text for `JSON.parse`;
//! - an error is thrown as a string: the JSON text of the core's stable view
//!   ([`Error::to_json`]), an object with `kind` `invalid` | `api` | `decode` |
//!   `unknown_operation` | ... and `message`; the JS layer turns it into its error classes. The
//!   view never holds a secret.
//!
//! No function here panics on any input; should the core ever panic, the panic message is kept
//! for [`take_panic`] so the JS layer can report it instead of a bare `unreachable` trap.

use std::cell::RefCell;

use cloudflare_tenant::http::{HeaderMap, Request};
use std::time::{Duration, SystemTime};

use cloudflare_tenant::flows::{
    Action, Onboarding as CoreOnboarding, OnboardingSpec as CoreOnboardingSpec, Report,
};
use cloudflare_tenant::machines::{Clock, Pacers};
use cloudflare_tenant::{
    check_response_named, operation as core_operation, operations as core_operations,
    response_headers, ApiResponse, Attempt, CheckedResult, Client, Credentials, Error, Invalid,
    NamedPaginator, Next, OperationInfo, Pacer as CorePacer, Retry as CoreRetry, RetryPolicy,
    Ticket, DEFAULT_USER_AGENT,
};
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;

/// Talc instead of the standard library's dlmalloc: 3 KB less of the gzipped .wasm, and faster.
/// (Threads would need a locking allocator; this build has none.)
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

// ---- errors ---------------------------------------------------------------------------------

/// The JS value thrown for a core error: the JSON text of its view, which the JS layer turns
/// into its error classes. (Building a JS `Error` here would take js-sys, 1 KB of the gzipped
/// .wasm.)
fn throw(error: &Error) -> JsValue {
    JsValue::from_str(&error.to_json().to_string())
}

/// An input refused by this crate before it reached the core (text that is not JSON).
fn invalid(operation: Option<&str>, field: &str, reason: String) -> Error {
    let mut invalid = Invalid {
        operation: None,
        field: field.to_owned(),
        reason,
    };
    invalid.operation = operation
        .and_then(|name| core_operation(name).ok())
        .map(|info| info.name);
    Error::from(invalid)
}

/// Reads JSON text the JS layer produced; `field` names the argument in the error.
fn read_json(operation: Option<&str>, field: &str, text: &str) -> Result<Value, Error> {
    serde_json::from_str(text)
        .map_err(|e| invalid(operation, field, format!("is not valid JSON text ({e})")))
}

fn read_credentials(
    operation: Option<&str>,
    text: Option<String>,
) -> Result<Option<Credentials>, Error> {
    match text {
        None => Ok(None),
        Some(text) => match read_json(operation, "credentials", &text)? {
            Value::Null => Ok(None),
            value => Credentials::from_json(value)
                .map(Some)
                .map_err(|e| match e {
                    Error::Invalid(mut inner) => {
                        inner.operation = inner.operation.or_else(|| {
                            operation
                                .and_then(|n| core_operation(n).ok())
                                .map(|i| i.name)
                        });
                        Error::Invalid(inner)
                    }
                    other => other,
                }),
        },
    }
}

// ---- panics ---------------------------------------------------------------------------------

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Keeps the message of a panic (the wasm build aborts on panic, which JS sees as a trap).
fn install_panic_hook() {
    thread_local! {
        static INSTALLED: RefCell<bool> = const { RefCell::new(false) };
    }
    INSTALLED.with(|installed| {
        if !installed.replace(true) {
            std::panic::set_hook(Box::new(|info| {
                let message = info.to_string();
                LAST_PANIC.with(|last| *last.borrow_mut() = Some(message));
            }));
        }
    });
}

/// The message of the last panic, if one happened since the last call; the JS layer turns a
/// `WebAssembly.RuntimeError` into an error that carries it.
#[wasm_bindgen(js_name = takePanic)]
pub fn take_panic() -> Option<String> {
    LAST_PANIC.with(|last| last.borrow_mut().take())
}

// ---- operations -----------------------------------------------------------------------------

/// Every operation: JSON `[{"name", "method", "paginated", "secret_fields"}]`, in the order of
/// the API reference. `secret_fields` names the result fields that hold secrets (a created
/// user's `api_key`), which the JS layer masks.
#[wasm_bindgen]
pub fn operations() -> String {
    // Built by inserts: `json!` would serialize each value and unwrap, costing the .wasm.
    let view = |op: &OperationInfo| {
        let mut view = Map::new();
        view.insert("name".into(), op.name.into());
        view.insert("method".into(), op.method.as_str().into());
        view.insert("paginated".into(), op.paginated.into());
        let secrets = op.secret_fields.iter().map(|&field| field.into()).collect();
        view.insert("secret_fields".into(), Value::Array(secrets));
        Value::Object(view)
    };
    Value::Array(core_operations().iter().map(view).collect()).to_string()
}

/// The `User-Agent` the core sends unless told otherwise.
#[wasm_bindgen(js_name = defaultUserAgent)]
pub fn default_user_agent() -> String {
    DEFAULT_USER_AGENT.to_owned()
}

// ---- requests -------------------------------------------------------------------------------

/// `{"method", "url", "headers": {lower-case name: value}, "body": string | null}`.
fn request_json(request: &Request<Vec<u8>>) -> String {
    let mut headers = Map::new();
    for (name, value) in request.headers() {
        let value = String::from_utf8_lossy(value.as_bytes());
        match headers.get_mut(name.as_str()) {
            Some(Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_owned(), Value::String(value.into_owned()));
            }
        }
    }
    let body = if request.body().is_empty() {
        Value::Null
    } else {
        Value::String(String::from_utf8_lossy(request.body()).into_owned())
    };
    // Written by hand to keep the fields in this order (serde_json's maps sort their keys).
    format!(
        r#"{{"method":{},"url":{},"headers":{},"body":{}}}"#,
        Value::from(request.method().as_str()),
        Value::from(request.uri().to_string()),
        Value::Object(headers),
        body,
    )
}

fn configured(
    credentials: Option<Credentials>,
    base_url: Option<String>,
    user_agent: Option<String>,
) -> Result<Client, Error> {
    let mut client = match credentials {
        Some(credentials) => Client::new(credentials),
        None => Client::default(),
    };
    if let Some(base_url) = base_url {
        client = client.with_base_url(base_url)?;
    }
    if let Some(user_agent) = user_agent {
        client = client.with_user_agent(user_agent)?;
    }
    Ok(client)
}

/// A configured core client: base URL, user agent and default credentials, checked once.
#[wasm_bindgen]
pub struct Core {
    client: Client,
    /// The user agent given, to configure a client with other credentials the same way.
    user_agent: Option<String>,
    has_credentials: bool,
}

#[wasm_bindgen]
impl Core {
    /// `credentials`: JSON `{"api_token"}` | `{"api_email", "api_key"}` | `{"user_service_key"}`,
    /// or none (then every call must bring its own).
    #[wasm_bindgen(constructor)]
    pub fn new(
        credentials: Option<String>,
        base_url: Option<String>,
        user_agent: Option<String>,
    ) -> Result<Core, JsValue> {
        install_panic_hook();
        let credentials = read_credentials(None, credentials).map_err(|e| throw(&e))?;
        let has_credentials = credentials.is_some();
        let client =
            configured(credentials, base_url, user_agent.clone()).map_err(|e| throw(&e))?;
        Ok(Core {
            client,
            user_agent,
            has_credentials,
        })
    }

    /// The base URL requests go to.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.client.base_url().to_owned()
    }

    /// Whether the client has default credentials.
    #[wasm_bindgen(getter, js_name = hasCredentials)]
    pub fn has_credentials(&self) -> bool {
        self.has_credentials
    }

    /// The request for `operation` as JSON (see [`build_request`]); `credentials` (JSON, or
    /// none) replace the client's for this call.
    pub fn request(
        &self,
        operation: &str,
        params: &str,
        credentials: Option<String>,
    ) -> Result<String, JsValue> {
        install_panic_hook();
        build(&self.client, operation, params, credentials).map_err(|e| throw(&e))
    }
}

fn build(
    client: &Client,
    operation: &str,
    params: &str,
    credentials: Option<String>,
) -> Result<String, Error> {
    core_operation(operation)?;
    let params = read_json(Some(operation), "params", params)?;
    let credentials = read_credentials(Some(operation), credentials)?;
    let request = client.request_named(operation, params, credentials.as_ref())?;
    Ok(request_json(&request))
}

/// Builds the request for `operation`: JSON text of params in, JSON text of
/// `{"method", "url", "headers", "body"}` out. `credentials` is JSON text; `base_url` and
/// `user_agent` default to the core's.
#[wasm_bindgen(js_name = buildRequest)]
pub fn build_request(
    operation: &str,
    params: &str,
    credentials: Option<String>,
    base_url: Option<String>,
    user_agent: Option<String>,
) -> Result<String, JsValue> {
    install_panic_hook();
    configured(None, base_url, user_agent)
        .map_err(|e| match e {
            Error::Invalid(mut inner) => {
                inner.operation = core_operation(operation).ok().map(|i| i.name);
                Error::Invalid(inner)
            }
            other => other,
        })
        .and_then(|client| build(&client, operation, params, credentials))
        .map_err(|e| throw(&e))
}

// ---- responses ------------------------------------------------------------------------------

/// Headers as JSON `[[name, value], ...]` (a value may be a string or a number). Only the
/// headers the core reads are kept ([`response_headers`]); a value that is not valid HTTP
/// (CR/LF) cannot come from a real response and is skipped.
fn read_headers(operation: &str, headers: &str) -> Result<HeaderMap, Error> {
    let pairs = match read_json(Some(operation), "headers", headers)? {
        Value::Array(pairs) => pairs,
        Value::Null => Vec::new(),
        _ => {
            return Err(invalid(
                Some(operation),
                "headers",
                "must be a list of [name, value] pairs".into(),
            ))
        }
    };
    // Only the headers the core reads are kept, without http's general header-name parser.
    Ok(response_headers(pairs.iter().filter_map(|pair| {
        let name = pair.get(0).and_then(Value::as_str)?;
        let value = match pair.get(1)? {
            Value::String(text) => text.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        Some((name, value))
    })))
}

/// Reads a response with the core's checker and hands the checked response to `then`.
fn check<R>(
    operation: &str,
    status: u16,
    headers: &str,
    body: &[u8],
    then: impl FnOnce(ApiResponse<CheckedResult>) -> R,
) -> Result<R, Error> {
    core_operation(operation)?;
    let headers = read_headers(operation, headers)?;
    check_response_named(operation, status, &headers, body).map(then)
}

/// What comes with a checked result, as JSON text: `{"result_info"?, "messages"}` and the
/// given extra fields. The result itself stays in the body: JS reads it with `JSON.parse`,
/// which builds objects faster than any crossing from wasm could.
fn meta_json(response: &ApiResponse<CheckedResult>, mut meta: Map<String, Value>) -> String {
    if let Some(info) = &response.result_info {
        meta.insert("result_info".into(), info.to_json());
    }
    let messages = response.messages.iter().map(|m| m.to_json()).collect();
    meta.insert("messages".into(), Value::Array(messages));
    Value::Object(meta).to_string()
}

/// Checks a response whose body is text: returns JSON text of `{"result_info"?, "messages"}`
/// (the caller reads `result` from the body), or throws the error it carries. `headers` is
/// JSON `[[name, value], ...]`.
#[wasm_bindgen(js_name = checkText)]
pub fn check_text(
    operation: &str,
    status: u16,
    headers: &str,
    body: &str,
) -> Result<String, JsValue> {
    check_bytes(operation, status, headers, body.as_bytes())
}

/// [`check_text`] for a body given as bytes (a `Uint8Array`), kept exactly as sent.
#[wasm_bindgen(js_name = checkBytes)]
pub fn check_bytes(
    operation: &str,
    status: u16,
    headers: &str,
    body: &[u8],
) -> Result<String, JsValue> {
    install_panic_hook();
    check(operation, status, headers, body, |r| {
        meta_json(&r, Map::new())
    })
    .map_err(|e| throw(&e))
}

// ---- pagination -----------------------------------------------------------------------------

/// Pages through a list operation: [`NamedPaginator`] with JSON text in and out.
#[wasm_bindgen]
pub struct Paginator {
    inner: NamedPaginator,
}

#[wasm_bindgen]
impl Paginator {
    /// Starts from `params` (JSON text); refuses an operation that does not page.
    #[wasm_bindgen(constructor)]
    pub fn new(operation: &str, params: &str) -> Result<Paginator, JsValue> {
        install_panic_hook();
        let start = || {
            core_operation(operation)?;
            let params = read_json(Some(operation), "params", params)?;
            NamedPaginator::new(operation, params)
        };
        start()
            .map(|inner| Paginator { inner })
            .map_err(|e| throw(&e))
    }

    /// The operation's name.
    #[wasm_bindgen(getter)]
    pub fn operation(&self) -> String {
        self.inner.operation().to_owned()
    }

    /// Sets the page cap.
    #[wasm_bindgen(js_name = setMaxPages)]
    pub fn set_max_pages(&mut self, max_pages: u32) {
        self.inner.set_max_pages(max_pages);
    }

    /// The params of the next page as JSON text, or `undefined` when done.
    #[wasm_bindgen(js_name = nextParams)]
    pub fn next_params(&self) -> Option<String> {
        self.inner.next_params().map(|params| params.to_string())
    }

    /// Checks the response to the last page's request (body as text) and returns JSON text of
    /// `{"keep", "result_info"?, "messages"}`: the page's items are the body's `result` unless
    /// `keep` is false (a repeated page). Throws the error the response carries, and then the
    /// next page is the same one again.
    #[wasm_bindgen(js_name = feedText)]
    pub fn feed_text(&mut self, status: u16, headers: &str, body: &str) -> Result<String, JsValue> {
        install_panic_hook();
        self.feed(status, headers, body.as_bytes())
    }

    /// [`Paginator::feed_text`] for a body given as bytes.
    #[wasm_bindgen(js_name = feedBytes)]
    pub fn feed_bytes(
        &mut self,
        status: u16,
        headers: &str,
        body: &[u8],
    ) -> Result<String, JsValue> {
        install_panic_hook();
        self.feed(status, headers, body)
    }

    /// Why it stopped, once it has: JSON text of `{"reason", "message", "anomaly", ...}`.
    pub fn stop(&self) -> Option<String> {
        self.inner.stop().map(|stop| stop.to_json().to_string())
    }
}

impl Paginator {
    fn feed(&mut self, status: u16, headers: &str, body: &[u8]) -> Result<String, JsValue> {
        let inner = &mut self.inner;
        check(inner.operation(), status, headers, body, |response| {
            let keep = inner.feed_checked(&response);
            let mut meta = Map::new();
            meta.insert("keep".into(), Value::Bool(keep));
            meta_json(&response, meta)
        })
        .map_err(|e| throw(&e))
    }
}

// ---- retries --------------------------------------------------------------------------------

/// The retry decisions of one call ([`cloudflare_tenant::Retry`]): after each attempt the host
/// asks what next, and gets `undefined` (use this response), a wait in seconds (sleep, then
/// resend), or the error to fail with, thrown.
#[wasm_bindgen]
pub struct Retry {
    inner: CoreRetry,
}

/// A duration given in seconds by JS; refused when negative, NaN or too large.
fn seconds(field: &str, value: Option<f64>, default: Duration) -> Result<Duration, Error> {
    match value {
        None => Ok(default),
        Some(s) => Duration::try_from_secs_f64(s).map_err(|_| {
            invalid(
                None,
                field,
                format!("must be a number of seconds >= 0, got {}", js_number(s)),
            )
        }),
    }
}

/// A number as JS writes it, through serde_json's float writer: core's `f64` formatting
/// would cost the .wasm 15 KB for this one message.
fn js_number(value: f64) -> String {
    match serde_json::Number::from_f64(value) {
        Some(number) => number.to_string(),
        None if value.is_nan() => "NaN".into(),
        None if value > 0.0 => "Infinity".into(),
        None => "-Infinity".into(),
    }
}

/// A retry policy from the JS options; unset fields keep the core's defaults.
fn retry_policy(
    max_retries: Option<u32>,
    initial_backoff: Option<f64>,
    max_backoff: Option<f64>,
    max_retry_after: Option<f64>,
) -> Result<RetryPolicy, Error> {
    let defaults = RetryPolicy::default();
    Ok(RetryPolicy {
        max_retries: max_retries.unwrap_or(defaults.max_retries),
        initial_backoff: seconds("initialBackoff", initial_backoff, defaults.initial_backoff)?,
        max_backoff: seconds("maxBackoff", max_backoff, defaults.max_backoff)?,
        max_retry_after: seconds("maxRetryAfter", max_retry_after, defaults.max_retry_after)?,
    })
}

/// The host's clock reading (milliseconds since the epoch, `Date.now()`) as a time.
fn at(now_ms: f64) -> SystemTime {
    Duration::try_from_secs_f64(now_ms / 1000.0)
        .ok()
        .and_then(|since| SystemTime::UNIX_EPOCH.checked_add(since))
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

#[wasm_bindgen]
impl Retry {
    /// Starts a call of `operation`. Unset policy fields keep the core's defaults (2 retries,
    /// 0.5 s doubling to 8 s, a server-requested wait of at most 120 s); durations in seconds.
    #[wasm_bindgen(constructor)]
    pub fn new(
        operation: &str,
        max_retries: Option<u32>,
        initial_backoff: Option<f64>,
        max_backoff: Option<f64>,
        max_retry_after: Option<f64>,
    ) -> Result<Retry, JsValue> {
        install_panic_hook();
        let start = || {
            let info = core_operation(operation)?;
            let policy = retry_policy(max_retries, initial_backoff, max_backoff, max_retry_after)?;
            Ok::<_, Error>(CoreRetry::new(policy, info.name, info.method.clone()))
        };
        start().map(|inner| Retry { inner }).map_err(|e| throw(&e))
    }

    /// Retries made so far.
    #[wasm_bindgen(getter)]
    pub fn retries(&self) -> u32 {
        self.inner.retries()
    }

    /// After a response: `undefined` to use it, seconds to wait before resending, or throws.
    #[wasm_bindgen(js_name = afterResponse)]
    pub fn after_response(
        &mut self,
        status: u16,
        headers: &str,
        body: &[u8],
        now_ms: f64,
        jitter: f64,
    ) -> Result<Option<f64>, JsValue> {
        install_panic_hook();
        let headers = read_headers("", headers).map_err(|e| throw(&e))?;
        let attempt = Attempt::Response {
            status,
            headers: &headers,
            body,
        };
        decide(self.inner.after(attempt, at(now_ms), jitter))
    }

    /// After `fetch` failed: `sent` is false only when the request surely never left
    /// (connection refused, name not resolved). Seconds to wait before resending, or throws.
    #[wasm_bindgen(js_name = afterTransportError)]
    pub fn after_transport_error(
        &mut self,
        sent: bool,
        message: &str,
        now_ms: f64,
        jitter: f64,
    ) -> Result<Option<f64>, JsValue> {
        install_panic_hook();
        let attempt = if sent {
            Attempt::NoResponse { message }
        } else {
            Attempt::NotSent { message }
        };
        decide(self.inner.after(attempt, at(now_ms), jitter))
    }
}

fn decide(next: Next) -> Result<Option<f64>, JsValue> {
    match next {
        Next::Done => Ok(None),
        Next::Wait(wait) => Ok(Some(wait.as_secs_f64())),
        Next::Fail(error) => Err(throw(&error)),
        // A decision this version does not know: use the response as it is.
        #[allow(unreachable_patterns)]
        _ => Ok(None),
    }
}

// ---- onboarding -----------------------------------------------------------------------------

/// The onboarding flow ([`cloudflare_tenant::flows::Onboarding`]): the host asks
/// [`Onboarding::next_action`], sends or sleeps, and feeds back what happened.
#[wasm_bindgen]
pub struct Onboarding {
    inner: CoreOnboarding,
    /// The JS client paces each send itself, for now: nothing to pace here.
    pacers: Pacers,
}

/// Reads the spec; the core names the field at fault (`members[0].email`, `service_user`).
fn read_spec(text: &str) -> Result<CoreOnboardingSpec, Error> {
    let value = read_json(None, "spec", text).map_err(|e| match e {
        Error::Invalid(mut inner) => {
            inner.operation = Some("onboarding");
            Error::Invalid(inner)
        }
        other => other,
    })?;
    CoreOnboardingSpec::from_json(value)
}

#[wasm_bindgen]
impl Onboarding {
    /// Prepares the flow for `spec` (JSON text of the core's `OnboardingSpec`) with `core`'s
    /// base URL, user agent and credentials (or `credentials`, JSON text, instead) and the
    /// retry policy (seconds; unset fields keep the defaults). Throws a bad spec's error.
    #[wasm_bindgen(constructor)]
    pub fn new(
        core: &Core,
        spec: &str,
        credentials: Option<String>,
        max_retries: Option<u32>,
        initial_backoff: Option<f64>,
        max_backoff: Option<f64>,
        max_retry_after: Option<f64>,
    ) -> Result<Onboarding, JsValue> {
        install_panic_hook();
        let start = || {
            let spec = read_spec(spec)?;
            let policy = retry_policy(max_retries, initial_backoff, max_backoff, max_retry_after)?;
            let client = match read_credentials(None, credentials)? {
                None => core.client.clone(),
                Some(credentials) => configured(
                    Some(credentials),
                    Some(core.client.base_url().to_owned()),
                    core.user_agent.clone(),
                )?,
            };
            CoreOnboarding::new(client, spec, policy)
        };
        start()
            .map(|inner| Onboarding {
                inner,
                pacers: Pacers::off(),
            })
            .map_err(|e| throw(&e))
    }

    /// What to do next, as JSON text: `{"action": "send", "request": {method, url, headers,
    /// body}}`, `{"action": "wait", "seconds": n}` or `{"action": "done"}`.
    #[wasm_bindgen(js_name = nextAction)]
    pub fn next_action(&mut self) -> String {
        install_panic_hook();
        let now = Clock {
            monotonic: std::time::Duration::ZERO,
            wall: at(0.0),
        };
        match self.inner.next_action(&mut self.pacers, now) {
            Action::Send(request) => format!(
                r#"{{"action":"send","request":{}}}"#,
                request_json(&request)
            ),
            Action::Wait(wait) => format!(
                r#"{{"action":"wait","seconds":{}}}"#,
                Value::from(wait.as_secs_f64())
            ),
            Action::Done => r#"{"action":"done"}"#.to_owned(),
        }
    }

    /// Feeds the response to the last request (`headers`: JSON `[[name, value], ...]`).
    #[wasm_bindgen(js_name = feedResponse)]
    pub fn feed_response(
        &mut self,
        status: u16,
        headers: &str,
        body: &[u8],
        now_ms: f64,
        jitter: f64,
    ) -> Result<(), JsValue> {
        install_panic_hook();
        let headers = read_headers("", headers).map_err(|e| throw(&e))?;
        let attempt = Attempt::Response {
            status,
            headers: &headers,
            body,
        };
        let now = Clock {
            monotonic: std::time::Duration::ZERO,
            wall: at(now_ms),
        };
        self.inner.feed(&mut self.pacers, attempt, now, jitter);
        Ok(())
    }

    /// Feeds a failed `fetch`: `sent` is false only when the request surely never left.
    #[wasm_bindgen(js_name = feedTransportError)]
    pub fn feed_transport_error(&mut self, sent: bool, message: &str, now_ms: f64, jitter: f64) {
        install_panic_hook();
        let attempt = if sent {
            Attempt::NoResponse { message }
        } else {
            Attempt::NotSent { message }
        };
        let now = Clock {
            monotonic: std::time::Duration::ZERO,
            wall: at(now_ms),
        };
        self.inner.feed(&mut self.pacers, attempt, now, jitter);
    }

    /// The report so far (final once the action is `done`), as JSON text. It holds the new
    /// service user's `api_key`.
    pub fn report(&self) -> String {
        self.inner.report().to_json().to_string()
    }

    /// The report's fields that hold a secret, as JSON text: the JS layer masks them.
    #[wasm_bindgen(js_name = secretFields)]
    pub fn secret_fields() -> String {
        Value::from(Report::SECRET_FIELDS.to_vec()).to_string()
    }
}

// ---- pacing ---------------------------------------------------------------------------------

/// A request budget ([`cloudflare_tenant::Pacer`]): times are a monotonic clock's readings in
/// seconds (`performance.now() / 1000`).
#[wasm_bindgen]
pub struct Pacer {
    inner: CorePacer,
}

/// A monotonic reading in seconds as the core's duration since the clock's origin.
fn since_origin(now: f64) -> Duration {
    Duration::try_from_secs_f64(now).unwrap_or(Duration::ZERO)
}

#[wasm_bindgen]
impl Pacer {
    /// At most `limit` sends in any `window` seconds; refuses a limit that is not an integer
    /// >= 1 and a window that is not a number of seconds > 0.
    #[wasm_bindgen(constructor)]
    pub fn new(limit: f64, window: f64) -> Result<Pacer, JsValue> {
        install_panic_hook();
        let start = || {
            if !(limit.fract() == 0.0 && (1.0..=f64::from(u32::MAX)).contains(&limit)) {
                return Err(invalid(
                    None,
                    "limit",
                    format!("must be an integer >= 1, got {}", js_number(limit)),
                ));
            }
            let window = Duration::try_from_secs_f64(window)
                .ok()
                .filter(|w| !w.is_zero())
                .ok_or_else(|| {
                    invalid(
                        None,
                        "window",
                        format!("must be a number of seconds > 0, got {}", js_number(window)),
                    )
                })?;
            // In range: checked above.
            Ok(CorePacer::new(limit as u32, window))
        };
        start().map(|inner| Pacer { inner }).map_err(|e| throw(&e))
    }

    /// Cloudflare's documented budget: 1,200 requests per 300 seconds per credential.
    pub fn cloudflare() -> Pacer {
        Pacer {
            inner: CorePacer::cloudflare(),
        }
    }

    /// Takes a place in the budget for a send at `now`: JSON text `{"ticket": id}` (send now,
    /// then [`Pacer::settle`] the ticket) or `{"wait": seconds}` (sleep, then ask again).
    pub fn acquire(&mut self, now: f64) -> String {
        match self.inner.acquire(since_origin(now)) {
            Ok(ticket) => format!(r#"{{"ticket":{}}}"#, ticket.id()),
            Err(wait) => format!(r#"{{"wait":{}}}"#, Value::from(wait.as_secs_f64())),
        }
    }

    /// The send of `ticket` ended at `now` (answered, failed or abandoned): its place frees a
    /// window later. Unknown tickets are ignored.
    pub fn settle(&mut self, ticket: f64, now: f64) {
        // A ticket id is an integer below 2^53 (one per send): exact as a JS number.
        self.inner
            .settle(Ticket::from_id(ticket as u64), since_origin(now));
    }
}

/// A key for the identity that signs a request (`headers`: JSON object of lower-case names, as
/// requests come out of this crate), without the secret in it: a hash of `salt` and the
/// credential headers' values. Empty when the request carries no credentials.
#[wasm_bindgen(js_name = credentialKey)]
pub fn credential_key(headers: &str, salt: &str) -> String {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let Ok(Value::Object(headers)) = serde_json::from_str::<Value>(headers) else {
        return String::new();
    };
    let names = Credentials::HEADER_NAMES;
    let mut found = false;
    let mut hasher = DefaultHasher::new();
    salt.hash(&mut hasher);
    for name in names {
        if let Some(value) = headers.get(name).and_then(Value::as_str) {
            found = true;
            name.hash(&mut hasher);
            value.hash(&mut hasher);
        }
    }
    if found {
        format!("{:016x}", hasher.finish())
    } else {
        String::new()
    }
}
