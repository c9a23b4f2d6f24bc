"""The two files a run writes: the report (one JSON line per customer, the next run's
checkpoint) and the secrets file (mode 0600: what the terminal and the report never show)."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Set, TextIO, Tuple

from .._secret import Secret
from ._input import Customer, customer_key
from ._stops import whole_lines

__all__ = [
    "ReportFile",
    "one_run_at_a_time",
    "SecretsFile",
    "UsageError",
    "public",
    "split_secrets",
    "steps_of",
]

#: The fields of a report line that are the onboarding's report (the rest names the customer).
REPORT_FIELDS = ("account", "members", "service_user", "invitation", "token", "complete")


class UsageError(Exception):
    """The command cannot run as asked (exit status 2)."""


def public(value: Any) -> Any:
    """``value`` with every :class:`Secret` in it masked: what may be printed or kept."""
    if isinstance(value, Secret):
        return "***"
    if isinstance(value, Mapping):
        return {k: public(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [public(v) for v in value]
    return value


def split_secrets(report: Mapping[str, Any]) -> Tuple[Dict[str, Any], Dict[str, Secret]]:
    """The report without its secrets (the core marks them, ``api_key`` and ``token_value``,
    as :class:`Secret`; the keys are dropped even when empty), and the secrets."""
    secrets = {k: v for k, v in report.items() if isinstance(v, Secret)}
    kept = {
        k: v for k, v in report.items() if k not in secrets and k not in ("api_key", "token_value")
    }
    return public(kept), secrets


def identity(customer: Customer) -> Dict[str, Any]:
    """What names a customer in both files: its line, and the spec's ids it has."""
    fields: Dict[str, Any] = {"line": customer.line}
    for key in ("customer_ref", "name", "account_id"):
        if customer.spec.get(key):
            fields[key] = customer.spec[key]
    return fields


@contextlib.contextmanager
def one_run_at_a_time(report: Path) -> Iterator[None]:
    """Holds ``REPORT.lock`` while a run uses the report: a second run on the same report
    stops before it reads or sends anything, since two runs from one checkpoint would each
    create what the other creates. The system drops the lock when the process ends, even when
    killed; the file goes at the end of the run. Without ``fcntl`` (not POSIX), no lock."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    lock = report.with_name(report.name + ".lock")
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except OSError as error:
            raise UsageError(f"{lock}: cannot be opened: {error}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise UsageError(
                f"{report}: another run is using it (it holds {lock.name}); "
                "wait for it to end, or give another --report"
            ) from None
        # The run that held it may have removed the file in between: lock the one in place.
        with contextlib.suppress(OSError):
            if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)


class ReportFile:
    """The report: one JSON line per customer, appended as each onboarding ends (a run killed
    on the way keeps what it wrote), and rewritten with the last line of each customer when a
    run ends. Read back, each customer's line is its checkpoint for the next run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        #: The last line of each customer, by :func:`customer_key`, in the file's order.
        self.lines: Dict[str, Dict[str, Any]] = {}
        #: The last line was cut short (a run was killed while writing it): left out.
        self.torn = False
        #: The file ends with a whole line (or does not exist): lines can be appended.
        self._appendable = True
        self._file: Optional[TextIO] = None

    def read(self) -> None:
        """Reads what an earlier run wrote, if anything. A last line cut short (the run was
        killed while writing it) is left out; any other line that is not a report line is an
        error: this is not the report of a run."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"{self.path}: cannot be read: {error}") from None
        self._appendable = text == "" or text.endswith("\n")
        lines = text.split("\n")
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                if number == len(lines):
                    self.torn = True
                    continue
                entry = None
            if not isinstance(entry, dict) or not isinstance(entry.get("account"), dict):
                raise UsageError(
                    f"{self.path}, line {number}: not a report line; give another --report"
                )
            self.lines[customer_key(entry)] = entry

    def checkpoint(self, customer: Customer) -> Optional[Dict[str, Any]]:
        """The customer's last report, as the onboarding spec's ``checkpoint``."""
        line = self.lines.get(customer.key)
        if line is None:
            return None
        return {k: line[k] for k in REPORT_FIELDS if k in line}

    def unchanged(self, customer: Customer, report: Mapping[str, Any]) -> bool:
        """The report says what the customer's line says: complete, with the same steps done
        (a run that found everything as its checkpoint said leaves the line as it was, with
        what was created when)."""
        line = self.lines.get(customer.key)
        if line is None or not (line.get("complete") and report["complete"]):
            return False
        return _done(line) == _done(report)

    def open(self) -> TextIO:
        """Opens the file to append to, before anything is sent: a report that cannot be
        written stops the command then, not after the first customer."""
        try:
            if not self._appendable:
                self._rewrite(list(self.lines))
            self._file = open(self.path, "a", encoding="utf-8")
        except OSError as error:
            raise UsageError(f"{self.path}: cannot be written: {error}") from None
        return self._file

    def add(self, customer: Customer, report: Mapping[str, Any], secrets: List[str]) -> None:
        """Appends the customer's report (without its secrets) and flushes it."""
        line: Dict[str, Any] = {**identity(customer), **report}
        if secrets:
            line["secrets_saved"] = secrets
        file = self._file or self.open()
        file.write(json.dumps(line, ensure_ascii=False) + "\n")
        file.flush()
        self.lines[customer.key] = line

    def compact(self, customers: List[Customer]) -> None:
        """Rewrites the file with one line per customer: the input's in its order, then any
        other the file had. Atomic: a new file takes the old one's place."""
        self.close()
        if self.lines:
            order = [c.key for c in customers if c.key in self.lines]
            self._rewrite(order + [key for key in self.lines if key not in set(order)])

    def _rewrite(self, order: List[str]) -> None:
        temporary = self.path.with_name(self.path.name + ".tmp")
        with whole_lines():
            with open(temporary, "w", encoding="utf-8") as out:
                for key in order:
                    out.write(json.dumps(self.lines[key], ensure_ascii=False) + "\n")
            os.replace(temporary, self.path)
        self._appendable = True

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def steps_of(report: Mapping[str, Any]) -> List[Tuple[str, Mapping[str, Any]]]:
    """The steps of a report (or a report line), each with its kind: ``account``,
    ``member``, ``service_user``, ``invitation``, ``token``."""
    steps = [("account", report.get("account"))] + [
        ("member", m) for m in report.get("members") or []
    ]
    steps += [(kind, report.get(kind)) for kind in ("service_user", "invitation", "token")]
    return [(kind, step) for kind, step in steps if isinstance(step, Mapping)]


def _done(report: Mapping[str, Any]) -> List[Tuple[str, Any, Any]]:
    """The steps a report found done: kind, target and id."""
    return [
        (kind, step.get("target"), step.get("id"))
        for kind, step in steps_of(report)
        if step.get("status") in ("created", "existed")
    ]


def _ids(entry: Mapping[str, Any]) -> Set[str]:
    """The ids of the token and service user a secrets line is about."""
    return {str(entry[k]) for k in ("token_id", "service_user_id") if entry.get(k)}


class SecretsFile:
    """Where the secrets a run receives go (a token's value, a service user's API key), and
    nowhere else: readable by its owner only (created with mode 0600, or set to it before
    anything is written), one JSON line per customer, appended and synced to disk at once (the
    API shows a secret once)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written = 0
        self._existed = path.exists()
        #: The ids of the tokens and service users whose secret the file holds.
        self.on_file: Set[str] = set()
        if self._existed:
            self._read()
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(path, flags, 0o600)
        except OSError as error:
            raise UsageError(f"{path}: cannot be opened for the secrets: {error}") from None
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
        self._file = os.fdopen(fd, "a", encoding="utf-8")

    def _read(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"{self.path}: cannot be read: {error}") from None
        for line in text.splitlines():
            with contextlib.suppress(ValueError, AttributeError):
                entry = json.loads(line)
                self.on_file.update(_ids(entry))

    def unsaved(self, report: Mapping[str, Any]) -> List[str]:
        """The token and service user of ``report`` that exist and whose secret is in the file
        neither from this run nor from an earlier one (made before, or by a run killed before
        the answer came back)."""
        steps = [(kind, report.get(kind)) for kind in ("token", "service_user")]
        return [
            f"{kind.replace('_', ' ')} {step['target']} (id {step['id']})"
            for kind, step in steps
            if step and step["status"] == "existed" and step["id"] not in self.on_file
        ]

    def add(
        self, customer: Customer, report: Mapping[str, Any], secrets: Mapping[str, Secret]
    ) -> None:
        """Appends the customer's secrets, with what they belong to."""
        entry = {**identity(customer), "account_id": report["account"]["id"]}
        for field, value in secrets.items():
            if field == "token_value" and report.get("token"):
                entry.update(token_name=report["token"]["target"], token_id=report["token"]["id"])
            if field == "api_key" and report.get("service_user"):
                step = report["service_user"]
                entry.update(service_user_email=step["target"], service_user_id=step["id"])
            entry[field] = value.expose()
        self.on_file.update(_ids(entry))
        self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        self.written += 1

    def close(self) -> None:
        """Closes the file; removes it when this run created it and wrote nothing."""
        self._file.close()
        if not self._existed and self.written == 0:
            with contextlib.suppress(OSError):
                self.path.unlink()
