"""Retries, pacing and onboarding in the clients, over fake transports: the core decides, the
clients sleep (``time.sleep`` and ``asyncio.sleep`` are replaced, so nothing here waits)."""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.parse
from typing import Any, Dict, List, Optional, Tuple

import pytest

import cloudflare_tenant as ct

ACCOUNT = "2bab6ace8c72ed3f09b9eca6db1396bb"
ADMIN_ROLE = "05784afa30c1afe1440e79d9351c7430"
EDGE_502 = b"<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>"
UUID_V4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")

Answer = Tuple[int, List[Tuple[str, str]], bytes]


def envelope(result: Any, **extra: Any) -> bytes:
    return json.dumps({"success": True, "errors": [], "messages": [], "result": result, **extra}).encode()


def failure(code: int, message: str) -> bytes:
    return json.dumps(
        {"success": False, "errors": [{"code": code, "message": message}], "messages": [], "result": None}
    ).encode()


JSON = [("content-type", "application/json")]


class Scripted:
    """A transport that answers from a list, in order (an exception in the list is raised)."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.sent: List[ct.Request] = []

    def send(self, request: ct.Request) -> ct.HTTPResponse:
        self.sent.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        status, headers, body = answer
        return ct.HTTPResponse(status, headers, body)

    def close(self) -> None:
        pass


class AsyncScripted(Scripted):
    async def send(self, request: ct.Request) -> ct.HTTPResponse:  # type: ignore[override]
        return Scripted.send(self, request)

    async def aclose(self) -> None:
        pass


class Clock:
    """A monotonic clock that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: List[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> List[float]:
    """Every sleep the clients ask for, sync or async; none of them waits: the clock the core
    is given (``time.monotonic``) moves by each sleep instead."""
    clock = Clock()

    async def fake_async_sleep(seconds: float, result: Any = None) -> Any:
        clock.sleep(seconds)
        return result

    monkeypatch.setattr(time, "monotonic", clock.monotonic)
    monkeypatch.setattr(time, "sleep", clock.sleep)
    monkeypatch.setattr(asyncio, "sleep", fake_async_sleep)
    return clock.slept


# ---- retries ---------------------------------------------------------------------------------


def test_a_get_meets_503s_then_succeeds(sleeps: List[float]) -> None:
    unavailable = (503, JSON, failure(10000, "service unavailable"))
    fake = Scripted(unavailable, unavailable, (200, JSON, envelope({"id": ACCOUNT, "name": "Acme"})))
    client = ct.TenantClient(api_token="t", transport=fake)
    assert client.accounts.get(ACCOUNT)["name"] == "Acme"
    assert len(fake.sent) == 3 and {r.method for r in fake.sent} == {"GET"}
    # The core's backoff: 0.5 s then 1 s, each shortened by up to a quarter by the jitter.
    assert len(sleeps) == 2
    assert 0.375 <= sleeps[0] <= 0.5 and 0.75 <= sleeps[1] <= 1.0


def test_a_get_gives_up_after_max_retries(sleeps: List[float]) -> None:
    unavailable = (503, JSON, failure(10000, "service unavailable"))
    fake = Scripted(*[unavailable] * 4)
    client = ct.TenantClient(api_token="t", transport=fake, max_retries=3)
    with pytest.raises(ct.ServerError) as caught:
        client.accounts.get(ACCOUNT)
    assert caught.value.status == 503 and len(fake.sent) == 4 and len(sleeps) == 3


def test_a_429_is_waited_per_retry_after_even_for_a_post(sleeps: List[float]) -> None:
    limited = (429, [*JSON, ("retry-after", "7")], failure(10000, "rate limited"))
    fake = Scripted(limited, (200, JSON, envelope({"id": ACCOUNT, "name": "Acme"})))
    client = ct.TenantClient(api_token="t", transport=fake)
    assert client.accounts.create(name="Acme")["id"] == ACCOUNT
    assert sleeps == [7.0]
    assert [r.method for r in fake.sent] == ["POST", "POST"]
    assert fake.sent[0].body == fake.sent[1].body


def test_a_429_asking_too_long_a_wait_raises_at_once(sleeps: List[float]) -> None:
    limited = (429, [*JSON, ("retry-after", "300")], failure(10000, "rate limited"))
    client = ct.TenantClient(api_token="t", transport=Scripted(limited))
    with pytest.raises(ct.RateLimitError) as caught:
        client.user.get()
    assert caught.value.retry_after == 300.0 and sleeps == []


def test_a_post_answered_502_is_an_unknown_outcome_sent_once(sleeps: List[float]) -> None:
    fake = Scripted((502, [("content-type", "text/html"), ("cf-ray", "8a1-SJC")], EDGE_502))
    client = ct.TenantClient(api_token="t", transport=fake)
    with pytest.raises(ct.OutcomeUnknownError) as caught:
        client.users.create(email="svc@partner.example")
    error = caught.value
    assert len(fake.sent) == 1 and sleeps == []
    assert "idempotency-key" not in fake.sent[0].headers
    assert error.operation == "users.create" and error.method == "POST"
    assert error.status == 502 and error.ray_id == "8a1-SJC"
    assert error.to_dict()["kind"] == "outcome_unknown"
    # What the edge said is kept as the cause.
    assert isinstance(error.__cause__, ct.ResponseDecodeError)


def test_a_create_answered_502_is_resent_with_its_key(sleeps: List[float]) -> None:
    edge = (502, [("content-type", "text/html")], EDGE_502)
    ok = (200, JSON, envelope({"id": ACCOUNT, "name": "Acme"}))
    lost = ct.APIConnectionError("connection reset", method="POST", url="https://x", sent=True)
    fake = Scripted(edge, ok, lost, ok, edge, ok, edge, edge, edge)
    client = ct.TenantClient(api_token="t", transport=fake)
    assert client.accounts.create(name="Acme")["id"] == ACCOUNT
    assert client.accounts.create(name="Acme")["id"] == ACCOUNT
    assert client.accounts.create(name="Acme", idempotency_key="crm-42")["id"] == ACCOUNT
    # Resent to the end, it is still of unknown outcome.
    with pytest.raises(ct.OutcomeUnknownError) as caught:
        client.accounts.create(name="Acme")
    assert caught.value.status == 502 and len(sleeps) == 5
    keys = [r.headers["idempotency-key"] for r in fake.sent]
    assert all(UUID_V4.fullmatch(k) for k in keys[:4] + keys[6:]), keys
    assert keys[0] == keys[1] and keys[2] == keys[3], "a resend carries its first attempt's key"
    assert keys[4:6] == ["crm-42", "crm-42"], "the caller's key, as given"
    assert keys[6] == keys[7] == keys[8]
    assert len({keys[0], keys[2], keys[6]}) == 3, "one key per create"
    # The by-name floor is pure: a key only when given.
    assert "idempotency-key" not in ct.build_request("accounts.create", {"name": "Acme"}, {"api_token": "t"}).headers
    given = ct.build_request("accounts.create", {"name": "Acme", "idempotency_key": "k-1"}, {"api_token": "t"})
    assert given.headers["idempotency-key"] == "k-1"


def test_a_post_that_got_no_answer_is_an_unknown_outcome(sleeps: List[float]) -> None:
    lost = ct.APITimeoutError("POST ... timed out", method="POST", url="https://x", sent=True)
    fake = Scripted(lost)
    client = ct.TenantClient(api_token="t", transport=fake)
    with pytest.raises(ct.OutcomeUnknownError) as caught:
        client.users.create(email="svc@partner.example")
    assert caught.value.status is None and caught.value.__cause__ is lost
    assert len(fake.sent) == 1 and sleeps == []


def test_a_post_that_never_left_is_resent(sleeps: List[float]) -> None:
    refused = ct.APIConnectionError("refused", method="POST", url="https://x", sent=False)
    fake = Scripted(refused, (200, JSON, envelope({"id": "u", "email": "svc@partner.example", "api_key": "K"})))
    client = ct.TenantClient(api_token="t", transport=fake)
    assert client.users.create(email="svc@partner.example")["id"] == "u"
    assert len(fake.sent) == 2 and len(sleeps) == 1


def test_transport_failures_keep_their_class_method_and_url(sleeps: List[float]) -> None:
    timeouts = [ct.APITimeoutError("GET timed out", method="GET", url="https://x/user", sent=True) for _ in range(3)]
    client = ct.TenantClient(api_token="secret-token", transport=Scripted(*timeouts))
    with pytest.raises(ct.APITimeoutError) as caught:
        client.user.get()
    error = caught.value
    assert error.operation == "user.get" and error.method == "GET" and error.url == "https://x/user"
    assert error.sent and error.__cause__ is timeouts[-1] and len(sleeps) == 2
    assert "no response" in str(error) and "secret-token" not in str(error)
    assert error.to_dict()["kind"] == "transport"


def test_retries_can_be_turned_off_or_tuned(sleeps: List[float]) -> None:
    unavailable = (503, JSON, failure(10000, "service unavailable"))
    for client in (
        ct.TenantClient(api_token="t", transport=Scripted(unavailable), retry=False),
        ct.TenantClient(api_token="t", transport=Scripted(unavailable), max_retries=0),
        ct.TenantClient(api_token="t", transport=Scripted(unavailable), retry=ct.RetryPolicy.none()),
    ):
        assert client.retry_policy.max_retries == 0
        with pytest.raises(ct.ServerError):
            client.accounts.get(ACCOUNT)
    assert sleeps == []
    policy = ct.RetryPolicy(max_retries=5, initial_backoff=0.01, max_backoff=0.02)
    client = ct.TenantClient(api_token="t", transport=Scripted(*[unavailable] * 6), retry=policy)
    with pytest.raises(ct.ServerError):
        client.accounts.get(ACCOUNT)
    assert len(sleeps) == 5 and max(sleeps) <= 0.02
    assert ct.TenantClient(api_token="t", retry=policy, max_retries=1).retry_policy == ct.RetryPolicy(
        1, 0.01, 0.02, 120.0
    )
    assert ct.TenantClient(api_token="t").retry_policy == ct.RetryPolicy()
    with pytest.raises(ct.ValidationError) as caught:
        ct.TenantClient(api_token="t", retry=False, max_retries=3)
    assert caught.value.field == "max_retries"
    with pytest.raises(ct.ValidationError) as caught:
        ct.RetryPolicy(initial_backoff=-1.0)
    assert caught.value.field == "initial_backoff"
    with pytest.raises(ct.ValidationError):
        ct.RetryPolicy(max_retries=-1)
    with pytest.raises(TypeError):
        ct.TenantClient(api_token="t", retry="yes")  # type: ignore[arg-type]


def test_list_pages_are_retried_too(sleeps: List[float]) -> None:
    page = envelope([{"id": ACCOUNT}], result_info={"page": 1, "per_page": 20, "count": 1, "total_count": 1})
    fake = Scripted((500, JSON, failure(10000, "oops")), (200, JSON, page))
    client = ct.TenantClient(api_token="t", transport=fake)
    assert [a["id"] for a in client.accounts.list()] == [ACCOUNT]
    assert len(fake.sent) == 2 and len(sleeps) == 1


def test_the_async_client_retries_with_asyncio_sleep(sleeps: List[float]) -> None:
    unavailable = (503, JSON, failure(10000, "service unavailable"))
    limited = (429, [*JSON, ("retry-after-ms", "1500")], failure(10000, "rate limited"))
    ok = (200, JSON, envelope({"id": ACCOUNT, "name": "Acme"}))
    edge: Answer = (502, [], EDGE_502)
    fake = AsyncScripted(unavailable, ok, limited, ok, edge, edge, ok, edge)

    async def run() -> None:
        client = ct.AsyncTenantClient(api_token="t", transport=fake)
        assert (await client.accounts.get(ACCOUNT))["id"] == ACCOUNT
        assert (await client.accounts.create(name="Acme"))["id"] == ACCOUNT
        # A create is resent with its key; a POST without one is not.
        assert (await client.accounts.create(name="Acme"))["id"] == ACCOUNT
        with pytest.raises(ct.OutcomeUnknownError):
            await client.users.create(email="svc@partner.example")

    asyncio.run(run())
    assert len(fake.sent) == 8 and len(sleeps) == 4 and sleeps[1] == 1.5
    keys = [r.headers.get("idempotency-key") for r in fake.sent]
    assert keys[2] == keys[3] and keys[4] == keys[5] == keys[6] and keys[2] != keys[4]
    assert UUID_V4.fullmatch(keys[2] or "") and keys[7] is None


def test_the_sans_io_call() -> None:
    pacers = ct.Pacers.off()
    token = {"api_token": "t"}
    call = ct.Call("accounts.get", {"account_id": ACCOUNT}, token)
    assert repr(call) == "Call(operation='accounts.get')" and call.operation == "accounts.get"
    request = call.next(pacers, 0.0, 0.0)
    assert isinstance(request, ct.Request) and request.method == "GET"
    call.feed(pacers, 503, {}, b"", 0.0, 0.0, 0.0)
    # The backoff, then the same request again; the server's wait when it says one.
    assert call.next(pacers, 0.0, 0.0) == 0.5
    assert call.next(pacers, 0.2, 0.0) == pytest.approx(0.3)
    assert isinstance(call.next(pacers, 0.5, 0.0), ct.Request)
    call.feed(pacers, 503, {"retry-after": "2"}, b"", 1.0, 0.0, 0.0)
    assert call.next(pacers, 1.0, 0.0) == 2.0
    assert isinstance(call.next(pacers, 3.0, 0.0), ct.Request)
    call.feed(pacers, 503, {}, b"", 3.0, 0.0, 0.0)
    with pytest.raises(ct.ResponseDecodeError):
        call.next(pacers, 3.0, 0.0)
    ok = ct.Call("users.create", {"email": "svc@partner.example"}, token)
    ok.next(pacers, 0.0, 0.0)
    ok.feed(pacers, 200, {}, envelope({"id": "u", "api_key": "KEY-SECRET"}), 0.0, 0.0, 0.0)
    answer = ok.next(pacers, 0.0, 0.0)
    secret = ct.Secret("KEY-SECRET")
    assert answer == {"result": {"id": "u", "api_key": secret}, "result_info": None, "messages": []}
    assert isinstance(answer, dict) and isinstance(answer["result"]["api_key"], ct.Secret)
    # An HTTP date in Retry-After is read against the wall clock.
    dated = ct.Call("user.get", None, token)
    dated.next(pacers, 0.0, 4.0)
    dated.feed(pacers, 429, {"retry-after": "Thu, 01 Jan 1970 00:00:10 GMT"}, b"", 0.0, 4.0, 0.0)
    assert dated.next(pacers, 0.0, 4.0) == 6.0
    # A POST that may have been carried out is never resent; one that never left is.
    lost = ct.Call("users.create", {"email": "svc@partner.example"}, token)
    lost.next(pacers, 0.0, 0.0)
    lost.feed_failure(pacers, True, "reset", 0.0, 0.0, 0.0)
    with pytest.raises(ct.OutcomeUnknownError):
        lost.next(pacers, 0.0, 0.0)
    # A create carries a key made from the 16 bytes given, and is resent with it.
    keyed = ct.Call("accounts.create", {"name": "Acme"}, token, random=bytes(range(16)))
    first = keyed.next(pacers, 0.0, 0.0)
    assert isinstance(first, ct.Request)
    assert first.headers["idempotency-key"] == "00010203-0405-4607-8809-0a0b0c0d0e0f"
    keyed.feed_failure(pacers, True, "reset", 0.0, 0.0, 0.0)
    assert keyed.next(pacers, 0.0, 0.0) == 0.5
    again = keyed.next(pacers, 0.5, 0.0)
    assert isinstance(again, ct.Request) and again.headers == first.headers and again.body == first.body
    # Without bytes, the binding draws them (os.urandom): each call its own key.
    drawn = [ct.Call("accounts.create", {"name": "Acme"}, token).next(pacers, 0.0, 0.0) for _ in range(2)]
    keys = [r.headers["idempotency-key"] for r in drawn if isinstance(r, ct.Request)]
    assert len(keys) == 2 and keys[0] != keys[1] and all(UUID_V4.fullmatch(k) for k in keys)
    for bad in (b"", bytes(15), bytes(17)):
        with pytest.raises(ct.ValidationError) as invalid:
            ct.Call("accounts.create", {"name": "Acme"}, token, random=bad)
        assert (invalid.value.field, invalid.value.operation) == ("random", "accounts.create")
        with pytest.raises(ct.ValidationError) as invalid:
            ct.Onboarding({"name": "Acme"}, token, random=bad)
        assert (invalid.value.field, invalid.value.operation) == ("random", "onboarding")
    with pytest.raises(TypeError):
        ct.Call("accounts.create", {"name": "Acme"}, token, random="0123456789abcdef")  # type: ignore[arg-type]
    refused = ct.Call("accounts.create", {"name": "Acme"}, token)
    refused.next(pacers, 0.0, 0.0)
    refused.feed_failure(pacers, False, "refused", 0.0, 0.0, 0.0)
    assert refused.next(pacers, 0.0, 0.0) == 0.5
    with pytest.raises(ct.UnknownOperationError):
        ct.Call("accounts.explode")
    with pytest.raises(ct.ValidationError) as caught:
        ct.Call("accounts.get", {"account_id": "../x"}, token)
    assert caught.value.field == "account_id"
    assert ct.RetryPolicy().backoff(10) == 8.0


# ---- pacing ----------------------------------------------------------------------------------


def test_the_pacer_keeps_each_credential_under_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(time, "monotonic", clock.monotonic)
    monkeypatch.setattr(time, "sleep", clock.sleep)
    sent_at: List[Tuple[float, str]] = []

    class Timed(Scripted):
        def send(self, request: ct.Request) -> ct.HTTPResponse:
            sent_at.append((clock.now, request.headers.get("authorization", "")))
            return ct.HTTPResponse(200, JSON, envelope({"id": "u"}))

    client = ct.TenantClient(api_token="partner", transport=Timed(), pace=(2, 10.0))
    for _ in range(5):
        client.user.get()
    partner = [t for t, who in sent_at if who == "Bearer partner"]
    assert partner == [1000.0, 1000.0, 1010.0, 1010.0, 1020.0]
    assert clock.slept == [10.0, 10.0]
    # Another identity has its own budget: no wait for its first two calls, then its own.
    client.user.get(credentials={"api_token": "customer"})
    client.with_credentials({"api_token": "customer"}).user.get()
    assert clock.slept == [10.0, 10.0]
    client.user.get(credentials={"api_token": "customer"})
    assert clock.slept == [10.0, 10.0, 10.0]
    # The partner's pacer is shared by the views and remembers its sends.
    assert len(sent_at) == 8


def test_pacing_is_off_by_default_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(time, "monotonic", clock.monotonic)
    monkeypatch.setattr(time, "sleep", clock.sleep)
    fake = Scripted(*[(200, JSON, envelope({"id": "u"}))] * 50)
    client = ct.TenantClient(api_token="t", transport=fake)
    for _ in range(50):
        client.user.get()
    assert clock.slept == []
    with pytest.raises(ct.ValidationError) as caught:
        ct.TenantClient(api_token="t", pace=(0, 10.0))
    assert caught.value.field == "limit"
    with pytest.raises(ct.ValidationError):
        ct.TenantClient(api_token="t", pace=(5, -1.0))
    with pytest.raises(TypeError):
        ct.TenantClient(api_token="t", pace="fast")  # type: ignore[arg-type]
    assert ct.TenantClient(api_token="t", pace=True)._pacers.budget == (1200, 300.0)
    assert ct.TenantClient(api_token="t")._pacers.budget is None


def test_the_async_client_paces_with_asyncio_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(time, "monotonic", clock.monotonic)

    async def fake_sleep(seconds: float, result: Any = None) -> Any:
        clock.sleep(seconds)
        return result

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    fake = AsyncScripted(*[(200, JSON, envelope({"id": "u"}))] * 3)

    async def run() -> None:
        client = ct.AsyncTenantClient(api_token="t", transport=fake, pace=(1, 2.5))
        for _ in range(3):
            await client.user.get()

    asyncio.run(run())
    assert clock.slept == [2.5, 2.5]


def test_a_send_that_raises_frees_its_place(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(time, "monotonic", clock.monotonic)
    monkeypatch.setattr(time, "sleep", clock.sleep)
    fake = Scripted(RuntimeError("boom"), (200, JSON, envelope({"id": "u"})))
    client = ct.TenantClient(api_token="t", transport=fake, pace=(1, 10.0))
    with pytest.raises(RuntimeError):
        client.user.get()
    # The place is held a window after the send ended, then freed.
    assert client.user.get()["id"] == "u" and clock.slept == [10.0]


def test_a_cancelled_send_frees_its_place() -> None:
    class Hanging:
        """Never answers the first request."""

        def __init__(self) -> None:
            self.calls = 0

        async def send(self, request: ct.Request) -> ct.HTTPResponse:
            self.calls += 1
            if self.calls == 1:
                await asyncio.Event().wait()
            return ct.HTTPResponse(200, JSON, envelope({"id": "u"}))

        async def aclose(self) -> None:
            pass

    async def run() -> None:
        client = ct.AsyncTenantClient(api_token="t", transport=Hanging(), pace=(1, 0.2))
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.user.get(), 0.05)
        started = time.monotonic()
        assert (await asyncio.wait_for(client.user.get(), 5))["id"] == "u"
        assert 0.1 <= time.monotonic() - started < 2

    asyncio.run(run())


def test_the_sans_io_pacers() -> None:
    pacers = ct.Pacers(2, 10.0)
    assert pacers.budget == (2, 10.0) and repr(pacers) == "Pacers(limit=2, window=10.0)"
    assert ct.Pacers.off().budget is None and ct.Pacers.cloudflare().budget == (1200, 300.0)

    def call(token: str = "partner") -> ct.Call:
        return ct.Call("user.get", None, {"api_token": token})

    first, second, third = call(), call(), call()
    assert isinstance(first.next(pacers, 0.0, 0.0), ct.Request)
    assert isinstance(second.next(pacers, 0.5, 0.0), ct.Request)
    # Both in flight: when either ends is not known, so it says to ask again soon.
    wait = third.next(pacers, 1.0, 0.0)
    assert isinstance(wait, float) and 0 < wait <= 0.01
    # Another identity has a budget of its own.
    assert isinstance(call("customer").next(pacers, 1.0, 0.0), ct.Request)
    first.feed(pacers, 200, {}, envelope({"id": "u"}), 1.0, 0.0, 0.0)
    second.abandon(pacers, 2.0)
    # A place frees a window after its send ended, answered or abandoned.
    assert third.next(pacers, 2.0, 0.0) == 9.0
    assert isinstance(third.next(pacers, 11.0, 0.0), ct.Request)
    with pytest.raises(ct.ValidationError):
        third.next(pacers, float("nan"), 0.0)
    with pytest.raises(ct.ValidationError) as caught:
        ct.Pacers(0, 10.0)
    assert caught.value.field == "limit"


# ---- onboarding ------------------------------------------------------------------------------


class FakeAPI:
    """Just enough of the Tenant API for the onboarding flow, with faults on request:
    ``faults[(method, path)]`` is a list of what the next such requests meet (``"502"``: the
    edge answers 502 before the API sees it; ``"lost"``: the API commits, the answer is a
    502; ``"drop"``: the API commits, no answer comes). ``POST /accounts`` honours
    ``Idempotency-Key`` as the API does: a resend with a key it saw gets the first answer."""

    def __init__(self) -> None:
        self.accounts: List[Dict[str, Any]] = []
        self.by_key: Dict[str, Dict[str, Any]] = {}
        #: The key of each ``POST /accounts`` received.
        self.keys: List[Optional[str]] = []
        self.members: List[Dict[str, Any]] = []
        self.users: Dict[str, str] = {}
        self.faults: Dict[Tuple[str, str], List[str]] = {}
        self.sent: List[Tuple[str, str]] = []

    def answer(self, request: ct.Request) -> Answer:
        url = urllib.parse.urlsplit(request.url)
        path = url.path.removeprefix("/client/v4")
        query = dict(urllib.parse.parse_qsl(url.query))
        self.sent.append((request.method, path))
        body = json.loads(request.body) if request.body else {}
        key = (request.method, "/accounts/*/members" if path.endswith("/members") else path)
        if key == ("POST", "/accounts"):
            self.keys.append(request.headers.get("idempotency-key"))
        fault = self.faults.get(key, []).pop(0) if self.faults.get(key) else None
        if fault == "502":
            return 502, [("content-type", "text/html")], EDGE_502
        status, result = self.route(request, path, query, body)
        if fault == "lost":
            return 502, [("content-type", "text/html")], EDGE_502
        if fault == "drop":
            raise ct.APIConnectionError("connection reset", method=request.method, url=request.url)
        if status >= 400:
            return status, JSON, failure(1000 + status, str(result))
        extra: Dict[str, Any] = {}
        if isinstance(result, list):
            extra["result_info"] = {"page": 1, "per_page": 50, "count": len(result), "total_count": len(result)}
        return status, JSON, envelope(result, **extra)

    def route(self, request: ct.Request, path: str, query: Dict[str, str], body: Dict[str, Any]) -> Tuple[int, Any]:
        parts = path.strip("/").split("/")
        if path == "/accounts" and request.method == "GET":
            return 200, [a for a in self.accounts if a["name"] == query.get("name", a["name"])]
        if path == "/accounts" and request.method == "POST":
            key = request.headers.get("idempotency-key")
            if key is not None and key in self.by_key:
                return 200, self.by_key[key]
            account = {"id": f"{len(self.accounts) + 1:032x}", "name": body["name"], "type": "standard"}
            self.accounts.append(account)
            if key is not None:
                self.by_key[key] = account
            return 200, account
        if parts[0] == "accounts" and parts[-1] == "roles":
            return 200, [{"id": ADMIN_ROLE, "name": "Administrator", "description": "", "permissions": {}}]
        if parts[0] == "accounts" and parts[-1] == "members" and request.method == "GET":
            return 200, [m for m in self.members if m["account_id"] == parts[1]]
        if parts[0] == "accounts" and parts[-1] == "members":
            member = {
                "id": f"{len(self.members) + 100:032x}",
                "account_id": parts[1],
                "email": body["email"],
                "status": "pending",
                "roles": [{"id": r, "name": "Administrator"} for r in body.get("roles", [])],
            }
            self.members.append(member)
            return 200, {k: v for k, v in member.items() if k != "account_id"}
        if path == "/users":
            if body["email"] in self.users.values():
                return 409, "a user with this e-mail exists"
            key = f"KEY-{len(self.users)}-SECRET"
            self.users[key] = body["email"]
            return 200, {"id": f"{len(self.users):032x}", "email": body["email"], "api_key": key}
        if parts[0] == "memberships":
            email = self.users.get(request.headers.get("x-auth-user-service-key", ""))
            mine = [m for m in self.members if m["email"] == email]
            if request.method == "GET":
                return 200, [self.membership(m) for m in mine]
            member = next(m for m in mine if m["id"] == parts[1])
            member["status"] = body["status"]
            return 200, self.membership(member)
        return 404, f"no route {request.method} {path}"

    def membership(self, member: Dict[str, Any]) -> Dict[str, Any]:
        account = next(a for a in self.accounts if a["id"] == member["account_id"])
        return {"id": member["id"], "status": member["status"], "account": {"id": account["id"], "name": account["name"]}}


class FakeTransport:
    def __init__(self, api: FakeAPI) -> None:
        self.api = api

    def send(self, request: ct.Request) -> ct.HTTPResponse:
        return ct.HTTPResponse(*self.api.answer(request))

    def close(self) -> None:
        pass


class AsyncFakeTransport(FakeTransport):
    async def send(self, request: ct.Request) -> ct.HTTPResponse:  # type: ignore[override]
        return FakeTransport.send(self, request)

    async def aclose(self) -> None:
        pass


SPEC: ct.types.OnboardingSpec = {
    "name": "Acme Corp",
    "unit_id": "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "business_name": "Acme Corp Ltd",
    "business_email": "it@acme.example",
    "members": [{"email": "admin@acme.example", "roles": ["Administrator"]}],
    "service_user": {"email": "svc-acme@partner.example"},
}


def test_onboard_a_new_customer_end_to_end(sleeps: List[float]) -> None:
    api = FakeAPI()
    client = ct.TenantClient(api_token="partner", transport=FakeTransport(api))
    report = client.onboard(SPEC)
    assert report["complete"], report
    assert report["account"]["status"] == "created" and report["account"]["id"] == api.accounts[0]["id"]
    assert [m["status"] for m in report["members"]] == ["created", "created"]
    assert [m["target"] for m in report["members"]] == ["admin@acme.example", "svc-acme@partner.example"]
    assert report["service_user"] is not None and report["service_user"]["status"] == "created"
    assert report["invitation"] is not None and report["invitation"]["status"] == "created"
    assert not any(s["reconciled"] for s in [report["account"], *report["members"]])
    # The key is there, usable, and masked in every repr.
    key = report["api_key"]
    assert isinstance(key, ct.Secret) and key.expose() == "KEY-0-SECRET"
    assert "SECRET" not in repr(report) and "SECRET" not in str(report)
    assert api.members[-1]["status"] == "accepted"
    assert sleeps == []
    # Again: the account exists, and this run did not create it: it may be another customer's
    # of the same name, so nothing is touched unless the spec says to adopt it.
    conflict = client.onboard(SPEC)
    assert conflict["account"]["status"] == "conflict" and conflict["account"]["id"] == api.accounts[0]["id"]
    assert {m["status"] for m in conflict["members"]} == {"pending"} and not conflict["complete"]
    assert len(api.members) == 2
    # Adopted, everything exists now, nothing is created twice.
    again = client.onboard({**SPEC, "adopt": True})
    assert again["account"]["status"] == "existed" and len(api.accounts) == 1
    assert [m["status"] for m in again["members"]] == ["existed", "existed"]
    assert again["service_user"] is not None and again["service_user"]["status"] == "existed"
    # The service user's membership is accepted already: done, though this run has no key.
    assert again["invitation"] is not None and again["invitation"]["status"] == "existed"
    assert again["api_key"] is None and again["complete"], again
    assert len(api.members) == 2


def test_onboard_takes_keywords_and_per_call_credentials() -> None:
    api = FakeAPI()
    client = ct.TenantClient(transport=FakeTransport(api))
    report = client.onboard(name="Solo", credentials={"api_token": "partner"})
    assert report["complete"] and report["members"] == [] and report["service_user"] is None
    assert report["api_key"] is None and report["invitation"] is None


def test_a_post_accounts_whose_answer_was_lost_is_resent_with_its_key(sleeps: List[float]) -> None:
    api = FakeAPI()
    api.faults[("POST", "/accounts")] = ["lost"]
    api.faults[("POST", "/accounts/*/members")] = ["drop"]
    client = ct.TenantClient(api_token="partner", transport=FakeTransport(api))
    report = client.onboard(SPEC)
    assert report["complete"], report
    assert api.sent.count(("POST", "/accounts")) == 2 and len(api.accounts) == 1
    assert api.keys[0] is not None and UUID_V4.fullmatch(api.keys[0]) and api.keys == [api.keys[0]] * 2
    assert report["account"] == {
        "target": "Acme Corp",
        "id": api.accounts[0]["id"],
        "status": "created",
        "error": None,
        "reconciled": False,
    }
    # A member's create carries no key: its lost answer is looked up, not resent.
    assert report["members"][0]["status"] == "created" and report["members"][0]["reconciled"]
    assert len(api.members) == 2
    # Another onboarding, another key.
    client.onboard({**SPEC, "name": "Beta Corp"})
    assert api.keys[2] is not None and UUID_V4.fullmatch(api.keys[2]) and api.keys[2] != api.keys[0]


def test_a_post_accounts_lost_on_every_retry_is_looked_up_not_created_twice(sleeps: List[float]) -> None:
    api = FakeAPI()
    api.faults[("POST", "/accounts")] = ["lost", "lost", "lost"]
    client = ct.TenantClient(api_token="partner", transport=FakeTransport(api))
    report = client.onboard(SPEC)
    assert report["complete"], report
    assert api.sent.count(("POST", "/accounts")) == 3 and len(set(api.keys)) == 1 and len(api.accounts) == 1
    assert report["account"]["reconciled"] and report["account"]["status"] == "created"
    # Once the retries ran out, the account was looked up by name before anything else.
    last = max(i for i, sent in enumerate(api.sent) if sent == ("POST", "/accounts"))
    assert api.sent[last + 1] == ("GET", "/accounts")


def test_a_create_refused_at_the_edge_is_resent_with_its_key(sleeps: List[float]) -> None:
    api = FakeAPI()
    api.faults[("POST", "/accounts")] = ["502"]
    client = ct.TenantClient(api_token="partner", transport=FakeTransport(api))
    report = client.onboard(SPEC)
    assert report["complete"] and api.sent.count(("POST", "/accounts")) == 2 and len(api.accounts) == 1
    assert api.keys[0] == api.keys[1]


def test_onboard_failures_are_in_the_report(sleeps: List[float]) -> None:
    api = FakeAPI()
    api.users["OTHER"] = "svc-acme@partner.example"  # the e-mail is taken
    client = ct.TenantClient(api_token="partner", transport=FakeTransport(api))
    report = client.onboard(SPEC)
    assert not report["complete"]
    assert report["service_user"] is not None and report["service_user"]["status"] == "existed"
    assert report["invitation"] is not None and report["invitation"]["status"] == "failed"
    assert report["invitation"]["error"] is not None
    assert report["invitation"]["error"]["field"] == "service_user"


def test_a_bad_spec_is_refused_before_any_request() -> None:
    api = FakeAPI()
    client = ct.TenantClient(api_token="partner", transport=FakeTransport(api))
    bad: List[Tuple[Dict[str, Any], str]] = [
        ({}, "name"),
        ({"name": "Acme", "nmae": "x"}, "nmae"),
        ({"name": 5}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "Acme", "business_name": "b" * 121}, "business_name"),
        ({"name": "Acme", "type": "huge"}, "type"),
        ({"name": "Acme", "members": {"email": "a@b.example"}}, "members"),
        ({"name": "Acme", "members": [{"roles": ["Administrator"]}]}, "members[0].email"),
        ({"name": "Acme", "members": [{"email": "a@b.example"}]}, "members[0].roles"),
        ({"name": "Acme", "members": [{"email": "a@b.example", "roles": [1]}]}, "members[0].roles[0]"),
        ({"name": "Acme", "members": [{"email": "a@b.example", "role": ["x"]}]}, "members[0].role"),
        ({"name": "Acme", "members": [{"email": "a@b.example", "policies": [{"access": "allow"}]}]}, "members[0].policies[0].permission_groups"),
        ({"name": "Acme", "service_user": {"email": ""}}, "service_user.email"),
        ({"name": "Acme", "service_user": "svc@x.example"}, "service_user"),
        ({"name": "Acme", "unit_id": float("nan")}, "unit_id"),
    ]
    fields = []
    for spec, field in bad:
        with pytest.raises(ct.ValidationError) as caught:
            client.onboard(spec)  # type: ignore[arg-type]
        assert caught.value.operation == "onboarding", spec
        fields.append((caught.value.field, field))
    assert [got for got, _ in fields] == [want for _, want in fields]
    with pytest.raises(ct.ValidationError) as no_credentials:
        ct.TenantClient(transport=FakeTransport(api)).onboard(SPEC)
    assert no_credentials.value.field == "credentials"
    assert api.sent == []


def test_the_async_client_onboards_concurrently(sleeps: List[float]) -> None:
    api = FakeAPI()
    api.faults[("POST", "/accounts")] = ["lost", "drop"]

    async def run() -> List[ct.types.OnboardingReport]:
        async with ct.AsyncTenantClient(api_token="partner", transport=AsyncFakeTransport(api)) as client:
            specs: List[ct.types.OnboardingSpec] = [
                {**SPEC, "name": f"Acme {i}", "service_user": {"email": f"svc-{i}@partner.example"}}
                for i in range(4)
            ]
            return list(await asyncio.gather(*(client.onboard(spec) for spec in specs)))

    reports = asyncio.run(run())
    assert all(r["complete"] for r in reports), reports
    assert sorted(a["name"] for a in api.accounts) == [f"Acme {i}" for i in range(4)]
    # The two lost answers were resent with their keys, not looked up; one key per onboarding.
    assert sum(r["account"]["reconciled"] for r in reports) == 0
    assert len(api.keys) == 6 and len(set(api.keys)) == 4


def test_the_sans_io_onboarding() -> None:
    api = FakeAPI()
    flow = ct.Onboarding({"name": "Sans"}, {"api_token": "partner"}, ct.RetryPolicy.none(), "https://api.example/client/v4")
    assert repr(flow) == "Onboarding(name='Sans')"
    actions: List[str] = []
    pacers = ct.Pacers.off()
    while True:
        action = flow.next(pacers, time.monotonic(), time.time())
        if action is None:
            break
        assert isinstance(action, ct.Request)
        actions.append(f"{action.method} {action.url.split('?')[0]}")
        flow.feed(pacers, *api.answer(action), time.monotonic(), time.time(), 0.5)
    assert actions == ["GET https://api.example/client/v4/accounts", "POST https://api.example/client/v4/accounts"]
    assert flow.report()["complete"]


def test_onboard_sleeps_when_the_flow_says(sleeps: List[float]) -> None:
    api = FakeAPI()
    answers: List[Optional[Answer]] = [(429, [*JSON, ("retry-after", "3")], failure(10000, "slow down"))]

    class Limited(FakeTransport):
        def send(self, request: ct.Request) -> ct.HTTPResponse:
            answer = answers.pop() if answers else None
            return ct.HTTPResponse(*answer) if answer else super().send(request)

    report = ct.TenantClient(api_token="p", transport=Limited(api)).onboard(name="Slow")
    assert report["complete"] and sleeps == [3.0]

