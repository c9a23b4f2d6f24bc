//! Every operation of the Tenant API, each declared once with `operation!`:
//!
//! ```text
//! operation! {
//!     /// `accounts.get`: one account.
//!     pub struct GetAccount {
//!         /// The account id.
//!         pub account_id: String = path(Id),
//!     }
//!     name: "accounts.get",
//!     method: GET,
//!     path: "/accounts/{account_id}",
//!     result: Account,
//! }
//! ```
//!
//! The fields of an operation are its by-name parameters: it serializes to the JSON a host
//! passes (`{"account_id": ...}` means the same in Rust, JS and Python), and [`Params`] says what
//! each takes and where it goes, for both. The same declarations make the exported
//! [`catalog`](crate::catalog()).

pub mod accounts;
pub mod members;
pub mod memberships;
pub mod permission_groups;
pub mod roles;
pub mod tenants;
pub mod tokens;
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
    /// Fields of the result (of each item, for a list) that hold secrets; [`WHOLE_RESULT`]
    /// when the result itself is one.
    const SECRET_FIELDS: &'static [&'static str] = &[];
    /// What each parameter (each field, serialized) takes and where it goes in the request.
    const PARAMS: Params;
    /// What the operation does: the text of its doc comment.
    const DOC: &'static str;
    /// What each parameter is, in the order of [`PARAMS`](Operation::PARAMS). Kept apart from
    /// the table, so that the tables the by-name entry point carries hold no prose.
    const PARAM_DOCS: &'static [&'static str];
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

/// Declares an operation once. From one declaration come the struct (its fields are the
/// parameters, documented), its [`Operation`] impl with the [`Params`] table (in field order,
/// which is the order the query is sent in) and the docs, and [`Paginated`] for a list that
/// pages.
///
/// ```text
/// operation! {
///     /// `dotted.name`: what it does.
///     pub struct VerbResource {
///         /// What the parameter is.
///         pub field: Type = path|query|body(Kind[(limit)])[.required()][.sent_as("wire.name")],
///     }
///     name: "dotted.name",
///     method: GET,
///     path: "/path/{field}",
///     result: Output,
///     paged: Item,            // pages with `page` and `per_page`; the result is `Vec<Item>`
///     body: true,             // sends a JSON body (`{}` when no parameter fills it)
///     rule: RolesOrPolicies,  // a rule across parameters
///     secret: ["api_key"],    // result fields that hold secrets ([WHOLE_RESULT]: the result)
///     default: false,         // no `Default`: a required field has no sensible default
/// }
/// ```
///
/// The lines after `result` are optional and come in this order. A parameter's name is its
/// field's (`r#type` is `type`); `sent_as` names it on the wire when that differs.
macro_rules! operation {
    (
        $(#[doc = $doc:literal])+
        pub struct $op:ident {
            $(
                $(#[doc = $param_doc:literal])+
                pub $field:ident: $ty:ty = $to:ident($kind:ident $(($limit:expr))?)
                    $(.$modifier:ident($($arg:expr)?))*
            ),* $(,)?
        }
        name: $name:literal,
        method: $method:ident,
        path: $path:literal,
        result: $output:ty,
        $(paged: $item:ty,)?
        $(body: $body:tt,)?
        $(rule: $rule:ident,)?
        $(secret: [$($secret:expr),* $(,)?],)?
        $(default: $default:tt,)?
    ) => {
        $crate::api::operation! {
            @struct [$($default)?]
            $(#[doc = $doc])+
            pub struct $op {
                $(
                    $(#[doc = $param_doc])+
                    pub $field: $ty,
                )*
            }
        }

        impl $crate::api::Operation for $op {
            const NAME: &'static str = $name;
            const METHOD: $crate::http::Method = $crate::http::Method::$method;
            type Output = $output;
            const SECRET_FIELDS: &'static [&'static str] = &[$($($secret),*)?];
            const PARAMS: $crate::api::Params = $crate::api::Params {
                path: $path,
                list: &[$(
                    $crate::api::Param::$to(
                        $crate::shape::wire_name(stringify!($field)),
                        $crate::api::Kind::$kind $(($limit))?,
                    ) $(.$modifier($($arg)?))*
                ),*],
                rule: $crate::api::operation!(
                    @or $crate::api::Rule::None $(, $crate::api::Rule::$rule)?
                ),
                body: $crate::api::operation!(@or false $(, $body)?),
            };
            const DOC: &'static str = $crate::api::doc_text(concat!($($doc),+));
            const PARAM_DOCS: &'static [&'static str] =
                &[$($crate::api::doc_text(concat!($($param_doc),+))),*];
        }

        $(
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
        )?
    };
    (@struct [] $($decl:tt)*) => {
        #[derive(Debug, Clone, Default, PartialEq, ::serde::Serialize)]
        $($decl)*
    };
    (@struct [false] $($decl:tt)*) => {
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize)]
        $($decl)*
    };
    (@or $default:expr, $value:expr) => {
        $value
    };
    (@or $default:expr) => {
        $default
    };
}
pub(crate) use operation;

/// A doc comment's text: `///` lines come as ` text`, so lines joined as they are read as one
/// paragraph once the first space is gone.
pub(crate) const fn doc_text(doc: &'static str) -> &'static str {
    match doc.as_bytes() {
        [b' ', rest @ ..] => match std::str::from_utf8(rest) {
            Ok(text) => text,
            Err(_) => doc,
        },
        _ => doc,
    }
}

/// In [`Operation::SECRET_FIELDS`] (and so in the registry's and the catalog's
/// `secret_fields`): the result itself is a secret, not a field of it. A rolled token's new
/// value is the whole result, a string, which no field name can point at. It is the empty
/// name, as the empty JSON Pointer names the whole document; for a list it names each item.
pub const WHOLE_RESULT: &str = "";

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
