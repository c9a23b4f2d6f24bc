//! Every operation of the client core, sent over HTTP to the sandbox and read back through
//! the core; every refusal comes back as the typed error it should.

mod common;

use std::collections::BTreeSet;
use std::sync::Mutex;

use cloudflare_tenant::api::accounts::*;
use cloudflare_tenant::api::members::*;
use cloudflare_tenant::api::memberships::*;
use cloudflare_tenant::api::permission_groups::*;
use cloudflare_tenant::api::roles::*;
use cloudflare_tenant::api::tenants::*;
use cloudflare_tenant::api::tokens::*;
use cloudflare_tenant::api::user::*;
use cloudflare_tenant::api::users::*;
use cloudflare_tenant::api::{Access, AccountType, IdRef, InviteStatus, MemberStatus, TokenStatus};
use cloudflare_tenant::{
    operations, ApiResponse, Client, Credentials, Error, Operation, Paginated, Paginator,
};
use common::Sandbox;

/// Sends what the core builds with ureq and hands the answer back to the core.
struct Api {
    client: Client,
    agent: ureq::Agent,
    sent: Mutex<BTreeSet<&'static str>>,
}

impl Api {
    fn new(sandbox: &Sandbox, credentials: Credentials) -> Api {
        let client = Client::new(credentials)
            .with_base_url(format!("{}/client/v4", sandbox.base))
            .unwrap();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Api {
            client,
            agent,
            sent: Mutex::default(),
        }
    }

    fn admin(sandbox: &Sandbox) -> Api {
        Api::new(
            sandbox,
            Credentials::global_key(common::ADMIN_EMAIL, common::ADMIN_GLOBAL_KEY).unwrap(),
        )
    }

    fn exchange(
        &self,
        request: cloudflare_tenant::http::Request<Vec<u8>>,
    ) -> cloudflare_tenant::http::Response<Vec<u8>> {
        let mut response = self.agent.run(request).expect("the sandbox answers");
        let body = response.body_mut().read_to_vec().unwrap();
        let (parts, _) = response.into_parts();
        cloudflare_tenant::http::Response::from_parts(parts, body)
    }

    fn try_send<O: Operation>(
        &self,
        op: &O,
        as_user: Option<&Credentials>,
    ) -> Result<ApiResponse<O::Output>, Error> {
        let request = match as_user {
            Some(credentials) => self.client.request_as(op, credentials)?,
            None => self.client.request(op)?,
        };
        self.sent.lock().unwrap().insert(O::NAME);
        self.client.response::<O>(&self.exchange(request))
    }

    fn send<O: Operation>(&self, op: &O) -> O::Output {
        self.try_send(op, None)
            .unwrap_or_else(|e| panic!("{}: {e}", O::NAME))
            .result
    }

    fn all<O: Paginated>(&self, first: O) -> Vec<O::Item> {
        let mut pages = Paginator::new(first);
        let mut items = Vec::new();
        while let Some(op) = pages.next_request() {
            items.extend(pages.feed(self.try_send(&op, None).unwrap()));
        }
        assert!(
            !pages.stop().unwrap().is_anomaly(),
            "{}: {:?}",
            O::NAME,
            pages.stop()
        );
        items
    }
}

fn api_error(result: Result<impl std::fmt::Debug, Error>) -> Box<cloudflare_tenant::ApiError> {
    match result {
        Err(Error::Api(e)) => e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[test]
fn every_operation_round_trips_through_the_core() {
    let sandbox = Sandbox::start(&[]);
    let api = Api::admin(&sandbox);

    let me = api.send(&GetUser {});
    assert_eq!(me.email.as_deref(), Some(common::ADMIN_EMAIL));
    let edited = api.send(&EditUser {
        first_name: Some("Ada".into()),
        telephone: Some("+44 20 7946 0000".into()),
        ..Default::default()
    });
    assert_eq!(edited.first_name.as_deref(), Some("Ada"));

    let tenants = api.send(&ListUserTenants {});
    let tenant_id = tenants[0].id.clone().unwrap();
    let tenant = api.send(&GetTenant {
        tenant_id: tenant_id.clone(),
    });
    let units = tenant.tenant_units.unwrap();
    assert_eq!(units.len(), 2);
    let unit = units[1].unit_tag.clone().unwrap();
    let entitlements = api.send(&GetTenantEntitlements {
        tenant_id: tenant_id.clone(),
    });
    assert!(entitlements.allow_add_subdomain.is_some());
    assert!(!api
        .send(&ListTenantMemberships {
            tenant_id: tenant_id.clone()
        })
        .is_empty());
    assert_eq!(
        api.send(&ListTenantAccountTypes {
            tenant_id: tenant_id.clone()
        }),
        ["standard", "enterprise"]
    );

    let account = api.send(&CreateAccount {
        unit_id: Some(unit.clone()),
        business_name: Some("Acme Corporation".into()),
        business_email: Some("it@acme.example".into()),
        ..CreateAccount::new("Acme Corp")
    });
    let account_id = account.id.clone().unwrap();
    assert_eq!(
        account.managed_by.unwrap().parent_org_id.as_deref(),
        Some(tenant_id.as_str())
    );
    let solo = api.send(&CreateAccount {
        standalone: Some(true),
        ..CreateAccount::new("Solo Studio")
    });
    assert!(
        solo.managed_by.is_none(),
        "a standalone account is in no unit: {solo:?}"
    );
    let other = api.send(&CreateAccount {
        r#type: Some(AccountType::Enterprise),
        ..CreateAccount::new("Globex")
    });
    assert_eq!(
        api.send(&GetAccount {
            account_id: account_id.clone()
        })
        .name
        .as_deref(),
        Some("Acme Corp")
    );
    let account_entitlements = api.send(&GetAccountEntitlements {
        account_id: account_id.clone(),
    });
    assert!(account_entitlements.custom_entitlements.is_some());
    let renamed = api.send(&UpdateAccount {
        account_id: account_id.clone(),
        name: "Acme Corporation".into(),
        r#type: AccountType::Standard,
        enforce_twofactor: Some(true),
        abuse_contact_email: Some("abuse@acme.example".into()),
    });
    assert_eq!(renamed.settings.unwrap().enforce_twofactor, Some(true));
    let mine = api.all(ListAccounts {
        per_page: Some(5),
        ..Default::default()
    });
    assert!(mine
        .iter()
        .any(|a| a.id.as_deref() == Some(account_id.as_str())));
    let tenant_accounts = api.all(ListTenantAccounts {
        tenant_id: tenant_id.clone(),
        per_page: Some(5),
        ..Default::default()
    });
    assert_eq!(tenant_accounts.len(), 2);

    let roles = api.all(ListRoles {
        account_id: account_id.clone(),
        ..Default::default()
    });
    assert!(roles.len() > 100, "{} roles", roles.len());
    let admin = roles
        .iter()
        .find(|r| r.name.as_deref() == Some("Administrator"))
        .unwrap();
    assert_eq!(admin.id.as_deref(), Some(ADMINISTRATOR_ROLE_ID));
    let role = api.send(&GetRole {
        account_id: account_id.clone(),
        role_id: ADMINISTRATOR_ROLE_ID.into(),
    });
    assert!(role.permissions.unwrap().contains_key("dns"));

    let groups = api.all(ListPermissionGroups {
        account_id: account_id.clone(),
        per_page: Some(10),
        ..Default::default()
    });
    assert!(groups.len() >= 20);
    let group_id = groups[0].id.clone().unwrap();
    assert_eq!(
        api.send(&GetPermissionGroup {
            account_id: account_id.clone(),
            permission_group_id: group_id.clone()
        })
        .id,
        Some(group_id.clone())
    );
    let resource_groups = api.send(&ListResourceGroups {
        account_id: account_id.clone(),
        ..Default::default()
    });
    let resource_group_id = resource_groups[0].id.clone().unwrap();

    let invited = api.send(&CreateMember {
        account_id: account_id.clone(),
        email: "admin@acme.example".into(),
        roles: Some(vec![ADMINISTRATOR_ROLE_ID.into()]),
        ..Default::default()
    });
    assert_eq!(invited.status, Some(MemberStatus::Pending));
    let member_id = invited.id.clone().unwrap();
    let fetched = api.send(&GetMember {
        account_id: account_id.clone(),
        member_id: member_id.clone(),
    });
    assert_eq!(
        fetched.roles.unwrap()[0].id.as_deref(),
        Some(ADMINISTRATOR_ROLE_ID)
    );
    let billing = roles
        .iter()
        .find(|r| r.name.as_deref() == Some("Billing"))
        .and_then(|r| r.id.clone())
        .unwrap();
    let updated = api.send(&UpdateMember {
        account_id: account_id.clone(),
        member_id: member_id.clone(),
        roles: Some(vec![billing.clone()]),
        policies: None,
    });
    assert_eq!(
        updated.roles.unwrap()[0].id.as_deref(),
        Some(billing.as_str())
    );
    let policy = PolicyInput {
        id: None,
        access: Access::Allow,
        permission_groups: vec![IdRef::new(&group_id)],
        resource_groups: vec![IdRef::new(&resource_group_id)],
    };
    let by_policy = api.send(&CreateMember {
        account_id: account_id.clone(),
        email: "ops@acme.example".into(),
        policies: Some(vec![policy.clone()]),
        ..Default::default()
    });
    let by_policy_id = by_policy.id.clone().unwrap();
    let repoliced = api.send(&UpdateMember {
        account_id: account_id.clone(),
        member_id: by_policy_id.clone(),
        roles: None,
        policies: Some(vec![PolicyInput {
            access: Access::Deny,
            ..policy
        }]),
    });
    assert_eq!(repoliced.policies.unwrap()[0].access, Some(Access::Deny));
    let members = api.all(ListMembers {
        account_id: account_id.clone(),
        per_page: Some(5),
        ..Default::default()
    });
    assert!(members.len() >= 3);
    let deleted = api.send(&DeleteMember {
        account_id: account_id.clone(),
        member_id: by_policy_id.clone(),
    });
    assert_eq!(deleted.unwrap().id, Some(by_policy_id));

    // A service user per customer, acting as itself.
    let user = api.send(&CreateUser {
        email: "svc-acme@partner.example".into(),
    });
    let as_customer = Credentials::user_service_key(user.api_key.unwrap().expose()).unwrap();
    for account in [&account_id, other.id.as_ref().unwrap()] {
        api.send(&CreateMember {
            account_id: account.clone(),
            email: "svc-acme@partner.example".into(),
            roles: Some(vec![ADMINISTRATOR_ROLE_ID.into()]),
            ..Default::default()
        });
    }
    let pending = api
        .try_send(
            &ListMemberships {
                status: Some(MemberStatus::Pending),
                per_page: Some(5),
                ..Default::default()
            },
            Some(&as_customer),
        )
        .unwrap()
        .result;
    assert_eq!(pending.len(), 2);
    let to_accept = pending
        .iter()
        .find(|m| m.account.as_ref().unwrap().id.as_ref() == Some(&account_id))
        .unwrap();
    let to_leave = pending
        .iter()
        .find(|m| m.account.as_ref().unwrap().id.as_ref() != Some(&account_id))
        .unwrap();
    let membership_id = to_accept.id.clone().unwrap();
    let seen = api
        .try_send(
            &GetMembership {
                membership_id: membership_id.clone(),
            },
            Some(&as_customer),
        )
        .unwrap()
        .result;
    assert_eq!(seen.status, Some(MemberStatus::Pending));
    let accepted = api
        .try_send(
            &UpdateMembership {
                membership_id,
                status: MemberStatus::Accepted,
            },
            Some(&as_customer),
        )
        .unwrap()
        .result;
    assert_eq!(accepted.status, Some(MemberStatus::Accepted));
    let left = api
        .try_send(
            &DeleteMembership {
                membership_id: to_leave.id.clone().unwrap(),
            },
            Some(&as_customer),
        )
        .unwrap()
        .result;
    assert!(left.is_some());

    // An account-owned token per customer: it authenticates as itself, on its own account.
    let groups = api.send(&ListTokenPermissionGroups {
        account_id: account_id.clone(),
        ..Default::default()
    });
    let group_id = |name: &str| {
        let group = groups.iter().find(|g| g.name.as_deref() == Some(name));
        group.and_then(|g| g.id.clone()).unwrap()
    };
    let resources: serde_json::Map<String, serde_json::Value> = [(
        format!("com.cloudflare.api.account.{account_id}"),
        "*".into(),
    )]
    .into_iter()
    .collect();
    let policy = |name: &str| TokenPolicyInput {
        id: None,
        effect: Access::Allow,
        permission_groups: vec![IdRef::new(group_id(name))],
        resources: resources.clone(),
    };
    let created = api.send(&CreateToken {
        account_id: account_id.clone(),
        name: "acme-automation".into(),
        policies: vec![policy("Account Settings Read")],
        ..Default::default()
    });
    assert!(!format!("{created:?}").contains(created.value.as_ref().unwrap().expose()));
    let token_id = created.id.clone().unwrap();
    let as_token = Api::new(
        &sandbox,
        Credentials::api_token(created.value.as_ref().unwrap().expose()).unwrap(),
    );
    let verified = as_token.send(&VerifyToken {
        account_id: account_id.clone(),
    });
    assert_eq!(
        (verified.id.as_deref(), verified.status),
        (Some(token_id.as_str()), Some(TokenStatus::Active))
    );
    api.sent.lock().unwrap().insert(VerifyToken::NAME);
    let listed = api.all(ListTokens {
        account_id: account_id.clone(),
        per_page: Some(5),
        ..Default::default()
    });
    assert!(listed.iter().any(|t| t.id.as_ref() == Some(&token_id)));
    let token = api.send(&GetToken {
        account_id: account_id.clone(),
        token_id: token_id.clone(),
    });
    assert_eq!(token.name.as_deref(), Some("acme-automation"));
    let updated = api.send(&UpdateToken {
        account_id: account_id.clone(),
        token_id: token_id.clone(),
        name: "acme-automation-2".into(),
        policies: vec![policy("Account Settings Write")],
        status: None,
        not_before: None,
        expires_on: None,
        request_ip_in: None,
        request_ip_not_in: None,
    });
    assert_eq!(updated.name.as_deref(), Some("acme-automation-2"));
    let rolled = api.send(&RollTokenValue {
        account_id: account_id.clone(),
        token_id: token_id.clone(),
    });
    let as_rolled = Api::new(&sandbox, Credentials::api_token(rolled.expose()).unwrap());
    assert!(as_rolled
        .try_send(
            &VerifyToken {
                account_id: account_id.clone()
            },
            None
        )
        .is_ok());
    let old = as_token.try_send(
        &VerifyToken {
            account_id: account_id.clone(),
        },
        None,
    );
    assert!(
        matches!(old, Err(Error::Api(_))),
        "the old value stops working"
    );
    let deleted = api.send(&DeleteToken {
        account_id: account_id.clone(),
        token_id,
    });
    assert!(deleted.is_some());
    assert!(matches!(
        as_rolled.try_send(
            &VerifyToken {
                account_id: account_id.clone()
            },
            None
        ),
        Err(Error::Api(_))
    ));

    // The invitee's side: the plain user sees, reads and accepts its invitation.
    api.send(&CreateMember {
        account_id: account_id.clone(),
        email: "plain@example.com".into(),
        roles: Some(vec![ADMINISTRATOR_ROLE_ID.into()]),
        ..Default::default()
    });
    let plain = Credentials::api_token(common::PLAIN_TOKEN).unwrap();
    let invites = api.try_send(&ListInvites {}, Some(&plain)).unwrap().result;
    let invite = invites
        .iter()
        .find(|i| i.organization_id.as_deref() == Some(account_id.as_str()))
        .expect("an invitation to the account");
    let invite_id = invite.id.clone().unwrap();
    let seen = api
        .try_send(
            &GetInvite {
                invite_id: invite_id.clone(),
            },
            Some(&plain),
        )
        .unwrap()
        .result;
    assert_eq!(seen.status, Some(InviteStatus::Pending));
    let accepted = api
        .try_send(
            &UpdateInvite {
                invite_id,
                status: InviteStatus::Accepted,
            },
            Some(&plain),
        )
        .unwrap()
        .result;
    assert_eq!(accepted.status, Some(InviteStatus::Accepted));

    let gone = api.send(&DeleteAccount {
        account_id: account_id.clone(),
    });
    assert_eq!(gone.unwrap().id.as_deref(), Some(account_id.as_str()));
    let missing = api_error(api.try_send(&GetAccount { account_id }, None));
    assert_eq!((missing.status, missing.code()), (404, Some(1003)));

    let sent = api.sent.lock().unwrap().clone();
    let all: BTreeSet<_> = operations().iter().map(|op| op.name).collect();
    assert_eq!(
        sent,
        all,
        "operations not exercised: {:?}",
        all.difference(&sent).collect::<Vec<_>>()
    );
}

#[test]
fn refusals_come_back_as_typed_errors() {
    let sandbox = Sandbox::start(&[]);
    let admin = Api::admin(&sandbox);
    let plain = Api::new(
        &sandbox,
        Credentials::api_token(common::PLAIN_TOKEN).unwrap(),
    );
    let stranger = Api::new(
        &sandbox,
        Credentials::api_token("not-a-sandbox-token").unwrap(),
    );

    // 401: a request that reaches the API with no credentials at all.
    let mut request = admin.client.request(&GetUser {}).unwrap();
    request.headers_mut().remove("x-auth-email");
    request.headers_mut().remove("x-auth-key");
    let unauthenticated = admin.client.response::<GetUser>(&admin.exchange(request));
    let e = api_error(unauthenticated);
    assert_eq!((e.status, e.code()), (401, Some(10000)));
    assert!(e.ray_id.is_some());

    let e = api_error(stranger.try_send(&GetUser {}, None));
    assert_eq!((e.status, e.code()), (403, Some(9109)));

    let e = api_error(plain.try_send(&CreateAccount::new("Not allowed"), None));
    assert_eq!((e.status, e.code()), (403, Some(1002)));
    assert!(e.to_string().contains("[1002]"), "{e}");

    let account_id = admin.send(&CreateAccount::new("Acme")).id.unwrap();
    let e = api_error(plain.try_send(
        &DeleteAccount {
            account_id: account_id.clone(),
        },
        None,
    ));
    assert_eq!(e.status, 403);

    let e = api_error(admin.try_send(
        &CreateMember {
            account_id: account_id.clone(),
            email: "eager@acme.example".into(),
            roles: Some(vec![ADMINISTRATOR_ROLE_ID.into()]),
            status: Some(MemberStatus::Accepted),
            ..Default::default()
        },
        None,
    ));
    assert_eq!((e.status, e.code()), (400, Some(1001)));

    let e = api_error(admin.try_send(
        &GetAccount {
            account_id: "0123456789abcdef0123456789abcdef".into(),
        },
        None,
    ));
    assert_eq!(e.status, 404);
    let e = api_error(admin.try_send(
        &GetMember {
            account_id: account_id.clone(),
            member_id: "0123456789abcdef0123456789abcdef".into(),
        },
        None,
    ));
    assert_eq!((e.status, e.code()), (404, Some(1004)));

    admin.send(&CreateUser {
        email: "svc@partner.example".into(),
    });
    let e = api_error(admin.try_send(
        &CreateUser {
            email: "svc@partner.example".into(),
        },
        None,
    ));
    assert_eq!((e.status, e.code()), (409, Some(1009)));

    // Bad input never reaches the sandbox.
    let before = sandbox.state()["counters"]["requests"].as_u64();
    for err in [
        admin
            .try_send(
                &ListRoles {
                    account_id: account_id.clone(),
                    per_page: Some(51),
                    ..Default::default()
                },
                None,
            )
            .unwrap_err(),
        admin
            .try_send(
                &GetAccount {
                    account_id: "../user".into(),
                },
                None,
            )
            .unwrap_err(),
        admin
            .try_send(
                &CreateMember {
                    account_id,
                    email: "x@y.example".into(),
                    roles: Some(vec![ADMINISTRATOR_ROLE_ID.into()]),
                    policies: Some(vec![]),
                    ..Default::default()
                },
                None,
            )
            .unwrap_err(),
    ] {
        assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    }
    assert_eq!(sandbox.state()["counters"]["requests"].as_u64(), before);
}

#[test]
fn rate_limits_and_faults_become_typed_errors() {
    let limited = Sandbox::start(&["--rate-limit", "3"]);
    let api = Api::admin(&limited);
    for _ in 0..3 {
        api.send(&GetUser {});
    }
    let e = api_error(api.try_send(&GetUser {}, None));
    assert_eq!(e.status, 429);
    assert!(
        e.retry_after.is_some_and(|d| d.as_secs() > 0),
        "{:?}",
        e.retry_after
    );

    let zero = Sandbox::start(&["--fault-429-zero", "1.0"]);
    let e = api_error(Api::admin(&zero).try_send(&GetUser {}, None));
    assert_eq!(
        (e.status, e.retry_after.map(|d| d.as_secs())),
        (429, Some(1))
    );

    let edge = Sandbox::start(&["--fault-html-502", "1.0"]);
    match Api::admin(&edge).try_send(&GetUser {}, None) {
        Err(Error::Decode(e)) => {
            assert_eq!(e.status, 502);
            assert!(e.ray_id.is_some());
            assert!(e.snippet.contains("502"), "{}", e.snippet);
        }
        other => panic!("expected a decode error, got {other:?}"),
    }

    // The response is lost, the account exists: the outcome-unknown case.
    let lost = Sandbox::start(&["--fault-lost-response", "1.0"]);
    let result = Api::admin(&lost).try_send(&CreateAccount::new("Acme"), None);
    assert!(
        matches!(result, Err(Error::Decode(ref e)) if e.status == 502),
        "{result:?}"
    );
    let state = lost.state();
    let created = state["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["name"] == "Acme")
        .count();
    assert_eq!(created, 1);
}
