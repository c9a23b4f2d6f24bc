//! Per-credential rate limit (the real API allows 1,200 requests per 5 minutes per user).
//!
//! A fixed window per bucket: simple to reason about in tests, and a client that honours
//! `Retry-After` behaves the same against a fixed or a sliding window.

use std::collections::HashMap;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    buckets: HashMap<String, (Instant, u32)>,
}

impl RateLimiter {
    pub fn new(limit: u32, window_secs: u64) -> Self {
        RateLimiter {
            limit,
            window: Duration::from_secs(window_secs),
            buckets: HashMap::new(),
        }
    }

    /// Count one request for `key`. `Err(seconds)` when over the limit: how long until the
    /// window resets (at least 1).
    pub fn check(&mut self, key: &str, now: Instant) -> Result<(), u64> {
        let window = self.window;
        let entry = self.buckets.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            let left = window.saturating_sub(now.duration_since(entry.0));
            let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            return Err(secs.max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_key_and_resets() {
        let mut r = RateLimiter::new(2, 10);
        let t = Instant::now();
        assert!(r.check("a", t).is_ok());
        assert!(r.check("a", t).is_ok());
        assert_eq!(r.check("a", t + Duration::from_millis(500)), Err(10));
        assert!(r.check("b", t).is_ok());
        assert!(r.check("a", t + Duration::from_secs(10)).is_ok());
    }
}
