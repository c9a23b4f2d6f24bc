//! Who is calling: the three credential forms of the real API, resolved to a user, or an
//! account-owned API token, which acts for its own account only.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};

use crate::app::App;
use crate::envelope::{code, now_unix, ApiError};
use crate::rng::stable_id;
use crate::state::{Credential, Principal, State, User};

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

/// The credential form, for the request log (never the credential itself).
pub fn credential_kind(headers: &HeaderMap) -> Option<&'static str> {
    credential(headers).map(|c| match c {
        Credential::Bearer(_) => "bearer",
        Credential::ServiceKey(_) => "service_key",
        Credential::EmailKey(..) => "email_key",
    })
}

/// The rate-limit bucket of a request: one per credential as presented, except that an
/// account-owned token counts by its id, so rolling it does not give it a fresh budget.
/// Secrets enter a key only hashed: the limiter and the keyed-create store hold none.
pub fn bucket(headers: &HeaderMap, state: &State) -> String {
    let hash = |s: &str| stable_id("credential", s);
    match credential(headers) {
        Some(Credential::Bearer(t)) => match state.tokens.iter().find(|k| k.value == t) {
            Some(token) => format!("account-token:{}", token.id),
            None => format!("token:{}", hash(&t)),
        },
        Some(Credential::ServiceKey(k)) => format!("service-key:{}", hash(&k)),
        Some(Credential::EmailKey(e, k)) => {
            format!("key:{}:{}", e.to_ascii_lowercase(), hash(&k))
        }
        None => "anonymous".into(),
    }
}

/// The rate-limit bucket of a request whose credentials are valid (a user's, or a usable
/// account token's); `None` without credentials or with unknown, disabled or expired ones.
/// Such requests are answered 401 / 403 without being counted, and without rate-limit
/// headers: the real API counts them per IP, which the local sandbox does not model.
pub fn limit_bucket(headers: &HeaderMap, state: &State) -> Option<String> {
    let cred = credential(headers)?;
    let valid = state.authenticate(&cred).is_some()
        || matches!(&cred, Credential::Bearer(value) if {
            let now = now_unix();
            state.tokens.iter().any(|t| &t.value == value && t.usable_at(now))
        });
    valid.then(|| bucket(headers, state))
}

/// What an operation needs inside an account. A user needs an accepted membership, and the
/// right to administer the account when `admin` is set; a token needs a policy that allows
/// one of `token_groups` on the account (the operation's `x-api-token-group` in the spec).
#[derive(Debug, Clone, Copy)]
pub struct Access {
    pub admin: bool,
    pub token_groups: &'static [&'static str],
}

/// `GET /accounts/{id}`, its entitlements and the IAM permission groups.
pub const ACCOUNT_READ: Access = Access {
    admin: false,
    token_groups: &[
        "Trust and Safety Write",
        "Trust and Safety Read",
        "DNS View Write",
        "DNS View Read",
        "SCIM Provisioning",
        "Load Balancers Account Write",
        "Load Balancers Account Read",
        "Zero Trust: PII Read",
        "DDoS Botnet Feed Write",
        "DDoS Botnet Feed Read",
        "Workers R2 Storage Write",
        "Workers R2 Storage Read",
        "DDoS Protection Write",
        "DDoS Protection Read",
        "Workers Tail Read",
        "Workers KV Storage Write",
        "Workers KV Storage Read",
        "Workers Scripts Write",
        "Workers Scripts Read",
        "Load Balancing: Monitors and Pools Write",
        "Load Balancing: Monitors and Pools Read",
        "Account Firewall Access Rules Write",
        "Account Firewall Access Rules Read",
        "DNS Firewall Write",
        "DNS Firewall Read",
        "Billing Write",
        "Billing Read",
        "Account Settings Write",
        "Account Settings Read",
    ],
};

/// `PUT /accounts/{id}` and `DELETE /accounts/{id}`.
pub const ACCOUNT_WRITE: Access = Access {
    admin: true,
    token_groups: &["Account Settings Write"],
};

/// Members, roles and resource groups, read.
pub const MEMBERS_READ: Access = Access {
    admin: false,
    token_groups: &[
        "SCIM Provisioning",
        "Account Settings Write",
        "Account Settings Read",
    ],
};

/// Members, written.
pub const MEMBERS_WRITE: Access = Access {
    admin: true,
    token_groups: &["SCIM Provisioning", "Account Settings Write"],
};

/// Account-owned tokens, read. Users need to administer the account: tokens are its keys.
pub const TOKENS_READ: Access = Access {
    admin: true,
    token_groups: &["Account API Tokens Write", "Account API Tokens Read"],
};

/// Account-owned tokens, written (create, update, roll, delete). The real API asks for
/// Super Administrator; the sandbox's "administers the account" stands for it.
pub const TOKENS_WRITE: Access = Access {
    admin: true,
    token_groups: &["Account API Tokens Write"],
};

fn missing() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        code::AUTH_MISSING,
        "Authentication error",
    )
}

fn unknown(cred: &Credential) -> ApiError {
    let message = match cred {
        Credential::Bearer(_) => "Invalid access token",
        Credential::ServiceKey(_) => "Invalid user service key",
        Credential::EmailKey(..) => "Unknown X-Auth-Key or X-Auth-Email",
    };
    ApiError::new(StatusCode::FORBIDDEN, code::FORBIDDEN, message)
}

/// Resolve the headers to a user or a usable account token (active, within its validity
/// window). A token's use is remembered as its `last_used_on`.
fn principal(parts: &Parts, app: &App) -> Result<Principal, ApiError> {
    let cred = credential(&parts.headers).ok_or_else(missing)?;
    let mut state = app.state();
    if let Some(user) = state.authenticate(&cred) {
        return Ok(Principal::User(user.clone()));
    }
    if let Credential::Bearer(value) = &cred {
        let now = now_unix();
        let used = state.now();
        if let Some(token) = state
            .tokens
            .iter_mut()
            .find(|t| &t.value == value && t.usable_at(now))
        {
            token.last_used_on = Some(used);
            return Ok(Principal::Token(token.clone()));
        }
    }
    Err(unknown(&cred))
}

/// The authenticated user, as an extractor: 401 without credentials, 403 with unknown ones.
/// An account-owned token is not a user: user-level operations refuse it (403, 9109).
#[derive(Debug, Clone)]
pub struct Caller(pub User);

impl FromRequestParts<Arc<App>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        match principal(parts, app)? {
            Principal::User(user) => Ok(Caller(user)),
            Principal::Token(_) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                code::FORBIDDEN,
                "Valid user-level authentication not found",
            )),
        }
    }
}

/// The caller of an account-scoped operation: a user or an account-owned token. What it may
/// do in an account is decided by [`State::account_for`].
#[derive(Debug, Clone)]
pub struct AccountCaller(pub Principal);

impl FromRequestParts<Arc<App>> for AccountCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        principal(parts, app).map(AccountCaller)
    }
}
