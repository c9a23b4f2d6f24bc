"""Every exception class, raised by a real refusal of the sandbox (or, for ValidationError, by the
core before anything is sent)."""

from __future__ import annotations

import time
from typing import Any, Callable, Iterator, List

import httpx
import pytest
from _support import ADMIN_TOKEN, PLAIN_TOKEN, Sandbox, unique

import cloudflare_tenant as ct

UNKNOWN_ACCOUNT = "0123456789abcdef0123456789abcdef"


class Recording:
    """A transport that records what it is asked to send, then sends it with urllib."""

    def __init__(self) -> None:
        self.sent: List[ct.Request] = []
        self._inner = ct.UrllibTransport(timeout=30)

    def send(self, request: ct.Request) -> ct.HTTPResponse:
        self.sent.append(request)
        return self._inner.send(request)

    def close(self) -> None:
        self._inner.close()


@pytest.fixture(params=["urllib", "httpx"])
def transport(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "httpx":
        with httpx.Client(timeout=30) as client:
            yield client
    else:
        yield None


def test_401_without_credentials(sandbox: Sandbox, transport: Any) -> None:
    # The core refuses to build a request without credentials, so strip them from a built one.
    request = ct.build_request("user.get", None, {"api_token": ADMIN_TOKEN}, sandbox.base_url)
    headers = {k: v for k, v in request.headers.items() if k not in request.sensitive_headers}
    sender = ct.HttpxTransport(transport) if transport is not None else ct.UrllibTransport()
    response = sender.send(_replace_headers(request, headers))
    with pytest.raises(ct.AuthenticationError) as caught:
        ct.parse_response("user.get", response.status, response.headers, response.body)
    error = caught.value
    assert error.status == 401 and error.operation == "user.get"
    assert error.errors and error.errors[0]["code"] == error.code
    assert error.ray_id


def _replace_headers(request: ct.Request, headers: Any) -> Any:
    class Stripped:
        method = request.method
        url = request.url
        body = request.body

    Stripped.headers = headers  # type: ignore[attr-defined]
    return Stripped()


def test_401_or_403_for_unknown_credentials(sandbox: Sandbox, transport: Any) -> None:
    with ct.TenantClient(api_token="not-a-known-token", base_url=sandbox.base_url, transport=transport) as client:
        with pytest.raises((ct.AuthenticationError, ct.PermissionDeniedError)) as caught:
            client.user.get()
    error = caught.value
    assert isinstance(error, ct.APIError)
    assert type(error) is {401: ct.AuthenticationError, 403: ct.PermissionDeniedError}[error.status]
    assert "not-a-known-token" not in str(error) and "not-a-known-token" not in repr(error)


def test_403_plain_user_creating_an_account(sandbox: Sandbox, transport: Any) -> None:
    with ct.TenantClient(api_token=PLAIN_TOKEN, base_url=sandbox.base_url, transport=transport) as client:
        with pytest.raises(ct.PermissionDeniedError) as caught:
            client.accounts.create(name=unique("forbidden"))
    error = caught.value
    assert error.status == 403 and error.operation == "accounts.create"
    assert error.errors and isinstance(error.code, int)
    assert "accounts.create failed with HTTP 403" in str(error)


def test_404_unknown_account(admin: ct.TenantClient) -> None:
    with pytest.raises(ct.NotFoundError) as caught:
        admin.accounts.get(UNKNOWN_ACCOUNT)
    assert caught.value.status == 404
    assert caught.value.ray_id


def test_409_duplicate_service_user(admin: ct.TenantClient) -> None:
    email = f"{unique('dup')}@partner.example"
    admin.users.create(email=email)
    with pytest.raises(ct.ConflictError) as caught:
        admin.users.create(email=email)
    assert caught.value.status == 409


def test_400_bad_request_from_the_api(admin: ct.TenantClient) -> None:
    # The core lets any non-empty e-mail through (the API is the judge of its shape).
    with pytest.raises(ct.BadRequestError) as caught:
        admin.users.create(email="not an e-mail")
    assert caught.value.status == 400


def test_429_rate_limited(start_sandbox: Callable[..., Sandbox], transport: Any) -> None:
    limited = start_sandbox("--rate-limit", "3")
    limited.reset()
    with ct.TenantClient(api_token=ADMIN_TOKEN, base_url=limited.base_url, transport=transport) as client:
        with pytest.raises(ct.RateLimitError) as caught:
            for _ in range(10):
                client.user.get()
    error = caught.value
    assert error.status == 429 and error.operation == "user.get"
    assert error.retry_after is not None and error.retry_after > 0


# Short backoffs, so that the tests that exhaust retries do not wait.
QUICK = ct.RetryPolicy(max_retries=2, initial_backoff=0.01, max_backoff=0.02)


def test_502_html_from_the_edge(start_sandbox: Callable[..., Sandbox], transport: Any) -> None:
    faulty = start_sandbox("--fault-html-502", "1.0")
    with ct.TenantClient(
        api_token=ADMIN_TOKEN, base_url=faulty.base_url, transport=transport, retry=QUICK
    ) as client:
        with pytest.raises(ct.ResponseDecodeError) as caught:
            client.user.get()
        # A GET is retried (twice), then the last answer is the error.
        assert faulty.state()["counters"]["requests"] == 3
        # A POST without an idempotency key is not resent: it may have been carried out.
        with pytest.raises(ct.OutcomeUnknownError) as unknown:
            client.users.create(email=f"{unique('edge')}@partner.example")
        assert faulty.state()["counters"]["requests"] == 4
        assert unknown.value.status == 502 and unknown.value.ray_id
        assert isinstance(unknown.value.__cause__, ct.ResponseDecodeError)
        # A create carries one: resent with it (twice), then still of unknown outcome.
        with pytest.raises(ct.OutcomeUnknownError) as unknown:
            client.accounts.create(name=unique("edge"))
        assert faulty.state()["counters"]["requests"] == 7
        assert unknown.value.status == 502
    error = caught.value
    assert error.status == error.status_code == 502
    assert error.snippet.lstrip().startswith("<")
    assert error.ray_id
    assert error.operation == "user.get"
    assert not isinstance(error, ct.APIError)


def test_validation_error_before_any_request(sandbox: Sandbox) -> None:
    recording = Recording()
    client = ct.TenantClient(api_token=ADMIN_TOKEN, base_url=sandbox.base_url, transport=recording)
    cases: List[Callable[[], Any]] = [
        lambda: client.accounts.get("../../user"),
        lambda: client.accounts.create(name="x" * 101),
        lambda: client.accounts.create(name="Acme", business_name="b" * 121),
        lambda: client.accounts.members.list("not-hex"),
        lambda: client.accounts.list(per_page=500),
        lambda: client.accounts.members.create(
            UNKNOWN_ACCOUNT, email="a@b.example", roles=[UNKNOWN_ACCOUNT], policies=[]
        ),
        lambda: client.memberships.update(UNKNOWN_ACCOUNT, status="pending"),  # type: ignore[arg-type]
        lambda: client.user.edit(),
        lambda: client.user.get(credentials={"api_token": "bad\r\nX-Evil: 1"}),
    ]
    fields = []
    for case in cases:
        with pytest.raises(ct.ValidationError) as caught:
            case()
        assert isinstance(caught.value, ValueError)
        assert "Evil" not in str(caught.value)
        fields.append(caught.value.field)
    assert fields[:5] == ["account_id", "name", "business_name", "account_id", "per_page"]
    assert fields[-1] == "api_token"
    assert recording.sent == []


def test_connection_refused(transport: Any) -> None:
    with ct.TenantClient(
        api_token=ADMIN_TOKEN, base_url="http://127.0.0.1:9/client/v4", transport=transport, retry=QUICK
    ) as client:
        with pytest.raises(ct.APIConnectionError) as caught:
            client.user.get()
    error = caught.value
    assert error.operation == "user.get"
    assert error.method == "GET" and error.url == "http://127.0.0.1:9/client/v4/user"
    assert not error.sent and isinstance(error.__cause__, ct.APIConnectionError)
    assert ADMIN_TOKEN not in str(error)


def test_429_with_retry_after_zero_reads_the_body(start_sandbox: Callable[..., Sandbox]) -> None:
    # `Retry-After: 0` in the header, the real delay in the body's `retry_after`.
    throttled = start_sandbox("--fault-429-zero", "1.0")
    with ct.TenantClient(api_token=ADMIN_TOKEN, base_url=throttled.base_url, max_retries=1) as client:
        started = time.monotonic()
        with pytest.raises(ct.RateLimitError) as caught:
            client.accounts.create(name=unique("throttled"))
        # A 429 was refused, not done: the POST is resent after the body's delay (1 s).
        assert time.monotonic() - started >= 1.0
        assert throttled.state()["counters"]["requests"] == 2
    error = caught.value
    assert error.status == 429 and error.operation == "accounts.create"
    assert error.retry_after is not None and error.retry_after > 0
