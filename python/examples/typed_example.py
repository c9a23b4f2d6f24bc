"""Onboarding a customer, fully typed (checked with ``mypy --strict``).

    CLOUDFLARE_TENANT_BASE_URL=http://127.0.0.1:8787/client/v4 \\
    CLOUDFLARE_API_TOKEN=sandbox-token python typed_example.py

Without ``CLOUDFLARE_TENANT_BASE_URL`` it talks to the real API.
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import List, Optional

import cloudflare_tenant as ct
from cloudflare_tenant.params import AccountsCreateParams
from cloudflare_tenant.types import (
    Account,
    CreatedUser,
    Membership,
    OnboardingReport,
    OnboardingSpec,
    Role,
    Tenant,
)


def find_role(client: ct.TenantClient, account_id: str, name: str) -> Optional[Role]:
    """Roles are paginated (100+ per account): look through every page."""
    for role in client.accounts.roles.list(account_id, per_page=50):
        if role.get("name") == name:
            return role
    return None


def onboard(client: ct.TenantClient, customer: str) -> Account:
    tenant_id: str = next(iter(client.user.tenants.list()))["id"]
    tenant: Tenant = client.tenants.get(tenant_id)
    unit_id = tenant["tenant_units"][0]["unit_tag"]

    account: Account = client.accounts.create(
        name=f"{customer} Inc.",
        unit_id=unit_id,
        business_name=f"{customer} Inc.",
        business_email=f"ops@{customer.lower()}.example",
    )
    account_id = account["id"]

    administrator = find_role(client, account_id, "Administrator")
    if administrator is None:
        raise SystemExit("no Administrator role")

    email = f"{customer.lower()}-{os.getpid()}@partner.example"
    client.accounts.members.create(account_id, email=email, roles=[administrator["id"]])
    user: CreatedUser = client.users.create(email=email)
    print("created", user)  # the api_key is masked in the repr

    # Act as the customer's service user from now on.
    as_customer = client.with_credentials(ct.Credentials.user_service_key(user["api_key"]))
    pending: List[Membership] = [
        m for m in as_customer.memberships.list(status="pending") if m["account"]["id"] == account_id
    ]
    for membership in pending:
        as_customer.memberships.update(membership["id"], status="accepted")
    return account


def onboard_with_the_flow(client: ct.TenantClient, unit_id: str, customer: str) -> OnboardingReport:
    """The same, in one call: the core's flow finds or creates each piece, and never creates
    a second account when an answer is lost (it looks the account up by name first)."""
    slug = customer.lower()
    spec: OnboardingSpec = {
        "name": f"{customer} Corp",
        "unit_id": unit_id,
        "business_name": f"{customer} Corp",
        "members": [{"email": f"admin@{slug}.example", "roles": ["Administrator"]}],
        "service_user": {"email": f"svc-{slug}-{os.getpid()}@partner.example"},
    }
    report = client.onboard(spec)
    for step in [report["account"], *report["members"]]:
        print(f"  {step['target']}: {step['status']}")
    api_key: Optional[ct.Secret] = report["api_key"]
    print("  service user key:", repr(api_key))  # Secret('***')
    return report


async def count_accounts(base_url: Optional[str], token: str) -> int:
    async with ct.AsyncTenantClient(api_token=token, base_url=base_url) as client:
        tenant_ids = [t["id"] for t in await client.user.tenants.list().all()]
        total = 0
        for tenant_id in tenant_ids:
            async for page in client.tenants.accounts.list(tenant_id, per_page=50).pages():
                info: Optional[ct.types.ResultInfo] = page.result_info
                print(f"  page {info.get('page') if info else '?'}: {len(page)} accounts")
                total += len(page)
        return total


def sans_io() -> None:
    """The by-name floor: build a request, send it any way you like, parse the answer."""
    params: AccountsCreateParams = {"name": "Acme", "business_name": "Acme Corp"}
    request: ct.Request = ct.build_request("accounts.create", params, {"api_token": "t"})
    assert request.method == "POST"
    parsed = ct.parse_response(
        "accounts.create",
        200,
        {"cf-ray": "0"},
        b'{"success":true,"errors":[],"messages":[],"result":{"id":"x","name":"Acme"}}',
    )
    account: Account = parsed["result"]
    assert account["name"] == "Acme"


def main() -> int:
    base_url = os.environ.get("CLOUDFLARE_TENANT_BASE_URL")
    token = os.environ.get("CLOUDFLARE_API_TOKEN")
    sans_io()
    if not token:
        print("set CLOUDFLARE_API_TOKEN (and CLOUDFLARE_TENANT_BASE_URL for the sandbox)")
        return 0
    # Retries are the core's decisions (429 after its wait; 5xx/timeouts for GET/PUT/DELETE
    # only); pacing keeps the token under Cloudflare's 1,200 requests per 5 minutes.
    policy = ct.RetryPolicy(max_retries=4, initial_backoff=0.25)
    with ct.TenantClient(api_token=token, base_url=base_url, retry=policy, pace=True) as client:
        try:
            account = onboard(client, "Acme")
            unit_id = client.tenants.get(next(iter(client.user.tenants.list()))["id"])["tenant_units"][0]["unit_tag"]
            report = onboard_with_the_flow(client, unit_id, "Initech")
            if not report["complete"]:
                print("onboarding incomplete:", report, file=sys.stderr)
                return 1
        except ct.OutcomeUnknownError as error:
            print(f"{error.operation}: may or may not have happened: {error}", file=sys.stderr)
            return 1
        except ct.RateLimitError as error:
            print(f"rate limited; retry in {error.retry_after} s", file=sys.stderr)
            return 1
        except ct.APIError as error:
            print(f"{error.status} {error.code}: {error} (ray {error.ray_id})", file=sys.stderr)
            return 1
        except ct.ValidationError as error:
            print(f"bad input {error.field}: {error.reason}", file=sys.stderr)
            return 2
    print("onboarded", account["id"])
    print("accounts:", asyncio.run(count_accounts(base_url, token)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
