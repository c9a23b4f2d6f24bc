"""The command line: its arguments, its credentials and its exit statuses."""

from __future__ import annotations

import argparse
import os
import textwrap
from pathlib import Path
from typing import List, Optional, Tuple

from rich.console import Console

from .._client import TenantClient
from .._core import CORE_VERSION, DEFAULT_BASE_URL, Credentials
from .._exceptions import CloudflareError, ValidationError
from .._transport import UrllibTransport
from ._files import ReportFile, UsageError, one_run_at_a_time
from ._input import CSV_COLUMNS, InputError, read_customers
from ._onboard import check_specs, default_paths, onboard, say
from ._plan import plan
from ._read import add_read_commands, run_read
from ._stops import FinishingTransport, stop_on_term

__all__ = ["run"]

_DESCRIPTION = """\
Onboards customers onto Cloudflare's Tenant API from a file, and reads the rest of the API.

Credentials come from the environment: CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL with
CLOUDFLARE_API_KEY (the flags below override them, but a flag's value can be seen by other
users of the machine: prefer the environment). They are never printed."""

_EPILOG = """\
exit status: 0 done; 1 some customers failed or are incomplete (onboard), in conflict
(onboard --plan), or the API refused a read; 2 bad usage or input; 130 stopped (Ctrl-C)."""

_ONBOARD_DESCRIPTION = f"""\
Onboards every customer of FILE with the core's bulk flow: the account (on a unit, with KYC),
its admin, and a token or a service user, paced under the rate limit, each account create
keyed so that a retry never makes a second account.

FILE is CSV (a header line, then one customer per line) or JSON Lines (a name ending in
.jsonl, .ndjson or .json: one onboarding spec per line, in the spec's own fields). The CSV
columns are the spec's field names; empty cells are not given:

{textwrap.fill(", ".join(CSV_COLUMNS), 92, initial_indent="  ", subsequent_indent="  ")}

admin_* make the one member (roles or permission groups by name or id, separated by ";"),
service_user_* the service user, token_* the account-owned token. Give each customer a
customer_ref (your own id for it): the account's create key derives from it, so no run can
take another customer's account of the same name for it.

Every row is checked before anything is sent: a bad row stops the command (exit 2) with its
line and column, and nothing is sent for any row.

The report (REPORT, default FILE.report.jsonl) gets one JSON line per customer as each ends;
run the same command again and each customer continues from its line: what is done is not
done again. One run at a time uses a report (it holds REPORT.lock): another stops (exit 2).
Secrets (token values, service users' API keys) go only to the secrets file
(SECRETS, default FILE.secrets.jsonl, mode 0600), never to the terminal or the report.
Ctrl-C stops the run once the request on its way is answered (twice: at once), keeping the
report of every customer under way."""


def run(argv: List[str]) -> int:
    """Runs the command line ``argv``; returns its exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    out, err = Console(), Console(stderr=True)
    try:
        if args.command == "onboard":
            return _onboard(args, out, err)
        with _client(args) as client:
            return run_read(client, args, out)
    except (UsageError, InputError, ValidationError) as error:
        say(err, f"cloudflare-tenant: {error}")
        return 2
    except CloudflareError as error:
        say(err, f"cloudflare-tenant: {type(error).__name__}: {error}")
        return 1
    except KeyboardInterrupt:
        err.print("cloudflare-tenant: stopped")
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cloudflare-tenant",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {CORE_VERSION}")
    parser.add_argument(
        "--base-url", metavar="URL", default=None, help=f"the API (default {DEFAULT_BASE_URL})"
    )
    login = parser.add_argument_group("credentials (prefer the environment)")
    login.add_argument("--api-token", metavar="TOKEN", help="an API token (CLOUDFLARE_API_TOKEN)")
    login.add_argument(
        "--api-email", metavar="EMAIL", help="the user's e-mail, with --api-key (CLOUDFLARE_EMAIL)"
    )
    login.add_argument(
        "--api-key", metavar="KEY", help="the global API key, with --api-email (CLOUDFLARE_API_KEY)"
    )
    login.add_argument("--user-service-key", metavar="KEY", help="a service user's key")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    onboard = commands.add_parser(
        "onboard",
        help="onboard the customers of a CSV or JSON Lines file (resumable)",
        description=_ONBOARD_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_EPILOG,
    )
    onboard.add_argument(
        "file", metavar="FILE", type=Path, help="the customers: CSV, or JSON Lines"
    )
    onboard.add_argument(
        "--plan",
        action="store_true",
        help="say what would be done, with read requests only; write nothing",
    )
    onboard.add_argument(
        "--concurrency",
        type=_positive,
        default=8,
        metavar="N",
        help="onboardings under way at once, each with its request in flight (default 8)",
    )
    onboard.add_argument(
        "--report",
        metavar="REPORT",
        help="the report, and where a run continues from (default FILE.report.jsonl)",
    )
    onboard.add_argument(
        "--secrets",
        metavar="SECRETS",
        help="where secrets go (default FILE.secrets.jsonl, mode 0600)",
    )
    onboard.add_argument(
        "--rate-limit",
        type=_rate,
        default=(1200, 300.0),
        metavar="N/SECONDS",
        help="the budget each credential stays under (default Cloudflare's: 1200/300)",
    )
    onboard.set_defaults(command="onboard")
    add_read_commands(commands)
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1, got {text!r}")
    return value


def _rate(text: str) -> Tuple[int, float]:
    """``1200/300``: requests per window of seconds."""
    limit, _, window = text.partition("/")
    try:
        pair = (int(limit), float(window))
    except ValueError:
        pair = (0, 0.0)
    if pair[0] < 1 or not pair[1] > 0:
        raise argparse.ArgumentTypeError(f"give requests/seconds, e.g. 1200/300; got {text!r}")
    return pair


def _credentials(args: argparse.Namespace) -> Credentials:
    """From the flags when given, else from the environment. A refusal names the field at
    fault, never its value."""
    given = {
        key: getattr(args, key)
        for key in ("api_token", "api_email", "api_key", "user_service_key")
        if getattr(args, key)
    }
    if given:
        return Credentials.from_dict(given)
    found = Credentials.from_environment(os.environ)
    if found is None:
        raise UsageError(
            "no credentials: set CLOUDFLARE_API_TOKEN (or CLOUDFLARE_EMAIL and "
            "CLOUDFLARE_API_KEY), or give --api-token"
        )
    return found


def _client(
    args: argparse.Namespace,
    credentials: Optional[Credentials] = None,
    pace: Tuple[int, float] = (1200, 300.0),
    transport: Optional[FinishingTransport] = None,
) -> TenantClient:
    return TenantClient(
        credentials=credentials or _credentials(args),
        base_url=args.base_url,
        pace=pace,
        transport=transport,
    )


def _onboard(args: argparse.Namespace, out: Console, err: Console) -> int:
    path: Path = args.file
    customers = read_customers(path)
    report_path, secrets_path = default_paths(path, args.report, args.secrets)
    credentials = _credentials(args)
    check_specs(path, customers, credentials)
    with one_run_at_a_time(report_path):
        report = ReportFile(report_path)
        report.read()
        if report.torn:
            say(err, f"{report_path}: its last line was cut short (a run was killed writing it)")
        if args.plan:
            with _client(args, credentials, args.rate_limit) as client:
                return plan(client, customers, report, out)
        stop_on_term()
        transport = FinishingTransport(UrllibTransport())
        with _client(args, credentials, args.rate_limit, transport) as client:
            return onboard(
                client,
                transport,
                path,
                customers,
                report,
                secrets_path,
                args.concurrency,
                args.rate_limit,
                out,
                err,
            )
