//! Any bytes, any status, as the response of a typical operation: the envelope parser must
//! never panic, and an error must always name the operation.
#![no_main]

use cloudflare_tenant::http::HeaderMap;
use cloudflare_tenant::parse_response_named;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data.split_first() {
        Some((s, rest)) => (200 + u16::from(*s) * 2, rest),
        None => (200, data),
    };
    if let Err(e) = parse_response_named("accounts.get", status, &HeaderMap::new(), body) {
        assert_eq!(e.operation(), Some("accounts.get"));
        let _ = e.to_json();
    }
});
