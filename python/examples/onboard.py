"""Onboards three customers against the sandbox (or any base URL) with the pip package, the same
flow as the Rust example: find the tenant and its units, create an account on a unit with KYC
fields, resolve the Administrator role by name across every page of roles, invite the
customer's admin, create a service user and accept its invitation as that user, then list the
tenant's accounts page by page.

    CLOUDFLARE_TENANT_BASE_URL=http://127.0.0.1:PORT/client/v4 python python/examples/onboard.py
"""

import os
import sys

import cloudflare_tenant as ct


def main() -> int:
    base_url = os.environ.get("CLOUDFLARE_TENANT_BASE_URL")
    if not base_url:
        print("set CLOUDFLARE_TENANT_BASE_URL (the sandbox's URL)", file=sys.stderr)
        return 2
    with ct.TenantClient(
        api_email="admin@tenant.example", api_key="sandbox-global-key", base_url=base_url
    ) as client:
        tenant = next(iter(client.user.tenants.list()))
        details = client.tenants.get(tenant["id"])
        unit = details["tenant_units"][0]["unit_tag"]
        print(f'[py] tenant "{details["tenant_name"]}" ({tenant["id"]}): {len(details["tenant_units"])} unit(s)')

        for customer in ["Soylent", "Oceanic", "Nakatomi"]:
            slug = customer.lower()
            account = client.accounts.create(
                name=customer,
                unit_id=unit,
                business_name=f"{customer} Ltd",
                business_email=f"it@{slug}.example",
                external_metadata=f"crm:{customer.upper()}",
            )
            roles = list(client.accounts.roles.list(account["id"], per_page=50))
            admin = next(r["id"] for r in roles if r["name"] == "Administrator")
            member = client.accounts.members.create(account["id"], email=f"admin@{slug}.example", roles=[admin])
            service_email = f"svc-{slug}@partner.example"
            user = client.users.create(email=service_email)
            client.accounts.members.create(account["id"], email=service_email, roles=[admin])
            as_customer = client.with_credentials(ct.Credentials.user_service_key(user["api_key"]))
            accepted = None
            for membership in as_customer.memberships.list(status="pending"):
                if membership["account"]["id"] == account["id"]:
                    accepted = as_customer.memberships.update(membership["id"], status="accepted")
            status = accepted["status"] if accepted else None
            print(
                f"[py] {customer}: account {account['id']}; Administrator found among {len(roles)} roles; "
                f"admin invited ({member['status']}); service user accepted as itself ({status})"
            )
            if status != "accepted":
                raise SystemExit(f"{customer}: the invitation was not accepted")

        listing = client.tenants.accounts.list(tenant["id"], per_page=5)
        for number, page in enumerate(listing.pages(), start=1):
            print(f"[py] tenant accounts, page {number}: {', '.join(a['name'] for a in page)}")
        stop = listing.stop
        print(f"[py] onboarding complete ({stop['message'] if stop else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
