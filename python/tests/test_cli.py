"""The ``cloudflare-tenant`` command, as an operator runs it: the console script the wheel
installs, against sandboxes. A run stopped halfway (SIGINT, or SIGKILL) under injected faults and
run again ends with every customer onboarded once; ``--plan`` sends nothing but GETs; a bad row
stops everything before a request; ``--json`` has every item of every page; in a terminal the
progress bar reaches 100% and no secret is shown; the exit statuses are 0, 1, 2 and 130."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

import pexpect
import pytest
from _support import ADMIN_TOKEN, Sandbox

import cloudflare_tenant as ct

CLI = Path(sys.executable).parent / "cloudflare-tenant"
ADMIN_ROLE = "Administrator"
TOKEN_GROUP = "Account Settings Read"
COLUMNS = [
    "name",
    "customer_ref",
    "unit_id",
    "business_name",
    "admin_email",
    "admin_roles",
    "token_name",
    "token_permission_groups",
]


def environment(**extra: str) -> Dict[str, str]:
    """The process's environment without any Cloudflare credential, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDFLARE_")}
    env.update(extra)
    return env


def cli(
    sandbox: Optional[Sandbox], *args: str, cwd: Path, timeout: float = 120, **env: str
) -> subprocess.CompletedProcess[str]:
    """Runs the console script to its end, as the tenant administrator unless ``env`` says."""
    base = ["--base-url", sandbox.base_url] if sandbox else []
    return subprocess.run(
        [str(CLI), *base, *args],
        cwd=cwd,
        env=environment(**({"CLOUDFLARE_API_TOKEN": ADMIN_TOKEN} | env)),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def requests_since(sandbox: Sandbox, seq: int = 0) -> List[Dict[str, Any]]:
    """What the sandbox received under /client/v4 after request ``seq``."""
    with urllib.request.urlopen(
        f"{sandbox.url}/__sandbox/requests?since={seq}", timeout=10
    ) as response:
        log: Dict[str, Any] = json.loads(response.read())
    requests: List[Dict[str, Any]] = log["requests"]
    return requests


def request_total(sandbox: Sandbox) -> int:
    with urllib.request.urlopen(f"{sandbox.url}/__sandbox/requests", timeout=10) as response:
        total: int = json.loads(response.read())["total"]
    return total


def unit_of(sandbox: Sandbox) -> str:
    unit: str = sandbox.state()["tenants"][0]["units"][0]["unit_tag"]
    return unit


def customer_rows(prefix: str, count: int, unit: str, start: int = 0) -> List[Dict[str, str]]:
    slug = prefix.lower().replace(" ", "")
    return [
        {
            "name": f"{prefix} {i:03}",
            "customer_ref": f"crm-{slug}-{i:04}",
            "unit_id": unit,
            "business_name": f"{prefix} {i:03} Ltd",
            "admin_email": f"admin@{slug}{i}.example",
            "admin_roles": ADMIN_ROLE,
            "token_name": "customer-api",
            "token_permission_groups": TOKEN_GROUP,
        }
        for i in range(start, start + count)
    ]


def write_csv(path: Path, rows: Sequence[Dict[str, str]], columns: Sequence[str] = COLUMNS) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)
    return path


def report_lines(path: Path) -> List[Dict[str, Any]]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def onboarded(sandbox: Sandbox, rows: Sequence[Dict[str, str]]) -> Dict[str, int]:
    """Counts, for the customers of ``rows``, what the sandbox holds: accounts with each name,
    and, in those accounts, admins and tokens."""
    state = sandbox.state()
    names = {row["name"] for row in rows}
    accounts = [a for a in state["accounts"] if a["name"] in names]
    by_name = Counter(a["name"] for a in accounts)
    ids = {a["id"] for a in accounts}
    emails = {row["admin_email"] for row in rows}
    admins = Counter(
        (m["account_id"], m["email"])
        for m in state["members"]
        if m["account_id"] in ids and m["email"] in emails
    )
    tokens = Counter(
        (t["account_id"], t["name"]) for t in state["tokens"] if t["account_id"] in ids
    )
    return {
        "customers": len(names),
        "with_one_account": sum(1 for n in names if by_name[n] == 1),
        "duplicate_accounts": sum(n - 1 for n in by_name.values()),
        "missing_accounts": sum(1 for n in names if by_name[n] == 0),
        "admins": len(admins),
        "duplicate_admins": sum(n - 1 for n in admins.values()),
        "tokens": len(tokens),
        "duplicate_tokens": sum(n - 1 for n in tokens.values()),
    }


def secrets_of(path: Path) -> List[str]:
    """Every secret value in a secrets file."""
    values = []
    for entry in report_lines(path):
        values += [entry[k] for k in ("token_value", "api_key") if entry.get(k)]
    return values


# ---- the command and its extra ---------------------------------------------------------------


def test_the_console_script_is_installed_with_readable_help(tmp_path: Path) -> None:
    assert CLI.exists(), "the wheel installs the cloudflare-tenant script"
    top = cli(None, "--help", cwd=tmp_path)
    assert top.returncode == 0
    for command in ("onboard", "accounts", "tenants", "memberships", "user"):
        assert f"\n    {command}" in top.stdout, command
    members = cli(None, "accounts", "members", "list", "--help", cwd=tmp_path)
    assert (
        members.returncode == 0 and "ACCOUNT_ID" in members.stdout and "--status" in members.stdout
    )
    assert "GET /accounts/{account_id}/members (every page)" in members.stdout
    assert "--page " not in members.stdout, "lists are read whole"
    onboard = cli(None, "onboard", "--help", cwd=tmp_path)
    assert "token_permission_groups" in onboard.stdout and "--plan" in onboard.stdout
    # No write operation is a command.
    assert cli(None, "accounts", "create", "--help", cwd=tmp_path).returncode == 2
    assert cli(None, cwd=tmp_path).returncode == 2


def test_without_the_cli_extra_it_says_how_to_install_it(tmp_path: Path) -> None:
    # As if rich were not installed: its import fails.
    code = "import sys; sys.modules['rich'] = None; from cloudflare_tenant.cli import main; sys.exit(main(['accounts', 'list']))"
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "pip install 'cloudflare-tenant[cli]'" in run.stderr
    assert "Traceback" not in run.stderr
    # With it, python -m runs the same command.
    module = subprocess.run(
        [sys.executable, "-m", "cloudflare_tenant.cli", "--version"],
        cwd=tmp_path,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert module.returncode == 0 and ct.__version__ in module.stdout


# ---- stopped and run again, under faults -----------------------------------------------------

CUSTOMERS = 24
LIMIT, WINDOW = 40, 2


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL], ids=["sigint", "sigkill"])
def test_a_run_stopped_halfway_under_faults_resumes_and_onboards_each_customer_once(
    start_sandbox: Callable[..., Sandbox],
    tmp_path: Path,
    stop: signal.Signals,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sandbox = start_sandbox(
        "--faults",
        "0.25",
        "--latency-ms",
        "100",
        "--rate-limit",
        str(LIMIT),
        "--rate-window",
        str(WINDOW),
    )
    rows = customer_rows(f"Resume {stop.name}", CUSTOMERS, unit_of(sandbox))
    path = write_csv(tmp_path / "customers.csv", rows)
    report = tmp_path / "customers.csv.report.jsonl"
    secrets = tmp_path / "customers.csv.secrets.jsonl"
    command = [
        str(CLI),
        "--base-url",
        sandbox.base_url,
        "onboard",
        path.name,
        "--rate-limit",
        f"{LIMIT}/{WINDOW}",
    ]
    env = environment(CLOUDFLARE_API_TOKEN=ADMIN_TOKEN)
    outputs: List[str] = []

    # The first run, stopped once a few customers are in the report.
    with open(tmp_path / "first.out", "w+", encoding="utf-8") as out:
        first = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and first.poll() is None:
            if report.exists() and len(report.read_text().splitlines()) >= 4:
                break
            time.sleep(0.02)
        first.send_signal(stop)
        status = first.wait(timeout=60)
        out.seek(0)
        outputs.append(out.read())
    assert status == (130 if stop == signal.SIGINT else -signal.SIGKILL), outputs[0]
    stopped = {line["customer_ref"]: line for line in report_lines(report)}
    finished = {ref for ref, line in stopped.items() if line["complete"]}
    assert 1 <= len(finished) < CUSTOMERS, "stopped halfway"
    if stop == signal.SIGINT:
        assert "run the same command again to continue" in outputs[0]
    seq = request_total(sandbox)

    # Run again until done: each run continues from the report (a customer may fail a run: a
    # quarter of the requests meet a fault, and a step whose retries all met one fails).
    runs = 0
    while True:
        runs += 1
        again = cli(
            sandbox, "onboard", path.name, "--rate-limit", f"{LIMIT}/{WINDOW}", cwd=tmp_path
        )
        outputs.append(again.stdout + again.stderr)
        assert again.returncode in (0, 1), outputs[-1]
        if again.returncode == 0 or runs == 5:
            break
        print(again.stdout)  # which customers failed, and why
    assert again.returncode == 0, outputs[-1]

    # Every customer once, and the report says so, one line each.
    counts = onboarded(sandbox, rows)
    assert counts == {
        "customers": CUSTOMERS,
        "with_one_account": CUSTOMERS,
        "duplicate_accounts": 0,
        "missing_accounts": 0,
        "admins": CUSTOMERS,
        "duplicate_admins": 0,
        "tokens": CUSTOMERS,
        "duplicate_tokens": 0,
    }
    lines = report_lines(report)
    assert sorted(line["customer_ref"] for line in lines) == sorted(
        row["customer_ref"] for row in rows
    )
    assert all(line["complete"] for line in lines)
    accounts = {a["name"]: a["id"] for a in sandbox.state()["accounts"]}
    assert all(line["account"]["id"] == accounts[line["name"]] for line in lines)
    # A customer finished before the stop got no request at all after it.
    after = requests_since(sandbox, seq)
    for ref in finished:
        account_id = stopped[ref]["account"]["id"]
        assert not [r for r in after if account_id in r["path"]], ref
    # Every token's value is on file (Ctrl-C lets the request in flight finish), but after a
    # SIGKILL for one whose create was the request in flight (the API made it, its answer was
    # lost with the process): the command names it.
    ours = set(accounts[row["name"]] for row in rows)
    tokens = {t["id"] for t in sandbox.state()["tokens"] if t["account_id"] in ours}
    saved = {entry["token_id"] for entry in report_lines(secrets)}
    assert saved <= tokens
    unsaved = tokens - saved
    assert len(unsaved) <= (0 if stop == signal.SIGINT else 1)
    for token_id in unsaved:
        assert (
            "no secret on file for 1 token or service user" in outputs[-1]
            and token_id in outputs[-1]
        )
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    # No secret was shown or reported.
    values = secrets_of(secrets)
    assert len(values) == len(saved)
    shown = "\n".join(outputs) + report.read_text()
    assert not [v for v in values if v in shown]
    faults = sandbox.state()["counters"]["faults"]
    with capsys.disabled():
        print(
            f"\n[cli resume, {stop.name}] customers {CUSTOMERS}: {len(finished)} complete when stopped, "
            f"{runs} more run(s); faults {sum(faults.values())} {faults}; "
            f"duplicate accounts {counts['duplicate_accounts']}, admins {counts['duplicate_admins']}, "
            f"tokens {counts['duplicate_tokens']}; finished customers' requests after the stop: 0; "
            f"token values on file {len(saved)}/{CUSTOMERS}"
        )


def test_ctrl_c_lets_the_request_in_flight_finish_so_no_secret_is_lost(
    start_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    # Every answer comes 1.5 s late: Ctrl-C while the token's create is on its way.
    sandbox = start_sandbox("--fault-latency", "1", "--latency-ms", "1500")
    path = write_csv(tmp_path / "customers.csv", customer_rows("Finishing", 1, unit_of(sandbox)))
    command = [str(CLI), "--base-url", sandbox.base_url, "onboard", path.name]
    env = environment(CLOUDFLARE_API_TOKEN=ADMIN_TOKEN)
    run = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        sent = [
            r
            for r in requests_since(sandbox)
            if r["path"].endswith("/tokens") and r["method"] == "POST"
        ]
        if sent:
            break
        time.sleep(0.05)
    assert sent and sent[0]["status"] is None, "the create is on its way"
    run.send_signal(signal.SIGINT)
    out, _ = run.communicate(timeout=60)
    assert run.returncode == 130, out
    assert "stopped: 1 complete" in out
    # Its answer was kept: the token's value is on file and the report says it is done.
    [line] = report_lines(tmp_path / "customers.csv.report.jsonl")
    assert line["complete"] and line["token"]["status"] == "created"
    [entry] = report_lines(tmp_path / "customers.csv.secrets.jsonl")
    assert entry["token_id"] == line["token"]["id"] and entry["token_value"]
    # A second Ctrl-C does not wait.
    path = write_csv(tmp_path / "more.csv", customer_rows("Impatient", 1, unit_of(sandbox)))
    run = subprocess.Popen(
        [*command[:-1], path.name], cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True
    )
    time.sleep(1.0)
    run.send_signal(signal.SIGINT)
    time.sleep(0.1)
    started = time.monotonic()
    run.send_signal(signal.SIGINT)
    out, _ = run.communicate(timeout=60)
    assert run.returncode == 130 and time.monotonic() - started < 1.0, out


# ---- plan ------------------------------------------------------------------------------------


def test_one_run_at_a_time_uses_a_report(sandbox: Sandbox, tmp_path: Path) -> None:
    import fcntl

    rows = customer_rows("Locked", 2, unit_of(sandbox))
    path = write_csv(tmp_path / "customers.csv", rows)
    lock = tmp_path / "customers.csv.report.jsonl.lock"
    # Another run holds the report: this one stops before it reads or sends anything.
    with open(lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        for args in (["onboard", path.name], ["onboard", path.name, "--plan"]):
            second = cli(sandbox, *args, cwd=tmp_path)
            assert second.returncode == 2, second
            assert "another run is using it (it holds customers.csv.report.jsonl.lock)" in (
                second.stderr
            )
        assert request_total(sandbox) == 0
        assert not (tmp_path / "customers.csv.report.jsonl").exists()
    # A lock file left by a killed run holds nothing: the next run goes on, and removes it.
    assert lock.exists()
    run = cli(sandbox, "onboard", path.name, cwd=tmp_path)
    assert run.returncode == 0, run
    assert len(report_lines(tmp_path / "customers.csv.report.jsonl")) == 2
    assert not lock.exists()


def test_plan_reads_and_writes_nothing(
    sandbox: Sandbox, admin: ct.TenantClient, tmp_path: Path
) -> None:
    unit = unit_of(sandbox)
    done = customer_rows("Planned", 2, unit)
    path = write_csv(tmp_path / "customers.csv", done)
    assert cli(sandbox, "onboard", path.name, cwd=tmp_path).returncode == 0
    # A stranger's account named as a customer that has no customer_ref: a conflict.
    admin.accounts.create(name="Taken Name")
    new = customer_rows("Planned", 1, unit, start=2)
    taken = {**customer_rows("Taken", 1, unit)[0], "name": "Taken Name", "customer_ref": ""}
    write_csv(path, done + new + [taken])
    report = tmp_path / "customers.csv.report.jsonl"
    before = report.read_bytes()
    files = sorted(p.name for p in tmp_path.iterdir())
    seq = request_total(sandbox)
    state = sandbox.state()

    plan = cli(sandbox, "onboard", path.name, "--plan", cwd=tmp_path)

    assert plan.returncode == 1, "a conflict: the run would fail that customer"
    out = plan.stdout
    assert "line 2 (Planned 000, crm-planned-0000): done" in out
    assert "line 3 (Planned 001, crm-planned-0001): done" in out
    assert "line 4 (Planned 002, crm-planned-0002): to do" in out
    assert "line 5 (Taken Name): conflict" in out
    assert "plan: 4 customers: 1 to do, 2 done, 1 in conflict; nothing was written" in out
    sent = requests_since(sandbox, seq)
    assert sent and {r["method"] for r in sent} == {"GET"}
    assert len(sent) == 2, "a lookup by name for each customer the report does not have"
    assert report.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == files
    after = sandbox.state()
    assert (after["accounts"], after["members"], after["tokens"]) == (
        state["accounts"],
        state["members"],
        state["tokens"],
    )


# ---- bad input -------------------------------------------------------------------------------


def test_a_bad_row_is_named_by_line_and_column_and_nothing_is_sent(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    unit = unit_of(sandbox)
    rows = customer_rows("Bad", 4, unit)
    cases = [
        # (the row, what it says instead, where the error is, how it is said)
        (2, {"unit_id": "../escape"}, "line 4, column unit_id", "32 lowercase hex"),
        (
            1,
            {"admin_roles": ""},
            "line 3, column admin_roles",
            "give roles, permission_groups or policies",
        ),
        (
            3,
            {"admin_email": "a" * 90 + "@example.com"},
            "line 5, column admin_email",
            "at most 90 characters",
        ),
        (
            2,
            {"token_permission_groups": " ; "},
            "line 4, column token_permission_groups",
            "at least one permission group",
        ),
        (
            1,
            {"customer_ref": rows[0]["customer_ref"]},
            "line 3, column customer_ref",
            "is also on line 2",
        ),
    ]
    for index, change, where, says in cases:
        path = write_csv(
            tmp_path / "customers.csv",
            [dict(row, **change) if i == index else row for i, row in enumerate(rows)],
        )
        run = cli(sandbox, "onboard", path.name, cwd=tmp_path)
        assert run.returncode == 2, run
        assert f"customers.csv, {where}: " in run.stderr and says in run.stderr, run.stderr
    # Not a flag, not a column, not JSON: each at its place.
    flag = write_csv(tmp_path / "flag.csv", [dict(rows[0], adopt="maybe")], [*COLUMNS, "adopt"])
    assert (
        "flag.csv, line 2, column adopt: must be true or false"
        in cli(sandbox, "onboard", flag.name, cwd=tmp_path).stderr
    )
    (tmp_path / "column.csv").write_text("name,nmae\nAcme,Acme\n")
    unknown = cli(sandbox, "onboard", "column.csv", cwd=tmp_path)
    assert (
        unknown.returncode == 2
        and "column.csv, line 1, column nmae: unknown column" in unknown.stderr
    )
    lines = [
        json.dumps({"name": "Good", "customer_ref": "j-1"}),
        "",
        json.dumps({"name": "Bad", "members": [{"email": "x@example.com"}]}),
    ]
    (tmp_path / "customers.jsonl").write_text("\n".join(lines) + "\n")
    jsonl = cli(sandbox, "onboard", "customers.jsonl", cwd=tmp_path)
    assert (
        jsonl.returncode == 2
        and "customers.jsonl, line 3, field members[0].roles: " in jsonl.stderr
    )
    (tmp_path / "broken.jsonl").write_text('{"name": "A"}\n{"name": \n')
    assert (
        "broken.jsonl, line 2: not JSON"
        in cli(sandbox, "onboard", "broken.jsonl", cwd=tmp_path).stderr
    )
    # Nothing was sent, nothing was written.
    assert request_total(sandbox) == 0
    assert not list(tmp_path.glob("*.report.jsonl")) and not list(tmp_path.glob("*.secrets.jsonl"))


# ---- read commands ---------------------------------------------------------------------------


def test_json_lists_every_item_of_every_page(
    sandbox: Sandbox, admin: ct.TenantClient, tmp_path: Path
) -> None:
    names = [f"Listed {i:02}" for i in range(23)]
    for name in names:
        admin.accounts.create(name=name)
    tenant = next(iter(admin.user.tenants.list()))["id"]
    seq = request_total(sandbox)

    accounts = cli(sandbox, "accounts", "list", "--per-page", "5", "--json", cwd=tmp_path)
    assert accounts.returncode == 0, accounts.stderr
    items = json.loads(accounts.stdout)
    assert sorted(a["name"] for a in items) == names
    pages = [r for r in requests_since(sandbox, seq) if r["path"].endswith("/accounts")]
    assert len(pages) == 5, "23 accounts, 5 a page"

    tenant_accounts = json.loads(
        cli(
            sandbox,
            "tenants",
            "accounts",
            "list",
            tenant,
            "--per-page",
            "5",
            "--json",
            cwd=tmp_path,
        ).stdout
    )
    assert sorted(a["name"] for a in tenant_accounts) == names
    one = json.loads(cli(sandbox, "accounts", "get", items[0]["id"], "--json", cwd=tmp_path).stdout)
    assert one["id"] == items[0]["id"] and one["name"] == items[0]["name"]
    roles = json.loads(
        cli(sandbox, "accounts", "roles", "list", items[0]["id"], "--json", cwd=tmp_path).stdout
    )
    assert len(roles) == 109 and "Administrator" in {r["name"] for r in roles}

    table = cli(sandbox, "accounts", "list", "--direction", "desc", cwd=tmp_path, COLUMNS="160")
    assert table.returncode == 0 and "23 items" in table.stdout
    assert table.stdout.index("Listed 22") < table.stdout.index("Listed 00")
    assert cli(sandbox, "accounts", "list", "--direction", "sideways", cwd=tmp_path).returncode == 2


# ---- in a terminal ---------------------------------------------------------------------------


def test_in_a_terminal_the_progress_bar_reaches_100_and_no_secret_is_shown(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    unit = unit_of(sandbox)
    rows = customer_rows("Terminal", 6, unit)
    for i in (0, 3):
        rows[i]["service_user_email"] = f"svc-terminal{i}@partner.example"
    path = write_csv(tmp_path / "customers.csv", rows, [*COLUMNS, "service_user_email"])
    child = pexpect.spawn(
        str(CLI),
        ["--base-url", sandbox.base_url, "onboard", path.name],
        cwd=str(tmp_path),
        env=environment(CLOUDFLARE_API_TOKEN=ADMIN_TOKEN, TERM="xterm-256color"),
        dimensions=(40, 200),
        encoding="utf-8",
        timeout=120,
    )
    child.expect(pexpect.EOF)
    child.close()
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", str(child.before))  # without colours
    assert child.exitstatus == 0, screen
    assert "━" in screen and "100%" in screen, "the bar was drawn, and ended full"
    assert "6 done · 0 failed · 0 left" in screen
    assert "6 customers: 6 complete, 0 failed" in screen
    secrets = tmp_path / "customers.csv.secrets.jsonl"
    assert f"secrets: {secrets.name}" in screen
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    saved = report_lines(secrets)
    values = secrets_of(secrets)
    assert len(saved) == 6 and len(values) == 6 + 2, "six tokens, two service users' keys"
    report = (tmp_path / "customers.csv.report.jsonl").read_text()
    assert not [v for v in values if v in screen or v in report]
    lines = report_lines(tmp_path / "customers.csv.report.jsonl")
    assert not [line for line in lines if "token_value" in line or "api_key" in line]
    assert (
        sorted(line["secrets_saved"] == ["api_key", "token_value"] for line in lines)
        == [False] * 4 + [True] * 2
    )
    # The secrets kept are the working ones.
    for entry in saved:
        with ct.TenantClient(
            api_token=entry["token_value"], base_url=sandbox.base_url
        ) as as_customer:
            assert (
                as_customer.accounts.tokens.verify(entry["account_id"])["id"] == entry["token_id"]
            )
    with_key = [e for e in saved if e.get("api_key")]
    assert len(with_key) == 2
    for entry in with_key:
        as_user = ct.TenantClient(user_service_key=entry["api_key"], base_url=sandbox.base_url)
        assert as_user.user.get()["email"] == entry["service_user_email"]


# ---- exit statuses ---------------------------------------------------------------------------


def test_exit_statuses(sandbox: Sandbox, admin: ct.TenantClient, tmp_path: Path) -> None:
    unit = unit_of(sandbox)
    # 1: a customer fails (a stranger's account has its name, and it has no customer_ref).
    admin.accounts.create(name="Someone Else")
    rows = customer_rows("Status", 2, unit) + [
        dict(customer_rows("Status", 1, unit, 2)[0], name="Someone Else", customer_ref="")
    ]
    path = write_csv(tmp_path / "customers.csv", rows)
    failed = cli(sandbox, "onboard", path.name, cwd=tmp_path)
    assert failed.returncode == 1, failed
    assert "3 customers: 2 complete, 1 failed" in failed.stdout
    assert "line 4 (Someone Else): Someone Else: conflict: " in failed.stdout
    # 0: the same file without it.
    write_csv(path, rows[:2])
    assert cli(sandbox, "onboard", path.name, cwd=tmp_path).returncode == 0
    # 2: usage and input.
    assert cli(sandbox, "onboard", "missing.csv", cwd=tmp_path).returncode == 2
    assert cli(sandbox, "onboard", path.name, "--concurrency", "0", cwd=tmp_path).returncode == 2
    assert cli(sandbox, "onboard", path.name, "--report", path.name, cwd=tmp_path).returncode == 2
    assert cli(sandbox, "accounts", "get", "../../user", cwd=tmp_path).returncode == 2
    anonymous = cli(sandbox, "user", "get", cwd=tmp_path, CLOUDFLARE_API_TOKEN="")
    assert (
        anonymous.returncode == 2 and "no credentials: set CLOUDFLARE_API_TOKEN" in anonymous.stderr
    )
    # 1: the API refused a read; the credential is never in what is printed.
    unknown = cli(sandbox, "--api-token", "not-a-token-5ecret", "user", "get", cwd=tmp_path)
    assert unknown.returncode == 1 and "PermissionDeniedError" in unknown.stderr
    assert "5ecret" not in unknown.stdout + unknown.stderr
    assert cli(sandbox, "accounts", "get", "0" * 32, cwd=tmp_path).returncode == 1
    # The credentials from the environment, the global key's pair too.
    by_key = cli(
        sandbox,
        "user",
        "get",
        "--json",
        cwd=tmp_path,
        CLOUDFLARE_API_TOKEN="",
        CLOUDFLARE_EMAIL="admin@tenant.example",
        CLOUDFLARE_API_KEY="sandbox-global-key",
    )
    assert by_key.returncode == 0 and json.loads(by_key.stdout)["email"] == "admin@tenant.example"
