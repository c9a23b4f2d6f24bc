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
    user_agent: String,
}

impl Default for Client {
    /// A client for the public API with no default credentials: pass them with each call.
    fn default() -> Self {
        Client {
            base_url: DEFAULT_BASE_URL.to_owned(),
            credentials: None,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
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
        self.user_agent = user_agent;
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
        let laid = params::lay_out(params, given).map_err(|e| Error::from(e).in_operation(name))?;
        let uri = format!("{}{}{}", self.base_url, laid.path, laid.query);
        // to_vec: straight into bytes (Display goes through the formatter, a write at a time).
        let body = laid
            .body
            .map(|body| serde_json::to_vec(&body).expect("JSON of JSON values"));
        let mut request = self
            .assemble(method, uri, body, credentials)
            .map_err(|e| e.in_operation(name))?;
        for (header, value) in laid.headers {
            // Names come from the catalog; values were checked to be visible ASCII.
            let header = HeaderName::from_bytes(header.as_bytes()).expect("a header name");
            let value = HeaderValue::from_str(&value).expect("a checked header value");
            request.headers_mut().insert(header, value);
        }
        Ok(request)
    }

    /// Headers and credentials.
    fn assemble(
        &self,
        method: Method,
        uri: String,
        body: Option<Vec<u8>>,
        credentials: Option<&Credentials>,
    ) -> Result<Request<Vec<u8>>, Error> {
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
        })?;
        let has_body = body.is_some();
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .body(body.unwrap_or_default())
            .map_err(|e| Error::from(Invalid::new("url", e.to_string())))?;
        let headers = request.headers_mut();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if has_body {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        headers.insert(
            USER_AGENT,
            HeaderValue::from_str(&self.user_agent).expect("checked in with_user_agent"),
        );
        credentials.apply(headers)?;
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
