"""The native part of ``cloudflare_tenant``: the sans-IO core, by operation name. What it
hands back is the core's JSON text, read by the package (``_core.py``), or a request to send."""

from typing import Any, List, Mapping, Optional, Tuple, Union, final

from ._core import Credentials
from ._secret import Secret

__all__ = [
    "build_request",
    "Request",
    "check_response",
    "operations",
    "credentials",
    "retry_policy",
    "backoff",
    "Pacers",
    "Machine",
    "CLOUDFLARE_BUDGET",
    "DEFAULT_BASE_URL",
    "DEFAULT_CONCURRENCY",
    "REPORT_SECRET_FIELDS",
    "WHOLE_RESULT",
    "ENV_NAMES",
    "CORE_VERSION",
]

CLOUDFLARE_BUDGET: Tuple[int, float]
DEFAULT_BASE_URL: str
DEFAULT_CONCURRENCY: int
REPORT_SECRET_FIELDS: List[str]
WHOLE_RESULT: str
ENV_NAMES: List[str]
CORE_VERSION: str

_Bytes = bytes
_Pairs = List[Tuple[_Bytes, _Bytes]]

@final
class Request:
    """An HTTP request ready to send. Its repr masks the headers that carry a secret."""

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
    credentials: Union[Credentials, Mapping[str, Union[str, Secret]], None] = None,
    base_url: Optional[str] = None,
    user_agent: Optional[str] = None,
) -> Request: ...
def check_response(
    name: str, status: int, headers: _Pairs, body: Optional[_Bytes]
) -> Tuple[Optional[str], Optional[str], List[str]]: ...
def operations() -> str: ...
def credentials(
    fields: Any, environment: Optional[dict[str, str]]
) -> Optional[Tuple[str, List[str], str]]: ...
def retry_policy(fields: Any) -> str: ...
def backoff(fields: Any, retry: int, jitter: float) -> float: ...

@final
class Pacers:
    def __new__(cls, limit: Optional[float] = None, window: float = 0.0) -> Pacers: ...
    @property
    def budget(self) -> Optional[Tuple[int, float]]: ...

@final
class Machine:
    def __new__(
        cls,
        kind: str,
        name: str,
        value: Any,
        credentials: Any,
        policy: Any,
        base_url: Optional[str],
        user_agent: Optional[str],
        random: bytes,
        number: Optional[float],
    ) -> Machine: ...
    @property
    def operation(self) -> str: ...
    @property
    def slots(self) -> int: ...
    def next(self, pacers: Pacers, at: Tuple[float, float]) -> Union[Tuple[int, Request], str]: ...
    def feed(
        self,
        slot: int,
        pacers: Pacers,
        at: Tuple[float, float, float],
        status: int,
        headers: _Pairs,
        body: Optional[_Bytes],
        failure: Optional[Tuple[bool, str]],
    ) -> None: ...
    def abandon(self, pacers: Pacers, now: float) -> None: ...
    def progress(self) -> str: ...
    def reports(self) -> str: ...
    def report(self, index: Optional[int] = None) -> Optional[str]: ...
    def over(self, start: int) -> List[int]: ...
    def spec_index(self, slot: int) -> Optional[int]: ...
