//! `accounts.permission_groups.*` and `accounts.resource_groups.list`: the building blocks of
//! member policies.

use http::Method;
use serde::Deserialize;

use super::{check_id, check_paging, paginated, Operation, PermissionGroup, Query, ResourceGroup};
use crate::error::Invalid;

/// `accounts.permission_groups.list`: the permission groups of an account.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListPermissionGroups {
    /// The account id.
    pub account_id: String,
    /// Only the group with this id.
    pub id: Option<String>,
    /// Only groups with this name.
    pub name: Option<String>,
    /// Only groups with this label.
    pub label: Option<String>,
    /// Page number, from 1.
    pub page: Option<u32>,
    /// Page size, 5..=50.
    pub per_page: Option<u32>,
}

impl Operation for ListPermissionGroups {
    const NAME: &'static str = "accounts.permission_groups.list";
    const METHOD: Method = Method::GET;
    type Output = Vec<PermissionGroup>;

    fn path(&self) -> String {
        format!("/accounts/{}/iam/permission_groups", self.account_id)
    }

    fn query(&self) -> Query {
        Query::default()
            .opt("id", self.id.as_ref())
            .opt("name", self.name.as_ref())
            .opt("label", self.label.as_ref())
            .opt("page", self.page)
            .opt("per_page", self.per_page)
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_id("account_id", &self.account_id)?;
        if let Some(id) = &self.id {
            check_id("id", id)?;
        }
        check_paging(self.page, self.per_page)
    }
}

paginated!(ListPermissionGroups => PermissionGroup);

/// `accounts.permission_groups.get`: one permission group.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetPermissionGroup {
    /// The account id.
    pub account_id: String,
    /// The permission group id.
    pub permission_group_id: String,
}

impl Operation for GetPermissionGroup {
    const NAME: &'static str = "accounts.permission_groups.get";
    const METHOD: Method = Method::GET;
    type Output = PermissionGroup;

    fn path(&self) -> String {
        format!(
            "/accounts/{}/iam/permission_groups/{}",
            self.account_id, self.permission_group_id
        )
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_id("account_id", &self.account_id)?;
        check_id("permission_group_id", &self.permission_group_id)
    }
}

/// `accounts.resource_groups.list`: the resource groups of an account.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListResourceGroups {
    /// The account id.
    pub account_id: String,
    /// Only the group with this id.
    pub id: Option<String>,
    /// Only groups with this name.
    pub name: Option<String>,
}

impl Operation for ListResourceGroups {
    const NAME: &'static str = "accounts.resource_groups.list";
    const METHOD: Method = Method::GET;
    type Output = Vec<ResourceGroup>;

    fn path(&self) -> String {
        format!("/accounts/{}/iam/resource_groups", self.account_id)
    }

    fn query(&self) -> Query {
        Query::default()
            .opt("id", self.id.as_ref())
            .opt("name", self.name.as_ref())
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_id("account_id", &self.account_id)?;
        match &self.id {
            Some(id) => check_id("id", id),
            None => Ok(()),
        }
    }
}
