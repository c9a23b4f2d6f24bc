//! `tenants.*`: the tenant itself, its units, accounts, entitlements and members.

use http::Method;
use serde::Serialize;

use super::{
    paginated, Account, Direction, Entitlements, Kind, Operation, Param, Params, Tenant,
    TenantMembership,
};

/// `tenants.get`: tenant details with its units.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GetTenant {
    /// The tenant id (`tenant_tag`).
    pub tenant_id: String,
}

impl Operation for GetTenant {
    const NAME: &'static str = "tenants.get";
    const METHOD: Method = Method::GET;
    type Output = Tenant;
    const PARAMS: Params = Params::new(
        "/tenants/{tenant_id}",
        &[Param::path("tenant_id", Kind::Tag)],
    );
}

/// `tenants.accounts.list`: the tenant's accounts, page by page. The API pages this list (the
/// official SDKs read only its first page).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ListTenantAccounts {
    /// The tenant id.
    pub tenant_id: String,
    /// Page number, from 1.
    pub page: Option<u32>,
    /// Page size, 5..=50.
    pub per_page: Option<u32>,
    /// Sort key.
    pub order: Option<String>,
    /// Sort direction: `asc`/`desc` (or the endpoint's own `0`/`1`); sent as `0`/`1`.
    pub direction: Option<Direction>,
}

impl Operation for ListTenantAccounts {
    const NAME: &'static str = "tenants.accounts.list";
    const METHOD: Method = Method::GET;
    type Output = Vec<Account>;
    const PARAMS: Params = Params::new(
        "/tenants/{tenant_id}/accounts",
        &[
            Param::path("tenant_id", Kind::Tag),
            Param::query("page", Kind::Page),
            Param::query("per_page", Kind::PerPage),
            Param::query("order", Kind::Text(usize::MAX)),
            Param::query("direction", Kind::DirectionDigit),
        ],
    );
}

paginated!(ListTenantAccounts => Account);

/// Takes `"asc"`/`"desc"`, or `0`/`1` as the tenant docs write it.
/// Declares a `GET /tenants/{tenant_id}/<suffix>` operation: they differ only in name and
/// result.
macro_rules! tenant_get {
    ($(#[$meta:meta])* $op:ident, $name:literal, $suffix:literal => $output:ty) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize)]
        pub struct $op {
            /// The tenant id.
            pub tenant_id: String,
        }

        impl Operation for $op {
            const NAME: &'static str = $name;
            const METHOD: Method = Method::GET;
            type Output = $output;
            const PARAMS: Params = Params::new(
                concat!("/tenants/{tenant_id}/", $suffix),
                &[Param::path("tenant_id", Kind::Tag)],
            );
        }
    };
}

tenant_get!(
    /// `tenants.entitlements.get`: what the tenant may do (bool and max_count allocations).
    GetTenantEntitlements, "tenants.entitlements.get", "entitlements" => Entitlements
);
tenant_get!(
    /// `tenants.memberships.list`: the tenant's administrators.
    ListTenantMemberships, "tenants.memberships.list", "memberships" => Vec<TenantMembership>
);
tenant_get!(
    /// `tenants.account_types.list`: the account types the tenant may create.
    ListTenantAccountTypes, "tenants.account_types.list", "account_types" => Vec<String>
);
