//! `accounts.*`: create, list, read, update and delete the accounts of a tenant.

use super::members::MAX_EMAIL;
use super::{operation, Account, AccountType, Deleted, Direction, Entitlements, WireEnum};

/// Longest account name the API takes.
pub const MAX_NAME: usize = 100;
/// Longest KYC field the API takes.
pub const MAX_KYC: usize = 120;

operation! {
    /// `accounts.list`: the accounts the caller can see (the tenant's, and any the user had).
    pub struct ListAccounts {
        /// Only accounts with this name.
        pub name: Option<String> = query(Text(MAX_NAME)),
        /// Page number, from 1.
        pub page: Option<u32> = query(Page),
        /// Page size, 5..=50.
        pub per_page: Option<u32> = query(PerPage),
        /// Sort direction.
        pub direction: Option<Direction> = query(OneOf(Direction::VALUES)),
    }
    name: "accounts.list",
    method: GET,
    path: "/accounts",
    result: Vec<Account>,
    paged: Account,
}

operation! {
    /// `accounts.create`: a new account for a customer, optionally on a tenant unit, with KYC.
    pub struct CreateAccount {
        /// The account name, at most 100 characters.
        pub name: String = body(Name(MAX_NAME)).required(),
        /// `standard` (the API's default) or `enterprise`.
        pub r#type: Option<AccountType> = body(OneOf(AccountType::VALUES)),
        /// The tenant unit (`unit_tag` from `tenants.get`); needed when the caller has several.
        pub unit_id: Option<String> = body(Id).sent_as("unit.id"),
        /// `true` for a standalone free account outside any organization (tenant unit); never
        /// with `unit_id`.
        pub standalone: Option<bool> = body(Bool),
        /// KYC: the customer's business name.
        pub business_name: Option<String> = body(Text(MAX_KYC)),
        /// KYC: the customer's business address.
        pub business_address: Option<String> = body(Text(MAX_KYC)),
        /// KYC: the customer's business e-mail.
        pub business_email: Option<String> = body(Text(MAX_KYC)),
        /// KYC: the customer's business phone.
        pub business_phone: Option<String> = body(Text(MAX_KYC)),
        /// KYC: free text for the partner's own reference.
        pub external_metadata: Option<String> = body(Text(MAX_KYC)),
        /// Identifies this create: the API makes one account per key, and answers a resend
        /// with the same key and body as it answered the first. The clients make one per
        /// create when none is given, and every resend carries it.
        pub idempotency_key: Option<String> = header(Key).sent_as("Idempotency-Key"),
    }
    name: "accounts.create",
    method: POST,
    path: "/accounts",
    result: Account,
    body: true,
    rule: UnitOrStandalone,
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

operation! {
    /// `accounts.get`: one account.
    pub struct GetAccount {
        /// The account id.
        pub account_id: String = path(Id),
    }
    name: "accounts.get",
    method: GET,
    path: "/accounts/{account_id}",
    result: Account,
}

operation! {
    /// `accounts.update`: rename an account or change its settings.
    pub struct UpdateAccount {
        /// The account id.
        pub account_id: String = path(Id).sent_as("id"),
        /// The account's name (the API replaces it, so send the current one to keep it).
        pub name: String = body(Name(MAX_NAME)).required(),
        /// The account type; the API's schema requires it on update (it does not change it).
        pub r#type: AccountType = body(OneOf(AccountType::VALUES)).required(),
        /// Require two-factor authentication of every member.
        pub enforce_twofactor: Option<bool> = body(Bool).sent_as("settings.enforce_twofactor"),
        /// Where abuse reports go.
        pub abuse_contact_email: Option<String> =
            body(Text(MAX_EMAIL)).sent_as("settings.abuse_contact_email"),
    }
    name: "accounts.update",
    method: PUT,
    path: "/accounts/{account_id}",
    result: Account,
    body: true,
    default: false,
}

operation! {
    /// `accounts.delete`: permanently deletes an account and everything in it.
    pub struct DeleteAccount {
        /// The account id.
        pub account_id: String = path(Id),
    }
    name: "accounts.delete",
    method: DELETE,
    path: "/accounts/{account_id}",
    result: Option<Deleted>,
}

operation! {
    /// `accounts.entitlements.get`: what one account may do (bool and max_count allocations).
    pub struct GetAccountEntitlements {
        /// The account id.
        pub account_id: String = path(Id),
    }
    name: "accounts.entitlements.get",
    method: GET,
    path: "/accounts/{account_id}/entitlements",
    result: Entitlements,
}
