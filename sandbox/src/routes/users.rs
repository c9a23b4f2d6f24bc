//! `POST /users` (service users for per-customer credentials), `GET /user`, `PATCH /user`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::Value;

use crate::app::App;
use crate::auth::Caller;
use crate::envelope::{code, looks_like_email, object_body, ok, opt_str, ApiError, ApiResult};
use crate::state::{User, UserKind};

/// Length of a generated API key (the length of a global API key).
const API_KEY_LEN: usize = 37;

/// POST /users: tenant administrators only. The result carries `api_key`, usable as
/// `X-Auth-User-Service-Key` or as `X-Auth-Key` with the user's e-mail.
pub async fn create(State(app): State<Arc<App>>, Caller(user): Caller, body: Bytes) -> ApiResult {
    let mut state = app.state();
    let Some(tenant) = state.administered_tenant(&user).map(|t| t.tag.clone()) else {
        return Err(ApiError::tenant_only("User creation"));
    };
    let body = object_body(&body, false)?;
    let email = match body.get("email") {
        Some(Value::String(e)) if e.chars().count() <= 90 && looks_like_email(e) => e.clone(),
        Some(Value::String(_)) => {
            return Err(ApiError::invalid(
                "email",
                "must be an e-mail address of at most 90 characters",
            ))
        }
        _ => return Err(ApiError::invalid("email", "is required")),
    };
    let key = state.new_secret(API_KEY_LEN);
    let now = state.tick();
    let id = match state.user_by_email(&email) {
        // Someone invited this address before it became a user: keep the id, so the pending
        // invitations become this user's memberships.
        Some(u) if u.kind == UserKind::Invited => u.id.clone(),
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                code::EMAIL_TAKEN,
                format!("A user with the e-mail {email} already exists"),
            ))
        }
        None => {
            let id = state.new_id();
            state.users.push(User {
                username: id.clone(),
                id: id.clone(),
                email: email.clone(),
                first_name: None,
                last_name: None,
                telephone: None,
                country: None,
                zipcode: None,
                kind: UserKind::Invited,
                api_token: None,
                global_key: None,
                service_key: None,
                tenant: None,
                created_on: now.clone(),
                modified_on: now.clone(),
            });
            id
        }
    };
    let u = state.user_mut(&id).expect("present");
    u.kind = UserKind::Service;
    u.global_key = Some(key.clone());
    u.service_key = Some(key);
    u.tenant = Some(tenant);
    u.created_on = now.clone();
    u.modified_on = now;
    let u = state.user(&id).expect("present");
    ok(state.service_user_json(u))
}

/// GET /user
pub async fn get(State(app): State<Arc<App>>, Caller(user): Caller) -> ApiResult {
    let state = app.state();
    ok(state.user_json(&user))
}

/// PATCH /user: first_name, last_name (60), telephone (20), country (30), zipcode (20); a
/// `null` clears the field, other keys are ignored.
pub async fn edit(State(app): State<Arc<App>>, Caller(user): Caller, body: Bytes) -> ApiResult {
    let body = object_body(&body, false)?;
    let fields = [
        ("first_name", 60),
        ("last_name", 60),
        ("telephone", 20),
        ("country", 30),
        ("zipcode", 20),
    ];
    let mut changes = Vec::new();
    for (field, max) in fields {
        if body.contains_key(field) {
            changes.push((field, opt_str(&body, field, max)?));
        }
    }
    let mut state = app.state();
    let now = state.tick();
    let u = state.user_mut(&user.id).expect("the caller exists");
    for (field, value) in changes {
        match field {
            "first_name" => u.first_name = value,
            "last_name" => u.last_name = value,
            "telephone" => u.telephone = value,
            "country" => u.country = value,
            _ => u.zipcode = value,
        }
    }
    u.modified_on = now;
    let u = state.user(&user.id).expect("the caller exists");
    ok(state.user_json(u))
}
