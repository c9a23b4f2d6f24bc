//! Per-customer credentials: a tenant administrator creates a service user, invites it to
//! the customer's account, and the service user accepts with its own key.

mod common;

use common::*;
use serde_json::json;

#[test]
fn create_invite_accept() {
    let sb = Sandbox::start(&[]);
    let admin = sb.admin();
    let acct = create_account(&admin, "Customer One");

    // Only tenant administrators may create users.
    assert_error(
        &sb.plain()
            .post("/users", &json!({"email": "svc@partner.example"})),
        403,
        1002,
    );
    assert_error(&admin.post("/users", &json!({})), 400, 1100);
    assert_error(&admin.post("/users", &json!({"email": "nope"})), 400, 1100);

    let r = admin.post("/users", &json!({"email": "customer-one@partner.example"}));
    assert_eq!(r.status, 200, "{}", r.body);
    let user = r.result();
    for key in [
        "id",
        "email",
        "first_name",
        "last_name",
        "username",
        "telephone",
        "country",
        "created_on",
        "modified_on",
        "two_factor_authentication",
        "api_key",
    ] {
        assert!(
            user.get(key).is_some(),
            "POST /users result lacks {key}: {user}"
        );
    }
    assert_eq!(
        user["two_factor_authentication"],
        json!({"enabled": false, "locked": false})
    );
    let user_id = user["id"].as_str().unwrap().to_string();
    assert!(is_hex32(&user_id));
    let key = user["api_key"].as_str().unwrap().to_string();
    assert!(!key.is_empty());

    // Duplicate e-mail (any case) -> 409.
    assert_error(
        &admin.post("/users", &json!({"email": "Customer-One@partner.example"})),
        409,
        1009,
    );

    // The key works as a user service key and as e-mail + key.
    let svc = sb.client(Auth::ServiceKey(key.clone()));
    let by_email = sb.client(Auth::EmailKey(
        "customer-one@partner.example".into(),
        key.clone(),
    ));
    assert_eq!(svc.get("/user").result()["id"], user_id.as_str());
    assert_eq!(by_email.get("/user").result()["id"], user_id.as_str());
    assert_eq!(svc.get("/memberships").result(), json!([]));
    assert_eq!(svc.get("/accounts").result(), json!([]));
    // A service user administers no tenant.
    assert_eq!(svc.get("/user/tenants").result(), json!([]));
    assert_error(&svc.post("/accounts", &json!({"name": "x"})), 403, 1002);
    assert_error(
        &svc.post("/users", &json!({"email": "y@partner.example"})),
        403,
        1002,
    );
    // The state endpoint lists the service user without its key.
    let state = sb.state();
    assert!(state["service_users"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["id"] == user_id.as_str()));
    assert!(!state.to_string().contains(&key));

    // Invite it: a pending member, and a pending membership on the user's side.
    let m = admin.post(
        &format!("/accounts/{acct}/members"),
        &json!({"email": "customer-one@partner.example", "roles": [ADMINISTRATOR_ROLE]}),
    );
    assert_eq!(m.status, 200, "{}", m.body);
    let member = m.result();
    assert_eq!(member["status"], "pending");
    assert_eq!(member["user"]["id"], user_id.as_str());
    let member_id = member["id"].as_str().unwrap().to_string();
    // Pending members cannot reach the account yet.
    assert_error(&svc.get(&format!("/accounts/{acct}")), 403, 9109);

    let ms = svc.get("/memberships?status=pending");
    assert_eq!(ms.status, 200);
    let membership = ms.result()[0].clone();
    assert_eq!(membership["status"], "pending");
    assert_eq!(membership["account"]["id"], acct.as_str());
    assert_eq!(membership["account"]["name"], "Customer One");
    let membership_id = membership["id"].as_str().unwrap().to_string();
    assert_eq!(
        by_email
            .get(&format!("/memberships/{membership_id}"))
            .result()["status"],
        "pending"
    );

    // Accept: the member flips to accepted, the account becomes visible.
    let acc = svc.put(
        &format!("/memberships/{membership_id}"),
        &json!({"status": "accepted"}),
    );
    assert_eq!(acc.status, 200, "{}", acc.body);
    assert_eq!(acc.result()["status"], "accepted");
    let after = admin
        .get(&format!("/accounts/{acct}/members/{member_id}"))
        .result();
    assert_eq!(after["status"], "accepted");
    assert_eq!(svc.get("/accounts").result()[0]["id"], acct.as_str());
    assert_eq!(svc.get(&format!("/accounts/{acct}")).status, 200);
    // As an Administrator member it may manage the account's members...
    let invite = svc.post(
        &format!("/accounts/{acct}/members"),
        &json!({"email": "colleague@customer.example", "roles": [ADMINISTRATOR_ROLE]}),
    );
    assert_eq!(invite.status, 200, "{}", invite.body);
    // ...but not delete the account (tenant administrators only).
    assert_error(&svc.delete(&format!("/accounts/{acct}"), None), 403, 1002);
    let state = sb.state();
    let stored = state["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == member_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(stored["status"], "accepted");
}

#[test]
fn reject_and_invite_before_user_exists() {
    let sb = Sandbox::start(&[]);
    let admin = sb.admin();
    let acct = create_account(&admin, "Customer Two");

    // Invited first, created second: the invitation is waiting for the new user.
    let m = admin.post(
        &format!("/accounts/{acct}/members"),
        &json!({"email": "late@partner.example", "roles": [ADMINISTRATOR_ROLE]}),
    );
    assert_eq!(m.status, 200, "{}", m.body);
    let invited_user = m.result()["user"]["id"].clone();
    let u = admin.post("/users", &json!({"email": "late@partner.example"}));
    assert_eq!(u.status, 200, "{}", u.body);
    assert_eq!(u.result()["id"], invited_user);
    let svc = sb.client(Auth::ServiceKey(
        u.result()["api_key"].as_str().unwrap().into(),
    ));
    let ms = svc.get("/memberships").result();
    assert_eq!(ms.as_array().unwrap().len(), 1);
    let membership_id = ms[0]["id"].as_str().unwrap().to_string();

    // Reject: the member is rejected, hidden from the default member list.
    let r = svc.put(
        &format!("/memberships/{membership_id}"),
        &json!({"status": "rejected"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.result()["status"], "rejected");
    let members = admin.get(&format!("/accounts/{acct}/members")).result();
    assert_eq!(
        members.as_array().unwrap().len(),
        1,
        "only the admin remains listed"
    );
    let rejected = admin
        .get(&format!("/accounts/{acct}/members?status=rejected"))
        .result();
    assert_eq!(rejected.as_array().unwrap().len(), 1);
    assert_error(
        &svc.put(
            &format!("/memberships/{membership_id}"),
            &json!({"status": "accepted"}),
        ),
        400,
        1100,
    );
    assert_error(&svc.get(&format!("/accounts/{acct}")), 403, 9109);
}
