//! `user.*`: the calling user, and the tenants it administers.

use http::Method;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{check_len, Operation, User, UserTenant};
use crate::error::Invalid;

/// `user.get`: the calling user.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetUser {}

impl Operation for GetUser {
    const NAME: &'static str = "user.get";
    const METHOD: Method = Method::GET;
    type Output = User;

    fn path(&self) -> String {
        "/user".into()
    }

    fn validate(&self) -> Result<(), Invalid> {
        Ok(())
    }
}

/// `user.edit`: changes the calling user's name, telephone, country or postal code.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
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

impl EditUser {
    fn fields(&self) -> [(&'static str, Option<&str>, usize); 5] {
        [
            ("first_name", self.first_name.as_deref(), 60),
            ("last_name", self.last_name.as_deref(), 60),
            ("telephone", self.telephone.as_deref(), 20),
            ("country", self.country.as_deref(), 30),
            ("zipcode", self.zipcode.as_deref(), 20),
        ]
    }
}

impl Operation for EditUser {
    const NAME: &'static str = "user.edit";
    const METHOD: Method = Method::PATCH;
    type Output = User;

    fn path(&self) -> String {
        "/user".into()
    }

    fn body(&self) -> Option<Value> {
        let body: Map<String, Value> = self
            .fields()
            .into_iter()
            .filter_map(|(field, value, _)| Some((field.to_owned(), json!(value?))))
            .collect();
        Some(Value::Object(body))
    }

    fn validate(&self) -> Result<(), Invalid> {
        if self.fields().iter().all(|(_, value, _)| value.is_none()) {
            return Err(Invalid::new(
                "first_name",
                "give at least one of first_name, last_name, telephone, country, zipcode",
            ));
        }
        for (field, value, max) in self.fields() {
            check_len(field, value, max)?;
        }
        Ok(())
    }
}

/// `user.tenants.list`: the tenants the caller administers.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListUserTenants {}

impl Operation for ListUserTenants {
    const NAME: &'static str = "user.tenants.list";
    const METHOD: Method = Method::GET;
    type Output = Vec<UserTenant>;

    fn path(&self) -> String {
        "/user/tenants".into()
    }

    fn validate(&self) -> Result<(), Invalid> {
        Ok(())
    }
}
