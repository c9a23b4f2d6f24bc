//! What the API returns. Every model is declared with [`model!`], which makes each field
//! optional (the API has dropped fields the spec calls required, and a strict client broke)
//! and keeps unknown fields in `extra`, so they reach the caller in every host.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::string_enum;
use crate::auth::Secret;
use crate::object;
use crate::shape::{wire_name, Field, Shape, Shaped};

/// Declares a response model: every field `Option<T>`, absent fields skipped on output,
/// unknown fields kept in `extra`, and its wire [`Shape`] for the by-name checker.
macro_rules! model {
    ($(#[doc = $doc:literal])* $name:ident { $($(#[doc = $fdoc:literal])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[non_exhaustive]
        pub struct $name {
            $(
                $(#[doc = $fdoc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
            /// Fields this version does not know yet, kept as sent.
            #[serde(flatten)]
            pub extra: Map<String, Value>,
        }

        impl Shaped for $name {
            const SHAPE: Shape = Shape::Model {
                name: stringify!($name),
                doc: super::doc_text(concat!($($doc),*)),
                fields: &[$(
                    Field {
                        name: wire_name(stringify!($field)),
                        shape: &<$ty as Shaped>::SHAPE,
                        doc: super::doc_text(concat!($($fdoc),*)),
                    },
                )*],
            };
        }
    };
}

string_enum! {
    /// `standard` or `enterprise`.
    AccountType { /// A standard account.
    Standard = "standard", /// An enterprise account.
    Enterprise = "enterprise" }
}

string_enum! {
    /// A member's or membership's state.
    MemberStatus { /// Joined.
    Accepted = "accepted", /// Invited, not yet joined.
    Pending = "pending", /// Declined.
    Rejected = "rejected" }
}

string_enum! {
    /// Whether a policy grants or withholds.
    Access { /// Grants the permission groups on the resource groups.
    Allow = "allow", /// Withholds them.
    Deny = "deny" }
}

string_enum! {
    /// An account token's state.
    TokenStatus { /// Works.
    Active = "active", /// Turned off; may be turned on again.
    Disabled = "disabled", /// Past its `expires_on`.
    Expired = "expired" }
}

string_enum! {
    /// An invitation's state, as its invitee sees it.
    InviteStatus { /// Not answered yet.
    Pending = "pending", /// Accepted: the invitee is a member.
    Accepted = "accepted", /// Declined.
    Rejected = "rejected", /// Not answered in time.
    Expired = "expired" }
}

model! {
    /// A Cloudflare account (also what `tenants.accounts.list` returns).
    Account {
        /// 32 hex characters.
        id: String,
        /// At most 100 characters.
        name: String,
        /// Standard or enterprise.
        r#type: AccountType,
        /// RFC 3339 creation time.
        created_on: String,
        /// The tenant that manages this account.
        managed_by: ManagedBy,
        /// Account settings.
        settings: AccountSettings,
    }
}

model! {
    /// Who manages an account.
    ManagedBy {
        /// The managing tenant's id.
        parent_org_id: String,
        /// The managing tenant's name.
        parent_org_name: String,
    }
}

model! {
    /// Account settings.
    AccountSettings {
        /// Whether members must use two-factor authentication.
        enforce_twofactor: bool,
        /// Where abuse reports go.
        abuse_contact_email: String,
    }
}

model! {
    /// `{id}`: what a delete returns.
    Deleted {
        /// The id of what was deleted.
        id: String,
    }
}

model! {
    /// A member of an account: an invited or joined user with roles or policies.
    Member {
        /// The member id (not the user id).
        id: String,
        /// The member's e-mail.
        email: String,
        /// `accepted` or `pending`.
        status: MemberStatus,
        /// The user behind the membership.
        user: MemberUser,
        /// Roles, when the member has roles. The create response may leave them out.
        roles: Vec<Role>,
        /// Policies, when the member has policies.
        policies: Vec<Policy>,
    }
}

model! {
    /// The user behind a member.
    MemberUser {
        /// The user id.
        id: String,
        /// The user's e-mail.
        email: String,
        /// First name.
        first_name: String,
        /// Last name.
        last_name: String,
        /// Whether the user has two-factor authentication.
        two_factor_authentication_enabled: bool,
    }
}

model! {
    /// A role: a named set of permissions.
    Role {
        /// The role id.
        id: String,
        /// The role name, e.g. `Administrator`.
        name: String,
        /// What the role is for.
        description: String,
        /// Grants by area (`analytics`, `billing`, `dns`, ...).
        permissions: BTreeMap<String, Grants>,
    }
}

model! {
    /// Read and write grants of one permission area.
    Grants {
        /// May read.
        read: bool,
        /// May write.
        write: bool,
    }
}

model! {
    /// A policy: permission groups allowed or denied on resource groups.
    Policy {
        /// The policy id.
        id: String,
        /// `allow` or `deny`.
        access: Access,
        /// What is allowed or denied.
        permission_groups: Vec<PermissionGroup>,
        /// On what.
        resource_groups: Vec<ResourceGroup>,
    }
}

model! {
    /// A named group of permissions; the building block of policies.
    PermissionGroup {
        /// The permission group id.
        id: String,
        /// Its name, e.g. `Load Balancer`.
        name: String,
        /// Attributes (`label`, `scopes`, ...).
        meta: Map<String, Value>,
    }
}

model! {
    /// A group of scoped resources.
    ResourceGroup {
        /// The resource group id.
        id: String,
        /// Its name, e.g. `com.cloudflare.api.account.<id>`.
        name: String,
        /// Attributes.
        meta: Map<String, Value>,
        /// What it covers.
        scope: Scope,
    }
}

model! {
    /// The resources a resource group covers.
    Scope {
        /// e.g. `com.cloudflare.api.account.<account id>`.
        key: String,
        /// The scope's objects.
        objects: Vec<ScopeObject>,
    }
}

model! {
    /// One object of a scope.
    ScopeObject {
        /// e.g. `com.cloudflare.api.account.zone.<zone id>` or `*`.
        key: String,
    }
}

model! {
    /// A service user created by `users.create`, holding its API key.
    CreatedUser {
        /// The user id.
        id: String,
        /// The user's e-mail.
        email: String,
        /// First name.
        first_name: String,
        /// Last name.
        last_name: String,
        /// User name.
        username: String,
        /// Telephone.
        telephone: String,
        /// Country.
        country: String,
        /// Creation time.
        created_on: String,
        /// Last change.
        modified_on: String,
        /// Two-factor state.
        two_factor_authentication: TwoFactorAuthentication,
        /// The user's API key: act as this user with it. A secret; `Debug` hides it.
        api_key: Secret,
    }
}

model! {
    /// An account-owned API token. Its secret `value` is only in [`CreatedToken`], once.
    Token {
        /// The token id (not its value).
        id: String,
        /// At most 120 characters.
        name: String,
        /// `active`, `disabled` or `expired`.
        status: TokenStatus,
        /// Creation time.
        issued_on: String,
        /// Last change.
        modified_on: String,
        /// Last use.
        last_used_on: String,
        /// Not valid before this time.
        not_before: String,
        /// Not valid from this time on.
        expires_on: String,
        /// What the token may do.
        policies: Vec<TokenPolicy>,
        /// Where it may be used from.
        condition: TokenCondition,
    }
}

model! {
    /// A token just created by `accounts.tokens.create`, holding its value: the API never
    /// shows the value again (`accounts.tokens.value.roll` makes a new one).
    CreatedToken {
        /// The token id (not its value).
        id: String,
        /// At most 120 characters.
        name: String,
        /// `active`, `disabled` or `expired`.
        status: TokenStatus,
        /// Creation time.
        issued_on: String,
        /// Last change.
        modified_on: String,
        /// Last use.
        last_used_on: String,
        /// Not valid before this time.
        not_before: String,
        /// Not valid from this time on.
        expires_on: String,
        /// What the token may do.
        policies: Vec<TokenPolicy>,
        /// Where it may be used from.
        condition: TokenCondition,
        /// The token itself: send it as `api_token`. A secret; `Debug` hides it.
        value: Secret,
    }
}

model! {
    /// A token's policy: permission groups allowed or denied on resources.
    TokenPolicy {
        /// The policy id.
        id: String,
        /// `allow` or `deny`.
        effect: Access,
        /// What is allowed or denied.
        permission_groups: Vec<PermissionGroup>,
        /// On what: resource names to `"*"`, or to objects of resource names to `"*"`.
        resources: Map<String, Value>,
    }
}

model! {
    /// Where a token may be used from.
    TokenCondition {
        /// Client IPs: `in` and `not_in`, lists of CIDRs. (An object rather than a model:
        /// `in` is a keyword in Python, where models are declared with its class syntax.)
        request_ip: Map<String, Value>,
    }
}

model! {
    /// What `accounts.tokens.verify` says of the token it was sent with.
    TokenVerification {
        /// The token id.
        id: String,
        /// `active`, `disabled` or `expired`.
        status: TokenStatus,
        /// Not valid from this time on.
        expires_on: String,
        /// Not valid before this time.
        not_before: String,
    }
}

model! {
    /// A permission group an account token's policy may name.
    TokenPermissionGroup {
        /// The permission group id: name it in a token policy's `permission_groups`.
        id: String,
        /// Its name, e.g. `Account Settings Write`.
        name: String,
        /// The product area, e.g. `dns_and_zones`.
        category: String,
        /// The resources it applies to, e.g. `com.cloudflare.api.account.zone`.
        scopes: Vec<String>,
    }
}

model! {
    /// An invitation to an account, as its invitee sees it (`/user/invites`).
    Invite {
        /// The invitation id.
        id: String,
        /// The invited user's id, once there is a user.
        invited_member_id: String,
        /// The invited e-mail.
        invited_member_email: String,
        /// The account the invitation is to.
        organization_id: String,
        /// The account's name.
        organization_name: String,
        /// Whether the account requires two-factor authentication of its members.
        organization_is_enforcing_twofactor: bool,
        /// Who invited, by e-mail.
        invited_by: String,
        /// When it was sent.
        invited_on: String,
        /// When it can no longer be accepted.
        expires_on: String,
        /// Role names the membership would have.
        roles: Vec<String>,
        /// `pending`, `accepted`, `rejected` or `expired`.
        status: InviteStatus,
    }
}

model! {
    /// Two-factor state of a created user.
    TwoFactorAuthentication {
        /// Enabled.
        enabled: bool,
        /// Locked.
        locked: bool,
    }
}

model! {
    /// The calling user (`GET /user`).
    User {
        /// The user id.
        id: String,
        /// The user's e-mail.
        email: String,
        /// First name.
        first_name: String,
        /// Last name.
        last_name: String,
        /// Telephone.
        telephone: String,
        /// Country.
        country: String,
        /// Postal code.
        zipcode: String,
        /// Beta features enabled for the user.
        betas: Vec<String>,
        /// Has a pro zone.
        has_pro_zones: bool,
        /// Has a business zone.
        has_business_zones: bool,
        /// Has an enterprise zone.
        has_enterprise_zones: bool,
        /// Suspended.
        suspended: bool,
        /// Two-factor authentication on.
        two_factor_authentication_enabled: bool,
        /// Two-factor authentication locked.
        two_factor_authentication_locked: bool,
        /// Accounts the user belongs to.
        organizations: Vec<Organization>,
    }
}

model! {
    /// An account as listed in a user's `organizations`.
    Organization {
        /// The account id.
        id: String,
        /// The account name.
        name: String,
        /// Permission names.
        permissions: Vec<String>,
        /// Role names.
        roles: Vec<String>,
        /// `member` or `invited`.
        status: String,
    }
}

model! {
    /// A tenant the caller administers (`GET /user/tenants`).
    UserTenant {
        /// The tenant id (its tag).
        id: String,
        /// The tenant name.
        name: String,
        /// Creation time.
        create_time: String,
        /// Flags and hierarchy.
        meta: Map<String, Value>,
        /// The parent tenant.
        parent: Map<String, Value>,
        /// Business profile.
        profile: Map<String, Value>,
    }
}

model! {
    /// The caller's membership of an account.
    Membership {
        /// The membership id.
        id: String,
        /// `accepted`, `pending` or `rejected`.
        status: MemberStatus,
        /// The account.
        account: Account,
        /// Role names.
        roles: Vec<String>,
        /// Grants by area.
        permissions: BTreeMap<String, Grants>,
        /// Policies.
        policies: Vec<Policy>,
        /// Whether API access is enabled.
        api_access_enabled: bool,
    }
}

model! {
    /// A tenant with its units.
    Tenant {
        /// The tenant tag (its id).
        tenant_tag: String,
        /// The tenant name.
        tenant_name: String,
        /// The tenant type.
        tenant_type: String,
        /// The tenant status.
        tenant_status: String,
        /// Labels.
        tenant_labels: Vec<String>,
        /// Contacts.
        tenant_contacts: Map<String, Value>,
        /// Metadata (nameserver pools, ...).
        tenant_metadata: Map<String, Value>,
        /// Network settings.
        tenant_network: Map<String, Value>,
        /// Units: accounts are created on a unit (`unit.id` is a `unit_tag`).
        tenant_units: Vec<TenantUnit>,
        /// Creation time.
        cdate: String,
        /// Last edit.
        edate: String,
        /// The customer id.
        customer_id: String,
    }
}

model! {
    /// A unit of a tenant.
    TenantUnit {
        /// The unit tag: pass it as `unit_id` to `accounts.create`.
        unit_tag: String,
        /// The unit name.
        unit_name: String,
        /// The unit status.
        unit_status: String,
        /// Metadata.
        unit_metadata: Map<String, Value>,
        /// Memberships.
        unit_memberships: Vec<Value>,
    }
}

model! {
    /// A tenant's entitlements.
    Entitlements {
        /// May add subdomains.
        allow_add_subdomain: Allocation,
        /// Invites are accepted without the invitee.
        allow_auto_accept_invites: Allocation,
        /// CNAME setup allowed.
        cname_setup_allowed: Allocation,
        /// Partial setup allowed.
        partial_setup_allowed: Allocation,
        /// Maximum certificates.
        mhs_certificate_count: Allocation,
        /// Further entitlements by feature key.
        custom_entitlements: Vec<CustomEntitlement>,
    }
}

model! {
    /// One custom entitlement.
    CustomEntitlement {
        /// `{key}` of the feature.
        feature: Map<String, Value>,
        /// What is allocated.
        allocation: Allocation,
    }
}

model! {
    /// A member of a tenant.
    TenantMembership {
        /// The user tag.
        user_tag: String,
        /// The user's e-mail.
        user_email: String,
        /// The user's name.
        user_name: String,
    }
}

/// An entitlement's allocation: `{"type": "bool", "value": true}` or
/// `{"type": "max_count", "value": 10}`; any other shape is kept whole.
#[derive(Debug, Clone, PartialEq)]
pub enum Allocation {
    /// An on/off entitlement.
    Bool(bool),
    /// A counted entitlement.
    MaxCount(i64),
    /// A shape this version does not know, kept as sent.
    Other(Map<String, Value>),
}

impl Shaped for Allocation {
    const SHAPE: Shape = Shape::Object;
}

impl Serialize for Allocation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Allocation::Bool(value) => {
                object([("type", "bool".into()), ("value", (*value).into())])
            }
            Allocation::MaxCount(value) => {
                object([("type", "max_count".into()), ("value", (*value).into())])
            }
            Allocation::Other(map) => Value::Object(map.clone()),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Allocation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = Map::deserialize(d)?;
        let known = map.len() == 2;
        Ok(
            match (map.get("type").and_then(Value::as_str), map.get("value")) {
                (Some("bool"), Some(Value::Bool(b))) if known => Allocation::Bool(*b),
                (Some("max_count"), Some(Value::Number(n))) if known && n.is_i64() => {
                    Allocation::MaxCount(n.as_i64().unwrap_or_default())
                }
                _ => Allocation::Other(map),
            },
        )
    }
}
