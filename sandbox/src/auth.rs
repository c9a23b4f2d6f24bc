//! Who is calling: the three credential forms of the real API, resolved to a user.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};

use crate::app::App;
use crate::envelope::{code, ApiError};
use crate::state::{Credential, User};

/// Read a credential from the headers. A bearer token wins over a service key, which wins
/// over e-mail + key; an incomplete pair counts as no credential.
pub fn credential(headers: &HeaderMap) -> Option<Credential> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    if let Some(auth) = get("authorization") {
        let (scheme, token) = auth.split_once(' ').unwrap_or((auth, ""));
        if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() {
            return Some(Credential::Bearer(token.trim().to_string()));
        }
    }
    if let Some(key) = get("x-auth-user-service-key") {
        return Some(Credential::ServiceKey(key.to_string()));
    }
    match (get("x-auth-email"), get("x-auth-key")) {
        (Some(e), Some(k)) => Some(Credential::EmailKey(e.to_string(), k.to_string())),
        _ => None,
    }
}

/// The rate-limit bucket of a request: one per credential as presented.
pub fn bucket(headers: &HeaderMap) -> String {
    match credential(headers) {
        Some(Credential::Bearer(t)) => format!("token:{t}"),
        Some(Credential::ServiceKey(k)) => format!("service-key:{k}"),
        Some(Credential::EmailKey(e, k)) => format!("key:{}:{k}", e.to_ascii_lowercase()),
        None => "anonymous".into(),
    }
}

/// The authenticated caller, as an extractor: 401 without credentials, 403 with unknown ones.
#[derive(Debug, Clone)]
pub struct Caller(pub User);

impl FromRequestParts<Arc<App>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        let Some(cred) = credential(&parts.headers) else {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                code::AUTH_MISSING,
                "Authentication error",
            ));
        };
        let state = app.state();
        match state.authenticate(&cred) {
            Some(user) => Ok(Caller(user.clone())),
            None => {
                let message = match cred {
                    Credential::Bearer(_) => "Invalid access token",
                    Credential::ServiceKey(_) => "Invalid user service key",
                    Credential::EmailKey(..) => "Unknown X-Auth-Key or X-Auth-Email",
                };
                Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    code::FORBIDDEN,
                    message,
                ))
            }
        }
    }
}
