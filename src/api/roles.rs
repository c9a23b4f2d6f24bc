//! `accounts.roles.*`: the built-in roles of an account. Accounts have more than 100, so
//! resolving one by name must read every page.

use http::Method;
use serde::Deserialize;

use super::{check_id, check_paging, paginated, Operation, Query, Role};
use crate::error::Invalid;

/// The Administrator role's id in Cloudflare's documents. Resolve roles by name through
/// [`ListRoles`] rather than trusting it.
pub const ADMINISTRATOR_ROLE_ID: &str = "05784afa30c1afe1440e79d9351c7430";

/// `accounts.roles.list`: the roles an account offers.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
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

    fn path(&self) -> String {
        format!("/accounts/{}/roles", self.account_id)
    }

    fn query(&self) -> Query {
        Query::default()
            .opt("page", self.page)
            .opt("per_page", self.per_page)
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_id("account_id", &self.account_id)?;
        check_paging(self.page, self.per_page)
    }
}

paginated!(ListRoles => Role);

/// `accounts.roles.get`: one role with its permissions.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
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

    fn path(&self) -> String {
        format!("/accounts/{}/roles/{}", self.account_id, self.role_id)
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_id("account_id", &self.account_id)?;
        check_id("role_id", &self.role_id)
    }
}
