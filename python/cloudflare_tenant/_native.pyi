"""The native part of ``cloudflare_tenant``: the sans-IO core, by operation name. What it
hands back is the core's JSON text, read by the package (``_core.py``)."""

from typing import Any, List, Mapping, Optional, Tuple, Union, final

__all__ = [
    "build_request",
    "check_response",
    "operations",
    "read_credentials",
    "credentials_from_environment",
    "retry_policy",
    "backoff",
    "Request",
    "Pacers",
    "Machine",
    "DEFAULT_BASE_URL",
    "DEFAULT_USER_AGENT",
    "DEFAULT_CONCURRENCY",
    "REPORT_SECRET_FIELDS",
    "WHOLE_RESULT",
    "CORE_VERSION",
]

DEFAULT_BASE_URL: str
DEFAULT_USER_AGENT: str
DEFAULT_CONCURRENCY: int
REPORT_SECRET_FIELDS: List[str]
WHOLE_RESULT: str
CORE_VERSION: str

_Bytes = Union[bytes, bytearray, str]
#: ``(kind, header_names, fields as JSON text)``
_CredentialsView = Tuple[str, List[str], str]

@final
class Request:
    """An HTTP request ready to send. Its repr masks credential headers."""

    def __new__(
        cls,
        method: str,
        url: str,
        headers: List[Tuple[str, str]],
        sensitive_headers: List[str],
        body: Optional[bytes],
    ) -> Request: ...
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
    credentials: Any = None,
    base_url: Optional[str] = None,
    user_agent: Optional[str] = None,
) -> Request: ...
def check_response(
    operation: str, status: int, headers: Any = None, body: Optional[_Bytes] = None
) -> str: ...
def operations() -> str: ...
def read_credentials(value: Any) -> _CredentialsView: ...
def credentials_from_environment(environ: Any) -> Optional[_CredentialsView]: ...
def retry_policy(fields: Any) -> str: ...
def backoff(policy: Any, retry: int, jitter: float) -> float: ...

@final
class Pacers:
    """One budget per identity (credential): at most ``limit`` sends in any ``window``
    seconds, counted on the wire. Shared by a client's calls, lists and onboardings, and safe
    to share between threads."""

    def __new__(cls, limit: float, window: float) -> Pacers: ...
    @staticmethod
    def off() -> Pacers: ...
    @staticmethod
    def cloudflare() -> Pacers: ...
    @property
    def budget(self) -> Optional[Tuple[int, float]]: ...

@final
class Machine:
    """A call, a list, one onboarding or many, driven alike: ``next`` gives the core's next
    step as JSON text."""

    @staticmethod
    def call(
        operation: str,
        params: Any,
        credentials: Any,
        policy: Any,
        base_url: Optional[str],
        user_agent: Optional[str],
        random: bytes,
    ) -> Machine: ...
    @staticmethod
    def list(
        operation: str,
        params: Any,
        credentials: Any,
        policy: Any,
        base_url: Optional[str],
        user_agent: Optional[str],
        max_pages: Optional[int],
    ) -> Machine: ...
    @staticmethod
    def onboarding(
        spec: Any,
        credentials: Any,
        policy: Any,
        base_url: Optional[str],
        user_agent: Optional[str],
        random: bytes,
    ) -> Machine: ...
    @staticmethod
    def bulk(
        specs: Any,
        credentials: Any,
        policy: Any,
        base_url: Optional[str],
        user_agent: Optional[str],
        concurrency: Optional[float],
        random: bytes,
    ) -> Machine: ...
    @property
    def operation(self) -> str: ...
    @property
    def slots(self) -> int: ...
    def next(self, pacers: Pacers, now: float, wall: float) -> str: ...
    def feed(
        self,
        slot: int,
        pacers: Pacers,
        status: int,
        headers: Any,
        body: Optional[_Bytes],
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
    def progress(self) -> str: ...
    def reports(self) -> str: ...
    def report(self, index: Optional[int] = None) -> Optional[str]: ...
    def over(self, start: int) -> List[int]: ...
    def spec_index(self, slot: int) -> Optional[int]: ...
