"""The drivers: all that differs between the sync and the async client.

A machine of the core (:class:`Call`, :class:`Listing`, :class:`Onboarding`) decides everything:
what to send, when to resend, how long the pacer or a ``Retry-After`` makes it wait, when a
list is over. A driver asks it what to do, does it (sends with the transport, or sleeps), tells
it what happened, and returns at the first answer: a call's response, a page, or ``None`` at the
end of a list or a flow. :class:`Exchange` hands the machine what the driver cannot: the
client's pacers, the clocks, a jitter, and the package's way of raising the core's errors.

The bulk machine (:class:`Bulk`, many onboardings) is driven alike through :class:`BulkExchange`,
each send tagged with its slot: the blocking driver sends one at a time, the async driver keeps
several in flight and feeds each answer to its slot as it comes. Each onboarding's report can be
handed on as soon as it is over (``on_report``), so that a host can keep it before the run ends.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Generic,
    List,
    NoReturn,
    Optional,
    Tuple,
    TypeVar,
    Union,
)

from ._core import parse_response
from ._exceptions import (
    APIConnectionError,
    APITimeoutError,
    CloudflareError,
    OutcomeUnknownError,
    ResponseTooLargeError,
)
from ._native import Bulk, Machine, Pacers, Request
from .types import OnboardingReport, Progress

if TYPE_CHECKING:
    from ._transport import AsyncTransport, HTTPResponse, Transport

__all__ = ["Exchange", "BulkExchange", "drive", "drive_async", "drive_bulk", "drive_bulk_async"]

#: Told where a bulk run is after each answer.
OnProgress = Callable[[Progress], Any]

#: Told each onboarding's report, with its spec's index, as soon as the onboarding is over.
OnReport = Callable[[int, OnboardingReport], Any]

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


def drive_bulk(
    exchange: BulkExchange,
    transport: Transport,
    on_progress: Optional[OnProgress] = None,
    on_report: Optional[OnReport] = None,
) -> List[OnboardingReport]:
    """Runs a bulk run with a blocking transport, one send at a time, to its reports;
    ``on_progress`` is told where the run is after each answer, ``on_report`` each report as
    its onboarding ends."""
    answered = False
    try:
        while True:
            step = exchange.next()
            if on_report is not None:
                for index, report in exchange.newly_over():
                    on_report(index, report)
            if answered and on_progress is not None:
                on_progress(exchange.progress())
            answered = False
            if isinstance(step, float):
                time.sleep(step)
            elif isinstance(step, tuple):
                slot, request = step
                try:
                    response = transport.send(request)
                except APIConnectionError as error:
                    exchange.failed(slot, error)
                else:
                    exchange.answered(slot, response)
                answered = True
            else:
                return exchange.reports()
    except BaseException:
        _cut_short(exchange, on_report)
        raise


async def drive_bulk_async(
    exchange: BulkExchange,
    transport: AsyncTransport,
    on_progress: Optional[OnProgress] = None,
    on_report: Optional[OnReport] = None,
) -> List[OnboardingReport]:
    """Runs a bulk run with an async transport, every send handed out at once (at most one per
    slot in flight): a wait lasts until it ends or an answer comes back, whichever is first, and
    each answer is fed to its slot. Whatever is raised (a cancellation, a transport's other
    error, ``on_progress``'s), the sends in flight are cancelled and their places freed."""
    in_flight: Dict[asyncio.Task[Any], int] = {}
    answered = False
    try:
        while True:
            step = exchange.next()
            if on_report is not None:
                for index, report in exchange.newly_over():
                    on_report(index, report)
            if answered and on_progress is not None:
                on_progress(exchange.progress())
            answered = False
            if isinstance(step, tuple):
                slot, request = step
                in_flight[asyncio.ensure_future(transport.send(request))] = slot
            elif isinstance(step, float):
                if not in_flight:
                    await asyncio.sleep(step)
                    continue
                done, _ = await asyncio.wait(
                    in_flight, timeout=step, return_when=asyncio.FIRST_COMPLETED
                )
                for task in done:
                    slot = in_flight.pop(task)
                    try:
                        response = task.result()
                    except APIConnectionError as error:
                        exchange.failed(slot, error)
                    else:
                        exchange.answered(slot, response)
                    answered = True
            else:
                return exchange.reports()
    except BaseException:
        for task in in_flight:
            task.cancel()
        if in_flight:
            # Let them end (their transports close what they opened) before giving up, and
            # read what each ended with: nobody else will.
            await asyncio.wait(in_flight)
            for task in in_flight:
                if not task.cancelled():
                    task.exception()
        _cut_short(exchange, on_report)
        raise


def _cut_short(exchange: BulkExchange, on_report: Optional[OnReport]) -> None:
    """The run was cancelled or raised: the places of the sends in flight are freed, and the
    onboardings under way end with what they did. ``on_report`` is told their reports (a
    checkpoint for the next run: an account made just before the end is in it); the core
    counts those never started as over by no one."""
    exchange.abandon()
    if on_report is not None:
        for index, report in exchange.newly_over():
            on_report(index, report)


class BulkExchange:
    """The core's bulk machine with the client's pacers, the clocks and a jitter, as
    :class:`Exchange` has them; each send and answer tagged with its slot."""

    __slots__ = ("bulk", "_pacers", "_told")

    def __init__(self, bulk: Bulk, pacers: Pacers) -> None:
        self.bulk = bulk
        self._pacers = pacers
        #: How many of the onboardings over were told.
        self._told = 0

    def next(self) -> Union[Tuple[int, Request], float, None]:
        """``(slot, Request)`` to send, seconds to wait, or ``None`` when all are over."""
        return self.bulk.next(self._pacers, time.monotonic(), time.time())

    def answered(self, slot: int, response: HTTPResponse) -> None:
        """The transport's response to the last request of ``slot``; one that cannot be read
        (not a ``(status, headers, body)``) raises (the driver then frees every place)."""
        status, headers, body = response
        now, wall = time.monotonic(), time.time()
        self.bulk.feed(slot, self._pacers, status, headers, body, now, wall, random.random())

    def failed(self, slot: int, error: APIConnectionError) -> None:
        """The transport raised ``error`` for the last request of ``slot``: no response came."""
        now, wall = time.monotonic(), time.time()
        self.bulk.feed_failure(
            slot, self._pacers, error.sent, str(error), now, wall, random.random()
        )

    def abandon(self) -> None:
        """The run was cancelled or raised: the places of the sends in flight are freed."""
        self.bulk.abandon(self._pacers, time.monotonic())

    def progress(self) -> Progress:
        return self.bulk.progress()

    def reports(self) -> List[OnboardingReport]:
        """One report per spec, in order (the run is over: none is missing)."""
        return [report for report in self.bulk.reports() if report is not None]

    def newly_over(self) -> List[Tuple[int, OnboardingReport]]:
        """The reports of the onboardings over since the last call, with their specs' indexes,
        in the order they ended."""
        indexes = self.bulk.over(self._told)
        self._told += len(indexes)
        reports = ((index, self.bulk.report(index)) for index in indexes)
        # Every onboarding over has its report.
        return [(index, report) for index, report in reports if report is not None]


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
