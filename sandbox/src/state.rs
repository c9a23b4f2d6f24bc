//! The in-memory world: tenants, users, accounts, members and account-owned tokens, plus the
//! seeded id generator and logical clock that make a run reproducible.

use std::collections::HashMap;
use std::time::Instant;

use serde_json::{json, Map, Value};

use crate::auth::Access;
use crate::catalog::{
    self, permission_group_by_id, role_by_id, token_permission_group_by_id, ADMINISTRATOR_ROLE_ID,
    ADMIN_PERMISSION_GROUPS,
};
use crate::envelope::{check_id, code, timestamp, unix_timestamp, ApiError};
use crate::rng::Rng;

/// Default credentials, also listed in the README and printed at start.
pub const ADMIN_EMAIL: &str = "admin@tenant.example";
pub const ADMIN_TOKEN: &str = "sandbox-token";
pub const ADMIN_GLOBAL_KEY: &str = "sandbox-global-key";
pub const ADMIN_SERVICE_KEY: &str = "sandbox-service-key";
pub const PLAIN_EMAIL: &str = "plain@example.com";
pub const PLAIN_TOKEN: &str = "sandbox-plain-token";
pub const PLAIN_GLOBAL_KEY: &str = "sandbox-plain-global-key";

/// Id stream number for [`Rng::new`]; faults and cf-ray ids use other streams.
const ID_STREAM: u64 = 1;

#[derive(Debug, Clone)]
pub struct Unit {
    pub tag: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Tenant {
    pub tag: String,
    pub name: String,
    pub units: Vec<Unit>,
    pub cdate: String,
    pub customer_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserKind {
    /// Administers a tenant: may create and delete accounts and service users.
    TenantAdmin,
    /// An ordinary Cloudflare user without the tenant entitlement.
    Plain,
    /// Created with `POST /users`; acts for one customer.
    Service,
    /// Only known as the e-mail of an invitation; cannot log in.
    Invited,
}

impl UserKind {
    fn as_str(self) -> &'static str {
        match self {
            UserKind::TenantAdmin => "tenant_admin",
            UserKind::Plain => "plain",
            UserKind::Service => "service",
            UserKind::Invited => "invited",
        }
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub email: String,
    pub username: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub telephone: Option<String>,
    pub country: Option<String>,
    pub zipcode: Option<String>,
    pub kind: UserKind,
    pub api_token: Option<String>,
    pub global_key: Option<String>,
    pub service_key: Option<String>,
    /// The tenant this user administers (admin) or was created by (service user).
    pub tenant: Option<String>,
    pub created_on: String,
    pub modified_on: String,
}

#[derive(Debug, Clone, Default)]
pub struct Kyc {
    pub business_name: Option<String>,
    pub business_address: Option<String>,
    pub business_email: Option<String>,
    pub business_phone: Option<String>,
    pub external_metadata: Option<String>,
}

pub const KYC_FIELDS: [&str; 5] = [
    "business_name",
    "business_address",
    "business_email",
    "business_phone",
    "external_metadata",
];

impl Kyc {
    pub fn set(&mut self, field: &str, value: Option<String>) {
        match field {
            "business_name" => self.business_name = value,
            "business_address" => self.business_address = value,
            "business_email" => self.business_email = value,
            "business_phone" => self.business_phone = value,
            _ => self.external_metadata = value,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub account_type: String,
    pub tenant: Option<String>,
    pub unit: Option<String>,
    pub kyc: Kyc,
    pub enforce_twofactor: bool,
    pub abuse_contact_email: Option<String>,
    pub created_on: String,
    pub resource_group_id: String,
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub id: String,
    pub access: String,
    pub permission_groups: Vec<String>,
    pub resource_groups: Vec<String>,
}

/// What a member may do: legacy roles, or policies (the API keeps policies if both are sent).
#[derive(Debug, Clone)]
pub enum Grant {
    Roles(Vec<String>),
    Policies(Vec<Policy>),
}

#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    /// The same relation seen from the user's side (`/memberships/{id}`), and the id of the
    /// invitation (`/user/invites/{id}`).
    pub membership_id: String,
    pub account_id: String,
    pub user_id: String,
    pub email: String,
    /// `pending`, `accepted` or `rejected`.
    pub status: String,
    pub grant: Grant,
    /// Logical time of creation (seconds after 2025-01-01).
    pub created_at: u64,
    /// Made by `POST /members` (an invitation), not by creating the account.
    pub invited: bool,
    /// The e-mail of the user who invited (none when an account token did).
    pub invited_by: Option<String>,
}

/// How long an invitation is shown as valid (`expires_on`); not enforced.
const INVITE_DAYS: u64 = 7;

/// A policy of an account-owned token. `resources` is kept as sent (validated on the way in).
#[derive(Debug, Clone)]
pub struct TokenPolicy {
    pub id: String,
    pub effect: String,
    pub permission_groups: Vec<String>,
    pub resources: Map<String, Value>,
}

/// An account-owned API token. Debug leaves the value out: it is a credential.
#[derive(Clone)]
pub struct AccountToken {
    pub id: String,
    pub account_id: String,
    pub name: String,
    /// The secret; only the create and roll answers show it.
    pub value: String,
    /// `active` or `disabled`, as set; `expired` is derived from `expires_on`.
    pub status: String,
    pub policies: Vec<TokenPolicy>,
    /// Seconds since the Unix epoch.
    pub not_before: Option<i64>,
    pub expires_on: Option<i64>,
    pub condition: Option<Value>,
    pub issued_on: String,
    pub modified_on: String,
    pub last_used_on: Option<String>,
}

impl std::fmt::Debug for AccountToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountToken")
            .field("id", &self.id)
            .field("account_id", &self.account_id)
            .field("name", &self.name)
            .field("value", &"<redacted>")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl AccountToken {
    /// `active`, `disabled` or `expired` at `now` (Unix seconds).
    pub fn status_at(&self, now: i64) -> &'static str {
        if self.status == "disabled" {
            "disabled"
        } else if self.expires_on.is_some_and(|e| e <= now) {
            "expired"
        } else {
            "active"
        }
    }

    /// Whether the token authenticates at `now`: active and past `not_before`.
    pub fn usable_at(&self, now: i64) -> bool {
        self.status_at(now) == "active" && self.not_before.is_none_or(|nb| nb <= now)
    }

    /// Whether the token's policies grant one of `groups` on its account: allow policies
    /// that name the account with `"*"` add their groups, deny policies take theirs away.
    /// A policy scoped to the account's zones only (the nested form) grants nothing here.
    pub fn allows(&self, groups: &[&str]) -> bool {
        let account_key = format!("{}.{}", catalog::SCOPE_ACCOUNT, self.account_id);
        let names = |p: &TokenPolicy| -> Vec<&'static str> {
            p.permission_groups
                .iter()
                .filter_map(|id| token_permission_group_by_id(id))
                .map(|g| g.name.as_str())
                .collect()
        };
        let mut allowed: Vec<&str> = Vec::new();
        let mut denied: Vec<&str> = Vec::new();
        for p in &self.policies {
            if p.resources.get(&account_key) != Some(&json!("*")) {
                continue;
            }
            if p.effect == "allow" {
                allowed.extend(names(p));
            } else {
                denied.extend(names(p));
            }
        }
        groups
            .iter()
            .any(|g| allowed.contains(g) && !denied.contains(g))
    }
}

/// The first successful answer to a keyed `POST /accounts`, replayed to a resend.
#[derive(Debug, Clone)]
pub struct KeyedAnswer {
    pub at: Instant,
    /// The parsed request body, to tell a resend from another request under the same key.
    pub request: Value,
    pub status: u16,
    pub body: String,
}

/// Who is calling: a user (any credential form), or an account-owned token, which acts for
/// its own account only.
#[derive(Debug, Clone)]
pub enum Principal {
    User(User),
    Token(AccountToken),
}

impl Principal {
    pub fn user(&self) -> Option<&User> {
        match self {
            Principal::User(u) => Some(u),
            Principal::Token(_) => None,
        }
    }
}

#[derive(Debug)]
pub struct State {
    ids: Rng,
    clock: u64,
    pub tenants: Vec<Tenant>,
    pub users: Vec<User>,
    pub accounts: Vec<Account>,
    pub members: Vec<Member>,
    pub tokens: Vec<AccountToken>,
    /// Keyed account creations, by (rate-limit bucket, Idempotency-Key).
    pub keyed: HashMap<(String, String), KeyedAnswer>,
    /// How many keyed creates were answered by a replay.
    pub idempotent_replays: u64,
}

/// A credential as presented in the request headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Bearer(String),
    EmailKey(String, String),
    ServiceKey(String),
}

impl State {
    /// The world at start (and after `POST /__sandbox/reset`): one tenant with two units, its
    /// administrator, and a plain user who owns one account of their own.
    pub fn new(seed: u64) -> Self {
        let mut s = State {
            ids: Rng::new(seed, ID_STREAM),
            clock: 0,
            tenants: Vec::new(),
            users: Vec::new(),
            accounts: Vec::new(),
            members: Vec::new(),
            tokens: Vec::new(),
            keyed: HashMap::new(),
            idempotent_replays: 0,
        };
        let tenant_tag = s.new_id();
        let units = vec![
            Unit {
                tag: s.new_id(),
                name: "Default Unit".into(),
            },
            Unit {
                tag: s.new_id(),
                name: "Second Unit".into(),
            },
        ];
        let now = s.tick();
        s.tenants.push(Tenant {
            tag: tenant_tag.clone(),
            name: "Sandbox Tenant".into(),
            units,
            cdate: now.clone(),
            customer_id: format!("cust-{}", &tenant_tag[..8]),
        });
        let admin_id = s.new_id();
        s.users.push(User {
            username: admin_id.clone(),
            id: admin_id,
            email: ADMIN_EMAIL.into(),
            first_name: Some("Sandbox".into()),
            last_name: Some("Admin".into()),
            telephone: None,
            country: Some("US".into()),
            zipcode: None,
            kind: UserKind::TenantAdmin,
            api_token: Some(ADMIN_TOKEN.into()),
            global_key: Some(ADMIN_GLOBAL_KEY.into()),
            service_key: Some(ADMIN_SERVICE_KEY.into()),
            tenant: Some(tenant_tag),
            created_on: now.clone(),
            modified_on: now.clone(),
        });
        let plain_id = s.new_id();
        s.users.push(User {
            username: plain_id.clone(),
            id: plain_id.clone(),
            email: PLAIN_EMAIL.into(),
            first_name: Some("Plain".into()),
            last_name: Some("User".into()),
            telephone: None,
            country: None,
            zipcode: None,
            kind: UserKind::Plain,
            api_token: Some(PLAIN_TOKEN.into()),
            global_key: Some(PLAIN_GLOBAL_KEY.into()),
            service_key: None,
            tenant: None,
            created_on: now.clone(),
            modified_on: now,
        });
        let acct = s.insert_account(
            "Plain User's Account".into(),
            "standard".into(),
            None,
            None,
            Kyc::default(),
        );
        s.add_member(
            &acct,
            &plain_id,
            PLAIN_EMAIL,
            "accepted",
            Grant::Roles(vec![ADMINISTRATOR_ROLE_ID.into()]),
        );
        s
    }

    pub fn new_id(&mut self) -> String {
        self.ids.hex_id()
    }

    pub fn new_secret(&mut self, len: usize) -> String {
        self.ids.hex(len)
    }

    /// A token value: 40 characters of `[A-Za-z0-9_-]`, as Cloudflare's are.
    pub fn new_token_value(&mut self) -> String {
        self.ids.token(40)
    }

    /// The logical time now, without advancing the clock.
    pub fn now(&self) -> String {
        timestamp(self.clock)
    }

    /// Advance the logical clock by one second and return the new time.
    pub fn tick(&mut self) -> String {
        self.clock += 1;
        timestamp(self.clock)
    }

    pub fn authenticate(&self, cred: &Credential) -> Option<&User> {
        self.users.iter().find(|u| match cred {
            Credential::Bearer(t) => u.api_token.as_deref() == Some(t.as_str()),
            Credential::ServiceKey(k) => u.service_key.as_deref() == Some(k.as_str()),
            Credential::EmailKey(e, k) => {
                u.email.eq_ignore_ascii_case(e)
                    && (u.global_key.as_deref() == Some(k.as_str())
                        || u.service_key.as_deref() == Some(k.as_str()))
            }
        })
    }

    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn user_mut(&mut self, id: &str) -> Option<&mut User> {
        self.users.iter_mut().find(|u| u.id == id)
    }

    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
    }

    pub fn tenant(&self, tag: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.tag == tag)
    }

    /// The tenant a user administers, if any.
    pub fn administered_tenant(&self, user: &User) -> Option<&Tenant> {
        if user.kind != UserKind::TenantAdmin {
            return None;
        }
        user.tenant.as_deref().and_then(|t| self.tenant(t))
    }

    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    pub fn account_mut(&mut self, id: &str) -> Option<&mut Account> {
        self.accounts.iter_mut().find(|a| a.id == id)
    }

    pub fn insert_account(
        &mut self,
        name: String,
        account_type: String,
        tenant: Option<String>,
        unit: Option<String>,
        kyc: Kyc,
    ) -> String {
        let id = self.new_id();
        let resource_group_id = self.new_id();
        let created_on = self.tick();
        self.accounts.push(Account {
            id: id.clone(),
            name,
            account_type,
            tenant,
            unit,
            kyc,
            enforce_twofactor: false,
            abuse_contact_email: None,
            created_on,
            resource_group_id,
        });
        id
    }

    pub fn add_member(
        &mut self,
        account_id: &str,
        user_id: &str,
        email: &str,
        status: &str,
        grant: Grant,
    ) -> String {
        let id = self.new_id();
        let membership_id = self.new_id();
        self.tick();
        self.members.push(Member {
            id: id.clone(),
            membership_id,
            account_id: account_id.into(),
            user_id: user_id.into(),
            email: email.into(),
            status: status.into(),
            grant,
            created_at: self.clock,
            invited: false,
            invited_by: None,
        });
        id
    }

    /// The user behind an invited e-mail: a known user, or a new placeholder so that the
    /// member's `user.id` stays stable (and is reused if `POST /users` later takes the e-mail).
    pub fn user_for_invite(&mut self, email: &str) -> String {
        if let Some(u) = self.user_by_email(email) {
            return u.id.clone();
        }
        let id = self.new_id();
        let now = self.tick();
        self.users.push(User {
            username: id.clone(),
            id: id.clone(),
            email: email.into(),
            first_name: None,
            last_name: None,
            telephone: None,
            country: None,
            zipcode: None,
            kind: UserKind::Invited,
            api_token: None,
            global_key: None,
            service_key: None,
            tenant: None,
            created_on: now.clone(),
            modified_on: now,
        });
        id
    }

    /// Answer a pending invitation (`accepted` or `rejected`); the member takes that status.
    /// Answering again the same way is a no-op, differently a refusal (400, 1100).
    pub fn answer_invitation(&mut self, membership_id: &str, status: &str) -> Result<(), ApiError> {
        let m = self
            .members
            .iter_mut()
            .find(|m| m.membership_id == membership_id)
            .ok_or_else(|| {
                ApiError::not_found(
                    code::MEMBERSHIP_NOT_FOUND,
                    format!("Membership `{membership_id}` not found"),
                )
            })?;
        if m.status != "pending" && m.status != status {
            return Err(ApiError::invalid(
                "status",
                &format!("the invitation was already answered ({})", m.status),
            ));
        }
        m.status = status.into();
        Ok(())
    }

    /// The caller's accepted membership in an account, if any.
    fn accepted_member(&self, account_id: &str, user_id: &str) -> Option<&Member> {
        self.members
            .iter()
            .find(|m| m.account_id == account_id && m.user_id == user_id && m.status == "accepted")
    }

    fn is_tenant_admin_of(&self, account: &Account, user: &User) -> bool {
        user.kind == UserKind::TenantAdmin
            && account.tenant.is_some()
            && account.tenant == user.tenant
    }

    /// Whether a member's grant includes full administration of the account: the
    /// Administrator role, or an allow policy with "Administrator" or "Super Administrator -
    /// All Privileges".
    fn grant_is_admin(grant: &Grant) -> bool {
        match grant {
            Grant::Roles(r) => r.iter().any(|id| id == ADMINISTRATOR_ROLE_ID),
            Grant::Policies(p) => p.iter().any(|p| {
                p.access == "allow"
                    && p.permission_groups.iter().any(|g| {
                        permission_group_by_id(g)
                            .is_some_and(|g| ADMIN_PERMISSION_GROUPS.contains(&g.name.as_str()))
                    })
            }),
        }
    }

    /// Look an account up for a caller and check that `access` is granted there.
    /// Unknown -> 404 (1003); known but not the caller's, or not granted -> 403 (9109).
    pub fn account_for(
        &self,
        id: &str,
        who: &Principal,
        access: Access,
    ) -> Result<&Account, ApiError> {
        check_id("account", id)?;
        let account = self.account(id).ok_or_else(|| {
            ApiError::not_found(code::ACCOUNT_NOT_FOUND, format!("Account `{id}` not found"))
        })?;
        let user = match who {
            Principal::Token(t) if t.account_id == id && t.allows(access.token_groups) => {
                return Ok(account)
            }
            Principal::Token(_) => return Err(ApiError::forbidden()),
            Principal::User(u) => u,
        };
        if self.is_tenant_admin_of(account, user) {
            return Ok(account);
        }
        match self.accepted_member(id, &user.id) {
            Some(m) if !access.admin || Self::grant_is_admin(&m.grant) => Ok(account),
            _ => Err(ApiError::forbidden()),
        }
    }

    /// Accounts the caller sees in `GET /accounts`: a user's accepted memberships, a token's
    /// own account.
    pub fn accounts_of(&self, who: &Principal) -> Vec<&Account> {
        match who {
            Principal::User(user) => self
                .accounts
                .iter()
                .filter(|a| self.accepted_member(&a.id, &user.id).is_some())
                .collect(),
            Principal::Token(t) => self.account(&t.account_id).into_iter().collect(),
        }
    }

    pub fn delete_account(&mut self, id: &str) {
        self.accounts.retain(|a| a.id != id);
        self.members.retain(|m| m.account_id != id);
        self.tokens.retain(|t| t.account_id != id);
    }

    // ----- JSON renderings, in the spec's shapes -----

    pub fn account_json(&self, a: &Account) -> Value {
        let mut settings = json!({"enforce_twofactor": a.enforce_twofactor});
        if let Some(e) = &a.abuse_contact_email {
            settings["abuse_contact_email"] = json!(e);
        }
        let mut v = json!({
            "id": a.id,
            "name": a.name,
            "type": a.account_type,
            "settings": settings,
            "created_on": a.created_on,
        });
        if let Some(t) = a.tenant.as_deref().and_then(|t| self.tenant(t)) {
            v["managed_by"] = json!({"parent_org_id": t.tag, "parent_org_name": t.name});
        }
        v
    }

    /// The shape of `GET /tenants/{id}/accounts`: every settings key present, nulls allowed.
    pub fn tenant_account_json(&self, a: &Account) -> Value {
        json!({
            "id": a.id,
            "name": a.name,
            "type": a.account_type,
            "created_on": a.created_on,
            "settings": {
                "enforce_twofactor": a.enforce_twofactor,
                "api_access_enabled": null,
                "access_approval_expiry": null,
                "abuse_contact_email": a.abuse_contact_email,
                "use_account_custom_ns_by_default": false,
                "default_nameservers": "cloudflare.standard",
            },
        })
    }

    pub fn resource_group_json(&self, a: &Account) -> Value {
        let scope = format!("com.cloudflare.api.account.{}", a.id);
        json!({
            "id": a.resource_group_id,
            "name": scope,
            "scope": {"key": scope, "objects": [{"key": "*"}]},
            "meta": {"key": "editable", "value": "false"},
        })
    }

    fn policies_json(&self, account: Option<&Account>, policies: &[Policy]) -> Value {
        let list: Vec<Value> = policies
            .iter()
            .map(|p| {
                let groups: Vec<Value> = p
                    .permission_groups
                    .iter()
                    .map(|g| match permission_group_by_id(g) {
                        Some(g) => g.to_json(),
                        None => json!({"id": g}),
                    })
                    .collect();
                let resources: Vec<Value> = p
                    .resource_groups
                    .iter()
                    .map(|r| match account.filter(|a| &a.resource_group_id == r) {
                        Some(a) => self.resource_group_json(a),
                        None => json!({"id": r, "scope": {"key": "", "objects": []}}),
                    })
                    .collect();
                json!({
                    "id": p.id,
                    "access": p.access,
                    "permission_groups": groups,
                    "resource_groups": resources,
                })
            })
            .collect();
        Value::Array(list)
    }

    /// A member as `/accounts/{id}/members` shows it. `with_roles` is false for the create
    /// response, which on the real API leaves `roles` out.
    pub fn member_json(&self, m: &Member, with_roles: bool) -> Value {
        let user = self.user(&m.user_id);
        let mut v = json!({
            "id": m.id,
            "email": m.email,
            "status": m.status,
            "user": {
                "id": m.user_id,
                "email": m.email,
                "first_name": user.and_then(|u| u.first_name.clone()),
                "last_name": user.and_then(|u| u.last_name.clone()),
                "two_factor_authentication_enabled": false,
            },
        });
        match &m.grant {
            Grant::Roles(ids) => {
                if with_roles {
                    let roles: Vec<Value> = ids
                        .iter()
                        .filter_map(|id| role_by_id(id))
                        .map(|r| r.to_json())
                        .collect();
                    v["roles"] = Value::Array(roles);
                }
            }
            Grant::Policies(p) => {
                v["policies"] = self.policies_json(self.account(&m.account_id), p);
                if with_roles {
                    v["roles"] = json!([]);
                }
            }
        }
        v
    }

    /// A membership as `/memberships` shows it: the account, role names and permissions.
    pub fn membership_json(&self, m: &Member) -> Value {
        let account = self.account(&m.account_id);
        let mut perms = [(false, false); 12];
        let mut names = Vec::new();
        match &m.grant {
            Grant::Roles(ids) => {
                for r in ids.iter().filter_map(|id| role_by_id(id)) {
                    names.push(json!(r.name));
                    for (p, q) in perms.iter_mut().zip(r.permissions.iter()) {
                        p.0 |= q.0;
                        p.1 |= q.1;
                    }
                }
            }
            Grant::Policies(_) => {}
        }
        let mut v = json!({
            "id": m.membership_id,
            "status": m.status,
            "api_access_enabled": null,
            "roles": names,
            "permissions": catalog::permissions_json(&perms),
        });
        if let Some(a) = account {
            v["account"] = self.account_json(a);
        }
        if let Grant::Policies(p) = &m.grant {
            v["policies"] = self.policies_json(account, p);
        }
        v
    }

    /// An invitation as `/user/invites` shows it; its id is the membership id.
    pub fn invite_json(&self, m: &Member) -> Value {
        let account = self.account(&m.account_id);
        let roles: Vec<Value> = match &m.grant {
            Grant::Roles(ids) => ids
                .iter()
                .filter_map(|id| role_by_id(id))
                .map(|r| json!(r.name))
                .collect(),
            Grant::Policies(_) => Vec::new(),
        };
        let mut v = json!({
            "id": m.membership_id,
            "invited_member_id": m.user_id,
            "invited_member_email": m.email,
            "organization_id": m.account_id,
            "organization_name": account.map(|a| a.name.clone()).unwrap_or_default(),
            "organization_is_enforcing_twofactor": account.is_some_and(|a| a.enforce_twofactor),
            "invited_on": timestamp(m.created_at),
            "expires_on": timestamp(m.created_at + INVITE_DAYS * 86_400),
            "roles": roles,
            "status": m.status,
        });
        if let Some(by) = &m.invited_by {
            v["invited_by"] = json!(by);
        }
        v
    }

    /// An account-owned token as the token routes show it; `value` only from create.
    pub fn token_json(&self, t: &AccountToken, now: i64) -> Value {
        let policies: Vec<Value> = t
            .policies
            .iter()
            .map(|p| {
                let groups: Vec<Value> = p
                    .permission_groups
                    .iter()
                    .map(|id| match token_permission_group_by_id(id) {
                        Some(g) => json!({"id": g.id, "name": g.name}),
                        None => json!({"id": id}),
                    })
                    .collect();
                json!({
                    "id": p.id,
                    "effect": p.effect,
                    "permission_groups": groups,
                    "resources": p.resources,
                })
            })
            .collect();
        let mut v = json!({
            "id": t.id,
            "name": t.name,
            "status": t.status_at(now),
            "issued_on": t.issued_on,
            "modified_on": t.modified_on,
            "policies": policies,
        });
        if let Some(nb) = t.not_before {
            v["not_before"] = json!(unix_timestamp(nb));
        }
        if let Some(e) = t.expires_on {
            v["expires_on"] = json!(unix_timestamp(e));
        }
        if let Some(c) = &t.condition {
            v["condition"] = c.clone();
        }
        if let Some(u) = &t.last_used_on {
            v["last_used_on"] = json!(u);
        }
        v
    }

    /// `GET /user`.
    pub fn user_json(&self, u: &User) -> Value {
        json!({
            "id": u.id,
            "email": u.email,
            "first_name": u.first_name,
            "last_name": u.last_name,
            "telephone": u.telephone,
            "country": u.country,
            "zipcode": u.zipcode,
            "betas": [],
            "has_pro_zones": false,
            "has_business_zones": false,
            "has_enterprise_zones": false,
            "suspended": false,
            "two_factor_authentication_enabled": false,
            "two_factor_authentication_locked": false,
            "organizations": [],
            "created_on": u.created_on,
            "modified_on": u.modified_on,
        })
    }

    /// `POST /users`: the new user with its secret `api_key` (shown this once).
    pub fn service_user_json(&self, u: &User) -> Value {
        json!({
            "id": u.id,
            "email": u.email,
            "first_name": u.first_name,
            "last_name": u.last_name,
            "username": u.username,
            "telephone": u.telephone,
            "country": u.country,
            "created_on": u.created_on,
            "modified_on": u.modified_on,
            "two_factor_authentication": {"enabled": false, "locked": false},
            "api_key": u.service_key,
        })
    }

    /// `GET /__sandbox/state`: everything, minus secrets of users created at runtime.
    pub fn snapshot(&self) -> Value {
        let accounts: Vec<Value> = self
            .accounts
            .iter()
            .map(|a| {
                json!({
                    "id": a.id,
                    "name": a.name,
                    "type": a.account_type,
                    "tenant": a.tenant,
                    "unit": a.unit,
                    "business_name": a.kyc.business_name,
                    "business_address": a.kyc.business_address,
                    "business_email": a.kyc.business_email,
                    "business_phone": a.kyc.business_phone,
                    "external_metadata": a.kyc.external_metadata,
                    "settings": {
                        "enforce_twofactor": a.enforce_twofactor,
                        "abuse_contact_email": a.abuse_contact_email,
                    },
                    "created_on": a.created_on,
                    "resource_group_id": a.resource_group_id,
                })
            })
            .collect();
        let members: Vec<Value> = self
            .members
            .iter()
            .map(|m| {
                let (roles, policies) = match &m.grant {
                    Grant::Roles(r) => (json!(r), Value::Null),
                    Grant::Policies(p) => (
                        Value::Null,
                        json!(p
                            .iter()
                            .map(|p| json!({
                                "id": p.id,
                                "access": p.access,
                                "permission_groups": p.permission_groups,
                                "resource_groups": p.resource_groups,
                            }))
                            .collect::<Vec<_>>()),
                    ),
                };
                json!({
                    "account_id": m.account_id,
                    "id": m.id,
                    "membership_id": m.membership_id,
                    "user_id": m.user_id,
                    "email": m.email,
                    "status": m.status,
                    "roles": roles,
                    "policies": policies,
                    "invited_by": m.invited_by,
                })
            })
            .collect();
        let users: Vec<Value> = self
            .users
            .iter()
            .map(|u| {
                json!({
                    "id": u.id,
                    "email": u.email,
                    "kind": u.kind.as_str(),
                    "tenant": u.tenant,
                    "created_on": u.created_on,
                })
            })
            .collect();
        let service_users: Vec<Value> = self
            .users
            .iter()
            .filter(|u| u.kind == UserKind::Service)
            .map(|u| {
                json!({
                    "id": u.id,
                    "email": u.email,
                    "tenant": u.tenant,
                    "created_on": u.created_on,
                })
            })
            .collect();
        let tenants: Vec<Value> = self
            .tenants
            .iter()
            .map(|t| {
                json!({
                    "tenant_tag": t.tag,
                    "tenant_name": t.name,
                    "units": t.units.iter().map(|u| json!({"unit_tag": u.tag, "unit_name": u.name})).collect::<Vec<_>>(),
                })
            })
            .collect();
        // Tokens without their values: the snapshot is for tests, not for borrowing keys.
        let now = crate::envelope::now_unix();
        let tokens: Vec<Value> = self
            .tokens
            .iter()
            .map(|t| {
                json!({
                    "id": t.id,
                    "account_id": t.account_id,
                    "name": t.name,
                    "status": t.status_at(now),
                    "permission_groups": t
                        .policies
                        .iter()
                        .flat_map(|p| p.permission_groups.iter())
                        .collect::<Vec<_>>(),
                    "issued_on": t.issued_on,
                    "last_used_on": t.last_used_on,
                })
            })
            .collect();
        json!({
            "tenants": tenants,
            "users": users,
            "service_users": service_users,
            "accounts": accounts,
            "members": members,
            "tokens": tokens,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_world_is_reproducible() {
        let a = State::new(1);
        let b = State::new(1);
        assert_eq!(a.tenants[0].tag, b.tenants[0].tag);
        assert_eq!(a.accounts[0].id, b.accounts[0].id);
        assert_ne!(a.tenants[0].tag, State::new(2).tenants[0].tag);
        assert_eq!(a.tenants[0].units.len(), 2);
    }

    #[test]
    fn credentials() {
        let s = State::new(1);
        let admin = s
            .authenticate(&Credential::Bearer(ADMIN_TOKEN.into()))
            .unwrap();
        assert_eq!(admin.kind, UserKind::TenantAdmin);
        let same = s
            .authenticate(&Credential::EmailKey(
                ADMIN_EMAIL.to_uppercase(),
                ADMIN_GLOBAL_KEY.into(),
            ))
            .unwrap();
        assert_eq!(admin.id, same.id);
        assert!(s
            .authenticate(&Credential::ServiceKey(ADMIN_SERVICE_KEY.into()))
            .is_some());
        assert!(s.authenticate(&Credential::Bearer("nope".into())).is_none());
    }

    #[test]
    fn token_policies_allow_and_deny() {
        let group = |name: &str| {
            catalog::token_permission_groups()
                .iter()
                .find(|g| g.name == name)
                .unwrap()
                .id
                .clone()
        };
        let account = "0123456789abcdef0123456789abcdef";
        let own = format!("com.cloudflare.api.account.{account}");
        let policy = |effect: &str, names: &[&str], resources: Value| TokenPolicy {
            id: String::new(),
            effect: effect.into(),
            permission_groups: names.iter().map(|n| group(n)).collect(),
            resources: resources.as_object().unwrap().clone(),
        };
        let mut t = AccountToken {
            id: "t".into(),
            account_id: account.into(),
            name: "t".into(),
            value: "secret-value".into(),
            status: "active".into(),
            policies: vec![policy(
                "allow",
                &["Account Settings Read", "Account Settings Write"],
                json!({&own: "*"}),
            )],
            not_before: None,
            expires_on: None,
            condition: None,
            issued_on: String::new(),
            modified_on: String::new(),
            last_used_on: None,
        };
        assert!(t.allows(&["Account Settings Write"]));
        assert!(!t.allows(&["Account API Tokens Write"]));
        t.policies.push(policy(
            "deny",
            &["Account Settings Write"],
            json!({&own: "*"}),
        ));
        assert!(!t.allows(&["Account Settings Write"]));
        assert!(t.allows(&["Account Settings Write", "Account Settings Read"]));
        // A policy on the account's zones grants nothing on the account itself.
        t.policies = vec![policy(
            "allow",
            &["Account Settings Read"],
            json!({&own: {"com.cloudflare.api.account.zone.*": "*"}}),
        )];
        assert!(!t.allows(&["Account Settings Read"]));
        // Validity window and status.
        assert!(t.usable_at(100));
        t.expires_on = Some(100);
        assert_eq!(t.status_at(100), "expired");
        assert!(!t.usable_at(100));
        t.expires_on = None;
        t.not_before = Some(200);
        assert_eq!(t.status_at(100), "active");
        assert!(!t.usable_at(100));
        t.status = "disabled".into();
        assert_eq!(t.status_at(300), "disabled");
        assert!(!format!("{t:?}").contains("secret-value"));
    }
}
