//! `memberships.*`: the caller's own memberships. A service user accepts its invitation here.

use http::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    accounts::MAX_NAME, check_id, check_known, check_len, check_paging, paginated, Deleted,
    Direction, MemberStatus, Membership, Operation, Query,
};
use crate::error::Invalid;

/// `memberships.list`: the accounts the caller belongs to or is invited to.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListMemberships {
    /// Only memberships of accounts with this name (sent as `account.name`).
    pub account_name: Option<String>,
    /// Page number, from 1.
    pub page: Option<u32>,
    /// Page size, 5..=50.
    pub per_page: Option<u32>,
    /// Sort key: `id`, `account.name` or `status`.
    pub order: Option<String>,
    /// Sort direction.
    pub direction: Option<Direction>,
    /// Only memberships with this name.
    pub name: Option<String>,
    /// Only memberships in this state.
    pub status: Option<MemberStatus>,
}

impl Operation for ListMemberships {
    const NAME: &'static str = "memberships.list";
    const METHOD: Method = Method::GET;
    type Output = Vec<Membership>;

    fn path(&self) -> String {
        "/memberships".into()
    }

    fn query(&self) -> Query {
        Query::default()
            .opt("account.name", self.account_name.as_ref())
            .opt("page", self.page)
            .opt("per_page", self.per_page)
            .opt("order", self.order.as_ref())
            .opt("direction", self.direction.as_ref())
            .opt("name", self.name.as_ref())
            .opt("status", self.status.as_ref())
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_paging(self.page, self.per_page)?;
        check_len("account_name", self.account_name.as_deref(), MAX_NAME)?;
        check_len("name", self.name.as_deref(), MAX_NAME)?;
        check_known("direction", self.direction.as_ref())?;
        check_known("status", self.status.as_ref())?;
        const ORDERS: [&str; 3] = ["id", "account.name", "status"];
        match &self.order {
            Some(order) if !ORDERS.contains(&order.as_str()) => Err(Invalid::new(
                "order",
                format!("must be one of {}, got {order:?}", ORDERS.join(", ")),
            )),
            _ => Ok(()),
        }
    }
}

paginated!(ListMemberships => Membership);

/// `memberships.get`: one of the caller's memberships.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetMembership {
    /// The membership id.
    pub membership_id: String,
}

impl Operation for GetMembership {
    const NAME: &'static str = "memberships.get";
    const METHOD: Method = Method::GET;
    type Output = Membership;

    fn path(&self) -> String {
        format!("/memberships/{}", self.membership_id)
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_id("membership_id", &self.membership_id)
    }
}

/// `memberships.update`: accepts or rejects an invitation.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateMembership {
    /// The membership id.
    pub membership_id: String,
    /// `accepted` or `rejected`.
    pub status: MemberStatus,
}

impl Operation for UpdateMembership {
    const NAME: &'static str = "memberships.update";
    const METHOD: Method = Method::PUT;
    type Output = Membership;

    fn path(&self) -> String {
        format!("/memberships/{}", self.membership_id)
    }

    fn body(&self) -> Option<Value> {
        Some(json!({ "status": self.status }))
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_id("membership_id", &self.membership_id)?;
        match self.status {
            MemberStatus::Accepted | MemberStatus::Rejected => Ok(()),
            ref other => Err(Invalid::new(
                "status",
                format!("must be accepted or rejected, got {:?}", other.as_str()),
            )),
        }
    }
}

/// `memberships.delete`: leaves an account.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteMembership {
    /// The membership id.
    pub membership_id: String,
}

impl Operation for DeleteMembership {
    const NAME: &'static str = "memberships.delete";
    const METHOD: Method = Method::DELETE;
    type Output = Option<Deleted>;

    fn path(&self) -> String {
        format!("/memberships/{}", self.membership_id)
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_id("membership_id", &self.membership_id)
    }
}
