//! A sans-IO client for Cloudflare's account-provisioning (Tenant) API.
//!
//! This crate turns typed operations into plain [`http::Request`]s and plain HTTP responses
//! into typed results or typed errors. It never opens a socket, reads a clock or draws a random
//! number: you send the request with any HTTP library (`ureq`, `reqwest`, `hyper`, `fetch` in a
//! Worker) and hand back what came back. That keeps one tested core behind the Rust crate, the
//! npm package and the Python package, and lets you test your provisioning code without a
//! network.
//!
//! ```
//! use cloudflare_tenant::api::accounts::CreateAccount;
//! use cloudflare_tenant::{Client, Credentials};
//!
//! let client = Client::new(Credentials::api_token("my-token")?);
//! let request = client.request(&CreateAccount {
//!     unit_id: Some("f3b1a4e0c2d54e7f9a8b6c5d4e3f2a1b".into()),
//!     business_name: Some("Acme Corp".into()),
//!     ..CreateAccount::new("Acme Corp")
//! })?;
//! assert_eq!(request.uri(), "https://api.cloudflare.com/client/v4/accounts");
//!
//! // ... send `request` with your HTTP library, then:
//! let response = http::Response::builder().status(200).body(
//!     br#"{"success":true,"errors":[],"messages":[],
//!          "result":{"id":"2bab6ace8c72ed3f09b9eca6db1396bb","name":"Acme Corp","type":"standard"}}"#,
//! )?;
//! let account = client.response::<CreateAccount>(&response)?.result;
//! assert_eq!(account.id.as_deref(), Some("2bab6ace8c72ed3f09b9eca6db1396bb"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Every operation is a type in [`api`]; [`operations`] lists them by their dotted names for
//! the by-name entry point ([`Client::request_named`], [`parse_response_named`]).

#![deny(missing_docs)]
#![forbid(unsafe_code)]

/// `Serialize` through the type's own `to_json`. Types that only ever become JSON are written
/// by hand: serde's derive would bring serializer code for each of them into the .wasm.
macro_rules! serialize_as_json {
    ($($name:ty),*) => {$(
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                self.to_json().serialize(serializer)
            }
        }
    )*};
}

/// A JSON object of these members. (`json!` would serialize each value and unwrap the result,
/// which brings serde_json's serializer and the Debug of its error into the .wasm.)
pub(crate) fn object<const N: usize>(members: [(&str, serde_json::Value); N]) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for (key, value) in members {
        map.insert(key.to_owned(), value);
    }
    serde_json::Value::Object(map)
}

// `for_each_operation!`, written by `build.rs` from the `operation!` declarations of `src/api/`;
// included before the modules so that each of them may call it.
include!(concat!(env!("OUT_DIR"), "/for_each_operation.rs"));

pub mod api;
mod auth;
mod catalog;
mod client;
mod envelope;
mod error;
pub mod flows;
mod headers;
pub mod host;
pub mod idempotency;
pub mod machines;
mod message;
mod named;
mod paginate;
mod params;
mod registry;
mod retry;
mod scan;
pub mod shape;

pub use api::{Operation, Paginated, WHOLE_RESULT};
pub use auth::{Credentials, Secret};
pub use catalog::catalog;
pub use client::{parse_response, Client, Outgoing, DEFAULT_BASE_URL, DEFAULT_USER_AGENT};
pub use error::{
    ApiError, DecodeError, Error, Invalid, OutcomeUnknown, Redirected, TransportError,
    SNIPPET_BYTES,
};
pub use headers::{response_headers, retry_after, server_budget, ServerBudget};
pub use http;
pub use message::{ApiMessage, ApiResponse, ErrorSource, ResultInfo};

/// The README's examples compile as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
pub use named::{check_response_named, parse_response_named, CheckedResult, NamedPaginator};
pub use paginate::{PageState, Paginator, Stop, DEFAULT_MAX_PAGES};
pub use registry::{operation, operations, OperationInfo};
pub use retry::{Attempt, Next, Pacer, Retry, RetryPolicy, Ticket};
