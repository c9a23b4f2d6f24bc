"""The package against the hostile server (the sandbox crate's `hostile`): redirects that would
carry the credentials elsewhere, answers that would leak a created user's key, bodies nested
deep, huge, dripping, endless or never coming, every form of `Retry-After`, pacing under
concurrency, answers lost after a create was carried out (what the resend carries); and the
options and inputs those attacks need refused.

Each test uses its own tag, so that the server's log (`hostile.requests`) shows its requests
only."""

from __future__ import annotations

import asyncio
import bisect
import json
import math
import pickle
import re
import threading
import time
import traceback
import tracemalloc
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Iterator, List, Optional

import httpx
import pytest
from _support import Hostile, unique

import cloudflare_tenant as ct

ID = "0123456789abcdef0123456789abcdef"
#: What every `secret/*` answer carries.
SECRET = "hostile-secret-api-key-7f3a9c"

CREDENTIALS: Dict[str, Dict[str, str]] = {
    "token": {"api_token": "hostile-test-token-0001"},
    "global_key": {"api_email": "owner@partner.example", "api_key": "hostile-test-global-key-0002"},
    "service_key": {"user_service_key": "hostile-test-service-key-0003"},
}
TOKEN = CREDENTIALS["token"]

# Each returns the call's result, or its coroutine with the async client.
CALLS: Dict[str, Callable[[Any], Any]] = {
    "user.get": lambda client: client.user.get(),
    "accounts.get": lambda client: client.accounts.get(ID),
    "accounts.create": lambda client: client.accounts.create(name="Acme", unit_id=ID),
}
GET = CALLS["user.get"]
POST = CALLS["accounts.create"]
#: A POST that takes no idempotency key: never resent once it may have been carried out.
UNKEYED_POST: Callable[[Any], Any] = lambda client: client.users.create(email="svc@partner.example")

#: urllib (the default); an httpx.Client of the caller's that follows redirects; the same for
#: the async client.
KINDS = ["urllib", "httpx", "async"]

MIB = 1 << 20


def run(kind: str, call: Callable[[Any], Any], **options: Any) -> Any:
    """Makes ``call`` with a client over ``kind`` and returns its result (or raises its error).
    The httpx clients are built with ``follow_redirects=True``: the package must override it."""
    if kind == "urllib":
        with ct.TenantClient(**options) as client:
            return call(client)
    if kind == "httpx":
        with httpx.Client(follow_redirects=True) as http:
            with ct.TenantClient(transport=http, **options) as client:
                return call(client)

    async def main() -> Any:
        async with httpx.AsyncClient(follow_redirects=True) as http:
            async with ct.AsyncTenantClient(transport=http, **options) as client:
                return await call(client)

    return asyncio.run(main())


def chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and every exception it was raised from or during."""
    seen: List[BaseException] = []
    todo = [error]
    while todo:
        current = todo.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        yield current
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def surfaces(error: BaseException) -> List[str]:
    """Everything of ``error`` a program or a log could show: message, repr, args, attributes,
    JSON view, pickle and traceback, of it and of every exception in its chain."""
    shown = ["".join(traceback.format_exception(type(error), error, error.__traceback__))]
    for e in chain(error):
        shown += [str(e), repr(e), repr(e.args), repr(vars(e))]
        if isinstance(e, ct.CloudflareError):
            shown.append(json.dumps(e.to_dict()))
            shown.append(repr(pickle.dumps(e)))
    return shown


def assert_never_shown(secret: str, error: BaseException) -> None:
    for shown in surfaces(error):
        assert secret not in shown


class Measured:
    """Wall time and the peak of Python's allocations over a ``with`` block."""

    seconds: float
    peak_bytes: int

    def __enter__(self) -> Measured:
        tracemalloc.start()
        self._started = time.monotonic()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.monotonic() - self._started
        self.peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


# ---- redirects -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("who", list(CREDENTIALS))
@pytest.mark.parametrize("operation", list(CALLS))
@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_a_redirect_is_never_followed(
    hostile: Hostile, code: int, operation: str, who: str, kind: str
) -> None:
    tag = unique("redirect")
    base_url = hostile.base_url(f"redirect/{code}", tag)
    with pytest.raises(ct.RedirectError) as caught:
        run(kind, CALLS[operation], base_url=base_url, credentials=CREDENTIALS[who])
    error = caught.value
    assert (error.status, error.operation) == (code, operation)
    assert error.location is not None and error.location.startswith(f"{hostile.elsewhere}/stolen/{tag}/")
    assert f"HTTP {code}" in str(error) and error.location in str(error)
    assert error.to_dict()["kind"] == "redirect"
    # Nothing reached the other origin, and the redirect was not retried.
    assert hostile.requests(f"/stolen/{tag}/") == []
    assert len(hostile.requests(f"/redirect/{code}/{tag}/")) == 1
    for secret in CREDENTIALS[who].values():
        if "@" not in secret:
            assert_never_shown(secret, error)


def test_an_opener_of_yours_does_not_follow_a_redirect_either(hostile: Hostile) -> None:
    tag = unique("redirect")
    transport = ct.UrllibTransport(opener=urllib.request.build_opener())
    with pytest.raises(ct.RedirectError) as caught:
        run("urllib", GET, base_url=hostile.base_url("redirect/302", tag), credentials=TOKEN, transport=transport)
    assert caught.value.status == 302
    assert hostile.requests(f"/stolen/{tag}/") == []


# ---- undecodable answers holding a secret ------------------------------------------------------


SECRET_CALLS: Dict[str, Callable[[Any], Any]] = {
    variant: lambda client: client.users.create(email="svc@partner.example")
    for variant in ["wrong-type", "no-success", "trailing", "html", "truncated", "key-number", "error-500"]
}
#: A policy the core takes, so that the create reaches the server.
TOKEN_POLICY: Any = {
    "effect": "allow",
    "permission_groups": ["c8fed203ed3043cba015a93ad1616f1f"],
    "resources": {f"com.cloudflare.api.account.{ID}": "*"},
}
if "accounts.tokens.create" in {op["name"] for op in ct.operations()}:
    SECRET_CALLS["token-wrong-type"] = lambda client: client.accounts.tokens.create(
        ID, name="t", policies=[TOKEN_POLICY]
    )


@pytest.mark.parametrize("kind", ["urllib", "async"])
@pytest.mark.parametrize("variant", list(SECRET_CALLS))
def test_an_undecodable_answer_never_shows_the_secret(hostile: Hostile, variant: str, kind: str) -> None:
    base_url = hostile.base_url(f"secret/{variant}", unique("secret"))
    with pytest.raises(ct.CloudflareError) as caught:
        run(kind, SECRET_CALLS[variant], base_url=base_url, credentials=TOKEN, retry=False)
    error = caught.value
    expected = ct.OutcomeUnknownError if variant == "error-500" else ct.ResponseDecodeError
    assert isinstance(error, expected)
    assert_never_shown(SECRET, error)


# ---- nesting -----------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [200, 100_000, 1_000_000])
@pytest.mark.parametrize("scenario", ["deep", "deep-result"])
def test_deep_nesting_is_a_decode_error(hostile: Hostile, scenario: str, depth: int) -> None:
    base_url = hostile.base_url(f"{scenario}/{depth}", unique("deep"))
    with pytest.raises(ct.ResponseDecodeError) as caught:
        run("urllib", GET, base_url=base_url, credentials=TOKEN, retry=False)
    assert "nested deeper than 128" in caught.value.reason
    assert len(caught.value.snippet) <= 512
    assert not any(isinstance(e, RecursionError) for e in chain(caught.value))


# ---- bodies too large, too slow, never ending ----------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "scenario, max_body_bytes",
    [
        ("huge/40", ct.DEFAULT_MAX_BODY_BYTES),
        ("huge-chunked/40", ct.DEFAULT_MAX_BODY_BYTES),
        ("huge/2", MIB),
        ("huge-chunked/2", MIB),
        ("endless", ct.DEFAULT_MAX_BODY_BYTES),
    ],
)
def test_a_body_over_the_cap_is_refused(
    hostile: Hostile, scenario: str, max_body_bytes: int, kind: str
) -> None:
    base_url = hostile.base_url(scenario, unique("huge"))
    with Measured() as measured:
        with pytest.raises(ct.ResponseTooLargeError) as caught:
            run(kind, GET, base_url=base_url, credentials=TOKEN, retry=False, max_body_bytes=max_body_bytes)
    error = caught.value
    assert error.sent and f"max_body_bytes ({max_body_bytes} bytes)" in str(error)
    assert measured.seconds < 10
    assert measured.peak_bytes < max_body_bytes + 64 * MIB


@pytest.mark.parametrize("kind", KINDS)
def test_a_body_under_the_cap_is_read(hostile: Hostile, kind: str) -> None:
    user = run(kind, GET, base_url=hostile.base_url("huge-chunked/2", unique("huge")), credentials=TOKEN)
    assert user["id"] == ID and len(user["pad"]) > MIB


def test_a_body_over_the_cap_counts_as_no_answer(hostile: Hostile) -> None:
    """A GET is retried after it; a POST without a key may have been carried out, so it is
    not resent."""
    policy = ct.RetryPolicy(max_retries=1, initial_backoff=0.05, max_backoff=0.05)
    tag = unique("huge")
    with pytest.raises(ct.ResponseTooLargeError):
        run("urllib", GET, base_url=hostile.base_url("huge/2", tag), credentials=TOKEN, retry=policy, max_body_bytes=MIB)
    assert len(hostile.requests(f"/huge/2/{tag}/")) == 2

    tag = unique("huge")
    with pytest.raises(ct.OutcomeUnknownError) as caught:
        run("urllib", UNKEYED_POST, base_url=hostile.base_url("huge/2", tag), credentials=TOKEN, retry=policy, max_body_bytes=MIB)
    assert isinstance(caught.value.__cause__, ct.ResponseTooLargeError)
    assert len(hostile.requests(f"/huge/2/{tag}/")) == 1


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("scenario", ["drip", "stall"])
def test_a_slow_answer_ends_at_the_deadline(hostile: Hostile, scenario: str, kind: str) -> None:
    base_url = hostile.base_url(scenario, unique(scenario))
    with Measured() as measured:
        with pytest.raises(ct.APITimeoutError) as caught:
            run(kind, GET, base_url=base_url, credentials=TOKEN, retry=False, timeout=1.5)
    assert caught.value.sent
    assert 1.4 <= measured.seconds < 3.0
    assert measured.peak_bytes < 10 * MIB


@pytest.mark.parametrize("kind", KINDS)
def test_a_create_whose_answer_drips_is_an_unknown_outcome(hostile: Hostile, kind: str) -> None:
    tag = unique("drip")
    with Measured() as measured:
        with pytest.raises(ct.OutcomeUnknownError) as caught:
            run(kind, UNKEYED_POST, base_url=hostile.base_url("drip", tag), credentials=TOKEN, timeout=1.5)
    assert isinstance(caught.value.__cause__, ct.APITimeoutError)
    assert measured.seconds < 3.0
    assert len(hostile.requests(f"/drip/{tag}/")) == 1


# ---- lost answers and idempotency keys ------------------------------------------------------------

UUID_V4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
#: A resend 0.05 s (less a quarter at most) after a lost answer.
QUICK = ct.RetryPolicy(max_retries=2, initial_backoff=0.05, max_backoff=0.1)


def keys_of(hostile: Hostile, prefix: str) -> List[Optional[str]]:
    """The ``Idempotency-Key`` of each request the server logged under ``prefix``."""
    return [r["headers"].get("idempotency-key") for r in hostile.requests(prefix)]


def three_creates(client: Any) -> Any:
    """Two creates with a key of the client's, then one with the caller's (``crm-42``)."""
    if isinstance(client, ct.AsyncTenantClient):

        async def creates() -> List[Any]:
            return [
                await client.accounts.create(name="Acme"),
                await client.accounts.create(name="Acme"),
                await client.accounts.create(name="Acme", idempotency_key="crm-42"),
            ]

        return creates()
    return [
        client.accounts.create(name="Acme"),
        client.accounts.create(name="Acme"),
        client.accounts.create(name="Acme", idempotency_key="crm-42"),
    ]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("how", ["close", "502"])
def test_a_create_whose_answer_was_lost_is_resent_with_the_same_key(hostile: Hostile, how: str, kind: str) -> None:
    """The server carries out each create and loses its first answer (it hangs up, or answers
    502 as an edge); it answers a resend with a key it saw before, as the API replays."""
    tag = unique("lost")
    base_url = hostile.base_url(f"lost-answer/{how}", tag)
    accounts = run(kind, three_creates, base_url=base_url, credentials=TOKEN, retry=QUICK)
    assert [account["id"] for account in accounts] == [ID] * 3
    keys = keys_of(hostile, f"/lost-answer/{how}/{tag}/")
    assert len(keys) == 6, keys
    first, second = keys[0], keys[2]
    assert first is not None and UUID_V4.fullmatch(first), first
    assert keys[1] == first, "the resend carries the first attempt's key"
    assert second is not None and UUID_V4.fullmatch(second), second
    assert keys[3] == second and second != first, "each create draws its own key"
    assert keys[4:] == ["crm-42", "crm-42"], "the caller's key, as given"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("how", ["close", "502"])
def test_a_post_without_a_key_whose_answer_was_lost_is_not_resent(hostile: Hostile, how: str, kind: str) -> None:
    tag = unique("lost")
    base_url = hostile.base_url(f"lost-answer/{how}", tag)
    with pytest.raises(ct.OutcomeUnknownError) as caught:
        run(kind, UNKEYED_POST, base_url=base_url, credentials=TOKEN, retry=QUICK)
    assert caught.value.operation == "users.create"
    assert keys_of(hostile, f"/lost-answer/{how}/{tag}/") == [None]


# ---- Retry-After -------------------------------------------------------------------------------

#: One retry, and a backoff of 0.5 s shortened by at most a quarter by the jitter.
BACKOFF = ct.RetryPolicy(max_retries=1, initial_backoff=0.5, max_backoff=0.5)


@pytest.mark.parametrize(
    "form, shortest, longest",
    [
        ("seconds-1", 0.95, 1.6),
        ("ms-500", 0.45, 1.0),
        ("date-2", 0.5, 2.7),
        ("zero-body-1", 0.95, 1.6),
        # No usable wait: the backoff, never an immediate resend.
        ("date-past", 0.3, 1.0),
        ("zero", 0.3, 1.0),
        ("garbage", 0.3, 1.0),
        ("negative", 0.3, 1.0),
        ("nan", 0.3, 1.0),
        ("none", 0.3, 1.0),
    ],
)
def test_a_429_is_resent_after_the_wait_it_asked_for(
    hostile: Hostile, form: str, shortest: float, longest: float
) -> None:
    tag = unique("retry-after")
    with pytest.raises(ct.RateLimitError) as caught:
        run("urllib", GET, base_url=hostile.base_url(f"retry-after/{form}", tag), credentials=TOKEN, retry=BACKOFF)
    assert caught.value.status == 429
    sent = [r["t_ms"] / 1000 for r in hostile.requests(f"/retry-after/{form}/{tag}/")]
    assert len(sent) == 2
    assert shortest <= sent[1] - sent[0] <= longest


def test_a_wait_over_the_limit_fails_at_once(hostile: Hostile) -> None:
    tag = unique("retry-after")
    started = time.monotonic()
    with pytest.raises(ct.RateLimitError) as caught:
        run("urllib", GET, base_url=hostile.base_url("retry-after/huge", tag), credentials=TOKEN, retry=BACKOFF)
    assert time.monotonic() - started < 1.0
    assert caught.value.retry_after == pytest.approx(172800)
    assert len(hostile.requests(f"/retry-after/huge/{tag}/")) == 1


# ---- pacing under concurrency --------------------------------------------------------------------

LIMIT, WINDOW = 10, 2.0
CALLERS = 50


def busiest_window(times: List[float], window: float) -> int:
    """The most of ``times`` in any half-open interval of ``window`` seconds."""
    times = sorted(times)
    return max(bisect.bisect_left(times, t + window) - i for i, t in enumerate(times))


class RecordingTransport:
    """Notes the monotonic time of every send, then sends with urllib."""

    def __init__(self) -> None:
        self.sent: List[float] = []
        self._inner = ct.UrllibTransport(timeout=10)
        self._lock = threading.Lock()

    def send(self, request: ct.Request) -> ct.HTTPResponse:
        with self._lock:
            self.sent.append(time.monotonic())
        return self._inner.send(request)

    def close(self) -> None:
        pass


class AsyncRecordingTransport:
    """The async counterpart of :class:`RecordingTransport`, over httpx."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.sent: List[float] = []
        self._inner = ct.AsyncHttpxTransport(client, timeout=10)

    async def send(self, request: ct.Request) -> ct.HTTPResponse:
        self.sent.append(time.monotonic())
        return await self._inner.send(request)

    async def aclose(self) -> None:
        pass


def assert_paced(hostile: Hostile, tag: str, sent: List[float]) -> None:
    arrived = [r["t_ms"] / 1000 for r in hostile.requests(f"/ok/{tag}/")]
    assert len(sent) == len(arrived) == CALLERS
    assert busiest_window(sent, WINDOW) <= LIMIT
    assert busiest_window(arrived, WINDOW) <= LIMIT


def test_concurrent_threads_stay_within_the_pace(hostile: Hostile) -> None:
    tag = unique("ok")
    transport = RecordingTransport()
    client = ct.TenantClient(
        credentials=TOKEN, base_url=hostile.base_url("ok", tag), transport=transport, pace=(LIMIT, WINDOW)
    )
    with ThreadPoolExecutor(CALLERS) as pool:
        users = list(pool.map(lambda _: client.user.get(), range(CALLERS)))
    assert all(u["email"] == "ok@example.com" for u in users)
    assert_paced(hostile, tag, transport.sent)


def test_concurrent_tasks_stay_within_the_pace(hostile: Hostile) -> None:
    tag = unique("ok")

    async def main() -> List[Any]:
        async with httpx.AsyncClient() as http:
            transport = AsyncRecordingTransport(http)
            client = ct.AsyncTenantClient(
                credentials=TOKEN, base_url=hostile.base_url("ok", tag), transport=transport, pace=(LIMIT, WINDOW)
            )
            users = await asyncio.gather(*(client.user.get() for _ in range(CALLERS)))
            assert_paced(hostile, tag, transport.sent)
            return list(users)

    assert all(u["email"] == "ok@example.com" for u in asyncio.run(main()))


# ---- refused before any request --------------------------------------------------------------------


def _clients() -> Dict[str, Callable[..., Any]]:
    return {
        "sync": ct.TenantClient,
        "sync-httpx": lambda **o: ct.TenantClient(transport=httpx.Client(), **o),
        "async": ct.AsyncTenantClient,
        "async-httpx": lambda **o: ct.AsyncTenantClient(transport=httpx.AsyncClient(), **o),
    }


@pytest.mark.parametrize("make", list(_clients()))
@pytest.mark.parametrize(
    "option, value",
    [
        ("timeout", -1.0),
        ("timeout", 0),
        ("timeout", math.nan),
        ("timeout", math.inf),
        ("max_body_bytes", 0),
        ("max_body_bytes", -5),
        ("max_pages", 0),
        ("max_pages", -1),
        ("max_pages", 2**32),
    ],
)
def test_bad_options_are_refused(make: str, option: str, value: Any) -> None:
    with pytest.raises(ct.ValidationError) as caught:
        _clients()[make](credentials=TOKEN, **{option: value})
    assert caught.value.field == option


@pytest.mark.parametrize(
    "make",
    [
        lambda **o: ct.UrllibTransport(**o),
        lambda **o: ct.HttpxTransport(**o),
        lambda **o: ct.AsyncHttpxTransport(**o),
    ],
)
def test_bad_transport_options_are_refused(make: Callable[..., Any]) -> None:
    bad_values: List[Dict[str, Any]] = [{"timeout": -0.5}, {"timeout": math.nan}, {"max_body_bytes": 0}]
    for options in bad_values:
        with pytest.raises(ct.ValidationError) as caught:
            make(**options)
        assert caught.value.field == next(iter(options))
    bad_types: List[Dict[str, Any]] = [{"timeout": "60"}, {"max_body_bytes": 1.5}, {"max_body_bytes": True}]
    for options in bad_types:
        with pytest.raises(TypeError):
            make(**options)


@pytest.mark.parametrize("status", [-1, 0, 99, 600, 700, 65536, 2**70])
def test_a_status_out_of_range_is_refused(status: int) -> None:
    body = b'{"success":true,"errors":[],"messages":[],"result":{}}'
    # 0 is a browser's opaque redirect.
    expected = ct.RedirectError if status == 0 else ct.ValidationError
    with pytest.raises(expected) as caught:
        ct.parse_response("user.get", status, {}, body)
    if isinstance(caught.value, ct.ValidationError):
        assert caught.value.field == "status"
    for machine in (ct.Call("user.get", None, TOKEN), ct.Listing("accounts.list", None, TOKEN)):
        pacers = ct.Pacers.off()
        machine.next(pacers, 0.0, 0.0)
        if status < 0 or status > 65535:
            with pytest.raises(ct.ValidationError):
                machine.feed(pacers, status, {}, body, 0.0, 0.0, 0.0)
        else:
            machine.feed(pacers, status, {}, body, 0.0, 0.0, 0.0)
            with pytest.raises(expected):
                machine.next(pacers, 0.0, 0.0)


def test_a_page_cap_below_one_is_refused() -> None:
    for cap in [0, -1, 2**32]:
        with pytest.raises(ct.ValidationError) as caught:
            ct.Listing("accounts.list", None, TOKEN, max_pages=cap)
        assert caught.value.field == "max_pages"
    with pytest.raises(TypeError):
        ct.Listing("accounts.list", None, TOKEN, max_pages="3")  # type: ignore[arg-type]


PASSWORD = "hunter2-base-url-password"


@pytest.mark.parametrize(
    "make",
    [
        lambda url: ct.TenantClient(credentials=TOKEN, base_url=url),
        lambda url: ct.AsyncTenantClient(credentials=TOKEN, base_url=url),
        lambda url: ct.build_request("user.get", None, TOKEN, base_url=url),
        lambda url: ct.Call("user.get", None, TOKEN, base_url=url),
        lambda url: ct.Listing("accounts.list", None, TOKEN, base_url=url),
    ],
)
def test_a_base_url_with_a_password_is_refused(make: Callable[[str], Any]) -> None:
    with pytest.raises(ct.ValidationError) as caught:
        make(f"http://partner:{PASSWORD}@127.0.0.1:9/client/v4")
    assert caught.value.field == "base_url"
    assert_never_shown(PASSWORD, caught.value)


NON_ASCII = [
    ({"api_token": "tøken-SECRET-1"}, "api_token"),
    ({"api_token": "token-SECRET-\u00a0"}, "api_token"),
    ({"api_email": "ø@partner.example", "api_key": "key-SECRET-2"}, "api_email"),
    ({"api_email": "a@partner.example", "api_key": "kéy-SECRET-3"}, "api_key"),
    ({"user_service_key": "svc-SECRET-4-€"}, "user_service_key"),
]


@pytest.mark.parametrize("credentials, field", NON_ASCII)
def test_credentials_that_are_not_ascii_are_refused(
    hostile: Hostile, credentials: Dict[str, str], field: str
) -> None:
    tag = unique("ok")
    for make in (
        lambda: ct.TenantClient(credentials=credentials),
        lambda: ct.Credentials.from_dict(credentials),
        lambda: ct.build_request("user.get", None, credentials),
        lambda: ct.TenantClient(credentials=TOKEN, base_url=hostile.base_url("ok", tag)).user.get(
            credentials=credentials
        ),
    ):
        with pytest.raises(ct.ValidationError) as caught:
            make()
        assert caught.value.field == field
        assert not any(isinstance(e, UnicodeError) for e in chain(caught.value))
        assert_never_shown("SECRET", caught.value)
    assert hostile.requests(f"/ok/{tag}/") == []


def test_nothing_shows_a_credential_or_a_password() -> None:
    secret = "tok-SECRET-in-repr"
    shown = [
        repr(ct.TenantClient(api_token=secret)),
        repr(ct.TenantClient(api_token=secret, transport=httpx.Client())),
        repr(ct.AsyncTenantClient(api_token=secret)),
        repr(ct.build_request("user.get", None, {"api_token": secret})),
        repr(ct.UrllibTransport()),
        repr(ct.HttpxTransport()),
        repr(ct.AsyncHttpxTransport()),
    ]
    assert all(secret not in s for s in shown)
    assert repr(ct.UrllibTransport(timeout=5, max_body_bytes=MIB)) == (
        f"UrllibTransport(timeout=5.0, max_body_bytes={MIB})"
    )
