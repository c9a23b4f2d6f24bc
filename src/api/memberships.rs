//! `memberships.*`: the caller's own memberships. A service user accepts its invitation here.

use http::Method;
use serde::Serialize;

use super::{
    accounts::MAX_NAME, paginated, Deleted, Direction, Kind, MemberStatus, Membership, Operation,
    Param, Params, WireEnum,
};

/// `memberships.list`: the accounts the caller belongs to or is invited to.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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
    const PARAMS: Params = Params::new(
        "/memberships",
        &[
            Param::query("account_name", Kind::Text(MAX_NAME)).sent_as("account.name"),
            Param::query("page", Kind::Page),
            Param::query("per_page", Kind::PerPage),
            Param::query("order", Kind::OneOf(&["id", "account.name", "status"])),
            Param::query("direction", Kind::OneOf(Direction::VALUES)),
            Param::query("name", Kind::Text(MAX_NAME)),
            Param::query("status", Kind::OneOf(MemberStatus::VALUES)),
        ],
    );
}

paginated!(ListMemberships => Membership);

/// `memberships.get`: one of the caller's memberships.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GetMembership {
    /// The membership id.
    pub membership_id: String,
}

impl Operation for GetMembership {
    const NAME: &'static str = "memberships.get";
    const METHOD: Method = Method::GET;
    type Output = Membership;
    const PARAMS: Params = Params::new(
        "/memberships/{membership_id}",
        &[Param::path("membership_id", Kind::Id)],
    );
}

/// `memberships.update`: accepts or rejects an invitation.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    const PARAMS: Params = Params::with_body(
        "/memberships/{membership_id}",
        &[
            Param::path("membership_id", Kind::Id),
            Param::body("status", Kind::OneOf(&["accepted", "rejected"])).required(),
        ],
    );
}

/// `memberships.delete`: leaves an account.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DeleteMembership {
    /// The membership id.
    pub membership_id: String,
}

impl Operation for DeleteMembership {
    const NAME: &'static str = "memberships.delete";
    const METHOD: Method = Method::DELETE;
    type Output = Option<Deleted>;
    const PARAMS: Params = Params::new(
        "/memberships/{membership_id}",
        &[Param::path("membership_id", Kind::Id)],
    );
}
