//! Credentials. The API accepts three kinds; each is a header or two on the request.
//!
//! Secrets live in [`Secret`], whose `Debug` never shows the value, so a credential can be
//! logged, printed in a panic or carried in an error without leaking.

use std::fmt;

use http::header::{HeaderName, HeaderValue, AUTHORIZATION};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Invalid};

/// A secret string: an API token, a global API key, a service key, a created user's `api_key`.
///
/// `Debug` prints `Secret(***)`; there is no `Display`. [`Secret::expose`] is the one way to the
/// value. It serializes as the plain string, because a host that hands a created user's key to
/// its caller must be able to.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value itself. Call it only where the value must leave the program.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl crate::shape::Shaped for Secret {
    const SHAPE: crate::shape::Shape = crate::shape::Shape::Str;
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

/// How a request proves who sends it.
///
/// Build one with [`Credentials::api_token`], [`Credentials::global_key`] or
/// [`Credentials::user_service_key`]: they refuse empty values and values that could split a
/// header (CR, LF, NUL).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// `Authorization: Bearer <token>`.
    ApiToken(Secret),
    /// `X-Auth-Email` + `X-Auth-Key` (the global API key; what the tenant docs use).
    GlobalKey {
        /// The account e-mail; not a secret.
        email: String,
        /// The global API key.
        key: Secret,
    },
    /// `X-Auth-User-Service-Key`.
    UserServiceKey(Secret),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::ApiToken(_) => f.write_str("Credentials::ApiToken(***)"),
            Credentials::GlobalKey { email, .. } => {
                write!(f, "Credentials::GlobalKey {{ email: {email:?}, key: *** }}")
            }
            Credentials::UserServiceKey(_) => f.write_str("Credentials::UserServiceKey(***)"),
        }
    }
}

const X_AUTH_EMAIL: HeaderName = HeaderName::from_static("x-auth-email");
const X_AUTH_KEY: HeaderName = HeaderName::from_static("x-auth-key");
const X_AUTH_USER_SERVICE_KEY: HeaderName = HeaderName::from_static("x-auth-user-service-key");

/// Every header that says who is calling.
pub(crate) const CREDENTIAL_HEADERS: [HeaderName; 4] = [
    AUTHORIZATION,
    X_AUTH_EMAIL,
    X_AUTH_KEY,
    X_AUTH_USER_SERVICE_KEY,
];

impl Credentials {
    /// An API token, sent as `Authorization: Bearer <token>`.
    pub fn api_token(token: impl Into<String>) -> Result<Self, Error> {
        let token = token.into();
        check_header_value("api_token", &token)?;
        Ok(Credentials::ApiToken(Secret(token)))
    }

    /// An account e-mail and its global API key.
    pub fn global_key(email: impl Into<String>, key: impl Into<String>) -> Result<Self, Error> {
        let (email, key) = (email.into(), key.into());
        check_header_value("api_email", &email)?;
        check_header_value("api_key", &key)?;
        Ok(Credentials::GlobalKey {
            email,
            key: Secret(key),
        })
    }

    /// A user service key.
    pub fn user_service_key(key: impl Into<String>) -> Result<Self, Error> {
        let key = key.into();
        check_header_value("user_service_key", &key)?;
        Ok(Credentials::UserServiceKey(Secret(key)))
    }

    /// Every header any kind of credentials sets: what a host keeps out of its logs.
    pub const HEADER_NAMES: [&'static str; 4] = [
        "authorization",
        "x-auth-email",
        "x-auth-key",
        "x-auth-user-service-key",
    ];

    /// Which kind these are: `api_token`, `global_key` or `user_service_key`.
    pub fn kind(&self) -> &'static str {
        match self {
            Credentials::ApiToken(_) => "api_token",
            Credentials::GlobalKey { .. } => "global_key",
            Credentials::UserServiceKey(_) => "user_service_key",
        }
    }

    /// The names of the headers these credentials set; hosts use it to keep them out of logs.
    pub fn header_names(&self) -> &'static [&'static str] {
        match self {
            Credentials::ApiToken(_) => &["authorization"],
            Credentials::GlobalKey { .. } => &["x-auth-email", "x-auth-key"],
            Credentials::UserServiceKey(_) => &["x-auth-user-service-key"],
        }
    }

    pub(crate) fn apply(&self, headers: &mut Vec<(HeaderName, HeaderValue)>) -> Result<(), Error> {
        let sensitive = |field: &'static str, value: &str| {
            let mut value = HeaderValue::from_str(value)
                .map_err(|_| Error::from(Invalid::new(field, "is not a valid header value")))?;
            value.set_sensitive(true);
            Ok::<_, Error>(value)
        };
        match self {
            Credentials::ApiToken(token) => {
                // Joined, not `format!`ed: the formatting machinery took a tenth of a build.
                let value = sensitive("api_token", &["Bearer ", token.expose()].concat())?;
                headers.push((AUTHORIZATION, value));
            }
            Credentials::GlobalKey { email, key } => {
                headers.push((X_AUTH_EMAIL, sensitive("api_email", email)?));
                headers.push((X_AUTH_KEY, sensitive("api_key", key.expose())?));
            }
            Credentials::UserServiceKey(key) => {
                headers.push((
                    X_AUTH_USER_SERVICE_KEY,
                    sensitive("user_service_key", key.expose())?,
                ));
            }
        }
        Ok(())
    }
}

/// The environment variables Cloudflare's own tools read credentials from: wrangler and the
/// official SDKs take `CLOUDFLARE_API_TOKEN`, or `CLOUDFLARE_EMAIL` with `CLOUDFLARE_API_KEY`.
/// Named once here, for [`Credentials::from_environment`] and the messages that point at it.
impl Credentials {
    /// An API token ([`Credentials::api_token`]); wins over the other two.
    pub const ENV_API_TOKEN: &'static str = "CLOUDFLARE_API_TOKEN";
    /// The account e-mail of a global API key ([`Credentials::global_key`]).
    pub const ENV_EMAIL: &'static str = "CLOUDFLARE_EMAIL";
    /// The global API key that goes with [`Credentials::ENV_EMAIL`].
    pub const ENV_API_KEY: &'static str = "CLOUDFLARE_API_KEY";

    /// Credentials from the conventional environment variables, read through `lookup` (the
    /// host's environment: `std::env::var`, `process.env`, `os.environ`): the token in
    /// [`ENV_API_TOKEN`](Credentials::ENV_API_TOKEN), else the e-mail in
    /// [`ENV_EMAIL`](Credentials::ENV_EMAIL) with the key in
    /// [`ENV_API_KEY`](Credentials::ENV_API_KEY), which count only together. An empty variable
    /// counts as unset. `Ok(None)` when there are none: the caller decides whether that is an
    /// error (credentials may come with each call instead).
    ///
    /// These are the variables Cloudflare's tools use (wrangler, the official SDKs), so a
    /// machine set up for them works here unchanged. A host asks only when it was given no
    /// credentials: given ones always win.
    ///
    /// The variable chosen is checked like any credential; a bad value is an
    /// [`Invalid`](crate::Invalid) naming the variable, never showing the value.
    ///
    /// ```no_run
    /// # use cloudflare_tenant::Credentials;
    /// let credentials = Credentials::from_environment(|name| std::env::var(name).ok())?;
    /// # Ok::<_, cloudflare_tenant::Error>(())
    /// ```
    pub fn from_environment(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, Error> {
        let read = |name: &'static str| lookup(name).filter(|value| !value.is_empty());
        if let Some(token) = read(Self::ENV_API_TOKEN) {
            check_header_value(Self::ENV_API_TOKEN, &token)?;
            return Ok(Some(Credentials::ApiToken(Secret(token))));
        }
        let (Some(email), Some(key)) = (read(Self::ENV_EMAIL), read(Self::ENV_API_KEY)) else {
            return Ok(None);
        };
        check_header_value(Self::ENV_EMAIL, &email)?;
        check_header_value(Self::ENV_API_KEY, &key)?;
        Ok(Some(Credentials::GlobalKey {
            email,
            key: Secret(key),
        }))
    }
}

impl Credentials {
    /// Reads `{"api_token"}`, `{"api_email", "api_key"}` or `{"user_service_key"}` (`null`
    /// counts as absent).
    pub fn from_json(value: serde_json::Value) -> Result<Self, Error> {
        const EXPECTED: &str =
            "expected an object with api_token, api_email + api_key, or user_service_key";
        const FIELDS: [&str; 4] = ["api_token", "api_email", "api_key", "user_service_key"];
        // Errors name the field and the expected shape only: the value may be the secret.
        let fail =
            |what: String| Error::from(Invalid::new("credentials", format!("{what}{EXPECTED}")));
        let serde_json::Value::Object(map) = value else {
            return Err(fail(String::new()));
        };
        if let Some(unknown) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(fail(format!("unknown field `{unknown}`; ")));
        }
        let mut given = [None; 4];
        for (slot, field) in given.iter_mut().zip(FIELDS) {
            *slot = match map.get(field) {
                None | Some(serde_json::Value::Null) => None,
                Some(serde_json::Value::String(text)) => Some(text.as_str()),
                Some(_) => return Err(fail(format!("`{field}` must be a string; "))),
            };
        }
        match given {
            [Some(token), None, None, None] => Credentials::api_token(token),
            [None, Some(email), Some(key), None] => Credentials::global_key(email, key),
            [None, None, None, Some(key)] => Credentials::user_service_key(key),
            _ => Err(Invalid::new(
                "credentials",
                "give exactly one of: api_token; api_email + api_key; user_service_key",
            )
            .into()),
        }
    }
}

impl Credentials {
    /// The form [`Credentials::from_json`] reads: `{"api_token"}`, `{"api_email", "api_key"}`
    /// or `{"user_service_key"}`, with the secret in plain text. For a host whose credentials
    /// travel as JSON (the wasm binding's JS layer); never log it.
    pub fn to_json(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        match self {
            Credentials::ApiToken(token) => {
                map.insert("api_token".into(), token.expose().into());
            }
            Credentials::GlobalKey { email, key } => {
                map.insert("api_email".into(), email.as_str().into());
                map.insert("api_key".into(), key.expose().into());
            }
            Credentials::UserServiceKey(key) => {
                map.insert("user_service_key".into(), key.expose().into());
            }
        }
        serde_json::Value::Object(map)
    }
}

/// Refuses what would break or split a header; the value itself is never echoed back.
pub(crate) fn check_header_value(field: &'static str, value: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(Invalid::new(field, "must not be empty").into());
    }
    if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        return Err(Invalid::new(field, "must not contain CR, LF or NUL").into());
    }
    // `HeaderValue` takes bytes over 0x7f too, which hosts' HTTP libraries then refuse or
    // mangle (Python's `http.client` raises with the whole header line in its message).
    // Credentials have no spaces either; a user agent has them between its words.
    let spaces = field == "user_agent";
    if !value
        .bytes()
        .all(|b| b.is_ascii_graphic() || (spaces && b == b' '))
    {
        let what = if spaces {
            "must be visible ASCII or spaces"
        } else {
            "must be visible ASCII, without spaces"
        };
        return Err(Invalid::new(field, what).into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_secret() {
        let all = [
            Credentials::api_token("tok-123456").unwrap(),
            Credentials::global_key("a@b.example", "key-123456").unwrap(),
            Credentials::user_service_key("svc-123456").unwrap(),
        ];
        for creds in all {
            let shown = format!("{creds:?} {:?}", Secret::new("tok-123456"));
            assert!(!shown.contains("123456"), "{shown}");
        }
    }

    #[test]
    fn refuses_header_injection_without_echoing_the_value() {
        let err = Credentials::api_token("abc\r\nX-Evil: 1").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("api_token") && text.contains("CR"), "{text}");
        assert!(!text.contains("Evil"), "{text}");
        assert!(Credentials::global_key("", "k").is_err());
        assert!(Credentials::user_service_key("  ").is_err());
    }

    /// An environment of `(name, value)` pairs, as a lookup.
    fn environment(vars: &[(&str, &str)]) -> Result<Option<Credentials>, Error> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        Credentials::from_environment(|name| {
            vars.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn from_environment_token_first_then_email_with_key() {
        const TOKEN: &str = "CLOUDFLARE_API_TOKEN";
        const EMAIL: &str = "CLOUDFLARE_EMAIL";
        const KEY: &str = "CLOUDFLARE_API_KEY";
        assert_eq!(
            [
                Credentials::ENV_API_TOKEN,
                Credentials::ENV_EMAIL,
                Credentials::ENV_API_KEY
            ],
            [TOKEN, EMAIL, KEY],
            "the names Cloudflare's tools use"
        );
        assert_eq!(environment(&[]).unwrap(), None);
        assert_eq!(
            environment(&[(TOKEN, "tok"), (EMAIL, "e@x.example"), (KEY, "k")]).unwrap(),
            Some(Credentials::api_token("tok").unwrap()),
            "the token wins"
        );
        assert_eq!(
            environment(&[(EMAIL, "e@x.example"), (KEY, "k")]).unwrap(),
            Some(Credentials::global_key("e@x.example", "k").unwrap())
        );
        // The e-mail and the key count only together.
        assert_eq!(environment(&[(EMAIL, "e@x.example")]).unwrap(), None);
        assert_eq!(environment(&[(KEY, "k")]).unwrap(), None);
        // Empty counts as unset, whichever variable it is.
        assert_eq!(
            environment(&[(TOKEN, ""), (EMAIL, "e@x.example"), (KEY, "k")]).unwrap(),
            Some(Credentials::global_key("e@x.example", "k").unwrap())
        );
        assert_eq!(
            environment(&[(EMAIL, "e@x.example"), (KEY, "")]).unwrap(),
            None
        );
        assert_eq!(
            environment(&[(TOKEN, ""), (EMAIL, ""), (KEY, "")]).unwrap(),
            None
        );
        // Nothing else is read: not a user service key, not other spellings.
        assert_eq!(
            environment(&[
                ("CLOUDFLARE_API_USER_SERVICE_KEY", "s"),
                ("CF_API_TOKEN", "t")
            ])
            .unwrap(),
            None
        );
    }

    #[test]
    fn from_environment_checks_values_and_names_the_variable() {
        let cases: [(&[(&str, &str)], &str); 4] = [
            (
                &[("CLOUDFLARE_API_TOKEN", "tok-SECRET\r\nX-Evil: 1")],
                "CLOUDFLARE_API_TOKEN",
            ),
            (&[("CLOUDFLARE_API_TOKEN", "   ")], "CLOUDFLARE_API_TOKEN"),
            (
                &[
                    ("CLOUDFLARE_EMAIL", "e@x.example"),
                    ("CLOUDFLARE_API_KEY", "key SECRET"),
                ],
                "CLOUDFLARE_API_KEY",
            ),
            (
                &[
                    ("CLOUDFLARE_EMAIL", "\u{e9}@x.example"),
                    ("CLOUDFLARE_API_KEY", "k"),
                ],
                "CLOUDFLARE_EMAIL",
            ),
        ];
        for (vars, variable) in cases {
            let Err(Error::Invalid(invalid)) = environment(vars) else {
                panic!("{vars:?} must be refused");
            };
            assert_eq!(invalid.field, variable);
            let text = invalid.to_string();
            assert!(text.contains(variable), "{text}");
            assert!(!text.contains("SECRET") && !text.contains("Evil"), "{text}");
        }
        // A bad token is refused even when the e-mail and key are good: it is the one chosen.
        let bad_token = [
            ("CLOUDFLARE_API_TOKEN", "a b"),
            ("CLOUDFLARE_EMAIL", "e@x.example"),
            ("CLOUDFLARE_API_KEY", "k"),
        ];
        assert!(environment(&bad_token).is_err());
        // A lone e-mail is never used, so never checked either.
        assert_eq!(
            environment(&[("CLOUDFLARE_EMAIL", "not ascii \u{e9}")]).unwrap(),
            None
        );
    }

    #[test]
    fn a_request_without_credentials_points_at_the_variables() {
        let err = crate::Client::default()
            .request_named("user.get", serde_json::Value::Null, None)
            .unwrap_err();
        let text = err.to_string();
        for name in [
            Credentials::ENV_API_TOKEN,
            Credentials::ENV_EMAIL,
            Credentials::ENV_API_KEY,
        ] {
            assert!(text.contains(name), "{text}");
        }
    }

    #[test]
    fn to_json_is_what_from_json_reads() {
        for credentials in [
            Credentials::api_token("tok").unwrap(),
            Credentials::global_key("e@x.example", "k").unwrap(),
            Credentials::user_service_key("svc").unwrap(),
        ] {
            let json = credentials.to_json();
            assert_eq!(Credentials::from_json(json).unwrap(), credentials);
        }
        assert_eq!(
            Credentials::global_key("e@x.example", "k")
                .unwrap()
                .to_json(),
            serde_json::json!({"api_email": "e@x.example", "api_key": "k"})
        );
    }

    #[test]
    fn from_json_takes_exactly_one_form() {
        use serde_json::json;
        assert!(matches!(
            Credentials::from_json(json!({"api_token": "t"})),
            Ok(Credentials::ApiToken(_))
        ));
        assert!(matches!(
            Credentials::from_json(json!({"api_email": "e@x.example", "api_key": "k"})),
            Ok(Credentials::GlobalKey { .. })
        ));
        let both = Credentials::from_json(json!({"api_token": "t", "user_service_key": "k"}));
        assert!(both.unwrap_err().to_string().contains("exactly one"));
        let unknown = Credentials::from_json(json!({"token": "t"})).unwrap_err();
        assert!(
            unknown.to_string().contains("unknown field `token`"),
            "{unknown}"
        );
        let number = Credentials::from_json(json!({"api_key": 5, "api_email": "e"})).unwrap_err();
        assert!(
            number.to_string().contains("`api_key` must be a string"),
            "{number}"
        );
        let null = Credentials::from_json(json!({"api_token": "t", "api_key": null}));
        assert!(null.is_ok(), "null counts as absent");
        for leaky in [
            json!("tok-SECRET"),
            json!({"api_token": ["tok-SECRET"]}),
            json!({"api_key": 123456789}),
        ] {
            let text = Credentials::from_json(leaky).unwrap_err().to_string();
            assert!(
                !text.contains("SECRET") && !text.contains("123456789"),
                "{text}"
            );
        }
    }
}
