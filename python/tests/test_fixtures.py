"""The golden corpus (tests/fixtures, format in its README) through the Python host: the same
requests, the same parse results and the same errors as the Rust core's tests/fixtures.rs."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Tuple

import pytest

import cloudflare_tenant as ct

from _support import FIXTURES, operation_dirs, read_cases

# Headers a fixture does not list: credentials (secret) and the version-bearing user agent.
UNLISTED_HEADERS = {
    "authorization",
    "x-auth-email",
    "x-auth-key",
    "x-auth-user-service-key",
    "user-agent",
}
DEFAULT_CREDENTIALS = {"api_token": "fixture-token"}


def _cases(file: str) -> List[Tuple[str, Dict[str, Any]]]:
    return [
        (d.name, case) for d in operation_dirs() for case in read_cases(d / file)
    ]


def _ids(cases: List[Tuple[str, Dict[str, Any]]]) -> List[str]:
    return [f"{name}/{case['name']}" for name, case in cases]


REQUESTS = _cases("requests.json")
INVALID = _cases("invalid.json")
RESPONSES = _cases("responses.json")
ENVELOPE = read_cases(FIXTURES / "_envelope" / "responses.json")
OPERATIONS = [op["name"] for op in ct.operations()]
ENVELOPE_CASES = [(op, case) for op in OPERATIONS for case in ENVELOPE]


def test_the_corpus_is_there() -> None:
    # Guards against a suite that passes because it found nothing.
    assert len(REQUESTS) >= len(OPERATIONS) > 0
    assert len(RESPONSES) >= 2 * len(OPERATIONS)
    assert INVALID
    assert ENVELOPE


def test_every_operation_has_fixtures_and_every_fixture_an_operation() -> None:
    known = set(OPERATIONS)
    found = {d.name for d in operation_dirs()}
    assert found - known == set(), "fixture folders without an operation"
    assert known - found == set(), "operations without fixtures"
    for d in operation_dirs():
        assert read_cases(d / "requests.json"), f"{d.name}: no request case"
        responses = read_cases(d / "responses.json")
        assert any("expect" in c for c in responses), f"{d.name}: no success response"
        assert any("error" in c for c in responses), f"{d.name}: no error response"


@pytest.mark.parametrize(("operation", "case"), REQUESTS, ids=_ids(REQUESTS))
def test_request(operation: str, case: Dict[str, Any]) -> None:
    credentials = case.get("credentials", DEFAULT_CREDENTIALS)
    request = ct.build_request(operation, case["params"], credentials)
    expected = case["request"]
    assert request.method == expected["method"]
    assert request.url == expected["url"]
    headers = {k: v for k, v in request.headers.items() if k not in UNLISTED_HEADERS}
    assert headers == expected["headers"]
    body = None if request.body is None else json.loads(request.body)
    assert body == expected["body"]
    # The credential headers are there, and marked sensitive.
    assert set(request.sensitive_headers) == set(
        ct.Credentials.from_dict(credentials).header_names
    )
    for name in request.sensitive_headers:
        assert name in request.headers
        assert request.headers[name] not in repr(request)


@pytest.mark.parametrize(("operation", "case"), REQUESTS, ids=_ids(REQUESTS))
def test_request_with_a_credentials_object(operation: str, case: Dict[str, Any]) -> None:
    credentials = ct.Credentials.from_dict(case.get("credentials", DEFAULT_CREDENTIALS))
    from_dict = ct.build_request(operation, case["params"], case.get("credentials", DEFAULT_CREDENTIALS))
    from_object = ct.build_request(operation, case["params"], credentials)
    assert (from_object.method, from_object.url, from_object.headers, from_object.body) == (
        from_dict.method,
        from_dict.url,
        from_dict.headers,
        from_dict.body,
    )


@pytest.mark.parametrize(("operation", "case"), INVALID, ids=_ids(INVALID))
def test_invalid_params_are_refused_naming_the_field(operation: str, case: Dict[str, Any]) -> None:
    with pytest.raises(ct.ValidationError) as caught:
        ct.build_request(operation, case["params"], DEFAULT_CREDENTIALS)
    error = caught.value
    view = error.to_dict()
    assert view["kind"] == "invalid"
    assert error.operation == operation == view["operation"]
    assert error.field == case["field"] == view["field"]
    assert isinstance(error, ValueError)


def _headers(case: Dict[str, Any]) -> Dict[str, str]:
    return dict(case.get("headers") or {})


def _body(case: Dict[str, Any]) -> bytes:
    if "body_text" in case:
        return str(case["body_text"]).encode("utf-8")
    if "body" in case:
        # Compact, as the Rust test serializes it.
        return json.dumps(case["body"], separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return b""


def _check_response(operation: str, case: Dict[str, Any]) -> None:
    status = case["status"]
    if "expect" in case:
        parsed = ct.parse_response(operation, status, _headers(case), _body(case))
        view: Dict[str, Any] = {"result": parsed["result"], "messages": parsed["messages"]}
        if parsed["result_info"] is not None:
            view["result_info"] = parsed["result_info"]
        # Secrets are compared by their values (the fixtures hold them as sent).
        assert _exposed(view) == case["expect"]
        # Plain dicts and lists all the way down, but for the secrets.
        json.dumps(_exposed(parsed))
        _check_secrets_masked(operation, parsed["result"])
        return
    expected = _error_expectation(operation, case["error"])
    with pytest.raises(ct.CloudflareError) as caught:
        ct.parse_response(operation, status, _headers(case), _body(case))
    error = caught.value
    actual = error.to_dict()
    assert actual["operation"] == operation == error.operation
    for key, value in expected.items():
        if key == "message_contains":
            for part in value:
                assert part in str(error)
        elif key == "snippet_starts":
            assert actual["snippet"].startswith(value)
        else:
            assert actual[key] == value, f"error.{key} in {actual}"
    _check_error_class(error, actual)


_SECRET_OPERATIONS = {op["name"] for op in ct.operations() if op["secret_fields"]}
_SECRET_FIELDS = {op["name"]: op["secret_fields"] for op in ct.operations()}


def _exposed(value: Any) -> Any:
    """``value`` with every :class:`Secret` in it replaced by its value."""
    if isinstance(value, ct.Secret):
        return value.expose()
    if isinstance(value, dict):
        return {k: _exposed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_exposed(v) for v in value]
    return value


def _check_secrets_masked(operation: str, result: Any) -> None:
    """Every secret of a result is a ``Secret`` (``""`` names the result itself), and no other
    value is."""
    fields = _SECRET_FIELDS[operation]
    if "" in fields and result is not None:
        assert isinstance(result, ct.Secret) and repr(result) == "Secret('***')"
    for item in result if isinstance(result, list) else [result]:
        if not isinstance(item, dict):
            continue
        for field, value in item.items():
            if field in fields and value is not None:
                assert isinstance(value, ct.Secret), f"{operation}: {field} is not masked"
            else:
                assert not isinstance(value, ct.Secret), f"{operation}: {field} is masked"


def _error_expectation(operation: str, error: Dict[str, Any]) -> Dict[str, Any]:
    """The keys an error must match: for an operation whose result holds secrets,
    ``when_secret`` replaces ``snippet_starts`` and overrides keys of the same name."""
    expected = {k: v for k, v in error.items() if k != "when_secret"}
    if "when_secret" in error and operation in _SECRET_OPERATIONS:
        expected.pop("snippet_starts", None)
        expected.update(error["when_secret"])
    return expected


def _check_error_class(error: ct.CloudflareError, view: Dict[str, Any]) -> None:
    """The class follows the core's kind and the status."""
    if view["kind"] == "decode":
        assert type(error) is ct.ResponseDecodeError
        assert error.status == view["status"]
        return
    assert view["kind"] == "api"
    assert isinstance(error, ct.APIError)
    status = view["status"]
    expected = {
        400: ct.BadRequestError,
        401: ct.AuthenticationError,
        403: ct.PermissionDeniedError,
        404: ct.NotFoundError,
        409: ct.ConflictError,
        422: ct.UnprocessableEntityError,
        429: ct.RateLimitError,
    }.get(status)
    if expected is None:
        if 400 <= status < 500:
            expected = ct.BadRequestError
        elif 500 <= status < 600:
            expected = ct.ServerError
        else:
            expected = ct.APIError
    assert type(error) is expected, (status, type(error))
    assert error.status == error.status_code == status
    assert error.errors == view["errors"]
    assert error.retry_after == view["retry_after"]


@pytest.mark.parametrize(("operation", "case"), RESPONSES, ids=_ids(RESPONSES))
def test_response(operation: str, case: Dict[str, Any]) -> None:
    _check_response(operation, case)


@pytest.mark.parametrize(
    ("operation", "case"),
    ENVELOPE_CASES,
    ids=[f"{op}/{case['name']}" for op, case in ENVELOPE_CASES],
)
def test_envelope_case_holds_for_every_operation(operation: str, case: Dict[str, Any]) -> None:
    _check_response(operation, case)


@pytest.mark.parametrize(("operation", "case"), RESPONSES[:40], ids=_ids(RESPONSES[:40]))
def test_headers_and_bodies_in_every_accepted_form(operation: str, case: Dict[str, Any]) -> None:
    """A dict, pairs, bytes pairs, str and bytearray bodies all read the same."""
    headers = _headers(case)
    body = _body(case)
    forms = [
        (headers, body),
        (list(headers.items()), bytearray(body)),
        ([(k.encode(), v.encode()) for k, v in headers.items()], memoryview(body)),
        (headers, body.decode("utf-8")),
    ]
    outcomes: List[Tuple[str, Any]] = []
    for h, b in forms:
        try:
            outcomes.append(("ok", ct.parse_response(operation, case["status"], h, b)))
        except ct.CloudflareError as error:
            outcomes.append(("error", error.to_dict()))
    assert all(o == outcomes[0] for o in outcomes)
