//! PyO3 bindings of `cloudflare-tenant`: the module `cloudflare_tenant._native`.
//!
//! Conversion only: Python values in, the core's by-name entry point and its exchange machines
//! (`Call`, `Listing`, `Onboarding`, and `Bulk` for many onboardings at once, paced by a
//! client's `Pacers`), Python values out. Every
//! decision about Cloudflare's API is the core's; errors leave as the core's JSON view
//! (`Error::to_json`), turned into the package's exception classes by
//! `cloudflare_tenant._exceptions._from_native`.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use cloudflare_tenant::flows::Report;
use cloudflare_tenant::host::{seconds, Machine, Next, DEFAULT_CONCURRENCY};
use cloudflare_tenant::http::HeaderMap;
use cloudflare_tenant::machines::{Clock, Pacers};
use cloudflare_tenant::{
    check_response_named, operations as core_operations, response_headers, ApiResponse, Attempt,
    CheckedResult, Client, Credentials, Error, RetryPolicy, WHOLE_RESULT,
};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple,
};
use serde::Serialize;
use serde_json::{Map, Number, Value};

/// Nesting deeper than this is refused when reading Python values (cycles end here too).
const MAX_DEPTH: usize = 128;
/// Bodies at least this long are checked with the GIL released.
const DETACH_BYTES: usize = 16 * 1024;

static JSON_LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static FROM_NATIVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static SECRET: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static URANDOM: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

// ---- JSON <-> Python -------------------------------------------------------------------------

/// A value of the core as plain Python objects, built by `json.loads`: the values that cross
/// this way are small (views, reports, `result_info`), and CPython's parser builds them fast.
fn to_py<'py>(py: Python<'py>, value: &impl Serialize) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(value)
        .map_err(|e| PyRuntimeError::new_err(format!("could not convert: {e}")))?;
    JSON_LOADS.import(py, "json", "loads")?.call1((text,))
}

/// Why a Python value is not JSON, and where.
struct NotJson {
    path: String,
    reason: String,
}

/// A Python value as JSON: mappings with `str` keys, sequences, `str`, `int` (64-bit), finite
/// `float`, `bool`, `None`. `path` names where a refusal is (`roles[2]`).
fn from_py(obj: &Bound<'_, PyAny>, path: &mut String, depth: usize) -> Result<Value, NotJson> {
    let fail = |path: &str, reason: String| NotJson {
        path: path.to_owned(),
        reason,
    };
    if depth > MAX_DEPTH {
        return Err(fail(path, format!("nests deeper than {MAX_DEPTH} levels")));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let text = s
            .to_cow()
            .map_err(|_| fail(path, "is not valid Unicode".into()))?;
        return Ok(Value::String(text.into_owned()));
    }
    if obj.cast::<PyInt>().is_ok() {
        let int = obj.extract::<i64>().map(Value::from);
        return int
            .or_else(|_| obj.extract::<u64>().map(Value::from))
            .map_err(|_| fail(path, "is an integer out of the 64-bit range".into()));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| fail(path, "is not a finite number".into()));
    }
    if let Some(text) = secret_value(obj).map_err(|e| fail(path, format!("cannot be read: {e}")))? {
        return Ok(Value::String(text));
    }
    if obj.cast::<PyList>().is_ok() || obj.cast::<PyTuple>().is_ok() {
        let mut items = Vec::new();
        for (i, item) in obj.try_iter().into_iter().flatten().enumerate() {
            let item = item.map_err(|e| fail(path, format!("cannot be iterated: {e}")))?;
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
        let items = mapping
            .items()
            .map_err(|e| fail(path, format!("cannot be read as a mapping: {e}")))?;
        items
            .iter()
            .map(|pair| pair.extract())
            .collect::<PyResult<_>>()
            .map_err(|_| fail(path, "has an item that is not a pair".into()))?
    } else {
        let type_name = obj
            .get_type()
            .name()
            .map_or("object".into(), |n| n.to_string());
        let expected = "must be JSON-compatible (dict, list, str, int, float, bool, None)";
        return Err(fail(path, format!("{expected}, got {type_name}")));
    };
    let mut map = Map::new();
    for (key, value) in pairs {
        let key = key
            .cast::<PyString>()
            .ok()
            .and_then(|k| k.to_cow().ok().map(|c| c.into_owned()))
            .ok_or_else(|| fail(path, "has a key that is not a str".into()))?;
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

/// The value of a `cloudflare_tenant.Secret`, when `obj` is one: callers hand secrets back as
/// they got them (a created user's `api_key` as credentials, a report as a checkpoint).
fn secret_value(obj: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    let secret = SECRET.import(obj.py(), "cloudflare_tenant._secret", "Secret")?;
    if !obj.is_instance(secret)? {
        return Ok(None);
    }
    obj.call_method0("expose")?.extract().map(Some)
}

/// A `str` argument, or a `Secret`'s value.
fn text_arg(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<String> {
    if let Some(text) = secret_value(obj)? {
        return Ok(text);
    }
    obj.extract()
        .map_err(|_| PyTypeError::new_err(format!("{name} must be a str or a Secret")))
}

/// A Python argument (a mapping, `None`) as JSON; what is not JSON is refused like the core
/// refuses a bad field, naming it (`field` when it is the argument itself).
fn json_arg(
    py: Python<'_>,
    operation: &str,
    field: &str,
    value: Option<&Bound<'_, PyAny>>,
) -> PyResult<Value> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(Value::Null);
    };
    let mut path = String::new();
    from_py(value, &mut path, 0).map_err(|e| {
        let at = if e.path.is_empty() { field } else { &e.path };
        invalid(py, Some(operation), at, &e.reason)
    })
}

// ---- errors ----------------------------------------------------------------------------------

/// The exception for an error's JSON view, built by the package's Python layer.
fn error_from_json(py: Python<'_>, view: &Value) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let factory = FROM_NATIVE.import(py, "cloudflare_tenant._exceptions", "_from_native")?;
        Ok(PyErr::from_value(factory.call1((to_py(py, view)?,))?))
    };
    build().unwrap_or_else(|e| {
        let message = view["message"]
            .as_str()
            .unwrap_or("cloudflare_tenant error");
        let fallback = PyRuntimeError::new_err(message.to_owned());
        fallback.set_cause(py, Some(e));
        fallback
    })
}

fn raise(py: Python<'_>, error: Error) -> PyErr {
    error_from_json(py, &error.to_json())
}

/// A refusal of the caller's input found while converting, in the core's `invalid` shape.
fn invalid(py: Python<'_>, operation: Option<&str>, field: &str, reason: &str) -> PyErr {
    let message = match operation {
        Some(op) => format!("{op}: invalid `{field}`: {reason}"),
        None => format!("invalid `{field}`: {reason}"),
    };
    let view = serde_json::json!({
        "kind": "invalid", "operation": operation, "field": field, "reason": reason,
        "message": message,
    });
    error_from_json(py, &view)
}

// ---- credentials and configuration -------------------------------------------------------------

/// How a request proves who sends it. Its repr never shows the secret.
#[pyclass(frozen, eq, module = "cloudflare_tenant._native", name = "Credentials")]
#[derive(PartialEq)]
struct PyCredentials(Credentials);

#[pymethods]
impl PyCredentials {
    /// An API token, sent as `Authorization: Bearer <token>`.
    #[staticmethod]
    fn api_token(py: Python<'_>, token: &Bound<'_, PyAny>) -> PyResult<Self> {
        Credentials::api_token(text_arg(token, "token")?)
            .map(PyCredentials)
            .map_err(|e| raise(py, e))
    }

    /// An account e-mail and its global API key (`X-Auth-Email` + `X-Auth-Key`).
    #[staticmethod]
    fn global_key(py: Python<'_>, email: &str, key: &Bound<'_, PyAny>) -> PyResult<Self> {
        Credentials::global_key(email, text_arg(key, "key")?)
            .map(PyCredentials)
            .map_err(|e| raise(py, e))
    }

    /// A user service key (`X-Auth-User-Service-Key`), e.g. a created user's `api_key`.
    #[staticmethod]
    fn user_service_key(py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Self> {
        Credentials::user_service_key(text_arg(key, "key")?)
            .map(PyCredentials)
            .map_err(|e| raise(py, e))
    }

    /// Reads `{"api_token"}`, `{"api_email", "api_key"}` or `{"user_service_key"}`.
    #[staticmethod]
    fn from_dict(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Self> {
        credentials_from_mapping(py, value).map(PyCredentials)
    }

    /// Credentials from the conventional environment variables, looked up in `environ`
    /// (`os.environ`, or any mapping of `str` to `str`); `None` when there are none. Which
    /// variables, in which order, and what counts as set are the core's
    /// (`Credentials::from_environment`); a bad value raises its `ValidationError`, naming the
    /// variable.
    #[staticmethod]
    fn from_environment(py: Python<'_>, environ: &Bound<'_, PyAny>) -> PyResult<Option<Self>> {
        let Ok(environ) = environ.cast::<PyMapping>() else {
            return Err(PyTypeError::new_err(
                "environ must be a mapping (os.environ)",
            ));
        };
        // The first failure of a lookup, raised once the core is done.
        let failed = RefCell::new(None);
        let found = Credentials::from_environment(|name| {
            let value = environ.call_method1("get", (name,)).and_then(|value| {
                value
                    .extract::<Option<String>>()
                    .map_err(|_| PyTypeError::new_err(format!("environ[{name:?}] must be a str")))
            });
            value.unwrap_or_else(|e| {
                failed.borrow_mut().get_or_insert(e);
                None
            })
        });
        if let Some(error) = failed.into_inner() {
            return Err(error);
        }
        found
            .map(|found| found.map(PyCredentials))
            .map_err(|e| raise(py, e))
    }

    /// `api_token`, `global_key` or `user_service_key`.
    #[getter]
    fn kind(&self) -> &'static str {
        match &self.0 {
            Credentials::ApiToken(_) => "api_token",
            Credentials::GlobalKey { .. } => "global_key",
            Credentials::UserServiceKey(_) => "user_service_key",
            _ => "other",
        }
    }

    /// The names of the headers these credentials set (lower-case).
    #[getter]
    fn header_names(&self) -> Vec<&'static str> {
        self.0.header_names().to_vec()
    }

    fn __repr__(&self) -> String {
        match &self.0 {
            Credentials::ApiToken(_) => "Credentials.api_token(***)".to_owned(),
            Credentials::GlobalKey { email, .. } => {
                format!("Credentials.global_key({email:?}, ***)")
            }
            Credentials::UserServiceKey(_) => "Credentials.user_service_key(***)".to_owned(),
            _ => "Credentials(***)".to_owned(),
        }
    }
}

fn credentials_from_mapping(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Credentials> {
    const EXPECTED: &str =
        "must be a Credentials or a dict: api_token; api_email + api_key; or user_service_key";
    // Checked here, before the core sees it: the core's message for a non-object echoes the
    // value, which may be the secret itself.
    if value.cast::<PyMapping>().is_err() {
        return Err(invalid(py, None, "credentials", EXPECTED));
    }
    let json = from_py(value, &mut String::new(), 0)
        .map_err(|_| invalid(py, None, "credentials", EXPECTED))?;
    Credentials::from_json(json).map_err(|e| raise(py, e))
}

/// `Credentials`, a mapping, or `None`.
fn credentials_arg(
    py: Python<'_>,
    credentials: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<Credentials>> {
    match credentials.filter(|c| !c.is_none()) {
        None => Ok(None),
        Some(c) => match c.cast::<PyCredentials>() {
            Ok(c) => Ok(Some(c.get().0.clone())),
            Err(_) => credentials_from_mapping(py, c).map(Some),
        },
    }
}

/// A client of the core for this endpoint and `User-Agent` (`None`: the defaults).
fn client_for(
    py: Python<'_>,
    credentials: Option<Credentials>,
    base_url: Option<&str>,
    user_agent: Option<&str>,
) -> PyResult<Client> {
    let mut client = credentials.map_or_else(Client::default, Client::new);
    if let Some(url) = base_url {
        client = client.with_base_url(url).map_err(|e| raise(py, e))?;
    }
    if let Some(agent) = user_agent {
        client = client.with_user_agent(agent).map_err(|e| raise(py, e))?;
    }
    Ok(client)
}

/// The host's random bytes for idempotency keys (the core checks how many): `random`
/// (`bytes`, fresh for each call), or `os.urandom(count)` when it is `None`.
fn random_arg(
    py: Python<'_>,
    random: Option<&Bound<'_, PyAny>>,
    count: usize,
) -> PyResult<Vec<u8>> {
    let random = match random.filter(|r| !r.is_none()) {
        Some(random) => random.clone(),
        None => URANDOM.import(py, "os", "urandom")?.call1((count,))?,
    };
    let bytes = random
        .cast::<PyBytes>()
        .map_err(|_| PyTypeError::new_err("random must be bytes or None"))?;
    Ok(bytes.as_bytes().to_vec())
}

fn policy_arg(policy: Option<&Bound<'_, PyRetryPolicy>>) -> RetryPolicy {
    policy.map_or_else(RetryPolicy::default, |p| p.get().0)
}

// ---- requests --------------------------------------------------------------------------------

/// An HTTP request ready to send: method, url, headers, body. Its repr masks credential headers.
#[pyclass(frozen, module = "cloudflare_tenant._native", name = "Request")]
struct PyRequest {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    sensitive: Vec<String>,
    body: Option<Vec<u8>>,
}

#[pymethods]
impl PyRequest {
    /// The HTTP method, upper-case.
    #[getter]
    fn method(&self) -> &str {
        &self.method
    }

    /// The full URL, query included.
    #[getter]
    fn url(&self) -> &str {
        &self.url
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

    /// The names of the headers that carry a secret.
    #[getter]
    fn sensitive_headers(&self) -> Vec<String> {
        self.sensitive.clone()
    }

    /// The body, or `None` when none is sent.
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.body.as_deref().map(|b| PyBytes::new(py, b))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut headers = String::new();
        for (name, value) in &self.headers {
            let shown = if self.sensitive.contains(name) {
                "***".to_owned()
            } else {
                PyString::new(py, value).repr()?.to_string()
            };
            let separator = if headers.is_empty() { "" } else { ", " };
            let _ = write!(
                headers,
                "{separator}{}: {shown}",
                PyString::new(py, name).repr()?
            );
        }
        let body = match &self.body {
            Some(body) => PyBytes::new(py, body).repr()?.to_string(),
            None => "None".to_owned(),
        };
        let url = PyString::new(py, &self.url).repr()?;
        Ok(format!(
            "Request(method={:?}, url={url}, headers={{{headers}}}, body={body})",
            self.method
        ))
    }
}

/// A request of the core, as the Python `Request`.
fn request_to_py(request: cloudflare_tenant::http::Request<Vec<u8>>) -> PyRequest {
    let (parts, body) = request.into_parts();
    let mut headers = Vec::with_capacity(parts.headers.len());
    let mut sensitive = Vec::new();
    for (name, value) in &parts.headers {
        if value.is_sensitive() && !sensitive.iter().any(|s| s == name.as_str()) {
            sensitive.push(name.as_str().to_owned());
        }
        let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers.push((name.as_str().to_owned(), text));
    }
    PyRequest {
        method: parts.method.as_str().to_owned(),
        url: parts.uri.to_string(),
        headers,
        sensitive,
        body: (!body.is_empty()).then_some(body),
    }
}

/// Builds the request for the operation called `operation`.
#[pyfunction]
#[pyo3(signature = (operation, params=None, credentials=None, base_url=None, user_agent=None))]
fn build_request(
    py: Python<'_>,
    operation: &str,
    params: Option<&Bound<'_, PyAny>>,
    credentials: Option<&Bound<'_, PyAny>>,
    base_url: Option<&str>,
    user_agent: Option<&str>,
) -> PyResult<PyRequest> {
    let params = json_arg(py, operation, "params", params)?;
    let credentials = credentials_arg(py, credentials)?;
    let client = client_for(py, None, base_url, user_agent)?;
    let request = client
        .request_named(operation, params, credentials.as_ref())
        .map_err(|e| raise(py, e))?;
    Ok(request_to_py(request))
}

// ---- responses -------------------------------------------------------------------------------

/// Headers from a dict, an object with `items()` (httpx.Headers, http.client.HTTPMessage), or
/// pairs. Names and values may be `str` or `bytes`; only the headers the core reads are kept.
fn headers_from_py(headers: Option<&Bound<'_, PyAny>>) -> PyResult<HeaderMap> {
    let Some(headers) = headers.filter(|h| !h.is_none()) else {
        return Ok(HeaderMap::new());
    };
    let items = if headers.hasattr("items")? {
        headers.call_method0("items")?
    } else {
        headers.clone()
    };
    let mut pairs = Vec::new();
    for pair in items.try_iter()? {
        let (name, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair?.extract()?;
        pairs.push((header_bytes(&name)?, header_bytes(&value)?));
    }
    Ok(response_headers(pairs))
}

fn header_bytes(value: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    if let Ok(b) = value.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    Err(PyTypeError::new_err(
        "header names and values must be str or bytes",
    ))
}

/// The body as bytes: `bytes`, `bytearray`, `memoryview`, `str` (UTF-8) or `None`.
fn with_body<R>(body: Option<&Bound<'_, PyAny>>, f: impl FnOnce(&[u8]) -> R) -> PyResult<R> {
    let Some(body) = body.filter(|b| !b.is_none()) else {
        return Ok(f(b""));
    };
    if let Ok(bytes) = body.cast::<PyBytes>() {
        return Ok(f(bytes.as_bytes()));
    }
    if let Ok(text) = body.cast::<PyString>() {
        return Ok(f(text.to_cow()?.as_bytes()));
    }
    if let Ok(array) = body.cast::<PyByteArray>() {
        return Ok(f(&array.to_vec()));
    }
    if body.get_type().name()?.to_cow()? == "memoryview" {
        let bytes = body.call_method0("tobytes")?;
        return Ok(f(bytes.cast::<PyBytes>()?.as_bytes()));
    }
    Err(PyTypeError::new_err(
        "body must be bytes, bytearray, memoryview, str or None",
    ))
}

/// An HTTP status as the core takes it: a number that is not even a `u16` is refused here as
/// the core refuses the others outside 100..=599; a non-integer is a `TypeError`.
fn status_arg(py: Python<'_>, operation: Option<&str>, status: &Bound<'_, PyAny>) -> PyResult<u16> {
    if status.cast::<PyInt>().is_err() || status.cast::<PyBool>().is_ok() {
        return Err(PyTypeError::new_err("status must be an int"));
    }
    let reason = "must be an HTTP status from 100 to 599";
    status
        .extract::<u16>()
        .map_err(|_| invalid(py, operation, "status", reason))
}

/// The checked body's `result` as Python objects, built by `json.loads`: the core has checked
/// the body (UTF-8 JSON, every known field of its type), and no crossing from Rust builds
/// dicts faster than CPython's own parser.
fn result_of<'py>(
    py: Python<'py>,
    body: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let loads = JSON_LOADS.import(py, "json", "loads")?;
    let envelope = match body {
        Some(b) if b.is_instance_of::<PyBytes>() || b.is_instance_of::<PyString>() => {
            loads.call1((b,))?
        }
        _ => with_body(body, |bytes| loads.call1((String::from_utf8_lossy(bytes),)))??,
    };
    let result = envelope.cast_into::<PyDict>()?.get_item("result")?;
    Ok(result.unwrap_or_else(|| py.None().into_bound(py)))
}

/// `{"result", "result_info", "messages"}`, the result's secret fields (the core's list: a
/// created user's `api_key`) wrapped in `cloudflare_tenant.Secret`.
fn response_to_py<'py>(
    py: Python<'py>,
    response: &ApiResponse<CheckedResult>,
    result: Bound<'py, PyAny>,
    secret_fields: &[&str],
) -> PyResult<Bound<'py, PyDict>> {
    let mut result = result;
    if let Ok(fields) = result.cast::<PyDict>() {
        mark_secrets(py, fields, secret_fields)?;
    } else if result.is_instance_of::<PyString>() && secret_fields.contains(&WHOLE_RESULT) {
        // The result itself is the secret (a rolled token's value).
        let secret = SECRET.import(py, "cloudflare_tenant._secret", "Secret")?;
        result = secret.call1((result,))?;
    }
    let dict = PyDict::new(py);
    dict.set_item("result", result)?;
    match &response.result_info {
        Some(info) => dict.set_item("result_info", to_py(py, info)?)?,
        None => dict.set_item("result_info", py.None())?,
    }
    if response.messages.is_empty() {
        dict.set_item("messages", PyList::empty(py))?;
    } else {
        dict.set_item("messages", to_py(py, &response.messages)?)?;
    }
    Ok(dict)
}

/// Wraps the string values of `fields` in `cloudflare_tenant.Secret`, which keeps them out of
/// reprs and logs.
fn mark_secrets(py: Python<'_>, dict: &Bound<'_, PyDict>, fields: &[&str]) -> PyResult<()> {
    for field in fields {
        if let Some(value) = dict.get_item(field)? {
            if value.is_instance_of::<PyString>() {
                let secret = SECRET.import(py, "cloudflare_tenant._secret", "Secret")?;
                dict.set_item(field, secret.call1((value,))?)?;
            }
        }
    }
    Ok(())
}

/// Reads a response to the operation called `operation`:
/// `{"result": ..., "result_info": ... or None, "messages": [...]}`.
#[pyfunction]
#[pyo3(signature = (operation, status, headers=None, body=None))]
fn parse_response<'py>(
    py: Python<'py>,
    operation: &str,
    status: &Bound<'py, PyAny>,
    headers: Option<&Bound<'py, PyAny>>,
    body: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let status = status_arg(py, Some(operation), status)?;
    let headers = headers_from_py(headers)?;
    let checked = with_body(body, |bytes| {
        let check = || check_response_named(operation, status, &headers, bytes);
        if bytes.len() >= DETACH_BYTES {
            py.detach(check)
        } else {
            check()
        }
    })?
    .map_err(|e| raise(py, e))?;
    let secret_fields =
        cloudflare_tenant::operation(operation).map_or(&[][..], |op| op.secret_fields);
    response_to_py(py, &checked, result_of(py, body)?, secret_fields)
}

/// Every operation: `[{"name", "method", "paginated", "secret_fields"}]`, in the order of the
/// API reference. `secret_fields` names the result fields that hold secrets.
#[pyfunction]
fn operations(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let summaries: Vec<Value> = core_operations()
        .iter()
        .map(|op| op.summary_json())
        .collect();
    to_py(py, &summaries)
}

// ---- time and policy -------------------------------------------------------------------------

/// How persistent the clients are: `max_retries` after the first attempt, backoffs (seconds)
/// doubling from `initial_backoff` up to `max_backoff`, and the longest server-requested wait
/// (`max_retry_after`) before a call fails instead. `None` takes the core's default.
#[pyclass(frozen, eq, module = "cloudflare_tenant._native", name = "RetryPolicy")]
#[derive(PartialEq, Clone, Copy)]
struct PyRetryPolicy(RetryPolicy);

#[pymethods]
impl PyRetryPolicy {
    #[new]
    #[pyo3(signature = (max_retries=None, initial_backoff=None, max_backoff=None, max_retry_after=None))]
    fn new(
        py: Python<'_>,
        max_retries: Option<i64>,
        initial_backoff: Option<f64>,
        max_backoff: Option<f64>,
        max_retry_after: Option<f64>,
    ) -> PyResult<Self> {
        let default = RetryPolicy::default();
        let max_retries = max_retries.map_or(Ok(default.max_retries), |n| {
            let reason = "must be an integer from 0 to 2**32 - 1";
            u32::try_from(n).map_err(|_| invalid(py, None, "max_retries", reason))
        })?;
        let or = |field: &str, value: Option<f64>, default: Duration| {
            value.map_or(Ok(default), |value| {
                seconds(field, value).map_err(|e| raise(py, e))
            })
        };
        Ok(PyRetryPolicy(RetryPolicy {
            max_retries,
            initial_backoff: or("initial_backoff", initial_backoff, default.initial_backoff)?,
            max_backoff: or("max_backoff", max_backoff, default.max_backoff)?,
            max_retry_after: or("max_retry_after", max_retry_after, default.max_retry_after)?,
        }))
    }

    /// A policy that never retries (the core's other decisions still apply: a `POST` that
    /// got a 5xx is an unknown outcome).
    #[staticmethod]
    fn none() -> Self {
        PyRetryPolicy(RetryPolicy::none())
    }

    /// Retries after the first attempt.
    #[getter]
    fn max_retries(&self) -> u32 {
        self.0.max_retries
    }

    /// The first backoff, in seconds.
    #[getter]
    fn initial_backoff(&self) -> f64 {
        self.0.initial_backoff.as_secs_f64()
    }

    /// The longest backoff, in seconds.
    #[getter]
    fn max_backoff(&self) -> f64 {
        self.0.max_backoff.as_secs_f64()
    }

    /// The longest wait a server may ask for, in seconds; past it the call fails.
    #[getter]
    fn max_retry_after(&self) -> f64 {
        self.0.max_retry_after.as_secs_f64()
    }

    /// The backoff before retry number `retry` (from 0), in seconds, shortened by up to a
    /// quarter by `jitter` in `[0, 1)`.
    #[pyo3(signature = (retry, jitter=0.0))]
    fn backoff(&self, retry: u32, jitter: f64) -> f64 {
        self.0.backoff(retry, jitter).as_secs_f64()
    }

    fn __repr__(&self) -> String {
        let p = &self.0;
        format!(
            "RetryPolicy(max_retries={}, initial_backoff={}, max_backoff={}, max_retry_after={})",
            p.max_retries,
            py_float(p.initial_backoff),
            py_float(p.max_backoff),
            py_float(p.max_retry_after),
        )
    }
}

/// A duration as Python prints the float.
fn py_float(duration: Duration) -> String {
    let text = duration.as_secs_f64().to_string();
    if text.contains(['.', 'e', 'i', 'N']) {
        text
    } else {
        format!("{text}.0")
    }
}

// ---- the exchange machines ---------------------------------------------------------------------

/// The pacers of one client: each identity (credential) has its own budget of `limit` sends
/// per `window` seconds, counted on the wire, shared by all the client's calls, lists and
/// onboardings. Safe to share between threads: each step takes the lock only for itself.
#[pyclass(frozen, module = "cloudflare_tenant._native", name = "Pacers")]
struct PyPacers(Mutex<Pacers>);

impl PyPacers {
    fn with<R>(&self, step: impl FnOnce(&mut Pacers) -> R) -> R {
        step(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[pymethods]
impl PyPacers {
    #[new]
    fn new(py: Python<'_>, limit: i64, window: f64) -> PyResult<Self> {
        let pacers = Pacers::from_host(limit as f64, window).map_err(|e| raise(py, e))?;
        Ok(PyPacers(Mutex::new(pacers)))
    }

    /// No pacing: every send goes at once.
    #[staticmethod]
    fn off() -> Self {
        PyPacers(Mutex::new(Pacers::off()))
    }

    /// Cloudflare's documented budget: 1,200 requests per 300 seconds for each identity.
    #[staticmethod]
    fn cloudflare() -> Self {
        PyPacers(Mutex::new(Pacers::cloudflare()))
    }

    /// `(limit, window_seconds)`, or `None` when not pacing.
    #[getter]
    fn budget(&self) -> Option<(u32, f64)> {
        let budget = self.with(|pacers| pacers.budget());
        budget.map(|(limit, window)| (limit, window.as_secs_f64()))
    }

    fn __repr__(&self) -> String {
        match self.with(|pacers| pacers.budget()) {
            Some((limit, window)) => format!("Pacers(limit={limit}, window={})", py_float(window)),
            None => "Pacers.off()".to_owned(),
        }
    }
}

/// The core's machine of a `Machine` or `Bulk`, and the body last fed (an answer's result is
/// read from it). What both classes do is done here, once.
struct Driven {
    machine: Machine,
    body: Option<Py<PyAny>>,
}

impl Driven {
    fn new(machine: Result<Machine, Error>, py: Python<'_>) -> PyResult<Self> {
        let machine = machine.map_err(|e| raise(py, e))?;
        Ok(Driven {
            machine,
            body: None,
        })
    }

    /// The next step as Python values: `(slot, Request)`, seconds, an answer, or `None`.
    fn next<'py>(
        &mut self,
        py: Python<'py>,
        pacers: &PyPacers,
        now: f64,
        wall: f64,
    ) -> PyResult<(usize, Bound<'py, PyAny>)> {
        let now = Clock::from_secs(now, wall).map_err(|e| raise(py, e))?;
        Ok(match pacers.with(|p| self.machine.next(p, now)) {
            Next::Send { slot, request } => {
                (slot, Bound::new(py, request_to_py(request))?.into_any())
            }
            Next::Sleep(wait) => (0, PyFloat::new(py, wait.as_secs_f64()).into_any()),
            Next::Answer { response, fresh } => {
                let body = self.body.take().map(|b| b.into_bound(py));
                // A repeated page's items were seen already.
                let result = if fresh {
                    result_of(py, body.as_ref())?
                } else {
                    PyList::empty(py).into_any()
                };
                let secret_fields = self.machine.secret_fields();
                (
                    0,
                    response_to_py(py, &response, result, secret_fields)?.into_any(),
                )
            }
            Next::Failed(error) => return Err(raise(py, error)),
            Next::End => (0, py.None().into_bound(py)),
        })
    }

    /// The response to the last `Request` of `slot`; a large body is checked with the GIL
    /// released.
    #[allow(clippy::too_many_arguments)]
    fn feed(
        &mut self,
        py: Python<'_>,
        slot: usize,
        pacers: &PyPacers,
        status: &Bound<'_, PyAny>,
        headers: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
        now: f64,
        wall: f64,
        jitter: f64,
    ) -> PyResult<()> {
        let status = status_arg(py, None, status)?;
        let headers = headers_from_py(headers)?;
        let now = Clock::from_secs(now, wall).map_err(|e| raise(py, e))?;
        self.body = body.map(|b| b.clone().unbind());
        let machine = &mut self.machine;
        with_body(body, |body| {
            let attempt = Attempt::Response {
                status,
                headers: &headers,
                body,
            };
            let mut feed = || pacers.with(|p| machine.feed(slot, p, attempt, now, jitter));
            if body.len() >= DETACH_BYTES {
                py.detach(feed)
            } else {
                feed()
            }
        })
    }

    /// No response came to the last `Request` of `slot`.
    #[allow(clippy::too_many_arguments)]
    fn feed_failure(
        &mut self,
        py: Python<'_>,
        slot: usize,
        pacers: &PyPacers,
        sent: bool,
        message: &str,
        now: f64,
        wall: f64,
        jitter: f64,
    ) -> PyResult<()> {
        let now = Clock::from_secs(now, wall).map_err(|e| raise(py, e))?;
        let attempt = if sent {
            Attempt::NoResponse { message }
        } else {
            Attempt::NotSent { message }
        };
        pacers.with(|p| self.machine.feed(slot, p, attempt, now, jitter));
        Ok(())
    }

    fn abandon(&mut self, py: Python<'_>, pacers: &PyPacers, now: f64) -> PyResult<()> {
        let now = Clock::from_secs(now, 0.0).map_err(|e| raise(py, e))?;
        pacers.with(|p| self.machine.abandon(p, now));
        Ok(())
    }
}

/// A report as Python values, its secrets wrapped in `Secret`.
fn report_to_py<'py>(py: Python<'py>, report: &Report) -> PyResult<Bound<'py, PyAny>> {
    let report = to_py(py, &report.to_json())?;
    mark_secrets(py, report.cast::<PyDict>()?, Report::SECRET_FIELDS)?;
    Ok(report)
}

/// What `Call`, `Listing` and `Onboarding` share: how they are driven. `next(pacers, now,
/// wall)` gives a `Request` to send (then `feed` the response, or `feed_failure`), seconds to
/// sleep (a `float`, then ask again), an answer (`{"result", "result_info", "messages"}`), or
/// `None` at the end; a failed call or page raises its error. `now` is `time.monotonic()`,
/// `wall` is `time.time()` and `jitter` a random number in `[0, 1)`.
#[pyclass(subclass, module = "cloudflare_tenant._native", name = "Machine")]
struct PyMachine(Driven);

#[pymethods]
impl PyMachine {
    /// The operation's dotted name (`onboarding` for the flow).
    #[getter]
    fn operation(&self) -> &'static str {
        self.0.machine.operation()
    }

    /// What to do now: a `Request`, seconds to sleep, an answer, or `None` at the end.
    fn next<'py>(
        &mut self,
        py: Python<'py>,
        pacers: &PyPacers,
        now: f64,
        wall: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.0.next(py, pacers, now, wall)?.1)
    }

    /// The response to the last `Request`; a large body is checked with the GIL released.
    #[allow(clippy::too_many_arguments)]
    fn feed(
        &mut self,
        py: Python<'_>,
        pacers: &PyPacers,
        status: &Bound<'_, PyAny>,
        headers: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
        now: f64,
        wall: f64,
        jitter: f64,
    ) -> PyResult<()> {
        (self.0).feed(py, 0, pacers, status, headers, body, now, wall, jitter)
    }

    /// No response came to the last `Request`: it never left (`sent=False`: connection
    /// refused) or may have (`sent=True`: a timeout, a reset).
    #[allow(clippy::too_many_arguments)]
    fn feed_failure(
        &mut self,
        py: Python<'_>,
        pacers: &PyPacers,
        sent: bool,
        message: &str,
        now: f64,
        wall: f64,
        jitter: f64,
    ) -> PyResult<()> {
        (self.0).feed_failure(py, 0, pacers, sent, message, now, wall, jitter)
    }

    /// Gives up on the last `Request` (its send was cancelled or raised): frees its place.
    fn abandon(&mut self, py: Python<'_>, pacers: &PyPacers, now: f64) -> PyResult<()> {
        self.0.abandon(py, pacers, now)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let operation = PyString::new(slf.py(), slf.borrow().0.machine.operation());
        Ok(format!(
            "{}(operation={})",
            slf.get_type().name()?,
            operation.repr()?
        ))
    }
}

/// One call of an operation: the request is built (and the input checked) now; retries and
/// pacing are the core's. `random`: 16 random bytes (default `os.urandom(16)`), whence the
/// core makes the idempotency key of an operation that takes one (`accounts.create`) when
/// `params` holds none; every resend carries it.
#[pyclass(extends = PyMachine, module = "cloudflare_tenant._native", name = "Call")]
struct PyCall;

#[pymethods]
impl PyCall {
    #[new]
    #[pyo3(signature = (operation, params=None, credentials=None, policy=None, base_url=None, user_agent=None, random=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        operation: &str,
        params: Option<&Bound<'_, PyAny>>,
        credentials: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyRetryPolicy>>,
        base_url: Option<&str>,
        user_agent: Option<&str>,
        random: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(Self, PyMachine)> {
        let params = json_arg(py, operation, "params", params)?;
        let credentials = credentials_arg(py, credentials)?;
        let client = client_for(py, None, base_url, user_agent)?;
        let random = random_arg(py, random, 16)?;
        let call = Machine::call(
            &client,
            operation,
            params,
            credentials.as_ref(),
            policy_arg(policy),
            &random,
        );
        Ok((PyCall, PyMachine(Driven::new(call, py)?)))
    }
}

/// Every page of a paginated list: one call per page, each paced and retried, the core
/// deciding when to stop. Each page is an answer whose `result` holds its new items; `None`
/// comes at the end (see `stop`).
#[pyclass(extends = PyMachine, module = "cloudflare_tenant._native", name = "Listing")]
struct PyListing;

#[pymethods]
impl PyListing {
    #[new]
    #[pyo3(signature = (operation, params=None, credentials=None, policy=None, base_url=None, user_agent=None, max_pages=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        operation: &str,
        params: Option<&Bound<'_, PyAny>>,
        credentials: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyRetryPolicy>>,
        base_url: Option<&str>,
        user_agent: Option<&str>,
        max_pages: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(Self, PyMachine)> {
        let params = json_arg(py, operation, "params", params)?;
        let credentials = credentials_arg(py, credentials)?;
        let client = client_for(py, None, base_url, user_agent)?;
        let max_pages = max_pages_arg(py, operation, max_pages)?;
        let list = Machine::list(
            &client,
            operation,
            params,
            credentials.as_ref(),
            policy_arg(policy),
            max_pages,
        );
        Ok((PyListing, PyMachine(Driven::new(list, py)?)))
    }

    /// Why it stopped, once it has: `{"reason", "message", "anomaly", ...}`; `anomaly` is true
    /// when the listing may be incomplete (a repeated page, the page cap).
    #[getter]
    fn stop<'py>(slf: PyRef<'py, Self>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let stop = slf.as_super().0.machine.stop();
        stop.map(|stop| to_py(slf.py(), &stop.to_json()))
            .transpose()
    }
}

/// The page cap: `None`, or an integer from 1 (a cap of 0 would list nothing and say nothing).
fn max_pages_arg(
    py: Python<'_>,
    operation: &str,
    max_pages: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<u32>> {
    let Some(max_pages) = max_pages.filter(|m| !m.is_none()) else {
        return Ok(None);
    };
    if max_pages.cast::<PyInt>().is_err() || max_pages.cast::<PyBool>().is_ok() {
        return Err(PyTypeError::new_err("max_pages must be an int or None"));
    }
    // 0 is refused by the core, the rest of what is not a `u32` here, alike.
    let reason = "must be an integer from 1 to 2**32 - 1";
    let cap = max_pages.extract::<u32>();
    cap.map(Some)
        .map_err(|_| invalid(py, Some(operation), "max_pages", reason))
}

/// Onboards one customer: the core's flow (find or create the account by name, resolve
/// roles, invite members, create the service user and accept its invitation), which never
/// resends a create whose outcome is unknown without looking first, but the account's: it
/// carries an idempotency key made from `random` (16 bytes, default `os.urandom(16)`), the same
/// on every resend. `None` from `next` means done: read `report()`.
#[pyclass(extends = PyMachine, module = "cloudflare_tenant._native", name = "Onboarding")]
struct PyOnboarding;

#[pymethods]
impl PyOnboarding {
    #[new]
    #[pyo3(signature = (spec, credentials, policy=None, base_url=None, user_agent=None, random=None))]
    fn new(
        py: Python<'_>,
        spec: &Bound<'_, PyAny>,
        credentials: &Bound<'_, PyAny>,
        policy: Option<&Bound<'_, PyRetryPolicy>>,
        base_url: Option<&str>,
        user_agent: Option<&str>,
        random: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(Self, PyMachine)> {
        let spec = json_arg(py, "onboarding", "spec", Some(spec))?;
        let client = partner_client(py, credentials, base_url, user_agent)?;
        let random = random_arg(py, random, 16)?;
        let flow = Machine::onboarding(client, spec, policy_arg(policy), &random);
        Ok((PyOnboarding, PyMachine(Driven::new(flow, py)?)))
    }

    /// What the flow did so far (final once `next` gave `None`):
    /// `{account, members, service_user, api_key, invitation, complete}`; `api_key` is a
    /// `Secret`.
    fn report<'py>(slf: PyRef<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        match slf.as_super().0.machine.report() {
            Some(report) => report_to_py(py, report),
            None => Ok(py.None().into_bound(py)),
        }
    }

    fn __repr__(slf: PyRef<'_, Self>) -> PyResult<String> {
        let target = slf
            .as_super()
            .0
            .machine
            .report()
            .map(|r| r.account.target.clone());
        let name = PyString::new(slf.py(), &target.unwrap_or_default()).repr()?;
        Ok(format!("Onboarding(name={name})"))
    }
}

/// The client a flow acts as: the partner's `credentials` are required.
fn partner_client(
    py: Python<'_>,
    credentials: &Bound<'_, PyAny>,
    base_url: Option<&str>,
    user_agent: Option<&str>,
) -> PyResult<Client> {
    // None is refused by the core: a flow acts as the partner.
    let credentials = credentials_arg(py, Some(credentials))?;
    client_for(py, credentials, base_url, user_agent)
}

// ---- many onboardings ------------------------------------------------------------------------

/// Many onboardings, `concurrency` at a time (the core's `Bulk`): each as `Onboarding` does
/// it, the ids resolved by name shared (onboardings started after a lookup reuse it), every
/// send paced by the `Pacers` given at each step. Several sends may be in flight at once, one
/// per slot: `next` gives `(slot, Request)` (send it, ask again right away, and feed its answer
/// to `slot` whenever it comes), seconds to wait (a `float`: that long, or until an answer in
/// flight comes back, whichever is first), or `None` when every onboarding is over: then read
/// `reports()`. `random`: 16 random bytes per spec, one after the other (default
/// `os.urandom(16 * len(specs))`), for each account create's idempotency key. A bad spec is
/// refused naming it (`specs[3].members[0].email`), before anything is sent.
#[pyclass(module = "cloudflare_tenant._native", name = "Bulk")]
struct PyBulk {
    run: Driven,
    concurrency: usize,
}

#[pymethods]
impl PyBulk {
    #[new]
    #[pyo3(signature = (specs, credentials, policy=None, base_url=None, user_agent=None, concurrency=None, random=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        specs: &Bound<'_, PyAny>,
        credentials: &Bound<'_, PyAny>,
        policy: Option<&Bound<'_, PyRetryPolicy>>,
        base_url: Option<&str>,
        user_agent: Option<&str>,
        concurrency: Option<&Bound<'_, PyAny>>,
        random: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        if specs.cast::<PyList>().is_err() && specs.cast::<PyTuple>().is_err() {
            let reason = "must be a list of onboarding specs";
            return Err(invalid(py, Some("onboarding"), "specs", reason));
        }
        let mut path = String::from("specs");
        let specs = from_py(specs, &mut path, 0)
            .map_err(|e| invalid(py, Some("onboarding"), &e.path, &e.reason))?;
        let count = specs.as_array().map_or(0, Vec::len);
        let concurrency = match concurrency.filter(|c| !c.is_none()) {
            Some(concurrency) => concurrency_arg(concurrency)?,
            None => DEFAULT_CONCURRENCY,
        };
        let client = partner_client(py, credentials, base_url, user_agent)?;
        let random = random_arg(py, random, 16 * count)?;
        let bulk = Machine::bulk(client, specs, policy_arg(policy), concurrency, &random);
        let run = Driven::new(bulk, py)?;
        Ok(PyBulk { run, concurrency })
    }

    /// `onboarding`: the operation its errors name.
    #[getter]
    fn operation(&self) -> &'static str {
        self.run.machine.operation()
    }

    /// Onboardings run at once, as asked.
    #[getter]
    fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// How many sends may be in flight at once: one per onboarding under way, never more
    /// than there are specs.
    #[getter]
    fn slots(&self) -> usize {
        self.run.machine.slots()
    }

    /// What to do now: `(slot, Request)`, seconds to wait, or `None` when all are over.
    fn next<'py>(
        &mut self,
        py: Python<'py>,
        pacers: &PyPacers,
        now: f64,
        wall: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (slot, step) = self.run.next(py, pacers, now, wall)?;
        if step.is_instance_of::<PyRequest>() {
            return Ok((slot, step).into_pyobject(py)?.into_any());
        }
        Ok(step)
    }

    /// The response to the last `Request` of `slot`; a large body is checked with the GIL
    /// released. Ignored for a slot with nothing in flight.
    #[allow(clippy::too_many_arguments)]
    fn feed(
        &mut self,
        py: Python<'_>,
        slot: usize,
        pacers: &PyPacers,
        status: &Bound<'_, PyAny>,
        headers: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
        now: f64,
        wall: f64,
        jitter: f64,
    ) -> PyResult<()> {
        (self.run).feed(py, slot, pacers, status, headers, body, now, wall, jitter)
    }

    /// No response came to the last `Request` of `slot`: it never left (`sent=False`) or may
    /// have (`sent=True`).
    #[allow(clippy::too_many_arguments)]
    fn feed_failure(
        &mut self,
        py: Python<'_>,
        slot: usize,
        pacers: &PyPacers,
        sent: bool,
        message: &str,
        now: f64,
        wall: f64,
        jitter: f64,
    ) -> PyResult<()> {
        (self.run).feed_failure(py, slot, pacers, sent, message, now, wall, jitter)
    }

    /// Gives up on every onboarding (the run was cancelled or a send raised): frees the places
    /// of the sends in flight; the reports keep what was done.
    fn abandon(&mut self, py: Python<'_>, pacers: &PyPacers, now: f64) -> PyResult<()> {
        self.run.abandon(py, pacers, now)
    }

    /// Where the run is: `{"done", "failed", "remaining", "requests", "current_wait"}` (the
    /// wait in seconds).
    fn progress<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let bulk = self.run.machine.bulk_run();
        to_py(py, &bulk.map(|b| b.progress().to_json()))
    }

    /// One report per spec, in the specs' order (`None` for one not over yet), as
    /// `Onboarding.report()` gives it: `api_key` and `token_value` are `Secret`s.
    fn reports<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for report in self.run.machine.bulk_run().map_or(&[][..], |b| b.reports()) {
            match report {
                Some(report) => list.append(report_to_py(py, report)?)?,
                None => list.append(py.None())?,
            }
        }
        Ok(list)
    }

    /// The indexes of the specs whose onboardings are over, in the order they ended, from the
    /// `start`-th on: a driver hands on each report as it comes. Those never started when the
    /// run was abandoned are not among them.
    #[pyo3(signature = (start=0))]
    fn over(&self, start: usize) -> Vec<usize> {
        let over = self.run.machine.bulk_run().map_or(&[][..], |b| b.over());
        over.get(start..).unwrap_or_default().to_vec()
    }

    /// The report of the spec at `index` once its onboarding is over, else `None`.
    fn report<'py>(&self, py: Python<'py>, index: usize) -> PyResult<Bound<'py, PyAny>> {
        match self.run.machine.bulk_run().and_then(|b| b.report(index)) {
            Some(report) => report_to_py(py, report),
            None => Ok(py.None().into_bound(py)),
        }
    }

    /// The index of the spec whose onboarding runs in `slot`, if one does.
    fn spec_index(&self, slot: usize) -> Option<usize> {
        self.run.machine.bulk_run()?.spec_index(slot)
    }

    fn __len__(&self) -> usize {
        self.run.machine.bulk_run().map_or(0, |b| b.reports().len())
    }

    fn __repr__(&self) -> String {
        format!(
            "Bulk(specs={}, concurrency={})",
            self.__len__(),
            self.concurrency
        )
    }
}

/// Onboardings at once: an `int` (the core refuses one below 1).
fn concurrency_arg(concurrency: &Bound<'_, PyAny>) -> PyResult<usize> {
    if concurrency.cast::<PyInt>().is_err() || concurrency.cast::<PyBool>().is_ok() {
        return Err(PyTypeError::new_err("concurrency must be an int"));
    }
    // Below 1 reads as 0, which the core refuses; past `usize`, as many as there are specs.
    if !concurrency.gt(0)? {
        return Ok(0);
    }
    Ok(concurrency.extract::<usize>().unwrap_or(usize::MAX))
}

// ---- the module ------------------------------------------------------------------------------

/// The native part of `cloudflare_tenant`: the sans-IO core, by operation name.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(build_request, m)?)?;
    m.add_function(wrap_pyfunction!(parse_response, m)?)?;
    m.add_function(wrap_pyfunction!(operations, m)?)?;
    m.add_class::<PyCredentials>()?;
    m.add_class::<PyRequest>()?;
    m.add_class::<PyRetryPolicy>()?;
    m.add_class::<PyPacers>()?;
    m.add_class::<PyMachine>()?;
    m.add_class::<PyCall>()?;
    m.add_class::<PyListing>()?;
    m.add_class::<PyOnboarding>()?;
    m.add_class::<PyBulk>()?;
    m.add("DEFAULT_BASE_URL", cloudflare_tenant::DEFAULT_BASE_URL)?;
    m.add("DEFAULT_USER_AGENT", cloudflare_tenant::DEFAULT_USER_AGENT)?;
    m.add("CORE_VERSION", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
