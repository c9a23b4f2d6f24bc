//! The shared application: state, edge behaviour (faults, rate limit, cf-ray), and the
//! top-level request path that wraps the API router.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::args::Config;
use crate::envelope::{code, ApiError};
use crate::faults::{self, Fault, FaultDraw};
use crate::ratelimit::{RateLimiter, Verdict};
use crate::reqlog::{Entry, RequestLog, LOG_CAP};
use crate::rng::mix;
use crate::state::State;

/// Prefix of the API, as on `api.cloudflare.com`.
pub const API_PREFIX: &str = "/client/v4";
/// Prefix of the inspection endpoints (never faulted, never rate limited).
pub const INSPECT_PREFIX: &str = "/__sandbox";

const RAY_STREAM: u64 = 3;

/// Request and fault counters, shown by `/__sandbox/state`.
#[derive(Debug, Default, Clone)]
pub struct Counters {
    pub requests: u64,
    /// 429s of the rate limiter: the request that went over and every one refused in a block.
    pub rate_limited: u64,
    /// Blocks started (requests that went over the limit).
    pub rate_blocks: u64,
    /// Every 429 the clients got under `/client/v4`: the limiter's and the `429_zero` fault's.
    pub http_429: u64,
    pub faults: [u64; 5],
}

#[derive(Debug)]
pub struct Edge {
    faults: FaultDraw,
    limiter: RateLimiter,
    pub counters: Counters,
    pub log: RequestLog,
    rays: u64,
}

impl Edge {
    fn new(seed: u64, cfg: &Config) -> Self {
        Edge {
            faults: FaultDraw::new(seed, cfg.faults),
            limiter: RateLimiter::new(cfg.rate_limit, cfg.rate_window_secs, cfg.rate_block()),
            counters: Counters::default(),
            log: RequestLog::new(LOG_CAP),
            rays: 0,
        }
    }
}

#[derive(Debug)]
pub struct App {
    pub config: Config,
    pub seed: u64,
    state: Mutex<State>,
    edge: Mutex<Edge>,
}

/// Returned instead of a response when the connection must be closed unanswered; the HTTP
/// server turns it into a dropped connection.
#[derive(Debug)]
pub struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DropConnection {}

impl App {
    pub fn new(config: Config, seed: u64) -> Arc<Self> {
        Arc::new(App {
            state: Mutex::new(State::new(seed)),
            edge: Mutex::new(Edge::new(seed, &config)),
            config,
            seed,
        })
    }

    /// The world. A poisoned lock is recovered: handlers never leave it half-written.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn edge(&self) -> MutexGuard<'_, Edge> {
        self.edge.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Back to the start state: same seed, so the same ids come again.
    pub fn reset(&self) {
        *self.state() = State::new(self.seed);
        *self.edge() = Edge::new(self.seed, &self.config);
    }

    pub fn counters_json(&self) -> Value {
        let c = self.edge().counters.clone();
        let replays = self.state().idempotent_replays;
        let mut faults = serde_json::Map::new();
        for (f, n) in Fault::ALL.iter().zip(c.faults.iter()) {
            faults.insert(f.name().into(), json!(n));
        }
        json!({
            "requests": c.requests,
            "rate_limited": c.rate_limited,
            "rate_blocks": c.rate_blocks,
            "http_429": c.http_429,
            "idempotent_replays": replays,
            "faults": faults,
        })
    }

    fn next_ray(&self) -> String {
        let mut e = self.edge();
        e.rays += 1;
        format!("{:016x}-SJC", mix(self.seed ^ mix(RAY_STREAM) ^ e.rays))
    }
}

/// One request, end to end. `api` is the router of the API (paths without the prefix),
/// `inspect` the router of `/__sandbox`.
pub async fn handle(
    app: Arc<App>,
    api: Router,
    inspect: Router,
    req: Request,
) -> Result<Response, DropConnection> {
    let ray = app.next_ray();
    let path = req.uri().path().to_string();
    let mut resp = if path.starts_with(INSPECT_PREFIX) {
        inspect.oneshot(req).await.into_response()
    } else if path == API_PREFIX || path.starts_with(&format!("{API_PREFIX}/")) {
        api_request(&app, api, req, &ray).await?
    } else {
        ApiError::not_found(
            code::NO_ROUTE,
            format!("Could not route to {path}, the API lives under {API_PREFIX}"),
        )
        .into_response()
    };
    let h = resp.headers_mut();
    h.insert(
        "cf-ray",
        HeaderValue::from_str(&ray).expect("hex is a valid header"),
    );
    h.insert(header::SERVER, HeaderValue::from_static("cloudflare"));
    Ok(resp)
}

/// One API request: a fault is drawn, the request logged (without credentials or body) and
/// answered, and the status the client got added to its log entry.
async fn api_request(
    app: &Arc<App>,
    api: Router,
    req: Request,
    ray: &str,
) -> Result<Response, DropConnection> {
    let bucket = crate::auth::limit_bucket(req.headers(), &app.state());
    let idempotency_key = req
        .headers()
        .get("idempotency-key")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let mut entry = Entry {
        method: req.method().to_string(),
        path: req.uri().path().to_string(),
        query: req.uri().query().map(str::to_string),
        idempotency_key,
        auth: crate::auth::credential_kind(req.headers()),
        fault: None,
    };
    let (fault, seq) = {
        let mut e = app.edge();
        e.counters.requests += 1;
        let f = e.faults.draw();
        if let Some(f) = f {
            let i = Fault::ALL.iter().position(|k| *k == f).unwrap_or(0);
            e.counters.faults[i] += 1;
        }
        entry.fault = f.map(Fault::name);
        (f, e.log.push(entry))
    };
    let out = answer(app, api, req, ray, fault, bucket.as_deref()).await;
    let status = out.as_ref().ok().map(|r| r.status().as_u16());
    let mut e = app.edge();
    if status == Some(429) {
        e.counters.http_429 += 1;
    }
    e.log.answered(seq, status);
    drop(e);
    out
}

/// The answer to an API request, faults and rate limit included. `bucket` is the caller's
/// rate-limit bucket, `None` without valid credentials (not limited, no headers).
async fn answer(
    app: &Arc<App>,
    api: Router,
    mut req: Request,
    ray: &str,
    fault: Option<Fault>,
    bucket: Option<&str>,
) -> Result<Response, DropConnection> {
    let tenant_family = is_tenant_family(req.uri().path());
    // Faults at the edge: the request never reaches the API (nor the limiter). The HTML 502
    // is the edge's own page, without the API's headers; the `Retry-After: 0` answer is the
    // API's, so it shows the bucket as it stands, without counting the request.
    match fault {
        Some(Fault::Html502) => return Ok(faults::html_502(ray)),
        Some(Fault::RetryAfterZero) => {
            let mut resp = faults::retry_after_zero();
            if let Some(bucket) = bucket {
                let e = app.edge();
                let standing = e.limiter.peek(bucket, Instant::now());
                e.limiter.set_headers(resp.headers_mut(), standing);
            }
            return Ok(if tenant_family {
                tenant_error_shape(resp).await
            } else {
                resp
            });
        }
        Some(Fault::Latency) => {
            tokio::time::sleep(Duration::from_millis(app.config.latency_ms)).await
        }
        _ => {}
    }
    let verdict = bucket.map(|bucket| {
        let mut e = app.edge();
        let v = e.limiter.check(bucket, Instant::now());
        if let Verdict::Limited { started_block, .. } = v {
            e.counters.rate_limited += 1;
            e.counters.rate_blocks += u64::from(started_block);
        }
        v
    });
    let mut resp = match verdict {
        Some(Verdict::Limited { retry_after, .. }) => {
            let mut err = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                code::RATE_LIMITED,
                "Please wait and consider throttling your request speed",
            );
            err.retry_after = Some(retry_after);
            err.into_response()
        }
        _ => {
            strip_prefix(&mut req);
            json_errors(api.oneshot(req).await.into_response())
        }
    };
    if let Some(v) = verdict {
        app.edge()
            .limiter
            .set_headers(resp.headers_mut(), v.standing());
    }
    let resp = if tenant_family {
        tenant_error_shape(resp).await
    } else {
        resp
    };
    // Faults after the API committed the request.
    match fault {
        Some(Fault::LostResponse) => Ok(faults::html_502(ray)),
        Some(Fault::Drop) => Err(DropConnection),
        _ => Ok(resp),
    }
}

/// Refusals produced by the framework itself (an undecodable path segment, an oversized
/// body) come as plain text; the API always answers with an envelope, so wrap them.
fn json_errors(resp: Response) -> Response {
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if resp.status().is_success() || is_json {
        return resp;
    }
    let status = resp.status();
    let code = if status == StatusCode::NOT_FOUND {
        code::NO_ROUTE
    } else {
        code::INVALID_REQUEST
    };
    let reason = status.canonical_reason().unwrap_or("error");
    ApiError::new(status, code, format!("Invalid request: {reason}")).into_response()
}

fn strip_prefix(req: &mut Request) {
    let pq = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_default();
    let rest = &pq[API_PREFIX.len()..];
    let rest = if rest.is_empty() || rest.starts_with('?') {
        format!("/{rest}")
    } else {
        rest.to_string()
    };
    if let Ok(uri) = rest.parse() {
        *req.uri_mut() = uri;
    }
}

/// The tenants service (`/user/tenants`, `/tenants/...`) is a newer API whose error schema
/// types `result` as an object, so `null` would break it: there the error envelope leaves
/// `result` out.
fn is_tenant_family(path: &str) -> bool {
    let p = path.strip_prefix(API_PREFIX).unwrap_or(path);
    p == "/user/tenants" || p.starts_with("/user/tenants/") || p.starts_with("/tenants/")
}

async fn tenant_error_shape(resp: Response) -> Response {
    if resp.status().is_success() {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(mut map)) if map.get("result").is_some_and(Value::is_null) => {
            map.remove("result");
            let body = Value::Object(map).to_string();
            let mut resp = Response::from_parts(parts, Body::from(body));
            resp.headers_mut().remove(header::CONTENT_LENGTH);
            resp
        }
        _ => Response::from_parts(parts, Body::from(bytes)),
    }
}
