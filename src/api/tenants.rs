//! `tenants.*`: the tenant itself, its units, accounts, entitlements and members.

use http::Method;
use serde::{Deserialize, Deserializer};

use super::{
    check_known, check_paging, check_tag, paginated, Account, Direction, Entitlements, Operation,
    Query, Tenant, TenantMembership,
};
use crate::error::Invalid;

/// `tenants.get`: tenant details with its units.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetTenant {
    /// The tenant id (`tenant_tag`).
    pub tenant_id: String,
}

impl Operation for GetTenant {
    const NAME: &'static str = "tenants.get";
    const METHOD: Method = Method::GET;
    type Output = Tenant;

    fn path(&self) -> String {
        format!("/tenants/{}", self.tenant_id)
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_tag("tenant_id", &self.tenant_id)
    }
}

/// `tenants.accounts.list`: the tenant's accounts, page by page. The API pages this list (the
/// official SDKs read only its first page).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
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
    #[serde(default, deserialize_with = "direction_or_digit")]
    pub direction: Option<Direction>,
}

impl Operation for ListTenantAccounts {
    const NAME: &'static str = "tenants.accounts.list";
    const METHOD: Method = Method::GET;
    type Output = Vec<Account>;

    fn path(&self) -> String {
        format!("/tenants/{}/accounts", self.tenant_id)
    }

    fn query(&self) -> Query {
        let direction = self.direction.as_ref().map(|d| match d {
            Direction::Desc => "1",
            _ => "0",
        });
        Query::default()
            .opt("page", self.page)
            .opt("per_page", self.per_page)
            .opt("order", self.order.as_ref())
            .opt("direction", direction)
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_tag("tenant_id", &self.tenant_id)?;
        check_paging(self.page, self.per_page)?;
        check_known("direction", self.direction.as_ref())
    }
}

paginated!(ListTenantAccounts => Account);

/// Takes `"asc"`/`"desc"`, or `0`/`1` as the tenant docs write it.
fn direction_or_digit<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Direction>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Digit(u8),
        Text(Direction),
    }
    Ok(match Option::<Repr>::deserialize(d)? {
        None => None,
        Some(Repr::Digit(0)) => Some(Direction::Asc),
        Some(Repr::Digit(1)) => Some(Direction::Desc),
        Some(Repr::Digit(n)) => Some(Direction::Other(n.to_string())),
        Some(Repr::Text(direction)) => Some(direction),
    })
}

/// Declares a `GET /tenants/{tenant_id}/<suffix>` operation: they differ only in name and
/// result.
macro_rules! tenant_get {
    ($(#[$meta:meta])* $op:ident, $name:literal, $suffix:literal => $output:ty) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $op {
            /// The tenant id.
            pub tenant_id: String,
        }

        impl Operation for $op {
            const NAME: &'static str = $name;
            const METHOD: Method = Method::GET;
            type Output = $output;

            fn path(&self) -> String {
                format!(concat!("/tenants/{}/", $suffix), self.tenant_id)
            }

            fn validate(&self) -> Result<(), Invalid> {
                check_tag("tenant_id", &self.tenant_id)
            }
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
