//! PyO3 bindings of `cloudflare-tenant`: the module `cloudflare_tenant._native`.
//!
//! Conversion only. Python values come in (params, specs, credentials and retry policies as
//! plain Python values, read as JSON naming where a value is refused: `roles[2]`), the core
//! runs, and what goes out is the core's own JSON text, read by the package's Python layer with
//! `json.loads`: a machine's steps (`host::Machine::next_json`), a checked response's
//! `{"result_info"?, "messages", "secret_fields"}` (the result itself is read from the body),
//! reports, views. Only a built `Request` is a class of its own, and `Pacers`, which one
//! client's calls share. Errors leave as the core's JSON view (`Error::to_json`), turned into
//! the package's exception classes by `cloudflare_tenant._exceptions._from_native`.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock, PoisonError};

use cloudflare_tenant::flows::Report;
use cloudflare_tenant::host::{self, Machine as Core};
use cloudflare_tenant::http::{HeaderMap, Request as CoreRequest};
use cloudflare_tenant::machines::{Clock, Pacers as CorePacers};
use cloudflare_tenant::{
    check_response_named, operation, operations as catalog, response_headers, Attempt, Client,
    Credentials, Error, Invalid, RetryPolicy,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// Nesting deeper than this is refused when reading Python values (cycles end here too).
const MAX_DEPTH: usize = 128;
/// Bodies at least this long are checked with the GIL released.
const DETACH_BYTES: usize = 16 * 1024;

static FROM_NATIVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static SECRET: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

// ---- Python values in ----------------------------------------------------------------------

/// A Python value as JSON: mappings with `str` keys, lists and tuples, `str`, `int` (64-bit),
/// finite `float`, `bool`, `None`, and a `cloudflare_tenant.Secret`'s value (callers hand
/// secrets back as they got them). A refusal says where (`path`) and why.
fn from_py(obj: &Bound<'_, PyAny>, path: &mut String, depth: usize) -> Result<Value, [String; 2]> {
    fn fail<T>(path: &str, reason: &str) -> Result<T, [String; 2]> {
        Err([path.to_owned(), reason.to_owned()])
    }
    if depth > MAX_DEPTH {
        return fail(path, &format!("nests deeper than {MAX_DEPTH} levels"));
    } else if obj.is_none() {
        return Ok(Value::Null);
    } else if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    } else if let Ok(text) = obj.cast::<PyString>() {
        let text = text.to_cow().map(|t| Value::String(t.into_owned()));
        return text.or_else(|_| fail(path, "is not valid Unicode"));
    } else if obj.cast::<PyInt>().is_ok() {
        let int = obj.extract::<i64>().map(Value::from);
        let int = int.or_else(|_| obj.extract::<u64>().map(Value::from));
        return int.or_else(|_| fail(path, "is an integer out of the 64-bit range"));
    } else if let Ok(f) = obj.cast::<PyFloat>() {
        let number = Number::from_f64(f.value()).map(Value::Number);
        return number.map_or_else(|| fail(path, "is not a finite number"), Ok);
    } else if let Some(secret) = secret(obj) {
        return Ok(Value::String(secret));
    } else if obj.cast::<PyList>().is_ok() || obj.cast::<PyTuple>().is_ok() {
        let mut items = Vec::new();
        for (i, item) in obj.try_iter().into_iter().flatten().flatten().enumerate() {
            let len = path.len();
            let _ = write!(path, "[{i}]");
            items.push(from_py(&item, path, depth + 1)?);
            path.truncate(len);
        }
        return Ok(Value::Array(items));
    }
    let pairs: Vec<(Bound<'_, PyAny>, Bound<'_, PyAny>)> = if let Ok(dict) = obj.cast::<PyDict>() {
        dict.iter().collect()
    } else if let Ok(mapping) = obj.cast::<PyMapping>() {
        let items = mapping.items().and_then(|items| items.extract::<Vec<_>>());
        items.or_else(|e| fail(path, &format!("cannot be read as a mapping: {e}")))?
    } else {
        let name = obj
            .get_type()
            .name()
            .map_or("object".into(), |n| n.to_string());
        let expected = "must be JSON-compatible (dict, list, str, int, float, bool, None)";
        return fail(path, &format!("{expected}, got {name}"));
    };
    let mut map = Map::new();
    for (key, value) in pairs {
        let Ok(key) = key.extract::<String>() else {
            return fail(path, "has a key that is not a str");
        };
        let len = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(&key);
        let value = from_py(&value, path, depth + 1)?;
        path.truncate(len);
        map.insert(key, value);
    }
    Ok(Value::Object(map))
}

/// The value of a `cloudflare_tenant.Secret`, when `obj` is one.
fn secret(obj: &Bound<'_, PyAny>) -> Option<String> {
    let class = SECRET
        .import(obj.py(), "cloudflare_tenant._secret", "Secret")
        .ok()?;
    if !obj.is_instance(class).ok()? {
        return None;
    }
    obj.call_method0("expose").ok()?.extract().ok()
}

/// A Python argument as JSON (`None`: `null`), refused as the core refuses a bad field: named
/// by its path from `root`, or `field` when it is the argument itself.
fn json_arg(
    operation: Option<&'static str>,
    field: &str,
    root: &str,
    value: Option<&Bound<'_, PyAny>>,
) -> PyResult<Value> {
    let Some(value) = value else {
        return Ok(Value::Null);
    };
    from_py(value, &mut root.to_owned(), 0).map_err(|[path, reason]| {
        let field = if path.is_empty() { field } else { &path };
        raise(invalid(operation, field, reason))
    })
}

/// A `Credentials` of the Python layer (its `_fields`), a mapping, or `None`.
fn credentials_arg(credentials: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Credentials>> {
    let Some(credentials) = credentials.filter(|c| !c.is_none()) else {
        return Ok(None);
    };
    let fields = match credentials.cast::<PyDict>() {
        Ok(_) => None,
        Err(_) => credentials.getattr("_fields").ok(),
    };
    let value = json_arg(
        None,
        "credentials",
        "",
        Some(fields.as_ref().unwrap_or(credentials)),
    );
    Credentials::from_json(value?).map(Some).map_err(raise)
}

/// A retry policy's fields (`RetryPolicy::from_json`), or the core's default for `None`.
fn policy_arg(policy: Option<&Bound<'_, PyAny>>) -> PyResult<RetryPolicy> {
    let value = json_arg(None, "policy", "", policy)?;
    match value {
        Value::Null => Ok(RetryPolicy::default()),
        value => RetryPolicy::from_json(&value).map_err(raise),
    }
}

/// A client of the core with these credentials (or none), endpoint and `User-Agent` (`None`:
/// the defaults; the default client is made once).
fn client(
    credentials: Option<Credentials>,
    base_url: Option<&str>,
    user_agent: Option<&str>,
) -> PyResult<Cow<'static, Client>> {
    static DEFAULT: OnceLock<Client> = OnceLock::new();
    let mut client = match credentials {
        None => Cow::Borrowed(DEFAULT.get_or_init(Client::default)),
        Some(credentials) => Cow::Owned(Client::new(credentials)),
    };
    if let Some(url) = base_url {
        client = Cow::Owned(client.into_owned().with_base_url(url).map_err(raise)?);
    }
    if let Some(agent) = user_agent {
        client = Cow::Owned(client.into_owned().with_user_agent(agent).map_err(raise)?);
    }
    Ok(client)
}

/// The client a flow acts as: signed with `credentials` (the core refuses none).
fn signed(
    credentials: Option<&Bound<'_, PyAny>>,
    base_url: Option<&str>,
    user_agent: Option<&str>,
) -> PyResult<Client> {
    let credentials = credentials_arg(credentials)?;
    Ok(client(credentials, base_url, user_agent)?.into_owned())
}

/// Header names and values, and bodies: `str` (UTF-8) or `bytes`.
#[derive(FromPyObject)]
enum Bytes {
    Bytes(PyBackedBytes),
    Str(PyBackedStr),
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        match self {
            Bytes::Bytes(bytes) => bytes,
            Bytes::Str(text) => text.as_bytes(),
        }
    }
}

/// Headers from a dict, an object with `items()` (httpx.Headers, http.client.HTTPMessage), or
/// pairs; only the headers the core reads are kept.
fn headers_arg(headers: Option<&Bound<'_, PyAny>>) -> PyResult<HeaderMap> {
    let Some(headers) = headers.filter(|h| !h.is_none()) else {
        return Ok(HeaderMap::new());
    };
    let items = match headers.hasattr("items")? {
        true => headers.call_method0("items")?,
        false => headers.clone(),
    };
    let pairs = items
        .try_iter()?
        .map(|pair| pair?.extract::<(Bytes, Bytes)>());
    Ok(response_headers(pairs.collect::<PyResult<Vec<_>>>()?))
}

/// An HTTP status as the core takes it: a number that is not even a `u16` is refused here as
/// the core refuses the others outside 100..=599; a non-integer is a `TypeError`.
fn status_arg(operation: Option<&'static str>, status: &Bound<'_, PyAny>) -> PyResult<u16> {
    if status.cast::<PyInt>().is_err() || status.cast::<PyBool>().is_ok() {
        return Err(PyTypeError::new_err("status must be an int"));
    }
    let reason = "must be an HTTP status from 100 to 599";
    (status.extract()).map_err(|_| raise(invalid(operation, "status", reason.into())))
}

fn clock(now: f64, wall: f64) -> PyResult<Clock> {
    Clock::from_secs(now, wall).map_err(raise)
}

// ---- errors out ------------------------------------------------------------------------------

/// The package's exception for a core error, from its JSON view (never a secret).
fn raise(error: Error) -> PyErr {
    Python::attach(|py| {
        let view = error.to_json().to_string();
        let from_native = FROM_NATIVE.import(py, "cloudflare_tenant._exceptions", "_from_native");
        from_native
            .and_then(|from_native| from_native.call1((view,)))
            .map_or_else(|e| e, PyErr::from_value)
    })
}

/// A refusal of the caller's input found while converting, as the core's `Invalid`.
fn invalid(operation: Option<&'static str>, field: &str, reason: String) -> Error {
    let field = field.to_owned();
    Error::from(Invalid {
        operation,
        field,
        reason,
    })
}

/// The catalog's name for `name`, when it is an operation.
fn known(name: &str) -> Option<&'static str> {
    operation(name).ok().map(|op| op.name)
}

// ---- the by-name floor -----------------------------------------------------------------------

/// An HTTP request ready to send: method, url, headers, body. Its repr masks credential headers.
#[pyclass(frozen, module = "cloudflare_tenant._native")]
struct Request {
    /// The HTTP method, upper-case.
    #[pyo3(get)]
    method: String,
    /// The full URL, query included.
    #[pyo3(get)]
    url: String,
    headers: Vec<(String, String)>,
    /// The names of the headers that carry a secret.
    #[pyo3(get)]
    sensitive_headers: Vec<String>,
    body: Option<Vec<u8>>,
}

#[pymethods]
impl Request {
    #[new]
    fn new(
        method: String,
        url: String,
        headers: Vec<(String, String)>,
        sensitive_headers: Vec<String>,
        body: Option<Vec<u8>>,
    ) -> Self {
        Request {
            method,
            url,
            headers,
            sensitive_headers,
            body,
        }
    }

    /// Every header, lower-case names (a new dict each time).
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (name, value) in &self.headers {
            dict.set_item(name, value)?;
        }
        Ok(dict)
    }

    /// The body, or `None` when none is sent.
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.body.as_deref().map(|b| PyBytes::new(py, b))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let repr = |text: &str| PyString::new(py, text).repr().map(|r| r.to_string());
        let mut headers = Vec::new();
        for (name, value) in &self.headers {
            let masked = self.sensitive_headers.contains(name);
            let value = if masked { "***".into() } else { repr(value)? };
            headers.push(format!("{}: {value}", repr(name)?));
        }
        let body = self.body.as_deref().map(|b| PyBytes::new(py, b).repr());
        let body = body.transpose()?.map_or("None".into(), |b| b.to_string());
        let (method, url, headers) = (repr(&self.method)?, repr(&self.url)?, headers.join(", "));
        Ok(format!(
            "Request(method={method}, url={url}, headers={{{headers}}}, body={body})"
        ))
    }
}

impl From<CoreRequest<Vec<u8>>> for Request {
    fn from(request: CoreRequest<Vec<u8>>) -> Self {
        let (parts, body) = request.into_parts();
        let mut headers = Vec::with_capacity(parts.headers.len());
        let mut sensitive_headers = Vec::new();
        for (name, value) in &parts.headers {
            let name = name.as_str().to_owned();
            if value.is_sensitive() && !sensitive_headers.contains(&name) {
                sensitive_headers.push(name.clone());
            }
            headers.push((name, String::from_utf8_lossy(value.as_bytes()).into_owned()));
        }
        let (method, url) = (parts.method.as_str().to_owned(), parts.uri.to_string());
        let body = (!body.is_empty()).then_some(body);
        Request::new(method, url, headers, sensitive_headers, body)
    }
}

/// Builds the request for the operation called `operation`.
#[pyfunction]
#[pyo3(signature = (operation, params=None, credentials=None, base_url=None, user_agent=None))]
fn build_request(
    operation: &str,
    params: Option<&Bound<'_, PyAny>>,
    credentials: Option<&Bound<'_, PyAny>>,
    base_url: Option<&str>,
    user_agent: Option<&str>,
) -> PyResult<Request> {
    let params = json_arg(known(operation), "params", "", params)?;
    let credentials = credentials_arg(credentials)?;
    let client = client(None, base_url, user_agent)?;
    let request = client.request_named(operation, params, credentials.as_ref());
    request.map(Request::from).map_err(raise)
}

/// Checks a response to `operation` (`body`: `bytes` or `str`; large ones with the GIL
/// released): JSON text of `{"result_info"?, "messages", "secret_fields"}`, or raises its error.
#[pyfunction]
#[pyo3(signature = (operation, status, headers=None, body=None))]
fn check_response(
    py: Python<'_>,
    operation: &str,
    status: &Bound<'_, PyAny>,
    headers: Option<&Bound<'_, PyAny>>,
    body: Option<Bytes>,
) -> PyResult<String> {
    let status = status_arg(known(operation), status)?;
    let headers = headers_arg(headers)?;
    let body = body.as_ref().map_or(&b""[..], AsRef::as_ref);
    let check = || check_response_named(operation, status, &headers, body);
    let checked = if body.len() >= DETACH_BYTES {
        py.detach(check)
    } else {
        check()
    };
    let mut answer = host::answer_json(&checked.map_err(raise)?);
    let fields = cloudflare_tenant::operation(operation).map_or(&[][..], |op| op.secret_fields);
    answer.insert("secret_fields".into(), fields.into());
    Ok(Value::Object(answer).to_string())
}

/// Every operation: JSON text of `[{"name", "method", "paginated", "secret_fields"}]`.
#[pyfunction]
fn operations() -> String {
    Value::Array(catalog().iter().map(|op| op.summary_json()).collect()).to_string()
}

/// Credentials as `(kind, header_names, fields)`: `fields` is the JSON text the core reads.
type CredentialsView = (&'static str, Vec<&'static str>, String);

fn credentials_view(credentials: Credentials) -> CredentialsView {
    let fields = credentials.to_json().to_string();
    (
        credentials.kind(),
        credentials.header_names().to_vec(),
        fields,
    )
}

/// Reads `{"api_token"}`, `{"api_email", "api_key"}` or `{"user_service_key"}`.
#[pyfunction]
fn read_credentials(value: &Bound<'_, PyAny>) -> PyResult<CredentialsView> {
    let credentials = credentials_arg(Some(value))?;
    let refused = || raise(Credentials::from_json(Value::Null).unwrap_err());
    credentials.map(credentials_view).ok_or_else(refused)
}

/// Credentials from the conventional environment variables, looked up with `environ.get`
/// (`Credentials::from_environment`); `None` when there are none.
#[pyfunction]
fn credentials_from_environment(environ: &Bound<'_, PyAny>) -> PyResult<Option<CredentialsView>> {
    let failed = RefCell::new(None);
    let found = Credentials::from_environment(|name| {
        let value = environ.call_method1("get", (name,)).and_then(|value| {
            let must = || PyTypeError::new_err(format!("environ[{name:?}] must be a str"));
            value.extract::<Option<String>>().map_err(|_| must())
        });
        value.unwrap_or_else(|e| {
            failed.borrow_mut().get_or_insert(e);
            None
        })
    });
    match failed.into_inner() {
        Some(error) => Err(error),
        None => Ok(found.map_err(raise)?.map(credentials_view)),
    }
}

/// A retry policy checked by the core, every field given, as JSON text.
#[pyfunction]
fn retry_policy(fields: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(policy_arg(Some(fields))?.to_json().to_string())
}

/// The backoff of `policy` before retry number `retry` (from 0), in seconds.
#[pyfunction]
fn backoff(policy: &Bound<'_, PyAny>, retry: u32, jitter: f64) -> PyResult<f64> {
    Ok(policy_arg(Some(policy))?
        .backoff(retry, jitter)
        .as_secs_f64())
}

// ---- the exchange machines -------------------------------------------------------------------

/// The pacers of one client: each identity (credential) has its own budget of `limit` sends
/// per `window` seconds, counted on the wire, shared by all the client's calls, lists and
/// onboardings. Safe to share between threads: each step takes the lock only for itself.
#[pyclass(frozen, module = "cloudflare_tenant._native")]
struct Pacers(Mutex<CorePacers>);

impl Pacers {
    fn with<R>(&self, step: impl FnOnce(&mut CorePacers) -> R) -> R {
        step(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[pymethods]
impl Pacers {
    #[new]
    fn new(limit: f64, window: f64) -> PyResult<Self> {
        let pacers = CorePacers::from_host(limit, window).map_err(raise)?;
        Ok(Pacers(Mutex::new(pacers)))
    }

    /// No pacing: every send goes at once.
    #[staticmethod]
    fn off() -> Self {
        Pacers(Mutex::new(CorePacers::off()))
    }

    /// Cloudflare's documented budget: 1,200 requests per 300 seconds for each identity.
    #[staticmethod]
    fn cloudflare() -> Self {
        Pacers(Mutex::new(CorePacers::cloudflare()))
    }

    /// `(limit, window_seconds)`, or `None` when not pacing.
    #[getter]
    fn budget(&self) -> Option<(u32, f64)> {
        let budget = self.with(|pacers| pacers.budget());
        budget.map(|(limit, window)| (limit, window.as_secs_f64()))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let Some((limit, window)) = self.budget() else {
            return Ok("Pacers.off()".into());
        };
        Ok(format!(
            "Pacers(limit={limit}, window={})",
            PyFloat::new(py, window).repr()?
        ))
    }
}

/// A call, a list, one onboarding or many (`host::Machine`), driven alike: `next` gives the
/// core's next step as JSON text (`next_json`); `feed` and `feed_failure` say what happened
/// to the last send of a slot. `now` is `time.monotonic()`, `wall` is `time.time()`.
#[pyclass(module = "cloudflare_tenant._native")]
struct Machine(Core);

fn machine(started: Result<Core, Error>) -> PyResult<Machine> {
    started.map(Machine).map_err(raise)
}

#[pymethods]
impl Machine {
    /// One call; `random`: 16 random bytes for an idempotency key.
    #[staticmethod]
    #[pyo3(signature = (operation, params, credentials, policy, base_url, user_agent, random))]
    fn call(
        operation: &str,
        params: Option<&Bound<'_, PyAny>>,
        credentials: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
        base_url: Option<&str>,
        user_agent: Option<&str>,
        random: &[u8],
    ) -> PyResult<Self> {
        let params = json_arg(known(operation), "params", "", params)?;
        let (credentials, client) = (
            credentials_arg(credentials)?,
            client(None, base_url, user_agent)?,
        );
        let policy = policy_arg(policy)?;
        machine(Core::call(
            &client,
            operation,
            params,
            credentials.as_ref(),
            policy,
            random,
        ))
    }

    /// Every page of a list, at most `max_pages`.
    #[staticmethod]
    #[pyo3(signature = (operation, params, credentials, policy, base_url, user_agent, max_pages))]
    fn list(
        operation: &str,
        params: Option<&Bound<'_, PyAny>>,
        credentials: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
        base_url: Option<&str>,
        user_agent: Option<&str>,
        max_pages: Option<u32>,
    ) -> PyResult<Self> {
        let params = json_arg(known(operation), "params", "", params)?;
        let (credentials, client) = (
            credentials_arg(credentials)?,
            client(None, base_url, user_agent)?,
        );
        let (policy, credentials) = (policy_arg(policy)?, credentials.as_ref());
        machine(Core::list(
            &client,
            operation,
            params,
            credentials,
            policy,
            max_pages,
        ))
    }

    /// One onboarding, signed with `credentials`; `random`: 16 random bytes.
    #[staticmethod]
    fn onboarding(
        spec: &Bound<'_, PyAny>,
        credentials: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
        base_url: Option<&str>,
        user_agent: Option<&str>,
        random: &[u8],
    ) -> PyResult<Self> {
        let spec = json_arg(Some("onboarding"), "spec", "", Some(spec))?;
        let client = signed(credentials, base_url, user_agent)?;
        machine(Core::onboarding(client, spec, policy_arg(policy)?, random))
    }

    /// Many onboardings, `concurrency` at once; `random`: 16 random bytes per spec.
    #[staticmethod]
    #[allow(clippy::too_many_arguments)]
    fn bulk(
        specs: &Bound<'_, PyAny>,
        credentials: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
        base_url: Option<&str>,
        user_agent: Option<&str>,
        concurrency: Option<f64>,
        random: &[u8],
    ) -> PyResult<Self> {
        let specs = json_arg(Some("onboarding"), "specs", "specs", Some(specs))?;
        let concurrency = host::concurrency(concurrency);
        let concurrency = concurrency.map_err(|e| raise(e.in_operation("onboarding")))?;
        let client = signed(credentials, base_url, user_agent)?;
        machine(Core::bulk(
            client,
            specs,
            policy_arg(policy)?,
            concurrency,
            random,
        ))
    }

    /// The operation's dotted name (`onboarding` for the flows).
    #[getter]
    fn operation(&self) -> &'static str {
        self.0.operation()
    }

    /// How many sends may be in flight at once.
    #[getter]
    fn slots(&self) -> usize {
        self.0.slots()
    }

    /// What to do now, as JSON text (`host::Machine::next_json`).
    fn next(&mut self, pacers: &Pacers, now: f64, wall: f64) -> PyResult<String> {
        let now = clock(now, wall)?;
        Ok(pacers.with(|pacers| self.0.next_json(pacers, now)))
    }

    /// The response to the last send of `slot`.
    #[allow(clippy::too_many_arguments)]
    fn feed(
        &mut self,
        py: Python<'_>,
        slot: usize,
        pacers: &Pacers,
        status: &Bound<'_, PyAny>,
        headers: Option<&Bound<'_, PyAny>>,
        body: Option<Bytes>,
        now: f64,
        wall: f64,
        jitter: f64,
    ) -> PyResult<()> {
        let (status, headers) = (status_arg(None, status)?, headers_arg(headers)?);
        let (now, machine) = (clock(now, wall)?, &mut self.0);
        let body = body.as_ref().map_or(&b""[..], AsRef::as_ref);
        let attempt = Attempt::Response {
            status,
            headers: &headers,
            body,
        };
        let mut feed = || pacers.with(|pacers| machine.feed(slot, pacers, attempt, now, jitter));
        match body.len() >= DETACH_BYTES {
            true => py.detach(feed),
            false => feed(),
        }
        Ok(())
    }

    /// No response came to the last send of `slot`: it never left (`sent=False`) or may have.
    #[allow(clippy::too_many_arguments)]
    fn feed_failure(
        &mut self,
        slot: usize,
        pacers: &Pacers,
        sent: bool,
        message: &str,
        now: f64,
        wall: f64,
        jitter: f64,
    ) -> PyResult<()> {
        let now = clock(now, wall)?;
        let attempt = match sent {
            true => Attempt::NoResponse { message },
            false => Attempt::NotSent { message },
        };
        pacers.with(|pacers| self.0.feed(slot, pacers, attempt, now, jitter));
        Ok(())
    }

    /// Gives up: frees the places of the sends in flight.
    fn abandon(&mut self, pacers: &Pacers, now: f64) -> PyResult<()> {
        let now = clock(now, 0.0)?;
        pacers.with(|pacers| self.0.abandon(pacers, now));
        Ok(())
    }

    /// A bulk run's progress, as JSON text.
    fn progress(&self) -> String {
        self.0.progress_json().to_string()
    }

    /// A bulk run's reports, as JSON text (`null` for one not over yet).
    fn reports(&self) -> String {
        self.0.reports_json().to_string()
    }

    /// The report of one onboarding (`index`: of a bulk run's spec, once over), as JSON text.
    #[pyo3(signature = (index=None))]
    fn report(&self, index: Option<usize>) -> Option<String> {
        let report = match index {
            None => self.0.report(),
            Some(index) => self.0.bulk_run()?.report(index),
        };
        report.map(|report| report.to_json().to_string())
    }

    /// The indexes of a bulk run's specs whose onboardings are over, in that order, from the
    /// `start`-th on.
    fn over(&self, start: usize) -> Vec<usize> {
        let over = self.0.bulk_run().map_or(&[][..], |bulk| bulk.over());
        over.get(start..).unwrap_or_default().to_vec()
    }

    /// The index of the spec whose onboarding runs in `slot`, if one does.
    fn spec_index(&self, slot: usize) -> Option<usize> {
        self.0.bulk_run()?.spec_index(slot)
    }
}

// ---- the module ------------------------------------------------------------------------------

/// The native part of `cloudflare_tenant`: the sans-IO core, by operation name.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(build_request, m)?)?;
    m.add_function(wrap_pyfunction!(check_response, m)?)?;
    m.add_function(wrap_pyfunction!(operations, m)?)?;
    m.add_function(wrap_pyfunction!(read_credentials, m)?)?;
    m.add_function(wrap_pyfunction!(credentials_from_environment, m)?)?;
    m.add_function(wrap_pyfunction!(retry_policy, m)?)?;
    m.add_function(wrap_pyfunction!(backoff, m)?)?;
    m.add_class::<Request>()?;
    m.add_class::<Pacers>()?;
    m.add_class::<Machine>()?;
    m.add("DEFAULT_BASE_URL", cloudflare_tenant::DEFAULT_BASE_URL)?;
    m.add("DEFAULT_USER_AGENT", cloudflare_tenant::DEFAULT_USER_AGENT)?;
    m.add("DEFAULT_CONCURRENCY", host::DEFAULT_CONCURRENCY)?;
    m.add("REPORT_SECRET_FIELDS", Report::SECRET_FIELDS.to_vec())?;
    m.add("WHOLE_RESULT", cloudflare_tenant::WHOLE_RESULT)?;
    m.add("CORE_VERSION", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
