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

from typing import Any, Dict, List, Literal, Optional, TypedDict, Union

from ._operation_types import *  # noqa: F403 (every model the catalog declares)
from ._operation_types import __all__ as _MODELS
from ._secret import Secret

__all__ = [
    "ErrorSource",
    "ApiMessage",
    "ResultInfo",
    "ParsedResponse",
    "OperationInfo",
    "PageStop",
    "Allocation",
    "OnboardingSpec",
    "MemberSpec",
    "ServiceUserSpec",
    "TokenSpec",
    "OnboardingStep",
    "OnboardingReport",
    "StepStatus",
    "Progress",
]
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


# ---- onboarding ------------------------------------------------------------------------------


class _MemberSpecEmail(TypedDict):
    email: str


class MemberSpec(_MemberSpecEmail, total=False):
    """A member to invite: ``email``, with one kind of access: ``roles`` (names such as
    ``"Administrator"``, or 32-hex role ids; deprecated by the API), ``permission_groups``
    (names such as ``"Domain Read"``, or ids; allowed on the whole account), or ``policies``."""

    roles: List[str]
    permission_groups: List[str]
    policies: List[PolicyInput]


class _ServiceUserSpecEmail(TypedDict):
    email: str


class ServiceUserSpec(_ServiceUserSpecEmail, total=False):
    """The customer's service user: its ``email``, and its ``roles`` on the account (names or
    ids; ``["Administrator"]`` when left out)."""

    roles: List[str]


class TokenSpec(TypedDict):
    """The customer's account-owned token: its ``name`` (how it is found again) and its token
    ``permission_groups`` (names such as ``"Account Settings Read"``, or ids), allowed on the
    whole account."""

    name: str
    permission_groups: List[str]


class OnboardingSpec(TypedDict, total=False):
    """What ``client.onboard`` sets up for one customer (the core's ``OnboardingSpec``).
    ``name`` is also how the account is found again, and required unless ``account_id`` names
    an existing account (then nothing is looked up or created); the ``business_*`` and
    ``external_metadata`` fields are the KYC fields of ``accounts.create``."""

    name: str
    account_id: str
    #: The partner's own reference for the customer (a CRM id): the account's create key
    #: derives from it, so a same-name account of another customer is never taken for it.
    customer_ref: str
    #: The report of an earlier run for this customer: the steps it found done are taken as
    #: existing and not looked up again.
    checkpoint: "OnboardingReport"
    type: Literal["standard", "enterprise"]
    unit_id: str
    #: A standalone free account, outside any organization; never with ``unit_id``.
    standalone: bool
    business_name: str
    business_address: str
    business_email: str
    business_phone: str
    external_metadata: str
    members: List[MemberSpec]
    service_user: Optional[ServiceUserSpec]
    #: An account-owned token for the customer (its own rate-limit budget, no service user).
    token: TokenSpec
    #: Onboard into an account of this name that this onboarding did not create (off: names
    #: are not unique, and it may be another customer's).
    adopt: bool


#: Where a step ended: ``created`` by this run (for the invitation: accepted), ``existed``
#: already, ``conflict`` (an account of the name existed and the spec does not ``adopt`` it:
#: nothing was touched), ``failed`` (see ``error``), or ``pending`` (not reached).
StepStatus = Literal["created", "existed", "conflict", "failed", "pending"]


class OnboardingStep(TypedDict):
    """One thing the onboarding set up."""

    #: The account name, or the member's e-mail.
    target: str
    #: The id, once known.
    id: Optional[str]
    status: StepStatus
    #: Why it failed: the error's ``to_dict()`` view (``kind``, ``message``, ...).
    error: Optional[Dict[str, Any]]
    #: True when an unknown outcome was resolved by looking (it was not resent blindly).
    reconciled: bool


class OnboardingReport(TypedDict):
    """What ``client.onboard`` did. ``api_key`` is the service user's key when this run created
    the user (a :class:`~cloudflare_tenant.Secret`: masked in reprs)."""

    account: OnboardingStep
    #: Each invitation, the service user's last.
    members: List[OnboardingStep]
    service_user: Optional[OnboardingStep]
    api_key: Optional[Secret]
    invitation: Optional[OnboardingStep]
    token: Optional[OnboardingStep]
    #: The token's value, when this run created (or, after a lost answer, rolled) it.
    token_value: Optional[Secret]
    #: True when nothing failed.
    complete: bool


class Progress(TypedDict):
    """Where a run of ``client.onboard_many`` is, as ``on_progress`` is told after each
    answer."""

    #: Onboardings over and complete.
    done: int
    #: Onboardings over and not complete (a step failed, or the account was a conflict).
    failed: int
    #: Onboardings not over yet: running, or waiting for a place.
    remaining: int
    #: Requests handed to the transport so far, retries included.
    requests: int
    #: Seconds the run is waiting when nothing can be sent (the pacer, a server's wait); else 0.
    current_wait: float
