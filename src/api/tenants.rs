//! `tenants.*`: the tenant itself, its units, accounts, entitlements and members.

use super::{operation, Account, Direction, Entitlements, Tenant, TenantMembership};

operation! {
    /// `tenants.get`: tenant details with its units.
    pub struct GetTenant {
        /// The tenant id (`tenant_tag`).
        pub tenant_id: String = path(Tag),
    }
    name: "tenants.get",
    method: GET,
    path: "/tenants/{tenant_id}",
    result: Tenant,
}

operation! {
    /// `tenants.accounts.list`: the tenant's accounts, page by page. The API pages this list
    /// (the official SDKs read only its first page).
    pub struct ListTenantAccounts {
        /// The tenant id.
        pub tenant_id: String = path(Tag),
        /// Page number, from 1.
        pub page: Option<u32> = query(Page),
        /// Page size, 5..=50.
        pub per_page: Option<u32> = query(PerPage),
        /// Sort key.
        pub order: Option<String> = query(Text(usize::MAX)),
        /// Sort direction: `asc`/`desc` (or the endpoint's own `0`/`1`); sent as `0`/`1`.
        pub direction: Option<Direction> = query(DirectionDigit),
    }
    name: "tenants.accounts.list",
    method: GET,
    path: "/tenants/{tenant_id}/accounts",
    result: Vec<Account>,
    paged: Account,
}

operation! {
    /// `tenants.entitlements.get`: what the tenant may do (bool and max_count allocations).
    pub struct GetTenantEntitlements {
        /// The tenant id.
        pub tenant_id: String = path(Tag),
    }
    name: "tenants.entitlements.get",
    method: GET,
    path: "/tenants/{tenant_id}/entitlements",
    result: Entitlements,
}

operation! {
    /// `tenants.memberships.list`: the tenant's administrators.
    pub struct ListTenantMemberships {
        /// The tenant id.
        pub tenant_id: String = path(Tag),
    }
    name: "tenants.memberships.list",
    method: GET,
    path: "/tenants/{tenant_id}/memberships",
    result: Vec<TenantMembership>,
}

operation! {
    /// `tenants.account_types.list`: the account types the tenant may create.
    pub struct ListTenantAccountTypes {
        /// The tenant id.
        pub tenant_id: String = path(Tag),
    }
    name: "tenants.account_types.list",
    method: GET,
    path: "/tenants/{tenant_id}/account_types",
    result: Vec<String>,
}
