//! Roles, permission groups and resource groups of an account (read-only catalogue).

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use serde_json::Value;

use crate::app::App;
use crate::auth::{AccountCaller, ACCOUNT_READ, MEMBERS_READ};
use crate::catalog::{permission_group_by_id, permission_groups, role_by_id, roles};
use crate::envelope::{check_id, code, ok, ok_all, ok_list, paginate, ApiError, ApiResult, Query};

/// GET /accounts/{account_id}/roles: 100+ roles in catalogue order, paginated (default 20
/// per page), so "Administrator" is not on the first page.
pub async fn list_roles(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path(account_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let (page, per_page) = q.pagination()?;
    app.state().account_for(&account_id, &who, MEMBERS_READ)?;
    let items: Vec<Value> = roles().iter().map(|r| r.to_json()).collect();
    let (items, info) = paginate(items, page, per_page);
    ok_list(items, info)
}

/// GET /accounts/{account_id}/roles/{role_id}
pub async fn get_role(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path((account_id, role_id)): Path<(String, String)>,
) -> ApiResult {
    app.state().account_for(&account_id, &who, MEMBERS_READ)?;
    check_id("role", &role_id)?;
    match role_by_id(&role_id) {
        Some(r) => ok(r.to_json()),
        None => Err(ApiError::not_found(
            code::ROLE_NOT_FOUND,
            format!("Role `{role_id}` not found"),
        )),
    }
}

/// GET /accounts/{account_id}/iam/permission_groups: filters `id`, `name` (exact) and
/// `label` (exact, the `meta.value`), paginated; more than one page of 50.
pub async fn list_permission_groups(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path(account_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let (page, per_page) = q.pagination()?;
    app.state().account_for(&account_id, &who, ACCOUNT_READ)?;
    let items: Vec<Value> = permission_groups()
        .iter()
        .filter(|g| q.get("id").is_none_or(|id| g.id == id))
        .filter(|g| q.get("name").is_none_or(|n| g.name == n))
        .filter(|g| q.get("label").is_none_or(|l| g.label == l))
        .map(|g| g.to_json())
        .collect();
    let (items, info) = paginate(items, page, per_page);
    ok_list(items, info)
}

/// GET /accounts/{account_id}/iam/permission_groups/{permission_group_id}
pub async fn get_permission_group(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path((account_id, group_id)): Path<(String, String)>,
) -> ApiResult {
    app.state().account_for(&account_id, &who, ACCOUNT_READ)?;
    check_id("permission group", &group_id)?;
    match permission_group_by_id(&group_id) {
        Some(g) => ok(g.to_json()),
        None => Err(ApiError::not_found(
            code::PERMISSION_GROUP_NOT_FOUND,
            format!("Permission group `{group_id}` not found"),
        )),
    }
}

/// GET /accounts/{account_id}/iam/resource_groups: the account-wide resource group (scope
/// `com.cloudflare.api.account.<account_id>`), filters `id` and `name`.
pub async fn list_resource_groups(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path(account_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let state = app.state();
    let account = state.account_for(&account_id, &who, MEMBERS_READ)?;
    let group = state.resource_group_json(account);
    let keep = q.get("id").is_none_or(|id| group["id"] == id)
        && q.get("name").is_none_or(|n| group["name"] == n);
    ok_all(if keep { vec![group] } else { vec![] })
}
