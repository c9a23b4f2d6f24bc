//! The v4 envelope, the error type every handler returns, and the small request helpers
//! (query strings, JSON bodies, id checks, pagination) shared by the routes.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// Error codes used by the sandbox. Where Cloudflare's own code is known it is reused; the
/// others are plausible values in the same ranges, listed in the README.
pub mod code {
    pub const MEMBER_STATUS_ACCEPTED: u32 = 1001;
    pub const TENANT_ONLY: u32 = 1002;
    pub const ACCOUNT_NOT_FOUND: u32 = 1003;
    pub const MEMBER_NOT_FOUND: u32 = 1004;
    pub const ROLE_NOT_FOUND: u32 = 1005;
    pub const PERMISSION_GROUP_NOT_FOUND: u32 = 1006;
    pub const MEMBERSHIP_NOT_FOUND: u32 = 1007;
    pub const TENANT_NOT_FOUND: u32 = 1008;
    pub const EMAIL_TAKEN: u32 = 1009;
    pub const TOKEN_NOT_FOUND: u32 = 1010;
    pub const INVITE_NOT_FOUND: u32 = 1011;
    pub const INVALID_FIELD: u32 = 1100;
    pub const UNKNOWN_UNIT: u32 = 1101;
    pub const UNKNOWN_ROLE: u32 = 1102;
    pub const ROLES_NOT_OBJECTS: u32 = 1103;
    pub const BAD_PAGINATION: u32 = 1104;
    pub const UNKNOWN_POLICY_PART: u32 = 1105;
    pub const MEMBER_EXISTS: u32 = 1106;
    pub const IDEMPOTENCY_KEY_INVALID: u32 = 1107;
    pub const IDEMPOTENCY_KEY_REUSED: u32 = 1108;
    pub const INVALID_REQUEST: u32 = 6003;
    pub const MALFORMED_JSON: u32 = 6007;
    pub const METHOD_NOT_ALLOWED: u32 = 7001;
    pub const NO_ROUTE: u32 = 7003;
    pub const RATE_LIMITED: u32 = 10013;
    pub const FORBIDDEN: u32 = 9109;
    pub const AUTH_MISSING: u32 = 10000;
}

/// A refused request: the HTTP status and one `errors[]` entry.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: u32,
    pub message: String,
    /// `null` nearly always; `[]` where the real API sends that (member status 1001).
    pub result: Value,
    /// Extra top-level fields (e.g. `retry_after`).
    pub extra: Map<String, Value>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: u32, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            result: Value::Null,
            extra: Map::new(),
            retry_after: None,
        }
    }

    pub fn bad_request(code: u32, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(code: u32, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            code::FORBIDDEN,
            "Unauthorized to access requested resource",
        )
    }

    pub fn tenant_only(what: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            code::TENANT_ONLY,
            format!("{what} requires the tenant entitlement; this user administers no tenant"),
        )
    }

    pub fn invalid(field: &str, why: &str) -> Self {
        Self::bad_request(code::INVALID_FIELD, format!("{field}: {why}"))
    }

    pub fn body(&self) -> Value {
        let mut body = json!({
            "result": self.result,
            "success": false,
            "errors": [{"code": self.code, "message": self.message}],
            "messages": [],
        });
        if let Value::Object(map) = &mut body {
            for (k, v) in &self.extra {
                map.insert(k.clone(), v.clone());
            }
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, json_body(&self.body())).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

pub type ApiResult = Result<Response, ApiError>;

fn json_body(v: &Value) -> ([(header::HeaderName, &'static str); 1], String) {
    ([(header::CONTENT_TYPE, "application/json")], v.to_string())
}

/// A JSON answer from text already rendered (a replayed keyed create).
pub fn raw_json(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The success envelope around a single object, as a value (to keep it for a replay).
pub fn ok_envelope(result: Value) -> Value {
    json!({"result": result, "success": true, "errors": [], "messages": []})
}

/// `result_info` of a list response.
#[derive(Debug, Clone, Copy)]
pub struct ResultInfo {
    pub page: usize,
    pub per_page: usize,
    pub count: usize,
    pub total_count: usize,
}

impl ResultInfo {
    pub fn to_json(self) -> Value {
        let total_pages = self.total_count.div_ceil(self.per_page.max(1));
        json!({
            "page": self.page,
            "per_page": self.per_page,
            "count": self.count,
            "total_count": self.total_count,
            "total_pages": total_pages,
        })
    }
}

/// A success envelope around a single object.
pub fn ok(result: Value) -> ApiResult {
    Ok((StatusCode::OK, json_body(&ok_envelope(result))).into_response())
}

/// A success envelope around a list, with its `result_info`.
pub fn ok_list(result: Vec<Value>, info: ResultInfo) -> ApiResult {
    let body = json!({
        "result": result,
        "success": true,
        "errors": [],
        "messages": [],
        "result_info": info.to_json(),
    });
    Ok((StatusCode::OK, json_body(&body)).into_response())
}

/// A whole (unpaginated) list with a one-page `result_info`.
pub fn ok_all(result: Vec<Value>) -> ApiResult {
    let n = result.len();
    ok_list(
        result,
        ResultInfo {
            page: 1,
            per_page: n.max(1),
            count: n,
            total_count: n,
        },
    )
}

/// A decoded query string; repeated keys keep the last value.
#[derive(Debug, Default, Clone)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Self {
        let mut pairs = Vec::new();
        for part in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            pairs.push((percent_decode(k), percent_decode(v)));
        }
        Query(pairs)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `page` and `per_page`, checked as the real API does: per_page 5..=50, page >= 1.
    pub fn pagination(&self) -> Result<(usize, usize), ApiError> {
        let page = match self.get("page") {
            None => 1,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    return Err(ApiError::bad_request(
                        code::BAD_PAGINATION,
                        format!("page must be an integer >= 1, got `{v}`"),
                    ))
                }
            },
        };
        let per_page = match self.get("per_page") {
            None => 20,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (5..=50).contains(&n) => n,
                _ => {
                    return Err(ApiError::bad_request(
                        code::BAD_PAGINATION,
                        format!("per_page must be an integer between 5 and 50, got `{v}`"),
                    ))
                }
            },
        };
        Ok((page, per_page))
    }

    /// `direction=asc|desc`; true means descending.
    pub fn direction_desc(&self) -> Result<bool, ApiError> {
        match self.get("direction") {
            None | Some("asc") => Ok(false),
            Some("desc") => Ok(true),
            Some(v) => Err(ApiError::bad_request(
                code::BAD_PAGINATION,
                format!("direction must be `asc` or `desc`, got `{v}`"),
            )),
        }
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Cut a list to one page and describe it.
pub fn paginate(items: Vec<Value>, page: usize, per_page: usize) -> (Vec<Value>, ResultInfo) {
    let total_count = items.len();
    let start = (page - 1).saturating_mul(per_page);
    let slice: Vec<Value> = items.into_iter().skip(start).take(per_page).collect();
    let info = ResultInfo {
        page,
        per_page,
        count: slice.len(),
        total_count,
    };
    (slice, info)
}

/// Parse a JSON object body. `allow_empty` is for DELETE, where `{}` is expected but an empty
/// body is tolerated.
pub fn object_body(bytes: &[u8], allow_empty: bool) -> Result<Map<String, Value>, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        if allow_empty {
            return Ok(Map::new());
        }
        return Err(ApiError::bad_request(
            code::MALFORMED_JSON,
            "Malformed JSON in request body: the body is empty",
        ));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request(
            code::MALFORMED_JSON,
            "Malformed JSON in request body: expected an object",
        )),
        Err(e) => Err(ApiError::bad_request(
            code::MALFORMED_JSON,
            format!("Malformed JSON in request body: {e}"),
        )),
    }
}

/// An optional string field of at most `max` characters (`null` counts as absent).
pub fn opt_str(
    body: &Map<String, Value>,
    field: &str,
    max: usize,
) -> Result<Option<String>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s.clone())),
        Some(Value::String(_)) => Err(ApiError::invalid(
            field,
            &format!("must be at most {max} characters"),
        )),
        Some(_) => Err(ApiError::invalid(field, "must be a string")),
    }
}

/// A light e-mail check (the real API validates addresses too).
pub fn looks_like_email(e: &str) -> bool {
    match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !domain.contains('@') && !e.contains(' ')
        }
        None => false,
    }
}

/// True for a well-formed Cloudflare id: 32 lowercase hex characters.
pub fn is_id(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Refuse a malformed id the way the API refuses a path it cannot route.
pub fn check_id(kind: &str, s: &str) -> Result<(), ApiError> {
    if is_id(s) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            code::NO_ROUTE,
            format!("Could not route to {kind} `{s}`, perhaps your object identifier is invalid?"),
        ))
    }
}

/// RFC 3339 timestamp `secs` seconds after 2025-01-01T00:00:00Z. The sandbox uses a logical
/// clock (one tick per created object) so that runs with the same seed are byte-identical.
pub fn timestamp(secs: u64) -> String {
    const BASE_DAYS: i64 = 20089; // 2025-01-01 in days since 1970-01-01
    let days = BASE_DAYS + (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000000Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Seconds since the Unix epoch, from the wall clock. Token validity (`not_before`,
/// `expires_on`) is absolute time chosen by the client, so it is judged by the real clock,
/// not the logical one.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Parse an RFC 3339 date-time (`2030-01-01T00:00:00Z`, fractions and offsets allowed) into
/// seconds since the Unix epoch.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let sep = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (h, mi, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 {
        return None;
    }
    if sec > 60 {
        return None;
    }
    let mut i = 19;
    if sep(i, b".") {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(c @ (b'+' | b'-')) if i + 6 == b.len() && sep(i + 3, b":") => {
            let (oh, om) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *c == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    Some(days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

/// Seconds since the Unix epoch -> `2030-01-01T00:00:00Z`.
pub fn unix_timestamp(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's (year, month, day) -> days since 1970-01-01.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's days -> (year, month, day) algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(0), "2025-01-01T00:00:00.000000Z");
        assert_eq!(timestamp(86_400 * 59 + 61), "2025-03-01T00:01:01.000000Z");
        assert_eq!(timestamp(86_400 * 365), "2026-01-01T00:00:00.000000Z");
    }

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2025-01-01T00:00:00.000000Z"),
            Some(20089 * 86_400)
        );
        assert_eq!(
            parse_rfc3339("2025-01-01T02:00:00+02:00"),
            Some(20089 * 86_400)
        );
        assert_eq!(
            parse_rfc3339("2024-02-29T00:00:00Z")
                .map(unix_timestamp)
                .as_deref(),
            Some("2024-02-29T00:00:00Z")
        );
        for bad in [
            "2025-02-29T00:00:00Z",
            "2025-01-01",
            "2025-01-01T00:00:00",
            "soon",
            "2025-13-01T00:00:00Z",
            "2025-01-01T00:00:00.Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        assert_eq!(unix_timestamp(86_400 * 365 + 61), "1971-01-01T00:01:01Z");
    }

    #[test]
    fn query_decoding() {
        let q = Query::parse(Some("account.name=a%20b+c&page=2&page=3&x"));
        assert_eq!(q.get("account.name"), Some("a b c"));
        assert_eq!(q.get("page"), Some("3"));
        assert_eq!(q.get("x"), Some(""));
        assert_eq!(Query::parse(Some("n=%zz%4")).get("n"), Some("%zz%4"));
    }

    #[test]
    fn pagination_bounds() {
        assert_eq!(Query::parse(None).pagination().unwrap(), (1, 20));
        assert!(Query::parse(Some("per_page=4")).pagination().is_err());
        assert!(Query::parse(Some("per_page=51")).pagination().is_err());
        assert!(Query::parse(Some("page=0")).pagination().is_err());
        assert_eq!(
            Query::parse(Some("page=2&per_page=50"))
                .pagination()
                .unwrap(),
            (2, 50)
        );
    }

    #[test]
    fn ids() {
        assert!(is_id("05784afa30c1afe1440e79d9351c7430"));
        assert!(!is_id("05784AFA30C1AFE1440E79D9351C7430"));
        assert!(!is_id("../etc"));
    }
}
