//! `user.*`: the calling user, and the tenants it administers.

use super::{operation, User, UserTenant};

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
