//! The bulk machine against a small in-memory API: many onboardings, a few at a time, ids
//! resolved once for all of them, progress as it goes.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use cloudflare_tenant::flows::{Bulk, BulkAction, OnboardingSpec};
use cloudflare_tenant::http::{HeaderMap, Request};
use cloudflare_tenant::machines::{Clock, Pacers};
use cloudflare_tenant::{Attempt, Client, Credentials, RetryPolicy};
use serde_json::{json, Value};

const ADMIN_ROLE: &str = "05784afa30c1afe1440e79d9351c7430";
const SETTINGS_READ: &str = "f78cca9cbe2786b39f52628f5cdfdf15";

/// A tiny API: accounts, members, tokens, and the lists the flow resolves names with.
#[derive(Default)]
struct Api {
    accounts: Vec<String>,
    routes: HashMap<String, usize>,
}

impl Api {
    fn answer(&mut self, request: &Request<Vec<u8>>) -> Value {
        let path = request.uri().path().trim_start_matches("/client/v4");
        let segments: Vec<&str> = path.split('/').collect();
        let route = match (request.method().as_str(), segments.as_slice()) {
            ("GET", ["", "accounts"]) => "list accounts",
            ("POST", ["", "accounts"]) => "create account",
            ("GET", ["", "accounts", _, "roles"]) => "list roles",
            ("POST", ["", "accounts", _, "members"]) => "create member",
            ("GET", ["", "accounts", _, "tokens", "permission_groups"]) => "list token groups",
            ("POST", ["", "accounts", _, "tokens"]) => "create token",
            other => panic!("no route for {other:?}"),
        };
        *self.routes.entry(route.to_owned()).or_default() += 1;
        let result = match route {
            "list accounts" => json!([]),
            "create account" => {
                let id = format!("{:032x}", self.accounts.len() + 1);
                self.accounts.push(id.clone());
                json!({"id": id, "name": "x"})
            }
            "list roles" => json!([{"id": ADMIN_ROLE, "name": "Administrator"}]),
            "create member" => json!({"id": "1".repeat(32), "email": "x"}),
            "list token groups" => json!([{"id": SETTINGS_READ, "name": "Account Settings Read"}]),
            "create token" => json!({"id": "c".repeat(32), "name": "api", "value": "tok-SECRET"}),
            _ => unreachable!(),
        };
        json!({"success": true, "errors": [], "messages": [], "result": result,
               "result_info": {"page": 1, "per_page": 50, "count": 1, "total_pages": 1}})
    }
}

fn spec(i: usize) -> OnboardingSpec {
    OnboardingSpec::from_json(json!({
        "name": format!("Customer {i}"),
        "members": [{"email": format!("admin@c{i}.example"), "roles": ["Administrator"]}],
        "token": {"name": "api", "permission_groups": ["Account Settings Read"]}
    }))
    .unwrap()
}

fn clock(ms: u64) -> Clock {
    Clock {
        monotonic: Duration::from_millis(ms),
        wall: SystemTime::UNIX_EPOCH,
    }
}

/// Runs the bulk machine as an async host would: up to `concurrency` sends out, answered in
/// the order they were sent.
#[test]
fn many_onboardings_share_resolved_ids_and_report_each() {
    let client = Client::new(Credentials::api_token("partner").unwrap());
    let specs: Vec<_> = (0..12).map(spec).collect();
    let random = (0..12u8).map(|i| [i; 16]).collect();
    let mut bulk = Bulk::new(client, specs, RetryPolicy::default(), 3, random).unwrap();
    let mut api = Api::default();
    let mut pacers = Pacers::off();
    let mut out: Vec<(usize, Request<Vec<u8>>)> = Vec::new();
    let mut most_in_flight = 0;
    let mut progress_seen = Vec::new();
    loop {
        match bulk.next(&mut pacers, clock(0)) {
            BulkAction::Send { slot, request } => {
                out.push((slot, request));
                most_in_flight = most_in_flight.max(out.len());
            }
            BulkAction::Wait(_) => {
                let (slot, request) = out.remove(0);
                let body = api.answer(&request).to_string();
                let attempt = Attempt::Response {
                    status: 200,
                    headers: &HeaderMap::new(),
                    body: body.as_bytes(),
                };
                bulk.feed(slot, &mut pacers, attempt, clock(0), 0.0);
                progress_seen.push(bulk.progress());
            }
            BulkAction::Done => break,
        }
    }
    assert_eq!(most_in_flight, 3, "at most `concurrency` sends out");
    let progress = bulk.progress();
    assert_eq!(
        (progress.done, progress.failed, progress.remaining),
        (12, 0, 0)
    );
    assert_eq!(progress.requests, api.routes.values().sum::<usize>() as u64);
    assert!(progress_seen.windows(2).all(|w| w[0].done <= w[1].done));
    // Names resolved once per run, not once per customer: the first onboarding runs alone.
    assert_eq!(api.routes["list roles"], 1, "{:?}", api.routes);
    assert_eq!(api.routes["list token groups"], 1, "{:?}", api.routes);
    assert_eq!(api.routes["create account"], 12);
    let per_customer = progress.requests as f64 / 12.0;
    assert!(
        per_customer <= 4.5,
        "{per_customer} requests per customer: {:?}",
        api.routes
    );
    for (i, report) in bulk.reports().iter().enumerate() {
        let report = report.as_ref().expect("a report per spec");
        assert!(report.complete, "{i}: {report:?}");
        assert_eq!(report.account.target, format!("Customer {i}"));
        assert_eq!(report.token_value.as_ref().unwrap().expose(), "tok-SECRET");
    }
    // Each spec over once, the first (it ran alone) first.
    let mut over = bulk.over().to_vec();
    assert_eq!(over[0], 0);
    over.sort_unstable();
    assert_eq!(over, (0..12).collect::<Vec<_>>());
}

#[test]
fn a_bad_spec_is_refused_with_its_index_before_anything_is_sent() {
    let client = Client::new(Credentials::api_token("partner").unwrap());
    let mut specs: Vec<_> = (0..3).map(spec).collect();
    specs[2].name = "x".repeat(101);
    let err = Bulk::new(
        client.clone(),
        specs,
        RetryPolicy::default(),
        2,
        vec![[0; 16]; 3],
    )
    .unwrap_err();
    assert_eq!(err.to_json()["field"], "specs[2].name");
    let err = Bulk::new(
        client.clone(),
        vec![spec(0)],
        RetryPolicy::default(),
        2,
        vec![],
    );
    assert_eq!(err.unwrap_err().to_json()["field"], "random");
    let err = Bulk::new(
        client,
        vec![spec(0)],
        RetryPolicy::default(),
        0,
        vec![[0; 16]],
    );
    assert_eq!(err.unwrap_err().to_json()["field"], "concurrency");
}

/// Abandoned before every spec started: still one report per spec, those not started with
/// every step pending, and nothing remaining.
#[test]
fn an_abandoned_run_reports_every_spec() {
    let client = Client::new(Credentials::api_token("partner").unwrap());
    let specs: Vec<_> = (0..4).map(spec).collect();
    let mut bulk = Bulk::new(client, specs, RetryPolicy::default(), 2, vec![[1; 16]; 4]).unwrap();
    let mut pacers = Pacers::off();
    assert!(matches!(
        bulk.next(&mut pacers, clock(0)),
        BulkAction::Send { slot: 0, .. }
    ));
    // The first onboarding runs alone until it is over.
    assert!(matches!(
        bulk.next(&mut pacers, clock(0)),
        BulkAction::Wait(_)
    ));
    bulk.abandon(&mut pacers, clock(1));
    let progress = bulk.progress();
    assert_eq!(
        (progress.done, progress.failed, progress.remaining),
        (0, 4, 0)
    );
    assert!(bulk
        .reports()
        .iter()
        .all(|r| r.as_ref().is_some_and(|r| !r.complete)));
    // Only the onboarding under way is over; the three never started are not.
    assert_eq!(bulk.over(), [0]);
    assert!(matches!(bulk.next(&mut pacers, clock(1)), BulkAction::Done));
}
