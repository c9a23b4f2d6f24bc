//! `/user/tenants` and `/tenants/{tenant_id}/...`: the tenant (organization) service.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use serde_json::{json, Value};

use crate::app::App;
use crate::auth::Caller;
use crate::envelope::{check_id, code, ok, ok_all, ok_list, paginate, ApiError, ApiResult, Query};
use crate::state::{State as World, Tenant, User, UserKind};

/// A tenant the caller administers. Malformed tag -> 400 (7003), unknown -> 404 (1008),
/// someone else's -> 403 (9109).
fn tenant_for<'a>(state: &'a World, user: &User, tag: &str) -> Result<&'a Tenant, ApiError> {
    check_id("tenant", tag)?;
    let tenant = state.tenant(tag).ok_or_else(|| {
        ApiError::not_found(code::TENANT_NOT_FOUND, format!("Tenant `{tag}` not found"))
    })?;
    match state.administered_tenant(user) {
        Some(t) if t.tag == tenant.tag => Ok(tenant),
        _ => Err(ApiError::forbidden()),
    }
}

/// GET /user/tenants: the tenants the caller administers, typed as organizations.
pub async fn user_tenants(State(app): State<Arc<App>>, Caller(user): Caller) -> ApiResult {
    let state = app.state();
    let list: Vec<Value> = state
        .administered_tenant(&user)
        .map(|t| {
            json!({
                "id": t.tag,
                "name": t.name,
                "create_time": t.cdate,
                "meta": {
                    "hierarchy_tags": [t.tag],
                    "tenant_flags": {
                        "account_creation": "enabled",
                        "account_deletion": "enabled",
                        "account_migration": "disabled",
                        "account_mobility": "disabled",
                        "enterprise_capability": "enabled",
                        "member_management": "enabled",
                        "sub_org_creation": "disabled",
                    },
                },
                "profile": {
                    "business_name": t.name,
                    "business_email": user.email,
                    "business_phone": "+1 555 0100",
                    "business_address": "101 Sandbox Way, San Francisco, CA",
                    "external_metadata": "",
                },
            })
        })
        .into_iter()
        .collect();
    ok_all(list)
}

/// GET /tenants/{tenant_id}
pub async fn get(
    State(app): State<Arc<App>>,
    Caller(user): Caller,
    Path(tag): Path<String>,
) -> ApiResult {
    let state = app.state();
    let t = tenant_for(&state, &user, &tag)?;
    let units: Vec<Value> = t
        .units
        .iter()
        .map(|u| {
            json!({
                "unit_tag": u.tag,
                "unit_name": u.name,
                "unit_status": "active",
                "unit_metadata": {},
                "unit_memberships": [],
            })
        })
        .collect();
    ok(json!({
        "tenant_tag": t.tag,
        "tenant_name": t.name,
        "tenant_type": "PARTNER",
        "tenant_status": "active",
        "tenant_labels": [],
        "tenant_contacts": {"email": user.email, "website": "https://tenant.example"},
        "tenant_metadata": {"dns": {"ns_pool": {"primary": "ns1.tenant.example", "secondary": "ns2.tenant.example"}}},
        "tenant_network": {},
        "tenant_units": units,
        "cdate": t.cdate,
        "edate": t.cdate,
        "customer_id": t.customer_id,
    }))
}

/// GET /tenants/{tenant_id}/accounts: paginated; `order` = name | created_on | id | type
/// (other values fall back to created_on), `direction` = 0 (asc) | 1 (desc).
pub async fn accounts(
    State(app): State<Arc<App>>,
    Caller(user): Caller,
    Path(tag): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let (page, per_page) = q.pagination()?;
    let desc = match q.get("direction") {
        None | Some("0") => false,
        Some("1") => true,
        Some(v) => {
            return Err(ApiError::bad_request(
                code::BAD_PAGINATION,
                format!("direction must be 0 (ascending) or 1 (descending), got `{v}`"),
            ))
        }
    };
    let state = app.state();
    let t = tenant_for(&state, &user, &tag)?;
    let mut list: Vec<_> = state
        .accounts
        .iter()
        .filter(|a| a.tenant.as_deref() == Some(t.tag.as_str()))
        .collect();
    match q.get("order") {
        Some("name") => list.sort_by_key(|a| a.name.to_lowercase()),
        Some("id") => list.sort_by(|a, b| a.id.cmp(&b.id)),
        Some("type") => list.sort_by(|a, b| a.account_type.cmp(&b.account_type)),
        _ => list.sort_by(|a, b| a.created_on.cmp(&b.created_on)),
    }
    if desc {
        list.reverse();
    }
    let items: Vec<Value> = list.iter().map(|a| state.tenant_account_json(a)).collect();
    let (items, info) = paginate(items, page, per_page);
    ok_list(items, info)
}

/// GET /tenants/{tenant_id}/entitlements
pub async fn entitlements(
    State(app): State<Arc<App>>,
    Caller(user): Caller,
    Path(tag): Path<String>,
) -> ApiResult {
    let state = app.state();
    tenant_for(&state, &user, &tag)?;
    ok(json!({
        "allow_add_subdomain": {"type": "bool", "value": true},
        "cname_setup_allowed": {"type": "bool", "value": true},
        "partial_setup_allowed": {"type": "bool", "value": true},
        "allow_auto_accept_invites": {"type": "bool", "value": false},
        "mhs_certificate_count": {"type": "max_count", "value": 10},
        "custom_entitlements": [
            {"feature": {"key": "accounts.max_count"}, "allocation": {"type": "max_count", "value": 1000}},
            {"feature": {"key": "accounts.enterprise"}, "allocation": {"type": "bool", "value": true}},
        ],
    }))
}

/// GET /tenants/{tenant_id}/memberships: the tenant's administrators.
pub async fn memberships(
    State(app): State<Arc<App>>,
    Caller(user): Caller,
    Path(tag): Path<String>,
) -> ApiResult {
    let state = app.state();
    let t = tenant_for(&state, &user, &tag)?;
    let list: Vec<Value> = state
        .users
        .iter()
        .filter(|u| u.kind == UserKind::TenantAdmin && u.tenant.as_deref() == Some(t.tag.as_str()))
        .map(|u| {
            let name = [u.first_name.as_deref(), u.last_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            json!({"user_tag": u.id, "user_email": u.email, "user_name": name})
        })
        .collect();
    ok_all(list)
}

/// GET /tenants/{tenant_id}/account_types
pub async fn account_types(
    State(app): State<Arc<App>>,
    Caller(user): Caller,
    Path(tag): Path<String>,
) -> ApiResult {
    let state = app.state();
    tenant_for(&state, &user, &tag)?;
    ok(json!(["standard", "enterprise"]))
}
