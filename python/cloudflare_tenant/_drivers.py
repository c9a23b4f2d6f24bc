"""The drivers: all that differs between the sync and the async client.

A machine of the core (:class:`Call`, :class:`Listing`, :class:`Onboarding`, :class:`Bulk`)
decides everything: what to send, when to resend, how long the pacer or a ``Retry-After`` makes
it wait, when a list or a flow is over. A driver asks its exchange what to do: a ``(slot,
Request)`` to send, seconds to sleep, or the answer it returns (a call's response, a page,
``None`` at the end of a list or a flow, a bulk run's reports). It does it and tells the
exchange what happened, each answer to its slot. One driver per I/O style serves every
machine: the blocking one sends one request at a time; the async one keeps a request in flight
per slot (a bulk run has several), and an answer cuts a wait short; the threaded one does the
same with a blocking transport, for a bulk run of the blocking client given ``threads``.

An exchange hands the machine what the driver cannot: the client's pacers, the clocks, a
jitter, the package's way of raising the core's errors (:class:`Exchange`), and a bulk run's
progress and reports as they come (:class:`BulkExchange`).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import random
import threading
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
    Protocol,
    Tuple,
    TypeVar,
    Union,
)

from ._core import Bulk, Machine, Pacers, Request, parse_response
from ._exceptions import (
    APIConnectionError,
    APITimeoutError,
    CloudflareError,
    OutcomeUnknownError,
    ResponseTooLargeError,
)
from .types import OnboardingReport, Progress

if TYPE_CHECKING:
    from ._transport import AsyncTransport, HTTPResponse, Transport

__all__ = ["Exchange", "BulkExchange", "drive", "drive_async", "drive_threads"]

#: Told where a bulk run is after each answer.
OnProgress = Callable[[Progress], Any]

#: Told each onboarding's report, with its spec's index, as soon as the onboarding is over.
OnReport = Callable[[int, OnboardingReport], Any]

M = TypeVar("M", bound=Machine)


class Exchanging(Protocol):
    """What a driver drives: :class:`Exchange` or :class:`BulkExchange`."""

    #: How many sends may be in flight at once.
    slots: int

    def next(self) -> Any: ...
    def answered(self, slot: int, response: HTTPResponse) -> None: ...
    def failed(self, slot: int, error: APIConnectionError) -> None: ...
    def abandon(self) -> None: ...


def drive(exchange: Exchanging, transport: Transport) -> Any:
    """Runs ``exchange`` with a blocking transport, one send at a time, until its answer."""
    try:
        while True:
            step = exchange.next()
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
            else:
                return step
    except BaseException:
        exchange.abandon()
        raise


def drive_threads(exchange: Exchanging, transport: Transport, threads: int) -> Any:
    """Runs ``exchange`` with a blocking transport, up to ``threads`` sends in flight at once
    (one per slot), each sent from a thread of its own; an answer cuts a wait short. When the
    run stops (Ctrl-C, an error), the sends in flight still finish (a thread cannot be cut
    short) and their answers are fed, since one may be the only time the API shows a secret; a
    second stop ends that wait. The threads are daemons: they do not hold the process."""
    answers: queue.SimpleQueue[Tuple[int, Any]] = queue.SimpleQueue()
    in_flight = 0

    def send(slot: int, request: Request) -> None:
        try:
            answers.put((slot, transport.send(request)))
        except BaseException as error:  # handed to the driver, which raises it
            answers.put((slot, error))

    def take(timeout: Optional[float]) -> None:
        nonlocal in_flight
        try:
            slot, answer = answers.get(timeout=timeout)
        except queue.Empty:
            return
        in_flight -= 1
        if isinstance(answer, APIConnectionError):
            exchange.failed(slot, answer)
        elif isinstance(answer, BaseException):
            raise answer
        else:
            exchange.answered(slot, answer)

    try:
        while True:
            busy = in_flight >= min(exchange.slots, threads)
            step = None if busy else exchange.next()
            if isinstance(step, tuple):
                # Counted before it starts: a stop landing in start() still waits for its
                # answer, unless the thread surely never ran.
                thread = threading.Thread(target=send, args=step, daemon=True)
                in_flight += 1
                try:
                    thread.start()
                except BaseException:
                    if thread.ident is None:
                        in_flight -= 1
                    raise
            elif isinstance(step, float) and not in_flight:
                time.sleep(step)
            elif busy or isinstance(step, float):
                take(None if busy else step)
            else:
                return step
    except BaseException:
        try:
            while in_flight:
                with contextlib.suppress(Exception):
                    take(None)
        finally:
            exchange.abandon()
        raise


async def drive_async(exchange: Exchanging, transport: AsyncTransport) -> Any:
    """Runs ``exchange`` with an async transport until its answer: every send handed out at
    once (at most one in flight per slot), a wait ending early when an answer comes back, each
    answer fed to its slot. Whatever is raised (a cancellation, a transport's other error, a
    callback's), the sends in flight are cancelled and their places freed."""
    in_flight: Dict[asyncio.Task[Any], int] = {}
    try:
        while True:
            busy = len(in_flight) >= exchange.slots
            step = None if busy else exchange.next()
            if isinstance(step, tuple):
                slot, request = step
                in_flight[asyncio.ensure_future(transport.send(request))] = slot
            elif isinstance(step, float) and not in_flight:
                await asyncio.sleep(step)
            elif busy or isinstance(step, float):
                done, _ = await asyncio.wait(
                    in_flight, timeout=None if busy else step, return_when=asyncio.FIRST_COMPLETED
                )
                for task in done:
                    slot = in_flight.pop(task)
                    try:
                        response = task.result()
                    except APIConnectionError as error:
                        exchange.failed(slot, error)
                    else:
                        exchange.answered(slot, response)
            else:
                return step
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
        exchange.abandon()
        raise


class BulkExchange:
    """The core's bulk machine with the client's pacers, the clocks and a jitter, as
    :class:`Exchange` has them; each send and answer tagged with its slot. ``on_progress`` is
    told where the run is after each answer, ``on_report`` each report as its onboarding ends
    (and, when the run is abandoned, those of the onboardings it cut short); what they raise
    stops the run. Its answer is the run's reports."""

    __slots__ = ("bulk", "slots", "_pacers", "_on_progress", "_on_report", "_told", "_answered")

    def __init__(
        self,
        bulk: Bulk,
        pacers: Pacers,
        on_progress: Optional[OnProgress] = None,
        on_report: Optional[OnReport] = None,
    ) -> None:
        self.bulk = bulk
        self.slots = bulk.slots
        self._pacers = pacers
        self._on_progress = on_progress
        self._on_report = on_report
        #: How many of the onboardings over were told.
        self._told = 0
        self._answered = False

    def next(self) -> Union[Tuple[int, Request], float, List[OnboardingReport]]:
        """``(slot, Request)`` to send, seconds to wait, or the reports when all are over."""
        step = self.bulk.next(self._pacers, time.monotonic(), time.time())
        self._tell()
        if self._answered and self._on_progress is not None:
            self._on_progress(self.bulk.progress())
        self._answered = False
        if step is None:
            # One report per spec, in order: the run is over, none is missing.
            return [report for report in self.bulk.reports() if report is not None]
        return step

    def answered(self, slot: int, response: HTTPResponse) -> None:
        """The transport's response to the last request of ``slot``; one that cannot be read
        (not a ``(status, headers, body)``) raises (the driver then frees every place)."""
        self._answered = True
        status, headers, body = response
        now, wall = time.monotonic(), time.time()
        self.bulk.feed(slot, self._pacers, status, headers, body, now, wall, random.random())

    def failed(self, slot: int, error: APIConnectionError) -> None:
        """The transport raised ``error`` for the last request of ``slot``: no response came."""
        self._answered = True
        now, wall = time.monotonic(), time.time()
        self.bulk.feed_failure(
            slot, self._pacers, error.sent, str(error), now, wall, random.random()
        )

    def abandon(self) -> None:
        """The run was cancelled or raised: the places of the sends in flight are freed, and the
        onboardings under way end with what they did; ``on_report`` is told their reports (a
        checkpoint for the next run: an account made just before the end is in it)."""
        self.bulk.abandon(self._pacers, time.monotonic())
        self._tell()

    def _tell(self) -> None:
        """Tells ``on_report`` the reports of the onboardings over since it was last told."""
        if self._on_report is None:
            return
        indexes = self.bulk.over(self._told)
        self._told += len(indexes)
        for index in indexes:
            report = self.bulk.report(index)
            if report is not None:  # every onboarding over has its report
                self._on_report(index, report)


class Exchange(Generic[M]):
    """A machine of the core, with the client's pacers, ``time.monotonic()`` for pacing and
    waits, ``time.time()`` for ``Retry-After`` dates and ``random.random()`` as the jitter.

    The core's error comes out of :meth:`next` with the last attempt as its cause: the
    transport's failure, or what the server said when a ``POST``'s outcome is unknown."""

    __slots__ = ("machine", "_pacers", "_last")

    #: One send at a time.
    slots = 1

    def __init__(self, machine: M, pacers: Pacers) -> None:
        self.machine = machine
        self._pacers = pacers
        self._last: Union[HTTPResponse, APIConnectionError, None] = None

    def next(self) -> Any:
        """``(0, Request)`` to send, seconds to sleep, or the machine's answer."""
        try:
            step = self.machine.next(self._pacers, time.monotonic(), time.time())
        except CloudflareError as error:
            self._raise(error)
        return (0, step) if isinstance(step, Request) else step

    def answered(self, slot: int, response: HTTPResponse) -> None:
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

    def failed(self, slot: int, error: APIConnectionError) -> None:
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
