//! Account-owned API tokens: the routes, their refusals, and a token as a credential (scoped
//! to its account and its policies, its own rate-limit bucket, dead after roll or delete).

mod common;

use common::*;
use serde_json::{json, Value};

const ALL_TOKEN_GROUPS: [&str; 3] = [
    "Account Settings Write",
    "Account API Tokens Write",
    "DNS Write",
];

fn group_id(c: &Client, account: &str, name: &str) -> String {
    let r = c.get(&format!(
        "/accounts/{account}/tokens/permission_groups?name={}",
        name.replace(' ', "%20")
    ));
    assert_eq!(r.status, 200, "{}", r.body);
    r.result()[0]["id"].as_str().unwrap().to_string()
}

#[test]
fn permission_group_catalogue() {
    let sb = Sandbox::start(&[]);
    let admin = sb.admin();
    let acct = create_account(&admin, "Catalogue Co");
    let r = admin.get(&format!("/accounts/{acct}/tokens/permission_groups"));
    assert_eq!(r.status, 200, "{}", r.body);
    let groups = r.result();
    let groups = groups.as_array().unwrap();
    for name in [
        "Account Settings Read",
        "Account Settings Write",
        "Account API Tokens Read",
        "Account API Tokens Write",
        "DNS Read",
        "DNS Write",
        "Zone Read",
        "Zone Write",
        "Workers Scripts Write",
        "Billing Read",
    ] {
        let g = groups
            .iter()
            .find(|g| g["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert!(is_hex32(g["id"].as_str().unwrap()));
        assert!(g["scopes"][0]
            .as_str()
            .unwrap()
            .starts_with("com.cloudflare.api.account"));
        assert!(g["category"].is_string());
    }
    // Ids from the examples of the spec.
    let id_of = |n: &str| groups.iter().find(|g| g["name"] == n).unwrap()["id"].clone();
    assert_eq!(
        id_of("Workers Scripts Write"),
        "e086da7e2179491d91ee5f35b3ca210a"
    );
    assert_eq!(id_of("Billing Read"), "7cf72faf220841aabcfdfab81c43c4f6");
    // Filters.
    let zone = admin.get(&format!(
        "/accounts/{acct}/tokens/permission_groups?scope=com.cloudflare.api.account.zone"
    ));
    let zone = zone.result();
    assert!(zone
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["name"] == "DNS Write"));
    assert!(zone
        .as_array()
        .unwrap()
        .iter()
        .all(|g| g["scopes"] == json!(["com.cloudflare.api.account.zone"])));
    let one = admin.get(&format!(
        "/accounts/{acct}/tokens/permission_groups?name=Account%20API%20Tokens%20Write"
    ));
    assert_eq!(one.result().as_array().unwrap().len(), 1);
    // Not for a plain user of someone else's account.
    assert_error(
        &sb.plain()
            .get(&format!("/accounts/{acct}/tokens/permission_groups")),
        403,
        9109,
    );
}

#[test]
fn create_get_list_update_delete() {
    let sb = Sandbox::start(&[]);
    let admin = sb.admin();
    let acct = create_account(&admin, "Token Co");
    let dns_write = group_id(&admin, &acct, "DNS Write");
    let settings_read = group_id(&admin, &acct, "Account Settings Read");
    let path = format!("/accounts/{acct}/tokens");
    let resources = json!({format!("com.cloudflare.api.account.{acct}"): "*"});

    let r = admin.post(
        &path,
        &json!({
            "name": "customer dns",
            "policies": [
                {"effect": "allow", "permission_groups": [{"id": dns_write}, {"id": settings_read}], "resources": resources},
            ],
            "expires_on": "2099-01-01T00:00:00Z",
            "condition": {"request_ip": {"in": ["192.0.2.0/24"], "not_in": ["192.0.2.1"]}},
        }),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let created = r.result();
    let id = created["id"].as_str().unwrap().to_string();
    assert!(is_hex32(&id));
    let value = created["value"].as_str().unwrap();
    assert!((40..=80).contains(&value.len()), "{value}");
    assert_eq!(created["status"], "active");
    assert_eq!(created["expires_on"], "2099-01-01T00:00:00Z");
    assert_eq!(created["policies"][0]["effect"], "allow");
    assert!(is_hex32(created["policies"][0]["id"].as_str().unwrap()));
    assert_eq!(
        created["policies"][0]["permission_groups"][0]["name"],
        "DNS Write"
    );
    assert_eq!(created["policies"][0]["resources"], resources);
    assert_eq!(created["condition"]["request_ip"]["in"][0], "192.0.2.0/24");

    // Get and list never show the value; nor does the state.
    let got = admin.get(&format!("{path}/{id}"));
    assert_eq!(got.status, 200, "{}", got.body);
    assert!(got.result().get("value").is_none());
    assert_eq!(got.result()["name"], "customer dns");
    let list = admin.get(&path);
    assert_eq!(list.status, 200);
    assert_eq!(list.result().as_array().unwrap().len(), 1);
    assert!(list.result()[0].get("value").is_none());
    assert!(!list.body.contains(value));
    assert!(!sb.state().to_string().contains(value));
    assert_eq!(sb.state()["tokens"][0]["id"], id.as_str());

    // An expired token shows only with include_expired.
    let expired = admin.post(
        &path,
        &json!({"name": "old", "expires_on": "2020-01-01T00:00:00Z", "policies": [
            {"effect": "allow", "permission_groups": [{"id": dns_write}], "resources": resources}]}),
    );
    assert_eq!(expired.status, 200, "{}", expired.body);
    assert_eq!(expired.result()["status"], "expired");
    assert_eq!(admin.get(&path).result().as_array().unwrap().len(), 1);
    let all = admin.get(&format!("{path}?include_expired=true&direction=desc"));
    assert_eq!(all.result().as_array().unwrap().len(), 2);
    assert_eq!(all.result()[0]["name"], "old");
    assert_error(&admin.get(&format!("{path}?per_page=51")), 400, 1104);

    // Update replaces; status can disable.
    let upd = admin.put(
        &format!("{path}/{id}"),
        &json!({"name": "renamed", "status": "disabled", "policies": [
            {"effect": "deny", "permission_groups": [{"id": dns_write}], "resources": resources}]}),
    );
    assert_eq!(upd.status, 200, "{}", upd.body);
    assert_eq!(upd.result()["name"], "renamed");
    assert_eq!(upd.result()["status"], "disabled");
    assert_eq!(upd.result()["policies"][0]["effect"], "deny");
    assert!(upd.result().get("expires_on").is_none());
    assert!(upd.result().get("value").is_none());
    assert_error(
        &admin.put(
            &format!("{path}/{id}"),
            &json!({"name": "x", "status": "expired", "policies": [
                {"effect": "allow", "permission_groups": [{"id": dns_write}], "resources": resources}]}),
        ),
        400,
        1100,
    );

    // Delete; then it is gone.
    let del = admin.delete(&format!("{path}/{id}"), None);
    assert_eq!(del.status, 200, "{}", del.body);
    assert_eq!(del.result(), json!({"id": id}));
    assert_error(&admin.get(&format!("{path}/{id}")), 404, 1010);
    assert_error(&admin.delete(&format!("{path}/{id}"), None), 404, 1010);
    assert_error(&admin.get(&format!("{path}/not-an-id")), 400, 7003);
}

#[test]
fn create_validates() {
    let sb = Sandbox::start(&[]);
    let admin = sb.admin();
    let acct = create_account(&admin, "Strict Co");
    let other = create_account(&admin, "Other Co");
    let dns = group_id(&admin, &acct, "DNS Read");
    let path = format!("/accounts/{acct}/tokens");
    let own = format!("com.cloudflare.api.account.{acct}");
    let policy = |effect: &str, groups: Value, resources: Value| json!([{"effect": effect, "permission_groups": groups, "resources": resources}]);
    let good = policy("allow", json!([{"id": dns}]), json!({&own: "*"}));
    let cases = [
        (json!({"policies": good}), 1100, "no name"),
        (json!({"name": "  ", "policies": good}), 1100, "blank name"),
        (
            json!({"name": "x".repeat(121), "policies": good}),
            1100,
            "long name",
        ),
        (json!({"name": "t"}), 1100, "no policies"),
        (json!({"name": "t", "policies": []}), 1100, "empty policies"),
        (
            json!({"name": "t", "policies": policy("maybe", json!([{"id": dns}]), json!({&own: "*"}))}),
            1100,
            "effect",
        ),
        (
            json!({"name": "t", "policies": policy("allow", json!([]), json!({&own: "*"}))}),
            1100,
            "no groups",
        ),
        (
            json!({"name": "t", "policies": policy("allow", json!([dns]), json!({&own: "*"}))}),
            1100,
            "group as string",
        ),
        (
            json!({"name": "t", "policies": policy("allow", json!([{"id": "0123456789abcdef0123456789abcdef"}]), json!({&own: "*"}))}),
            1105,
            "unknown group",
        ),
        (
            json!({"name": "t", "policies": policy("allow", json!([{"id": dns}]), json!({}))}),
            1100,
            "no resources",
        ),
        (
            json!({"name": "t", "policies": policy("allow", json!([{"id": dns}]), json!(["*"]))}),
            1100,
            "resources not an object",
        ),
        (
            json!({"name": "t", "policies": policy("allow", json!([{"id": dns}]), json!({format!("com.cloudflare.api.account.{other}"): "*"}))}),
            1105,
            "another account",
        ),
        (
            json!({"name": "t", "policies": policy("allow", json!([{"id": dns}]), json!({"com.cloudflare.api.account.*": "*"}))}),
            1105,
            "every account",
        ),
        (
            json!({"name": "t", "policies": policy("allow", json!([{"id": dns}]), json!({&own: "read"}))}),
            1100,
            "value not *",
        ),
        (
            json!({"name": "t", "policies": policy("allow", json!([{"id": dns}]), json!({&own: {"com.cloudflare.api.user.x": "*"}}))}),
            1105,
            "nested non-zone",
        ),
        (
            json!({"name": "t", "policies": good, "expires_on": "tomorrow"}),
            1100,
            "bad date",
        ),
        (
            json!({"name": "t", "policies": good, "not_before": "2030-01-01T00:00:00Z", "expires_on": "2029-01-01T00:00:00Z"}),
            1100,
            "window",
        ),
        (
            json!({"name": "t", "policies": good, "condition": {"request_ip": {"in": ["not an ip"]}}}),
            1100,
            "condition",
        ),
    ];
    for (body, code, why) in cases {
        let r = admin.post(&path, &body);
        assert_eq!(r.status, 400, "{why}: {}", r.body);
        assert_eq!(r.code(), code, "{why}: {}", r.body);
    }
    assert_error(&admin.call("POST", &path, Some("[]".into())), 400, 6007);
    // The nested form scoping the account's zones is the spec's second shape.
    let nested = admin.post(
        &path,
        &json!({"name": "zones", "policies": policy("allow", json!([{"id": dns}]), json!({&own: {"com.cloudflare.api.account.zone.*": "*"}}))}),
    );
    assert_eq!(nested.status, 200, "{}", nested.body);
    assert_eq!(
        nested.result()["policies"][0]["resources"][&own]["com.cloudflare.api.account.zone.*"],
        "*"
    );
    assert!(sb.state()["tokens"].as_array().unwrap().len() == 1);
}

#[test]
fn who_may_manage_tokens() {
    let sb = Sandbox::start(&[]);
    let admin = sb.admin();
    let plain = sb.plain();
    let acct = create_account(&admin, "Managed Co");
    // A plain user is no member: 403.
    let r = plain.post(
        &format!("/accounts/{acct}/tokens"),
        &json!({"name": "x", "policies": []}),
    );
    assert_error(&r, 403, 9109);
    assert_error(&plain.get(&format!("/accounts/{acct}/tokens")), 403, 9109);
    // The plain user administers its own account (Administrator role): allowed there.
    let own = plain.get("/accounts").result()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    create_token(&plain, &own, "mine", &["DNS Read"]);

    // A member invited with the Super Administrator policy may create tokens once accepted;
    // a member with a read-only policy may not.
    let svc_key = |email: &str| {
        let r = admin.post("/users", &json!({"email": email}));
        assert_eq!(r.status, 200, "{}", r.body);
        sb.client(Auth::ServiceKey(
            r.result()["api_key"].as_str().unwrap().to_string(),
        ))
    };
    let pg = |name: &str| {
        admin
            .get(&format!(
                "/accounts/{acct}/iam/permission_groups?name={}",
                name.replace(' ', "%20")
            ))
            .result()[0]["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let rg = admin
        .get(&format!(
            "/accounts/{acct}/iam/resource_groups?name=com.cloudflare.api.account.{acct}"
        ))
        .result()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let invite = |email: &str, group: &str| {
        let r = admin.post(
            &format!("/accounts/{acct}/members"),
            &json!({"email": email, "policies": [{"access": "allow", "permission_groups": [{"id": pg(group)}], "resource_groups": [{"id": rg}]}]}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    };
    let superadmin = svc_key("super@customer.example");
    let reader = svc_key("reader@customer.example");
    invite(
        "super@customer.example",
        "Super Administrator - All Privileges",
    );
    invite("reader@customer.example", "Account Settings Read");
    for c in [&superadmin, &reader] {
        let inv = c.get("/user/invites").result()[0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = c.patch(
            &format!("/user/invites/{inv}"),
            &json!({"status": "accepted"}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
    create_token(&superadmin, &acct, "by super", &["DNS Read"]);
    assert_error(
        &reader.post(
            &format!("/accounts/{acct}/tokens"),
            &json!({"name": "x", "policies": []}),
        ),
        403,
        9109,
    );
    assert_eq!(reader.get(&format!("/accounts/{acct}")).status, 200);
}

#[test]
fn a_token_is_a_credential_for_its_account_only() {
    let sb = Sandbox::start(&[]);
    let admin = sb.admin();
    let acct = create_account(&admin, "Customer A");
    let other = create_account(&admin, "Customer B");
    let (id, value) = create_token(&admin, &acct, "customer a", &ALL_TOKEN_GROUPS);
    let token = sb.client(Auth::Bearer(value.clone()));

    // Its own account: read and, with Account Settings Write, update.
    let r = token.get(&format!("/accounts/{acct}"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.result()["name"], "Customer A");
    let r = token.put(
        &format!("/accounts/{acct}"),
        &json!({"name": "Customer A2"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(token.get(&format!("/accounts/{acct}/members")).status, 200);
    assert_eq!(
        token.get(&format!("/accounts/{acct}/tokens/{id}")).status,
        200
    );
    // GET /accounts: only its account, and `page` is ignored (the real API's quirk).
    let list = token.get("/accounts?page=3&per_page=5");
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.result().as_array().unwrap().len(), 1);
    assert_eq!(list.result()[0]["id"], acct.as_str());
    assert_eq!(list.json()["result_info"]["page"], 1);

    // Verify.
    let v = token.get(&format!("/accounts/{acct}/tokens/verify"));
    assert_eq!(v.status, 200, "{}", v.body);
    assert_eq!(v.result(), json!({"id": id, "status": "active"}));
    assert_error(
        &admin.get(&format!("/accounts/{acct}/tokens/verify")),
        403,
        9109,
    );
    assert_error(
        &token.get(&format!("/accounts/{other}/tokens/verify")),
        403,
        9109,
    );

    // Another account, user-level routes, tenant routes: 403, 9109.
    for path in [
        format!("/accounts/{other}"),
        format!("/accounts/{other}/members"),
        format!("/accounts/{other}/tokens"),
        "/user".to_string(),
        "/memberships".to_string(),
        "/user/invites".to_string(),
        "/user/tenants".to_string(),
    ] {
        assert_error(&token.get(&path), 403, 9109);
    }
    assert_error(&token.post("/accounts", &json!({"name": "x"})), 403, 9109);
    // Deleting an account needs a tenant administrator.
    assert_error(&token.delete(&format!("/accounts/{acct}"), None), 403, 1002);

    // Policies decide: a DNS-only token cannot read the members.
    let (_, dns_only) = create_token(&admin, &acct, "dns only", &["DNS Write"]);
    let dns = sb.client(Auth::Bearer(dns_only));
    assert_error(&dns.get(&format!("/accounts/{acct}")), 403, 9109);
    assert_error(&dns.get(&format!("/accounts/{acct}/members")), 403, 9109);
    assert_eq!(
        dns.get(&format!("/accounts/{acct}/tokens/verify")).status,
        200
    );

    // A token with Account API Tokens Write can make and roll tokens, itself included.
    let (_, child) = create_token(&token, &acct, "child", &["Account Settings Read"]);
    assert_eq!(
        sb.client(Auth::Bearer(child))
            .get(&format!("/accounts/{acct}"))
            .status,
        200
    );
    assert!(!sb.requests().to_string().contains(&value));
    let state = sb.state();
    let t = state["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap();
    assert!(t["last_used_on"].is_string());
}

#[test]
fn roll_and_delete_end_a_value() {
    let sb = Sandbox::start(&[]);
    let admin = sb.admin();
    let acct = create_account(&admin, "Rolling Co");
    let (id, old) = create_token(&admin, &acct, "roller", &["Account Settings Read"]);
    let old_client = sb.client(Auth::Bearer(old.clone()));
    assert_eq!(old_client.get(&format!("/accounts/{acct}")).status, 200);

    let r = admin.put(&format!("/accounts/{acct}/tokens/{id}/value"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.body);
    let new = r.result().as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert!((40..=80).contains(&new.len()));
    assert_error(&old_client.get(&format!("/accounts/{acct}")), 403, 9109);
    let new_client = sb.client(Auth::Bearer(new.clone()));
    assert_eq!(new_client.get(&format!("/accounts/{acct}")).status, 200);
    // Same token, same id, after the roll.
    let v = new_client.get(&format!("/accounts/{acct}/tokens/verify"));
    assert_eq!(v.status, 200, "{}", v.body);
    assert_eq!(v.result()["id"], id.as_str());
    // An empty body is tolerated; an unknown token is 404.
    let again = admin.call("PUT", &format!("/accounts/{acct}/tokens/{id}/value"), None);
    assert_eq!(again.status, 200, "{}", again.body);
    assert_error(&new_client.get(&format!("/accounts/{acct}")), 403, 9109);
    let newest = sb.client(Auth::Bearer(again.result().as_str().unwrap().into()));
    assert_error(
        &admin.put(
            &format!("/accounts/{acct}/tokens/0123456789abcdef0123456789abcdef/value"),
            &json!({}),
        ),
        404,
        1010,
    );

    // Disabled: refused; enabled again: accepted.
    let rg = format!("com.cloudflare.api.account.{acct}");
    let policies = admin.get(&format!("/accounts/{acct}/tokens/{id}")).result()["policies"].clone();
    let set = |status: &str| {
        let r = admin.put(
            &format!("/accounts/{acct}/tokens/{id}"),
            &json!({"name": "roller", "status": status, "policies": policies}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.result()["policies"][0]["resources"][&rg], "*");
    };
    set("disabled");
    assert_error(&newest.get(&format!("/accounts/{acct}")), 403, 9109);
    set("active");
    assert_eq!(newest.get(&format!("/accounts/{acct}")).status, 200);

    // Deleted: refused at once.
    let del = admin.delete(&format!("/accounts/{acct}/tokens/{id}"), Some(&json!({})));
    assert_eq!(del.status, 200, "{}", del.body);
    assert_error(&newest.get(&format!("/accounts/{acct}")), 403, 9109);
    assert_error(
        &newest.get(&format!("/accounts/{acct}/tokens/verify")),
        403,
        9109,
    );

    // Deleting the account takes its tokens along.
    let (_, survivor) = create_token(&admin, &acct, "survivor", &["Account Settings Read"]);
    assert_eq!(admin.delete(&format!("/accounts/{acct}"), None).status, 200);
    assert_error(
        &sb.client(Auth::Bearer(survivor)).get("/accounts"),
        403,
        9109,
    );
    assert_eq!(sb.state()["tokens"], json!([]));
}

#[test]
fn a_token_has_its_own_rate_limit_bucket() {
    let sb = Sandbox::start(&["--rate-limit", "3", "--rate-window", "60"]);
    // Set up through the admin's e-mail + key (a bucket of its own), so the admin's bearer
    // token starts with a full budget.
    let setup = sb.client(Auth::EmailKey(ADMIN_EMAIL.into(), ADMIN_GLOBAL_KEY.into()));
    let acct = create_account(&setup, "Paced Co");
    let (id, value) = create_token(&setup, &acct, "paced", &ALL_TOKEN_GROUPS);
    let token = sb.client(Auth::Bearer(value));
    for i in 0..3 {
        assert_eq!(
            token.get(&format!("/accounts/{acct}")).status,
            200,
            "request {i}"
        );
    }
    let r = token.get(&format!("/accounts/{acct}"));
    assert_error(&r, 429, 10013);
    assert!(r.header("retry-after").is_some());
    // The admin's bucket is untouched by the token's requests.
    let admin = sb.admin();
    assert_eq!(admin.get("/user").status, 200);
    assert_eq!(admin.get(&format!("/accounts/{acct}")).status, 200);
    // The bucket belongs to the token, not to its value: rolling does not refill it.
    let rolled = admin.put(&format!("/accounts/{acct}/tokens/{id}/value"), &json!({}));
    assert_eq!(rolled.status, 200, "{}", rolled.body);
    let fresh = sb.client(Auth::Bearer(rolled.result().as_str().unwrap().into()));
    assert_error(&fresh.get(&format!("/accounts/{acct}")), 429, 10013);
    // The admin's fourth request is its first refusal.
    assert_error(&admin.get("/user"), 429, 10013);
    assert_eq!(sb.state()["counters"]["rate_limited"], 3);
}

#[test]
fn a_token_on_the_plain_users_account() {
    // A token of an account outside the tenant works the same way.
    let sb = Sandbox::start(&[]);
    let plain = sb.plain();
    let own = plain.get("/accounts").result()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, value) = create_token(&plain, &own, "plain's", &["Account Settings Read"]);
    let token = sb.client(Auth::Bearer(value));
    let r = token.get(&format!("/accounts/{own}"));
    assert_eq!(r.status, 200, "{}", r.body);
    let tenant_acct = create_account(&sb.admin(), "Not yours");
    assert_error(&token.get(&format!("/accounts/{tenant_acct}")), 403, 9109);
}
