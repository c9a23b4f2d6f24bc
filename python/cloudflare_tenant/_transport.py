"""Transports: the I/O the sans-IO core leaves to its host.

A transport sends one :class:`~cloudflare_tenant.Request` and returns an :class:`HTTPResponse`
for any status (an error status is not an exception here: the core reads it). It raises
:class:`~cloudflare_tenant.APIConnectionError` only when no response came back, with ``sent``
saying whether the request may have left (the core's retry rules depend on it).

The transports here never follow a redirect: a 3xx goes back to the core as it came, and the
core raises :class:`~cloudflare_tenant.RedirectError`. Following it would send the credential
headers to whatever host the ``Location`` names, and a 301/302/303 would turn a ``POST`` (a
create) into a ``GET`` whose answer would pass for the create's. Each attempt also has a
deadline covering connect, headers and the whole body (``timeout``), and a cap on the body
(``max_body_bytes``), so that a server cannot hold a call open or fill the memory.
"""

from __future__ import annotations

import asyncio
import http.client
import math
import socket
import time
import urllib.error
import urllib.request
from typing import (
    TYPE_CHECKING,
    Any,
    Iterable,
    List,
    NamedTuple,
    Optional,
    Protocol,
    Tuple,
)

from ._exceptions import (
    APIConnectionError,
    APITimeoutError,
    ResponseTooLargeError,
    ValidationError,
)

if TYPE_CHECKING:
    from ._core import Request

__all__ = [
    "HTTPResponse",
    "Transport",
    "AsyncTransport",
    "UrllibTransport",
    "HttpxTransport",
    "AsyncHttpxTransport",
    "DEFAULT_TIMEOUT",
    "DEFAULT_MAX_BODY_BYTES",
]

#: Seconds an attempt may take, from connecting to the body's last byte.
DEFAULT_TIMEOUT = 60.0
#: The largest body read (32 MiB); the API's largest pages are a few hundred KiB.
DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
# How much one read asks for: memory grows by the body, never by more than this at once.
_CHUNK_BYTES = 64 * 1024


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


def check_timeout(timeout: Optional[float]) -> Optional[float]:
    """``timeout`` as the transports take it: ``None`` (no deadline) or positive finite seconds."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds or None; got {type(timeout).__name__}")
    if not (math.isfinite(timeout) and timeout > 0):
        reason = "must be a positive, finite number of seconds (or None for no deadline)"
        raise ValidationError(f"invalid `timeout`: {reason}", field="timeout", reason=reason)
    return float(timeout)


def check_max_body_bytes(max_body_bytes: int) -> int:
    """``max_body_bytes`` as the transports take it: a positive int."""
    if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int):
        raise TypeError(f"max_body_bytes must be an int; got {type(max_body_bytes).__name__}")
    if max_body_bytes < 1:
        reason = "must be at least 1"
        raise ValidationError(
            f"invalid `max_body_bytes`: {reason}", field="max_body_bytes", reason=reason
        )
    return max_body_bytes


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


def _timed_out(request: Request, timeout: Optional[float]) -> APITimeoutError:
    return APITimeoutError(
        f"{request.method} {request.url} timed out: no complete response within {timeout:g} s",
        method=request.method,
        url=request.url,
        sent=True,
    )


def _too_large(request: Request, max_body_bytes: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"{request.method} {request.url} failed: the response body is over max_body_bytes "
        f"({max_body_bytes} bytes); the rest was not read",
        method=request.method,
        url=request.url,
        sent=True,
    )


class _Deadline:
    """The end of one attempt, on the monotonic clock (``None``: no deadline)."""

    def __init__(self, timeout: Optional[float]) -> None:
        self.timeout = timeout
        self._at = None if timeout is None else time.monotonic() + timeout

    def left(self) -> Optional[float]:
        """Seconds left (at least a little, so that a socket never gets 0: non-blocking)."""
        if self._at is None:
            return None
        return max(self._at - time.monotonic(), 0.001)

    def passed(self) -> bool:
        return self._at is not None and time.monotonic() >= self._at


class _Body:
    """Collects a body chunk by chunk, failing once it is over the cap or past the deadline."""

    def __init__(self, request: Request, deadline: _Deadline, max_body_bytes: int) -> None:
        self._request = request
        self._deadline = deadline
        self._max = max_body_bytes
        self._chunks: List[bytes] = []
        self._size = 0

    def announced(self, content_length: Optional[str]) -> None:
        """Fails at once when ``Content-Length`` already says the body is over the cap."""
        if content_length is not None and content_length.strip().isdigit():
            if int(content_length) > self._max:
                raise _too_large(self._request, self._max)

    def add(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self._max:
            raise _too_large(self._request, self._max)
        self._chunks.append(chunk)

    def check_deadline(self) -> None:
        if self._deadline.passed():
            raise _timed_out(self._request, self._deadline.timeout)

    def read_all(self, chunks: Iterable[bytes]) -> bytes:
        """Every chunk; the deadline is checked after each, since the reads themselves wait
        as long as the HTTP library's read timeout."""
        for chunk in chunks:
            self.add(chunk)
            self.check_deadline()
        return self.bytes()

    def bytes(self) -> bytes:
        return b"".join(self._chunks)


class _EveryStatusIsAResponse(urllib.request.BaseHandler):
    """Hands any non-2xx response back as it came instead of raising ``HTTPError`` or following
    a redirect (see the module's doc). Runs before urllib's own handlers."""

    handler_order = 100

    def http_error_default(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any
    ) -> Any:
        return fp

    http_error_301 = http_error_302 = http_error_303 = http_error_default
    http_error_307 = http_error_308 = http_error_default


def _socket_of(response: Any) -> Optional[socket.socket]:
    """The socket under an ``http.client.HTTPResponse``, so that each read gets the deadline's
    time left (``None`` if it cannot be found: the deadline is then checked between reads)."""
    raw = getattr(getattr(response, "fp", None), "raw", None)
    sock = getattr(raw, "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


class UrllibTransport:
    """The standard library's ``urllib.request``: no dependency at all. One connection per
    request (urllib does not keep connections alive).

    ``timeout`` is the deadline of an attempt (connect, headers and body), ``max_body_bytes``
    the largest body read. An ``opener`` of yours gets a handler that hands every status back
    as a response, so that it never follows a redirect."""

    def __init__(
        self,
        timeout: Optional[float] = DEFAULT_TIMEOUT,
        opener: Optional[urllib.request.OpenerDirector] = None,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self._timeout = check_timeout(timeout)
        self._max_body_bytes = check_max_body_bytes(max_body_bytes)
        if opener is None:
            opener = urllib.request.build_opener(_EveryStatusIsAResponse)
        else:
            opener.add_handler(_EveryStatusIsAResponse())
        self._opener = opener

    def send(self, request: Request) -> HTTPResponse:
        deadline = _Deadline(self._timeout)
        req = urllib.request.Request(
            request.url,
            data=request.body,
            headers=request.headers,
            method=request.method,
        )
        try:
            left = deadline.left()
            if left is None:
                response = self._opener.open(req)
            else:
                response = self._opener.open(req, timeout=left)
        except urllib.error.HTTPError as error:
            # Only from a handler of a caller's opener; still a response for the core.
            if error.fp is None:
                return HTTPResponse(error.code, list((error.headers or {}).items()), b"")
            response = error.fp
        except urllib.error.URLError as error:
            # urllib raises URLError only while connecting and writing the request: the
            # server never had all of it, so it cannot have acted on it.
            timeout = isinstance(error.reason, (socket.timeout, TimeoutError))
            raise _connection_error(request, error, timeout, sent=False) from error
        except (socket.timeout, TimeoutError) as error:
            raise _connection_error(request, error, True) from error
        except (OSError, http.client.HTTPException) as error:
            raise _connection_error(request, error) from error
        try:
            with response:
                headers = list(response.headers.items())
                body = self._read(request, response, deadline)
                return HTTPResponse(response.status, headers, body)
        except (socket.timeout, TimeoutError) as error:
            raise _connection_error(request, error, True) from error
        except (OSError, http.client.HTTPException) as error:
            raise _connection_error(request, error) from error

    def _read(
        self, request: Request, response: http.client.HTTPResponse, deadline: _Deadline
    ) -> bytes:
        """The body in chunks: each read waits at most the deadline's time left, and returns
        what one read of the socket gave (``read1``), so a drip cannot outlast the deadline."""
        body = _Body(request, deadline, self._max_body_bytes)
        body.announced(response.headers.get("content-length"))
        sock = _socket_of(response)
        while not response.isclosed():
            body.check_deadline()
            left = deadline.left()
            if sock is not None and left is not None:
                sock.settimeout(left)
            chunk = response.read1(_CHUNK_BYTES)
            if not chunk:
                break
            body.add(chunk)
        return body.bytes()

    def close(self) -> None:
        """Nothing to release: urllib keeps no connection open."""

    def __repr__(self) -> str:
        return f"UrllibTransport(timeout={self._timeout!r}, max_body_bytes={self._max_body_bytes})"


def _httpx_error(request: Request, error: Exception) -> APIConnectionError:
    """An httpx failure, told apart by whether the request may have left: a connection that
    could not be made (or no free one in the pool) means nothing was sent."""
    import httpx

    not_sent = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
    timeout = isinstance(error, httpx.TimeoutException)
    return _connection_error(request, error, timeout, sent=not isinstance(error, not_sent))


def _httpx_timeouts(client: Any, deadline: _Deadline) -> Any:
    """The client's own timeouts, each cut to the deadline's time left."""
    import httpx

    left = deadline.left()
    if left is None:
        return httpx.USE_CLIENT_DEFAULT
    own = client.timeout

    def cut(value: Optional[float]) -> float:
        return left if value is None else min(value, left)

    return httpx.Timeout(
        connect=cut(own.connect), read=cut(own.read), write=cut(own.write), pool=cut(own.pool)
    )


class HttpxTransport:
    """An ``httpx.Client``. The client is the caller's: :meth:`close` closes it only when this
    transport created it. Redirects are not followed, whatever the client's
    ``follow_redirects``; ``timeout`` (the deadline of an attempt, cutting the client's own
    timeouts) and ``max_body_bytes`` as for :class:`UrllibTransport`."""

    def __init__(
        self,
        client: Any = None,
        *,
        owns_client: bool = False,
        timeout: Optional[float] = DEFAULT_TIMEOUT,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self._timeout = check_timeout(timeout)
        self._max_body_bytes = check_max_body_bytes(max_body_bytes)
        if client is None:
            import httpx

            client = httpx.Client()
            owns_client = True
        self._client = client
        self._owns_client = owns_client

    def send(self, request: Request) -> HTTPResponse:
        import httpx

        deadline = _Deadline(self._timeout)
        try:
            with self._client.stream(
                request.method,
                request.url,
                headers=request.headers,
                content=request.body,
                follow_redirects=False,
                timeout=_httpx_timeouts(self._client, deadline),
            ) as response:
                body = _Body(request, deadline, self._max_body_bytes)
                body.announced(response.headers.get("content-length"))
                content = body.read_all(response.iter_bytes())
                return HTTPResponse(response.status_code, response.headers.multi_items(), content)
        except httpx.HTTPError as error:
            raise _httpx_error(request, error) from error

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __repr__(self) -> str:
        return f"HttpxTransport(timeout={self._timeout!r}, max_body_bytes={self._max_body_bytes})"


class AsyncHttpxTransport:
    """An ``httpx.AsyncClient``. The client is the caller's: :meth:`aclose` closes it only when
    this transport created it. Redirects, ``timeout`` and ``max_body_bytes`` as for
    :class:`HttpxTransport`."""

    def __init__(
        self,
        client: Any = None,
        *,
        owns_client: bool = False,
        timeout: Optional[float] = DEFAULT_TIMEOUT,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self._timeout = check_timeout(timeout)
        self._max_body_bytes = check_max_body_bytes(max_body_bytes)
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
            # The deadline is exact here: the whole exchange is cancelled when it passes.
            return await asyncio.wait_for(self._exchange(request), self._timeout)
        except asyncio.TimeoutError as error:
            raise _timed_out(request, self._timeout) from error
        except httpx.HTTPError as error:
            raise _httpx_error(request, error) from error

    async def _exchange(self, request: Request) -> HTTPResponse:
        async with self._client.stream(
            request.method,
            request.url,
            headers=request.headers,
            content=request.body,
            follow_redirects=False,
        ) as response:
            body = _Body(request, _Deadline(None), self._max_body_bytes)
            body.announced(response.headers.get("content-length"))
            async for chunk in response.aiter_bytes():
                body.add(chunk)
            return HTTPResponse(response.status_code, response.headers.multi_items(), body.bytes())

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    def __repr__(self) -> str:
        return (
            f"AsyncHttpxTransport(timeout={self._timeout!r}, "
            f"max_body_bytes={self._max_body_bytes})"
        )


def _is_httpx(obj: Any, class_name: str) -> bool:
    """Whether ``obj`` is an ``httpx.<class_name>``, without importing httpx."""
    for cls in type(obj).__mro__:
        if cls.__module__.split(".")[0] == "httpx" and cls.__name__ == class_name:
            return True
    return False


def sync_transport(
    transport: Any, timeout: Optional[float], max_body_bytes: int
) -> Tuple[Transport, bool]:
    """The transport to use, and whether the client owns (and so closes) it."""
    if transport is None:
        return UrllibTransport(timeout, max_body_bytes=max_body_bytes), True
    if _is_httpx(transport, "Client"):
        return HttpxTransport(transport, timeout=timeout, max_body_bytes=max_body_bytes), False
    if _is_httpx(transport, "AsyncClient"):
        raise TypeError("an httpx.AsyncClient needs AsyncTenantClient, not TenantClient")
    if callable(getattr(transport, "send", None)):
        return transport, False
    raise TypeError(
        "transport must be None (urllib), an httpx.Client, or an object with "
        f"send(request) -> HTTPResponse; got {type(transport).__name__}"
    )


def async_transport(
    transport: Any, timeout: Optional[float], max_body_bytes: int
) -> Tuple[AsyncTransport, bool]:
    """The async transport to use, and whether the client owns (and so closes) it."""
    if transport is None:
        return AsyncHttpxTransport(timeout=timeout, max_body_bytes=max_body_bytes), True
    if _is_httpx(transport, "AsyncClient"):
        return (
            AsyncHttpxTransport(transport, timeout=timeout, max_body_bytes=max_body_bytes),
            False,
        )
    if _is_httpx(transport, "Client"):
        raise TypeError("an httpx.Client needs TenantClient, not AsyncTenantClient")
    if callable(getattr(transport, "send", None)):
        return transport, False
    raise TypeError(
        "transport must be None (a new httpx.AsyncClient), an httpx.AsyncClient, or an object "
        f"with async send(request) -> HTTPResponse; got {type(transport).__name__}"
    )
