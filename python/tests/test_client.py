"""The clients over fake transports: configuration, credentials, pagination, closing."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Tuple

import pytest

import cloudflare_tenant as ct

ACCOUNT = "2bab6ace8c72ed3f09b9eca6db1396bb"


def envelope(result: Any, **extra: Any) -> bytes:
    return json.dumps({"success": True, "errors": [], "messages": [], "result": result, **extra}).encode()


class Fake:
    """A transport that answers from a function of the request."""

    def __init__(self, answer: Callable[[ct.Request], Tuple[int, bytes]]) -> None:
        self.answer = answer
        self.sent: List[ct.Request] = []
        self.closed = False

    def send(self, request: ct.Request) -> ct.HTTPResponse:
        self.sent.append(request)
        status, body = self.answer(request)
        return ct.HTTPResponse(status, [("content-type", "application/json")], body)

    def close(self) -> None:
        self.closed = True


def test_credentials_forms() -> None:
    fake = Fake(lambda r: (200, envelope({"id": "u"})))
    cases: List[Tuple[Dict[str, Any], str]] = [
        ({"api_token": "t"}, "authorization"),
        ({"api_email": "e@x.example", "api_key": "k"}, "x-auth-key"),
        ({"user_service_key": "s"}, "x-auth-user-service-key"),
        ({"credentials": {"api_token": "t"}}, "authorization"),
        ({"credentials": ct.Credentials.user_service_key("s")}, "x-auth-user-service-key"),
    ]
    for kwargs, header in cases:
        client = ct.TenantClient(transport=fake, **kwargs)
        client.user.get()
        assert header in fake.sent[-1].headers
    with pytest.raises(ct.ValidationError):
        ct.TenantClient(api_token="t", user_service_key="s")
    with pytest.raises(ct.ValidationError):
        ct.TenantClient(api_email="e@x.example")
    with pytest.raises(ct.ValidationError):
        ct.TenantClient(api_token="t", credentials={"api_token": "t"})
    with pytest.raises(ct.ValidationError) as caught:
        ct.TenantClient(api_token="t", base_url="not a url")
    assert caught.value.field == "base_url"


ENVIRONMENT = ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_EMAIL", "CLOUDFLARE_API_KEY")


def test_no_default_credentials_needs_per_call_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    fake = Fake(lambda r: (200, envelope({"id": "u"})))
    client = ct.TenantClient(transport=fake)
    with pytest.raises(ct.ValidationError) as caught:
        client.user.get()
    assert caught.value.field == "credentials" and not fake.sent
    assert "CLOUDFLARE_API_TOKEN" in str(caught.value), "the error says where it looked"
    client.user.get(credentials={"api_token": "per-call"})
    assert fake.sent[-1].headers["authorization"] == "Bearer per-call"


@pytest.mark.parametrize("client_class", [ct.TenantClient, ct.AsyncTenantClient])
def test_without_credentials_the_environment_is_read_and_given_ones_win(
    monkeypatch: pytest.MonkeyPatch, client_class: Any
) -> None:
    def credentials(**kwargs: Any) -> Any:
        return client_class(transport=Fake(lambda r: (200, envelope({}))), **kwargs)._credentials

    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    assert credentials() is None
    monkeypatch.setenv("CLOUDFLARE_EMAIL", "env@partner.example")
    monkeypatch.setenv("CLOUDFLARE_API_KEY", "env-global-key")
    assert credentials() == ct.Credentials.global_key("env@partner.example", "env-global-key")
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "env-token")
    assert credentials() == ct.Credentials.api_token("env-token")
    assert credentials(api_token="given") == ct.Credentials.api_token("given")


def test_the_environment_rule_is_the_cores() -> None:
    token, email, key = ENVIRONMENT
    read = ct.Credentials.from_environment
    assert read({}) is None
    assert read({email: "e@x.example"}) is None, "an e-mail without its key is no credentials"
    assert read({key: "k"}) is None, "a key without its e-mail is no credentials"
    assert read({email: "e@x.example", key: ""}) is None, "empty counts as unset"
    assert read({token: "", email: "e@x.example", key: "k"}) == ct.Credentials.global_key(
        "e@x.example", "k"
    )
    assert read({token: "t", email: "e@x.example", key: "k"}) == ct.Credentials.api_token("t")
    assert read({"CLOUDFLARE_API_USER_SERVICE_KEY": "s"}) is None, "only the three are read"
    for environ, variable in [
        ({token: "tok-SECRET with spaces", email: "e@x.example", key: "k"}, token),
        ({email: "e@x.example", key: "key\r\nX-SECRET: 1"}, key),
    ]:
        with pytest.raises(ct.ValidationError) as caught:
            read(environ)
        assert caught.value.field == variable
        assert "SECRET" not in str(caught.value) and "SECRET" not in repr(caught.value)
    with pytest.raises(TypeError):
        read({token: 5})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        read("CLOUDFLARE_API_TOKEN=t")  # type: ignore[arg-type]


@pytest.mark.parametrize("client_class", [ct.TenantClient, ct.AsyncTenantClient])
def test_the_clients_take_the_environment_rule_from_the_core(
    monkeypatch: pytest.MonkeyPatch, client_class: Any
) -> None:
    def credentials(**kwargs: Any) -> Any:
        return client_class(transport=Fake(lambda r: (200, envelope({}))), **kwargs)._credentials

    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLOUDFLARE_EMAIL", "env@partner.example")
    assert credentials() is None, "an e-mail without its key is no credentials"
    monkeypatch.setenv("CLOUDFLARE_API_KEY", "env-global-key")
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "")
    assert credentials() == ct.Credentials.global_key("env@partner.example", "env-global-key")
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "tok-SECRET\tx")
    with pytest.raises(ct.ValidationError) as caught:
        credentials()
    assert caught.value.field == "CLOUDFLARE_API_TOKEN" and "SECRET" not in str(caught.value)
    assert credentials(api_token="given") == ct.Credentials.api_token("given")


def test_per_call_and_view_credentials_override_the_client() -> None:
    fake = Fake(lambda r: (200, envelope({"id": "u"})))
    client = ct.TenantClient(api_token="default", transport=fake)
    client.user.get()
    client.user.get(credentials=ct.Credentials.user_service_key("svc"))
    view = client.with_credentials({"user_service_key": "view"})
    view.user.get()
    client.user.get()
    sent = [r.headers.get("authorization") or r.headers.get("x-auth-user-service-key") for r in fake.sent]
    assert sent == ["Bearer default", "svc", "view", "Bearer default"]
    view.close()
    assert not fake.closed  # a view never closes the shared transport; nor a given one
    client.close()
    assert not fake.closed


def test_user_agent_and_base_url() -> None:
    fake = Fake(lambda r: (200, envelope({})))
    client = ct.TenantClient(api_token="t", transport=fake, base_url="http://127.0.0.1:1/client/v4/")
    client.user.get()
    assert fake.sent[-1].url == "http://127.0.0.1:1/client/v4/user"
    assert fake.sent[-1].headers["user-agent"] == ct.USER_AGENT
    assert ct.USER_AGENT.startswith("cloudflare-tenant-python/")
    assert client.base_url == "http://127.0.0.1:1/client/v4"
    assert ct.TenantClient(api_token="t").base_url == ct.DEFAULT_BASE_URL


def test_list_walks_every_page_lazily() -> None:
    total = 12

    def answer(request: ct.Request) -> Tuple[int, bytes]:
        page = int(request.url.split("page=")[1].split("&")[0])
        items = [{"id": f"{i:032x}"} for i in range((page - 1) * 5, min(page * 5, total))]
        return 200, envelope(items, result_info={"page": page, "per_page": 5, "total_count": total})

    fake = Fake(answer)
    client = ct.TenantClient(api_token="t", transport=fake)
    listing = client.accounts.list(per_page=5)
    assert fake.sent == []
    assert listing.stop is None
    items = iter(listing)
    first = next(items)
    assert first["id"] == f"{0:032x}" and len(fake.sent) == 1
    rest = list(items)
    assert len(rest) == total - 1 and len(fake.sent) == 3
    assert listing.stop is not None and listing.stop["reason"] in ("short_page", "total_count", "last_page")
    # Each page is a list of its items, with its result_info.
    pages = list(listing.pages())
    assert [len(p) for p in pages] == [5, 5, 2] and len(fake.sent) == 6
    assert [p.result_info["page"] for p in pages if p.result_info] == [1, 2, 3]
    assert pages[0] == [{"id": f"{i:032x}"} for i in range(5)] and pages[0].messages == []
    assert isinstance(pages[0], ct.Page) and "result_info=" in repr(pages[0])


def test_a_list_is_walked_again_by_each_iteration() -> None:
    fake = Fake(lambda r: (200, envelope([{"id": ACCOUNT}], result_info={"page": 1, "per_page": 20, "count": 1})))
    client = ct.TenantClient(api_token="t", transport=fake)
    listing = client.accounts.list()
    assert listing.all() == list(listing) == [{"id": ACCOUNT}]
    assert [item["id"] for item in listing] == [ACCOUNT]
    assert len(fake.sent) == 3 and fake.sent[0].url == fake.sent[2].url


def test_unpaginated_lists_are_iterators_too() -> None:
    fake = Fake(lambda r: (200, envelope(["standard", "enterprise"])))
    client = ct.TenantClient(api_token="t", transport=fake)
    types = client.tenants.account_types.list(ACCOUNT)
    assert list(types) == ["standard", "enterprise"]
    assert types.stop is None and len(fake.sent) == 1
    assert [list(page) for page in types.pages()] == [["standard", "enterprise"]]
    assert types.all() == ["standard", "enterprise"] and len(fake.sent) == 3


def test_a_repeated_page_warns() -> None:
    same = [{"id": f"{i:032x}"} for i in range(5)]
    fake = Fake(lambda r: (200, envelope(same)))
    client = ct.TenantClient(api_token="t", transport=fake)
    listing = client.accounts.list(per_page=5)
    with pytest.warns(ct.PaginationWarning, match="repeated"):
        items = list(listing)
    assert items == same and len(fake.sent) == 2
    assert listing.stop is not None and listing.stop["anomaly"]


def test_the_page_cap_warns() -> None:
    def answer(request: ct.Request) -> Tuple[int, bytes]:
        page = int(request.url.split("page=")[1].split("&")[0])
        return 200, envelope([{"id": f"{page:032x}{i}"} for i in range(5)])

    client = ct.TenantClient(api_token="t", transport=Fake(answer), max_pages=3)
    with pytest.warns(ct.PaginationWarning, match="cap"):
        assert len(list(client.accounts.list(per_page=5))) == 15


def test_errors_carry_the_operation() -> None:
    body = json.dumps({"success": False, "errors": [{"code": 1003, "message": "gone"}], "messages": [], "result": None})
    client = ct.TenantClient(api_token="t", transport=Fake(lambda r: (404, body.encode())))
    with pytest.raises(ct.NotFoundError) as caught:
        client.accounts.get(ACCOUNT)
    assert caught.value.operation == "accounts.get" and caught.value.code == 1003
    with pytest.raises(ct.NotFoundError):
        list(client.accounts.members.list(ACCOUNT))


def test_validation_happens_when_a_list_is_asked_for() -> None:
    fake = Fake(lambda r: (200, envelope([])))
    client = ct.TenantClient(api_token="t", transport=fake)
    with pytest.raises(ct.ValidationError):
        client.accounts.members.list("../x")
    with pytest.raises(ct.ValidationError):
        client.accounts.list(direction="sideways")  # type: ignore[arg-type]
    assert fake.sent == []


def test_transport_choice() -> None:
    import httpx

    with pytest.raises(TypeError):
        ct.TenantClient(api_token="t", transport=httpx.AsyncClient())
    with pytest.raises(TypeError):
        ct.TenantClient(api_token="t", transport=object())
    with pytest.raises(TypeError):
        ct.AsyncTenantClient(api_token="t", transport=httpx.Client())
    given = httpx.Client()
    client = ct.TenantClient(api_token="t", transport=given)
    client.close()
    assert not given.is_closed
    given.close()
    with ct.TenantClient(api_token="t") as default:
        assert isinstance(default._transport, ct.UrllibTransport)


def test_users_create_result_masks_the_key() -> None:
    fake = Fake(lambda r: (200, envelope({"id": "u", "email": "c@p.example", "api_key": "KEY-SECRET-9"})))
    client = ct.TenantClient(api_token="t", transport=fake)
    user = client.users.create(email="c@p.example")
    assert "SECRET" not in repr(user) and "SECRET" not in str(user)
    assert user["api_key"].expose() == "KEY-SECRET-9"
    # JSON refuses a secret rather than write it.
    with pytest.raises(TypeError):
        json.dumps(user)

