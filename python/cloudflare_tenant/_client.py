"""The synchronous client: the standard library's ``urllib`` by default, or an ``httpx.Client``."""

from __future__ import annotations

import copy
import time
from types import TracebackType
from typing import Any, Dict, Mapping, Optional, Type, TypeVar, Union

from . import _retry
from ._core import USER_AGENT, parse_response
from ._exceptions import APIConnectionError, ValidationError
from ._native import (
    Credentials,
    Onboarding,
    Paginator,
    Request,
    Retry,
    RetryPolicy,
    build_request,
    operations,
)
from ._pagination import PageIterator
from ._retry import PaceLike, RetryLike
from ._resources import (
    AccountsResource,
    MembershipsResource,
    TenantsResource,
    UserResource,
    UsersResource,
)
from ._transport import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_TIMEOUT,
    HTTPResponse,
    Transport,
    sync_transport,
)
from .types import OnboardingReport, OnboardingSpec

__all__ = ["TenantClient", "CredentialsLike"]

#: Credentials as the clients take them: a :class:`Credentials`, or a dict with ``api_token``;
#: ``api_email`` + ``api_key``; or ``user_service_key``.
CredentialsLike = Union[Credentials, Mapping[str, str]]

_PAGINATED: Dict[str, bool] = {op["name"]: op["paginated"] for op in operations()}

_C = TypeVar("_C", bound="_ClientBase")

# Credentials that only serve to check a client's settings; never sent.
_PROBE = Credentials.api_token("settings-check")


def _credentials(
    credentials: Optional[CredentialsLike],
    api_token: Optional[str],
    api_email: Optional[str],
    api_key: Optional[str],
    user_service_key: Optional[str],
) -> Optional[Credentials]:
    given = {
        name: value
        for name, value in (
            ("api_token", api_token),
            ("api_email", api_email),
            ("api_key", api_key),
            ("user_service_key", user_service_key),
        )
        if value is not None
    }
    if credentials is not None:
        if given:
            raise ValidationError(
                "invalid `credentials`: give credentials= or the api_* keywords, not both",
                field="credentials",
                reason="give credentials= or the api_* keywords, not both",
            )
        if isinstance(credentials, Credentials):
            return credentials
        return Credentials.from_dict(credentials)
    if not given:
        return None
    return Credentials.from_dict(given)


def _check_max_pages(max_pages: Optional[int]) -> Optional[int]:
    """The page cap: ``None`` (the core's, 1000) or an int from 1."""
    if max_pages is None:
        return None
    if isinstance(max_pages, bool) or not isinstance(max_pages, int):
        raise TypeError(f"max_pages must be an int or None; got {type(max_pages).__name__}")
    if not 1 <= max_pages <= 2**32 - 1:
        reason = "must be an integer from 1 to 2**32 - 1"
        raise ValidationError(f"invalid `max_pages`: {reason}", field="max_pages", reason=reason)
    return max_pages


class _ClientBase:
    """Configuration and the sans-IO steps shared by the sync and async clients."""

    _credentials: Optional[Credentials]
    _base_url: Optional[str]
    _user_agent: str
    _max_pages: Optional[int]
    _owns_transport: bool
    _retry_policy: RetryPolicy
    _pacing: Optional[_retry.Pacing]

    def _configure(
        self,
        credentials: Optional[Credentials],
        base_url: Optional[str],
        user_agent: Optional[str],
        max_pages: Optional[int],
        retry: RetryLike = None,
        max_retries: Optional[int] = None,
        pace: PaceLike = False,
    ) -> None:
        self._credentials = credentials
        self._base_url = base_url.rstrip("/") if base_url else None
        self._user_agent = user_agent or USER_AGENT
        self._max_pages = _check_max_pages(max_pages)
        self._retry_policy = _retry.retry_policy(retry, max_retries)
        self._pacing = _retry.pacing(pace)
        # Checks base_url and user_agent now rather than at the first call.
        build_request("user.get", None, _PROBE, self._base_url, self._user_agent)

    @property
    def retry_policy(self) -> RetryPolicy:
        """How persistent the client is (see :class:`RetryPolicy`)."""
        return self._retry_policy

    def _retry(self, operation: str, request: Request) -> Retry:
        return Retry(operation, request.method, self._retry_policy)

    def _onboarding(
        self,
        spec: Optional[Mapping[str, Any]],
        fields: Mapping[str, Any],
        credentials: Any,
    ) -> Onboarding:
        if spec is not None and not isinstance(spec, Mapping):
            raise ValidationError(
                "onboarding: invalid `spec`: must be a dict",
                field="spec",
                reason="must be a dict",
                operation="onboarding",
            )
        merged: Dict[str, Any] = dict(spec or {})
        merged.update(fields)
        who = credentials if credentials is not None else self._credentials
        if who is None:
            raise ValidationError(
                "onboarding: invalid `credentials`: the client has none; pass credentials=",
                field="credentials",
                reason="the client has none; pass credentials=",
                operation="onboarding",
            )
        return Onboarding(merged, who, self._retry_policy, self._base_url, self._user_agent)

    @property
    def base_url(self) -> str:
        """Where requests go."""
        from ._core import DEFAULT_BASE_URL

        return self._base_url or DEFAULT_BASE_URL

    def _request(
        self, operation: str, params: Optional[Mapping[str, Any]], credentials: Any
    ) -> Request:
        return build_request(
            operation,
            params,
            credentials if credentials is not None else self._credentials,
            self._base_url,
            self._user_agent,
        )

    def _paged_request(self, paginator: Paginator, credentials: Any) -> Optional[Request]:
        return paginator.next_request(
            credentials if credentials is not None else self._credentials,
            self._base_url,
            self._user_agent,
        )

    @staticmethod
    def _parse(operation: str, status: int, headers: Any, body: bytes) -> Any:
        return parse_response(operation, status, headers, body)["result"]

    @staticmethod
    def _connection_error(error: APIConnectionError, operation: str) -> APIConnectionError:
        error.operation = operation
        error._view["operation"] = operation
        return error

    def _view(self: _C, credentials: CredentialsLike) -> _C:
        view = copy.copy(self)
        view._credentials = _credentials(credentials, None, None, None, None)
        view._owns_transport = False
        view._init_resources()
        return view

    def _init_resources(self) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, "
            f"credentials={self._credentials!r})"
        )


class TenantClient(_ClientBase):
    """A client for the Tenant API.

    Credentials: one of ``api_token``; ``api_email`` + ``api_key``; ``user_service_key``; or
    ``credentials`` (a :class:`Credentials` or the same as a dict). Without any, every call needs
    its own ``credentials=``.

    ``transport``: ``None`` (the standard library's ``urllib``, no dependency), an
    ``httpx.Client`` (yours: the client does not close it), or any object with
    ``send(request) -> HTTPResponse``. Redirects are never followed (:class:`RedirectError`).
    ``timeout`` is the deadline of each attempt (connect, headers and whole body; ``None``:
    none) and ``max_body_bytes`` the largest body read; both apply to urllib and httpx, not to
    a transport object of yours.

    Retries are the core's decisions (``retry=``: a :class:`RetryPolicy`, ``True`` for the
    default of 2, ``False`` for none; or just ``max_retries=``). ``pace=True`` keeps each
    credential under Cloudflare's budget (1,200 requests per 5 minutes), ``pace=(limit,
    window_seconds)`` under another; off by default.

    Every operation is a method named by its dotted name: ``client.accounts.create(...)``,
    ``client.accounts.members.list(account_id)``. Each takes ``credentials=`` to act as someone
    else for one call; :meth:`with_credentials` gives a client that does so for every call.
    """

    accounts: AccountsResource
    users: UsersResource
    user: UserResource
    memberships: MembershipsResource
    tenants: TenantsResource

    def __init__(
        self,
        *,
        api_token: Optional[str] = None,
        api_email: Optional[str] = None,
        api_key: Optional[str] = None,
        user_service_key: Optional[str] = None,
        credentials: Optional[CredentialsLike] = None,
        transport: Any = None,
        base_url: Optional[str] = None,
        timeout: Optional[float] = DEFAULT_TIMEOUT,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        user_agent: Optional[str] = None,
        max_pages: Optional[int] = None,
        retry: RetryLike = None,
        max_retries: Optional[int] = None,
        pace: PaceLike = False,
    ) -> None:
        self._configure(
            _credentials(credentials, api_token, api_email, api_key, user_service_key),
            base_url,
            user_agent,
            max_pages,
            retry,
            max_retries,
            pace,
        )
        self._transport: Transport
        self._transport, self._owns_transport = sync_transport(transport, timeout, max_body_bytes)
        self._init_resources()

    def _init_resources(self) -> None:
        self.accounts = AccountsResource(self)
        self.users = UsersResource(self)
        self.user = UserResource(self)
        self.memberships = MembershipsResource(self)
        self.tenants = TenantsResource(self)

    def with_credentials(self, credentials: CredentialsLike) -> TenantClient:
        """The same client (same transport, same settings) acting as ``credentials``, e.g.
        ``client.with_credentials(Credentials.user_service_key(user["api_key"]))``. Closing it
        does not close the shared transport."""
        return self._view(credentials)

    def _send(self, request: Request, operation: str) -> HTTPResponse:
        """Sends ``request`` until the core's retry rules say its response is final (or
        raise), pacing each send when pacing is on."""
        retry = self._retry(operation, request)
        while True:
            try:
                response = _retry.send(self._pacing, self._transport, request)
            except APIConnectionError as error:
                self._connection_error(error, operation)
                wait = _retry.after_failure(retry, error)
            else:
                after = _retry.after_response(retry, operation, response)
                if after is None:
                    return response
                wait = after
            time.sleep(wait)

    def onboard(
        self,
        spec: Optional[OnboardingSpec] = None,
        /,
        *,
        credentials: Optional[CredentialsLike] = None,
        **fields: Any,
    ) -> OnboardingReport:
        """Onboards one customer with the core's flow: finds the account by name or creates it
        (with KYC fields, on ``unit_id``), invites ``members`` (roles by name or id, or
        policies), and creates ``service_user`` and accepts its invitation as that user. A
        create whose outcome is unknown (a 502, a lost answer) is looked up, never blindly
        resent, so running it again continues from what exists.

        ``spec`` is a dict (:class:`~cloudflare_tenant.types.OnboardingSpec`), or give its
        fields as keywords. A bad spec raises :class:`ValidationError` before any request.
        Returns the report: ``{account, members, service_user, api_key, invitation,
        complete}``; failures are in the report (``status: "failed"`` with ``error``), not
        raised. The client's retry policy and pacing apply.
        """
        flow = self._onboarding(spec, fields, credentials)
        while True:
            action = flow.next_action()
            if action is None:
                return flow.report()
            if isinstance(action, float):
                time.sleep(action)
                continue
            try:
                response = _retry.send(self._pacing, self._transport, action)
            except APIConnectionError as error:
                _retry.feed_failure(flow, error)
            else:
                _retry.feed_response(flow, response)

    def _call(
        self, operation: str, params: Optional[Mapping[str, Any]], credentials: Any
    ) -> Any:
        request = self._request(operation, params, credentials)
        status, headers, body = self._send(request, operation)
        return self._parse(operation, status, headers, body)

    def _list(
        self, operation: str, params: Dict[str, Any], credentials: Any
    ) -> PageIterator[Any]:
        return PageIterator(self, operation, params, credentials, _PAGINATED[operation])

    def close(self) -> None:
        """Closes the transport if the client created it (never one you passed in)."""
        if self._owns_transport:
            self._transport.close()

    def __enter__(self) -> TenantClient:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()
