//! The examples' transport: `ureq`, set up the way every host of this library sends.
//!
//! - No redirect is followed. The API never redirects; a 3xx comes from a proxy or a wrong base
//!   URL, and following it would hand the credentials (and a create's body) to another host,
//!   while a 301/302 would turn a create into a GET. The 3xx goes back to the core, which
//!   reads it as a `Redirect` error naming where it pointed.
//! - Every attempt has one deadline for connecting, the headers and the whole body, and the
//!   body read is capped: a server that drips or never ends cannot hold a call or its memory.
//! - An error status is a response like any other: the core reads its body.

use std::time::Duration;

use cloudflare_tenant::http::{Request, Response};
use cloudflare_tenant::Attempt;

/// The deadline of one attempt, unless the caller sets another.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest body read, unless the caller sets another.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 32 * 1024 * 1024;

/// What happened on the wire, in the terms of the core's retry rules (`Attempt`).
#[derive(Debug)]
pub enum Outcome {
    /// A whole response came back.
    Response(Response<Vec<u8>>),
    /// The request surely never left (connection refused, host not found).
    NotSent(String),
    /// The request may have left and no whole answer came (deadline, reset, a body past the
    /// cap).
    NoResponse(String),
}

impl Outcome {
    /// What happened, as the core's machines are fed it.
    #[allow(dead_code)] // The demo sends single requests; the other programs feed machines.
    pub fn attempt(&self) -> Attempt<'_> {
        match self {
            Outcome::Response(r) => Attempt::Response {
                status: r.status().as_u16(),
                headers: r.headers(),
                body: r.body(),
            },
            Outcome::NotSent(message) => Attempt::NotSent { message },
            Outcome::NoResponse(message) => Attempt::NoResponse { message },
        }
    }
}

/// Sends with a deadline and a body cap.
#[derive(Clone)]
pub struct Transport {
    agent: ureq::Agent,
    max_body_bytes: u64,
}

impl Default for Transport {
    fn default() -> Self {
        Transport::new(DEFAULT_TIMEOUT, DEFAULT_MAX_BODY_BYTES)
    }
}

impl Transport {
    /// `timeout` covers connecting, the headers and the whole body of one attempt.
    pub fn new(timeout: Duration, max_body_bytes: u64) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(timeout))
            .build()
            .into();
        Transport {
            agent,
            max_body_bytes,
        }
    }

    /// Sends `request` once.
    pub fn send(&self, request: Request<Vec<u8>>) -> Outcome {
        match self.agent.run(request) {
            Ok(mut response) => {
                let body = response
                    .body_mut()
                    .with_config()
                    .limit(self.max_body_bytes)
                    .read_to_vec();
                match body {
                    Ok(body) => {
                        let (parts, _) = response.into_parts();
                        Outcome::Response(Response::from_parts(parts, body))
                    }
                    Err(ureq::Error::BodyExceedsLimit(limit)) => Outcome::NoResponse(format!(
                        "the response body is larger than the {limit}-byte cap"
                    )),
                    Err(e) => Outcome::NoResponse(e.to_string()),
                }
            }
            Err(e @ (ureq::Error::ConnectionFailed | ureq::Error::HostNotFound)) => {
                Outcome::NotSent(e.to_string())
            }
            Err(e) => Outcome::NoResponse(e.to_string()),
        }
    }
}
