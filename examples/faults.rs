//! The fault run: many onboardings against the sandbox with injected faults (edge 502s, lost
//! responses, dropped connections, 429s, latency), through the core's onboarding flow; then
//! the sandbox's state is counted for duplicates and for anything the reports got wrong.
//! With `--naive` it runs a client that resends every failed POST, as the official SDKs do,
//! and counts what that creates. `--access token` gives each customer an account-owned token
//! instead of a service user.
//!
//! ```text
//! scripts/with-sandbox.sh --sandbox-args "--faults 0.25 --latency-ms 20" \
//!     cargo run --example faults -- --onboardings 500 [--naive]
//! ```
//!
//! Exits non-zero when the flow left a duplicate or lost track of anything.

use std::collections::{HashMap, HashSet};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use cloudflare_tenant::api::accounts::CreateAccount;
use cloudflare_tenant::api::members::CreateMember;
use cloudflare_tenant::api::roles::ADMINISTRATOR_ROLE_ID;
use cloudflare_tenant::flows::{Action, Onboarding, OnboardingSpec, Report, StepStatus};
use cloudflare_tenant::machines::{Clock, Pacers};
use cloudflare_tenant::{Client, Operation, RetryPolicy};
use serde_json::{json, Value};

#[path = "support/sandbox.rs"]
mod sandbox;
#[path = "support/seeded.rs"]
mod seeded;
#[path = "support/transport.rs"]
mod transport;

use sandbox::Sandbox;
use seeded::Seeded;

use transport::{Outcome, Transport, DEFAULT_MAX_BODY_BYTES};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// How each customer gets access of its own.
#[derive(Clone, Copy, PartialEq)]
enum Access {
    ServiceUser,
    Token,
}

fn spec(i: usize, unit: &str, access: Access) -> OnboardingSpec {
    let mut spec = json!({
        "name": format!("Customer {i:04}"),
        "customer_ref": format!("crm-{i:04}"),
        "unit_id": unit,
        "business_name": format!("Customer {i:04} Ltd"),
        "business_email": format!("it@c{i:04}.example"),
        "members": [{"email": format!("admin@c{i:04}.example"), "roles": ["Administrator"]}],
    });
    match access {
        Access::ServiceUser => {
            spec["service_user"] = json!({"email": format!("svc-c{i:04}@partner.example")})
        }
        Access::Token => {
            spec["token"] = json!({"name": format!("c{i:04}-api"), "permission_groups": ["Account Settings Read"]})
        }
    }
    serde_json::from_value(spec).expect("a valid spec")
}

fn onboard(transport: &Transport, client: &Client, spec: OnboardingSpec, seed: u64) -> Report {
    // Generous retries: the run injects a fault into a quarter of all requests.
    let policy = RetryPolicy {
        max_retries: 6,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(200),
        ..RetryPolicy::default()
    };
    // The key's bytes, from the seed: the run is reproducible, and each onboarding's differ.
    let mut random = Seeded::new(seed);
    let bytes = random.key_bytes();
    let mut flow = Onboarding::new(client.clone(), spec, policy, bytes).expect("a valid spec");
    // The sandbox's limit is set out of reach for this run: nothing to pace.
    let mut pacers = Pacers::off();
    let origin = Instant::now();
    let clock = || Clock {
        monotonic: origin.elapsed(),
        wall: SystemTime::now(),
    };
    loop {
        match flow.next_action(&mut pacers, clock()) {
            Action::Send(request) => {
                let j = random.jitter();
                let outcome = transport.send(request);
                flow.feed(&mut pacers, outcome.attempt(), clock(), j);
            }
            Action::Wait(wait) => std::thread::sleep(wait),
            Action::Done => return flow.report().clone(),
        }
    }
}

/// What the official SDKs do: resend on any transport error, 408, 409, 429 or 5xx, twice.
fn naive_send<O: Operation>(transport: &Transport, client: &Client, op: &O) -> Option<O::Output> {
    for attempt in 0..3 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(10));
        }
        if let Outcome::Response(r) = transport.send(client.request(op).ok()?) {
            if matches!(r.status().as_u16(), 408 | 409 | 429 | 500..=599) {
                continue;
            }
            return client.response::<O>(&r).ok().map(|r| r.result);
        }
    }
    None
}

fn naive_onboard(transport: &Transport, client: &Client, spec: &OnboardingSpec) {
    let create = CreateAccount {
        unit_id: spec.unit_id.clone(),
        business_name: spec.business_name.clone(),
        ..CreateAccount::new(&spec.name)
    };
    let Some(account) = naive_send(transport, client, &create) else {
        return;
    };
    for member in &spec.members {
        naive_send(
            transport,
            client,
            &CreateMember {
                account_id: account.id.clone().unwrap_or_default(),
                email: member.email.clone(),
                roles: Some(vec![ADMINISTRATOR_ROLE_ID.into()]),
                ..Default::default()
            },
        );
    }
}

#[derive(Default)]
struct Tally {
    duplicate_accounts: usize,
    duplicate_members: usize,
    lost: usize,
    complete: usize,
    incomplete: usize,
    reconciled: usize,
    duplicate_tokens: usize,
    /// Account creates whose outcome stayed unknown after every keyed resend, so the account
    /// was looked up by name.
    accounts_looked_up: usize,
}

/// Counts the sandbox's state against the reports.
fn tally(state: &Value, reports: &[(String, Report)]) -> Tally {
    let mut t = Tally::default();
    let mut by_name: HashMap<&str, Vec<&str>> = HashMap::new();
    for a in state["accounts"].as_array().into_iter().flatten() {
        if let (Some(name), Some(id)) = (a["name"].as_str(), a["id"].as_str()) {
            by_name.entry(name).or_default().push(id);
        }
    }
    let mut members: HashMap<(String, String), usize> = HashMap::new();
    for m in state["members"].as_array().into_iter().flatten() {
        let key = (
            m["account_id"].as_str().unwrap_or("").to_owned(),
            m["email"].as_str().unwrap_or("").to_lowercase(),
        );
        *members.entry(key).or_default() += 1;
    }
    let mut tokens: HashMap<(String, String), usize> = HashMap::new();
    for token in state["tokens"].as_array().into_iter().flatten() {
        let key = (
            token["account_id"].as_str().unwrap_or("").to_owned(),
            token["name"].as_str().unwrap_or("").to_owned(),
        );
        *tokens.entry(key).or_default() += 1;
    }
    t.duplicate_tokens = tokens.values().map(|n| n.saturating_sub(1)).sum();
    let users: HashSet<&str> = state["service_users"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| u["email"].as_str())
        .collect();
    for (name, report) in reports {
        let ids = by_name.get(name.as_str()).cloned().unwrap_or_default();
        t.duplicate_accounts += ids.len().saturating_sub(1);
        let exists = |s: StepStatus| matches!(s, StepStatus::Created | StepStatus::Existed);
        // Lost: the report and the state disagree about what exists.
        let account_ok = match (&report.account.id, exists(report.account.status)) {
            (Some(id), true) => ids.contains(&id.as_str()),
            _ => ids.is_empty(),
        };
        let members_ok = report.members.iter().all(|m| {
            let present = ids
                .first()
                .is_some_and(|id| members.contains_key(&(id.to_string(), m.target.to_lowercase())));
            exists(m.status) == present || (m.status == StepStatus::Pending && !present)
        });
        let user_ok = report
            .service_user
            .as_ref()
            .is_none_or(|u| exists(u.status) == users.contains(u.target.as_str()));
        let token_ok = report.token.as_ref().is_none_or(|t| {
            let present = ids
                .first()
                .is_some_and(|id| tokens.contains_key(&(id.to_string(), t.target.clone())));
            exists(t.status) == present
                && (t.status != StepStatus::Created || report.token_value.is_some())
        });
        if !(account_ok && members_ok && user_ok && token_ok) {
            t.lost += 1;
            eprintln!(
                "lost track: {name}: {}",
                serde_json::to_string(report).unwrap_or_default()
            );
        }
        if report.complete {
            t.complete += 1;
        } else {
            t.incomplete += 1;
        }
        let steps = std::iter::once(&report.account)
            .chain(&report.members)
            .chain(&report.service_user)
            .chain(&report.token);
        t.reconciled += steps.filter(|s| s.reconciled).count();
        t.accounts_looked_up += usize::from(report.account.reconciled);
    }
    t.duplicate_members = members.values().map(|n| n.saturating_sub(1)).sum();
    t
}

fn run() -> Result<bool> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count: usize = args
        .iter()
        .position(|a| a == "--onboardings")
        .and_then(|i| args.get(i + 1))
        .map_or(Ok(100), |n| n.parse())?;
    let naive = args.iter().any(|a| a == "--naive");
    let access = match args
        .iter()
        .position(|a| a == "--access")
        .and_then(|i| args.get(i + 1))
    {
        None => Access::ServiceUser,
        Some(kind) if kind == "service-user" => Access::ServiceUser,
        Some(kind) if kind == "token" => Access::Token,
        Some(other) => {
            return Err(format!("--access takes token or service-user, not {other}").into())
        }
    };
    let sandbox = Sandbox::from_env()?;
    let workers = 16;

    let transport = Transport::new(Duration::from_secs(10), DEFAULT_MAX_BODY_BYTES);
    let client = sandbox.partner()?;
    let unit = sandbox.unit()?;

    let next = AtomicUsize::new(0);
    let reports = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for worker in 0..workers {
            let (transport, client, next, reports, unit) =
                (&transport, &client, &next, &reports, &unit);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let spec = spec(i, unit, access);
                let name = spec.name.clone();
                if naive {
                    naive_onboard(transport, client, &spec);
                } else {
                    let report =
                        onboard(transport, client, spec, (worker * 1_000_003 + i) as u64 + 1);
                    reports.lock().unwrap().push((name, report));
                }
            });
        }
    });

    let state = sandbox.inspect("/__sandbox/state")?;
    let faults = &state["counters"]["faults"];
    let requests = state["counters"]["requests"].as_u64().unwrap_or(0);
    let injected: u64 = faults
        .as_object()
        .map_or(0, |f| f.values().filter_map(Value::as_u64).sum());
    println!(
        "onboardings: {count} ({})",
        match (naive, access) {
            (true, _) => "naive client: resends every POST",
            (false, Access::Token) => "onboarding flow, access: token",
            (false, Access::ServiceUser) => "onboarding flow, access: service user",
        }
    );
    println!(
        "requests: {requests}, faults injected: {injected} ({:.1}%) {faults}",
        100.0 * injected as f64 / requests.max(1) as f64
    );
    if naive {
        let names: Vec<_> = (0..count).map(|i| format!("Customer {i:04}")).collect();
        let mut per_name: HashMap<&str, usize> = HashMap::new();
        for a in state["accounts"].as_array().into_iter().flatten() {
            *per_name
                .entry(a["name"].as_str().unwrap_or(""))
                .or_default() += 1;
        }
        let duplicates: usize = names
            .iter()
            .map(|n| {
                per_name
                    .get(n.as_str())
                    .copied()
                    .unwrap_or(0)
                    .saturating_sub(1)
            })
            .sum();
        let mut members: HashMap<(String, String), usize> = HashMap::new();
        for m in state["members"].as_array().into_iter().flatten() {
            *members
                .entry((m["account_id"].to_string(), m["email"].to_string()))
                .or_default() += 1;
        }
        println!("duplicate_accounts: {duplicates}");
        println!(
            "duplicate_members: {}",
            members.values().map(|n| n.saturating_sub(1)).sum::<usize>()
        );
        return Ok(true);
    }
    let reports = reports.into_inner()?;
    let t = tally(&state, &reports);
    println!(
        "complete: {}, reported incomplete: {}, unknown outcomes reconciled: {}",
        t.complete, t.incomplete, t.reconciled
    );
    let counters = &state["counters"];
    println!(
        "account creates: keyed resends replayed by the API: {}, looked up by name after an \
         unknown outcome: {}",
        counters["idempotent_replays"].as_u64().unwrap_or(0),
        t.accounts_looked_up
    );
    println!("duplicate_accounts: {}", t.duplicate_accounts);
    println!("duplicate_members: {}", t.duplicate_members);
    if access == Access::Token {
        println!("duplicate_tokens: {}", t.duplicate_tokens);
    }
    println!("lost: {}", t.lost);
    let token_complete = access != Access::Token || t.incomplete == 0;
    Ok(t.duplicate_accounts == 0
        && t.duplicate_members == 0
        && t.duplicate_tokens == 0
        && t.lost == 0
        && token_complete
        && injected > 0)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("the fault run found duplicates or lost track of something");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("fault run failed: {e}");
            ExitCode::FAILURE
        }
    }
}
