//! Per-credential rate limit (the real API allows 1,200 requests per 5 minutes per user or
//! account-owned token, and going over blocks that identity for 5 minutes).
//!
//! A fixed window per bucket: simple to reason about in tests, and a client that honours
//! `Retry-After` behaves the same against a fixed or a sliding window. The request that goes
//! over the limit starts a block: every request of that bucket is refused until the block
//! ends, without being counted, and the bucket then starts a fresh window. A block of zero
//! turns blocking off: over the limit, requests are refused until the window resets.
//!
//! Every counted answer carries the bucket's standing in the IETF draft headers Cloudflare
//! sends since September 2025: `Ratelimit: "default";r=<remaining>;t=<seconds to reset>` and
//! `Ratelimit-Policy: "default";q=<limit>;w=<window seconds>`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderName, HeaderValue};

/// The header with the bucket's standing.
pub const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");
/// The header with the bucket's quota and window.
pub const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
/// The name of the (only) policy, as Cloudflare names its per-user limit.
const POLICY_NAME: &str = "default";

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Start of the current window.
    start: Instant,
    /// Requests counted in the current window.
    used: u32,
    /// End of the block, while one is in force.
    blocked_until: Option<Instant>,
}

/// What the limiter made of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Counted and let through: `remaining` after this request, `reset` seconds (rounded up,
    /// at least 1) until the window resets.
    Allowed { remaining: u32, reset: u64 },
    /// Refused with 429, not counted: `retry_after` seconds (rounded up, at least 1) until
    /// the bucket takes requests again. `started_block` is set on the request that went over
    /// the limit and so started a block.
    Limited {
        retry_after: u64,
        started_block: bool,
    },
}

impl Verdict {
    /// `(remaining, seconds until reset)` for the `Ratelimit` header.
    pub fn standing(self) -> (u32, u64) {
        match self {
            Verdict::Allowed { remaining, reset } => (remaining, reset),
            Verdict::Limited { retry_after, .. } => (0, retry_after),
        }
    }
}

#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    block: Duration,
    buckets: HashMap<String, Bucket>,
}

/// The longest block kept (a century): a larger `--rate-block`, or a huge window standing in
/// for it, must not overflow the clock.
const MAX_BLOCK_SECS: u64 = 100 * 365 * 24 * 3600;

/// Whole seconds in `d`, rounded up, at least 1.
fn ceil_secs(d: Duration) -> u64 {
    (d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1)
}

impl RateLimiter {
    pub fn new(limit: u32, window_secs: u64, block_secs: u64) -> Self {
        RateLimiter {
            limit,
            window: Duration::from_secs(window_secs),
            block: Duration::from_secs(block_secs.min(MAX_BLOCK_SECS)),
            buckets: HashMap::new(),
        }
    }

    /// The bucket of `key` as it stands at `now`: a block that has ended, or a window that
    /// has run out, gives way to a fresh window.
    fn current(&mut self, key: &str, now: Instant) -> &mut Bucket {
        let window = self.window;
        let b = self.buckets.entry(key.to_string()).or_insert(Bucket {
            start: now,
            used: 0,
            blocked_until: None,
        });
        let block_over = b.blocked_until.is_some_and(|until| now >= until);
        if block_over || (b.blocked_until.is_none() && now.duration_since(b.start) >= window) {
            *b = Bucket {
                start: now,
                used: 0,
                blocked_until: None,
            };
        }
        b
    }

    /// Count one request for `key`, or refuse it.
    pub fn check(&mut self, key: &str, now: Instant) -> Verdict {
        let (limit, window, block) = (self.limit, self.window, self.block);
        let b = self.current(key, now);
        if let Some(until) = b.blocked_until {
            return Verdict::Limited {
                retry_after: ceil_secs(until - now),
                started_block: false,
            };
        }
        let window_left = window.saturating_sub(now.duration_since(b.start));
        if b.used >= limit {
            if block.is_zero() {
                // No blocking: refused until the window resets.
                return Verdict::Limited {
                    retry_after: ceil_secs(window_left),
                    started_block: false,
                };
            }
            b.blocked_until = Some(now + block);
            return Verdict::Limited {
                retry_after: ceil_secs(block),
                started_block: true,
            };
        }
        b.used += 1;
        Verdict::Allowed {
            remaining: limit - b.used,
            reset: ceil_secs(window_left),
        }
    }

    /// The standing of `key` at `now` without counting a request (for answers that never
    /// reach the limiter, such as the `Retry-After: 0` fault).
    pub fn peek(&self, key: &str, now: Instant) -> (u32, u64) {
        let fresh = (self.limit, ceil_secs(self.window));
        let Some(b) = self.buckets.get(key) else {
            return fresh;
        };
        match b.blocked_until {
            Some(until) if now < until => (0, ceil_secs(until - now)),
            Some(_) => fresh,
            None => {
                let elapsed = now.duration_since(b.start);
                if elapsed >= self.window {
                    fresh
                } else {
                    (
                        self.limit.saturating_sub(b.used),
                        ceil_secs(self.window - elapsed),
                    )
                }
            }
        }
    }

    /// Set `Ratelimit` and `Ratelimit-Policy` for a bucket standing at `(remaining, reset)`.
    pub fn set_headers(&self, headers: &mut HeaderMap, (remaining, reset): (u32, u64)) {
        let standing = format!("\"{POLICY_NAME}\";r={remaining};t={reset}");
        let policy = format!(
            "\"{POLICY_NAME}\";q={};w={}",
            self.limit,
            self.window.as_secs()
        );
        for (name, value) in [(RATELIMIT, standing), (RATELIMIT_POLICY, policy)] {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(name, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(remaining: u32, reset: u64) -> Verdict {
        Verdict::Allowed { remaining, reset }
    }

    fn limited(retry_after: u64, started_block: bool) -> Verdict {
        Verdict::Limited {
            retry_after,
            started_block,
        }
    }

    #[test]
    fn counts_down_per_key() {
        let mut r = RateLimiter::new(2, 10, 30);
        let t = Instant::now();
        assert_eq!(r.check("a", t), allowed(1, 10));
        assert_eq!(r.check("a", t + Duration::from_millis(1500)), allowed(0, 9));
        assert_eq!(r.check("b", t), allowed(1, 10));
        assert_eq!(r.peek("a", t + Duration::from_secs(2)), (0, 8));
        assert_eq!(r.peek("c", t), (2, 10));
    }

    #[test]
    fn going_over_blocks_then_a_fresh_window() {
        let mut r = RateLimiter::new(2, 10, 30);
        let t = Instant::now();
        r.check("a", t);
        r.check("a", t);
        let over = t + Duration::from_millis(500);
        assert_eq!(r.check("a", over), limited(30, true));
        // Blocked past the window's end; the block is not counted.
        let later = over + Duration::from_millis(20_500);
        assert_eq!(r.check("a", later), limited(10, false));
        assert_eq!(r.peek("a", later), (0, 10));
        // Another key is untouched.
        assert_eq!(r.check("b", later), allowed(1, 10));
        // After the block, a fresh window starts with the next request.
        let after = over + Duration::from_secs(30);
        assert_eq!(r.peek("a", after), (2, 10));
        assert_eq!(r.check("a", after), allowed(1, 10));
    }

    #[test]
    fn block_zero_refuses_until_the_window_resets() {
        let mut r = RateLimiter::new(2, 10, 0);
        let t = Instant::now();
        r.check("a", t);
        r.check("a", t);
        assert_eq!(
            r.check("a", t + Duration::from_millis(500)),
            limited(10, false)
        );
        assert_eq!(r.check("a", t + Duration::from_secs(9)), limited(1, false));
        assert_eq!(r.check("a", t + Duration::from_secs(10)), allowed(1, 10));
    }

    #[test]
    fn headers_in_the_draft_format() {
        let r = RateLimiter::new(1200, 300, 300);
        let mut h = HeaderMap::new();
        r.set_headers(&mut h, (1199, 300));
        assert_eq!(h["ratelimit"], "\"default\";r=1199;t=300");
        assert_eq!(h["ratelimit-policy"], "\"default\";q=1200;w=300");
    }
}
