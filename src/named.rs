//! The by-name entry point: operations addressed by their dotted name, parameters and results
//! as JSON. The JavaScript and Python bindings are built on it; it is also the floor for Rust
//! users who drive the API from configuration.

use http::{HeaderMap, Request};
use serde_json::{Map, Value};

use crate::auth::Credentials;
use crate::client::Client;
use crate::envelope;
use crate::error::{Error, Invalid};
use crate::message::ApiResponse;
use crate::paginate::{PageState, Stop};
use crate::params;
use crate::registry::operation;
use crate::shape::absorb;

impl Client {
    /// Builds the request for the operation called `name` from JSON parameters (an object, or
    /// `null` for none), signed with `credentials` or else the client's.
    pub fn request_named(
        &self,
        name: &str,
        params: Value,
        credentials: Option<&Credentials>,
    ) -> Result<Request<Vec<u8>>, Error> {
        let info = operation(name)?;
        self.build_from(
            info.name,
            info.method.clone(),
            info.params,
            &params,
            credentials,
        )
    }

    /// The request of [`request_named`](Client::request_named) for an operation looked up
    /// already, in its plain parts.
    pub(crate) fn lay_out_named(
        &self,
        info: &crate::OperationInfo,
        params: &Value,
        credentials: Option<&Credentials>,
    ) -> Result<crate::Outgoing, Error> {
        let method = info.method.clone();
        self.lay_out(info.name, method, info.params, params, credentials)
    }

    /// As [`request_named`](Client::request_named); and an operation that takes an
    /// idempotency key (`accounts.create`) gets one made from `random` (16 random bytes
    /// from the host) when `params` holds none.
    pub fn request_named_keyed(
        &self,
        name: &str,
        params: Value,
        credentials: Option<&Credentials>,
        random: [u8; 16],
    ) -> Result<Request<Vec<u8>>, Error> {
        self.request_keyed(operation(name)?, params, credentials, random)
    }

    /// [`request_named_keyed`](Client::request_named_keyed) for an operation looked up already.
    pub(crate) fn request_keyed(
        &self,
        info: &crate::OperationInfo,
        params: Value,
        credentials: Option<&Credentials>,
        random: [u8; 16],
    ) -> Result<Request<Vec<u8>>, Error> {
        let params = crate::idempotency::with_key(info.params, params, random);
        self.build_from(
            info.name,
            info.method.clone(),
            info.params,
            &params,
            credentials,
        )
    }
}

/// A by-name result that the core has checked but not built: every known field has its type
/// (or is `null`). The result itself is the body's `result`, as sent: hosts read it with their
/// own JSON parser, which builds objects faster than any crossing from Rust could (the body is
/// valid UTF-8 JSON once checked); [`parse_response_named`] gives a [`Value`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckedResult {
    /// How many items, when the result is an array.
    pub items: Option<usize>,
    /// Equal for the same items sent again (see [`NamedPaginator::feed_checked`]).
    pub digest: u64,
}

/// Reads a response to the operation called `name` and checks its result against the
/// operation's model without building it: known fields must have their types (or be `null`),
/// unknown fields may hold anything.
pub fn check_response_named(
    name: &str,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<ApiResponse<CheckedResult>, Error> {
    let info = operation(name)?;
    let envelope = envelope::open_checked(info.name, status, headers, body, info.result_shape)?;
    Ok(ApiResponse {
        result: CheckedResult {
            items: envelope.checked.items,
            digest: envelope.checked.digest,
        },
        result_info: envelope.result_info,
        messages: envelope.messages,
    })
}

/// Reads a response to the operation called `name`: the result is the JSON the server sent,
/// checked as [`check_response_named`] does (`null` fields and unknown fields kept).
pub fn parse_response_named(
    name: &str,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<ApiResponse<Value>, Error> {
    let info = operation(name)?;
    // One reading: the result's text comes with the check.
    let opened = envelope::open(info.name, status, headers, body, info.result_shape)?;
    opened.checked()?;
    // Not expected once checked; an error rather than a panic all the same.
    let result = serde_json::from_str(opened.result)
        .map_err(|e| envelope::decode_error(info.name, status, headers, body, e))?;
    Ok(ApiResponse {
        result,
        result_info: opened.result_info,
        messages: opened.messages,
    })
}

/// The paginator of the by-name entry point: parameters and items as JSON.
#[derive(Debug, Clone)]
pub struct NamedPaginator {
    operation: &'static str,
    params: Map<String, Value>,
    state: PageState,
}

impl NamedPaginator {
    /// Pages through the operation called `name`, starting from `params`, which are checked
    /// here, before any request.
    pub fn new(name: &str, params: Value) -> Result<Self, Error> {
        let info = operation(name)?;
        if !info.paginated {
            return Err(
                Error::from(Invalid::new("operation", "is not a paginated list"))
                    .in_operation(info.name),
            );
        }
        params::lay_out(info.params, &params)
            .map_err(|e| Error::from(e).in_operation(info.name))?;
        let params = match params {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let number = |key: &str| {
            params
                .get(key)
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
        };
        let state = PageState::new(number("page"), number("per_page"));
        Ok(NamedPaginator {
            operation: info.name,
            params,
            state,
        })
    }

    /// Sets the page cap.
    pub fn set_max_pages(&mut self, max_pages: u32) {
        self.state.set_max_pages(max_pages);
    }

    /// The operation's name.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The parameters for the next page, or `None` when done.
    pub fn next_params(&self) -> Option<Value> {
        let page = self.state.next_page()?;
        let mut params = self.params.clone();
        params.insert("page".into(), Value::from(page));
        Some(Value::Object(params))
    }

    /// Takes the parsed response to the last request and returns the page's new items.
    pub fn feed(&mut self, response: ApiResponse<Value>) -> Vec<Value> {
        let items = match response.result {
            Value::Array(items) => items,
            Value::Null => Vec::new(),
            other => vec![other],
        };
        // Each item's JSON text: the writer the .wasm has anyway (`fingerprint` would bring a
        // second serializer for `Value`).
        let digest = items.iter().fold(0, |digest, item| {
            absorb(digest, item.to_string().as_bytes())
        });
        if self
            .state
            .feed(items.len(), digest, response.result_info.as_ref())
        {
            items
        } else {
            Vec::new()
        }
    }

    /// Takes a checked response to the last request; returns false when its items must be
    /// dropped (the page repeats an earlier one).
    pub fn feed_checked(&mut self, response: &ApiResponse<CheckedResult>) -> bool {
        let CheckedResult { items, digest } = response.result;
        self.state
            .feed(items.unwrap_or(0), digest, response.result_info.as_ref())
    }

    /// Why it stopped, once it has.
    pub fn stop(&self) -> Option<&Stop> {
        self.state.stop()
    }
}
