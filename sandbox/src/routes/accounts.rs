//! `/accounts` and `/accounts/{account_id}`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use serde_json::{json, Value};

use crate::app::App;
use crate::auth::{self, AccountCaller, Caller, ACCOUNT_READ, ACCOUNT_WRITE};
use crate::catalog::ADMINISTRATOR_ROLE_ID;
use crate::envelope::{
    code, object_body, ok, ok_envelope, ok_list, opt_str, paginate, raw_json, ApiError, ApiResult,
    Query,
};
use crate::state::{Grant, KeyedAnswer, Kyc, Principal, KYC_FIELDS};

const NAME_MAX: usize = 100;
const KYC_MAX: usize = 120;

/// How long a keyed create is replayed (Stripe keeps keys for 24 hours).
const KEY_TTL: Duration = Duration::from_secs(24 * 3600);
/// Longest accepted Idempotency-Key (Stripe's limit).
const KEY_MAX: usize = 255;

/// GET /accounts: the caller's accounts, sorted by name, filtered by `name` (substring,
/// case-insensitive). With an account-owned token it is the token's account, and `page` is
/// ignored: every page is the first, as on the real API.
pub async fn list(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let (mut page, per_page) = q.pagination()?;
    if matches!(who, Principal::Token(_)) {
        page = 1;
    }
    let desc = q.direction_desc()?;
    let needle = q.get("name").map(str::to_lowercase);
    let state = app.state();
    let mut accounts = state.accounts_of(&who);
    if let Some(n) = &needle {
        accounts.retain(|a| a.name.to_lowercase().contains(n.as_str()));
    }
    accounts.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then_with(|| a.created_on.cmp(&b.created_on))
    });
    if desc {
        accounts.reverse();
    }
    let items: Vec<Value> = accounts.iter().map(|a| state.account_json(a)).collect();
    let (items, info) = paginate(items, page, per_page);
    ok_list(items, info)
}

fn required_name(body: &serde_json::Map<String, Value>) -> Result<String, ApiError> {
    match opt_str(body, "name", NAME_MAX)? {
        Some(n) if !n.trim().is_empty() => Ok(n),
        _ => Err(ApiError::invalid("name", "is required")),
    }
}

/// The `Idempotency-Key` header, if sent: 1 to 255 visible ASCII characters, else 400.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let bytes = v.as_bytes();
    if bytes.is_empty() || bytes.len() > KEY_MAX || !bytes.iter().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::bad_request(
            code::IDEMPOTENCY_KEY_INVALID,
            format!("Idempotency-Key must be 1 to {KEY_MAX} visible ASCII characters"),
        ));
    }
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}

/// POST /accounts: tenant administrators only. The creator becomes an accepted
/// Administrator member. Names are not unique (as on the real API), so a blindly retried
/// create makes a second account, unless the client sends an `Idempotency-Key`: then, as at
/// Stripe, a resend with the same key, credential and body within 24 h replays the first
/// successful answer, and the same key with another body is refused (422). Refusals are not
/// kept, so a corrected request may reuse the key.
pub async fn create(
    State(app): State<Arc<App>>,
    Caller(user): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let key = idempotency_key(&headers)?;
    let mut state = app.state();
    let scope = key.map(|k| (auth::bucket(&headers, &state), k));
    if let Some(scope) = &scope {
        let request = Value::Object(object_body(&body, false)?);
        let now = Instant::now();
        state
            .keyed
            .retain(|_, a| now.duration_since(a.at) < KEY_TTL);
        if let Some(first) = state.keyed.get(scope) {
            if first.request != request {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    code::IDEMPOTENCY_KEY_REUSED,
                    "This Idempotency-Key was already used with another request body; \
                     use a new key for a new request",
                ));
            }
            let status = StatusCode::from_u16(first.status).unwrap_or(StatusCode::OK);
            let mut resp = raw_json(status, first.body.clone());
            resp.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            state.idempotent_replays += 1;
            return Ok(resp);
        }
    }
    let Some(tenant) = state.administered_tenant(&user).cloned() else {
        return Err(ApiError::tenant_only("Account creation"));
    };
    let body = object_body(&body, false)?;
    let request = Value::Object(body.clone());
    let name = required_name(&body)?;
    let account_type = match body.get("type") {
        None | Some(Value::Null) => "standard".to_string(),
        Some(Value::String(t)) if t == "standard" || t == "enterprise" => t.clone(),
        Some(_) => {
            return Err(ApiError::invalid(
                "type",
                "must be `standard` or `enterprise`",
            ))
        }
    };
    // `standalone: true`: a free account outside any organization (tenant unit).
    let standalone = match body.get("standalone") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(_) => return Err(ApiError::invalid("standalone", "must be a boolean")),
    };
    if standalone && !matches!(body.get("unit"), None | Some(Value::Null)) {
        return Err(ApiError::invalid(
            "standalone",
            "cannot be given with `unit`: a standalone account is outside any organization",
        ));
    }
    let unit = match body.get("unit") {
        _ if standalone => String::new(),
        None | Some(Value::Null) => tenant.units[0].tag.clone(),
        Some(Value::Object(u)) => match u.get("id") {
            Some(Value::String(id)) if tenant.units.iter().any(|x| &x.tag == id) => id.clone(),
            Some(Value::String(id)) => {
                return Err(ApiError::bad_request(
                    code::UNKNOWN_UNIT,
                    format!("unit.id `{id}` is not a unit of tenant {}", tenant.tag),
                ))
            }
            _ => {
                return Err(ApiError::invalid(
                    "unit.id",
                    "is required and must be a string",
                ))
            }
        },
        Some(_) => {
            return Err(ApiError::invalid(
                "unit",
                "must be an object `{\"id\": ...}`",
            ))
        }
    };
    let mut kyc = Kyc::default();
    for field in KYC_FIELDS {
        kyc.set(field, opt_str(&body, field, KYC_MAX)?);
    }
    let (tenant, unit) = if standalone {
        (None, None)
    } else {
        (Some(tenant.tag), Some(unit))
    };
    let id = state.insert_account(name, account_type, tenant, unit, kyc);
    state.add_member(
        &id,
        &user.id,
        &user.email,
        "accepted",
        Grant::Roles(vec![ADMINISTRATOR_ROLE_ID.into()]),
    );
    let account = state.account(&id).expect("just inserted");
    let body = ok_envelope(state.account_json(account)).to_string();
    if let Some(scope) = scope {
        let answer = KeyedAnswer {
            at: Instant::now(),
            request,
            status: StatusCode::OK.as_u16(),
            body: body.clone(),
        };
        state.keyed.insert(scope, answer);
    }
    Ok(raw_json(StatusCode::OK, body).into_response())
}

/// GET /accounts/{account_id}
pub async fn get(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path(id): Path<String>,
) -> ApiResult {
    let state = app.state();
    let account = state.account_for(&id, &who, ACCOUNT_READ)?;
    ok(state.account_json(account))
}

/// GET /accounts/{account_id}/entitlements: what the account may do.
pub async fn entitlements(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path(id): Path<String>,
) -> ApiResult {
    let state = app.state();
    state.account_for(&id, &who, ACCOUNT_READ)?;
    ok(json!({
        "allow_add_subdomain": {"type": "bool", "value": true},
        "mhs_certificate_count": {"type": "max_count", "value": 10},
        "custom_entitlements": [
            {"feature": {"key": "zones.max_count"}, "allocation": {"type": "max_count", "value": 50}},
        ],
    }))
}

/// PUT /accounts/{account_id}: `name` (required, as the update replaces the account) and
/// `settings` (`enforce_twofactor`, `abuse_contact_email`; absent keys are left alone).
pub async fn update(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let mut state = app.state();
    state.account_for(&id, &who, ACCOUNT_WRITE)?;
    let body = object_body(&body, false)?;
    let name = required_name(&body)?;
    let mut twofactor = None;
    let mut abuse = None;
    match body.get("settings") {
        None | Some(Value::Null) => {}
        Some(Value::Object(s)) => {
            match s.get("enforce_twofactor") {
                None | Some(Value::Null) => {}
                Some(Value::Bool(b)) => twofactor = Some(*b),
                Some(_) => {
                    return Err(ApiError::invalid(
                        "settings.enforce_twofactor",
                        "must be a boolean",
                    ))
                }
            }
            if s.contains_key("abuse_contact_email") {
                abuse = Some(opt_str(s, "abuse_contact_email", 90)?);
            }
        }
        Some(_) => return Err(ApiError::invalid("settings", "must be an object")),
    }
    let account = state.account_mut(&id).expect("checked above");
    account.name = name;
    if let Some(b) = twofactor {
        account.enforce_twofactor = b;
    }
    if let Some(e) = abuse {
        account.abuse_contact_email = e;
    }
    let account = state.account(&id).expect("checked above");
    ok(state.account_json(account))
}

/// DELETE /accounts/{account_id}: tenant administrators only (an account token is not one);
/// removes the members (and so the memberships) and the tokens with the account.
pub async fn delete(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path(id): Path<String>,
) -> ApiResult {
    let mut state = app.state();
    if who
        .user()
        .and_then(|u| state.administered_tenant(u))
        .is_none()
    {
        return Err(ApiError::tenant_only("Account deletion"));
    }
    state.account_for(&id, &who, ACCOUNT_WRITE)?;
    state.delete_account(&id);
    ok(json!({"id": id}))
}
