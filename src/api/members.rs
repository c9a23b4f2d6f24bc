//! `accounts.members.*`: who may use an account, by roles or by policies.

use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{
    check_id, check_known, check_len, check_not_empty, check_paging, paginated, Access, Deleted,
    Direction, IdRef, Member, MemberStatus, Operation, Query,
};
use crate::error::Invalid;

/// Longest e-mail the API takes.
pub const MAX_EMAIL: usize = 90;

/// A policy as a request sends it: permission groups allowed or denied on resource groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyInput {
    /// The policy's id, to keep an existing policy on update; new policies have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `allow` or `deny`.
    pub access: Access,
    /// Permission group ids (`"id"` or `{"id": "..."}`).
    pub permission_groups: Vec<IdRef>,
    /// Resource group ids (`"id"` or `{"id": "..."}`).
    pub resource_groups: Vec<IdRef>,
}

/// Role ids, given as `"id"` or as the API's own `{"id": "..."}`.
fn role_ids<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    let refs = Option::<Vec<IdRef>>::deserialize(d)?;
    Ok(refs.map(|refs| refs.into_iter().map(|r| r.id).collect()))
}

/// Roles or policies, never both: the API silently keeps the policies when given both.
fn check_access(roles: Option<&[String]>, policies: Option<&[PolicyInput]>) -> Result<(), Invalid> {
    match (roles, policies) {
        (Some(_), Some(_)) => Err(Invalid::new(
            "roles",
            "give roles or policies, not both (the API would silently drop the roles)",
        )),
        (None, None) => Err(Invalid::new("roles", "give roles (role ids) or policies")),
        (Some(roles), None) => {
            if roles.is_empty() {
                return Err(Invalid::new("roles", "must name at least one role"));
            }
            roles
                .iter()
                .enumerate()
                .try_for_each(|(i, id)| check_id(format!("roles[{i}]"), id))
        }
        (None, Some(policies)) => {
            if policies.is_empty() {
                return Err(Invalid::new("policies", "must hold at least one policy"));
            }
            for (i, p) in policies.iter().enumerate() {
                if !super::WireEnum::is_known(&p.access) {
                    return Err(Invalid::new(
                        format!("policies[{i}].access"),
                        format!("must be allow or deny, got {:?}", p.access.as_str()),
                    ));
                }
                for (field, refs) in [
                    ("permission_groups", &p.permission_groups),
                    ("resource_groups", &p.resource_groups),
                ] {
                    if refs.is_empty() || refs.iter().any(|r| r.id.trim().is_empty()) {
                        return Err(Invalid::new(
                            format!("policies[{i}].{field}"),
                            "must hold at least one non-empty id",
                        ));
                    }
                }
            }
            Ok(())
        }
    }
}

fn access_body(
    body: &mut Map<String, Value>,
    roles: Option<Value>,
    policies: Option<&[PolicyInput]>,
) {
    if let Some(roles) = roles {
        body.insert("roles".into(), roles);
    }
    if let Some(policies) = policies {
        body.insert("policies".into(), json!(policies));
    }
}

/// `accounts.members.list`: the members of an account.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
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

    fn path(&self) -> String {
        format!("/accounts/{}/members", self.account_id)
    }

    fn query(&self) -> Query {
        Query::default()
            .opt("order", self.order.as_ref())
            .opt("status", self.status.as_ref())
            .opt("page", self.page)
            .opt("per_page", self.per_page)
            .opt("direction", self.direction.as_ref())
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_id("account_id", &self.account_id)?;
        check_paging(self.page, self.per_page)?;
        check_known("status", self.status.as_ref())?;
        check_known("direction", self.direction.as_ref())?;
        const ORDERS: [&str; 4] = ["user.first_name", "user.last_name", "user.email", "status"];
        match &self.order {
            Some(order) if !ORDERS.contains(&order.as_str()) => Err(Invalid::new(
                "order",
                format!("must be one of {}, got {order:?}", ORDERS.join(", ")),
            )),
            _ => Ok(()),
        }
    }
}

paginated!(ListMembers => Member);

/// `accounts.members.create`: invites someone by e-mail, with roles or with policies.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateMember {
    /// The account id.
    pub account_id: String,
    /// Who to invite, at most 90 characters.
    pub email: String,
    /// Role ids (see `accounts.roles.list`); or give `policies`.
    #[serde(default, deserialize_with = "role_ids")]
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

    fn path(&self) -> String {
        format!("/accounts/{}/members", self.account_id)
    }

    fn body(&self) -> Option<Value> {
        let mut body = Map::new();
        body.insert("email".into(), json!(self.email));
        access_body(
            &mut body,
            self.roles.as_ref().map(|r| json!(r)),
            self.policies.as_deref(),
        );
        if let Some(status) = &self.status {
            body.insert("status".into(), json!(status));
        }
        Some(Value::Object(body))
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_id("account_id", &self.account_id)?;
        check_not_empty("email", &self.email)?;
        check_len("email", Some(&self.email), MAX_EMAIL)?;
        check_access(self.roles.as_deref(), self.policies.as_deref())?;
        match &self.status {
            Some(MemberStatus::Accepted | MemberStatus::Pending) | None => Ok(()),
            Some(other) => Err(Invalid::new(
                "status",
                format!("must be accepted or pending, got {:?}", other.as_str()),
            )),
        }
    }
}

/// `accounts.members.get`: one member, with its roles.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
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

    fn path(&self) -> String {
        format!("/accounts/{}/members/{}", self.account_id, self.member_id)
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_id("account_id", &self.account_id)?;
        check_id("member_id", &self.member_id)
    }
}

/// `accounts.members.update`: replaces a member's roles or policies. Roles are given as ids and
/// sent as `[{"id": ...}]`, the only form this endpoint takes.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateMember {
    /// The account id.
    pub account_id: String,
    /// The member id.
    pub member_id: String,
    /// Role ids; or give `policies`.
    #[serde(default, deserialize_with = "role_ids")]
    pub roles: Option<Vec<String>>,
    /// Policies; or give `roles`.
    pub policies: Option<Vec<PolicyInput>>,
}

impl Operation for UpdateMember {
    const NAME: &'static str = "accounts.members.update";
    const METHOD: Method = Method::PUT;
    type Output = Member;

    fn path(&self) -> String {
        format!("/accounts/{}/members/{}", self.account_id, self.member_id)
    }

    fn body(&self) -> Option<Value> {
        let mut body = Map::new();
        let roles = self
            .roles
            .as_ref()
            .map(|ids| json!(ids.iter().map(IdRef::new).collect::<Vec<_>>()));
        access_body(&mut body, roles, self.policies.as_deref());
        Some(Value::Object(body))
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_id("account_id", &self.account_id)?;
        check_id("member_id", &self.member_id)?;
        check_access(self.roles.as_deref(), self.policies.as_deref())
    }
}

/// `accounts.members.delete`: removes a member. Sends the `{}` body the endpoint expects.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
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

    fn path(&self) -> String {
        format!("/accounts/{}/members/{}", self.account_id, self.member_id)
    }

    fn body(&self) -> Option<Value> {
        Some(json!({}))
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_id("account_id", &self.account_id)?;
        check_id("member_id", &self.member_id)
    }
}
