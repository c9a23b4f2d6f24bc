//! `/memberships`: the caller's side of account membership. A service user accepts the
//! invitation a tenant administrator sent it here.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use serde_json::{json, Value};

use crate::app::App;
use crate::auth::Caller;
use crate::envelope::{
    check_id, code, object_body, ok, ok_list, paginate, ApiError, ApiResult, Query,
};
use crate::state::{Member, State as World, User};

/// GET /memberships: filters `status`, `account.name` and `name` (both substring of the
/// account name, case-insensitive), `order` (id, account.name, status), `direction`.
pub async fn list(
    State(app): State<Arc<App>>,
    Caller(user): Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let (page, per_page) = q.pagination()?;
    let desc = q.direction_desc()?;
    let status = q.get("status");
    if let Some(s) = status {
        if !["accepted", "pending", "rejected"].contains(&s) {
            return Err(ApiError::invalid(
                "status",
                "must be accepted, pending or rejected",
            ));
        }
    }
    let order = q.get("order");
    if let Some(o) = order {
        if !["id", "account.name", "status"].contains(&o) {
            return Err(ApiError::invalid(
                "order",
                "must be id, account.name or status",
            ));
        }
    }
    let names: Vec<String> = ["account.name", "name"]
        .iter()
        .filter_map(|k| q.get(k))
        .map(str::to_lowercase)
        .collect();
    let state = app.state();
    let account_name = |m: &Member| {
        state
            .account(&m.account_id)
            .map(|a| a.name.to_lowercase())
            .unwrap_or_default()
    };
    let mut list: Vec<&Member> = state
        .members
        .iter()
        .filter(|m| m.user_id == user.id)
        .filter(|m| status.is_none_or(|s| m.status == s))
        .filter(|m| names.iter().all(|n| account_name(m).contains(n.as_str())))
        .collect();
    match order {
        Some("id") => list.sort_by(|a, b| a.membership_id.cmp(&b.membership_id)),
        Some("account.name") => list.sort_by_key(|m| account_name(m)),
        Some("status") => list.sort_by(|a, b| a.status.cmp(&b.status)),
        _ => {}
    }
    if desc {
        list.reverse();
    }
    let items: Vec<Value> = list.iter().map(|m| state.membership_json(m)).collect();
    let (items, info) = paginate(items, page, per_page);
    ok_list(items, info)
}

fn own<'a>(state: &'a World, user: &User, id: &str) -> Result<&'a Member, ApiError> {
    check_id("membership", id)?;
    state
        .members
        .iter()
        .find(|m| m.membership_id == id && m.user_id == user.id)
        .ok_or_else(|| {
            ApiError::not_found(
                code::MEMBERSHIP_NOT_FOUND,
                format!("Membership `{id}` not found"),
            )
        })
}

/// GET /memberships/{membership_id}
pub async fn get(
    State(app): State<Arc<App>>,
    Caller(user): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let state = app.state();
    let m = own(&state, &user, &id)?;
    ok(state.membership_json(m))
}

/// PUT /memberships/{membership_id}: `{"status": "accepted" | "rejected"}` answers a pending
/// invitation; the account's member takes the same status.
pub async fn update(
    State(app): State<Arc<App>>,
    Caller(user): Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let status = answer(&body)?;
    let mut state = app.state();
    own(&state, &user, &id)?;
    state.answer_invitation(&id, &status)?;
    let m = state
        .members
        .iter()
        .find(|m| m.membership_id == id)
        .expect("checked above");
    ok(state.membership_json(m))
}

/// The answer to an invitation in a body: `{"status": "accepted" | "rejected"}`.
pub(crate) fn answer(body: &[u8]) -> Result<String, ApiError> {
    let body = object_body(body, false)?;
    match body.get("status") {
        Some(Value::String(s)) if s == "accepted" || s == "rejected" => Ok(s.clone()),
        _ => Err(ApiError::invalid("status", "must be accepted or rejected")),
    }
}

/// DELETE /memberships/{membership_id}: leave the account.
pub async fn delete(
    State(app): State<Arc<App>>,
    Caller(user): Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    object_body(&body, true)?;
    let mut state = app.state();
    own(&state, &user, &id)?;
    state.members.retain(|m| m.membership_id != id);
    ok(json!({"id": id}))
}
