//! `/accounts/{account_id}/tokens`: account-owned API tokens. A token authenticates as
//! itself (`Authorization: Bearer <value>`), acts only in its account, as far as its policies
//! allow, and counts against its own rate-limit bucket.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth::{AccountCaller, TOKENS_READ, TOKENS_WRITE};
use crate::catalog::{
    token_permission_group_by_id, token_permission_groups, SCOPE_ACCOUNT, SCOPE_ZONE,
};
use crate::envelope::{
    check_id, code, is_id, now_unix, object_body, ok, ok_all, ok_list, paginate, parse_rfc3339,
    ApiError, ApiResult, Query,
};
use crate::state::{AccountToken, Principal, State as World, TokenPolicy};

const NAME_MAX: usize = 120;

/// A token as sent in a create or update body, validated.
struct TokenInput {
    name: String,
    policies: Vec<TokenPolicy>,
    not_before: Option<i64>,
    expires_on: Option<i64>,
    condition: Option<Value>,
    /// Only on update: `active` or `disabled`.
    status: Option<String>,
}

fn opt_time(body: &Map<String, Value>, field: &str) -> Result<Option<i64>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse_rfc3339(s)
            .map(Some)
            .ok_or_else(|| ApiError::invalid(field, "must be an RFC 3339 date-time")),
        Some(_) => Err(ApiError::invalid(field, "must be an RFC 3339 date-time")),
    }
}

/// `com.cloudflare.api.account.zone.*` or `com.cloudflare.api.account.zone.<zone id>`: the
/// keys of the nested form, which scopes a policy to the account's zones.
fn is_zone_key(key: &str) -> bool {
    key.strip_prefix(SCOPE_ZONE)
        .and_then(|rest| rest.strip_prefix('.'))
        .is_some_and(|z| z == "*" || is_id(z))
}

/// `resources`: one key, `com.cloudflare.api.account.<this account>`, whose value is `"*"`
/// (the whole account) or an object of zone keys to `"*"` (the spec's nested form). Any other
/// account or resource is refused: an account token cannot reach beyond its account.
fn parse_resources(account_id: &str, v: Option<&Value>) -> Result<Map<String, Value>, ApiError> {
    let field = "policies.resources";
    let Some(Value::Object(map)) = v else {
        return Err(ApiError::invalid(field, "must be an object"));
    };
    if map.is_empty() {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    let own = format!("{SCOPE_ACCOUNT}.{account_id}");
    for (key, value) in map {
        if key != &own {
            return Err(ApiError::bad_request(
                code::UNKNOWN_POLICY_PART,
                format!("{field}: `{key}` is not this account (`{own}`)"),
            ));
        }
        match value {
            Value::String(s) if s == "*" => {}
            Value::Object(zones) if !zones.is_empty() => {
                for (zone, v) in zones {
                    if !is_zone_key(zone) {
                        return Err(ApiError::bad_request(
                            code::UNKNOWN_POLICY_PART,
                            format!("{field}: `{zone}` is not a zone resource of this account"),
                        ));
                    }
                    if v.as_str() != Some("*") {
                        return Err(ApiError::invalid(field, "zone values must be \"*\""));
                    }
                }
            }
            _ => {
                return Err(ApiError::invalid(
                    field,
                    "the account's value must be \"*\" or an object of zone resources",
                ))
            }
        }
    }
    Ok(map.clone())
}

fn parse_policies(
    state: &mut World,
    account_id: &str,
    v: Option<&Value>,
) -> Result<Vec<TokenPolicy>, ApiError> {
    let Some(Value::Array(items)) = v else {
        return Err(ApiError::invalid(
            "policies",
            "is required and must be an array",
        ));
    };
    if items.is_empty() {
        return Err(ApiError::invalid("policies", "must not be empty"));
    }
    let mut out = Vec::new();
    for p in items {
        let effect = match p.get("effect") {
            Some(Value::String(e)) if e == "allow" || e == "deny" => e.clone(),
            _ => {
                return Err(ApiError::invalid(
                    "policies.effect",
                    "must be allow or deny",
                ))
            }
        };
        let Some(Value::Array(groups)) = p.get("permission_groups") else {
            return Err(ApiError::invalid(
                "policies.permission_groups",
                "must be an array of {\"id\": ...}",
            ));
        };
        if groups.is_empty() {
            return Err(ApiError::invalid(
                "policies.permission_groups",
                "must not be empty",
            ));
        }
        let mut ids = Vec::new();
        for g in groups {
            let Some(Value::String(id)) = g.get("id") else {
                return Err(ApiError::invalid(
                    "policies.permission_groups",
                    "each entry needs a string `id`",
                ));
            };
            if token_permission_group_by_id(id).is_none() {
                return Err(ApiError::bad_request(
                    code::UNKNOWN_POLICY_PART,
                    format!("policies.permission_groups: unknown permission group `{id}`"),
                ));
            }
            ids.push(id.clone());
        }
        let resources = parse_resources(account_id, p.get("resources"))?;
        out.push(TokenPolicy {
            id: state.new_id(),
            effect,
            permission_groups: ids,
            resources,
        });
    }
    Ok(out)
}

/// `condition.request_ip.in` / `not_in`: lists of IP addresses or CIDR ranges. Kept and
/// shown, not enforced (every client of the sandbox is local).
fn parse_condition(v: Option<&Value>) -> Result<Option<Value>, ApiError> {
    let field = "condition.request_ip";
    let c = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(c)) => c,
        Some(_) => return Err(ApiError::invalid("condition", "must be an object")),
    };
    let mut request_ip = Map::new();
    match c.get("request_ip") {
        None | Some(Value::Null) => {}
        Some(Value::Object(r)) => {
            for list in ["in", "not_in"] {
                match r.get(list) {
                    None | Some(Value::Null) => {}
                    Some(Value::Array(items)) => {
                        for item in items {
                            if !item.as_str().is_some_and(is_cidr) {
                                return Err(ApiError::invalid(
                                    field,
                                    "entries must be IP addresses or CIDR ranges",
                                ));
                            }
                        }
                        request_ip.insert(list.into(), Value::Array(items.clone()));
                    }
                    Some(_) => return Err(ApiError::invalid(field, "lists must be arrays")),
                }
            }
        }
        Some(_) => return Err(ApiError::invalid(field, "must be an object")),
    }
    Ok(Some(json!({"request_ip": request_ip})))
}

fn is_cidr(s: &str) -> bool {
    let (ip, prefix) = match s.split_once('/') {
        Some((ip, p)) => (ip, Some(p)),
        None => (s, None),
    };
    match ip.parse::<std::net::IpAddr>() {
        Ok(addr) => {
            let max = if addr.is_ipv4() { 32 } else { 128 };
            prefix.is_none_or(|p| p.parse::<u8>().is_ok_and(|n| n <= max))
        }
        Err(_) => false,
    }
}

fn parse_token(
    state: &mut World,
    account_id: &str,
    body: &Map<String, Value>,
    update: bool,
) -> Result<TokenInput, ApiError> {
    let name = match body.get("name") {
        Some(Value::String(n)) if n.chars().count() > NAME_MAX => {
            return Err(ApiError::invalid(
                "name",
                &format!("must be at most {NAME_MAX} characters"),
            ))
        }
        Some(Value::String(n)) if !n.trim().is_empty() => n.clone(),
        _ => return Err(ApiError::invalid("name", "is required")),
    };
    let not_before = opt_time(body, "not_before")?;
    let expires_on = opt_time(body, "expires_on")?;
    if let (Some(nb), Some(e)) = (not_before, expires_on) {
        if nb >= e {
            return Err(ApiError::invalid("not_before", "must be before expires_on"));
        }
    }
    let condition = parse_condition(body.get("condition"))?;
    let status = match body.get("status") {
        _ if !update => None,
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "active" || s == "disabled" => Some(s.clone()),
        Some(_) => return Err(ApiError::invalid("status", "must be active or disabled")),
    };
    let policies = parse_policies(state, account_id, body.get("policies"))?;
    Ok(TokenInput {
        name,
        policies,
        not_before,
        expires_on,
        condition,
        status,
    })
}

fn find_token<'a>(
    state: &'a World,
    account_id: &str,
    token_id: &str,
) -> Result<&'a AccountToken, ApiError> {
    check_id("token", token_id)?;
    state
        .tokens
        .iter()
        .find(|t| t.account_id == account_id && t.id == token_id)
        .ok_or_else(|| {
            ApiError::not_found(
                code::TOKEN_NOT_FOUND,
                format!("Token `{token_id}` not found"),
            )
        })
}

fn find_token_mut<'a>(state: &'a mut World, token_id: &str) -> &'a mut AccountToken {
    state
        .tokens
        .iter_mut()
        .find(|t| t.id == token_id)
        .expect("checked by find_token")
}

/// GET /accounts/{account_id}/tokens: in creation order (`direction=desc` reverses),
/// paginated; expired tokens only with `include_expired=true`. Never the values.
pub async fn list(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path(account_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let (page, per_page) = q.pagination()?;
    let desc = q.direction_desc()?;
    let include_expired = match q.get("include_expired") {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(ApiError::invalid(
                "include_expired",
                "must be true or false",
            ))
        }
    };
    let state = app.state();
    state.account_for(&account_id, &who, TOKENS_READ)?;
    let now = now_unix();
    let mut tokens: Vec<&AccountToken> = state
        .tokens
        .iter()
        .filter(|t| t.account_id == account_id)
        .filter(|t| include_expired || t.status_at(now) != "expired")
        .collect();
    if desc {
        tokens.reverse();
    }
    let items: Vec<Value> = tokens.iter().map(|t| state.token_json(t, now)).collect();
    let (items, info) = paginate(items, page, per_page);
    ok_list(items, info)
}

/// POST /accounts/{account_id}/tokens: `name` (<= 120) and `policies` required,
/// `not_before`, `expires_on`, `condition` optional. The answer carries `value`, shown this
/// once.
pub async fn create(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path(account_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let mut state = app.state();
    state.account_for(&account_id, &who, TOKENS_WRITE)?;
    let body = object_body(&body, false)?;
    let input = parse_token(&mut state, &account_id, &body, false)?;
    let id = state.new_id();
    let value = state.new_token_value();
    let now = state.tick();
    let token = AccountToken {
        id,
        account_id,
        name: input.name,
        value: value.clone(),
        status: "active".into(),
        policies: input.policies,
        not_before: input.not_before,
        expires_on: input.expires_on,
        condition: input.condition,
        issued_on: now.clone(),
        modified_on: now,
        last_used_on: None,
    };
    let mut v = state.token_json(&token, now_unix());
    v["value"] = json!(value);
    state.tokens.push(token);
    ok(v)
}

/// GET /accounts/{account_id}/tokens/{token_id}
pub async fn get(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path((account_id, token_id)): Path<(String, String)>,
) -> ApiResult {
    let state = app.state();
    state.account_for(&account_id, &who, TOKENS_READ)?;
    let token = find_token(&state, &account_id, &token_id)?;
    ok(state.token_json(token, now_unix()))
}

/// PUT /accounts/{account_id}/tokens/{token_id}: replaces name, policies, validity and
/// condition (`name` and `policies` required); `status` active | disabled. The value stays.
pub async fn update(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path((account_id, token_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let mut state = app.state();
    state.account_for(&account_id, &who, TOKENS_WRITE)?;
    find_token(&state, &account_id, &token_id)?;
    let body = object_body(&body, false)?;
    let input = parse_token(&mut state, &account_id, &body, true)?;
    let now = state.tick();
    let token = find_token_mut(&mut state, &token_id);
    token.name = input.name;
    token.policies = input.policies;
    token.not_before = input.not_before;
    token.expires_on = input.expires_on;
    token.condition = input.condition;
    if let Some(s) = input.status {
        token.status = s;
    }
    token.modified_on = now;
    let token = find_token(&state, &account_id, &token_id)?;
    ok(state.token_json(token, now_unix()))
}

/// DELETE /accounts/{account_id}/tokens/{token_id}: the token stops working at once.
pub async fn delete(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path((account_id, token_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let mut state = app.state();
    state.account_for(&account_id, &who, TOKENS_WRITE)?;
    object_body(&body, true)?;
    find_token(&state, &account_id, &token_id)?;
    state.tokens.retain(|t| t.id != token_id);
    ok(json!({"id": token_id}))
}

/// PUT /accounts/{account_id}/tokens/{token_id}/value: a new value (the result is the bare
/// string); the old one stops working at once. The body is `{}` (empty is tolerated).
pub async fn roll(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path((account_id, token_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let mut state = app.state();
    state.account_for(&account_id, &who, TOKENS_WRITE)?;
    object_body(&body, true)?;
    find_token(&state, &account_id, &token_id)?;
    let value = state.new_token_value();
    let now = state.tick();
    let token = find_token_mut(&mut state, &token_id);
    token.value = value.clone();
    token.modified_on = now;
    ok(json!(value))
}

/// GET /accounts/{account_id}/tokens/permission_groups: the fixed catalogue, filters `name`
/// and `scope` (exact), one page.
pub async fn permission_groups(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path(account_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    app.state().account_for(&account_id, &who, TOKENS_READ)?;
    let items: Vec<Value> = token_permission_groups()
        .iter()
        .filter(|g| q.get("name").is_none_or(|n| g.name == n))
        .filter(|g| q.get("scope").is_none_or(|s| g.scope == s))
        .map(|g| g.to_json())
        .collect();
    ok_all(items)
}

/// GET /accounts/{account_id}/tokens/verify: authenticated with the token itself, which must
/// belong to this account; answers its id, status and validity window.
pub async fn verify(
    State(app): State<Arc<App>>,
    AccountCaller(who): AccountCaller,
    Path(account_id): Path<String>,
) -> ApiResult {
    check_id("account", &account_id)?;
    let Principal::Token(token) = who else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            code::FORBIDDEN,
            "Verify authenticates with the account API token itself",
        ));
    };
    if token.account_id != account_id {
        return Err(ApiError::forbidden());
    }
    let state = app.state();
    let mut v = state.token_json(&token, now_unix());
    let mut result = json!({"id": token.id, "status": v["status"].take()});
    for field in ["not_before", "expires_on"] {
        if !v[field].is_null() {
            result[field] = v[field].take();
        }
    }
    ok(result)
}
