//! `/user/invites`: the invitee lists, reads and answers invitations; and the member-policy
//! building blocks (permission groups over two pages, the account's resource group).

mod common;

use common::*;
use serde_json::{json, Value};

fn service_user(sb: &Sandbox, email: &str) -> Client {
    let r = sb.admin().post("/users", &json!({"email": email}));
    assert_eq!(r.status, 200, "{}", r.body);
    sb.client(Auth::ServiceKey(
        r.result()["api_key"].as_str().unwrap().to_string(),
    ))
}

#[test]
fn list_get_accept_reject() {
    let sb = Sandbox::start(&[]);
    let admin = sb.admin();
    let a = create_account(&admin, "Invite One");
    let b = create_account(&admin, "Invite Two");
    let svc = service_user(&sb, "invitee@partner.example");
    assert_eq!(svc.get("/user/invites").result(), json!([]));

    for acct in [&a, &b] {
        let r = admin.post(
            &format!("/accounts/{acct}/members"),
            &json!({"email": "invitee@partner.example", "roles": [ADMINISTRATOR_ROLE]}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
    // Someone else's invitation does not show.
    admin.post(
        &format!("/accounts/{a}/members"),
        &json!({"email": "someone@else.example", "roles": [ADMINISTRATOR_ROLE]}),
    );

    let list = svc.get("/user/invites");
    assert_eq!(list.status, 200, "{}", list.body);
    let invites = list.result();
    let invites = invites.as_array().unwrap();
    assert_eq!(invites.len(), 2);
    let first = &invites[0];
    assert_eq!(first["organization_id"], a.as_str());
    assert_eq!(first["organization_name"], "Invite One");
    assert_eq!(first["invited_member_email"], "invitee@partner.example");
    assert_eq!(first["invited_by"], ADMIN_EMAIL);
    assert_eq!(first["status"], "pending");
    assert_eq!(first["roles"], json!(["Administrator"]));
    assert!(first["invited_on"].is_string() && first["expires_on"].is_string());
    let me = svc.get("/user").result();
    assert_eq!(first["invited_member_id"], me["id"]);
    assert_eq!(list.json()["result_info"]["total_count"], 2);

    // The invite id is the membership id.
    let id = first["id"].as_str().unwrap().to_string();
    let ms = svc.get(&format!("/memberships/{id}"));
    assert_eq!(ms.status, 200, "{}", ms.body);
    let one = svc.get(&format!("/user/invites/{id}"));
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.result(), first.clone());

    // Accept: the member is accepted, the account is the invitee's, the list shrinks.
    let r = svc.patch(
        &format!("/user/invites/{id}"),
        &json!({"status": "accepted"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.result()["status"], "accepted");
    assert_eq!(
        svc.get("/user/invites").result().as_array().unwrap().len(),
        1
    );
    assert_eq!(
        svc.get(&format!("/user/invites/{id}")).result()["status"],
        "accepted"
    );
    assert_eq!(svc.get(&format!("/accounts/{a}")).status, 200);
    let members = admin
        .get(&format!("/accounts/{a}/members?status=accepted"))
        .result();
    assert!(members
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["email"] == "invitee@partner.example"));
    assert_eq!(
        svc.get(&format!("/memberships/{id}")).result()["status"],
        "accepted"
    );
    // The same answer again is fine; another one is refused.
    assert_eq!(
        svc.patch(
            &format!("/user/invites/{id}"),
            &json!({"status": "accepted"})
        )
        .status,
        200
    );
    assert_error(
        &svc.patch(
            &format!("/user/invites/{id}"),
            &json!({"status": "rejected"}),
        ),
        400,
        1100,
    );

    // Reject the other.
    let other = svc.get("/user/invites").result()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = svc.patch(
        &format!("/user/invites/{other}"),
        &json!({"status": "rejected"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.result()["status"], "rejected");
    assert_eq!(svc.get("/user/invites").result(), json!([]));
    assert_error(&svc.get(&format!("/accounts/{b}")), 403, 9109);

    // Refusals.
    assert_error(
        &svc.patch(&format!("/user/invites/{id}"), &json!({"status": "maybe"})),
        400,
        1100,
    );
    assert_error(
        &svc.patch(&format!("/user/invites/{id}"), &json!({})),
        400,
        1100,
    );
    assert_error(
        &svc.get("/user/invites/0123456789abcdef0123456789abcdef"),
        404,
        1011,
    );
    assert_error(&svc.get("/user/invites/nope"), 400, 7003);
    // Another user's invitation is not found; nor is a membership that was never an invite.
    assert_error(&admin.get(&format!("/user/invites/{id}")), 404, 1011);
    let own = admin.get("/memberships").result()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_error(&admin.get(&format!("/user/invites/{own}")), 404, 1011);
    assert_error(&sb.client(Auth::None).get("/user/invites"), 401, 10000);
}

#[test]
fn invites_reach_an_address_before_it_is_a_user() {
    let sb = Sandbox::start(&[]);
    let admin = sb.admin();
    let a = create_account(&admin, "Early Invite");
    admin.post(
        &format!("/accounts/{a}/members"),
        &json!({"email": "Later@Partner.example", "roles": [ADMINISTRATOR_ROLE]}),
    );
    let svc = service_user(&sb, "later@partner.example");
    let invites = svc.get("/user/invites").result();
    assert_eq!(invites.as_array().unwrap().len(), 1);
    let id = invites[0]["id"].as_str().unwrap().to_string();
    let r = svc.patch(
        &format!("/user/invites/{id}"),
        &json!({"status": "accepted"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(svc.get("/accounts").result()[0]["id"], a.as_str());
}

#[test]
fn member_policies_with_permission_and_resource_groups() {
    let sb = Sandbox::start(&[]);
    let admin = sb.admin();
    let acct = create_account(&admin, "Policy Co");
    let base = format!("/accounts/{acct}/iam/permission_groups");

    // More than one page even at 50 per page; every name is there across pages.
    let first = admin.get(&format!("{base}?per_page=50"));
    assert_eq!(first.status, 200, "{}", first.body);
    let info = first.json()["result_info"].clone();
    assert!(info["total_count"].as_u64().unwrap() > 50, "{info}");
    assert_eq!(info["total_pages"], 2);
    let mut names: Vec<Value> = Vec::new();
    for page in 1..=2 {
        let r = admin.get(&format!("{base}?per_page=50&page={page}"));
        names.extend(
            r.result()
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["name"].clone()),
        );
    }
    for n in [
        "Administrator",
        "Super Administrator - All Privileges",
        "Domain Read",
        "DNS Read",
        "Billing Read",
    ] {
        assert!(names.contains(&json!(n)), "{n} missing");
    }
    assert_error(&admin.get(&format!("{base}?per_page=4")), 400, 1104);

    // The account-wide resource group, found by name.
    let scope = format!("com.cloudflare.api.account.{acct}");
    let rg = admin.get(&format!(
        "/accounts/{acct}/iam/resource_groups?name={scope}"
    ));
    assert_eq!(rg.status, 200, "{}", rg.body);
    assert_eq!(rg.result().as_array().unwrap().len(), 1);
    assert_eq!(rg.result()[0]["name"], scope.as_str());
    let rg_id = rg.result()[0]["id"].as_str().unwrap().to_string();
    let other = create_account(&admin, "Other Policy Co");
    let other_rg = admin
        .get(&format!(
            "/accounts/{other}/iam/resource_groups?name=com.cloudflare.api.account.{other}"
        ))
        .result()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(rg_id, other_rg);

    let dns = admin.get(&format!("{base}?name=DNS%20Read")).result()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let members = format!("/accounts/{acct}/members");
    let policy = |pg: &str, rg: &str| json!([{"access": "allow", "permission_groups": [{"id": pg}], "resource_groups": [{"id": rg}]}]);
    let r = admin.post(
        &members,
        &json!({"email": "pol@customer.example", "policies": policy(&dns, &rg_id)}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.result()["id"].as_str().unwrap().to_string();
    let got = admin.get(&format!("{members}/{id}")).result();
    assert_eq!(
        got["policies"][0]["permission_groups"][0]["id"],
        dns.as_str()
    );
    assert_eq!(
        got["policies"][0]["resource_groups"][0]["id"],
        rg_id.as_str()
    );
    assert_eq!(
        got["policies"][0]["resource_groups"][0]["name"],
        scope.as_str()
    );

    // Unknown permission group, another account's resource group: 400, 1105.
    let unknown = "0123456789abcdef0123456789abcdef";
    for bad in [policy(unknown, &rg_id), policy(&dns, &other_rg)] {
        assert_error(
            &admin.post(
                &members,
                &json!({"email": "bad@customer.example", "policies": bad}),
            ),
            400,
            1105,
        );
    }
}
