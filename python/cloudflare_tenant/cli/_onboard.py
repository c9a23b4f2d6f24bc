"""``cloudflare-tenant onboard``: every customer of a file through the core's bulk flow, with
a live progress bar, the report written as each customer ends, and the secrets kept apart.

Running it again with the same file continues where it stopped: each customer's last report
line is its spec's ``checkpoint``, so what is done is not looked up nor done again (a finished
customer sends no request at all)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple, cast

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskProgressColumn,
)
from rich.text import Text

from .._client import TenantClient
from .._exceptions import ValidationError
from .._core import Credentials, Onboarding
from ..types import OnboardingReport, OnboardingSpec, Progress as RunProgress
from ._files import ReportFile, SecretsFile, UsageError, split_secrets, steps_of
from ._stops import FinishingTransport, whole_lines
from ._input import Customer, InputError

__all__ = ["check_specs", "onboard", "Board"]


def check_specs(path: Path, customers: List[Customer], credentials: Credentials) -> None:
    """The core's own checks of every spec, before anything is sent: the first bad row raises
    :class:`InputError` with its line and column."""
    for customer in customers:
        try:
            Onboarding(customer.spec, credentials)
        except ValidationError as error:
            raise input_error(path, customer, error) from None


def input_error(path: Path, customer: Customer, error: ValidationError) -> InputError:
    """The core's refusal of a spec (``members[0].email``, or ``specs[3].members[0].email``
    from a bulk run), at the line and column it came from."""
    field = re.sub(r"^specs\[\d+\]\.?", "", error.field or "")
    return InputError(
        path,
        error.reason or str(error),
        customer.line,
        customer.column_of(field) if field else None,
    )


class Board:
    """The live progress bar: done, failed, remaining, requests sent, the current wait, and an
    ETA that counts the rate limit (``limit`` requests per ``window`` seconds)."""

    def __init__(
        self, console: Console, total: int, finished_before: Set[int], limit: int, window: float
    ) -> None:
        self.total, self.limit, self.window = total, limit, window
        self.done = self.failed = self.requests = 0
        self.wait, self.wait_since = 0.0, time.monotonic()
        self.started = time.monotonic()
        #: Customers a checkpoint says are finished: they end at once, with no request, and
        #: are no sample of what the others cost.
        self.finished_before = finished_before
        self.sampled = 0
        # Drawn on a terminal only: a log gets the summary that follows the run instead.
        self.progress = Progress(
            SpinnerColumn(),
            BarColumn(bar_width=24),
            TaskProgressColumn(),
            _StatsColumn(self),
            console=console,
            refresh_per_second=5,
            disable=not console.is_terminal,
        )
        self.task = self.progress.add_task("onboarding", total=total)

    def ended(self, index: int, complete: bool) -> None:
        """One onboarding is over."""
        if complete:
            self.done += 1
        else:
            self.failed += 1
        if index not in self.finished_before:
            self.sampled += 1
        self.progress.update(self.task, completed=self.done + self.failed)

    def update(self, progress: RunProgress) -> None:
        """Where the run is, after an answer."""
        self.requests = progress["requests"]
        self.wait, self.wait_since = progress["current_wait"], time.monotonic()

    def current_wait(self) -> float:
        return max(0.0, self.wait - (time.monotonic() - self.wait_since))

    def eta(self) -> Optional[float]:
        """Seconds left: the requests the customers left will take (as many as each took so
        far), at the rate seen so far; when they need more than one window's budget, at most
        at the rate limit's pace."""
        remaining = self.total - self.done - self.failed
        if remaining == 0:
            return 0.0
        elapsed = time.monotonic() - self.started
        if self.sampled == 0 or self.requests == 0 or elapsed <= 0:
            return None
        left = remaining * self.requests / self.sampled
        rate = self.requests / elapsed
        if self.requests + left > self.limit:
            rate = min(rate, self.limit / self.window)
        return left / rate

    def stats(self) -> str:
        eta = self.eta()
        shown = (
            "-:--:--"
            if eta is None
            else f"{int(eta) // 3600}:{int(eta) % 3600 // 60:02}:{int(eta) % 60:02}"
        )
        remaining = self.total - self.done - self.failed
        return (
            f"{self.done} done · {self.failed} failed · {remaining} left · "
            f"{self.requests} requests · wait {self.current_wait():.1f}s · ETA {shown}"
        )


class _StatsColumn(ProgressColumn):
    """The board's figures, drawn anew at each refresh (the wait and the ETA move on while the
    run sleeps)."""

    def __init__(self, board: Board) -> None:
        super().__init__()
        self.board = board

    def render(self, task: Task) -> Text:
        return Text(self.board.stats())


def onboard(
    client: TenantClient,
    transport: FinishingTransport,
    path: Path,
    customers: List[Customer],
    report: ReportFile,
    secrets_path: Path,
    concurrency: int,
    rate: Tuple[int, float],
    out: Console,
    err: Console,
) -> int:
    """Runs the onboardings with ``client``, whose transport is ``transport``; returns the exit
    status: 0 when every customer is complete, 1 when some are not, 130 when stopped (Ctrl-C,
    SIGTERM: the request in flight finishes, and the report keeps every onboarding that ended
    or was under way)."""
    specs: List[OnboardingSpec] = []
    finished_before: Set[int] = set()
    for index, customer in enumerate(customers):
        checkpoint = report.checkpoint(customer)
        spec = {**customer.spec, "checkpoint": checkpoint} if checkpoint else customer.spec
        specs.append(cast(OnboardingSpec, spec))
        if checkpoint and checkpoint.get("complete"):
            finished_before.add(index)
    report.open()
    secrets = SecretsFile(secrets_path)
    board = Board(err, len(customers), finished_before, *rate)
    ended: Dict[int, OnboardingReport] = {}

    def keep(index: int, onboarding: OnboardingReport) -> None:
        """Writes the customer's secrets, then its report line, as soon as it ends. A report
        that knows nothing (stopped before any answer) or nothing new is not written."""
        customer = customers[index]
        kept, found = split_secrets(onboarding)
        with whole_lines():
            if found:
                secrets.add(customer, onboarding, found)
            if found or not (report.unchanged(customer, kept) or _nothing_done(kept)):
                report.add(customer, kept, sorted(found))
        ended[index] = onboarding
        board.ended(index, onboarding["complete"])

    def progress(now: RunProgress) -> None:
        board.update(now)
        transport.stop_if_asked()  # the answer is kept: a stop asked for during it comes now

    say(
        err,
        f"onboarding {count(len(customers), 'customer')} from {path}"
        + (f" ({len(finished_before)} complete in the report)" if finished_before else ""),
    )
    stopped = False
    try:
        with board.progress:
            client.onboard_many(
                specs,
                concurrency=concurrency,
                threads=concurrency,
                on_progress=progress,
                on_report=keep,
            )
    except KeyboardInterrupt:
        stopped = True
    except ValidationError as error:  # check_specs ran the same checks: a safeguard
        match = re.match(r"specs\[(\d+)\]", error.field or "")
        if match is None:
            raise
        raise input_error(path, customers[int(match.group(1))], error) from None
    finally:
        secrets.close()
        report.compact(customers)
    if stopped:
        complete = sum(r["complete"] for r in ended.values())
        say(
            out,
            f"stopped: {complete} complete, {len(ended) - complete} cut short or failed, "
            f"{len(customers) - len(ended)} not started; run the same command again to continue",
        )
        _where(out, report, secrets)
        return 130
    return _summary(out, customers, ended, report, secrets)


def count(n: int, one: str, many: str = "") -> str:
    """``1 customer``, ``2 customers``."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def say(console: Console, text: str) -> None:
    """Plain text: no markup read in a name, no colours guessed, no line broken in a path."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _summary(
    out: Console,
    customers: List[Customer],
    ended: Dict[int, OnboardingReport],
    report: ReportFile,
    secrets: SecretsFile,
) -> int:
    """What the run ended with, the customers that failed and why, and where the files are;
    returns the exit status."""
    failed = [(customers[i], r) for i, r in sorted(ended.items()) if not r["complete"]]
    complete = len(customers) - len(failed)
    say(out, f"{count(len(customers), 'customer')}: {complete} complete, {len(failed)} failed")
    for customer, onboarding in failed[:10]:
        say(out, f"  {customer.describe()}: {_why(onboarding)}")
    if len(failed) > 10:
        say(out, f"  ... and {len(failed) - 10} more (see the report)")
    unsaved = [
        (customers[i], what) for i, r in sorted(ended.items()) for what in secrets.unsaved(r)
    ]
    if unsaved:
        say(
            out,
            "no secret on file for "
            f"{count(len(unsaved), 'token or service user', 'tokens or service users')} "
            "(made before this run, or by a run killed before its answer came):",
        )
        for customer, what in unsaved[:10]:
            say(out, f"  {customer.describe()}: {what}")
        say(
            out, "  roll a token's value to get a new one; a service user's key cannot be had again"
        )
    _where(out, report, secrets)
    return 1 if failed else 0


def _where(out: Console, report: ReportFile, secrets: SecretsFile) -> None:
    say(out, f"report: {report.path}")
    if secrets.written:
        new = count(secrets.written, "customer's new secrets", "customers' new secrets")
        say(out, f"secrets: {secrets.path} ({new}; mode 0600: keep it safe)")


def _nothing_done(report: Mapping[str, Any]) -> bool:
    """Every step is still pending: the onboarding was stopped before it learnt anything."""
    return all(step["status"] == "pending" for _, step in steps_of(report))


def _why(onboarding: OnboardingReport) -> str:
    """The first step that did not end well, in words."""
    steps = [step for _, step in steps_of(onboarding)]
    for step in steps:
        if step["status"] in ("failed", "conflict"):
            message = (step["error"] or {}).get("message", "")
            return f"{step['target']}: {step['status']}: {message}"
    for step in steps:
        if step["status"] == "pending":
            return f"{step['target']}: not reached"
    return "incomplete"


def default_paths(path: Path, report: Optional[str], secrets: Optional[str]) -> Tuple[Path, Path]:
    """The report and secrets paths: given, or next to the input (``FILE.report.jsonl``,
    ``FILE.secrets.jsonl``); none of the three may be another."""
    report_path = Path(report) if report else path.with_name(path.name + ".report.jsonl")
    secrets_path = Path(secrets) if secrets else path.with_name(path.name + ".secrets.jsonl")
    paths = [path.resolve(), report_path.resolve(), secrets_path.resolve()]
    if len(set(paths)) < 3:
        raise UsageError("the input, the report and the secrets file must be three files")
    return report_path, secrets_path
