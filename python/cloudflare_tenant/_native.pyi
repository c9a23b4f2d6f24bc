"""The native part of ``cloudflare_tenant``: the sans-IO core, by operation name."""

from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple, Union, final

from typing_extensions import disjoint_base

from ._secret import Secret
from .types import OnboardingReport, OperationInfo, PageStop, ParsedResponse, Progress

_Headers = Union[
    Mapping[str, str],
    Mapping[bytes, bytes],
    Iterable[Tuple[str, str]],
    Iterable[Tuple[bytes, bytes]],
    Any,
]
_Body = Union[bytes, bytearray, memoryview, str, None]
_CredentialsLike = Union["Credentials", Mapping[str, str]]

__all__ = [
    "build_request",
    "parse_response",
    "operations",
    "Credentials",
    "Request",
    "RetryPolicy",
    "Pacers",
    "Machine",
    "Call",
    "Listing",
    "Onboarding",
    "Bulk",
    "DEFAULT_BASE_URL",
    "DEFAULT_USER_AGENT",
    "CORE_VERSION",
]

DEFAULT_BASE_URL: str
DEFAULT_USER_AGENT: str
CORE_VERSION: str

@final
class Credentials:
    """How a request proves who sends it. Its repr never shows the secret."""

    @staticmethod
    def api_token(token: Union[str, Secret]) -> Credentials: ...
    @staticmethod
    def global_key(email: str, key: Union[str, Secret]) -> Credentials: ...
    @staticmethod
    def user_service_key(key: Union[str, Secret]) -> Credentials: ...
    @staticmethod
    def from_dict(value: Mapping[str, Union[str, Secret]]) -> Credentials: ...
    @staticmethod
    def from_environment(environ: Mapping[str, str]) -> Optional[Credentials]: ...
    @property
    def kind(self) -> str: ...
    @property
    def header_names(self) -> List[str]: ...
    def __eq__(self, value: object, /) -> bool: ...
    __hash__: None  # type: ignore[assignment]

@final
class Request:
    """An HTTP request ready to send. Its repr masks credential headers."""

    @property
    def method(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def headers(self) -> dict[str, str]: ...
    @property
    def sensitive_headers(self) -> List[str]: ...
    @property
    def body(self) -> Optional[bytes]: ...

def build_request(
    operation: str,
    params: Optional[Mapping[str, Any]] = None,
    credentials: Optional[_CredentialsLike] = None,
    base_url: Optional[str] = None,
    user_agent: Optional[str] = None,
) -> Request: ...
def parse_response(
    operation: str, status: int, headers: _Headers = None, body: _Body = None
) -> ParsedResponse: ...
def operations() -> List[OperationInfo]: ...

@final
class RetryPolicy:
    """How persistent the clients are; ``None`` takes the core's default (2 retries, 0.5 s
    doubling to 8 s, server waits up to 120 s)."""

    def __new__(
        cls,
        max_retries: Optional[int] = None,
        initial_backoff: Optional[float] = None,
        max_backoff: Optional[float] = None,
        max_retry_after: Optional[float] = None,
    ) -> RetryPolicy: ...
    @staticmethod
    def none() -> RetryPolicy: ...
    @property
    def max_retries(self) -> int: ...
    @property
    def initial_backoff(self) -> float: ...
    @property
    def max_backoff(self) -> float: ...
    @property
    def max_retry_after(self) -> float: ...
    def backoff(self, retry: int, jitter: float = 0.0) -> float: ...
    def __eq__(self, value: object, /) -> bool: ...
    __hash__: None  # type: ignore[assignment]

@final
class Pacers:
    """One budget per identity (credential): at most ``limit`` sends in any ``window``
    seconds, counted on the wire. Shared by a client's calls, lists and onboardings, and safe
    to share between threads."""

    def __new__(cls, limit: int, window: float) -> Pacers: ...
    @staticmethod
    def off() -> Pacers: ...
    @staticmethod
    def cloudflare() -> Pacers: ...
    @property
    def budget(self) -> Optional[Tuple[int, float]]: ...

@disjoint_base
class Machine:
    """How ``Call``, ``Listing`` and ``Onboarding`` are driven: ``next`` gives a ``Request`` to
    send (then ``feed`` the response, or ``feed_failure``), seconds to sleep, an answer, or
    ``None`` at the end. ``now`` is ``time.monotonic()``, ``wall`` is ``time.time()``."""

    @property
    def operation(self) -> str: ...
    def next(self, pacers: Pacers, now: float, wall: float) -> Union[Request, float, ParsedResponse, None]: ...
    def feed(
        self,
        pacers: Pacers,
        status: int,
        headers: _Headers,
        body: _Body,
        now: float,
        wall: float,
        jitter: float,
    ) -> None: ...
    def feed_failure(
        self, pacers: Pacers, sent: bool, message: str, now: float, wall: float, jitter: float
    ) -> None: ...
    def abandon(self, pacers: Pacers, now: float) -> None: ...

@final
class Call(Machine):
    """One call of an operation: the request is built (and the input checked) now; retries and
    pacing are the core's. ``next`` ends with the answer (or raises the call's error).
    ``random``: 16 random bytes (default ``os.urandom(16)``), whence the core makes the
    idempotency key of an operation that takes one (``accounts.create``) when ``params`` holds
    none; every resend carries it."""

    def __new__(
        cls,
        operation: str,
        params: Optional[Mapping[str, Any]] = None,
        credentials: Optional[_CredentialsLike] = None,
        policy: Optional[RetryPolicy] = None,
        base_url: Optional[str] = None,
        user_agent: Optional[str] = None,
        random: Optional[bytes] = None,
    ) -> Call: ...
    def next(self, pacers: Pacers, now: float, wall: float) -> Union[Request, float, ParsedResponse]: ...

@final
class Listing(Machine):
    """Every page of a paginated list: each page is an answer whose ``result`` holds its new
    items; ``None`` comes at the end (see ``stop``)."""

    def __new__(
        cls,
        operation: str,
        params: Optional[Mapping[str, Any]] = None,
        credentials: Optional[_CredentialsLike] = None,
        policy: Optional[RetryPolicy] = None,
        base_url: Optional[str] = None,
        user_agent: Optional[str] = None,
        max_pages: Optional[int] = None,
    ) -> Listing: ...
    @property
    def stop(self) -> Optional[PageStop]: ...

@final
class Onboarding(Machine):
    """The core's onboarding flow: ``next`` gives ``None`` when done; then read ``report()``.
    ``random``: 16 random bytes (default ``os.urandom(16)``) for the account create's
    idempotency key."""

    def __new__(
        cls,
        spec: Mapping[str, Any],
        credentials: _CredentialsLike,
        policy: Optional[RetryPolicy] = None,
        base_url: Optional[str] = None,
        user_agent: Optional[str] = None,
        random: Optional[bytes] = None,
    ) -> Onboarding: ...
    def next(self, pacers: Pacers, now: float, wall: float) -> Union[Request, float, None]: ...
    def report(self) -> OnboardingReport: ...

@final
class Bulk:
    """Many onboardings, ``concurrency`` at a time (default 8), sharing the ids they resolve by
    name. ``next`` gives ``(slot, Request)`` (send it, ask again right away, feed its answer to
    ``slot`` whenever it comes), seconds to wait (that long, or until an answer in flight comes
    back), or ``None`` when all are over: then read ``reports()``. ``random``: 16 random bytes
    per spec (default ``os.urandom(16 * len(specs))``)."""

    def __new__(
        cls,
        specs: Sequence[Mapping[str, Any]],
        credentials: _CredentialsLike,
        policy: Optional[RetryPolicy] = None,
        base_url: Optional[str] = None,
        user_agent: Optional[str] = None,
        concurrency: Optional[int] = None,
        random: Optional[bytes] = None,
    ) -> Bulk: ...
    @property
    def operation(self) -> str: ...
    @property
    def concurrency(self) -> int: ...
    @property
    def slots(self) -> int: ...
    def next(self, pacers: Pacers, now: float, wall: float) -> Union[Tuple[int, Request], float, None]: ...
    def feed(
        self,
        slot: int,
        pacers: Pacers,
        status: int,
        headers: _Headers,
        body: _Body,
        now: float,
        wall: float,
        jitter: float,
    ) -> None: ...
    def feed_failure(
        self,
        slot: int,
        pacers: Pacers,
        sent: bool,
        message: str,
        now: float,
        wall: float,
        jitter: float,
    ) -> None: ...
    def abandon(self, pacers: Pacers, now: float) -> None: ...
    def progress(self) -> Progress: ...
    def reports(self) -> List[Optional[OnboardingReport]]: ...
    def over(self, start: int = 0) -> List[int]: ...
    def report(self, index: int) -> Optional[OnboardingReport]: ...
    def spec_index(self, slot: int) -> Optional[int]: ...
    def __len__(self) -> int: ...
