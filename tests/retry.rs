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
    // A date found by the fuzzer: centuries away is as absurd as 1e12 seconds.
    assert_eq!(
        wait_of(&[("retry-after", "Wed, 21 Oct 2426 07:28:00 GMT")], b""),
        None
    );
    let past = httpdate_in(-30);
    assert_eq!(
        wait_of(&[("retry-after", &past)], b""),
        Some(Duration::ZERO)
    );
    // Retry-After: 0 with the real delay in the body, as Cloudflare sometimes sends.
    let body = br#"{"success":false,"errors":[],"messages":[],"result":null,"retry_after":12}"#;
    assert_eq!(
        wait_of(&[("retry-after", "0")], body),
        Some(Duration::from_secs(12))
    );
    assert_eq!(wait_of(&[], body), Some(Duration::from_secs(12)));
    assert_eq!(
        wait_of(&[("retry-after", "0")], ERROR_BODY),
        Some(Duration::ZERO)
    );
    // Absent, negative, garbage, absurd: ignored.
    assert_eq!(wait_of(&[], ERROR_BODY), None);
    for bad in ["-5", "soon", "1e12", "NaN", "inf", ""] {
        assert_eq!(
            wait_of(&[("retry-after", bad)], ERROR_BODY),
            None,
            "{bad:?}"
        );
    }
    assert_eq!(wait_of(&[("retry-after-ms", "-1")], b""), None);
    // Decimal numbers only, read exactly: no sign, exponent or hex, at most a day.
    for (value, wait) in [
        (".5", Some(Duration::from_millis(500))),
        ("3.", Some(Duration::from_secs(3))),
        ("0.000000001999", Some(Duration::from_nanos(1))),
        ("86400", Some(Duration::from_secs(86_400))),
        ("86400.000000001", None),
        ("99999999999999999999999", None),
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
        assert_eq!(pacer.delay(at(t)), Duration::ZERO);
        pacer.record(at(t));
    }
    // The fourth send must wait until the first leaves the window.
    assert_eq!(pacer.delay(at(3)), at(7));
    pacer.record(at(10));
    assert_eq!(pacer.delay(at(10)), at(1));
    // At 11 the send at 1 has left the window.
    assert_eq!(pacer.delay(at(11)), Duration::ZERO);

    // Cloudflare's budget: 1,200 sends in a burst, then one every 250 ms on average.
    let mut cloudflare = Pacer::cloudflare();
    let mut now = Duration::ZERO;
    for _ in 0..1500 {
        now += cloudflare.delay(now);
        cloudflare.record(now);
    }
    assert_eq!(now, Duration::from_secs(300));
}
