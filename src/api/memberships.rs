//! `memberships.*`: the caller's own memberships. A service user accepts its invitation here.

use super::{
    accounts::MAX_NAME, operation, Deleted, Direction, MemberStatus, Membership, WireEnum,
};

operation! {
    /// `memberships.list`: the accounts the caller belongs to or is invited to.
    pub struct ListMemberships {
        /// Only memberships of accounts with this name (sent as `account.name`).
        pub account_name: Option<String> = query(Text(MAX_NAME)).sent_as("account.name"),
        /// Page number, from 1.
        pub page: Option<u32> = query(Page),
        /// Page size, 5..=50.
        pub per_page: Option<u32> = query(PerPage),
        /// Sort key: `id`, `account.name` or `status`.
        pub order: Option<String> = query(OneOf(&["id", "account.name", "status"])),
        /// Sort direction.
        pub direction: Option<Direction> = query(OneOf(Direction::VALUES)),
        /// Only memberships with this name.
        pub name: Option<String> = query(Text(MAX_NAME)),
        /// Only memberships in this state.
        pub status: Option<MemberStatus> = query(OneOf(MemberStatus::VALUES)),
    }
    name: "memberships.list",
    method: GET,
    path: "/memberships",
    result: Vec<Membership>,
    paged: Membership,
}

operation! {
    /// `memberships.get`: one of the caller's memberships.
    pub struct GetMembership {
        /// The membership id.
        pub membership_id: String = path(Id),
    }
    name: "memberships.get",
    method: GET,
    path: "/memberships/{membership_id}",
    result: Membership,
}

operation! {
    /// `memberships.update`: accepts or rejects an invitation.
    pub struct UpdateMembership {
        /// The membership id.
        pub membership_id: String = path(Id),
        /// `accepted` or `rejected`.
        pub status: MemberStatus = body(OneOf(&["accepted", "rejected"])).required(),
    }
    name: "memberships.update",
    method: PUT,
    path: "/memberships/{membership_id}",
    result: Membership,
    body: true,
    default: false,
}

operation! {
    /// `memberships.delete`: leaves an account.
    pub struct DeleteMembership {
        /// The membership id.
        pub membership_id: String = path(Id),
    }
    name: "memberships.delete",
    method: DELETE,
    path: "/memberships/{membership_id}",
    result: Option<Deleted>,
}
