//! The scenarios. Each lives under `/<scenario>/<args...>/<tag>/` on main; the tag is any one
//! segment that the caller picks to find its own requests in the log, and what follows it
//! is the client's API path, ignored unless a scenario says otherwise.

use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hyper::body::{Body, Bytes, Incoming};
use hyper::header::{HeaderValue, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use hyper::{Request, Response, StatusCode};
use serde_json::{json, Map, Value};

use crate::body::{Chunks, Drip, Out, Part};
use crate::log::Log;

/// The secret every `secret/*` answer carries, for tests to look for in errors and logs.
pub const SECRET: &str = "hostile-secret-api-key-7f3a9c";
const ID: &str = "0123456789abcdef0123456789abcdef";
const SECRET_ID: &str = "fedcba9876543210fedcba9876543210";

/// Limits that keep every loop bounded however the URL is written.
const MAX_DEPTH: u64 = 20_000_000;
const MAX_MIB: u64 = 4096;
const ENDLESS_BYTES: u64 = 4 << 30;
const DRIP_FOR: Duration = Duration::from_secs(600);
const MAX_SLOW_MS: u64 = 600_000;
/// Request bodies are counted, never kept, and read no further than this.
const MAX_REQUEST_BODY: u64 = 64 << 20;
/// The header a keyed create carries.
const IDEMPOTENCY_KEY: &str = "idempotency-key";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Main,
    Elsewhere,
}

impl Server {
    fn name(self) -> &'static str {
        match self {
            Server::Main => "main",
            Server::Elsewhere => "elsewhere",
        }
    }
}

pub struct Ctx {
    pub started: Instant,
    /// End of the lifetime: the process exits then, which also ends any stall.
    pub deadline: Instant,
    pub elsewhere_port: u16,
    pub log: Log,
}

/// The connection is dropped without an answer: hyper closes it when the service fails.
#[derive(Debug)]
pub struct HungUp;

impl std::fmt::Display for HungUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("hung up without an answer")
    }
}

impl std::error::Error for HungUp {}

pub async fn handle(
    ctx: Arc<Ctx>,
    server: Server,
    req: Request<Incoming>,
) -> Result<Response<Out>, HungUp> {
    let path = req.uri().path().to_string();
    let key = req
        .headers()
        .get(IDEMPOTENCY_KEY)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let path_q = req
        .uri()
        .path_and_query()
        .map_or_else(|| path.clone(), |p| p.as_str().to_string());
    if server == Server::Main && path == "/_log" {
        let prefix = query_param(req.uri().query().unwrap_or(""), "prefix").unwrap_or_default();
        let body = json!({"requests": ctx.log.matching(&prefix)});
        return Ok(json_response(StatusCode::OK, body.to_string()));
    }
    record(&ctx, server, req, &path_q).await;
    if server == Server::Elsewhere {
        let body = success(&format!(r#"{{"id":"{ID}","name":"stolen"}}"#));
        return Ok(json_response(StatusCode::OK, body));
    }
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if let ["lost-answer", rest @ ..] = segs.as_slice() {
        return lost_answer(&ctx, rest, key.as_deref()).unwrap_or_else(|| Ok(not_found()));
    }
    Ok(main_scenario(&ctx, &segs, &path_q)
        .await
        .unwrap_or_else(not_found))
}

/// Log the request once its body is read (counted, not kept).
async fn record(ctx: &Ctx, server: Server, req: Request<Incoming>, path_q: &str) {
    let (parts, mut body) = req.into_parts();
    let mut headers = Map::new();
    for name in parts.headers.keys() {
        let values: Vec<String> = parts
            .headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        headers.insert(name.as_str().to_string(), Value::String(values.join(", ")));
    }
    let mut body_len = 0u64;
    while body_len < MAX_REQUEST_BODY {
        match std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
            Some(Ok(frame)) => body_len += frame.data_ref().map_or(0, |d| d.len() as u64),
            _ => break,
        }
    }
    let entry = json!({
        "server": server.name(),
        "method": parts.method.as_str(),
        "path": path_q,
        "headers": headers,
        "body_len": body_len,
        "t_ms": ctx.started.elapsed().as_secs_f64() * 1000.0,
    });
    ctx.log.push(path_q, entry);
}

/// `None` is a 404: an unknown scenario, a missing tag or an argument out of range.
async fn main_scenario(ctx: &Ctx, segs: &[&str], path_q: &str) -> Option<Response<Out>> {
    let (name, rest) = segs.split_first()?;
    // The scenario's arguments, checked to be followed by a non-empty tag.
    let args = |n: usize| -> Option<&[&str]> {
        match rest.get(n) {
            Some(tag) if !tag.is_empty() => Some(&rest[..n]),
            _ => None,
        }
    };
    let resp = match *name {
        "redirect" => {
            let code: u16 = args(1)?[0].parse().ok()?;
            if ![301, 302, 303, 307, 308].contains(&code) {
                return None;
            }
            let tag = rest[1];
            // The rest of the path and the query, after `/redirect/<code>/<tag>`.
            let after = &path_q[format!("/redirect/{code}/{tag}").len()..];
            let location = format!(
                "http://127.0.0.1:{}/stolen/{tag}{after}",
                ctx.elsewhere_port
            );
            let mut r = Response::new(Out::empty());
            *r.status_mut() = StatusCode::from_u16(code).ok()?;
            r.headers_mut()
                .insert(LOCATION, HeaderValue::from_str(&location).ok()?);
            r
        }
        "secret" => secret(args(1)?[0])?,
        "deep" | "deep-result" => {
            let n: u64 = args(1)?[0].parse().ok()?;
            if !(1..=MAX_DEPTH).contains(&n) {
                return None;
            }
            let (head, tail) = if *name == "deep" {
                let result = format!(r#"{{"id":"{ID}","email":"a@example.com"}}"#);
                (envelope_head(&result) + r#","unknown":"#, "}")
            } else {
                let head = format!(r#"{{"id":"{ID}","email":"a@example.com","extra":"#);
                (envelope_head("") + &head, "}}")
            };
            let parts = vec![
                Part::Bytes(head.into()),
                Part::repeat(b'[', n),
                Part::repeat(b']', n),
                Part::Bytes(tail.into()),
            ];
            streamed(StatusCode::OK, Out::Chunks(Chunks::sized(parts)))
        }
        "huge" | "huge-chunked" => {
            let mib: u64 = args(1)?[0].parse().ok()?;
            if !(1..=MAX_MIB).contains(&mib) {
                return None;
            }
            let head = envelope_head(&format!(r#"{{"id":"{ID}","pad":""#));
            let tail = r#""}}"#;
            let pad = (mib << 20) - (head.len() + tail.len()) as u64;
            let parts = vec![
                Part::Bytes(head.into()),
                Part::repeat(b'x', pad),
                Part::Bytes(tail.into()),
            ];
            let chunks = if *name == "huge" {
                Chunks::sized(parts)
            } else {
                Chunks::chunked(parts)
            };
            streamed(StatusCode::OK, Out::Chunks(chunks))
        }
        "drip" => {
            args(0)?;
            streamed(StatusCode::OK, Out::Drip(Drip::new(ok_body(), DRIP_FOR)))
        }
        "endless" => {
            args(0)?;
            let parts = vec![Part::repeat(b'[', ENDLESS_BYTES)];
            streamed(StatusCode::OK, Out::Chunks(Chunks::chunked(parts)))
        }
        "stall" => {
            args(0)?;
            // Never answer. hyper drops this future when the connection ends; the process
            // exits at the deadline in any case.
            tokio::time::sleep_until(ctx.deadline.into()).await;
            return None;
        }
        "retry-after" => retry_after(args(1)?[0])?,
        "ok" => {
            args(0)?;
            json_response(StatusCode::OK, ok_body())
        }
        "ok-slow" => {
            let ms: u64 = args(1)?[0].parse().ok()?;
            if ms > MAX_SLOW_MS {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(ms)).await;
            json_response(StatusCode::OK, ok_body())
        }
        _ => return None,
    };
    Some(resp)
}

/// `lost-answer/<how>/<tag>`: the API as Cloudflare documents it for `Idempotency-Key`, behind
/// a network that loses answers. The first request with each key (no key counts as one) is
/// carried out and its answer lost: `close` hangs up without a word, `502` answers as an edge
/// whose origin went away. A later request with a key seen before gets the answer, as the API
/// replays the first answer to a resend.
fn lost_answer(
    ctx: &Ctx,
    rest: &[&str],
    key: Option<&str>,
) -> Option<Result<Response<Out>, HungUp>> {
    let (how, tag) = (*rest.first()?, *rest.get(1)?);
    if tag.is_empty() || !matches!(how, "close" | "502") {
        return None;
    }
    // This request is in the log already.
    let seen = ctx
        .log
        .matching(&format!("/lost-answer/{how}/{tag}/"))
        .iter()
        .filter(|r| r["headers"].get(IDEMPOTENCY_KEY).and_then(Value::as_str) == key)
        .count();
    Some(match how {
        _ if seen > 1 => Ok(json_response(StatusCode::OK, ok_body())),
        "close" => Err(HungUp),
        _ => {
            let page = "<html><head><title>502 Bad Gateway</title></head><body><center>\
                        <h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center>\
                        </body></html>";
            let mut r = Response::new(Out::full(page));
            *r.status_mut() = StatusCode::BAD_GATEWAY;
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
            r.headers_mut().insert(
                hyper::header::HeaderName::from_static("cf-ray"),
                HeaderValue::from_static("8f0e0d0c0b0a0908-LHR"),
            );
            Ok(r)
        }
    })
}

/// Answers to `POST /users` (and account tokens) that carry the secret but cannot be decoded.
fn secret(variant: &str) -> Option<Response<Out>> {
    let user = |extra: &str| {
        format!(r#"{{"id":"{SECRET_ID}","email":"svc@example.com","api_key":"{SECRET}"{extra}}}"#)
    };
    let body = match variant {
        "wrong-type" => success(&user(r#","two_factor_authentication":"yes""#)),
        "no-success" => format!(r#"{{"errors":[],"messages":[],"result":{}}}"#, user("")),
        "trailing" => success(&user("")) + "garbage",
        "html" => {
            let page = format!("<html><body>created {SECRET}</body></html>");
            let mut r = Response::new(Out::full(page));
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
            return Some(r);
        }
        "truncated" => {
            // About 80% of the envelope, cut right after the closing quote of the secret.
            let full = success(&user(r#","first_name":null,"last_name":null"#));
            let cut = full.find(SECRET)? + SECRET.len() + 1;
            full[..cut].to_string()
        }
        "key-number" => success(&format!(
            r#"{{"id":12345,"email":"svc@example.com","api_key":"{SECRET}"}}"#
        )),
        "token-wrong-type" => success(&format!(
            r#"{{"id":"{SECRET_ID}","name":"t","value":"{SECRET}","status":12}}"#
        )),
        "error-500" => {
            let body = format!(
                r#"{{"success":false,"errors":[{{"code":10000,"message":"boom"}}],"messages":[],"result":{}}}"#,
                user("")
            );
            return Some(json_response(StatusCode::INTERNAL_SERVER_ERROR, body));
        }
        _ => return None,
    };
    Some(json_response(StatusCode::OK, body))
}

fn retry_after(form: &str) -> Option<Response<Out>> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let mut header: Option<(&str, String)> = None;
    let mut body_retry_after: Option<serde_json::Number> = None;
    match form {
        "date-past" => header = Some(("retry-after", http_date(now - 3600))),
        "zero" => header = Some(("retry-after", "0".into())),
        "garbage" => header = Some(("retry-after", "soon".into())),
        "negative" => header = Some(("retry-after", "-5".into())),
        "nan" => header = Some(("retry-after", "NaN".into())),
        "huge" => header = Some(("retry-after", "172800".into())),
        "none" => {}
        _ => {
            if let Some(n) = form.strip_prefix("seconds-") {
                header = Some(("retry-after", n.parse::<u64>().ok()?.to_string()));
            } else if let Some(n) = form.strip_prefix("ms-") {
                header = Some(("retry-after-ms", n.parse::<u64>().ok()?.to_string()));
            } else if let Some(n) = form.strip_prefix("zero-body-") {
                header = Some(("retry-after", "0".into()));
                body_retry_after = Some(n.parse().ok()?);
            } else if let Some(n) = form.strip_prefix("date-") {
                let secs = i64::try_from(n.parse::<u64>().ok()?).ok()?;
                header = Some(("retry-after", http_date(now.checked_add(secs)?)));
            } else {
                return None;
            }
        }
    }
    let extra = body_retry_after.map_or_else(String::new, |n| format!(r#","retry_after":{n}"#));
    let body = format!(
        r#"{{"success":false,"errors":[{{"code":10000,"message":"rate limited"}}],"messages":[],"result":null{extra}}}"#
    );
    let mut r = json_response(StatusCode::TOO_MANY_REQUESTS, body);
    if let Some((name, value)) = header {
        let name = if name == "retry-after" {
            RETRY_AFTER
        } else {
            hyper::header::HeaderName::from_static("retry-after-ms")
        };
        r.headers_mut()
            .insert(name, HeaderValue::from_str(&value).ok()?);
    }
    Some(r)
}

fn not_found() -> Response<Out> {
    let body = r#"{"success":false,"errors":[{"code":7003,"message":"No route for that URI"}],"messages":[],"result":null}"#;
    json_response(StatusCode::NOT_FOUND, body)
}

/// `{"success":true,"errors":[],"messages":[],"result":` followed by `result_start`.
fn envelope_head(result_start: &str) -> String {
    format!(r#"{{"success":true,"errors":[],"messages":[],"result":{result_start}"#)
}

fn success(result: &str) -> String {
    envelope_head(result) + "}"
}

fn ok_body() -> String {
    success(&format!(
        r#"{{"id":"{ID}","name":"ok","email":"ok@example.com"}}"#
    ))
}

fn json_response(status: StatusCode, body: impl Into<Bytes>) -> Response<Out> {
    streamed(status, Out::full(body.into()))
}

/// A JSON response around any body; its length, if known, comes from the body's size hint.
fn streamed(status: StatusCode, body: Out) -> Response<Out> {
    let mut r = Response::new(body);
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// The value of `name` in a query string, percent-decoded.
fn query_param(query: &str, name: &str) -> Option<String> {
    let raw = query
        .split('&')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))?;
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h)? * 16 + hex(l)?) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form `Retry-After` dates take.
fn http_date(unix_secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        day,
        MONTHS[(month - 1) as usize],
        year,
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(951_825_600), "Tue, 29 Feb 2000 12:00:00 GMT");
    }

    #[test]
    fn query_params() {
        assert_eq!(
            query_param("a=1&prefix=%2Fok%2Ft", "prefix").as_deref(),
            Some("/ok/t")
        );
        assert_eq!(query_param("prefixes=1", "prefix"), None);
    }
}
