//! Every operation of the Tenant API, one type each, declared the same way:
//!
//! ```text
//! /// `dotted.name`: what it does.
//! pub struct Verb<Resource> { its parameters }
//! impl Operation for Verb<Resource> {
//!     const NAME; const METHOD; type Output;
//!     const PARAMS: Params = Params::new(path, &[Param::path(..), Param::query(..), ...]);
//! }
//! ```
//!
//! The fields of an operation are its by-name parameters: it serializes to the JSON a host
//! passes (`{"account_id": ...}` means the same in Rust, JS and Python), and [`Params`] says what
//! each takes and where it goes, for both.

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

use http::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

pub use crate::params::{Kind, Param, Params, Rule, To};
use crate::shape::Shaped;

/// One endpoint: its parameters, and what its result is.
pub trait Operation: Serialize {
    /// The stable dotted name every host and the fixture corpus use.
    const NAME: &'static str;
    /// The HTTP method.
    const METHOD: Method;
    /// The type of the envelope's `result`.
    type Output: DeserializeOwned + Serialize + Shaped;
    /// Fields of the result that hold secrets.
    const SECRET_FIELDS: &'static [&'static str] = &[];
    /// What each parameter (each field, serialized) takes and where it goes in the request.
    const PARAMS: Params;
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
