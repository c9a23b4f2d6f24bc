"""The sans-IO functions: build a request, read a response. No I/O happens here."""

from __future__ import annotations

from typing import Any, Optional

from . import _native
from ._native import Credentials, Request, build_request, operations
from .types import ParsedResponse

__all__ = [
    "Credentials",
    "Request",
    "build_request",
    "parse_response",
    "operations",
    "DEFAULT_BASE_URL",
    "USER_AGENT",
]

DEFAULT_BASE_URL: str = _native.DEFAULT_BASE_URL
#: The ``User-Agent`` the clients send unless told otherwise.
USER_AGENT: str = f"cloudflare-tenant-python/{_native.CORE_VERSION}"


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
    return _native.parse_response(operation, status, headers, body)
