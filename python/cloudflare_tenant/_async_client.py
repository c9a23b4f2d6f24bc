"""The asynchronous client, over ``httpx.AsyncClient`` (the ``httpx`` extra)."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any, Dict, Mapping, Optional, Type

from . import _retry

from ._async_resources import (
    AsyncAccountsResource,
    AsyncMembershipsResource,
    AsyncTenantsResource,
    AsyncUserResource,
    AsyncUsersResource,
)
from ._client import _PAGINATED, CredentialsLike, _ClientBase, _credentials
from ._exceptions import APIConnectionError
from ._native import Request
from ._pagination import AsyncPageIterator
from ._retry import PaceLike, RetryLike
from ._transport import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_TIMEOUT,
    AsyncTransport,
    HTTPResponse,
    async_transport,
)
from .types import OnboardingReport, OnboardingSpec

__all__ = ["AsyncTenantClient"]


class AsyncTenantClient(_ClientBase):
    """The async counterpart of :class:`TenantClient`: the same methods, awaited; lists are
    iterated with ``async for``.

    ``transport``: ``None`` (a new ``httpx.AsyncClient``, closed by :meth:`aclose`), an
    ``httpx.AsyncClient`` (yours: not closed by the client), or any object with
    ``async send(request) -> HTTPResponse``. Redirects are never followed; ``timeout`` and
    ``max_body_bytes`` as for :class:`TenantClient`.

    ``retry=``, ``max_retries=`` and ``pace=`` as for :class:`TenantClient`; waits are
    ``asyncio.sleep``.
    """

    accounts: AsyncAccountsResource
    users: AsyncUsersResource
    user: AsyncUserResource
    memberships: AsyncMembershipsResource
    tenants: AsyncTenantsResource

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
        self._transport: AsyncTransport
        self._transport, self._owns_transport = async_transport(
            transport, timeout, max_body_bytes
        )
        self._init_resources()

    def _init_resources(self) -> None:
        self.accounts = AsyncAccountsResource(self)
        self.users = AsyncUsersResource(self)
        self.user = AsyncUserResource(self)
        self.memberships = AsyncMembershipsResource(self)
        self.tenants = AsyncTenantsResource(self)

    def with_credentials(self, credentials: CredentialsLike) -> AsyncTenantClient:
        """The same client (same transport, same settings) acting as ``credentials``. Closing
        it does not close the shared transport."""
        return self._view(credentials)

    async def _send(self, request: Request, operation: str) -> HTTPResponse:
        """Sends ``request`` until the core's retry rules say its response is final (or
        raise), pacing each send when pacing is on."""
        retry = self._retry(operation, request)
        while True:
            try:
                response = await _retry.send_async(self._pacing, self._transport, request)
            except APIConnectionError as error:
                self._connection_error(error, operation)
                wait = _retry.after_failure(retry, error)
            else:
                after = _retry.after_response(retry, operation, response)
                if after is None:
                    return response
                wait = after
            await asyncio.sleep(wait)

    async def onboard(
        self,
        spec: Optional[OnboardingSpec] = None,
        /,
        *,
        credentials: Optional[CredentialsLike] = None,
        **fields: Any,
    ) -> OnboardingReport:
        """The async counterpart of :meth:`TenantClient.onboard`: the same flow, the same
        report. Many onboardings may run at once (``asyncio.gather``)."""
        flow = self._onboarding(spec, fields, credentials)
        while True:
            action = flow.next_action()
            if action is None:
                return flow.report()
            if isinstance(action, float):
                await asyncio.sleep(action)
                continue
            try:
                response = await _retry.send_async(self._pacing, self._transport, action)
            except APIConnectionError as error:
                _retry.feed_failure(flow, error)
            else:
                _retry.feed_response(flow, response)

    async def _call(
        self, operation: str, params: Optional[Mapping[str, Any]], credentials: Any
    ) -> Any:
        request = self._request(operation, params, credentials)
        status, headers, body = await self._send(request, operation)
        return self._parse(operation, status, headers, body)

    def _list(
        self, operation: str, params: Dict[str, Any], credentials: Any
    ) -> AsyncPageIterator[Any]:
        return AsyncPageIterator(self, operation, params, credentials, _PAGINATED[operation])

    async def aclose(self) -> None:
        """Closes the transport if the client created it (never one you passed in)."""
        if self._owns_transport:
            await self._transport.aclose()

    async def __aenter__(self) -> AsyncTenantClient:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.aclose()
