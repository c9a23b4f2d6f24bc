//! `accounts.tokens.*`: API tokens owned by an account rather than by a user. Rate limits count
//! per account token, so a token per customer gives each customer its own budget, without
//! `users.create` (which the API does not enable by default).

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{
    operation, Access, CreatedToken, Deleted, Direction, IdRef, Token, TokenPermissionGroup,
    TokenStatus, TokenVerification, WireEnum, WHOLE_RESULT,
};
use crate::auth::Secret;
use crate::params::id_ref;

/// Longest token name the API takes.
pub const MAX_TOKEN_NAME: usize = 120;

/// A token policy as a request sends it: permission groups allowed or denied on resources.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenPolicyInput {
    /// The policy's id, to keep an existing policy on update; new policies have none.
    #[serde(default)]
    pub id: Option<String>,
    /// `allow` or `deny`.
    pub effect: Access,
    /// Permission group ids (`"id"` or `{"id": "..."}`; see
    /// `accounts.tokens.permission_groups.list`).
    pub permission_groups: Vec<IdRef>,
    /// Resource names to `"*"` (`{"com.cloudflare.api.account.<account id>": "*"}`), or to
    /// objects of resource names to `"*"`.
    pub resources: Map<String, Value>,
}

impl TokenPolicyInput {
    /// `{"id", "effect", "permission_groups", "resources"}` as the API takes it: groups as
    /// `{"id": ...}`, and `id` only when given.
    pub fn to_json(&self) -> Value {
        let mut policy = Map::new();
        if let Some(id) = &self.id {
            policy.insert("id".into(), id.as_str().into());
        }
        policy.insert("effect".into(), self.effect.as_str().into());
        policy.insert(
            "permission_groups".into(),
            Value::Array(
                self.permission_groups
                    .iter()
                    .map(|g| id_ref(&g.id))
                    .collect(),
            ),
        );
        policy.insert("resources".into(), Value::Object(self.resources.clone()));
        Value::Object(policy)
    }
}

serialize_as_json!(TokenPolicyInput);

operation! {
    /// `accounts.tokens.list`: the account's tokens, active and disabled (and recently expired
    /// ones with `include_expired`).
    pub struct ListTokens {
        /// The account id.
        pub account_id: String = path(Id),
        /// Page number, from 1.
        pub page: Option<u32> = query(Page),
        /// Page size, 5..=50.
        pub per_page: Option<u32> = query(PerPage),
        /// Sort direction.
        pub direction: Option<Direction> = query(OneOf(Direction::VALUES)),
        /// Also list the tokens that expired recently.
        pub include_expired: Option<bool> = query(Bool),
    }
    name: "accounts.tokens.list",
    method: GET,
    path: "/accounts/{account_id}/tokens",
    result: Vec<Token>,
    paged: Token,
}

operation! {
    /// `accounts.tokens.create`: a token owned by the account, not by a user. The result holds
    /// its `value`, which the API never shows again.
    pub struct CreateToken {
        /// The account id.
        pub account_id: String = path(Id),
        /// The token's name, at most 120 characters; names need not be unique.
        pub name: String = body(Name(MAX_TOKEN_NAME)).required(),
        /// What the token may do: at least one policy.
        pub policies: Vec<TokenPolicyInput> = body(TokenPolicies).required(),
        /// Not valid before this time (RFC 3339).
        pub not_before: Option<String> = body(DateTime),
        /// Not valid from this time on (RFC 3339).
        pub expires_on: Option<String> = body(DateTime),
        /// Only requests from these addresses or CIDRs are taken.
        pub request_ip_in: Option<Vec<String>> =
            body(Cidrs).sent_as("condition.request_ip.in"),
        /// Requests from these addresses or CIDRs are refused.
        pub request_ip_not_in: Option<Vec<String>> =
            body(Cidrs).sent_as("condition.request_ip.not_in"),
    }
    name: "accounts.tokens.create",
    method: POST,
    path: "/accounts/{account_id}/tokens",
    result: CreatedToken,
    body: true,
    secret: ["value"],
}

operation! {
    /// `accounts.tokens.get`: one token, without its value.
    pub struct GetToken {
        /// The account id.
        pub account_id: String = path(Id),
        /// The token id.
        pub token_id: String = path(Id),
    }
    name: "accounts.tokens.get",
    method: GET,
    path: "/accounts/{account_id}/tokens/{token_id}",
    result: Token,
}

operation! {
    /// `accounts.tokens.update`: changes a token's name, policies, status, validity or IP
    /// condition. A PUT: the name and the policies are required, so send the current ones to
    /// keep them.
    pub struct UpdateToken {
        /// The account id.
        pub account_id: String = path(Id),
        /// The token id.
        pub token_id: String = path(Id),
        /// The token's name, at most 120 characters.
        pub name: String = body(Name(MAX_TOKEN_NAME)).required(),
        /// What the token may do: at least one policy (an existing one keeps its `id`).
        pub policies: Vec<TokenPolicyInput> = body(TokenPolicies).required(),
        /// `active` or `disabled` (the API's schema also lists `expired`).
        pub status: Option<TokenStatus> = body(OneOf(TokenStatus::VALUES)),
        /// Not valid before this time (RFC 3339).
        pub not_before: Option<String> = body(DateTime),
        /// Not valid from this time on (RFC 3339).
        pub expires_on: Option<String> = body(DateTime),
        /// Only requests from these addresses or CIDRs are taken.
        pub request_ip_in: Option<Vec<String>> =
            body(Cidrs).sent_as("condition.request_ip.in"),
        /// Requests from these addresses or CIDRs are refused.
        pub request_ip_not_in: Option<Vec<String>> =
            body(Cidrs).sent_as("condition.request_ip.not_in"),
    }
    name: "accounts.tokens.update",
    method: PUT,
    path: "/accounts/{account_id}/tokens/{token_id}",
    result: Token,
    body: true,
}

operation! {
    /// `accounts.tokens.delete`: destroys a token; requests made with it fail from then on.
    pub struct DeleteToken {
        /// The account id.
        pub account_id: String = path(Id),
        /// The token id.
        pub token_id: String = path(Id),
    }
    name: "accounts.tokens.delete",
    method: DELETE,
    path: "/accounts/{account_id}/tokens/{token_id}",
    result: Option<Deleted>,
}

operation! {
    /// `accounts.tokens.verify`: whether the token the request is sent with works, and its id
    /// (send it with that token as the credentials).
    pub struct VerifyToken {
        /// The account id.
        pub account_id: String = path(Id),
    }
    name: "accounts.tokens.verify",
    method: GET,
    path: "/accounts/{account_id}/tokens/verify",
    result: TokenVerification,
}

operation! {
    /// `accounts.tokens.permission_groups.list`: the permission groups a token policy may
    /// name, with their scopes.
    pub struct ListTokenPermissionGroups {
        /// The account id.
        pub account_id: String = path(Id),
        /// Only the group of this name, e.g. `Account Settings Write`.
        pub name: Option<String> = query(Text(usize::MAX)),
        /// Only groups of this scope, e.g. `com.cloudflare.api.account.zone`.
        pub scope: Option<String> = query(Text(usize::MAX)),
    }
    name: "accounts.tokens.permission_groups.list",
    method: GET,
    path: "/accounts/{account_id}/tokens/permission_groups",
    result: Vec<TokenPermissionGroup>,
}

operation! {
    /// `accounts.tokens.value.roll`: a new value for a token, which is the result; the old
    /// value stops working at once. Sends the `{}` body the endpoint expects.
    pub struct RollTokenValue {
        /// The account id.
        pub account_id: String = path(Id),
        /// The token id.
        pub token_id: String = path(Id),
    }
    name: "accounts.tokens.value.roll",
    method: PUT,
    path: "/accounts/{account_id}/tokens/{token_id}/value",
    result: Secret,
    body: true,
    secret: [WHOLE_RESULT],
}
