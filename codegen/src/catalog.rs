//! The core's catalog, read from its JSON into types the generators can match on. A kind,
//! shape or rule this reader does not know is an error, so that a catalog which grew
//! something new fails the generator instead of producing a surface that leaves it out.

use serde_json::Value;

/// Every operation and the models their results use.
pub struct Catalog {
    /// In the order of the core's `operations()`.
    pub operations: Vec<Operation>,
    /// In the order of their names.
    pub models: Vec<Model>,
}

/// One operation.
pub struct Operation {
    /// The dotted name: `accounts.members.list`.
    pub name: String,
    /// `GET`, `POST`, ...
    pub method: String,
    /// `/accounts/{account_id}`.
    pub path: String,
    /// Its doc, starting with its name: `` `accounts.get`: one account.``
    pub doc: String,
    /// Whether it pages with `page` and `per_page`.
    pub paginated: bool,
    /// A rule across its parameters.
    pub rule: Rule,
    /// Result fields that hold secrets.
    pub secret_fields: Vec<String>,
    /// In the order the core sends them.
    pub params: Vec<Param>,
    /// What `result` holds.
    pub result: Shape,
}

/// A rule across the parameters of an operation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    None,
    /// `roles` or `policies`, exactly one of them.
    RolesOrPolicies,
    /// At least one parameter.
    AtLeastOne,
    /// `unit_id` or `standalone: true`, never both.
    UnitOrStandalone,
}

/// One parameter of an operation.
pub struct Param {
    /// The name callers give it.
    pub name: String,
    /// What it is.
    pub doc: String,
    /// Whether it goes into the path.
    pub in_path: bool,
    /// Its query key or dotted body path (a path parameter: its name).
    pub wire: String,
    pub required: bool,
    pub kind: Kind,
}

/// What a parameter takes.
pub enum Kind {
    Id,
    Tag,
    Text {
        max: Option<u64>,
    },
    Name {
        max: Option<u64>,
    },
    OneOf(Vec<String>),
    Page {
        min: u64,
    },
    PerPage {
        min: u64,
        max: u64,
    },
    Bool,
    /// Role ids, sent as ids.
    RoleIds,
    /// Role ids, sent as `{"id": ...}`.
    RoleRefs,
    Policies,
    /// Token policies: `effect`, `permission_groups` and `resources`.
    TokenPolicies,
    /// IPv4 or IPv6 addresses or CIDRs.
    Cidrs,
    /// An RFC 3339 date and time.
    DateTime,
    /// `asc`/`desc` or `0`/`1`, sent as a digit.
    DirectionDigit,
    /// An idempotency key, sent as a header.
    Key {
        max: u64,
    },
}

/// The wire form of a result or a model field.
pub enum Shape {
    Any,
    String,
    Boolean,
    /// Any object.
    Object,
    Nullable(Box<Shape>),
    Array(Box<Shape>),
    /// An object whose every value has this shape.
    Map(Box<Shape>),
    /// A model, by name.
    Ref(String),
}

/// A named object of results: fields it knows; it keeps the ones it does not.
pub struct Model {
    pub name: String,
    /// What it is, from its declaration.
    pub doc: String,
    pub fields: Vec<Field>,
}

pub struct Field {
    pub name: String,
    /// What it holds, from its declaration.
    pub doc: String,
    pub shape: Shape,
}

type Result<T> = std::result::Result<T, String>;

impl Catalog {
    /// Reads the catalog the core exports.
    pub fn read(catalog: &Value) -> Result<Catalog> {
        let operations = array(catalog, "operations")?
            .iter()
            .map(Operation::read)
            .collect::<Result<Vec<_>>>()?;
        let mut models = catalog
            .get("models")
            .and_then(Value::as_object)
            .ok_or("the catalog has no `models` object")?
            .values()
            .map(Model::read)
            .collect::<Result<Vec<_>>>()?;
        // By name whatever order the JSON map keeps, so that the output never depends on it.
        models.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Catalog { operations, models })
    }

    /// The operations whose result is this model, or a list or nullable of it.
    pub fn returning<'a>(&'a self, model: &'a str) -> impl Iterator<Item = &'a Operation> {
        self.operations
            .iter()
            .filter(move |op| op.result.model() == Some(model))
    }

    /// The models with a field that holds this model.
    pub fn holding<'a>(&'a self, model: &'a str) -> impl Iterator<Item = &'a Model> {
        self.models.iter().filter(move |holder| {
            holder
                .fields
                .iter()
                .any(|field| field.shape.model() == Some(model))
        })
    }

    /// What a model is and where it appears: which operations return it, which models hold it.
    pub fn model_doc(&self, model: &Model) -> String {
        let returned = code_list(self.returning(&model.name).map(|op| op.name.as_str()));
        let held = code_list(self.holding(&model.name).map(|m| m.name.as_str()));
        let doc = &model.doc;
        match (returned.is_empty(), held.is_empty()) {
            (false, false) => format!("{doc} Returned by {returned}; part of {held}."),
            (false, true) => format!("{doc} Returned by {returned}."),
            (true, false) => format!("{doc} Part of {held}."),
            (true, true) => doc.clone(),
        }
    }

    /// Whether `field` of `model` holds a secret in some operation's result.
    pub fn is_secret(&self, model: &str, field: &str) -> bool {
        self.returning(model)
            .any(|op| op.secret_fields.iter().any(|secret| secret == field))
    }
}

impl Operation {
    fn read(op: &Value) -> Result<Operation> {
        let name = string(op, "name")?;
        let at = |error: String| format!("{name}: {error}");
        let rule = match op.get("rule").and_then(Value::as_str) {
            None => Rule::None,
            Some("roles_or_policies") => Rule::RolesOrPolicies,
            Some("at_least_one") => Rule::AtLeastOne,
            Some("unit_or_standalone") => Rule::UnitOrStandalone,
            Some(other) => return Err(at(format!("a rule this generator does not know: {other}"))),
        };
        Ok(Operation {
            method: string(op, "method").map_err(at)?,
            path: string(op, "path").map_err(at)?,
            doc: string(op, "doc").map_err(at)?,
            paginated: boolean(op, "paginated").map_err(at)?,
            rule,
            secret_fields: array(op, "secret_fields")
                .map_err(at)?
                .iter()
                .map(|field| {
                    field
                        .as_str()
                        .map(str::to_owned)
                        .ok_or("a secret field is not a string")
                })
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| at(e.to_owned()))?,
            params: array(op, "params")
                .map_err(at)?
                .iter()
                .map(Param::read)
                .collect::<Result<_>>()
                .map_err(at)?,
            result: Shape::read(op.get("result").unwrap_or(&Value::Null)).map_err(at)?,
            name,
        })
    }

    /// Its doc without the leading name: `one account.`
    pub fn description(&self) -> &str {
        let prefix = format!("`{}`: ", self.name);
        self.doc.strip_prefix(&prefix).unwrap_or(&self.doc)
    }

    /// [`Operation::description`] as a sentence: `One account.`
    pub fn summary(&self) -> String {
        capitalize(self.description())
    }

    /// The first sentence of [`Operation::summary`].
    pub fn first_sentence(&self) -> String {
        let summary = self.summary();
        let mut end = summary.len();
        for (at, _) in summary.match_indices(". ") {
            if summary[at + 2..].starts_with(|c: char| c.is_uppercase()) {
                end = at + 1;
                break;
            }
        }
        summary[..end].to_owned()
    }

    /// `AccountsMembersList`: the stem of its type names.
    pub fn type_stem(&self) -> String {
        camel(&self.name)
    }

    /// The groups it is in, outermost first: `["accounts", "members"]`.
    pub fn groups(&self) -> Vec<&str> {
        let mut parts: Vec<&str> = self.name.split('.').collect();
        parts.pop();
        parts
    }

    /// The last part of its name: `list`.
    pub fn verb(&self) -> &str {
        self.name.rsplit('.').next().unwrap_or(&self.name)
    }

    /// One element of the result, when the result is a list.
    pub fn item(&self) -> Option<&Shape> {
        match &self.result {
            Shape::Array(item) => Some(item),
            _ => None,
        }
    }

    /// Whether the result itself is a secret (its `secret_fields` hold the empty name, as the
    /// core's `WHOLE_RESULT`): a rolled token's value, a string.
    pub fn result_is_secret(&self) -> bool {
        self.secret_fields.iter().any(|field| field.is_empty())
    }

    /// The result fields that hold secrets, the whole result's marker left out.
    pub fn secret_field_names(&self) -> impl Iterator<Item = &str> {
        self.secret_fields
            .iter()
            .map(String::as_str)
            .filter(|field| !field.is_empty())
    }

    /// Whether a call must give params: some are required, or a rule asks for one.
    pub fn needs_params(&self) -> bool {
        self.rule != Rule::None || self.params.iter().any(|p| p.required)
    }
}

impl Param {
    fn read(param: &Value) -> Result<Param> {
        let name = string(param, "name")?;
        let at = |error: String| format!("parameter {name}: {error}");
        let in_path = match string(param, "in").map_err(at)?.as_str() {
            "path" => true,
            "query" | "body" | "header" => false,
            other => return Err(at(format!("a place this generator does not know: {other}"))),
        };
        Ok(Param {
            doc: string(param, "doc").map_err(at)?,
            in_path,
            wire: string(param, "wire").map_err(at)?,
            required: boolean(param, "required").map_err(at)?,
            kind: Kind::read(param.get("kind").unwrap_or(&Value::Null)).map_err(at)?,
            name,
        })
    }

    /// Its doc, with the limits and the wire name it does not already mention.
    pub fn full_doc(&self) -> String {
        let mut doc = self.doc.clone();
        let mut add = |sentence: String| {
            if !doc.is_empty() {
                doc.push(' ');
            }
            doc.push_str(&sentence);
        };
        match self.kind {
            Kind::Text { max: Some(max) } | Kind::Name { max: Some(max) }
                if !self.doc.contains(&max.to_string()) =>
            {
                add(format!("At most {max} characters."))
            }
            Kind::Page { min } if !self.doc.contains(&min.to_string()) => {
                add(format!("From {min}."))
            }
            Kind::PerPage { min, max } if !self.doc.contains(&max.to_string()) => {
                add(format!("{min} to {max}."))
            }
            _ => {}
        }
        if self.wire != self.name && !self.doc.contains(&self.wire) {
            add(format!("Sent as `{}`.", self.wire));
        }
        doc
    }
}

impl Kind {
    fn read(kind: &Value) -> Result<Kind> {
        let number = |key: &str| kind.get(key).and_then(Value::as_u64);
        let needs = |key: &str| number(key).ok_or(format!("kind {kind} has no `{key}`"));
        Ok(match string(kind, "type")?.as_str() {
            "id" => Kind::Id,
            "tag" => Kind::Tag,
            "text" => Kind::Text { max: number("max") },
            "name" => Kind::Name { max: number("max") },
            "one_of" => Kind::OneOf(
                array(kind, "values")?
                    .iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<_>>()
                    .ok_or("a `one_of` value is not a string")?,
            ),
            "page" => Kind::Page { min: needs("min")? },
            "per_page" => Kind::PerPage {
                min: needs("min")?,
                max: needs("max")?,
            },
            "bool" => Kind::Bool,
            "role_ids" => Kind::RoleIds,
            "role_refs" => Kind::RoleRefs,
            "policies" => Kind::Policies,
            "token_policies" => Kind::TokenPolicies,
            "cidrs" => Kind::Cidrs,
            "date_time" => Kind::DateTime,
            "direction_digit" => Kind::DirectionDigit,
            "key" => Kind::Key { max: needs("max")? },
            other => return Err(format!("a kind this generator does not know: {other}")),
        })
    }
}

impl Shape {
    fn read(shape: &Value) -> Result<Shape> {
        let inner = |key: &str| {
            shape
                .get(key)
                .ok_or(format!("shape {shape} has no `{key}`"))
                .and_then(Shape::read)
                .map(Box::new)
        };
        Ok(match string(shape, "type")?.as_str() {
            "any" => Shape::Any,
            "string" => Shape::String,
            "boolean" => Shape::Boolean,
            "object" => Shape::Object,
            "nullable" => Shape::Nullable(inner("of")?),
            "array" => Shape::Array(inner("items")?),
            "map" => Shape::Map(inner("values")?),
            "ref" => Shape::Ref(string(shape, "name")?),
            other => return Err(format!("a shape this generator does not know: {other}")),
        })
    }

    /// The model it holds, through lists, maps and nullables.
    pub fn model(&self) -> Option<&str> {
        match self {
            Shape::Ref(name) => Some(name),
            Shape::Nullable(inner) | Shape::Array(inner) | Shape::Map(inner) => inner.model(),
            Shape::Any | Shape::String | Shape::Boolean | Shape::Object => None,
        }
    }
}

impl Model {
    fn read(model: &Value) -> Result<Model> {
        let name = string(model, "name")?;
        let fields = array(model, "fields")
            .and_then(|fields| {
                fields
                    .iter()
                    .map(|field| {
                        Ok(Field {
                            name: string(field, "name")?,
                            doc: string(field, "doc")?,
                            shape: Shape::read(field.get("shape").unwrap_or(&Value::Null))?,
                        })
                    })
                    .collect::<Result<_>>()
            })
            .map_err(|error| format!("model {name}: {error}"))?;
        let doc = string(model, "doc").map_err(|error| format!("model {name}: {error}"))?;
        Ok(Model { name, doc, fields })
    }
}

fn string(value: &Value, key: &str) -> Result<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("`{key}` is missing or not a string"))
}

fn boolean(value: &Value, key: &str) -> Result<bool> {
    value
        .get(key)
        .and_then(Value::as_bool)
        .ok_or_else(|| format!("`{key}` is missing or not a boolean"))
}

fn array<'a>(value: &'a Value, key: &str) -> Result<&'a Vec<Value>> {
    value
        .get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("`{key}` is missing or not an array"))
}

/// `` `a`, `b` ``.
fn code_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `accounts.permission_groups` -> `AccountsPermissionGroups`.
pub fn camel(dotted: &str) -> String {
    dotted
        .split(['.', '_'])
        .map(capitalize)
        .collect::<Vec<_>>()
        .concat()
}

/// The text with its first letter in upper case.
pub fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
