"""How parse_response compares with json.loads on typical bodies.

    python python/scripts/bench.py     # with the package installed

json.loads only decodes; parse_response also checks the envelope, reads every model leniently
(the core's typed parse), keeps unknown fields and builds the Python objects.
"""

from __future__ import annotations

import json
import timeit

import cloudflare_tenant as ct
from cloudflare_tenant import _native


def account(i: int) -> dict:  # type: ignore[type-arg]
    return {
        "id": f"{i:032x}",
        "name": f"Customer {i}",
        "type": "standard",
        "created_on": "2024-05-01T12:00:00.000000Z",
        "settings": {"enforce_twofactor": False, "abuse_contact_email": None},
        "managed_by": {"parent_org_id": "e99ff867dbf682c9382ff84cb27281e9", "parent_org_name": "Tenant"},
        "legacy_flags": {"enterprise_zone_quota": {"maximum": 0, "current": 0, "available": 0}},
    }


def role(i: int) -> dict:  # type: ignore[type-arg]
    areas = ["analytics", "billing", "cache_purge", "dns", "dns_records", "lb", "logs", "organization", "ssl", "waf", "zones", "zone_settings"]
    return {
        "id": f"{i:032x}",
        "name": f"Role {i}",
        "description": "Can do a few things" * 3,
        "permissions": {a: {"read": True, "write": i % 2 == 0} for a in areas},
    }


def body(result: object, **extra: object) -> bytes:
    return json.dumps({"success": True, "errors": [], "messages": [], "result": result, **extra}).encode()


CASES = {
    "accounts.get (1 account)": ("accounts.get", body(account(1))),
    "accounts.list (50 accounts)": (
        "accounts.list",
        body([account(i) for i in range(50)], result_info={"page": 1, "per_page": 50, "count": 50, "total_count": 500}),
    ),
    "accounts.roles.list (50 roles)": ("accounts.roles.list", body([role(i) for i in range(50)])),
}


def main() -> None:
    print(f"{'case':32} {'bytes':>7} {'json.loads':>11} {'parse_response':>15} {'native':>9} {'ratio':>6}")
    for label, (operation, payload) in CASES.items():
        n = 2000
        loads = min(timeit.repeat(lambda: json.loads(payload), number=n, repeat=5)) / n
        parse = min(timeit.repeat(lambda: ct.parse_response(operation, 200, {}, payload), number=n, repeat=5)) / n
        native = min(timeit.repeat(lambda: _native.parse_response(operation, 200, {}, payload), number=n, repeat=5)) / n
        print(
            f"{label:32} {len(payload):7} {loads * 1e6:9.1f}us {parse * 1e6:13.1f}us "
            f"{native * 1e6:7.1f}us {parse / loads:5.2f}x"
        )


if __name__ == "__main__":
    main()
