"""The native part of ``cloudflare_tenant``: the sans-IO core, by operation name."""

from typing import Any, Iterable, List, Mapping, Optional, Tuple, Union, final

from .types import OperationInfo, PageStop, ParsedResponse

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
