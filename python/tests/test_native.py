"""The sans-IO surface: marshalling of values, errors and secrets, without a network."""

from __future__ import annotations

import json
import pickle
import types
from typing import Any, Dict, List

import pytest

import cloudflare_tenant as ct

ACCOUNT = "2bab6ace8c72ed3f09b9eca6db1396bb"
TOKEN = {"api_token": "tok-SECRET-123"}
R1 = "05784afa30c1afe1440e79d9351c7430"
R2 = "33666b9c79b9a5273fc7344ff42f953d"


def envelope(result: Any, **extra: Any) -> bytes:
    body = {"success": True, "errors": [], "messages": [], "result": result, **extra}
    return json.dumps(body).encode()


def test_operations_lists_each_name_once() -> None:
    ops = ct.operations()
    assert ops and len({op["name"] for op in ops}) == len(ops)
    assert ops[0] == {"name": "accounts.list", "method": "GET", "paginated": True, "secret_fields": []}
    assert {op["name"] for op in ops} >= {
        "accounts.create",
        "users.create",
        "tenants.accounts.list",
        "memberships.update",
    }
    assert all(set(op) == {"name", "method", "paginated", "secret_fields"} for op in ops)
    assert next(op for op in ops if op["name"] == "users.create")["secret_fields"] == ["api_key"]


def test_every_operation_has_a_client_method() -> None:
    client = ct.TenantClient(api_token="t")
    aclient = ct.AsyncTenantClient(api_token="t", transport=_NoAsync())
    for op in ct.operations():
        *groups, verb = op["name"].split(".")
        for c in (client, aclient):
            target: Any = c
            for group in groups:
                target = getattr(target, group)
            assert callable(getattr(target, verb)), op["name"]


class _NoAsync:
    async def send(self, request: Any) -> Any:  # pragma: no cover - never called
        raise AssertionError

    async def aclose(self) -> None:  # pragma: no cover
        pass


def test_params_typed_dicts_cover_every_operation() -> None:
    from cloudflare_tenant import params

    names = {"".join(p.title().replace("_", "") for p in op["name"].split(".")) + "Params" for op in ct.operations()}
    assert names == set(params.__all__)


def test_credentials_never_show_the_secret() -> None:
    shown = [
        repr(ct.Credentials.api_token("tok-SECRET-123")),
        repr(ct.Credentials.global_key("me@example.com", "key-SECRET-123")),
        repr(ct.Credentials.user_service_key("svc-SECRET-123")),
        repr(ct.Credentials.from_dict(TOKEN)),
        repr(ct.TenantClient(api_token="tok-SECRET-123")),
        repr(ct.TenantClient(api_email="me@example.com", api_key="key-SECRET-123")),
    ]
    for text in shown:
        assert "SECRET" not in text, text
    assert "me@example.com" in shown[1]
    assert ct.Credentials.api_token("a") == ct.Credentials.api_token("a")
    assert ct.Credentials.api_token("a") != ct.Credentials.api_token("b")
    assert ct.Credentials.global_key("e@x.example", "k").kind == "global_key"
    assert ct.Credentials.global_key("e@x.example", "k").header_names == ["x-auth-email", "x-auth-key"]


def test_request_repr_masks_credential_headers() -> None:
    for credentials in (
        {"api_token": "tok-SECRET-123"},
        {"api_email": "me@example.com", "api_key": "key-SECRET-123"},
        {"user_service_key": "svc-SECRET-123"},
    ):
        request = ct.build_request("accounts.get", {"account_id": ACCOUNT}, credentials)
        assert "SECRET" not in repr(request)
        assert any("SECRET" in v for v in request.headers.values())


def test_bad_credentials_are_refused_without_echo() -> None:
    bad: Any
    for bad in (
        {"api_token": "x\r\nX-Evil: SECRET"},
        {"api_token": "t", "user_service_key": "k"},
        {"token": "SECRET"},
        {"api_email": "e@x.example"},
        {"api_token": 42},
        "SECRET",
    ):
        with pytest.raises(ct.ValidationError) as caught:
            ct.build_request("user.get", None, bad)
        assert "SECRET" not in str(caught.value) and "Evil" not in str(caught.value)
    with pytest.raises(ct.ValidationError) as caught:
        ct.build_request("user.get")
    assert caught.value.field == "credentials"


def test_build_request_options() -> None:
    request = ct.build_request(
        "accounts.list",
        {"per_page": 5, "name": "Acme & Co"},
        TOKEN,
        base_url="http://127.0.0.1:8787/client/v4/",
        user_agent="my-app/1.0",
    )
    assert request.url == "http://127.0.0.1:8787/client/v4/accounts?name=Acme%20%26%20Co&per_page=5"
    assert request.headers["user-agent"] == "my-app/1.0"
    assert request.body is None
    with pytest.raises(ct.ValidationError) as caught:
        ct.build_request("user.get", None, TOKEN, base_url="ftp://example.com")
    assert caught.value.field == "base_url"
    with pytest.raises(ct.ValidationError):
        ct.build_request("user.get", None, TOKEN, user_agent="a\nb")
    with pytest.raises(ct.UnknownOperationError):
        ct.build_request("accounts.explode", None, TOKEN)


def test_params_marshalling() -> None:
    # Tuples are lists, None is "not given" for optional fields.
    request = ct.build_request(
        "accounts.members.create",
        {"account_id": ACCOUNT, "email": "a@b.example", "roles": (R1, R2), "status": None},
        TOKEN,
    )
    assert json.loads(request.body or b"") == {"email": "a@b.example", "roles": [R1, R2]}
    # Any mapping is an object, and a Secret is sent as its value.
    mapping = types.MappingProxyType({"account_id": ACCOUNT, "email": ct.Secret("s@b.example"), "roles": [R1]})
    request = ct.build_request("accounts.members.create", mapping, TOKEN)
    assert json.loads(request.body or b"") == {"email": "s@b.example", "roles": [R1]}
    cases: List[Any] = [
        ({"account_id": ACCOUNT, "page": 2**70}, "page", "64-bit"),
        ({"account_id": ACCOUNT, "page": float("nan")}, "page", "not a finite number"),
        ({"account_id": ACCOUNT, "page": "2"}, "page", "whole number"),
        ({"account_id": ACCOUNT, "unknown": 1}, "unknown", "not a parameter"),
        ({"account_id": ACCOUNT, "page": {"a": {1: 2}}}, "page.a", "key that is not a str"),
        ({"account_id": ACCOUNT, "page": [True, object()]}, "page[1]", "JSON-compatible"),
    ]
    for params, field, reason in cases:
        with pytest.raises(ct.ValidationError) as caught:
            ct.build_request("accounts.members.list", params, TOKEN)
        assert caught.value.operation == "accounts.members.list"
        assert (caught.value.field, reason in str(caught.value)) == (field, True), caught.value
    with pytest.raises(ct.ValidationError) as caught:
        ct.build_request("accounts.list", [1, 2], TOKEN)  # type: ignore[arg-type]
    assert caught.value.field == "params"
    nested: Any = []
    nested.append(nested)
    with pytest.raises(ct.ValidationError):
        ct.build_request("accounts.members.create", {"account_id": ACCOUNT, "email": "a@b.c", "roles": nested}, TOKEN)


def test_parse_response_keeps_every_field_and_type() -> None:
    result = {
        "id": ACCOUNT,
        "name": "Acme",
        "unknown_field": {"nested": [1, 2.5, True, None, "x", 2**63 + 1]},
        "created_on": "2024-01-01T00:00:00Z",
    }
    parsed = ct.parse_response("accounts.get", 200, {}, envelope(result, result_info={"page": 1, "cursor": "c"}))
    assert parsed["result"] == result
    assert parsed["result_info"] == {"page": 1, "cursor": "c"}
    assert parsed["messages"] == []
    assert type(parsed["result"]["unknown_field"]["nested"][5]) is int


def test_parse_response_headers_from_an_items_object() -> None:
    import email.message

    message = email.message.Message()
    message["CF-Ray"] = "abc-SJC"
    message["Retry-After"] = "7"
    body = json.dumps({"success": False, "errors": [{"code": 971, "message": "slow down"}], "messages": [], "result": None})
    with pytest.raises(ct.RateLimitError) as caught:
        ct.parse_response("user.get", 429, message, body)
    assert caught.value.ray_id == "abc-SJC" and caught.value.retry_after == 7.0
    with pytest.raises(TypeError):
        ct.parse_response("user.get", 200, {}, 12)
    with pytest.raises(TypeError):
        ct.parse_response("user.get", 200, {"a": 1}, b"{}")


def test_large_bodies_parse_with_the_gil_released() -> None:
    roles = [{"id": f"{i:032x}", "name": f"Role {i}", "permissions": {}} for i in range(2000)]
    parsed = ct.parse_response("accounts.roles.list", 200, None, envelope(roles))
    assert len(parsed["result"]) == 2000


def test_created_user_api_key_is_masked() -> None:
    body = envelope({"id": "u1", "email": "c@partner.example", "api_key": "KEY-SECRET-123"})
    parsed = ct.parse_response("users.create", 200, {}, body)
    user = parsed["result"]
    key = user["api_key"]
    assert isinstance(key, ct.Secret) and not isinstance(key, str)
    assert key == ct.Secret("KEY-SECRET-123") and key != ct.Secret("KEY-SECRET-124")
    assert key.expose() == "KEY-SECRET-123"
    assert type(key.expose()) is str
    assert "SECRET" not in repr(user) and "SECRET" not in str(parsed)
    # Shown nowhere by accident: str, f-strings, % and format, logging, JSON.
    assert str(key) == f"{key}" == "%s" % key == "{}".format(key) == "***"
    assert f"{key:>5}" == "  ***"
    with pytest.raises(TypeError):
        json.dumps(user)
    assert ct.Credentials.user_service_key(key).kind == "user_service_key"
    assert ct.Credentials.from_dict({"user_service_key": key}).kind == "user_service_key"
    assert ct.Credentials.api_token(ct.Secret("t0ken")).kind == "api_token"
    with pytest.raises(TypeError):
        ct.Credentials.api_token(7)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ct.Secret(b"bytes")  # type: ignore[arg-type]
    # Whatever form the body comes in.
    for same in (bytearray(body), memoryview(body), body.decode()):
        again = ct.parse_response("users.create", 200, {}, same)["result"]["api_key"]
        assert isinstance(again, ct.Secret) and again.expose() == "KEY-SECRET-123"


def test_secret_fields_are_masked_in_each_item_of_a_list() -> None:
    from cloudflare_tenant._core import _secrets

    items = [{"api_key": "KEY-1", "id": "a"}, {"id": "b"}, {"api_key": None}]
    masked = _secrets(items, ["api_key"])
    assert masked is items and isinstance(items[0]["api_key"], ct.Secret)
    assert items[0]["api_key"].expose() == "KEY-1" and "KEY-1" not in repr(items)
    assert items[1] == {"id": "b"} and items[2] == {"api_key": None}
    assert _secrets([{"api_key": "k"}], []) == [{"api_key": "k"}]


def test_exceptions_pickle_and_keep_their_fields() -> None:
    body = json.dumps({
        "success": False,
        "errors": [{"code": 1003, "message": "nope", "documentation_url": "https://x", "source": {"pointer": "/a"}}],
        "messages": ["bare"],
        "result": None,
    })
    with pytest.raises(ct.NotFoundError) as caught:
        ct.parse_response("accounts.get", 404, {"cf-ray": "r1"}, body)
    error = caught.value
    assert error.errors[0]["source"] == {"pointer": "/a"}
    assert error.messages == [{"message": "bare"}]
    assert error.has_code(1003) and not error.has_code(1)
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is ct.NotFoundError
    assert again.to_dict() == error.to_dict() and str(again) == str(error)
    with pytest.raises(ct.ValidationError) as invalid:
        ct.build_request("accounts.get", {"account_id": "x"}, TOKEN)
    again_invalid = pickle.loads(pickle.dumps(invalid.value))
    assert again_invalid.field == "account_id" and isinstance(again_invalid, ValueError)


def test_status_classes() -> None:
    def raised(status: int, success: bool = False) -> type:
        body = json.dumps({"success": success, "errors": [], "messages": [], "result": None})
        with pytest.raises(ct.CloudflareError) as caught:
            ct.parse_response("user.get", status, None, body)
        return type(caught.value)

    assert raised(400) is ct.BadRequestError
    assert raised(418) is ct.BadRequestError
    assert raised(422) is ct.UnprocessableEntityError
    assert raised(500) is ct.ServerError is ct.InternalServerError
    assert raised(503) is ct.ServerError
    assert raised(200) is ct.APIError  # success: false with HTTP 200
    assert issubclass(ct.RateLimitError, ct.APIError)
    assert issubclass(ct.APIError, ct.CloudflareError)
    assert issubclass(ct.ValidationError, ValueError)


def walk(listing: ct.Listing, pages: List[bytes]) -> List[Any]:
    """Feeds ``pages`` in turn to ``listing`` (no pacing, no clock), and returns its answers."""
    pacers = ct.Pacers.off()
    answers: List[Any] = []
    while (step := listing.next(pacers, 0.0, 0.0)) is not None:
        if isinstance(step, ct.Request):
            listing.feed(pacers, 200, {}, pages.pop(0), 0.0, 0.0, 0.0)
        else:
            answers.append(step)
    return answers


def test_listing() -> None:
    listing = ct.Listing("accounts.roles.list", {"account_id": ACCOUNT, "per_page": 5}, TOKEN, max_pages=10)
    assert listing.operation == "accounts.roles.list" and listing.stop is None
    assert repr(listing) == "Listing(operation='accounts.roles.list')"
    pacers = ct.Pacers.off()
    request = listing.next(pacers, 0.0, 0.0)
    assert isinstance(request, ct.Request) and request.url.endswith("/roles?page=1&per_page=5")
    page1 = [{"id": f"{i:032x}", "name": str(i)} for i in range(5)]
    info = {"page": 1, "per_page": 5, "total_count": 7}
    listing.feed(pacers, 200, {}, envelope(page1, result_info=info), 0.0, 0.0, 0.0)
    assert listing.next(pacers, 0.0, 0.0) == {"result": page1, "result_info": info, "messages": []}
    page2 = [{"id": f"{i:032x}", "name": str(i)} for i in range(5, 7)]
    assert walk(listing, [envelope(page2)]) == [{"result": page2, "result_info": None, "messages": []}]
    assert listing.stop == {"reason": "short_page", "message": "short page: no more items", "anomaly": False}
    with pytest.raises(ct.ValidationError):
        ct.Listing("accounts.get", {"account_id": ACCOUNT}, TOKEN)


def test_listing_reports_a_repeated_page() -> None:
    listing = ct.Listing("accounts.list", {"per_page": 5}, TOKEN)
    same = [{"id": f"{i:032x}"} for i in range(5)]
    answers = walk(listing, [envelope(same), envelope(same)])
    assert [len(a["result"]) for a in answers] == [5, 0]
    stop = listing.stop
    assert stop is not None and stop["reason"] == "repeated_page" and stop["anomaly"]
    assert stop["page"] == 2 and stop["first_seen"] == 1


def test_a_failed_page_raises_its_error() -> None:
    listing = ct.Listing("accounts.list", None, TOKEN, ct.RetryPolicy.none())
    failure = json.dumps({"success": False, "errors": [], "messages": [], "result": None})
    pacers = ct.Pacers.off()
    assert isinstance(listing.next(pacers, 0.0, 0.0), ct.Request)
    listing.feed(pacers, 500, {}, failure, 0.0, 0.0, 0.0)
    with pytest.raises(ct.ServerError):
        listing.next(pacers, 0.0, 0.0)


def test_the_installed_wheel_carries_its_licenses() -> None:
    from importlib.metadata import distribution

    files = {str(f) for f in distribution("cloudflare-tenant").files or []}
    assert any(f.endswith("licenses/LICENSE-MIT") for f in files), files
    assert any(f.endswith("licenses/LICENSE-APACHE") for f in files), files
