//! The v4 envelope: `{result, success, errors, messages, result_info}`.
//!
//! The envelope is the one strict thing in this crate: a body without a boolean `success` is
//! not the API talking (it is an edge page, a proxy, a truncated read) and becomes a
//! [`DecodeError`]. Everything inside it is read leniently.

use std::time::Duration;

use http::header::{HeaderMap, LOCATION};
use std::fmt;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::Deserializer;
use serde_json::Value;

use crate::api::WHOLE_RESULT;
use crate::error::{snippet, ApiError, DecodeError, Error, Invalid, Redirected};
use crate::headers::{header_str, retry_after, CF_RAY};
use crate::message::{read_entries, read_result_info, ApiMessage, ApiResponse, ResultInfo};
use crate::registry;
use crate::scan;
use crate::shape::{self, Checked, Key, Mismatch, Shape, Shaped};

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
        let secret_fields = registry::operation(self.operation)
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
/// since where the secrets are cannot be told. When the result itself is the secret
/// ([`WHOLE_RESULT`]: a rolled token's value), the whole `result` is masked; and when it is
/// not the string it should be, every quoted text in `reason` too, since a part of it could
/// be the secret.
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
    let mut reason = reason;
    if secret_fields.contains(&WHOLE_RESULT) {
        if let Some(result) = value.get_mut("result").filter(|result| !result.is_null()) {
            match result {
                Value::String(text) => found.push(std::mem::take(text)),
                _ => reason = mask_quoted(&reason),
            }
            *result = Value::from(MASK);
        }
    }
    mask(&mut value, secret_fields, &mut found);
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

// The one-pass reading gives up before the limit, so a body it reads is within it.
const _: () = assert!(scan::MAX_DEPTH as usize <= MAX_DEPTH);

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
    // No depth pre-pass here: the scanner gives up before [`MAX_DEPTH`] itself, and `open`
    // checks the depth before serde reads anything.
    if (200..300).contains(&status) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
