//! Test harness: start the sandbox binary, talk to it over HTTP, remember every exchange.
#![allow(dead_code)]

use std::cell::RefCell;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

pub const ADMIN_TOKEN: &str = "sandbox-token";
pub const ADMIN_EMAIL: &str = "admin@tenant.example";
pub const ADMIN_GLOBAL_KEY: &str = "sandbox-global-key";
pub const ADMIN_SERVICE_KEY: &str = "sandbox-service-key";
pub const PLAIN_TOKEN: &str = "sandbox-plain-token";
pub const ADMINISTRATOR_ROLE: &str = "05784afa30c1afe1440e79d9351c7430";

/// A running sandbox, killed when dropped.
pub struct Sandbox {
    child: Child,
    pub base: String,
}

impl Sandbox {
    /// Start with `--port 0 --seed 1` plus `extra` flags and wait for the `listening on` line.
    pub fn start(extra: &[&str]) -> Sandbox {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cloudflare-tenant-sandbox"))
            .args(["--port", "0", "--seed", "1"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the sandbox");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the first line");
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        Sandbox { child, base }
    }

    pub fn client(&self, auth: Auth) -> Client {
        Client::new(&self.base, auth)
    }

    pub fn admin(&self) -> Client {
        self.client(Auth::Bearer(ADMIN_TOKEN.into()))
    }

    pub fn plain(&self) -> Client {
        self.client(Auth::Bearer(PLAIN_TOKEN.into()))
    }

    /// `GET /__sandbox/state`.
    pub fn state(&self) -> Value {
        let c = self.client(Auth::None);
        let r = c
            .raw("GET", &format!("{}/__sandbox/state", self.base), None)
            .unwrap();
        assert_eq!(r.status, 200);
        r.json()
    }

    /// `GET /__sandbox/requests`: the request log, `{"requests": [...], "total": n}`.
    pub fn requests(&self) -> Value {
        let c = self.client(Auth::None);
        let r = c
            .raw("GET", &format!("{}/__sandbox/requests", self.base), None)
            .unwrap();
        assert_eq!(r.status, 200);
        r.json()
    }

    /// `POST /__sandbox/reset`.
    pub fn reset(&self) {
        let c = self.client(Auth::None);
        let r = c
            .raw("POST", &format!("{}/__sandbox/reset", self.base), None)
            .unwrap();
        assert_eq!(r.status, 200);
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug, Clone)]
pub enum Auth {
    None,
    Bearer(String),
    EmailKey(String, String),
    ServiceKey(String),
}

#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn result(&self) -> Value {
        self.json()["result"].clone()
    }

    /// The first error code of an error envelope.
    pub fn code(&self) -> u64 {
        self.json()["errors"][0]["code"].as_u64().unwrap_or(0)
    }
}

/// One request and its answer, as the conformance test needs it.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    /// Path relative to `/client/v4`, without the query.
    pub path: String,
    pub resp: Resp,
}

pub struct Client {
    agent: ureq::Agent,
    base: String,
    pub auth: Auth,
    /// Sent with every request (e.g. `Idempotency-Key`).
    pub headers: Vec<(String, String)>,
    pub log: RefCell<Vec<Exchange>>,
}

impl Client {
    pub fn new(base: &str, auth: Auth) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .build()
            .into();
        Client {
            agent,
            base: base.to_string(),
            auth,
            headers: Vec::new(),
            log: RefCell::new(Vec::new()),
        }
    }

    pub fn with_auth(&self, auth: Auth) -> Client {
        Client::new(&self.base, auth)
    }

    /// The same credentials plus one more header on every request.
    pub fn with_header(&self, name: &str, value: &str) -> Client {
        let mut c = Client::new(&self.base, self.auth.clone());
        c.headers = self.headers.clone();
        c.headers.push((name.to_string(), value.to_string()));
        c
    }

    pub fn get(&self, path: &str) -> Resp {
        self.call("GET", path, None)
    }

    pub fn post(&self, path: &str, body: &Value) -> Resp {
        self.call("POST", path, Some(body.to_string()))
    }

    pub fn put(&self, path: &str, body: &Value) -> Resp {
        self.call("PUT", path, Some(body.to_string()))
    }

    pub fn patch(&self, path: &str, body: &Value) -> Resp {
        self.call("PATCH", path, Some(body.to_string()))
    }

    pub fn delete(&self, path: &str, body: Option<&Value>) -> Resp {
        self.call("DELETE", path, body.map(Value::to_string))
    }

    /// A request under `/client/v4`; panics on a transport error.
    pub fn call(&self, method: &str, path: &str, body: Option<String>) -> Resp {
        self.try_call(method, path, body)
            .unwrap_or_else(|e| panic!("{method} {path}: transport error {e}"))
    }

    pub fn try_call(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> Result<Resp, ureq::Error> {
        let url = format!("{}/client/v4{}", self.base, path);
        let resp = self.raw(method, &url, body)?;
        self.log.borrow_mut().push(Exchange {
            method: method.to_string(),
            path: path.split('?').next().unwrap_or(path).to_string(),
            resp: resp.clone(),
        });
        Ok(resp)
    }

    pub fn raw(&self, method: &str, url: &str, body: Option<String>) -> Result<Resp, ureq::Error> {
        let mut headers: Vec<(&str, String)> = Vec::new();
        match &self.auth {
            Auth::None => {}
            Auth::Bearer(t) => headers.push(("authorization", format!("Bearer {t}"))),
            Auth::EmailKey(e, k) => {
                headers.push(("x-auth-email", e.clone()));
                headers.push(("x-auth-key", k.clone()));
            }
            Auth::ServiceKey(k) => headers.push(("x-auth-user-service-key", k.clone())),
        }
        for (k, v) in &self.headers {
            headers.push((k.as_str(), v.clone()));
        }
        let result = match (method, body) {
            ("GET", _) => {
                let mut r = self.agent.get(url);
                for (k, v) in &headers {
                    r = r.header(*k, v);
                }
                r.call()
            }
            (m, body) => {
                let mut r = match m {
                    "POST" => self.agent.post(url),
                    "PUT" => self.agent.put(url),
                    "PATCH" => self.agent.patch(url),
                    "DELETE" => self.agent.delete(url).force_send_body(),
                    other => panic!("unsupported method {other}"),
                };
                for (k, v) in &headers {
                    r = r.header(*k, v);
                }
                match body {
                    Some(b) => r
                        .header("content-type", "application/json")
                        .send(b.as_bytes()),
                    None => r.send_empty(),
                }
            }
        };
        let mut resp = result?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = resp.body_mut().read_to_string()?;
        Ok(Resp {
            status,
            headers,
            body,
        })
    }
}

/// Create an account as the admin and return its id.
pub fn create_account(c: &Client, name: &str) -> String {
    let r = c.post("/accounts", &serde_json::json!({"name": name}));
    assert_eq!(r.status, 200, "{}", r.body);
    r.result()["id"].as_str().unwrap().to_string()
}

/// The admin's tenant tag and unit tags, from the API.
pub fn tenant_and_units(c: &Client) -> (String, Vec<String>) {
    let r = c.get("/user/tenants");
    assert_eq!(r.status, 200, "{}", r.body);
    let tag = r.result()[0]["id"].as_str().unwrap().to_string();
    let t = c.get(&format!("/tenants/{tag}"));
    assert_eq!(t.status, 200, "{}", t.body);
    let units = t.result()["tenant_units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["unit_tag"].as_str().unwrap().to_string())
        .collect();
    (tag, units)
}

pub fn is_hex32(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Create an account-owned token in `account` with `groups` (names from
/// `/tokens/permission_groups`) on the whole account; returns (id, value).
pub fn create_token(c: &Client, account: &str, name: &str, groups: &[&str]) -> (String, String) {
    let catalogue = c.get(&format!("/accounts/{account}/tokens/permission_groups"));
    assert_eq!(catalogue.status, 200, "{}", catalogue.body);
    let ids: Vec<Value> = groups
        .iter()
        .map(|g| {
            let found = catalogue
                .result()
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["name"] == *g)
                .unwrap_or_else(|| panic!("no token permission group {g}"))["id"]
                .clone();
            serde_json::json!({"id": found})
        })
        .collect();
    let r = c.post(
        &format!("/accounts/{account}/tokens"),
        &serde_json::json!({
            "name": name,
            "policies": [{
                "effect": "allow",
                "permission_groups": ids,
                "resources": {format!("com.cloudflare.api.account.{account}"): "*"},
            }],
        }),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let t = r.result();
    (
        t["id"].as_str().unwrap().to_string(),
        t["value"].as_str().unwrap().to_string(),
    )
}

/// Assert an error envelope: status, code, `success: false`, `result: null`.
#[track_caller]
pub fn assert_error(r: &Resp, status: u16, code: u64) {
    assert_eq!(r.status, status, "{}", r.body);
    let v = r.json();
    assert_eq!(v["success"], false, "{}", r.body);
    assert_eq!(v["errors"][0]["code"].as_u64(), Some(code), "{}", r.body);
    assert!(v["errors"][0]["message"].is_string(), "{}", r.body);
    assert_eq!(v["messages"], serde_json::json!([]), "{}", r.body);
}
