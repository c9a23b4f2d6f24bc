//! The client's own behaviour: credentials, per-call overrides, base URLs, the by-name entry
//! point's errors, and what errors and Debug output never show.

use cloudflare_tenant::api::accounts::{CreateAccount, GetAccount, ListAccounts};
use cloudflare_tenant::api::users::CreateUser;
use cloudflare_tenant::http::HeaderMap;
use cloudflare_tenant::{
    operation, operations, parse_response_named, Client, Credentials, Error, NamedPaginator,
};
use serde_json::json;

const ACCOUNT: &str = "2bab6ace8c72ed3f09b9eca6db1396bb";

fn get_account() -> GetAccount {
    GetAccount {
        account_id: ACCOUNT.into(),
    }
}

#[test]
fn each_credential_kind_sets_its_headers() {
    let cases = [
        (
            Credentials::api_token("tok").unwrap(),
            vec![("authorization", "Bearer tok")],
        ),
        (
            Credentials::global_key("p@example.com", "gk").unwrap(),
            vec![("x-auth-email", "p@example.com"), ("x-auth-key", "gk")],
        ),
        (
            Credentials::user_service_key("svc").unwrap(),
            vec![("x-auth-user-service-key", "svc")],
        ),
    ];
    for (credentials, expected) in cases {
        let request = Client::new(credentials.clone())
            .request(&get_account())
            .unwrap();
        let auth: Vec<_> = request
            .headers()
            .iter()
            .filter(|(k, _)| credentials.header_names().contains(&k.as_str()))
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
            .collect();
        let expected: Vec<_> = expected
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(auth, expected);
        assert!(
            request
                .headers()
                .values()
                .filter(|v| v.is_sensitive())
                .count()
                == expected.len()
        );
        let ua = request.headers()["user-agent"].to_str().unwrap();
        assert!(ua.starts_with("cloudflare-tenant/"), "{ua}");
    }
}

#[test]
fn per_call_credentials_override_the_client() {
    let client = Client::new(Credentials::api_token("partner").unwrap());
    let customer = Credentials::user_service_key("customer-key").unwrap();
    let request = client.request_as(&get_account(), &customer).unwrap();
    assert!(request.headers().get("authorization").is_none());
    assert_eq!(request.headers()["x-auth-user-service-key"], "customer-key");
    let named = client
        .request_named(
            "accounts.get",
            json!({"account_id": ACCOUNT}),
            Some(&customer),
        )
        .unwrap();
    assert_eq!(named.headers()["x-auth-user-service-key"], "customer-key");
}

#[test]
fn no_credentials_is_a_clear_error() {
    let err = Client::default().request(&get_account()).unwrap_err();
    assert_eq!(err.operation(), Some("accounts.get"));
    let json = err.to_json();
    assert_eq!(json["kind"], "invalid");
    assert_eq!(json["field"], "credentials");
}

#[test]
fn base_url_is_checked_and_trailing_slash_ignored() {
    let client = Client::new(Credentials::api_token("t").unwrap())
        .with_base_url("http://127.0.0.1:8787/client/v4/")
        .unwrap();
    let request = client.request(&get_account()).unwrap();
    assert_eq!(
        request.uri(),
        &*format!("http://127.0.0.1:8787/client/v4/accounts/{ACCOUNT}")
    );
    for bad in [
        "ftp://x",
        "api.cloudflare.com",
        "https://x/v4?a=1",
        "https://x/v4#f",
        "",
    ] {
        let err = Client::default().with_base_url(bad).unwrap_err();
        assert_eq!(err.to_json()["field"], "base_url", "{bad}");
    }
    assert!(Client::default().with_user_agent("me/1\r\nX: y").is_err());
}

#[test]
fn path_ids_never_carry_path_syntax() {
    let client = Client::new(Credentials::api_token("t").unwrap());
    for id in [
        "../../user",
        "2bab6ace8c72ed3f09b9eca6db1396b/",
        "2bab6ace8c72ed3f09b9eca6db1396%2",
        "?a=b",
        "",
    ] {
        let err = client
            .request(&GetAccount {
                account_id: id.into(),
            })
            .unwrap_err();
        let json = err.to_json();
        assert_eq!(
            (json["kind"].as_str(), json["field"].as_str()),
            (Some("invalid"), Some("account_id")),
            "{id}"
        );
    }
}

#[test]
fn query_values_are_percent_encoded() {
    let client = Client::new(Credentials::api_token("t").unwrap());
    let request = client
        .request(&ListAccounts {
            name: Some("Acme & Sons/Ltd?=ü".into()),
            per_page: Some(50),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        request.uri().query(),
        Some("name=Acme%20%26%20Sons%2FLtd%3F%3D%C3%BC&per_page=50")
    );
}

#[test]
fn secrets_never_reach_debug_or_errors() {
    let secret = "s3cr3t-value-0123456789";
    let client = Client::new(Credentials::global_key("p@example.com", secret).unwrap());
    assert!(!format!("{client:?}").contains(secret));
    let request = client.request(&CreateAccount::new("Acme")).unwrap();
    assert!(!format!("{:?}", request.headers()).contains(secret));
    let body = json!({"success": true, "errors": [], "messages": [], "result": {"id": ACCOUNT, "api_key": secret}});
    let response = cloudflare_tenant::http::Response::builder()
        .status(200)
        .body(serde_json::to_vec(&body).unwrap())
        .unwrap();
    let user = client.response::<CreateUser>(&response).unwrap().result;
    assert!(!format!("{user:?}").contains(secret));
    assert_eq!(user.api_key.unwrap().expose(), secret);
    let bad_key = Credentials::api_token(format!("{secret}\n")).unwrap_err();
    assert!(!bad_key.to_string().contains(secret));
}

#[test]
fn by_name_errors_name_what_is_wrong() {
    let client = Client::new(Credentials::api_token("t").unwrap());
    let unknown = client
        .request_named("accounts.explode", json!({}), None)
        .unwrap_err();
    assert!(matches!(&unknown, Error::UnknownOperation(name) if name == "accounts.explode"));
    assert!(unknown.to_string().contains("accounts.explode"));
    let not_object = client
        .request_named("accounts.get", json!([ACCOUNT]), None)
        .unwrap_err();
    assert_eq!(not_object.to_json()["field"], "params");
    let wrong_type = client
        .request_named("accounts.list", json!({"per_page": "ten"}), None)
        .unwrap_err();
    assert_eq!(wrong_type.to_json()["field"], "per_page");
    assert!(parse_response_named("nope", 200, &HeaderMap::new(), b"{}").is_err());
}

#[test]
fn the_registry_lists_each_operation_once() {
    let names: std::collections::BTreeSet<_> = operations().iter().map(|op| op.name).collect();
    assert_eq!(names.len(), operations().len());
    assert_eq!(operation("accounts.create").unwrap().method, "POST");
    let paged: Vec<_> = operations()
        .iter()
        .filter(|op| op.paginated)
        .map(|op| op.name)
        .collect();
    assert_eq!(
        paged,
        [
            "accounts.list",
            "accounts.tokens.list",
            "accounts.members.list",
            "accounts.roles.list",
            "accounts.permission_groups.list",
            "memberships.list",
            "tenants.accounts.list"
        ]
    );
    assert!(NamedPaginator::new("accounts.get", json!({})).is_err());
}

/// Typed operations serialize to the by-name parameters and go through the same table.
#[test]
fn typed_and_by_name_build_the_same_request() {
    use cloudflare_tenant::api::accounts::UpdateAccount;
    use cloudflare_tenant::api::members::{CreateMember, PolicyInput, UpdateMember};
    use cloudflare_tenant::api::tenants::ListTenantAccounts;
    use cloudflare_tenant::api::user::EditUser;
    use cloudflare_tenant::api::{Access, AccountType, Direction, IdRef, Operation};
    use cloudflare_tenant::http::Request;

    fn same<O: Operation>(typed: O, params: serde_json::Value) {
        let client = Client::new(Credentials::api_token("tok").unwrap());
        let show = |r: Request<Vec<u8>>| {
            let headers: Vec<_> = r
                .headers()
                .iter()
                .map(|(k, v)| format!("{k}: {v:?}"))
                .collect();
            (
                r.method().clone(),
                r.uri().to_string(),
                headers,
                r.into_body(),
            )
        };
        let typed = show(client.request(&typed).unwrap());
        let named = show(client.request_named(O::NAME, params, None).unwrap());
        assert_eq!(typed, named, "{}", O::NAME);
    }
    let group = "c8fed203ed3043cba015a93ad1616f1f";
    same(
        CreateAccount {
            r#type: Some(AccountType::Enterprise),
            unit_id: Some(ACCOUNT.into()),
            business_phone: Some("+1 555".into()),
            ..CreateAccount::new("Acme")
        },
        json!({"name": "Acme", "type": "enterprise", "unit_id": ACCOUNT, "business_phone": "+1 555"}),
    );
    same(
        UpdateAccount {
            account_id: ACCOUNT.into(),
            name: "Acme".into(),
            r#type: AccountType::Standard,
            enforce_twofactor: Some(true),
            abuse_contact_email: None,
        },
        json!({"account_id": ACCOUNT, "name": "Acme", "type": "standard", "enforce_twofactor": true}),
    );
    same(
        CreateMember {
            account_id: ACCOUNT.into(),
            email: "a@b.example".into(),
            policies: Some(vec![PolicyInput {
                id: None,
                access: Access::Allow,
                permission_groups: vec![IdRef::new(group)],
                resource_groups: vec![IdRef::new(group)],
            }]),
            ..CreateMember::default()
        },
        json!({"account_id": ACCOUNT, "email": "a@b.example", "policies": [
            {"access": "allow", "permission_groups": [group], "resource_groups": [{"id": group}]}
        ]}),
    );
    same(
        UpdateMember {
            account_id: ACCOUNT.into(),
            member_id: ACCOUNT.into(),
            roles: Some(vec![group.into()]),
            policies: None,
        },
        json!({"account_id": ACCOUNT, "member_id": ACCOUNT, "roles": [{"id": group}]}),
    );
    same(
        ListTenantAccounts {
            tenant_id: "a".repeat(32),
            direction: Some(Direction::Desc),
            ..ListTenantAccounts::default()
        },
        json!({"tenant_id": "a".repeat(32), "direction": 1}),
    );
    same(
        EditUser {
            zipcode: Some("94107".into()),
            ..EditUser::default()
        },
        json!({"zipcode": "94107"}),
    );
}

/// `Other` keeps values a response may carry; it is never sent.
#[test]
fn typed_unknown_enum_values_are_refused() {
    use cloudflare_tenant::api::AccountType;
    let client = Client::new(Credentials::api_token("tok").unwrap());
    let error = client
        .request(&CreateAccount {
            r#type: Some(AccountType::Other("premium".into())),
            ..CreateAccount::new("Acme")
        })
        .unwrap_err();
    let Error::Invalid(invalid) = error else {
        panic!("{error:?}")
    };
    assert_eq!(invalid.field, "type");
    assert_eq!(invalid.operation, Some("accounts.create"));
    assert!(
        invalid.reason.contains("standard, enterprise"),
        "{}",
        invalid.reason
    );
}
