//! The rate limit and every injected fault kind.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

fn account_names(sb: &Sandbox) -> Vec<String> {
    sb.state()["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn rate_limit_per_credential() {
    let sb = Sandbox::start(&["--rate-limit", "5", "--rate-window", "60"]);
    let admin = sb.admin();
    for i in 0..5 {
        assert_eq!(admin.get("/user").status, 200, "request {i}");
    }
    let r = admin.get("/user");
    assert_error(&r, 429, 10013);
    let retry: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    // Going over blocks the credential for the block period (by default, the window).
    assert_eq!(retry, 60);
    assert!(r.header("cf-ray").is_some());
    // Blocked on every route, not only the one that went over.
    assert_error(&admin.get("/accounts"), 429, 10013);
    // The same user through another credential form has its own bucket, as does another user.
    let by_key = sb.client(Auth::EmailKey(ADMIN_EMAIL.into(), ADMIN_GLOBAL_KEY.into()));
    assert_eq!(by_key.get("/user").status, 200);
    assert_eq!(sb.plain().get("/user").status, 200);
    // Inspection is never limited.
    for _ in 0..10 {
        sb.state();
    }
    let counters = sb.state()["counters"].clone();
    assert_eq!(counters["rate_limited"], 2, "{counters}");
    assert_eq!(counters["http_429"], 2, "{counters}");
    assert_eq!(counters["rate_blocks"], 1, "{counters}");
}

#[test]
fn html_502_does_not_commit() {
    let sb = Sandbox::start(&["--fault-html-502", "1.0"]);
    let r = sb.admin().post("/accounts", &json!({"name": "never"}));
    assert_eq!(r.status, 502);
    assert!(
        r.body.contains("502 Bad Gateway") && r.body.contains("cloudflare"),
        "{}",
        r.body
    );
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.header("cf-ray").is_some());
    assert!(!account_names(&sb).contains(&"never".to_string()));
    assert_eq!(sb.state()["counters"]["faults"]["html_502"], 1);
}

#[test]
fn lost_response_commits() {
    let sb = Sandbox::start(&["--fault-lost-response", "1.0"]);
    let r = sb
        .admin()
        .post("/accounts", &json!({"name": "lost but real"}));
    assert_eq!(r.status, 502);
    assert!(r.body.contains("502 Bad Gateway"), "{}", r.body);
    assert!(r.header("cf-ray").is_some());
    assert!(account_names(&sb).contains(&"lost but real".to_string()));
    assert_eq!(sb.state()["counters"]["faults"]["lost_response"], 1);
}

#[test]
fn drop_commits_and_gives_a_transport_error() {
    let sb = Sandbox::start(&["--fault-drop", "1.0"]);
    let admin = sb.admin();
    let r = admin.try_call(
        "POST",
        "/accounts",
        Some(json!({"name": "dropped"}).to_string()),
    );
    assert!(r.is_err(), "expected a transport error, got {r:?}");
    assert!(account_names(&sb).contains(&"dropped".to_string()));
    assert_eq!(sb.state()["counters"]["faults"]["drop"], 1);
}

#[test]
fn retry_after_zero() {
    let sb = Sandbox::start(&["--fault-429-zero", "1.0"]);
    let r = sb.admin().post("/accounts", &json!({"name": "throttled"}));
    assert_error(&r, 429, 10013);
    assert_eq!(r.header("retry-after"), Some("0"));
    assert!(r.json()["retry_after"].as_u64().unwrap() >= 1, "{}", r.body);
    assert!(!account_names(&sb).contains(&"throttled".to_string()));
}

#[test]
fn latency() {
    let sb = Sandbox::start(&["--fault-latency", "1.0", "--latency-ms", "300"]);
    let start = Instant::now();
    let r = sb.admin().get("/user");
    assert_eq!(r.status, 200);
    assert!(start.elapsed() >= Duration::from_millis(300));
    // Inspection is not delayed.
    let start = Instant::now();
    sb.state();
    assert!(start.elapsed() < Duration::from_millis(300));
}

/// What one request produced, for comparing runs.
fn outcome(c: &Client, i: usize) -> String {
    match c.try_call(
        "POST",
        "/accounts",
        Some(json!({"name": format!("acct {i}")}).to_string()),
    ) {
        Ok(r) => format!("{} {}", r.status, r.header("retry-after").unwrap_or("-")),
        Err(_) => "dropped".into(),
    }
}

#[test]
fn all_faults_at_rate_one_and_reproducible() {
    let flags = ["--faults", "1.0", "--latency-ms", "1"];
    let a = Sandbox::start(&flags);
    let b = Sandbox::start(&flags);
    let n = 40;
    let ca = a.admin();
    let cb = b.admin();
    let mut seen = Vec::new();
    for i in 0..n {
        let oa = outcome(&ca, i);
        let ob = outcome(&cb, i);
        assert_eq!(oa, ob, "request {i}: same seed, same fault");
        seen.push(oa);
    }
    for expected in ["502 -", "429 0", "dropped", "200 -"] {
        assert!(
            seen.iter().any(|s| s == expected),
            "never saw {expected}: {seen:?}"
        );
    }
    let counters = a.state()["counters"].clone();
    assert_eq!(counters["requests"], n);
    let faults = &counters["faults"];
    let total: u64 = ["html_502", "lost_response", "drop", "429_zero", "latency"]
        .iter()
        .map(|k| faults[k].as_u64().unwrap())
        .sum();
    assert_eq!(
        total, n as u64,
        "every request faulted exactly once: {counters}"
    );
    // Committed creates: lost responses, drops and latency; not edge 502s nor 429s.
    let committed = faults["lost_response"].as_u64().unwrap()
        + faults["drop"].as_u64().unwrap()
        + faults["latency"].as_u64().unwrap();
    assert_eq!(
        account_names(&a).len() as u64,
        committed + 1,
        "plus the plain user's account"
    );
}
