"""Typed views of what the API returns, as plain dicts.

Results are the API's own JSON: the keys below are the API's field names (``created_on``,
``result_info``, ``two_factor_authentication``), exactly as sent once the core has checked
every known field's type. Every key may be missing (the API has dropped fields its spec calls
required), and keys this version does not know are kept as sent, so these ``TypedDict`` s are
``total=False`` and a result may hold more keys than listed. A value may also be ``None`` where
the API sends ``null`` for an unset field; like a missing key, the types leave that unchecked
rather than make every access narrow it (use ``d.get(key)`` where it matters).
"""

from __future__ import annotations

from typing import Any, List, Optional, TypedDict

from ._flow_types import *  # noqa: F403 (what the flows take and give)
from ._flow_types import __all__ as _FLOW_TYPES
from ._operation_types import *  # noqa: F403 (every model the catalog declares)
from ._operation_types import __all__ as _MODELS

__all__ = [
    "ErrorSource",
    "ApiMessage",
    "ResultInfo",
    "ParsedResponse",
    "OperationInfo",
    "PageStop",
    "Allocation",
]
__all__ += _FLOW_TYPES
__all__ += [name for name in _MODELS if name != "OperationName"]


# ---- the envelope ----------------------------------------------------------------------------


class ErrorSource(TypedDict, total=False):
    """Where in the request an error was."""

    pointer: str


class ApiMessage(TypedDict, total=False):
    """One ``errors[]`` or ``messages[]`` entry. Bare strings from the API become an entry
    without a code."""

    code: int
    message: str
    documentation_url: str
    source: ErrorSource


class ResultInfo(TypedDict, total=False):
    """Paging facts. ``total_pages`` is only in newer responses."""

    page: int
    per_page: int
    count: int
    total_count: int
    total_pages: int


class ParsedResponse(TypedDict):
    """What :func:`cloudflare_tenant.parse_response` returns."""

    result: Any
    result_info: Optional[ResultInfo]
    messages: List[ApiMessage]


class OperationInfo(TypedDict):
    """One entry of :func:`cloudflare_tenant.operations`."""

    name: str
    method: str
    paginated: bool
    secret_fields: List[str]


class PageStop(TypedDict, total=False):
    """Why a paginator stopped. ``anomaly`` is true when the listing may be incomplete."""

    reason: str
    message: str
    anomaly: bool
    page: int
    first_seen: int
    max_pages: int


# ---- models ----------------------------------------------------------------------------------
# The result models are generated from the core's catalog (`_operation_types.py`); this one
# types the allocations of `Entitlements`, which the catalog leaves open.


class Allocation(TypedDict, total=False):
    """``{"type": "bool", "value": true}`` or ``{"type": "max_count", "value": 10}``."""

    type: str
    value: Any
