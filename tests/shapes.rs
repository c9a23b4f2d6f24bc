//! The by-name path checks results against shapes; the Rust path deserializes typed models.
//! Both come from the same declarations, and here they must agree: on every success fixture,
//! and on every way of breaking one (each value swapped for one of another type). The typed
//! path reads the body with the same reading first, so serde alone, building each operation's
//! result type, is the oracle that shares no code with it.

use std::fs;
use std::path::Path;

use cloudflare_tenant::api::{accounts, members, tenants};
use cloudflare_tenant::http::HeaderMap;
use cloudflare_tenant::{
    check_response_named, operations, parse_response, ApiMessage, Error, Operation, ResultInfo,
};
use serde_json::{json, Value};

type Typed = fn(u16, &[u8]) -> Result<(Option<ResultInfo>, Vec<ApiMessage>), Error>;
type SerdeOnly = fn(&Value) -> bool;

fn typed<O: Operation>(
    status: u16,
    body: &[u8],
) -> Result<(Option<ResultInfo>, Vec<ApiMessage>), Error> {
    parse_response::<O>(status, &HeaderMap::new(), body).map(|r| (r.result_info, r.messages))
}

/// serde alone: the operation's result type built from the result.
fn serde_only<O: Operation>(result: &Value) -> bool {
    serde_json::from_value::<O::Output>(result.clone()).is_ok()
}

macro_rules! typed_parsers {
    ($($op:ty $(: $paged:ident)?),* $(,)?) => {
        vec![$((
            <$op as Operation>::NAME,
            typed::<$op> as Typed,
            serde_only::<$op> as SerdeOnly,
        )),*]
    };
}

fn typed_parsers() -> Vec<(&'static str, Typed, SerdeOnly)> {
    cloudflare_tenant::for_each_operation!(typed_parsers)
}

/// Every success result in the fixtures, by operation.
fn success_results(operation: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(operation)
        .join("responses.json");
    let cases: Vec<Value> = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    cases
        .into_iter()
        .filter(|case| case.get("expect").is_some())
        .filter_map(|case| case["body"].get("result").cloned())
        .collect()
}

/// Values of every JSON type but the one given.
fn other_types(value: &Value) -> Vec<Value> {
    let all = [
        json!(null),
        json!(true),
        json!(7),
        json!(-1.5),
        json!("text"),
        json!([]),
        json!([{"id": 1}]),
        json!({}),
        json!({"id": false}),
    ];
    let kind = |v: &Value| std::mem::discriminant(v);
    all.into_iter().filter(|v| kind(v) != kind(value)).collect()
}

/// The value, and each variant with one node (at any depth) replaced by another type.
fn variants(value: &Value) -> Vec<Value> {
    let mut out = vec![value.clone()];
    out.extend(other_types(value));
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                for variant in variants(item).into_iter().skip(1) {
                    let mut changed = items.clone();
                    changed[i] = variant;
                    out.push(Value::Array(changed));
                }
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                for variant in variants(item).into_iter().skip(1) {
                    let mut changed = map.clone();
                    changed.insert(key.clone(), variant);
                    out.push(Value::Object(changed));
                }
            }
        }
        _ => {}
    }
    out
}

fn envelope(result: &Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"success": true, "errors": [], "messages": [], "result": result}))
        .unwrap()
}

#[test]
fn typed_parse_and_shape_check_agree() {
    let parsers = typed_parsers();
    assert_eq!(parsers.len(), operations().len());
    let (mut accepted, mut refused) = (0, 0);
    for (name, typed, serde_only) in parsers {
        let mut results = success_results(name);
        results.push(json!(null));
        for result in &results {
            for variant in variants(result) {
                let body = envelope(&variant);
                let by_type = typed(200, &body);
                let by_shape = check_response_named(name, 200, &HeaderMap::new(), &body);
                assert_eq!(
                    by_shape.is_ok(),
                    serde_only(&variant),
                    "{name}: serde alone disagrees on {variant}"
                );
                match (&by_type, &by_shape) {
                    (Ok(_), Ok(_)) => accepted += 1,
                    (Err(a), Err(b)) => {
                        // The typed path names the place at fault through the checker.
                        assert_eq!(a.to_string(), b.to_string(), "{name}: {variant}");
                        refused += 1;
                    }
                    _ => panic!(
                        "{name}: typed {:?} but checked {:?} for {variant}",
                        by_type.err().map(|e| e.to_string()),
                        by_shape.err().map(|e| e.to_string())
                    ),
                }
            }
        }
    }
    println!("{accepted} accepted and {refused} refused alike");
    assert!(accepted > 1_000 && refused > 1_000);
}

/// Bodies around a result that test the envelope: the by-name check and the typed parse must
/// read each alike, whatever the status.
fn envelope_variants(result: &Value) -> Vec<Vec<u8>> {
    let r = result.to_string();
    let bodies = vec![
        format!(r#"{{"success":true,"errors":[],"messages":[],"result":{r}}}"#),
        format!(r#"{{"result":{r},"success":true}}"#),
        format!(r#"{{"result":{r}}}"#),
        format!(r#"{{"success":"true","result":{r}}}"#),
        format!(r#"{{"success":true,"success":true,"result":{r}}}"#),
        format!(r#"{{"success":true,"result":{r},"result":{r}}}"#),
        format!(r#"{{"success":true,"result":{r},"errors":[7]}}"#),
        format!(r#"{{"success":true,"result":{r},"errors":null,"messages":null}}"#),
        format!(
            r#"{{"success":true,"result":{r},"messages":["note",{{"code":"12","message":"m"}}]}}"#
        ),
        format!(r#"{{"success":true,"result":{r},"result_info":{{"page":"2","per_page":20.0}}}}"#),
        format!(r#"{{"success":true,"result":{r},"result_info":5}}"#),
        format!(r#"{{"success":true,"result":{r},"result_info":null}}"#),
        format!(r#"{{"success":true,"result":{r},"later":{{"deep":[1,2,{{"x":null}}]}}}}"#),
        format!(r#"{{"success":true,"result":{r}}} trailing"#),
        format!(r#"{{"success":true,"result":{r}"#),
        format!(r#"{{"success":false,"errors":[{{"code":1003,"message":"no"}}],"result":{r}}}"#),
        format!(r#"[{{"success":true,"result":{r}}}]"#),
    ];
    let mut bodies: Vec<Vec<u8>> = bodies.into_iter().map(String::into_bytes).collect();
    // Not UTF-8, though only in a field no one reads.
    bodies.push(
        [
            &b"{\"x\":\"\xff\",\"success\":true,\"result\":"[..],
            r.as_bytes(),
            b"}",
        ]
        .concat(),
    );
    bodies
}

#[test]
fn the_checked_and_the_typed_readings_of_an_envelope_agree() {
    let headers = HeaderMap::new();
    let mut compared = 0;
    for (name, typed, _) in typed_parsers() {
        let mut results = success_results(name);
        results.push(json!(null));
        for result in &results {
            for body in envelope_variants(result) {
                for status in [200, 299, 300] {
                    let body = body.as_slice();
                    let by_type =
                        parse_response_named_typed(typed, status, body).map_err(|e| e.to_string());
                    let checked = check_response_named(name, status, &headers, body)
                        .map(|r| (r.result_info, r.messages))
                        .map_err(|e| e.to_string());
                    assert_eq!(
                        checked,
                        by_type,
                        "{name} {status}: {}",
                        String::from_utf8_lossy(body)
                    );
                    compared += 1;
                }
            }
        }
    }
    println!("{compared} bodies read alike");
}

/// The typed path's envelope, for [`the_checked_and_the_typed_readings_of_an_envelope_agree`].
fn parse_response_named_typed(
    typed: Typed,
    status: u16,
    body: &[u8],
) -> Result<(Option<ResultInfo>, Vec<ApiMessage>), Error> {
    typed(status, body)
}

#[test]
fn a_repeated_known_field_is_refused_by_both() {
    let body = br#"{"success":true,"errors":[],"messages":[],"result":{"id":"a","id":"b"}}"#;
    let typed = parse_response::<accounts::GetAccount>(200, &HeaderMap::new(), body);
    let checked = check_response_named("accounts.get", 200, &HeaderMap::new(), body);
    assert!(typed.is_err() && checked.is_err());
}

#[test]
fn a_refusal_names_the_path() {
    let body = envelope(
        &json!([{"id": "m", "roles": [{"id": "r", "permissions": {"dns": {"read": "yes"}}}]}]),
    );
    let err = check_response_named("accounts.members.list", 200, &HeaderMap::new(), &body)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`result[0].roles[0].permissions.dns.read`"),
        "{err}"
    );
    let typed = parse_response::<members::ListMembers>(200, &HeaderMap::new(), &body)
        .unwrap_err()
        .to_string();
    assert_eq!(typed, err);
}

#[test]
fn numbers_serde_cannot_hold_are_read_alike() {
    let headers = HeaderMap::new();
    let big = "9".repeat(400);
    for body in [
        r#"{"success":true,"result":{"id":"a","later":1e400}}"#.to_owned(),
        r#"{"success":true,"result":{"id":"a","later":[{"x":-1E+999}]}}"#.to_owned(),
        r#"{"success":true,"result":{"id":"a","later":1e-400}}"#.to_owned(),
        r#"{"success":true,"result":{"id":"a","later":1.7e308}}"#.to_owned(),
        format!(r#"{{"success":true,"result":{{"id":"a","later":{big}}}}}"#),
        r#"{"success":true,"result":{"id":"a"},"later":1e400}"#.to_owned(),
    ] {
        let body = body.as_bytes();
        let checked = check_response_named("accounts.get", 200, &headers, body);
        let typed = parse_response::<accounts::GetAccount>(200, &headers, body);
        assert_eq!(
            checked.as_ref().map(drop).map_err(|e| e.to_string()),
            typed.as_ref().map(drop).map_err(|e| e.to_string()),
            "{}",
            String::from_utf8_lossy(body)
        );
        // Never a panic, and accepted by name exactly when accepted typed.
        let named = cloudflare_tenant::parse_response_named("accounts.get", 200, &headers, body);
        assert_eq!(named.is_ok(), typed.is_ok());
    }
}

/// Found by the operations fuzz target: serde reads a JSON array as a struct's fields in
/// order, so `[true, []]` passed as an envelope and the by-name Rust reading then failed.
#[test]
fn an_array_is_never_an_envelope() {
    let headers = HeaderMap::new();
    for body in [&b"[ true,[] ]"[..], b"[true,[],[],[]]", b" \n[true]"] {
        for op in operations() {
            let checked = check_response_named(op.name, 200, &headers, body);
            let named = cloudflare_tenant::parse_response_named(op.name, 200, &headers, body);
            assert!(checked.is_err() && named.is_err(), "{}", op.name);
        }
        let typed = parse_response::<tenants::ListTenantAccounts>(200, &headers, body);
        assert!(typed.unwrap_err().to_string().contains("not a JSON object"));
    }
}

/// serde_json's `raw_value` feature reads an object whose first key is its private token as a
/// raw value when it builds a `Value`. The core does not ask for the feature, and the npm and
/// pip packages build without it: there such an object is plain data for every reading, as for
/// `JSON.parse` and `json.loads`. Another crate in a Rust build may turn the feature on (axum
/// does, in this workspace's sandbox); then the typed reading, whose unknown fields are
/// `Value`s, refuses `{token: 36}` with an error while the check accepts it.
#[test]
fn the_raw_value_token_is_plain_data_unless_serde_json_has_raw_value() {
    let raw_value_on =
        serde_json::from_str::<serde_json::Value>(r#"{"$serde_json::private::RawValue":"36"}"#)
            .is_ok_and(|v| v == 36);
    let headers = HeaderMap::new();
    let body =
        br#"{"success":true,"result":{"id":"a","later":[{"$serde_json::private::RawValue":36}]}}"#;
    assert!(check_response_named("accounts.get", 200, &headers, body).is_ok());
    let typed = parse_response::<accounts::GetAccount>(200, &headers, body);
    let named = cloudflare_tenant::parse_response_named("accounts.get", 200, &headers, body);
    if raw_value_on {
        assert!(typed.is_err());
        assert!(named.unwrap_err().to_string().contains("unreadable result"));
        return;
    }
    let token =
        |value: &serde_json::Value| value["later"][0]["$serde_json::private::RawValue"].clone();
    assert_eq!(
        token(&serde_json::Value::Object(typed.unwrap().result.extra)),
        36
    );
    assert_eq!(token(&named.unwrap().result), 36);
}
