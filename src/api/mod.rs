//! Every operation of the Tenant API, one type each, declared the same way:
//!
//! ```text
//! /// `dotted.name`: what it does.
//! pub struct Verb<Resource> { path ids, query params, body fields }
//! impl Operation for Verb<Resource> {
//!     const NAME; const METHOD; type Output;
//!     fn path; fn query (if any); fn body (if any); fn validate (if more than ids)
//! }
//! ```
//!
//! Operation types double as the by-name parameters: they deserialize from the JSON a host
//! passes, refusing unknown fields, so `{"account_id": ...}` means the same in Rust, JS and
//! Python.

pub mod accounts;
pub mod members;
pub mod memberships;
pub mod permission_groups;
pub mod roles;
pub mod tenants;
pub mod user;
pub mod users;

mod models;

pub use models::*;

use std::fmt::Write as _;

use http::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::error::Invalid;
use crate::shape::Shaped;

/// One endpoint: how to build its request, and what its result is.
pub trait Operation {
    /// The stable dotted name every host and the fixture corpus use.
    const NAME: &'static str;
    /// The HTTP method.
    const METHOD: Method;
    /// The type of the envelope's `result`.
    type Output: DeserializeOwned + Serialize + Shaped;
    /// Fields of the result that hold secrets.
    const SECRET_FIELDS: &'static [&'static str] = &[];

    /// The path below the base URL, ids already checked by [`Operation::validate`].
    fn path(&self) -> String;

    /// Query parameters, in the order they are sent.
    fn query(&self) -> Query {
        Query::default()
    }

    /// The JSON body, for the methods that send one.
    fn body(&self) -> Option<Value> {
        None
    }

    /// Refuses bad input before a request exists. Every path id is checked here.
    fn validate(&self) -> Result<(), Invalid>;
}

/// A list operation that pages with `page` and `per_page`.
pub trait Paginated: Operation<Output = Vec<Self::Item>> + Clone {
    /// One element of a page.
    type Item: DeserializeOwned + Serialize;
    /// The page this request asks for (`None`: the API's default, page 1).
    fn page(&self) -> Option<u32>;
    /// Asks for another page.
    fn set_page(&mut self, page: u32);
    /// The page size asked for (`None`: the API's default).
    fn per_page(&self) -> Option<u32>;
}

/// Implements [`Paginated`] for a list operation with `page` and `per_page` fields.
macro_rules! paginated {
    ($op:ty => $item:ty) => {
        impl $crate::api::Paginated for $op {
            type Item = $item;
            fn page(&self) -> Option<u32> {
                self.page
            }
            fn set_page(&mut self, page: u32) {
                self.page = Some(page);
            }
            fn per_page(&self) -> Option<u32> {
                self.per_page
            }
        }
    };
}
pub(crate) use paginated;

/// Query parameters in sending order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(Vec<(&'static str, String)>);

impl Query {
    /// Adds `name=value` when there is a value.
    pub fn opt(mut self, name: &'static str, value: Option<impl ToString>) -> Self {
        if let Some(value) = value {
            self.0.push((name, value.to_string()));
        }
        self
    }

    /// The pairs, in order.
    pub fn pairs(&self) -> &[(&'static str, String)] {
        &self.0
    }

    /// `?a=1&b=2`, percent-encoded, or the empty string.
    pub fn to_query_string(&self) -> String {
        let mut out = String::new();
        for (i, (name, value)) in self.0.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            encode_into(&mut out, name);
            out.push('=');
            encode_into(&mut out, value);
        }
        out
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode_into(out: &mut String, text: &str) {
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
}

// ---- validation helpers shared by the operations --------------------------------------------

/// Path ids are 32 hex characters; nothing else may reach a path (no `/`, `..`, `?`, `%`).
pub(crate) fn check_id(field: impl Into<String>, id: &str) -> Result<(), Invalid> {
    if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(Invalid::new(
            field,
            format!("must be 32 hex characters, got {:?}", shorten(id)),
        ))
    }
}

/// Tenant tags are 32 letters or digits: the spec's own example is not hex. Still nothing of
/// path syntax can pass.
pub(crate) fn check_tag(field: &'static str, tag: &str) -> Result<(), Invalid> {
    if tag.len() == 32 && tag.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(Invalid::new(
            field,
            format!("must be 32 letters or digits, got {:?}", shorten(tag)),
        ))
    }
}

/// Length in characters, as the API counts them.
pub(crate) fn check_len(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<(), Invalid> {
    match value {
        Some(v) if v.chars().count() > max => Err(Invalid::new(
            field,
            format!(
                "must be at most {max} characters, got {}",
                v.chars().count()
            ),
        )),
        _ => Ok(()),
    }
}

pub(crate) fn check_not_empty(field: &'static str, value: &str) -> Result<(), Invalid> {
    if value.trim().is_empty() {
        Err(Invalid::new(field, "must not be empty"))
    } else {
        Ok(())
    }
}

/// `per_page` is 5..=50 on every list; `page` starts at 1.
pub(crate) fn check_paging(page: Option<u32>, per_page: Option<u32>) -> Result<(), Invalid> {
    if page == Some(0) {
        return Err(Invalid::new("page", "starts at 1"));
    }
    match per_page {
        Some(n) if !(5..=50).contains(&n) => Err(Invalid::new(
            "per_page",
            format!("must be between 5 and 50, got {n}"),
        )),
        _ => Ok(()),
    }
}

fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(40).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

/// `{"id": "..."}`: how the API references a role, permission group or resource group in a
/// request body. Callers may pass the bare id string instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdRef {
    /// The referenced id.
    pub id: String,
}

impl IdRef {
    /// References `id`.
    pub fn new(id: impl Into<String>) -> Self {
        IdRef { id: id.into() }
    }
}

impl<'de> Deserialize<'de> for IdRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Id(String),
            Ref { id: String },
        }
        Ok(
            match Repr::deserialize(d).map_err(|_| {
                serde::de::Error::custom("expected an id string or an object {\"id\": ...}")
            })? {
                Repr::Id(id) | Repr::Ref { id } => IdRef { id },
            },
        )
    }
}

/// Declares a string enum that also keeps values this crate does not know yet.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this version does not know; kept as sent.
            Other(String),
        }

        impl $name {
            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(text) => text,
                }
            }
        }

        impl $crate::api::WireEnum for $name {
            const VALUES: &'static [&'static str] = &[$($text),+];
            fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }
        }

        impl $crate::shape::Shaped for $name {
            const SHAPE: $crate::shape::Shape = $crate::shape::Shape::Str;
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                match text {
                    $($text => $name::$variant,)+
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Ok($name::from(text.as_ref()))
            }
        }
    };
}
pub(crate) use string_enum;

string_enum! {
    /// Sort direction of a list.
    Direction { /// Ascending.
    Asc = "asc", /// Descending.
    Desc = "desc" }
}

/// A string enum of the API: the values it knows, and whether a value is one of them.
pub trait WireEnum: std::fmt::Display {
    /// Every value this version knows.
    const VALUES: &'static [&'static str];
    /// False for a value kept in `Other`.
    fn is_known(&self) -> bool;
}

/// Refuses an enum value the API does not know: `Other` is for reading responses, not for
/// sending.
pub(crate) fn check_known<T: WireEnum>(
    field: &'static str,
    value: Option<&T>,
) -> Result<(), Invalid> {
    match value {
        Some(v) if !v.is_known() => Err(Invalid::new(
            field,
            format!(
                "must be one of {}, got {:?}",
                T::VALUES.join(", "),
                v.to_string()
            ),
        )),
        _ => Ok(()),
    }
}
