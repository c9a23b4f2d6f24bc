"""Retries and pacing in the clients: the core decides, this module sleeps.

Every call runs the core's :class:`Retry`: after each attempt it is told what happened (a
response; a transport failure before the request left; or one after it may have left) and
answers "use this response", "sleep this long and resend", or raises the call's error. The
rules are the core's (see the package README): 429 is retried for every method after the wait
the server asked for; 408, 5xx and lost answers are retried for ``GET``/``PUT``/``DELETE``
only; a ``POST`` that met them is an :class:`OutcomeUnknownError`, never blindly resent.

Pacing (off by default) keeps each identity under a request budget with the core's
:class:`Pacer`: one per credential, keyed by a hash of the credential headers (the key does
not keep the secret readable).
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
    ValidationError,
)
from ._native import Onboarding, Pacer, Retry, RetryPolicy

if TYPE_CHECKING:
    from ._native import Request
    from ._transport import HTTPResponse

__all__ = ["RetryLike", "PaceLike", "retry_policy", "pacing"]

#: What the clients take as ``retry=``: a :class:`RetryPolicy`, ``True``/``None`` (the core's
#: default: 2 retries), or ``False`` (no retries).
RetryLike = Union[RetryPolicy, bool, None]
#: What the clients take as ``pace=``: ``False`` (off), ``True`` (Cloudflare's budget, 1,200
#: requests per 300 s per credential), or ``(limit, window_seconds)``.
PaceLike = Union[bool, Tuple[int, float], None]

# Cloudflare's budget, as Pacer.cloudflare() keeps it; used only to forget idle identities.
_CLOUDFLARE_WINDOW = 300.0
# Past this many identities, those idle for a whole window are forgotten.
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
        return Pacing(Pacer.cloudflare, _CLOUDFLARE_WINDOW)
    if isinstance(pace, tuple) and len(pace) == 2:
        limit, window = pace
        Pacer(limit, window)  # checks both now, not at the first send
        return Pacing(lambda: Pacer(limit, window), float(window))
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
    (and safe to share between threads)."""

    def __init__(self, make: Callable[[], Pacer], window: float) -> None:
        self._make = make
        self._window = window
        self._pacers: Dict[str, Tuple[Pacer, float]] = {}
        self._lock = threading.Lock()

    def _reserve(self, request: Request) -> float:
        """Seconds to wait before sending ``request``; 0.0 means go, and the send is recorded."""
        key = _identity(request)
        with self._lock:
            now = time.monotonic()
            entry = self._pacers.get(key)
            pacer = entry[0] if entry is not None else self._make()
            delay = pacer.delay(now)
            if delay <= 0:
                pacer.record(now)
            self._pacers[key] = (pacer, now)
            if len(self._pacers) > _MAX_IDLE_IDENTITIES:
                self._forget_idle(now)
        return delay

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, (_, used) in self._pacers.items() if now - used >= self._window]
        for key in idle:
            del self._pacers[key]

    def wait(self, request: Request) -> None:
        """Sleeps until ``request`` may be sent, and records it."""
        while True:
            delay = self._reserve(request)
            if delay <= 0:
                return
            time.sleep(delay)

    async def wait_async(self, request: Request) -> None:
        """The async counterpart of :meth:`wait`."""
        while True:
            delay = self._reserve(request)
            if delay <= 0:
                return
            await asyncio.sleep(delay)


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
    (:class:`APITimeoutError` stays one), with the request's method and URL."""
    cls = APITimeoutError if isinstance(error, APITimeoutError) else APIConnectionError
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
