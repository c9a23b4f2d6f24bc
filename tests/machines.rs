//! The call machine driven by canned answers and a made-up clock: no network, no sleeping.

use std::time::{Duration, SystemTime};

use cloudflare_tenant::http::{HeaderMap, HeaderValue};
use cloudflare_tenant::machines::{Call, Clock, Pacers, Step};
use cloudflare_tenant::{Attempt, Client, Credentials, Error, RetryPolicy};
use serde_json::{json, Value};

const ACCOUNT: &str = "2bab6ace8c72ed3f09b9eca6db1396bb";

fn at(millis: u64) -> Clock {
    Clock {
        monotonic: Duration::from_millis(millis),
        wall: SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000),
    }
}

/// The host's 16 random bytes; fixed here, so a made key is known.
const RANDOM: [u8; 16] = [7; 16];

fn client() -> Client {
    Client::new(Credentials::api_token("partner-token").unwrap())
}

fn call(name: &str, params: Value) -> Call {
    Call::new(
        &client(),
        name,
        params,
        None,
        RetryPolicy::default(),
        RANDOM,
    )
    .unwrap()
}

fn ok_body(result: Value) -> Vec<u8> {
    json!({"success": true, "errors": [], "messages": [], "result": result})
        .to_string()
        .into_bytes()
}

/// Feeds one answer at `now`.
fn answer(
    call: &mut Call,
    pacers: &mut Pacers,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    now: Clock,
) {
    let attempt = Attempt::Response {
        status,
        headers,
        body,
    };
    call.feed(pacers, attempt, now, 0.0);
}

fn expect_send(step: Step) -> cloudflare_tenant::http::Request<Vec<u8>> {
    match step {
        Step::Send(request) => request,
        other => panic!("expected a send, got {other:?}"),
    }
}

#[test]
fn a_call_sends_once_and_is_done_with_the_checked_answer() {
    let mut pacers = Pacers::off();
    let mut call = call("accounts.get", json!({"account_id": ACCOUNT}));
    let request = expect_send(call.next(&mut pacers, at(0)));
    assert_eq!(
        request.uri(),
        "https://api.cloudflare.com/client/v4/accounts/2bab6ace8c72ed3f09b9eca6db1396bb"
    );
    let body = ok_body(json!({"id": ACCOUNT, "name": "Acme"}));
    answer(&mut call, &mut pacers, 200, &HeaderMap::new(), &body, at(5));
    match call.next(&mut pacers, at(5)) {
        Step::Done(Ok(response)) => assert_eq!(response.result.items, None),
        other => panic!("{other:?}"),
    }
    // The outcome is handed out once.
    assert!(matches!(
        call.next(&mut pacers, at(6)),
        Step::Done(Err(Error::Invalid(_)))
    ));
}

#[test]
fn bad_input_is_refused_before_a_request_exists() {
    let error = Call::new(
        &client(),
        "accounts.get",
        json!({"account_id": "../x"}),
        None,
        RetryPolicy::default(),
        RANDOM,
    )
    .unwrap_err();
    assert!(
        matches!(&error, Error::Invalid(i) if i.field == "account_id"),
        "{error:?}"
    );
    assert!(matches!(
        Call::new(
            &client(),
            "no.such",
            json!({}),
            None,
            RetryPolicy::default(),
            RANDOM,
        ),
        Err(Error::UnknownOperation(_))
    ));
}

#[test]
fn a_read_is_resent_after_the_backoff_and_the_same_request_goes_again() {
    let mut pacers = Pacers::off();
    let mut call = call("accounts.get", json!({"account_id": ACCOUNT}));
    let first = expect_send(call.next(&mut pacers, at(0)));
    answer(
        &mut call,
        &mut pacers,
        503,
        &HeaderMap::new(),
        b"<html>503</html>",
        at(10),
    );
    // The backoff: 500 ms from the answer.
    assert!(
        matches!(call.next(&mut pacers, at(10)), Step::Sleep(d) if d == Duration::from_millis(500))
    );
    assert!(
        matches!(call.next(&mut pacers, at(300)), Step::Sleep(d) if d == Duration::from_millis(210))
    );
    let again = expect_send(call.next(&mut pacers, at(510)));
    assert_eq!((again.method(), again.uri()), (first.method(), first.uri()));
    assert_eq!(call.retries(), 1);
    let body = ok_body(json!({"id": ACCOUNT}));
    answer(
        &mut call,
        &mut pacers,
        200,
        &HeaderMap::new(),
        &body,
        at(520),
    );
    assert!(matches!(call.next(&mut pacers, at(520)), Step::Done(Ok(_))));
}

#[test]
fn an_unkeyed_post_whose_outcome_is_unknown_is_never_resent() {
    let mut pacers = Pacers::off();
    let mut call = call("users.create", json!({"email": "svc@partner.example"}));
    expect_send(call.next(&mut pacers, at(0)));
    answer(
        &mut call,
        &mut pacers,
        502,
        &HeaderMap::new(),
        b"<html>502</html>",
        at(10),
    );
    assert!(matches!(
        call.next(&mut pacers, at(10)),
        Step::Done(Err(Error::OutcomeUnknown(_)))
    ));
}

fn key_of(request: &cloudflare_tenant::http::Request<Vec<u8>>) -> Option<String> {
    let key = request.headers().get("idempotency-key")?;
    Some(key.to_str().unwrap().to_owned())
}

/// A keyed create is resent after a lost answer, with the key it was first sent with: the API
/// answers the resend as it answered the first, so no second account is made.
#[test]
fn a_keyed_create_is_resent_with_its_key() {
    let mut pacers = Pacers::off();
    let mut create = call("accounts.create", json!({"name": "Acme"}));
    let first = expect_send(create.next(&mut pacers, at(0)));
    let key = key_of(&first).expect("a key made from the host's bytes");
    assert_eq!(key, cloudflare_tenant::idempotency::key_from(RANDOM));
    create.feed(
        &mut pacers,
        Attempt::NoResponse { message: "reset" },
        at(10),
        0.0,
    );
    let Step::Sleep(wait) = create.next(&mut pacers, at(10)) else {
        panic!("a keyed create waits, then is resent");
    };
    let ms = 10 + u64::try_from(wait.as_millis()).unwrap();
    let resent = expect_send(create.next(&mut pacers, at(ms)));
    assert_eq!(key_of(&resent).as_deref(), Some(key.as_str()));
    assert_eq!(resent.body(), first.body());
    answer(
        &mut create,
        &mut pacers,
        502,
        &HeaderMap::new(),
        b"<html>502</html>",
        at(ms + 1),
    );
    assert!(matches!(
        create.next(&mut pacers, at(ms + 1)),
        Step::Sleep(_)
    ));

    // The caller's own key wins; another create gets another key.
    let mut own = call(
        "accounts.create",
        json!({"name": "Acme", "idempotency_key": "crm-42"}),
    );
    assert_eq!(
        key_of(&expect_send(own.next(&mut pacers, at(0)))).as_deref(),
        Some("crm-42")
    );
    let mut other = Call::new(
        &client(),
        "accounts.create",
        json!({"name": "Acme"}),
        None,
        RetryPolicy::default(),
        [8; 16],
    )
    .unwrap();
    assert_ne!(
        key_of(&expect_send(other.next(&mut pacers, at(0)))),
        Some(key)
    );
}

#[test]
fn a_redirect_ends_the_call() {
    let mut pacers = Pacers::off();
    let mut call = call("user.get", json!(null));
    expect_send(call.next(&mut pacers, at(0)));
    let mut headers = HeaderMap::new();
    headers.insert(
        "location",
        HeaderValue::from_static("https://elsewhere.example/"),
    );
    answer(&mut call, &mut pacers, 307, &headers, b"", at(1));
    match call.next(&mut pacers, at(1)) {
        Step::Done(Err(Error::Redirect(r))) => {
            assert_eq!(r.location.as_deref(), Some("https://elsewhere.example/"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_secret_fields_come_with_the_call() {
    assert_eq!(
        call("users.create", json!({"email": "svc@partner.example"})).secret_fields(),
        ["api_key"]
    );
    assert!(call("user.get", json!(null)).secret_fields().is_empty());
}

#[test]
fn next_before_the_answer_is_fed_never_sends_twice() {
    let mut pacers = Pacers::off();
    let mut call = call("user.get", json!(null));
    expect_send(call.next(&mut pacers, at(0)));
    assert!(matches!(
        call.next(&mut pacers, at(1)),
        Step::Done(Err(Error::Invalid(_)))
    ));
}

/// Each identity has its own budget, taken at the send and held until a window after the
/// answer.
#[test]
fn calls_are_paced_per_identity_exactly_on_the_wire() {
    let mut pacers = Pacers::new(2, Duration::from_secs(10));
    let other = Credentials::user_service_key("customer-key").unwrap();
    let mut calls: Vec<Call> = (0..3).map(|_| call("user.get", json!(null))).collect();
    expect_send(calls[0].next(&mut pacers, at(0)));
    expect_send(calls[1].next(&mut pacers, at(0)));
    // Both places are in flight: when one frees is not known yet.
    assert!(
        matches!(calls[2].next(&mut pacers, at(0)), Step::Sleep(d) if d <= Duration::from_millis(10))
    );
    // Another identity is not held back.
    let mut theirs = Call::new(
        &client(),
        "user.get",
        json!(null),
        Some(&other),
        RetryPolicy::default(),
        RANDOM,
    )
    .unwrap();
    expect_send(theirs.next(&mut pacers, at(0)));
    assert_ne!(theirs.identity(), calls[0].identity());
    assert_eq!(calls[1].identity(), calls[0].identity());
    let body = ok_body(json!({"id": ACCOUNT}));
    answer(
        &mut calls[0],
        &mut pacers,
        200,
        &HeaderMap::new(),
        &body,
        at(1_000),
    );
    assert!(
        matches!(calls[2].next(&mut pacers, at(2_000)), Step::Sleep(d) if d == Duration::from_secs(9))
    );
    expect_send(calls[2].next(&mut pacers, at(11_000)));
}

/// A call given up on frees its place.
#[test]
fn an_abandoned_call_frees_its_place() {
    let mut pacers = Pacers::new(1, Duration::from_secs(10));
    let mut first = call("user.get", json!(null));
    let mut second = call("user.get", json!(null));
    expect_send(first.next(&mut pacers, at(0)));
    first.abandon(&mut pacers, at(100));
    assert!(
        matches!(second.next(&mut pacers, at(100)), Step::Sleep(d) if d == Duration::from_secs(10))
    );
    expect_send(second.next(&mut pacers, at(10_100)));
}

fn page_body(ids: &[&str], page: u32, total_pages: u32) -> Vec<u8> {
    let items: Vec<Value> = ids.iter().map(|id| json!({"id": id, "name": id})).collect();
    json!({
        "success": true, "errors": [], "messages": [], "result": items,
        "result_info": {"page": page, "per_page": 5, "count": ids.len(), "total_count": 99, "total_pages": total_pages}
    })
    .to_string()
    .into_bytes()
}

#[test]
fn a_list_walks_every_page_and_says_why_it_stopped() {
    use cloudflare_tenant::machines::{List, ListStep};
    let mut pacers = Pacers::off();
    let mut list = List::new(
        &client(),
        "accounts.list",
        json!({"per_page": 5}),
        None,
        RetryPolicy::default(),
        None,
    )
    .unwrap();
    let mut pages = Vec::new();
    let mut clock = 0;
    loop {
        clock += 1;
        match list.next(&mut pacers, at(clock)) {
            ListStep::Send(request) => {
                let page: u32 = request
                    .uri()
                    .query()
                    .unwrap()
                    .split('&')
                    .find_map(|p| p.strip_prefix("page="))
                    .unwrap()
                    .parse()
                    .unwrap();
                let ids: Vec<String> = (0..5).map(|i| format!("{:032x}", page * 10 + i)).collect();
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                let body = page_body(&ids, page, 3);
                let attempt = Attempt::Response {
                    status: 200,
                    headers: &HeaderMap::new(),
                    body: &body,
                };
                list.feed(&mut pacers, attempt, at(clock), 0.0);
            }
            ListStep::Page { response, fresh } => {
                assert!(fresh);
                pages.push(response.result_info.unwrap().page);
            }
            ListStep::Sleep(wait) => panic!("slept {wait:?}"),
            ListStep::Done(stop) => {
                assert_eq!(stop.unwrap(), cloudflare_tenant::Stop::LastPage);
                break;
            }
        }
    }
    assert_eq!(pages, [Some(1), Some(2), Some(3)]);
}

#[test]
fn a_list_that_gets_the_same_page_again_drops_it_and_stops() {
    use cloudflare_tenant::machines::{List, ListStep};
    let mut pacers = Pacers::off();
    let mut list = List::new(
        &client(),
        "accounts.list",
        json!({"per_page": 5}),
        None,
        RetryPolicy::default(),
        None,
    )
    .unwrap();
    let full = ["a", "b", "c", "d", "e"].map(|c| c.repeat(32));
    let full: Vec<&str> = full.iter().map(String::as_str).collect();
    let mut fresh_pages = 0;
    for _ in 0..10 {
        match list.next(&mut pacers, at(0)) {
            ListStep::Send(_) => {
                let body = page_body(&full, 1, 9);
                let attempt = Attempt::Response {
                    status: 200,
                    headers: &HeaderMap::new(),
                    body: &body,
                };
                list.feed(&mut pacers, attempt, at(0), 0.0);
            }
            ListStep::Page { fresh, .. } => fresh_pages += usize::from(fresh),
            ListStep::Done(stop) => {
                assert!(stop.unwrap().is_anomaly());
                assert_eq!(fresh_pages, 1);
                return;
            }
            ListStep::Sleep(_) => unreachable!(),
        }
    }
    panic!("the list did not stop");
}

#[test]
fn a_list_refuses_bad_input_before_its_first_page() {
    use cloudflare_tenant::machines::List;
    let error = List::new(
        &client(),
        "accounts.list",
        json!({"per_page": 500}),
        None,
        RetryPolicy::default(),
        None,
    )
    .unwrap_err();
    assert!(
        matches!(&error, Error::Invalid(i) if i.field == "per_page"),
        "{error:?}"
    );
    let error = List::new(
        &client(),
        "accounts.get",
        json!({"account_id": ACCOUNT}),
        None,
        RetryPolicy::default(),
        None,
    )
    .unwrap_err();
    assert!(matches!(&error, Error::Invalid(_)), "{error:?}");
}

/// An onboarding given up on frees the place of its send and ends.
#[test]
fn an_abandoned_onboarding_frees_its_place_and_ends() {
    use cloudflare_tenant::flows::{Action, Onboarding, OnboardingSpec};
    let mut pacers = Pacers::new(1, Duration::from_secs(10));
    let spec = OnboardingSpec::from_json(json!({"name": "Acme"})).unwrap();
    let mut flow = Onboarding::new(client(), spec, RetryPolicy::default(), RANDOM).unwrap();
    assert!(matches!(
        flow.next_action(&mut pacers, at(0)),
        Action::Send(_)
    ));
    let mut other = call("user.get", json!(null));
    // In flight: nobody knows when the place frees.
    assert!(
        matches!(other.next(&mut pacers, at(50)), Step::Sleep(d) if d <= Duration::from_millis(10))
    );
    flow.abandon(&mut pacers, at(100));
    assert!(matches!(
        flow.next_action(&mut pacers, at(100)),
        Action::Done
    ));
    // Settled at 100 ms: free a window later.
    assert!(
        matches!(other.next(&mut pacers, at(100)), Step::Sleep(d) if d == Duration::from_secs(10))
    );
}

/// An answer that says the identity's budget is spent holds its next send until the server's
/// reset, though the pacer's own budget has room: the server's count wins, so no 429.
#[test]
fn the_servers_ratelimit_header_holds_the_next_send() {
    let mut pacers = Pacers::new(1200, Duration::from_secs(300));
    let mut first = call("user.get", json!(null));
    expect_send(first.next(&mut pacers, at(0)));
    let mut headers = HeaderMap::new();
    headers.insert("ratelimit", "\"default\";r=0;t=4".parse().unwrap());
    answer(
        &mut first,
        &mut pacers,
        200,
        &headers,
        &ok_body(json!({"id": "u"})),
        at(10),
    );
    let mut second = call("user.get", json!(null));
    assert!(matches!(
        second.next(&mut pacers, at(10)),
        Step::Sleep(wait) if wait == Duration::from_secs(4)
    ));
    expect_send(second.next(&mut pacers, at(4010)));
}
