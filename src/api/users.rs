//! `users.create`: a service user per customer (tenant only). Its `api_key` lets the partner
//! act as that user, so one busy customer cannot use up the rate limit of all the others.

use http::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{check_len, check_not_empty, members::MAX_EMAIL, CreatedUser, Operation};
use crate::error::Invalid;

/// `users.create`: creates a service user; the result holds its `api_key`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// The new user's e-mail, e.g. `<customer id>@yourdomain`.
    pub email: String,
}

impl Operation for CreateUser {
    const NAME: &'static str = "users.create";
    const METHOD: Method = Method::POST;
    type Output = CreatedUser;
    const SECRET_FIELDS: &'static [&'static str] = &["api_key"];

    fn path(&self) -> String {
        "/users".into()
    }

    fn body(&self) -> Option<Value> {
        Some(json!({ "email": self.email }))
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_not_empty("email", &self.email)?;
        check_len("email", Some(&self.email), MAX_EMAIL)
    }
}
