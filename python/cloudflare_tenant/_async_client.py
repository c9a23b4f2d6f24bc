"""The asynchronous client, over ``httpx.AsyncClient`` (the ``httpx`` extra)."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Dict, Mapping, Optional, Type

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
from ._transport import AsyncTransport, HTTPResponse, async_transport

__all__ = ["AsyncTenantClient"]


class AsyncTenantClient(_ClientBase):
    """The async counterpart of :class:`TenantClient`: the same methods, awaited; lists are
    iterated with ``async for``.

    ``transport``: ``None`` (a new ``httpx.AsyncClient``, closed by :meth:`aclose`), an
    ``httpx.AsyncClient`` (yours: not closed by the client), or any object with
    ``async send(request) -> HTTPResponse``.
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
        user_agent: Optional[str] = None,
        max_pages: Optional[int] = None,
    ) -> None:
        self._configure(
            _credentials(credentials, api_token, api_email, api_key, user_service_key),
            base_url,
            user_agent,
            max_pages,
        )
        self._transport: AsyncTransport
        self._transport, self._owns_transport = async_transport(transport)
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
        try:
            return await self._transport.send(request)
        except APIConnectionError as error:
            self._connection_error(error, operation)
            raise

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
