//! The exported catalog says what the registry and the declarations say: every operation once,
//! in order, each parameter as its table has it, every result's shape, every doc.

use std::collections::BTreeSet;

use cloudflare_tenant::api::{Kind, Rule, To};
use cloudflare_tenant::{catalog, operations, Operation, OperationInfo};
use serde_json::Value;

fn catalog_operations() -> Vec<Value> {
    match catalog()["operations"].clone() {
        Value::Array(operations) => operations,
        other => panic!("operations must be an array, got {other}"),
    }
}

/// Each catalog entry beside its registry row.
fn pairs() -> Vec<(Value, &'static OperationInfo)> {
    let listed = catalog_operations();
    assert_eq!(listed.len(), operations().len());
    listed.into_iter().zip(operations()).collect()
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("expected an array, got {value}"))
        .iter()
        .map(|item| item.as_str().unwrap())
        .collect()
}

#[test]
fn holds_every_operation_once_in_order() {
    let names: Vec<String> = catalog_operations()
        .iter()
        .map(|op| op["name"].as_str().unwrap().to_owned())
        .collect();
    let registry: Vec<&str> = operations().iter().map(|info| info.name).collect();
    assert_eq!(names, registry);
    let unique: BTreeSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "names are unique");
}

#[test]
fn says_what_the_registry_says() {
    for (op, info) in pairs() {
        let name = info.name;
        assert_eq!(op["method"], info.method.as_str(), "{name}");
        assert_eq!(op["path"], info.params.path, "{name}");
        assert_eq!(op["paginated"], info.paginated, "{name}");
        assert_eq!(op["body"], info.params.body, "{name}");
        assert_eq!(strings(&op["secret_fields"]), info.secret_fields, "{name}");
        let rule = match info.params.rule {
            Rule::None => Value::Null,
            Rule::RolesOrPolicies => "roles_or_policies".into(),
            Rule::AtLeastOne => "at_least_one".into(),
            Rule::UnitOrStandalone => "unit_or_standalone".into(),
            other => panic!("{name}: a rule the catalog does not name: {other:?}"),
        };
        assert_eq!(op["rule"], rule, "{name}");
    }
}

/// `PerPage` -> `per_page`.
fn snake_case(camel: &str) -> String {
    let mut snake = String::new();
    for c in camel.chars() {
        if c.is_uppercase() && !snake.is_empty() {
            snake.push('_');
        }
        snake.push(c.to_ascii_lowercase());
    }
    snake
}

#[test]
fn each_param_is_as_its_table_has_it() {
    for (op, info) in pairs() {
        let params = op["params"].as_array().unwrap();
        assert_eq!(params.len(), info.params.list.len(), "{}", info.name);
        for (param, row) in params.iter().zip(info.params.list) {
            let at = format!("{}.{}", info.name, row.name);
            assert_eq!(param["name"], row.name, "{at}");
            assert_eq!(param["required"], row.required, "{at}");
            let (place, wire, also_body) = match row.to {
                To::Path => ("path", row.name, None),
                To::PathAndBody(body) => ("path", row.name, Some(body)),
                To::Query(key) => ("query", key, None),
                To::Body(body) => ("body", body, None),
                To::Header(name) => ("header", name, None),
                other => panic!("{at}: a place the catalog does not name: {other:?}"),
            };
            assert_eq!(param["in"], place, "{at}");
            assert_eq!(param["wire"], wire, "{at}");
            assert_eq!(param["also_body"].as_str(), also_body, "{at}");

            let kind = &param["kind"];
            let debug = format!("{:?}", row.kind);
            let variant = debug.split('(').next().unwrap();
            assert_eq!(kind["type"], snake_case(variant), "{at}");
            match row.kind {
                Kind::Text(max) | Kind::Name(max) if max != usize::MAX => {
                    assert_eq!(kind["max"], max, "{at}")
                }
                Kind::Text(_) | Kind::Name(_) => assert!(kind.get("max").is_none(), "{at}"),
                Kind::OneOf(values) => assert_eq!(strings(&kind["values"]), values, "{at}"),
                _ => {}
            }
        }
    }
}

#[test]
fn every_path_placeholder_is_a_path_param() {
    for op in catalog_operations() {
        let name = op["name"].as_str().unwrap();
        let path = op["path"].as_str().unwrap();
        let placeholders: BTreeSet<&str> = path
            .split('{')
            .skip(1)
            .map(|rest| rest.split_once('}').expect("placeholders close").0)
            .collect();
        let path_params: BTreeSet<&str> = op["params"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(placeholders, path_params, "{name}: {path}");
        for param in op["params"].as_array().unwrap() {
            if param["in"] == "path" {
                assert_eq!(param["required"], true, "{name}: path params are required");
            }
        }
    }
}

#[test]
fn a_list_pages_when_it_takes_page_and_per_page() {
    for op in catalog_operations() {
        let takes = |key: &str| {
            op["params"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == key && p["in"] == "query")
        };
        assert_eq!(
            op["paginated"],
            takes("page") && takes("per_page"),
            "{}",
            op["name"]
        );
        if op["paginated"] == true {
            assert_eq!(op["result"]["type"], "array", "{}", op["name"]);
        }
    }
}

/// Every model a shape refers to, checking each is in `models`.
fn refs_resolve(shape: &Value, models: &Value, at: &str) {
    let of = |key: &str| shape.get(key).unwrap_or_else(|| panic!("{at}: {shape}"));
    match shape["type"].as_str() {
        Some("any" | "string" | "boolean" | "object") => {}
        Some("nullable") => refs_resolve(of("of"), models, at),
        Some("array") => refs_resolve(of("items"), models, at),
        Some("map") => refs_resolve(of("values"), models, at),
        Some("ref") => {
            let name = of("name").as_str().unwrap();
            assert!(models.get(name).is_some(), "{at}: no model {name}");
        }
        _ => panic!("{at}: not a shape: {shape}"),
    }
}

#[test]
fn every_result_has_its_shape_and_every_model_is_there() {
    let catalog = catalog();
    let models = &catalog["models"];
    for op in catalog_operations() {
        let name = op["name"].as_str().unwrap();
        refs_resolve(&op["result"], models, name);
        // A secret field is a field of the result's model.
        let mut result = &op["result"];
        while let Some(inner) = result.get("of").or_else(|| result.get("items")) {
            result = inner;
        }
        for secret in strings(&op["secret_fields"]) {
            if secret.is_empty() {
                // `WHOLE_RESULT`: the result itself is the secret, a string.
                assert_eq!(result["type"], "string", "{name}");
                continue;
            }
            let model = &models[result["name"].as_str().unwrap()];
            let fields = model["fields"].as_array().unwrap();
            assert!(
                fields.iter().any(|f| f["name"] == secret),
                "{name}: {secret}"
            );
        }
    }
    for (name, model) in models.as_object().unwrap() {
        assert_eq!(model["type"], "object", "{name}");
        assert_eq!(model["name"], name.as_str(), "{name}");
        for field in model["fields"].as_array().unwrap() {
            let at = format!("{name}.{}", field["name"].as_str().unwrap());
            refs_resolve(&field["shape"], models, &at);
        }
    }
}

macro_rules! docs {
    ($($op:ty $(: $paged:ident)?),* $(,)?) => {
        vec![$((
            <$op as Operation>::NAME,
            <$op as Operation>::DOC,
            <$op as Operation>::PARAM_DOCS,
            <$op as Operation>::PARAMS.list.len(),
        )),*]
    };
}

#[test]
fn every_operation_and_parameter_has_its_doc() {
    let declared = cloudflare_tenant::for_each_operation!(docs);
    let listed = catalog_operations();
    assert_eq!(declared.len(), listed.len());
    for ((name, doc, param_docs, params), op) in declared.into_iter().zip(&listed) {
        assert_eq!(op["name"], name);
        assert!(
            doc.starts_with(&format!("`{name}`: ")),
            "{name}: its doc starts with its name: {doc:?}"
        );
        assert!(!doc.starts_with(' ') && !doc.ends_with(' '), "{doc:?}");
        assert_eq!(op["doc"], doc, "{name}");
        assert_eq!(param_docs.len(), params, "{name}: one doc per parameter");
        for (param, param_doc) in op["params"].as_array().unwrap().iter().zip(param_docs) {
            assert!(!param_doc.trim().is_empty(), "{name}.{}", param["name"]);
            assert_eq!(param["doc"], *param_doc, "{name}");
        }
    }
}

#[test]
fn every_model_and_field_has_its_doc() {
    let catalog = catalog();
    let models = catalog["models"].as_object().unwrap();
    assert!(models.contains_key("Account"));
    for (name, model) in models {
        let doc = model["doc"].as_str().unwrap();
        assert!(!doc.trim().is_empty(), "{name} has a doc");
        assert!(
            !doc.starts_with(' ') && !doc.ends_with(' '),
            "{name}: {doc:?}"
        );
        for field in model["fields"].as_array().unwrap() {
            let doc = field["doc"].as_str().unwrap();
            assert!(!doc.trim().is_empty(), "{name}.{} has a doc", field["name"]);
            assert!(!doc.starts_with(' '), "{name}.{}: {doc:?}", field["name"]);
        }
    }
    // A doc comment of several lines reads as one paragraph.
    let account = &models["Account"]["fields"][0];
    assert_eq!(account["name"], "id");
    assert_eq!(account["doc"], "32 hex characters.");
}

#[test]
fn names_its_version_and_kinds_of_error() {
    let catalog = catalog();
    assert_eq!(catalog["version"], env!("CARGO_PKG_VERSION"));
    let errors = catalog["errors"].as_array().unwrap();
    let kinds: BTreeSet<&str> = errors.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), errors.len(), "kinds are unique");
    assert!(kinds.contains("invalid") && kinds.contains("api"));
    for error in errors {
        assert!(!error["doc"].as_str().unwrap().is_empty(), "{error}");
    }
}

#[test]
fn is_stable() {
    let first = serde_json::to_string(&catalog()).unwrap();
    let second = serde_json::to_string(&catalog()).unwrap();
    assert_eq!(first, second);
}
