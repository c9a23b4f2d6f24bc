//! The types of what the flows take and give (the catalog's `flows`: an onboarding spec and its
//! parts, a report and its steps, a bulk run's progress): `js/src/flows.d.ts` and
//! `python/cloudflare_tenant/_flow_types.py`.

use std::collections::BTreeSet;
use std::fmt::Write;

use serde_json::Value;

use crate::python::{attribute_doc, docstring, rst};
use crate::typescript::doc;
use crate::{quote, GENERATED};

/// The flows' models and named sets of strings.
pub struct Flows {
    pub models: Vec<Model>,
    pub aliases: Vec<Alias>,
}

pub struct Model {
    pub name: String,
    pub doc: String,
    pub fields: Vec<Field>,
    pub rule: Rule,
}

pub struct Field {
    pub name: String,
    pub ty: Ty,
    pub required: bool,
    pub doc: String,
}

pub enum Rule {
    None,
    AtLeastOne(Vec<String>),
    ExactlyOne(Vec<String>),
}

pub struct Alias {
    pub name: String,
    pub doc: String,
    pub values: Vec<String>,
}

pub enum Ty {
    Text,
    Flag,
    Count,
    Seconds,
    Secret,
    ErrorView,
    Literal(Vec<String>),
    List(Box<Ty>),
    Nullable(Box<Ty>),
    Model(String),
}

type Result<T> = std::result::Result<T, String>;

fn text(value: &Value, key: &str) -> Result<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("flows: `{key}` is missing or not a string in {value}"))
}

fn texts(value: &Value) -> Result<Vec<String>> {
    value
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .ok_or_else(|| format!("flows: {value} is not a list of strings"))
}

fn list<'a>(value: &'a Value, key: &str) -> Result<&'a Vec<Value>> {
    value
        .get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("flows: `{key}` is missing or not a list"))
}

impl Flows {
    /// Reads the catalog's `flows`; what this reader does not know is an error.
    pub fn read(catalog: &Value) -> Result<Flows> {
        let flows = catalog.get("flows").ok_or("the catalog has no `flows`")?;
        let models = list(flows, "models")?
            .iter()
            .map(Model::read)
            .collect::<Result<_>>()?;
        let aliases = list(flows, "aliases")?
            .iter()
            .map(|alias| {
                Ok(Alias {
                    name: text(alias, "name")?,
                    doc: text(alias, "doc")?,
                    values: texts(alias.get("values").unwrap_or(&Value::Null))?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Flows { models, aliases })
    }
}

impl Model {
    fn read(model: &Value) -> Result<Model> {
        let fields = list(model, "fields")?
            .iter()
            .map(|field| {
                Ok(Field {
                    name: text(field, "name")?,
                    ty: Ty::read(field.get("type").unwrap_or(&Value::Null))?,
                    required: field.get("required").and_then(Value::as_bool) == Some(true),
                    doc: text(field, "doc")?,
                })
            })
            .collect::<Result<_>>()?;
        let rule = match model.get("rule") {
            None | Some(Value::Null) => Rule::None,
            Some(rule) => match (rule.get("at_least_one"), rule.get("exactly_one")) {
                (Some(names), None) => Rule::AtLeastOne(texts(names)?),
                (None, Some(names)) => Rule::ExactlyOne(texts(names)?),
                _ => {
                    return Err(format!(
                        "flows: a rule this generator does not know: {rule}"
                    ))
                }
            },
        };
        Ok(Model {
            name: text(model, "name")?,
            doc: text(model, "doc")?,
            fields,
            rule,
        })
    }

    /// The fields a rule is about.
    fn grouped(&self) -> &[String] {
        match &self.rule {
            Rule::None => &[],
            Rule::AtLeastOne(names) | Rule::ExactlyOne(names) => names,
        }
    }

    fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|field| field.name == name)
    }
}

impl Ty {
    fn read(ty: &Value) -> Result<Ty> {
        let inner = |key: &str| {
            ty.get(key)
                .ok_or_else(|| format!("flows: type {ty} has no `{key}`"))
                .and_then(Ty::read)
                .map(Box::new)
        };
        Ok(match text(ty, "type")?.as_str() {
            "text" => Ty::Text,
            "flag" => Ty::Flag,
            "count" => Ty::Count,
            "seconds" => Ty::Seconds,
            "secret" => Ty::Secret,
            "error_view" => Ty::ErrorView,
            "literal" => Ty::Literal(texts(ty.get("values").unwrap_or(&Value::Null))?),
            "list" => Ty::List(inner("items")?),
            "nullable" => Ty::Nullable(inner("of")?),
            "model" => Ty::Model(text(ty, "name")?),
            other => {
                return Err(format!(
                    "flows: a type this generator does not know: {other}"
                ))
            }
        })
    }
}

// ---- TypeScript ------------------------------------------------------------------------------

fn ts_type(ty: &Ty) -> String {
    match ty {
        Ty::Text => "string".into(),
        Ty::Flag => "boolean".into(),
        Ty::Count | Ty::Seconds => "number".into(),
        Ty::Secret => "Secret".into(),
        Ty::ErrorView => "({ kind: string; message: string } & Record<string, unknown>)".into(),
        Ty::Literal(values) => values
            .iter()
            .map(|v| quote(v))
            .collect::<Vec<_>>()
            .join(" | "),
        Ty::List(item) => {
            let item = ts_type(item);
            if item.contains(' ') {
                format!("Array<{item}>")
            } else {
                format!("{item}[]")
            }
        }
        Ty::Nullable(inner) => format!("{} | null", ts_type(inner)),
        Ty::Model(name) => name.clone(),
    }
}

fn ts_property(out: &mut String, indent: usize, field: &Field, optional: bool) {
    out.push_str(&doc(indent, &field.doc));
    let mark = if optional { "?" } else { "" };
    let pad = " ".repeat(indent);
    let _ = writeln!(out, "{pad}{}{mark}: {};", field.name, ts_type(&field.ty));
}

/// `js/src/flows.d.ts`.
pub fn typescript(flows: &Flows) -> String {
    let mut out = format!("// {GENERATED}\n");
    out.push_str(
        "//
// What the flows take and give: an onboarding spec and its parts, a report and its steps, a
// bulk run's progress. Field names are the core's own (snake_case), in every host.

import type { Secret } from \"./index.js\";
import type { PolicyInput } from \"./operations.js\";
",
    );
    for alias in &flows.aliases {
        out.push('\n');
        out.push_str(&doc(0, &alias.doc));
        let values: Vec<String> = alias.values.iter().map(|v| quote(v)).collect();
        let _ = writeln!(out, "export type {} = {};", alias.name, values.join(" | "));
    }
    for model in &flows.models {
        out.push('\n');
        let grouped = model.grouped();
        let base = if grouped.is_empty() {
            model.name.clone()
        } else {
            format!("{}Fields", model.name)
        };
        if !grouped.is_empty() {
            // The type is its fields beside the rule's variants: one variant per field of the
            // rule, that field required (exactly one: the others absent).
            out.push_str(&doc(0, &model.doc));
            let _ = writeln!(out, "export type {} = {base} &\n  (", model.name);
            for name in grouped {
                let field = model.field(name).expect("checked by the core's tests");
                let mut variant = String::new();
                ts_property(&mut variant, 8, field, false);
                for other in grouped.iter().filter(|other| *other != name) {
                    let other = model.field(other).expect("checked by the core's tests");
                    let _ = match model.rule {
                        Rule::ExactlyOne(_) => {
                            writeln!(variant, "        {}?: undefined;", other.name)
                        }
                        _ => writeln!(variant, "        {}?: {};", other.name, ts_type(&other.ty)),
                    };
                }
                let _ = write!(out, "    | {{\n{variant}      }}\n");
            }
            out.push_str("  );\n\n");
            let _ = writeln!(
                out,
                "/** The fields of {{@link {}}} besides {}. */",
                model.name,
                match model.rule {
                    Rule::AtLeastOne(_) => "the ones of which at least one is given",
                    _ => "the ones of which exactly one is given",
                }
            );
        } else {
            out.push_str(&doc(0, &model.doc));
        }
        let _ = writeln!(out, "export interface {base} {{");
        for field in model.fields.iter().filter(|f| !grouped.contains(&f.name)) {
            ts_property(&mut out, 2, field, !field.required);
        }
        out.push_str("}\n");
    }
    out
}

// ---- Python ----------------------------------------------------------------------------------

fn py_type(ty: &Ty, typing: &mut BTreeSet<&'static str>) -> String {
    match ty {
        Ty::Text => "str".into(),
        Ty::Flag => "bool".into(),
        Ty::Count => "int".into(),
        Ty::Seconds => "float".into(),
        Ty::Secret => "Secret".into(),
        Ty::ErrorView => {
            typing.extend(["Dict", "Any"]);
            "Dict[str, Any]".into()
        }
        Ty::Literal(values) => {
            typing.insert("Literal");
            let values: Vec<String> = values.iter().map(|v| quote(v)).collect();
            format!("Literal[{}]", values.join(", "))
        }
        Ty::List(item) => {
            typing.insert("List");
            format!("List[{}]", py_type(item, typing))
        }
        Ty::Nullable(inner) => {
            typing.insert("Optional");
            format!("Optional[{}]", py_type(inner, typing))
        }
        Ty::Model(name) => name.clone(),
    }
}

fn py_field(out: &mut String, field: &Field, typing: &mut BTreeSet<&'static str>) {
    out.push_str(&attribute_doc(4, &rst(&field.doc)));
    let _ = writeln!(out, "    {}: {}", field.name, py_type(&field.ty, typing));
}

/// `python/cloudflare_tenant/_flow_types.py`.
pub fn python(flows: &Flows) -> String {
    let mut typing = BTreeSet::from(["TypedDict"]);
    let mut body = String::new();
    for alias in &flows.aliases {
        typing.insert("Literal");
        let values: Vec<String> = alias.values.iter().map(|v| quote(v)).collect();
        body.push('\n');
        body.push_str(&attribute_doc(0, &rst(&alias.doc)));
        let _ = writeln!(body, "{} = Literal[{}]", alias.name, values.join(", "));
    }
    for model in &flows.models {
        let required: Vec<&Field> = model.fields.iter().filter(|f| f.required).collect();
        let optional: Vec<&Field> = model.fields.iter().filter(|f| !f.required).collect();
        let mut doc = rst(&model.doc);
        match &model.rule {
            Rule::None => {}
            Rule::AtLeastOne(names) | Rule::ExactlyOne(names) => {
                let names: Vec<String> = names.iter().map(|n| format!("``{n}``")).collect();
                let how = match model.rule {
                    Rule::AtLeastOne(_) => "at least one",
                    _ => "exactly one",
                };
                let _ = write!(doc, " Give {how} of {}.", names.join(", "));
            }
        }
        let class = |out: &mut String, name: &str, bases: &str| {
            let _ = write!(out, "\n\nclass {name}({bases}):\n");
        };
        if required.is_empty() || optional.is_empty() {
            let total = if required.is_empty() {
                ", total=False"
            } else {
                ""
            };
            class(&mut body, &model.name, &format!("TypedDict{total}"));
            body.push_str(&docstring(4, &[doc.clone()]));
        } else {
            let base = format!("_{}Required", model.name);
            class(&mut body, &base, "TypedDict");
            for field in &required {
                py_field(&mut body, field, &mut typing);
            }
            class(&mut body, &model.name, &format!("{base}, total=False"));
            body.push_str(&docstring(4, &[doc.clone()]));
            body.push('\n');
            for field in &optional {
                py_field(&mut body, field, &mut typing);
            }
            continue;
        }
        body.push('\n');
        for field in &model.fields {
            py_field(&mut body, field, &mut typing);
        }
    }
    let mut names: Vec<&str> = flows.aliases.iter().map(|a| a.name.as_str()).collect();
    names.extend(flows.models.iter().map(|m| m.name.as_str()));
    let mut out = format!(
        "# {GENERATED}\n\"\"\"What the flows take and give, as ``TypedDict`` s: an onboarding spec \
         and its parts, a report and\nits steps, a bulk run's progress.\"\"\"\n\nfrom \
         __future__ import annotations\n\n"
    );
    let mut typing: Vec<&str> = typing.into_iter().collect();
    typing.sort_by_key(|name| (!name.chars().all(char::is_uppercase), *name));
    let _ = writeln!(out, "from typing import {}\n", typing.join(", "));
    out.push_str("from ._operation_types import PolicyInput\nfrom ._secret import Secret\n\n");
    out.push_str("__all__ = [\n");
    for name in names {
        let _ = writeln!(out, "    {},", quote(name));
    }
    out.push_str("]\n");
    out.push_str(&body);
    out
}
