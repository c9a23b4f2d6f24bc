//! Walks the golden corpus in `tests/fixtures/` (format: `tests/fixtures/README.md`). The JS
//! and Python packages walk the same files, so all three hosts build the same requests and
//! read responses the same way.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use cloudflare_tenant::http::{HeaderMap, HeaderName, HeaderValue};
use cloudflare_tenant::{operations, parse_response_named, Client, Credentials};
use serde_json::{json, Value};

/// Headers a fixture does not list: credentials (secret, checked elsewhere) and the
/// version-bearing user agent.
const UNLISTED_HEADERS: [&str; 5] = [
    "authorization",
    "x-auth-email",
    "x-auth-key",
    "x-auth-user-service-key",
    "user-agent",
];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read_cases(path: &Path) -> Vec<Value> {
    match fs::read_to_string(path) {
        Ok(text) => match serde_json::from_str(&text) {
            Ok(Value::Array(cases)) => cases,
            other => panic!("{}: expected a JSON array, got {other:?}", path.display()),
        },
        Err(_) => Vec::new(),
    }
}

fn operation_dirs() -> Vec<(String, PathBuf)> {
    let mut dirs: Vec<_> = fs::read_dir(fixtures_dir())
        .expect("tests/fixtures exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .map(|path| {
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                path,
            )
        })
        .filter(|(name, _)| !name.starts_with('_'))
        .collect();
    dirs.sort();
    dirs
}

fn default_credentials() -> Value {
    json!({"api_token": "fixture-token"})
}

#[test]
fn every_operation_has_fixtures_and_every_fixture_an_operation() {
    let known: BTreeSet<_> = operations().iter().map(|op| op.name.to_owned()).collect();
    let found: BTreeSet<_> = operation_dirs().into_iter().map(|(name, _)| name).collect();
    assert_eq!(
        found.difference(&known).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "fixture folders without an operation"
    );
    assert_eq!(
        known.difference(&found).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "operations without fixtures"
    );
    for (name, dir) in operation_dirs() {
        assert!(
            !read_cases(&dir.join("requests.json")).is_empty(),
            "{name}: no request case"
        );
        let responses = read_cases(&dir.join("responses.json"));
        assert!(
            responses.iter().any(|c| c.get("expect").is_some()),
            "{name}: no success response"
        );
        assert!(
            responses.iter().any(|c| c.get("error").is_some()),
            "{name}: no error response"
        );
    }
}

#[test]
fn requests_match_the_fixtures() {
    let client = Client::default();
    let mut checked = 0;
    for (name, dir) in operation_dirs() {
        for case in read_cases(&dir.join("requests.json")) {
            let label = format!("{name} / {}", case["name"]);
            let credentials = Credentials::from_json(
                case.get("credentials")
                    .cloned()
                    .unwrap_or_else(default_credentials),
            )
            .unwrap();
            let request = client
                .request_named(&name, case["params"].clone(), Some(&credentials))
                .unwrap_or_else(|e| panic!("{label}: {e}"));
            let expected = &case["request"];
            assert_eq!(
                request.method().as_str(),
                expected["method"],
                "{label}: method"
            );
            assert_eq!(request.uri().to_string(), expected["url"], "{label}: url");
            let headers: serde_json::Map<String, Value> = request
                .headers()
                .iter()
                .filter(|(k, _)| !UNLISTED_HEADERS.contains(&k.as_str()))
                .map(|(k, v)| (k.to_string(), json!(v.to_str().unwrap())))
                .collect();
            assert_eq!(
                Value::Object(headers),
                expected["headers"],
                "{label}: headers"
            );
            let body: Value = if request.body().is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(request.body()).unwrap()
            };
            assert_eq!(body, expected["body"], "{label}: body");
            checked += 1;
        }
    }
    println!("{checked} request fixtures matched");
    assert!(checked >= operations().len());
}

#[test]
fn invalid_params_are_refused_naming_the_field() {
    let client = Client::default();
    let credentials = Credentials::from_json(default_credentials()).unwrap();
    let mut checked = 0;
    for (name, dir) in operation_dirs() {
        for case in read_cases(&dir.join("invalid.json")) {
            let label = format!("{name} / {}", case["name"]);
            let err = client
                .request_named(&name, case["params"].clone(), Some(&credentials))
                .expect_err(&label)
                .to_json();
            assert_eq!(err["kind"], "invalid", "{label}: {err}");
            assert_eq!(err["operation"], name.as_str(), "{label}: {err}");
            assert_eq!(err["field"], case["field"], "{label}: {err}");
            checked += 1;
        }
    }
    println!("{checked} invalid-params fixtures refused");
}

fn headers_of(case: &Value) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(map) = case.get("headers").and_then(Value::as_object) {
        for (k, v) in map {
            headers.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v.as_str().unwrap()).unwrap(),
            );
        }
    }
    headers
}

/// The body as sent: `body_text` verbatim, or `body` serialized.
fn body_of(case: &Value) -> Vec<u8> {
    match (case.get("body_text"), case.get("body")) {
        (Some(text), _) => text.as_str().unwrap().as_bytes().to_vec(),
        (None, Some(body)) => serde_json::to_vec(body).unwrap(),
        (None, None) => Vec::new(),
    }
}

/// Each key of `expected` must equal the same key of `actual`; for an operation with secret
/// fields, `when_secret` overrides.
fn assert_error_matches(label: &str, operation: &str, actual: &Value, expected: &Value) {
    let mut expected = expected
        .as_object()
        .expect("error expectation is an object")
        .clone();
    let overrides = expected.remove("when_secret");
    let has_secrets = !cloudflare_tenant::operation(operation)
        .map(|info| info.secret_fields)
        .unwrap_or_default()
        .is_empty();
    if let (true, Some(Value::Object(overrides))) = (has_secrets, overrides) {
        expected.remove("snippet_starts");
        expected.extend(overrides);
    }
    for (key, value) in &expected {
        if key == "message_contains" {
            let message = actual["message"].as_str().unwrap();
            for part in value.as_array().unwrap() {
                assert!(
                    message.contains(part.as_str().unwrap()),
                    "{label}: {message}"
                );
            }
        } else if key == "snippet_starts" {
            let snippet = actual["snippet"].as_str().unwrap();
            assert!(
                snippet.starts_with(value.as_str().unwrap()),
                "{label}: {snippet}"
            );
        } else {
            assert_eq!(&actual[key], value, "{label}: error.{key} in {actual}");
        }
    }
}

fn check_response(name: &str, case: &Value) {
    let label = format!("{name} / {}", case["name"]);
    let status = case["status"].as_u64().unwrap() as u16;
    let parsed = parse_response_named(name, status, &headers_of(case), &body_of(case));
    match (case.get("expect"), case.get("error"), parsed) {
        (Some(expect), None, Ok(response)) => {
            assert_eq!(&serde_json::to_value(response).unwrap(), expect, "{label}")
        }
        (None, Some(expected), Err(err)) => {
            let actual = err.to_json();
            assert_eq!(actual["operation"], name, "{label}");
            assert_error_matches(&label, name, &actual, expected);
        }
        (_, _, outcome) => panic!("{label}: unexpected outcome {outcome:?}"),
    }
}

#[test]
fn responses_parse_as_the_fixtures_say() {
    let mut checked = 0;
    for (name, dir) in operation_dirs() {
        for case in read_cases(&dir.join("responses.json")) {
            check_response(&name, &case);
            checked += 1;
        }
    }
    println!("{checked} response fixtures parsed");
    assert!(checked >= 56);
}

#[test]
fn envelope_cases_hold_for_every_operation() {
    let cases = read_cases(&fixtures_dir().join("_envelope/responses.json"));
    assert!(!cases.is_empty());
    for op in operations() {
        for case in &cases {
            check_response(op.name, case);
        }
    }
    println!(
        "{} envelope cases x {} operations",
        cases.len(),
        operations().len()
    );
}
