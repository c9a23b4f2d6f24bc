//! The v4 envelope: `{result, success, errors, messages, result_info}`.
//!
//! The envelope is the one strict thing in this crate: a body without a boolean `success` is
//! not the API talking (it is an edge page, a proxy, a truncated read) and becomes a
//! [`DecodeError`]. Everything inside it is read leniently.

use std::time::Duration;

use http::HeaderMap;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::error::{snippet, ApiError, DecodeError, Error};
use crate::retry::retry_after;

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

/// Reads a response for `operation` into its typed result, or the error it carries.
pub fn parse<T: DeserializeOwned>(
    operation: &'static str,
    response: RawResponse<'_>,
) -> Result<ApiResponse<T>, Error> {
    let RawResponse {
        status,
        headers,
        body,
    } = response;
    let ray_id = header_str(headers, "cf-ray").map(str::to_owned);
    let decode_error = |reason: String, retry_after: Option<Duration>| {
        Error::Decode(Box::new(DecodeError {
            operation,
            status,
            ray_id: ray_id.clone(),
            reason,
            snippet: snippet(body),
            retry_after,
        }))
    };
    let envelope: RawEnvelope<'_> = match serde_json::from_slice(body) {
        Ok(envelope) => envelope,
        Err(e) => {
            let reason = if body.is_empty() {
                "the body is empty".to_owned()
            } else {
                format!("not a Cloudflare API envelope ({e})")
            };
            return Err(decode_error(reason, retry_after(headers, body, None)));
        }
    };
    if !envelope.success || !(200..300).contains(&status) {
        let retry_after = retry_after(headers, body, None);
        return Err(Error::Api(Box::new(ApiError {
            operation,
            status,
            errors: envelope.errors,
            messages: envelope.messages,
            ray_id,
            retry_after,
        })));
    }
    let raw = envelope.result.map_or("null", RawValue::get);
    let mut de = serde_json::Deserializer::from_str(raw);
    let result = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = match e.path().to_string() {
            root if root == "." => String::new(),
            index if index.starts_with('[') => index,
            field => format!(".{field}"),
        };
        decode_error(
            format!("unexpected value at `result{path}`: {}", e.inner()),
            None,
        )
    })?;
    Ok(ApiResponse {
        result,
        result_info: envelope.result_info,
        messages: envelope.messages,
    })
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}
