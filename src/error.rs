//! One error type for everything that can go wrong between "build this request" and "here is
//! your result". Nothing the server said is dropped: every `errors[]` entry, `messages[]`, the
//! `cf-ray` header, the retry delay, and a bounded snippet of a body that was not an envelope.

use std::fmt;
use std::time::Duration;

use crate::message::ApiMessage;

/// Everything that can fail in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The caller's input was refused before any request existed.
    #[error(transparent)]
    Invalid(Box<Invalid>),
    /// The API answered with an error envelope (a non-2xx status, or `success: false`).
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The response could not be read as the API's envelope or as the operation's result.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The by-name entry point was given a name that is not an operation.
    #[error("unknown operation `{0}`; see operations() for the list")]
    UnknownOperation(String),
    /// A request that is not safe to resend may or may not have been carried out.
    #[error(transparent)]
    OutcomeUnknown(Box<OutcomeUnknown>),
    /// The transport failed and retries did not help.
    #[error(transparent)]
    Transport(Box<TransportError>),
    /// The answer was a redirect, which is never followed: it would hand the credentials (and
    /// a create's body) to another host, and a 301/302 would turn a create into a GET.
    #[error(transparent)]
    Redirect(Box<Redirected>),
}

impl Error {
    /// The operation this error belongs to, when it belongs to one.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Error::Invalid(e) => e.operation,
            Error::Api(e) => Some(e.operation),
            Error::Decode(e) => Some(e.operation),
            Error::UnknownOperation(_) => None,
            Error::OutcomeUnknown(e) => Some(e.operation),
            Error::Transport(e) => Some(e.operation),
            Error::Redirect(e) => Some(e.operation),
        }
    }

    /// Names `operation` in an input error that names none yet (a host's own checks, made
    /// before the core knew which operation they were for).
    pub fn in_operation(self, operation: &'static str) -> Self {
        match self {
            Error::Invalid(mut e) => {
                e.operation.get_or_insert(operation);
                Error::Invalid(e)
            }
            other => other,
        }
    }
}

/// Input refused before a request was built. Names the field and why; never echoes a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The operation being built, if any.
    pub operation: Option<&'static str>,
    /// The parameter at fault, as the caller named it (`account_id`, `policies[0].access`).
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

impl Invalid {
    pub(crate) fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Invalid {
            operation: None,
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(op) = self.operation {
            write!(f, "{op}: ")?;
        }
        write!(f, "invalid `{}`: {}", self.field, self.reason)
    }
}

impl std::error::Error for Invalid {}

impl From<Invalid> for Error {
    fn from(e: Invalid) -> Self {
        Error::Invalid(Box::new(e))
    }
}

/// The API refused or failed the request and said so in its envelope.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The operation that failed.
    pub operation: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// Every `errors[]` entry, in order.
    pub errors: Vec<ApiMessage>,
    /// Every `messages[]` entry, in order.
    pub messages: Vec<ApiMessage>,
    /// The `cf-ray` header, which Cloudflare support asks for.
    pub ray_id: Option<String>,
    /// How long the server asked us to wait (`Retry-After`, `retry-after-ms`, or the body's
    /// `retry_after`).
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// The first error code, the one the API leads with.
    pub fn code(&self) -> Option<u64> {
        self.errors.first().and_then(|e| e.code)
    }

    /// True when any `errors[]` entry carries this code.
    pub fn has_code(&self, code: u64) -> bool {
        self.errors.iter().any(|e| e.code == Some(code))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed with HTTP {}", self.operation, self.status)?;
        for (i, e) in self.errors.iter().enumerate() {
            f.write_str(if i == 0 { ": " } else { "; " })?;
            if let Some(code) = e.code {
                write!(f, "[{code}] ")?;
            }
            f.write_str(&e.message)?;
            if let Some(pointer) = e.source.as_ref().and_then(|s| s.pointer.as_deref()) {
                write!(f, " (at {pointer})")?;
            }
        }
        if let Some(wait) = self.retry_after {
            // Tenths by integers: float formatting would cost the .wasm 15 KB.
            let tenths = wait.as_secs().saturating_mul(10)
                + (u64::from(wait.subsec_nanos()) + 50_000_000) / 100_000_000;
            write!(f, " (retry after {}.{} s)", tenths / 10, tenths % 10)?;
        }
        if let Some(ray) = &self.ray_id {
            write!(f, " (cf-ray {ray})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// The body was not what the API sends: HTML from the edge, a truncated body, or a result of
/// the wrong shape. Keeps the status, the `cf-ray` header and the start of the body.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DecodeError {
    /// The operation whose response this was.
    pub operation: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// The `cf-ray` header.
    pub ray_id: Option<String>,
    /// What did not parse, with the JSON path when there is one.
    pub reason: String,
    /// The first [`SNIPPET_BYTES`] bytes of the body, lossily decoded.
    pub snippet: String,
    /// How long the server asked us to wait, if it did (edge 5xx/429 pages can carry it).
    pub retry_after: Option<Duration>,
}

/// A POST (or PATCH) got a 408 or 5xx, or no response at all: it may have been carried out.
/// Resending could do it twice (a second account), so the caller must look before retrying:
/// find the account by name, the member by e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutcomeUnknown {
    /// The operation.
    pub operation: &'static str,
    /// Its HTTP method.
    pub method: String,
    /// The status of the answer, when one came.
    pub status: Option<u16>,
    /// The `cf-ray` header, when an answer came.
    pub ray_id: Option<String>,
    /// What happened.
    pub detail: String,
}

impl fmt::Display for OutcomeUnknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: outcome unknown: the {} may or may not have been carried out, so it was not resent ",
            self.operation, self.method
        )?;
        match self.status {
            Some(status) => write!(f, "(HTTP {status}: {})", self.detail)?,
            None => write!(f, "(no response: {})", self.detail)?,
        }
        if let Some(ray) = &self.ray_id {
            write!(f, " (cf-ray {ray})")?;
        }
        Ok(())
    }
}

impl std::error::Error for OutcomeUnknown {}

/// The transport could not deliver the request or bring back the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransportError {
    /// The operation.
    pub operation: &'static str,
    /// Whether the request may have left.
    pub sent: bool,
    /// The transport's own words.
    pub message: String,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let when = if self.sent { "no response" } else { "not sent" };
        write!(f, "{}: {when}: {}", self.operation, self.message)
    }
}

impl std::error::Error for TransportError {}

/// The API never redirects: a 3xx comes from a proxy or a wrong base URL. It is not followed,
/// and not resent anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Redirected {
    /// The operation.
    pub operation: &'static str,
    /// The 3xx status; 0 for a browser's opaque redirect (`fetch` with `redirect: "manual"`),
    /// which tells neither the status nor where it pointed.
    pub status: u16,
    /// The `Location` header, when there was one.
    pub location: Option<String>,
}

impl fmt::Display for Redirected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: the answer was a redirect", self.operation)?;
        if self.status != 0 {
            write!(f, " (HTTP {})", self.status)?;
        }
        if let Some(location) = &self.location {
            write!(f, " to {location:?}")?;
        }
        f.write_str("; redirects are never followed, since they would send the credentials elsewhere: check the base URL")
    }
}

impl std::error::Error for Redirected {}

/// How much of an unreadable body an error keeps.
pub const SNIPPET_BYTES: usize = 512;

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: could not read the HTTP {} response: {}",
            self.operation, self.status, self.reason
        )?;
        if let Some(ray) = &self.ray_id {
            write!(f, " (cf-ray {ray})")?;
        }
        if !self.snippet.is_empty() {
            let short: String = self.snippet.chars().take(120).collect();
            write!(f, "; body starts: {short:?}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {}

/// The start of a body, at most [`SNIPPET_BYTES`], never split inside a character.
pub(crate) fn snippet(body: &[u8]) -> String {
    let mut end = body.len().min(SNIPPET_BYTES);
    while end > 0 && end < body.len() && std::str::from_utf8(&body[..end]).is_err() {
        end -= 1;
    }
    String::from_utf8_lossy(&body[..end]).into_owned()
}

impl Error {
    /// A stable JSON view of the error, the one every host exposes:
    /// `{"kind": "invalid" | "api" | "decode" | "unknown_operation" | "outcome_unknown" |
    /// "transport" | "redirect", "operation", "message", ...}`. Never holds a secret: credentials are not
    /// part of any error.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{Map, Value};
        let seconds = |d: &Option<Duration>| Value::from(d.map(|d| d.as_secs_f64()));
        let entries = |list: &[ApiMessage]| list.iter().map(ApiMessage::to_json).collect();
        // Built by inserts, not `json!`: each type `json!` serializes is more code in the .wasm.
        let mut view = Map::new();
        let mut put = |key: &str, value: Value| {
            view.insert(key.to_owned(), value);
        };
        put("message", self.to_string().into());
        match self {
            Error::Invalid(e) => {
                put("kind", "invalid".into());
                put("operation", e.operation.into());
                put("field", e.field.clone().into());
                put("reason", e.reason.clone().into());
            }
            Error::Api(e) => {
                put("kind", "api".into());
                put("operation", e.operation.into());
                put("status", e.status.into());
                put("errors", Value::Array(entries(&e.errors)));
                put("messages", Value::Array(entries(&e.messages)));
                put("ray_id", e.ray_id.clone().into());
                put("retry_after", seconds(&e.retry_after));
            }
            Error::Decode(e) => {
                put("kind", "decode".into());
                put("operation", e.operation.into());
                put("status", e.status.into());
                put("ray_id", e.ray_id.clone().into());
                put("reason", e.reason.clone().into());
                put("snippet", e.snippet.clone().into());
                put("retry_after", seconds(&e.retry_after));
            }
            Error::UnknownOperation(name) => {
                put("kind", "unknown_operation".into());
                put("operation", name.clone().into());
            }
            Error::OutcomeUnknown(e) => {
                put("kind", "outcome_unknown".into());
                put("operation", e.operation.into());
                put("method", e.method.clone().into());
                put("status", e.status.into());
                put("ray_id", e.ray_id.clone().into());
                put("detail", e.detail.clone().into());
            }
            Error::Transport(e) => {
                put("kind", "transport".into());
                put("operation", e.operation.into());
                put("sent", e.sent.into());
                put("reason", e.message.clone().into());
            }
            Error::Redirect(e) => {
                put("kind", "redirect".into());
                put("operation", e.operation.into());
                put("status", e.status.into());
                put("location", e.location.clone().into());
            }
        }
        Value::Object(view)
    }
}
