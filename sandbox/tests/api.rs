//! Every route of the sandbox and every refusal it is meant to give, over real HTTP.

mod common;

use common::*;
use serde_json::{json, Value};

#[test]
fn startup_auth_and_routing() {
    let sb = Sandbox::start(&[]);
    let admin = sb.admin();

    // Three credential forms, one user.
    let by_token = admin.get("/user");
    assert_eq!(by_token.status, 200, "{}", by_token.body);
    let id = by_token.result()["id"].clone();
    assert_eq!(by_token.result()["email"], ADMIN_EMAIL);
    let by_key = sb
        .client(Auth::EmailKey(ADMIN_EMAIL.into(), ADMIN_GLOBAL_KEY.into()))
        .get("/user");
    assert_eq!(by_key.status, 200);
    assert_eq!(by_key.result()["id"], id);
    let by_service = sb
        .client(Auth::ServiceKey(ADMIN_SERVICE_KEY.into()))
        .get("/user");
    assert_eq!(by_service.status, 200);
    assert_eq!(by_service.result()["id"], id);

    // Every response carries a cf-ray header shaped like Cloudflare's.
    let ray = by_token.header("cf-ray").expect("cf-ray");
    let (hex, colo) = ray.split_once('-').unwrap();
    assert_eq!(hex.len(), 16);
    assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(colo, "SJC");

    // Missing credentials: 401 / 10000.
    let none = sb.client(Auth::None);
    let r = none.get("/accounts");
    assert_error(&r, 401, 10000);
    assert!(r.json()["result"].is_null());
    assert!(r.header("cf-ray").is_some());
    // An incomplete e-mail + key pair counts as missing.
    let half = sb.client(Auth::EmailKey(ADMIN_EMAIL.into(), String::new()));
    assert_error(&half.get("/user"), 401, 10000);

    // Unknown credentials: 403 / 9109, whatever the form.
    assert_error(
        &sb.client(Auth::Bearer("nope".into())).get("/user"),
        403,
        9109,
    );
    assert_error(
        &sb.client(Auth::EmailKey(ADMIN_EMAIL.into(), "wrong".into()))
            .get("/user"),
        403,
        9109,
    );
    assert_error(
        &sb.client(Auth::ServiceKey("wrong".into())).get("/user"),
        403,
        9109,
    );

    // Unknown routes and methods.
    assert_error(&admin.get("/no/such/thing"), 404, 7003);
    assert_error(&admin.patch("/accounts", &json!({})), 405, 7001);
    let outside = admin
        .raw("GET", &format!("{}/v4/accounts", sb.base), None)
        .unwrap();
    assert_eq!(outside.status, 404);
    assert!(outside.header("cf-ray").is_some());
}

#[test]
fn accounts_lifecycle() {
    let sb = Sandbox::start(&[]);
    let admin = sb.admin();
    let (tenant, units) = tenant_and_units(&admin);
    assert!(is_hex32(&tenant));
    assert_eq!(units.len(), 2);
    assert!(units.iter().all(|u| is_hex32(u)));

    let r = admin.post(
        "/accounts",
        &json!({
            "name": "Zeta Corp",
            "type": "enterprise",
            "unit": {"id": units[1]},
            "business_name": "Zeta Corporation",
            "business_address": "1 Zeta Road",
            "business_email": "ops@zeta.example",
            "business_phone": "+1 555 0101",
            "external_metadata": "crm:42",
        }),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let zeta = r.result();
    let zeta_id = zeta["id"].as_str().unwrap().to_string();
    assert!(is_hex32(&zeta_id));
    assert_eq!(zeta["name"], "Zeta Corp");
    assert_eq!(zeta["type"], "enterprise");
    assert_eq!(zeta["managed_by"]["parent_org_id"], tenant.as_str());
    assert_eq!(zeta["managed_by"]["parent_org_name"], "Sandbox Tenant");
    assert_eq!(zeta["settings"]["enforce_twofactor"], false);
    assert!(zeta["created_on"].as_str().unwrap().ends_with('Z'));

    let alpha_id = create_account(&admin, "alpha shop");
    let mid_id = create_account(&admin, "Mid Market");

    // KYC fields and the unit reach the state.
    let state = sb.state();
    let stored = state["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == zeta_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(stored["unit"], units[1].as_str());
    assert_eq!(stored["business_name"], "Zeta Corporation");
    assert_eq!(stored["external_metadata"], "crm:42");
    // Default unit is the tenant's first; default type standard.
    let alpha = state["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == alpha_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(alpha["unit"], units[0].as_str());
    assert_eq!(alpha["type"], "standard");

    // The creator is an accepted Administrator member.
    let members = admin.get(&format!("/accounts/{zeta_id}/members"));
    assert_eq!(members.status, 200);
    let m = &members.result()[0];
    assert_eq!(m["status"], "accepted");
    assert_eq!(m["email"], ADMIN_EMAIL);
    assert_eq!(m["roles"][0]["id"], ADMINISTRATOR_ROLE);

    // List: sorted by name (case-insensitive), both directions, name filter, paginated.
    let names = |r: &Resp| -> Vec<String> {
        r.result()
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_string())
            .collect()
    };
    let asc = admin.get("/accounts");
    assert_eq!(asc.status, 200);
    assert_eq!(names(&asc), ["alpha shop", "Mid Market", "Zeta Corp"]);
    let info = &asc.json()["result_info"];
    assert_eq!(info["page"], 1);
    assert_eq!(info["per_page"], 20);
    assert_eq!(info["count"], 3);
    assert_eq!(info["total_count"], 3);
    assert_eq!(info["total_pages"], 1);
    let desc = admin.get("/accounts?direction=desc");
    assert_eq!(names(&desc), ["Zeta Corp", "Mid Market", "alpha shop"]);
    assert_eq!(names(&admin.get("/accounts?name=MARKET")), ["Mid Market"]);
    for i in 0..4 {
        create_account(&admin, &format!("page filler {i}"));
    }
    let p2 = admin.get("/accounts?per_page=5&page=2");
    assert_eq!(p2.status, 200);
    let info = &p2.json()["result_info"];
    assert_eq!(
        (info["count"].as_u64(), info["total_count"].as_u64()),
        (Some(2), Some(7))
    );
    assert_eq!(info["total_pages"], 2);
    let p9 = admin.get("/accounts?per_page=5&page=9");
    assert_eq!(p9.result(), json!([]));

    // Get and update.
    let got = admin.get(&format!("/accounts/{mid_id}"));
    assert_eq!(got.status, 200);
    assert_eq!(got.result()["name"], "Mid Market");
    let upd = admin.put(
        &format!("/accounts/{mid_id}"),
        &json!({"name": "Mid Market 2", "settings": {"enforce_twofactor": true, "abuse_contact_email": "abuse@mid.example"}}),
    );
    assert_eq!(upd.status, 200, "{}", upd.body);
    assert_eq!(upd.result()["name"], "Mid Market 2");
    assert_eq!(upd.result()["settings"]["enforce_twofactor"], true);
    assert_eq!(
        upd.result()["settings"]["abuse_contact_email"],
        "abuse@mid.example"
    );
    let again = admin.get(&format!("/accounts/{mid_id}"));
    assert_eq!(again.result()["settings"]["enforce_twofactor"], true);
    assert_error(
        &admin.put(&format!("/accounts/{mid_id}"), &json!({"settings": {}})),
        400,
        1100,
    );
    assert_error(
        &admin.put(
            &format!("/accounts/{mid_id}"),
            &json!({"name": "x", "settings": {"enforce_twofactor": "yes"}}),
        ),
        400,
        1100,
    );

    // Delete: result {id}; the account, its members and memberships are gone.
    let del = admin.delete(&format!("/accounts/{mid_id}"), None);
    assert_eq!(del.status, 200, "{}", del.body);
    assert_eq!(del.result(), json!({"id": mid_id}));
    assert_error(&admin.get(&format!("/accounts/{mid_id}")), 404, 1003);
    let state = sb.state();
    assert!(!state["members"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["account_id"] == mid_id.as_str()));
    let ms = admin.get("/memberships?per_page=50");
    assert!(!ms
        .result()
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["account"]["id"] == mid_id.as_str()));
}

#[test]
fn account_refusals() {
    let sb = Sandbox::start(&[]);
    let admin = sb.admin();
    let plain = sb.plain();
    let acct = create_account(&admin, "Refusals");

    // The plain user may neither create nor delete accounts.
    assert_error(
        &plain.post("/accounts", &json!({"name": "Mine"})),
        403,
        1002,
    );
    assert_error(&plain.delete(&format!("/accounts/{acct}"), None), 403, 1002);
    let own = plain.get("/accounts");
    assert_eq!(own.status, 200);
    let own_list = own.result();
    assert_eq!(own_list.as_array().unwrap().len(), 1);
    let own_id = own_list[0]["id"].as_str().unwrap().to_string();
    assert_error(
        &plain.delete(&format!("/accounts/{own_id}"), None),
        403,
        1002,
    );
    // Nobody sees the other's account.
    assert_error(&plain.get(&format!("/accounts/{acct}")), 403, 9109);
    assert_error(&admin.get(&format!("/accounts/{own_id}")), 403, 9109);
    assert_error(
        &plain.put(&format!("/accounts/{acct}"), &json!({"name": "x"})),
        403,
        9109,
    );

    // Validation of the create body.
    assert_error(&admin.post("/accounts", &json!({})), 400, 1100);
    assert_error(&admin.post("/accounts", &json!({"name": ""})), 400, 1100);
    assert_error(
        &admin.post("/accounts", &json!({"name": "n".repeat(101)})),
        400,
        1100,
    );
    assert_eq!(
        admin
            .post("/accounts", &json!({"name": "n".repeat(100)}))
            .status,
        200
    );
    assert_error(
        &admin.post("/accounts", &json!({"name": "a", "type": "premium"})),
        400,
        1100,
    );
    for field in [
        "business_name",
        "business_address",
        "business_email",
        "business_phone",
        "external_metadata",
    ] {
        let mut body = json!({"name": "kyc"});
        body[field] = json!("k".repeat(121));
        assert_error(&admin.post("/accounts", &body), 400, 1100);
        body[field] = json!("k".repeat(120));
        assert_eq!(admin.post("/accounts", &body).status, 200, "{field}");
    }
    assert_error(
        &admin.post(
            "/accounts",
            &json!({"name": "a", "unit": {"id": "0123456789abcdef0123456789abcdef"}}),
        ),
        400,
        1101,
    );
    assert_error(
        &admin.post("/accounts", &json!({"name": "a", "unit": "x"})),
        400,
        1100,
    );
    let bad_json = admin.call("POST", "/accounts", Some("{not json".into()));
    assert_error(&bad_json, 400, 6007);
    assert_error(&admin.call("POST", "/accounts", None), 400, 6007);

    // Pagination and ordering parameters.
    assert_error(&admin.get("/accounts?per_page=4"), 400, 1104);
    assert_error(&admin.get("/accounts?per_page=51"), 400, 1104);
    assert_error(&admin.get("/accounts?per_page=ten"), 400, 1104);
    assert_error(&admin.get("/accounts?page=0"), 400, 1104);
    assert_error(&admin.get("/accounts?direction=up"), 400, 1104);
    assert_eq!(admin.get("/accounts?per_page=5").status, 200);
    assert_eq!(admin.get("/accounts?per_page=50").status, 200);

    // Ids: malformed -> 400 / 7003, unknown -> 404 / 1003.
    assert_error(&admin.get("/accounts/not-an-id"), 400, 7003);
    assert_error(
        &admin.get("/accounts/0123456789ABCDEF0123456789ABCDEF"),
        400,
        7003,
    );
    let unknown = "0123456789abcdef0123456789abcdef";
    assert_error(&admin.get(&format!("/accounts/{unknown}")), 404, 1003);
    assert_error(
        &admin.put(&format!("/accounts/{unknown}"), &json!({"name": "x"})),
        404,
        1003,
    );
    assert_error(
        &admin.delete(&format!("/accounts/{unknown}"), None),
        404,
        1003,
    );
    assert_error(
        &admin.get(&format!("/accounts/{unknown}/members")),
        404,
        1003,
    );
    assert_error(&admin.get(&format!("/accounts/{unknown}/roles")), 404, 1003);
}

#[test]
fn members() {
    let sb = Sandbox::start(&[]);
    let admin = sb.admin();
    let acct = create_account(&admin, "Members Inc");
    let path = format!("/accounts/{acct}/members");

    // Invite with role ids as strings: pending, no `roles` in the response.
    let r = admin.post(
        &path,
        &json!({"email": "someone@customer.example", "roles": [ADMINISTRATOR_ROLE]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let m = r.result();
    assert!(
        m.get("roles").is_none(),
        "create response leaves roles out: {m}"
    );
    assert_eq!(m["status"], "pending");
    assert_eq!(m["email"], "someone@customer.example");
    let member_id = m["id"].as_str().unwrap().to_string();
    assert!(is_hex32(&member_id));
    assert!(is_hex32(m["user"]["id"].as_str().unwrap()));
    assert_eq!(m["user"]["email"], "someone@customer.example");
    assert!(m["user"]["first_name"].is_null());
    assert_eq!(m["user"]["two_factor_authentication_enabled"], false);

    // GET returns the roles as objects.
    let g = admin.get(&format!("{path}/{member_id}"));
    assert_eq!(g.status, 200);
    let role = &g.result()["roles"][0];
    assert_eq!(role["id"], ADMINISTRATOR_ROLE);
    assert_eq!(role["name"], "Administrator");
    assert!(role["description"].is_string());
    assert_eq!(
        role["permissions"]["billing"],
        json!({"read": true, "write": true})
    );

    // List, with status filter and ordering.
    let l = admin.get(&path);
    assert_eq!(l.json()["result_info"]["total_count"], 2);
    let pending = admin.get(&format!("{path}?status=pending"));
    assert_eq!(pending.result().as_array().unwrap().len(), 1);
    let by_email = admin.get(&format!("{path}?order=user.email&direction=desc"));
    assert_eq!(by_email.result()[0]["email"], "someone@customer.example");
    assert_error(&admin.get(&format!("{path}?status=gone")), 400, 1100);
    assert_error(&admin.get(&format!("{path}?order=age")), 400, 1100);
    assert_error(&admin.get(&format!("{path}?per_page=2")), 400, 1104);

    // Refusals on create.
    let accepted = admin.post(&path, &json!({"email": "x@customer.example", "roles": [ADMINISTRATOR_ROLE], "status": "accepted"}));
    assert_error(&accepted, 400, 1001);
    assert_eq!(accepted.json()["result"], json!([]));
    assert_error(
        &admin.post(
            &path,
            &json!({"email": "x@customer.example", "roles": ["0123456789abcdef0123456789abcdef"]}),
        ),
        400,
        1102,
    );
    assert_error(
        &admin.post(
            &path,
            &json!({"email": "x@customer.example", "roles": [{"id": ADMINISTRATOR_ROLE}]}),
        ),
        400,
        1103,
    );
    assert_error(
        &admin.post(&path, &json!({"email": "x@customer.example"})),
        400,
        1100,
    );
    assert_error(
        &admin.post(&path, &json!({"email": "x@customer.example", "roles": []})),
        400,
        1100,
    );
    assert_error(
        &admin.post(&path, &json!({"roles": [ADMINISTRATOR_ROLE]})),
        400,
        1100,
    );
    assert_error(
        &admin.post(
            &path,
            &json!({"email": "not-an-email", "roles": [ADMINISTRATOR_ROLE]}),
        ),
        400,
        1100,
    );
    let long = format!("{}@example.com", "a".repeat(79));
    assert_eq!(long.len(), 91);
    assert_error(
        &admin.post(
            &path,
            &json!({"email": long, "roles": [ADMINISTRATOR_ROLE]}),
        ),
        400,
        1100,
    );
    let fits = format!("{}@example.com", "a".repeat(78));
    assert_eq!(
        admin
            .post(
                &path,
                &json!({"email": fits, "roles": [ADMINISTRATOR_ROLE]})
            )
            .status,
        200
    );
    assert_error(
        &admin.post(
            &path,
            &json!({"email": "SOMEONE@customer.example", "roles": [ADMINISTRATOR_ROLE]}),
        ),
        400,
        1106,
    );
    assert_error(
        &sb.plain().post(
            &path,
            &json!({"email": "p@customer.example", "roles": [ADMINISTRATOR_ROLE]}),
        ),
        403,
        9109,
    );

    // Update: roles as objects accepted, as strings refused, unknown ids refused.
    let roles = admin
        .get(&format!("/accounts/{acct}/roles?per_page=50"))
        .result();
    let dns = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "DNS")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let u = admin.put(
        &format!("{path}/{member_id}"),
        &json!({"roles": [{"id": dns}]}),
    );
    assert_eq!(u.status, 200, "{}", u.body);
    assert_eq!(u.result()["roles"][0]["name"], "DNS");
    assert_error(
        &admin.put(&format!("{path}/{member_id}"), &json!({"roles": [dns]})),
        400,
        1103,
    );
    assert_error(
        &admin.put(
            &format!("{path}/{member_id}"),
            &json!({"roles": [{"id": "0123456789abcdef0123456789abcdef"}]}),
        ),
        400,
        1102,
    );
    assert_error(
        &admin.put(&format!("{path}/{member_id}"), &json!({})),
        400,
        1100,
    );

    // Unknown and malformed member ids.
    assert_error(
        &admin.get(&format!("{path}/0123456789abcdef0123456789abcdef")),
        404,
        1004,
    );
    assert_error(&admin.get(&format!("{path}/nope")), 400, 7003);

    // Delete with `{}` and with an empty body.
    let d = admin.delete(&format!("{path}/{member_id}"), Some(&json!({})));
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.result(), json!({"id": member_id}));
    assert_error(&admin.get(&format!("{path}/{member_id}")), 404, 1004);
    let other = admin
        .post(
            &path,
            &json!({"email": "other@customer.example", "roles": [dns]}),
        )
        .result();
    let other_id = other["id"].as_str().unwrap();
    let d2 = admin.delete(&format!("{path}/{other_id}"), None);
    assert_eq!(d2.status, 200, "{}", d2.body);
    assert_error(
        &admin.delete(&format!("{path}/{other_id}"), Some(&json!({}))),
        404,
        1004,
    );
    let garbage = admin.call("DELETE", &format!("{path}/{other_id}"), Some("{".into()));
    assert_error(&garbage, 400, 6007);
}

#[test]
fn policies_roles_and_permission_groups() {
    let sb = Sandbox::start(&[]);
    let admin = sb.admin();
    let acct = create_account(&admin, "IAM Inc");

    // Roles: more than 100, 20 per page by default, Administrator not on page 1.
    let first = admin.get(&format!("/accounts/{acct}/roles"));
    assert_eq!(first.status, 200);
    let info = first.json()["result_info"].clone();
    assert_eq!(info["per_page"], 20);
    assert!(info["total_count"].as_u64().unwrap() > 100, "{info}");
    let first_names: Vec<Value> = first
        .result()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].clone())
        .collect();
    assert_eq!(first_names.len(), 20);
    assert!(!first_names.contains(&json!("Administrator")));
    let mut found = None;
    let mut all = Vec::new();
    for page in 1..=info["total_pages"].as_u64().unwrap() {
        let r = admin.get(&format!("/accounts/{acct}/roles?page={page}&per_page=50"));
        assert_eq!(r.status, 200);
        for role in r.result().as_array().unwrap() {
            if role["name"] == "Administrator" {
                found = Some((page, role["id"].clone()));
            }
            all.push(role.clone());
        }
    }
    assert_eq!(all.len() as u64, info["total_count"].as_u64().unwrap());
    let (page, id) = found.expect("Administrator is in the catalogue");
    assert!(
        page > 1,
        "Administrator must not be on the first page of 50 either"
    );
    assert_eq!(id, ADMINISTRATOR_ROLE);
    for role in &all {
        assert!(is_hex32(role["id"].as_str().unwrap()));
        assert!(role["permissions"]["dns"]["read"].is_boolean());
    }
    let one = admin.get(&format!("/accounts/{acct}/roles/{ADMINISTRATOR_ROLE}"));
    assert_eq!(one.result()["name"], "Administrator");
    assert_error(
        &admin.get(&format!(
            "/accounts/{acct}/roles/0123456789abcdef0123456789abcdef"
        )),
        404,
        1005,
    );
    assert_error(
        &admin.get(&format!("/accounts/{acct}/roles/admin")),
        400,
        7003,
    );
    assert_error(
        &admin.get(&format!("/accounts/{acct}/roles?per_page=100")),
        400,
        1104,
    );

    // Permission groups: paginated, filters id / name / label.
    let pg = admin.get(&format!(
        "/accounts/{acct}/iam/permission_groups?per_page=50"
    ));
    assert_eq!(pg.status, 200);
    let groups = pg.result();
    assert!(groups.as_array().unwrap().len() >= 20);
    let dns_read = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "DNS Read")
        .unwrap()
        .clone();
    let dns_read_id = dns_read["id"].as_str().unwrap().to_string();
    assert_eq!(
        dns_read["meta"],
        json!({"key": "label", "value": "dns_read"})
    );
    let by_name = admin.get(&format!(
        "/accounts/{acct}/iam/permission_groups?name=DNS%20Read"
    ));
    assert_eq!(by_name.result().as_array().unwrap().len(), 1);
    let by_label = admin.get(&format!(
        "/accounts/{acct}/iam/permission_groups?label=dns_read"
    ));
    assert_eq!(by_label.result()[0]["id"], dns_read_id.as_str());
    let by_id = admin.get(&format!(
        "/accounts/{acct}/iam/permission_groups?id={dns_read_id}"
    ));
    assert_eq!(by_id.result()[0]["name"], "DNS Read");
    let page2 = admin.get(&format!(
        "/accounts/{acct}/iam/permission_groups?per_page=5&page=2"
    ));
    assert_eq!(page2.result().as_array().unwrap().len(), 5);
    assert_error(
        &admin.get(&format!(
            "/accounts/{acct}/iam/permission_groups?per_page=1"
        )),
        400,
        1104,
    );
    let g = admin.get(&format!(
        "/accounts/{acct}/iam/permission_groups/{dns_read_id}"
    ));
    assert_eq!(g.result()["name"], "DNS Read");
    assert_error(
        &admin.get(&format!(
            "/accounts/{acct}/iam/permission_groups/0123456789abcdef0123456789abcdef"
        )),
        404,
        1006,
    );

    // Resource groups: one account-wide group.
    let rg = admin.get(&format!("/accounts/{acct}/iam/resource_groups"));
    assert_eq!(rg.status, 200);
    let group = rg.result()[0].clone();
    assert_eq!(
        group["scope"]["key"],
        format!("com.cloudflare.api.account.{acct}")
    );
    assert!(group["scope"]["objects"][0]["key"].is_string());
    let rg_id = group["id"].as_str().unwrap().to_string();
    let filtered = admin.get(&format!(
        "/accounts/{acct}/iam/resource_groups?id=0123456789abcdef0123456789abcdef"
    ));
    assert_eq!(filtered.result(), json!([]));

    // A member with policies; roles and policies together keep the policies.
    let path = format!("/accounts/{acct}/members");
    let policy = json!([{"access": "allow", "permission_groups": [{"id": dns_read_id}], "resource_groups": [{"id": rg_id}]}]);
    let r = admin.post(
        &path,
        &json!({"email": "pol@customer.example", "policies": policy}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.result()["policies"][0]["permission_groups"][0]["name"],
        "DNS Read"
    );
    let both = admin.post(&path, &json!({"email": "both@customer.example", "roles": [ADMINISTRATOR_ROLE], "policies": policy}));
    assert_eq!(both.status, 200, "{}", both.body);
    let both_id = both.result()["id"].as_str().unwrap().to_string();
    let got = admin.get(&format!("{path}/{both_id}")).result();
    assert_eq!(got["roles"], json!([]));
    assert_eq!(got["policies"][0]["access"], "allow");
    assert_eq!(
        got["policies"][0]["resource_groups"][0]["scope"]["key"],
        format!("com.cloudflare.api.account.{acct}")
    );
    // Policies on update.
    let deny = json!([{"access": "deny", "permission_groups": [{"id": dns_read_id}], "resource_groups": [{"id": rg_id}]}]);
    let upd = admin.put(&format!("{path}/{both_id}"), &json!({"policies": deny}));
    assert_eq!(upd.status, 200, "{}", upd.body);
    assert_eq!(upd.result()["policies"][0]["access"], "deny");
    // Unknown parts of a policy.
    let bad_pg = json!([{"access": "allow", "permission_groups": [{"id": "0123456789abcdef0123456789abcdef"}], "resource_groups": [{"id": rg_id}]}]);
    assert_error(
        &admin.post(
            &path,
            &json!({"email": "x@customer.example", "policies": bad_pg}),
        ),
        400,
        1105,
    );
    let bad_rg = json!([{"access": "allow", "permission_groups": [{"id": dns_read_id}], "resource_groups": [{"id": "0123456789abcdef0123456789abcdef"}]}]);
    assert_error(
        &admin.post(
            &path,
            &json!({"email": "x@customer.example", "policies": bad_rg}),
        ),
        400,
        1105,
    );
    let bad_access = json!([{"access": "maybe", "permission_groups": [{"id": dns_read_id}], "resource_groups": [{"id": rg_id}]}]);
    assert_error(
        &admin.post(
            &path,
            &json!({"email": "x@customer.example", "policies": bad_access}),
        ),
        400,
        1100,
    );
}

#[test]
fn user_and_tenants() {
    let sb = Sandbox::start(&[]);
    let admin = sb.admin();
    let plain = sb.plain();

    let me = admin.get("/user").result();
    for key in [
        "id",
        "email",
        "first_name",
        "last_name",
        "telephone",
        "country",
        "zipcode",
        "betas",
        "has_pro_zones",
        "has_business_zones",
        "has_enterprise_zones",
        "suspended",
        "two_factor_authentication_enabled",
        "two_factor_authentication_locked",
        "organizations",
    ] {
        assert!(me.get(key).is_some(), "GET /user lacks {key}: {me}");
    }
    let p = admin.patch(
        "/user",
        &json!({"first_name": "Ada", "last_name": "Lovelace", "telephone": "+44 20 0000", "country": "GB", "zipcode": "N1", "email": "ignored@x.example"}),
    );
    assert_eq!(p.status, 200, "{}", p.body);
    let me = admin.get("/user").result();
    assert_eq!(me["first_name"], "Ada");
    assert_eq!(me["zipcode"], "N1");
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(
        admin.patch("/user", &json!({"telephone": null})).result()["telephone"],
        Value::Null
    );
    assert_error(
        &admin.patch("/user", &json!({"zipcode": "1".repeat(21)})),
        400,
        1100,
    );
    assert_error(&admin.patch("/user", &json!({"first_name": 7})), 400, 1100);

    // Tenants.
    let tenants = admin.get("/user/tenants");
    assert_eq!(tenants.status, 200);
    let t = tenants.result()[0].clone();
    let tag = t["id"].as_str().unwrap().to_string();
    assert!(is_hex32(&tag));
    assert!(t["meta"]["tenant_flags"]["account_creation"].is_string());
    assert_eq!(plain.get("/user/tenants").result(), json!([]));

    let details = admin.get(&format!("/tenants/{tag}")).result();
    assert_eq!(details["tenant_tag"], tag.as_str());
    for key in [
        "tenant_name",
        "tenant_type",
        "tenant_status",
        "tenant_labels",
        "tenant_contacts",
        "tenant_metadata",
        "tenant_network",
        "cdate",
        "edate",
        "customer_id",
    ] {
        assert!(details.get(key).is_some(), "tenant lacks {key}");
    }
    let unit = &details["tenant_units"][0];
    for key in [
        "unit_tag",
        "unit_name",
        "unit_status",
        "unit_metadata",
        "unit_memberships",
    ] {
        assert!(unit.get(key).is_some(), "unit lacks {key}");
    }

    let ents = admin.get(&format!("/tenants/{tag}/entitlements")).result();
    assert_eq!(ents["allow_add_subdomain"]["type"], "bool");
    assert_eq!(ents["mhs_certificate_count"]["type"], "max_count");
    assert!(ents["custom_entitlements"].is_array());
    let tm = admin.get(&format!("/tenants/{tag}/memberships")).result();
    assert_eq!(tm[0]["user_email"], ADMIN_EMAIL);
    assert!(tm[0]["user_name"].is_string());
    assert_eq!(
        admin.get(&format!("/tenants/{tag}/account_types")).result(),
        json!(["standard", "enterprise"])
    );

    // Tenant accounts: paginated, order + direction 0/1.
    for name in ["b", "c", "a", "e", "d", "f"] {
        create_account(&admin, name);
    }
    let names = |r: &Resp| -> Vec<String> {
        r.result()
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_string())
            .collect()
    };
    let all = admin.get(&format!("/tenants/{tag}/accounts"));
    assert_eq!(names(&all), ["b", "c", "a", "e", "d", "f"]);
    let settings = &all.result()[0]["settings"];
    for key in [
        "enforce_twofactor",
        "api_access_enabled",
        "access_approval_expiry",
        "abuse_contact_email",
        "use_account_custom_ns_by_default",
        "default_nameservers",
    ] {
        assert!(
            settings.get(key).is_some(),
            "tenant account settings lack {key}"
        );
    }
    let by_name = admin.get(&format!(
        "/tenants/{tag}/accounts?order=name&direction=1&per_page=5&page=1"
    ));
    assert_eq!(names(&by_name), ["f", "e", "d", "c", "b"]);
    assert_eq!(by_name.json()["result_info"]["total_pages"], 2);
    let page2 = admin.get(&format!(
        "/tenants/{tag}/accounts?order=name&direction=0&per_page=5&page=2"
    ));
    assert_eq!(names(&page2), ["f"]);
    assert_error(
        &admin.get(&format!("/tenants/{tag}/accounts?direction=desc")),
        400,
        1104,
    );
    assert_error(
        &admin.get(&format!("/tenants/{tag}/accounts?per_page=60")),
        400,
        1104,
    );

    // Refusals. The tenant service leaves `result` out of its errors.
    let unknown = admin.get("/tenants/0123456789abcdef0123456789abcdef");
    assert_error(&unknown, 404, 1008);
    assert!(unknown.json().get("result").is_none());
    assert_error(&admin.get("/tenants/x"), 400, 7003);
    assert_error(&plain.get(&format!("/tenants/{tag}")), 403, 9109);
    assert_error(&plain.get(&format!("/tenants/{tag}/accounts")), 403, 9109);
    assert_error(&sb.client(Auth::None).get("/user/tenants"), 401, 10000);
}

#[test]
fn memberships_of_the_caller() {
    let sb = Sandbox::start(&[]);
    let admin = sb.admin();
    let a = create_account(&admin, "Apple Pie");
    let b = create_account(&admin, "Banana Split");
    let list = admin.get("/memberships");
    assert_eq!(list.status, 200);
    assert_eq!(list.json()["result_info"]["total_count"], 2);
    let m = list.result()[0].clone();
    assert_eq!(m["status"], "accepted");
    assert_eq!(m["account"]["id"], a.as_str());
    assert_eq!(m["roles"], json!(["Administrator"]));
    assert_eq!(m["permissions"]["dns"]["write"], true);
    let filtered = admin.get("/memberships?account.name=banana");
    assert_eq!(filtered.result().as_array().unwrap().len(), 1);
    assert_eq!(filtered.result()[0]["account"]["id"], b.as_str());
    assert_eq!(
        admin
            .get("/memberships?name=apple")
            .result()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(admin.get("/memberships?status=pending").result(), json!([]));
    let desc = admin.get("/memberships?order=account.name&direction=desc");
    assert_eq!(desc.result()[0]["account"]["name"], "Banana Split");
    assert_error(&admin.get("/memberships?status=maybe"), 400, 1100);
    assert_error(&admin.get("/memberships?per_page=100"), 400, 1104);

    let mid = m["id"].as_str().unwrap().to_string();
    assert_eq!(
        admin.get(&format!("/memberships/{mid}")).result()["id"],
        mid.as_str()
    );
    assert_error(
        &admin.get("/memberships/0123456789abcdef0123456789abcdef"),
        404,
        1007,
    );
    assert_error(&admin.get("/memberships/zzz"), 400, 7003);
    assert_error(&sb.plain().get(&format!("/memberships/{mid}")), 404, 1007);
    assert_error(
        &admin.put(&format!("/memberships/{mid}"), &json!({"status": "maybe"})),
        400,
        1100,
    );
    // Already accepted: accepting again is fine, rejecting is not.
    assert_eq!(
        admin
            .put(
                &format!("/memberships/{mid}"),
                &json!({"status": "accepted"})
            )
            .status,
        200
    );
    assert_error(
        &admin.put(
            &format!("/memberships/{mid}"),
            &json!({"status": "rejected"}),
        ),
        400,
        1100,
    );

    // Leaving an account through its membership.
    let d = admin.delete(&format!("/memberships/{mid}"), Some(&json!({})));
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.result(), json!({"id": mid}));
    assert_eq!(
        admin.get("/memberships").json()["result_info"]["total_count"],
        1
    );
    assert_eq!(admin.get("/accounts").result().as_array().unwrap().len(), 1);
}

#[test]
fn seeds_and_reset() {
    let one = Sandbox::start(&[]);
    let two = Sandbox::start(&[]);
    let other = Sandbox::start(&["--seed", "2"]);
    let (t1, _) = tenant_and_units(&one.admin());
    let (t2, _) = tenant_and_units(&two.admin());
    let (t3, _) = tenant_and_units(&other.admin());
    assert_eq!(t1, t2, "same seed, same tenant");
    assert_ne!(t1, t3, "other seed, other tenant");
    let a1 = create_account(&one.admin(), "same");
    let a2 = create_account(&two.admin(), "same");
    assert_eq!(a1, a2, "same seed, same account id");

    // Reset: back to the start, ids repeat.
    let c = one.client(Auth::None);
    let r = c
        .raw("POST", &format!("{}/__sandbox/reset", one.base), None)
        .unwrap();
    assert_eq!(r.status, 200);
    let state = one.state();
    assert_eq!(state["accounts"].as_array().unwrap().len(), 1);
    assert_eq!(state["counters"]["requests"], 0);
    assert_eq!(create_account(&one.admin(), "same"), a1);

    // The state endpoint lists users without secrets.
    let s = one.state().to_string();
    assert!(!s.contains("sandbox-token") && !s.contains("sandbox-global-key"));
}

#[test]
fn framework_refusals_are_envelopes_too() {
    let sb = Sandbox::start(&[]);
    let admin = sb.admin();
    // A path segment that is not UTF-8 once decoded.
    let r = admin.get("/accounts/%FF%FE");
    assert_eq!(r.status / 100, 4, "{}", r.body);
    assert_eq!(r.json()["success"], false);
    assert!(r.code() >= 1000);
    // A body over the 2 MB limit.
    let big = format!("{{\"name\": \"{}\"}}", "a".repeat(3 << 20));
    let r = admin.call("POST", "/accounts", Some(big));
    assert_eq!(r.status, 413, "{}", &r.body[..r.body.len().min(200)]);
    assert_eq!(r.code(), 6003);
}
