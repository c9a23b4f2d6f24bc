//! `accounts.*`: create, list, read, update and delete the accounts of a tenant.

use http::Method;
use serde::Serialize;

use super::{
    paginated, Account, AccountType, Deleted, Direction, Kind, Operation, Param, Params, WireEnum,
};

/// Longest account name the API takes.
pub const MAX_NAME: usize = 100;
/// Longest KYC field the API takes.
pub const MAX_KYC: usize = 120;

/// `accounts.list`: the accounts the caller can see (the tenant's, and any the user had).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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
    const PARAMS: Params = Params::new(
        "/accounts",
        &[
            Param::query("name", Kind::Text(MAX_NAME)),
            Param::query("page", Kind::Page),
            Param::query("per_page", Kind::PerPage),
            Param::query("direction", Kind::OneOf(Direction::VALUES)),
        ],
    );
}

paginated!(ListAccounts => Account);

/// `accounts.create`: a new account for a customer, optionally on a tenant unit, with KYC.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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
}

impl Operation for CreateAccount {
    const NAME: &'static str = "accounts.create";
    const METHOD: Method = Method::POST;
    type Output = Account;
    const PARAMS: Params = Params::with_body(
        "/accounts",
        &[
            Param::body("name", Kind::Name(MAX_NAME)).required(),
            Param::body("type", Kind::OneOf(AccountType::VALUES)),
            Param::body("unit_id", Kind::Id).sent_as("unit.id"),
            Param::body("business_name", Kind::Text(MAX_KYC)),
            Param::body("business_address", Kind::Text(MAX_KYC)),
            Param::body("business_email", Kind::Text(MAX_KYC)),
            Param::body("business_phone", Kind::Text(MAX_KYC)),
            Param::body("external_metadata", Kind::Text(MAX_KYC)),
        ],
    );
}

/// `accounts.get`: one account.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GetAccount {
    /// The account id.
    pub account_id: String,
}

impl Operation for GetAccount {
    const NAME: &'static str = "accounts.get";
    const METHOD: Method = Method::GET;
    type Output = Account;
    const PARAMS: Params = Params::new(
        "/accounts/{account_id}",
        &[Param::path("account_id", Kind::Id)],
    );
}

/// `accounts.update`: rename an account or change its settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    const PARAMS: Params = Params::with_body(
        "/accounts/{account_id}",
        &[
            Param::path("account_id", Kind::Id).sent_as("id"),
            Param::body("name", Kind::Name(MAX_NAME)).required(),
            Param::body("type", Kind::OneOf(AccountType::VALUES)).required(),
            Param::body("enforce_twofactor", Kind::Bool).sent_as("settings.enforce_twofactor"),
            Param::body("abuse_contact_email", Kind::Text(super::members::MAX_EMAIL))
                .sent_as("settings.abuse_contact_email"),
        ],
    );
}

/// `accounts.delete`: permanently deletes an account and everything in it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DeleteAccount {
    /// The account id.
    pub account_id: String,
}

impl Operation for DeleteAccount {
    const NAME: &'static str = "accounts.delete";
    const METHOD: Method = Method::DELETE;
    type Output = Option<Deleted>;
    const PARAMS: Params = Params::new(
        "/accounts/{account_id}",
        &[Param::path("account_id", Kind::Id)],
    );
}
