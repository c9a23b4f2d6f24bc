//! Fault injection: the failures a client of the real API meets (edge 502 pages, responses
//! lost after the write was committed, dropped connections, `Retry-After: 0`, slow answers),
//! drawn from a seeded generator so a failing client test can be replayed.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::json;

use crate::args::FaultRates;
use crate::envelope::code;
use crate::rng::Rng;

const FAULT_STREAM: u64 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The edge answers 502 (HTML); the request never reaches the API.
    Html502,
    /// The API processes and commits the request, then the edge answers 502 (HTML).
    LostResponse,
    /// The API processes and commits the request, then the connection is closed unanswered.
    Drop,
    /// 429 with `Retry-After: 0` and the real delay in the body's `retry_after`.
    RetryAfterZero,
    /// The request is answered normally, late.
    Latency,
}

impl Fault {
    pub const ALL: [Fault; 5] = [
        Fault::Html502,
        Fault::LostResponse,
        Fault::Drop,
        Fault::RetryAfterZero,
        Fault::Latency,
    ];

    /// The name used in flags and in `/__sandbox/state` counters.
    pub fn name(self) -> &'static str {
        match self {
            Fault::Html502 => "html_502",
            Fault::LostResponse => "lost_response",
            Fault::Drop => "drop",
            Fault::RetryAfterZero => "429_zero",
            Fault::Latency => "latency",
        }
    }

    fn rate(self, r: &FaultRates) -> f64 {
        match self {
            Fault::Html502 => r.html_502,
            Fault::LostResponse => r.lost_response,
            Fault::Drop => r.drop,
            Fault::RetryAfterZero => r.retry_after_zero,
            Fault::Latency => r.latency,
        }
    }
}

/// Draws at most one fault per request: one uniform number, cut into the kinds' shares.
#[derive(Debug)]
pub struct FaultDraw {
    rng: Rng,
    rates: FaultRates,
}

impl FaultDraw {
    pub fn new(seed: u64, rates: FaultRates) -> Self {
        FaultDraw {
            rng: Rng::new(seed, FAULT_STREAM),
            rates,
        }
    }

    pub fn draw(&mut self) -> Option<Fault> {
        if self.rates.total() <= 0.0 {
            return None;
        }
        let u = self.rng.next_f64();
        let mut edge = 0.0;
        for f in Fault::ALL {
            edge += f.rate(&self.rates);
            if u < edge {
                return Some(f);
            }
        }
        None
    }
}

/// Cloudflare's edge error page, trimmed: what a client gets instead of JSON on a 502.
pub fn html_502(ray: &str) -> Response {
    let body = format!(
        "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n\
         <center><h1>502 Bad Gateway</h1></center>\n<hr><center>cloudflare</center>\n\
         <!-- Ray ID: {ray} -->\n</body>\n</html>\n"
    );
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = StatusCode::BAD_GATEWAY;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=UTF-8"),
    );
    resp
}

/// The delay, in seconds, announced in the body of a `Retry-After: 0` answer.
pub const RETRY_AFTER_ZERO_BODY_SECS: u64 = 1;

/// 429 whose header says 0 while the body says how long to wait (top-level `retry_after`).
pub fn retry_after_zero() -> Response {
    let body = json!({
        "result": null,
        "success": false,
        "errors": [{"code": code::RATE_LIMITED, "message": "Please wait and consider throttling your request speed"}],
        "messages": [],
        "retry_after": RETRY_AFTER_ZERO_BODY_SECS,
    });
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::RETRY_AFTER, HeaderValue::from_static("0"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates(total: f64) -> FaultRates {
        let s = total / 5.0;
        FaultRates {
            html_502: s,
            lost_response: s,
            drop: s,
            retry_after_zero: s,
            latency: s,
        }
    }

    #[test]
    fn none_without_rates() {
        let mut d = FaultDraw::new(1, FaultRates::default());
        assert!((0..100).all(|_| d.draw().is_none()));
    }

    #[test]
    fn always_with_rate_one_and_all_kinds_appear() {
        let mut d = FaultDraw::new(1, rates(1.0));
        let drawn: Vec<_> = (0..500).map(|_| d.draw().unwrap()).collect();
        for f in Fault::ALL {
            assert!(drawn.contains(&f), "{f:?} never drawn");
        }
    }

    #[test]
    fn reproducible() {
        let mut a = FaultDraw::new(5, rates(0.5));
        let mut b = FaultDraw::new(5, rates(0.5));
        for _ in 0..200 {
            assert_eq!(a.draw(), b.draw());
        }
    }
}
