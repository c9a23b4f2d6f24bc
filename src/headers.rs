//! The response headers the core reads (`cf-ray`, `Location`, `Retry-After`,
//! `retry-after-ms`, `Ratelimit` and its older `X-RateLimit-*` form), the waits a response asks
//! for, and what the server says is left of an identity's budget.

use std::time::{Duration, SystemTime};

use http::header::{HeaderMap, HeaderName, HeaderValue, LOCATION, RETRY_AFTER};
use serde_json::Value;

/// `cf-ray`: the id Cloudflare support asks for.
pub(crate) const CF_RAY: HeaderName = HeaderName::from_static("cf-ray");
/// `retry-after-ms`: the wait in milliseconds, read before `Retry-After`.
pub(crate) const RETRY_AFTER_MS: HeaderName = HeaderName::from_static("retry-after-ms");

/// `Ratelimit: "default";r=50;t=30`: requests left (`r`) and seconds to the window's reset
/// (`t`), the IETF draft format Cloudflare's API sends since September 2025.
pub(crate) const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");
/// The first form of those headers: requests left.
const X_RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
/// The first form of those headers: when the window resets (an HTTP date, or seconds).
const X_RATELIMIT_RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

/// Every response header the core reads. Lookups go by these names, not by `&str`: a `&str`
/// key runs through http's general header-name parser, which is large in the wasm build.
const READ_HEADERS: [HeaderName; 7] = [
    CF_RAY,
    LOCATION,
    RETRY_AFTER,
    RETRY_AFTER_MS,
    RATELIMIT,
    X_RATELIMIT_REMAINING,
    X_RATELIMIT_RESET,
];

/// The response headers the core reads, from every `(name, value)` pair a host received.
///
/// Bindings hand over all the headers they got; the map keeps only the ones the core reads
/// (`cf-ray`, `location`, `retry-after`, `retry-after-ms`, `ratelimit`, `x-ratelimit-remaining`,
/// `x-ratelimit-reset`), their names matched case-insensitively, in
/// order when a name repeats. Matching against those few names avoids http's general header
/// parser, which is large in the wasm build. A pair whose value is not a valid header value
/// (CR, LF, NUL) cannot come from a real response and is skipped.
pub fn response_headers<N, V>(pairs: impl IntoIterator<Item = (N, V)>) -> HeaderMap
where
    N: AsRef<[u8]>,
    V: AsRef<[u8]>,
{
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        let name = name.as_ref();
        let Some(known) = READ_HEADERS
            .into_iter()
            .find(|known| known.as_str().as_bytes().eq_ignore_ascii_case(name))
        else {
            continue;
        };
        if let Ok(value) = HeaderValue::from_bytes(value.as_ref()) {
            map.append(known, value);
        }
    }
    map
}

/// A header the core reads, as trimmed text; `None` when absent or not visible ASCII.
pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The wait a response asks for: the first that is more than zero of `retry-after-ms`,
/// `Retry-After` (seconds, or an HTTP date when `now` is known) and the body's `retry_after`.
/// A zero wait, a date in the past and unreadable, negative or NaN values ask for nothing: the
/// caller backs off as usual rather than resending at once. Waits are read whole, however long
/// (saturating at about 136 years), so that a caller can refuse them and say what was asked.
pub fn retry_after(headers: &HeaderMap, body: &[u8], now: Option<SystemTime>) -> Option<Duration> {
    let header = |name: &HeaderName| header_str(headers, name);
    let in_ms = || header(&RETRY_AFTER_MS).and_then(|v| decimal(v, MILLISECOND));
    let in_header = || {
        let value = header(&RETRY_AFTER)?;
        decimal(value, SECOND).or_else(|| {
            let at = http_date(value)?;
            Some(
                at.duration_since(now?)
                    .unwrap_or(Duration::ZERO)
                    .min(LONGEST),
            )
        })
    };
    [in_ms(), in_header(), body_retry_after(body)]
        .into_iter()
        .flatten()
        .find(|wait| !wait.is_zero())
}

/// The longest wait read; longer ones saturate here (about 136 years).
const LONGEST: Duration = Duration::from_secs(u32::MAX as u64);
const SECOND: u64 = 1_000_000_000;
const MILLISECOND: u64 = 1_000_000;

/// A wait written as a decimal number of `unit`s (in nanoseconds): digits with an optional
/// fraction (`7`, `2.5`, `.5`), no sign or exponent; saturating at [`LONGEST`]. Read with
/// integers, not `str::parse::<f64>`; digits past the nanosecond are dropped.
fn decimal(text: &str, unit: u64) -> Option<Duration> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.len() + fraction.len() == 0 || !digits(whole) || !digits(fraction) {
        return None;
    }
    let longest = LONGEST.as_secs() * SECOND;
    let mut nanos: u64 = 0;
    for b in whole.bytes() {
        let digit = u64::from(b - b'0') * unit;
        nanos = nanos.saturating_mul(10).saturating_add(digit).min(longest);
    }
    let mut scale = unit;
    for b in fraction.bytes() {
        scale /= 10;
        nanos = nanos
            .saturating_add(u64::from(b - b'0') * scale)
            .min(longest);
    }
    Some(Duration::from_nanos(nanos))
}

/// What the server says is left of the budget of the identity that sent a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerBudget {
    /// Requests it still takes before the reset.
    pub remaining: u32,
    /// How long until the window resets.
    pub reset: Duration,
}

/// The budget a response reports: `Ratelimit` (a list of items such as
/// `"default";r=50;t=30`; the item with the fewest requests left counts), else the older
/// `X-RateLimit-Remaining` with `X-RateLimit-Reset` (an HTTP date when `now` is known, or
/// seconds). Read leniently: anything unreadable is no report, never an error.
pub fn server_budget(headers: &HeaderMap, now: Option<SystemTime>) -> Option<ServerBudget> {
    let from_draft = headers
        .get_all(RATELIMIT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(ratelimit_item)
        .min_by_key(|budget| budget.remaining);
    from_draft.or_else(|| {
        let remaining = header_str(headers, &X_RATELIMIT_REMAINING)?.parse().ok()?;
        let reset = header_str(headers, &X_RATELIMIT_RESET)?;
        let reset = match (decimal(reset, SECOND), now) {
            (Some(seconds), _) => seconds,
            (None, Some(now)) => http_date(reset)?.duration_since(now).unwrap_or_default(),
            (None, None) => return None,
        };
        Some(ServerBudget { remaining, reset })
    })
}

/// One item of `Ratelimit`: `"name";r=<remaining>;t=<seconds>`, in any parameter order.
fn ratelimit_item(item: &str) -> Option<ServerBudget> {
    let (mut remaining, mut reset) = (None, None);
    for parameter in item.split(';').skip(1) {
        match parameter.trim().split_once('=')? {
            ("r", value) => remaining = value.trim().parse().ok(),
            ("t", value) => reset = decimal(value.trim(), SECOND),
            _ => {}
        }
    }
    Some(ServerBudget {
        remaining: remaining?,
        reset: reset?,
    })
}

/// A time written as an HTTP date (RFC 9110, section 5.6.7) in any of its three forms, read
/// by the `httpdate` crate.
fn http_date(text: &str) -> Option<SystemTime> {
    httpdate::parse_http_date(text.trim()).ok()
}

/// The top-level `retry_after` of a JSON body, in seconds.
fn body_retry_after(body: &[u8]) -> Option<Duration> {
    // From text, as every other reading here: each serde_json reader is its own parser copy.
    let text = std::str::from_utf8(body).ok()?;
    let Value::Object(fields) = serde_json::from_str(text).ok()? else {
        return None;
    };
    match fields.get("retry_after")? {
        Value::Number(n) => {
            let seconds = n.as_f64()?;
            Duration::try_from_secs_f64(seconds.min(LONGEST.as_secs_f64())).ok()
        }
        Value::String(s) => decimal(s.trim(), SECOND),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values<'a>(map: &'a HeaderMap, name: &HeaderName) -> Vec<&'a str> {
        map.get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect()
    }

    #[test]
    fn response_headers_match_names_case_insensitively() {
        let map = response_headers([
            ("CF-Ray", "8a1b2c3d4e5f6a7b-SJC"),
            ("Retry-After", "3"),
            ("RETRY-AFTER-MS", "2500"),
        ]);
        assert_eq!(values(&map, &CF_RAY), ["8a1b2c3d4e5f6a7b-SJC"]);
        assert_eq!(values(&map, &RETRY_AFTER), ["3"]);
        assert_eq!(values(&map, &RETRY_AFTER_MS), ["2500"]);
        assert_eq!(map.len(), 3);
        // What the core reads from them.
        assert_eq!(header_str(&map, &CF_RAY), Some("8a1b2c3d4e5f6a7b-SJC"));
        assert_eq!(
            retry_after(&map, b"", None),
            Some(Duration::from_millis(2500))
        );
    }

    #[test]
    fn names_parsed_by_http_are_found_by_the_constants() {
        let response = http::Response::builder()
            .header("CF-Ray", "r")
            .header("Retry-After", "1")
            .header("Retry-After-Ms", "2")
            .body(())
            .unwrap();
        let headers = response.headers();
        assert_eq!(header_str(headers, &CF_RAY), Some("r"));
        assert_eq!(header_str(headers, &RETRY_AFTER), Some("1"));
        assert_eq!(header_str(headers, &RETRY_AFTER_MS), Some("2"));
    }

    #[test]
    fn response_headers_drop_names_the_core_does_not_read() {
        let map = response_headers([
            ("content-type", "application/json"),
            ("x-cf-ray", "no"),
            ("cf-ray-extra", "no"),
            ("retry-after-s", "no"),
            ("bad name", "no"),
            ("", "no"),
            ("cf-ray", "kept"),
        ]);
        assert_eq!(map.len(), 1);
        assert_eq!(values(&map, &CF_RAY), ["kept"]);
        assert!(response_headers(Vec::<(&str, &str)>::new()).is_empty());
    }

    #[test]
    fn response_headers_keep_repeated_names_in_order() {
        let map = response_headers([
            ("retry-after", "1"),
            ("cf-ray", "a"),
            ("Retry-After", "2"),
            ("RETRY-AFTER", "3"),
        ]);
        assert_eq!(values(&map, &RETRY_AFTER), ["1", "2", "3"]);
        assert_eq!(values(&map, &CF_RAY), ["a"]);
    }

    #[test]
    fn response_headers_skip_invalid_values() {
        let map = response_headers([
            ("retry-after", "1\r\nx-injected: yes"),
            ("retry-after", "2\n"),
            ("cf-ray", "nul\0"),
            ("retry-after", "4"),
        ]);
        assert_eq!(values(&map, &RETRY_AFTER), ["4"]);
        assert!(map.get(&CF_RAY).is_none());
    }

    #[test]
    fn response_headers_take_bytes_and_owned_strings() {
        // obs-text is a valid header value, though not text the core reads.
        let map = response_headers([
            (b"cf-ray".to_vec(), b"\xff".to_vec()),
            (b"Retry-After".to_vec(), b"5".to_vec()),
        ]);
        assert_eq!(map.get(&CF_RAY).unwrap().as_bytes(), b"\xff");
        assert_eq!(header_str(&map, &CF_RAY), None);
        let owned = response_headers([(String::from("retry-after-ms"), 7.to_string())]);
        assert_eq!(values(&owned, &RETRY_AFTER_MS), ["7"]);
    }
}
