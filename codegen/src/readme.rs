//! The operation tables of the READMEs: the core's (by dotted name), the npm package's and the
//! pip package's (by client method).

use std::fmt::Write;

use crate::catalog::{Catalog, Operation, Param, Rule, Shape};

/// A table cell: a `|` would end it.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn table(head: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut out = format!("| {} |\n|{}\n", head.join(" | "), "---|".repeat(head.len()));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out
}

fn http(op: &Operation) -> String {
    format!("{} {}", op.method, op.path)
}

pub fn core_table(catalog: &Catalog) -> String {
    table(
        &["name", "method and path", "paginated", "what it does"],
        catalog.operations.iter().map(|op| {
            vec![
                format!("`{}`", op.name),
                http(op),
                if op.paginated { "yes" } else { "" }.to_owned(),
                op.first_sentence(),
            ]
        }),
    )
}

/// Its parameters as the methods take them, `roles` and `policies` as one choice.
fn choices(op: &Operation) -> Vec<Vec<&Param>> {
    let mut out: Vec<Vec<&Param>> = Vec::new();
    for param in &op.params {
        let either =
            op.rule == Rule::RolesOrPolicies && (param.name == "roles" || param.name == "policies");
        match out.last_mut() {
            Some(last)
                if either
                    && last
                        .iter()
                        .any(|p| p.name == "roles" || p.name == "policies") =>
            {
                last.push(param)
            }
            _ => out.push(vec![param]),
        }
    }
    out
}

/// The type of an operation's result (or items) in a table: a result that is itself a secret
/// is a `Secret`.
fn result_type(op: &Operation, shape: &Shape, plain: fn(&Shape) -> String) -> String {
    match shape {
        Shape::String if op.result_is_secret() => "Secret".into(),
        other => plain(other),
    }
}

fn js_type(shape: &Shape) -> String {
    match shape {
        Shape::Ref(name) => name.clone(),
        Shape::String => "string".into(),
        Shape::Nullable(inner) => format!("{} | null", js_type(inner)),
        Shape::Array(item) => format!("{}[]", js_type(item)),
        _ => "unknown".into(),
    }
}

pub fn js_table(catalog: &Catalog) -> String {
    table(
        &["method", "HTTP", "returns", "what it does"],
        catalog.operations.iter().map(|op| {
            let params: Vec<String> = choices(op)
                .iter()
                .map(|choice| {
                    let names: Vec<&str> = choice.iter().map(|p| p.name.as_str()).collect();
                    let optional = choice.len() == 1 && !choice[0].required;
                    format!("{}{}", names.join(" | "), if optional { "?" } else { "" })
                })
                .collect();
            let call = if params.is_empty() {
                format!("`client.{}()`", op.name)
            } else {
                format!("`client.{}({{{}}})`", op.name, params.join(", "))
            };
            let returns = match (op.paginated, op.item()) {
                (true, Some(item)) => {
                    format!("`PageIterator<{}>`", result_type(op, item, js_type))
                }
                _ => format!("`Promise<{}>`", result_type(op, &op.result, js_type)),
            };
            vec![call, http(op), returns + &secrets(op), op.first_sentence()]
        }),
    )
}

/// What a returns cell adds for result fields that hold secrets.
fn secrets(op: &Operation) -> String {
    op.secret_field_names()
        .map(|field| format!("; `{field}` is a `Secret`"))
        .collect()
}

fn py_type(shape: &Shape) -> String {
    match shape {
        Shape::Ref(name) => name.clone(),
        Shape::String => "str".into(),
        Shape::Nullable(inner) => format!("Optional[{}]", py_type(inner)),
        Shape::Array(item) => format!("List[{}]", py_type(item)),
        _ => "Any".into(),
    }
}

pub fn python_table(catalog: &Catalog) -> String {
    table(
        &["method", "HTTP", "returns", "what it does"],
        catalog.operations.iter().map(|op| {
            let mut args: Vec<String> = op
                .params
                .iter()
                .filter(|p| p.in_path)
                .map(|p| p.name.clone())
                .collect();
            let keywords: Vec<String> = op
                .params
                .iter()
                .filter(|p| !p.in_path)
                .map(|p| {
                    if p.required {
                        p.name.clone()
                    } else {
                        format!("{}=None", p.name)
                    }
                })
                .collect();
            if !keywords.is_empty() {
                args.push("*".into());
                args.extend(keywords);
            }
            let call = format!("`client.{}({})`", op.name, args.join(", "));
            let returns = match op.item() {
                Some(item) if op.paginated => {
                    format!("`PageIterator[{}]`", result_type(op, item, py_type))
                }
                Some(item) => {
                    format!(
                        "`PageIterator[{}]` (one page)",
                        result_type(op, item, py_type)
                    )
                }
                None => format!("`{}`", result_type(op, &op.result, py_type)),
            };
            vec![call, http(op), returns + &secrets(op), op.first_sentence()]
        }),
    )
}
