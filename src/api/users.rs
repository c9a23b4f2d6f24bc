//! `users.create`: a service user per customer (tenant only). Its `api_key` lets the partner
//! act as that user, so one busy customer cannot use up the rate limit of all the others.

use http::Method;
use serde::Serialize;

use super::{members::MAX_EMAIL, CreatedUser, Kind, Operation, Param, Params};

/// `users.create`: creates a service user; the result holds its `api_key`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CreateUser {
    /// The new user's e-mail, e.g. `<customer id>@yourdomain`.
    pub email: String,
}

impl Operation for CreateUser {
    const NAME: &'static str = "users.create";
    const METHOD: Method = Method::POST;
    type Output = CreatedUser;
    const SECRET_FIELDS: &'static [&'static str] = &["api_key"];
    const PARAMS: Params = Params::with_body(
        "/users",
        &[Param::body("email", Kind::Name(MAX_EMAIL)).required()],
    );
}
