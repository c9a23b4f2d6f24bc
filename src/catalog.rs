//! The catalog as data: every operation with its parameters (kind, limits, where each goes),
//! its result's wire shape and its docs; the models those results refer to; the kinds of
//! error. The hosts generate their typed surfaces and docs from it, so an operation is declared
//! once, in Rust, and nowhere else.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::api::Operation;
use crate::object;
use crate::params::{Kind, Param, Rule, To, PER_PAGE};
use crate::registry::{operations, OperationInfo};
use crate::shape::Shape;

/// The whole catalog:
///
/// ```text
/// {"version": "<crate version>",
///  "operations": [{"name", "method", "path", "doc", "paginated", "body",
///                  "rule": null | "roles_or_policies" | "at_least_one",
///                  "secret_fields": [...],
///                  "params": [{"name", "doc", "in": "path" | "query" | "body",
///                              "wire", "required", "kind": {"type", ...}}],
///                  "result": <shape>}],
///  "models": {"Account": {"type": "object", "name": "Account", "doc",
///                         "fields": [{"name", "doc", "shape"}]}, ...},
///  "errors": [{"kind", "doc"}]}
/// ```
///
/// Operations come in the order of [`operations`]. A parameter's `wire` is its query key or
/// its dotted body path (`unit.id`); a path parameter also copied into the body names that
/// path in `also_body`. A kind's `type` is one of `id`, `tag`, `text`, `name`, `one_of`,
/// `page`, `per_page`, `bool`, `role_ids`, `role_refs`, `policies`, `token_policies`,
/// `cidrs`, `date_time`, `direction_digit`, `key`, with `max` (text and name, when limited;
/// key), `min` and `max` (page sizes), `values` (`one_of`).
///
/// `secret_fields` names the fields of the result (of each item, for a list) that hold
/// secrets; the empty name ([`WHOLE_RESULT`](crate::api::WHOLE_RESULT)) says the result
/// itself is one.
///
/// A shape is `{"type": "any" | "string" | "boolean" | "object"}` (`object`: any object),
/// `{"type": "nullable", "of": <shape>}`, `{"type": "array", "items": <shape>}`,
/// `{"type": "map", "values": <shape>}` (an object of such values), or
/// `{"type": "ref", "name"}`: a model in `models`. A model's fields may each be absent or
/// `null`, and it keeps fields it does not list.
pub fn catalog() -> Value {
    let mut models = BTreeMap::new();
    let operations = operations()
        .iter()
        .zip(DOCS)
        .map(|(info, docs)| operation(info, docs, &mut models))
        .collect();
    object([
        ("version", env!("CARGO_PKG_VERSION").into()),
        ("operations", Value::Array(operations)),
        ("models", Value::Object(models.into_iter().collect())),
        ("errors", errors()),
        ("flows", crate::flows::schema::to_json()),
    ])
}

/// An operation's docs: its own, and its parameters'.
struct Docs {
    doc: &'static str,
    params: &'static [&'static str],
}

macro_rules! docs {
    ($($op:ty $(: $paged:ident)?),* $(,)?) => {
        /// The docs of every operation, in the order of [`operations`].
        static DOCS: &[Docs] = &[$(
            Docs {
                doc: <$op as Operation>::DOC,
                params: <$op as Operation>::PARAM_DOCS,
            },
        )*];
    };
}

for_each_operation!(docs);

fn operation(info: &OperationInfo, docs: &Docs, models: &mut BTreeMap<String, Value>) -> Value {
    let params = info
        .params
        .list
        .iter()
        .zip(docs.params)
        .map(|(p, doc)| param(p, doc))
        .collect();
    let rule = match info.params.rule {
        Rule::None => Value::Null,
        Rule::RolesOrPolicies => "roles_or_policies".into(),
        Rule::AtLeastOne => "at_least_one".into(),
        Rule::UnitOrStandalone => "unit_or_standalone".into(),
    };
    object([
        ("name", info.name.into()),
        ("method", info.method.as_str().into()),
        ("path", info.params.path.into()),
        ("doc", docs.doc.into()),
        ("paginated", info.paginated.into()),
        ("body", info.params.body.into()),
        ("rule", rule),
        ("secret_fields", strings(info.secret_fields)),
        ("params", Value::Array(params)),
        ("result", shape(info.result_shape, models)),
    ])
}

fn param(param: &Param, doc: &str) -> Value {
    let (place, wire) = match param.to {
        To::Path | To::PathAndBody(_) => ("path", param.name),
        To::Query(key) => ("query", key),
        To::Body(at) => ("body", at),
        To::Header(name) => ("header", name),
    };
    let mut view = Map::new();
    let mut put = |key: &str, value: Value| {
        view.insert(key.to_owned(), value);
    };
    put("name", param.name.into());
    put("doc", doc.into());
    put("in", place.into());
    put("wire", wire.into());
    if let To::PathAndBody(at) = param.to {
        put("also_body", at.into());
    }
    put("required", param.required.into());
    put("kind", kind(param.kind));
    Value::Object(view)
}

fn kind(kind: Kind) -> Value {
    let name = match kind {
        Kind::Id => "id",
        Kind::Tag => "tag",
        Kind::Text(_) => "text",
        Kind::Name(_) => "name",
        Kind::OneOf(_) => "one_of",
        Kind::Page => "page",
        Kind::PerPage => "per_page",
        Kind::Bool => "bool",
        Kind::RoleIds => "role_ids",
        Kind::RoleRefs => "role_refs",
        Kind::Policies => "policies",
        Kind::TokenPolicies => "token_policies",
        Kind::Cidrs => "cidrs",
        Kind::DateTime => "date_time",
        Kind::DirectionDigit => "direction_digit",
        Kind::Key => "key",
    };
    let mut view = Map::new();
    let mut put = |key: &str, value: Value| {
        view.insert(key.to_owned(), value);
    };
    put("type", name.into());
    match kind {
        Kind::Text(max) | Kind::Name(max) if max != usize::MAX => put("max", max.into()),
        Kind::OneOf(values) => put("values", strings(values)),
        Kind::Page => put("min", 1.into()),
        Kind::Key => put("max", crate::params::MAX_KEY.into()),
        Kind::PerPage => {
            put("min", (*PER_PAGE.start()).into());
            put("max", (*PER_PAGE.end()).into());
        }
        _ => {}
    }
    Value::Object(view)
}

/// A shape as JSON; each model it reaches is added to `models` once, and referred to by name.
fn shape(shape: &Shape, models: &mut BTreeMap<String, Value>) -> Value {
    let typed = |name: &str| object([("type", name.into())]);
    match *shape {
        Shape::Any => typed("any"),
        Shape::Str => typed("string"),
        Shape::Bool => typed("boolean"),
        Shape::Object => typed("object"),
        Shape::Nullable(inner) => object([
            ("type", "nullable".into()),
            ("of", self::shape(inner, models)),
        ]),
        Shape::List(item) => object([
            ("type", "array".into()),
            ("items", self::shape(item, models)),
        ]),
        Shape::MapOf(value) => object([
            ("type", "map".into()),
            ("values", self::shape(value, models)),
        ]),
        Shape::Model { name, doc, fields } => {
            if !models.contains_key(name) {
                // Taken before the fields are walked, so a model that reaches itself ends.
                models.insert(name.to_owned(), Value::Null);
                let fields = fields
                    .iter()
                    .map(|field| {
                        object([
                            ("name", field.name.into()),
                            ("doc", field.doc.into()),
                            ("shape", self::shape(field.shape, models)),
                        ])
                    })
                    .collect();
                let model = object([
                    ("type", "object".into()),
                    ("name", name.into()),
                    ("doc", doc.into()),
                    ("fields", Value::Array(fields)),
                ]);
                models.insert(name.to_owned(), model);
            }
            object([("type", "ref".into()), ("name", name.into())])
        }
    }
}

/// Every kind of error, as [`Error::to_json`](crate::Error::to_json) names it.
const ERRORS: [(&str, &str); 7] = [
    (
        "invalid",
        "The caller's input was refused before any request existed: `field` names the \
         parameter at fault and `reason` says why.",
    ),
    (
        "api",
        "The API answered with an error envelope (a non-2xx status, or `success: false`): \
         the status, every `errors[]` and `messages[]` entry, the `cf-ray` header, and how \
         long the server asked to wait, if it did.",
    ),
    (
        "decode",
        "The response could not be read as the API's envelope or as the operation's result \
         (HTML from the edge, a truncated body, a result of the wrong shape): the status, the \
         `cf-ray` header and the start of the body.",
    ),
    (
        "unknown_operation",
        "The by-name entry point was given a name that is not an operation.",
    ),
    (
        "outcome_unknown",
        "A request that is not safe to resend got a 408 or 5xx, or no answer at all: it may \
         have been carried out, so it was not resent. Look before trying again.",
    ),
    (
        "transport",
        "The transport could not deliver the request or bring back the answer, and retries \
         did not help.",
    ),
    (
        "redirect",
        "The answer was a redirect, which is never followed: it would send the credentials \
         to another host. Check the base URL.",
    ),
];

fn errors() -> Value {
    let entry = |&(kind, doc): &(&str, &str)| object([("kind", kind.into()), ("doc", doc.into())]);
    Value::Array(ERRORS.iter().map(entry).collect())
}

fn strings(list: &[&str]) -> Value {
    Value::Array(list.iter().map(|&text| text.into()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, Invalid};

    /// The kind each variant reports; a new variant does not compile here until it has one,
    /// and a doc in [`ERRORS`].
    fn kind_of(error: &Error) -> &'static str {
        match error {
            Error::Invalid(_) => "invalid",
            Error::Api(_) => "api",
            Error::Decode(_) => "decode",
            Error::UnknownOperation(_) => "unknown_operation",
            Error::OutcomeUnknown(_) => "outcome_unknown",
            Error::Transport(_) => "transport",
            Error::Redirect(_) => "redirect",
        }
    }

    #[test]
    fn lists_the_kind_of_error_each_variant_reports() {
        for error in [
            Error::from(Invalid::new("account_id", "is required")),
            Error::UnknownOperation("nope".into()),
        ] {
            let kind = kind_of(&error);
            assert_eq!(error.to_json()["kind"], kind);
            assert!(ERRORS.iter().any(|(listed, _)| *listed == kind), "{kind}");
        }
    }
}
