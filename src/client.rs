//! The client: configuration in, `http::Request` out; `http::Response` in, typed result out.
//! It holds no connection and does no I/O; the caller sends the request with whatever HTTP
//! library it likes.

use http::header::{HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, Method, Request, Response};
use serde_json::Value;

use crate::api::Operation;
use crate::auth::{check_header_value, Credentials};
use crate::envelope::{self, RawResponse};
use crate::error::{Error, Invalid};
use crate::message::ApiResponse;
use crate::params::{self, Params};

/// The public API's base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.cloudflare.com/client/v4";

/// The `User-Agent` sent unless the host sets its own.
pub const DEFAULT_USER_AGENT: &str = concat!("cloudflare-tenant/", env!("CARGO_PKG_VERSION"));

/// Builds requests and reads responses for one API endpoint and one default identity.
#[derive(Debug, Clone)]
pub struct Client {
    base_url: String,
    credentials: Option<Credentials>,
    user_agent: HeaderValue,
}

impl Default for Client {
    /// A client for the public API with no default credentials: pass them with each call.
    fn default() -> Self {
        Client {
            base_url: DEFAULT_BASE_URL.to_owned(),
            credentials: None,
            user_agent: HeaderValue::from_static(DEFAULT_USER_AGENT),
        }
    }
}

impl Client {
    /// A client for the public API that signs every request with `credentials`.
    pub fn new(credentials: Credentials) -> Self {
        Client {
            credentials: Some(credentials),
            ..Client::default()
        }
    }

    /// Whether the client signs with credentials of its own (the flows need them: they act as
    /// the partner).
    pub fn has_credentials(&self) -> bool {
        self.credentials.is_some()
    }

    /// The same client (endpoint, user agent) signing with `credentials` instead: one
    /// service user per customer.
    pub fn signed_as(&self, credentials: Credentials) -> Self {
        Client {
            credentials: Some(credentials),
            ..self.clone()
        }
    }

    /// Talks to another endpoint (the sandbox, a proxy). Must be `http://` or `https://`.
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Result<Self, Error> {
        let base_url = base_url.into();
        let trimmed = base_url.trim_end_matches('/');
        let uri = trimmed.parse::<http::Uri>().ok();
        // Credentials in the URL would show wherever the URL does (reprs, logs, transport
        // errors), and some HTTP libraries send them as Basic auth instead of the token.
        if uri
            .as_ref()
            .and_then(|u| u.authority())
            .is_some_and(|a| a.as_str().contains('@'))
        {
            return Err(Invalid::new(
                "base_url",
                "must not hold credentials (`user:password@`): give them as credentials",
            )
            .into());
        }
        let valid = (trimmed.starts_with("https://") || trimmed.starts_with("http://"))
            && uri.is_some()
            && !trimmed.contains(['?', '#']);
        if !valid {
            return Err(Invalid::new(
                "base_url",
                format!("must be an http(s) URL without query or fragment, got {base_url:?}"),
            )
            .into());
        }
        self.base_url = trimmed.to_owned();
        Ok(self)
    }

    /// Sends another `User-Agent` (a host adds its own name).
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Result<Self, Error> {
        let user_agent = user_agent.into();
        check_header_value("user_agent", &user_agent)?;
        self.user_agent = HeaderValue::from_str(&user_agent).expect("checked just above");
        Ok(self)
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The request for `operation`, signed with the client's credentials.
    pub fn request<O: Operation>(&self, operation: &O) -> Result<Request<Vec<u8>>, Error> {
        self.build(operation, None)
    }

    /// The request for `operation`, signed with `credentials` instead of the client's (one
    /// service user per customer).
    pub fn request_as<O: Operation>(
        &self,
        operation: &O,
        credentials: &Credentials,
    ) -> Result<Request<Vec<u8>>, Error> {
        self.build(operation, Some(credentials))
    }

    /// Reads the response to `O` into its result, or the error it carries.
    pub fn response<O: Operation>(
        &self,
        response: &Response<impl AsRef<[u8]>>,
    ) -> Result<ApiResponse<O::Output>, Error> {
        parse_response::<O>(
            response.status().as_u16(),
            response.headers(),
            response.body().as_ref(),
        )
    }

    fn build<O: Operation>(
        &self,
        operation: &O,
        credentials: Option<&Credentials>,
    ) -> Result<Request<Vec<u8>>, Error> {
        // The operations' fields are strings, numbers, booleans and lists of them.
        let params = serde_json::to_value(operation).map_err(|e| {
            Error::from(Invalid::new("params", e.to_string())).in_operation(O::NAME)
        })?;
        self.build_from(O::NAME, O::METHOD, &O::PARAMS, &params, credentials)
    }

    /// Builds a request from JSON parameters checked against the operation's table: the one
    /// way every request is made, typed or by name.
    pub(crate) fn build_from(
        &self,
        name: &'static str,
        method: Method,
        params: &Params,
        given: &Value,
        credentials: Option<&Credentials>,
    ) -> Result<Request<Vec<u8>>, Error> {
        self.lay_out(name, method, params, given, credentials)?
            .into_request()
            .map_err(|e| e.in_operation(name))
    }

    /// The request of [`build_from`](Client::build_from) in its plain parts.
    pub(crate) fn lay_out(
        &self,
        name: &'static str,
        method: Method,
        params: &Params,
        given: &Value,
        credentials: Option<&Credentials>,
    ) -> Result<Outgoing, Error> {
        let laid = params::lay_out(params, given).map_err(|e| Error::from(e).in_operation(name))?;
        let credentials = credentials.or(self.credentials.as_ref()).ok_or_else(|| {
            let (token, email, key) = (
                Credentials::ENV_API_TOKEN,
                Credentials::ENV_EMAIL,
                Credentials::ENV_API_KEY,
            );
            Error::from(Invalid::new(
                "credentials",
                format!(
                    "none given: set them on the client or pass them with the call (the Node \
                     and Python clients also look in {token}, then {email} with {key})"
                ),
            ))
            .in_operation(name)
        })?;
        let url = [self.base_url.as_str(), &laid.path, &laid.query].concat();
        let body = laid.body;
        let mut headers = Vec::with_capacity(4 + laid.headers.len());
        headers.push((ACCEPT, HeaderValue::from_static("application/json")));
        if body.is_some() {
            headers.push((CONTENT_TYPE, HeaderValue::from_static("application/json")));
        }
        headers.push((USER_AGENT, self.user_agent.clone()));
        credentials
            .apply(&mut headers)
            .map_err(|e| e.in_operation(name))?;
        for (header, value) in laid.headers {
            // Names come from the catalog; values were checked to be visible ASCII.
            let header = HeaderName::from_bytes(header.as_bytes()).expect("a header name");
            let value = HeaderValue::from_str(&value).expect("a checked header value");
            headers.push((header, value));
        }
        Ok(Outgoing::new(method, url, headers, body))
    }
}

/// A request as the core lays it out, in the plain parts a host sends: the by-name hosts hand
/// these out as they are, without going through an `http::Request` and back.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outgoing {
    /// The method.
    pub method: Method,
    /// The whole URL. The catalog lets only ids into a path and percent-encodes the query, and
    /// the base URL was checked, so it is a valid URI.
    pub url: String,
    /// The headers by lower-case name, in alphabetical order, each once; the values of
    /// credentials are marked sensitive ([`HeaderValue::is_sensitive`]).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The JSON body, when the request has one.
    pub body: Option<String>,
}

impl From<Request<Vec<u8>>> for Outgoing {
    /// The parts of any request: repeated headers joined with `, ` (sensitive when one is).
    fn from(request: Request<Vec<u8>>) -> Self {
        let (parts, body) = request.into_parts();
        let mut headers: Vec<(HeaderName, HeaderValue)> = Vec::new();
        // A name comes with its first value only: the next values are the last name's.
        for (name, value) in parts.headers {
            if let Some(name) = name {
                headers.push((name, value));
            } else if let Some((_, joined)) = headers.last_mut() {
                let both = [joined.as_bytes(), b", ", value.as_bytes()].concat();
                let sensitive = joined.is_sensitive() || value.is_sensitive();
                *joined = HeaderValue::from_bytes(&both).expect("two header values");
                joined.set_sensitive(sensitive);
            }
        }
        let body = String::from_utf8(body)
            .unwrap_or_else(|bytes| String::from_utf8_lossy(bytes.as_bytes()).into_owned());
        let body = Some(body).filter(|body| !body.is_empty());
        Outgoing::new(parts.method, parts.uri.to_string(), headers, body)
    }
}

impl Outgoing {
    /// Its headers put in order by name, as every `Outgoing` has them.
    fn new(
        method: Method,
        url: String,
        mut headers: Vec<(HeaderName, HeaderValue)>,
        body: Option<String>,
    ) -> Self {
        headers.sort_unstable_by(|(a, _), (b, _)| a.as_str().cmp(b.as_str()));
        Outgoing {
            method,
            url,
            headers,
            body,
        }
    }

    /// The names of the headers that carry a secret (a credential), for a masked view.
    pub fn sensitive_headers(&self) -> impl Iterator<Item = &str> {
        let sensitive = self
            .headers
            .iter()
            .filter(|(_, value)| value.is_sensitive());
        sensitive.map(|(name, _)| name.as_str())
    }

    /// The same request as an `http::Request`.
    pub fn into_request(self) -> Result<Request<Vec<u8>>, Error> {
        let body = self.body.map(String::into_bytes).unwrap_or_default();
        let mut request = Request::builder()
            .method(self.method)
            .uri(self.url)
            .body(body)
            .map_err(|e| Error::from(Invalid::new("url", e.to_string())))?;
        request.headers_mut().extend(self.headers);
        Ok(request)
    }
}

/// Reads a response to `O` without a client: the status, headers and whole body.
pub fn parse_response<O: Operation>(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<ApiResponse<O::Output>, Error> {
    envelope::parse(
        O::NAME,
        RawResponse {
            status,
            headers,
            body,
        },
    )
}
