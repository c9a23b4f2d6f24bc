//! The hostile server answers each scenario as documented: these tests pin the interface
//! that the client test suites (Rust, JS, Python) rely on.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

const SECRET: &str = "hostile-secret-api-key-7f3a9c";
const ID: &str = "0123456789abcdef0123456789abcdef";

/// A running hostile server, killed when dropped.
struct Hostile {
    child: Child,
    main: String,
    elsewhere: String,
    agent: ureq::Agent,
}

impl Hostile {
    fn start(extra: &[&str]) -> Hostile {
        let (child, line) = spawn(&["--port", "0", "--lifetime-secs", "60"], extra);
        let rest = line
            .trim_end()
            .strip_prefix("hostile on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"));
        let (main, elsewhere) = rest
            .split_once(" elsewhere ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"));
        for url in [main, elsewhere] {
            let port = url.strip_prefix("http://127.0.0.1:").expect("loopback");
            assert!(port.parse::<u16>().is_ok_and(|p| p != 0), "{line}");
        }
        assert_ne!(main, elsewhere);
        let agent = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        Hostile {
            child,
            main: main.to_string(),
            elsewhere: elsewhere.to_string(),
            agent,
        }
    }

    fn get(&self, url: &str) -> Resp {
        Resp::from(self.agent.get(url).call().expect("GET"))
    }

    fn post(&self, url: &str, body: &str) -> Resp {
        let r = self
            .agent
            .post(url)
            .header("authorization", "Bearer hostile-test-token")
            .content_type("application/json")
            .send(body)
            .expect("POST");
        Resp::from(r)
    }

    /// `GET /_log?prefix=...` on main.
    fn log(&self, prefix: &str) -> Vec<Value> {
        let r = self.get(&format!("{}/_log?prefix={prefix}", self.main));
        assert_eq!(r.status, 200);
        r.json()["requests"].as_array().expect("requests").clone()
    }

    /// A TCP connection to main with `GET path` sent, for what ureq would hide or wait for.
    fn raw_get(&self, path: &str) -> TcpStream {
        let addr = self.main.strip_prefix("http://").unwrap();
        let mut s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nhost: {addr}\r\n\r\n").unwrap();
        s
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start the binary and read its first stdout line.
fn spawn(args: &[&str], extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hostile"))
        .args(args)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the hostile server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the first line");
    (child, line)
}

/// A tag no other test uses.
fn tag() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "t{}x{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl From<ureq::http::Response<ureq::Body>> for Resp {
    fn from(mut r: ureq::http::Response<ureq::Body>) -> Resp {
        let headers = r
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = r
            .body_mut()
            .with_config()
            .limit(8 << 20)
            .read_to_string()
            .expect("body");
        Resp {
            status: r.status().as_u16(),
            headers,
            body,
        }
    }
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// Read a response head from a raw connection: status line and headers (lowercased names),
/// plus whatever body bytes came with it.
fn read_head(s: &mut TcpStream) -> (String, Vec<(String, String)>, Vec<u8>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = s.read(&mut chunk).expect("read the head");
        assert!(n > 0, "closed before the head");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, buf[end + 4..].to_vec())
}

fn find<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Seconds since the epoch of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn parse_http_date(s: &str) -> i64 {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let p: Vec<&str> = s.split([' ', ':']).collect();
    assert!(p.len() == 8 && p[0].ends_with(',') && p[7] == "GMT", "{s}");
    assert!(p[1].len() == 2 && p[3].len() == 4, "{s}");
    let n = |i: usize| p[i].parse::<i64>().unwrap_or_else(|_| panic!("{s}"));
    let m = MONTHS.iter().position(|m| *m == p[2]).expect("month") as i64 + 1;
    let (y, d) = (n(3) - i64::from(m <= 2), n(1));
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + n(4) * 3600 + n(5) * 60 + n(6)
}

#[test]
fn help_first_line_and_lifetime() {
    let out = Command::new(env!("CARGO_BIN_EXE_hostile"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let usage = String::from_utf8(out.stdout).unwrap();
    assert!(usage.contains("--lifetime-secs"), "{usage}");

    let t0 = Instant::now();
    let (mut child, line) = spawn(&["--port", "0", "--lifetime-secs", "1"], &[]);
    assert!(line.starts_with("hostile on http://127.0.0.1:"), "{line}");
    assert!(line.contains(" elsewhere http://127.0.0.1:"), "{line}");
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(5), "still running");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(t0.elapsed() >= Duration::from_millis(900));
}

#[test]
fn redirects_point_elsewhere_and_everything_is_logged() {
    let h = Hostile::start(&[]);
    for code in [301, 302, 303, 307, 308] {
        let t = tag();
        let r = h.post(
            &format!("{}/redirect/{code}/{t}/users?x=1", h.main),
            r#"{"email":"a@example.com"}"#,
        );
        assert_eq!(r.status, code);
        assert_eq!(r.body, "");
        let location = format!("{}/stolen/{t}/users?x=1", h.elsewhere);
        assert_eq!(r.header("location"), Some(location.as_str()));

        let log = h.log(&format!("/redirect/{code}/{t}"));
        assert_eq!(log.len(), 1, "{log:?}");
        let e = &log[0];
        assert_eq!(e["server"], "main");
        assert_eq!(e["method"], "POST");
        assert_eq!(e["path"], format!("/redirect/{code}/{t}/users?x=1"));
        assert_eq!(e["headers"]["authorization"], "Bearer hostile-test-token");
        assert_eq!(e["body_len"], 25);
        assert!(e["t_ms"].as_f64().unwrap() > 0.0);
        assert!(h.log(&format!("/stolen/{t}")).is_empty());

        // Followed anyway, by hand: elsewhere answers and logs it under its own name.
        let r = h.get(&location);
        assert_eq!(r.status, 200);
        assert_eq!(r.json()["result"]["name"], "stolen");
        assert_eq!(r.json()["result"]["id"], ID);
        let log = h.log(&format!("/stolen/{t}"));
        assert_eq!(log.len(), 1, "{log:?}");
        assert_eq!(log[0]["server"], "elsewhere");
        assert_eq!(log[0]["path"], format!("/stolen/{t}/users?x=1"));
    }
    // The log does not log itself.
    assert!(h.log("/_log").is_empty());
}

#[test]
fn secrets_come_in_undecodable_answers() {
    let h = Hostile::start(&[]);
    let t = tag();
    let post = |variant: &str| {
        let r = h.post(&format!("{}/secret/{variant}/{t}/users", h.main), "{}");
        assert!(r.body.contains(SECRET), "{variant}: {}", r.body);
        r
    };
    let r = post("wrong-type");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["result"]["two_factor_authentication"], "yes");
    assert_eq!(r.json()["result"]["api_key"], SECRET);

    let r = post("no-success");
    assert_eq!(r.status, 200);
    assert!(r.json().get("success").is_none());

    let r = post("trailing");
    assert!(r.body.ends_with("}garbage"), "{}", r.body);
    assert!(serde_json::from_str::<Value>(&r.body).is_err());

    let r = post("html");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html"));
    assert_eq!(
        r.body,
        format!("<html><body>created {SECRET}</body></html>")
    );

    let r = post("truncated");
    assert_eq!(r.status, 200);
    assert!(
        r.body.ends_with(&format!("\"api_key\":\"{SECRET}\"")),
        "{}",
        r.body
    );
    assert!(serde_json::from_str::<Value>(&r.body).is_err());
    assert!((150..=170).contains(&r.body.len()), "{}", r.body.len());

    let r = post("key-number");
    assert_eq!(r.json()["result"]["id"], 12345);
    assert_eq!(r.json()["result"]["api_key"], SECRET);

    let r = post("token-wrong-type");
    assert_eq!(r.json()["result"]["value"], SECRET);
    assert_eq!(r.json()["result"]["status"], 12);

    let r = post("error-500");
    assert_eq!(r.status, 500);
    let v = r.json();
    assert_eq!(v["success"], false);
    assert_eq!(v["errors"][0]["code"], 10000);
    assert_eq!(v["errors"][0]["message"], "boom");
    assert_eq!(v["result"]["api_key"], SECRET);

    for variant in [
        "wrong-type",
        "no-success",
        "trailing",
        "html",
        "truncated",
        "key-number",
        "token-wrong-type",
        "error-500",
    ] {
        assert_eq!(h.log(&format!("/secret/{variant}/{t}")).len(), 1);
    }
}

#[test]
fn deep_nesting() {
    let h = Hostile::start(&[]);
    let t = tag();
    let r = h.get(&format!("{}/deep/200/{t}/user", h.main));
    assert_eq!(r.status, 200);
    let expected = format!(
        r#"{{"success":true,"errors":[],"messages":[],"result":{{"id":"{ID}","email":"a@example.com"}},"unknown":{}{}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    assert_eq!(r.body, expected);
    assert_eq!(
        r.header("content-length"),
        Some(expected.len().to_string().as_str())
    );

    let r = h.get(&format!("{}/deep-result/3/{t}/user", h.main));
    let v = r.json();
    assert_eq!(v["success"], true);
    assert_eq!(v["result"]["id"], ID);
    assert_eq!(v["result"]["extra"], serde_json::json!([[[]]]));

    // Twenty million deep: announced, streamed, and abandoned after the first MiB.
    let mut s = h.raw_get(&format!("/deep/20000000/{t}/user"));
    let (status, headers, mut body) = read_head(&mut s);
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    let head_len = expected.len() - 400;
    let len: usize = find(&headers, "content-length").unwrap().parse().unwrap();
    assert_eq!(len, head_len + 40_000_000);
    let mut chunk = vec![0u8; 64 * 1024];
    while body.len() < 1 << 20 {
        let n = s.read(&mut chunk).unwrap();
        assert!(n > 0);
        body.extend_from_slice(&chunk[..n]);
    }
    assert!(body[head_len - 100..].iter().skip(100).all(|&b| b == b'['));
}

#[test]
fn huge_bodies() {
    let h = Hostile::start(&[]);
    let t = tag();
    let r = h.get(&format!("{}/huge/1/{t}/accounts", h.main));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), Some("1048576"));
    assert_eq!(r.body.len(), 1 << 20);
    let v = r.json();
    assert_eq!(v["result"]["id"], ID);
    assert!(v["result"]["pad"]
        .as_str()
        .unwrap()
        .bytes()
        .all(|b| b == b'x'));

    let r = h.get(&format!("{}/huge-chunked/2/{t}/accounts", h.main));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), None);
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert_eq!(r.body.len(), 2 << 20);
    assert_eq!(r.json()["success"], true);
}

#[test]
fn drip_sends_headers_at_once_then_a_byte_a_second() {
    let h = Hostile::start(&[]);
    let t0 = Instant::now();
    let mut s = h.raw_get(&format!("/drip/{}/accounts", tag()));
    let (status, headers, mut body) = read_head(&mut s);
    // Generous bounds: the other tests stream megabytes on the same two cores meanwhile.
    let head = t0.elapsed();
    assert!(head < Duration::from_millis(1500), "{head:?}");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert_eq!(find(&headers, "content-type"), Some("application/json"));
    assert_eq!(find(&headers, "content-length"), None);
    // Chunked, one byte per chunk: `1\r\n{\r\n`, then `1\r\n"\r\n`.
    let mut read_until = |want: &[u8]| {
        let mut chunk = [0u8; 64];
        while !body.windows(want.len()).any(|w| w == want) {
            let n = s.read(&mut chunk).unwrap();
            assert!(n > 0);
            body.extend_from_slice(&chunk[..n]);
        }
        t0.elapsed()
    };
    let first = read_until(b"1\r\n{\r\n");
    assert!(first < Duration::from_millis(2500), "{first:?}");
    let second = read_until(b"1\r\n\"\r\n");
    assert!(
        second - first >= Duration::from_millis(500),
        "{first:?} {second:?}"
    );
}

#[test]
fn endless_never_ends() {
    let h = Hostile::start(&[]);
    let mut s = h.raw_get(&format!("/endless/{}/accounts", tag()));
    let (status, headers, mut body) = read_head(&mut s);
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert_eq!(find(&headers, "transfer-encoding"), Some("chunked"));
    let mut chunk = vec![0u8; 64 * 1024];
    while body.len() < 4 << 20 {
        let n = s.read(&mut chunk).unwrap();
        assert!(n > 0, "the body ended");
        body.extend_from_slice(&chunk[..n]);
    }
    let brackets = body.iter().filter(|&&b| b == b'[').count();
    assert!(brackets > (4 << 20) - 1024, "{brackets}");
}

#[test]
fn stall_reads_the_request_and_never_answers() {
    let h = Hostile::start(&[]);
    let t = tag();
    let mut s = h.raw_get(&format!("/stall/{t}/accounts"));
    s.set_read_timeout(Some(Duration::from_millis(1200)))
        .unwrap();
    let mut buf = [0u8; 16];
    let err = s.read(&mut buf).expect_err("an answer came");
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{err}"
    );
    assert_eq!(h.log(&format!("/stall/{t}")).len(), 1);
}

#[test]
fn retry_after_forms() {
    let h = Hostile::start(&[]);
    let t = tag();
    let get = |form: &str| {
        let r = h.get(&format!("{}/retry-after/{form}/{t}/accounts", h.main));
        assert_eq!(r.status, 429, "{form}");
        let v = r.json();
        assert_eq!(v["success"], false);
        assert_eq!(v["errors"][0]["code"], 10000);
        assert_eq!(v["errors"][0]["message"], "rate limited");
        assert!(v["result"].is_null());
        r
    };
    for (form, value) in [
        ("seconds-3", "3"),
        ("zero", "0"),
        ("garbage", "soon"),
        ("negative", "-5"),
        ("nan", "NaN"),
        ("huge", "172800"),
    ] {
        let r = get(form);
        assert_eq!(r.header("retry-after"), Some(value), "{form}");
        assert!(r.json().get("retry_after").is_none(), "{form}");
    }
    let r = get("ms-250");
    assert_eq!(r.header("retry-after-ms"), Some("250"));
    assert_eq!(r.header("retry-after"), None);

    let r = get("zero-body-7");
    assert_eq!(r.header("retry-after"), Some("0"));
    assert_eq!(r.json()["retry_after"], 7);

    let r = get("none");
    assert_eq!(r.header("retry-after"), None);
    assert_eq!(r.header("retry-after-ms"), None);

    for (form, delta) in [("date-30", 30), ("date-past", -3600)] {
        let r = get(form);
        let at = parse_http_date(r.header("retry-after").unwrap());
        let now = parse_http_date(r.header("date").unwrap());
        assert!((at - now - delta).abs() <= 1, "{form}: {at} vs {now}");
    }

    // Each answer is logged, in order, with its time.
    get("seconds-1");
    let log = h.log(&format!("/retry-after/seconds-1/{t}"));
    assert_eq!(log.len(), 1);
    let all = h.log("/retry-after/");
    let times: Vec<f64> = all
        .iter()
        .filter(|e| e["path"].as_str().unwrap().contains(&t))
        .map(|e| e["t_ms"].as_f64().unwrap())
        .collect();
    assert_eq!(times.len(), 12);
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
}

#[test]
fn ok_slow_and_not_found() {
    let h = Hostile::start(&[]);
    let t = tag();
    let r = h.get(&format!("{}/ok/{t}/user", h.main));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v = r.json();
    assert_eq!(v["success"], true);
    assert_eq!(v["result"]["id"], ID);
    assert_eq!(v["result"]["name"], "ok");
    assert_eq!(v["result"]["email"], "ok@example.com");

    let t0 = Instant::now();
    let r = h.get(&format!("{}/ok-slow/300/{t}/accounts", h.main));
    assert_eq!(r.status, 200);
    assert!(t0.elapsed() >= Duration::from_millis(300));
    assert_eq!(r.json()["result"]["name"], "ok");
    let log = h.log(&format!("/ok-slow/300/{t}"));
    assert_eq!(log.len(), 1);

    for path in [
        "/nope".to_string(),
        "/ok".to_string(),
        format!("/redirect/300/{t}/x"),
        format!("/secret/unknown/{t}/users"),
        format!("/retry-after/later/{t}/x"),
        format!("/huge/0/{t}/x"),
    ] {
        let r = h.get(&format!("{}{path}", h.main));
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.json()["success"], false);
        assert_eq!(r.json()["errors"][0]["code"], 7003);
    }
}

#[test]
fn lost_answer_loses_the_first_answer_for_each_key_then_replays() {
    let h = Hostile::start(&[]);
    let t = tag();
    let send = |how: &str, key: Option<&str>| {
        let mut request = h
            .agent
            .post(format!("{}/lost-answer/{how}/{t}/accounts", h.main))
            .header("authorization", "Bearer hostile-test-token");
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        request.send(r#"{"name":"Acme"}"#).map(Resp::from)
    };
    // `close`: the first request with a key gets no answer at all; a resend gets the account.
    assert!(send("close", Some("k-1")).is_err(), "an answer came");
    let r = send("close", Some("k-1")).expect("the resend is answered");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["result"]["id"], ID);
    // Another key is lost once too; no key counts as one key.
    assert!(send("close", Some("k-2")).is_err());
    assert!(send("close", None).is_err());
    assert_eq!(send("close", None).unwrap().status, 200);
    // `502`: an edge's HTML page, then the answer.
    let r = send("502", Some("k-1")).expect("a 502");
    assert_eq!(r.status, 502);
    assert_eq!(r.header("content-type"), Some("text/html"));
    assert!(r.header("cf-ray").is_some());
    assert!(r.body.contains("502 Bad Gateway"), "{}", r.body);
    assert_eq!(send("502", Some("k-1")).unwrap().status, 200);
    // Every attempt is logged with its key.
    let keys = |how: &str| -> Vec<Value> {
        h.log(&format!("/lost-answer/{how}/{t}/"))
            .iter()
            .map(|r| r["headers"]["idempotency-key"].clone())
            .collect()
    };
    let close: Vec<Value> = ["k-1", "k-1", "k-2"].map(Value::from).into();
    assert_eq!(keys("close")[..3], close[..]);
    assert_eq!(keys("close")[3..], [Value::Null, Value::Null]);
    assert_eq!(keys("502"), ["k-1", "k-1"].map(Value::from));
    for path in [
        format!("/lost-answer/drop/{t}/accounts"),
        "/lost-answer/close".to_string(),
    ] {
        let r = h.get(&format!("{}{path}", h.main));
        assert_eq!(r.status, 404, "{path}");
    }
}
