//! `accounts.roles.*`: the built-in roles of an account. Accounts have more than 100, so
//! resolving one by name must read every page.

use http::Method;
use serde::Serialize;

use super::{paginated, Kind, Operation, Param, Params, Role};

/// The Administrator role's id in Cloudflare's documents. Resolve roles by name through
/// [`ListRoles`] rather than trusting it.
pub const ADMINISTRATOR_ROLE_ID: &str = "05784afa30c1afe1440e79d9351c7430";

/// `accounts.roles.list`: the roles an account offers.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ListRoles {
    /// The account id.
    pub account_id: String,
    /// Page number, from 1.
    pub page: Option<u32>,
    /// Page size, 5..=50.
    pub per_page: Option<u32>,
}

impl Operation for ListRoles {
    const NAME: &'static str = "accounts.roles.list";
    const METHOD: Method = Method::GET;
    type Output = Vec<Role>;
    const PARAMS: Params = Params::new(
        "/accounts/{account_id}/roles",
        &[
            Param::path("account_id", Kind::Id),
            Param::query("page", Kind::Page),
            Param::query("per_page", Kind::PerPage),
        ],
    );
}

paginated!(ListRoles => Role);

/// `accounts.roles.get`: one role with its permissions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GetRole {
    /// The account id.
    pub account_id: String,
    /// The role id.
    pub role_id: String,
}

impl Operation for GetRole {
    const NAME: &'static str = "accounts.roles.get";
    const METHOD: Method = Method::GET;
    type Output = Role;
    const PARAMS: Params = Params::new(
        "/accounts/{account_id}/roles/{role_id}",
        &[
            Param::path("account_id", Kind::Id),
            Param::path("role_id", Kind::Id),
        ],
    );
}
