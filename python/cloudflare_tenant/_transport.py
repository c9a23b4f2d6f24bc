"""Transports: the I/O the sans-IO core leaves to its host.

A transport sends one :class:`~cloudflare_tenant.Request` and returns an :class:`HTTPResponse`
for any status (an error status is not an exception here: the core reads it). It raises
:class:`~cloudflare_tenant.APIConnectionError` only when no response came back, with ``sent``
saying whether the request may have left (the core's retry rules depend on it).
"""

from __future__ import annotations

import http.client
import socket
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any, Dict, List, NamedTuple, Optional, Protocol, Tuple

from ._exceptions import APIConnectionError, APITimeoutError

if TYPE_CHECKING:
    from ._native import Request

__all__ = [
    "HTTPResponse",
    "Transport",
    "AsyncTransport",
    "UrllibTransport",
    "HttpxTransport",
    "AsyncHttpxTransport",
]


class HTTPResponse(NamedTuple):
    """What came back: the status, every header (repeats kept, in order) and the whole body."""

    status: int
    headers: List[Tuple[str, str]]
    body: bytes


class Transport(Protocol):
    """Sends a request and returns the response, whatever its status."""

    def send(self, request: Request) -> HTTPResponse: ...

    def close(self) -> None: ...


class AsyncTransport(Protocol):
    """The async counterpart of :class:`Transport`."""

    async def send(self, request: Request) -> HTTPResponse: ...

    async def aclose(self) -> None: ...


def _connection_error(
    request: Request, error: BaseException, timeout: bool = False, sent: bool = True
) -> APIConnectionError:
    cls = APITimeoutError if timeout else APIConnectionError
    what = "timed out" if timeout else "failed"
    # The URL never holds a credential; the headers (which may) are not part of the message.
    return cls(
        f"{request.method} {request.url} {what}: {type(error).__name__}: {error}",
        method=request.method,
        url=request.url,
        sent=sent,
    )


def _httpx_error(request: Request, error: Exception) -> APIConnectionError:
    """An httpx failure, told apart by whether the request may have left: a connection that
    could not be made (or no free one in the pool) means nothing was sent."""
    import httpx

    not_sent = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
    timeout = isinstance(error, httpx.TimeoutException)
    return _connection_error(request, error, timeout, sent=not isinstance(error, not_sent))


class UrllibTransport:
    """The standard library's ``urllib.request``: no dependency at all. One connection per
    request (urllib does not keep connections alive)."""

    def __init__(
        self,
        timeout: Optional[float] = 60.0,
        opener: Optional[urllib.request.OpenerDirector] = None,
    ) -> None:
        self._timeout = timeout
        self._opener = opener or urllib.request.build_opener()

    def send(self, request: Request) -> HTTPResponse:
        req = urllib.request.Request(
            request.url,
            data=request.body,
            headers=request.headers,
            method=request.method,
        )
        try:
            kwargs: Dict[str, Any] = {}
            if self._timeout is not None:
                kwargs["timeout"] = self._timeout
            with self._opener.open(req, **kwargs) as response:
                return HTTPResponse(response.status, list(response.headers.items()), response.read())
        except urllib.error.HTTPError as error:
            # An error status is a response, not a failure: hand it to the core.
            try:
                body = error.read()
                headers = list(error.headers.items()) if error.headers is not None else []
                return HTTPResponse(error.code, headers, body)
            finally:
                error.close()
        except urllib.error.URLError as error:
            # urllib raises URLError only while connecting and writing the request: the
            # server never had all of it, so it cannot have acted on it.
            timeout = isinstance(error.reason, (socket.timeout, TimeoutError))
            raise _connection_error(request, error, timeout, sent=False) from error
        except (socket.timeout, TimeoutError) as error:
            raise _connection_error(request, error, True) from error
        except (OSError, http.client.HTTPException) as error:
            raise _connection_error(request, error) from error

    def close(self) -> None:
        """Nothing to release: urllib keeps no connection open."""


class HttpxTransport:
    """An ``httpx.Client``. The client is the caller's: :meth:`close` closes it only when this
    transport created it."""

    def __init__(self, client: Any = None, *, owns_client: bool = False) -> None:
        if client is None:
            import httpx

            client = httpx.Client()
            owns_client = True
        self._client = client
        self._owns_client = owns_client

    def send(self, request: Request) -> HTTPResponse:
        import httpx

        try:
            response = self._client.request(
                request.method,
                request.url,
                headers=request.headers,
                content=request.body,
            )
        except httpx.HTTPError as error:
            raise _httpx_error(request, error) from error
        return HTTPResponse(response.status_code, response.headers.multi_items(), response.content)

    def close(self) -> None:
        if self._owns_client:
            self._client.close()


class AsyncHttpxTransport:
    """An ``httpx.AsyncClient``. The client is the caller's: :meth:`aclose` closes it only when
    this transport created it."""

    def __init__(self, client: Any = None, *, owns_client: bool = False) -> None:
        if client is None:
            try:
                import httpx
            except ImportError as error:  # pragma: no cover - depends on the environment
                raise ImportError(
                    "AsyncTenantClient needs httpx: pip install 'cloudflare-tenant[httpx]'"
                ) from error
            client = httpx.AsyncClient()
            owns_client = True
        self._client = client
        self._owns_client = owns_client

    async def send(self, request: Request) -> HTTPResponse:
        import httpx

        try:
            response = await self._client.request(
                request.method,
                request.url,
                headers=request.headers,
                content=request.body,
            )
        except httpx.HTTPError as error:
            raise _httpx_error(request, error) from error
        return HTTPResponse(response.status_code, response.headers.multi_items(), response.content)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()


def _is_httpx(obj: Any, class_name: str) -> bool:
    """Whether ``obj`` is an ``httpx.<class_name>``, without importing httpx."""
    for cls in type(obj).__mro__:
        if cls.__module__.split(".")[0] == "httpx" and cls.__name__ == class_name:
            return True
    return False


def sync_transport(transport: Any, timeout: Optional[float]) -> Tuple[Transport, bool]:
    """The transport to use, and whether the client owns (and so closes) it."""
    if transport is None:
        return UrllibTransport(timeout=timeout), True
    if _is_httpx(transport, "Client"):
        return HttpxTransport(transport), False
    if _is_httpx(transport, "AsyncClient"):
        raise TypeError("an httpx.AsyncClient needs AsyncTenantClient, not TenantClient")
    if callable(getattr(transport, "send", None)):
        return transport, False
    raise TypeError(
        "transport must be None (urllib), an httpx.Client, or an object with "
        f"send(request) -> HTTPResponse; got {type(transport).__name__}"
    )


def async_transport(transport: Any) -> Tuple[AsyncTransport, bool]:
    """The async transport to use, and whether the client owns (and so closes) it."""
    if transport is None:
        return AsyncHttpxTransport(), True
    if _is_httpx(transport, "AsyncClient"):
        return AsyncHttpxTransport(transport), False
    if _is_httpx(transport, "Client"):
        raise TypeError("an httpx.Client needs TenantClient, not AsyncTenantClient")
    if callable(getattr(transport, "send", None)):
        return transport, False
    raise TypeError(
        "transport must be None (a new httpx.AsyncClient), an httpx.AsyncClient, or an object "
        f"with async send(request) -> HTTPResponse; got {type(transport).__name__}"
    )
