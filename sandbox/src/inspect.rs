//! Inspection endpoints outside `/client/v4`, for tests: what the sandbox holds, whatever
//! the API answered (e.g. an account created by a request whose response was lost).

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Json};
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;

use crate::app::App;

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/__sandbox/state", get(state))
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

/// POST /__sandbox/reset: back to the start state (same seed, same ids), counters and rate
/// limits cleared.
async fn reset(State(app): State<Arc<App>>) -> impl IntoResponse {
    app.reset();
    Json(json!({"reset": true}))
}
