//! PyO3 bindings of `cloudflare-tenant`: the module `cloudflare_tenant._native`. Conversion
//! only: Python values in (read as JSON; a refusal names where, as in `roles[2]`), and out the
//! core's own JSON text (a machine's steps from `host::Machine::next_json`, a checked response's
//! view, reports), which the package reads with `json.loads`, or a built request's parts. An
//! error leaves as the core's JSON view, made an exception by `cloudflare_tenant._exceptions`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};

use cloudflare_tenant::flows::Report;
use cloudflare_tenant::host::{self, HostStep, Machine as Core};
use cloudflare_tenant::http::HeaderValue;
use cloudflare_tenant::machines::{Clock, Pacers as CorePacers};
use cloudflare_tenant::{check_response_named, operation, operations as catalog, Attempt};
use cloudflare_tenant::{response_headers, Credentials, Error, Invalid, Outgoing, RetryPolicy};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyTuple;
use pyo3::types::{IntoPyDict, PyBool, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString};
use pyo3::IntoPyObjectExt;
use serde_json::{Map, Number, Value};

/// Nesting deeper than this is refused when reading Python values (cycles end here too).
const MAX_DEPTH: usize = 128;
/// Bodies at least this long are checked with the GIL released.
const DETACH_BYTES: usize = 16 * 1024;
/// The operation that the errors of the onboarding flows name.
const ONBOARDING: &str = "onboarding";

/// Why a Python value is not JSON: where (`roles[2]`), and why.
type NotJson = (String, String);

/// A Python value as JSON: mappings with `str` keys, lists and tuples, `str`, `int` (64-bit),
/// finite `float`, `bool`, `None`, and a `cloudflare_tenant.Secret`'s value (callers hand
/// secrets back as they got them: a created user's `api_key` as credentials).
fn from_py(obj: &Bound<'_, PyAny>, path: &mut String, depth: usize) -> Result<Value, NotJson> {
    // The common types first: params are mostly dicts of strings.
    let fail = |path: &str, reason: &str| (path.to_owned(), reason.to_owned());
    if depth > MAX_DEPTH {
        return Err(fail(path, &format!("nests deeper than {MAX_DEPTH} levels")));
    } else if obj.is_none() {
        return Ok(Value::Null);
    } else if let Ok(text) = obj.cast::<PyString>() {
        let unicode = "is not valid Unicode";
        let text = text.to_cow().map_err(|_| fail(path, unicode))?;
        return Ok(Value::String(text.into_owned()));
    } else if let Ok(dict) = obj.cast::<PyDict>() {
        return from_pairs(dict.iter(), path, depth);
    } else if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    } else if obj.cast::<PyInt>().is_ok() {
        let int = obj.extract::<i64>().map(Value::from);
        let int = int.or_else(|_| obj.extract::<u64>().map(Value::from));
        return int.map_err(|_| fail(path, "is an integer out of the 64-bit range"));
    } else if let Ok(float) = obj.cast::<PyFloat>() {
        let number = Number::from_f64(float.value()).map(Value::Number);
        return number.ok_or_else(|| fail(path, "is not a finite number"));
    } else if obj.cast::<PyList>().is_ok() || obj.cast::<PyTuple>().is_ok() {
        let (mut array, len) = (vec![], path.len());
        for (i, item) in obj.try_iter().into_iter().flatten().flatten().enumerate() {
            let _ = write!(path, "[{i}]");
            array.push(from_py(&item, path, depth + 1)?);
            path.truncate(len);
        }
        return Ok(Value::Array(array));
    } else if let Some(secret) = secret(obj) {
        return Ok(Value::String(secret));
    } else if let Ok(mapping) = obj.cast::<PyMapping>() {
        let items = mapping.items().and_then(|items| items.extract::<Vec<_>>());
        let items = items.map_err(|e| fail(path, &format!("cannot be read as a mapping: {e}")))?;
        return from_pairs(items.into_iter(), path, depth);
    }
    let name = obj.get_type().name().map(|n| n.to_string());
    let expected = "must be JSON-compatible (dict, list, str, int, float, bool, None), got";
    let reason = format!("{expected} {}", name.unwrap_or_default());
    Err(fail(path, &reason))
}

/// A mapping's `(key, value)` pairs as a JSON object; keys must be `str`.
fn from_pairs<'py>(
    pairs: impl Iterator<Item = (Bound<'py, PyAny>, Bound<'py, PyAny>)>,
    path: &mut String,
    depth: usize,
) -> Result<Value, NotJson> {
    let mut map = Map::new();
    for (key, value) in pairs {
        let not_str = |_| (path.clone(), "has a key that is not a str".to_owned());
        let key: String = key.extract().map_err(not_str)?;
        let len = path.len();
        path.push_str(if path.is_empty() { "" } else { "." });
        path.push_str(&key);
        let value = from_py(&value, path, depth + 1)?;
        path.truncate(len);
        map.insert(key, value);
    }
    Ok(Value::Object(map))
}

/// The value of a `cloudflare_tenant.Secret`, when `obj` is one.
fn secret(obj: &Bound<'_, PyAny>) -> Option<String> {
    static SECRET: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let secret = SECRET.import(obj.py(), "cloudflare_tenant._secret", "Secret");
    match obj.is_instance(secret.ok()?) {
        Ok(true) => obj.call_method0("expose").ok()?.extract().ok(),
        _ => None,
    }
}

/// A Python argument as JSON (`None`: `null`), refused as the core refuses a bad field: named
/// by its path from `root`, or `field` when it is the argument itself.
fn json_arg(name: &str, field: &str, root: &str, v: Option<&Bound<'_, PyAny>>) -> Json {
    v.map_or(Ok(Value::Null), |value| {
        let value = from_py(value, &mut root.to_owned(), 0);
        value.map_err(|(path, why)| match path.is_empty() {
            true => invalid(name, field, why),
            false => invalid(name, &path, why),
        })
    })
}

type Json = PyResult<Value>;

/// The core's refusal of `field` of the operation `name`, as the package's exception.
fn invalid(name: &str, field: &str, reason: String) -> PyErr {
    let field = field.to_owned();
    let operation = host::known(name).or((name == ONBOARDING).then_some(ONBOARDING));
    raise(Error::from(Invalid {
        operation,
        field,
        reason,
    }))
}

/// Credentials from their fields (`Credentials::from_json`; a `Credentials` of the Python layer
/// brings its `_fields`), or none for `None`.
fn credentials_arg(given: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Credentials>> {
    let fields = given.map(|given| match given.cast::<PyDict>() {
        Ok(_) => given.clone(),
        Err(_) => given.getattr("_fields").unwrap_or_else(|_| given.clone()),
    });
    match json_arg("", "credentials", "", fields.as_ref())? {
        Value::Null => Ok(None),
        fields => Credentials::from_json(fields).map(Some).map_err(raise),
    }
}

/// A retry policy from its fields (`RetryPolicy::from_json`), or the core's default for `None`.
fn policy_arg(fields: Option<&Bound<'_, PyAny>>) -> PyResult<RetryPolicy> {
    match json_arg("", "policy", "", fields)? {
        Value::Null => Ok(RetryPolicy::default()),
        fields => RetryPolicy::from_json(&fields).map_err(raise),
    }
}

/// Header names and values, and bodies, as the Python layer hands them: `bytes`.
type Bytes = PyBackedBytes;

/// An HTTP status that is not even a `u16` (the Python layer brings a bigger one down to
/// 65536), refused here as the core refuses the others outside 100..=599.
fn status_arg(name: &str, status: i64) -> PyResult<u16> {
    let reason = "must be an HTTP status from 100 to 599";
    u16::try_from(status).map_err(|_| invalid(name, "status", reason.into()))
}

/// The package's exception for a core error, from its JSON view (which never holds a secret).
fn raise(error: Error) -> PyErr {
    static FROM_NATIVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    Python::attach(|py| {
        let from_native = FROM_NATIVE.import(py, "cloudflare_tenant._exceptions", "_from_native");
        let error = from_native.and_then(|f| f.call1((error.to_json().to_string(),)));
        error.map_or_else(|e| e, PyErr::from_value)
    })
}

/// An HTTP request ready to send: `method`, `url`, `headers` (a new dict each time), the names
/// of those that carry a secret (`sensitive_headers`: its repr masks them) and `body`.
#[pyclass(frozen, module = "cloudflare_tenant._native")]
struct Request(Outgoing);

#[pymethods]
impl Request {
    #[getter]
    fn method(&self) -> &str {
        self.0.method.as_str()
    }

    #[getter]
    fn url(&self) -> &str {
        &self.0.url
    }

    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let text = |value: &HeaderValue| String::from_utf8_lossy(value.as_bytes()).into_owned();
        let headers = self.0.headers.iter();
        headers
            .map(|(name, value)| (name.as_str(), text(value)))
            .into_py_dict(py)
    }

    #[getter]
    fn sensitive_headers(&self) -> Vec<&str> {
        self.0.sensitive_headers().collect()
    }

    #[getter]
    fn body(&self) -> Option<&[u8]> {
        self.0.body.as_deref().map(str::as_bytes)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let repr = |value: &Bound<'_, PyAny>| PyResult::Ok(value.repr()?.to_string());
        let text = |text: &[u8]| repr(&PyString::new(py, &String::from_utf8_lossy(text)));
        let shown = self.0.headers.iter().map(|(name, value)| {
            let name = text(name.as_str().as_bytes())?;
            match value.is_sensitive() {
                true => Ok(format!("{name}: ***")),
                false => Ok(format!("{name}: {}", text(value.as_bytes())?)),
            }
        });
        let shown = shown.collect::<PyResult<Vec<_>>>()?.join(", ");
        let (method, url) = (
            text(self.method().as_bytes())?,
            text(self.url().as_bytes())?,
        );
        let body = repr(&self.body().into_pyobject(py)?)?;
        Ok(format!(
            "Request(method={method}, url={url}, headers={{{shown}}}, body={body})"
        ))
    }
}

/// Builds the request for the operation `name`, signed with `credentials`.
#[pyfunction]
#[pyo3(signature = (operation, params=None, credentials=None, base_url=None, user_agent=None))]
fn build_request(
    operation: &str,
    params: Option<&Bound<'_, PyAny>>,
    credentials: Option<&Bound<'_, PyAny>>,
    base_url: Option<&str>,
    user_agent: Option<&str>,
) -> PyResult<Request> {
    let params = json_arg(operation, "params", "", params)?;
    let who = credentials_arg(credentials)?;
    let request = host::build_request(operation, &params, who.as_ref(), base_url, user_agent);
    request.map(Request).map_err(raise)
}

/// Checks a response to `name` (a large body with the GIL released): what comes with its result
/// (`result_info` and `messages` as JSON text, `None` when absent or empty) and the result's
/// secret fields; or raises the error it carries.
#[pyfunction]
fn check_response(
    py: Python<'_>,
    name: &str,
    status: i64,
    headers: Vec<(Bytes, Bytes)>,
    body: Option<Bytes>,
) -> PyResult<Checked> {
    let (status, headers) = (status_arg(name, status)?, response_headers(headers));
    let body = body.as_deref().unwrap_or_default();
    let check = || check_response_named(name, status, &headers, body);
    let checked = match body.len() < DETACH_BYTES {
        true => check(),
        false => py.detach(check),
    };
    let mut answer = host::answer_json(&checked.map_err(raise)?);
    let mut text = |field| answer.remove(field).filter(|v| v != &Value::Array(vec![]));
    let (info, messages) = (text("result_info"), text("messages"));
    let fields = operation(name)
        .map_or(&[][..], |op| op.secret_fields)
        .to_vec();
    Ok((
        info.map(|v| v.to_string()),
        messages.map(|v| v.to_string()),
        fields,
    ))
}

type Checked = (Option<String>, Option<String>, Vec<&'static str>);

/// Every operation: JSON text of `[{"name", "method", "paginated", "secret_fields"}]`.
#[pyfunction]
fn operations() -> String {
    Value::Array(catalog().iter().map(|op| op.summary_json()).collect()).to_string()
}

/// Credentials as `(kind, header_names, fields as JSON text)`: read from their `fields`, or
/// from the `environment` variables that are set (`None` when there are none).
#[pyfunction]
fn credentials(fields: &Bound<'_, PyAny>, environment: Option<HashMap<String, String>>) -> View {
    let found = match environment {
        Some(set) => Credentials::from_environment(|name| set.get(name).cloned()),
        None => Credentials::from_json(json_arg("", "credentials", "", Some(fields))?).map(Some),
    };
    let view = |c: Credentials| (c.kind(), c.header_names().to_vec(), c.to_json().to_string());
    Ok(found.map_err(raise)?.map(view))
}

type View = PyResult<Option<(&'static str, Vec<&'static str>, String)>>;

/// A retry policy checked by the core, every field given, as JSON text.
#[pyfunction]
fn retry_policy(fields: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(policy_arg(Some(fields))?.to_json().to_string())
}

/// The backoff of a policy before retry number `retry` (from 0), in seconds.
#[pyfunction]
fn backoff(fields: &Bound<'_, PyAny>, retry: u32, jitter: f64) -> PyResult<f64> {
    Ok(policy_arg(Some(fields))?
        .backoff(retry, jitter)
        .as_secs_f64())
}

/// The pacers of one client: a budget of `limit` sends per `window` seconds for each identity,
/// or none. Safe to share between threads: each step takes the lock only for itself.
#[pyclass(frozen, module = "cloudflare_tenant._native")]
struct Pacers(Mutex<CorePacers>);

#[pymethods]
impl Pacers {
    #[new]
    #[pyo3(signature = (limit=None, window=0.0))]
    fn new(limit: Option<f64>, window: f64) -> PyResult<Self> {
        let pacers = limit.map_or(Ok(CorePacers::off()), |n| CorePacers::from_host(n, window));
        Ok(Pacers(Mutex::new(pacers.map_err(raise)?)))
    }

    /// `(limit, window_seconds)`, or `None` when not pacing.
    #[getter]
    fn budget(&self) -> Option<(u32, f64)> {
        let budget = self.with(|pacers| pacers.budget());
        budget.map(|(limit, window)| (limit, window.as_secs_f64()))
    }
}

impl Pacers {
    fn with<R>(&self, step: impl FnOnce(&mut CorePacers) -> R) -> R {
        step(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// A call, a list, one onboarding or many (`host::Machine`), driven alike: `next` gives the
/// core's next step as JSON text, `feed` says what happened to the last send of a slot. Clocks
/// are `time.monotonic()` and `time.time()`; a jitter is in `[0, 1)`.
#[pyclass(module = "cloudflare_tenant._native")]
struct Machine(Core);

#[pymethods]
impl Machine {
    /// A machine (`kind`: `call`, `list`, `onboarding`, `bulk`) of the operation `name`
    /// (`onboarding` for the flows) from its params, spec or specs, signed with `credentials`
    /// (their fields). `random`: 16 random bytes per key; `number`: a list's page cap, or how
    /// many onboardings a bulk run keeps under way.
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        kind: &str,
        name: &str,
        value: Option<&Bound<'_, PyAny>>,
        credentials: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
        base_url: Option<&str>,
        user_agent: Option<&str>,
        random: &[u8],
        number: Option<f64>,
    ) -> PyResult<Self> {
        let (field, root) = match kind {
            "bulk" => ("specs", "specs"),
            "onboarding" => ("spec", ""),
            _ => ("params", ""),
        };
        let value = json_arg(name, field, root, value)?;
        let who = credentials_arg(credentials)?;
        let client = host::client(who, base_url, user_agent).map_err(raise)?;
        let policy = policy_arg(policy)?;
        let started = match kind {
            "call" => Core::call(&client, name, value, None, policy, random),
            "list" => Core::list(&client, name, value, None, policy, number.map(|n| n as u32)),
            "onboarding" => Core::onboarding(client, value, policy, random),
            _ => host::concurrency(number)
                .map_err(|e| e.in_operation(ONBOARDING))
                .and_then(|n| Core::bulk(client, value, policy, n, random)),
        };
        started.map(Machine).map_err(raise)
    }

    #[getter]
    fn operation(&self) -> &'static str {
        self.0.operation()
    }

    #[getter]
    fn slots(&self) -> usize {
        self.0.slots()
    }

    /// What to do now at `(now, wall)`: `(slot, Request)` to send, or any other step as JSON
    /// text (`host::Machine::next_step`).
    fn next(&mut self, py: Python<'_>, pacers: &Pacers, at: (f64, f64)) -> PyResult<Py<PyAny>> {
        let now = Clock::from_secs(at.0, at.1).map_err(raise)?;
        match pacers.with(|pacers| self.0.next_step(pacers, now)) {
            HostStep::Send { slot, request } => (slot, Request(request)).into_py_any(py),
            HostStep::Json(text) => text.into_py_any(py),
        }
    }

    /// What happened to the last send of `slot`, at `(now, wall, jitter)`: a response
    /// (`status`, `headers` as pairs, `body`), or none (`failure`: `(sent, why)`, `sent` false
    /// when it surely never left).
    #[allow(clippy::too_many_arguments)]
    fn feed(
        &mut self,
        py: Python<'_>,
        slot: usize,
        pacers: &Pacers,
        at: (f64, f64, f64),
        status: i64,
        headers: Vec<(Bytes, Bytes)>,
        body: Option<Bytes>,
        failure: Option<(bool, String)>,
    ) -> PyResult<()> {
        let (now, machine) = (Clock::from_secs(at.0, at.1).map_err(raise)?, &mut self.0);
        let (headers, body) = (
            response_headers(headers),
            body.as_deref().unwrap_or_default(),
        );
        let attempt = match &failure {
            Some((sent, message)) => Attempt::lost(*sent, message),
            None => Attempt::Response {
                status: status_arg("", status)?,
                headers: &headers,
                body,
            },
        };
        let mut feed = || pacers.with(|pacers| machine.feed(slot, pacers, attempt, now, at.2));
        match body.len() < DETACH_BYTES {
            true => feed(),
            false => py.detach(feed),
        };
        Ok(())
    }

    /// Gives up: frees the places of the sends in flight.
    fn abandon(&mut self, pacers: &Pacers, now: f64) -> PyResult<()> {
        let now = Clock::from_secs(now, 0.0).map_err(raise)?;
        pacers.with(|pacers| self.0.abandon(pacers, now));
        Ok(())
    }

    fn progress(&self) -> String {
        self.0.progress_json().to_string()
    }

    fn reports(&self) -> String {
        self.0.reports_json().to_string()
    }

    /// The onboarding's report, or that of a bulk run's spec at `index` once it is over.
    #[pyo3(signature = (index=None))]
    fn report(&self, index: Option<usize>) -> Option<String> {
        let report = match index {
            None => self.0.report(),
            Some(index) => self.0.bulk_run()?.report(index),
        };
        report.map(|report| report.to_json().to_string())
    }

    /// The indexes of a bulk run's specs whose onboardings are over, in the order they ended,
    /// from the `start`-th on.
    fn over(&self, start: usize) -> Vec<usize> {
        let over = self.0.bulk_run().map_or(&[][..], |bulk| bulk.over());
        over.get(start..).unwrap_or_default().to_vec()
    }

    fn spec_index(&self, slot: usize) -> Option<usize> {
        self.0.bulk_run()?.spec_index(slot)
    }
}

/// The native part of `cloudflare_tenant`: the sans-IO core, by operation name.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(build_request, m)?)?;
    m.add_function(wrap_pyfunction!(check_response, m)?)?;
    m.add_function(wrap_pyfunction!(operations, m)?)?;
    m.add_function(wrap_pyfunction!(credentials, m)?)?;
    m.add_function(wrap_pyfunction!(retry_policy, m)?)?;
    m.add_function(wrap_pyfunction!(backoff, m)?)?;
    m.add_class::<Request>()?;
    m.add_class::<Pacers>()?;
    m.add_class::<Machine>()?;
    m.add(
        "CLOUDFLARE_BUDGET",
        Pacers(Mutex::new(CorePacers::cloudflare())).budget(),
    )?;
    m.add("DEFAULT_BASE_URL", cloudflare_tenant::DEFAULT_BASE_URL)?;
    m.add("DEFAULT_CONCURRENCY", host::DEFAULT_CONCURRENCY)?;
    m.add("REPORT_SECRET_FIELDS", Report::SECRET_FIELDS.to_vec())?;
    m.add("WHOLE_RESULT", cloudflare_tenant::WHOLE_RESULT)?;
    let names = [
        Credentials::ENV_API_TOKEN,
        Credentials::ENV_EMAIL,
        Credentials::ENV_API_KEY,
    ];
    m.add("ENV_NAMES", names.to_vec())?;
    m.add("CORE_VERSION", env!("CARGO_PKG_VERSION"))
}
