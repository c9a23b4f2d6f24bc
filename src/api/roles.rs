//! `accounts.roles.*`: the built-in roles of an account. Accounts have more than 100, so
//! resolving one by name must read every page.

use super::{operation, Role};

/// The Administrator role's id in Cloudflare's documents. Resolve roles by name through
/// [`ListRoles`] rather than trusting it.
pub const ADMINISTRATOR_ROLE_ID: &str = "05784afa30c1afe1440e79d9351c7430";

operation! {
    /// `accounts.roles.list`: the roles an account offers.
    pub struct ListRoles {
        /// The account id.
        pub account_id: String = path(Id),
        /// Page number, from 1.
        pub page: Option<u32> = query(Page),
        /// Page size, 5..=50.
        pub per_page: Option<u32> = query(PerPage),
    }
    name: "accounts.roles.list",
    method: GET,
    path: "/accounts/{account_id}/roles",
    result: Vec<Role>,
    paged: Role,
}

operation! {
    /// `accounts.roles.get`: one role with its permissions.
    pub struct GetRole {
        /// The account id.
        pub account_id: String = path(Id),
        /// The role id.
        pub role_id: String = path(Id),
    }
    name: "accounts.roles.get",
    method: GET,
    path: "/accounts/{account_id}/roles/{role_id}",
    result: Role,
}
