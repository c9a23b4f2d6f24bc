//! `POST /accounts` with an `Idempotency-Key`, modelled on Stripe, and the request log of
//! `/__sandbox/requests`.

mod common;

use common::*;
use serde_json::{json, Value};

fn accounts_named(sb: &Sandbox, name: &str) -> usize {
    sb.state()["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["name"] == name)
        .count()
}

fn replays(sb: &Sandbox) -> u64 {
    sb.state()["counters"]["idempotent_replays"]
        .as_u64()
        .unwrap()
}

#[test]
fn same_key_same_body_replays_the_first_answer() {
    let sb = Sandbox::start(&[]);
    let keyed = sb.admin().with_header("Idempotency-Key", "create-acme-1");
    let body = json!({"name": "Acme", "type": "standard", "business_name": "Acme Inc"});
    let first = keyed.post("/accounts", &body);
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(first.header("idempotent-replayed").is_none());
    assert_eq!(replays(&sb), 0);

    // The same body with its keys in another order is the same request.
    let reordered = json!({"business_name": "Acme Inc", "type": "standard", "name": "Acme"});
    let second = keyed.post("/accounts", &reordered);
    assert_eq!(second.status, first.status);
    assert_eq!(second.body, first.body, "replayed byte for byte");
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(accounts_named(&sb, "Acme"), 1);
    assert_eq!(replays(&sb), 1);

    // Without a key, or with another one, a create is a create.
    assert_eq!(sb.admin().post("/accounts", &body).status, 200);
    let other_key = sb.admin().with_header("Idempotency-Key", "create-acme-2");
    let third = other_key.post("/accounts", &body);
    assert_eq!(third.status, 200);
    assert_ne!(third.result()["id"], first.result()["id"]);
    assert_eq!(accounts_named(&sb, "Acme"), 3);

    // The key is scoped to the credential: the same user's e-mail + key is another bucket.
    let by_key = sb
        .client(Auth::EmailKey(ADMIN_EMAIL.into(), ADMIN_GLOBAL_KEY.into()))
        .with_header("Idempotency-Key", "create-acme-1");
    let fourth = by_key.post("/accounts", &body);
    assert_eq!(fourth.status, 200);
    assert_ne!(fourth.result()["id"], first.result()["id"]);
    assert_eq!(replays(&sb), 1);

    // Reset forgets keys and counters.
    sb.reset();
    assert_eq!(replays(&sb), 0);
    let after = keyed.post("/accounts", &body);
    assert_eq!(after.status, 200);
    assert!(after.header("idempotent-replayed").is_none());
}

#[test]
fn same_key_other_body_is_refused_and_creates_nothing() {
    let sb = Sandbox::start(&[]);
    let keyed = sb.admin().with_header("Idempotency-Key", "k-422");
    assert_eq!(
        keyed.post("/accounts", &json!({"name": "First"})).status,
        200
    );
    let before = sb.state()["accounts"].as_array().unwrap().len();
    let r = keyed.post("/accounts", &json!({"name": "Second"}));
    assert_error(&r, 422, 1108);
    assert!(r.json()["result"].is_null());
    let message = r.json()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("Idempotency-Key"), "{message}");
    assert!(message.contains("another request body"), "{message}");
    assert_eq!(sb.state()["accounts"].as_array().unwrap().len(), before);
    assert_eq!(accounts_named(&sb, "Second"), 0);
    // A body that only adds a field is another body too.
    assert_error(
        &keyed.post("/accounts", &json!({"name": "First", "type": "standard"})),
        422,
        1108,
    );
    assert_eq!(replays(&sb), 0);
}

#[test]
fn refusals_are_not_kept() {
    // As at Stripe, a request refused by validation keeps nothing: the corrected request
    // may use the same key.
    let sb = Sandbox::start(&[]);
    let keyed = sb.admin().with_header("Idempotency-Key", "fix-me");
    assert_error(&keyed.post("/accounts", &json!({"name": ""})), 400, 1100);
    let ok = keyed.post("/accounts", &json!({"name": "Fixed"}));
    assert_eq!(ok.status, 200, "{}", ok.body);
    // A plain user's refused create keeps nothing either.
    let plain = sb.plain().with_header("Idempotency-Key", "fix-me");
    assert_error(&plain.post("/accounts", &json!({"name": "x"})), 403, 1002);
    assert_error(&plain.post("/accounts", &json!({"name": "x"})), 403, 1002);
    assert_eq!(replays(&sb), 0);
}

#[test]
fn malformed_keys_are_refused() {
    let sb = Sandbox::start(&[]);
    let admin = sb.admin();
    for key in [
        "x".repeat(256),
        "has space".into(),
        "tab\there".into(),
        "naïve".into(),
    ] {
        let r = admin
            .with_header("Idempotency-Key", &key)
            .post("/accounts", &json!({"name": "never"}));
        assert_error(&r, 400, 1107);
    }
    assert_eq!(accounts_named(&sb, "never"), 0);
    let longest = admin
        .with_header("Idempotency-Key", &"~".repeat(255))
        .post("/accounts", &json!({"name": "longest key"}));
    assert_eq!(longest.status, 200, "{}", longest.body);
}

#[test]
fn a_resend_after_a_lost_response_replays() {
    let sb = Sandbox::start(&["--fault-lost-response", "1.0"]);
    let keyed = sb.admin().with_header("Idempotency-Key", "lost-1");
    for _ in 0..3 {
        let r = keyed.post("/accounts", &json!({"name": "Lost Co"}));
        assert_eq!(r.status, 502);
    }
    assert_eq!(accounts_named(&sb, "Lost Co"), 1, "committed once");
    assert_eq!(replays(&sb), 2);
    // Without a key, every resend makes another account.
    let unkeyed = sb.admin();
    for _ in 0..2 {
        unkeyed.post("/accounts", &json!({"name": "Twice Co"}));
    }
    assert_eq!(accounts_named(&sb, "Twice Co"), 2);
}

#[test]
fn a_resend_after_a_dropped_connection_replays() {
    let sb = Sandbox::start(&["--fault-drop", "1.0"]);
    let keyed = sb.admin().with_header("Idempotency-Key", "drop-1");
    for _ in 0..2 {
        let r = keyed.try_call(
            "POST",
            "/accounts",
            Some(json!({"name": "Dropped Co"}).to_string()),
        );
        assert!(r.is_err(), "{r:?}");
    }
    assert_eq!(accounts_named(&sb, "Dropped Co"), 1);
    assert_eq!(replays(&sb), 1);
    // The log shows both sends, the key and the fault, and no status (nothing came back).
    let log = sb.requests();
    let sends: Vec<&Value> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["path"] == "/client/v4/accounts")
        .collect();
    assert_eq!(sends.len(), 2);
    for e in sends {
        assert_eq!(e["idempotency_key"], "drop-1");
        assert_eq!(e["fault"], "drop");
        assert!(e["status"].is_null());
    }
}

#[test]
fn the_request_log() {
    let sb = Sandbox::start(&["--rate-limit", "4"]);
    let admin = sb.admin();
    let secret_body = json!({"name": "Secretive Name 7f3a"});
    admin
        .with_header("Idempotency-Key", "log-key")
        .post("/accounts", &secret_body);
    admin.get("/accounts?page=1&per_page=5");
    sb.client(Auth::EmailKey(ADMIN_EMAIL.into(), ADMIN_GLOBAL_KEY.into()))
        .get("/user");
    sb.client(Auth::None).get("/user");
    admin.get("/no/such/route");
    admin.get("/user");
    admin.get("/user"); // the fifth of the admin's token: rate limited
    sb.state(); // inspection is not logged

    let log = sb.requests();
    let text = log.to_string();
    for secret in [ADMIN_TOKEN, ADMIN_GLOBAL_KEY, "Secretive Name 7f3a"] {
        assert!(!text.contains(secret), "the log holds {secret}: {text}");
    }
    assert_eq!(log["total"], 7);
    let entries = log["requests"].as_array().unwrap();
    assert_eq!(entries.len(), 7);
    let seqs: Vec<u64> = entries.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=7).collect::<Vec<_>>(), "in arrival order");
    assert_eq!(
        entries[0],
        json!({"seq": 1, "method": "POST", "path": "/client/v4/accounts", "query": null,
               "idempotency_key": "log-key", "auth": "bearer", "fault": null, "status": 200})
    );
    assert_eq!(entries[1]["query"], "page=1&per_page=5");
    assert!(entries[1]["idempotency_key"].is_null());
    assert_eq!(entries[2]["auth"], "email_key");
    assert!(entries[3]["auth"].is_null());
    assert_eq!(entries[3]["status"], 401);
    assert_eq!(entries[4]["status"], 404);
    assert_eq!(entries[6]["status"], 429);

    // `since` keeps the newer entries.
    let c = sb.client(Auth::None);
    let newer = c
        .raw(
            "GET",
            &format!("{}/__sandbox/requests?since=5", sb.base),
            None,
        )
        .unwrap()
        .json();
    assert_eq!(newer["requests"].as_array().unwrap().len(), 2);

    sb.reset();
    let log = sb.requests();
    assert_eq!(log, json!({"requests": [], "total": 0}));
}

#[test]
fn the_request_log_names_the_fault() {
    let sb = Sandbox::start(&["--fault-html-502", "1.0"]);
    let r = sb.admin().get("/user");
    assert_eq!(r.status, 502);
    let e = &sb.requests()["requests"][0];
    assert_eq!(e["fault"], "html_502");
    assert_eq!(e["status"], 502);
}

#[test]
fn standalone_accounts() {
    let sb = Sandbox::start(&[]);
    let admin = sb.admin();
    let (_, units) = tenant_and_units(&admin);
    let r = admin.post("/accounts", &json!({"name": "Solo", "standalone": true}));
    assert_eq!(r.status, 200, "{}", r.body);
    let solo = r.result();
    assert!(solo.get("managed_by").is_none(), "{solo}");
    let id = solo["id"].as_str().unwrap();
    let stored = sb.state()["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap()
        .clone();
    assert!(
        stored["tenant"].is_null() && stored["unit"].is_null(),
        "{stored}"
    );
    // The creator administers it.
    assert_eq!(admin.get(&format!("/accounts/{id}")).status, 200);
    assert_error(
        &admin.post(
            "/accounts",
            &json!({"name": "Both", "standalone": true, "unit": {"id": units[0]}}),
        ),
        400,
        1100,
    );
    assert_error(
        &admin.post("/accounts", &json!({"name": "Odd", "standalone": "yes"})),
        400,
        1100,
    );
    // `standalone: false` is the default: the first unit.
    let r = admin.post("/accounts", &json!({"name": "Unit", "standalone": false}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.result()["managed_by"]["parent_org_id"].is_string());
}
