//! Parse speed of the core against `serde_json::from_slice::<serde_json::Value>` of the same
//! bytes, in the same process: the ratio is what matters, not the absolute time (a ratio of
//! 1.0 means a typed, validated parse costs no more than reading the JSON at all).
//!
//! Baseline and subject run in alternating batches (the order flips every round), and the
//! ratio is the median of the per-round ratios, so that drift and other load on the machine
//! hit both sides alike.
//!
//! `cargo bench --bench parse` prints a table and one JSON line (`BENCH_JSON {...}`) for
//! `scripts/bench.sh` to collect. The data set is made by the bench (`data.rs`);
//! `cargo bench --bench parse -- --data-dir DIR` also writes its three bodies to
//! `DIR/{members_page,accounts_page,single_account}.json`, which the JS and Python benches read,
//! so that the three hosts parse the same bytes.

mod data;

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use cloudflare_tenant::api::accounts::{GetAccount, ListAccounts};
use cloudflare_tenant::api::members::ListMembers;
use cloudflare_tenant::http::HeaderMap;
use cloudflare_tenant::{check_response_named, parse_response, Operation};
use serde_json::{json, Value};

/// Rounds of (baseline batch, subject batch).
const ROUNDS: usize = 41;
/// Each batch takes about this long.
const BATCH: Duration = Duration::from_millis(4);

/// The result of a paired comparison: median times of each side and the median ratio.
struct Paired {
    base: Duration,
    subject: Duration,
    ratio: f64,
}

fn median_of<T: PartialOrd + Copy>(mut v: Vec<T>) -> T {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Iterations of `f` that take about one `BATCH`.
fn calibrate(f: &mut impl FnMut()) -> u32 {
    f();
    let start = Instant::now();
    f();
    let once = start.elapsed().max(Duration::from_nanos(20));
    (BATCH.as_nanos() / once.as_nanos()).clamp(1, 1_000_000) as u32
}

fn batch(f: &mut impl FnMut(), n: u32) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed() / n
}

/// `base` and `subject` in alternating batches; medians and the median per-round ratio.
fn paired(mut base: impl FnMut(), mut subject: impl FnMut()) -> Paired {
    let nb = calibrate(&mut base);
    let ns = calibrate(&mut subject);
    let (mut bs, mut ss, mut rs) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let (b, s) = if round % 2 == 0 {
            let b = batch(&mut base, nb);
            (b, batch(&mut subject, ns))
        } else {
            let s = batch(&mut subject, ns);
            (batch(&mut base, nb), s)
        };
        bs.push(b);
        ss.push(s);
        rs.push(s.as_secs_f64() / b.as_secs_f64());
    }
    Paired {
        base: median_of(bs),
        subject: median_of(ss),
        ratio: median_of(rs),
    }
}

fn value(body: &[u8]) -> impl FnMut() + '_ {
    move || {
        black_box(serde_json::from_slice::<Value>(black_box(body)).unwrap());
    }
}

fn typed<O: Operation>(body: &[u8]) -> Paired {
    let headers = HeaderMap::new();
    paired(value(body), || {
        black_box(parse_response::<O>(200, &headers, black_box(body)).unwrap());
    })
}

/// The by-name check the JS and Python packages run before their own parser builds the result.
fn named(operation: &str, body: &[u8]) -> Paired {
    let headers = HeaderMap::new();
    paired(value(body), || {
        black_box(check_response_named(operation, 200, &headers, black_box(body)).unwrap());
    })
}

/// `--data-dir DIR` from the arguments (cargo bench also passes `--bench`).
fn data_dir() -> Option<PathBuf> {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--data-dir" {
            return args.next().map(PathBuf::from);
        }
        if let Some(dir) = arg.strip_prefix("--data-dir=") {
            return Some(PathBuf::from(dir));
        }
    }
    None
}

fn main() {
    let sets = [
        (
            "members page (1,000)",
            "members_page",
            "accounts.members.list",
            data::members_page(),
        ),
        (
            "accounts page (1,000)",
            "accounts_page",
            "accounts.list",
            data::accounts_page(),
        ),
        (
            "single account",
            "single_account",
            "accounts.get",
            data::single_account(),
        ),
    ];
    if let Some(dir) = data_dir() {
        std::fs::create_dir_all(&dir).expect("create the data directory");
        for (_, file, _, body) in &sets {
            std::fs::write(dir.join(format!("{file}.json")), body).expect("write a data file");
        }
        println!("data written to {}", dir.display());
    }
    println!(
        "{:<24} {:>9} {:>11} {:>11} {:>7} {:>11} {:>7}",
        "data", "bytes", "Value", "typed", "ratio", "checked", "ratio"
    );
    let mut results = serde_json::Map::new();
    for (label, _, operation, body) in &sets {
        let typed = match *operation {
            "accounts.members.list" => typed::<ListMembers>(body),
            "accounts.list" => typed::<ListAccounts>(body),
            _ => typed::<GetAccount>(body),
        };
        let by_name = named(operation, body);
        println!(
            "{label:<24} {:>9} {:>11.2?} {:>11.2?} {:>7.2} {:>11.2?} {:>7.2}",
            body.len(),
            typed.base,
            typed.subject,
            typed.ratio,
            by_name.subject,
            by_name.ratio
        );
        results.insert(format!("rust.{operation}.typed_ratio"), json!(typed.ratio));
        results.insert(
            format!("rust.{operation}.named_ratio"),
            json!(by_name.ratio),
        );
        results.insert(
            format!("rust.{operation}.value_us"),
            json!(typed.base.as_secs_f64() * 1e6),
        );
        results.insert(
            format!("rust.{operation}.typed_us"),
            json!(typed.subject.as_secs_f64() * 1e6),
        );
        results.insert(
            format!("rust.{operation}.named_us"),
            json!(by_name.subject.as_secs_f64() * 1e6),
        );
        if *operation == "accounts.members.list" {
            results.insert("rust_parse_ratio".into(), json!(typed.ratio));
            results.insert("rust_named_parse_ratio".into(), json!(by_name.ratio));
        }
    }
    println!("BENCH_JSON {}", Value::Object(results));
}
