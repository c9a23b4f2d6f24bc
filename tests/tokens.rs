//! Account-owned API tokens through the core alone: typed and by-name requests agree, token
//! policies are checked before a request exists, and a token's value (a created token's
//! `value` field, a rolled token's whole result) never reaches Debug or an error.

use cloudflare_tenant::api::tokens::{CreateToken, RollTokenValue, TokenPolicyInput, UpdateToken};
use cloudflare_tenant::api::{Access, IdRef, TokenStatus};
use cloudflare_tenant::http::{HeaderMap, Response};
use cloudflare_tenant::{
    catalog, operation, parse_response_named, Client, Credentials, Error, WHOLE_RESULT,
};
use serde_json::{json, Map, Value};

const ACCOUNT: &str = "2bab6ace8c72ed3f09b9eca6db1396bb";
const TOKEN: &str = "ed17574386854bf78a67040be0a770b0";
const GROUP: &str = "c8fed203ed3043cba015a93ad1616f1f";
const VALUE: &str = "hostile-token-value-5Yq2m8Lk3Jd0Wp7Rt4Nv1Bx6Cz9Hs";

fn client() -> Client {
    Client::new(Credentials::api_token("t").unwrap())
}

fn resources() -> Map<String, Value> {
    let mut map = Map::new();
    map.insert(format!("com.cloudflare.api.account.{ACCOUNT}"), "*".into());
    map
}

fn body(request: &cloudflare_tenant::http::Request<Vec<u8>>) -> Value {
    serde_json::from_slice(request.body()).unwrap()
}

/// Every surface of an error a user could log: Display, Debug, the JSON view.
fn surfaces(error: &Error) -> String {
    format!("{error}\n{error:?}\n{}", error.to_json())
}

#[test]
fn a_typed_create_sends_what_the_by_name_one_sends() {
    let typed = client()
        .request(&CreateToken {
            account_id: ACCOUNT.into(),
            name: "cust-0042".into(),
            policies: vec![TokenPolicyInput {
                id: None,
                effect: Access::Allow,
                permission_groups: vec![IdRef::new(GROUP)],
                resources: resources(),
            }],
            expires_on: Some("2027-11-02T00:00:00Z".into()),
            request_ip_in: Some(vec!["10.0.0.0/8".into()]),
            ..Default::default()
        })
        .unwrap();
    let named = client()
        .request_named(
            "accounts.tokens.create",
            json!({
                "account_id": ACCOUNT,
                "name": "cust-0042",
                "policies": [{"effect": "allow", "permission_groups": [GROUP], "resources": resources()}],
                "expires_on": "2027-11-02T00:00:00Z",
                "request_ip_in": ["10.0.0.0/8"],
            }),
            None,
        )
        .unwrap();
    assert_eq!(typed.uri(), named.uri());
    assert_eq!(body(&typed), body(&named));
    assert_eq!(
        body(&typed),
        json!({
            "name": "cust-0042",
            "policies": [{"effect": "allow", "permission_groups": [{"id": GROUP}], "resources": resources()}],
            "expires_on": "2027-11-02T00:00:00Z",
            "condition": {"request_ip": {"in": ["10.0.0.0/8"]}},
        })
    );
}

#[test]
fn a_typed_update_refuses_a_bad_policy_before_any_request() {
    let update = UpdateToken {
        account_id: ACCOUNT.into(),
        token_id: TOKEN.into(),
        name: "cust-0042".into(),
        policies: vec![TokenPolicyInput {
            id: Some("f267e341f3dd4697bd3b9f71dd96247f".into()),
            effect: Access::Deny,
            permission_groups: vec![IdRef::new(GROUP), IdRef::new("Zone Read")],
            resources: resources(),
        }],
        status: Some(TokenStatus::Disabled),
        not_before: None,
        expires_on: None,
        request_ip_in: None,
        request_ip_not_in: None,
    };
    match client().request(&update) {
        Err(Error::Invalid(invalid)) => {
            assert_eq!(invalid.field, "policies[0].permission_groups[1]")
        }
        other => panic!("{other:?}"),
    }
    // A status this version does not know is kept for reading, never sent.
    let mut update = update;
    update.policies[0].permission_groups.pop();
    update.status = Some(TokenStatus::from("revoked"));
    match client().request(&update) {
        Err(Error::Invalid(invalid)) => assert_eq!(invalid.field, "status"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_value_is_secret_by_field_for_a_create_and_whole_for_a_roll() {
    assert_eq!(
        operation("accounts.tokens.create").unwrap().secret_fields,
        ["value"]
    );
    assert_eq!(
        operation("accounts.tokens.value.roll")
            .unwrap()
            .secret_fields,
        [WHOLE_RESULT]
    );
    assert_eq!(WHOLE_RESULT, "");
    let catalog = catalog();
    let roll = catalog["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|op| op["name"] == "accounts.tokens.value.roll")
        .unwrap();
    assert_eq!(roll["secret_fields"], json!([""]));
    assert_eq!(roll["result"], json!({"type": "string"}));
    for name in [
        "accounts.tokens.get",
        "accounts.tokens.list",
        "accounts.tokens.update",
    ] {
        assert!(operation(name).unwrap().secret_fields.is_empty(), "{name}");
    }
}

#[test]
fn typed_results_never_show_the_value() {
    let answer = |result: Value| {
        let body = json!({"success": true, "errors": [], "messages": [], "result": result});
        Response::builder()
            .status(200)
            .body(serde_json::to_vec(&body).unwrap())
            .unwrap()
    };
    let created = client()
        .response::<CreateToken>(&answer(
            json!({"id": TOKEN, "name": "cust-0042", "value": VALUE}),
        ))
        .unwrap();
    assert!(!format!("{created:?}").contains(VALUE));
    assert_eq!(created.result.value.as_ref().unwrap().expose(), VALUE);

    let rolled = client()
        .response::<RollTokenValue>(&answer(json!(VALUE)))
        .unwrap();
    assert!(!format!("{rolled:?}").contains(VALUE));
    assert_eq!(rolled.result.expose(), VALUE);
    // The by-name result is the JSON the server sent: the hosts mask it (`secret_fields`).
    let named = parse_response_named(
        "accounts.tokens.value.roll",
        200,
        &HeaderMap::new(),
        &serde_json::to_vec(
            &json!({"success": true, "errors": [], "messages": [], "result": VALUE}),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(named.result, VALUE);
}

#[test]
fn undecodable_answers_never_show_the_value() {
    let envelope =
        |result: &str| format!(r#"{{"success":true,"errors":[],"messages":[],"result":{result}}}"#);
    let rolls = [
        // The value where an object was expected, or inside one.
        envelope(&format!(r#"{{"value":"{VALUE}"}}"#)),
        envelope(&format!(r#"["{VALUE}"]"#)),
        envelope(&format!(r#"{{"token":{{"value":"{VALUE}","n":1}}}}"#)),
        // No `success`.
        format!(r#"{{"errors":[],"messages":[],"result":"{VALUE}"}}"#),
        // Trailing bytes, cut off, a bad escape.
        format!("{}garbage", envelope(&format!(r#""{VALUE}""#))),
        envelope(&format!(r#""{VALUE}"#)),
        envelope(&format!(r#""{VALUE}\ud800""#)),
        // HTML.
        format!("<html><body>rolled: {VALUE}</body></html>"),
    ];
    let created = |value: &str| envelope(&format!(r#"{{"id":"{TOKEN}","value":{value}}}"#));
    let creates = [
        created(&format!(r#"{{"token":"{VALUE}"}}"#)),
        created(&format!(r#"["{VALUE}"]"#)),
        envelope(&format!(
            r#"{{"id":"{TOKEN}","value":"{VALUE}","policies":"all"}}"#
        )),
        format!(r#"{{"errors":[],"messages":[],"result":{{"value":"{VALUE}"}}}}"#),
    ];
    let cases = rolls
        .iter()
        .map(|body| ("accounts.tokens.value.roll", body))
        .chain(creates.iter().map(|body| ("accounts.tokens.create", body)));
    for (name, body) in cases {
        for status in [200, 201, 502] {
            let error = parse_response_named(name, status, &HeaderMap::new(), body.as_bytes())
                .expect_err(body);
            let shown = surfaces(&error);
            assert!(!shown.contains(VALUE), "{name}: {shown}");
            assert!(!shown.contains(&VALUE[..20]), "{name}: {shown}");
        }
    }
    // What can be shown still is: the masked body, and the field at fault.
    let error = parse_response_named(
        "accounts.tokens.value.roll",
        200,
        &HeaderMap::new(),
        rolls[0].as_bytes(),
    )
    .unwrap_err();
    let Error::Decode(decode) = &error else {
        panic!("{error:?}")
    };
    assert!(
        decode.snippet.contains(r#""result":"***""#),
        "{}",
        decode.snippet
    );
    assert!(decode.reason.contains("result"), "{}", decode.reason);
}
