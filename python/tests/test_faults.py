"""The fault run, in Python: many onboardings through ``client.onboard`` (sync, from a few
threads, over urllib; and async, concurrently, over httpx) against a sandbox that injects a
fault into a quarter of all requests (edge 502s, responses lost after the API committed,
dropped connections, 429s with ``Retry-After: 0``, latency). Then the sandbox's state is
counted, as examples/faults.rs counts it: no duplicate account, no duplicate member, and no
report that disagrees with what exists ("lost")."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Set, Tuple

import httpx
import pytest
from _support import ADMIN_EMAIL, ADMIN_GLOBAL_KEY, Sandbox

import cloudflare_tenant as ct
from cloudflare_tenant.types import OnboardingReport, OnboardingSpec, StepStatus

SYNC_ONBOARDINGS = 40
ASYNC_ONBOARDINGS = 12
THREADS = 6

# Generous retries with short backoffs, as examples/faults.rs: a quarter of requests fault.
POLICY = ct.RetryPolicy(max_retries=6, initial_backoff=0.01, max_backoff=0.2)


def spec(prefix: str, i: int, unit: str) -> OnboardingSpec:
    slug = f"{prefix.lower()}{i:04}"
    return {
        "name": f"{prefix} Customer {i:04}",
        "unit_id": unit,
        "business_name": f"{prefix} Customer {i:04} Ltd",
        "business_email": f"it@{slug}.example",
        "members": [{"email": f"admin@{slug}.example", "roles": ["Administrator"]}],
        "service_user": {"email": f"svc-{slug}@partner.example"},
    }


def exists(status: StepStatus) -> bool:
    return status in ("created", "existed")


def tally(state: Dict[str, Any], reports: List[Tuple[str, OnboardingReport]]) -> Dict[str, int]:
    """The sandbox's state against the reports, with the definitions of examples/faults.rs."""
    by_name: Dict[str, List[str]] = defaultdict(list)
    for account in state["accounts"]:
        by_name[account["name"]].append(account["id"])
    members = Counter((m["account_id"], m["email"].lower()) for m in state["members"])
    users: Set[str] = {u["email"] for u in state["service_users"]}
    t = dict(duplicate_accounts=0, duplicate_members=0, lost=0, complete=0, incomplete=0, reconciled=0)
    for name, report in reports:
        ids = by_name.get(name, [])
        t["duplicate_accounts"] += max(len(ids) - 1, 0)
        account = report["account"]
        if account["id"] is not None and exists(account["status"]):
            account_ok = account["id"] in ids
        else:
            account_ok = not ids

        def member_ok(step: ct.types.OnboardingStep) -> bool:
            present = bool(ids) and (ids[0], step["target"].lower()) in members
            return exists(step["status"]) == present or (step["status"] == "pending" and not present)

        members_ok = all(member_ok(m) for m in report["members"])
        user = report["service_user"]
        user_ok = user is None or exists(user["status"]) == (user["target"] in users)
        if not (account_ok and members_ok and user_ok):
            t["lost"] += 1
            print(f"lost track: {name}: {report}")
        t["complete" if report["complete"] else "incomplete"] += 1
        steps = [report["account"], *report["members"]] + ([user] if user is not None else [])
        t["reconciled"] += sum(s["reconciled"] for s in steps)
    t["duplicate_members"] = sum(n - 1 for n in members.values())
    return t


def test_the_fault_run(start_sandbox: Callable[..., Sandbox], capsys: pytest.CaptureFixture[str]) -> None:
    sandbox = start_sandbox("--faults", "0.25", "--latency-ms", "20", "--rate-limit", "1000000")
    unit = sandbox.state()["tenants"][0]["units"][0]["unit_tag"]
    credentials = {"api_email": ADMIN_EMAIL, "api_key": ADMIN_GLOBAL_KEY}
    reports: List[Tuple[str, OnboardingReport]] = []

    # Sync: one client (urllib), shared by a few threads.
    with ct.TenantClient(credentials=credentials, base_url=sandbox.base_url, retry=POLICY, timeout=10) as client:
        specs = [spec("Py", i, unit) for i in range(SYNC_ONBOARDINGS)]
        with ThreadPoolExecutor(THREADS) as pool:
            reports += [(s["name"], r) for s, r in zip(specs, pool.map(client.onboard, specs))]

    # Async: all at once, over one httpx.AsyncClient.
    async def onboard_async() -> List[Tuple[str, OnboardingReport]]:
        async with httpx.AsyncClient(timeout=10) as http:
            client = ct.AsyncTenantClient(
                credentials=credentials, base_url=sandbox.base_url, retry=POLICY, transport=http
            )
            specs = [spec("PyAsync", i, unit) for i in range(ASYNC_ONBOARDINGS)]
            done = await asyncio.gather(*(client.onboard(s) for s in specs))
            return [(s["name"], r) for s, r in zip(specs, done)]

    reports += asyncio.run(onboard_async())

    state = sandbox.state()
    faults: Dict[str, int] = state["counters"]["faults"]
    requests: int = state["counters"]["requests"]
    injected = sum(faults.values())
    t = tally(state, reports)
    with capsys.disabled():
        print(
            f"\n[py fault run] onboardings: {len(reports)} ({SYNC_ONBOARDINGS} sync, {ASYNC_ONBOARDINGS} async); "
            f"requests: {requests}, faults injected: {injected} ({100 * injected / max(requests, 1):.1f}%) {faults}; "
            f"complete: {t['complete']}, reported incomplete: {t['incomplete']}, "
            f"unknown outcomes reconciled: {t['reconciled']}; "
            f"duplicate_accounts: {t['duplicate_accounts']}, duplicate_members: {t['duplicate_members']}, "
            f"lost: {t['lost']}"
        )
    assert len(reports) == SYNC_ONBOARDINGS + ASYNC_ONBOARDINGS
    assert injected > 0 and faults.get("lost_response", 0) + faults.get("drop", 0) > 0
    assert t["duplicate_accounts"] == 0
    assert t["duplicate_members"] == 0
    assert t["lost"] == 0
    # The keys of the service users this run created are never shown in a report's repr.
    assert all("api_key': Secret('***')" in repr(r) for _, r in reports if r["api_key"] is not None)
