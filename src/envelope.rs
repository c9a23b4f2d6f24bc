//! The v4 envelope: `{result, success, errors, messages, result_info}`.
//!
//! The envelope is the one strict thing in this crate: a body without a boolean `success` is
//! not the API talking (it is an edge page, a proxy, a truncated read) and becomes a
//! [`DecodeError`]. Everything inside it is read leniently.

use std::fmt;
use std::time::Duration;

use http::header::{HeaderMap, LOCATION};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api::WHOLE_RESULT;
use crate::error::{snippet, ApiError, DecodeError, Error, Invalid, Redirected};
use crate::headers::{header_str, retry_after, CF_RAY};
use crate::message::{read_entries, read_result_info, ApiMessage, ApiResponse, ResultInfo};
use crate::registry;
use crate::scan;
use crate::shape::{Checked, Mismatch, Shape, Shaped};

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
    /// The result against the shape [`open`] was given.
    checked: Result<Checked, Mismatch>,
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

    /// What the check of the result against the shape found: its summary, or the decode
    /// error of a mismatch.
    pub(crate) fn checked(&self) -> Result<Checked, Error> {
        self.checked.clone().map_err(|m| self.mismatch(m))
    }
}

/// Reads the envelope of a response for `operation`: a successful one, its result checked
/// against `shape` ([`Shape::Any`] checks only that it is JSON), or the error it carries. The
/// body is read once, by [`scan::envelope`].
pub(crate) fn open<'h, 'b>(
    operation: &'static str,
    status: u16,
    headers: &'h HeaderMap,
    body: &'b [u8],
    shape: &'static Shape,
) -> Result<Opened<'h, 'b>, Error> {
    check_status(operation, status, headers)?;
    let decode_error = DecodeErrorFactory {
        operation,
        status,
        headers,
        body,
    };
    let success_status = (200..300).contains(&status);
    // JSON is UTF-8 (RFC 8259): a body that is not cannot be the API's, and hosts may then
    // hand any accepted body to their own JSON parser.
    let envelope = std::str::from_utf8(body)
        .map_err(|e| format!("the body is not UTF-8 ({e})"))
        .and_then(|text| {
            let found = scan::envelope(text, shape, !success_status)?;
            let errors = read_entries("errors", found.errors)?;
            let messages = read_entries("messages", found.messages)?;
            let result_info = read_result_info(found.result_info)?;
            Ok((found, errors, messages, result_info))
        });
    let (found, errors, messages, result_info) = match envelope {
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
    if !found.success || !success_status {
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
        result: found.result,
        checked: found.checked,
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

/// How much of a redirect's `Location` an error keeps.
const LOCATION_CHARS: usize = 512;

/// The `result` of a body [`open`] accepted, as a `Value`.
pub(crate) fn result_value(body: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    let envelope = scan::envelope(text, &Shape::Any, false)?;
    serde_json::from_str(envelope.result).map_err(|e| e.to_string())
}

/// A successful answer read by name: its result checked against the operation's shape, not
/// built.
pub(crate) struct CheckedEnvelope {
    pub(crate) checked: Checked,
    pub(crate) result_info: Option<ResultInfo>,
    pub(crate) messages: Vec<ApiMessage>,
}

/// Reads a response for the by-name entry: the envelope, its result checked against `shape`
/// and not built.
pub(crate) fn open_checked(
    operation: &'static str,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    shape: &'static Shape,
) -> Result<CheckedEnvelope, Error> {
    let opened = open(operation, status, headers, body, shape)?;
    Ok(CheckedEnvelope {
        checked: opened.checked()?,
        result_info: opened.result_info,
        messages: opened.messages,
    })
}

/// Reads a response for `operation` into its typed result, or the error it carries.
pub fn parse<T: DeserializeOwned + Shaped>(
    operation: &'static str,
    response: RawResponse<'_>,
) -> Result<ApiResponse<T>, Error> {
    let opened = open(
        operation,
        response.status,
        response.headers,
        response.body,
        &T::SHAPE,
    )?;
    opened.checked()?;
    // The reading above has vouched for the result; serde only builds it. Should the two ever
    // disagree, serde's refusal is the error.
    let result = serde_json::from_str(opened.result).map_err(|e| {
        opened.mismatch(Mismatch {
            path: String::new(),
            reason: e.to_string(),
        })
    })?;
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
        open("accounts.get", 200, headers, body.as_bytes(), &Shape::Any).map_err(|e| e.to_string())
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
