//! The Rust host under attack: the examples' `ureq` transport and the core, against the hostile
//! server. Redirects are never followed, secrets never reach an error, hostile bodies stay
//! bounded in time and memory, server waits are honoured or refused, the pacer is exact on
//! the wire, and a create whose answer was lost is resent with the key it first carried.

#[path = "../../examples/support/transport.rs"]
mod transport;

#[path = "../../examples/support/driver.rs"]
#[allow(dead_code)]
mod driver;

use std::hash::{BuildHasher, RandomState};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cloudflare_tenant::host::Machine;
use cloudflare_tenant::machines::Pacers;
use cloudflare_tenant::{Client, Credentials, Error, RetryPolicy};
use driver::Driver;
use serde_json::{json, Value};
use transport::{Transport, DEFAULT_MAX_BODY_BYTES};

const SECRET: &str = "hostile-secret-api-key-7f3a9c";

/// The hostile server, killed when dropped.
struct Hostile {
    child: Child,
    main: String,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hostile() -> &'static Hostile {
    static SERVER: std::sync::OnceLock<Hostile> = std::sync::OnceLock::new();
    SERVER.get_or_init(|| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hostile"))
            .args(["--port", "0", "--lifetime-secs", "120"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the hostile server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let main = line
            .trim()
            .strip_prefix("hostile on ")
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_else(|| panic!("{line:?}"))
            .to_owned();
        Hostile { child, main }
    })
}

/// A path segment no other test uses.
fn tag() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!("rs{}", N.fetch_add(1, Ordering::Relaxed))
}

/// What the server logged under `prefix` (both servers: redirects go to `/stolen/<tag>`).
fn log(prefix: &str) -> Vec<Value> {
    let url = format!("{}/_log?prefix={prefix}", hostile().main);
    let mut answer = ureq::get(&url).call().unwrap();
    let log: Value = serde_json::from_slice(&answer.body_mut().read_to_vec().unwrap()).unwrap();
    log["requests"].as_array().unwrap().clone()
}

fn client(scenario: &str, credentials: Credentials) -> Client {
    Client::new(credentials)
        .with_base_url(format!("{}/{scenario}", hostile().main))
        .unwrap()
}

fn token() -> Credentials {
    Credentials::api_token("hostile-test-token").unwrap()
}

/// 16 random bytes, fresh for each call, as a host draws them for a call's idempotency key
/// (std's hasher keys are random; the counter makes each draw differ).
fn random() -> [u8; 16] {
    static N: AtomicU64 = AtomicU64::new(0);
    let (n, state) = (N.fetch_add(1, Ordering::Relaxed), RandomState::new());
    let mut bytes = [0; 16];
    bytes[..8].copy_from_slice(&state.hash_one(n).to_le_bytes());
    bytes[8..].copy_from_slice(&state.hash_one(!n).to_le_bytes());
    bytes
}

/// One call through the core's call machine, driven by the examples' driver: its result.
fn call(
    transport: &Transport,
    client: &Client,
    operation: &'static str,
    params: Value,
    policy: RetryPolicy,
) -> Result<Value, Error> {
    let mut call = Machine::call(client, operation, params, None, policy, &random())?;
    let mut results = Driver::new(transport.clone(), Pacers::off()).run(&mut call)?;
    Ok(results.pop().unwrap_or_default())
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 2,
        initial_backoff: Duration::from_millis(300),
        max_backoff: Duration::from_secs(1),
        max_retry_after: Duration::from_secs(5),
    }
}

#[test]
fn redirects_are_never_followed_and_nothing_reaches_the_other_host() {
    let transport = Transport::default();
    let credentials = [
        token(),
        Credentials::global_key("partner@example.com", "hostile-global-key").unwrap(),
        Credentials::user_service_key("hostile-service-key").unwrap(),
    ];
    let calls = [
        ("user.get", json!(null)),
        ("accounts.create", json!({"name": "Acme"})),
    ];
    for status in [301, 302, 303, 307, 308] {
        for credentials in &credentials {
            for (operation, params) in &calls {
                let tag = tag();
                let client = client(&format!("redirect/{status}/{tag}"), credentials.clone());
                let error = call(
                    &transport,
                    &client,
                    operation,
                    params.clone(),
                    fast_retries(),
                )
                .unwrap_err();
                match &error {
                    Error::Redirect(r) => {
                        assert_eq!(r.status, status);
                        let location = r.location.as_deref().unwrap();
                        assert!(location.contains(&format!("/stolen/{tag}/")), "{location}");
                    }
                    other => panic!("{operation} {status}: {other:?}"),
                }
                assert!(log(&format!("/stolen/{tag}")).is_empty());
                assert_eq!(log(&format!("/redirect/{status}/{tag}")).len(), 1);
            }
        }
    }
}

#[test]
fn undecodable_secret_bearing_answers_never_show_the_secret() {
    let transport = Transport::default();
    for variant in [
        "wrong-type",
        "no-success",
        "trailing",
        "html",
        "truncated",
        "key-number",
        "error-500",
    ] {
        let client = client(&format!("secret/{variant}/{}", tag()), token());
        let params = json!({"email": "svc@partner.example"});
        let error =
            call(&transport, &client, "users.create", params, fast_retries()).expect_err(variant);
        let shown = format!("{error}\n{error:?}\n{}", error.to_json());
        assert!(!shown.contains(SECRET), "{variant}: {shown}");
    }
}

#[test]
fn deep_bodies_are_refused_before_any_parser_recurses() {
    let transport = Transport::default();
    for scenario in ["deep/200", "deep/1000000", "deep-result/100000"] {
        let client = client(&format!("{scenario}/{}", tag()), token());
        let error = call(&transport, &client, "user.get", json!(null), fast_retries()).unwrap_err();
        assert!(
            matches!(&error, Error::Decode(e) if e.reason.contains("nested deeper than 128")),
            "{scenario}: {error}"
        );
    }
}

#[test]
fn bodies_past_the_cap_and_slow_or_endless_ones_end_in_typed_errors() {
    let capped = Transport::new(Duration::from_secs(10), 1024 * 1024);
    for scenario in ["huge/2", "huge-chunked/2"] {
        let client = client(&format!("{scenario}/{}", tag()), token());
        let error = call(
            &capped,
            &client,
            "user.get",
            json!(null),
            RetryPolicy::none(),
        )
        .unwrap_err();
        assert!(
            matches!(&error, Error::Transport(e) if e.message.contains("cap")),
            "{scenario}: {error}"
        );
    }
    let impatient = Transport::new(Duration::from_millis(1500), DEFAULT_MAX_BODY_BYTES);
    for scenario in ["drip", "endless", "stall"] {
        for (operation, params) in [
            ("user.get", json!(null)),
            ("users.create", json!({"email": "svc@partner.example"})),
            ("accounts.create", json!({"name": "Acme"})),
        ] {
            let client = client(&format!("{scenario}/{}", tag()), token());
            let started = Instant::now();
            let error =
                call(&impatient, &client, operation, params, RetryPolicy::none()).unwrap_err();
            let took = started.elapsed();
            assert!(took < Duration::from_secs(4), "{scenario}: {took:?}");
            // A POST that met a deadline may have been done: never resent blindly (a keyed
            // create would be resent with its key, but this policy allows no retry).
            let expected = match operation {
                "user.get" => matches!(error, Error::Transport(_)),
                _ => matches!(error, Error::OutcomeUnknown(_)),
            };
            assert!(expected, "{scenario} {operation}: {error:?}");
        }
    }
}

/// Requests the server logged under `prefix`, and the gaps between them in seconds.
fn gaps(prefix: &str) -> Vec<f64> {
    let times: Vec<f64> = log(prefix)
        .iter()
        .map(|r| r["t_ms"].as_f64().unwrap())
        .collect();
    times.windows(2).map(|w| (w[1] - w[0]) / 1000.0).collect()
}

#[test]
fn server_waits_are_honoured_or_refused_never_ignored() {
    let transport = Transport::default();
    let run = |form: &str| {
        let prefix = format!("/retry-after/{form}/{}", tag());
        let client = client(&prefix[1..], token());
        let started = Instant::now();
        let error = call(&transport, &client, "user.get", json!(null), fast_retries()).unwrap_err();
        (error, gaps(&prefix), started.elapsed())
    };
    // Honoured: the server's own wait, then the retries run out.
    for (form, wait) in [("seconds-1", 1.0), ("ms-700", 0.7), ("zero-body-1", 1.0)] {
        let (error, gaps, _) = run(form);
        assert!(
            matches!(&error, Error::Api(e) if e.status == 429),
            "{form}: {error}"
        );
        assert_eq!(gaps.len(), 2, "{form}");
        assert!(gaps.iter().all(|g| *g >= wait - 0.05), "{form}: {gaps:?}");
    }
    // Asked for nothing usable: the backoff (300 ms, then 600 ms, each up to a quarter shorter
    // by jitter), never an immediate resend.
    for form in ["zero", "garbage", "negative", "nan", "none", "date-past"] {
        let (_, gaps, _) = run(form);
        assert_eq!(gaps.len(), 2, "{form}");
        assert!(gaps[0] >= 0.2 && gaps[1] >= 0.4, "{form}: {gaps:?}");
    }
    // Refused: more than the cap fails at once, with the server's wait kept.
    for form in ["huge", "seconds-3600", "date-7200"] {
        let (error, gaps, took) = run(form);
        assert!(gaps.is_empty(), "{form}: resent");
        assert!(took < Duration::from_secs(2), "{form}: {took:?}");
        match &error {
            Error::Api(e) => assert!(e.retry_after.unwrap() >= Duration::from_secs(3500)),
            other => panic!("{form}: {other:?}"),
        }
    }
}

/// 50 threads share one client's pacers (10 sends per 2 s): no 2-second window on the server
/// holds more than 10 requests, and all 50 get through.
#[test]
fn fifty_concurrent_paced_calls_never_exceed_the_budget_on_the_wire() {
    let (limit, window) = (10usize, Duration::from_secs(2));
    let prefix = format!("/ok/{}", tag());
    let driver = Arc::new(Driver::new(
        Transport::default(),
        Pacers::new(limit as u32, window),
    ));
    let threads: Vec<_> = (0..50)
        .map(|_| {
            let (driver, prefix) = (driver.clone(), prefix.clone());
            std::thread::spawn(move || {
                let client = client(&prefix[1..], token());
                let call = Machine::call(
                    &client,
                    "user.get",
                    json!(null),
                    None,
                    RetryPolicy::none(),
                    &random(),
                );
                driver.run(&mut call.unwrap()).is_ok()
            })
        })
        .collect();
    let answered = threads
        .into_iter()
        .map(|t| t.join().unwrap_or(false))
        .filter(|ok| *ok)
        .count();
    assert_eq!(answered, 50);
    let mut arrivals: Vec<f64> = log(&prefix)
        .iter()
        .map(|r| r["t_ms"].as_f64().unwrap())
        .collect();
    arrivals.sort_by(f64::total_cmp);
    assert_eq!(arrivals.len(), 50);
    for (i, start) in arrivals.iter().enumerate() {
        let in_window = arrivals[i..]
            .iter()
            .take_while(|t| **t < start + window.as_secs_f64() * 1000.0)
            .count();
        assert!(
            in_window <= limit,
            "{in_window} requests within 2 s of {start} ms"
        );
    }
}

/// The `Idempotency-Key` of each attempt the server logged under `prefix`.
fn keys(prefix: &str) -> Vec<Option<String>> {
    log(prefix)
        .iter()
        .map(|r| r["headers"]["idempotency-key"].as_str().map(str::to_owned))
        .collect()
}

/// A random (version 4) UUID, as the core makes a key: `xxxxxxxx-xxxx-4xxx-[89ab]xxx-...`.
fn is_uuid_v4(key: &str) -> bool {
    let bytes = key.as_bytes();
    key.len() == 36
        && key.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_digit() || ('a'..='f').contains(&c),
        })
        && bytes[14] == b'4'
        && b"89ab".contains(&bytes[19])
}

/// The server carries out a create and loses its answer (hangs up, or answers 502 as an edge);
/// the API replays the first answer to a resend with the same key. A create is resent with the
/// key its first attempt carried, and succeeds; the next create gets a key of its own; a key
/// the caller gives is sent as given; a `POST` without a key is still never resent.
#[test]
fn a_create_whose_answer_was_lost_is_resent_with_the_same_key() {
    let transport = Transport::default();
    for how in ["close", "502"] {
        let prefix = format!("/lost-answer/{how}/{}/", tag());
        let accounts = client(&prefix[1..prefix.len() - 1], token());
        let create = |params: Value| {
            call(
                &transport,
                &accounts,
                "accounts.create",
                params,
                fast_retries(),
            )
            .unwrap_or_else(|e| panic!("{how}: {e:?}"))
        };
        let account = create(json!({"name": "Acme"}));
        assert_eq!(account["id"], "0123456789abcdef0123456789abcdef");
        let sent = keys(&prefix);
        assert_eq!(sent.len(), 2, "{how}: {sent:?}");
        let key = sent[0].clone().unwrap_or_else(|| panic!("{how}: no key"));
        assert!(is_uuid_v4(&key), "{how}: {key}");
        assert_eq!(sent[1].as_deref(), Some(key.as_str()), "{how}");
        // The next create draws its own key, and keeps it for its resend.
        create(json!({"name": "Acme"}));
        let sent = keys(&prefix);
        assert_eq!(sent.len(), 4, "{how}: {sent:?}");
        let next = sent[2].clone().unwrap();
        assert!(is_uuid_v4(&next) && next != key, "{how}: {next}");
        assert_eq!(sent[3].as_deref(), Some(next.as_str()), "{how}");
        // The caller's own key, as given, on both attempts.
        create(json!({"name": "Acme", "idempotency_key": "crm-42"}));
        assert_eq!(
            keys(&prefix)[4..],
            [Some("crm-42".into()), Some("crm-42".into())]
        );
        // Unkeyed, a POST whose answer was lost is of unknown outcome, and sent once.
        let prefix = format!("/lost-answer/{how}/{}/", tag());
        let users = client(&prefix[1..prefix.len() - 1], token());
        let params = json!({"email": "svc@partner.example"});
        let error = call(&transport, &users, "users.create", params, fast_retries());
        assert!(
            matches!(error, Err(Error::OutcomeUnknown(_))),
            "{how}: {error:?}"
        );
        assert_eq!(keys(&prefix), [None], "{how}");
    }
}
