"""The sync client against the local sandbox, over urllib (the default) and over httpx:
onboarding a customer end to end."""

from __future__ import annotations

import time
from typing import Any, Callable, Iterator, List

import httpx
import pytest
from _support import ADMIN_EMAIL, ADMIN_GLOBAL_KEY, ADMIN_TOKEN, Sandbox, unique

import cloudflare_tenant as ct

ADMINISTRATOR_ROLE_ID = "05784afa30c1afe1440e79d9351c7430"


@pytest.fixture(params=["urllib", "httpx"])
def make_client(
    request: pytest.FixtureRequest, sandbox: Sandbox
) -> Iterator[Callable[..., ct.TenantClient]]:
    """Builds clients on the sandbox with the transport under test."""
    opened: List[Any] = []

    def make(**kwargs: Any) -> ct.TenantClient:
        transport: Any = None
        if request.param == "httpx":
            transport = httpx.Client(timeout=30)
            opened.append(transport)
        client = ct.TenantClient(base_url=sandbox.base_url, transport=transport, **kwargs)
        opened.append(client)
        return client

    yield make
    for thing in opened:
        thing.close()


def first(items: Any, predicate: Callable[[Any], bool]) -> Any:
    for item in items:
        if predicate(item):
            return item
    raise AssertionError("no matching item")


def test_onboarding_a_customer(make_client: Callable[..., ct.TenantClient], sandbox: Sandbox) -> None:
    client = make_client(api_token=ADMIN_TOKEN)

    # The tenant the caller administers, and its units.
    tenants = list(client.user.tenants.list())
    assert len(tenants) == 1
    tenant_id = tenants[0]["id"]
    tenant = client.tenants.get(tenant_id)
    assert tenant["tenant_tag"] == tenant_id
    unit_id = tenant["tenant_units"][0]["unit_tag"]

    # An account on that unit, with KYC fields.
    name = unique("Acme")
    account = client.accounts.create(
        name=name,
        unit_id=unit_id,
        business_name="Acme Corp",
        business_address="1 Main St, Springfield",
        business_email="ops@acme.example",
        business_phone="+1 555 0199",
        external_metadata="crm:42",
    )
    assert account["name"] == name
    assert account["managed_by"]["parent_org_id"] == tenant_id
    account_id = account["id"]
    assert client.accounts.get(account_id)["id"] == account_id

    # "Administrator", resolved by name through every page of roles (it is not on page 1).
    roles = client.accounts.roles.list(account_id)
    administrator = first(roles, lambda r: r["name"] == "Administrator")
    assert administrator["id"] == ADMINISTRATOR_ROLE_ID

    # Invite the customer's service user, then create it.
    email = f"{unique('customer')}@partner.example"
    member = client.accounts.members.create(
        account_id, email=email, roles=[administrator["id"]], status="pending"
    )
    assert member["status"] == "pending"
    user = client.users.create(email=email)
    assert user["email"] == email
    api_key = user["api_key"]
    assert isinstance(api_key, ct.Secret) and len(api_key.expose()) > 10
    assert api_key.expose() not in repr(user) and api_key.expose() not in str(user)

    # As that user: its pending memberships, and accepting the invitation.
    as_customer = client.with_credentials(ct.Credentials.user_service_key(api_key))
    assert api_key.expose() not in repr(as_customer)
    pending = list(as_customer.memberships.list(status="pending"))
    membership = first(pending, lambda m: m["account"]["id"] == account_id)
    accepted = as_customer.memberships.update(membership["id"], status="accepted")
    assert accepted["status"] == "accepted"
    # The same through a per-call credential: a dict takes the Secret as it is.
    again = client.memberships.get(membership["id"], credentials={"user_service_key": api_key})
    assert again["status"] == "accepted"
    members = list(client.accounts.members.list(account_id, status="accepted"))
    assert any(m["email"] == email for m in members)

    # The tenant's accounts, page by page.
    created = {account_id}
    for i in range(6):
        created.add(client.accounts.create(name=f"{name}-{i}", unit_id=unit_id)["id"])
    listing = client.tenants.accounts.list(tenant_id, per_page=5)
    pages = list(listing.pages())
    assert len(pages) >= 2
    assert all(len(page) <= 5 for page in pages)
    assert len(pages[0]) == 5
    seen = [a["id"] for page in pages for a in page]
    assert len(seen) == len(set(seen))
    assert created <= set(seen)
    assert listing.stop is not None and not listing.stop["anomaly"]


def test_global_key_credentials(make_client: Callable[..., ct.TenantClient]) -> None:
    client = make_client(api_email=ADMIN_EMAIL, api_key=ADMIN_GLOBAL_KEY)
    me = client.user.get()
    assert me["email"] == ADMIN_EMAIL
    assert ADMIN_GLOBAL_KEY not in repr(client)


def test_every_list_iterates(make_client: Callable[..., ct.TenantClient]) -> None:
    client = make_client(api_token=ADMIN_TOKEN)
    tenant_id = next(iter(client.user.tenants.list()))["id"]
    account = client.accounts.create(name=unique("Lists"))
    account_id = account["id"]
    assert any(a["id"] == account_id for a in client.accounts.list(per_page=50))
    assert list(client.tenants.account_types.list(tenant_id))
    assert isinstance(list(client.tenants.memberships.list(tenant_id)), list)
    assert isinstance(client.tenants.entitlements.get(tenant_id), dict)
    groups = list(client.accounts.permission_groups.list(account_id, per_page=50))
    assert groups
    group = client.accounts.permission_groups.get(account_id, groups[0]["id"])
    assert group["id"] == groups[0]["id"]
    resource_groups = list(client.accounts.resource_groups.list(account_id))
    assert resource_groups
    role = client.accounts.roles.get(account_id, ADMINISTRATOR_ROLE_ID)
    assert role["name"] == "Administrator"


def test_member_and_account_lifecycle(make_client: Callable[..., ct.TenantClient]) -> None:
    client = make_client(api_token=ADMIN_TOKEN)
    account = client.accounts.create(name=unique("Lifecycle"))
    account_id = account["id"]
    updated = client.accounts.update(
        account_id, name=account["name"] + "-2", type="standard", enforce_twofactor=True
    )
    assert updated["name"].endswith("-2")
    member = client.accounts.members.create(
        account_id, email=f"{unique('m')}@partner.example", roles=[ADMINISTRATOR_ROLE_ID]
    )
    fetched = client.accounts.members.get(account_id, member["id"])
    assert fetched["id"] == member["id"]
    client.accounts.members.update(account_id, member["id"], roles=[ADMINISTRATOR_ROLE_ID])
    client.accounts.members.delete(account_id, member["id"])
    with pytest.raises(ct.NotFoundError):
        client.accounts.members.get(account_id, member["id"])
    deleted = client.accounts.delete(account_id)
    assert deleted is None or deleted["id"] == account_id
    with pytest.raises(ct.NotFoundError) as caught:
        client.accounts.get(account_id)
    assert caught.value.operation == "accounts.get"


def test_user_edit(make_client: Callable[..., ct.TenantClient]) -> None:
    client = make_client(api_token=ADMIN_TOKEN)
    me = client.user.edit(first_name="Ada", country="GB")
    assert me["first_name"] == "Ada"
    assert client.user.get()["country"] == "GB"


def test_onboard_with_the_core_flow(make_client: Callable[..., ct.TenantClient], sandbox: Sandbox) -> None:
    client = make_client(api_token=ADMIN_TOKEN)
    unit_id = sandbox.state()["tenants"][0]["units"][0]["unit_tag"]
    name = unique("Flow")
    spec: ct.types.OnboardingSpec = {
        "name": name,
        "unit_id": unit_id,
        "business_name": f"{name} Ltd",
        "members": [
            {"email": f"admin@{name}.example", "roles": ["Administrator"]},
            {"email": f"ops@{name}.example", "roles": [ADMINISTRATOR_ROLE_ID]},
        ],
        "service_user": {"email": f"svc@{name}.example"},
    }
    report = client.onboard(spec)
    assert report["complete"], report
    account_id = report["account"]["id"]
    assert account_id is not None and client.accounts.get(account_id)["name"] == name
    members = {m["email"] for m in client.accounts.members.list(account_id)}
    assert {f"admin@{name}.example", f"ops@{name}.example", f"svc@{name}.example"} <= members
    key = report["api_key"]
    assert key is not None and repr(key) == "Secret('***')" and key.expose() not in repr(report)
    as_user = client.with_credentials(ct.Credentials.user_service_key(key))
    mine = [m for m in as_user.memberships.list() if m["account"]["id"] == account_id]
    assert [m["status"] for m in mine] == ["accepted"]
    # A second run finds everything and creates nothing (adopting the account: by its name
    # alone, it could be another customer's).
    again = client.onboard({**spec, "adopt": True})
    assert again["account"] == {**report["account"], "status": "existed"}
    assert {m["status"] for m in again["members"]} == {"existed"}
    assert len([a for a in sandbox.state()["accounts"] if a["name"] == name]) == 1


def test_pacing_stays_under_the_sandbox_limit(start_sandbox: Callable[..., Sandbox]) -> None:
    limited = start_sandbox("--rate-limit", "3", "--rate-window", "1")
    # 3 per 1.2 s by our clock: a margin over the sandbox's 3 per 1 s window.
    with ct.TenantClient(api_token=ADMIN_TOKEN, base_url=limited.base_url, pace=(3, 1.2), retry=False) as client:
        started = time.monotonic()
        for _ in range(7):
            client.user.get()
        assert time.monotonic() - started >= 2.4
    assert limited.state()["counters"]["rate_limited"] == 0


def test_a_customer_ref_never_takes_a_strangers_account_and_a_checkpoint_skips_every_lookup(
    make_client: Callable[..., ct.TenantClient], sandbox: Sandbox
) -> None:
    client = make_client(api_token=ADMIN_TOKEN)
    name = unique("SameName")
    # Another customer's account of the same name, with its own admin.
    stranger = client.accounts.create(name=name)
    client.accounts.members.create(stranger["id"], email="them@stranger.example", roles=[ADMINISTRATOR_ROLE_ID])
    spec: ct.types.OnboardingSpec = {
        "name": name,
        "customer_ref": unique("crm"),
        "members": [{"email": f"admin@{name}.example", "roles": ["Administrator"]}],
        "token": {"name": "customer-api", "permission_groups": ["Account Settings Read"]},
    }
    report = client.onboard(spec)
    assert report["complete"], report
    assert report["account"]["status"] == "created" and report["account"]["id"] != stranger["id"]
    assert report["token_value"] is not None and "***" in repr(report["token_value"])
    theirs = {m["email"] for m in client.accounts.members.list(stranger["id"])}
    assert f"admin@{name}.example" not in theirs, "the stranger's account is never touched"
    # Again, by the key: the same account, now existing.
    again = client.onboard(spec)
    assert again["complete"] and again["account"] == {**report["account"], "status": "existed"}
    # From the report: nothing looked up, nothing sent.
    before = sandbox.state()["counters"]["requests"]
    resumed = client.onboard({**spec, "checkpoint": again})
    assert resumed["complete"] and resumed["account"]["id"] == report["account"]["id"]
    assert sandbox.state()["counters"]["requests"] == before
    same_name = [a for a in sandbox.state()["accounts"] if a["name"] == name]
    assert len(same_name) == 2, "the stranger's and this customer's, no more"
