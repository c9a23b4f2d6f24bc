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

from ._secret import Secret

__all__ = [
    "ErrorSource",
    "ApiMessage",
    "ResultInfo",
    "ParsedResponse",
    "OperationInfo",
    "PageStop",
    "Account",
    "ManagedBy",
    "AccountSettings",
    "Deleted",
    "Member",
    "MemberUser",
    "Role",
    "Grants",
    "Policy",
    "PermissionGroup",
    "ResourceGroup",
    "Scope",
    "ScopeObject",
    "CreatedUser",
    "TwoFactorAuthentication",
    "User",
    "Organization",
    "UserTenant",
    "Membership",
    "Tenant",
    "TenantUnit",
    "Entitlements",
    "Allocation",
    "CustomEntitlement",
    "TenantMembership",
    "PolicyInput",
    "IdRef",
    "OnboardingSpec",
    "MemberSpec",
    "ServiceUserSpec",
    "OnboardingStep",
    "OnboardingReport",
    "StepStatus",
]


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


# ---- accounts --------------------------------------------------------------------------------


class ManagedBy(TypedDict, total=False):
    """Who manages an account."""

    parent_org_id: str
    parent_org_name: str


class AccountSettings(TypedDict, total=False):
    """Account settings."""

    enforce_twofactor: bool
    abuse_contact_email: str


class Account(TypedDict, total=False):
    """A Cloudflare account (also what ``tenants.accounts.list`` returns)."""

    id: str
    name: str
    type: str
    created_on: str
    managed_by: ManagedBy
    settings: AccountSettings


class Deleted(TypedDict, total=False):
    """``{id}``: what a delete returns."""

    id: str


# ---- members, roles, policies ----------------------------------------------------------------


class Grants(TypedDict, total=False):
    """Read and write grants of one permission area."""

    read: bool
    write: bool


class Role(TypedDict, total=False):
    """A role: a named set of permissions."""

    id: str
    name: str
    description: str
    permissions: Dict[str, Grants]


class ScopeObject(TypedDict, total=False):
    """One object of a scope."""

    key: str


class Scope(TypedDict, total=False):
    """The resources a resource group covers."""

    key: str
    objects: List[ScopeObject]


class PermissionGroup(TypedDict, total=False):
    """A named group of permissions; the building block of policies."""

    id: str
    name: str
    meta: Dict[str, Any]


class ResourceGroup(TypedDict, total=False):
    """A group of scoped resources."""

    id: str
    name: str
    meta: Dict[str, Any]
    scope: Scope


class Policy(TypedDict, total=False):
    """A policy: permission groups allowed or denied on resource groups."""

    id: str
    access: str
    permission_groups: List[PermissionGroup]
    resource_groups: List[ResourceGroup]


class MemberUser(TypedDict, total=False):
    """The user behind a member."""

    id: str
    email: str
    first_name: str
    last_name: str
    two_factor_authentication_enabled: bool


class Member(TypedDict, total=False):
    """A member of an account (the create response may leave ``roles`` out)."""

    id: str
    email: str
    status: str
    user: MemberUser
    roles: List[Role]
    policies: List[Policy]


class IdRef(TypedDict):
    """``{"id": ...}``: a reference to a permission or resource group."""

    id: str


class PolicyInput(TypedDict):
    """A policy as ``accounts.members.create`` / ``update`` take it. Groups may be given as
    bare ids or as ``{"id": ...}``."""

    access: str
    permission_groups: List[Union[str, IdRef]]
    resource_groups: List[Union[str, IdRef]]


# ---- users -----------------------------------------------------------------------------------


class TwoFactorAuthentication(TypedDict, total=False):
    """Two-factor state of a created user."""

    enabled: bool
    locked: bool


class CreatedUser(TypedDict, total=False):
    """A service user created by ``users.create``. ``api_key`` is a :class:`Secret`: a ``str``
    whose repr is masked, so printing the result does not leak it."""

    id: str
    email: str
    first_name: str
    last_name: str
    username: str
    telephone: str
    country: str
    created_on: str
    modified_on: str
    two_factor_authentication: TwoFactorAuthentication
    api_key: Secret


class Organization(TypedDict, total=False):
    """An account as listed in a user's ``organizations``."""

    id: str
    name: str
    permissions: List[str]
    roles: List[str]
    status: str


class User(TypedDict, total=False):
    """The calling user (``user.get``)."""

    id: str
    email: str
    first_name: str
    last_name: str
    telephone: str
    country: str
    zipcode: str
    betas: List[str]
    has_pro_zones: bool
    has_business_zones: bool
    has_enterprise_zones: bool
    suspended: bool
    two_factor_authentication_enabled: bool
    two_factor_authentication_locked: bool
    organizations: List[Organization]


class UserTenant(TypedDict, total=False):
    """A tenant the caller administers (``user.tenants.list``)."""

    id: str
    name: str
    create_time: str
    meta: Dict[str, Any]
    parent: Dict[str, Any]
    profile: Dict[str, Any]


# ---- memberships -----------------------------------------------------------------------------


class Membership(TypedDict, total=False):
    """The caller's membership of an account."""

    id: str
    status: str
    account: Account
    roles: List[str]
    permissions: Dict[str, Grants]
    policies: List[Policy]
    api_access_enabled: bool


# ---- tenants ---------------------------------------------------------------------------------


class TenantUnit(TypedDict, total=False):
    """A unit of a tenant: pass its ``unit_tag`` as ``unit_id`` to ``accounts.create``."""

    unit_tag: str
    unit_name: str
    unit_status: str
    unit_metadata: Dict[str, Any]
    unit_memberships: List[Any]


class Tenant(TypedDict, total=False):
    """A tenant with its units."""

    tenant_tag: str
    tenant_name: str
    tenant_type: str
    tenant_status: str
    tenant_labels: List[str]
    tenant_contacts: Dict[str, Any]
    tenant_metadata: Dict[str, Any]
    tenant_network: Dict[str, Any]
    tenant_units: List[TenantUnit]
    cdate: str
    edate: str
    customer_id: str


class Allocation(TypedDict, total=False):
    """``{"type": "bool", "value": true}`` or ``{"type": "max_count", "value": 10}``."""

    type: str
    value: Any


class CustomEntitlement(TypedDict, total=False):
    """One custom entitlement."""

    feature: Dict[str, Any]
    allocation: Allocation


class Entitlements(TypedDict, total=False):
    """A tenant's entitlements."""

    allow_add_subdomain: Allocation
    allow_auto_accept_invites: Allocation
    cname_setup_allowed: Allocation
    partial_setup_allowed: Allocation
    mhs_certificate_count: Allocation
    custom_entitlements: List[CustomEntitlement]


class TenantMembership(TypedDict, total=False):
    """A member of a tenant."""

    user_tag: str
    user_email: str
    user_name: str


# ---- onboarding ------------------------------------------------------------------------------


class _MemberSpecEmail(TypedDict):
    email: str


class MemberSpec(_MemberSpecEmail, total=False):
    """A member to invite: ``email``, with ``roles`` (names such as ``"Administrator"``, or
    32-hex role ids) or ``policies``, not both."""

    roles: List[str]
    policies: List[PolicyInput]


class _ServiceUserSpecEmail(TypedDict):
    email: str


class ServiceUserSpec(_ServiceUserSpecEmail, total=False):
    """The customer's service user: its ``email``, and its ``roles`` on the account (names or
    ids; ``["Administrator"]`` when left out)."""

    roles: List[str]


class _OnboardingSpecName(TypedDict):
    name: str


class OnboardingSpec(_OnboardingSpecName, total=False):
    """What ``client.onboard`` sets up for one customer (the core's ``OnboardingSpec``).
    ``name`` is also how the account is found again; the ``business_*`` and
    ``external_metadata`` fields are the KYC fields of ``accounts.create``."""

    type: Literal["standard", "enterprise"]
    unit_id: str
    business_name: str
    business_address: str
    business_email: str
    business_phone: str
    external_metadata: str
    members: List[MemberSpec]
    service_user: Optional[ServiceUserSpec]
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
    #: True when nothing failed.
    complete: bool
