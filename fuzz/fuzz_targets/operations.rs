//! Every operation's parse: the first byte picks the operation, the rest is the `result`
//! inside a successful envelope (and, raw, a whole body).
#![no_main]

use cloudflare_tenant::http::HeaderMap;
use cloudflare_tenant::{operations, parse_response_named};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((pick, rest)) = data.split_first() else { return };
    let ops = operations();
    let op = &ops[usize::from(*pick) % ops.len()];
    let headers = HeaderMap::new();
    let _ = parse_response_named(op.name, 200, &headers, rest);
    let mut body = br#"{"success":true,"errors":[],"messages":[],"result":"#.to_vec();
    body.extend_from_slice(rest);
    body.push(b'}');
    if let Ok(parsed) = parse_response_named(op.name, 200, &headers, &body) {
        // What comes out serializes again.
        serde_json::to_vec(&parsed).unwrap();
    }
});
