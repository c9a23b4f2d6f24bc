"""The async client (httpx.AsyncClient) against the local sandbox."""

from __future__ import annotations

from typing import Any, Callable

import httpx
import pytest
from _support import ADMIN_TOKEN, PLAIN_TOKEN, Sandbox, unique

import cloudflare_tenant as ct

pytestmark = pytest.mark.anyio

ADMINISTRATOR_ROLE_ID = "05784afa30c1afe1440e79d9351c7430"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def afirst(items: Any, predicate: Callable[[Any], bool]) -> Any:
    async for item in items:
        if predicate(item):
            return item
    raise AssertionError("no matching item")


async def test_onboarding_a_customer(sandbox: Sandbox) -> None:
    async with ct.AsyncTenantClient(api_token=ADMIN_TOKEN, base_url=sandbox.base_url) as client:
        tenants = [t async for t in client.user.tenants.list()]
        tenant_id = tenants[0]["id"]
        tenant = await client.tenants.get(tenant_id)
        unit_id = tenant["tenant_units"][-1]["unit_tag"]

        name = unique("AsyncAcme")
        account = await client.accounts.create(
            name=name, unit_id=unit_id, business_name="Async Acme", business_email="a@acme.example"
        )
        account_id = account["id"]

        administrator = await afirst(
            client.accounts.roles.list(account_id), lambda r: r["name"] == "Administrator"
        )
        assert administrator["id"] == ADMINISTRATOR_ROLE_ID

        email = f"{unique('async-customer')}@partner.example"
        await client.accounts.members.create(account_id, email=email, roles=[administrator["id"]])
        user = await client.users.create(email=email)
        key = user["api_key"]
        assert key.expose() not in repr(user)

        as_customer = client.with_credentials({"user_service_key": key})
        membership = await afirst(
            as_customer.memberships.list(status="pending"),
            lambda m: m["account"]["id"] == account_id,
        )
        accepted = await as_customer.memberships.update(membership["id"], status="accepted")
        assert accepted["status"] == "accepted"
        # Per-call credentials work on the async client too.
        mine = await client.memberships.list(
            credentials=ct.Credentials.user_service_key(key)
        ).all()
        assert any(m["id"] == membership["id"] and m["status"] == "accepted" for m in mine)

        for i in range(5):
            await client.accounts.create(name=f"{name}-{i}", unit_id=unit_id)
        pages = [page async for page in client.tenants.accounts.list(tenant_id, per_page=5).pages()]
        assert len(pages) >= 2 and len(pages[0]) == 5
        ids = [a["id"] for page in pages for a in page]
        assert account_id in ids and len(ids) == len(set(ids))


async def test_given_async_client_is_left_open(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient() as http:
        client = ct.AsyncTenantClient(api_token=ADMIN_TOKEN, base_url=sandbox.base_url, transport=http)
        me = await client.user.get()
        assert me["email"] == "admin@tenant.example"
        await client.aclose()
        assert not http.is_closed
        assert (await client.user.get())["email"] == me["email"]


async def test_async_errors(sandbox: Sandbox) -> None:
    async with ct.AsyncTenantClient(api_token=PLAIN_TOKEN, base_url=sandbox.base_url) as client:
        with pytest.raises(ct.PermissionDeniedError) as caught:
            await client.accounts.create(name=unique("nope"))
        assert caught.value.status == 403
        with pytest.raises(ct.ValidationError):
            client.accounts.members.list("not-an-id")
        with pytest.raises(ct.ValidationError):
            await client.accounts.get("../../user")


async def test_async_connection_error() -> None:
    # Nothing listens there: the request never leaves, so even a POST is tried again.
    policy = ct.RetryPolicy(max_retries=1, initial_backoff=0.01)
    async with ct.AsyncTenantClient(
        api_token="t", base_url="http://127.0.0.1:9/client/v4", retry=policy
    ) as client:
        with pytest.raises(ct.APIConnectionError) as caught:
            await client.user.get()
        assert caught.value.operation == "user.get"
        assert "Bearer" not in str(caught.value)
        with pytest.raises(ct.APIConnectionError) as refused:
            await client.accounts.create(name="Acme")
        assert not refused.value.sent and "not sent" in str(refused.value)
