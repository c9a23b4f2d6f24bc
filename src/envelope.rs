//! The v4 envelope: `{result, success, errors, messages, result_info}`.
//!
//! The envelope is the one strict thing in this crate: a body without a boolean `success` is
//! not the API talking (it is an edge page, a proxy, a truncated read) and becomes a
//! [`DecodeError`]. Everything inside it is read leniently.

use std::time::Duration;

use http::header::{HeaderMap, HeaderName, HeaderValue, LOCATION, RETRY_AFTER};
use std::fmt;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::error::{snippet, ApiError, DecodeError, Error, Invalid, Redirected};
use crate::named;
use crate::retry::retry_after;
use crate::scan;
use crate::shape::{self, Checked, Key, Mismatch, Shape, Shaped};

/// A successful answer: the typed result and what came with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ApiResponse<T> {
    /// The operation's result.
    pub result: T,
    /// Paging facts, when the API sent them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_info: Option<ResultInfo>,
    /// Informational messages, in order.
    pub messages: Vec<ApiMessage>,
}

/// One `errors[]` or `messages[]` entry. The API has also sent these as bare strings; those
/// become an entry with no code.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiMessage {
    /// The Cloudflare error code (above 65,535 exist).
    pub code: Option<u64>,
    /// The human-readable message.
    pub message: String,
    /// A link to the documentation for this code.
    pub documentation_url: Option<String>,
    /// Where in the request the problem was.
    pub source: Option<ErrorSource>,
    /// Fields this crate does not know yet.
    pub extra: Map<String, Value>,
}

/// `source` of an error entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorSource {
    /// A JSON pointer into the request body.
    pub pointer: Option<String>,
    /// Fields this crate does not know yet.
    pub extra: Map<String, Value>,
}

/// Paging facts. `total_pages` is only in newer responses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultInfo {
    /// The page this is, from 1.
    pub page: Option<u64>,
    /// Items per page as the server applied it.
    pub per_page: Option<u64>,
    /// Items on this page.
    pub count: Option<u64>,
    /// Items on all pages.
    pub total_count: Option<u64>,
    /// Number of pages.
    pub total_pages: Option<u64>,
    /// Fields this crate does not know yet (cursors, for one).
    pub extra: Map<String, Value>,
}

// The envelope's small parts are read from and written to a `Value` by hand, not by serde's
// derives: their flatten and untagged support, and the error texts of the typed visitors, would
// cost the .wasm more than the whole of this code. These are also the types' serde impls.

impl ApiMessage {
    /// An entry as the API sends it: text, or an object whose known fields have their types.
    /// `code` is read leniently: an integer, an integral float or a numeric string; anything
    /// else is no code.
    pub fn from_json(value: Value) -> Result<Self, String> {
        let fields = match value {
            Value::String(message) => {
                let mut fields = Map::new();
                fields.insert("message".into(), message.into());
                fields
            }
            Value::Object(fields) => fields,
            _ => return Err("is neither text nor an object".into()),
        };
        let ([code, message, documentation_url, source], extra) =
            take_known(fields, ["code", "message", "documentation_url", "source"]);
        let source = match source {
            None | Some(Value::Null) => None,
            Some(Value::Object(source)) => Some(ErrorSource::from_map(source)?),
            Some(_) => return Err("has a `source` that is not an object".into()),
        };
        Ok(ApiMessage {
            code: code.and_then(lenient_u64),
            message: text(message, "message")?.unwrap_or_default(),
            documentation_url: text(documentation_url, "documentation_url")?,
            source,
            extra,
        })
    }

    /// The entry as JSON: its fields (`code`, `documentation_url` and `source` when known) and
    /// the unknown ones as they came.
    pub fn to_json(&self) -> Value {
        let mut fields = self.extra.clone();
        if let Some(code) = self.code {
            fields.insert("code".into(), code.into());
        }
        fields.insert("message".into(), self.message.clone().into());
        if let Some(url) = &self.documentation_url {
            fields.insert("documentation_url".into(), url.clone().into());
        }
        if let Some(source) = &self.source {
            fields.insert("source".into(), source.to_json());
        }
        Value::Object(fields)
    }
}

impl ErrorSource {
    /// The source as JSON: `pointer` when known, and the unknown fields as they came.
    pub fn to_json(&self) -> Value {
        let mut fields = self.extra.clone();
        if let Some(pointer) = &self.pointer {
            fields.insert("pointer".into(), pointer.clone().into());
        }
        Value::Object(fields)
    }

    fn from_map(fields: Map<String, Value>) -> Result<Self, String> {
        let ([pointer], extra) = take_known(fields, ["pointer"]);
        Ok(ErrorSource {
            pointer: text(pointer, "pointer")
                .map_err(|_| "has a `source.pointer` that is not text".to_owned())?,
            extra,
        })
    }
}

impl ResultInfo {
    /// `result_info` as the API sends it: an object, each count read leniently as `code` is
    /// in [`ApiMessage::from_json`].
    pub fn from_json(value: Value) -> Result<Self, String> {
        let Value::Object(fields) = value else {
            return Err("is not an object".into());
        };
        let (counts, extra) = take_known(
            fields,
            ["page", "per_page", "count", "total_count", "total_pages"],
        );
        let [page, per_page, count, total_count, total_pages] =
            counts.map(|count| count.and_then(lenient_u64));
        Ok(ResultInfo {
            page,
            per_page,
            count,
            total_count,
            total_pages,
            extra,
        })
    }

    /// The paging facts as JSON: the counts that are known, and the unknown fields as they came.
    pub fn to_json(&self) -> Value {
        let mut fields = self.extra.clone();
        for (name, count) in [
            ("page", self.page),
            ("per_page", self.per_page),
            ("count", self.count),
            ("total_count", self.total_count),
            ("total_pages", self.total_pages),
        ] {
            if let Some(count) = count {
                fields.insert(name.into(), count.into());
            }
        }
        Value::Object(fields)
    }
}

/// A count or code as the API really sends it: an integer, an integral float (`20.0`), or a
/// numeric string. Anything else, or a negative number, reads as absent rather than failing the
/// whole response.
pub(crate) fn lenient_u64(value: Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= u64::MAX as f64)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The values of the `known` fields, and the other fields as they came. (Taken apart by
/// rebuilding the map: `Map::remove` would bring the B-tree's rebalancing into the .wasm, 2 KB
/// gzipped.)
fn take_known<const N: usize>(
    fields: Map<String, Value>,
    known: [&str; N],
) -> ([Option<Value>; N], Map<String, Value>) {
    let mut found = [const { None }; N];
    let mut extra = Map::new();
    for (key, value) in fields {
        match known.iter().position(|name| *name == key) {
            Some(i) => found[i] = Some(value),
            None => {
                extra.insert(key, value);
            }
        }
    }
    (found, extra)
}

/// A known text field: absent or `null` is `None`; any other non-string is refused.
fn text(value: Option<Value>, name: &str) -> Result<Option<String>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(format!("has a `{name}` that is not text")),
    }
}

/// `errors` or `messages` as raw JSON (absent is empty): `null` or a list of entries.
fn read_entries(name: &str, raw: Option<&str>) -> Result<Vec<ApiMessage>, String> {
    match raw.map(serde_json::from_str).transpose() {
        Err(e) => Err(format!("`{name}`: {e}")),
        Ok(None | Some(Value::Null)) => Ok(Vec::new()),
        Ok(Some(Value::Array(entries))) => entries
            .into_iter()
            .enumerate()
            .map(|(i, entry)| {
                ApiMessage::from_json(entry).map_err(|e| format!("`{name}[{i}]` {e}"))
            })
            .collect(),
        Ok(Some(_)) => Err(format!("`{name}` is not a list")),
    }
}

/// `result_info` as raw JSON: absent or `null` is `None`.
fn read_result_info(raw: Option<&str>) -> Result<Option<ResultInfo>, String> {
    match raw.map(serde_json::from_str).transpose() {
        Err(e) => Err(format!("`result_info`: {e}")),
        Ok(None | Some(Value::Null)) => Ok(None),
        Ok(Some(value)) => ResultInfo::from_json(value)
            .map(Some)
            .map_err(|e| format!("`result_info` {e}")),
    }
}

serialize_as_json!(ApiMessage, ErrorSource, ResultInfo);

macro_rules! deserialize_from_json {
    ($($name:ident),*) => {$(
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $name::from_json(Value::deserialize(deserializer)?).map_err(de::Error::custom)
            }
        }
    )*};
}
deserialize_from_json!(ApiMessage, ResultInfo);

impl<'de> Deserialize<'de> for ErrorSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Object(fields) => ErrorSource::from_map(fields).map_err(de::Error::custom),
            _ => Err(de::Error::custom("an error source is an object")),
        }
    }
}

/// The top level of an envelope: `success`, and the other members as raw JSON.
struct RawEnvelope<'a> {
    success: bool,
    members: scan::Members<'a>,
}

impl<'a> RawEnvelope<'a> {
    /// Reads `text` as one JSON object with a boolean `success` and no envelope key twice. An
    /// error status may leave `success` out when it gives `errors` (older endpoints and
    /// proxies answer so, and the official SDKs read such bodies as API errors).
    fn read(text: &'a str, error_status: bool) -> Result<Self, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let success = de.deserialize_any(EnvelopeVisitor { error_status })?;
        de.end()?;
        Ok(RawEnvelope {
            success,
            members: scan::members(text),
        })
    }
}

/// Reads an envelope's top level for [`RawEnvelope`]: `success`, and every other value checked
/// and skipped. Values are asked for as "any" and anything unwanted refused here: asking
/// serde_json for a type would have it describe a value of another type in its own words,
/// with float formatting the .wasm otherwise does without.
struct EnvelopeVisitor {
    /// The status was not 2xx: `errors` without `success` is a failure envelope.
    error_status: bool,
}

/// Refuses every kind of value but the ones a visitor takes.
macro_rules! refuse_others {
    ($message:expr) => {
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Err(E::custom($message))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Err(E::custom($message))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Err(E::custom($message))
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Err(E::custom($message))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Err(E::custom($message))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(de::Error::custom($message))
        }
    };
}

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        const KEYS: [&str; 5] = ["success", "result", "errors", "messages", "result_info"];
        let (mut seen, mut success) = ([false; 5], None);
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let Some(index) = KEYS.iter().position(|k| *k == key.0) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if std::mem::replace(&mut seen[index], true) {
                return Err(de::Error::duplicate_field(KEYS[index]));
            }
            match index {
                0 => success = Some(map.next_value_seed(Flag)?),
                _ => map.next_value::<IgnoredAny>().map(drop)?,
            }
        }
        match success {
            Some(success) => Ok(success),
            None if self.error_status && seen[2] => Ok(false),
            None => Err(de::Error::missing_field("success")),
        }
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<bool, E> {
        Err(E::custom("not an object"))
    }

    refuse_others!("not an object");
}

/// The value of `success`: a boolean.
struct Flag;

impl<'de> DeserializeSeed<'de> for Flag {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<bool, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Flag {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<bool, E> {
        Ok(value)
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<bool, A::Error> {
        Err(de::Error::custom("`success` is not a boolean"))
    }

    refuse_others!("`success` is not a boolean");
}

/// The parts of an HTTP response the parser needs.
#[derive(Debug, Clone, Copy)]
pub struct RawResponse<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: &'a HeaderMap,
    /// The body bytes, whole.
    pub body: &'a [u8],
}

/// A successful envelope whose `result` is still JSON text, borrowed from the body.
pub(crate) struct Opened<'h, 'b> {
    pub(crate) result: &'b str,
    pub(crate) result_info: Option<ResultInfo>,
    pub(crate) messages: Vec<ApiMessage>,
    decode_error: DecodeErrorFactory<'h, 'b>,
}

/// Builds a decode error that points into the result, with the response's facts.
struct DecodeErrorFactory<'h, 'b> {
    operation: &'static str,
    status: u16,
    headers: &'h HeaderMap,
    body: &'b [u8],
}

impl DecodeErrorFactory<'_, '_> {
    fn error(&self, reason: String, retry_after: Option<Duration>) -> Error {
        let secret_fields = named::operation(self.operation)
            .map(|info| info.secret_fields)
            .unwrap_or_default();
        let (reason, snippet) = if secret_fields.is_empty() {
            (reason, snippet(self.body))
        } else {
            without_secrets(secret_fields, reason, self.body)
        };
        Error::Decode(Box::new(DecodeError {
            operation: self.operation,
            status: self.status,
            ray_id: header_str(self.headers, &CF_RAY).map(str::to_owned),
            reason,
            snippet,
            retry_after,
        }))
    }
}

/// What a decode error may show of a body whose result holds secrets (a created user's
/// `api_key`, a token's `value`): the account or token was made, and the error may be logged.
/// Read as JSON, the body is shown with every secret field masked, and their values are masked
/// in `reason`; a body that is not JSON is left out, and every quoted text in `reason` masked,
/// since where the secrets are cannot be told.
fn without_secrets(secret_fields: &[&str], reason: String, body: &[u8]) -> (String, String) {
    fn mask(value: &mut Value, secret_fields: &[&str], found: &mut Vec<String>) {
        match value {
            Value::Object(members) => {
                for (name, member) in members.iter_mut() {
                    if secret_fields.contains(&name.as_str()) && !member.is_null() {
                        found.push(match &*member {
                            Value::String(text) => text.clone(),
                            other => other.to_string(),
                        });
                        *member = Value::from(MASK);
                    } else {
                        mask(member, secret_fields, found);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| mask(i, secret_fields, found)),
            _ => {}
        }
    }
    let Ok(mut value) = serde_json::from_slice::<Value>(body) else {
        return (mask_quoted(&reason), String::new());
    };
    let mut found = Vec::new();
    mask(&mut value, secret_fields, &mut found);
    let mut reason = reason;
    for secret in found.iter().filter(|s| !s.is_empty()) {
        reason = reason.replace(secret.as_str(), MASK);
    }
    (reason, snippet(value.to_string().as_bytes()))
}

/// What a masked secret shows.
const MASK: &str = "***";

/// `text` with the inside of every `"..."` masked.
fn mask_quoted(text: &str) -> String {
    let mut masked = String::with_capacity(text.len());
    for (i, part) in text.split('"').enumerate() {
        if i > 0 {
            masked.push('"');
        }
        masked.push_str(if i % 2 == 1 { MASK } else { part });
    }
    masked
}

/// A decode error for a body the checked reading accepted but serde could not read whole.
pub(crate) fn decode_error(
    operation: &'static str,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    error: impl fmt::Display,
) -> Error {
    let factory = DecodeErrorFactory {
        operation,
        status,
        headers,
        body,
    };
    factory.error(format!("unreadable result ({error})"), None)
}

impl Opened<'_, '_> {
    /// The decode error for a result that does not have its operation's shape.
    pub(crate) fn mismatch(&self, mismatch: Mismatch) -> Error {
        let reason = format!(
            "unexpected value at `result{}`: {}",
            mismatch.path, mismatch.reason
        );
        self.decode_error.error(reason, None)
    }

    /// Checks the result against `shape`.
    pub(crate) fn check(&self, shape: &'static Shape) -> Result<Checked, Error> {
        shape::check(shape, self.result).map_err(|m| self.mismatch(m))
    }
}

/// Reads the envelope of a response for `operation`: a successful one, or the error it carries.
pub(crate) fn open<'h, 'b>(
    operation: &'static str,
    status: u16,
    headers: &'h HeaderMap,
    body: &'b [u8],
) -> Result<Opened<'h, 'b>, Error> {
    check_status(operation, status, headers)?;
    let decode_error = DecodeErrorFactory {
        operation,
        status,
        headers,
        body,
    };
    if !nested_within(body, MAX_DEPTH) {
        let reason =
            format!("not a Cloudflare API envelope (nested deeper than {MAX_DEPTH} levels)");
        return Err(decode_error.error(reason, None));
    }
    // JSON is UTF-8 (RFC 8259): a body that is not cannot be the API's, and hosts may then
    // hand any accepted body to their own JSON parser.
    let envelope = std::str::from_utf8(body)
        .map_err(|e| format!("the body is not UTF-8 ({e})"))
        .and_then(|text| {
            // serde would also read an array as the envelope's fields in order.
            if !text
                .trim_start_matches([' ', '\t', '\n', '\r'])
                .starts_with('{')
            {
                return Err("not a JSON object".to_owned());
            }
            let RawEnvelope { success, members } =
                RawEnvelope::read(text, !(200..300).contains(&status))
                    .map_err(|e| e.to_string())?;
            let errors = read_entries("errors", members.errors)?;
            let messages = read_entries("messages", members.messages)?;
            let result_info = read_result_info(members.result_info)?;
            Ok((success, members.result, errors, messages, result_info))
        });
    let (success, result, errors, messages, result_info) = match envelope {
        Ok(envelope) => envelope,
        Err(e) => {
            let reason = if body.is_empty() {
                "the body is empty".to_owned()
            } else {
                format!("not a Cloudflare API envelope ({e})")
            };
            return Err(decode_error.error(reason, retry_after(headers, body, None)));
        }
    };
    if !success || !(200..300).contains(&status) {
        let retry_after = retry_after(headers, body, None);
        return Err(Error::Api(Box::new(ApiError {
            operation,
            status,
            errors,
            messages,
            ray_id: header_str(headers, &CF_RAY).map(str::to_owned),
            retry_after,
        })));
    }
    Ok(Opened {
        result: result.unwrap_or("null"),
        result_info,
        messages,
        decode_error,
    })
}

/// Refuses a status no HTTP response has, and every redirect: a 3xx (or 0, a browser's opaque
/// redirect) is never a result, whatever its body says.
pub(crate) fn check_status(
    operation: &'static str,
    status: u16,
    headers: &HeaderMap,
) -> Result<(), Error> {
    match status {
        0 | 300..=399 => {
            let location = header_str(headers, &LOCATION).map(|l| {
                let mut end = l.len().min(LOCATION_CHARS);
                while !l.is_char_boundary(end) {
                    end -= 1;
                }
                l[..end].to_owned()
            });
            Err(Error::Redirect(Box::new(Redirected {
                operation,
                status,
                location,
            })))
        }
        100..=599 => Ok(()),
        _ => Err(Error::from(Invalid::new(
            "status",
            format!("must be an HTTP status from 100 to 599, got {status}"),
        ))
        .in_operation(operation)),
    }
}

/// The deepest nesting of arrays and objects a body may have: serde_json's own limit. The
/// whole body is held to it, unknown members included, so that no host's JSON parser ever
/// meets deeper input (Python's recursion limit, a JS heap).
pub const MAX_DEPTH: usize = 128;

/// True when no array or object in `body` is nested deeper than `limit`; strings are skipped,
/// escapes included. Anything else about the body is left to the parser.
fn nested_within(body: &[u8], limit: usize) -> bool {
    let mut depth = 0usize;
    let mut bytes = body.iter();
    while let Some(&b) = bytes.next() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return false;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'"' => {
                while let Some(&b) = bytes.next() {
                    match b {
                        b'"' => break,
                        b'\\' => {
                            bytes.next();
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    true
}

/// How much of a redirect's `Location` an error keeps.
const LOCATION_CHARS: usize = 512;

/// The `result` of a body [`open`] accepted, as a `Value`.
pub(crate) fn result_value(body: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    let envelope = RawEnvelope::read(text, false).map_err(|e| e.to_string())?;
    serde_json::from_str(envelope.members.result.unwrap_or("null")).map_err(|e| e.to_string())
}

/// A successful answer read by name: its result checked against the operation's shape, not
/// built.
pub(crate) struct CheckedEnvelope {
    pub(crate) checked: Checked,
    pub(crate) result_info: Option<ResultInfo>,
    pub(crate) messages: Vec<ApiMessage>,
}

/// Reads a response for the by-name entry: a successful body in one pass, the envelope read and
/// its result checked together. Anything else (an error envelope, a mismatch, not JSON) is read
/// again by [`open`] and [`Opened::check`], which say exactly what is wrong; so both readings
/// accept the same bodies.
pub(crate) fn open_checked(
    operation: &'static str,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    shape: &'static Shape,
) -> Result<CheckedEnvelope, Error> {
    if (200..300).contains(&status) && nested_within(body, MAX_DEPTH) {
        if let Some(envelope) = std::str::from_utf8(body)
            .ok()
            .and_then(|text| read_success(text, shape))
        {
            return Ok(envelope);
        }
    }
    let opened = open(operation, status, headers, body)?;
    Ok(CheckedEnvelope {
        checked: opened.check(shape)?,
        result_info: opened.result_info,
        messages: opened.messages,
    })
}

/// The one-pass reading of a successful body (see [`scan`]); `None` for anything else. What
/// comes with the result is small and read as the two-pass reading reads it.
fn read_success(text: &str, shape: &'static Shape) -> Option<CheckedEnvelope> {
    let found = scan::success(text, shape)?;
    read_entries("errors", found.errors).ok()?;
    Some(CheckedEnvelope {
        checked: found.checked,
        result_info: read_result_info(found.result_info).ok()?,
        messages: read_entries("messages", found.messages).ok()?,
    })
}

/// Reads a response for `operation` into its typed result, or the error it carries.
pub fn parse<T: DeserializeOwned + Shaped>(
    operation: &'static str,
    response: RawResponse<'_>,
) -> Result<ApiResponse<T>, Error> {
    let opened = open(operation, response.status, response.headers, response.body)?;
    let result = match serde_json::from_str(opened.result) {
        Ok(result) => result,
        // The checker names the path at fault; serde alone would not.
        Err(e) => {
            return Err(match shape::check(&T::SHAPE, opened.result) {
                Err(mismatch) => opened.mismatch(mismatch),
                Ok(_) => opened.mismatch(Mismatch {
                    path: String::new(),
                    reason: e.to_string(),
                }),
            })
        }
    };
    Ok(ApiResponse {
        result,
        result_info: opened.result_info,
        messages: opened.messages,
    })
}

/// `cf-ray`: the id Cloudflare support asks for.
pub(crate) const CF_RAY: HeaderName = HeaderName::from_static("cf-ray");
/// `retry-after-ms`: the wait in milliseconds, read before `Retry-After`.
pub(crate) const RETRY_AFTER_MS: HeaderName = HeaderName::from_static("retry-after-ms");

/// Every response header the core reads. Lookups go by these names, not by `&str`: a `&str`
/// key runs through http's general header-name parser, which is large in the wasm build.
const READ_HEADERS: [HeaderName; 4] = [CF_RAY, LOCATION, RETRY_AFTER, RETRY_AFTER_MS];

/// The response headers the core reads, from every `(name, value)` pair a host received.
///
/// Bindings hand over all the headers they got; the map keeps only the ones the core reads
/// (`cf-ray`, `location`, `retry-after`, `retry-after-ms`), their names matched case-insensitively, in
/// order when a name repeats. Matching against those few names avoids http's general header
/// parser, which is large in the wasm build. A pair whose value is not a valid header value
/// (CR, LF, NUL) cannot come from a real response and is skipped.
pub fn response_headers<N, V>(pairs: impl IntoIterator<Item = (N, V)>) -> HeaderMap
where
    N: AsRef<[u8]>,
    V: AsRef<[u8]>,
{
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        let name = name.as_ref();
        let Some(known) = READ_HEADERS
            .into_iter()
            .find(|known| known.as_str().as_bytes().eq_ignore_ascii_case(name))
        else {
            continue;
        };
        if let Ok(value) = HeaderValue::from_bytes(value.as_ref()) {
            map.append(known, value);
        }
    }
    map
}

/// A header the core reads, as trimmed text; `None` when absent or not visible ASCII.
pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values<'a>(map: &'a HeaderMap, name: &HeaderName) -> Vec<&'a str> {
        map.get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect()
    }

    fn opened(body: &str) -> Result<Opened<'static, '_>, String> {
        static NO_HEADERS: std::sync::OnceLock<HeaderMap> = std::sync::OnceLock::new();
        let headers = NO_HEADERS.get_or_init(HeaderMap::new);
        open("accounts.get", 200, headers, body.as_bytes()).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_the_members_whatever_their_order_and_escapes() {
        let body = r#" {"messages":["hi",{"code":"20","message":"m","x":1}],
            "r\u0065sult" : {"id":"a"}, "success":true, "result_info":{"page":2.0,"count":-1}} "#;
        let envelope = opened(body).unwrap();
        assert_eq!(envelope.result, r#"{"id":"a"}"#);
        assert_eq!(envelope.messages[0].message, "hi");
        assert_eq!(envelope.messages[1].code, Some(20));
        assert_eq!(envelope.messages[1].extra["x"], 1);
        let info = envelope.result_info.as_ref().unwrap();
        assert_eq!((info.page, info.count), (Some(2), None));
        assert_eq!(opened(r#"{"success":true}"#).unwrap().result, "null");
    }

    #[test]
    fn refuses_what_is_not_an_envelope_and_says_why() {
        for (body, why) in [
            (r#"{"result":1}"#, "missing field `success`"),
            (r#"{"success":"true"}"#, "`success` is not a boolean"),
            (
                r#"{"success":true,"success":true}"#,
                "duplicate field `success`",
            ),
            (
                r#"{"success":true,"result":1,"result":2}"#,
                "duplicate field `result`",
            ),
            (r#"{"success":true,"errors":{}}"#, "`errors` is not a list"),
            (
                r#"{"success":true,"messages":[7]}"#,
                "`messages[0]` is neither text nor",
            ),
            (
                r#"{"success":true,"messages":[{"message":7}]}"#,
                "has a `message` that is not text",
            ),
            (
                r#"{"success":true,"messages":[{"source":{"pointer":1}}]}"#,
                "has a `source.pointer` that is not",
            ),
            (
                r#"{"success":true,"result_info":[]}"#,
                "`result_info` is not an object",
            ),
            (r#"{"success":true} x"#, "trailing characters"),
            ("[true]", "not a JSON object"),
        ] {
            let error = opened(body).err().unwrap_or_default();
            assert!(
                error.contains("not a Cloudflare API envelope"),
                "{body}: {error}"
            );
            assert!(error.contains(why), "{body}: {error}");
        }
    }

    #[test]
    fn response_headers_match_names_case_insensitively() {
        let map = response_headers([
            ("CF-Ray", "8a1b2c3d4e5f6a7b-SJC"),
            ("Retry-After", "3"),
            ("RETRY-AFTER-MS", "2500"),
        ]);
        assert_eq!(values(&map, &CF_RAY), ["8a1b2c3d4e5f6a7b-SJC"]);
        assert_eq!(values(&map, &RETRY_AFTER), ["3"]);
        assert_eq!(values(&map, &RETRY_AFTER_MS), ["2500"]);
        assert_eq!(map.len(), 3);
        // What the core reads from them.
        assert_eq!(header_str(&map, &CF_RAY), Some("8a1b2c3d4e5f6a7b-SJC"));
        assert_eq!(
            retry_after(&map, b"", None),
            Some(Duration::from_millis(2500))
        );
    }

    #[test]
    fn names_parsed_by_http_are_found_by_the_constants() {
        let response = http::Response::builder()
            .header("CF-Ray", "r")
            .header("Retry-After", "1")
            .header("Retry-After-Ms", "2")
            .body(())
            .unwrap();
        let headers = response.headers();
        assert_eq!(header_str(headers, &CF_RAY), Some("r"));
        assert_eq!(header_str(headers, &RETRY_AFTER), Some("1"));
        assert_eq!(header_str(headers, &RETRY_AFTER_MS), Some("2"));
    }

    #[test]
    fn response_headers_drop_names_the_core_does_not_read() {
        let map = response_headers([
            ("content-type", "application/json"),
            ("x-cf-ray", "no"),
            ("cf-ray-extra", "no"),
            ("retry-after-s", "no"),
            ("bad name", "no"),
            ("", "no"),
            ("cf-ray", "kept"),
        ]);
        assert_eq!(map.len(), 1);
        assert_eq!(values(&map, &CF_RAY), ["kept"]);
        assert!(response_headers(Vec::<(&str, &str)>::new()).is_empty());
    }

    #[test]
    fn response_headers_keep_repeated_names_in_order() {
        let map = response_headers([
            ("retry-after", "1"),
            ("cf-ray", "a"),
            ("Retry-After", "2"),
            ("RETRY-AFTER", "3"),
        ]);
        assert_eq!(values(&map, &RETRY_AFTER), ["1", "2", "3"]);
        assert_eq!(values(&map, &CF_RAY), ["a"]);
    }

    #[test]
    fn response_headers_skip_invalid_values() {
        let map = response_headers([
            ("retry-after", "1\r\nx-injected: yes"),
            ("retry-after", "2\n"),
            ("cf-ray", "nul\0"),
            ("retry-after", "4"),
        ]);
        assert_eq!(values(&map, &RETRY_AFTER), ["4"]);
        assert!(map.get(&CF_RAY).is_none());
    }

    #[test]
    fn response_headers_take_bytes_and_owned_strings() {
        // obs-text is a valid header value, though not text the core reads.
        let map = response_headers([
            (b"cf-ray".to_vec(), b"\xff".to_vec()),
            (b"Retry-After".to_vec(), b"5".to_vec()),
        ]);
        assert_eq!(map.get(&CF_RAY).unwrap().as_bytes(), b"\xff");
        assert_eq!(header_str(&map, &CF_RAY), None);
        let owned = response_headers([(String::from("retry-after-ms"), 7.to_string())]);
        assert_eq!(values(&owned, &RETRY_AFTER_MS), ["7"]);
    }
}
