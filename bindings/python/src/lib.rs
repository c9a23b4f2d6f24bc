//! PyO3 bindings of `cloudflare-tenant`: the module `cloudflare_tenant._native`.
//!
//! Marshalling only: Python values in, the core's by-name entry point, Python values out. Every
//! decision about Cloudflare's API (paths, validation, envelopes, paging) is the core's; errors
//! leave as the core's stable JSON view (`Error::to_json`), turned into the package's exception
//! classes by `cloudflare_tenant._exceptions._from_native`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cloudflare_tenant::flows::{Action, Onboarding, OnboardingSpec, Report};
use cloudflare_tenant::http::{HeaderMap, Method};
use cloudflare_tenant::machines::{Clock, Pacers};
use cloudflare_tenant::{
    check_response_named, operation as core_operation, operations as core_operations,
    response_headers, ApiResponse, Attempt, CheckedResult, Client, Credentials, Error,
    NamedPaginator, Next, Pacer, Retry, RetryPolicy, Ticket,
};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple,
};
use serde_json::{Map, Number, Value};

/// Nesting deeper than this is refused when reading Python values (cycles end here too).
const MAX_DEPTH: usize = 128;
/// Bodies at least this long are parsed with the GIL released.
const DETACH_BYTES: usize = 16 * 1024;

// ---- JSON <-> Python -------------------------------------------------------------------------

/// A JSON value as plain Python objects: dict, list, str, int, float, bool, None.
fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Converter::new(py).value(value)
}

/// Builds Python objects from JSON, making each distinct dict key once per conversion (a list
/// of 50 accounts repeats the same dozen keys), as `json.loads` does.
struct Converter<'py, 'v> {
    py: Python<'py>,
    keys: HashMap<&'v str, Bound<'py, PyString>>,
}

impl<'py, 'v> Converter<'py, 'v> {
    fn new(py: Python<'py>) -> Self {
        Converter {
            py,
            keys: HashMap::new(),
        }
    }

    fn value(&mut self, value: &'v Value) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        Ok(match value {
            Value::Null => py.None().into_bound(py),
            Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
            Value::Number(n) => number_to_py(py, n)?,
            Value::String(s) => PyString::new(py, s).into_any(),
            Value::Array(items) => {
                let list = PyList::empty(py);
                for item in items {
                    list.append(self.value(item)?)?;
                }
                list.into_any()
            }
            Value::Object(map) => self.map(map)?.into_any(),
        })
    }

    fn map(&mut self, map: &'v Map<String, Value>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(self.py);
        for (key, value) in map {
            let key = match self.keys.get(key.as_str()) {
                Some(k) => k.clone(),
                None => {
                    let k = PyString::new(self.py, key);
                    self.keys.insert(key.as_str(), k.clone());
                    k
                }
            };
            dict.set_item(key, self.value(value)?)?;
        }
        Ok(dict)
    }
}

fn number_to_py<'py>(py: Python<'py>, n: &Number) -> PyResult<Bound<'py, PyAny>> {
    if let Some(i) = n.as_i64() {
        Ok(i.into_pyobject(py)?.into_any())
    } else if let Some(u) = n.as_u64() {
        Ok(u.into_pyobject(py)?.into_any())
    } else {
        Ok(PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any())
    }
}

/// Why a Python value is not JSON, and where.
struct NotJson {
    path: String,
    reason: String,
}

/// A Python value as JSON. Mappings need `str` keys; floats must be finite.
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
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(fail(path, "is an integer out of the 64-bit range".into()));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| fail(path, "is not a finite number".into()));
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (key, value) in dict.iter() {
            let key = dict_key(&key).map_err(|reason| fail(path, reason))?;
            let len = path.len();
            push_key(path, &key);
            let value = from_py(&value, path, depth + 1)?;
            path.truncate(len);
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    if obj.cast::<PyList>().is_ok() || obj.cast::<PyTuple>().is_ok() {
        let mut items = Vec::new();
        let iter = obj
            .try_iter()
            .map_err(|e| fail(path, format!("cannot be iterated: {e}")))?;
        for (i, item) in iter.enumerate() {
            let item = item.map_err(|e| fail(path, format!("cannot be iterated: {e}")))?;
            let len = path.len();
            let _ = write!(path, "[{i}]");
            items.push(from_py(&item, path, depth + 1)?);
            path.truncate(len);
        }
        return Ok(Value::Array(items));
    }
    if let Ok(mapping) = obj.cast::<PyMapping>() {
        let items = mapping
            .items()
            .map_err(|e| fail(path, format!("cannot be read as a mapping: {e}")))?;
        let mut map = Map::new();
        for pair in items.iter() {
            let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair
                .extract()
                .map_err(|_| fail(path, "has an item that is not a pair".into()))?;
            let key = dict_key(&key).map_err(|reason| fail(path, reason))?;
            let len = path.len();
            push_key(path, &key);
            let value = from_py(&value, path, depth + 1)?;
            path.truncate(len);
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    let type_name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into());
    Err(fail(
        path,
        format!(
            "must be JSON-compatible (dict, list, str, int, float, bool, None), got {type_name}"
        ),
    ))
}

fn dict_key(key: &Bound<'_, PyAny>) -> Result<String, String> {
    key.cast::<PyString>()
        .ok()
        .and_then(|k| k.to_cow().ok().map(|c| c.into_owned()))
        .ok_or_else(|| "has a key that is not a str".to_owned())
}

fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
}

/// Parameters (a mapping or `None`) as JSON; what is not JSON is refused like the core refuses
/// a bad field, naming it.
fn params_to_json(
    py: Python<'_>,
    operation: &str,
    params: Option<&Bound<'_, PyAny>>,
) -> PyResult<Value> {
    let Some(params) = params.filter(|p| !p.is_none()) else {
        return Ok(Value::Null);
    };
    let mut path = String::new();
    from_py(params, &mut path, 0).map_err(|e| invalid(py, Some(operation), &e.path, &e.reason))
}

// ---- errors ----------------------------------------------------------------------------------

static FROM_NATIVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The exception for an error's JSON view, built by the package's Python layer.
fn error_from_json(py: Python<'_>, view: &Value) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let factory = FROM_NATIVE.import(py, "cloudflare_tenant._exceptions", "_from_native")?;
        let exception = factory.call1((to_py(py, view)?,))?;
        Ok(PyErr::from_value(exception))
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

/// A refusal of the caller's input found while marshalling, in the core's `invalid` shape.
fn invalid(py: Python<'_>, operation: Option<&str>, field: &str, reason: &str) -> PyErr {
    let field = if field.is_empty() { "params" } else { field };
    let message = match operation {
        Some(op) => format!("{op}: invalid `{field}`: {reason}"),
        None => format!("invalid `{field}`: {reason}"),
    };
    error_from_json(
        py,
        &serde_json::json!({
            "kind": "invalid",
            "operation": operation,
            "field": field,
            "reason": reason,
            "message": message,
        }),
    )
}

// ---- credentials -----------------------------------------------------------------------------

/// How a request proves who sends it. Its repr never shows the secret.
#[pyclass(frozen, eq, module = "cloudflare_tenant._native", name = "Credentials")]
#[derive(PartialEq)]
struct PyCredentials(Credentials);

#[pymethods]
impl PyCredentials {
    /// An API token, sent as `Authorization: Bearer <token>`.
    #[staticmethod]
    fn api_token(py: Python<'_>, token: &str) -> PyResult<Self> {
        Credentials::api_token(token)
            .map(PyCredentials)
            .map_err(|e| raise(py, e))
    }

    /// An account e-mail and its global API key (`X-Auth-Email` + `X-Auth-Key`).
    #[staticmethod]
    fn global_key(py: Python<'_>, email: &str, key: &str) -> PyResult<Self> {
        Credentials::global_key(email, key)
            .map(PyCredentials)
            .map_err(|e| raise(py, e))
    }

    /// A user service key (`X-Auth-User-Service-Key`), e.g. a created user's `api_key`.
    #[staticmethod]
    fn user_service_key(py: Python<'_>, key: &str) -> PyResult<Self> {
        Credentials::user_service_key(key)
            .map(PyCredentials)
            .map_err(|e| raise(py, e))
    }

    /// Reads `{"api_token"}`, `{"api_email", "api_key"}` or `{"user_service_key"}`.
    #[staticmethod]
    fn from_dict(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Self> {
        credentials_from_mapping(py, value).map(PyCredentials)
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
    // value, which may be the secret itself (see python/README.md, "Differences").
    if value.cast::<PyDict>().is_err() && value.cast::<PyMapping>().is_err() {
        return Err(invalid(py, None, "credentials", EXPECTED));
    }
    let mut path = String::new();
    let json =
        from_py(value, &mut path, 0).map_err(|_| invalid(py, None, "credentials", EXPECTED))?;
    Credentials::from_json(json).map_err(|e| raise(py, e))
}

/// `Credentials`, a mapping, or `None`.
fn credentials_arg(
    py: Python<'_>,
    credentials: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<Credentials>> {
    match credentials {
        None => Ok(None),
        Some(c) if c.is_none() => Ok(None),
        Some(c) => match c.cast::<PyCredentials>() {
            Ok(c) => Ok(Some(c.get().0.clone())),
            Err(_) => credentials_from_mapping(py, c).map(Some),
        },
    }
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
        for (i, (name, value)) in self.headers.iter().enumerate() {
            if i > 0 {
                headers.push_str(", ");
            }
            let shown = if self.sensitive.contains(name) {
                "***".to_owned()
            } else {
                PyString::new(py, value).repr()?.to_string()
            };
            let _ = write!(headers, "{}: {shown}", PyString::new(py, name).repr()?);
        }
        let body = match &self.body {
            Some(body) => PyBytes::new(py, body).repr()?.to_string(),
            None => "None".to_owned(),
        };
        Ok(format!(
            "Request(method={:?}, url={}, headers={{{headers}}}, body={body})",
            self.method,
            PyString::new(py, &self.url).repr()?,
        ))
    }
}

fn client_for(
    py: Python<'_>,
    base_url: Option<&str>,
    user_agent: Option<&str>,
) -> PyResult<Client> {
    configure(py, Client::default(), base_url, user_agent)
}

fn configure(
    py: Python<'_>,
    mut client: Client,
    base_url: Option<&str>,
    user_agent: Option<&str>,
) -> PyResult<Client> {
    if let Some(url) = base_url {
        client = client.with_base_url(url).map_err(|e| raise(py, e))?;
    }
    if let Some(agent) = user_agent {
        client = client.with_user_agent(agent).map_err(|e| raise(py, e))?;
    }
    Ok(client)
}

fn build(
    py: Python<'_>,
    client: &Client,
    operation: &str,
    params: Value,
    credentials: Option<&Credentials>,
) -> PyResult<PyRequest> {
    let request = client
        .request_named(operation, params, credentials)
        .map_err(|e| raise(py, e))?;
    Ok(request_to_py(request))
}

/// A request of the core, as the Python `Request`.
fn request_to_py(request: cloudflare_tenant::http::Request<Vec<u8>>) -> PyRequest {
    let (parts, body) = request.into_parts();
    let mut headers = Vec::with_capacity(parts.headers.len());
    let mut sensitive = Vec::new();
    for (name, value) in &parts.headers {
        let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if value.is_sensitive() && !sensitive.iter().any(|s| s == name.as_str()) {
            sensitive.push(name.as_str().to_owned());
        }
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
    let params = params_to_json(py, operation, params)?;
    let credentials = credentials_arg(py, credentials)?;
    let client = client_for(py, base_url, user_agent)?;
    build(py, &client, operation, params, credentials.as_ref())
}

// ---- responses -------------------------------------------------------------------------------

/// Headers from a dict, an object with `items()` (httpx.Headers, http.client.HTTPMessage), or
/// pairs. Names and values may be `str` or `bytes`; a header that HTTP forbids is skipped, and
/// only the headers the core reads are kept ([`response_headers`]).
fn headers_from_py(headers: Option<&Bound<'_, PyAny>>) -> PyResult<HeaderMap> {
    let Some(headers) = headers.filter(|h| !h.is_none()) else {
        return Ok(HeaderMap::new());
    };
    let mut pairs = Vec::new();
    let mut add = |name: Bound<'_, PyAny>, value: Bound<'_, PyAny>| -> PyResult<()> {
        pairs.push((header_bytes(&name)?, header_bytes(&value)?));
        Ok(())
    };
    if let Ok(dict) = headers.cast::<PyDict>() {
        for (name, value) in dict.iter() {
            add(name, value)?;
        }
    } else {
        let items = if headers.hasattr("items")? {
            headers.call_method0("items")?
        } else {
            headers.clone()
        };
        for pair in items.try_iter()? {
            let (name, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair?.extract()?;
            add(name, value)?;
        }
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

/// An HTTP status as the core takes it. A number that is not even a `u16` is refused here as
/// the core refuses the others outside 100..=599; a non-integer is a `TypeError`.
fn status_arg(py: Python<'_>, operation: Option<&str>, status: &Bound<'_, PyAny>) -> PyResult<u16> {
    if status.cast::<PyInt>().is_err() || status.cast::<PyBool>().is_ok() {
        return Err(PyTypeError::new_err("status must be an int"));
    }
    status.extract::<u16>().map_err(|_| {
        invalid(
            py,
            operation,
            "status",
            "must be an HTTP status from 100 to 599",
        )
    })
}

/// Reads a response with the core's checker (without the GIL for large bodies) and hands the
/// checked response and the body's result to `then`, or raises the error it carries.
fn parse<'py, R>(
    py: Python<'py>,
    operation: &str,
    status: &Bound<'py, PyAny>,
    headers: Option<&Bound<'py, PyAny>>,
    body: Option<&Bound<'py, PyAny>>,
    then: impl FnOnce(ApiResponse<CheckedResult>, Bound<'py, PyAny>) -> PyResult<R>,
) -> PyResult<R> {
    let status = status_arg(py, Some(operation), status)?;
    let headers = headers_from_py(headers)?;
    with_body(body, |bytes| {
        let checked = if bytes.len() >= DETACH_BYTES {
            py.detach(|| check_response_named(operation, status, &headers, bytes))
        } else {
            check_response_named(operation, status, &headers, bytes)
        }
        .map_err(|e| raise(py, e))?;
        then(checked, result_of(py, body, bytes)?)
    })?
}

static JSON_LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The checked body's `result` as Python objects. `json.loads` builds them: the core has
/// checked the body (UTF-8 JSON, every known field of its type), and no crossing from Rust
/// builds dicts faster than CPython's own parser. `bytes` and `str` bodies go to it as they
/// are; others as the text of `bytes`, the body's contents.
fn result_of<'py>(
    py: Python<'py>,
    body: Option<&Bound<'py, PyAny>>,
    bytes: &[u8],
) -> PyResult<Bound<'py, PyAny>> {
    let loads = JSON_LOADS.import(py, "json", "loads")?;
    let envelope = match body {
        Some(b) if b.is_instance_of::<PyBytes>() || b.is_instance_of::<PyString>() => {
            loads.call1((b,))?
        }
        _ => loads.call1((PyString::new(py, &String::from_utf8_lossy(bytes)),))?,
    };
    Ok(envelope
        .cast_into::<PyDict>()?
        .get_item("result")?
        .unwrap_or_else(|| py.None().into_bound(py)))
}

fn to_py_serialized<'py>(
    py: Python<'py>,
    value: impl serde::Serialize,
) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(value)
        .map_err(|e| PyRuntimeError::new_err(format!("could not convert: {e}")))?;
    to_py(py, &json)
}

fn response_to_py<'py>(
    py: Python<'py>,
    response: ApiResponse<CheckedResult>,
    result: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("result", result)?;
    match &response.result_info {
        Some(info) => dict.set_item("result_info", to_py_serialized(py, info)?)?,
        None => dict.set_item("result_info", py.None())?,
    }
    dict.set_item("messages", to_py_serialized(py, &response.messages)?)?;
    Ok(dict)
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
    parse(py, operation, status, headers, body, |response, result| {
        mark_secrets(py, operation, &result)?;
        response_to_py(py, response, result)
    })
}

/// Wraps the result's secret fields (the core's list: a created user's `api_key`) in
/// `cloudflare_tenant.Secret`, which keeps them out of reprs and logs.
fn mark_secrets(py: Python<'_>, operation: &str, result: &Bound<'_, PyAny>) -> PyResult<()> {
    let Ok(info) = core_operation(operation) else {
        return Ok(());
    };
    let Ok(result) = result.cast::<PyDict>() else {
        return Ok(());
    };
    for field in info.secret_fields {
        if let Some(value) = result.get_item(field)? {
            if value.is_instance_of::<PyString>() {
                let secret = SECRET.import(py, "cloudflare_tenant._secret", "Secret")?;
                result.set_item(field, secret.call1((value,))?)?;
            }
        }
    }
    Ok(())
}

/// Every operation: `[{"name", "method", "paginated", "secret_fields"}]`, in the order of the
/// API reference. `secret_fields` names the result fields that hold secrets.
#[pyfunction]
fn operations(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for op in core_operations() {
        let dict = PyDict::new(py);
        dict.set_item("name", op.name)?;
        dict.set_item("method", op.method.as_str())?;
        dict.set_item("paginated", op.paginated)?;
        dict.set_item("secret_fields", PyList::new(py, op.secret_fields)?)?;
        list.append(dict)?;
    }
    Ok(list)
}

// ---- pagination ------------------------------------------------------------------------------

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
    max_pages
        .extract::<u32>()
        .ok()
        .filter(|m| *m >= 1)
        .map(Some)
        .ok_or_else(|| {
            invalid(
                py,
                Some(operation),
                "max_pages",
                "must be an integer from 1 to 2**32 - 1",
            )
        })
}

/// Pages through a list operation: `next_request()`, send it, `feed(status, headers, body)`
/// returns the page's new items; `None` from `next_request()` means done (see `stop`).
#[pyclass(module = "cloudflare_tenant._native", name = "Paginator")]
struct PyPaginator {
    inner: NamedPaginator,
}

#[pymethods]
impl PyPaginator {
    #[new]
    #[pyo3(signature = (operation, params=None, max_pages=None))]
    fn new(
        py: Python<'_>,
        operation: &str,
        params: Option<&Bound<'_, PyAny>>,
        max_pages: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let params = params_to_json(py, operation, params)?;
        let mut inner = NamedPaginator::new(operation, params).map_err(|e| raise(py, e))?;
        if let Some(max) = max_pages_arg(py, inner.operation(), max_pages)? {
            inner.set_max_pages(max);
        }
        Ok(PyPaginator { inner })
    }

    /// The operation's name.
    #[getter]
    fn operation(&self) -> &'static str {
        self.inner.operation()
    }

    /// True once there is no next page.
    #[getter]
    fn done(&self) -> bool {
        self.inner.next_params().is_none()
    }

    /// The parameters of the next page, or `None` when done.
    fn next_params<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .next_params()
            .map(|params| to_py(py, &params))
            .transpose()
    }

    /// The request for the next page, or `None` when done.
    #[pyo3(signature = (credentials=None, base_url=None, user_agent=None))]
    fn next_request(
        &self,
        py: Python<'_>,
        credentials: Option<&Bound<'_, PyAny>>,
        base_url: Option<&str>,
        user_agent: Option<&str>,
    ) -> PyResult<Option<PyRequest>> {
        let Some(params) = self.inner.next_params() else {
            return Ok(None);
        };
        let credentials = credentials_arg(py, credentials)?;
        let client = client_for(py, base_url, user_agent)?;
        build(
            py,
            &client,
            self.inner.operation(),
            params,
            credentials.as_ref(),
        )
        .map(Some)
    }

    /// Reads the response to the last request and returns the page's new items. An error
    /// response raises and leaves the paginator where it was, so the page can be asked again.
    #[pyo3(signature = (status, headers=None, body=None))]
    fn feed<'py>(
        &mut self,
        py: Python<'py>,
        status: &Bound<'py, PyAny>,
        headers: Option<&Bound<'py, PyAny>>,
        body: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let operation = self.inner.operation();
        parse(py, operation, status, headers, body, |response, items| {
            if !self.inner.feed_checked(&response) || items.is_none() {
                return Ok(PyList::empty(py));
            }
            Ok(items.cast_into::<PyList>()?)
        })
    }

    /// Why it stopped, once it has: `{"reason", "message", "anomaly", ...}`; `anomaly` is true
    /// when the listing may be incomplete (a repeated page, the page cap).
    #[getter]
    fn stop<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(stop) = self.inner.stop() else {
            return Ok(None);
        };
        Ok(Some(to_py(py, &stop.to_json())?.cast_into::<PyDict>()?))
    }

    fn __repr__(&self) -> String {
        format!("Paginator(operation={:?})", self.inner.operation())
    }
}

// ---- retries, pacing, onboarding -------------------------------------------------------------

/// Seconds as a `Duration`: finite and not negative.
fn seconds(py: Python<'_>, field: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        invalid(
            py,
            None,
            field,
            "must be a finite, non-negative number of seconds",
        )
    })
}

/// A wall-clock reading in seconds since the Unix epoch (`time.time()`); `None` is now.
fn wall_clock(py: Python<'_>, now: Option<f64>) -> PyResult<SystemTime> {
    match now {
        None => Ok(SystemTime::now()),
        Some(now) => Ok(UNIX_EPOCH + seconds(py, "now", now)?),
    }
}

/// A jitter value in `[0, 1)`; `None` is none.
fn jitter(jitter: Option<f64>) -> f64 {
    jitter.unwrap_or(0.0)
}

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
        let max_retries = match max_retries {
            None => default.max_retries,
            Some(n) => u32::try_from(n).map_err(|_| {
                invalid(
                    py,
                    None,
                    "max_retries",
                    "must be an integer from 0 to 2**32 - 1",
                )
            })?,
        };
        let or = |field: &str, value: Option<f64>, default: Duration| match value {
            None => Ok(default),
            Some(value) => seconds(py, field, value),
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
        format!(
            "RetryPolicy(max_retries={}, initial_backoff={}, max_backoff={}, max_retry_after={})",
            self.0.max_retries,
            py_float(self.0.initial_backoff),
            py_float(self.0.max_backoff),
            py_float(self.0.max_retry_after),
        )
    }
}

/// A duration as Python would print the float.
fn py_float(duration: Duration) -> String {
    let text = duration.as_secs_f64().to_string();
    if text.contains(['.', 'e', 'i', 'N']) {
        text
    } else {
        format!("{text}.0")
    }
}

fn policy_arg(policy: Option<&Bound<'_, PyRetryPolicy>>) -> RetryPolicy {
    policy.map_or_else(RetryPolicy::default, |p| p.get().0)
}

/// The retry decisions of one call, made by the core. After each attempt, tell it what
/// happened (`after_response`, `after_not_sent`, `after_no_response`): `None` means use the
/// response as it is, a float means sleep that many seconds and send the same request again,
/// and an exception is the call's error (`OutcomeUnknownError` for a `POST` that got a 5xx or
/// no answer, `APIConnectionError` when the transport kept failing).
///
/// `now` is `time.time()` (it reads `Retry-After` dates; `None` reads the clock) and `jitter`
/// a random number in `[0, 1)` (`None` is no jitter).
#[pyclass(module = "cloudflare_tenant._native", name = "Retry")]
struct PyRetry {
    inner: Retry,
}

fn next_to_py(py: Python<'_>, next: Next) -> PyResult<Option<f64>> {
    match next {
        Next::Done => Ok(None),
        Next::Wait(wait) => Ok(Some(wait.as_secs_f64())),
        Next::Fail(error) => Err(raise(py, error)),
    }
}

#[pymethods]
impl PyRetry {
    #[new]
    #[pyo3(signature = (operation, method=None, policy=None))]
    fn new(
        py: Python<'_>,
        operation: &str,
        method: Option<&str>,
        policy: Option<&Bound<'_, PyRetryPolicy>>,
    ) -> PyResult<Self> {
        let info = core_operation(operation).map_err(|e| raise(py, e))?;
        let method = match method {
            None => info.method.clone(),
            Some(m) => Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                .map_err(|_| invalid(py, Some(info.name), "method", "is not an HTTP method"))?,
        };
        Ok(PyRetry {
            inner: Retry::new(policy_arg(policy), info.name, method),
        })
    }

    /// Retries made so far.
    #[getter]
    fn retries(&self) -> u32 {
        self.inner.retries()
    }

    /// A response came back: `None` (parse it), seconds to wait, or raises.
    #[pyo3(signature = (status, headers=None, body=None, now=None, jitter=None))]
    fn after_response(
        &mut self,
        py: Python<'_>,
        status: &Bound<'_, PyAny>,
        headers: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
        now: Option<f64>,
        jitter: Option<f64>,
    ) -> PyResult<Option<f64>> {
        let status = status_arg(py, None, status)?;
        let headers = headers_from_py(headers)?;
        let now = wall_clock(py, now)?;
        let jitter = self::jitter(jitter);
        let next = with_body(body, |body| {
            let attempt = Attempt::Response {
                status,
                headers: &headers,
                body,
            };
            self.inner.after(attempt, now, jitter)
        })?;
        next_to_py(py, next)
    }

    /// The request never left (connection refused, name not resolved): seconds to wait, or
    /// raises.
    #[pyo3(signature = (message, now=None, jitter=None))]
    fn after_not_sent(
        &mut self,
        py: Python<'_>,
        message: &str,
        now: Option<f64>,
        jitter: Option<f64>,
    ) -> PyResult<Option<f64>> {
        let now = wall_clock(py, now)?;
        let next = self
            .inner
            .after(Attempt::NotSent { message }, now, self::jitter(jitter));
        next_to_py(py, next)
    }

    /// The request may have left and no response came (timeout, reset): seconds to wait, or
    /// raises.
    #[pyo3(signature = (message, now=None, jitter=None))]
    fn after_no_response(
        &mut self,
        py: Python<'_>,
        message: &str,
        now: Option<f64>,
        jitter: Option<f64>,
    ) -> PyResult<Option<f64>> {
        let now = wall_clock(py, now)?;
        let next = self
            .inner
            .after(Attempt::NoResponse { message }, now, self::jitter(jitter));
        next_to_py(py, next)
    }

    fn __repr__(&self) -> String {
        format!("Retry(retries={})", self.inner.retries())
    }
}

/// Keeps requests under a budget: at most `limit` sends in any `window` seconds, counted on the
/// wire (a send holds its place from the moment it leaves until `window` after it ended).
/// `acquire(now)` returns a ticket (an `int`: send now) or seconds to wait before asking again
/// (a `float`); `settle(ticket, now)` gives the ticket back once the send ended, answered or
/// not. `now` is a monotonic clock's reading in seconds (`time.monotonic()`).
#[pyclass(module = "cloudflare_tenant._native", name = "Pacer")]
struct PyPacer {
    inner: Pacer,
}

#[pymethods]
impl PyPacer {
    #[new]
    fn new(py: Python<'_>, limit: i64, window: f64) -> PyResult<Self> {
        let limit = u32::try_from(limit)
            .ok()
            .filter(|l| *l > 0)
            .ok_or_else(|| invalid(py, None, "limit", "must be an integer from 1 to 2**32 - 1"))?;
        Ok(PyPacer {
            inner: Pacer::new(limit, seconds(py, "window", window)?),
        })
    }

    /// Cloudflare's documented budget: 1,200 requests per 300 seconds.
    #[staticmethod]
    fn cloudflare() -> Self {
        PyPacer {
            inner: Pacer::cloudflare(),
        }
    }

    /// Takes a place in the budget at `now`: a ticket (`int`), send now and settle it after;
    /// or seconds to wait (`float`), then ask again. Asking and taking are one step.
    fn acquire<'py>(&mut self, py: Python<'py>, now: f64) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self.inner.acquire(seconds(py, "now", now)?) {
            Ok(ticket) => ticket.id().into_pyobject(py)?.into_any(),
            Err(wait) => PyFloat::new(py, wait.as_secs_f64()).into_any(),
        })
    }

    /// The send of `ticket` ended at `now` (answered, failed or abandoned); its place frees a
    /// window later. An unknown or settled ticket is ignored.
    fn settle(&mut self, py: Python<'_>, ticket: u64, now: f64) -> PyResult<()> {
        self.inner
            .settle(Ticket::from_id(ticket), seconds(py, "now", now)?);
        Ok(())
    }

    /// Sends counted at `now`: in flight, or ended less than a window ago.
    fn in_use(&mut self, py: Python<'_>, now: f64) -> PyResult<usize> {
        Ok(self.inner.in_use(seconds(py, "now", now)?))
    }

    /// Sends allowed per window.
    #[getter]
    fn limit(&self) -> u32 {
        self.inner.limit()
    }

    /// The window, in seconds.
    #[getter]
    fn window(&self) -> f64 {
        self.inner.window().as_secs_f64()
    }

    fn __repr__(&self) -> String {
        format!(
            "Pacer(limit={}, window={})",
            self.inner.limit(),
            py_float(self.inner.window())
        )
    }
}

fn spec_from_py(py: Python<'_>, spec: &Bound<'_, PyAny>) -> PyResult<OnboardingSpec> {
    const OPERATION: Option<&str> = Some("onboarding");
    let mut path = String::new();
    let json = from_py(spec, &mut path, 0).map_err(|e| {
        let field = if e.path.is_empty() { "spec" } else { &e.path };
        invalid(py, OPERATION, field, &e.reason)
    })?;
    OnboardingSpec::from_json(json).map_err(|e| raise(py, e))
}

static SECRET: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A clock for a flow that is not paced here: only the wall clock counts.
fn unpaced(wall: SystemTime) -> Clock {
    Clock {
        monotonic: Duration::ZERO,
        wall,
    }
}

/// Onboards one customer: the core's flow (find or create the account by name, resolve
/// roles, invite members, create the service user and accept its invitation), which never
/// resends a create whose outcome is unknown without looking first.
///
/// Drive it: `next_action()` gives a `Request` to send (then feed what happened with
/// `feed_response`, `feed_not_sent` or `feed_no_response`), a float (sleep that many seconds,
/// then ask again) or `None` (done: read `report()`).
#[pyclass(module = "cloudflare_tenant._native", name = "Onboarding")]
struct PyOnboarding {
    flow: Onboarding,
    /// The Python clients pace each send themselves, for now: nothing to pace here.
    pacers: Pacers,
}

#[pymethods]
impl PyOnboarding {
    #[new]
    #[pyo3(signature = (spec, credentials, policy=None, base_url=None, user_agent=None))]
    fn new(
        py: Python<'_>,
        spec: &Bound<'_, PyAny>,
        credentials: &Bound<'_, PyAny>,
        policy: Option<&Bound<'_, PyRetryPolicy>>,
        base_url: Option<&str>,
        user_agent: Option<&str>,
    ) -> PyResult<Self> {
        let spec = spec_from_py(py, spec)?;
        let credentials = credentials_arg(py, Some(credentials))?.ok_or_else(|| {
            invalid(
                py,
                Some("onboarding"),
                "credentials",
                "are required: the flow acts as the partner",
            )
        })?;
        let client = configure(py, Client::new(credentials), base_url, user_agent)?;
        let flow = Onboarding::new(client, spec, policy_arg(policy)).map_err(|e| raise(py, e))?;
        Ok(PyOnboarding {
            flow,
            pacers: Pacers::off(),
        })
    }

    /// A `Request` to send, seconds to sleep (a float), or `None` when done.
    fn next_action<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(
            match self.flow.next_action(&mut self.pacers, unpaced(UNIX_EPOCH)) {
                Action::Send(request) => Bound::new(py, request_to_py(request))?.into_any(),
                Action::Wait(wait) => PyFloat::new(py, wait.as_secs_f64()).into_any(),
                Action::Done => py.None().into_bound(py),
            },
        )
    }

    /// A response came back to the last request.
    #[pyo3(signature = (status, headers=None, body=None, now=None, jitter=None))]
    fn feed_response(
        &mut self,
        py: Python<'_>,
        status: &Bound<'_, PyAny>,
        headers: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
        now: Option<f64>,
        jitter: Option<f64>,
    ) -> PyResult<()> {
        let status = status_arg(py, None, status)?;
        let headers = headers_from_py(headers)?;
        let now = wall_clock(py, now)?;
        let jitter = self::jitter(jitter);
        with_body(body, |body| {
            let attempt = Attempt::Response {
                status,
                headers: &headers,
                body,
            };
            self.flow
                .feed(&mut self.pacers, attempt, unpaced(now), jitter)
        })
    }

    /// The last request never left (connection refused, name not resolved).
    #[pyo3(signature = (message, now=None, jitter=None))]
    fn feed_not_sent(
        &mut self,
        py: Python<'_>,
        message: &str,
        now: Option<f64>,
        jitter: Option<f64>,
    ) -> PyResult<()> {
        let now = wall_clock(py, now)?;
        let attempt = Attempt::NotSent { message };
        self.flow.feed(
            &mut self.pacers,
            attempt,
            unpaced(now),
            self::jitter(jitter),
        );
        Ok(())
    }

    /// The last request may have left and no response came (timeout, reset).
    #[pyo3(signature = (message, now=None, jitter=None))]
    fn feed_no_response(
        &mut self,
        py: Python<'_>,
        message: &str,
        now: Option<f64>,
        jitter: Option<f64>,
    ) -> PyResult<()> {
        let now = wall_clock(py, now)?;
        let attempt = Attempt::NoResponse { message };
        self.flow.feed(
            &mut self.pacers,
            attempt,
            unpaced(now),
            self::jitter(jitter),
        );
        Ok(())
    }

    /// What the flow did so far (final once `next_action()` gave `None`):
    /// `{account, members, service_user, api_key, invitation, complete}`; `api_key` is a
    /// `Secret`.
    fn report<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let report = to_py_serialized(py, self.flow.report())?;
        for field in Report::SECRET_FIELDS {
            let value = report.get_item(field)?;
            if value.cast::<PyString>().is_ok() {
                let secret = SECRET.import(py, "cloudflare_tenant._secret", "Secret")?;
                report.set_item(field, secret.call1((value,))?)?;
            }
        }
        Ok(report)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Onboarding(name={})",
            PyString::new(py, &self.flow.report().account.target).repr()?
        ))
    }
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
    m.add_class::<PyPaginator>()?;
    m.add_class::<PyRetryPolicy>()?;
    m.add_class::<PyRetry>()?;
    m.add_class::<PyPacer>()?;
    m.add_class::<PyOnboarding>()?;
    m.add("DEFAULT_BASE_URL", cloudflare_tenant::DEFAULT_BASE_URL)?;
    m.add("DEFAULT_USER_AGENT", cloudflare_tenant::DEFAULT_USER_AGENT)?;
    m.add("CORE_VERSION", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
