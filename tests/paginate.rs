//! The pagination state machine: every stop rule, for the typed and the by-name paginator.

use cloudflare_tenant::api::roles::ListRoles;
use cloudflare_tenant::api::tenants::ListTenantAccounts;
use cloudflare_tenant::http::HeaderMap;
use cloudflare_tenant::{parse_response_named, NamedPaginator, Paginator, Stop};
use serde_json::{json, Value};

const ACCOUNT: &str = "2bab6ace8c72ed3f09b9eca6db1396bb";

fn page_body(ids: std::ops::Range<u32>, info: Value) -> Vec<u8> {
    let roles: Vec<_> = ids
        .map(|i| json!({"id": format!("{i:032x}"), "name": format!("Role {i}")}))
        .collect();
    serde_json::to_vec(&json!({"success": true, "errors": [], "messages": [], "result": roles, "result_info": info})).unwrap()
}

/// Runs a typed paginator over canned pages; returns the items, pages requested and the stop.
fn walk(first: ListRoles, pages: impl Fn(u32) -> Vec<u8>) -> (usize, Vec<u32>, Stop) {
    let mut paginator = Paginator::new(first).max_pages(10);
    let (mut items, mut asked) = (0, Vec::new());
    while let Some(op) = paginator.next_request() {
        let page = op.page.unwrap();
        asked.push(page);
        let body = pages(page);
        let response =
            cloudflare_tenant::parse_response::<ListRoles>(200, &HeaderMap::new(), &body).unwrap();
        items += paginator.feed(response).len();
    }
    (items, asked, paginator.stop().cloned().unwrap())
}

fn roles(per_page: Option<u32>) -> ListRoles {
    ListRoles {
        account_id: ACCOUNT.into(),
        per_page,
        ..Default::default()
    }
}

#[test]
fn stops_at_total_pages() {
    let (items, asked, stop) = walk(roles(Some(5)), |p| {
        page_body(
            (p - 1) * 5..p * 5,
            json!({"page": p, "per_page": 5, "count": 5, "total_count": 15, "total_pages": 3}),
        )
    });
    assert_eq!((items, asked, stop), (15, vec![1, 2, 3], Stop::LastPage));
}

#[test]
fn stops_at_a_short_page() {
    let (items, asked, stop) = walk(roles(Some(5)), |p| {
        let n = if p == 2 { 3 } else { 5 };
        page_body(
            (p - 1) * 5..(p - 1) * 5 + n,
            json!({"page": p, "per_page": 5}),
        )
    });
    assert_eq!((items, asked, stop), (8, vec![1, 2], Stop::ShortPage));
}

#[test]
fn stops_at_an_empty_page() {
    let (items, asked, stop) = walk(roles(Some(5)), |p| {
        let range = if p == 3 { 0..0 } else { (p - 1) * 5..p * 5 };
        page_body(range, json!({"page": p, "per_page": 5}))
    });
    assert_eq!((items, asked, stop), (10, vec![1, 2, 3], Stop::EmptyPage));
}

#[test]
fn stops_at_total_count_without_total_pages() {
    let (items, asked, stop) = walk(roles(Some(5)), |p| {
        page_body(
            (p - 1) * 5..p * 5,
            json!({"page": p, "per_page": 5, "count": 5, "total_count": 10}),
        )
    });
    assert_eq!((items, asked, stop), (10, vec![1, 2], Stop::TotalCount));
}

#[test]
fn reports_a_page_the_api_repeats_and_drops_its_items() {
    // The API ignores `page` for some credentials and sends page 1 forever.
    let (items, asked, stop) = walk(roles(Some(5)), |_| {
        page_body(0..5, json!({"page": 1, "per_page": 5}))
    });
    assert_eq!((items, asked), (5, vec![1, 2]));
    assert_eq!(
        stop,
        Stop::RepeatedPage {
            page: 2,
            first_seen: 1
        }
    );
    assert!(stop.is_anomaly());
}

#[test]
fn reports_the_page_cap() {
    let (items, asked, stop) = walk(roles(Some(5)), |p| page_body((p - 1) * 5..p * 5, json!({})));
    assert_eq!((items, asked.len()), (50, 10));
    assert_eq!(stop, Stop::PageCap { max_pages: 10 });
    assert!(stop.is_anomaly());
}

#[test]
fn uses_the_api_default_page_size_when_none_was_asked() {
    // 20 items with no result_info: a full default page, so ask for the next one.
    let (items, asked, stop) = walk(roles(None), |p| {
        let n = if p == 1 { 20 } else { 4 };
        page_body((p - 1) * 20..(p - 1) * 20 + n, json!({}))
    });
    assert_eq!((items, asked, stop), (24, vec![1, 2], Stop::ShortPage));
}

#[test]
fn starts_from_the_requested_page() {
    let (_, asked, _) = walk(
        ListRoles {
            page: Some(3),
            ..roles(Some(5))
        },
        |p| page_body((p - 1) * 5..p * 5, json!({"total_pages": 4})),
    );
    assert_eq!(asked, vec![3, 4]);
}

#[test]
fn tenant_accounts_page_too() {
    let mut paginator = Paginator::new(ListTenantAccounts {
        tenant_id: ACCOUNT.into(),
        per_page: Some(5),
        ..Default::default()
    });
    let op = paginator.next_request().unwrap();
    assert_eq!(op.page, Some(1));
    let body = page_body(0..5, json!({"total_pages": 2}));
    let response =
        cloudflare_tenant::parse_response::<ListTenantAccounts>(200, &HeaderMap::new(), &body)
            .unwrap();
    assert_eq!(paginator.feed(response).len(), 5);
    assert_eq!(paginator.next_request().unwrap().page, Some(2));
}

#[test]
fn the_by_name_paginator_follows_the_same_rules() {
    let mut paginator = NamedPaginator::new(
        "accounts.roles.list",
        json!({"account_id": ACCOUNT, "per_page": 5}),
    )
    .unwrap();
    let mut pages = Vec::new();
    while let Some(params) = paginator.next_params() {
        let page = params["page"].as_u64().unwrap() as u32;
        assert_eq!(params["account_id"], ACCOUNT);
        pages.push(page);
        let body = page_body(0..5, json!({"per_page": 5}));
        let response =
            parse_response_named("accounts.roles.list", 200, &HeaderMap::new(), &body).unwrap();
        let items = paginator.feed(response);
        assert_eq!(items.len(), if page == 1 { 5 } else { 0 });
    }
    assert_eq!(pages, vec![1, 2]);
    assert!(matches!(
        paginator.stop(),
        Some(Stop::RepeatedPage {
            page: 2,
            first_seen: 1
        })
    ));
}

#[test]
fn stops_have_a_stable_json_view() {
    let view = Stop::RepeatedPage {
        page: 2,
        first_seen: 1,
    }
    .to_json();
    assert_eq!(view["reason"], "repeated_page");
    assert_eq!(
        (view["page"].as_u64(), view["first_seen"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(view["anomaly"], true);
    assert_eq!(Stop::LastPage.to_json()["anomaly"], false);
    assert_eq!(Stop::PageCap { max_pages: 9 }.to_json()["max_pages"], 9);
}

#[test]
fn the_by_name_paginator_checks_params_before_any_request() {
    let err =
        NamedPaginator::new("accounts.roles.list", json!({"account_id": "../x"})).unwrap_err();
    assert_eq!(err.to_json()["field"], "account_id");
    let err = NamedPaginator::new("accounts.list", json!({"per_page": 500})).unwrap_err();
    assert_eq!(err.to_json()["field"], "per_page");
}
