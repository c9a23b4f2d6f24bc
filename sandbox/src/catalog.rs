//! Built-in catalogue: the roles and permission groups every account has, and the permission
//! groups of account-owned API tokens.
//!
//! Ids are derived from the names (not from `--seed`) so that a role id read in one run, or in
//! one account, is valid in every other one, as on the real API where role ids are global.

use std::sync::OnceLock;

use serde_json::{json, Map, Value};

use crate::rng::stable_id;

/// The id the real API uses for "Administrator" (it appears in Cloudflare's own examples).
pub const ADMINISTRATOR_ROLE_ID: &str = "05784afa30c1afe1440e79d9351c7430";

/// Where "Administrator" sits in the default order: past the first page at every allowed
/// `per_page` below 61, so a client that reads one page of roles does not find it.
pub const ADMINISTRATOR_POSITION: usize = 60;

/// The permission keys of a legacy role, in the spec's order.
pub const PERMISSION_KEYS: [&str; 12] = [
    "analytics",
    "billing",
    "cache_purge",
    "dns",
    "dns_records",
    "lb",
    "logs",
    "organization",
    "ssl",
    "waf",
    "zone_settings",
    "zones",
];

#[derive(Debug, Clone)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub description: String,
    /// (read, write) per entry of [`PERMISSION_KEYS`].
    pub permissions: [(bool, bool); 12],
}

impl Role {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "permissions": permissions_json(&self.permissions),
        })
    }
}

pub fn permissions_json(p: &[(bool, bool); 12]) -> Value {
    let mut map = Map::new();
    for (key, (read, write)) in PERMISSION_KEYS.iter().zip(p.iter()) {
        map.insert((*key).into(), json!({"read": read, "write": write}));
    }
    Value::Object(map)
}

/// Product roles, named after the real catalogue.
const NAMED_ROLES: &[&str] = &[
    "Analytics",
    "API Gateway",
    "API Gateway Read",
    "Audit Logs Viewer",
    "Billing",
    "Bot Management (Account-wide)",
    "Brand Protection",
    "Cache Purge",
    "Cloudflare Access",
    "Cloudflare CASB",
    "Cloudflare CASB Read",
    "Cloudflare DEX",
    "Cloudflare Gateway",
    "Cloudflare Images",
    "Cloudflare R2 Admin",
    "Cloudflare R2 Read",
    "Cloudflare Stream",
    "Cloudflare Workers Admin",
    "Cloudflare Zero Trust",
    "Cloudflare Zero Trust PII",
    "Cloudflare Zero Trust Read Only",
    "Cloudflare Zero Trust Reporting",
    "Cloudflare Zero Trust Support",
    "Connectivity Directory Admin",
    "Connectivity Directory Bind",
    "Connectivity Directory Read",
    "DNS",
    "Domain Administrator",
    "Domain Administrator Read Only",
    "Domain API Gateway",
    "Domain API Gateway Read",
    "Domain DNS",
    "Domain Page Shield",
    "Domain Page Shield Read",
    "Domain Waiting Room Admin",
    "Domain Waiting Room Read",
    "Domain Zaraz Admin",
    "Domain Zaraz Edit",
    "Domain Zaraz Readonly",
    "Email Configuration Admin",
    "Email Integration Admin",
    "Email Security Analyst",
    "Email Security Policy Admin",
    "Email Security Read Only",
    "Email Security Reporting",
    "Firewall",
    "HTTP Applications",
    "HTTP Applications Read",
    "Hyperdrive Admin",
    "Hyperdrive Readonly",
    "Load Balancer",
    "Log Share",
    "Log Share Reader",
    "Magic Network Monitoring",
    "Magic Network Monitoring Admin",
    "Magic Network Monitoring Read-Only",
    "Minimal Account Access",
    "Network Services Read (Magic)",
    "Network Services Write (Magic)",
    "Page Shield",
    "Page Shield Read",
    "Secrets Store Admin",
    "Secrets Store Deployer",
    "Secrets Store Reporter",
    "SSL/TLS, Caching, Performance, Page Rules, and Customization",
    "Trust and Safety",
    "Turnstile",
    "Turnstile Read",
    "Vectorize Admin",
    "Vectorize Readonly",
    "Waiting Room Admin",
    "Waiting Room Read",
    "Workers Platform Admin",
    "Workers Platform (Read-only)",
    "Zaraz Admin",
    "Zaraz Edit",
    "Zaraz Readonly",
];

/// Extra regional roles, generated so the catalogue is well above 100 entries.
const REGIONS: &[&str] = &["ANZ", "APAC", "EMEA", "LATAM", "NA"];
const REGIONAL: &[&str] = &[
    "Operator",
    "Auditor",
    "Support",
    "Billing Contact",
    "Security",
    "Viewer",
];

fn role_permissions(name: &str) -> [(bool, bool); 12] {
    let lower = name.to_ascii_lowercase();
    let read_only = [
        "read",
        "viewer",
        "reporter",
        "reporting",
        "auditor",
        "analyst",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if name == "Administrator" {
        return [(true, true); 12];
    }
    if name == "Administrator Read Only" {
        return [(true, false); 12];
    }
    let grant = |keys: &[&str]| {
        let mut p = [(false, false); 12];
        // Everyone who can log in sees the account.
        p[7] = (true, false);
        for k in keys {
            if let Some(i) = PERMISSION_KEYS.iter().position(|x| x == k) {
                p[i] = (true, !read_only);
            }
        }
        p
    };
    if lower.contains("dns") {
        grant(&["dns", "dns_records", "zones"])
    } else if lower.contains("billing") {
        grant(&["billing"])
    } else if lower.contains("firewall") || lower.contains("waf") || lower.contains("bot") {
        grant(&["waf", "analytics"])
    } else if lower.contains("load balancer") {
        grant(&["lb"])
    } else if lower.contains("log") {
        grant(&["logs"])
    } else if lower.contains("cache") {
        grant(&["cache_purge"])
    } else if lower.contains("ssl") {
        grant(&["ssl", "zone_settings", "cache_purge", "zones"])
    } else if lower.contains("analytics") {
        grant(&["analytics"])
    } else if lower.contains("domain administrator") {
        grant(&["dns", "dns_records", "zones", "zone_settings", "ssl", "waf"])
    } else {
        grant(&[])
    }
}

fn role(id: String, name: String) -> Role {
    let description = match name.as_str() {
        "Administrator" => {
            "Can access the full account, except for membership management and billing.".to_string()
        }
        "Administrator Read Only" => "Can access the full account in read-only mode.".to_string(),
        _ => format!("Grants access to {name}."),
    };
    Role {
        id,
        permissions: role_permissions(&name),
        description,
        name,
    }
}

/// Every role, in the API's default order (a fixed catalogue order, not alphabetical).
pub fn roles() -> &'static [Role] {
    static ROLES: OnceLock<Vec<Role>> = OnceLock::new();
    ROLES.get_or_init(|| {
        let mut list: Vec<Role> = NAMED_ROLES
            .iter()
            .map(|n| role(stable_id("role", n), (*n).to_string()))
            .collect();
        list.insert(
            ADMINISTRATOR_POSITION,
            role(ADMINISTRATOR_ROLE_ID.into(), "Administrator".into()),
        );
        list.insert(
            ADMINISTRATOR_POSITION + 1,
            role(
                stable_id("role", "Administrator Read Only"),
                "Administrator Read Only".into(),
            ),
        );
        for region in REGIONS {
            for kind in REGIONAL {
                let name = format!("{region} {kind}");
                list.push(role(stable_id("role", &name), name));
            }
        }
        list
    })
}

pub fn role_by_id(id: &str) -> Option<&'static Role> {
    roles().iter().find(|r| r.id == id)
}

#[derive(Debug, Clone)]
pub struct PermissionGroup {
    pub id: String,
    pub name: String,
    pub label: String,
}

impl PermissionGroup {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "meta": {"key": "label", "value": self.label},
        })
    }
}

/// Member-policy permission groups (`/iam/permission_groups`). The first 30 were the whole
/// catalogue once; the rest push it past one page of 50, so a client that reads one page
/// misses groups such as "Super Administrator - All Privileges".
const PERMISSION_GROUP_NAMES: &[&str] = &[
    "Administrator",
    "Administrator Read Only",
    "Account Settings Read",
    "Account Settings Write",
    "Account Analytics Read",
    "Access: Apps and Policies Read",
    "Access: Apps and Policies Write",
    "Billing Read",
    "Billing Write",
    "Cache Purge",
    "DNS Read",
    "DNS Write",
    "Firewall Services Read",
    "Firewall Services Write",
    "Load Balancers Read",
    "Load Balancers Write",
    "Logs Read",
    "Logs Write",
    "Memberships Read",
    "Memberships Write",
    "SSL and Certificates Read",
    "SSL and Certificates Write",
    "Workers Scripts Read",
    "Workers Scripts Write",
    "Workers R2 Storage Read",
    "Workers R2 Storage Write",
    "Zone Read",
    "Zone Write",
    "Zone Settings Read",
    "Zone Settings Write",
    "Super Administrator - All Privileges",
    "Account API Tokens Read",
    "Account API Tokens Write",
    "Analytics Read",
    "API Gateway Read",
    "API Gateway Write",
    "Audit Logs Read",
    "Bot Management Read",
    "Bot Management Write",
    "Cloudflare Images Read",
    "Cloudflare Images Write",
    "Cloudflare Stream Read",
    "Cloudflare Stream Write",
    "DNS Firewall Read",
    "DNS Firewall Write",
    "Domain Read",
    "Domain Write",
    "Domain DNS Read",
    "Domain DNS Write",
    "Email Routing Read",
    "Email Routing Write",
    "Load Balancing: Monitors and Pools Read",
    "Load Balancing: Monitors and Pools Write",
    "Page Rules Read",
    "Page Rules Write",
    "Trust and Safety Read",
    "Trust and Safety Write",
    "Turnstile Read",
    "Turnstile Write",
    "Workers KV Storage Read",
    "Workers KV Storage Write",
    "Zero Trust Read",
    "Zero Trust Write",
];

/// Names of member-policy groups that administer the whole account (the sandbox reduces
/// authorization inside an account to "member" and "administrator").
pub const ADMIN_PERMISSION_GROUPS: [&str; 2] =
    ["Administrator", "Super Administrator - All Privileges"];

/// Ids the real API uses, from the examples of Cloudflare's OpenAPI document. A group with
/// the same name has the same id in both catalogues, as on the real API.
const KNOWN_PERMISSION_GROUP_IDS: &[(&str, &str)] = &[
    ("Billing Read", "7cf72faf220841aabcfdfab81c43c4f6"),
    (
        "Load Balancing: Monitors and Pools Read",
        "9d24387c6e8544e2bc4024a03991339f",
    ),
    (
        "Load Balancing: Monitors and Pools Write",
        "d2a1802cc9a34e30852f8b33869b2f3c",
    ),
    (
        "Workers KV Storage Read",
        "8b47d2786a534c08a1f94ee8f9f599ef",
    ),
    (
        "Workers KV Storage Write",
        "f7f0eda5697f475c90846e879bab8666",
    ),
    ("Workers Scripts Read", "1a71c399035b4950a1bd1466bbe4f420"),
    ("Workers Scripts Write", "e086da7e2179491d91ee5f35b3ca210a"),
    ("Zone Read", "c8fed203ed3043cba015a93ad1616f1f"),
];

fn permission_group_id(name: &str) -> String {
    KNOWN_PERMISSION_GROUP_IDS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, id)| (*id).to_string())
        .unwrap_or_else(|| stable_id("permission_group", name))
}

/// Every member-policy permission group, in the API's default order.
pub fn permission_groups() -> &'static [PermissionGroup] {
    static GROUPS: OnceLock<Vec<PermissionGroup>> = OnceLock::new();
    GROUPS.get_or_init(|| {
        PERMISSION_GROUP_NAMES
            .iter()
            .map(|n| PermissionGroup {
                id: permission_group_id(n),
                name: (*n).to_string(),
                label: label_of(n),
            })
            .collect()
    })
}

pub fn permission_group_by_id(id: &str) -> Option<&'static PermissionGroup> {
    permission_groups().iter().find(|g| g.id == id)
}

/// Resource scope of a token permission group that applies to the account itself.
pub const SCOPE_ACCOUNT: &str = "com.cloudflare.api.account";
/// Resource scope of a token permission group that applies to the account's zones.
pub const SCOPE_ZONE: &str = "com.cloudflare.api.account.zone";

/// A permission group of account-owned API tokens (`/tokens/permission_groups`).
#[derive(Debug, Clone)]
pub struct TokenPermissionGroup {
    pub id: String,
    pub name: String,
    pub category: &'static str,
    pub scope: &'static str,
}

impl TokenPermissionGroup {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "scopes": [self.scope],
        })
    }
}

/// (name, category, scope): every group the spec names in an account operation's
/// `x-api-token-group`, plus the zone groups a partner typically gives a customer.
const TOKEN_PERMISSION_GROUPS: &[(&str, &str, &str)] = &[
    (
        "Account Settings Read",
        "account_and_billing",
        SCOPE_ACCOUNT,
    ),
    (
        "Account Settings Write",
        "account_and_billing",
        SCOPE_ACCOUNT,
    ),
    (
        "Account API Tokens Read",
        "account_and_billing",
        SCOPE_ACCOUNT,
    ),
    (
        "Account API Tokens Write",
        "account_and_billing",
        SCOPE_ACCOUNT,
    ),
    (
        "Account Analytics Read",
        "analytics_and_logs",
        SCOPE_ACCOUNT,
    ),
    ("Billing Read", "account_and_billing", SCOPE_ACCOUNT),
    ("Billing Write", "account_and_billing", SCOPE_ACCOUNT),
    ("SCIM Provisioning", "account_and_billing", SCOPE_ACCOUNT),
    ("Workers Scripts Read", "developer_platform", SCOPE_ACCOUNT),
    ("Workers Scripts Write", "developer_platform", SCOPE_ACCOUNT),
    (
        "Workers KV Storage Read",
        "developer_platform",
        SCOPE_ACCOUNT,
    ),
    (
        "Workers KV Storage Write",
        "developer_platform",
        SCOPE_ACCOUNT,
    ),
    (
        "Workers R2 Storage Read",
        "developer_platform",
        SCOPE_ACCOUNT,
    ),
    (
        "Workers R2 Storage Write",
        "developer_platform",
        SCOPE_ACCOUNT,
    ),
    ("Workers Tail Read", "developer_platform", SCOPE_ACCOUNT),
    (
        "Load Balancing: Monitors and Pools Read",
        "network_services",
        SCOPE_ACCOUNT,
    ),
    (
        "Load Balancing: Monitors and Pools Write",
        "network_services",
        SCOPE_ACCOUNT,
    ),
    (
        "Load Balancers Account Read",
        "network_services",
        SCOPE_ACCOUNT,
    ),
    (
        "Load Balancers Account Write",
        "network_services",
        SCOPE_ACCOUNT,
    ),
    (
        "Account Firewall Access Rules Read",
        "app_security",
        SCOPE_ACCOUNT,
    ),
    (
        "Account Firewall Access Rules Write",
        "app_security",
        SCOPE_ACCOUNT,
    ),
    ("DDoS Protection Read", "app_security", SCOPE_ACCOUNT),
    ("DDoS Protection Write", "app_security", SCOPE_ACCOUNT),
    ("DDoS Botnet Feed Read", "app_security", SCOPE_ACCOUNT),
    ("DDoS Botnet Feed Write", "app_security", SCOPE_ACCOUNT),
    ("DNS Firewall Read", "dns_and_zones", SCOPE_ACCOUNT),
    ("DNS Firewall Write", "dns_and_zones", SCOPE_ACCOUNT),
    ("DNS View Read", "dns_and_zones", SCOPE_ACCOUNT),
    ("DNS View Write", "dns_and_zones", SCOPE_ACCOUNT),
    ("Trust and Safety Read", "other", SCOPE_ACCOUNT),
    ("Trust and Safety Write", "other", SCOPE_ACCOUNT),
    (
        "Zero Trust: PII Read",
        "cloudflare_one_and_zero_trust",
        SCOPE_ACCOUNT,
    ),
    ("Zone Read", "dns_and_zones", SCOPE_ZONE),
    ("Zone Write", "dns_and_zones", SCOPE_ZONE),
    ("DNS Read", "dns_and_zones", SCOPE_ZONE),
    ("DNS Write", "dns_and_zones", SCOPE_ZONE),
    ("Zone Settings Read", "rules_and_configuration", SCOPE_ZONE),
    ("Zone Settings Write", "rules_and_configuration", SCOPE_ZONE),
    ("Page Rules Read", "rules_and_configuration", SCOPE_ZONE),
    ("Page Rules Write", "rules_and_configuration", SCOPE_ZONE),
    ("SSL and Certificates Read", "app_security", SCOPE_ZONE),
    ("SSL and Certificates Write", "app_security", SCOPE_ZONE),
    ("Firewall Services Read", "app_security", SCOPE_ZONE),
    ("Firewall Services Write", "app_security", SCOPE_ZONE),
    ("Cache Purge", "cache_and_performance", SCOPE_ZONE),
    ("Analytics Read", "analytics_and_logs", SCOPE_ZONE),
    ("Logs Read", "analytics_and_logs", SCOPE_ZONE),
    ("Logs Write", "analytics_and_logs", SCOPE_ZONE),
];

/// Every permission group of account-owned tokens, in the API's default order.
pub fn token_permission_groups() -> &'static [TokenPermissionGroup] {
    static GROUPS: OnceLock<Vec<TokenPermissionGroup>> = OnceLock::new();
    GROUPS.get_or_init(|| {
        TOKEN_PERMISSION_GROUPS
            .iter()
            .map(|(name, category, scope)| TokenPermissionGroup {
                id: permission_group_id(name),
                name: (*name).to_string(),
                category,
                scope,
            })
            .collect()
    })
}

pub fn token_permission_group_by_id(id: &str) -> Option<&'static TokenPermissionGroup> {
    token_permission_groups().iter().find(|g| g.id == id)
}

/// "Access: Apps and Policies Read" -> "access_apps_and_policies_read".
fn label_of(name: &str) -> String {
    let mut out = String::new();
    for word in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_than_100_roles_and_administrator_not_on_first_page() {
        let r = roles();
        assert!(r.len() > 100, "{}", r.len());
        let pos = r
            .iter()
            .position(|r| r.id == ADMINISTRATOR_ROLE_ID)
            .unwrap();
        assert_eq!(r[pos].name, "Administrator");
        assert!(pos >= 50);
        let mut ids: Vec<_> = r.iter().map(|r| r.id.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), r.len(), "role ids are unique");
    }

    #[test]
    fn labels() {
        assert_eq!(
            label_of("Access: Apps and Policies Read"),
            "access_apps_and_policies_read"
        );
        assert!(permission_groups().len() >= 20);
    }

    #[test]
    fn permission_groups_span_two_pages_and_ids_are_unique() {
        let g = permission_groups();
        assert!(g.len() > 50, "{}", g.len());
        for list in [
            g.iter().map(|g| g.id.clone()).collect::<Vec<_>>(),
            token_permission_groups()
                .iter()
                .map(|g| g.id.clone())
                .collect(),
        ] {
            let mut ids = list.clone();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), list.len(), "ids are unique");
            assert!(ids.iter().all(|id| crate::envelope::is_id(id)));
        }
        let token_group = |name: &str| {
            token_permission_groups()
                .iter()
                .find(|g| g.name == name)
                .map(|g| g.id.clone())
        };
        assert_eq!(
            token_group("Zone Read").as_deref(),
            Some("c8fed203ed3043cba015a93ad1616f1f")
        );
        // The same name has the same id in both catalogues.
        let dns = permission_groups()
            .iter()
            .find(|g| g.name == "DNS Read")
            .unwrap();
        assert_eq!(token_group("DNS Read"), Some(dns.id.clone()));
    }
}
