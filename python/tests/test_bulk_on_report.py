"""``onboard_many(on_report=...)``: each report is told once, as soon as its onboarding ends, and
a run stopped on the way (an exception, a cancellation) tells the reports of the onboardings it
cut short, so that no account it made is missing from what was told; against the sandbox, with
the sync and the async client."""

from __future__ import annotations

import asyncio
from typing import Dict, List, Tuple

import pytest
from _support import ADMIN_TOKEN, Sandbox

import cloudflare_tenant as ct
from cloudflare_tenant.types import OnboardingReport, OnboardingSpec, Progress

Told = List[Tuple[int, OnboardingReport]]


def specs(sandbox: Sandbox, prefix: str, count: int) -> List[OnboardingSpec]:
    unit = sandbox.state()["tenants"][0]["units"][0]["unit_tag"]
    return [
        {
            "name": f"{prefix} {i:02}",
            "unit_id": unit,
            "members": [
                {
                    "email": f"admin{i}@{prefix.lower().replace(' ', '')}.example",
                    "roles": ["Administrator"],
                }
            ],
            "token": {"name": "customer-api", "permission_groups": ["Account Settings Read"]},
        }
        for i in range(count)
    ]


def accounts_made(sandbox: Sandbox, prefix: str) -> Dict[str, str]:
    return {a["id"]: a["name"] for a in sandbox.state()["accounts"] if a["name"].startswith(prefix)}


def check_cut_short(sandbox: Sandbox, prefix: str, told: Told, count: int) -> None:
    """Each told once; some not started (not told); every account made is in a told report,
    or its create was under way when the run stopped."""
    indexes = [index for index, _ in told]
    assert len(indexes) == len(set(indexes)), "each report told once"
    assert 0 < len(indexes) < count
    assert any(report["complete"] for _, report in told)
    assert any(not report["complete"] for _, report in told), "the ones under way, cut short"
    ids = {report["account"]["id"] for _, report in told}
    made = accounts_made(sandbox, prefix)
    assert made
    # An account is in a report once its create was answered; one whose create was still on
    # its way (sent, then cancelled) is in none, and its onboarding's report says it is pending.
    in_flight = {r["account"]["target"] for _, r in told if r["account"]["status"] == "pending"}
    missing = {name for id, name in made.items() if id not in ids}
    assert missing <= in_flight, missing


def test_sync_each_report_is_told_once_as_it_ends(sandbox: Sandbox) -> None:
    told: Told = []
    ends: List[int] = []

    def progress(p: Progress) -> None:
        ends.append(p["done"] + p["failed"])

    def report(index: int, onboarding: OnboardingReport) -> None:
        # Told before the progress that counts it.
        assert len(told) == (ends[-1] if ends else 0)
        told.append((index, onboarding))

    with ct.TenantClient(api_token=ADMIN_TOKEN, base_url=sandbox.base_url) as client:
        reports = client.onboard_many(
            specs(sandbox, "Told", 6), concurrency=3, on_progress=progress, on_report=report
        )
    assert sorted(index for index, _ in told) == list(range(6))
    assert all(reports[index] == onboarding for index, onboarding in told)
    assert all(onboarding["complete"] for _, onboarding in told)


def test_sync_a_stopped_run_tells_what_was_under_way(sandbox: Sandbox) -> None:
    told: Told = []

    def stop(progress: Progress) -> None:
        if progress["done"] >= 2:
            raise KeyboardInterrupt

    with ct.TenantClient(api_token=ADMIN_TOKEN, base_url=sandbox.base_url) as client:
        with pytest.raises(KeyboardInterrupt):
            client.onboard_many(
                specs(sandbox, "Stopped", 10),
                concurrency=4,
                on_progress=stop,
                on_report=lambda i, r: told.append((i, r)),
            )
    check_cut_short(sandbox, "Stopped", told, 10)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_async_a_cancelled_run_tells_what_was_under_way(sandbox: Sandbox) -> None:
    told: Told = []
    # Paced to 8 requests a second, so that the run is still going when it is cancelled.
    async with ct.AsyncTenantClient(
        api_token=ADMIN_TOKEN, base_url=sandbox.base_url, pace=(8, 1.0)
    ) as client:
        run = asyncio.ensure_future(
            client.onboard_many(
                specs(sandbox, "Cancelled", 10),
                concurrency=4,
                on_report=lambda i, r: told.append((i, r)),
            )
        )
        while len(told) < 2:
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.02)  # some requests of the next ones on their way
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
    check_cut_short(sandbox, "Cancelled", told, 10)
