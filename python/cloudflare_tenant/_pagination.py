"""Iterators over every item of a list operation, page by page, over the core's paginator.

The core decides when to stop (last page, short page, empty page, ``total_count``, a page that
repeats the previous one, the page cap). A stop that may leave items out (a repeated page, the
cap) is reported with a :class:`~cloudflare_tenant.PaginationWarning`, never silently.
"""

from __future__ import annotations

import warnings
from collections import deque
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Deque,
    Generic,
    Iterator,
    List,
    Optional,
    TypeVar,
)

from ._exceptions import PaginationWarning
from ._native import Paginator, Request

if TYPE_CHECKING:
    from ._async_client import AsyncTenantClient
    from ._client import TenantClient, _ClientBase
    from .types import PageStop

T = TypeVar("T")

__all__ = ["PageIterator", "AsyncPageIterator"]


class _PageState:
    """What the sync and async iterators share: the first request is built at once, so bad
    parameters raise :class:`~cloudflare_tenant.ValidationError` before anything is sent."""

    def __init__(
        self,
        client: _ClientBase,
        operation: str,
        params: dict[str, Any],
        credentials: Any,
        paginated: bool,
    ) -> None:
        self._client = client
        self.operation = operation
        self._credentials = credentials
        self._paginator: Optional[Paginator] = None
        if paginated:
            self._paginator = Paginator(operation, params, client._max_pages)
            self._next: Optional[Request] = client._paged_request(self._paginator, credentials)
        else:
            self._next = client._request(operation, params, credentials)
        self._warned = False

    def take_request(self) -> Optional[Request]:
        request, self._next = self._next, None
        return request

    def items(self, status: int, headers: Any, body: bytes) -> List[Any]:
        """The new items of the page just read, and the request for the next page."""
        if self._paginator is None:
            result = self._client._parse(self.operation, status, headers, body)
            return list(result) if isinstance(result, list) else [result]
        items = self._paginator.feed(status, headers, body)
        self._next = self._client._paged_request(self._paginator, self._credentials)
        if self._next is None:
            self._report_stop()
        return items

    def _report_stop(self) -> None:
        stop = self.stop
        if stop and stop.get("anomaly") and not self._warned:
            self._warned = True
            warnings.warn(
                f"{self.operation}: {stop.get('message')}; the listing may be incomplete",
                PaginationWarning,
                stacklevel=4,
            )

    @property
    def stop(self) -> Optional[PageStop]:
        return self._paginator.stop if self._paginator is not None else None


class PageIterator(Generic[T]):
    """Every item of a list, fetched a page at a time as the iteration goes on.

    ``stop`` says why the listing ended, once it has (``None`` for lists the API does not
    page).
    """

    def __init__(
        self,
        client: TenantClient,
        operation: str,
        params: dict[str, Any],
        credentials: Any,
        paginated: bool,
    ) -> None:
        self._client = client
        self._state = _PageState(client, operation, params, credentials, paginated)
        self._buffer: Deque[T] = deque()

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        while not self._buffer:
            request = self._state.take_request()
            if request is None:
                raise StopIteration
            response = self._client._send(request, self._state.operation)
            self._buffer.extend(self._state.items(*response))
        return self._buffer.popleft()

    def pages(self) -> Iterator[List[T]]:
        """The remaining items, one list per page."""
        if self._buffer:
            yield list(self._buffer)
            self._buffer.clear()
        while True:
            request = self._state.take_request()
            if request is None:
                return
            response = self._client._send(request, self._state.operation)
            yield self._state.items(*response)

    @property
    def stop(self) -> Optional[PageStop]:
        """Why the listing ended (``reason``, ``message``, ``anomaly``), once it has."""
        return self._state.stop

    def __repr__(self) -> str:
        return f"PageIterator(operation={self._state.operation!r})"


class AsyncPageIterator(Generic[T]):
    """The async counterpart of :class:`PageIterator`: ``async for item in ...``."""

    def __init__(
        self,
        client: AsyncTenantClient,
        operation: str,
        params: dict[str, Any],
        credentials: Any,
        paginated: bool,
    ) -> None:
        self._client = client
        self._state = _PageState(client, operation, params, credentials, paginated)
        self._buffer: Deque[T] = deque()

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    async def __anext__(self) -> T:
        while not self._buffer:
            request = self._state.take_request()
            if request is None:
                raise StopAsyncIteration
            response = await self._client._send(request, self._state.operation)
            self._buffer.extend(self._state.items(*response))
        return self._buffer.popleft()

    async def pages(self) -> AsyncIterator[List[T]]:
        """The remaining items, one list per page."""
        if self._buffer:
            yield list(self._buffer)
            self._buffer.clear()
        while True:
            request = self._state.take_request()
            if request is None:
                return
            response = await self._client._send(request, self._state.operation)
            yield self._state.items(*response)

    async def collect(self) -> List[T]:
        """Every remaining item, as a list."""
        return [item async for item in self]

    @property
    def stop(self) -> Optional[PageStop]:
        """Why the listing ended (``reason``, ``message``, ``anomaly``), once it has."""
        return self._state.stop

    def __repr__(self) -> str:
        return f"AsyncPageIterator(operation={self._state.operation!r})"
