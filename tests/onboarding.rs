//! The onboarding flow driven by canned responses: what it sends, and what it reports.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use cloudflare_tenant::flows::{Action, Onboarding, OnboardingSpec, Report, StepStatus};
use cloudflare_tenant::http::HeaderMap;
use cloudflare_tenant::machines::{Clock, Pacers};
use cloudflare_tenant::{Attempt, Client, Credentials, RetryPolicy};
use serde_json::{json, Value};

const ACCOUNT: &str = "2bab6ace8c72ed3f09b9eca6db1396bb";
const ADMIN_ROLE: &str = "05784afa30c1afe1440e79d9351c7430";

/// One canned answer: `(status, body)`, or `None` for a dropped connection.
type Answer = Option<(u16, Value)>;

fn ok(result: Value) -> Answer {
    Some((
        200,
        json!({"success": true, "errors": [], "messages": [], "result": result}),
    ))
}

fn ok_paged(result: Value, page: u64, total_pages: u64) -> Answer {
    let count = result.as_array().map_or(0, Vec::len);
    Some((
        200,
        json!({"success": true, "errors": [], "messages": [], "result": result,
               "result_info": {"page": page, "per_page": 50, "count": count, "total_pages": total_pages}}),
    ))
}

fn fail(status: u16, code: u64) -> Answer {
    Some((
        status,
        json!({"success": false, "errors": [{"code": code, "message": "no"}], "messages": [], "result": null}),
    ))
}

fn edge_502() -> Answer {
    Some((502, Value::String("<html>502 Bad Gateway</html>".into())))
}

/// Runs the flow against answers keyed by "METHOD path"; returns the report and every
/// request line sent, in order.
fn run(spec: Value, mut script: Vec<(&str, Answer)>) -> (Report, Vec<String>) {
    let spec: OnboardingSpec = serde_json::from_value(spec).unwrap();
    let client = Client::new(Credentials::api_token("partner").unwrap());
    let mut flow = Onboarding::new(client, spec, RetryPolicy::default(), [7; 16]).unwrap();
    let mut sent = Vec::new();
    let mut waits = Duration::ZERO;
    let mut queue: VecDeque<_> = script.drain(..).collect();
    let mut pacers = Pacers::off();
    let now = |waits: Duration| Clock {
        monotonic: waits,
        wall: SystemTime::UNIX_EPOCH,
    };
    loop {
        match flow.next_action(&mut pacers, now(waits)) {
            Action::Send(request) => {
                let line = format!(
                    "{} {}",
                    request.method(),
                    request.uri().path_and_query().unwrap()
                );
                let mut line = line
                    .trim_start_matches("/client/v4")
                    .replace("/client/v4", "");
                if let Some(key) = request.headers().get("idempotency-key") {
                    line = format!("{line} key={}", key.to_str().unwrap());
                }
                if line.ends_with("/members") && request.method() == "POST" {
                    line = format!("{line} {}", String::from_utf8_lossy(request.body()));
                }
                sent.push(line.clone());
                let (expected, answer) = queue
                    .pop_front()
                    .unwrap_or_else(|| panic!("no answer scripted for {line}"));
                assert!(
                    line.starts_with(expected),
                    "sent {line}, scripted {expected}"
                );
                let headers = HeaderMap::new();
                match answer {
                    Some((status, Value::String(text))) => flow.feed(
                        &mut pacers,
                        Attempt::Response {
                            status,
                            headers: &headers,
                            body: text.as_bytes(),
                        },
                        now(waits),
                        0.0,
                    ),
                    Some((status, body)) => {
                        let bytes = serde_json::to_vec(&body).unwrap();
                        flow.feed(
                            &mut pacers,
                            Attempt::Response {
                                status,
                                headers: &headers,
                                body: &bytes,
                            },
                            now(waits),
                            0.0,
                        )
                    }
                    None => flow.feed(
                        &mut pacers,
                        Attempt::NoResponse {
                            message: "connection reset",
                        },
                        now(waits),
                        0.0,
                    ),
                }
            }
            Action::Wait(d) => waits += d,
            Action::Done => break,
        }
    }
    assert!(queue.is_empty(), "answers left over: {queue:?}");
    (flow.report().clone(), sent)
}

fn spec() -> Value {
    json!({
        "name": "Acme Corp",
        "members": [{"email": "admin@acme.example", "roles": ["Administrator"]}],
        "service_user": {"email": "svc-acme@partner.example"}
    })
}

fn account() -> Value {
    json!({"id": ACCOUNT, "name": "Acme Corp", "type": "standard"})
}

fn roles() -> Answer {
    ok(
        json!([{"id": "0000000000000000000000000000000a", "name": "Billing"}, {"id": ADMIN_ROLE, "name": "Administrator"}]),
    )
}

#[test]
fn a_new_customer_is_onboarded_step_by_step() {
    let (report, sent) = run(
        spec(),
        vec![
            ("GET /accounts?name=Acme%20Corp", ok(json!([]))),
            ("POST /accounts", ok(account())),
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/roles",
                roles(),
            ),
            // A fresh account has no members to look for.
            (
                "POST /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/members",
                ok(json!({"id": "1".repeat(32), "email": "admin@acme.example"})),
            ),
            (
                "POST /users",
                ok(
                    json!({"id": "2".repeat(32), "email": "svc-acme@partner.example", "api_key": "svc-key"}),
                ),
            ),
            (
                "POST /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/members",
                ok(json!({"id": "3".repeat(32), "email": "svc-acme@partner.example"})),
            ),
            (
                "GET /memberships",
                ok(
                    json!([{"id": "4".repeat(32), "status": "pending", "account": {"id": ACCOUNT}}]),
                ),
            ),
            (
                "PUT /memberships/44444444444444444444444444444444",
                ok(json!({"id": "4".repeat(32), "status": "accepted"})),
            ),
        ],
    );
    assert!(report.complete, "{report:?}");
    assert_eq!(report.account.status, StepStatus::Created);
    assert_eq!(
        report.members.iter().map(|m| m.status).collect::<Vec<_>>(),
        [StepStatus::Created; 2]
    );
    assert_eq!(report.api_key.as_ref().unwrap().expose(), "svc-key");
    assert!(!format!("{report:?}").contains("svc-key"));
    assert_eq!(
        report.invitation.as_ref().unwrap().status,
        StepStatus::Created
    );
    assert_eq!(sent.len(), 8);
}

/// A create whose answer was lost is resent with its idempotency key: the API answers the
/// resend as it answered the first, so nothing is looked up and nothing is made twice.
#[test]
fn an_unknown_create_is_resent_with_its_key() {
    let (report, sent) = run(
        json!({"name": "Acme Corp"}),
        vec![
            ("GET /accounts?name=Acme%20Corp", ok(json!([]))),
            ("POST /accounts", edge_502()),
            ("POST /accounts", None),
            ("POST /accounts", ok(account())),
        ],
    );
    assert!(report.complete);
    assert_eq!(
        (report.account.status, report.account.reconciled),
        (StepStatus::Created, false)
    );
    let key = cloudflare_tenant::idempotency::key_from([7; 16]);
    let creates: Vec<_> = sent.iter().filter(|l| l.starts_with("POST")).collect();
    assert_eq!(creates.len(), 3);
    assert!(
        creates.iter().all(|l| l.ends_with(&format!(" key={key}"))),
        "{creates:?}"
    );
}

/// Every resend's answer lost too: the outcome is unknown, so the account is looked up by
/// name (the second line of defence), never guessed.
#[test]
fn a_create_unknown_after_every_resend_is_looked_up() {
    let (report, sent) = run(
        json!({"name": "Acme Corp"}),
        vec![
            ("GET /accounts?name=Acme%20Corp", ok(json!([]))),
            ("POST /accounts", edge_502()),
            ("POST /accounts", edge_502()),
            ("POST /accounts", edge_502()),
            ("GET /accounts?name=Acme%20Corp", ok(json!([account()]))),
        ],
    );
    assert!(report.complete);
    assert_eq!(
        (report.account.status, report.account.reconciled),
        (StepStatus::Created, true)
    );
    assert_eq!(sent.iter().filter(|l| l.starts_with("POST")).count(), 3);
}

#[test]
fn a_create_that_was_not_done_is_sent_again_after_looking() {
    let (report, sent) = run(
        json!({"name": "Acme Corp"}),
        vec![
            ("GET /accounts?name=Acme%20Corp", ok(json!([]))),
            ("POST /accounts", None),
            ("POST /accounts", None),
            ("POST /accounts", None),
            ("GET /accounts?name=Acme%20Corp", ok(json!([]))),
            ("POST /accounts", ok(account())),
        ],
    );
    assert_eq!(
        (report.account.status, report.account.reconciled),
        (StepStatus::Created, false)
    );
    let keys: std::collections::HashSet<_> = sent
        .iter()
        .filter(|l| l.starts_with("POST"))
        .map(|l| l.split(" key=").nth(1).unwrap())
        .collect();
    assert_eq!(keys.len(), 1, "one create, one key: {sent:?}");
}

/// Names are not unique: another customer's "Acme Corp" is a conflict, and nothing of it is
/// touched (no member invited into it, no user made for it).
#[test]
fn a_same_name_account_that_existed_before_is_a_conflict() {
    let (report, sent) = run(
        spec(),
        vec![("GET /accounts?name=Acme%20Corp", ok(json!([account()])))],
    );
    assert!(!report.complete);
    assert_eq!(report.account.status, StepStatus::Conflict);
    assert_eq!(report.account.id.as_deref(), Some(ACCOUNT));
    let error = report.account.error.as_ref().unwrap();
    assert!(
        error["message"].as_str().unwrap().contains("adopt"),
        "{error}"
    );
    assert_eq!(report.to_json()["account"]["status"], "conflict");
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(report
        .members
        .iter()
        .all(|m| m.status == StepStatus::Pending));
}

/// After a create whose outcome is unknown, the account found is this onboarding's only
/// because the lookup before the create found none; had it found one, no create was sent.
#[test]
fn after_an_unknown_create_two_same_name_accounts_are_not_guessed_between() {
    let (report, sent) = run(
        json!({"name": "Acme Corp"}),
        vec![
            ("GET /accounts?name=Acme%20Corp", ok(json!([]))),
            ("POST /accounts", edge_502()),
            ("POST /accounts", edge_502()),
            ("POST /accounts", edge_502()),
            (
                "GET /accounts?name=Acme%20Corp",
                ok(json!([account(), {"id": "9".repeat(32), "name": "Acme Corp"}])),
            ),
        ],
    );
    assert_eq!(report.account.status, StepStatus::Failed);
    assert_eq!(sent.len(), 5);
}

#[test]
fn running_again_continues_from_what_exists() {
    let (report, sent) = run(
        json!({"name": "Acme Corp", "adopt": true, "members": [{"email": "Admin@Acme.example", "roles": [ADMIN_ROLE]}]}),
        vec![
            // The name filter may match loosely; only the exact name counts.
            (
                "GET /accounts?name=Acme%20Corp",
                ok(json!([account(), {"id": "9".repeat(32), "name": "Acme Corp EU"}])),
            ),
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/members",
                ok(json!([{"id": "1".repeat(32), "email": "admin@acme.example"}])),
            ),
        ],
    );
    assert!(report.complete);
    assert_eq!(report.account.status, StepStatus::Existed);
    assert_eq!(report.members[0].status, StepStatus::Existed);
    assert!(sent.iter().all(|l| l.starts_with("GET")), "{sent:?}");
}

#[test]
fn a_lost_member_invite_is_found_by_email() {
    let (report, sent) = run(
        json!({"name": "Acme Corp", "adopt": true, "members": [{"email": "admin@acme.example", "roles": [ADMIN_ROLE]}]}),
        vec![
            ("GET /accounts?name=Acme%20Corp", ok(json!([account()]))),
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/members",
                ok(json!([])),
            ),
            (
                "POST /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/members",
                None,
            ),
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/members",
                ok(json!([{"id": "1".repeat(32), "user": {"email": "admin@acme.example"}}])),
            ),
        ],
    );
    assert!(report.complete);
    assert_eq!(
        (report.members[0].status, report.members[0].reconciled),
        (StepStatus::Created, true)
    );
    assert_eq!(sent.iter().filter(|l| l.starts_with("POST")).count(), 1);
}

#[test]
fn failures_are_reported_with_the_servers_error() {
    let (report, _) = run(
        spec(),
        vec![
            ("GET /accounts?name=Acme%20Corp", ok(json!([]))),
            ("POST /accounts", fail(403, 1002)),
        ],
    );
    assert!(!report.complete);
    assert_eq!(report.account.status, StepStatus::Failed);
    assert_eq!(
        report.account.error.as_ref().unwrap()["errors"][0]["code"],
        1002
    );
    assert_eq!(report.members[0].status, StepStatus::Pending);

    let (report, _) = run(
        json!({"name": "Acme Corp"}),
        vec![(
            "GET /accounts?name=Acme%20Corp",
            ok(json!([account(), account()])),
        )],
    );
    assert_eq!(report.account.status, StepStatus::Failed);
    assert!(report.account.error.as_ref().unwrap()["reason"]
        .as_str()
        .unwrap()
        .contains("2 accounts"));
}

#[test]
fn an_unknown_role_name_fails_that_member_only() {
    let (report, _) = run(
        json!({"name": "Acme Corp", "adopt": true, "members": [
            {"email": "a@acme.example", "roles": ["Chief Wizard"]},
            {"email": "b@acme.example", "roles": ["Administrator"]}
        ]}),
        vec![
            ("GET /accounts?name=Acme%20Corp", ok(json!([account()]))),
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/roles",
                roles(),
            ),
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/members",
                ok(json!([])),
            ),
            (
                "POST /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/members",
                ok(json!({"id": "2".repeat(32)})),
            ),
        ],
    );
    assert_eq!(report.members[0].status, StepStatus::Failed);
    let error = report.members[0].error.as_ref().unwrap();
    assert_eq!(error["field"], "roles");
    let reason = error["reason"].as_str().unwrap();
    assert!(
        reason.contains(r#"no role named "Chief Wizard""#),
        "{reason}"
    );
    assert_eq!(report.members[1].status, StepStatus::Created);
}

#[test]
fn a_lost_service_user_create_is_asked_again() {
    let (report, _) = run(
        json!({"name": "Acme Corp", "adopt": true, "service_user": {"email": "svc@partner.example", "roles": [ADMIN_ROLE]}}),
        vec![
            ("GET /accounts?name=Acme%20Corp", ok(json!([account()]))),
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/members",
                ok(json!([])),
            ),
            ("POST /users", edge_502()),
            ("POST /users", fail(409, 1009)),
            (
                "POST /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/members",
                ok(json!({"id": "3".repeat(32)})),
            ),
        ],
    );
    let user = report.service_user.as_ref().unwrap();
    assert_eq!((user.status, user.reconciled), (StepStatus::Created, true));
    assert!(report.api_key.is_none());
    assert_eq!(
        report.invitation.as_ref().unwrap().status,
        StepStatus::Failed
    );
    assert!(!report.complete);
}

#[test]
fn specs_read_from_json_name_the_field() {
    let err = OnboardingSpec::from_json(
        json!({"name": "A", "members": [{"email": "a@b.example", "role": "x"}]}),
    )
    .unwrap_err();
    assert_eq!(err.to_json()["field"], "members[0].role");
    let err = OnboardingSpec::from_json(json!({"name": 5})).unwrap_err();
    assert_eq!(
        (err.to_json()["field"].as_str(), err.operation()),
        (Some("name"), Some("onboarding"))
    );
    assert!(OnboardingSpec::from_json(json!({"name": "A"})).is_ok());
    let member = |member: serde_json::Value| {
        let err = OnboardingSpec::from_json(json!({"name": "A", "members": [member]}));
        err.unwrap_err().to_json()["field"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let email = "a@b.example";
    assert_eq!(
        member(json!({"email": email, "roles": [1]})),
        "members[0].roles[0]"
    );
    assert_eq!(member(json!({"roles": ["x"]})), "members[0].email");
    assert_eq!(
        member(json!({"email": email, "roles": ["x"], "policies": []})),
        "members[0].roles"
    );
    assert_eq!(
        member(json!({"email": email, "policies": [{"access": "allow"}]})),
        "members[0].policies[0].permission_groups"
    );
    let err = OnboardingSpec::from_json(json!({"name": "A", "service_user": {"roles": []}}));
    assert_eq!(err.unwrap_err().to_json()["field"], "service_user.email");
    // serde reads the same JSON the same way.
    let read: Result<OnboardingSpec, _> = serde_json::from_value(json!({"name": "A", "x": 1}));
    assert!(read.unwrap_err().to_string().contains("invalid `x`"));
}

#[test]
fn bad_specs_are_refused_before_anything_is_sent() {
    let client = Client::new(Credentials::api_token("t").unwrap());
    for (spec, field) in [
        (json!({"name": ""}), "name"),
        (
            json!({"name": "A", "members": [{"email": "a@b.example"}]}),
            "members[0].roles",
        ),
        (
            json!({"name": "A", "members": [{"email": "", "roles": ["Administrator"]}]}),
            "members[0].email",
        ),
        (
            json!({"name": "A", "business_name": "x".repeat(121)}),
            "business_name",
        ),
    ] {
        let spec: OnboardingSpec = serde_json::from_value(spec).unwrap();
        let err =
            Onboarding::new(client.clone(), spec, RetryPolicy::default(), [7; 16]).unwrap_err();
        assert_eq!(err.to_json()["field"], field);
    }
}

/// Permission groups given by name are resolved through every page of the list, and the
/// member gets one policy on the account's own resource group.
#[test]
fn a_member_gets_permission_groups_by_name_on_the_account() {
    let group = |n: usize, name: &str| json!({"id": format!("{n:032x}"), "name": name});
    let first_page: Vec<Value> = (0..50)
        .map(|n| group(n + 100, &format!("Group {n}")))
        .collect();
    let (report, sent) = run(
        json!({"name": "Acme Corp", "standalone": true, "members": [
            {"email": "ops@acme.example", "permission_groups": ["domain read", "Billing Read", "0000000000000000000000000000abcd"]}
        ]}),
        vec![
            ("GET /accounts?name=Acme%20Corp", ok(json!([]))),
            ("POST /accounts", ok(account())),
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/iam/permission_groups?page=1&per_page=50",
                ok_paged(json!(first_page), 1, 2),
            ),
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/iam/permission_groups?page=2",
                ok_paged(json!([group(7, "Domain Read"), group(8, "Billing Read")]), 2, 2),
            ),
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/iam/resource_groups?name=com.cloudflare.api.account.2bab6ace8c72ed3f09b9eca6db1396bb",
                ok(json!([{"id": "f".repeat(32), "name": format!("com.cloudflare.api.account.{ACCOUNT}")}])),
            ),
            (
                "POST /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/members",
                ok(json!({"id": "1".repeat(32), "email": "ops@acme.example"})),
            ),
        ],
    );
    assert!(report.complete, "{report:?}");
    assert_eq!(report.members[0].status, StepStatus::Created);
    assert_eq!(sent.len(), 6, "{sent:?}");
    let body: Value = serde_json::from_str(
        sent[5]
            .split_once(' ')
            .unwrap()
            .1
            .split_once(' ')
            .unwrap()
            .1,
    )
    .unwrap();
    assert_eq!(
        body,
        json!({"email": "ops@acme.example", "policies": [{
            "access": "allow",
            "permission_groups": [{"id": format!("{:032x}", 7)}, {"id": format!("{:032x}", 8)}, {"id": "0000000000000000000000000000abcd"}],
            "resource_groups": [{"id": "f".repeat(32)}]
        }]})
    );
}

/// A permission group name the account does not have fails that member, and nothing is sent
/// for it.
#[test]
fn an_unknown_permission_group_fails_the_member() {
    let (report, sent) = run(
        json!({"name": "Acme Corp", "adopt": true, "members": [
            {"email": "ops@acme.example", "permission_groups": ["No Such Group"]}
        ]}),
        vec![
            ("GET /accounts?name=Acme%20Corp", ok(json!([account()]))),
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/iam/permission_groups",
                ok(json!([{"id": "7".repeat(32), "name": "Domain Read"}])),
            ),
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/iam/resource_groups",
                ok(
                    json!([{"id": "f".repeat(32), "name": format!("com.cloudflare.api.account.{ACCOUNT}")}]),
                ),
            ),
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/members",
                ok(json!([])),
            ),
        ],
    );
    assert!(!report.complete);
    assert_eq!(report.members[0].status, StepStatus::Failed);
    let error = report.members[0].error.as_ref().unwrap();
    assert!(
        error["message"].as_str().unwrap().contains("No Such Group"),
        "{error}"
    );
    assert!(sent.iter().all(|l| l.starts_with("GET")), "{sent:?}");
}

#[test]
fn a_member_takes_one_kind_of_access() {
    let client = Client::new(Credentials::api_token("partner").unwrap());
    for member in [
        json!({"email": "a@b.example", "roles": ["Administrator"], "permission_groups": ["Domain Read"]}),
        json!({"email": "a@b.example"}),
    ] {
        let spec = json!({"name": "Acme", "members": [member]});
        let err = match OnboardingSpec::from_json(spec) {
            Err(e) => e,
            Ok(spec) => {
                Onboarding::new(client.clone(), spec, RetryPolicy::default(), [7; 16]).unwrap_err()
            }
        };
        assert_eq!(err.to_json()["field"], "members[0].roles", "{err}");
    }
}

/// Given an account id, the flow sets up members in that account: nothing is looked up by
/// name or created.
#[test]
fn an_existing_account_by_id_gets_its_members() {
    let (report, sent) = run(
        json!({"account_id": ACCOUNT, "members": [
            {"email": "ops@acme.example", "permission_groups": ["0000000000000000000000000000abcd"]}
        ]}),
        vec![
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/iam/resource_groups",
                ok(
                    json!([{"id": "f".repeat(32), "name": format!("com.cloudflare.api.account.{ACCOUNT}")}]),
                ),
            ),
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/members",
                ok(json!([])),
            ),
            (
                "POST /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/members",
                ok(json!({"id": "1".repeat(32), "email": "ops@acme.example"})),
            ),
        ],
    );
    assert!(report.complete, "{report:?}");
    assert_eq!(report.account.status, StepStatus::Existed);
    assert_eq!(report.account.id.as_deref(), Some(ACCOUNT));
    assert_eq!(sent.len(), 3);
    let client = Client::new(Credentials::api_token("partner").unwrap());
    let spec = OnboardingSpec::from_json(json!({"account_id": "../x"})).unwrap();
    let err = Onboarding::new(client, spec, RetryPolicy::default(), [7; 16]).unwrap_err();
    assert_eq!(err.to_json()["field"], "account_id");
}

/// Run again after a finished onboarding: every step existed and the report is complete,
/// though the service user's key is not known to this run (its membership is accepted).
#[test]
fn running_a_finished_onboarding_again_is_complete() {
    let (report, sent) = run(
        json!({"name": "Acme Corp", "adopt": true,
               "members": [{"email": "admin@acme.example", "roles": [ADMIN_ROLE]}],
               "service_user": {"email": "svc-acme@partner.example", "roles": [ADMIN_ROLE]}}),
        vec![
            ("GET /accounts?name=Acme%20Corp", ok(json!([account()]))),
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/members",
                ok(json!([
                    {"id": "1".repeat(32), "email": "admin@acme.example", "status": "pending"},
                    {"id": "3".repeat(32), "email": "svc-acme@partner.example", "status": "accepted"}
                ])),
            ),
        ],
    );
    assert!(report.complete, "{report:?}");
    let steps = std::iter::once(&report.account)
        .chain(&report.members)
        .chain(&report.service_user)
        .chain(&report.invitation);
    assert!(
        steps.into_iter().all(|s| s.status == StepStatus::Existed),
        "{report:?}"
    );
    assert_eq!(
        report.invitation.as_ref().unwrap().id.as_deref(),
        Some("3".repeat(32).as_str())
    );
    assert!(report.api_key.is_none());
    assert_eq!(sent.len(), 2, "{sent:?}");
}

const TOKEN: &str = "cccccccccccccccccccccccccccccccc";

fn token_groups() -> Answer {
    ok(json!([
        {"id": "f78cca9cbe2786b39f52628f5cdfdf15", "name": "Account Settings Read"},
        {"id": "a001ba941b986f38fa491b1e2fad93ad", "name": "Account Settings Write"}
    ]))
}

/// A token per customer, its groups by name, on the whole account; its value is a secret in
/// the report.
#[test]
fn a_customer_gets_a_token_of_its_own() {
    let (report, sent) = run(
        json!({"name": "Acme Corp", "token": {"name": "acme-api", "permission_groups": ["account settings read"]}}),
        vec![
            ("GET /accounts?name=Acme%20Corp", ok(json!([]))),
            ("POST /accounts", ok(account())),
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/tokens/permission_groups",
                token_groups(),
            ),
            (
                "POST /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/tokens",
                ok(json!({"id": TOKEN, "name": "acme-api", "value": "tok-SECRET-1"})),
            ),
        ],
    );
    assert!(report.complete, "{report:?}");
    let token = report.token.as_ref().unwrap();
    assert_eq!(
        (token.status, token.id.as_deref()),
        (StepStatus::Created, Some(TOKEN))
    );
    assert_eq!(
        report.token_value.as_ref().unwrap().expose(),
        "tok-SECRET-1"
    );
    assert!(!format!("{report:?}").contains("tok-SECRET-1"));
    assert_eq!(sent.len(), 4, "{sent:?}");
}

/// A token create whose answer was lost is found by name and its value rolled: the customer
/// ends with a working value, and no second token.
#[test]
fn a_lost_token_create_is_found_and_rolled() {
    let (report, sent) = run(
        json!({"name": "Acme Corp", "token": {"name": "acme-api", "permission_groups": ["f78cca9cbe2786b39f52628f5cdfdf15"]}}),
        vec![
            ("GET /accounts?name=Acme%20Corp", ok(json!([]))),
            ("POST /accounts", ok(account())),
            ("POST /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/tokens", edge_502()),
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/tokens",
                ok(json!([{"id": TOKEN, "name": "acme-api"}])),
            ),
            (
                "PUT /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/tokens/cccccccccccccccccccccccccccccccc/value",
                ok(json!("tok-ROLLED-2")),
            ),
        ],
    );
    assert!(report.complete, "{report:?}");
    let token = report.token.as_ref().unwrap();
    assert_eq!(
        (token.status, token.reconciled),
        (StepStatus::Created, true)
    );
    assert_eq!(
        report.token_value.as_ref().unwrap().expose(),
        "tok-ROLLED-2"
    );
    assert_eq!(sent.iter().filter(|l| l.starts_with("POST")).count(), 2);
}

/// Run again: the token is found by name and reported as existing; nothing is created.
#[test]
fn an_existing_token_is_not_made_again() {
    let (report, sent) = run(
        json!({"name": "Acme Corp", "adopt": true, "token": {"name": "acme-api", "permission_groups": ["f78cca9cbe2786b39f52628f5cdfdf15"]}}),
        vec![
            ("GET /accounts?name=Acme%20Corp", ok(json!([account()]))),
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/tokens",
                ok(json!([{"id": TOKEN, "name": "acme-api"}])),
            ),
        ],
    );
    assert!(report.complete, "{report:?}");
    assert_eq!(report.token.as_ref().unwrap().status, StepStatus::Existed);
    assert!(report.token_value.is_none());
    assert_eq!(sent.len(), 2);
    let json = report.to_json();
    assert_eq!(json["token"]["status"], "existed");
    assert!(Report::SECRET_FIELDS.contains(&"token_value"));
}

#[test]
fn a_token_spec_is_checked() {
    for (token, field) in [
        (
            json!({"name": "x", "permission_groups": []}),
            "token.permission_groups",
        ),
        (json!({"permission_groups": ["a"]}), "token.name"),
        (
            json!({"name": "x", "permission_groups": ["a"], "extra": 1}),
            "token.extra",
        ),
    ] {
        let err = OnboardingSpec::from_json(json!({"name": "Acme", "token": token})).unwrap_err();
        assert_eq!(err.to_json()["field"], field);
    }
    let client = Client::new(Credentials::api_token("partner").unwrap());
    let spec = OnboardingSpec::from_json(
        json!({"name": "Acme", "token": {"name": "t".repeat(121), "permission_groups": ["a"]}}),
    )
    .unwrap();
    let err = Onboarding::new(client, spec, RetryPolicy::default(), [7; 16]).unwrap_err();
    assert_eq!(err.to_json()["field"], "token.name");
}

const STRANGER: &str = "99999999999999999999999999999999";

/// With a customer reference, a same-name account of another customer is never taken: the
/// create is sent with the customer's own key and makes this customer's account.
#[test]
fn a_customer_ref_never_takes_a_strangers_account() {
    let key = cloudflare_tenant::idempotency::key_for_customer("crm-0042");
    let (report, sent) = run(
        json!({"name": "Acme Corp", "customer_ref": "crm-0042"}),
        vec![
            (
                "GET /accounts?name=Acme%20Corp",
                ok(json!([{"id": STRANGER, "name": "Acme Corp"}])),
            ),
            ("POST /accounts", ok(account())),
        ],
    );
    assert!(report.complete, "{report:?}");
    assert_eq!(
        (report.account.status, report.account.id.as_deref()),
        (StepStatus::Created, Some(ACCOUNT))
    );
    assert!(sent[1].ends_with(&format!(" key={key}")), "{sent:?}");
    assert!(sent.iter().all(|l| !l.contains(STRANGER)), "{sent:?}");
}

/// Run again for the same customer: the key's first answer comes back, so the account is
/// this customer's and `existed`.
#[test]
fn a_customer_ref_finds_its_own_account_again() {
    let (report, _) = run(
        json!({"name": "Acme Corp", "customer_ref": "crm-0042"}),
        vec![
            (
                "GET /accounts?name=Acme%20Corp",
                ok(json!([{"id": STRANGER, "name": "Acme Corp"}, account()])),
            ),
            ("POST /accounts", ok(account())),
        ],
    );
    assert!(report.complete, "{report:?}");
    assert_eq!(
        (report.account.status, report.account.id.as_deref()),
        (StepStatus::Existed, Some(ACCOUNT))
    );
}

/// The customer's key made an account from other details: a typed conflict, nothing touched.
#[test]
fn a_customer_ref_whose_key_made_another_account_is_a_conflict() {
    let (report, sent) = run(
        json!({"name": "Acme Corp Renamed", "customer_ref": "crm-0042",
               "members": [{"email": "admin@acme.example", "roles": [ADMIN_ROLE]}]}),
        vec![
            ("GET /accounts?name=Acme%20Corp%20Renamed", ok(json!([]))),
            ("POST /accounts", fail(422, 1108)),
        ],
    );
    assert!(!report.complete);
    assert_eq!(report.account.status, StepStatus::Conflict);
    assert_eq!(
        report.account.error.as_ref().unwrap()["field"],
        "customer_ref"
    );
    assert_eq!(sent.len(), 2);
    assert_eq!(report.members[0].status, StepStatus::Pending);
}

/// After every resend of the keyed create went unanswered, only an account that was not
/// there before the create can be this customer's.
#[test]
fn a_customer_ref_reconciles_only_with_a_new_account() {
    let (report, _) = run(
        json!({"name": "Acme Corp", "customer_ref": "crm-0042"}),
        vec![
            (
                "GET /accounts?name=Acme%20Corp",
                ok(json!([{"id": STRANGER, "name": "Acme Corp"}])),
            ),
            ("POST /accounts", edge_502()),
            ("POST /accounts", edge_502()),
            ("POST /accounts", edge_502()),
            (
                "GET /accounts?name=Acme%20Corp",
                ok(json!([{"id": STRANGER, "name": "Acme Corp"}, account()])),
            ),
        ],
    );
    assert!(report.complete, "{report:?}");
    assert_eq!(
        (
            report.account.status,
            report.account.id.as_deref(),
            report.account.reconciled
        ),
        (StepStatus::Created, Some(ACCOUNT), true)
    );
}

/// A finished run's report handed back as a checkpoint: nothing to look up, nothing to send,
/// every step `existed`, complete.
#[test]
fn a_checkpoint_of_a_finished_run_skips_every_lookup() {
    let spec = json!({"name": "Acme Corp", "customer_ref": "crm-0042",
        "members": [{"email": "admin@acme.example", "roles": ["Administrator"]}],
        "token": {"name": "acme-api", "permission_groups": ["Account Settings Read"]}});
    let (first, _) = run(
        spec.clone(),
        vec![
            ("GET /accounts?name=Acme%20Corp", ok(json!([]))),
            ("POST /accounts", ok(account())),
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/roles",
                roles(),
            ),
            (
                "POST /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/members",
                ok(json!({"id": "1".repeat(32), "email": "admin@acme.example"})),
            ),
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/tokens/permission_groups",
                token_groups(),
            ),
            (
                "POST /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/tokens",
                ok(json!({"id": TOKEN, "name": "acme-api", "value": "tok-SECRET-1"})),
            ),
        ],
    );
    assert!(first.complete, "{first:?}");
    let mut again = spec;
    again["checkpoint"] = first.to_json();
    let (report, sent) = run(again, vec![]);
    assert!(sent.is_empty(), "{sent:?}");
    assert!(report.complete, "{report:?}");
    let steps = std::iter::once(&report.account)
        .chain(&report.members)
        .chain(&report.token);
    assert!(
        steps.into_iter().all(|s| s.status == StepStatus::Existed),
        "{report:?}"
    );
    assert_eq!(report.account.id.as_deref(), Some(ACCOUNT));
    assert_eq!(report.token.as_ref().unwrap().id.as_deref(), Some(TOKEN));
}

/// A checkpoint of a run that stopped half-way: what it finished is skipped, the rest runs.
#[test]
fn a_checkpoint_of_a_half_run_continues_where_it_stopped() {
    let checkpoint = json!({
        "account": {"target": "Acme Corp", "id": ACCOUNT, "status": "created", "error": null, "reconciled": false},
        "members": [
            {"target": "admin@acme.example", "id": "1".repeat(32), "status": "created", "error": null, "reconciled": false},
            {"target": "ops@acme.example", "id": null, "status": "failed", "error": {"kind": "api"}, "reconciled": false}
        ],
        "service_user": null, "api_key": null, "invitation": null, "token": null, "token_value": null,
        "complete": false
    });
    let (report, sent) = run(
        json!({"name": "Acme Corp", "checkpoint": checkpoint, "members": [
            {"email": "admin@acme.example", "roles": [ADMIN_ROLE]},
            {"email": "ops@acme.example", "roles": [ADMIN_ROLE]}
        ]}),
        vec![
            (
                "GET /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/members",
                ok(json!([])),
            ),
            (
                "POST /accounts/2bab6ace8c72ed3f09b9eca6db1396bb/members",
                ok(json!({"id": "2".repeat(32), "email": "ops@acme.example"})),
            ),
        ],
    );
    assert!(report.complete, "{report:?}");
    assert_eq!(
        report.members.iter().map(|m| m.status).collect::<Vec<_>>(),
        [StepStatus::Existed, StepStatus::Created]
    );
    assert_eq!(sent.len(), 2, "{sent:?}");
    let spec = OnboardingSpec::from_json(json!({"name": "A", "checkpoint":
        {"api_key": "svc-SECRET-1", "token_value": "tok-SECRET-2", "complete": true}}))
    .unwrap();
    assert!(!format!("{spec:?}").contains("SECRET"), "{spec:?}");
    let err = OnboardingSpec::from_json(json!({"name": "A", "checkpoint": "done"})).unwrap_err();
    assert_eq!(err.to_json()["field"], "checkpoint");
}
