"""Reading the customers to onboard: a CSV file whose columns are the onboarding spec's own
field names, or JSON Lines (one spec per line). Every customer keeps the line it came from, so
that an error, the plan and the report can name it."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

__all__ = [
    "Customer",
    "InputError",
    "read_customers",
    "is_json_lines",
    "customer_key",
    "CSV_COLUMNS",
]

# Columns taken as they are, one text field of the spec each.
_TEXT = (
    "name",
    "customer_ref",
    "account_id",
    "type",
    "unit_id",
    "business_name",
    "business_address",
    "business_email",
    "business_phone",
    "external_metadata",
)
_FLAGS = ("standalone", "adopt")

#: Where each nested field of the spec comes from in a CSV row (lists are ``;``-separated).
_NESTED = {
    "members[0].email": "admin_email",
    "members[0].roles": "admin_roles",
    "members[0].permission_groups": "admin_permission_groups",
    "service_user.email": "service_user_email",
    "service_user.roles": "service_user_roles",
    "token.name": "token_name",
    "token.permission_groups": "token_permission_groups",
}

#: Every column a CSV file may have.
CSV_COLUMNS = (*_TEXT, *_FLAGS, *_NESTED.values())

_TRUE = ("true", "yes", "1")
_FALSE = ("false", "no", "0", "")


class InputError(Exception):
    """The input file cannot be onboarded as it is: ``line`` (1-based) and ``column`` (a CSV
    column, or a JSON field such as ``members[0].email``) say where, when known."""

    def __init__(
        self, path: Path, message: str, line: Optional[int] = None, column: Optional[str] = None
    ) -> None:
        where = f"{path}"
        if line is not None:
            where += f", line {line}"
        if column:
            where += f", {'field' if is_json_lines(path) else 'column'} {column}"
        super().__init__(f"{where}: {message}")
        self.line = line
        self.column = column


@dataclass
class Customer:
    """One customer of the input: the line its row starts on and its onboarding spec."""

    line: int
    spec: Dict[str, Any]
    #: For a CSV row, the column each spec field came from (``members[0].email``:
    #: ``admin_email``); empty for JSON Lines, whose fields are the spec's own.
    columns: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return customer_key(self.spec)

    def column_of(self, spec_field: str) -> str:
        """The column (CSV) or field (JSON) where ``spec_field`` (as the core names it in an
        error, ``members[0].email``) was given."""
        if not self.columns:
            return spec_field
        for prefix, column in self.columns.items():
            if spec_field == prefix or spec_field.startswith(prefix + "."):
                return column
        return spec_field.split(".")[0].split("[")[0]

    def describe(self) -> str:
        """``line 4 (Acme Corp, crm-0004)``."""
        names = [
            str(self.spec[k]) for k in ("name", "customer_ref", "account_id") if self.spec.get(k)
        ]
        return f"line {self.line} ({', '.join(names)})" if names else f"line {self.line}"


def customer_key(fields: Mapping[str, Any]) -> str:
    """Who a spec (or a report line) is about: its ``customer_ref`` when it has one (the
    partner's own id), else its account name, else the ``account_id`` it names."""
    for key in ("customer_ref", "name", "account_id"):
        value = fields.get(key)
        if isinstance(value, str) and value:
            return f"{key}={value}"
    return ""


def is_json_lines(path: Path) -> bool:
    """JSON Lines when the name ends in ``.jsonl``, ``.ndjson`` or ``.json``; else CSV."""
    return path.suffix.lower() in (".jsonl", ".ndjson", ".json")


def read_customers(path: Path) -> List[Customer]:
    """The customers of ``path`` (see :func:`is_json_lines`). Raises :class:`InputError` at
    the first row that cannot be read, and for a customer given twice (two onboardings of one
    customer would race)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(path, f"cannot be read: {error}") from None
    if is_json_lines(path):
        customers = _read_json_lines(path, text)
    else:
        customers = _read_csv(path, text)
    if not customers:
        raise InputError(path, "has no customer")
    seen: Dict[str, int] = {}
    for customer in customers:
        key = customer.key
        if key and key in seen:
            column, value = key.split("=", 1)
            raise InputError(
                path,
                f"{column} {value!r} is also on line {seen[key]}: give each customer once",
                customer.line,
                column,
            )
        seen[key] = customer.line
    return customers


def _read_json_lines(path: Path, text: str) -> List[Customer]:
    customers = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            spec = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(
                path, f"not JSON: {error.msg} (at character {error.colno})", number
            ) from None
        if not isinstance(spec, dict):
            raise InputError(path, "must be a JSON object: one onboarding spec per line", number)
        if "checkpoint" in spec:
            raise InputError(
                path, "give no checkpoint: the report file is the checkpoint", number, "checkpoint"
            )
        customers.append(Customer(number, spec))
    return customers


def _read_csv(path: Path, text: str) -> List[Customer]:
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = [column.strip() for column in next(reader)]
    except StopIteration:
        raise InputError(path, "is empty: the first line names the columns") from None
    except csv.Error as error:
        raise InputError(path, f"not CSV: {error}", 1) from None
    for column in header:
        if column not in CSV_COLUMNS:
            known = ", ".join(CSV_COLUMNS)
            raise InputError(path, f"unknown column {column!r} (the columns: {known})", 1, column)
        if header.count(column) > 1:
            raise InputError(path, "given twice", 1, column)
    customers = []
    end = reader.line_num
    while True:
        start = end + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise InputError(path, f"not CSV: {error}", start) from None
        end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            raise InputError(path, f"{len(cells)} cells for {len(header)} columns", start)
        row = {column: cell.strip() for column, cell in zip(header, cells)}
        customers.append(Customer(start, _spec_of_row(path, start, row), _NESTED))
    return customers


def _spec_of_row(path: Path, line: int, row: Mapping[str, str]) -> Dict[str, Any]:
    """The spec of a CSV row: empty cells are not given; the core checks the rest."""
    spec: Dict[str, Any] = {k: row[k] for k in _TEXT if row.get(k)}
    for flag in _FLAGS:
        value = row.get(flag, "").lower()
        if value not in _TRUE + _FALSE:
            raise InputError(path, f"must be true or false, got {row[flag]!r}", line, flag)
        if value in _TRUE:
            spec[flag] = True

    def items(column: str) -> List[str]:
        return [item.strip() for item in row.get(column, "").split(";") if item.strip()]

    if any(row.get(c) for c in ("admin_email", "admin_roles", "admin_permission_groups")):
        member: Dict[str, Any] = {"email": row.get("admin_email", "")}
        if items("admin_roles"):
            member["roles"] = items("admin_roles")
        if items("admin_permission_groups"):
            member["permission_groups"] = items("admin_permission_groups")
        spec["members"] = [member]
    if any(row.get(c) for c in ("service_user_email", "service_user_roles")):
        user: Dict[str, Any] = {"email": row.get("service_user_email", "")}
        if items("service_user_roles"):
            user["roles"] = items("service_user_roles")
        spec["service_user"] = user
    if any(row.get(c) for c in ("token_name", "token_permission_groups")):
        spec["token"] = {
            "name": row.get("token_name", ""),
            "permission_groups": items("token_permission_groups"),
        }
    return spec
