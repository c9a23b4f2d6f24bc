//! Inspection endpoints outside `/client/v4`, for tests: what the sandbox holds, whatever
//! the API answered (e.g. an account created by a request whose response was lost).

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Json};
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;

use crate::app::App;

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/__sandbox/state", get(state))
        .route("/__sandbox/requests", get(requests))
        .route("/__sandbox/reset", post(reset))
        .with_state(app)
}

/// GET /__sandbox/state
async fn state(State(app): State<Arc<App>>) -> impl IntoResponse {
    let mut v = app.state().snapshot();
    v["seed"] = json!(app.seed);
    v["counters"] = app.counters_json();
    Json(v)
}

/// GET /__sandbox/requests: the API requests received, oldest first (the last 10,000);
/// `since=<seq>` keeps those after a sequence number.
async fn requests(State(app): State<Arc<App>>, RawQuery(raw): RawQuery) -> impl IntoResponse {
    let since = crate::envelope::Query::parse(raw.as_deref())
        .get("since")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Json(app.edge().log.to_json(since))
}

/// POST /__sandbox/reset: back to the start state (same seed, same ids), counters, rate
/// limits, keyed creates and the request log cleared.
async fn reset(State(app): State<Arc<App>>) -> impl IntoResponse {
    app.reset();
    Json(json!({"reset": true}))
}
