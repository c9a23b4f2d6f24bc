"""Generates the per-operation methods of the clients and the params TypedDicts.

    python python/scripts/gen_resources.py           # rewrite the generated files
    python python/scripts/gen_resources.py --check   # fail if they are out of date

The table below is the only place the Python layer lists operations; the tests check it against
the core's ``operations()``. Only signatures and types live here: every rule about an operation
(paths, validation, bodies) is the core's.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

PACKAGE = Path(__file__).resolve().parent.parent / "cloudflare_tenant"

DIRECTION = 'Literal["asc", "desc"]'
PAGING = [("page", "int"), ("per_page", "int")]


@dataclass
class Op:
    name: str
    method: str
    path: str
    doc: str
    result: str
    #: Path ids, positional.
    ids: List[str] = field(default_factory=list)
    #: Required keyword-only parameters.
    required: List[Tuple[str, str]] = field(default_factory=list)
    #: Optional keyword-only parameters.
    optional: List[Tuple[str, str]] = field(default_factory=list)
    #: Returns a page iterator (every list does; ``paginated`` says whether it pages).
    is_list: bool = False


OPS: List[Op] = [
    Op("accounts.list", "GET", "/accounts", "The accounts the caller can see, every page.",
       "Account", optional=[("name", "str"), *PAGING, ("direction", DIRECTION)], is_list=True),
    Op("accounts.create", "POST", "/accounts",
       "A new account for a customer, optionally on a tenant unit (``unit_id``: a ``unit_tag`` "
       "from ``tenants.get``), with KYC fields (each at most 120 characters).",
       "Account", required=[("name", "str")],
       optional=[("type", 'Literal["standard", "enterprise"]'), ("unit_id", "str"),
                 ("business_name", "str"), ("business_address", "str"),
                 ("business_email", "str"), ("business_phone", "str"),
                 ("external_metadata", "str")]),
    Op("accounts.get", "GET", "/accounts/{account_id}", "One account.", "Account",
       ids=["account_id"]),
    Op("accounts.update", "PUT", "/accounts/{account_id}",
       "Renames an account or changes its settings (the API replaces the name: send the "
       "current one to keep it).",
       "Account", ids=["account_id"],
       required=[("name", "str"), ("type", 'Literal["standard", "enterprise"]')],
       optional=[("enforce_twofactor", "bool"),
                 ("abuse_contact_email", "str")]),
    Op("accounts.delete", "DELETE", "/accounts/{account_id}",
       "Permanently deletes an account and everything in it.", "Optional[Deleted]",
       ids=["account_id"]),
    Op("accounts.members.list", "GET", "/accounts/{account_id}/members",
       "The members of an account, every page.", "Member", ids=["account_id"],
       optional=[*PAGING, ("status", 'Literal["accepted", "pending", "rejected"]'),
                 ("order", 'Literal["user.first_name", "user.last_name", "user.email", "status"]'),
                 ("direction", DIRECTION)], is_list=True),
    Op("accounts.members.create", "POST", "/accounts/{account_id}/members",
       "Invites someone by e-mail, with ``roles`` (role ids) or ``policies``, never both.",
       "Member", ids=["account_id"], required=[("email", "str")],
       optional=[("roles", "Sequence[str]"), ("policies", "Sequence[PolicyInput]"),
                 ("status", 'Literal["accepted", "pending"]')]),
    Op("accounts.members.get", "GET", "/accounts/{account_id}/members/{member_id}",
       "One member, with its roles.", "Member", ids=["account_id", "member_id"]),
    Op("accounts.members.update", "PUT", "/accounts/{account_id}/members/{member_id}",
       "Replaces a member's roles (ids) or policies.", "Member",
       ids=["account_id", "member_id"],
       optional=[("roles", "Sequence[str]"), ("policies", "Sequence[PolicyInput]")]),
    Op("accounts.members.delete", "DELETE", "/accounts/{account_id}/members/{member_id}",
       "Removes a member.", "Optional[Deleted]", ids=["account_id", "member_id"]),
    Op("accounts.roles.list", "GET", "/accounts/{account_id}/roles",
       "The roles of an account, every page (resolve ``Administrator`` by name here).",
       "Role", ids=["account_id"], optional=PAGING, is_list=True),
    Op("accounts.roles.get", "GET", "/accounts/{account_id}/roles/{role_id}", "One role.",
       "Role", ids=["account_id", "role_id"]),
    Op("accounts.permission_groups.list", "GET",
       "/accounts/{account_id}/iam/permission_groups",
       "Permission groups, the building blocks of policies, every page.", "PermissionGroup",
       ids=["account_id"], optional=[("id", "str"), ("name", "str"), ("label", "str"), *PAGING],
       is_list=True),
    Op("accounts.permission_groups.get", "GET",
       "/accounts/{account_id}/iam/permission_groups/{permission_group_id}",
       "One permission group.", "PermissionGroup", ids=["account_id", "permission_group_id"]),
    Op("accounts.resource_groups.list", "GET", "/accounts/{account_id}/iam/resource_groups",
       "Resource groups of an account (one page).", "ResourceGroup", ids=["account_id"],
       optional=[("id", "str"), ("name", "str")], is_list=True),
    Op("users.create", "POST", "/users",
       "Creates a service user (tenant only). The result's ``api_key`` is a :class:`Secret`: "
       "act as the user with ``Credentials.user_service_key(user[\"api_key\"])``.",
       "CreatedUser", required=[("email", "str")]),
    Op("user.get", "GET", "/user", "The calling user.", "User"),
    Op("user.edit", "PATCH", "/user",
       "Changes the calling user's name, telephone, country or postal code.", "User",
       optional=[("first_name", "str"), ("last_name", "str"), ("telephone", "str"),
                 ("country", "str"), ("zipcode", "str")]),
    Op("user.tenants.list", "GET", "/user/tenants", "The tenants the caller administers.",
       "UserTenant", is_list=True),
    Op("memberships.list", "GET", "/memberships",
       "The caller's memberships (a service user accepts its invitations here), every page.",
       "Membership",
       optional=[("account_name", "str"), *PAGING,
                 ("order", 'Literal["id", "account.name", "status"]'), ("direction", DIRECTION),
                 ("name", "str"), ("status", 'Literal["accepted", "pending", "rejected"]')],
       is_list=True),
    Op("memberships.get", "GET", "/memberships/{membership_id}", "One of the caller's "
       "memberships.", "Membership", ids=["membership_id"]),
    Op("memberships.update", "PUT", "/memberships/{membership_id}",
       "Accepts or rejects an invitation.", "Membership", ids=["membership_id"],
       required=[("status", 'Literal["accepted", "rejected"]')]),
    Op("memberships.delete", "DELETE", "/memberships/{membership_id}",
       "Leaves an account.", "Optional[Deleted]", ids=["membership_id"]),
    Op("tenants.get", "GET", "/tenants/{tenant_id}", "A tenant with its units.", "Tenant",
       ids=["tenant_id"]),
    Op("tenants.accounts.list", "GET", "/tenants/{tenant_id}/accounts",
       "The tenant's accounts, every page (``direction``: ``asc``/``desc`` or 0/1).",
       "Account", ids=["tenant_id"],
       optional=[*PAGING, ("order", "str"), ("direction", 'Literal["asc", "desc", 0, 1]')],
       is_list=True),
    Op("tenants.entitlements.get", "GET", "/tenants/{tenant_id}/entitlements",
       "The tenant's entitlements.", "Entitlements", ids=["tenant_id"]),
    Op("tenants.memberships.list", "GET", "/tenants/{tenant_id}/memberships",
       "The members of a tenant (one page).", "TenantMembership", ids=["tenant_id"],
       is_list=True),
    Op("tenants.account_types.list", "GET", "/tenants/{tenant_id}/account_types",
       "The account types a tenant may create (one page).", "str", ids=["tenant_id"],
       is_list=True),
]

HEADER = '''"""{doc}

Generated by python/scripts/gen_resources.py; do not edit by hand.
"""
'''


def camel(parts: List[str]) -> str:
    return "".join(p.title().replace("_", "") for p in parts)


def groups() -> Dict[Tuple[str, ...], List[Op]]:
    """Operations by group path: ``accounts.members.list`` is in ``("accounts", "members")``."""
    out: Dict[Tuple[str, ...], List[Op]] = {}
    for op in OPS:
        parts = tuple(op.name.split(".")[:-1])
        for i in range(1, len(parts) + 1):
            out.setdefault(parts[:i], [])
        out[parts].append(op)
    return out


def params_class(op: Op) -> str:
    return camel(op.name.split(".")) + "Params"


def gen_params() -> str:
    lines = [HEADER.format(doc="The by-name parameters of every operation, as ``TypedDict`` s "
                               "(for :func:`cloudflare_tenant.build_request`).")]
    lines.append("from __future__ import annotations\n")
    lines.append("from typing import Literal, Sequence, TypedDict\n")
    lines.append("from .types import PolicyInput\n")
    names = [params_class(op) for op in OPS]
    lines.append("__all__ = [")
    for name in names:
        lines.append(f'    "{name}",')
    lines.append("]\n")
    for op in OPS:
        required = [(i, "str") for i in op.ids] + op.required
        cls = params_class(op)
        if op.optional:
            base = f"_{cls}Required"
            lines.append(f"\nclass {base}(TypedDict):")
            if required:
                for name, ty in required:
                    lines.append(f"    {name}: {ty}")
            else:
                lines.append("    pass")
            lines.append(f"\n\nclass {cls}({base}, total=False):")
            lines.append(f'    """Parameters of ``{op.name}``."""\n')
            for name, ty in op.optional:
                lines.append(f"    {name}: {ty}")
            lines.append("")
        else:
            lines.append(f"\nclass {cls}(TypedDict):")
            lines.append(f'    """Parameters of ``{op.name}``."""\n')
            if required:
                for name, ty in required:
                    lines.append(f"    {name}: {ty}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def gen_resources(is_async: bool) -> str:
    prefix = "Async" if is_async else ""
    client = "AsyncTenantClient" if is_async else "TenantClient"
    iterator = "AsyncPageIterator" if is_async else "PageIterator"
    out = [HEADER.format(doc=("Async resources" if is_async else "Resources")
                         + ": one method per operation, grouped by the dotted name.")]
    out.append("from __future__ import annotations\n")
    out.append("from typing import TYPE_CHECKING, Any, Literal, Optional, Sequence, cast\n")
    out.append(f"from ._pagination import {iterator}")
    out.append("from .types import (")
    models = sorted({op.result.replace("Optional[", "").rstrip("]") for op in OPS} - {"str"})
    for m in models + ["PolicyInput"]:
        out.append(f"    {m},")
    out.append(")\n")
    out.append("if TYPE_CHECKING:")
    module = "_async_client" if is_async else "_client"
    out.append(f"    from .{module} import {client}")
    out.append("    from ._native import Credentials\n")
    out.append("    from typing import Mapping, Union\n")
    out.append("    CredentialsLike = Union[Credentials, Mapping[str, str]]\n")
    out.append("")
    out.append("def _params(**params: Any) -> dict[str, Any]:")
    out.append('    """The given parameters; ``None`` means not given."""')
    out.append("    return {k: v for k, v in params.items() if v is not None}\n")

    all_groups = groups()
    # Deepest groups first, so sub-resources are defined before their parents.
    for path in sorted(all_groups, key=lambda p: (-len(p), p)):
        cls = f"{prefix}{camel(list(path))}Resource"
        children = [p for p in all_groups if len(p) == len(path) + 1 and p[:-1] == path]
        out.append(f"\nclass {cls}:")
        out.append(f'    """``{".".join(path)}.*``"""\n')
        out.append(f"    def __init__(self, client: {client}) -> None:")
        out.append("        self._client = client")
        for child in sorted(children):
            out.append(f"        self.{child[-1]} = {prefix}{camel(list(child))}Resource(client)")
        for op in all_groups[path]:
            out.extend(gen_method(op, is_async, iterator))
    return "\n".join(out).rstrip() + "\n"


def gen_method(op: Op, is_async: bool, iterator: str) -> List[str]:
    verb = op.name.split(".")[-1]
    args = ["self"] + [f"{i}: str" for i in op.ids]
    args.append("*")
    args += [f"{n}: {t}" for n, t in op.required]
    args += [f"{n}: Optional[{t}] = None" for n, t in op.optional]
    args.append("credentials: Optional[CredentialsLike] = None")
    names = op.ids + [n for n, _ in op.required] + [n for n, _ in op.optional]
    call_params = "_params(" + ", ".join(f"{n}={n}" for n in names) + ")"
    if op.is_list:
        returns = f"{iterator}[{op.result}]"
    else:
        returns = op.result
    lines = [""]
    asyn = "async " if is_async and not op.is_list else ""
    lines.append(f"    {asyn}def {verb}(")
    for a in args:
        lines.append(f"        {a},")
    lines.append(f"    ) -> {returns}:")
    doc = f"``{op.name}``: ``{op.method} {op.path}``. {op.doc}"
    if op.is_list:
        doc += (" Returns an iterator over the items (``async for`` in the async client); "
                "requests are sent as it is consumed.")
    lines.append(f'        """{doc}"""')
    if op.is_list:
        lines.append(f'        return self._client._list("{op.name}", {call_params}, credentials)')
    else:
        awaiting = "await " if is_async else ""
        lines.append(f'        result = {awaiting}self._client._call("{op.name}", {call_params}, credentials)')
        lines.append(f'        return cast("{op.result}", result)')
    return lines


def targets() -> Dict[Path, str]:
    return {
        PACKAGE / "params.py": gen_params(),
        PACKAGE / "_resources.py": gen_resources(False),
        PACKAGE / "_async_resources.py": gen_resources(True),
    }


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true", help="fail if out of date")
    args = parser.parse_args(argv)
    stale = []
    for path, text in targets().items():
        current = path.read_text() if path.exists() else None
        if current != text:
            stale.append(path.name)
            if not args.check:
                path.write_text(text)
    if args.check and stale:
        print(f"out of date: {', '.join(stale)}; run python python/scripts/gen_resources.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
