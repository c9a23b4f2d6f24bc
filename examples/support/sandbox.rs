//! The bundled sandbox, as the fault and bulk runs use it: its tenant administrator's client,
//! its first tenant unit, and its inspection routes (`/__sandbox/...`, not part of the API).

use cloudflare_tenant::{Client, Credentials};
use serde_json::Value;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The sandbox that `scripts/with-sandbox.sh` started.
pub struct Sandbox {
    base: String,
    agent: ureq::Agent,
}

impl Sandbox {
    /// The sandbox at `CLOUDFLARE_TENANT_SANDBOX_URL`.
    pub fn from_env() -> Result<Self> {
        let base = std::env::var("CLOUDFLARE_TENANT_SANDBOX_URL")
            .map_err(|_| "run under scripts/with-sandbox.sh")?;
        let agent = ureq::Agent::new_with_defaults();
        Ok(Sandbox { base, agent })
    }

    /// The JSON at one of the sandbox's own routes (`/__sandbox/state`).
    pub fn inspect(&self, path: &str) -> Result<Value> {
        let mut response = self.agent.get(format!("{}{path}", self.base)).call()?;
        Ok(serde_json::from_slice(&response.body_mut().read_to_vec()?)?)
    }

    /// The `unit_tag` of the first tenant's first unit: where new accounts go.
    pub fn unit(&self) -> Result<String> {
        let state = self.inspect("/__sandbox/state")?;
        let unit = state["tenants"][0]["units"][0]["unit_tag"].as_str();
        Ok(unit.ok_or("the sandbox has no unit")?.to_owned())
    }

    /// A client of the sandbox's API, signed as its documented tenant administrator.
    pub fn partner(&self) -> Result<Client> {
        let admin = Credentials::global_key("admin@tenant.example", "sandbox-global-key")?;
        Ok(Client::new(admin).with_base_url(format!("{}/client/v4", self.base))?)
    }
}
