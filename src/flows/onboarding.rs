//! Onboards one customer from a declarative spec: the account (with KYC, on a unit), its
//! members by roles (names or ids) or policies, and optionally a service user that accepts its
//! own invitation.
//!
//! It never creates a second account. It looks the account up by name before creating it, so
//! running it again continues from what exists; and when a create's outcome is unknown (a 502,
//! a dropped connection) it looks again before anything else: the account by name, the member
//! by e-mail. The [`Report`] says what was created, what already existed and what failed.
//!
//! ```
//! use std::time::{Duration, Instant, SystemTime};
//!
//! use cloudflare_tenant::flows::{Action, Onboarding, OnboardingSpec};
//! use cloudflare_tenant::http::{Request, Response};
//! use cloudflare_tenant::machines::{Clock, Pacers};
//! use cloudflare_tenant::{Attempt, Client, Credentials, RetryPolicy};
//!
//! /// `send`, `sleep` and 16 `random` bytes (from the OS) are the host's; the flow decides
//! /// everything else.
//! fn onboard(
//!     send: impl Fn(Request<Vec<u8>>) -> Response<Vec<u8>>,
//!     sleep: impl Fn(Duration),
//!     random: [u8; 16],
//! ) -> Result<(), Box<dyn std::error::Error>> {
//!     let spec: OnboardingSpec = serde_json::from_value(serde_json::json!({
//!         "name": "Acme Corp",
//!         "members": [{"email": "admin@acme.example", "roles": ["Administrator"]}],
//!         "service_user": {"email": "svc-acme@partner.example"}
//!     }))?;
//!     let client = Client::new(Credentials::api_token("token")?);
//!     let mut flow = Onboarding::new(client, spec, RetryPolicy::default(), random)?;
//!     // One budget per identity, shared by everything this client sends.
//!     let mut pacers = Pacers::cloudflare();
//!     let origin = Instant::now();
//!     let now = || Clock { monotonic: origin.elapsed(), wall: SystemTime::now() };
//!     loop {
//!         match flow.next_action(&mut pacers, now()) {
//!             Action::Send(request) => {
//!                 let response = send(request);
//!                 let attempt = Attempt::Response {
//!                     status: response.status().as_u16(),
//!                     headers: response.headers(),
//!                     body: response.body(),
//!                 };
//!                 // The jitter is the host's random number in [0, 1).
//!                 flow.feed(&mut pacers, attempt, now(), 0.5);
//!             }
//!             Action::Wait(duration) => sleep(duration),
//!             Action::Done => break,
//!         }
//!     }
//!     println!("{}", serde_json::to_string_pretty(flow.report())?);
//!     Ok(())
//! }
//! ```

use std::time::Duration;

use http::{Method, Request};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::schema;
use crate::api::accounts::CreateAccount;
use crate::api::members::{PolicyInput, MAX_EMAIL};
use crate::api::tokens::MAX_TOKEN_NAME;
use crate::api::{Access, AccountType, IdRef, Kind, Operation};
use crate::auth::{Credentials, Secret};
use crate::client::Client;
use crate::error::{Error, Invalid};
use crate::machines::{Clock, Identity, Pacers};
use crate::message::ApiResponse;
use crate::named::{parse_response_named, NamedPaginator};
use crate::object;
use crate::params;
use crate::registry::operation;
use crate::retry::{Attempt, Next, Retry, RetryPolicy, Ticket};

/// Longest customer reference taken.
pub const MAX_CUSTOMER_REF: usize = 200;

/// What to set up for one customer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OnboardingSpec {
    /// The account name; also how the account is found again.
    pub name: String,
    /// The partner's own reference for this customer (a CRM id): the account's create key
    /// derives from it, so every run for this customer makes or finds the one account its
    /// key made, and a same-name account of another customer is never taken for it.
    pub customer_ref: Option<String>,
    /// An account that exists already, by id: nothing is looked up or created, and the
    /// members and service user are set up in it (members by permission group names on an
    /// existing account, for one). `name` is then optional.
    pub account_id: Option<String>,
    /// `standard` or `enterprise`.
    pub r#type: Option<AccountType>,
    /// The tenant unit to create the account on.
    pub unit_id: Option<String>,
    /// A standalone free account, outside any organization (never with `unit_id`).
    pub standalone: bool,
    /// KYC: business name.
    pub business_name: Option<String>,
    /// KYC: business address.
    pub business_address: Option<String>,
    /// KYC: business e-mail.
    pub business_email: Option<String>,
    /// KYC: business phone.
    pub business_phone: Option<String>,
    /// KYC: the partner's own reference.
    pub external_metadata: Option<String>,
    /// People to invite.
    pub members: Vec<MemberSpec>,
    /// A service user for this customer, invited and accepting as itself.
    pub service_user: Option<ServiceUserSpec>,
    /// An account-owned API token for this customer: its own rate-limit budget, without a
    /// service user.
    pub token: Option<TokenSpec>,
    /// The report of an earlier run for this customer: the steps it found done are taken as
    /// existing and not looked up again (its account id stands in for the lookup by name).
    pub checkpoint: Option<Value>,
    /// Onboard into an account of this name that existed before this onboarding first tried.
    /// Off by default: names are not unique, and another customer's account may share it.
    pub adopt: bool,
}

impl OnboardingSpec {
    /// Reads a spec from JSON (what the JS and Python hosts pass), naming the field at fault.
    pub fn from_json(value: Value) -> Result<Self, Error> {
        Self::read(&value).map_err(|e| Error::from(e).in_operation("onboarding"))
    }

    fn read(value: &Value) -> Result<Self, Invalid> {
        let spec = Fields::new("spec", value, &schema::ONBOARDING_SPEC)?;
        let members = spec.list("members")?;
        Ok(OnboardingSpec {
            name: spec.text("name")?.unwrap_or_default(),
            account_id: spec.text("account_id")?,
            customer_ref: spec.text("customer_ref")?,
            checkpoint: match spec.get("checkpoint") {
                None => None,
                // Only its steps are read: a report's secrets (a Python host hands them back in
                // clear) are dropped here, so no Debug of the spec can show them.
                Some(Value::Object(report)) => {
                    let mut steps = report.clone();
                    steps.retain(|key, _| !Report::SECRET_FIELDS.contains(&key.as_str()));
                    Some(Value::Object(steps))
                }
                Some(_) => {
                    return Err(Invalid::new(
                        "checkpoint",
                        "must be the report of an earlier run (an object)",
                    ))
                }
            },
            r#type: spec.text("type")?.map(|t| AccountType::from(t.as_str())),
            unit_id: spec.text("unit_id")?,
            standalone: spec.flag("standalone")?,
            business_name: spec.text("business_name")?,
            business_address: spec.text("business_address")?,
            business_email: spec.text("business_email")?,
            business_phone: spec.text("business_phone")?,
            external_metadata: spec.text("external_metadata")?,
            members: members
                .iter()
                .enumerate()
                .map(|(i, member)| MemberSpec::read(&format!("members[{i}]"), member))
                .collect::<Result<_, _>>()?,
            service_user: match spec.get("service_user") {
                None => None,
                Some(user) => {
                    let user = Fields::new("service_user", user, &schema::SERVICE_USER_SPEC)?;
                    Some(ServiceUserSpec {
                        email: user.required_text("email")?,
                        roles: user.texts("roles")?,
                    })
                }
            },
            token: match spec.get("token") {
                None => None,
                Some(token) => {
                    let token = Fields::new("token", token, &schema::TOKEN_SPEC)?;
                    let permission_groups = token.texts("permission_groups")?;
                    if permission_groups.is_empty() {
                        return Err(Invalid::new(
                            "token.permission_groups",
                            "name at least one permission group (names or ids)",
                        ));
                    }
                    Some(TokenSpec {
                        name: token.required_text("name")?,
                        permission_groups,
                    })
                }
            },
            adopt: spec.flag("adopt")?,
        })
    }
}

/// Reads the same JSON as [`OnboardingSpec::from_json`], for configuration read with serde.
impl<'de> Deserialize<'de> for OnboardingSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::read(&value).map_err(serde::de::Error::custom)
    }
}

impl MemberSpec {
    fn read(at: &str, value: &Value) -> Result<Self, Invalid> {
        let member = Fields::new(at, value, &schema::MEMBER_SPEC)?;
        let email = member.required_text("email")?;
        let roles = member.texts("roles")?;
        let permission_groups = member.texts("permission_groups")?;
        if !roles.is_empty() && !permission_groups.is_empty() {
            return Err(Invalid::new(
                member.path("roles"),
                "give roles, permission_groups or policies: one of them",
            ));
        }
        let policies = match member.get("policies") {
            None => None,
            Some(_) if !roles.is_empty() || !permission_groups.is_empty() => {
                return Err(Invalid::new(
                    member.path("roles"),
                    "give roles, permission_groups or policies: one of them",
                ))
            }
            Some(policies) => {
                // The members table's reader names the field; what it gives is well formed.
                let sent = params::read(&member.path("policies"), Kind::Policies, policies)?;
                Some(
                    sent.as_array()
                        .map_or(&[][..], Vec::as_slice)
                        .iter()
                        .map(policy_input)
                        .collect(),
                )
            }
        };
        Ok(MemberSpec {
            email,
            roles,
            permission_groups,
            policies,
        })
    }
}

/// A policy as the members table lays it out, back in its typed form.
fn policy_input(policy: &Value) -> PolicyInput {
    let ids = |key: &str| {
        policy[key]
            .as_array()
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(|r| r["id"].as_str())
            .map(IdRef::new)
            .collect()
    };
    PolicyInput {
        id: policy["id"].as_str().map(str::to_owned),
        access: Access::from(policy["access"].as_str().unwrap_or_default()),
        permission_groups: ids("permission_groups"),
        resource_groups: ids("resource_groups"),
    }
}

/// One object of a spec: its known fields, named under the object's own path. `null` counts
/// as absent.
struct Fields<'a> {
    at: &'a str,
    map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    /// The fields of `value`, which must be an object with only the fields of `model`.
    fn new(at: &'a str, value: &'a Value, model: &schema::Model) -> Result<Self, Invalid> {
        let Value::Object(map) = value else {
            return Err(Invalid::new(at, "must be an object"));
        };
        let fields = Fields { at, map };
        if let Some(unknown) = map.keys().find(|k| !model.names().any(|n| n == k.as_str())) {
            let known: Vec<&str> = model.names().collect();
            return Err(Invalid::new(
                fields.path(unknown),
                format!("unknown field (expected one of {})", known.join(", ")),
            ));
        }
        Ok(fields)
    }

    /// `key` under this object: `members[0].email`; top-level fields by their own name.
    fn path(&self, key: &str) -> String {
        if self.at == "spec" {
            key.to_owned()
        } else {
            format!("{}.{key}", self.at)
        }
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn text(&self, key: &str) -> Result<Option<String>, Invalid> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(Invalid::new(self.path(key), "must be a string")),
        }
    }

    fn flag(&self, key: &str) -> Result<bool, Invalid> {
        match self.get(key) {
            None => Ok(false),
            Some(Value::Bool(flag)) => Ok(*flag),
            Some(_) => Err(Invalid::new(self.path(key), "must be true or false")),
        }
    }

    fn required_text(&self, key: &str) -> Result<String, Invalid> {
        self.text(key)?
            .ok_or_else(|| Invalid::new(self.path(key), "is required"))
    }

    fn list(&self, key: &str) -> Result<&'a [Value], Invalid> {
        match self.get(key) {
            None => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(_) => Err(Invalid::new(self.path(key), "must be a list")),
        }
    }

    fn texts(&self, key: &str) -> Result<Vec<String>, Invalid> {
        self.list(key)?
            .iter()
            .enumerate()
            .map(|(i, item)| {
                item.as_str().map(str::to_owned).ok_or_else(|| {
                    Invalid::new(format!("{}[{i}]", self.path(key)), "must be a string")
                })
            })
            .collect()
    }
}

/// A member to invite: with roles (names like `Administrator`, or ids), with permission
/// groups (names like `Domain Read`, or ids) on the whole account, or with policies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemberSpec {
    /// Who.
    pub email: String,
    /// Role names or 32-hex role ids. Roles are deprecated by the API; they keep working.
    pub roles: Vec<String>,
    /// Permission group names or 32-hex ids, allowed on the account's own resource group
    /// (`com.cloudflare.api.account.<account id>`): one policy, resolved by the flow.
    pub permission_groups: Vec<String>,
    /// Policies, as the API takes them.
    pub policies: Option<Vec<PolicyInput>>,
}

/// The customer's service user.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceUserSpec {
    /// Its e-mail.
    pub email: String,
    /// Its roles on the account (names or ids); `Administrator` when none are given.
    pub roles: Vec<String>,
}

/// The customer's account-owned token: allowed these permission groups on the whole account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TokenSpec {
    /// Its name, unique within the account: how a token whose create went unanswered is
    /// found again.
    pub name: String,
    /// Token permission group names (`Account Settings Read`) or ids.
    pub permission_groups: Vec<String>,
}

/// Where a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    /// Not reached (an earlier step failed).
    Pending,
    /// This run created it (for an invitation: accepted it).
    Created,
    /// It was there already.
    Existed,
    /// An account of this name existed before this onboarding first tried: it may be another
    /// customer's, so nothing was touched (`id` is that account's when there is one). Set
    /// `adopt` in the spec to onboard into it.
    Conflict,
    /// It failed; `error` says why.
    Failed,
}

impl StepStatus {
    /// `pending`, `created`, `existed` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Created => "created",
            StepStatus::Existed => "existed",
            StepStatus::Conflict => "conflict",
            StepStatus::Failed => "failed",
        }
    }
}

/// One thing the flow set up.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The account name or the member's e-mail.
    pub target: String,
    /// The id, once known.
    pub id: Option<String>,
    /// Where it ended.
    pub status: StepStatus,
    /// Why it failed, as [`Error::to_json`] gives it.
    pub error: Option<Value>,
    /// True when an unknown outcome was resolved by looking (it was not resent blindly).
    pub reconciled: bool,
}

impl Step {
    pub(crate) fn new(target: &str) -> Self {
        Step {
            target: target.to_owned(),
            id: None,
            status: StepStatus::Pending,
            error: None,
            reconciled: false,
        }
    }

    fn done(&mut self, status: StepStatus, id: Option<String>) {
        self.status = status;
        self.id = id;
    }

    fn fail(&mut self, error: &Error) {
        self.status = StepStatus::Failed;
        self.error = Some(error.to_json());
    }

    /// `{"target", "id", "status", "error", "reconciled"}`.
    pub fn to_json(&self) -> Value {
        let mut fields = Map::new();
        fields.insert("target".into(), self.target.clone().into());
        fields.insert("id".into(), self.id.clone().into());
        fields.insert("status".into(), self.status.as_str().into());
        fields.insert("error".into(), self.error.clone().unwrap_or_default());
        fields.insert("reconciled".into(), self.reconciled.into());
        Value::Object(fields)
    }
}

/// What the flow did. `api_key` is the service user's key: `Debug` hides it, serializing
/// shows it, because the partner needs it to act as that user.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The account.
    pub account: Step,
    /// Each invitation, the service user's last.
    pub members: Vec<Step>,
    /// The service user itself.
    pub service_user: Option<Step>,
    /// The service user's API key, when this run created the user.
    pub api_key: Option<Secret>,
    /// The service user accepting its invitation.
    pub invitation: Option<Step>,
    /// The account-owned token.
    pub token: Option<Step>,
    /// The token's value, when this run created it or rolled it (a token whose create went
    /// unanswered is found by name and rolled: its first value was lost with the answer).
    pub token_value: Option<Secret>,
    /// True when nothing failed.
    pub complete: bool,
}

impl Report {
    /// The fields of [`Report::to_json`] that hold secrets: hosts mask them.
    pub const SECRET_FIELDS: &'static [&'static str] = &["api_key", "token_value"];

    /// `{"account", "members", "service_user", "api_key", "invitation", "token",
    /// "token_value", "complete"}`, each step as [`Step::to_json`] gives it. It holds the new
    /// service user's API key and the token's value.
    pub fn to_json(&self) -> Value {
        let step = |step: &Option<Step>| step.as_ref().map_or(Value::Null, Step::to_json);
        let mut fields = Map::new();
        fields.insert("account".into(), self.account.to_json());
        let members = self.members.iter().map(Step::to_json).collect();
        fields.insert("members".into(), Value::Array(members));
        fields.insert("service_user".into(), step(&self.service_user));
        let api_key = self.api_key.as_ref().map(|key| key.expose().to_owned());
        fields.insert("api_key".into(), api_key.into());
        fields.insert("invitation".into(), step(&self.invitation));
        fields.insert("token".into(), step(&self.token));
        let value = self.token_value.as_ref().map(|v| v.expose().to_owned());
        fields.insert("token_value".into(), value.into());
        fields.insert("complete".into(), self.complete.into());
        Value::Object(fields)
    }
}

serialize_as_json!(Step, Report);

impl Serialize for StepStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// What the host does next. (`Send` is by far the most common answer, so it is not boxed.)
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Action {
    /// Send this request, then [`Onboarding::feed`] what happened.
    Send(Request<Vec<u8>>),
    /// Sleep this long, then ask again.
    Wait(Duration),
    /// Finished: read [`Onboarding::report`].
    Done,
}

/// How often a create is tried at least, when looking showed the earlier one was not done.
const MIN_CREATES: u32 = 3;

#[derive(Debug)]
enum Stage {
    FindAccount {
        pages: NamedPaginator,
        reconciling: bool,
    },
    CreateAccount,
    ResolveRoles(NamedPaginator),
    ResolvePermissionGroups(NamedPaginator),
    /// The account's own resource group, which permission groups given by name apply to.
    FindResourceGroup,
    ListMembers {
        pages: NamedPaginator,
        reconciling: Option<usize>,
    },
    CreateMember(usize),
    CreateServiceUser,
    FindInvitation(NamedPaginator),
    AcceptInvitation(String),
    ResolveTokenGroups,
    /// The token by name: it may exist (a run before), or its create went unanswered
    /// (`recovering`: found, its value is rolled).
    FindToken {
        pages: NamedPaginator,
        recovering: bool,
    },
    CreateToken,
    RollToken(String),
    Done,
}

#[derive(Debug)]
struct Call {
    operation: &'static str,
    params: Value,
    as_service_user: bool,
    retry: Retry,
    wait: Option<Duration>,
    /// Who the send in flight went as, and its place in that identity's budget.
    sent: Option<(Identity, Option<Ticket>)>,
}

/// The onboarding state machine. See the module docs.
#[derive(Debug)]
pub struct Onboarding {
    client: Client,
    policy: RetryPolicy,
    /// The spec, its members moved into `invites`.
    spec: OnboardingSpec,
    /// Every invitation to send: the spec's members, then the service user's.
    invites: Vec<MemberSpec>,
    stage: Stage,
    call: Option<Call>,
    report: Report,
    found: Vec<Value>,
    /// Role, permission group and token permission group ids by name.
    resolved: Resolved,
    /// The id of the account's own resource group.
    resource_group: Option<String>,
    /// Member ids by lower-case e-mail.
    members: Ids,
    /// The lower-case e-mails of members who accepted their invitation.
    accepted: Vec<String>,
    token_creates: u32,
    /// Sends of each invitation's create, by its index in `invites`.
    creates: Vec<u32>,
    account_creates: u32,
    /// The account create's idempotency key.
    account_key: String,
    /// The ids of the accounts of the spec's name that the first lookup found: with a
    /// customer reference, the create is sent all the same, and its answer is this customer's
    /// account (one of these when a run before made it, a new one otherwise).
    found_before: Vec<String>,
    user_creates: u32,
    service_user: Option<Credentials>,
}

/// Ids resolved by name: the same in every account of a tenant, so one onboarding's can save
/// the next its lookups.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    roles: Names,
    permission_groups: Names,
    token_groups: Names,
}

impl Resolved {
    /// Takes what `other` resolved that this does not know yet.
    pub fn merge(&mut self, other: &Resolved) {
        for (mine, theirs) in [
            (&mut self.roles, &other.roles),
            (&mut self.permission_groups, &other.permission_groups),
            (&mut self.token_groups, &other.token_groups),
        ] {
            if theirs.complete && !mine.complete {
                *mine = theirs.clone();
            }
        }
    }
}

/// Ids by name from a whole list, found as given or ignoring ASCII case (the names are
/// English).
#[derive(Debug, Clone, Default)]
struct Names {
    ids: Ids,
    /// Every page was read.
    complete: bool,
}

impl Names {
    fn learn(&mut self, name: &str, id: &str) {
        self.ids.keep_first(name.to_owned(), id);
        self.ids.keep_first(name.to_ascii_lowercase(), id);
    }

    /// Learns the `name` and `id` of every item of a list.
    fn learn_all(&mut self, items: &[Value]) {
        for item in items {
            if let (Some(name), Some(id)) = (item["name"].as_str(), item["id"].as_str()) {
                self.learn(name, id);
            }
        }
    }

    /// The id of `name`: itself when it is an id, else the one learnt for it; or an error on
    /// `field` saying `missing` (`"the account has no role named"`) and the name.
    fn id(&self, name: &str, field: &str, missing: &str) -> Result<String, Invalid> {
        if is_id(name) {
            return Ok(name.to_owned());
        }
        let found = self.ids.get(name);
        let found = found.or_else(|| self.ids.get(&name.to_ascii_lowercase()));
        let missing = || Invalid::new(field, format!("{missing} {name:?}"));
        found.cloned().ok_or_else(missing)
    }
}

/// Ids by name (role names, member e-mails). An account has few enough to search a list, and
/// a list costs the .wasm less code than another kind of map.
#[derive(Debug, Clone, Default)]
struct Ids(Vec<(String, String)>);

impl Ids {
    fn get(&self, name: &str) -> Option<&String> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, id)| id)
    }

    /// Keeps the first id given for a name.
    fn keep_first(&mut self, name: String, id: &str) {
        if self.get(&name).is_none() {
            self.0.push((name, id.to_owned()));
        }
    }

    /// The last id given for a name wins.
    fn set(&mut self, name: String, id: String) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = id,
            None => self.0.push((name, id)),
        }
    }
}

impl Onboarding {
    /// Checks the spec and prepares the flow; nothing is sent yet.
    /// `random` is 16 random bytes from the host: the account's create carries an idempotency
    /// key made from them, the same on every resend, so a create whose answer was lost is
    /// resent rather than reconciled by name.
    pub fn new(
        client: Client,
        spec: OnboardingSpec,
        policy: RetryPolicy,
        random: [u8; 16],
    ) -> Result<Self, Error> {
        Self::with_resolved(client, spec, policy, random, Resolved::default())
    }

    /// As [`new`](Onboarding::new), knowing the ids that earlier onboardings of the same
    /// tenant resolved by name (role and permission group ids are the same in every account),
    /// so they are not looked up again.
    pub fn with_resolved(
        client: Client,
        mut spec: OnboardingSpec,
        policy: RetryPolicy,
        random: [u8; 16],
        resolved: Resolved,
    ) -> Result<Self, Error> {
        let fail = |e: Invalid| Error::from(e).in_operation("onboarding");
        match &spec.account_id {
            Some(id) => {
                params::read("account_id", Kind::Id, &id.as_str().into()).map_err(fail)?;
            }
            None => {
                params::lay_out(&CreateAccount::PARAMS, &account_params(&spec)).map_err(fail)?;
            }
        }
        // The members move into the invitations; the spec keeps the rest.
        let mut invites = std::mem::take(&mut spec.members);
        let members = invites.len();
        if let Some(user) = &spec.service_user {
            let roles = if user.roles.is_empty() {
                vec!["Administrator".to_owned()]
            } else {
                user.roles.clone()
            };
            invites.push(MemberSpec {
                email: user.email.clone(),
                roles,
                ..MemberSpec::default()
            });
        }
        for (i, member) in invites.iter().enumerate() {
            // The service user's invitation comes last; name its fields as the spec does.
            let at = |field: &str| {
                if i == members {
                    format!("service_user.{field}")
                } else {
                    format!("members[{i}].{field}")
                }
            };
            params::read(
                "email",
                Kind::Name(MAX_EMAIL),
                &member.email.as_str().into(),
            )
            .map_err(|e| fail(Invalid::new(at("email"), e.reason)))?;
            let given = [
                !member.roles.is_empty(),
                !member.permission_groups.is_empty(),
                member.policies.is_some(),
            ];
            let reason = match given.iter().filter(|g| **g).count() {
                0 => Some("give roles, permission_groups or policies"),
                1 => None,
                _ => Some("give roles, permission_groups or policies: one of them"),
            };
            if let Some(reason) = reason {
                return Err(fail(Invalid::new(at("roles"), reason)));
            }
        }
        if let Some(reference) = &spec.customer_ref {
            params::read(
                "customer_ref",
                Kind::Name(MAX_CUSTOMER_REF),
                &reference.as_str().into(),
            )
            .map_err(fail)?;
        }
        if let Some(token) = &spec.token {
            params::read(
                "token.name",
                Kind::Name(MAX_TOKEN_NAME),
                &token.name.as_str().into(),
            )
            .map_err(fail)?;
        }
        let report = Report {
            account: Step::new(&spec.name),
            members: invites.iter().map(|m| Step::new(&m.email)).collect(),
            service_user: spec.service_user.as_ref().map(|u| Step::new(&u.email)),
            api_key: None,
            invitation: spec.service_user.as_ref().map(|u| Step::new(&u.email)),
            token: spec.token.as_ref().map(|t| Step::new(&t.name)),
            token_value: None,
            complete: false,
        };
        let stage = Stage::FindAccount {
            pages: account_search(&spec.name),
            reconciling: false,
        };
        let creates = vec![0; invites.len()];
        let spec_key = spec
            .customer_ref
            .as_deref()
            .map(crate::idempotency::key_for_customer);
        let mut flow = Onboarding {
            client,
            policy,
            spec,
            invites,
            stage,
            call: None,
            report,
            found: Vec::new(),
            resolved,
            resource_group: None,
            members: Ids::default(),
            accepted: Vec::new(),
            token_creates: 0,
            creates,
            account_creates: 0,
            account_key: match &spec_key {
                Some(key) => key.clone(),
                None => crate::idempotency::key_from(random),
            },
            found_before: Vec::new(),
            user_creates: 0,
            service_user: None,
        };
        flow.resume_from_checkpoint();
        if let Some(id) = flow.spec.account_id.clone() {
            flow.report.account.done(StepStatus::Existed, Some(id));
            flow.stage = flow.after_account();
            flow.finish();
        }
        Ok(flow)
    }

    /// Takes the steps an earlier run's report found done as existing: the account by its id
    /// (the lookup by name is skipped), and each member, service user, invitation and token
    /// whose target is the same. Steps it did not finish are run as usual.
    fn resume_from_checkpoint(&mut self) {
        let Some(checkpoint) = self.spec.checkpoint.take() else {
            return;
        };
        let done = |step: &Value| -> Option<Option<String>> {
            let finished = matches!(step["status"].as_str(), Some("created" | "existed"));
            finished.then(|| step["id"].as_str().map(str::to_owned))
        };
        let same = |step: &Value, target: &str| {
            step["target"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case(target))
        };
        let account = &checkpoint["account"];
        let account_id = done(account).flatten().filter(|id| is_id(id));
        if let Some(id) = account_id.filter(|_| same(account, &self.spec.name)) {
            if self.spec.account_id.is_none() {
                self.spec.account_id = Some(id);
            }
        }
        let earlier = checkpoint["members"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        for step in &mut self.report.members {
            if let Some(id) = earlier
                .iter()
                .filter(|e| same(e, &step.target))
                .find_map(done)
            {
                step.done(StepStatus::Existed, id);
            }
        }
        for (key, step) in [
            ("service_user", self.report.service_user.as_mut()),
            ("invitation", self.report.invitation.as_mut()),
            ("token", self.report.token.as_mut()),
        ] {
            if let Some(step) = step {
                let earlier = &checkpoint[key];
                if let Some(id) = done(earlier).filter(|_| same(earlier, &step.target)) {
                    step.done(StepStatus::Existed, id);
                }
            }
        }
    }

    /// The invitations whose step is still to do.
    fn pending_invites(&self) -> impl Iterator<Item = &MemberSpec> {
        self.invites
            .iter()
            .zip(&self.report.members)
            .filter(|(_, step)| step.status == StepStatus::Pending)
            .map(|(member, _)| member)
    }

    /// What the report says so far (final once [`Action::Done`] came).
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// The ids this onboarding knows by name, for the next onboarding of the tenant.
    pub fn resolved(&self) -> &Resolved {
        &self.resolved
    }

    /// Takes the ids that other onboardings of the same tenant resolved since this one was
    /// made (see [`with_resolved`](Onboarding::with_resolved)).
    pub fn learn(&mut self, resolved: &Resolved) {
        self.resolved.merge(resolved);
    }

    /// The next thing to do. Each send is paced by `pacers` as the identity that signs it;
    /// the host must hand a [`Action::Send`] to its transport right away.
    pub fn next_action(&mut self, pacers: &mut Pacers, now: Clock) -> Action {
        loop {
            if let Some(call) = &mut self.call {
                if let Some(wait) = call.wait.take() {
                    return Action::Wait(wait);
                }
                let credentials = if call.as_service_user {
                    self.service_user.as_ref()
                } else {
                    None
                };
                match self
                    .client
                    .request_named(call.operation, call.params.clone(), credentials)
                {
                    Ok(request) => {
                        let identity = Identity::of(request.headers());
                        match pacers.acquire(identity, now.monotonic) {
                            Ok(ticket) => {
                                call.sent = Some((identity, ticket));
                                return Action::Send(request);
                            }
                            Err(wait) => return Action::Wait(wait),
                        }
                    }
                    Err(e) => {
                        self.call = None;
                        self.complete(Err(e));
                        continue;
                    }
                }
            }
            if matches!(self.stage, Stage::Done) {
                return Action::Done;
            }
            match self.call_for_stage() {
                Ok(call) => self.call = Some(call),
                Err(e) => self.complete(Err(e)),
            }
        }
    }

    /// Feeds what happened to the request [`Action::Send`] gave, at `now`; `jitter` in
    /// `[0, 1)` spreads backoffs.
    pub fn feed(&mut self, pacers: &mut Pacers, attempt: Attempt<'_>, now: Clock, jitter: f64) {
        let Some(call) = &mut self.call else {
            return;
        };
        if let Some((identity, ticket)) = call.sent.take() {
            if let Some(ticket) = ticket {
                pacers.settle(identity, ticket, now.monotonic);
            }
            if let Attempt::Response { headers, .. } = attempt {
                pacers.observe(identity, headers, now.monotonic, now.wall);
            }
        }
        let outcome = match call.retry.after(attempt, now.wall, jitter) {
            Next::Wait(wait) => {
                call.wait = Some(wait);
                return;
            }
            Next::Fail(error) => Err(error),
            Next::Done => match attempt {
                Attempt::Response {
                    status,
                    headers,
                    body,
                } => parse_response_named(call.operation, status, headers, body),
                _ => unreachable!("a transport error is never done"),
            },
        };
        self.call = None;
        self.complete(outcome);
    }

    /// Gives up (the host was aborted): frees the place of a send in flight, at `now`, and
    /// ends the flow; the report keeps what was done.
    pub fn abandon(&mut self, pacers: &mut Pacers, now: Clock) {
        if let Some((identity, Some(ticket))) = self.call.take().and_then(|call| call.sent) {
            pacers.settle(identity, ticket, now.monotonic);
        }
        self.stage = Stage::Done;
    }

    fn call_for_stage(&self) -> Result<Call, Error> {
        let (operation, params, as_service_user) = match &self.stage {
            Stage::FindAccount { pages, .. }
            | Stage::ResolveRoles(pages)
            | Stage::ResolvePermissionGroups(pages)
            | Stage::ListMembers { pages, .. } => (
                pages.operation(),
                pages.next_params().unwrap_or(Value::Null),
                false,
            ),
            Stage::FindInvitation(pages) => (
                pages.operation(),
                pages.next_params().unwrap_or(Value::Null),
                true,
            ),
            Stage::CreateAccount => {
                let mut params = account_params(&self.spec);
                params["idempotency_key"] = self.account_key.as_str().into();
                (CreateAccount::NAME, params, false)
            }
            Stage::FindResourceGroup => (
                "accounts.resource_groups.list",
                object([
                    ("account_id", self.account_id().into()),
                    ("name", self.resource_group_name().into()),
                ]),
                false,
            ),
            Stage::CreateMember(i) => ("accounts.members.create", self.member_params(*i)?, false),
            Stage::CreateServiceUser => {
                let email = self.spec.service_user.as_ref().map(|u| u.email.clone());
                ("users.create", object([("email", email.into())]), false)
            }
            Stage::AcceptInvitation(id) => (
                "memberships.update",
                object([
                    ("membership_id", id.as_str().into()),
                    ("status", "accepted".into()),
                ]),
                true,
            ),
            Stage::FindToken { pages, .. } => (
                pages.operation(),
                pages.next_params().unwrap_or(Value::Null),
                false,
            ),
            Stage::ResolveTokenGroups => (
                "accounts.tokens.permission_groups.list",
                object([("account_id", self.account_id().into())]),
                false,
            ),
            Stage::CreateToken => ("accounts.tokens.create", self.token_params()?, false),
            Stage::RollToken(id) => (
                "accounts.tokens.value.roll",
                object([
                    ("account_id", self.account_id().into()),
                    ("token_id", id.as_str().into()),
                ]),
                false,
            ),
            Stage::Done => unreachable!("no call once done"),
        };
        let method = operation_method(operation);
        let retry = Retry::new(self.policy, operation, method);
        Ok(Call {
            operation,
            as_service_user,
            retry: if params.get("idempotency_key").is_some() {
                retry.keyed()
            } else {
                retry
            },
            params,
            wait: None,
            sent: None,
        })
    }

    /// Creates are resent only after looking showed they were not done (or, for a service
    /// user, when asking again is itself the look): as often as the policy retries.
    fn create_limit(&self) -> u32 {
        (self.policy.max_retries + 1).max(MIN_CREATES)
    }

    fn account_id(&self) -> String {
        self.report.account.id.clone().unwrap_or_default()
    }

    fn member_params(&self, i: usize) -> Result<Value, Error> {
        let member = &self.invites[i];
        let mut params = Map::new();
        params.insert("account_id".into(), self.account_id().into());
        params.insert("email".into(), member.email.as_str().into());
        match &member.policies {
            Some(policies) => {
                let policies = policies.iter().map(PolicyInput::to_json).collect();
                params.insert("policies".into(), Value::Array(policies))
            }
            None if !member.permission_groups.is_empty() => {
                let policy = PolicyInput {
                    id: None,
                    access: Access::Allow,
                    permission_groups: member
                        .permission_groups
                        .iter()
                        .map(|group| {
                            let missing = "the account has no permission group named";
                            let groups = &self.resolved.permission_groups;
                            groups
                                .id(group, "permission_groups", missing)
                                .map(IdRef::new)
                        })
                        .collect::<Result<_, _>>()
                        .map_err(in_member_create)?,
                    resource_groups: vec![IdRef::new(
                        self.resource_group.clone().unwrap_or_default(),
                    )],
                };
                params.insert("policies".into(), Value::Array(vec![policy.to_json()]))
            }
            None => {
                let ids = member
                    .roles
                    .iter()
                    .map(|role| {
                        let missing = "the account has no role named";
                        self.resolved.roles.id(role, "roles", missing)
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(in_member_create)?;
                params.insert("roles".into(), ids.into())
            }
        };
        Ok(Value::Object(params))
    }

    /// Every account has a resource group for its whole scope, by this name.
    fn resource_group_name(&self) -> String {
        format!("com.cloudflare.api.account.{}", self.account_id())
    }

    /// Moves the flow on after a call finished.
    fn complete(&mut self, outcome: Result<ApiResponse<Value>, Error>) {
        let stage = std::mem::replace(&mut self.stage, Stage::Done);
        self.stage = match stage {
            Stage::FindAccount {
                mut pages,
                reconciling,
            } => match outcome {
                Ok(response) => {
                    let name = self.spec.name.clone();
                    self.found.extend(
                        pages
                            .feed(response)
                            .into_iter()
                            .filter(|a| a["name"].as_str() == Some(name.as_str())),
                    );
                    if pages.next_params().is_some() {
                        Stage::FindAccount { pages, reconciling }
                    } else {
                        self.account_found(reconciling)
                    }
                }
                Err(e) => self.account_failed(&e),
            },
            Stage::CreateAccount => {
                self.account_creates += 1;
                match outcome {
                    Ok(response) => {
                        let id = response.result["id"].as_str().map(str::to_owned);
                        // The key's earlier answer, replayed: a run before made it.
                        let replayed = id.as_ref().is_some_and(|id| self.found_before.contains(id));
                        let status = if replayed {
                            StepStatus::Existed
                        } else {
                            StepStatus::Created
                        };
                        self.report.account.done(status, id);
                        self.after_account()
                    }
                    // The customer's key made an account from another body: the spec changed
                    // since (name, unit, KYC). That account is this customer's, but it is not
                    // what the spec says: nothing is touched.
                    Err(Error::Api(api))
                        if api.status == 422 && self.spec.customer_ref.is_some() =>
                    {
                        let reason = "this customer_ref's key made an account from other \
                                      details (name, unit or KYC changed since); nothing was \
                                      touched";
                        let step = &mut self.report.account;
                        step.fail(&Error::Api(api));
                        step.error = Some(
                            Error::from(Invalid::new("customer_ref", reason))
                                .in_operation("onboarding")
                                .to_json(),
                        );
                        step.status = StepStatus::Conflict;
                        Stage::Done
                    }
                    Err(Error::OutcomeUnknown(_)) => {
                        self.found.clear();
                        Stage::FindAccount {
                            pages: account_search(&self.spec.name),
                            reconciling: true,
                        }
                    }
                    Err(e) => self.account_failed(&e),
                }
            }
            Stage::ResolveRoles(mut pages) => match outcome {
                Ok(response) => {
                    self.resolved.roles.learn_all(&pages.feed(response));
                    if pages.next_params().is_some() {
                        Stage::ResolveRoles(pages)
                    } else {
                        self.resolved.roles.complete = true;
                        self.after_roles()
                    }
                }
                Err(e) => self.members_failed(0, &e),
            },
            Stage::ResolvePermissionGroups(mut pages) => match outcome {
                Ok(response) => {
                    self.resolved
                        .permission_groups
                        .learn_all(&pages.feed(response));
                    if pages.next_params().is_some() {
                        Stage::ResolvePermissionGroups(pages)
                    } else {
                        self.resolved.permission_groups.complete = true;
                        Stage::FindResourceGroup
                    }
                }
                Err(e) => self.members_failed(0, &e),
            },
            Stage::FindResourceGroup => match outcome {
                Ok(response) => {
                    let name = self.resource_group_name();
                    let found = response.result.as_array().and_then(|groups| {
                        groups
                            .iter()
                            .find(|g| g["name"].as_str() == Some(name.as_str()))
                            .and_then(|g| g["id"].as_str())
                    });
                    match found {
                        Some(id) => {
                            self.resource_group = Some(id.to_owned());
                            self.list_members(None)
                        }
                        None => {
                            let missing = Invalid::new(
                                "permission_groups",
                                format!("the account has no resource group named {name}"),
                            );
                            self.members_failed(0, &missing.into())
                        }
                    }
                }
                Err(e) => self.members_failed(0, &e),
            },
            Stage::ListMembers {
                mut pages,
                reconciling,
            } => match outcome {
                Ok(response) => {
                    for member in pages.feed(response) {
                        let email = member["email"]
                            .as_str()
                            .or_else(|| member["user"]["email"].as_str());
                        if let (Some(email), Some(id)) = (email, member["id"].as_str()) {
                            let email = email.to_ascii_lowercase();
                            if member["status"] == "accepted" {
                                self.accepted.push(email.clone());
                            }
                            self.members.set(email, id.to_owned());
                        }
                    }
                    if pages.next_params().is_some() {
                        Stage::ListMembers { pages, reconciling }
                    } else {
                        self.next_member(reconciling.unwrap_or(0), reconciling.is_some())
                    }
                }
                Err(e) => self.members_failed(reconciling.unwrap_or(0), &e),
            },
            Stage::CreateMember(i) => {
                if let Some(sends) = self.creates.get_mut(i) {
                    *sends += 1;
                }
                match outcome {
                    Ok(response) => {
                        let id = response.result["id"].as_str().map(str::to_owned);
                        if let Some(id) = &id {
                            let email = self.invites[i].email.to_ascii_lowercase();
                            self.members.set(email, id.clone());
                        }
                        self.report.members[i].done(StepStatus::Created, id);
                        self.next_member(i + 1, false)
                    }
                    Err(Error::OutcomeUnknown(_)) => self.list_members(Some(i)),
                    Err(e) => {
                        self.report.members[i].fail(&e);
                        self.next_member(i + 1, false)
                    }
                }
            }
            Stage::CreateServiceUser => {
                self.user_creates += 1;
                let unknown_before = self.user_creates > 1;
                let may_ask_again = self.user_creates < self.create_limit();
                let step = self
                    .report
                    .service_user
                    .as_mut()
                    .expect("a service user step");
                match outcome {
                    Ok(response) => {
                        let id = response.result["id"].as_str().map(str::to_owned);
                        let key = response.result["api_key"].as_str().map(Secret::new);
                        step.done(StepStatus::Created, id);
                        self.service_user = key
                            .as_ref()
                            .and_then(|k| Credentials::user_service_key(k.expose()).ok());
                        self.report.api_key = key;
                    }
                    // The first create's answer was lost; asking again shows whether it was
                    // made. Made by this run then, but its key went with the lost answer.
                    Err(Error::Api(api)) if api.status == 409 && unknown_before => {
                        step.done(StepStatus::Created, None);
                        step.reconciled = true;
                    }
                    Err(Error::Api(api)) if api.status == 409 => {
                        step.done(StepStatus::Existed, None)
                    }
                    Err(Error::OutcomeUnknown(_)) if may_ask_again => {
                        self.stage = Stage::CreateServiceUser;
                        return;
                    }
                    Err(e) => step.fail(&e),
                }
                // Without its key the user cannot accept; the partner can still invite it.
                self.next_member(self.invites.len() - 1, false)
            }
            Stage::FindInvitation(mut pages) => match outcome {
                Ok(response) => {
                    let account_id = self.account_id();
                    let mine = pages
                        .feed(response)
                        .into_iter()
                        .find(|m| m["account"]["id"].as_str() == Some(account_id.as_str()));
                    match mine {
                        Some(m) if m["status"] == "accepted" => {
                            self.invitation_done(StepStatus::Existed, &m);
                            Stage::Done
                        }
                        Some(m) => {
                            Stage::AcceptInvitation(m["id"].as_str().unwrap_or_default().to_owned())
                        }
                        None if pages.next_params().is_some() => Stage::FindInvitation(pages),
                        None => {
                            let missing = Invalid::new(
                                "membership",
                                "the service user sees no invitation to this account",
                            );
                            self.invitation_failed(&missing.into());
                            Stage::Done
                        }
                    }
                }
                Err(e) => {
                    self.invitation_failed(&e);
                    Stage::Done
                }
            },
            Stage::AcceptInvitation(_) => {
                match outcome {
                    Ok(response) => self.invitation_done(StepStatus::Created, &response.result),
                    Err(e) => self.invitation_failed(&e),
                }
                Stage::Done
            }
            Stage::ResolveTokenGroups => match outcome {
                Ok(response) => {
                    let groups = response.result.as_array().map_or(&[][..], Vec::as_slice);
                    self.resolved.token_groups.learn_all(groups);
                    self.resolved.token_groups.complete = true;
                    self.token_stage()
                }
                Err(e) => self.token_failed(&e),
            },
            Stage::FindToken {
                mut pages,
                recovering,
            } => match outcome {
                Ok(response) => {
                    let name = self.spec.token.as_ref().map(|t| t.name.clone());
                    let found = pages
                        .feed(response)
                        .into_iter()
                        .find(|t| t["name"].as_str() == name.as_deref());
                    match found.and_then(|t| t["id"].as_str().map(str::to_owned)) {
                        Some(id) if recovering => Stage::RollToken(id),
                        Some(id) => {
                            self.token_done(StepStatus::Existed, Some(id));
                            Stage::Done
                        }
                        None if pages.next_params().is_some() => {
                            Stage::FindToken { pages, recovering }
                        }
                        None if self.token_creates < self.create_limit() => Stage::CreateToken,
                        None => self.token_failed(
                            &Invalid::new("token", "the token could not be created").into(),
                        ),
                    }
                }
                Err(e) => self.token_failed(&e),
            },
            Stage::CreateToken => {
                self.token_creates += 1;
                match outcome {
                    Ok(response) => {
                        let id = response.result["id"].as_str().map(str::to_owned);
                        self.report.token_value =
                            response.result["value"].as_str().map(Secret::new);
                        self.token_done(StepStatus::Created, id);
                        Stage::Done
                    }
                    // Made or not: look by name; if made, its value went with the lost
                    // answer, so it is rolled.
                    Err(Error::OutcomeUnknown(_)) => self.find_token(true),
                    Err(e) => self.token_failed(&e),
                }
            }
            Stage::RollToken(id) => match outcome {
                Ok(response) => {
                    self.report.token_value = response.result.as_str().map(Secret::new);
                    self.token_done(StepStatus::Created, Some(id));
                    if let Some(step) = &mut self.report.token {
                        step.reconciled = true;
                    }
                    Stage::Done
                }
                Err(e) => self.token_failed(&e),
            },
            Stage::Done => Stage::Done,
        };
        self.finish();
    }

    /// At the end of the flow: the token, when one is asked for and the account is known;
    /// then the report's verdict.
    fn finish(&mut self) {
        if !matches!(self.stage, Stage::Done) {
            return;
        }
        let account_known = self.report.account.id.is_some()
            && matches!(
                self.report.account.status,
                StepStatus::Created | StepStatus::Existed
            );
        let token_pending = self
            .report
            .token
            .as_ref()
            .is_some_and(|t| t.status == StepStatus::Pending);
        if account_known && token_pending {
            self.stage = self.token_stage();
            if !matches!(self.stage, Stage::Done) {
                return;
            }
        }
        self.report.complete = self.report_is_complete();
    }

    /// The token's next step: its groups' ids, then a create for a fresh account (it has no
    /// tokens), else a look by name first.
    fn token_stage(&mut self) -> Stage {
        let names = self
            .spec
            .token
            .as_ref()
            .is_some_and(|t| t.permission_groups.iter().any(|g| !is_id(g)));
        if names && !self.resolved.token_groups.complete {
            return Stage::ResolveTokenGroups;
        }
        if self.report.account.status == StepStatus::Created {
            return Stage::CreateToken;
        }
        self.find_token(false)
    }

    fn find_token(&mut self, recovering: bool) -> Stage {
        let params = object([
            ("account_id", self.account_id().into()),
            ("per_page", 50.into()),
        ]);
        match NamedPaginator::new("accounts.tokens.list", params) {
            Ok(pages) => Stage::FindToken { pages, recovering },
            Err(e) => self.token_failed(&e),
        }
    }

    /// `accounts.tokens.create` for the spec's token: one allow policy of its groups on the
    /// account.
    fn token_params(&self) -> Result<Value, Error> {
        let token = self.spec.token.as_ref().expect("a token step");
        let groups = token
            .permission_groups
            .iter()
            .map(|group| {
                let missing = "no token permission group is named";
                let id = self
                    .resolved
                    .token_groups
                    .id(group, "token.permission_groups", missing);
                id.map(|id| object([("id", id.into())]))
                    .map_err(|e| Error::from(e).in_operation("accounts.tokens.create"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        // The token's resource is the account's whole scope, named as its resource group is.
        let resource = self.resource_group_name();
        let policy = object([
            ("effect", "allow".into()),
            ("permission_groups", Value::Array(groups)),
            ("resources", object([(resource.as_str(), "*".into())])),
        ]);
        Ok(object([
            ("account_id", self.account_id().into()),
            ("name", token.name.as_str().into()),
            ("policies", Value::Array(vec![policy])),
        ]))
    }

    fn token_done(&mut self, status: StepStatus, id: Option<String>) {
        if let Some(step) = &mut self.report.token {
            step.done(status, id);
        }
    }

    fn token_failed(&mut self, error: &Error) -> Stage {
        if let Some(step) = &mut self.report.token {
            step.fail(error);
        }
        Stage::Done
    }

    /// Names are not unique: an account found by name is this customer's only when this
    /// onboarding made it (found after its own create's outcome was unknown, when the lookup
    /// before that create had found none), or when the spec says to adopt it.
    fn account_found(&mut self, reconciling: bool) -> Stage {
        let mut found = std::mem::take(&mut self.found);
        let id = |account: &Value| account["id"].as_str().map(str::to_owned);
        if self.spec.customer_ref.is_some() && !self.spec.adopt {
            // The key says which account is this customer's: accounts that were there before
            // the create are no answer to a lookup after it.
            if reconciling {
                found.retain(|a| id(a).is_some_and(|id| !self.found_before.contains(&id)));
            } else {
                self.found_before = found.iter().filter_map(id).collect();
                found.clear();
            }
        }
        match found.as_slice() {
            [account] if reconciling || self.spec.adopt => {
                let status = if reconciling {
                    StepStatus::Created
                } else {
                    StepStatus::Existed
                };
                self.report.account.done(status, id(account));
                self.report.account.reconciled = reconciling;
                self.after_account()
            }
            [] if self.account_creates < self.create_limit() => Stage::CreateAccount,
            [] => self
                .account_failed(&Invalid::new("name", "the account could not be created").into()),
            [account] => {
                let reason = format!(
                    "an account named {:?} exists already and this onboarding did not create \
                     it; it may be another customer's, so nothing was touched (set `adopt` to \
                     onboard into it)",
                    self.spec.name
                );
                let step = &mut self.report.account;
                step.fail(&Error::from(Invalid::new("name", reason)).in_operation("onboarding"));
                step.status = StepStatus::Conflict;
                step.id = id(account);
                Stage::Done
            }
            several => {
                let reason = format!(
                    "{} accounts are named {:?}; onboarding will not guess which is this customer's",
                    several.len(),
                    self.spec.name
                );
                self.account_failed(&Invalid::new("name", reason).into())
            }
        }
    }

    fn account_failed(&mut self, error: &Error) -> Stage {
        self.report.account.fail(error);
        Stage::Done
    }

    fn after_account(&mut self) -> Stage {
        let needs_names = self
            .pending_invites()
            .any(|m| m.policies.is_none() && m.roles.iter().any(|r| !is_id(r)));
        if needs_names && !self.resolved.roles.complete {
            match self.account_pages("accounts.roles.list") {
                Ok(pages) => return Stage::ResolveRoles(pages),
                Err(e) => return self.members_failed(0, &e),
            }
        }
        self.after_roles()
    }

    /// Permission groups given by name are resolved through the paginated list; any given
    /// at all need the account's own resource group.
    fn after_roles(&mut self) -> Stage {
        let needs_names = self
            .pending_invites()
            .any(|m| m.permission_groups.iter().any(|g| !is_id(g)));
        if needs_names && !self.resolved.permission_groups.complete {
            match self.account_pages("accounts.permission_groups.list") {
                Ok(pages) => return Stage::ResolvePermissionGroups(pages),
                Err(e) => return self.members_failed(0, &e),
            }
        }
        if self
            .pending_invites()
            .any(|m| !m.permission_groups.is_empty())
        {
            return Stage::FindResourceGroup;
        }
        self.list_members(None)
    }

    /// Pages through a list of the account's, the largest pages first.
    fn account_pages(&self, operation: &str) -> Result<NamedPaginator, Error> {
        let params = object([
            ("account_id", self.account_id().into()),
            ("per_page", 50.into()),
        ]);
        NamedPaginator::new(operation, params)
    }

    fn list_members(&mut self, reconciling: Option<usize>) -> Stage {
        // An account this run created has no members to find yet: only a member create whose
        // outcome is unknown needs a look.
        let fresh = self.report.account.status == StepStatus::Created && reconciling.is_none();
        if self.pending_invites().next().is_none() || fresh {
            return self.next_member(0, false);
        }
        match self.account_pages("accounts.members.list") {
            Ok(pages) => Stage::ListMembers { pages, reconciling },
            Err(e) => self.members_failed(reconciling.unwrap_or(0), &e),
        }
    }

    /// The next invitation from `i` on, skipping members that exist; the service user is
    /// created just before its own invitation.
    fn next_member(&mut self, start: usize, reconciling: bool) -> Stage {
        let limit = self.create_limit();
        let mut i = start;
        while i < self.invites.len() {
            // Only the member whose create had an unknown outcome was made by this run.
            let reconciling = reconciling && i == start;
            let service_invite = self.spec.service_user.is_some() && i == self.invites.len() - 1;
            let service_pending = self
                .report
                .service_user
                .as_ref()
                .is_some_and(|s| s.status == StepStatus::Pending);
            if service_invite && service_pending {
                // A member of the account already: the user exists, no create to send.
                let email = self.invites[i].email.to_ascii_lowercase();
                match (self.members.get(&email), &mut self.report.service_user) {
                    (Some(_), Some(step)) => step.done(StepStatus::Existed, None),
                    _ => return Stage::CreateServiceUser,
                }
            }
            let email = self.invites[i].email.to_ascii_lowercase();
            let step = &mut self.report.members[i];
            if let Some(id) = self.members.get(&email) {
                if step.status == StepStatus::Pending {
                    let status = if reconciling {
                        StepStatus::Created
                    } else {
                        StepStatus::Existed
                    };
                    step.done(status, Some(id.clone()));
                    step.reconciled = reconciling;
                }
                i += 1;
                continue;
            }
            if step.status == StepStatus::Pending
                && self.creates.get(i).is_some_and(|sends| *sends < limit)
            {
                return Stage::CreateMember(i);
            }
            if step.status == StepStatus::Pending {
                step.fail(&Invalid::new("email", "the invitation could not be sent").into());
            }
            i += 1;
        }
        self.after_members()
    }

    fn members_failed(&mut self, from: usize, error: &Error) -> Stage {
        for step in &mut self.report.members[from..] {
            if step.status == StepStatus::Pending {
                step.fail(error);
            }
        }
        self.after_members()
    }

    fn after_members(&mut self) -> Stage {
        let Some(step) = &self.report.invitation else {
            return Stage::Done;
        };
        if step.status != StepStatus::Pending {
            return Stage::Done;
        }
        // Accepted already (a run before this one finished): done, key or no key.
        let user = self.invites.last().map(|m| m.email.to_ascii_lowercase());
        if let Some(user) = user.filter(|u| self.accepted.contains(u)) {
            let id = self.members.get(&user).cloned();
            if let Some(step) = &mut self.report.invitation {
                step.done(StepStatus::Existed, id);
            }
            return Stage::Done;
        }
        let invited = self
            .report
            .members
            .last()
            .is_some_and(|m| matches!(m.status, StepStatus::Created | StepStatus::Existed));
        if self.service_user.is_none() || !invited {
            let user = self.report.service_user.as_ref().map(|u| u.status);
            let reason = match user {
                _ if self.service_user.is_some() => "the service user was not invited",
                Some(StepStatus::Created) => {
                    "the service user was created, but its API key was lost with the unanswered \
                     users.create response, so it cannot act; give it a new key to accept"
                }
                Some(StepStatus::Existed) => {
                    "the service user existed before this run, so its API key is not known here"
                }
                _ => "the service user could not be created",
            };
            self.invitation_failed(&Invalid::new("service_user", reason).into());
            return Stage::Done;
        }
        match NamedPaginator::new("memberships.list", object([("per_page", 50.into())])) {
            Ok(pages) => Stage::FindInvitation(pages),
            Err(e) => {
                self.invitation_failed(&e);
                Stage::Done
            }
        }
    }

    fn invitation_done(&mut self, status: StepStatus, membership: &Value) {
        if let Some(step) = &mut self.report.invitation {
            step.done(status, membership["id"].as_str().map(str::to_owned));
        }
    }

    fn invitation_failed(&mut self, error: &Error) {
        if let Some(step) = &mut self.report.invitation {
            step.fail(error);
        }
    }

    fn report_is_complete(&self) -> bool {
        let r = &self.report;
        std::iter::once(&r.account)
            .chain(&r.members)
            .chain(&r.service_user)
            .chain(&r.token)
            .chain(&r.invitation)
            .all(|s| matches!(s.status, StepStatus::Created | StepStatus::Existed))
    }
}

/// A name a member's create could not resolve, as that create's error.
fn in_member_create(invalid: Invalid) -> Error {
    Error::from(invalid).in_operation("accounts.members.create")
}

fn account_params(spec: &OnboardingSpec) -> Value {
    let mut params = Map::new();
    params.insert("name".into(), spec.name.as_str().into());
    if spec.standalone {
        params.insert("standalone".into(), true.into());
    }
    let optional = [
        ("type", spec.r#type.as_ref().map(|t| t.as_str().to_owned())),
        ("unit_id", spec.unit_id.clone()),
        ("business_name", spec.business_name.clone()),
        ("business_address", spec.business_address.clone()),
        ("business_email", spec.business_email.clone()),
        ("business_phone", spec.business_phone.clone()),
        ("external_metadata", spec.external_metadata.clone()),
    ];
    for (field, value) in optional {
        if let Some(value) = value {
            params.insert(field.into(), value.into());
        }
    }
    Value::Object(params)
}

fn account_search(name: &str) -> NamedPaginator {
    NamedPaginator::new(
        "accounts.list",
        object([("name", name.into()), ("per_page", 50.into())]),
    )
    // Not `expect`: it would bring `Error`'s Debug (and Value's) into the .wasm.
    .unwrap_or_else(|_| unreachable!("accounts.list is a paginated operation"))
}

fn operation_method(name: &str) -> Method {
    operation(name).map_or(Method::GET, |info| info.method.clone())
}

fn is_id(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit())
}
