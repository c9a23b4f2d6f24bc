//! The API router (paths as under `/client/v4`, prefix already removed).

mod accounts;
mod iam;
mod invites;
mod members;
mod memberships;
mod tenants;
mod tokens;
mod users;

use std::sync::Arc;

use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::Router;

use crate::app::App;
use crate::envelope::{code, ApiError};

pub fn api(app: Arc<App>) -> Router {
    Router::new()
        .route("/accounts", get(accounts::list).post(accounts::create))
        .route(
            "/accounts/{account_id}",
            get(accounts::get)
                .put(accounts::update)
                .delete(accounts::delete),
        )
        .route(
            "/accounts/{account_id}/entitlements",
            get(accounts::entitlements),
        )
        .route(
            "/accounts/{account_id}/members",
            get(members::list).post(members::create),
        )
        .route(
            "/accounts/{account_id}/members/{member_id}",
            get(members::get)
                .put(members::update)
                .delete(members::delete),
        )
        .route("/accounts/{account_id}/roles", get(iam::list_roles))
        .route("/accounts/{account_id}/roles/{role_id}", get(iam::get_role))
        .route(
            "/accounts/{account_id}/iam/permission_groups",
            get(iam::list_permission_groups),
        )
        .route(
            "/accounts/{account_id}/iam/permission_groups/{permission_group_id}",
            get(iam::get_permission_group),
        )
        .route(
            "/accounts/{account_id}/iam/resource_groups",
            get(iam::list_resource_groups),
        )
        .route(
            "/accounts/{account_id}/tokens",
            get(tokens::list).post(tokens::create),
        )
        .route("/accounts/{account_id}/tokens/verify", get(tokens::verify))
        .route(
            "/accounts/{account_id}/tokens/permission_groups",
            get(tokens::permission_groups),
        )
        .route(
            "/accounts/{account_id}/tokens/{token_id}",
            get(tokens::get).put(tokens::update).delete(tokens::delete),
        )
        .route(
            "/accounts/{account_id}/tokens/{token_id}/value",
            put(tokens::roll),
        )
        .route("/users", post(users::create))
        .route("/user", get(users::get).patch(users::edit))
        .route("/user/tenants", get(tenants::user_tenants))
        .route("/user/invites", get(invites::list))
        .route(
            "/user/invites/{invite_id}",
            get(invites::get).patch(invites::respond),
        )
        .route("/memberships", get(memberships::list))
        .route(
            "/memberships/{membership_id}",
            get(memberships::get)
                .put(memberships::update)
                .delete(memberships::delete),
        )
        .route("/tenants/{tenant_id}", get(tenants::get))
        .route("/tenants/{tenant_id}/accounts", get(tenants::accounts))
        .route(
            "/tenants/{tenant_id}/entitlements",
            get(tenants::entitlements),
        )
        .route(
            "/tenants/{tenant_id}/memberships",
            get(tenants::memberships),
        )
        .route(
            "/tenants/{tenant_id}/account_types",
            get(tenants::account_types),
        )
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(app)
}

async fn no_route(uri: Uri) -> impl IntoResponse {
    ApiError::not_found(
        code::NO_ROUTE,
        format!(
            "Could not route to {}, perhaps your object identifier is invalid?",
            uri.path()
        ),
    )
}

async fn method_not_allowed() -> impl IntoResponse {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        code::METHOD_NOT_ALLOWED,
        "Method not allowed",
    )
}
