//! Parse speed of the core against `serde_json::from_slice::<serde_json::Value>` of the same
//! bytes, in the same process: the ratio is what matters, not the absolute time (a ratio of
//! 1.0 means a typed, validated parse costs no more than reading the JSON at all).
//!
//! `cargo bench --bench parse` prints a table and one JSON line (`BENCH_JSON {...}`) for
//! `scripts/bench.sh` to collect. The data set is made by the bench (`data.rs`).

mod data;

use std::hint::black_box;
use std::time::{Duration, Instant};

use cloudflare_tenant::api::accounts::{GetAccount, ListAccounts};
use cloudflare_tenant::api::members::ListMembers;
use cloudflare_tenant::http::HeaderMap;
use cloudflare_tenant::{parse_response, parse_response_named, Operation};
use serde_json::{json, Value};

/// Median of `runs` timings of `f`, each the mean over enough iterations to take ~5 ms.
fn median(mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    f();
    let once = start.elapsed().max(Duration::from_nanos(50));
    let iterations =
        (Duration::from_millis(5).as_nanos() / once.as_nanos()).clamp(1, 100_000) as u32;
    let mut samples: Vec<Duration> = (0..31)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iterations {
                f();
            }
            start.elapsed() / iterations
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

fn typed<O: Operation>(body: &[u8]) -> Duration {
    let headers = HeaderMap::new();
    median(|| {
        black_box(parse_response::<O>(200, &headers, black_box(body)).unwrap());
    })
}

fn named(operation: &str, body: &[u8]) -> Duration {
    let headers = HeaderMap::new();
    median(|| {
        black_box(parse_response_named(operation, 200, &headers, black_box(body)).unwrap());
    })
}

fn baseline(body: &[u8]) -> Duration {
    median(|| {
        black_box(serde_json::from_slice::<Value>(black_box(body)).unwrap());
    })
}

fn main() {
    let sets = [
        (
            "members page (1,000)",
            "accounts.members.list",
            data::members_page(),
        ),
        (
            "accounts page (1,000)",
            "accounts.list",
            data::accounts_page(),
        ),
        ("single account", "accounts.get", data::single_account()),
    ];
    println!(
        "{:<24} {:>10} {:>12} {:>12} {:>8} {:>12} {:>8}",
        "data", "bytes", "Value", "typed", "ratio", "by name", "ratio"
    );
    let mut results = serde_json::Map::new();
    for (label, operation, body) in &sets {
        let base = baseline(body);
        let typed = match *operation {
            "accounts.members.list" => typed::<ListMembers>(body),
            "accounts.list" => typed::<ListAccounts>(body),
            _ => typed::<GetAccount>(body),
        };
        let by_name = named(operation, body);
        let ratio = typed.as_secs_f64() / base.as_secs_f64();
        let named_ratio = by_name.as_secs_f64() / base.as_secs_f64();
        println!(
            "{label:<24} {:>10} {:>12?} {:>12?} {ratio:>8.2} {:>12?} {named_ratio:>8.2}",
            body.len(),
            base,
            typed,
            by_name
        );
        results.insert(format!("{operation}.typed_ratio"), json!(ratio));
        results.insert(format!("{operation}.named_ratio"), json!(named_ratio));
    }
    let members = &sets[0].2;
    let ratio = typed::<ListMembers>(members).as_secs_f64() / baseline(members).as_secs_f64();
    results.insert("rust_parse_ratio".into(), json!(ratio));
    println!("BENCH_JSON {}", Value::Object(results));
}
