//! The rate-limit headers (`Ratelimit`, `Ratelimit-Policy`, IETF draft format, as Cloudflare
//! sends them since September 2025) and the block that follows going over the limit.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

/// `(remaining, reset)` from `Ratelimit: "default";r=<n>;t=<n>`, insisting on that exact form.
#[track_caller]
fn standing(r: &Resp) -> (u64, u64) {
    let h = r
        .header("ratelimit")
        .unwrap_or_else(|| panic!("no Ratelimit header: {} {}", r.status, r.body));
    let rest = h
        .strip_prefix("\"default\";r=")
        .unwrap_or_else(|| panic!("Ratelimit: {h}"));
    let (remaining, reset) = rest
        .split_once(";t=")
        .unwrap_or_else(|| panic!("Ratelimit: {h}"));
    (
        remaining
            .parse()
            .unwrap_or_else(|_| panic!("Ratelimit: {h}")),
        reset.parse().unwrap_or_else(|_| panic!("Ratelimit: {h}")),
    )
}

#[track_caller]
fn policy(r: &Resp) -> &str {
    r.header("ratelimit-policy")
        .unwrap_or_else(|| panic!("no Ratelimit-Policy header: {} {}", r.status, r.body))
}

#[track_caller]
fn retry_after(r: &Resp) -> u64 {
    r.header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("Retry-After in seconds")
}

#[track_caller]
fn no_headers(r: &Resp) {
    assert_eq!(r.header("ratelimit"), None, "{} {}", r.status, r.body);
    assert_eq!(
        r.header("ratelimit-policy"),
        None,
        "{} {}",
        r.status,
        r.body
    );
}

fn counter(sb: &Sandbox, name: &str) -> u64 {
    sb.state()["counters"][name]
        .as_u64()
        .unwrap_or_else(|| panic!("no counter {name}"))
}

#[test]
fn headers_count_down_on_every_answer() {
    let sb = Sandbox::start(&["--rate-limit", "6", "--rate-window", "60"]);
    let admin = sb.admin();
    let mut last_reset = u64::MAX;
    let answers = [
        admin.get("/user"),
        admin.get("/accounts"),
        // Errors count and carry the headers too: a malformed id, an unknown route, a
        // refused create, an error of the tenant service (no `result`).
        admin.get("/accounts/not-an-id"),
        admin.get("/nowhere"),
        admin.post("/accounts", &json!({})),
        admin.get("/tenants/00000000000000000000000000000000"),
    ];
    let statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200, 400, 404, 400, 404]);
    for (i, r) in answers.iter().enumerate() {
        let (remaining, reset) = standing(r);
        assert_eq!(
            remaining,
            5 - i as u64,
            "answer {i}: remaining counts this request"
        );
        assert!((1..=60).contains(&reset), "answer {i}: t={reset}");
        assert!(
            reset <= last_reset,
            "answer {i}: the reset only comes closer"
        );
        last_reset = reset;
        assert_eq!(policy(r), "\"default\";q=6;w=60", "answer {i}");
        assert_eq!(r.header("retry-after"), None, "answer {i}");
    }
    // The budget is spent, but the limit has not been gone over yet.
    assert_eq!(counter(&sb, "rate_limited"), 0);
    // Inspection answers carry no rate-limit headers.
    let c = sb.client(Auth::None);
    let state = c
        .raw("GET", &format!("{}/__sandbox/state", sb.base), None)
        .unwrap();
    no_headers(&state);
}

#[test]
fn no_headers_and_no_count_without_valid_credentials() {
    let sb = Sandbox::start(&["--rate-limit", "3", "--rate-window", "60"]);
    let none = sb.client(Auth::None);
    let unknown = sb.client(Auth::Bearer("not-a-token".into()));
    for _ in 0..5 {
        let r = none.get("/user");
        assert_error(&r, 401, 10000);
        no_headers(&r);
        let r = unknown.get("/user");
        assert_error(&r, 403, 9109);
        no_headers(&r);
    }
    // The admin's bucket is full: refused requests of others did not touch it.
    let r = sb.admin().get("/user");
    assert_eq!(r.status, 200);
    assert_eq!(standing(&r).0, 2);
    assert_eq!(counter(&sb, "rate_limited"), 0);
}

#[test]
fn going_over_blocks_every_call_of_the_bucket() {
    let sb = Sandbox::start(&[
        "--rate-limit",
        "3",
        "--rate-window",
        "60",
        "--rate-block",
        "120",
    ]);
    let admin = sb.admin();
    for i in 0..3 {
        assert_eq!(admin.get("/user").status, 200, "request {i}");
    }
    // The request that goes over: 429, Retry-After the whole block, code 10013.
    let over = admin.get("/user");
    assert_error(&over, 429, 10013);
    assert_eq!(retry_after(&over), 120);
    assert_eq!(standing(&over), (0, 120));
    assert_eq!(policy(&over), "\"default\";q=3;w=60");
    assert!(over.header("cf-ray").is_some());

    // Every call of that bucket is refused for the block, whatever the route or method.
    let account = admin.get("/accounts");
    let create = admin.post("/accounts", &json!({"name": "during the block"}));
    let tenants = admin.get("/user/tenants");
    for r in [&account, &create, &tenants] {
        assert_eq!(r.status, 429, "{}", r.body);
        assert_eq!(r.code(), 10013, "{}", r.body);
        let wait = retry_after(r);
        assert!((1..=120).contains(&wait), "{wait}");
        assert_eq!(standing(r), (0, wait), "t is the block's remainder");
        assert_eq!(policy(r), "\"default\";q=3;w=60");
    }
    // The tenant service keeps its error shape (no `result`).
    assert!(tenants.json().get("result").is_none(), "{}", tenants.body);
    // Refused means not done.
    let names: Vec<String> = sb.state()["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        !names.contains(&"during the block".to_string()),
        "{names:?}"
    );

    // Other buckets are untouched: the same user by e-mail + key, another user.
    let by_key = sb.client(Auth::EmailKey(ADMIN_EMAIL.into(), ADMIN_GLOBAL_KEY.into()));
    let r = by_key.get("/user");
    assert_eq!(r.status, 200);
    assert_eq!(standing(&r).0, 2);
    let r = sb.plain().get("/accounts");
    assert_eq!(r.status, 200);
    assert_eq!(standing(&r).0, 2);

    // Counters: every 429, one block; the request log shows what the client got.
    let counters = sb.state()["counters"].clone();
    assert_eq!(counters["rate_limited"], 4, "{counters}");
    assert_eq!(counters["http_429"], 4, "{counters}");
    assert_eq!(counters["rate_blocks"], 1, "{counters}");
    assert_eq!(counters["requests"], 9, "{counters}");
    let log = sb.requests();
    let statuses: Vec<u64> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [200, 200, 200, 429, 429, 429, 429, 200, 200]);

    // A reset lifts the block.
    sb.reset();
    let r = admin.get("/user");
    assert_eq!(r.status, 200);
    assert_eq!(standing(&r).0, 2);
}

#[test]
fn the_block_outlasts_the_window_then_a_fresh_window() {
    let sb = Sandbox::start(&[
        "--rate-limit",
        "2",
        "--rate-window",
        "2",
        "--rate-block",
        "3",
    ]);
    let admin = sb.admin();
    assert_eq!(admin.get("/user").status, 200);
    assert_eq!(admin.get("/user").status, 200);
    let over = admin.get("/user");
    let refused_at = Instant::now();
    assert_error(&over, 429, 10013);
    assert_eq!(retry_after(&over), 3);
    assert_eq!(standing(&over), (0, 3));

    // Past the window's end, still inside the block: refused, and the wait is what is left.
    std::thread::sleep(Duration::from_millis(2200));
    let r = admin.get("/accounts");
    assert_error(&r, 429, 10013);
    assert_eq!(retry_after(&r), 1, "3 s block, ~2.2 s gone, rounded up");
    assert_eq!(standing(&r), (0, 1));

    // After the block: a fresh window, counting this request.
    let left = Duration::from_millis(3100).saturating_sub(refused_at.elapsed());
    std::thread::sleep(left);
    let r = admin.get("/accounts");
    assert_eq!(r.status, 200, "{}", r.body);
    let (remaining, reset) = standing(&r);
    assert_eq!(remaining, 1);
    assert!((1..=2).contains(&reset), "{reset}");
    assert_eq!(counter(&sb, "rate_limited"), 2);
    assert_eq!(counter(&sb, "rate_blocks"), 1);
}

#[test]
fn the_block_defaults_to_the_window() {
    let sb = Sandbox::start(&["--rate-limit", "1", "--rate-window", "2"]);
    let admin = sb.admin();
    assert_eq!(admin.get("/user").status, 200);
    let over = admin.get("/user");
    assert_error(&over, 429, 10013);
    assert_eq!(retry_after(&over), 2);
    assert_eq!(policy(&over), "\"default\";q=1;w=2");
}

#[test]
fn block_zero_refuses_only_until_the_window_resets() {
    let sb = Sandbox::start(&[
        "--rate-limit",
        "1",
        "--rate-window",
        "1",
        "--rate-block",
        "0",
    ]);
    let admin = sb.admin();
    assert_eq!(admin.get("/user").status, 200);
    let over = admin.get("/user");
    let refused_at = Instant::now();
    assert_error(&over, 429, 10013);
    let wait = retry_after(&over);
    assert_eq!(wait, 1);
    assert_eq!(standing(&over), (0, 1));
    std::thread::sleep(Duration::from_millis(1100).saturating_sub(refused_at.elapsed()));
    let r = admin.get("/user");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(standing(&r).0, 0);
    assert_eq!(counter(&sb, "rate_blocks"), 0);
    assert_eq!(counter(&sb, "rate_limited"), 1);
}

#[test]
fn an_account_token_has_headers_of_its_own_bucket() {
    let sb = Sandbox::start(&["--rate-limit", "4", "--rate-window", "60"]);
    let setup = sb.client(Auth::EmailKey(ADMIN_EMAIL.into(), ADMIN_GLOBAL_KEY.into()));
    let acct = create_account(&setup, "Headers Co");
    let (_, value) = create_token(&setup, &acct, "counted", &["Account Settings Read"]);
    let token = sb.client(Auth::Bearer(value));
    for i in 0..4u64 {
        let r = token.get(&format!("/accounts/{acct}"));
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(standing(&r).0, 3 - i);
    }
    let over = token.get(&format!("/accounts/{acct}/members"));
    assert_error(&over, 429, 10013);
    assert_eq!(standing(&over), (0, 60));
    // The admin's bearer bucket is full.
    let r = sb.admin().get(&format!("/accounts/{acct}"));
    assert_eq!(r.status, 200);
    assert_eq!(standing(&r).0, 3);
}

#[test]
fn the_retry_after_zero_fault_shows_the_bucket_without_counting() {
    let sb = Sandbox::start(&["--fault-429-zero", "1.0", "--rate-limit", "5"]);
    let admin = sb.admin();
    for _ in 0..3 {
        let r = admin.get("/user");
        assert_error(&r, 429, 10013);
        assert_eq!(r.header("retry-after"), Some("0"));
        assert_eq!(standing(&r).0, 5, "the fault is not counted");
        assert_eq!(policy(&r), "\"default\";q=5;w=300");
    }
    let counters = sb.state()["counters"].clone();
    assert_eq!(counters["rate_limited"], 0, "{counters}");
    assert_eq!(counters["http_429"], 3, "{counters}");
    assert_eq!(counters["faults"]["429_zero"], 3, "{counters}");
}

#[test]
fn edge_502_pages_carry_no_rate_limit_headers() {
    let sb = Sandbox::start(&["--fault-html-502", "1.0"]);
    let r = sb.admin().get("/user");
    assert_eq!(r.status, 502);
    no_headers(&r);
}
