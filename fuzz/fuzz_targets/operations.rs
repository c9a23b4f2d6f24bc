//! Every operation's parse: the first byte picks the operation, the rest is the `result`
//! inside a successful envelope (and, raw, a whole body). The by-name check (a one-pass scanner
//! with a serde fallback) must give the same verdict, and the same error, as the typed parse.
#![no_main]

use cloudflare_tenant::http::HeaderMap;
use cloudflare_tenant::{check_response_named, parse_response, parse_response_named, Operation};
use libfuzzer_sys::fuzz_target;

type Typed = fn(&[u8]) -> Result<(), String>;

fn typed<O: Operation>(body: &[u8]) -> Result<(), String> {
    parse_response::<O>(200, &HeaderMap::new(), body)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

macro_rules! typed_parsers {
    ($($op:ty $(: $paged:ident)?),* $(,)?) => {
        [$((<$op as Operation>::NAME, typed::<$op> as Typed)),*]
    };
}

const OPERATIONS: &[(&str, Typed)] = &cloudflare_tenant::for_each_operation!(typed_parsers);

fn agree(name: &str, typed: Typed, body: &[u8]) {
    let headers = HeaderMap::new();
    let checked = check_response_named(name, 200, &headers, body).map_err(|e| e.to_string());
    assert_eq!(
        checked.as_ref().map(|_| ()),
        typed(body).as_ref().map(|_| ()),
        "{name}"
    );
    if checked.is_ok() {
        // What the check accepts, serde reads: the hosts' parsers will too.
        let parsed = parse_response_named(name, 200, &headers, body).unwrap();
        serde_json::to_vec(&parsed).unwrap();
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((pick, rest)) = data.split_first() else {
        return;
    };
    let (name, typed) = OPERATIONS[usize::from(*pick) % OPERATIONS.len()];
    agree(name, typed, rest);
    let mut body = br#"{"success":true,"errors":[],"messages":[],"result":"#.to_vec();
    body.extend_from_slice(rest);
    body.push(b'}');
    agree(name, typed, &body);
});
