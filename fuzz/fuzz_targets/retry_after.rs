//! Retry-After headers and bodies of any shape: never a panic; a wait asked for is more than
//! zero and at most about 136 years; the retry rules never resend at once, nor wait past the cap.
#![no_main]

use std::time::{Duration, SystemTime};

use cloudflare_tenant::http::{HeaderMap, HeaderValue, Method};
use cloudflare_tenant::{retry_after, Attempt, Next, Retry, RetryPolicy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let (header, body) = data.split_at(split);
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_bytes(header) {
        headers.insert("retry-after", value.clone());
        if header.first() == Some(&b'm') {
            headers.insert("retry-after-ms", value);
        }
    }
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    if let Some(wait) = retry_after(&headers, body, Some(now)) {
        assert!(wait > Duration::ZERO, "{wait:?}");
        assert!(wait <= Duration::from_secs(u64::from(u32::MAX)), "{wait:?}");
    }
    for method in [Method::GET, Method::POST] {
        let mut retry = Retry::new(RetryPolicy::default(), "accounts.list", method);
        let attempt = Attempt::Response {
            status: 429,
            headers: &headers,
            body,
        };
        if let Next::Wait(wait) = retry.after(attempt, now, 0.5) {
            assert!(wait > Duration::ZERO, "an immediate resend");
            assert!(
                wait <= RetryPolicy::default()
                    .max_retry_after
                    .max(RetryPolicy::default().max_backoff)
            );
        }
    }
});
