//! `accounts.members.*`: who may use an account, by roles or by policies.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{operation, Access, Deleted, Direction, IdRef, Member, MemberStatus, WireEnum};
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

operation! {
    /// `accounts.members.list`: the members of an account.
    pub struct ListMembers {
        /// The account id.
        pub account_id: String = path(Id),
        /// Sort key: `user.first_name`, `user.last_name`, `user.email` or `status`.
        pub order: Option<String> = query(OneOf(&ORDERS)),
        /// Only members in this state (`accepted`, `pending`, `rejected`).
        pub status: Option<MemberStatus> = query(OneOf(MemberStatus::VALUES)),
        /// Page number, from 1.
        pub page: Option<u32> = query(Page),
        /// Page size, 5..=50.
        pub per_page: Option<u32> = query(PerPage),
        /// Sort direction.
        pub direction: Option<Direction> = query(OneOf(Direction::VALUES)),
    }
    name: "accounts.members.list",
    method: GET,
    path: "/accounts/{account_id}/members",
    result: Vec<Member>,
    paged: Member,
}

/// What `accounts.members.list` sorts by.
const ORDERS: [&str; 4] = ["user.first_name", "user.last_name", "user.email", "status"];

operation! {
    /// `accounts.members.create`: invites someone by e-mail, with roles or with policies.
    pub struct CreateMember {
        /// The account id.
        pub account_id: String = path(Id),
        /// Who to invite, at most 90 characters.
        pub email: String = body(Name(MAX_EMAIL)).required(),
        /// Role ids (see `accounts.roles.list`); or give `policies`.
        pub roles: Option<Vec<String>> = body(RoleIds),
        /// Policies; or give `roles`.
        pub policies: Option<Vec<PolicyInput>> = body(Policies),
        /// `pending` (an invitation). `accepted` is refused by the API for new members unless the
        /// tenant auto-accepts invites.
        pub status: Option<MemberStatus> = body(OneOf(&["accepted", "pending"])),
    }
    name: "accounts.members.create",
    method: POST,
    path: "/accounts/{account_id}/members",
    result: Member,
    body: true,
    rule: RolesOrPolicies,
}

operation! {
    /// `accounts.members.get`: one member, with its roles.
    pub struct GetMember {
        /// The account id.
        pub account_id: String = path(Id),
        /// The member id.
        pub member_id: String = path(Id),
    }
    name: "accounts.members.get",
    method: GET,
    path: "/accounts/{account_id}/members/{member_id}",
    result: Member,
}

operation! {
    /// `accounts.members.update`: replaces a member's roles or policies. Roles are given as ids
    /// and sent as `[{"id": ...}]`, the only form this endpoint takes.
    pub struct UpdateMember {
        /// The account id.
        pub account_id: String = path(Id),
        /// The member id.
        pub member_id: String = path(Id),
        /// Role ids; or give `policies`.
        pub roles: Option<Vec<String>> = body(RoleRefs),
        /// Policies; or give `roles`.
        pub policies: Option<Vec<PolicyInput>> = body(Policies),
    }
    name: "accounts.members.update",
    method: PUT,
    path: "/accounts/{account_id}/members/{member_id}",
    result: Member,
    body: true,
    rule: RolesOrPolicies,
}

operation! {
    /// `accounts.members.delete`: removes a member. Sends the `{}` body the endpoint expects.
    pub struct DeleteMember {
        /// The account id.
        pub account_id: String = path(Id),
        /// The member id.
        pub member_id: String = path(Id),
    }
    name: "accounts.members.delete",
    method: DELETE,
    path: "/accounts/{account_id}/members/{member_id}",
    result: Option<Deleted>,
    body: true,
}
