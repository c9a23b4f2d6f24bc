//! The registry: every operation of the catalog, by its dotted name, as data. The by-name entry
//! point, the machines and the catalog export look operations up here.

use http::Method;

use crate::api::{Operation, Paginated};
use crate::error::Error;
use crate::params::Params;
use crate::shape::{Shape, Shaped};

/// What the registry knows of an operation.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OperationInfo {
    /// The stable dotted name.
    pub name: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// Whether it pages with `page`/`per_page` (see [`NamedPaginator`](crate::NamedPaginator)).
    pub paginated: bool,
    /// Result fields that hold secrets (a created user's `api_key`, a created token's
    /// `value`): hosts must keep them out of reprs and logs, since the by-name result is plain
    /// JSON. For a list, the fields of each item. [`WHOLE_RESULT`](crate::api::WHOLE_RESULT)
    /// (the empty name) says the result itself is the secret (a rolled token's value, a string).
    pub secret_fields: &'static [&'static str],
    /// What each parameter takes and where it goes in the request.
    pub params: &'static Params,
    /// The wire form of the result, which by-name parses check.
    pub result_shape: &'static Shape,
}

impl OperationInfo {
    /// What a host lists of it: `{"name", "method", "paginated", "secret_fields"}`.
    pub fn summary_json(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "method": self.method.as_str(),
            "paginated": self.paginated,
            "secret_fields": self.secret_fields,
        })
    }
}

macro_rules! registry {
    ($($op:ty $(: $paged:ident)?),* $(,)?) => {
        static REGISTRY: &[OperationInfo] = &[$(
            OperationInfo {
                name: <$op as Operation>::NAME,
                method: <$op as Operation>::METHOD,
                paginated: registry!(@paged $op $(, $paged)?),
                secret_fields: <$op as Operation>::SECRET_FIELDS,
                params: &<$op as Operation>::PARAMS,
                result_shape: &<<$op as Operation>::Output as Shaped>::SHAPE,
            },
        )*];
    };
    (@paged $op:ty, paged) => {{
        // A list marked `paged` must be `Paginated`.
        let _ = <$op as Paginated>::page;
        true
    }};
    (@paged $op:ty) => { false };
}

/// Calls `$callback! { path::Type: paged, path::Type, ... }` with every operation type, in
/// the order of the API reference (`paged` marks the lists that page): the one list the
/// registry, the tests and the fuzz targets expand.
#[doc(hidden)]
#[macro_export]
macro_rules! for_each_operation {
    ($callback:ident) => {
        $callback! {
            $crate::api::accounts::ListAccounts: paged,
            $crate::api::accounts::CreateAccount,
            $crate::api::accounts::GetAccount,
            $crate::api::accounts::UpdateAccount,
            $crate::api::accounts::DeleteAccount,
            $crate::api::accounts::GetAccountEntitlements,
            $crate::api::tokens::ListTokens: paged,
            $crate::api::tokens::CreateToken,
            $crate::api::tokens::GetToken,
            $crate::api::tokens::UpdateToken,
            $crate::api::tokens::DeleteToken,
            $crate::api::tokens::VerifyToken,
            $crate::api::tokens::ListTokenPermissionGroups,
            $crate::api::tokens::RollTokenValue,
            $crate::api::members::ListMembers: paged,
            $crate::api::members::CreateMember,
            $crate::api::members::GetMember,
            $crate::api::members::UpdateMember,
            $crate::api::members::DeleteMember,
            $crate::api::roles::ListRoles: paged,
            $crate::api::roles::GetRole,
            $crate::api::permission_groups::ListPermissionGroups: paged,
            $crate::api::permission_groups::GetPermissionGroup,
            $crate::api::permission_groups::ListResourceGroups,
            $crate::api::users::CreateUser,
            $crate::api::user::GetUser,
            $crate::api::user::EditUser,
            $crate::api::user::ListUserTenants,
            $crate::api::user::ListInvites,
            $crate::api::user::GetInvite,
            $crate::api::user::UpdateInvite,
            $crate::api::memberships::ListMemberships: paged,
            $crate::api::memberships::GetMembership,
            $crate::api::memberships::UpdateMembership,
            $crate::api::memberships::DeleteMembership,
            $crate::api::tenants::GetTenant,
            $crate::api::tenants::ListTenantAccounts: paged,
            $crate::api::tenants::GetTenantEntitlements,
            $crate::api::tenants::ListTenantMemberships,
            $crate::api::tenants::ListTenantAccountTypes,
        }
    };
}

for_each_operation!(registry);

/// Every operation, in the order of the API reference.
pub fn operations() -> &'static [OperationInfo] {
    REGISTRY
}

/// The operation called `name`.
pub fn operation(name: &str) -> Result<&'static OperationInfo, Error> {
    REGISTRY
        .iter()
        .find(|info| info.name == name)
        .ok_or_else(|| Error::UnknownOperation(name.to_owned()))
}
