"""The asynchronous client: the shared client with the async driver, over
``httpx.AsyncClient`` (the ``httpx`` extra)."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Dict, Iterable, List, Mapping, Optional, Type, Union

from ._async_resources import AsyncTenantResources
from ._base import ClientBase, CredentialsLike, credentials_from
from ._drivers import OnProgress, OnReport, drive_async
from ._pagination import AsyncPageIterator
from ._retry import PaceLike, RetryLike
from ._secret import Secret
from ._transport import DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT, AsyncTransport, async_transport
from .types import OnboardingReport, OnboardingSpec

__all__ = ["AsyncTenantClient"]


class AsyncTenantClient(AsyncTenantResources, ClientBase):
    """The async counterpart of :class:`TenantClient`: the same methods, awaited; lists are
    iterated with ``async for``.

    ``transport``: ``None`` (a new ``httpx.AsyncClient``, closed by :meth:`aclose`), an
    ``httpx.AsyncClient`` (yours: not closed by the client), or any object with
    ``async send(request) -> HTTPResponse``. Redirects are never followed; ``timeout`` and
    ``max_body_bytes`` as for :class:`TenantClient`.

    ``retry=``, ``max_retries=`` and ``pace=`` as for :class:`TenantClient`; waits are
    ``asyncio.sleep``.
    """

    def __init__(
        self,
        *,
        api_token: Optional[Union[str, Secret]] = None,
        api_email: Optional[str] = None,
        api_key: Optional[Union[str, Secret]] = None,
        user_service_key: Optional[Union[str, Secret]] = None,
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
            credentials_from(credentials, api_token, api_email, api_key, user_service_key),
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

    def with_credentials(self, credentials: CredentialsLike) -> AsyncTenantClient:
        """The same client (same transport, settings and pacers) acting as ``credentials``.
        Closing it does not close the shared transport."""
        return self._view(credentials)

    async def _call(
        self, operation: str, params: Optional[Mapping[str, Any]], credentials: Any
    ) -> Any:
        exchange = self._exchange(operation, params, credentials)
        return (await drive_async(exchange, self._transport))["result"]

    def _list(
        self, operation: str, params: Dict[str, Any], credentials: Any
    ) -> AsyncPageIterator[Any]:
        return AsyncPageIterator(self, operation, params, credentials)

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
        await drive_async(flow, self._transport)
        return flow.machine.report()

    async def onboard_many(
        self,
        specs: Iterable[OnboardingSpec],
        *,
        concurrency: int = 8,
        on_progress: Optional[OnProgress] = None,
        credentials: Optional[CredentialsLike] = None,
        on_report: Optional[OnReport] = None,
    ) -> List[OnboardingReport]:
        """The async counterpart of :meth:`TenantClient.onboard_many`, with several requests
        in flight: up to ``concurrency`` onboardings each have at most one out, and a wait of
        the pacer's ends early when an answer comes back. Cancelling it cancels the requests in
        flight and frees their places in the budget (and ``on_report`` is told the reports of
        the onboardings it cut short)."""
        run = self._bulk(specs, credentials, concurrency, on_progress, on_report)
        reports: List[OnboardingReport] = await drive_async(run, self._transport)
        return reports

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
