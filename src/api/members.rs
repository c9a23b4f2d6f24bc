//! `accounts.members.*`: who may use an account, by roles or by policies.

use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{
    paginated, Access, Deleted, Direction, IdRef, Kind, Member, MemberStatus, Operation, Param,
    Params, Rule, WireEnum,
};
use crate::params::id_ref;

/// Longest e-mail the API takes.
pub const MAX_EMAIL: usize = 90;

/// A policy as a request sends it: permission groups allowed or denied on resource groups.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyInput {
    /// The policy's id, to keep an existing policy on update; new policies have none.
    #[serde(default)]
    pub id: Option<String>,
    /// `allow` or `deny`.
    pub access: Access,
    /// Permission group ids (`"id"` or `{"id": "..."}`).
    pub permission_groups: Vec<IdRef>,
    /// Resource group ids (`"id"` or `{"id": "..."}`).
    pub resource_groups: Vec<IdRef>,
}

impl PolicyInput {
    /// `{"id", "access", "permission_groups", "resource_groups"}` as the API takes it: groups
    /// as `{"id": ...}`, and `id` only when given.
    pub fn to_json(&self) -> Value {
        let refs = |groups: &[IdRef]| Value::Array(groups.iter().map(|g| id_ref(&g.id)).collect());
        let mut policy = Map::new();
        if let Some(id) = &self.id {
            policy.insert("id".into(), id.as_str().into());
        }
        policy.insert("access".into(), self.access.as_str().into());
        policy.insert("permission_groups".into(), refs(&self.permission_groups));
        policy.insert("resource_groups".into(), refs(&self.resource_groups));
        Value::Object(policy)
    }
}

serialize_as_json!(PolicyInput);

/// `accounts.members.list`: the members of an account.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ListMembers {
    /// The account id.
    pub account_id: String,
    /// Page number, from 1.
    pub page: Option<u32>,
    /// Page size, 5..=50.
    pub per_page: Option<u32>,
    /// Only members in this state (`accepted`, `pending`, `rejected`).
    pub status: Option<MemberStatus>,
    /// Sort key: `user.first_name`, `user.last_name`, `user.email` or `status`.
    pub order: Option<String>,
    /// Sort direction.
    pub direction: Option<Direction>,
}

impl Operation for ListMembers {
    const NAME: &'static str = "accounts.members.list";
    const METHOD: Method = Method::GET;
    type Output = Vec<Member>;
    const PARAMS: Params = Params::new(
        "/accounts/{account_id}/members",
        &[
            Param::path("account_id", Kind::Id),
            Param::query("order", Kind::OneOf(&ORDERS)),
            Param::query("status", Kind::OneOf(MemberStatus::VALUES)),
            Param::query("page", Kind::Page),
            Param::query("per_page", Kind::PerPage),
            Param::query("direction", Kind::OneOf(Direction::VALUES)),
        ],
    );
}

/// What `accounts.members.list` sorts by.
const ORDERS: [&str; 4] = ["user.first_name", "user.last_name", "user.email", "status"];

paginated!(ListMembers => Member);

/// `accounts.members.create`: invites someone by e-mail, with roles or with policies.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CreateMember {
    /// The account id.
    pub account_id: String,
    /// Who to invite, at most 90 characters.
    pub email: String,
    /// Role ids (see `accounts.roles.list`); or give `policies`.
    pub roles: Option<Vec<String>>,
    /// Policies; or give `roles`.
    pub policies: Option<Vec<PolicyInput>>,
    /// `pending` (an invitation). `accepted` is refused by the API for new members unless the
    /// tenant auto-accepts invites.
    pub status: Option<MemberStatus>,
}

impl Operation for CreateMember {
    const NAME: &'static str = "accounts.members.create";
    const METHOD: Method = Method::POST;
    type Output = Member;
    const PARAMS: Params = Params::with_body(
        "/accounts/{account_id}/members",
        &[
            Param::path("account_id", Kind::Id),
            Param::body("email", Kind::Name(MAX_EMAIL)).required(),
            Param::body("roles", Kind::RoleIds),
            Param::body("policies", Kind::Policies),
            Param::body("status", Kind::OneOf(&["accepted", "pending"])),
        ],
    )
    .rule(Rule::RolesOrPolicies);
}

/// `accounts.members.get`: one member, with its roles.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GetMember {
    /// The account id.
    pub account_id: String,
    /// The member id.
    pub member_id: String,
}

impl Operation for GetMember {
    const NAME: &'static str = "accounts.members.get";
    const METHOD: Method = Method::GET;
    type Output = Member;
    const PARAMS: Params = Params::new(
        "/accounts/{account_id}/members/{member_id}",
        &[
            Param::path("account_id", Kind::Id),
            Param::path("member_id", Kind::Id),
        ],
    );
}

/// `accounts.members.update`: replaces a member's roles or policies. Roles are given as ids and
/// sent as `[{"id": ...}]`, the only form this endpoint takes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UpdateMember {
    /// The account id.
    pub account_id: String,
    /// The member id.
    pub member_id: String,
    /// Role ids; or give `policies`.
    pub roles: Option<Vec<String>>,
    /// Policies; or give `roles`.
    pub policies: Option<Vec<PolicyInput>>,
}

impl Operation for UpdateMember {
    const NAME: &'static str = "accounts.members.update";
    const METHOD: Method = Method::PUT;
    type Output = Member;
    const PARAMS: Params = Params::with_body(
        "/accounts/{account_id}/members/{member_id}",
        &[
            Param::path("account_id", Kind::Id),
            Param::path("member_id", Kind::Id),
            Param::body("roles", Kind::RoleRefs),
            Param::body("policies", Kind::Policies),
        ],
    )
    .rule(Rule::RolesOrPolicies);
}

/// `accounts.members.delete`: removes a member. Sends the `{}` body the endpoint expects.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DeleteMember {
    /// The account id.
    pub account_id: String,
    /// The member id.
    pub member_id: String,
}

impl Operation for DeleteMember {
    const NAME: &'static str = "accounts.members.delete";
    const METHOD: Method = Method::DELETE;
    type Output = Option<Deleted>;
    const PARAMS: Params = Params::with_body(
        "/accounts/{account_id}/members/{member_id}",
        &[
            Param::path("account_id", Kind::Id),
            Param::path("member_id", Kind::Id),
        ],
    );
}
