//! Parameters as data: what each operation takes, and where each value goes in its request.
//!
//! Every operation declares its parameters once, as a table ([`Params`]). One reader checks a
//! JSON object of parameters against the table and lays the values out as path, query and
//! body. The by-name entry point hands it the host's JSON; a typed operation serializes itself
//! to the same JSON first. So both build the same request by the same rules, and no
//! per-operation deserializer exists: the npm package's .wasm carries one reader, not one per
//! operation, and the tables can describe the operations to the hosts.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::Invalid;

/// An operation's parameters.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Params {
    /// The path below the base URL, with `{name}` where a path parameter goes.
    pub path: &'static str,
    /// Every parameter, in the order they are checked and sent.
    pub list: &'static [Param],
    /// A rule across parameters.
    pub rule: Rule,
    /// Whether the request carries a JSON body (`{}` when no parameter fills it).
    pub body: bool,
}

impl Params {
    /// A request without body.
    pub const fn new(path: &'static str, list: &'static [Param]) -> Self {
        Params {
            path,
            list,
            rule: Rule::None,
            body: false,
        }
    }

    /// A request with a JSON body.
    pub const fn with_body(path: &'static str, list: &'static [Param]) -> Self {
        Params {
            body: true,
            ..Params::new(path, list)
        }
    }

    /// Adds a rule across parameters.
    pub const fn rule(self, rule: Rule) -> Self {
        Params { rule, ..self }
    }
}

/// One parameter.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Param {
    /// Its name in the by-name JSON (and the typed operation's field).
    pub name: &'static str,
    /// What it takes.
    pub kind: Kind,
    /// Whether it must be given (`null` counts as not given).
    pub required: bool,
    /// Where it goes.
    pub to: To,
}

impl Param {
    /// A path parameter: required, and only ids or tags may be one.
    pub const fn path(name: &'static str, kind: Kind) -> Self {
        Param {
            name,
            kind,
            required: true,
            to: To::Path,
        }
    }

    /// An optional query parameter of the same name.
    pub const fn query(name: &'static str, kind: Kind) -> Self {
        Param {
            name,
            kind,
            required: false,
            to: To::Query(name),
        }
    }

    /// An optional header; name it with [`sent_as`](Param::sent_as).
    pub const fn header(name: &'static str, kind: Kind) -> Self {
        Param {
            name,
            kind,
            required: false,
            to: To::Header(name),
        }
    }

    /// An optional body field of the same name.
    pub const fn body(name: &'static str, kind: Kind) -> Self {
        Param {
            name,
            kind,
            required: false,
            to: To::Body(name),
        }
    }

    /// Must be given.
    pub const fn required(self) -> Self {
        Param {
            required: true,
            ..self
        }
    }

    /// Sent under another name: a query key (`account.name`) or a dotted body path
    /// (`unit.id`, `settings.enforce_twofactor`).
    pub const fn sent_as(self, wire: &'static str) -> Self {
        let to = match self.to {
            To::Query(_) => To::Query(wire),
            To::Body(_) => To::Body(wire),
            To::Header(_) => To::Header(wire),
            To::Path | To::PathAndBody(_) => To::PathAndBody(wire),
        };
        Param { to, ..self }
    }
}

/// What a parameter takes. Every kind refuses `null` for a required parameter and anything of
/// another JSON type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// 32 hex characters: nothing of path syntax can pass.
    Id,
    /// 32 letters or digits (tenant tags; the spec's own example is not hex).
    Tag,
    /// Text of at most this many characters, as the API counts them.
    Text(usize),
    /// Text that is not blank, of at most this many characters.
    Name(usize),
    /// One of these strings. `Other` values of the typed enums are refused here: they are for
    /// reading responses, not for sending.
    OneOf(&'static [&'static str]),
    /// A page number, from 1.
    Page,
    /// A page size, 5 to 50 on every list.
    PerPage,
    /// `true` or `false`.
    Bool,
    /// At least one role id (`"id"` or `{"id": ...}`), sent as id strings.
    RoleIds,
    /// At least one role id (`"id"` or `{"id": ...}`), sent as `{"id": ...}`.
    RoleRefs,
    /// At least one policy: `access` (`allow` or `deny`), `permission_groups` and
    /// `resource_groups` (ids or `{"id": ...}`), and an `id` to keep an existing policy.
    Policies,
    /// At least one token policy: `effect` (`allow` or `deny`), `permission_groups` (ids or
    /// `{"id": ...}`, sent as `{"id": ...}`), `resources` (each resource name to a string such
    /// as `"*"`, or each to an object of such strings), and an `id` to keep an existing policy.
    /// Not [`Policies`](Kind::Policies): account tokens name resources, not resource groups.
    TokenPolicies,
    /// A list of IPv4 or IPv6 addresses, each with an optional prefix length
    /// (`199.27.128.0/21`, `2400:cb00::/32`).
    Cidrs,
    /// An RFC 3339 date and time, `2026-01-01T00:00:00Z` (the API's `date-time`).
    DateTime,
    /// `asc` or `desc` (or `0` or `1`), sent as the `0` or `1` the endpoint takes.
    DirectionDigit,
    /// An idempotency key: 1 to 255 visible ASCII characters, no spaces.
    Key,
}

/// Longest idempotency key taken (Stripe's limit; Cloudflare documents none).
pub const MAX_KEY: usize = 255;

/// The page sizes every list takes.
pub(crate) const PER_PAGE: std::ops::RangeInclusive<u64> = 5..=50;

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum To {
    /// Into the path, at `{name}`.
    Path,
    /// Into the path, and into the body at this dotted path.
    PathAndBody(&'static str),
    /// Into the query, under this key.
    Query(&'static str),
    /// Into the body, at this dotted path.
    Body(&'static str),
    /// Into a header of this name.
    Header(&'static str),
}

/// A rule across parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// None.
    None,
    /// `roles` or `policies`, never both: the API silently keeps the policies when given both.
    RolesOrPolicies,
    /// At least one parameter.
    AtLeastOne,
    /// `unit_id` or `standalone: true`, never both: a standalone account is outside any unit.
    UnitOrStandalone,
}

/// Parameters checked and laid out for a request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Laid {
    /// The path below the base URL.
    pub path: String,
    /// `?a=1&b=2`, percent-encoded, in table order; or empty.
    pub query: String,
    /// The JSON body's text, when the request has one.
    pub body: Option<String>,
    /// Headers from parameters (an idempotency key), in table order.
    pub headers: Vec<(&'static str, String)>,
}

/// Checks `given` (an object, or `null` for none) against `params` and lays it out.
pub(crate) fn lay_out(params: &Params, given: &Value) -> Result<Laid, Invalid> {
    let empty = Map::new();
    let given = match given {
        Value::Null => &empty,
        Value::Object(map) => map,
        other => {
            return Err(Invalid::new(
                "params",
                format!("must be an object, got {}", json_kind(other)),
            ))
        }
    };
    if let Some(unknown) = given
        .keys()
        .find(|key| !params.list.iter().any(|p| p.name == key.as_str()))
    {
        let takes = if params.list.is_empty() {
            "none".to_owned()
        } else {
            names(params)
        };
        return Err(Invalid::new(
            unknown.as_str(),
            format!("is not a parameter of this operation (it takes: {takes})"),
        ));
    }

    // The rule first: given roles and policies, "not both" is the mistake to report, whatever
    // is wrong inside either.
    check_rule(params, given)?;

    let mut laid = Laid {
        path: String::new(),
        query: String::new(),
        body: None,
        headers: Vec::new(),
    };
    let mut body = Object::new();
    let mut path_values: Vec<(&str, String)> = Vec::new();
    for param in params.list {
        let Some(value) = value_of(given, param.name) else {
            if param.required {
                return Err(Invalid::new(param.name, "is required"));
            }
            continue;
        };
        let wire = check(param.name, param.kind, value)?;
        match param.to {
            To::Path => path_values.push((param.name, text_of(&wire))),
            To::PathAndBody(at) => {
                path_values.push((param.name, text_of(&wire)));
                insert(&mut body, at, wire);
            }
            To::Query(key) => {
                laid.query
                    .push(if laid.query.is_empty() { '?' } else { '&' });
                encode_into(&mut laid.query, key);
                laid.query.push('=');
                encode_into(&mut laid.query, &text_of(&wire));
            }
            To::Body(at) => insert(&mut body, at, wire),
            To::Header(name) => laid.headers.push((name, text_of(&wire))),
        }
    }
    let mut rest = params.path;
    while let Some(open) = rest.find('{') {
        laid.path.push_str(&rest[..open]);
        let close = open + rest[open..].find('}').unwrap_or(rest.len() - open);
        let name = &rest[open + 1..close];
        if let Some((_, value)) = path_values.iter().find(|(n, _)| *n == name) {
            laid.path.push_str(value);
        }
        rest = rest.get(close + 1..).unwrap_or("");
    }
    laid.path.push_str(rest);
    laid.body = params
        .body
        .then(|| serde_json::to_string(&body).expect("JSON of JSON values"));
    Ok(laid)
}

fn check_rule(params: &Params, given: &Map<String, Value>) -> Result<(), Invalid> {
    let has = |name: &str| value_of(given, name).is_some();
    match params.rule {
        Rule::None => Ok(()),
        Rule::RolesOrPolicies => match (has("roles"), has("policies")) {
            (true, true) => Err(Invalid::new(
                "roles",
                "give roles or policies, not both (the API would silently drop the roles)",
            )),
            (false, false) => Err(Invalid::new("roles", "give roles (role ids) or policies")),
            _ => Ok(()),
        },
        Rule::UnitOrStandalone => {
            let standalone = value_of(given, "standalone") == Some(&Value::Bool(true));
            if standalone && has("unit_id") {
                return Err(Invalid::new(
                    "standalone",
                    "a standalone account is outside any unit: give unit_id or standalone, not both",
                ));
            }
            Ok(())
        }
        Rule::AtLeastOne => {
            if params.list.iter().any(|p| has(p.name)) {
                return Ok(());
            }
            Err(Invalid::new(
                params.list.first().map_or("params", |p| p.name),
                format!("give at least one of {}", names(params)),
            ))
        }
    }
}

/// A parameter's value; `null` counts as not given.
fn value_of<'a>(given: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    given.get(name).filter(|v| !v.is_null())
}

/// `a, b, c`: the parameters' names, for messages.
fn names(params: &Params) -> String {
    let names: Vec<&str> = params.list.iter().map(|p| p.name).collect();
    names.join(", ")
}

/// Checks one value against its kind; gives what is sent.
pub(crate) fn read(field: &str, kind: Kind, value: &Value) -> Result<Value, Invalid> {
    check(field, kind, value).map(Cow::into_owned)
}

/// [`read`], borrowing the value when it is sent as given (most kinds are).
fn check<'v>(field: &str, kind: Kind, value: &'v Value) -> Result<Cow<'v, Value>, Invalid> {
    let as_given = Cow::Borrowed(value);
    let text = || {
        value.as_str().ok_or_else(|| {
            Invalid::new(field, format!("must be a string, got {}", json_kind(value)))
        })
    };
    match kind {
        Kind::Id => check_id(field, text()?).map(|()| as_given),
        Kind::Tag => {
            let tag = text()?;
            if tag.len() == 32 && tag.bytes().all(|b| b.is_ascii_alphanumeric()) {
                Ok(as_given)
            } else {
                Err(Invalid::new(
                    field,
                    format!("must be 32 letters or digits, got {}", quoted(tag)),
                ))
            }
        }
        Kind::Text(max) => check_len(field, text()?, max).map(|()| as_given),
        Kind::Name(max) => {
            let name = text()?;
            if name.trim().is_empty() {
                return Err(Invalid::new(field, "must not be empty"));
            }
            check_len(field, name, max).map(|()| as_given)
        }
        Kind::OneOf(values) => check_one_of(field, text()?, values).map(|()| as_given),
        Kind::Page => match whole(field, value)? {
            0 => Err(Invalid::new(field, "starts at 1")),
            _ => Ok(as_given),
        },
        Kind::PerPage => match whole(field, value)? {
            n if PER_PAGE.contains(&n) => Ok(as_given),
            n => Err(Invalid::new(
                field,
                format!(
                    "must be between {} and {}, got {n}",
                    PER_PAGE.start(),
                    PER_PAGE.end()
                ),
            )),
        },
        Kind::Bool => match value {
            Value::Bool(_) => Ok(as_given),
            other => Err(Invalid::new(
                field,
                format!("must be true or false, got {}", json_kind(other)),
            )),
        },
        Kind::RoleIds | Kind::RoleRefs => {
            let ids = id_list(field, value, "must name at least one role")?;
            for (i, id) in ids.iter().enumerate() {
                check_id(&format!("{field}[{i}]"), id)?;
            }
            let ids = ids.into_iter().map(|id| match kind {
                Kind::RoleIds => Value::from(id),
                _ => id_ref(id),
            });
            Ok(Cow::Owned(Value::Array(ids.collect())))
        }
        Kind::Policies => read_list(field, value, "policy", read_policy).map(Cow::Owned),
        Kind::TokenPolicies => read_list(field, value, "policy", read_token_policy).map(Cow::Owned),
        Kind::Cidrs => {
            let Value::Array(items) = value else {
                return Err(Invalid::new(
                    field,
                    format!("must be a list of CIDRs, got {}", json_kind(value)),
                ));
            };
            for (i, item) in items.iter().enumerate() {
                let at = format!("{field}[{i}]");
                let cidr = item.as_str().ok_or_else(|| {
                    Invalid::new(&at, format!("must be a string, got {}", json_kind(item)))
                })?;
                if !is_cidr(cidr) {
                    return Err(Invalid::new(
                        at,
                        format!(
                            "must be an IPv4 or IPv6 address with an optional prefix length \
                             (199.27.128.0/21), got {}",
                            quoted(cidr)
                        ),
                    ));
                }
            }
            Ok(as_given)
        }
        Kind::DateTime => {
            let time = text()?;
            if is_date_time(time) {
                Ok(as_given)
            } else {
                Err(Invalid::new(
                    field,
                    format!(
                        "must be an RFC 3339 date and time (2026-01-01T00:00:00Z), got {}",
                        quoted(time)
                    ),
                ))
            }
        }
        Kind::Key => {
            let key = text()?;
            if key.is_empty() || key.len() > MAX_KEY || !key.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(Invalid::new(
                    field,
                    format!("must be 1 to {MAX_KEY} visible ASCII characters without spaces"),
                ));
            }
            Ok(as_given)
        }
        Kind::DirectionDigit => match value {
            Value::String(text) if text == "asc" => Ok(Cow::Owned(Value::from("0"))),
            Value::String(text) if text == "desc" => Ok(Cow::Owned(Value::from("1"))),
            Value::Number(n) if n.as_u64() == Some(0) => Ok(Cow::Owned(Value::from("0"))),
            Value::Number(n) if n.as_u64() == Some(1) => Ok(Cow::Owned(Value::from("1"))),
            Value::String(text) => Err(Invalid::new(
                field,
                format!("must be one of asc, desc, got {}", quoted(text)),
            )),
            other => Err(Invalid::new(
                field,
                format!("must be asc or desc (or 0 or 1), got {}", json_kind(other)),
            )),
        },
    }
}

/// A non-empty list of `what`s, each read by `read_one` and named by its index.
fn read_list(
    field: &str,
    value: &Value,
    what: &str,
    read_one: fn(&str, &Value) -> Result<Value, Invalid>,
) -> Result<Value, Invalid> {
    let Value::Array(items) = value else {
        return Err(Invalid::new(
            field,
            format!("must be a list of {what} objects, got {}", json_kind(value)),
        ));
    };
    if items.is_empty() {
        return Err(Invalid::new(
            field,
            format!("must hold at least one {what}"),
        ));
    }
    let items = items
        .iter()
        .enumerate()
        .map(|(i, item)| read_one(&format!("{field}[{i}]"), item))
        .collect::<Result<_, _>>()?;
    Ok(Value::Array(items))
}

/// A policy as the API takes it: references as `{"id": ...}`.
fn read_policy(field: &str, policy: &Value) -> Result<Value, Invalid> {
    const KEYS: [&str; 4] = ["id", "access", "permission_groups", "resource_groups"];
    let Value::Object(policy) = policy else {
        return Err(Invalid::new(
            field,
            format!("must be an object, got {}", json_kind(policy)),
        ));
    };
    if let Some(unknown) = policy.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(Invalid::new(
            format!("{field}.{unknown}"),
            format!("is not a field of a policy (it has: {})", KEYS.join(", ")),
        ));
    }
    let mut out = Map::new();
    match policy.get("id") {
        None | Some(Value::Null) => {}
        Some(id) => {
            read(&format!("{field}.id"), Kind::Text(usize::MAX), id)?;
            out.insert("id".into(), id.clone());
        }
    }
    let access = policy.get("access").unwrap_or(&Value::Null);
    let access_field = format!("{field}.access");
    if access.is_null() {
        return Err(Invalid::new(access_field, "is required"));
    }
    out.insert(
        "access".into(),
        read(&access_field, Kind::OneOf(&["allow", "deny"]), access)?,
    );
    for key in ["permission_groups", "resource_groups"] {
        let at = format!("{field}.{key}");
        let refs = policy.get(key).unwrap_or(&Value::Null);
        if refs.is_null() {
            return Err(Invalid::new(at, "is required"));
        }
        let ids = id_list(&at, refs, "must hold at least one non-empty id")?;
        if ids.iter().any(|id| id.trim().is_empty()) {
            return Err(Invalid::new(at, "must hold at least one non-empty id"));
        }
        out.insert(
            key.into(),
            Value::Array(ids.into_iter().map(id_ref).collect()),
        );
    }
    Ok(Value::Object(out))
}

/// A token policy as the API takes it: permission groups as `{"id": ...}`, resources as given.
fn read_token_policy(field: &str, policy: &Value) -> Result<Value, Invalid> {
    const KEYS: [&str; 4] = ["id", "effect", "permission_groups", "resources"];
    let Value::Object(policy) = policy else {
        return Err(Invalid::new(
            field,
            format!("must be an object, got {}", json_kind(policy)),
        ));
    };
    if let Some(unknown) = policy.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(Invalid::new(
            format!("{field}.{unknown}"),
            format!(
                "is not a field of a token policy (it has: {})",
                KEYS.join(", ")
            ),
        ));
    }
    let given = |key: &str| policy.get(key).filter(|v| !v.is_null());
    let required =
        |key: &str| given(key).ok_or_else(|| Invalid::new(format!("{field}.{key}"), "is required"));
    let mut out = Map::new();
    if let Some(id) = given("id") {
        read(&format!("{field}.id"), Kind::Text(usize::MAX), id)?;
        out.insert("id".into(), id.clone());
    }
    out.insert(
        "effect".into(),
        read(
            &format!("{field}.effect"),
            Kind::OneOf(&["allow", "deny"]),
            required("effect")?,
        )?,
    );
    let at = format!("{field}.permission_groups");
    let ids = id_list(
        &at,
        required("permission_groups")?,
        "must hold at least one permission group id",
    )?;
    for (i, id) in ids.iter().enumerate() {
        check_id(&format!("{at}[{i}]"), id)?;
    }
    out.insert(
        "permission_groups".into(),
        Value::Array(ids.into_iter().map(id_ref).collect()),
    );
    let at = format!("{field}.resources");
    read_resources(&at, required("resources")?)?;
    out.insert("resources".into(), policy["resources"].clone());
    Ok(Value::Object(out))
}

/// A token policy's `resources`: at least one resource name, each to a permission such as
/// `"*"`, or each to an object of resource names to permissions (the spec's two forms; one
/// policy takes one of them, not both).
fn read_resources(field: &str, resources: &Value) -> Result<(), Invalid> {
    /// Each member of an object of resource names, with its field: `resources["name"]`.
    fn names<'v>(
        field: &str,
        value: &'v Value,
    ) -> Result<Vec<(String, &'v str, &'v Value)>, Invalid> {
        match value {
            Value::Object(map) if map.is_empty() => {
                Err(Invalid::new(field, "must name at least one resource"))
            }
            Value::Object(map) => Ok(map
                .iter()
                .map(|(name, value)| {
                    let at = format!("{field}[{}]", Value::from(name.as_str()));
                    (at, name.as_str(), value)
                })
                .collect()),
            other => Err(Invalid::new(
                field,
                format!(
                    "must be an object of resource names, got {}",
                    json_kind(other)
                ),
            )),
        }
    }
    let permission = |at: &str, name: &str, value: &Value| {
        if name.trim().is_empty() {
            return Err(Invalid::new(at, "a resource name must not be empty"));
        }
        match value {
            Value::String(text) if !text.trim().is_empty() => Ok(()),
            _ => Err(Invalid::new(at, "must be a non-empty string such as \"*\"")),
        }
    };
    let resources = names(field, resources)?;
    // Decided by every value rather than by the first one met, which depends on key order.
    let nested = resources.iter().any(|(_, _, value)| value.is_object());
    for (at, name, value) in resources {
        if !nested {
            permission(&at, name, value)?;
            continue;
        }
        if name.trim().is_empty() {
            return Err(Invalid::new(at, "a resource name must not be empty"));
        }
        if !value.is_object() {
            return Err(Invalid::new(
                at,
                "must be an object, as other resources of this policy are: a policy maps every \
                 resource to a permission, or every resource to an object of them",
            ));
        }
        for (at, name, value) in names(&at, value)? {
            permission(&at, name, value)?;
        }
    }
    Ok(())
}

/// An IPv4 or IPv6 address, with an optional prefix length no longer than the address.
fn is_cidr(text: &str) -> bool {
    let (address, prefix) = match text.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (text, None),
    };
    let bits = match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => 32,
        Ok(std::net::IpAddr::V6(_)) => 128,
        Err(_) => return false,
    };
    prefix.is_none_or(|prefix| {
        !prefix.is_empty()
            && prefix.len() <= 3
            && prefix.bytes().all(|b| b.is_ascii_digit())
            && prefix.parse::<u8>().is_ok_and(|n| n <= bits)
    })
}

/// RFC 3339's `date-time`: `YYYY-MM-DDTHH:MM:SS`, optional fraction, then `Z` or `+HH:MM`.
fn is_date_time(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |from: usize, to: usize| {
        b.get(from..to)
            .filter(|part| part.iter().all(u8::is_ascii_digit))
            .map(|part| part.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let date_time = digits(0, 4).is_some()
        && at(4, b'-')
        && digits(5, 7).is_some_and(|m| (1..=12).contains(&m))
        && at(7, b'-')
        && digits(8, 10).is_some_and(|d| (1..=31).contains(&d))
        && matches!(b.get(10), Some(b'T' | b't'))
        && digits(11, 13).is_some_and(|h| h <= 23)
        && at(13, b':')
        && digits(14, 16).is_some_and(|m| m <= 59)
        && at(16, b':')
        && digits(17, 19).is_some_and(|s| s <= 60);
    if !date_time {
        return false;
    }
    let mut rest = &b[19..];
    if let [b'.', fraction @ ..] = rest {
        let n = fraction.iter().take_while(|d| d.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &fraction[n..];
    }
    match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            let two = |a: u8, b: u8| {
                (a.is_ascii_digit() && b.is_ascii_digit())
                    .then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
            };
            two(*h1, *h2).is_some_and(|h| h <= 23) && two(*m1, *m2).is_some_and(|m| m <= 59)
        }
        _ => false,
    }
}

/// A non-empty list of ids, each `"id"` or `{"id": "..."}`.
fn id_list<'v>(field: &str, value: &'v Value, empty: &str) -> Result<Vec<&'v str>, Invalid> {
    let Value::Array(items) = value else {
        return Err(Invalid::new(
            field,
            format!("must be a list of ids, got {}", json_kind(value)),
        ));
    };
    if items.is_empty() {
        return Err(Invalid::new(field, empty));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let id = match item {
                Value::String(id) => Some(id),
                Value::Object(map) => match map.get("id") {
                    Some(Value::String(id)) => Some(id),
                    _ => None,
                },
                _ => None,
            };
            id.map(String::as_str).ok_or_else(|| {
                Invalid::new(
                    format!("{field}[{i}]"),
                    "expected an id string or an object {\"id\": ...}",
                )
            })
        })
        .collect()
}

/// `{"id": ...}`: how a request body references a role, permission group or resource group.
pub(crate) fn id_ref(id: &str) -> Value {
    crate::object([("id", id.into())])
}

/// A whole number that fits a `u32`.
fn whole(field: &str, value: &Value) -> Result<u64, Invalid> {
    value
        .as_u64()
        .filter(|n| u32::try_from(*n).is_ok())
        .ok_or_else(|| {
            let got = match value {
                Value::Number(n) => n.to_string(),
                other => json_kind(other).to_owned(),
            };
            Invalid::new(field, format!("must be a whole number, got {got}"))
        })
}

/// Path ids are 32 lowercase hex characters; nothing else may reach a path (no `/`, `..`,
/// `?`, `%`). Upper case is refused, not folded: the API answers 7003 for it, and an id is
/// compared as given everywhere else (reports, checkpoints, the caller's own records).
fn check_id(field: &str, id: &str) -> Result<(), Invalid> {
    if id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(Invalid::new(
            field,
            format!("must be 32 lowercase hex characters, got {}", quoted(id)),
        ))
    }
}

/// Length in characters, as the API counts them.
fn check_len(field: &str, text: &str, max: usize) -> Result<(), Invalid> {
    let count = text.chars().count();
    if count > max {
        Err(Invalid::new(
            field,
            format!("must be at most {max} characters, got {count}"),
        ))
    } else {
        Ok(())
    }
}

fn check_one_of(field: &str, text: &str, values: &[&str]) -> Result<(), Invalid> {
    if values.contains(&text) {
        Ok(())
    } else {
        Err(Invalid::new(
            field,
            format!("must be one of {}, got {}", values.join(", "), quoted(text)),
        ))
    }
}

/// `text` as a JSON string, cut at 40 characters: enough to recognise, never a whole secret
/// pasted into the wrong field.
fn quoted(text: &str) -> String {
    let mut short: String = text.chars().take(40).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    Value::from(short).to_string()
}

/// A body as it is laid out: values borrowed from the params where they are sent as given,
/// keyed as `serde_json`'s map keys them (sorted), so the text is the one a `Value` body gives.
type Object<'v> = BTreeMap<&'static str, Field<'v>>;

/// One entry of a body: a value, or an object that a dotted path (`unit.id`) opened.
#[derive(Serialize)]
#[serde(untagged)]
enum Field<'v> {
    Value(Cow<'v, Value>),
    Object(Object<'v>),
}

/// Puts `value` into the body at a dotted path (`unit.id`).
fn insert<'v>(body: &mut Object<'v>, at: &'static str, value: Cow<'v, Value>) {
    match at.split_once('.') {
        None => {
            body.insert(at, Field::Value(value));
        }
        Some((key, rest)) => {
            let inner = body
                .entry(key)
                .or_insert_with(|| Field::Object(Object::new()));
            if let Field::Object(inner) = inner {
                insert(inner, rest, value);
            }
        }
    }
}

/// A scalar as query or path text.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
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

pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ID: &str = "2bab6ace8c72ed3f09b9eca6db1396bb";

    static MEMBER: Params = Params::with_body(
        "/accounts/{account_id}/members/{member_id}",
        &[
            Param::path("account_id", Kind::Id),
            Param::path("member_id", Kind::Id),
            Param::query("page", Kind::Page),
            Param::query("account_name", Kind::Text(5)).sent_as("account.name"),
            Param::body("unit_id", Kind::Id).sent_as("unit.id"),
            Param::body("roles", Kind::RoleRefs),
            Param::body("policies", Kind::Policies),
        ],
    )
    .rule(Rule::RolesOrPolicies);

    fn field(given: Value) -> String {
        lay_out(&MEMBER, &given).unwrap_err().field
    }

    #[test]
    fn lays_out_path_query_and_nested_body() {
        let laid = lay_out(
            &MEMBER,
            &json!({"member_id": ID, "account_id": ID, "page": 2, "account_name": "a b",
                    "unit_id": ID, "roles": [ID, {"id": ID}]}),
        )
        .unwrap();
        assert_eq!(laid.path, format!("/accounts/{ID}/members/{ID}"));
        assert_eq!(laid.query, "?page=2&account.name=a%20b");
        let body = json!({"unit": {"id": ID}, "roles": [{"id": ID}, {"id": ID}]});
        assert_eq!(
            laid.body,
            Some(body.to_string()),
            "the text a Value body gives"
        );
    }

    #[test]
    fn names_the_field_at_fault() {
        let base = json!({"account_id": ID, "member_id": ID, "roles": [ID]});
        let with = |key: &str, value: Value| {
            let mut params = base.clone();
            params[key] = value;
            field(params)
        };
        assert_eq!(field(json!({"member_id": ID, "roles": [ID]})), "account_id");
        assert_eq!(with("member_id", json!("../x")), "member_id");
        assert_eq!(with("surprise", json!(1)), "surprise");
        assert_eq!(with("page", json!(0)), "page");
        assert_eq!(with("page", json!(1.5)), "page");
        assert_eq!(with("page", json!(5_000_000_000u64)), "page");
        assert_eq!(with("account_name", json!("toolong")), "account_name");
        assert_eq!(with("roles", json!([ID, "nope"])), "roles[1]");
        assert_eq!(with("roles", json!([ID, {"name": "x"}])), "roles[1]");
        assert_eq!(with("roles", json!([])), "roles");
        let policy =
            json!([{"access": "deny", "permission_groups": [ID], "resource_groups": [ID]}]);
        assert_eq!(
            with("policies", policy),
            "roles",
            "roles and policies together"
        );
        let mut only_policies = base.clone();
        only_policies.as_object_mut().unwrap().remove("roles");
        only_policies["policies"] =
            json!([{"access": "allow", "permission_groups": [ID], "resource_groups": []}]);
        assert_eq!(field(only_policies.clone()), "policies[0].resource_groups");
        only_policies["policies"][0]["extra"] = json!(1);
        assert_eq!(field(only_policies.clone()), "policies[0].extra");
        only_policies["policies"] = json!([{"permission_groups": [ID], "resource_groups": [ID]}]);
        assert_eq!(field(only_policies), "policies[0].access");
        assert_eq!(
            lay_out(&MEMBER, &json!([1])).unwrap_err().field,
            "params",
            "params must be an object"
        );
    }

    #[test]
    fn null_is_not_given() {
        let laid = lay_out(
            &MEMBER,
            &json!({"account_id": ID, "member_id": ID, "roles": [ID], "page": null}),
        )
        .unwrap();
        assert_eq!(laid.query, "");
        assert_eq!(
            field(json!({"account_id": null, "member_id": ID, "roles": [ID]})),
            "account_id"
        );
    }

    #[test]
    fn token_policies_name_the_field_at_fault() {
        let account = format!("com.cloudflare.api.account.{ID}");
        let field = |policy: Value| {
            read("policies", Kind::TokenPolicies, &json!([policy]))
                .unwrap_err()
                .field
        };
        let good =
            json!({"effect": "allow", "permission_groups": [ID], "resources": {&account: "*"}});
        assert_eq!(
            read("policies", Kind::TokenPolicies, &json!([good])).unwrap(),
            json!([{"effect": "allow", "permission_groups": [{"id": ID}], "resources": {&account: "*"}}])
        );
        let with = |key: &str, value: Value| {
            let mut policy = good.clone();
            policy[key] = value;
            field(policy)
        };
        assert_eq!(with("effect", json!("grant")), "policies[0].effect");
        assert_eq!(with("effect", Value::Null), "policies[0].effect");
        assert_eq!(with("access", json!("allow")), "policies[0].access");
        assert_eq!(
            with("permission_groups", json!([ID, {"id": "x"}])),
            "policies[0].permission_groups[1]"
        );
        assert_eq!(with("resources", json!({})), "policies[0].resources");
        assert_eq!(
            with("resources", json!({" ": "*"})),
            r#"policies[0].resources[" "]"#
        );
        let nested = json!({&account: {"com.cloudflare.api.account.zone.*": "*"}});
        assert!(read(
            "policies",
            Kind::TokenPolicies,
            &json!([{"effect": "deny", "permission_groups": [ID], "resources": nested}])
        )
        .is_ok());
        // Both forms in one policy: the resource of the other form is at fault, whichever
        // key comes first.
        for zone in ["a.zone", "z.zone"] {
            assert_eq!(
                with("resources", json!({&account: {"x": "*"}, zone: "*"})),
                format!("policies[0].resources[\"{zone}\"]")
            );
        }
    }

    #[test]
    fn cidrs_and_date_times() {
        for good in [
            "199.27.128.0/21",
            "10.0.0.1",
            "0.0.0.0/0",
            "2400:cb00::/32",
            "::1",
            "2606:4700:4700::1111/128",
        ] {
            assert!(is_cidr(good), "{good}");
        }
        for bad in [
            "",
            "10.0.0.0/",
            "10.0.0.0/33",
            "10.0.0.0/+8",
            "10.0.0.0/08x",
            "::/129",
            "10.0.0",
            "10.0.0.0/8/8",
            " 10.0.0.0/8",
            "example.com",
            "10.0.0.0/0008",
        ] {
            assert!(!is_cidr(bad), "{bad}");
        }
        for good in [
            "2026-01-01T00:00:00Z",
            "2026-01-01t00:00:00z",
            "2026-12-31T23:59:60.123456Z",
            "2026-06-01T12:30:00+02:00",
            "2026-06-01T12:30:00-05:30",
        ] {
            assert!(is_date_time(good), "{good}");
        }
        for bad in [
            "",
            "2026-01-01",
            "2026-01-01T00:00:00",
            "2026-00-01T00:00:00Z",
            "2026-01-32T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00+0200",
            "2026-01-01 00:00:00Z",
            "2026-01-01T00:00:00Zjunk",
            "２026-01-01T00:00:00Z",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn quotes_are_short_and_json() {
        assert_eq!(quoted("a\"b"), r#""a\"b""#);
        assert_eq!(quoted(&"x".repeat(50)), format!("\"{}…\"", "x".repeat(40)));
    }
}
