//! Onboards one customer the way Cloudflare's tenant documents describe, with `ureq` as the
//! transport: find the tenant's units, create an account on a unit with KYC fields, resolve the
//! Administrator role by name, invite the customer's admin, create a service user for the
//! customer, act as that user to accept its invitation, then list the tenant's accounts page
//! by page: with the typed `Paginator`, then again through the core's `List` machine run by the
//! examples' driver (`support/driver.rs`), as the JS and Python clients run it.
//!
//! ```text
//! cargo run --example onboard -- --base-url http://127.0.0.1:PORT/client/v4   # the sandbox
//! cargo run --example onboard -- --live   # the real API, with CLOUDFLARE_API_TOKEN or
//!                                         # CLOUDFLARE_EMAIL + CLOUDFLARE_API_KEY set
//! ```
//!
//! Without `--live` it never talks to the real API.

use std::error::Error as StdError;
use std::process::ExitCode;

use cloudflare_tenant::api::accounts::CreateAccount;
use cloudflare_tenant::api::members::CreateMember;
use cloudflare_tenant::api::memberships::{ListMemberships, UpdateMembership};
use cloudflare_tenant::api::roles::ListRoles;
use cloudflare_tenant::api::tenants::{GetTenant, ListTenantAccounts};
use cloudflare_tenant::api::user::ListUserTenants;
use cloudflare_tenant::api::users::CreateUser;
use cloudflare_tenant::api::{MemberStatus, Paginated};
use cloudflare_tenant::host::Machine;
use cloudflare_tenant::machines::Pacers;
use cloudflare_tenant::{ApiResponse, Client, Credentials, Operation, Paginator, RetryPolicy};

#[path = "support/driver.rs"]
mod driver;
#[path = "support/transport.rs"]
mod transport;

use driver::Driver;
use transport::{Outcome, Transport};

type Result<T> = std::result::Result<T, Box<dyn StdError>>;

/// Who to onboard: enough customers that the tenant's account list takes two pages.
const CUSTOMERS: [&str; 6] = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark"];

/// The sandbox's documented tenant admin.
const SANDBOX_EMAIL: &str = "admin@tenant.example";
const SANDBOX_KEY: &str = "sandbox-global-key";

/// Sends requests built by the core and hands the responses back to it.
struct Api {
    transport: Transport,
    client: Client,
}

impl Api {
    fn send<O: Operation>(
        &self,
        op: &O,
        as_user: Option<&Credentials>,
    ) -> Result<ApiResponse<O::Output>> {
        let request = match as_user {
            Some(credentials) => self.client.request_as(op, credentials)?,
            None => self.client.request(op)?,
        };
        match self.transport.send(request) {
            Outcome::Response(response) => Ok(self.client.response::<O>(&response)?),
            Outcome::NotSent(e) | Outcome::NoResponse(e) => Err(format!("{}: {e}", O::NAME).into()),
        }
    }

    /// Every item of every page.
    fn all<O: Paginated>(&self, first: O) -> Result<Vec<O::Item>> {
        let mut pages = Paginator::new(first);
        let mut items = Vec::new();
        while let Some(op) = pages.next_request() {
            items.extend(pages.feed(self.send(&op, None)?));
        }
        if let Some(stop) = pages.stop().filter(|s| s.is_anomaly()) {
            eprintln!("warning: {} stopped early: {stop}", O::NAME);
        }
        Ok(items)
    }
}

fn configure() -> Result<(Client, bool)> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let live = args.iter().any(|a| a == "--live");
    let base_url = args
        .iter()
        .position(|a| a == "--base-url")
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| std::env::var("CLOUDFLARE_TENANT_BASE_URL").ok());
    if live {
        let credentials = Credentials::from_environment(|name| std::env::var(name).ok())?.ok_or(
            "--live needs CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY",
        )?;
        return Ok((Client::new(credentials), true));
    }
    let base_url =
        base_url.ok_or("give --base-url (the sandbox's URL) or --live for the real API")?;
    let client = Client::new(Credentials::global_key(SANDBOX_EMAIL, SANDBOX_KEY)?)
        .with_base_url(base_url)?;
    Ok((client, false))
}

/// The tenant to provision into, and the unit new accounts go on.
fn find_tenant(api: &Api) -> Result<(String, Option<String>)> {
    let tenants = api.send(&ListUserTenants {}, None)?.result;
    let tenant_id = tenants
        .first()
        .and_then(|t| t.id.clone())
        .ok_or("the caller administers no tenant")?;
    let tenant = api
        .send(
            &GetTenant {
                tenant_id: tenant_id.clone(),
            },
            None,
        )?
        .result;
    let units = tenant.tenant_units.unwrap_or_default();
    let unit = units.first().and_then(|u| u.unit_tag.clone());
    println!(
        "tenant {:?} ({tenant_id}): {} unit(s); new accounts go on unit {}",
        tenant.tenant_name.unwrap_or_default(),
        units.len(),
        unit.as_deref().unwrap_or("-")
    );
    Ok((tenant_id, unit))
}

/// One customer: account with KYC, Administrator invite, service user that accepts its own.
fn onboard(api: &Api, unit: Option<&str>, customer: &str) -> Result<()> {
    let slug = customer.to_lowercase();
    let account = api
        .send(
            &CreateAccount {
                unit_id: unit.map(str::to_owned),
                business_name: Some(format!("{customer} Ltd")),
                business_email: Some(format!("it@{slug}.example")),
                business_phone: Some("+1 415 555 0100".into()),
                business_address: Some("101 Townsend St, San Francisco, CA 94107".into()),
                external_metadata: Some(format!("crm:{}", customer.to_uppercase())),
                ..CreateAccount::new(customer)
            },
            None,
        )?
        .result;
    let account_id = account.id.clone().ok_or("the new account has no id")?;

    // Accounts have 100+ roles: resolve by name across every page.
    let roles = api.all(ListRoles {
        account_id: account_id.clone(),
        per_page: Some(50),
        ..Default::default()
    })?;
    let admin_role = roles
        .iter()
        .find(|r| r.name.as_deref() == Some("Administrator"))
        .and_then(|r| r.id.clone())
        .ok_or("no Administrator role")?;

    let invite = |email: String| CreateMember {
        account_id: account_id.clone(),
        email,
        roles: Some(vec![admin_role.clone()]),
        ..Default::default()
    };
    let admin_email = format!("admin@{slug}.example");
    let admin = api.send(&invite(admin_email.clone()), None)?.result;

    // One service user per customer, acting with its own key.
    let service_email = format!("svc-{slug}@partner.example");
    let user = api
        .send(
            &CreateUser {
                email: service_email.clone(),
            },
            None,
        )?
        .result;
    let key = user.api_key.ok_or("the new service user has no api_key")?;
    let as_customer = Credentials::user_service_key(key.expose())?;
    api.send(&invite(service_email.clone()), None)?;
    let pending = api
        .send(
            &ListMemberships {
                status: Some(MemberStatus::Pending),
                ..Default::default()
            },
            Some(&as_customer),
        )?
        .result;
    let membership = pending
        .iter()
        .find(|m| m.account.as_ref().and_then(|a| a.id.as_deref()) == Some(account_id.as_str()))
        .and_then(|m| m.id.clone())
        .ok_or("the service user sees no pending invitation")?;
    let accepted = api
        .send(
            &UpdateMembership {
                membership_id: membership,
                status: MemberStatus::Accepted,
            },
            Some(&as_customer),
        )?
        .result;

    println!("{customer}: account {account_id} (KYC set)");
    println!(
        "  Administrator = {admin_role}, found among {} roles; {admin_email} invited ({})",
        roles.len(),
        status(&admin.status)
    );
    println!(
        "  service user {service_email} created (api_key kept, not shown), accepted as itself ({})",
        status(&accepted.status)
    );
    Ok(())
}

/// The tenant's accounts, five to a page; how many.
fn list_accounts(api: &Api, tenant_id: String) -> Result<usize> {
    let mut pages = Paginator::new(ListTenantAccounts {
        tenant_id,
        per_page: Some(5),
        ..Default::default()
    });
    let mut total = 0;
    while let Some(op) = pages.next_request() {
        let page = op.page.unwrap_or(1);
        let accounts = pages.feed(api.send(&op, None)?);
        total += accounts.len();
        let names: Vec<_> = accounts.iter().filter_map(|a| a.name.as_deref()).collect();
        println!("tenant accounts, page {page}: {}", names.join(", "));
    }
    let stop = pages.stop().map(ToString::to_string).unwrap_or_default();
    println!("{total} tenant account(s) listed ({stop})");
    Ok(total)
}

/// The same list by name, through the core's `List` machine (retries, pacing and paging are
/// the machine's), run by the examples' driver.
fn list_accounts_by_machine(api: &Api, tenant_id: &str, expected: usize) -> Result<()> {
    let params = serde_json::json!({"tenant_id": tenant_id, "per_page": 5});
    let name = "tenants.accounts.list";
    let policy = RetryPolicy::default();
    let mut list = Machine::list(&api.client, name, params, None, policy, None)?;
    let driver = Driver::new(Transport::default(), Pacers::cloudflare());
    let accounts = driver.run(&mut list)?;
    let stop = list.stop().map(ToString::to_string).unwrap_or_default();
    println!(
        "the same through the List machine: {} account(s) ({stop})",
        accounts.len()
    );
    if accounts.len() != expected {
        return Err(format!("the List machine found {}, not {expected}", accounts.len()).into());
    }
    Ok(())
}

fn status(status: &Option<MemberStatus>) -> &str {
    status.as_ref().map_or("-", MemberStatus::as_str)
}

fn main() -> ExitCode {
    let run = || -> Result<()> {
        let (client, live) = configure()?;
        println!(
            "onboarding against {}{}",
            client.base_url(),
            if live { " (live)" } else { "" }
        );
        let api = Api {
            transport: Transport::default(),
            client,
        };
        let (tenant_id, unit) = find_tenant(&api)?;
        for customer in CUSTOMERS {
            onboard(&api, unit.as_deref(), customer)?;
        }
        let total = list_accounts(&api, tenant_id.clone())?;
        list_accounts_by_machine(&api, &tenant_id, total)
    };
    match run() {
        Ok(()) => {
            println!("onboarding complete");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("onboarding failed: {e}");
            ExitCode::FAILURE
        }
    }
}
