//! The bench's fixed data set, made by the bench itself: a members page of 1,000 members with
//! roles and policies, an accounts page of 1,000 accounts, a single account. Deterministic.

use serde_json::{json, Value};

fn hex(i: usize, salt: u64) -> String {
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt;
    let mut out = String::with_capacity(32);
    for _ in 0..2 {
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        out.push_str(&format!("{x:016x}"));
    }
    out
}

fn grants() -> Value {
    let areas = [
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
    Value::Object(
        areas
            .iter()
            .enumerate()
            .map(|(i, a)| (a.to_string(), json!({"read": true, "write": i % 3 == 0})))
            .collect(),
    )
}

fn envelope(result: Value, count: usize) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "success": true, "errors": [], "messages": [],
        "result_info": {"page": 1, "per_page": count, "count": count, "total_count": count * 3, "total_pages": 3},
        "result": result,
    }))
    .unwrap()
}

/// `accounts.members.list`, one page of 1,000 members: half with roles, half with policies.
pub fn members_page() -> Vec<u8> {
    let members: Vec<Value> = (0..1000)
        .map(|i| {
            let mut m = json!({
                "id": hex(i, 1), "email": format!("member{i}@customer{}.example", i % 97),
                "status": if i % 5 == 0 { "pending" } else { "accepted" },
                "user": {"id": hex(i, 2), "email": format!("member{i}@customer{}.example", i % 97),
                         "first_name": format!("First{i}"), "last_name": null,
                         "two_factor_authentication_enabled": i % 2 == 0},
            });
            if i % 2 == 0 {
                m["roles"] = json!([
                    {"id": "05784afa30c1afe1440e79d9351c7430", "name": "Administrator",
                     "description": "Can access the full account, except for membership management.", "permissions": grants()},
                    {"id": hex(i % 7, 3), "name": "DNS", "description": "Can edit DNS records.", "permissions": grants()}
                ]);
            } else {
                m["policies"] = json!([{
                    "id": hex(i, 4), "access": if i % 3 == 0 { "deny" } else { "allow" },
                    "permission_groups": [
                        {"id": hex(i % 11, 5), "name": "Load Balancer", "meta": {"label": "load_balancer_admin", "scopes": "com.cloudflare.api.account"}},
                        {"id": hex(i % 13, 6), "name": "DNS Read", "meta": {"label": "dns_read", "scopes": "com.cloudflare.api.account.zone"}}
                    ],
                    "resource_groups": [{
                        "id": hex(i % 17, 7), "name": format!("com.cloudflare.api.account.{}", hex(0, 8)),
                        "meta": {"editable": "false"},
                        "scope": {"key": format!("com.cloudflare.api.account.{}", hex(0, 8)),
                                  "objects": [{"key": "*"}]}
                    }]
                }]);
            }
            m
        })
        .collect();
    envelope(Value::Array(members), 1000)
}

fn account(i: usize) -> Value {
    json!({
        "id": hex(i, 9), "name": format!("Customer {i:05} Holdings"), "type": if i % 10 == 0 { "enterprise" } else { "standard" },
        "created_on": format!("2026-{:02}-{:02}T{:02}:14:22.318507Z", 1 + i % 12, 1 + i % 28, i % 24),
        "managed_by": {"parent_org_id": hex(0, 10), "parent_org_name": "Example Partner"},
        "settings": {"enforce_twofactor": i % 4 == 0, "abuse_contact_email": format!("abuse@customer{i}.example"),
                     "default_nameservers": "cloudflare.standard"},
        "legacy_flags": {"enterprise_zone_quota": {"maximum": 0, "current": 0, "available": 0}}
    })
}

/// `accounts.list`, one page of 1,000 accounts.
pub fn accounts_page() -> Vec<u8> {
    envelope(Value::Array((0..1000).map(account).collect()), 1000)
}

/// `accounts.get`.
pub fn single_account() -> Vec<u8> {
    serde_json::to_vec(
        &json!({"success": true, "errors": [], "messages": [], "result": account(42)}),
    )
    .unwrap()
}
