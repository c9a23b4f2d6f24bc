//! The retry rules and the pacer, driven by canned attempts: no clock, no network.

use std::time::{Duration, SystemTime};

use cloudflare_tenant::http::{HeaderMap, HeaderName, HeaderValue, Method};
use cloudflare_tenant::{retry_after, Attempt, Error, Next, Pacer, Retry, RetryPolicy};

const NOW_SECS: u64 = 1_795_000_000;

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(NOW_SECS)
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in pairs {
        map.insert(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    map
}

const ERROR_BODY: &[u8] = br#"{"success":false,"errors":[{"code":10013,"message":"Rate limited"}],"messages":[],"result":null}"#;

fn wait_of(header_pairs: &[(&str, &str)], body: &[u8]) -> Option<Duration> {
    retry_after(&headers(header_pairs), body, Some(now()))
}

#[test]
fn retry_after_in_every_form() {
    assert_eq!(
        wait_of(&[("retry-after", "7")], b""),
        Some(Duration::from_secs(7))
    );
    assert_eq!(
        wait_of(&[("retry-after", " 2.5 ")], b""),
        Some(Duration::from_millis(2500))
    );
    assert_eq!(
        wait_of(&[("retry-after-ms", "1500"), ("retry-after", "9")], b""),
        Some(Duration::from_millis(1500))
    );
    let date = httpdate_in(30);
    assert_eq!(
        wait_of(&[("retry-after", &date)], b""),
        Some(Duration::from_secs(30))
    );
    // Long waits are read whole (a caller refuses them and says what was asked), saturating at
    // about 136 years, dates as numbers (the fuzzer found a date in the year 7282).
    assert_eq!(
        wait_of(&[("retry-after", "Mon, 21 Oct 2030 07:28:00 GMT")], b""),
        Some(Duration::from_secs(1_918_798_080 - NOW_SECS))
    );
    for far in [
        "Wed, 21 Oct 2426 07:28:00 GMT",
        "Wed, 21 Oct 7282 07:28:00 GMT",
    ] {
        assert_eq!(
            wait_of(&[("retry-after", far)], b""),
            Some(Duration::from_secs(u64::from(u32::MAX))),
            "{far}"
        );
    }
    // A date in the past asks for no wait: the caller backs off as usual.
    let past = httpdate_in(-30);
    assert_eq!(wait_of(&[("retry-after", &past)], b""), None);
    // Retry-After: 0 with the real delay in the body, as Cloudflare sometimes sends.
    let body = br#"{"success":false,"errors":[],"messages":[],"result":null,"retry_after":12}"#;
    assert_eq!(
        wait_of(&[("retry-after", "0")], body),
        Some(Duration::from_secs(12))
    );
    assert_eq!(wait_of(&[], body), Some(Duration::from_secs(12)));
    // Zero, absent, negative, garbage: no wait asked for, so never a resend at once.
    assert_eq!(wait_of(&[("retry-after", "0")], ERROR_BODY), None);
    assert_eq!(wait_of(&[("retry-after-ms", "0")], b""), None);
    assert_eq!(
        wait_of(&[("retry-after", "0")], br#"{"retry_after": 0}"#),
        None
    );
    assert_eq!(
        wait_of(&[("retry-after", "0")], br#"{"retry_after": -3}"#),
        None
    );
    assert_eq!(wait_of(&[], ERROR_BODY), None);
    for bad in ["-5", "soon", "1e12", "NaN", "inf", ""] {
        assert_eq!(
            wait_of(&[("retry-after", bad)], ERROR_BODY),
            None,
            "{bad:?}"
        );
    }
    assert_eq!(wait_of(&[("retry-after-ms", "-1")], b""), None);
    // Decimal numbers only, read exactly: no sign, exponent or hex; saturating, not refused.
    let longest = Some(Duration::from_secs(u64::from(u32::MAX)));
    for (value, wait) in [
        (".5", Some(Duration::from_millis(500))),
        ("3.", Some(Duration::from_secs(3))),
        ("0.000000001999", Some(Duration::from_nanos(1))),
        ("86400", Some(Duration::from_secs(86_400))),
        ("172800", Some(Duration::from_secs(172_800))),
        ("86400.000000001", Some(Duration::new(86_400, 1))),
        ("99999999999999999999999", longest),
        ("+5", None),
        ("1e2", None),
        ("0x10", None),
        (".", None),
        ("1.2.3", None),
    ] {
        assert_eq!(wait_of(&[("retry-after", value)], b""), wait, "{value:?}");
    }
    assert_eq!(
        wait_of(&[("retry-after-ms", "1500.5")], b""),
        Some(Duration::from_micros(1_500_500))
    );
    assert_eq!(
        wait_of(&[], br#"{"retry_after": " 2.25 "}"#),
        Some(Duration::from_millis(2250))
    );
    assert_eq!(wait_of(&[], br#"{"retry_after": "x"}"#), None);
    assert_eq!(wait_of(&[], b"<html>"), None);
}

fn httpdate_in(seconds: i64) -> String {
    let at = if seconds >= 0 {
        now() + Duration::from_secs(seconds as u64)
    } else {
        now() - Duration::from_secs((-seconds) as u64)
    };
    httpdate::fmt_http_date(at)
}

fn response(
    status: u16,
    header_pairs: &[(&str, &str)],
    body: &'static [u8],
) -> (u16, HeaderMap, &'static [u8]) {
    (status, headers(header_pairs), body)
}

fn after(retry: &mut Retry, (status, headers, body): &(u16, HeaderMap, &[u8])) -> Next {
    retry.after(
        Attempt::Response {
            status: *status,
            headers,
            body,
        },
        now(),
        0.0,
    )
}

#[test]
fn rate_limits_are_retried_for_every_method_after_the_server_wait() {
    for method in [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
    ] {
        let mut retry = Retry::new(RetryPolicy::default(), "accounts.create", method.clone());
        let limited = response(429, &[("retry-after", "3")], ERROR_BODY);
        assert!(
            matches!(after(&mut retry, &limited), Next::Wait(d) if d == Duration::from_secs(3)),
            "{method}"
        );
        assert!(matches!(after(&mut retry, &limited), Next::Wait(_)));
        match after(&mut retry, &limited) {
            Next::Fail(Error::Api(e)) => assert_eq!(
                (e.status, e.retry_after),
                (429, Some(Duration::from_secs(3)))
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(retry.retries(), 2);
    }
}

#[test]
fn a_wait_past_the_cap_fails_at_once_with_the_servers_words() {
    let mut retry = Retry::new(RetryPolicy::default(), "accounts.list", Method::GET);
    match after(
        &mut retry,
        &response(429, &[("retry-after", "3600")], ERROR_BODY),
    ) {
        Next::Fail(Error::Api(e)) => {
            assert_eq!(e.retry_after, Some(Duration::from_secs(3600)));
            assert!(e.to_string().contains("retry after 3600.0 s"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

/// Honoured or refused, never ignored: days-long waits, in seconds, as a date, in the body,
/// on a 503 too, fail at once and the error keeps the wait.
#[test]
fn waits_of_days_fail_at_once_and_keep_the_wait() {
    let in_two_days = httpdate_in(172_800);
    let body = br#"{"success":false,"errors":[{"code":10013,"message":"Rate limited"}],"messages":[],"result":null,"retry_after":172800}"#;
    for (status, headers, body) in [
        response(429, &[("retry-after", "172800")], ERROR_BODY),
        (429, headers(&[("retry-after", &in_two_days)]), ERROR_BODY),
        response(429, &[("retry-after", "0")], body),
        response(503, &[("retry-after", "172800")], ERROR_BODY),
    ] {
        let mut retry = Retry::new(RetryPolicy::default(), "accounts.get", Method::GET);
        match after(&mut retry, &(status, headers, body)) {
            Next::Fail(Error::Api(e)) => {
                assert_eq!(e.retry_after, Some(Duration::from_secs(172_800)), "{e}");
            }
            other => panic!("{other:?}"),
        }
    }
}

/// A wait of nothing (0, a past date, garbage, negative, NaN) is the usual backoff, never a
/// resend at once.
#[test]
fn a_zero_or_unreadable_wait_backs_off() {
    let past = httpdate_in(-60);
    for value in ["0", "soon", "-5", "NaN", past.as_str()] {
        let mut retry = Retry::new(RetryPolicy::default(), "accounts.create", Method::POST);
        let limited = (429, headers(&[("retry-after", value)]), ERROR_BODY);
        assert!(
            matches!(after(&mut retry, &limited), Next::Wait(d) if d == Duration::from_millis(500)),
            "{value:?}"
        );
        assert!(
            matches!(after(&mut retry, &limited), Next::Wait(d) if d == Duration::from_secs(1)),
            "{value:?}"
        );
    }
}

/// A redirect is final: never retried, and read as a `Redirect` error naming where it pointed.
#[test]
fn redirects_are_never_retried_nor_followed() {
    for status in [301, 302, 303, 307, 308] {
        for method in [Method::GET, Method::POST] {
            let moved = (
                status,
                headers(&[("location", "http://elsewhere.example/client/v4/accounts")]),
                &b""[..],
            );
            let mut retry = Retry::new(RetryPolicy::default(), "accounts.create", method);
            assert!(matches!(after(&mut retry, &moved), Next::Done));
            let error = cloudflare_tenant::parse_response_named(
                "accounts.create",
                status,
                &moved.1,
                br#"{"success":true,"errors":[],"messages":[],"result":{"id":"0123456789abcdef0123456789abcdef"}}"#,
            )
            .unwrap_err();
            match &error {
                Error::Redirect(r) => {
                    assert_eq!(r.status, status);
                    assert_eq!(
                        r.location.as_deref(),
                        Some("http://elsewhere.example/client/v4/accounts")
                    );
                }
                other => panic!("{other:?}"),
            }
            assert_eq!(error.to_json()["kind"], "redirect");
            assert!(error.to_string().contains("never followed"), "{error}");
        }
    }
    // A browser's opaque redirect: status 0, nothing else known.
    let opaque = cloudflare_tenant::parse_response_named("user.get", 0, &HeaderMap::new(), b"");
    assert!(matches!(opaque, Err(Error::Redirect(r)) if r.status == 0 && r.location.is_none()));
    // No response has a status past 599.
    for status in [1, 99, 600, 1000] {
        let error =
            cloudflare_tenant::parse_response_named("user.get", status, &HeaderMap::new(), b"{}")
                .unwrap_err();
        assert!(
            matches!(&error, Error::Invalid(i) if i.field == "status"),
            "{error}"
        );
    }
}

#[test]
fn server_errors_are_retried_with_backoff_for_idempotent_methods_only() {
    let edge = response(
        502,
        &[("cf-ray", "7d1e5f0a9b8c7d6e-SJC")],
        b"<html>502 Bad Gateway</html>",
    );
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let mut retry = Retry::new(RetryPolicy::default(), "accounts.get", method);
        assert!(
            matches!(after(&mut retry, &edge), Next::Wait(d) if d == Duration::from_millis(500))
        );
        assert!(
            matches!(after(&mut retry, &edge), Next::Wait(d) if d == Duration::from_millis(1000))
        );
        assert!(
            matches!(after(&mut retry, &edge), Next::Fail(Error::Decode(e)) if e.status == 502)
        );
    }
    for method in [Method::POST, Method::PATCH] {
        let mut retry = Retry::new(RetryPolicy::default(), "accounts.create", method.clone());
        match after(&mut retry, &edge) {
            Next::Fail(Error::OutcomeUnknown(e)) => {
                assert_eq!(
                    (e.status, e.ray_id.as_deref()),
                    (Some(502), Some("7d1e5f0a9b8c7d6e-SJC"))
                );
                assert_eq!(e.method, method.as_str());
                let text = e.to_string();
                assert!(
                    text.contains("outcome unknown") && text.contains("not resent"),
                    "{text}"
                );
            }
            other => panic!("{method}: {other:?}"),
        }
    }
    let timeout = response(408, &[], ERROR_BODY);
    let mut retry = Retry::new(RetryPolicy::default(), "accounts.get", Method::GET);
    assert!(matches!(after(&mut retry, &timeout), Next::Wait(_)));
}

#[test]
fn transport_errors_follow_whether_the_request_left() {
    let mut post = Retry::new(RetryPolicy::default(), "accounts.create", Method::POST);
    // Never sent: safe to resend even a POST.
    assert!(matches!(
        post.after(
            Attempt::NotSent {
                message: "connection refused"
            },
            now(),
            0.0
        ),
        Next::Wait(_)
    ));
    match post.after(
        Attempt::NoResponse {
            message: "connection reset",
        },
        now(),
        0.0,
    ) {
        Next::Fail(Error::OutcomeUnknown(e)) => assert_eq!(e.status, None),
        other => panic!("{other:?}"),
    }
    let mut get = Retry::new(
        RetryPolicy {
            max_retries: 1,
            ..RetryPolicy::default()
        },
        "accounts.get",
        Method::GET,
    );
    assert!(matches!(
        get.after(
            Attempt::NoResponse {
                message: "timed out"
            },
            now(),
            0.0
        ),
        Next::Wait(_)
    ));
    match get.after(
        Attempt::NoResponse {
            message: "timed out",
        },
        now(),
        0.0,
    ) {
        Next::Fail(Error::Transport(e)) => assert!(e.sent && e.message == "timed out"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn success_and_client_errors_are_done() {
    let mut retry = Retry::new(RetryPolicy::default(), "accounts.create", Method::POST);
    for status in [200, 400, 401, 403, 404, 409] {
        assert!(
            matches!(
                after(&mut retry, &response(status, &[], ERROR_BODY)),
                Next::Done
            ),
            "{status}"
        );
    }
    assert_eq!(retry.retries(), 0);
}

#[test]
fn backoff_doubles_to_the_cap_and_jitter_only_shortens() {
    let policy = RetryPolicy::default();
    let waits: Vec<_> = (0..7).map(|n| policy.backoff(n, 0.0).as_millis()).collect();
    assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
    assert_eq!(policy.backoff(0, 0.999).as_millis(), 375);
    assert_eq!(policy.backoff(40, 0.5), Duration::from_secs(7));
    for odd in [f64::NAN, f64::INFINITY, -3.0, 7.0] {
        assert!(policy.backoff(1, odd) <= Duration::from_secs(1), "{odd}");
    }
    let mut never = Retry::new(RetryPolicy::none(), "accounts.get", Method::GET);
    assert!(matches!(
        after(&mut never, &response(503, &[], ERROR_BODY)),
        Next::Fail(_)
    ));
}

#[test]
fn the_pacer_keeps_a_window_under_its_budget() {
    let mut pacer = Pacer::new(3, Duration::from_secs(10));
    let at = Duration::from_secs;
    for t in [0, 1, 2] {
        let ticket = pacer.acquire(at(t)).expect("budget left");
        pacer.settle(ticket, at(t));
    }
    // The fourth send must wait until the first leaves the window.
    assert_eq!(pacer.acquire(at(3)), Err(at(7)));
    let late = pacer
        .acquire(at(10))
        .expect("the send at 0 left the window");
    pacer.settle(late, at(10));
    assert_eq!(pacer.acquire(at(10)), Err(at(1)));
    // At 11 the send at 1 has left the window.
    assert!(pacer.acquire(at(11)).is_ok());

    // Cloudflare's budget: 1,200 sends in a burst, then one every 250 ms on average.
    let mut cloudflare = Pacer::cloudflare();
    let mut now = Duration::ZERO;
    for _ in 0..1500 {
        let ticket = loop {
            match cloudflare.acquire(now) {
                Ok(ticket) => break ticket,
                Err(wait) => now += wait,
            }
        };
        cloudflare.settle(ticket, now);
    }
    assert_eq!(now, Duration::from_secs(300));
}

/// A send holds its place from hand-off until a window after its answer, so a server that
/// counts arrivals anywhere in between never sees more than the limit in a window.
#[test]
fn the_pacer_counts_a_send_until_a_window_after_its_answer() {
    let at = Duration::from_millis;
    let mut pacer = Pacer::new(2, at(1000));
    let first = pacer.acquire(at(0)).unwrap();
    let second = pacer.acquire(at(0)).unwrap();
    // Both in flight: nobody knows when a place frees, so the host asks again soon.
    assert_eq!(pacer.acquire(at(5000)), Err(Pacer::POLL));
    pacer.settle(first, at(6000));
    assert_eq!(pacer.acquire(at(6500)), Err(at(500)));
    let third = pacer.acquire(at(7000)).unwrap();
    // Settling twice, or a ticket never given, changes nothing.
    pacer.settle(first, at(9000));
    pacer.settle(cloudflare_tenant::Ticket::from_id(99), at(0));
    assert_eq!(pacer.in_use(at(7000)), 2);
    pacer.settle(second, at(7000));
    pacer.settle(third, at(7000));
    assert_eq!(pacer.acquire(at(7999)), Err(at(1)));
    assert!(pacer.acquire(at(8000)).is_ok());
}

/// Any number of concurrent senders, sends and answers at random times: no window ever holds
/// more sends than the limit, wherever between hand-off and answer the server counts them.
#[test]
fn no_window_on_the_wire_holds_more_than_the_limit() {
    let (limit, window) = (10usize, Duration::from_millis(2000));
    let mut pacer = Pacer::new(limit as u32, window);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut random = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    // (sent, answered) of every send; in flight: answered in the future.
    let mut sends: Vec<(Duration, Duration, cloudflare_tenant::Ticket)> = Vec::new();
    let mut now = Duration::ZERO;
    let mut done = Vec::new();
    while done.len() < 200 {
        now += Duration::from_millis(random(50));
        for (sent, answered, ticket) in std::mem::take(&mut sends) {
            if answered <= now {
                pacer.settle(ticket, answered);
                done.push((sent, answered));
            } else {
                sends.push((sent, answered, ticket));
            }
        }
        // 50 senders want to go all the time.
        while let Ok(ticket) = pacer.acquire(now) {
            let answered = now + Duration::from_millis(1 + random(800));
            sends.push((now, answered, ticket));
        }
    }
    // The server counts each send at an arrival somewhere between hand-off and answer: check
    // the worst cases, every send counted at its hand-off and every send at its answer.
    for arrivals in [
        done.iter().map(|(sent, _)| *sent).collect::<Vec<_>>(),
        done.iter().map(|(_, answered)| *answered).collect(),
    ] {
        let mut arrivals = arrivals;
        arrivals.sort();
        for (i, start) in arrivals.iter().enumerate() {
            let in_window = arrivals[i..]
                .iter()
                .take_while(|t| **t < *start + window)
                .count();
            assert!(
                in_window <= limit,
                "{in_window} sends in a window from {start:?}"
            );
        }
    }
}

/// A keyed POST (`accounts.create` with its idempotency key) is resent after a lost answer or
/// an edge 5xx, honouring the server's wait; resent to the end, its outcome is still unknown.
#[test]
fn a_keyed_post_is_resent_and_ends_unknown() {
    let policy = RetryPolicy::default();
    let mut keyed = Retry::new(policy, "accounts.create", Method::POST).keyed();
    let lost = Attempt::NoResponse { message: "reset" };
    let edge = Attempt::Response {
        status: 502,
        headers: &headers(&[("retry-after", "3")]),
        body: b"<html>502</html>",
    };
    assert!(matches!(keyed.after(lost, now(), 0.0), Next::Wait(_)));
    assert!(matches!(
        keyed.after(edge, now(), 0.0),
        Next::Wait(wait) if wait == Duration::from_secs(3)
    ));
    assert!(matches!(
        keyed.after(lost, now(), 0.0),
        Next::Fail(Error::OutcomeUnknown(_))
    ));
    assert_eq!(keyed.retries(), policy.max_retries);

    let mut unkeyed = Retry::new(policy, "users.create", Method::POST);
    assert!(matches!(
        unkeyed.after(lost, now(), 0.0),
        Next::Fail(Error::OutcomeUnknown(_))
    ));
}

#[test]
fn the_servers_budget_is_read_from_its_headers() {
    use cloudflare_tenant::{server_budget, ServerBudget};
    let budget = |pairs: &[(&str, &str)]| server_budget(&headers(pairs), Some(now()));
    assert_eq!(
        budget(&[("ratelimit", "\"default\";r=50;t=30")]),
        Some(ServerBudget {
            remaining: 50,
            reset: Duration::from_secs(30)
        })
    );
    // A list: the item with the fewest left counts; parameters in any order.
    assert_eq!(
        budget(&[("ratelimit", "\"burst\";t=2;r=9, \"default\";r=50;t=30")]),
        Some(ServerBudget {
            remaining: 9,
            reset: Duration::from_secs(2)
        })
    );
    // The first form of the headers, with a date or seconds.
    assert_eq!(
        budget(&[
            ("x-ratelimit-remaining", "3"),
            ("x-ratelimit-reset", &httpdate_in(40))
        ]),
        Some(ServerBudget {
            remaining: 3,
            reset: Duration::from_secs(40)
        })
    );
    for unreadable in [
        "",
        "\"default\"",
        "\"default\";r=-1;t=3",
        "\"d\";r=1;t=x",
        "garbage",
    ] {
        assert_eq!(budget(&[("ratelimit", unreadable)]), None, "{unreadable}");
    }
    assert_eq!(budget(&[("x-ratelimit-remaining", "3")]), None);
}

/// The pacer keeps under the server's own count until its reset, less what is in flight, and
/// never waits longer than a window for an absurd reset.
#[test]
fn the_pacer_keeps_under_the_servers_count() {
    use cloudflare_tenant::ServerBudget;
    let ms = Duration::from_millis;
    let mut pacer = Pacer::new(100, Duration::from_secs(10));
    let first = pacer.acquire(ms(0)).unwrap();
    let in_flight = pacer.acquire(ms(0)).unwrap();
    pacer.settle(first, ms(5));
    pacer.observe(
        ServerBudget {
            remaining: 3,
            reset: Duration::from_secs(2),
        },
        ms(5),
    );
    // 3 left, one of ours still in flight: 2 more pass, then the wait is the reset's.
    assert!(pacer.acquire(ms(6)).is_ok());
    assert!(pacer.acquire(ms(6)).is_ok());
    assert_eq!(pacer.acquire(ms(6)), Err(ms(1999)));
    pacer.settle(in_flight, ms(7));
    assert!(
        pacer.acquire(ms(2005)).is_ok(),
        "after the reset, the pacer's own budget"
    );

    let mut stalled = Pacer::new(100, Duration::from_secs(10));
    stalled.observe(
        ServerBudget {
            remaining: 0,
            reset: Duration::from_secs(1_000_000),
        },
        ms(0),
    );
    assert_eq!(stalled.acquire(ms(0)), Err(Duration::from_secs(10)));
}

/// When the server's count is this pacer's own, the pacer's window governs: the server's
/// whole-second reset would only hold sends back longer.
#[test]
fn a_servers_count_of_our_own_sends_changes_nothing() {
    use cloudflare_tenant::ServerBudget;
    let ms = Duration::from_millis;
    let mut pacer = Pacer::new(2, Duration::from_secs(3));
    for at in [0, 1] {
        let ticket = pacer.acquire(ms(at)).unwrap();
        pacer.settle(ticket, ms(at + 1));
    }
    pacer.observe(
        ServerBudget {
            remaining: 0,
            reset: Duration::from_secs(3),
        },
        ms(2),
    );
    // Free a window after the first answer, not three whole seconds after this report.
    assert_eq!(pacer.acquire(ms(2)), Err(ms(2999)));
    assert!(pacer.acquire(ms(3001)).is_ok());
}
