"""``cloudflare-tenant onboard --plan``: what a run would do for each customer, found with
read requests only (GET), with nothing written, remote or local.

It asks what the onboarding flow asks before it creates: the report (the checkpoint), the
accounts of the customer's name, an existing account's members and tokens. What it cannot
see without writing (whether a ``customer_ref``'s key made an account, whether a service user
exists) it says it cannot."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Set, Tuple

from rich.console import Console
from rich.text import Text

from .._client import TenantClient
from ._files import ReportFile, steps_of
from ._input import Customer
from ._onboard import count

__all__ = ["plan"]

#: How each verdict is shown.
_STYLE = {
    "done": "green",
    "exists": "green",
    "create": "cyan",
    "conflict": "bold red",
    "unknown": "yellow",
}

Step = Tuple[str, str, str, str]  # what, target, verdict, note


def plan(client: TenantClient, customers: List[Customer], report: ReportFile, out: Console) -> int:
    """Prints each customer's plan; returns 1 when some customer is in conflict (a run would
    leave it failed), else 0."""
    tally: Dict[str, int] = {"done": 0, "to do": 0, "conflict": 0}
    for customer in customers:
        steps = plan_customer(client, customer.spec, report.checkpoint(customer))
        verdicts = {verdict for _, _, verdict, _ in steps}
        state = (
            "conflict"
            if "conflict" in verdicts
            else "done" if verdicts <= {"done", "exists"} else "to do"
        )
        tally[state] += 1
        head = Text(f"{customer.describe()}: ")
        head.append(state, style=_STYLE.get(state, "cyan"))
        out.print(head)
        width = max(len(target) for _, target, _, _ in steps)
        for what, target, verdict, note in steps:
            line = Text(f"  {what:<13}{target:<{width}}  ")
            line.append(verdict, style=_STYLE[verdict])
            if note:
                line.append(f"  ({note})", style="dim")
            out.print(line)
    out.print(
        f"plan: {count(len(customers), 'customer')}: {tally['to do']} to do, {tally['done']} done, "
        f"{tally['conflict']} in conflict; nothing was written",
        highlight=False,
    )
    return 1 if tally["conflict"] else 0


def plan_customer(
    client: TenantClient, spec: Mapping[str, Any], checkpoint: Optional[Mapping[str, Any]]
) -> List[Step]:
    """The steps of one customer's onboarding, each with its verdict: ``done`` (the report
    says so: not even looked up), ``exists`` (found now), ``create``, ``conflict`` (left
    alone: the customer would fail) or ``unknown``."""
    done = _done(checkpoint)
    name = str(spec.get("name", ""))
    account_id: Optional[str] = spec.get("account_id")
    steps: List[Step] = []
    if account_id:
        steps.append(("account", account_id, "exists", "given by account_id"))
    elif ("account", name) in done and done[("account", name)]:
        account_id = done[("account", name)]
        steps.append(("account", name, "done", f"id {account_id}"))
    else:
        same_name = [
            a for a in client.accounts.list(name=name, per_page=50) if a.get("name") == name
        ]
        ids = ", ".join(str(a.get("id")) for a in same_name)
        if not same_name:
            steps.append(("account", name, "create", ""))
        elif spec.get("customer_ref") and not spec.get("adopt"):
            note = (
                f"{len(same_name)} of this name exist ({ids}); the customer_ref's key finds "
                "this customer's, if made, and leaves the others alone"
            )
            steps.append(("account", name, "create", note))
        elif spec.get("adopt") and len(same_name) == 1:
            account_id = same_name[0].get("id")
            steps.append(("account", name, "exists", f"id {account_id}, adopted"))
        else:
            note = (
                f"{len(same_name)} of this name exist ({ids}) and may be another customer's: "
                "nothing would be touched; give a customer_ref, or adopt"
            )
            return [("account", name, "conflict", note)]
    members, tokens = _existing(client, account_id, spec, done)
    for member in spec.get("members") or []:
        email = str(member.get("email", ""))
        steps.append(("member", email, _verdict(done, "member", email, members), ""))
    user = spec.get("service_user")
    if user:
        email = str(user.get("email", ""))
        if ("service_user", email.lower()) in done and ("invitation", email.lower()) in done:
            steps.append(("service user", email, "done", ""))
        else:
            steps.append(
                (
                    "service user",
                    email,
                    "unknown",
                    "users cannot be looked up without writing; created unless it exists",
                )
            )
    token = spec.get("token")
    if token:
        steps.append(
            (
                "token",
                str(token.get("name", "")),
                _verdict(done, "token", str(token.get("name", "")), tokens),
                "",
            )
        )
    return steps


def _done(checkpoint: Optional[Mapping[str, Any]]) -> Dict[Tuple[str, str], Optional[str]]:
    """The steps a report found done (created or existed), by kind and target: what the
    onboarding flow takes from a checkpoint."""
    found: Dict[Tuple[str, str], Optional[str]] = {}
    for kind, step in steps_of(checkpoint or {}):
        if step.get("status") in ("created", "existed"):
            target = str(step.get("target", ""))
            found[(kind, target if kind == "account" else target.lower())] = step.get("id")
    return found


def _existing(
    client: TenantClient,
    account_id: Optional[str],
    spec: Mapping[str, Any],
    done: Mapping[Tuple[str, str], Optional[str]],
) -> Tuple[Set[str], Set[str]]:
    """The member e-mails and token names of an existing account, read only when a step the
    report does not have needs them."""
    if not account_id:
        return set(), set()
    emails = [str(m.get("email", "")).lower() for m in spec.get("members") or []]
    members: Set[str] = set()
    if any(("member", e) not in done for e in emails):
        members = {
            str((m.get("user") or {}).get("email") or m.get("email", "")).lower()
            for m in client.accounts.members.list(account_id, per_page=50)
        }
    tokens: Set[str] = set()
    token = spec.get("token")
    if token and ("token", str(token.get("name", "")).lower()) not in done:
        tokens = {
            str(t.get("name", "")).lower()
            for t in client.accounts.tokens.list(account_id, per_page=50)
        }
    return members, tokens


def _verdict(
    done: Mapping[Tuple[str, str], Optional[str]], kind: str, target: str, existing: Set[str]
) -> str:
    if (kind, target.lower()) in done:
        return "done"
    return "exists" if target.lower() in existing else "create"
