"""Lists: every item of every page, fetched as they are consumed.

A list is walked by the core's :class:`Listing` machine, which decides when to stop (last page,
short page, empty page, ``total_count``, a page that repeats the previous one, the page cap). A
stop that may leave items out (a repeated page, the cap) is reported with a
:class:`~cloudflare_tenant.PaginationWarning`, never silently. Each iteration is a fresh walk
from the first page.
"""

from __future__ import annotations

import warnings
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Dict,
    Generic,
    Iterable,
    Iterator,
    List,
    Optional,
    TypeVar,
    Union,
)

from ._drivers import Exchange, drive, drive_async
from ._exceptions import PaginationWarning
from ._core import Call, Listing

if TYPE_CHECKING:
    from ._async_client import AsyncTenantClient
    from ._base import ClientBase
    from ._client import TenantClient
    from .types import ApiMessage, PageStop, ParsedResponse, ResultInfo

T = TypeVar("T")

__all__ = ["Page", "PageIterator", "AsyncPageIterator"]


class Page(List[T]):
    """One page of a list: the list of its items, with what the API said of the page
    (``result_info``: ``page``, ``per_page``, ``count``, ``total_count``, ...; and
    ``messages``)."""

    result_info: Optional[ResultInfo]
    messages: List[ApiMessage]

    def __init__(
        self,
        items: Iterable[T],
        result_info: Optional[ResultInfo] = None,
        messages: Optional[List[ApiMessage]] = None,
    ) -> None:
        super().__init__(items)
        self.result_info = result_info
        self.messages = messages if messages is not None else []

    def __repr__(self) -> str:
        return f"Page({list.__repr__(self)}, result_info={self.result_info!r})"


class _Walks(Generic[T]):
    """What the sync and async lists share: each walk is a new machine of the core. The first
    one is made at once, so that bad parameters raise
    :class:`~cloudflare_tenant.ValidationError` before anything is sent."""

    #: Why the last walk ended (``reason``, ``message``, ``anomaly``), once it has; ``None``
    #: for lists the API does not page.
    stop: Optional[PageStop]

    def __init__(
        self, client: ClientBase, operation: str, params: Dict[str, Any], credentials: Any
    ) -> None:
        self._client = client
        self.operation = operation
        self._params = params
        self._credentials = credentials
        self.stop = None
        self._ready: Optional[Exchange[Any]] = client._walk(operation, params, credentials)

    def _begin(self) -> Union[Exchange[Listing], Exchange[Call]]:
        walk, self._ready = self._ready, None
        return walk or self._client._walk(self.operation, self._params, self._credentials)

    @staticmethod
    def _page(answer: ParsedResponse) -> Page[T]:
        result = answer["result"]
        items = result if isinstance(result, list) else [] if result is None else [result]
        return Page(items, answer["result_info"], answer["messages"])

    @staticmethod
    def _more(walk: Exchange[Any]) -> bool:
        """Whether another page may come: a list the API does not page has one answer."""
        return isinstance(walk.machine, Listing)

    def _end(self, walk: Exchange[Any]) -> None:
        self.stop = walk.machine.stop if isinstance(walk.machine, Listing) else None
        if self.stop and self.stop.get("anomaly"):
            warnings.warn(
                f"{self.operation}: {self.stop.get('message')}; the listing may be incomplete",
                PaginationWarning,
                stacklevel=3,
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(operation={self.operation!r})"


class PageIterator(_Walks[T]):
    """Every item of a list, fetched a page at a time as the iteration goes on; each
    ``for`` walks the list again from its first page."""

    def __init__(
        self, client: TenantClient, operation: str, params: Dict[str, Any], credentials: Any
    ) -> None:
        super().__init__(client, operation, params, credentials)
        self._transport = client._transport

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page

    def pages(self) -> Iterator[Page[T]]:
        """Each page, as a :class:`Page`: a list of its items with its ``result_info``."""
        walk = self._begin()
        answer = drive(walk, self._transport)
        while answer is not None:
            yield self._page(answer)
            answer = drive(walk, self._transport) if self._more(walk) else None
        self._end(walk)

    def all(self) -> List[T]:
        """Every item, as one list."""
        return list(self)


class AsyncPageIterator(_Walks[T]):
    """The async counterpart of :class:`PageIterator`: ``async for item in ...``,
    ``async for page in ....pages()``, ``await ....all()``."""

    def __init__(
        self, client: AsyncTenantClient, operation: str, params: Dict[str, Any], credentials: Any
    ) -> None:
        super().__init__(client, operation, params, credentials)
        self._transport = client._transport

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page:
                yield item

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Each page, as a :class:`Page`: a list of its items with its ``result_info``."""
        walk = self._begin()
        answer = await drive_async(walk, self._transport)
        while answer is not None:
            yield self._page(answer)
            answer = await drive_async(walk, self._transport) if self._more(walk) else None
        self._end(walk)

    async def all(self) -> List[T]:
        """Every item, as one list."""
        return [item async for item in self]
