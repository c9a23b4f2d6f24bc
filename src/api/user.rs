//! `user.*`: the calling user, the tenants it administers, and the invitations it received.

use super::{operation, Invite, InviteStatus, User, UserTenant};

operation! {
    /// `user.get`: the calling user.
    pub struct GetUser {}
    name: "user.get",
    method: GET,
    path: "/user",
    result: User,
}

operation! {
    /// `user.edit`: changes the calling user's name, telephone, country or postal code.
    pub struct EditUser {
        /// First name, at most 60 characters.
        pub first_name: Option<String> = body(Text(60)),
        /// Last name, at most 60 characters.
        pub last_name: Option<String> = body(Text(60)),
        /// Telephone, at most 20 characters.
        pub telephone: Option<String> = body(Text(20)),
        /// Country, at most 30 characters.
        pub country: Option<String> = body(Text(30)),
        /// Postal code, at most 20 characters.
        pub zipcode: Option<String> = body(Text(20)),
    }
    name: "user.edit",
    method: PATCH,
    path: "/user",
    result: User,
    body: true,
    rule: AtLeastOne,
}

operation! {
    /// `user.tenants.list`: the tenants the caller administers.
    pub struct ListUserTenants {}
    name: "user.tenants.list",
    method: GET,
    path: "/user/tenants",
    result: Vec<UserTenant>,
}

operation! {
    /// `user.invites.list`: the invitations the caller received, to accounts of any tenant.
    pub struct ListInvites {}
    name: "user.invites.list",
    method: GET,
    path: "/user/invites",
    result: Vec<Invite>,
}

operation! {
    /// `user.invites.get`: one invitation the caller received.
    pub struct GetInvite {
        /// The invitation id.
        pub invite_id: String = path(Id),
    }
    name: "user.invites.get",
    method: GET,
    path: "/user/invites/{invite_id}",
    result: Invite,
}

operation! {
    /// `user.invites.update`: accepts or rejects an invitation, as the invitee (the other side
    /// of `accounts.members.create`).
    pub struct UpdateInvite {
        /// The invitation id.
        pub invite_id: String = path(Id),
        /// `accepted` or `rejected`.
        pub status: InviteStatus = body(OneOf(&["accepted", "rejected"])).required(),
    }
    name: "user.invites.update",
    method: PATCH,
    path: "/user/invites/{invite_id}",
    result: Invite,
    body: true,
    default: false,
}
