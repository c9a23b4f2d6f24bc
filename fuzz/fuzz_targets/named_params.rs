//! By-name params of any shape for any operation: a request or a clear error, never a panic,
//! and never a path that escapes its template.
#![no_main]

use cloudflare_tenant::{operations, Client, Credentials};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((pick, rest)) = data.split_first() else {
        return;
    };
    let ops = operations();
    let op = &ops[usize::from(*pick) % ops.len()];
    let Ok(params) = serde_json::from_slice::<serde_json::Value>(rest) else {
        return;
    };
    let client = Client::new(Credentials::api_token("fuzz").unwrap());
    match client.request_named(op.name, params, None) {
        Ok(request) => {
            let path = request.uri().path();
            assert!(path.starts_with("/client/v4/"), "{path}");
            assert!(
                !path.contains("..") && !path.contains('%') && !path.contains("//"),
                "{path}"
            );
        }
        Err(e) => assert!(e.to_json()["kind"].is_string()),
    }
});
