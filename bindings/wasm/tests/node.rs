#![cfg(target_arch = "wasm32")]
//! The bindings under a JS engine (Node by default; Chromium with WASM_BINDGEN_USE_BROWSER=1):
//! JSON text in and out, errors thrown as the JSON text of the core's view, and the module keeps
//! working after every kind of error.

use cloudflare_tenant_wasm::{
    build_request, check_bytes, check_text, operations, take_panic, Core, Machine, Pacer, Pacers,
    Paginator,
};
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

const TOKEN: &str = r#"{"api_token":"secret-token-123"}"#;
const ACCOUNT: &str = "2bab6ace8c72ed3f09b9eca6db1396bb";
/// The host's 16 random bytes for a call, and the idempotency key (a UUIDv4) made from them.
const RANDOM: &[u8] = &[7; 16];
const KEY: &str = "07070707-0707-4707-8707-070707070707";

/// The core's JSON view, thrown as its JSON text.
fn detail(error: JsValue) -> Value {
    let text = error.as_string().expect("the view's JSON text");
    let view: Value = serde_json::from_str(&text).unwrap();
    assert!(view["kind"].is_string(), "{view}");
    assert!(view["message"].is_string(), "{view}");
    view
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[wasm_bindgen_test]
fn lists_the_operations() {
    let ops = json(&operations());
    let ops = ops.as_array().unwrap();
    assert_eq!(ops.len(), cloudflare_tenant::operations().len());
    assert!(ops.contains(
        &json!({"name": "accounts.list", "method": "GET", "paginated": true, "secret_fields": []})
    ));
    assert!(ops.contains(&json!({
        "name": "users.create", "method": "POST", "paginated": false, "secret_fields": ["api_key"]
    })));
}

#[wasm_bindgen_test]
fn builds_a_request_as_json() {
    let params = json!({"name": "Acme", "unit_id": "f3b1a4e0c2d54e7f9a8b6c5d4e3f2a1b"});
    let text = build_request(
        "accounts.create",
        &params.to_string(),
        Some(TOKEN.into()),
        Some("http://127.0.0.1:8787/client/v4/".into()),
        Some("test-agent/1".into()),
    )
    .unwrap();
    assert!(text.starts_with(r#"{"method":"POST","url":"#), "{text}");
    let request = json(&text);
    assert_eq!(request["url"], "http://127.0.0.1:8787/client/v4/accounts");
    assert_eq!(
        request["headers"]["authorization"],
        "Bearer secret-token-123"
    );
    assert_eq!(request["headers"]["user-agent"], "test-agent/1");
    assert_eq!(
        json(request["body"].as_str().unwrap()),
        json!({"name": "Acme", "unit": {"id": "f3b1a4e0c2d54e7f9a8b6c5d4e3f2a1b"}})
    );
    let get = json(&build_request("user.get", "null", Some(TOKEN.into()), None, None).unwrap());
    assert_eq!(get["body"], Value::Null);
    assert_eq!(get["url"], "https://api.cloudflare.com/client/v4/user");
}

#[wasm_bindgen_test]
fn refuses_bad_input_with_the_field_and_keeps_working() {
    let cases = [
        (
            "accounts.get",
            r#"{"account_id":"../x"}"#,
            Some(TOKEN),
            "account_id",
        ),
        (
            "accounts.get",
            r#"{"account_id":5}"#,
            Some(TOKEN),
            "account_id",
        ),
        ("accounts.get", r#"{}"#, Some(TOKEN), "account_id"),
        ("accounts.get", r#"[1]"#, Some(TOKEN), "params"),
        ("accounts.get", r#"{not json"#, Some(TOKEN), "params"),
        (
            "accounts.create",
            r#"{"name":"x","colour":"red"}"#,
            Some(TOKEN),
            "colour",
        ),
        ("user.get", "null", None, "credentials"),
        ("user.get", "null", Some(r#"{"token":"t"}"#), "credentials"),
        (
            "user.get",
            "null",
            Some(r#"{"api_token":"a\r\nb"}"#),
            "api_token",
        ),
    ];
    for _ in 0..3 {
        for (op, params, creds, field) in cases {
            let err = build_request(op, params, creds.map(Into::into), None, None).unwrap_err();
            let view = detail(err);
            assert_eq!(view["kind"], "invalid", "{op} {params}: {view}");
            assert_eq!(view["field"], field, "{op} {params}: {view}");
            assert_eq!(view["operation"], op, "{op} {params}: {view}");
        }
        let view = detail(build_request("nope", "{}", Some(TOKEN.into()), None, None).unwrap_err());
        assert_eq!(view["kind"], "unknown_operation");
        let view = detail(
            build_request(
                "user.get",
                "{}",
                Some(TOKEN.into()),
                Some("ftp://x".into()),
                None,
            )
            .unwrap_err(),
        );
        assert_eq!(
            (view["kind"].as_str(), view["field"].as_str()),
            (Some("invalid"), Some("base_url"))
        );
        // Still fine after all of that.
        assert!(build_request("user.get", "{}", Some(TOKEN.into()), None, None).is_ok());
    }
    assert_eq!(take_panic(), None, "no panic along the way");
}

#[wasm_bindgen_test]
fn errors_never_show_a_secret() {
    let secret = "very-secret-key-98765";
    let creds = [
        json!({"api_token": format!("{secret}\n")}),
        json!({"api_token": secret, "user_service_key": secret}),
        json!({"api_email": "a@b.example", "api_key": format!("{secret}\u{0}")}),
        json!({"user_service_key": 12345}),
    ];
    for creds in creds {
        let err = build_request("user.get", "{}", Some(creds.to_string()), None, None).unwrap_err();
        let view = detail(err);
        assert!(!view.to_string().contains("98765"), "{view}");
    }
}

/// A core client with these credentials (JSON text) and the default retry policy.
fn core_with(credentials: Option<&str>) -> Core {
    let base_url = Some("http://127.0.0.1:1/client/v4".into());
    Core::new(
        credentials.map(Into::into),
        base_url,
        None,
        None,
        None,
        None,
        None,
    )
    .unwrap()
}

/// A monotonic clock reading and the wall clock, in milliseconds.
const AT: (f64, f64) = (1_000.0, 1_790_000_000_000.0);

/// The machine's next step, read.
fn next(machine: &mut Machine, pacers: &mut Pacers, monotonic_ms: f64) -> Value {
    json(&machine.next(pacers, monotonic_ms, AT.1).unwrap())
}

/// Feeds an answer at the time `AT`.
fn answer(machine: &mut Machine, pacers: &mut Pacers, status: u16, headers: &str, body: &str) {
    let body = body.as_bytes();
    machine
        .feed_response(0, pacers, status, headers, body, AT.0, AT.1, 0.0)
        .unwrap();
}

#[wasm_bindgen_test]
fn a_core_client_keeps_its_credentials_and_takes_others_per_call() {
    let core = core_with(Some(TOKEN));
    assert_eq!(core.base_url(), "http://127.0.0.1:1/client/v4");
    let mut pacers = Pacers::off();
    let mut own = Machine::call(&core, "user.get", "null", None, RANDOM).unwrap();
    let send = &next(&mut own, &mut pacers, AT.0)["send"];
    assert_eq!(send["headers"]["authorization"], "Bearer secret-token-123");
    let other = Some(r#"{"user_service_key":"svc"}"#.into());
    let mut theirs = Machine::call(&core, "user.get", "null", other, RANDOM).unwrap();
    let send = &next(&mut theirs, &mut pacers, AT.0)["send"];
    assert_eq!(send["headers"]["x-auth-user-service-key"], "svc");
    assert!(send["headers"].get("authorization").is_none());
    let bad = Core::new(
        Some(r#"{"api_key":"k"}"#.into()),
        None,
        None,
        None,
        None,
        None,
        None,
    );
    assert!(bad.is_err());
    let view = detail(
        Machine::call(&core_with(None), "user.get", "null", None, RANDOM)
            .map(|_| ())
            .unwrap_err(),
    );
    assert_eq!(view["field"], "credentials");
}

fn envelope(result: Value) -> String {
    json!({"success": true, "errors": [], "messages": [], "result": result}).to_string()
}

#[wasm_bindgen_test]
fn checks_text_and_bytes_alike() {
    let body = json!({"success": true, "errors": [], "messages": ["note"],
        "result": {"id": ACCOUNT, "name": "Acme", "future_field": {"x": 1}},
        "result_info": {"page": "2"}})
    .to_string();
    let from_text = json(&check_text("accounts.get", 200, "[]", &body).unwrap());
    let from_bytes = json(&check_bytes("accounts.get", 200, "[]", body.as_bytes()).unwrap());
    assert_eq!(from_text, from_bytes);
    // The result stays in the body; what comes with it is read by the core.
    assert_eq!(
        from_text,
        json!({"result_info": {"page": 2}, "messages": [{"message": "note"}]})
    );
    let wrong = envelope(json!({"id": ACCOUNT, "name": 7}));
    let view = detail(check_text("accounts.get", 200, "[]", &wrong).unwrap_err());
    assert_eq!(view["kind"], "decode");
    assert!(view["message"].as_str().unwrap().contains("`result.name`"));
}

#[wasm_bindgen_test]
fn api_and_decode_errors_carry_every_field() {
    let headers = json!([
        ["CF-Ray", "8f3c2a1b0d9e8f7a-AMS"],
        ["retry-after", "7"],
        ["bad name", "x"],
        ["x-crlf", "a\r\nb"]
    ]);
    let body = json!({"success": false, "result": null, "messages": [],
        "errors": [{"code": 1002, "message": "forbidden", "documentation_url": "https://d.example", "source": {"pointer": "/name"}}]});
    let view = detail(
        check_text(
            "accounts.create",
            403,
            &headers.to_string(),
            &body.to_string(),
        )
        .unwrap_err(),
    );
    assert_eq!(view["kind"], "api");
    assert_eq!(view["status"], 403);
    assert_eq!(view["ray_id"], "8f3c2a1b0d9e8f7a-AMS");
    assert_eq!(view["retry_after"], 7.0);
    assert_eq!(view["errors"], body["errors"]);
    assert_eq!(view["operation"], "accounts.create");

    let html = b"<html><body>502 Bad Gateway \xff\xfe</body></html>";
    let view =
        detail(check_bytes("accounts.get", 502, r#"[["cf-ray","abc-SJC"]]"#, html).unwrap_err());
    assert_eq!(view["kind"], "decode");
    assert_eq!(view["status"], 502);
    assert_eq!(view["ray_id"], "abc-SJC");
    assert!(view["snippet"]
        .as_str()
        .unwrap()
        .starts_with("<html><body>502 Bad Gateway"));
    let view = detail(check_text("accounts.get", 200, "{}", "{}").unwrap_err());
    assert_eq!(
        (view["kind"].as_str(), view["field"].as_str()),
        (Some("invalid"), Some("headers"))
    );
    // And it still parses.
    assert!(check_text("accounts.get", 200, "[]", &envelope(json!({}))).is_ok());
}

#[wasm_bindgen_test]
fn pages_until_the_last_one_and_reports_why() {
    let params = json!({"account_id": ACCOUNT, "per_page": 5}).to_string();
    let mut pages = Paginator::new("accounts.roles.list", &params, None).unwrap();
    let role = |i: u32| json!({"id": format!("{i:032x}"), "name": format!("Role {i}")});
    let mut seen = Vec::new();
    while let Some(params) = pages.next_params() {
        let params = json(&params);
        let page = params["page"].as_u64().unwrap() as u32;
        assert_eq!(params["per_page"], 5);
        // An error response first: the page is asked again.
        if page == 2 && seen.len() == 5 {
            let err = pages.feed(500, "[]", b"oops").unwrap_err();
            assert_eq!(detail(err)["kind"], "decode");
            seen.push(json!("error"));
            continue;
        }
        let items: Vec<Value> = (0..if page < 3 { 5 } else { 2 })
            .map(|i| role(page * 10 + i))
            .collect();
        let body = json!({"success": true, "errors": [], "messages": [], "result": items,
            "result_info": {"page": page, "per_page": 5, "count": items.len(), "total_count": 12}});
        let fed = json(&pages.feed(200, "[]", body.to_string().as_bytes()).unwrap());
        assert_eq!(fed["keep"], true);
        assert_eq!(fed["result_info"]["page"], page);
        seen.extend(items);
    }
    assert_eq!(seen.len(), 13); // 12 roles and the one error
    let stop = json(&pages.stop().unwrap());
    assert_eq!(stop["reason"], "short_page");
    assert_eq!(stop["anomaly"], false);

    // A server that ignores `page`: stopped and reported as an anomaly.
    let mut pages = Paginator::new("accounts.list", "null", None).unwrap();
    let same = json!({"success": true, "errors": [], "messages": [],
        "result": (0..20).map(role).collect::<Vec<_>>(), "result_info": {"per_page": 20}});
    let mut fed = 0;
    while pages.next_params().is_some() {
        if json(&pages.feed(200, "[]", same.to_string().as_bytes()).unwrap())["keep"] == true {
            fed += 20;
        }
    }
    assert_eq!(fed, 20);
    let stop = json(&pages.stop().unwrap());
    assert_eq!(
        (
            stop["reason"].as_str(),
            stop["page"].as_u64(),
            stop["anomaly"].as_bool()
        ),
        (Some("repeated_page"), Some(2), Some(true))
    );

    let view = detail(
        Paginator::new("accounts.get", "{}", None)
            .map(|_| ())
            .unwrap_err(),
    );
    assert_eq!(
        (view["kind"].as_str(), view["field"].as_str()),
        (Some("invalid"), Some("operation"))
    );
}

#[wasm_bindgen_test]
fn a_call_is_resent_waited_and_read_as_the_core_decides() {
    let busy =
        r#"{"success":false,"errors":[{"code":1,"message":"busy"}],"messages":[],"result":null}"#;
    let core = Core::new(
        Some(TOKEN.into()),
        None,
        None,
        Some(1.0),
        Some(0.5),
        None,
        None,
    )
    .unwrap();
    let mut pacers = Pacers::off();
    // A GET meeting a 503: sleep the backoff, send the same request again, read the answer.
    let params = json!({"account_id": ACCOUNT}).to_string();
    let mut call = Machine::call(&core, "accounts.get", &params, None, RANDOM).unwrap();
    let first = next(&mut call, &mut pacers, AT.0)["send"].clone();
    assert_eq!(first["method"], "GET");
    answer(&mut call, &mut pacers, 503, "[]", busy);
    assert_eq!(next(&mut call, &mut pacers, AT.0), json!({"sleep": 0.5}));
    assert_eq!(next(&mut call, &mut pacers, AT.0 + 500.0)["send"], first);
    let body = json!({"success": true, "errors": [], "messages": ["note"],
        "result": {"id": ACCOUNT}, "result_info": {"page": 1}});
    answer(&mut call, &mut pacers, 200, "[]", &body.to_string());
    assert_eq!(
        next(&mut call, &mut pacers, AT.0),
        json!({"done": {"result_info": {"page": 1}, "messages": [{"message": "note"}],
            "secret_fields": []}})
    );
    // A POST with no answer: outcome unknown, never resent.
    let params = json!({"email": "svc@partner.example"}).to_string();
    let mut create = Machine::call(&core, "users.create", &params, None, RANDOM).unwrap();
    assert_eq!(
        next(&mut create, &mut pacers, AT.0)["send"]["method"],
        "POST"
    );
    create
        .feed_error(0, &mut pacers, true, "connection reset", AT.0, AT.1, 0.1)
        .unwrap();
    let error = &next(&mut create, &mut pacers, AT.0)["error"];
    assert_eq!(
        (error["kind"].as_str(), error["method"].as_str()),
        (Some("outcome_unknown"), Some("POST"))
    );
    // A 429 waits as the server says, for a POST too; the secret fields come with the answer.
    let mut create = Machine::call(&core, "users.create", &params, None, RANDOM).unwrap();
    next(&mut create, &mut pacers, AT.0);
    answer(
        &mut create,
        &mut pacers,
        429,
        r#"[["retry-after","3"]]"#,
        busy,
    );
    assert_eq!(next(&mut create, &mut pacers, AT.0), json!({"sleep": 3.0}));
    next(&mut create, &mut pacers, AT.0 + 3000.0);
    let user = json!({"success": true, "errors": [], "messages": [],
        "result": {"id": ACCOUNT, "api_key": "k"}});
    answer(&mut create, &mut pacers, 200, "[]", &user.to_string());
    let done = next(&mut create, &mut pacers, AT.0 + 3000.0);
    assert_eq!(done["done"]["secret_fields"], json!(["api_key"]));
    // Bad input and bad policies are refused, not panicked on.
    let view = detail(
        Machine::call(
            &core,
            "accounts.get",
            r#"{"account_id":"../x"}"#,
            None,
            RANDOM,
        )
        .map(|_| ())
        .unwrap_err(),
    );
    assert_eq!(view["field"], "account_id");
    for bad in [-1.0, f64::NAN, f64::INFINITY, 1e300] {
        let policy = Core::new(None, None, None, None, Some(bad), None, None);
        assert_eq!(
            detail(policy.map(|_| ()).unwrap_err())["field"],
            "initialBackoff"
        );
    }
    assert_eq!(take_panic(), None);
}

#[wasm_bindgen_test]
fn a_create_carries_a_key_made_from_the_hosts_bytes_on_every_send() {
    let core = Core::new(
        Some(TOKEN.into()),
        None,
        None,
        Some(1.0),
        Some(0.5),
        None,
        None,
    )
    .unwrap();
    let mut pacers = Pacers::off();
    let params = json!({"name": "Acme"}).to_string();
    let key = |params: &str, random: &[u8]| {
        let mut call = Machine::call(&core, "accounts.create", params, None, random).unwrap();
        let send = next(&mut call, &mut Pacers::off(), AT.0)["send"].clone();
        send["headers"]["idempotency-key"].clone()
    };
    // Made from the bytes given, so other bytes make another key; the caller's own key wins.
    assert_eq!(key(&params, RANDOM), KEY);
    assert_eq!(
        key(&params, &[8; 16]),
        "08080808-0808-4808-8808-080808080808"
    );
    let given = json!({"name": "Acme", "idempotency_key": "crm-42"}).to_string();
    assert_eq!(key(&given, RANDOM), "crm-42");
    // A keyed create whose answer was lost is resent like a GET, with the same key.
    let mut create = Machine::call(&core, "accounts.create", &params, None, RANDOM).unwrap();
    let first = next(&mut create, &mut pacers, AT.0)["send"].clone();
    create
        .feed_error(0, &mut pacers, true, "connection reset", AT.0, AT.1, 0.0)
        .unwrap();
    assert_eq!(next(&mut create, &mut pacers, AT.0), json!({"sleep": 0.5}));
    assert_eq!(next(&mut create, &mut pacers, AT.0 + 500.0)["send"], first);
    // Operations that take no key send none; nor does the floor unless the caller gives one.
    let user = json!({"email": "svc@partner.example"}).to_string();
    let mut call = Machine::call(&core, "users.create", &user, None, RANDOM).unwrap();
    let send = next(&mut call, &mut pacers, AT.0)["send"].clone();
    assert!(send["headers"].get("idempotency-key").is_none(), "{send}");
    let floor = |params: &str| {
        let token = Some(TOKEN.into());
        json(&build_request("accounts.create", params, token, None, None).unwrap())
    };
    assert!(floor(&params)["headers"].get("idempotency-key").is_none());
    assert_eq!(floor(&given)["headers"]["idempotency-key"], "crm-42");
    // Anything but 16 bytes is refused, naming the field.
    for len in [0, 15, 17, 32] {
        let random = vec![7; len];
        let call = Machine::call(&core, "accounts.create", &params, None, &random);
        let view = detail(call.map(|_| ()).unwrap_err());
        assert_eq!(
            (
                view["kind"].as_str(),
                view["field"].as_str(),
                view["operation"].as_str()
            ),
            (Some("invalid"), Some("random"), Some("accounts.create")),
            "{len}"
        );
        let flow = Machine::onboarding(&core, r#"{"name":"A"}"#, None, &random);
        let view = detail(flow.map(|_| ()).unwrap_err());
        assert_eq!(view["field"], "random", "{len}");
        assert_eq!(view["operation"], "onboarding", "{len}");
    }
    assert_eq!(take_panic(), None);
}

#[wasm_bindgen_test]
fn a_list_hands_out_each_page_and_says_why_it_stopped() {
    let core = core_with(Some(TOKEN));
    let mut pacers = Pacers::off();
    let params = json!({"account_id": ACCOUNT, "per_page": 5}).to_string();
    let mut list = Machine::list(&core, "accounts.roles.list", &params, None, Some(2)).unwrap();
    for page in 1..=2 {
        let send = next(&mut list, &mut pacers, AT.0)["send"].clone();
        assert!(send["url"]
            .as_str()
            .unwrap()
            .contains(&format!("page={page}")));
        let roles: Vec<Value> = (0..5)
            .map(|i| json!({"id": format!("{:032x}", page * 10 + i)}))
            .collect();
        let body = json!({"success": true, "errors": [], "messages": [], "result": roles,
            "result_info": {"page": page, "per_page": 5, "total_count": 50}});
        answer(&mut list, &mut pacers, 200, "[]", &body.to_string());
        let step = next(&mut list, &mut pacers, AT.0);
        assert_eq!(step["page"]["fresh"], true, "{step}");
        assert_eq!(step["page"]["result_info"]["page"], page);
    }
    let done = next(&mut list, &mut pacers, AT.0);
    assert_eq!(done["done"]["stop"]["reason"], "page_cap", "{done}");
    assert_eq!(done["done"]["stop"]["anomaly"], true);
    let view = detail(
        Machine::list(&core, "accounts.get", r#"{"account_id":"0"}"#, None, None)
            .map(|_| ())
            .unwrap_err(),
    );
    assert_eq!(view["kind"], "invalid");
}

/// A page of results, as the API sends a list.
fn list_page(items: Value) -> String {
    let n = items.as_array().map_or(0, Vec::len);
    json!({"success": true, "errors": [], "messages": [], "result": items,
           "result_info": {"page": 1, "per_page": 50, "count": n, "total_count": n, "total_pages": 1}})
    .to_string()
}

#[wasm_bindgen_test]
fn onboarding_marshals_requests_attempts_and_the_report() {
    let core = Core::new(
        Some(TOKEN.into()),
        Some("http://127.0.0.1:1/client/v4".into()),
        None,
        Some(2.0),
        Some(0.25),
        None,
        None,
    )
    .unwrap();
    let mut pacers = Pacers::off();
    let spec =
        json!({"name": "Acme", "members": [{"email": "a@acme.example", "roles": [ACCOUNT]}]});
    let mut flow = Machine::onboarding(&core, &spec.to_string(), None, RANDOM).unwrap();
    // 1. Look the account up by name.
    let look = next(&mut flow, &mut pacers, AT.0)["send"].clone();
    assert_eq!(look["method"], "GET");
    assert!(look["url"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:1/client/v4/accounts?"));
    assert_eq!(look["headers"]["authorization"], "Bearer secret-token-123");
    // A dropped connection on a GET: wait the backoff, then the same request again.
    flow.feed_error(0, &mut pacers, true, "connection reset", AT.0, AT.1, 0.0)
        .unwrap();
    assert_eq!(next(&mut flow, &mut pacers, AT.0), json!({"sleep": 0.25}));
    assert_eq!(next(&mut flow, &mut pacers, AT.0)["send"], look);
    answer(&mut flow, &mut pacers, 200, "[]", &list_page(json!([])));
    // 2. Create it, with a key made from the host's bytes: after the edge's 502 it is resent
    //    with the same key, which the API answers as it answered the first.
    let create = next(&mut flow, &mut pacers, AT.0)["send"].clone();
    assert_eq!(create["method"], "POST");
    assert_eq!(create["headers"]["idempotency-key"], KEY);
    answer(&mut flow, &mut pacers, 502, "[]", "<html>502</html>");
    assert_eq!(next(&mut flow, &mut pacers, AT.0), json!({"sleep": 0.25}));
    assert_eq!(next(&mut flow, &mut pacers, AT.0)["send"], create);
    let account = json!({"success": true, "errors": [], "messages": [],
                         "result": {"id": ACCOUNT, "name": "Acme"}});
    answer(&mut flow, &mut pacers, 200, "[]", &account.to_string());
    // 3. The member is invited (a role id: no role lookup; a fresh account: no members list).
    let invite = next(&mut flow, &mut pacers, AT.0);
    assert_eq!(invite["send"]["method"], "POST");
    let body = json(invite["send"]["body"].as_str().unwrap());
    assert_eq!(body["email"], "a@acme.example");
    let member = json!({"success": true, "errors": [], "messages": [],
                        "result": {"id": "1".repeat(32), "email": "a@acme.example"}})
    .to_string();
    assert!(flow
        .feed_response(
            0,
            &mut pacers,
            200,
            "not json",
            member.as_bytes(),
            AT.0,
            AT.1,
            0.0
        )
        .is_err());
    answer(&mut flow, &mut pacers, 200, "[]", &member);
    let done = next(&mut flow, &mut pacers, AT.0);
    let report = &done["done"]["report"];
    assert_eq!(report["complete"], true);
    assert_eq!(
        report["account"],
        json!({"target": "Acme", "id": ACCOUNT, "status": "created", "error": null, "reconciled": false})
    );
    assert_eq!(report["members"][0]["status"], "created");
    assert_eq!(report["service_user"], Value::Null);
    assert_eq!(report["api_key"], Value::Null);
    assert_eq!(
        done["done"]["secret_fields"],
        json!(["api_key", "token_value"])
    );
    assert_eq!(take_panic(), None);
}

#[wasm_bindgen_test]
fn a_bad_onboarding_spec_names_the_field() {
    let core = core_with(Some(TOKEN));
    let cases = [
        ("{}", "name"),
        ("[]", "spec"),
        ("nope", "spec"),
        (r#"{"name":"A","nmae":1}"#, "nmae"),
        (
            r#"{"name":"A","members":[{"roles":["x"]}]}"#,
            "members[0].email",
        ),
        (
            r#"{"name":"A","members":[{"email":1}]}"#,
            "members[0].email",
        ),
        (
            r#"{"name":"A","members":[{"email":"a@b.example"}]}"#,
            "members[0].roles",
        ),
        (r#"{"name":"A","unit_id":"../x"}"#, "unit_id"),
    ];
    for (spec, field) in cases {
        let error = Machine::onboarding(&core, spec, None, RANDOM)
            .map(|_| ())
            .unwrap_err();
        let view = detail(error);
        assert_eq!(view["kind"], "invalid", "{spec}: {view}");
        assert_eq!(view["field"], field, "{spec}: {view}");
        assert_eq!(view["operation"], "onboarding", "{spec}: {view}");
    }
    // Per-call credentials are read like every other: a bad one is refused, never echoed.
    let view = detail(
        Machine::onboarding(
            &core,
            r#"{"name":"A"}"#,
            Some(r#"{"api_token":"sec\nret"}"#.into()),
            RANDOM,
        )
        .map(|_| ())
        .unwrap_err(),
    );
    assert_eq!(view["field"], "api_token");
    assert!(!view.to_string().contains("sec"));
}

#[wasm_bindgen_test]
fn the_pacer_is_the_cores_in_seconds() {
    let mut pacer = Pacer::new(2.0, 1.0).unwrap();
    let first = json(&pacer.acquire(5.0).unwrap());
    let second = json(&pacer.acquire(5.0).unwrap());
    assert_ne!(first["ticket"], second["ticket"]);
    // Both in flight: ask again soon.
    assert!(json(&pacer.acquire(5.0).unwrap())["wait"].as_f64().unwrap() > 0.0);
    pacer
        .settle(first["ticket"].as_f64().unwrap(), 5.25)
        .unwrap();
    // The first answer came at 5.25: its place frees a window later.
    assert_eq!(json(&pacer.acquire(5.5).unwrap()), json!({"wait": 0.75}));
    assert!(json(&pacer.acquire(6.25).unwrap())["ticket"].is_number());
    assert!(json(&Pacer::cloudflare().acquire(0.0).unwrap())["ticket"].is_number());
    for (limit, window, field) in [
        (0.0, 1.0, "limit"),
        (1.5, 1.0, "limit"),
        (f64::NAN, 1.0, "limit"),
        (1e12, 1.0, "limit"),
        (1.0, 0.0, "window"),
        (1.0, -1.0, "window"),
        (1.0, f64::INFINITY, "window"),
    ] {
        let view = detail(Pacer::new(limit, window).map(|_| ()).unwrap_err());
        assert_eq!(view["field"], field, "{limit} {window}");
    }
}

#[wasm_bindgen_test]
fn a_pacer_taking_over_sends_alone_first_then_keeps_to_the_servers_count() {
    let mut pacer = Pacer::taking_over(100.0, 60.0).unwrap();
    let first = json(&pacer.acquire(1.0).unwrap());
    // The first send goes alone: the others ask again soon.
    assert!(json(&pacer.acquire(1.0).unwrap())["wait"].as_f64().unwrap() > 0.0);
    pacer
        .settle(first["ticket"].as_f64().unwrap(), 1.5)
        .unwrap();
    // Its answer: others spent the budget, 2 left for 30 s. Headers the core does not read
    // are ignored; unreadable ones are no report, never an error.
    let headers = r#"[["ratelimit","\"default\";r=2;t=30"],["cf-ray","abc-SJC"]]"#;
    pacer.observe(headers, 1.5, AT.1).unwrap();
    pacer
        .observe(r#"[["ratelimit","nonsense"]]"#, 1.5, AT.1)
        .unwrap();
    assert!(json(&pacer.acquire(1.5).unwrap())["ticket"].is_number());
    assert!(json(&pacer.acquire(1.5).unwrap())["ticket"].is_number());
    assert_eq!(json(&pacer.acquire(1.5).unwrap()), json!({"wait": 30.0}));
    // The older `X-RateLimit-*` headers, the reset as an HTTP date.
    let mut pacer = Pacer::new(100.0, 60.0).unwrap();
    let ticket = json(&pacer.acquire(0.0).unwrap())["ticket"]
        .as_f64()
        .unwrap();
    pacer.settle(ticket, 0.0).unwrap();
    let reset = "Thu, 01 Jan 1970 00:00:20 GMT";
    let headers = format!(r#"[["x-ratelimit-remaining","0"],["x-ratelimit-reset","{reset}"]]"#);
    pacer.observe(&headers, 0.0, 10_000.0).unwrap();
    assert_eq!(json(&pacer.acquire(0.0).unwrap()), json!({"wait": 10.0}));
    assert_eq!(
        detail(pacer.observe("{}", 0.0, 0.0).unwrap_err())["field"],
        "headers"
    );
    assert!(Pacer::taking_over(0.0, 1.0).is_err());
}

#[wasm_bindgen_test]
fn a_clients_pacers_pace_each_identity_and_free_an_abandoned_place() {
    let core = core_with(Some(TOKEN));
    let mut pacers = Pacers::new(1.0, 10.0).unwrap();
    let call = || Machine::call(&core, "user.get", "null", None, RANDOM).unwrap();
    let (mut first, mut second) = (call(), call());
    assert!(next(&mut first, &mut pacers, AT.0)["send"].is_object());
    // The budget is in flight: ask again soon.
    assert!(
        next(&mut second, &mut pacers, AT.0)["sleep"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    // Another identity has a budget of its own.
    let other = Some(r#"{"user_service_key":"svc"}"#.into());
    let mut theirs = Machine::call(&core, "user.get", "null", other, RANDOM).unwrap();
    assert!(next(&mut theirs, &mut pacers, AT.0)["send"].is_object());
    // Given up on at `AT`: its place frees a window (10 s) later.
    first.abandon(&mut pacers, AT.0, AT.1).unwrap();
    assert_eq!(
        next(&mut second, &mut pacers, AT.0 + 4_000.0),
        json!({"sleep": 6.0})
    );
    assert!(next(&mut second, &mut pacers, AT.0 + 10_000.0)["send"].is_object());
    for (limit, window, field) in [(0.0, 1.0, "limit"), (1.0, f64::NAN, "window")] {
        let view = detail(Pacers::new(limit, window).map(|_| ()).unwrap_err());
        assert_eq!(view["field"], field);
    }
    let mut off = Pacers::off();
    let mut cloudflare = Pacers::cloudflare();
    for pacers in [&mut off, &mut cloudflare] {
        assert!(next(&mut call(), pacers, AT.0)["send"].is_object());
    }
}

/// What a tiny API answers a bulk run's request: no account of the name yet, a new account,
/// a new member, a new token, and the lists names are resolved through.
fn bulk_answer(send: &Value) -> String {
    let (method, url) = (
        send["method"].as_str().unwrap(),
        send["url"].as_str().unwrap(),
    );
    let path = url.split('?').next().unwrap();
    let result = match (method, path.rsplit('/').next().unwrap()) {
        ("GET", "accounts") => return list_page(json!([])),
        ("POST", "accounts") => {
            let name = json(send["body"].as_str().unwrap())["name"].clone();
            json!({"id": format!("{:0>32}", name.as_str().unwrap().len()), "name": name})
        }
        ("GET", "permission_groups") => {
            return list_page(json!([{"id": "f".repeat(32), "name": "Account Settings Read"}]))
        }
        ("POST", "members") => json!({"id": "1".repeat(32), "email": "a@acme.example"}),
        ("POST", "tokens") => json!({"id": "c".repeat(32), "name": "api", "value": "tok-SECRET"}),
        other => panic!("no route for {other:?}"),
    };
    json!({"success": true, "errors": [], "messages": [], "result": result}).to_string()
}

#[wasm_bindgen_test]
fn a_bulk_run_hands_out_sends_by_slot_and_reports_each_spec() {
    let core = core_with(Some(TOKEN));
    let mut pacers = Pacers::off();
    let specs: Vec<Value> = (0..3)
        .map(|i| {
            json!({"name": "x".repeat(i + 1),
                   "members": [{"email": "a@acme.example", "roles": [ACCOUNT]}],
                   "token": {"name": "api", "permission_groups": ["Account Settings Read"]}})
        })
        .collect();
    let specs = Value::from(specs).to_string();
    let mut bulk = Machine::bulk(&core, &specs, None, JsValue::from(2), &[9; 48]).unwrap();
    assert_eq!(
        json(&bulk.progress()),
        json!({"done": 0, "failed": 0, "remaining": 3, "requests": 0, "current_wait": 0.0})
    );
    // The first onboarding runs alone (the names it looks up are then looked up once): one
    // send, then a short wait for its answer.
    let first = json(&bulk.next(&mut pacers, AT.0, AT.1).unwrap())["send"].clone();
    assert_eq!(first["slot"], json!(0));
    assert_eq!(first["method"], "GET");
    assert_eq!(first["headers"]["authorization"], "Bearer secret-token-123");
    assert_eq!((bulk.spec_index(0), bulk.spec_index(1)), (Some(0), None));
    let wait = json(&bulk.next(&mut pacers, AT.0, AT.1).unwrap());
    assert!(wait["sleep"].as_f64().unwrap() > 0.0, "{wait}");
    // Then both slots run; answers come back in any order, each to its slot.
    let mut out = vec![first];
    let mut most = 1;
    let done = loop {
        let step = json(&bulk.next(&mut pacers, AT.0, AT.1).unwrap());
        if let Some(send) = step.get("send") {
            out.push(send.clone());
            most = most.max(out.len());
        } else if step.get("sleep").is_some() {
            // The latest send first: answers need not come in order.
            let send = out.remove(out.len() - 1);
            let slot = send["slot"].as_u64().unwrap() as u32;
            let body = bulk_answer(&send);
            bulk.feed_response(
                slot,
                &mut pacers,
                200,
                "[]",
                body.as_bytes(),
                AT.0,
                AT.1,
                0.0,
            )
            .unwrap();
        } else {
            break step["done"].clone();
        }
    };
    assert_eq!(most, 2, "never more sends out than slots");
    let progress = json(&bulk.progress());
    assert_eq!(
        (
            &progress["done"],
            &progress["failed"],
            &progress["remaining"]
        ),
        (&json!(3), &json!(0), &json!(0))
    );
    let reports = done["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 3);
    for (i, report) in reports.iter().enumerate() {
        assert_eq!(report["complete"], true, "{report}");
        assert_eq!(
            report["account"]["target"],
            "x".repeat(i + 1),
            "in the specs' order"
        );
        assert_eq!(report["token_value"], "tok-SECRET");
    }
    assert_eq!(done["secret_fields"], json!(["api_key", "token_value"]));
    assert_eq!(json(&bulk.reports()), done["reports"]);
    // A feed to a slot with nothing in flight is ignored; abandoning a finished run is harmless.
    bulk.feed_error(0, &mut pacers, true, "late", AT.0, AT.1, 0.0)
        .unwrap();
    bulk.abandon(&mut pacers, AT.0, AT.1).unwrap();
    assert_eq!(
        json(&bulk.next(&mut pacers, AT.0, AT.1).unwrap())["done"]["reports"],
        done["reports"]
    );
    assert_eq!(take_panic(), None);
}

#[wasm_bindgen_test]
fn a_bulk_run_refuses_bad_specs_by_index_and_frees_its_places_when_abandoned() {
    let core = core_with(Some(TOKEN));
    let cases = [
        ("{}", "specs"),
        ("nope", "specs"),
        (r#"[{"name":"A"},{}]"#, "specs[1].name"),
        (r#"[{"name":"A"},5]"#, "specs[1]"),
        (
            r#"[{"name":"A","members":[{"email":1}]}]"#,
            "specs[0].members[0].email",
        ),
        (
            r#"[{"name":"A"},{"name":"B","unit_id":"../x"}]"#,
            "specs[1].unit_id",
        ),
    ];
    for (specs, field) in cases {
        let count =
            serde_json::from_str::<Value>(specs).map_or(0, |v| v.as_array().map_or(0, Vec::len));
        let random = vec![0; 16 * count];
        let error = Machine::bulk(&core, specs, None, JsValue::from(4), &random)
            .map(|_| ())
            .unwrap_err();
        let view = detail(error);
        assert_eq!(view["kind"], "invalid", "{specs}: {view}");
        assert_eq!(view["field"], field, "{specs}: {view}");
        assert_eq!(view["operation"], "onboarding", "{specs}: {view}");
    }
    let error = Machine::bulk(&core, r#"[{"name":"A"}]"#, None, JsValue::from(4), &[0; 15]);
    assert_eq!(detail(error.map(|_| ()).unwrap_err())["field"], "random");
    let error = Machine::bulk(&core, r#"[{"name":"A"}]"#, None, JsValue::from(0), &[0; 16]);
    assert_eq!(
        detail(error.map(|_| ()).unwrap_err())["field"],
        "concurrency"
    );
    for refused in [JsValue::from(1.5), JsValue::from("8"), JsValue::from(-1)] {
        let error = Machine::bulk(&core, r#"[{"name":"A"}]"#, None, refused, &[0; 16]);
        assert_eq!(
            detail(error.map(|_| ()).unwrap_err())["field"],
            "concurrency"
        );
    }
    // Not given: the core's default (8), never more slots than specs.
    let specs = r#"[{"name":"A"},{"name":"B"},{"name":"C"}]"#;
    let three = Machine::bulk(&core, specs, None, JsValue::UNDEFINED, &[0; 48]).unwrap();
    assert_eq!(three.slots(), 3);
    let many: String = format!("[{}]", vec![r#"{"name":"A"}"#; 12].join(","));
    let default = Machine::bulk(&core, &many, None, JsValue::NULL, &[0; 192]).unwrap();
    assert_eq!(default.slots(), 8);
    // No specs: done at once.
    let mut none = Machine::bulk(&core, "[]", None, JsValue::from(1), &[]).unwrap();
    let done = json(&none.next(&mut Pacers::off(), AT.0, AT.1).unwrap());
    assert_eq!(done["done"]["reports"], json!([]));

    // Abandoned with a send in flight: its place in the budget frees a window later.
    let mut pacers = Pacers::new(1.0, 10.0).unwrap();
    let specs = r#"[{"name":"A"},{"name":"B"}]"#;
    let mut bulk = Machine::bulk(&core, specs, None, JsValue::from(2), &[1; 32]).unwrap();
    assert!(json(&bulk.next(&mut pacers, AT.0, AT.1).unwrap())["send"].is_object());
    assert!(json(&bulk.next(&mut pacers, AT.0, AT.1).unwrap())["sleep"].is_number());
    bulk.abandon(&mut pacers, AT.0, AT.1).unwrap();
    let reports = json(&bulk.reports());
    assert_eq!(reports[0]["complete"], false);
    assert_eq!(json(&bulk.progress())["remaining"], 0);
    let mut call = Machine::call(&core, "user.get", "null", None, RANDOM).unwrap();
    assert_eq!(
        next(&mut call, &mut pacers, AT.0 + 4_000.0),
        json!({"sleep": 6.0})
    );
}
