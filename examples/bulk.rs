//! Bulk onboarding at the rate limit: many customers against the sandbox, each with an
//! account, one admin and an account-owned token (or, with `--access service-user`, a service
//! user that accepts its invitation as itself), through the core's bulk machine under one pacer
//! per credential. The sandbox's limit is scaled down so the run is short.
//!
//! ```text
//! scripts/with-sandbox.sh --sandbox-args "--rate-limit 120 --rate-window 3" \
//!     cargo run --example bulk -- --customers 2000 --limit 120 --window 3
//! ```
//!
//! The last line is the run's figures; the exit status is non-zero when any customer was
//! left incomplete or duplicated, or when the server answered a 429. `--unpaced` sends as the
//! official SDKs do, as fast as answers come, retrying 429s after the server's wait: it shows
//! what the limit's block costs (it exits zero: its figures are the point).

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use cloudflare_tenant::flows::{Bulk, BulkAction, OnboardingSpec};
use cloudflare_tenant::machines::{Clock, Pacers};
use cloudflare_tenant::RetryPolicy;
use serde_json::json;

#[path = "support/sandbox.rs"]
mod sandbox;
#[path = "support/seeded.rs"]
mod seeded;
#[path = "support/transport.rs"]
mod transport;

use sandbox::Sandbox;
use seeded::Seeded;

use transport::{Transport, DEFAULT_MAX_BODY_BYTES};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> Result<T> {
    match args
        .iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
    {
        None => Ok(default),
        Some(value) => value
            .parse()
            .map_err(|_| format!("{name} takes a number, not {value}").into()),
    }
}

/// Customer `i`: one admin, and its access: a token, or a service user.
fn spec(i: usize, unit: &str, service_user: bool) -> Result<OnboardingSpec> {
    let mut spec = json!({
        "name": format!("Bulk Customer {i:05}"),
        "customer_ref": format!("crm-{i:05}"),
        "unit_id": unit,
        "members": [{"email": format!("admin@b{i:05}.example"), "roles": ["Administrator"]}],
    });
    spec[if service_user {
        "service_user"
    } else {
        "token"
    }] = if service_user {
        json!({"email": format!("svc@b{i:05}.example")})
    } else {
        json!({"name": "customer-api", "permission_groups": ["Account Settings Read"]})
    };
    Ok(OnboardingSpec::from_json(spec)?)
}

fn run() -> Result<bool> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let customers: usize = arg(&args, "--customers", 200)?;
    let limit: u32 = arg(&args, "--limit", 120)?;
    let window = Duration::from_secs_f64(arg(&args, "--window", 3.0)?);
    let concurrency: usize = arg(&args, "--concurrency", 8)?;
    let service_user = match args.iter().position(|a| a == "--access") {
        None => false,
        Some(i) => match args.get(i + 1).map(String::as_str) {
            Some("token") => false,
            Some("service-user") => true,
            other => {
                return Err(format!("--access takes token or service-user, not {other:?}").into())
            }
        },
    };
    let sandbox = Sandbox::from_env()?;
    let unit = sandbox.unit()?;
    let client = sandbox.partner()?;
    let specs = (0..customers)
        .map(|i| spec(i, &unit, service_user))
        .collect::<Result<Vec<_>>>()?;
    let mut seed = Seeded::new(0x5eed);
    let random = (0..customers).map(|_| seed.key_bytes()).collect();
    let bulk = Bulk::new(client, specs, RetryPolicy::default(), concurrency, random)?;
    let unpaced = args.iter().any(|a| a == "--unpaced");
    let pacers = if unpaced {
        Pacers::off()
    } else {
        Pacers::new(limit, window)
    };

    // The driver: `concurrency` threads, each asking the machine what to do, sending outside
    // the lock, and feeding the answer back to its slot.
    let transport = Transport::new(Duration::from_secs(30), DEFAULT_MAX_BODY_BYTES);
    let origin = Instant::now();
    let clock = || Clock {
        monotonic: origin.elapsed(),
        wall: SystemTime::now(),
    };
    let shared = Mutex::new((bulk, pacers, seed, Instant::now()));
    std::thread::scope(|scope| {
        for _ in 0..concurrency {
            scope.spawn(|| loop {
                let mut guard = shared.lock().unwrap();
                let (bulk, pacers, seed, shown) = &mut *guard;
                if shown.elapsed() >= Duration::from_secs(5) {
                    eprintln!("progress: {}", bulk.progress().to_json());
                    *shown = Instant::now();
                }
                let jitter = seed.jitter();
                match bulk.next(pacers, clock()) {
                    BulkAction::Send { slot, request } => {
                        drop(guard);
                        let outcome = transport.send(request);
                        let mut guard = shared.lock().unwrap();
                        let (bulk, pacers, _, _) = &mut *guard;
                        bulk.feed(slot, pacers, outcome.attempt(), clock(), jitter);
                    }
                    BulkAction::Wait(wait) => {
                        drop(guard);
                        std::thread::sleep(wait.min(Duration::from_millis(20)));
                    }
                    BulkAction::Done => break,
                }
            });
        }
    });
    let (bulk, _, _, _) = shared.into_inner()?;
    let elapsed = origin.elapsed();

    let state = sandbox.inspect("/__sandbox/state")?;
    let mut per_name: HashMap<&str, usize> = HashMap::new();
    for account in state["accounts"].as_array().into_iter().flatten() {
        *per_name
            .entry(account["name"].as_str().unwrap_or(""))
            .or_default() += 1;
    }
    let duplicates: usize = (0..customers)
        .map(|i| {
            let name = format!("Bulk Customer {i:05}");
            per_name
                .get(name.as_str())
                .copied()
                .unwrap_or(0)
                .saturating_sub(1)
        })
        .sum();
    let incomplete = bulk
        .reports()
        .iter()
        .filter(|r| !r.as_ref().is_some_and(|r| r.complete))
        .count();
    let http_429 = state["counters"]["http_429"].as_u64().unwrap_or(0);
    let requests = bulk.progress().requests;
    let allowed = f64::from(limit) * elapsed.as_secs_f64() / window.as_secs_f64();
    let share = requests as f64 / allowed;
    if unpaced {
        println!(
            "unpaced, as the official SDKs send: {:.1} s",
            elapsed.as_secs_f64()
        );
    }
    let access = if service_user {
        "service user"
    } else {
        "token"
    };
    println!(
        "access: {access}, one admin each, {:.1} s",
        elapsed.as_secs_f64()
    );
    println!(
        "bulk: customers {customers}, requests {requests}, requests_per_customer {:.2}, \
         share_of_limit {share:.3}, http_429 {http_429}, duplicate_accounts {duplicates}, \
         incomplete {incomplete}",
        requests as f64 / customers.max(1) as f64
    );
    Ok(unpaced || (incomplete == 0 && duplicates == 0 && http_429 == 0))
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("bulk: {e}");
            ExitCode::from(2)
        }
    }
}
