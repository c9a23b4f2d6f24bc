//! `js/src/operations.d.ts`: the models, every operation's params and result, and the client's
//! methods, as TypeScript declarations.

use std::fmt::Write;

use crate::catalog::{Catalog, Kind, Model, Operation, Param, Rule, Shape};
use crate::{quote, wrap, Group, GENERATED};

/// The widest line of a doc comment.
const WIDTH: usize = 100;
/// The width of a section's title line, as in the hand-written declarations.
const SECTION_WIDTH: usize = 96;

pub fn declarations(catalog: &Catalog, groups: &[Group]) -> String {
    let mut out = String::new();
    out.push_str(&format!("// {GENERATED}\n"));
    out.push_str(
        "//
// Every operation's params, result and client method, and the models of the results. Results
// are lenient, as the API is: a field may be missing or null (the API has dropped fields its
// spec calls required), and fields this version does not know are kept (the index signatures).

import type { CallOptions, ListOptions, PageIterator, Secret } from \"./index.js\";
",
    );

    section(&mut out, "models");
    for model in &catalog.models {
        out.push('\n');
        out.push_str(&model_interface(catalog, model));
    }

    section(&mut out, "params");
    out.push('\n');
    out.push_str(POLICY_INPUT);
    out.push('\n');
    out.push_str(TOKEN_POLICY_INPUT);
    for op in &catalog.operations {
        out.push('\n');
        out.push_str(&params_type(op));
    }

    section(&mut out, "operations");
    out.push('\n');
    out.push_str("/** Every operation's dotted name. */\nexport type OperationName =\n");
    union(&mut out, catalog.operations.iter());
    out.push_str("\n/** The operations that page (`page`, `per_page`): their methods return a PageIterator. */\n");
    out.push_str("export type PaginatedOperationName =\n");
    union(
        &mut out,
        catalog.operations.iter().filter(|op| op.paginated),
    );
    out.push_str("\n/** The params of each operation. */\nexport interface OperationParams {\n");
    for op in &catalog.operations {
        let _ = writeln!(out, "  {}: {}Params;", quote(&op.name), op.type_stem());
    }
    out.push_str(
        "}\n\n/** The `result` of each operation (of a list: the items of one page). */\n",
    );
    out.push_str("export interface OperationResult {\n");
    for op in &catalog.operations {
        let _ = writeln!(out, "  {}: {};", quote(&op.name), result_type(op));
    }
    out.push_str("}\n");

    section(&mut out, "the client");
    out.push_str(
        "\n/** Every operation as a client method, named by its dotted name. */\n\
         export interface TenantOperations {\n",
    );
    for root in groups.iter().filter(|g| g.path.len() == 1) {
        client_group(&mut out, groups, root, 1);
    }
    out.push_str("}\n");
    out
}

fn section(out: &mut String, title: &str) {
    let rule = "-".repeat(SECTION_WIDTH - 9 - title.len());
    let _ = write!(out, "\n// ---- {title} {rule}\n");
}

fn union<'a>(out: &mut String, ops: impl Iterator<Item = &'a Operation>) {
    let names: Vec<String> = ops.map(|op| format!("  | {}", quote(&op.name))).collect();
    if names.is_empty() {
        out.push_str("  never;\n");
    } else {
        out.push_str(&names.join("\n"));
        out.push_str(";\n");
    }
}

/// A doc comment at this indent: one line when it fits, else a block.
pub(crate) fn doc(indent: usize, text: &str) -> String {
    let pad = " ".repeat(indent);
    let text = text.replace("*/", "*\\/");
    let one = format!("{pad}/** {text} */");
    if one.chars().count() <= WIDTH {
        return one + "\n";
    }
    let mut block = format!("{pad}/**\n");
    for line in wrap(&text, WIDTH, &format!("{pad} * "), &format!("{pad} * ")) {
        block.push_str(&line);
        block.push('\n');
    }
    block + &format!("{pad} */\n")
}

fn model_interface(catalog: &Catalog, model: &Model) -> String {
    let mut out = doc(0, &catalog.model_doc(model));
    let _ = writeln!(out, "export interface {} {{", model.name);
    for field in &model.fields {
        let key = property(&field.name);
        if field.name == "id" && matches!(field.shape, Shape::String) {
            // Every result that has an id sends it; asking callers to narrow it would only
            // add noise. The core refuses a missing id as a parameter before any request.
            out.push_str(&doc(2, &field.doc));
            let _ = writeln!(out, "  {key}: string;");
            continue;
        }
        let secret = catalog.is_secret(&model.name, &field.name);
        let value = if secret {
            out.push_str(&doc(
                2,
                &format!(
                    "{} A secret: shows as `***`; pass it on as it is, `expose()` it only to \
                     store it.",
                    field.doc
                ),
            ));
            "Secret".to_owned()
        } else {
            out.push_str(&doc(2, &field.doc));
            ts_type(&field.shape)
        };
        let nullable = if matches!(field.shape, Shape::Nullable(_)) {
            value
        } else {
            format!("{value} | null")
        };
        let _ = writeln!(out, "  {key}?: {nullable};");
    }
    out.push_str("  /** Fields this version does not know yet, kept as the API sent them. */\n");
    out.push_str("  [key: string]: unknown;\n}\n");
    out
}

/// The TypeScript type of a shape.
fn ts_type(shape: &Shape) -> String {
    match shape {
        Shape::Any => "unknown".into(),
        Shape::String => "string".into(),
        Shape::Boolean => "boolean".into(),
        Shape::Object => "Record<string, unknown>".into(),
        Shape::Nullable(inner) => format!("{} | null", ts_type(inner)),
        Shape::Array(item) => {
            let item = ts_type(item);
            if item.contains(' ') {
                format!("Array<{item}>")
            } else {
                format!("{item}[]")
            }
        }
        Shape::Map(value) => format!("Record<string, {}>", ts_type(value)),
        Shape::Ref(name) => name.clone(),
    }
}

/// The TypeScript type of an operation's result: a result that is itself a secret comes back
/// as a Secret (each item, for a list).
fn result_type(op: &Operation) -> String {
    fn secret(shape: &Shape) -> String {
        match shape {
            Shape::String => "Secret".into(),
            Shape::Nullable(inner) => format!("{} | null", secret(inner)),
            Shape::Array(item) => format!("Array<{}>", secret(item)),
            other => ts_type(other),
        }
    }
    if op.result_is_secret() {
        secret(&op.result)
    } else {
        ts_type(&op.result)
    }
}

/// A property name, quoted when it is not an identifier.
fn property(name: &str) -> String {
    let identifier = name.chars().enumerate().all(|(at, c)| {
        c == '_' || c == '$' || c.is_ascii_alphabetic() || (at > 0 && c.is_ascii_digit())
    });
    if identifier && !name.is_empty() {
        name.to_owned()
    } else {
        quote(name)
    }
}

/// The input type of the `policies` kind.
const POLICY_INPUT: &str = "\
/** A policy as a request sends it: permission groups allowed or denied on resource groups. */
export interface PolicyInput {
  /** To keep an existing policy on update; new policies have none. */
  id?: string;
  access: \"allow\" | \"deny\";
  /** Ids, or the API's own `{id}`. */
  permission_groups: Array<string | { id: string }>;
  /** Ids, or the API's own `{id}`. */
  resource_groups: Array<string | { id: string }>;
}
";

/// The input type of the `token_policies` kind.
const TOKEN_POLICY_INPUT: &str = "\
/** A token policy as a request sends it: permission groups allowed or denied on resources. */
export interface TokenPolicyInput {
  /** To keep an existing policy on update; new policies have none. */
  id?: string;
  effect: \"allow\" | \"deny\";
  /** Ids, or the API's own `{id}`. */
  permission_groups: Array<string | { id: string }>;
  /** Resource names to `\"*\"`, or to objects of resource names to `\"*\"`. */
  resources: Record<string, string> | Record<string, Record<string, string>>;
}
";

fn kind_type(kind: &Kind) -> String {
    match kind {
        Kind::Id
        | Kind::Tag
        | Kind::Text { .. }
        | Kind::Name { .. }
        | Kind::Key { .. }
        | Kind::DateTime => "string".into(),
        Kind::OneOf(values) => values
            .iter()
            .map(|v| quote(v))
            .collect::<Vec<_>>()
            .join(" | "),
        Kind::Page { .. } | Kind::PerPage { .. } => "number".into(),
        Kind::Bool => "boolean".into(),
        Kind::RoleIds | Kind::RoleRefs | Kind::Cidrs => "string[]".into(),
        Kind::Policies => "PolicyInput[]".into(),
        Kind::TokenPolicies => "TokenPolicyInput[]".into(),
        Kind::DirectionDigit => "\"asc\" | \"desc\" | 0 | 1".into(),
    }
}

/// An optional parameter may also be `null`: the core takes `null` as not given, so a
/// result's nullable field can be passed on as it is.
fn param_line(out: &mut String, indent: usize, param: &Param, required: bool) {
    out.push_str(&doc(indent, &param.full_doc()));
    let (optional, null) = if required { ("", "") } else { ("?", " | null") };
    let _ = writeln!(
        out,
        "{}{}{optional}: {}{null};",
        " ".repeat(indent),
        property(&param.name),
        kind_type(&param.kind)
    );
}

fn params_type(op: &Operation) -> String {
    let name = format!("{}Params", op.type_stem());
    let mut intro = format!("Parameters of `{}`: {}", op.name, op.description());
    match op.rule {
        Rule::None => {}
        Rule::RolesOrPolicies => intro.push_str(" Give `roles` or `policies`, never both."),
        Rule::AtLeastOne => intro.push_str(" Give at least one."),
        Rule::UnitOrStandalone => {
            intro.push_str(" Give `unit_id` or `standalone: true`, never both.")
        }
    }
    let mut out = doc(0, &intro);
    if op.params.is_empty() {
        let _ = writeln!(out, "export type {name} = Record<string, never>;");
        return out;
    }
    if op.rule == Rule::RolesOrPolicies {
        let either = |p: &Param| p.name == "roles" || p.name == "policies";
        let _ = writeln!(out, "export type {name} = {{");
        for param in op.params.iter().filter(|p| !either(p)) {
            param_line(&mut out, 2, param, param.required);
        }
        out.push_str("} & (\n");
        for chosen in op.params.iter().filter(|p| either(p)) {
            out.push_str("  | {\n");
            param_line(&mut out, 6, chosen, true);
            for other in op
                .params
                .iter()
                .filter(|p| either(p) && p.name != chosen.name)
            {
                let _ = writeln!(out, "      {}?: undefined;", property(&other.name));
            }
            out.push_str("    }\n");
        }
        out.push_str(");\n");
        return out;
    }
    let _ = writeln!(out, "export interface {name} {{");
    for param in &op.params {
        param_line(&mut out, 2, param, param.required);
    }
    out.push_str("}\n");
    out
}

fn client_group(out: &mut String, groups: &[Group], group: &Group, depth: usize) {
    let pad = "  ".repeat(depth);
    let key = group.path.last().copied().unwrap_or_default();
    let _ = writeln!(out, "{pad}readonly {}: {{", property(key));
    for op in &group.operations {
        client_method(out, op, depth + 1);
    }
    for child in &group.children {
        let path: Vec<&str> = group.path.iter().copied().chain([*child]).collect();
        if let Some(sub) = groups.iter().find(|g| g.path == path) {
            client_group(out, groups, sub, depth + 1);
        }
    }
    let _ = writeln!(out, "{pad}}};");
}

fn client_method(out: &mut String, op: &Operation, depth: usize) {
    let pad = "  ".repeat(depth);
    let params = format!("{}Params", op.type_stem());
    let optional = if op.needs_params() { "" } else { "?" };
    let mut text = format!("{} `{} {}`.", op.summary(), op.method, op.path);
    let returns = match (op.paginated, op.item()) {
        (true, Some(item)) => {
            text.push_str(
                " Iterates over every item of every page, fetching pages as it is consumed.",
            );
            format!("PageIterator<{}>", ts_type(item))
        }
        _ => format!("Promise<{}>", result_type(op)),
    };
    let options = if op.paginated {
        "ListOptions"
    } else {
        "CallOptions"
    };
    out.push_str(&doc(depth * 2, &text));
    let _ = writeln!(
        out,
        "{pad}{}(params{optional}: {params}, options?: {options}): {returns};",
        property(op.verb())
    );
}
