//! `accounts.permission_groups.*` and `accounts.resource_groups.list`: the building blocks of
//! member policies.

use http::Method;
use serde::Serialize;

use super::{paginated, Kind, Operation, Param, Params, PermissionGroup, ResourceGroup};

/// `accounts.permission_groups.list`: the permission groups of an account.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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
    const PARAMS: Params = Params::new(
        "/accounts/{account_id}/iam/permission_groups",
        &[
            Param::path("account_id", Kind::Id),
            Param::query("id", Kind::Id),
            Param::query("name", Kind::Text(usize::MAX)),
            Param::query("label", Kind::Text(usize::MAX)),
            Param::query("page", Kind::Page),
            Param::query("per_page", Kind::PerPage),
        ],
    );
}

paginated!(ListPermissionGroups => PermissionGroup);

/// `accounts.permission_groups.get`: one permission group.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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
    const PARAMS: Params = Params::new(
        "/accounts/{account_id}/iam/permission_groups/{permission_group_id}",
        &[
            Param::path("account_id", Kind::Id),
            Param::path("permission_group_id", Kind::Id),
        ],
    );
}

/// `accounts.resource_groups.list`: the resource groups of an account.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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
    const PARAMS: Params = Params::new(
        "/accounts/{account_id}/iam/resource_groups",
        &[
            Param::path("account_id", Kind::Id),
            Param::query("id", Kind::Id),
            Param::query("name", Kind::Text(usize::MAX)),
        ],
    );
}
