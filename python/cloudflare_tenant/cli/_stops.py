"""How a run stops: Ctrl-C or SIGTERM, at a point where nothing is lost.

The API shows some things once: a token's value, a service user's key, and the answer that
says which account a create made. A stop that cut a request short would lose its answer, and a
stop in the middle of writing would leave half a line. So a stop asked for during a send lets
that request finish (the run stops right after its answer is kept; a second Ctrl-C stops at
once), and one asked for during a write waits for the write's end."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from types import FrameType
from typing import Iterator, List, Optional

from .._core import Request
from .._transport import HTTPResponse, Transport

__all__ = ["FinishingTransport", "stop_on_term", "whole_lines"]

#: The signals that stop a run.
STOPS = [s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)) if s is not None]


def stop_on_term() -> None:
    """SIGTERM stops a run as Ctrl-C does, and Ctrl-C works even when the shell started the
    command with it ignored."""

    def stop(signum: int, frame: Optional[FrameType]) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)
    if sys.platform != "win32":
        signal.signal(signal.SIGTERM, stop)


@contextlib.contextmanager
def whole_lines() -> Iterator[None]:
    """Holds a stop while a customer's lines are written, so that no file ends in half a line
    and no secret is kept without its report line; the stop comes right after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: List[int] = []

    def hold(signum: int, frame: Optional[FrameType]) -> None:
        caught.append(signum)

    previous = {stop: signal.signal(stop, hold) for stop in STOPS}
    try:
        yield
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)
        if caught:
            signal.raise_signal(caught[0])  # to the handler it was meant for


class FinishingTransport:
    """A transport that lets the request in flight finish when a stop is asked for during its
    send: the stop is noted, and :meth:`stop_if_asked`, called once the answer is kept, raises
    it. A second stop during the send raises at once."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.asked = False

    def send(self, request: Request) -> HTTPResponse:
        if threading.current_thread() is not threading.main_thread():
            return self.inner.send(request)

        def note(signum: int, frame: Optional[FrameType]) -> None:
            if self.asked:
                raise KeyboardInterrupt
            self.asked = True

        previous = {stop: signal.signal(stop, note) for stop in STOPS}
        try:
            return self.inner.send(request)
        finally:
            for stop, handler in previous.items():
                signal.signal(stop, handler)

    def stop_if_asked(self) -> None:
        """Raises the stop asked for during the last send, now that its answer is kept."""
        if self.asked:
            raise KeyboardInterrupt

    def close(self) -> None:
        self.inner.close()
