"""The sans-IO surface: build a request, read a response, credentials, the retry policy, and the
core's machines (:class:`Call`, :class:`Listing`, :class:`Onboarding`, :class:`Bulk`) for a
driver to run. No I/O happens here.

The native module converts values and runs the core; what it hands back is the core's own
JSON text, read here with :func:`json.loads`. A result never crosses from Rust: once the core
has checked a response, its ``result`` is read from the body as received (CPython's parser
builds objects faster than any crossing could), and the fields the core names secret are
wrapped in :class:`Secret`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from . import _native
from ._exceptions import _from_native
from ._native import CORE_VERSION, Request, build_request
from ._secret import Secret
from .types import OnboardingReport, OperationInfo, PageStop, ParsedResponse, Progress

__all__ = [
    "Credentials",
    "Request",
    "RetryPolicy",
    "Pacers",
    "Machine",
    "Call",
    "Listing",
    "Onboarding",
    "Bulk",
    "build_request",
    "parse_response",
    "operations",
    "CORE_VERSION",
    "DEFAULT_BASE_URL",
    "USER_AGENT",
]

DEFAULT_BASE_URL: str = _native.DEFAULT_BASE_URL
#: The ``User-Agent`` the clients send unless told otherwise.
USER_AGENT: str = f"cloudflare-tenant-python/{CORE_VERSION}"

_Body = Union[bytes, bytearray, memoryview, str, None]
_CredentialsLike = Union["Credentials", Mapping[str, Union[str, Secret]]]


def operations() -> List[OperationInfo]:
    """Every operation: ``[{"name", "method", "paginated", "secret_fields"}]``, in the order of
    the API reference. ``secret_fields`` names the result fields that hold secrets."""
    ops: List[OperationInfo] = json.loads(_native.operations())
    return ops


def parse_response(
    operation: str,
    status: int,
    headers: Any = None,
    body: Optional[Any] = None,
) -> ParsedResponse:
    """Reads the response to ``operation``: ``{"result", "result_info", "messages"}``, plain
    dicts and lists with the API's field names (``result_info`` is ``None`` when the response
    had none). Raises :class:`APIError` (by status), :class:`ResponseDecodeError` or
    :class:`UnknownOperationError`.

    ``headers`` may be a dict, anything with ``items()`` (``httpx.Headers``,
    ``http.client.HTTPMessage``) or ``(name, value)`` pairs; ``body`` is ``bytes``, ``str`` or
    ``None``. Secret fields (the ``api_key`` of ``users.create``) come back as :class:`Secret`.
    """
    body = _bytes(body)
    checked = _native.check_response(operation, _status(status), _pairs(headers), body)
    info, messages, fields = checked
    return {
        "result": _secrets(_result(body), fields),
        "result_info": None if info is None else json.loads(info),
        "messages": [] if messages is None else json.loads(messages),
    }


def _status(status: int) -> int:
    """An HTTP status as the native module reads it: an ``int``, one past ``u16`` as 65536."""
    if status.__class__ is int and 0 <= status <= 65535:
        return status
    if isinstance(status, bool) or not isinstance(status, int):
        raise TypeError("status must be an int")
    return min(max(status, -1), 65536)


def _pairs(headers: Any) -> Any:
    """Headers as ``(name, value)`` pairs: from a dict, an object with ``items()``
    (``httpx.Headers``, ``http.client.HTTPMessage``), or pairs."""
    if not headers:
        return []
    pairs = headers.items() if hasattr(headers, "items") else headers
    return [(_bytes(name), _bytes(value)) for name, value in pairs]


def _bytes(body: Any) -> Any:
    """A body, a header's name or value, as the native module reads it: ``bytes`` (a ``str``
    as UTF-8)."""
    if isinstance(body, str):
        return body.encode()
    return bytes(body) if isinstance(body, (bytearray, memoryview)) else body


def _answer(view: Dict[str, Any], body: Optional[bytes]) -> ParsedResponse:
    """A checked answer: its result read from ``body`` (a repeated page's: none new)."""
    result = _result(body) if view.get("fresh", True) else []
    return {
        "result": _secrets(result, view["secret_fields"]),
        "result_info": view.get("result_info"),
        "messages": view["messages"],
    }


def _result(body: Optional[bytes]) -> Any:
    """The ``result`` of a body the core has checked."""
    envelope = json.loads(body or b"null")
    return envelope.get("result") if isinstance(envelope, dict) else None


def _secrets(value: Any, fields: Sequence[str]) -> Any:
    """Wraps the string values of ``fields`` (or ``value`` itself, when the core says the
    whole result is the secret) in :class:`Secret`; in each item of a list."""
    if isinstance(value, list) and fields:
        for item in value:
            _secrets(item, fields)
    elif isinstance(value, dict):
        for field in fields:
            if isinstance(value.get(field), str):
                value[field] = Secret(value[field])
    elif isinstance(value, str) and _native.WHOLE_RESULT in fields:
        return Secret(value)
    return value


def _report(text: Optional[str]) -> Any:
    return None if text is None else _secrets(json.loads(text), _native.REPORT_SECRET_FIELDS)


class Credentials:
    """How a request proves who sends it. Its repr never shows the secret. Made with
    :meth:`api_token`, :meth:`global_key`, :meth:`user_service_key`, :meth:`from_dict` or
    :meth:`from_environment`, all checked by the core."""

    __slots__ = ("_kind", "_header_names", "_fields")

    def __init__(self, view: Tuple[str, List[str], str]) -> None:
        self._kind, self._header_names, fields = view
        self._fields: Dict[str, str] = json.loads(fields)

    @staticmethod
    def api_token(token: Union[str, Secret]) -> Credentials:
        """An API token, sent as ``Authorization: Bearer <token>``."""
        return Credentials.from_dict({"api_token": _text(token, "token")})

    @staticmethod
    def global_key(email: str, key: Union[str, Secret]) -> Credentials:
        """An account e-mail and its global API key (``X-Auth-Email`` + ``X-Auth-Key``)."""
        fields = {"api_email": _text(email, "email"), "api_key": _text(key, "key")}
        return Credentials.from_dict(fields)

    @staticmethod
    def user_service_key(key: Union[str, Secret]) -> Credentials:
        """A user service key (``X-Auth-User-Service-Key``), e.g. a created user's ``api_key``."""
        return Credentials.from_dict({"user_service_key": _text(key, "key")})

    @staticmethod
    def from_dict(value: Mapping[str, Union[str, Secret]]) -> Credentials:
        """Reads ``{"api_token"}``, ``{"api_email", "api_key"}`` or ``{"user_service_key"}``."""
        view = _native.credentials(value, None)
        assert view is not None
        return Credentials(view)

    @staticmethod
    def from_environment(environ: Mapping[str, str]) -> Optional[Credentials]:
        """Credentials from the conventional environment variables, looked up in ``environ``
        (``os.environ``, or any mapping of ``str`` to ``str``); ``None`` when there are none.
        Which variables, in which order, and what counts as set are the core's; a bad value
        raises its :class:`ValidationError`, naming the variable."""
        if not isinstance(environ, Mapping):
            raise TypeError("environ must be a mapping (os.environ)")
        given: Dict[str, str] = {}
        for name in _native.ENV_NAMES:
            value = environ.get(name)
            if value is not None and not isinstance(value, str):
                raise TypeError(f"environ[{name!r}] must be a str")
            if value is not None:
                given[name] = value
        view = _native.credentials(None, given)
        return None if view is None else Credentials(view)

    @property
    def kind(self) -> str:
        """``api_token``, ``global_key`` or ``user_service_key``."""
        return self._kind

    @property
    def header_names(self) -> List[str]:
        """The names of the headers these credentials set (lower-case)."""
        return list(self._header_names)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Credentials):
            return NotImplemented
        return self._fields == other._fields

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        email = f"{self._fields['api_email']!r}, " if "api_email" in self._fields else ""
        return f"Credentials.{self._kind}({email}***)"


def _text(value: Union[str, Secret], name: str) -> str:
    """A ``str`` argument, or a :class:`Secret`'s value."""
    value = value.expose() if isinstance(value, Secret) else value
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str or a Secret")
    return value


_POLICY_FIELDS = ("max_retries", "initial_backoff", "max_backoff", "max_retry_after")


class RetryPolicy:
    """How persistent the clients are: ``max_retries`` after the first attempt, backoffs
    (seconds) doubling from ``initial_backoff`` up to ``max_backoff``, and the longest
    server-requested wait (``max_retry_after``) before a call fails instead. ``None`` takes
    the core's default (2 retries, 0.5 s doubling to 8 s, server waits up to 120 s)."""

    __slots__ = ("_fields",)

    def __init__(
        self,
        max_retries: Optional[int] = None,
        initial_backoff: Optional[float] = None,
        max_backoff: Optional[float] = None,
        max_retry_after: Optional[float] = None,
    ) -> None:
        given = (max_retries, initial_backoff, max_backoff, max_retry_after)
        if any(isinstance(v, bool) or not isinstance(v, (int, float, type(None))) for v in given):
            raise TypeError("a retry policy's fields are numbers or None")
        fields = dict(zip(_POLICY_FIELDS, given))
        self._fields: Dict[str, Any] = json.loads(_native.retry_policy(fields))

    @staticmethod
    def none() -> RetryPolicy:
        """A policy that never retries (the core's other decisions still apply: a ``POST``
        that got a 5xx is an unknown outcome)."""
        return RetryPolicy(0)

    @property
    def max_retries(self) -> int:
        """Retries after the first attempt."""
        return int(self._fields["max_retries"])

    @property
    def initial_backoff(self) -> float:
        """The first backoff, in seconds."""
        return float(self._fields["initial_backoff"])

    @property
    def max_backoff(self) -> float:
        """The longest backoff, in seconds."""
        return float(self._fields["max_backoff"])

    @property
    def max_retry_after(self) -> float:
        """The longest wait a server may ask for, in seconds; past it the call fails."""
        return float(self._fields["max_retry_after"])

    def backoff(self, retry: int, jitter: float = 0.0) -> float:
        """The backoff before retry number ``retry`` (from 0), in seconds, shortened by up to
        a quarter by ``jitter`` in ``[0, 1)``."""
        return _native.backoff(self._fields, retry, jitter)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RetryPolicy):
            return NotImplemented
        return self._fields == other._fields

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={self._fields[name]!r}" for name in _POLICY_FIELDS)
        return f"RetryPolicy({fields})"


def _policy(policy: Optional[RetryPolicy]) -> Optional[Dict[str, Any]]:
    return None if policy is None else policy._fields


class Pacers:
    """The pacers of one client: each identity (credential) has its own budget of at most
    ``limit`` sends in any ``window`` seconds, counted on the wire, shared by all the client's
    calls, lists and onboardings. Safe to share between threads."""

    __slots__ = ("_pacers",)

    def __init__(self, limit: int, window: float) -> None:
        self._pacers = _native.Pacers(limit, window)

    @staticmethod
    def off() -> Pacers:
        """No pacing: every send goes at once."""
        pacers = Pacers.__new__(Pacers)
        pacers._pacers = _native.Pacers()
        return pacers

    @staticmethod
    def cloudflare() -> Pacers:
        """Cloudflare's documented budget: 1,200 requests per 300 seconds for each identity."""
        return Pacers(*_native.CLOUDFLARE_BUDGET)

    @property
    def budget(self) -> Optional[Tuple[int, float]]:
        """``(limit, window_seconds)``, or ``None`` when not pacing."""
        return self._pacers.budget

    def __repr__(self) -> str:
        budget = self.budget
        if budget is None:
            return "Pacers.off()"
        return f"Pacers(limit={budget[0]}, window={budget[1]!r})"


def _random(random: Optional[bytes], count: int) -> bytes:
    """The host's random bytes for idempotency keys (the core checks how many): ``random``,
    or ``os.urandom(count)``."""
    return os.urandom(count) if random is None else random


class _Driven:
    """A machine of the core and the body last fed (an answer's result is read from it)."""

    __slots__ = ("_machine", "_body")

    def __init__(self, machine: _native.Machine) -> None:
        self._machine = machine
        self._body: Optional[bytes] = None

    @property
    def operation(self) -> str:
        """The operation's dotted name (``onboarding`` for the flows)."""
        return self._machine.operation

    def _next(self, pacers: Pacers, now: float, wall: float) -> Tuple[int, Any]:
        """The core's next step: ``(slot, Request)``, ``(0, seconds)``, ``(0, answer)``, or
        ``(0, None)`` at the end; an error is raised."""
        step = self._machine.next(pacers._pacers, (now, wall))
        if isinstance(step, tuple):
            return step
        ((tag, step),) = json.loads(step).items()
        if tag == "sleep":
            return 0, float(step)
        if tag == "error":
            raise _from_native(step)
        if "messages" in step:
            return 0, _answer(step, self._body)
        self._end(step)
        return 0, None

    def _end(self, done: Dict[str, Any]) -> None:
        pass

    def _feed(
        self,
        slot: int,
        pacers: Pacers,
        status: int,
        headers: Any,
        body: _Body,
        now: float,
        wall: float,
        jitter: float,
    ) -> None:
        self._body = _bytes(body)
        at = (now, wall, jitter)
        status, pairs = _status(status), _pairs(headers)
        self._machine.feed(slot, pacers._pacers, at, status, pairs, self._body, None)

    def _failed(
        self,
        slot: int,
        pacers: Pacers,
        sent: bool,
        message: str,
        now: float,
        wall: float,
        jitter: float,
    ) -> None:
        at = (now, wall, jitter)
        self._machine.feed(slot, pacers._pacers, at, 0, [], None, (sent, message))

    def abandon(self, pacers: Pacers, now: float) -> None:
        """Gives up (the send was cancelled or raised): frees the places of the sends in
        flight."""
        self._machine.abandon(pacers._pacers, now)


class Machine(_Driven):
    """How :class:`Call`, :class:`Listing` and :class:`Onboarding` are driven: ``next(pacers,
    now, wall)`` gives a :class:`Request` to send (then ``feed`` the response, or
    ``feed_failure``), seconds to sleep (a ``float``, then ask again), an answer
    (``{"result", "result_info", "messages"}``), or ``None`` at the end; a failed call or page
    raises its error. ``now`` is ``time.monotonic()``, ``wall`` is ``time.time()`` and
    ``jitter`` a random number in ``[0, 1)``."""

    __slots__ = ()

    def next(
        self, pacers: Pacers, now: float, wall: float
    ) -> Union[Request, float, ParsedResponse, None]:
        """What to do now: a :class:`Request`, seconds to sleep, an answer, or ``None``."""
        step: Union[Request, float, ParsedResponse, None] = self._next(pacers, now, wall)[1]
        return step

    def feed(
        self,
        pacers: Pacers,
        status: int,
        headers: Any,
        body: _Body,
        now: float,
        wall: float,
        jitter: float,
    ) -> None:
        """The response to the last :class:`Request`; a large body is checked with the GIL
        released."""
        self._feed(0, pacers, status, headers, body, now, wall, jitter)

    def feed_failure(
        self, pacers: Pacers, sent: bool, message: str, now: float, wall: float, jitter: float
    ) -> None:
        """No response came to the last :class:`Request`: it never left (``sent=False``:
        connection refused) or may have (``sent=True``: a timeout, a reset)."""
        self._failed(0, pacers, sent, message, now, wall, jitter)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(operation={self.operation!r})"


class Call(Machine):
    """One call of an operation: the request is built (and the input checked) now; retries and
    pacing are the core's. ``next`` ends with the answer (or raises the call's error).
    ``random``: 16 random bytes (default ``os.urandom(16)``), whence the core makes the
    idempotency key of an operation that takes one (``accounts.create``) when ``params`` holds
    none; every resend carries it."""

    __slots__ = ()

    def __init__(
        self,
        operation: str,
        params: Optional[Mapping[str, Any]] = None,
        credentials: Optional[_CredentialsLike] = None,
        policy: Optional[RetryPolicy] = None,
        base_url: Optional[str] = None,
        user_agent: Optional[str] = None,
        random: Optional[bytes] = None,
    ) -> None:
        random = _random(random, 16)
        policy_fields = _policy(policy)
        super().__init__(
            _native.Machine(
                "call", operation, params, credentials, policy_fields, base_url, user_agent, random,
                None,
            )
        )

    def next(
        self, pacers: Pacers, now: float, wall: float
    ) -> Union[Request, float, ParsedResponse]:
        step: Union[Request, float, ParsedResponse] = self._next(pacers, now, wall)[1]
        return step


class Listing(Machine):
    """Every page of a paginated list: one call per page, each paced and retried, the core
    deciding when to stop. Each page is an answer whose ``result`` holds its new items;
    ``None`` comes at the end (see :attr:`stop`)."""

    __slots__ = ("_stop",)

    def __init__(
        self,
        operation: str,
        params: Optional[Mapping[str, Any]] = None,
        credentials: Optional[_CredentialsLike] = None,
        policy: Optional[RetryPolicy] = None,
        base_url: Optional[str] = None,
        user_agent: Optional[str] = None,
        max_pages: Optional[int] = None,
    ) -> None:
        if max_pages is not None and (
            isinstance(max_pages, bool) or not isinstance(max_pages, int)
        ):
            raise TypeError("max_pages must be an int or None")
        # What is not a u32 is refused by the core as 0 is.
        cap = None if max_pages is None else max_pages if 0 < max_pages < 2**32 else 0
        policy_fields = _policy(policy)
        super().__init__(
            _native.Machine(
                "list", operation, params, credentials, policy_fields, base_url, user_agent, b"",
                None if cap is None else float(cap),
            )
        )
        self._stop: Optional[PageStop] = None

    @property
    def stop(self) -> Optional[PageStop]:
        """Why it stopped, once it has: ``{"reason", "message", "anomaly", ...}``; ``anomaly``
        is true when the listing may be incomplete (a repeated page, the page cap)."""
        return self._stop

    def _end(self, done: Dict[str, Any]) -> None:
        self._stop = done.get("stop")


class Onboarding(Machine):
    """Onboards one customer: the core's flow (find or create the account by name, resolve
    roles, invite members, create the service user and accept its invitation), which never
    resends a create whose outcome is unknown without looking first, but the account's: it
    carries an idempotency key made from ``random`` (16 bytes, default ``os.urandom(16)``), the
    same on every resend. ``None`` from ``next`` means done: read :meth:`report`."""

    __slots__ = ()

    def __init__(
        self,
        spec: Mapping[str, Any],
        credentials: _CredentialsLike,
        policy: Optional[RetryPolicy] = None,
        base_url: Optional[str] = None,
        user_agent: Optional[str] = None,
        random: Optional[bytes] = None,
    ) -> None:
        random = _random(random, 16)
        policy_fields = _policy(policy)
        super().__init__(
            _native.Machine(
                "onboarding", "onboarding", spec, credentials, policy_fields, base_url, user_agent,
                random, None,
            )
        )

    def next(self, pacers: Pacers, now: float, wall: float) -> Union[Request, float, None]:
        step: Union[Request, float, None] = self._next(pacers, now, wall)[1]
        return step

    def report(self) -> OnboardingReport:
        """What the flow did so far (final once ``next`` gave ``None``): ``{account, members,
        service_user, api_key, invitation, complete}``; ``api_key`` is a :class:`Secret`."""
        report: OnboardingReport = _report(self._machine.report())
        return report

    def __repr__(self) -> str:
        return f"Onboarding(name={self.report()['account']['target']!r})"


class Bulk(_Driven):
    """Many onboardings, ``concurrency`` at a time (default 8): each as :class:`Onboarding`
    does it, the ids resolved by name shared (onboardings started after a lookup reuse it),
    every send paced by the :class:`Pacers` given at each step. Several sends may be in flight
    at once, one per slot: ``next`` gives ``(slot, Request)`` (send it, ask again right away,
    and feed its answer to ``slot`` whenever it comes), seconds to wait (that long, or until an
    answer in flight comes back, whichever is first), or ``None`` when every onboarding is
    over: then read :meth:`reports`. ``random``: 16 random bytes per spec (default
    ``os.urandom(16 * len(specs))``), for each account create's idempotency key. A bad spec is
    refused naming it (``specs[3].members[0].email``), before anything is sent."""

    __slots__ = ("_count", "_concurrency")

    def __init__(
        self,
        specs: Sequence[Mapping[str, Any]],
        credentials: _CredentialsLike,
        policy: Optional[RetryPolicy] = None,
        base_url: Optional[str] = None,
        user_agent: Optional[str] = None,
        concurrency: Optional[int] = None,
        random: Optional[bytes] = None,
    ) -> None:
        if concurrency is not None and (
            isinstance(concurrency, bool) or not isinstance(concurrency, int)
        ):
            raise TypeError("concurrency must be an int")
        self._count = len(specs) if isinstance(specs, (list, tuple)) else 0
        self._concurrency = _native.DEFAULT_CONCURRENCY if concurrency is None else concurrency
        at_once = None if concurrency is None else float(min(concurrency, 2**64))
        random = _random(random, 16 * self._count)
        policy_fields = _policy(policy)
        super().__init__(
            _native.Machine(
                "bulk", "onboarding", specs, credentials, policy_fields, base_url, user_agent,
                random, at_once,
            )
        )

    @property
    def concurrency(self) -> int:
        """Onboardings run at once, as asked."""
        return self._concurrency

    @property
    def slots(self) -> int:
        """How many sends may be in flight at once: one per onboarding under way, never more
        than there are specs."""
        return self._machine.slots

    def next(
        self, pacers: Pacers, now: float, wall: float
    ) -> Union[Tuple[int, Request], float, None]:
        """What to do now: ``(slot, Request)``, seconds to wait, or ``None`` when all are over."""
        slot, step = self._next(pacers, now, wall)
        return (slot, step) if isinstance(step, Request) else step

    def feed(
        self,
        slot: int,
        pacers: Pacers,
        status: int,
        headers: Any,
        body: _Body,
        now: float,
        wall: float,
        jitter: float,
    ) -> None:
        """The response to the last :class:`Request` of ``slot``; a large body is checked with
        the GIL released. Ignored for a slot with nothing in flight."""
        self._feed(slot, pacers, status, headers, body, now, wall, jitter)

    def feed_failure(
        self,
        slot: int,
        pacers: Pacers,
        sent: bool,
        message: str,
        now: float,
        wall: float,
        jitter: float,
    ) -> None:
        """No response came to the last :class:`Request` of ``slot``: it never left
        (``sent=False``) or may have (``sent=True``)."""
        self._failed(slot, pacers, sent, message, now, wall, jitter)

    def progress(self) -> Progress:
        """Where the run is: ``{"done", "failed", "remaining", "requests", "current_wait"}``
        (the wait in seconds)."""
        progress: Progress = json.loads(self._machine.progress())
        return progress

    def reports(self) -> List[Optional[OnboardingReport]]:
        """One report per spec, in the specs' order (``None`` for one not over yet), as
        :meth:`Onboarding.report` gives it: ``api_key`` and ``token_value`` are secrets."""
        reports = json.loads(self._machine.reports())
        return [_secrets(r, _native.REPORT_SECRET_FIELDS) for r in reports]

    def over(self, start: int = 0) -> List[int]:
        """The indexes of the specs whose onboardings are over, in the order they ended, from
        the ``start``-th on. Those never started when the run was abandoned are not among
        them."""
        return self._machine.over(start)

    def report(self, index: int) -> Optional[OnboardingReport]:
        """The report of the spec at ``index`` once its onboarding is over, else ``None``."""
        report: Optional[OnboardingReport] = _report(self._machine.report(index))
        return report

    def spec_index(self, slot: int) -> Optional[int]:
        """The index of the spec whose onboarding runs in ``slot``, if one does."""
        return self._machine.spec_index(slot)

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return f"Bulk(specs={self._count}, concurrency={self._concurrency})"
