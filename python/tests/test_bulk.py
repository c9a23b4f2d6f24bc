"""``onboard_many``: the core's bulk flow through the sync client (one request at a time, or one
per thread) and the async client (several in flight), against a fake API that counts what is in flight, then against
the sandbox at a scaled-down rate limit: 30 customers, each with an admin and an account-owned
token, no 429, no account twice, secrets masked."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import urllib.parse
from typing import Any, Callable, Dict, List, Set, Tuple

import pytest
from _support import ADMIN_EMAIL, ADMIN_GLOBAL_KEY, Sandbox

import cloudflare_tenant as ct
from cloudflare_tenant import Bulk
from cloudflare_tenant.types import OnboardingReport, OnboardingSpec, Progress

TOKEN = "tok-SECRET-0123456789"
BASE = "http://api.test/client/v4"
ADMINISTRATOR = "05784afa30c1afe1440e79d9351c7430"
SETTINGS_READ = "f78cca9cbe2786b39f52628f5cdfdf15"
FAST = ct.RetryPolicy(max_retries=3, initial_backoff=0.001, max_backoff=0.01)


def _envelope(result: Any, paged: bool = False) -> bytes:
    body: Dict[str, Any] = {"success": True, "errors": [], "messages": [], "result": result}
    if paged:
        n = len(result)
        body["result_info"] = {"page": 1, "per_page": 50, "count": n, "total_count": n, "total_pages": 1}
    return json.dumps(body).encode()


class FakeApi:
    """Accounts, members and tokens, and the lists names are resolved through. ``refuse``
    names routes whose next call never leaves (a connection refused)."""

    def __init__(self) -> None:
        self.accounts: List[Dict[str, str]] = []
        self.tokens: List[Dict[str, str]] = []
        self.keys: Dict[str, Dict[str, str]] = {}
        self.calls: List[Tuple[str, Dict[str, str]]] = []
        self.refuse: Dict[str, int] = {}
        self.next_id = 1

    def _id(self) -> str:
        self.next_id += 1
        return f"{self.next_id:032x}"

    def route(self, request: ct.Request) -> str:
        path = urllib.parse.urlsplit(request.url).path.removeprefix("/client/v4")
        return f"{request.method} {re.sub('[0-9a-f]{32}', ':id', path)}"

    def answer(self, request: ct.Request) -> ct.HTTPResponse:
        route = self.route(request)
        self.calls.append((route, request.headers))
        if self.refuse.get(route, 0) > 0:
            self.refuse[route] -= 1
            raise ct.APIConnectionError("connection refused", sent=False)
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        body: Any = json.loads(request.body) if request.body else None
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(request.url).query)
        account_id = urllib.parse.urlsplit(request.url).path.split("/")[4:5]

        def ok(result: Any, paged: bool = False) -> ct.HTTPResponse:
            return ct.HTTPResponse(200, [], _envelope(result, paged))

        if route == "GET /accounts":
            return ok([a for a in self.accounts if a["name"] == query["name"][0]], True)
        if route == "POST /accounts":
            key = request.headers.get("idempotency-key", "")
            if key in self.keys:
                return ok(self.keys[key])
            account = {"id": self._id(), "name": body["name"]}
            self.accounts.append(account)
            self.keys[key] = account
            return ok(account)
        if route == "GET /accounts/:id/roles":
            return ok([{"id": ADMINISTRATOR, "name": "Administrator"}], True)
        if route == "POST /accounts/:id/members":
            return ok({"id": self._id(), "email": body["email"], "status": "pending"})
        if route == "GET /accounts/:id/tokens/permission_groups":
            group = {"id": SETTINGS_READ, "name": "Account Settings Read", "scopes": ["com.cloudflare.api.account"]}
            return ok([group], True)
        if route == "POST /accounts/:id/tokens":
            token = {"id": self._id(), "account": account_id[0], "name": body["name"], "value": f"token-value-{self.next_id}"}
            self.tokens.append(token)
            return ok({"id": token["id"], "name": token["name"], "value": token["value"]})
        raise AssertionError(f"no route {route}")


class SyncTransport:
    def __init__(self, api: FakeApi) -> None:
        self.api = api

    def send(self, request: ct.Request) -> ct.HTTPResponse:
        return self.api.answer(request)


class ThreadedTransport:
    """Answers after ``delay`` seconds from whatever thread sends, counting what is in flight;
    the fake API answers one request at a time."""

    def __init__(self, api: FakeApi, delay: float = 0.005) -> None:
        self.api = api
        self.delay = delay
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most = 0
        self.threads: Set[int] = set()

    def send(self, request: ct.Request) -> ct.HTTPResponse:
        with self.lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            self.threads.add(threading.get_ident())
        try:
            time.sleep(self.delay)
            with self.lock:
                return self.api.answer(request)
        finally:
            with self.lock:
                self.in_flight -= 1


class AsyncTransport:
    """Answers after ``delay(n)`` seconds (n: the call's number), counting what is in flight."""

    def __init__(self, api: FakeApi, delay: Callable[[int], float] = lambda n: 0.002) -> None:
        self.api = api
        self.delay = delay
        self.in_flight = 0
        self.most = 0
        self.cancelled = 0
        self.sent_at: List[float] = []

    async def send(self, request: ct.Request) -> ct.HTTPResponse:
        self.sent_at.append(time.monotonic())
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            await asyncio.sleep(self.delay(len(self.api.calls)))
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.in_flight -= 1
        return self.api.answer(request)


def spec(i: int) -> OnboardingSpec:
    return {
        "name": f"Customer {i:03}",
        "members": [{"email": f"admin@c{i}.example", "roles": ["Administrator"]}],
        "token": {"name": "customer-api", "permission_groups": ["Account Settings Read"]},
    }


def assert_monotone(events: List[Progress]) -> None:
    for a, b in zip(events, events[1:]):
        assert b["done"] >= a["done"] and b["failed"] >= a["failed"], (a, b)
        assert b["remaining"] <= a["remaining"] and b["requests"] >= a["requests"], (a, b)


def assert_reports(api: FakeApi, reports: List[OnboardingReport], count: int) -> None:
    assert len(reports) == count
    for i, report in enumerate(reports):
        assert report["complete"], report
        assert report["account"]["target"] == spec(i)["name"], "in the specs' order"
        account = next(a for a in api.accounts if a["name"] == spec(i)["name"])
        token = next(t for t in api.tokens if t["account"] == account["id"])
        assert report["token_value"] == ct.Secret(token["value"])
        assert isinstance(report["token_value"], ct.Secret)
        assert token["value"] not in repr(report)
    assert len(api.accounts) == count, "no account twice"


# ---- the sync client -------------------------------------------------------------------------


def test_sync_onboards_each_spec_in_order_with_progress() -> None:
    api = FakeApi()
    api.refuse["POST /accounts"] = 1
    events: List[Progress] = []
    with ct.TenantClient(api_token=TOKEN, base_url=BASE, transport=SyncTransport(api), retry=FAST) as client:
        reports = client.onboard_many([spec(i) for i in range(12)], concurrency=4, on_progress=events.append)
    assert_reports(api, reports, 12)
    creates = [headers["idempotency-key"] for route, headers in api.calls if route == "POST /accounts"]
    assert len(creates) == 13 and len(set(creates)) == 12, "one refused create resent with its key"
    assert len(events) == len(api.calls), "one event per answer"
    assert_monotone(events)
    assert events[-1] == {"done": 12, "failed": 0, "remaining": 0, "requests": len(api.calls), "current_wait": 0.0}
    # One request at a time: the names are looked up by the first onboarding, and by a second
    # that went ahead while the first waited out the backoff of its refused create.
    lookups = [route for route, _ in api.calls if route.endswith(("/roles", "/permission_groups"))]
    assert len(lookups) <= 2 * 2


def test_sync_threads_keep_that_many_requests_in_flight() -> None:
    for threads, concurrency in ((1, 8), (3, 8), (8, 3)):
        api = FakeApi()
        api.refuse["POST /accounts"] = 1
        transport = ThreadedTransport(api)
        with ct.TenantClient(api_token=TOKEN, base_url=BASE, transport=transport, retry=FAST) as client:
            reports = client.onboard_many(
                [spec(i) for i in range(20)], concurrency=concurrency, threads=threads
            )
        assert transport.most == min(threads, concurrency), (threads, concurrency)
        assert transport.in_flight == 0
        assert_reports(api, reports, 20)
        main = threading.main_thread().ident
        assert (main in transport.threads) == (threads == 1), "one thread per send, or none"


def test_sync_threads_stopped_keep_the_answers_in_flight() -> None:
    api = FakeApi()
    transport = ThreadedTransport(api, delay=0.05)
    told: Dict[int, OnboardingReport] = {}

    def broken(progress: Progress) -> None:
        if progress["requests"] >= 12:
            raise RuntimeError("progress bar broke")

    client = ct.TenantClient(api_token=TOKEN, base_url=BASE, transport=transport, retry=FAST)
    with pytest.raises(RuntimeError, match="progress bar broke"):
        client.onboard_many(
            [spec(i) for i in range(10)],
            concurrency=4,
            threads=4,
            on_progress=broken,
            on_report=told.__setitem__,
        )
    # The sends in flight when it broke finished, and what they made is in a report: every
    # account and token the API made is known, a token's value too.
    assert transport.in_flight == 0 and transport.most == 4
    accounts = {r["account"]["id"] for r in told.values() if r["account"].get("id")}
    assert accounts == {a["id"] for a in api.accounts} and accounts
    values = {v.expose() for r in told.values() if (v := r.get("token_value")) is not None}
    assert values == {t["value"] for t in api.tokens}
    with pytest.raises(ct.ValidationError) as caught:
        client.onboard_many([spec(0)], threads=0)
    assert caught.value.field == "threads"
    with pytest.raises(TypeError):
        client.onboard_many([spec(0)], threads=2.0)  # type: ignore[arg-type]


def test_sync_threads_a_stop_as_a_send_starts_keeps_its_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Ctrl-C that lands just as a send's thread starts: that send's answer is fed too."""
    api = FakeApi()
    transport = ThreadedTransport(api, delay=0.05)
    told: Dict[int, OnboardingReport] = {}
    creates = 0
    real_start = threading.Thread.start

    def interrupted_start(thread: threading.Thread) -> None:
        nonlocal creates
        real_start(thread)
        request = thread._args[1]  # type: ignore[attr-defined]
        if request.method == "POST" and request.url.endswith("/accounts"):
            creates += 1
            if creates == 2:
                raise KeyboardInterrupt

    monkeypatch.setattr(threading.Thread, "start", interrupted_start)
    client = ct.TenantClient(api_token=TOKEN, base_url=BASE, transport=transport, retry=FAST)
    with pytest.raises(KeyboardInterrupt):
        client.onboard_many([spec(i) for i in range(6)], concurrency=6, threads=6, on_report=told.__setitem__)
    assert creates == 2 and transport.in_flight == 0
    accounts = {r["account"]["id"] for r in told.values() if r["account"].get("id")}
    assert accounts == {a["id"] for a in api.accounts} and len(accounts) == 2


def test_bad_input_is_refused_naming_the_spec_before_any_request() -> None:
    api = FakeApi()
    client = ct.TenantClient(api_token=TOKEN, base_url=BASE, transport=SyncTransport(api))
    cases: List[Tuple[Any, str]] = [
        ([spec(0), {}], "specs[1].name"),
        ([spec(0), spec(1), {**spec(2), "nmae": "typo"}], "specs[2].nmae"),
        ([{**spec(0), "members": [{"email": "a@b.example"}]}], "specs[0].members[0].roles"),
        ([spec(0), {"name": "B", "members": [{"email": object()}]}], "specs[1].members[0].email"),
        ([spec(0), "Acme"], "specs[1]"),
        ([spec(0), {"name": "B", "unit_id": "../x"}], "specs[1].unit_id"),
        (spec(0), "specs"),
        ("Acme", "specs"),
    ]
    for specs, field in cases:
        with pytest.raises(ct.ValidationError) as caught:
            client.onboard_many(specs)
        assert caught.value.field == field, (specs, caught.value)
        assert caught.value.operation == "onboarding"
    with pytest.raises(ct.ValidationError) as caught:
        client.onboard_many([spec(0)], concurrency=0)
    assert caught.value.field == "concurrency"
    with pytest.raises(TypeError):
        client.onboard_many([spec(0)], concurrency="8")  # type: ignore[arg-type]
    with pytest.raises(ct.ValidationError) as caught:
        ct.TenantClient(base_url=BASE, transport=SyncTransport(api)).onboard_many([spec(0)])
    assert caught.value.field == "credentials"
    assert api.calls == []
    assert client.onboard_many([]) == []
    # Specs from any iterable; per-call credentials stand in for the client's.
    anonymous = ct.TenantClient(base_url=BASE, transport=SyncTransport(api))
    reports = anonymous.onboard_many((spec(i) for i in range(2)), credentials={"api_token": TOKEN})
    assert [r["complete"] for r in reports] == [True, True]


def test_the_native_bulk_machine() -> None:
    pacers = ct.Pacers.off()
    bulk = Bulk([spec(0), spec(1)], {"api_token": TOKEN}, base_url=BASE, concurrency=2, random=bytes(32))
    assert repr(bulk) == "Bulk(specs=2, concurrency=2)" and len(bulk) == 2
    assert bulk.slots == 2
    many = Bulk([spec(0), spec(1)], {"api_token": TOKEN}, base_url=BASE, concurrency=8, random=bytes(32))
    assert (many.concurrency, many.slots) == (8, 2), "never more slots than specs"
    assert bulk.progress() == {"done": 0, "failed": 0, "remaining": 2, "requests": 0, "current_wait": 0.0}
    # The first onboarding runs alone until it is over (the names it looks up are then looked up
    # once): one send, then a wait for its answer.
    first = bulk.next(pacers, 1.0, 0.0)
    assert isinstance(first, tuple) and first[0] == 0 and isinstance(first[1], ct.Request)
    assert (bulk.spec_index(0), bulk.spec_index(1), bulk.spec_index(5)) == (0, None, None)
    assert isinstance(bulk.next(pacers, 1.0, 0.0), float), "in flight: wait"
    assert bulk.reports() == [None, None]
    bulk.abandon(pacers, 1.0)
    reports = bulk.reports()
    assert [r is not None and r["complete"] for r in reports] == [False, False]
    assert bulk.next(pacers, 1.0, 0.0) is None
    with pytest.raises(ct.ValidationError) as caught:
        Bulk([spec(0)], {"api_token": TOKEN}, random=bytes(15))
    assert caught.value.field == "random"
    with pytest.raises(ct.ValidationError) as caught:
        Bulk([spec(0)], None)  # type: ignore[arg-type]
    assert caught.value.field == "credentials"


# ---- the async client ------------------------------------------------------------------------

@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_async_never_more_than_concurrency_in_flight() -> None:
    for concurrency in (1, 3, 8):
        api = FakeApi()
        transport = AsyncTransport(api, lambda n: 0.001 * (1 + n % 4))
        async with ct.AsyncTenantClient(api_token=TOKEN, base_url=BASE, transport=transport, retry=FAST) as client:
            reports = await client.onboard_many([spec(i) for i in range(20)], concurrency=concurrency)
        assert transport.most == concurrency, concurrency
        assert transport.in_flight == 0
        assert_reports(api, reports, 20)


@pytest.mark.anyio
async def test_async_answers_out_of_order_reports_in_order() -> None:
    api = FakeApi()
    api.refuse["POST /accounts"] = 1
    transport = AsyncTransport(api, lambda n: 0.001 * (1 + (7 * n) % 9))
    events: List[Progress] = []
    async with ct.AsyncTenantClient(api_token=TOKEN, base_url=BASE, transport=transport, retry=FAST) as client:
        reports = await client.onboard_many([spec(i) for i in range(25)], concurrency=4, on_progress=events.append)
    assert_reports(api, reports, 25)
    assert_monotone(events)
    assert events[-1] == {"done": 25, "failed": 0, "remaining": 0, "requests": len(api.calls), "current_wait": 0.0}
    lookups = [route for route, _ in api.calls if route.endswith(("/roles", "/permission_groups"))]
    assert len(lookups) <= 2, "only the first onboarding looks names up"


@pytest.mark.anyio
async def test_async_cancel_and_progress_errors_cancel_the_sends_in_flight() -> None:
    api = FakeApi()
    transport = AsyncTransport(api, lambda n: 60.0)
    pacers_client = ct.AsyncTenantClient(api_token=TOKEN, base_url=BASE, transport=transport, pace=(3, 0.4))
    run = asyncio.ensure_future(pacers_client.onboard_many([spec(i) for i in range(10)], concurrency=3))
    await asyncio.sleep(0.05)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    # The first onboarding runs alone: one send was out, and it is cancelled.
    assert len(api.calls) == 0 and transport.cancelled == 1 and transport.in_flight == 0
    # Its place frees a window after the cancel: with the budget (3) full, the fourth send waits
    # for it, no longer.
    transport.delay = lambda n: 0.0
    started = time.monotonic()
    reports = await pacers_client.onboard_many([spec(0)])
    assert reports[0]["complete"]
    waited = transport.sent_at[3] - started
    assert 0.25 < waited < 1.5, waited

    quick = AsyncTransport(FakeApi(), lambda n: 0.005)
    client = ct.AsyncTenantClient(api_token=TOKEN, base_url=BASE, transport=quick)

    def broken(progress: Progress) -> None:
        if progress["requests"] >= 4:
            raise RuntimeError("progress bar broke")

    with pytest.raises(RuntimeError, match="progress bar broke"):
        await client.onboard_many([spec(i) for i in range(6)], concurrency=3, on_progress=broken)
    assert quick.in_flight == 0
    sent = len(quick.api.calls)
    await asyncio.sleep(0.03)
    assert len(quick.api.calls) == sent, "nothing sent after it"


# ---- against the sandbox ---------------------------------------------------------------------

CUSTOMERS = 30
LIMIT, WINDOW = 60, 2
LOOKUPS = ("GET /accounts/:id/roles", "GET /accounts/:id/tokens/permission_groups")
PER_CUSTOMER = ("GET /accounts", "POST /accounts", "POST /accounts/:id/members", "POST /accounts/:id/tokens")


@pytest.fixture
def limited(start_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """A fresh sandbox allowing 60 requests per 2 s per credential."""
    return start_sandbox("--rate-limit", str(LIMIT), "--rate-window", str(WINDOW))


class Tally:
    """Requests by route, and the highest page of each asked for."""

    def __init__(self) -> None:
        self.routes: Dict[str, int] = {}
        self.pages: Dict[str, int] = {}

    def count(self, request: ct.Request) -> None:
        url = urllib.parse.urlsplit(request.url)
        route = f"{request.method} {re.sub('[0-9a-f]{32}', ':id', url.path.removeprefix('/client/v4'))}"
        self.routes[route] = self.routes.get(route, 0) + 1
        page = int(urllib.parse.parse_qs(url.query).get("page", ["1"])[0])
        self.pages[route] = max(self.pages.get(route, 1), page)

    def looking_up(self) -> List[float]:
        """How many onboardings looked each kind of name up."""
        return [self.routes.get(r, 0) / self.pages.get(r, 1) for r in LOOKUPS]


class CountingTransport:
    def __init__(self, inner: Any, tally: Tally) -> None:
        self.inner, self.tally = inner, tally

    def send(self, request: ct.Request) -> ct.HTTPResponse:
        self.tally.count(request)
        response: ct.HTTPResponse = self.inner.send(request)
        return response


class AsyncCountingTransport:
    def __init__(self, inner: Any, tally: Tally) -> None:
        self.inner, self.tally = inner, tally

    async def send(self, request: ct.Request) -> ct.HTTPResponse:
        self.tally.count(request)
        response: ct.HTTPResponse = await self.inner.send(request)
        return response


def customers(sandbox: Sandbox, prefix: str) -> List[OnboardingSpec]:
    unit = sandbox.state()["tenants"][0]["units"][0]["unit_tag"]
    return [
        {
            "name": f"{prefix} {i:03}",
            "unit_id": unit,
            "members": [{"email": f"admin@{prefix.lower().replace(' ', '')}{i}.example", "roles": ["Administrator"]}],
            "token": {"name": "customer-api", "permission_groups": ["Account Settings Read"]},
        }
        for i in range(CUSTOMERS)
    ]


def check_run(
    label: str,
    sandbox: Sandbox,
    specs: List[OnboardingSpec],
    reports: List[OnboardingReport],
    events: List[Progress],
    tally: Tally,
    seconds: float,
) -> float:
    """Asserts what every run must give; prints its figures; returns requests per customer."""
    state = sandbox.state()
    names: Dict[str, int] = {}
    for account in state["accounts"]:
        names[account["name"]] = names.get(account["name"], 0) + 1
    duplicates = sum(max(0, names.get(s["name"], 0) - 1) for s in specs)
    last = events[-1]
    per_customer = last["requests"] / CUSTOMERS
    http_429 = state["counters"]["http_429"]
    looking_up = tally.looking_up()
    print(
        f"\npython bulk run ({label}): customers {CUSTOMERS}, requests {last['requests']}, "
        f"requests_per_customer {per_customer:.2f}, name lookups by {looking_up} onboardings, "
        f"http_429 {http_429}, duplicate_accounts {duplicates}, "
        f"incomplete {sum(not r['complete'] for r in reports)} ({seconds:.1f} s)"
    )
    assert len(reports) == CUSTOMERS
    for s, report in zip(specs, reports):
        assert report["complete"], report
        assert report["account"]["target"] == s["name"]
        assert names.get(s["name"]) == 1
        value = report["token_value"]
        assert isinstance(value, ct.Secret) and value
        assert value.expose() not in repr(report) and "Secret('***')" in repr(report)
    assert duplicates == 0
    assert http_429 == 0
    assert_monotone(events)
    assert last["done"] == CUSTOMERS and last["remaining"] == 0
    assert last["requests"] == sum(tally.routes.values())
    for route in PER_CUSTOMER:
        assert tally.routes[route] == CUSTOMERS, route
    return per_customer


def test_sync_run_against_the_rate_limited_sandbox(limited: Sandbox) -> None:
    specs = customers(limited, "Py Sync Bulk")
    tally = Tally()
    events: List[Progress] = []
    with ct.TenantClient(
        api_email=ADMIN_EMAIL,
        api_key=ADMIN_GLOBAL_KEY,
        base_url=limited.base_url,
        transport=CountingTransport(ct.UrllibTransport(), tally),
        pace=(LIMIT, WINDOW),
    ) as client:
        started = time.monotonic()
        reports = client.onboard_many(specs, on_progress=events.append)
    per_customer = check_run("sync", limited, specs, reports, events, tally, time.monotonic() - started)
    # One request at a time: each kind of name is looked up once for the whole run.
    assert tally.looking_up() == [1.0, 1.0]
    assert per_customer <= 4.5


@pytest.mark.anyio
async def test_async_run_against_the_rate_limited_sandbox(limited: Sandbox) -> None:
    import httpx

    specs = customers(limited, "Py Async Bulk")
    tally = Tally()
    events: List[Progress] = []
    concurrency = 8
    async with httpx.AsyncClient() as http:
        client = ct.AsyncTenantClient(
            api_email=ADMIN_EMAIL,
            api_key=ADMIN_GLOBAL_KEY,
            base_url=limited.base_url,
            transport=AsyncCountingTransport(ct.AsyncHttpxTransport(http), tally),
            pace=(LIMIT, WINDOW),
        )
        started = time.monotonic()
        reports = await client.onboard_many(specs, concurrency=concurrency, on_progress=events.append)
    per_customer = check_run("async", limited, specs, reports, events, tally, time.monotonic() - started)
    # Several in flight, and still names are looked up by one onboarding only: the first runs
    # alone, the others reuse its ids.
    looking_up = tally.looking_up()
    assert all(n == 1 for n in looking_up), looking_up
    lookups_of_one = sum(tally.pages.get(r, 1) for r in LOOKUPS)
    assert per_customer <= 4 + lookups_of_one / CUSTOMERS
