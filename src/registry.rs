//! The registry: every operation of the catalog, by its dotted name, as data. The by-name entry
//! point, the machines and the catalog export look operations up here.

use http::Method;

use crate::api::{Operation, Paginated};
use crate::error::Error;
use crate::params::Params;
use crate::shape::{Shape, Shaped};

/// What the registry knows of an operation.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OperationInfo {
    /// The stable dotted name.
    pub name: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// Whether it pages with `page`/`per_page` (see [`NamedPaginator`](crate::NamedPaginator)).
    pub paginated: bool,
    /// Result fields that hold secrets (a created user's `api_key`, a created token's
    /// `value`): hosts must keep them out of reprs and logs, since the by-name result is plain
    /// JSON. For a list, the fields of each item. [`WHOLE_RESULT`](crate::api::WHOLE_RESULT)
    /// (the empty name) says the result itself is the secret (a rolled token's value, a string).
    pub secret_fields: &'static [&'static str],
    /// What each parameter takes and where it goes in the request.
    pub params: &'static Params,
    /// The wire form of the result, which by-name parses check.
    pub result_shape: &'static Shape,
}

impl OperationInfo {
    /// What a host lists of it: `{"name", "method", "paginated", "secret_fields"}`.
    pub fn summary_json(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "method": self.method.as_str(),
            "paginated": self.paginated,
            "secret_fields": self.secret_fields,
        })
    }
}

macro_rules! registry {
    ($($op:ty $(: $paged:ident)?),* $(,)?) => {
        static REGISTRY: &[OperationInfo] = &[$(
            OperationInfo {
                name: <$op as Operation>::NAME,
                method: <$op as Operation>::METHOD,
                paginated: registry!(@paged $op $(, $paged)?),
                secret_fields: <$op as Operation>::SECRET_FIELDS,
                params: &<$op as Operation>::PARAMS,
                result_shape: &<<$op as Operation>::Output as Shaped>::SHAPE,
            },
        )*];
    };
    (@paged $op:ty, paged) => {{
        // A list marked `paged` must be `Paginated`.
        let _ = <$op as Paginated>::page;
        true
    }};
    (@paged $op:ty) => { false };
}

for_each_operation!(registry);

/// Every operation, in the order of the API reference.
pub fn operations() -> &'static [OperationInfo] {
    REGISTRY
}

/// The operation called `name`.
pub fn operation(name: &str) -> Result<&'static OperationInfo, Error> {
    REGISTRY
        .iter()
        .find(|info| info.name == name)
        .ok_or_else(|| Error::UnknownOperation(name.to_owned()))
}
