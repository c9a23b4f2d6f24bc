//! `user.*`: the calling user, and the tenants it administers.

use http::Method;
use serde::Serialize;

use super::{Kind, Operation, Param, Params, Rule, User, UserTenant};

/// `user.get`: the calling user.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GetUser {}

impl Operation for GetUser {
    const NAME: &'static str = "user.get";
    const METHOD: Method = Method::GET;
    type Output = User;
    const PARAMS: Params = Params::new("/user", &[]);
}

/// `user.edit`: changes the calling user's name, telephone, country or postal code.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EditUser {
    /// First name, at most 60 characters.
    pub first_name: Option<String>,
    /// Last name, at most 60 characters.
    pub last_name: Option<String>,
    /// Telephone, at most 20 characters.
    pub telephone: Option<String>,
    /// Country, at most 30 characters.
    pub country: Option<String>,
    /// Postal code, at most 20 characters.
    pub zipcode: Option<String>,
}

impl Operation for EditUser {
    const NAME: &'static str = "user.edit";
    const METHOD: Method = Method::PATCH;
    type Output = User;
    const PARAMS: Params = Params::with_body(
        "/user",
        &[
            Param::body("first_name", Kind::Text(60)),
            Param::body("last_name", Kind::Text(60)),
            Param::body("telephone", Kind::Text(20)),
            Param::body("country", Kind::Text(30)),
            Param::body("zipcode", Kind::Text(20)),
        ],
    )
    .rule(Rule::AtLeastOne);
}

/// `user.tenants.list`: the tenants the caller administers.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ListUserTenants {}

impl Operation for ListUserTenants {
    const NAME: &'static str = "user.tenants.list";
    const METHOD: Method = Method::GET;
    type Output = Vec<UserTenant>;
    const PARAMS: Params = Params::new("/user/tenants", &[]);
}
