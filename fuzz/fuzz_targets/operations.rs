//! Every operation's parse: the first byte picks the operation, the rest is the `result`
//! inside a successful envelope (and, raw, a whole body). The by-name check (the body's one
//! reading, which checks the result against its shape) must give the same verdict as the typed
//! parse; and where the rest is one JSON value, the same verdict as serde alone building the
//! operation's result type from it, an oracle that shares no code with the reading.
#![no_main]

use cloudflare_tenant::http::HeaderMap;
use cloudflare_tenant::{check_response_named, parse_response, parse_response_named, Operation};
use libfuzzer_sys::fuzz_target;

type Typed = fn(&[u8]) -> Result<(), String>;
type SerdeOnly = fn(&[u8]) -> bool;

fn typed<O: Operation>(body: &[u8]) -> Result<(), String> {
    parse_response::<O>(200, &HeaderMap::new(), body)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// serde alone: the operation's result type built from `result`.
fn serde_only<O: Operation>(result: &[u8]) -> bool {
    serde_json::from_slice::<O::Output>(result).is_ok()
}

macro_rules! typed_parsers {
    ($($op:ty $(: $paged:ident)?),* $(,)?) => {
        [$((<$op as Operation>::NAME, typed::<$op> as Typed, serde_only::<$op> as SerdeOnly)),*]
    };
}

const OPERATIONS: &[(&str, Typed, SerdeOnly)] =
    &cloudflare_tenant::for_each_operation!(typed_parsers);

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
    let (name, typed, serde_only) = OPERATIONS[usize::from(*pick) % OPERATIONS.len()];
    agree(name, typed, rest);
    let mut body = br#"{"success":true,"errors":[],"messages":[],"result":"#.to_vec();
    body.extend_from_slice(rest);
    body.push(b'}');
    agree(name, typed, &body);
    // Skipping checks nothing but where the value ends: then `rest` is exactly the result.
    if serde_json::from_slice::<serde::de::IgnoredAny>(rest).is_ok() {
        let checked = check_response_named(name, 200, &HeaderMap::new(), &body);
        assert_eq!(checked.is_ok(), serde_only(rest), "{name}: serde alone");
    }
});
