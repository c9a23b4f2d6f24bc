//! `/accounts/{account_id}/members`: invitations, with the real API's quirks (roles as
//! strings on create but objects on update, `accepted` refused on create, roles left out of
//! the create response, policies silently preferred over roles).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::{AccountCaller, MEMBERS_READ, MEMBERS_WRITE};
use crate::catalog::{permission_group_by_id, role_by_id};
use crate::envelope::{
    check_id, code, looks_like_email, object_body, ok, ok_list, paginate, ApiError, ApiResult,
    Query,
};
use crate::state::{Account, Grant, Member, Policy, State as World};

const EMAIL_MAX: usize = 90;

/// GET /accounts/{account_id}/members: `status`, `order`, `direction`, paginated. Rejected
/// invitations only show when asked for with `status=rejected`.
pub async fn list(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path(account_id): Path<String>,
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
        if !["user.first_name", "user.last_name", "user.email", "status"].contains(&o) {
            return Err(ApiError::invalid(
                "order",
                "must be user.first_name, user.last_name, user.email or status",
            ));
        }
    }
    let state = app.state();
    state.account_for(&account_id, &who, MEMBERS_READ)?;
    let mut members: Vec<&Member> = state
        .members
        .iter()
        .filter(|m| m.account_id == account_id)
        .filter(|m| match status {
            Some(s) => m.status == s,
            None => m.status != "rejected",
        })
        .collect();
    if let Some(o) = order {
        let key = |m: &Member| -> String {
            let u = state.user(&m.user_id);
            match o {
                "user.first_name" => u.and_then(|u| u.first_name.clone()).unwrap_or_default(),
                "user.last_name" => u.and_then(|u| u.last_name.clone()).unwrap_or_default(),
                "status" => m.status.clone(),
                _ => m.email.to_lowercase(),
            }
        };
        members.sort_by_key(|m| key(m));
    }
    if desc {
        members.reverse();
    }
    let items: Vec<Value> = members.iter().map(|m| state.member_json(m, true)).collect();
    let (items, info) = paginate(items, page, per_page);
    ok_list(items, info)
}

/// Role ids given as strings (the create form).
fn role_ids_from_strings(v: &Value) -> Result<Vec<String>, ApiError> {
    let Value::Array(items) = v else {
        return Err(ApiError::invalid("roles", "must be an array of role ids"));
    };
    let mut ids = Vec::new();
    for item in items {
        match item {
            Value::String(id) => ids.push(id.clone()),
            _ => {
                return Err(ApiError::bad_request(
                    code::ROLES_NOT_OBJECTS,
                    "roles: when adding a member, roles are role ids (strings)",
                ))
            }
        }
    }
    known_roles(ids)
}

/// Role ids given as objects `{"id": ...}` (the update form; strings are refused there).
fn role_ids_from_objects(v: &Value) -> Result<Vec<String>, ApiError> {
    let Value::Array(items) = v else {
        return Err(ApiError::invalid(
            "roles",
            "must be an array of role objects",
        ));
    };
    let mut ids = Vec::new();
    for item in items {
        match item.get("id") {
            Some(Value::String(id)) if item.is_object() => ids.push(id.clone()),
            _ => {
                return Err(ApiError::bad_request(
                    code::ROLES_NOT_OBJECTS,
                    "roles: when updating a member, each role must be an object {\"id\": \"<role id>\"}",
                ))
            }
        }
    }
    known_roles(ids)
}

fn known_roles(ids: Vec<String>) -> Result<Vec<String>, ApiError> {
    if ids.is_empty() {
        return Err(ApiError::invalid("roles", "must name at least one role"));
    }
    for id in &ids {
        if role_by_id(id).is_none() {
            return Err(ApiError::bad_request(
                code::UNKNOWN_ROLE,
                format!("roles: unknown role id `{id}`"),
            ));
        }
    }
    Ok(ids)
}

fn ids_of(v: Option<&Value>, field: &str) -> Result<Vec<String>, ApiError> {
    let Some(Value::Array(items)) = v else {
        return Err(ApiError::invalid(
            field,
            "must be an array of {\"id\": ...}",
        ));
    };
    let mut ids = Vec::new();
    for item in items {
        match item.get("id") {
            Some(Value::String(id)) => ids.push(id.clone()),
            _ => return Err(ApiError::invalid(field, "each entry needs a string `id`")),
        }
    }
    if ids.is_empty() {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    Ok(ids)
}

fn parse_policies(
    state: &mut World,
    account: &Account,
    v: &Value,
) -> Result<Vec<Policy>, ApiError> {
    let Value::Array(items) = v else {
        return Err(ApiError::invalid("policies", "must be an array"));
    };
    if items.is_empty() {
        return Err(ApiError::invalid("policies", "must not be empty"));
    }
    let mut out = Vec::new();
    for p in items {
        let access = match p.get("access") {
            Some(Value::String(a)) if a == "allow" || a == "deny" => a.clone(),
            _ => {
                return Err(ApiError::invalid(
                    "policies.access",
                    "must be allow or deny",
                ))
            }
        };
        let groups = ids_of(p.get("permission_groups"), "policies.permission_groups")?;
        for g in &groups {
            if permission_group_by_id(g).is_none() {
                return Err(ApiError::bad_request(
                    code::UNKNOWN_POLICY_PART,
                    format!("policies.permission_groups: unknown permission group `{g}`"),
                ));
            }
        }
        let resources = ids_of(p.get("resource_groups"), "policies.resource_groups")?;
        for r in &resources {
            if r != &account.resource_group_id {
                return Err(ApiError::bad_request(
                    code::UNKNOWN_POLICY_PART,
                    format!("policies.resource_groups: unknown resource group `{r}`"),
                ));
            }
        }
        out.push(Policy {
            id: state.new_id(),
            access,
            permission_groups: groups,
            resource_groups: resources,
        });
    }
    Ok(out)
}

/// Roles or policies from a body; policies win when both are present, as on the real API.
fn grant_from(
    state: &mut World,
    account: &Account,
    body: &Map<String, Value>,
    roles_as_objects: bool,
) -> Result<Grant, ApiError> {
    if let Some(p) = body.get("policies").filter(|v| !v.is_null()) {
        return Ok(Grant::Policies(parse_policies(state, account, p)?));
    }
    match body.get("roles").filter(|v| !v.is_null()) {
        Some(r) if roles_as_objects => Ok(Grant::Roles(role_ids_from_objects(r)?)),
        Some(r) => Ok(Grant::Roles(role_ids_from_strings(r)?)),
        None => Err(ApiError::invalid(
            "roles",
            "either roles or policies is required",
        )),
    }
}

/// POST /accounts/{account_id}/members: invites `email` (status `pending`).
pub async fn create(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path(account_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let mut state = app.state();
    let account = state.account_for(&account_id, &who, MEMBERS_WRITE)?.clone();
    let body = object_body(&body, false)?;
    let email = match body.get("email") {
        Some(Value::String(e)) if e.chars().count() > EMAIL_MAX => {
            return Err(ApiError::invalid("email", "must be at most 90 characters"))
        }
        Some(Value::String(e)) if looks_like_email(e) => e.clone(),
        Some(Value::String(_)) => {
            return Err(ApiError::invalid("email", "is not an e-mail address"))
        }
        _ => return Err(ApiError::invalid("email", "is required")),
    };
    match body.get("status") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s == "pending" => {}
        Some(Value::String(s)) if s == "accepted" => {
            let mut e = ApiError::bad_request(
                code::MEMBER_STATUS_ACCEPTED,
                "A new member cannot be created with status accepted; invite them (pending)",
            );
            e.result = json!([]);
            return Err(e);
        }
        Some(_) => return Err(ApiError::invalid("status", "must be pending")),
    }
    let grant = grant_from(&mut state, &account, &body, false)?;
    if state.members.iter().any(|m| {
        m.account_id == account_id && m.status != "rejected" && m.email.eq_ignore_ascii_case(&email)
    }) {
        return Err(ApiError::bad_request(
            code::MEMBER_EXISTS,
            format!("{email} is already a member of this account"),
        ));
    }
    let user_id = state.user_for_invite(&email);
    let id = state.add_member(&account_id, &user_id, &email, "pending", grant);
    let member = state
        .members
        .iter_mut()
        .find(|m| m.id == id)
        .expect("just added");
    // The invitee sees this in `/user/invites`, with who sent it.
    member.invited = true;
    member.invited_by = who.user().map(|u| u.email.clone());
    let member = state
        .members
        .iter()
        .find(|m| m.id == id)
        .expect("just added");
    ok(state.member_json(member, false))
}

fn find_member<'a>(
    state: &'a World,
    account_id: &str,
    member_id: &str,
) -> Result<&'a Member, ApiError> {
    check_id("member", member_id)?;
    state
        .members
        .iter()
        .find(|m| m.account_id == account_id && m.id == member_id)
        .ok_or_else(|| {
            ApiError::not_found(
                code::MEMBER_NOT_FOUND,
                format!("Member `{member_id}` not found"),
            )
        })
}

/// GET /accounts/{account_id}/members/{member_id}: roles as full objects.
pub async fn get(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path((account_id, member_id)): Path<(String, String)>,
) -> ApiResult {
    let state = app.state();
    state.account_for(&account_id, &who, MEMBERS_READ)?;
    let member = find_member(&state, &account_id, &member_id)?;
    ok(state.member_json(member, true))
}

/// PUT /accounts/{account_id}/members/{member_id}: `roles: [{"id": ...}]` or `policies`.
pub async fn update(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path((account_id, member_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let mut state = app.state();
    let account = state.account_for(&account_id, &who, MEMBERS_WRITE)?.clone();
    find_member(&state, &account_id, &member_id)?;
    let body = object_body(&body, false)?;
    let grant = grant_from(&mut state, &account, &body, true)?;
    let member = state
        .members
        .iter_mut()
        .find(|m| m.id == member_id)
        .expect("checked above");
    member.grant = grant;
    let member = state
        .members
        .iter()
        .find(|m| m.id == member_id)
        .expect("checked above");
    ok(state.member_json(member, true))
}

/// DELETE /accounts/{account_id}/members/{member_id}: body `{}` (an empty body is tolerated).
pub async fn delete(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path((account_id, member_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let mut state = app.state();
    state.account_for(&account_id, &who, MEMBERS_WRITE)?;
    object_body(&body, true)?;
    find_member(&state, &account_id, &member_id)?;
    state.members.retain(|m| m.id != member_id);
    ok(json!({"id": member_id}))
}
