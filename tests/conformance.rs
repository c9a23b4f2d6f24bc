//! Every request the core builds is checked against Cloudflare's official OpenAPI document by
//! Prism, a spec-driven mock server that answers 422 (with `sl-violations`) to a request that
//! breaks the spec. The sample params are the fixture corpus's request cases.
//!
//! Needs Prism from `tools/` (`npm ci --prefix tools`); `make conformance` installs it and runs
//! this test.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cloudflare_tenant::{operations, Client, Credentials};
use serde_json::Value;

/// How the official document describes `method` on `path` (placeholders compared by
/// position: the document names some of them differently). Operations it leaves out, such as
/// `POST /users`, have no schema to be checked against.
fn in_spec<'a>(spec: &'a Value, method: &str, path: &str) -> Option<&'a Value> {
    let shape = |p: &str| {
        p.split('/')
            .map(|s| if s.starts_with('{') { "{}" } else { s })
            .collect::<Vec<_>>()
            .join("/")
    };
    spec["paths"]
        .as_object()?
        .iter()
        .find_map(|(template, item)| {
            (shape(template) == shape(path))
                .then(|| item.get(method.to_lowercase()))
                .flatten()
        })
}

/// The credentials the document takes for an operation: the e-mail and global key, as the
/// tenant docs authenticate, wherever it takes them; else an API token (account-owned tokens'
/// endpoints take nothing else).
fn credentials_for(spec: &Value, described: &Value) -> Credentials {
    let security = described.get("security").unwrap_or(&spec["security"]);
    let global_key = security
        .as_array()
        .is_some_and(|ways| ways.iter().any(|way| way.get("api_key").is_some()));
    if global_key {
        Credentials::global_key("partner@example.com", "conformance-key").unwrap()
    } else {
        Credentials::api_token("conformance-token").unwrap()
    }
}

/// Where the official document is known to disagree with the API, and we follow the API.
/// A request Prism refuses passes only if every violation it reports is listed here for its
/// operation; anything else fails the test.
const SPEC_DEFECTS: &[(&str, &str, &str)] = &[
    (
        "accounts.members.create",
        "must have required property 'id'",
        "the spec marks a policy's id required and read-only; a new policy has no id",
    ),
    (
        "accounts.members.create",
        "must have required property 'roles'",
        "anyOf: the roles branch's complaint about a policies request",
    ),
    (
        "accounts.members.create",
        "must match a schema in anyOf",
        "follows from the two above",
    ),
    (
        "accounts.members.update",
        "must have required property 'name'",
        "the spec wants whole role objects; the API takes [{\"id\"}] (API notes)",
    ),
    (
        "accounts.members.update",
        "must have required property 'description'",
        "as above",
    ),
    (
        "accounts.members.update",
        "must have required property 'permissions'",
        "as above",
    ),
    (
        "accounts.members.update",
        "must have required property 'policies'",
        "anyOf: the policies branch's complaint about a roles request",
    ),
    (
        "accounts.members.update",
        "must have required property 'roles'",
        "anyOf: the roles branch's complaint about a policies request",
    ),
    (
        "accounts.members.update",
        "must have required property 'id'",
        "the spec marks a policy's id required and read-only; a new policy has no id",
    ),
    (
        "accounts.members.update",
        "must match a schema in anyOf",
        "follows from the above",
    ),
    (
        "accounts.members.delete",
        "request included a non-empty body",
        "the spec has no body for this DELETE; the API expects {} (API notes)",
    ),
];

/// True when every violation Prism reported is a listed defect of this operation.
fn only_known_defects(operation: &str, violations: &str) -> bool {
    let Ok(serde_json::Value::Array(list)) = serde_json::from_str::<Value>(violations) else {
        return false;
    };
    !list.is_empty()
        && list.iter().all(|v| {
            let message = v["message"].as_str().unwrap_or("");
            SPEC_DEFECTS
                .iter()
                .any(|(op, pattern, _)| *op == operation && message.contains(pattern))
        })
}

struct Prism(Child);

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn start_prism() -> (Prism, String) {
    let prism = root().join("tools/node_modules/.bin/prism");
    assert!(
        prism.exists(),
        "Prism is not installed: run `npm ci --prefix tools`"
    );
    let spec = spec_path();
    assert!(
        spec.exists(),
        "the official spec is expected at {}",
        spec.display()
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(prism)
        .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
        .arg(&spec)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start Prism");
    let stdout = child.stdout.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut lines = BufReader::new(stdout).lines();
    loop {
        assert!(Instant::now() < deadline, "Prism did not start within 60 s");
        match lines.next() {
            Some(Ok(line)) if line.contains("Prism is listening") => break,
            Some(_) => continue,
            None => panic!("Prism exited before it listened"),
        }
    }
    // Keep draining Prism's log so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (Prism(child), format!("http://127.0.0.1:{port}"))
}

fn sample_cases(operation: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(operation)
        .join("requests.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match serde_json::from_str(&text).unwrap() {
        Value::Array(cases) => cases,
        _ => panic!("{}: not an array", path.display()),
    }
}

#[test]
#[ignore = "needs Prism: run `make conformance`"]
fn every_request_conforms_to_the_official_spec() {
    let (_prism, base_url) = start_prism();
    let client = Client::default().with_base_url(&base_url).unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let (mut sent, mut refused, mut known) = (0, Vec::new(), 0);
    let document: Value =
        serde_json::from_str(&std::fs::read_to_string(spec_path()).unwrap()).unwrap();
    let (described, left_out): (Vec<_>, Vec<_>) = operations()
        .iter()
        .map(|op| (op, in_spec(&document, op.method.as_str(), op.params.path)))
        .partition(|(_, described)| described.is_some());
    let left_out: Vec<_> = left_out.iter().map(|(op, _)| op.name).collect();
    println!("not in the official document, so not checked: {left_out:?}");
    for (op, described) in described {
        let credentials = credentials_for(&document, described.unwrap_or(&Value::Null));
        for case in sample_cases(op.name) {
            let request = client
                .request_named(op.name, case["params"].clone(), Some(&credentials))
                .unwrap_or_else(|e| panic!("{} / {}: {e}", op.name, case["name"]));
            let (method, uri) = (request.method().clone(), request.uri().clone());
            let response = agent
                .run(request)
                .unwrap_or_else(|e| panic!("{method} {uri}: {e}"));
            sent += 1;
            let status = response.status().as_u16();
            if (400..500).contains(&status) {
                let violations = response
                    .headers()
                    .get("sl-violations")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                if only_known_defects(op.name, &violations) {
                    known += 1;
                    continue;
                }
                refused.push(format!(
                    "{} / {}: {method} {uri} -> {status} {violations}",
                    op.name, case["name"]
                ));
            }
        }
    }
    println!(
        "{sent} requests sent to Prism: {} accepted, {known} refused only for known spec defects, {} refused",
        sent - known - refused.len(),
        refused.len()
    );
    assert!(
        refused.is_empty(),
        "requests the spec refuses:\n{}",
        refused.join("\n")
    );
    assert!(sent >= 27, "only {sent} requests were checked");
}

fn spec_path() -> PathBuf {
    root().join("../shared/spec/cloudflare-api.openapi.json")
}
