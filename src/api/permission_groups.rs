//! `accounts.permission_groups.*` and `accounts.resource_groups.list`: the building blocks of
//! member policies.

use super::{operation, PermissionGroup, ResourceGroup};

operation! {
    /// `accounts.permission_groups.list`: the permission groups of an account.
    pub struct ListPermissionGroups {
        /// The account id.
        pub account_id: String = path(Id),
        /// Only the group with this id.
        pub id: Option<String> = query(Id),
        /// Only groups with this name.
        pub name: Option<String> = query(Text(usize::MAX)),
        /// Only groups with this label.
        pub label: Option<String> = query(Text(usize::MAX)),
        /// Page number, from 1.
        pub page: Option<u32> = query(Page),
        /// Page size, 5..=50.
        pub per_page: Option<u32> = query(PerPage),
    }
    name: "accounts.permission_groups.list",
    method: GET,
    path: "/accounts/{account_id}/iam/permission_groups",
    result: Vec<PermissionGroup>,
    paged: PermissionGroup,
}

operation! {
    /// `accounts.permission_groups.get`: one permission group.
    pub struct GetPermissionGroup {
        /// The account id.
        pub account_id: String = path(Id),
        /// The permission group id.
        pub permission_group_id: String = path(Id),
    }
    name: "accounts.permission_groups.get",
    method: GET,
    path: "/accounts/{account_id}/iam/permission_groups/{permission_group_id}",
    result: PermissionGroup,
}

operation! {
    /// `accounts.resource_groups.list`: the resource groups of an account.
    pub struct ListResourceGroups {
        /// The account id.
        pub account_id: String = path(Id),
        /// Only the group with this id.
        pub id: Option<String> = query(Id),
        /// Only groups with this name.
        pub name: Option<String> = query(Text(usize::MAX)),
    }
    name: "accounts.resource_groups.list",
    method: GET,
    path: "/accounts/{account_id}/iam/resource_groups",
    result: Vec<ResourceGroup>,
}
