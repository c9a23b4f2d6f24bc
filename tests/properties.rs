//! Properties over arbitrary input: the parser never panics, and unknown fields survive.

use cloudflare_tenant::http::HeaderMap;
use cloudflare_tenant::{operations, parse_response_named};
use proptest::prelude::*;
use serde_json::{json, Value};

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(status in 100u16..600, body in prop::collection::vec(any::<u8>(), 0..256)) {
        for op in operations() {
            let _ = parse_response_named(op.name, status, &HeaderMap::new(), &body);
        }
    }

    #[test]
    fn arbitrary_envelopes_never_panic(
        status in prop_oneof![Just(200u16), 100u16..600],
        success in any::<bool>(),
        result in any_json(),
        errors in any_json(),
        result_info in any_json(),
    ) {
        let body = serde_json::to_vec(&json!({
            "success": success, "result": result, "errors": errors,
            "messages": [], "result_info": result_info,
        })).unwrap();
        for op in operations() {
            let _ = parse_response_named(op.name, status, &HeaderMap::new(), &body);
        }
    }

    #[test]
    fn unknown_fields_survive(key in "x_[a-z_]{1,12}", value in any_json()) {
        let mut account = json!({"id": "2bab6ace8c72ed3f09b9eca6db1396bb", "name": "Acme", "type": "standard",
                                 "settings": {"enforce_twofactor": true}});
        account[&key] = value.clone();
        account["settings"][&key] = value.clone();
        let mut member = json!({"id": "4536bcfad5faccb111b47003c79917fa", "email": "a@b.example", "status": "pending",
                                "user": {"email": "a@b.example"}, "roles": [{"id": "05784afa30c1afe1440e79d9351c7430", "name": "Administrator"}]});
        member["roles"][0][&key] = value.clone();
        member["user"][&key] = value.clone();
        let cases = [
            ("accounts.get", account.clone(), vec![vec![key.clone()], vec!["settings".into(), key.clone()]]),
            ("accounts.list", json!([account]), vec![vec!["0".into(), key.clone()]]),
            ("accounts.members.get", member, vec![vec!["roles".into(), "0".into(), key.clone()], vec!["user".into(), key.clone()]]),
        ];
        for (op, result, paths) in cases {
            let body = serde_json::to_vec(&json!({"success": true, "errors": [], "messages": [], "result": result})).unwrap();
            let parsed = parse_response_named(op, 200, &HeaderMap::new(), &body).unwrap();
            for path in paths {
                let pointer = format!("/{}", path.join("/"));
                let kept = parsed.result.pointer(&pointer);
                // Unknown fields keep whatever was sent, floats to the last digit.
                prop_assert_eq!(kept, Some(&value), "{} {}", op, pointer);
            }
        }
    }
}
