//! `/user/invites`: the invitee's side of an invitation (a member created with the caller's
//! e-mail). The invite id is the membership id, so `/memberships/{id}` answers the same one.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use serde_json::Value;

use crate::app::App;
use crate::auth::Caller;
use crate::envelope::{check_id, code, ok, ok_all, ApiError, ApiResult};
use crate::state::{Member, State as World, User};

/// Whether `m` is an invitation addressed to `user`.
fn addressed_to(m: &Member, user: &User) -> bool {
    m.invited && (m.user_id == user.id || m.email.eq_ignore_ascii_case(&user.email))
}

fn own<'a>(state: &'a World, user: &User, id: &str) -> Result<&'a Member, ApiError> {
    check_id("invite", id)?;
    state
        .members
        .iter()
        .find(|m| m.membership_id == id && addressed_to(m, user))
        .ok_or_else(|| {
            ApiError::not_found(code::INVITE_NOT_FOUND, format!("Invite `{id}` not found"))
        })
}

/// GET /user/invites: the caller's pending invitations, oldest first.
pub async fn list(State(app): State<Arc<App>>, Caller(user): Caller) -> ApiResult {
    let state = app.state();
    let items: Vec<Value> = state
        .members
        .iter()
        .filter(|m| addressed_to(m, &user) && m.status == "pending")
        .map(|m| state.invite_json(m))
        .collect();
    ok_all(items)
}

/// GET /user/invites/{invite_id}: any status, so an answered invitation can be looked at.
pub async fn get(
    State(app): State<Arc<App>>,
    Caller(user): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let state = app.state();
    let m = own(&state, &user, &id)?;
    ok(state.invite_json(m))
}

/// PATCH /user/invites/{invite_id}: `{"status": "accepted" | "rejected"}`, the same answer
/// as `PUT /memberships/{id}` gives.
pub async fn respond(
    State(app): State<Arc<App>>,
    Caller(user): Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let status = super::memberships::answer(&body)?;
    let mut state = app.state();
    own(&state, &user, &id)?;
    state.answer_invitation(&id, &status)?;
    let m = own(&state, &user, &id)?;
    ok(state.invite_json(m))
}
