"""Retries and pacing in the clients: the core decides, this module sleeps.

Every call runs the core's :class:`Retry`: after each attempt it is told what happened (a
response; a transport failure before the request left; or one after it may have left) and
answers "use this response", "sleep this long and resend", or raises the call's error. The
rules are the core's (see the package README): 429 is retried for every method after the wait
the server asked for; 408, 5xx and lost answers are retried for ``GET``/``PUT``/``DELETE``
only; a ``POST`` that met them is an :class:`OutcomeUnknownError`, never blindly resent.

Pacing (off by default) keeps each identity under a request budget with the core's
:class:`Pacer`: one per credential, keyed by a hash of the credential headers (the key does
not keep the secret readable). A send holds its place from right before the transport gets
it until the transport returns or raises (and a window after), so the budget holds on the
wire.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import threading
import time
from typing import TYPE_CHECKING, Callable, Dict, NoReturn, Optional, Tuple, Union

from ._exceptions import (
    APIConnectionError,
    APITimeoutError,
    CloudflareError,
    OutcomeUnknownError,
    ResponseTooLargeError,
    ValidationError,
)
from ._native import Onboarding, Pacer, Retry, RetryPolicy

if TYPE_CHECKING:
    from ._native import Request
    from ._transport import AsyncTransport, HTTPResponse, Transport

__all__ = ["RetryLike", "PaceLike", "retry_policy", "pacing", "send", "send_async"]

#: What the clients take as ``retry=``: a :class:`RetryPolicy`, ``True``/``None`` (the core's
#: default: 2 retries), or ``False`` (no retries).
RetryLike = Union[RetryPolicy, bool, None]
#: What the clients take as ``pace=``: ``False`` (off), ``True`` (Cloudflare's budget, 1,200
#: requests per 300 s per credential), or ``(limit, window_seconds)``.
PaceLike = Union[bool, Tuple[int, float], None]

# Past this many identities, those with nothing in flight or counted are forgotten.
_MAX_IDLE_IDENTITIES = 256


def retry_policy(retry: RetryLike, max_retries: Optional[int]) -> RetryPolicy:
    """The policy a client runs with, from its ``retry=`` and ``max_retries=`` settings."""
    if retry is False:
        if max_retries:
            raise ValidationError(
                "invalid `max_retries`: retry=False disables retries; drop one of the two",
                field="max_retries",
                reason="retry=False disables retries; drop one of the two",
            )
        return RetryPolicy.none()
    if retry is None or retry is True:
        policy = RetryPolicy()
    elif isinstance(retry, RetryPolicy):
        policy = retry
    else:
        raise TypeError(
            f"retry must be a RetryPolicy, True, False or None; got {type(retry).__name__}"
        )
    if max_retries is None:
        return policy
    if isinstance(max_retries, bool) or not isinstance(max_retries, int):
        raise TypeError(f"max_retries must be an int; got {type(max_retries).__name__}")
    return RetryPolicy(
        max_retries,
        policy.initial_backoff,
        policy.max_backoff,
        policy.max_retry_after,
    )


def pacing(pace: PaceLike) -> Optional[Pacing]:
    """The pacing a client runs with, from its ``pace=`` setting (``None``: off)."""
    if pace is None or pace is False:
        return None
    if pace is True:
        return Pacing(Pacer.cloudflare)
    if isinstance(pace, tuple) and len(pace) == 2:
        limit, window = pace
        Pacer(limit, window)  # checks both now, not at the first send
        return Pacing(lambda: Pacer(limit, window))
    raise TypeError(
        f"pace must be True, False or (limit, window_seconds); got {type(pace).__name__}"
    )


def _identity(request: Request) -> str:
    """Who sends ``request``, as a digest of its credential headers (never the secret)."""
    headers = request.headers
    digest = hashlib.sha256()
    for name in sorted(set(request.sensitive_headers) | {"x-auth-email"}):
        value = headers.get(name)
        if value is not None:
            digest.update(f"{name}\0{value}\0".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class Pacing:
    """One :class:`Pacer` per identity, shared by a client and its ``with_credentials`` views
    (and safe to share between threads: taking a place in a budget is done under a lock).

    A send takes its place right before it is handed to the transport and gives it back
    (``settle``) when the transport returned or raised, so the budget holds on the wire
    whatever the concurrency."""

    def __init__(self, make: Callable[[], Pacer]) -> None:
        self._make = make
        self._pacers: Dict[str, Pacer] = {}
        self._lock = threading.Lock()

    def _acquire(self, request: Request) -> Union[Tuple[Pacer, int], float]:
        """A place for ``request`` (its pacer and ticket), or seconds to wait first."""
        key = _identity(request)
        with self._lock:
            now = time.monotonic()
            pacer = self._pacers.get(key)
            if pacer is None:
                if len(self._pacers) >= _MAX_IDLE_IDENTITIES:
                    self._forget_idle(now)
                pacer = self._pacers[key] = self._make()
            got = pacer.acquire(now)
        if isinstance(got, float):
            return got
        return pacer, got

    def _forget_idle(self, now: float) -> None:
        idle = [key for key, pacer in self._pacers.items() if pacer.in_use(now) == 0]
        for key in idle:
            del self._pacers[key]

    def _settle(self, place: Tuple[Pacer, int]) -> None:
        pacer, ticket = place
        with self._lock:
            pacer.settle(ticket, time.monotonic())

    def send(self, transport: Transport, request: Request) -> HTTPResponse:
        """Waits until ``request`` fits the budget, then sends it."""
        while True:
            place = self._acquire(request)
            if not isinstance(place, float):
                break
            time.sleep(place)
        try:
            return transport.send(request)
        finally:
            self._settle(place)

    async def send_async(self, transport: AsyncTransport, request: Request) -> HTTPResponse:
        """The async counterpart of :meth:`send`."""
        while True:
            place = self._acquire(request)
            if not isinstance(place, float):
                break
            await asyncio.sleep(place)
        try:
            return await transport.send(request)
        finally:
            self._settle(place)


def send(pacing: Optional[Pacing], transport: Transport, request: Request) -> HTTPResponse:
    """Sends ``request`` once, paced when pacing is on."""
    if pacing is None:
        return transport.send(request)
    return pacing.send(transport, request)


async def send_async(
    pacing: Optional[Pacing], transport: AsyncTransport, request: Request
) -> HTTPResponse:
    """The async counterpart of :func:`send`."""
    if pacing is None:
        return await transport.send(request)
    return await pacing.send_async(transport, request)


def after_response(retry: Retry, operation: str, response: HTTPResponse) -> Optional[float]:
    """The core's decision after a response: ``None`` (parse it), seconds to wait, or raises."""
    status, headers, body = response
    try:
        return retry.after_response(status, headers, body, time.time(), random.random())
    except OutcomeUnknownError as error:
        # Keep what the server said as the cause (an edge 502 page, an API 500 envelope).
        from ._core import parse_response

        try:
            parse_response(operation, status, headers, body)
        except CloudflareError as said:
            raise error from said
        raise


def after_failure(retry: Retry, error: APIConnectionError) -> float:
    """The core's decision after the transport raised ``error``: seconds to wait, or raises
    (:class:`OutcomeUnknownError`; or ``error``'s class, for the transport's last failure)."""
    now, jitter = time.time(), random.random()
    try:
        if error.sent:
            wait = retry.after_no_response(str(error), now, jitter)
        else:
            wait = retry.after_not_sent(str(error), now, jitter)
    except APIConnectionError as final:
        _raise_transport(final, error)
    except CloudflareError as final:
        raise final from error
    assert wait is not None, "a transport failure is never a usable response"
    return wait


def _raise_transport(final: APIConnectionError, error: APIConnectionError) -> NoReturn:
    """The core gave up on the transport: raise its error as the transport's class
    (:class:`APITimeoutError` and :class:`ResponseTooLargeError` stay one), with the request's
    method and URL."""
    cls = next(
        c for c in (ResponseTooLargeError, APITimeoutError, APIConnectionError) if isinstance(error, c)
    )
    raised = cls(
        final.message,
        operation=final.operation or error.operation,
        method=error.method,
        url=error.url,
        sent=error.sent,
    )
    raise raised from error


def feed_failure(flow: Onboarding, error: APIConnectionError) -> None:
    """Tells an :class:`Onboarding` flow what the transport failure ``error`` means."""
    if error.sent:
        flow.feed_no_response(str(error), time.time(), random.random())
    else:
        flow.feed_not_sent(str(error), time.time(), random.random())


def feed_response(flow: Onboarding, response: HTTPResponse) -> None:
    """Tells an :class:`Onboarding` flow the response that came back."""
    status, headers, body = response
    flow.feed_response(status, headers, body, time.time(), random.random())
