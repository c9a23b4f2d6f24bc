//! The v4 envelope: `{result, success, errors, messages, result_info}`.
//!
//! The envelope is the one strict thing in this crate: a body without a boolean `success` is
//! not the API talking (it is an edge page, a proxy, a truncated read) and becomes a
//! [`DecodeError`]. Everything inside it is read leniently.

use std::time::Duration;

use http::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::error::{snippet, ApiError, DecodeError, Error};
use crate::retry::retry_after;
use crate::scan;
use crate::shape::{self, Checked, Mismatch, Shape, Shaped};

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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiMessage {
    /// The Cloudflare error code (above 65,535 exist).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u64>,
    /// The human-readable message.
    pub message: String,
    /// A link to the documentation for this code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
    /// Where in the request the problem was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<ErrorSource>,
    /// Fields this crate does not know yet.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `source` of an error entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorSource {
    /// A JSON pointer into the request body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Fields this crate does not know yet.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl<'de> Deserialize<'de> for ApiMessage {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Entry {
            #[serde(default, deserialize_with = "crate::lenient::opt_u64")]
            code: Option<u64>,
            #[serde(default)]
            message: Option<String>,
            #[serde(default)]
            documentation_url: Option<String>,
            #[serde(default)]
            source: Option<ErrorSource>,
            #[serde(flatten)]
            extra: Map<String, Value>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Text(String),
            Entry(Entry),
        }
        Ok(match Repr::deserialize(deserializer)? {
            Repr::Text(message) => ApiMessage {
                code: None,
                message,
                documentation_url: None,
                source: None,
                extra: Map::new(),
            },
            Repr::Entry(e) => ApiMessage {
                code: e.code,
                message: e.message.unwrap_or_default(),
                documentation_url: e.documentation_url,
                source: e.source,
                extra: e.extra,
            },
        })
    }
}

/// Paging facts. `total_pages` is only in newer responses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResultInfo {
    /// The page this is, from 1.
    #[serde(
        default,
        deserialize_with = "crate::lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub page: Option<u64>,
    /// Items per page as the server applied it.
    #[serde(
        default,
        deserialize_with = "crate::lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub per_page: Option<u64>,
    /// Items on this page.
    #[serde(
        default,
        deserialize_with = "crate::lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<u64>,
    /// Items on all pages.
    #[serde(
        default,
        deserialize_with = "crate::lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_count: Option<u64>,
    /// Number of pages.
    #[serde(
        default,
        deserialize_with = "crate::lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_pages: Option<u64>,
    /// Fields this crate does not know yet (cursors, for one).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Deserialize)]
struct RawEnvelope<'a> {
    success: bool,
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
    #[serde(default, deserialize_with = "null_as_empty")]
    errors: Vec<ApiMessage>,
    #[serde(default, deserialize_with = "null_as_empty")]
    messages: Vec<ApiMessage>,
    #[serde(default)]
    result_info: Option<ResultInfo>,
}

fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ApiMessage>, D::Error> {
    Ok(Option::<Vec<ApiMessage>>::deserialize(d)?.unwrap_or_default())
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
        Error::Decode(Box::new(DecodeError {
            operation: self.operation,
            status: self.status,
            ray_id: header_str(self.headers, &CF_RAY).map(str::to_owned),
            reason,
            snippet: snippet(self.body),
            retry_after,
        }))
    }
}

/// A decode error for a body the checked reading accepted but serde could not read whole.
pub(crate) fn decode_error(
    operation: &'static str,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    error: serde_json::Error,
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
    let decode_error = DecodeErrorFactory {
        operation,
        status,
        headers,
        body,
    };
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
            serde_json::from_str::<RawEnvelope<'_>>(text).map_err(|e| e.to_string())
        });
    let envelope = match envelope {
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
    if !envelope.success || !(200..300).contains(&status) {
        let retry_after = retry_after(headers, body, None);
        return Err(Error::Api(Box::new(ApiError {
            operation,
            status,
            errors: envelope.errors,
            messages: envelope.messages,
            ray_id: header_str(headers, &CF_RAY).map(str::to_owned),
            retry_after,
        })));
    }
    Ok(Opened {
        result: envelope.result.map_or("null", RawValue::get),
        result_info: envelope.result_info,
        messages: envelope.messages,
        decode_error,
    })
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
/// comes with the result is small and read by serde, as the two-pass reading does.
fn read_success(text: &str, shape: &'static Shape) -> Option<CheckedEnvelope> {
    let found = scan::success(text, shape)?;
    let messages = |raw: Option<&str>| match raw {
        Some(raw) => serde_json::from_str::<Option<Vec<ApiMessage>>>(raw).ok(),
        None => Some(None),
    };
    messages(found.errors)?;
    let result_info = match found.result_info {
        Some(raw) => serde_json::from_str::<Option<ResultInfo>>(raw).ok()?,
        None => None,
    };
    Some(CheckedEnvelope {
        checked: found.checked,
        result_info,
        messages: messages(found.messages)?.unwrap_or_default(),
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
const READ_HEADERS: [HeaderName; 3] = [CF_RAY, RETRY_AFTER, RETRY_AFTER_MS];

/// The response headers the core reads, from every `(name, value)` pair a host received.
///
/// Bindings hand over all the headers they got; the map keeps only the ones the core reads
/// (`cf-ray`, `retry-after`, `retry-after-ms`), their names matched case-insensitively, in
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
