"""The drivers: all that differs between the sync and the async client.

A machine of the core (:class:`Call`, :class:`Listing`, :class:`Onboarding`) decides everything:
what to send, when to resend, how long the pacer or a ``Retry-After`` makes it wait, when a
list is over. A driver asks it what to do, does it (sends with the transport, or sleeps), tells
it what happened, and returns at the first answer: a call's response, a page, or ``None`` at the
end of a list or a flow. :class:`Exchange` hands the machine what the driver cannot: the
client's pacers, the clocks, a jitter, and the package's way of raising the core's errors.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar, Union

from ._core import parse_response
from ._exceptions import (
    APIConnectionError,
    APITimeoutError,
    CloudflareError,
    OutcomeUnknownError,
    ResponseTooLargeError,
)
from ._native import Machine, Pacers, Request

if TYPE_CHECKING:
    from ._transport import AsyncTransport, HTTPResponse, Transport

__all__ = ["Exchange", "drive", "drive_async"]

M = TypeVar("M", bound=Machine)


def drive(exchange: Exchange[Any], transport: Transport) -> Any:
    """Runs ``exchange`` with a blocking transport until its next answer."""
    while True:
        step = exchange.next()
        if isinstance(step, float):
            time.sleep(step)
        elif isinstance(step, Request):
            try:
                response = transport.send(step)
            except APIConnectionError as error:
                exchange.failed(error)
            except BaseException:
                exchange.abandon()
                raise
            else:
                exchange.answered(response)
        else:
            return step


async def drive_async(exchange: Exchange[Any], transport: AsyncTransport) -> Any:
    """Runs ``exchange`` with an async transport until its next answer."""
    while True:
        step = exchange.next()
        if isinstance(step, float):
            await asyncio.sleep(step)
        elif isinstance(step, Request):
            try:
                response = await transport.send(step)
            except APIConnectionError as error:
                exchange.failed(error)
            except BaseException:
                exchange.abandon()
                raise
            else:
                exchange.answered(response)
        else:
            return step


class Exchange(Generic[M]):
    """A machine of the core, with the client's pacers, ``time.monotonic()`` for pacing and
    waits, ``time.time()`` for ``Retry-After`` dates and ``random.random()`` as the jitter.

    The core's error comes out of :meth:`next` with the last attempt as its cause: the
    transport's failure, or what the server said when a ``POST``'s outcome is unknown."""

    __slots__ = ("machine", "_pacers", "_last")

    def __init__(self, machine: M, pacers: Pacers) -> None:
        self.machine = machine
        self._pacers = pacers
        self._last: Union[HTTPResponse, APIConnectionError, None] = None

    def next(self) -> Any:
        """A :class:`Request` to send, seconds to sleep, or the machine's answer."""
        try:
            return self.machine.next(self._pacers, time.monotonic(), time.time())
        except CloudflareError as error:
            self._raise(error)

    def answered(self, response: HTTPResponse) -> None:
        """The transport's response to the last request. One that cannot be read (not a
        ``(status, headers, body)``) frees the request's place, then raises."""
        self._last = response
        try:
            status, headers, body = response
            now, wall = time.monotonic(), time.time()
            self.machine.feed(self._pacers, status, headers, body, now, wall, random.random())
        except BaseException:
            self.abandon()
            raise

    def failed(self, error: APIConnectionError) -> None:
        """The transport raised ``error``: no response came."""
        error.operation = self.machine.operation
        error._view["operation"] = error.operation
        self._last = error
        now, wall = time.monotonic(), time.time()
        self.machine.feed_failure(self._pacers, error.sent, str(error), now, wall, random.random())

    def abandon(self) -> None:
        """The send was cancelled or raised something else: its place in the budget is freed."""
        self.machine.abandon(self._pacers, time.monotonic())

    def _raise(self, error: CloudflareError) -> NoReturn:
        last = self._last
        if isinstance(last, APIConnectionError):
            if isinstance(error, APIConnectionError):
                raise _as_transport_error(error, last) from last
            raise error from last
        if isinstance(error, OutcomeUnknownError) and last is not None:
            try:
                parse_response(self.machine.operation, *last)
            except CloudflareError as said:
                raise error from said
        raise error


def _as_transport_error(final: APIConnectionError, last: APIConnectionError) -> APIConnectionError:
    """The core gave up on the transport: its error, as the transport's class
    (:class:`APITimeoutError` and :class:`ResponseTooLargeError` stay one), with the request's
    method and URL."""
    cls = next(
        c
        for c in (ResponseTooLargeError, APITimeoutError, APIConnectionError)
        if isinstance(last, c)
    )
    return cls(
        final.message,
        operation=final.operation or last.operation,
        method=last.method,
        url=last.url,
        sent=last.sent,
    )
