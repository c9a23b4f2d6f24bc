//! `accounts.*`: create, list, read, update and delete the accounts of a tenant.

use http::Method;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{
    check_id, check_known, check_len, check_not_empty, check_paging, paginated, Account,
    AccountType, Deleted, Direction, Operation, Query,
};
use crate::error::Invalid;

/// Longest account name the API takes.
pub const MAX_NAME: usize = 100;
/// Longest KYC field the API takes.
pub const MAX_KYC: usize = 120;

/// `accounts.list`: the accounts the caller can see (the tenant's, and any the user had).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListAccounts {
    /// Only accounts with this name.
    pub name: Option<String>,
    /// Page number, from 1.
    pub page: Option<u32>,
    /// Page size, 5..=50.
    pub per_page: Option<u32>,
    /// Sort direction.
    pub direction: Option<Direction>,
}

impl Operation for ListAccounts {
    const NAME: &'static str = "accounts.list";
    const METHOD: Method = Method::GET;
    type Output = Vec<Account>;

    fn path(&self) -> String {
        "/accounts".into()
    }

    fn query(&self) -> Query {
        Query::default()
            .opt("name", self.name.as_ref())
            .opt("page", self.page)
            .opt("per_page", self.per_page)
            .opt("direction", self.direction.as_ref())
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_paging(self.page, self.per_page)?;
        check_len("name", self.name.as_deref(), MAX_NAME)?;
        check_known("direction", self.direction.as_ref())
    }
}

paginated!(ListAccounts => Account);

/// `accounts.create`: a new account for a customer, optionally on a tenant unit, with KYC.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateAccount {
    /// The account name, at most 100 characters.
    pub name: String,
    /// `standard` (the API's default) or `enterprise`.
    pub r#type: Option<AccountType>,
    /// The tenant unit (`unit_tag` from `tenants.get`); needed when the caller has several.
    pub unit_id: Option<String>,
    /// KYC: the customer's business name.
    pub business_name: Option<String>,
    /// KYC: the customer's business address.
    pub business_address: Option<String>,
    /// KYC: the customer's business e-mail.
    pub business_email: Option<String>,
    /// KYC: the customer's business phone.
    pub business_phone: Option<String>,
    /// KYC: free text for the partner's own reference.
    pub external_metadata: Option<String>,
}

impl CreateAccount {
    /// A standard account named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        CreateAccount {
            name: name.into(),
            ..Default::default()
        }
    }

    fn kyc(&self) -> [(&'static str, Option<&str>); 5] {
        [
            ("business_name", self.business_name.as_deref()),
            ("business_address", self.business_address.as_deref()),
            ("business_email", self.business_email.as_deref()),
            ("business_phone", self.business_phone.as_deref()),
            ("external_metadata", self.external_metadata.as_deref()),
        ]
    }
}

impl Operation for CreateAccount {
    const NAME: &'static str = "accounts.create";
    const METHOD: Method = Method::POST;
    type Output = Account;

    fn path(&self) -> String {
        "/accounts".into()
    }

    fn body(&self) -> Option<Value> {
        let mut body = Map::new();
        body.insert("name".into(), json!(self.name));
        if let Some(kind) = &self.r#type {
            body.insert("type".into(), json!(kind));
        }
        if let Some(unit) = &self.unit_id {
            body.insert("unit".into(), json!({ "id": unit }));
        }
        for (field, value) in self.kyc() {
            if let Some(value) = value {
                body.insert(field.into(), json!(value));
            }
        }
        Some(Value::Object(body))
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_not_empty("name", &self.name)?;
        check_len("name", Some(&self.name), MAX_NAME)?;
        check_known("type", self.r#type.as_ref())?;
        if let Some(unit) = &self.unit_id {
            check_id("unit_id", unit)?;
        }
        for (field, value) in self.kyc() {
            check_len(field, value, MAX_KYC)?;
        }
        Ok(())
    }
}

/// `accounts.get`: one account.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetAccount {
    /// The account id.
    pub account_id: String,
}

impl Operation for GetAccount {
    const NAME: &'static str = "accounts.get";
    const METHOD: Method = Method::GET;
    type Output = Account;

    fn path(&self) -> String {
        format!("/accounts/{}", self.account_id)
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_id("account_id", &self.account_id)
    }
}

/// `accounts.update`: rename an account or change its settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateAccount {
    /// The account id.
    pub account_id: String,
    /// The account's name (the API replaces it, so send the current one to keep it).
    pub name: String,
    /// The account type; the API's schema requires it on update (it does not change it).
    pub r#type: AccountType,
    /// Require two-factor authentication of every member.
    pub enforce_twofactor: Option<bool>,
    /// Where abuse reports go.
    pub abuse_contact_email: Option<String>,
}

impl Operation for UpdateAccount {
    const NAME: &'static str = "accounts.update";
    const METHOD: Method = Method::PUT;
    type Output = Account;

    fn path(&self) -> String {
        format!("/accounts/{}", self.account_id)
    }

    fn body(&self) -> Option<Value> {
        let mut body = Map::new();
        body.insert("id".into(), json!(self.account_id));
        body.insert("name".into(), json!(self.name));
        body.insert("type".into(), json!(self.r#type));
        let mut settings = Map::new();
        if let Some(on) = self.enforce_twofactor {
            settings.insert("enforce_twofactor".into(), json!(on));
        }
        if let Some(email) = &self.abuse_contact_email {
            settings.insert("abuse_contact_email".into(), json!(email));
        }
        if !settings.is_empty() {
            body.insert("settings".into(), Value::Object(settings));
        }
        Some(Value::Object(body))
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_id("account_id", &self.account_id)?;
        check_not_empty("name", &self.name)?;
        check_len("name", Some(&self.name), MAX_NAME)?;
        check_known("type", Some(&self.r#type))?;
        check_len(
            "abuse_contact_email",
            self.abuse_contact_email.as_deref(),
            super::members::MAX_EMAIL,
        )
    }
}

/// `accounts.delete`: permanently deletes an account and everything in it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteAccount {
    /// The account id.
    pub account_id: String,
}

impl Operation for DeleteAccount {
    const NAME: &'static str = "accounts.delete";
    const METHOD: Method = Method::DELETE;
    type Output = Option<Deleted>;

    fn path(&self) -> String {
        format!("/accounts/{}", self.account_id)
    }

    fn validate(&self) -> Result<(), Invalid> {
        check_id("account_id", &self.account_id)
    }
}
