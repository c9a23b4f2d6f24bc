"""The native part of ``cloudflare_tenant``: the sans-IO core, by operation name."""

from typing import Any, Iterable, List, Mapping, Optional, Tuple, Union, final

from .types import OnboardingReport, OperationInfo, PageStop, ParsedResponse

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
    "Paginator",
    "RetryPolicy",
    "Retry",
    "Pacer",
    "Onboarding",
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
    def api_token(token: str) -> Credentials: ...
    @staticmethod
    def global_key(email: str, key: str) -> Credentials: ...
    @staticmethod
    def user_service_key(key: str) -> Credentials: ...
    @staticmethod
    def from_dict(value: Mapping[str, str]) -> Credentials: ...
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

@final
class Paginator:
    """Pages through a list operation."""

    def __new__(
        cls,
        operation: str,
        params: Optional[Mapping[str, Any]] = None,
        max_pages: Optional[int] = None,
    ) -> Paginator: ...
    @property
    def operation(self) -> str: ...
    @property
    def done(self) -> bool: ...
    def next_params(self) -> Optional[dict[str, Any]]: ...
    def next_request(
        self,
        credentials: Optional[_CredentialsLike] = None,
        base_url: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> Optional[Request]: ...
    def feed(self, status: int, headers: _Headers = None, body: _Body = None) -> List[Any]: ...
    @property
    def stop(self) -> Optional[PageStop]: ...

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
class Retry:
    """The core's retry decisions for one call: ``None`` (use the response), seconds to wait
    and resend, or raises the call's error."""

    def __new__(
        cls,
        operation: str,
        method: Optional[str] = None,
        policy: Optional[RetryPolicy] = None,
    ) -> Retry: ...
    @property
    def retries(self) -> int: ...
    def after_response(
        self,
        status: int,
        headers: _Headers = None,
        body: _Body = None,
        now: Optional[float] = None,
        jitter: Optional[float] = None,
    ) -> Optional[float]: ...
    def after_not_sent(
        self, message: str, now: Optional[float] = None, jitter: Optional[float] = None
    ) -> Optional[float]: ...
    def after_no_response(
        self, message: str, now: Optional[float] = None, jitter: Optional[float] = None
    ) -> Optional[float]: ...

@final
class Pacer:
    """At most ``limit`` sends in any ``window`` seconds, counted on the wire; ``now`` is
    ``time.monotonic()``. ``acquire`` gives a ticket (``int``: send now, then ``settle`` it
    when the send ended, answered or not) or seconds to wait before asking again (``float``)."""

    def __new__(cls, limit: int, window: float) -> Pacer: ...
    @staticmethod
    def cloudflare() -> Pacer: ...
    def acquire(self, now: float) -> Union[int, float]: ...
    def settle(self, ticket: int, now: float) -> None: ...
    def in_use(self, now: float) -> int: ...
    @property
    def limit(self) -> int: ...
    @property
    def window(self) -> float: ...

@final
class Onboarding:
    """The core's onboarding flow: ``next_action()`` gives a ``Request`` to send, seconds to
    sleep, or ``None`` when done; feed back what happened to each request."""

    def __new__(
        cls,
        spec: Mapping[str, Any],
        credentials: _CredentialsLike,
        policy: Optional[RetryPolicy] = None,
        base_url: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> Onboarding: ...
    def next_action(self) -> Union[Request, float, None]: ...
    def feed_response(
        self,
        status: int,
        headers: _Headers = None,
        body: _Body = None,
        now: Optional[float] = None,
        jitter: Optional[float] = None,
    ) -> None: ...
    def feed_not_sent(
        self, message: str, now: Optional[float] = None, jitter: Optional[float] = None
    ) -> None: ...
    def feed_no_response(
        self, message: str, now: Optional[float] = None, jitter: Optional[float] = None
    ) -> None: ...
    def report(self) -> OnboardingReport: ...
