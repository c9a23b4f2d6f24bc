"""Helpers shared by the tests: the golden corpus, and sandboxes started on free ports."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import IO, Any, Callable, Dict, Iterator, List, Optional


REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(os.environ.get("CLOUDFLARE_TENANT_FIXTURES", REPO / "tests" / "fixtures"))

ADMIN_TOKEN = "sandbox-token"
ADMIN_EMAIL = "admin@tenant.example"
ADMIN_GLOBAL_KEY = "sandbox-global-key"
PLAIN_TOKEN = "sandbox-plain-token"


def read_cases(path: Path) -> List[Dict[str, Any]]:
    if not path.exists():
        return []
    cases = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(cases, list), f"{path}: expected a JSON array"
    return cases


def operation_dirs() -> List[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith("_"))


# ---- the sandbox -----------------------------------------------------------------------------


def _binary_path(env: str, name: str) -> Path:
    """A binary of the sandbox crate: ``$<env>`` if set, else built with cargo."""
    given = os.environ.get(env)
    if given:
        return Path(given)
    subprocess.run(
        ["cargo", "build", "--quiet", "-p", "cloudflare-tenant-sandbox", "--bin", name],
        cwd=REPO,
        check=True,
    )
    meta = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(json.loads(meta.stdout)["target_directory"]) / "debug" / name


def sandbox_binary_path() -> Path:
    return _binary_path("CLOUDFLARE_TENANT_SANDBOX_BIN", "cloudflare-tenant-sandbox")


def hostile_binary_path() -> Path:
    return _binary_path("CLOUDFLARE_TENANT_HOSTILE_BIN", "hostile")


def _log_file() -> IO[bytes]:
    """A temporary file for a child's output, appended to: the child shares the file's offset
    with this process, and without ``O_APPEND`` each read here (a seek to the start) would move
    where the child writes next, over what it wrote before."""
    log = tempfile.TemporaryFile(mode="w+b")
    flags = fcntl.fcntl(log.fileno(), fcntl.F_GETFL)
    fcntl.fcntl(log.fileno(), fcntl.F_SETFL, flags | os.O_APPEND)
    return log


def _start(command: List[str], log: Any, marker: str) -> subprocess.Popen[bytes]:
    """Starts ``command`` with its output in ``log`` and waits for the line starting with
    ``marker``; raises with the output if it does not come (``log`` closed)."""
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        log.seek(0)
        if any(line.startswith(marker) for line in log.read().decode("utf-8", "replace").splitlines()):
            return process
        if process.poll() is not None:
            break
        time.sleep(0.05)
    log.seek(0)
    output = log.read().decode("utf-8", "replace")
    _stop(process)
    log.close()
    raise RuntimeError(f"{command[0]} did not start: {output}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            process.kill()
            process.wait()


def _first_line(log: Any, marker: str) -> List[str]:
    log.seek(0)
    text: str = log.read().decode("utf-8", "replace")
    return next(line for line in text.splitlines() if line.startswith(marker)).split()


class Sandbox:
    """A running sandbox: ``base_url`` is its ``/client/v4``."""

    def __init__(self, binary: Path, args: List[str]) -> None:
        self._log = _log_file()
        command = [str(binary), "--port", "0", "--seed", "1", *args]
        self._process = _start(command, self._log, "listening on http")
        self.url = _first_line(self._log, "listening on http")[2]
        self.base_url = self.url + "/client/v4"

    def output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def reset(self) -> None:
        request = urllib.request.Request(self.url + "/__sandbox/reset", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def state(self) -> Dict[str, Any]:
        with urllib.request.urlopen(self.url + "/__sandbox/state", timeout=10) as response:
            state: Dict[str, Any] = json.loads(response.read())
        return state

    def close(self) -> None:
        _stop(self._process)
        self._log.close()


class Hostile:
    """The hostile server: ``url`` is its main origin, where every scenario lives as a base URL
    (``/<scenario>/<args>/<tag>``), and ``elsewhere`` the origin its redirects point at."""

    def __init__(self, binary: Path, lifetime_secs: int = 900) -> None:
        self._log = _log_file()
        command = [str(binary), "--port", "0", "--lifetime-secs", str(lifetime_secs)]
        self._process = _start(command, self._log, "hostile on http")
        words = _first_line(self._log, "hostile on http")
        self.url, self.elsewhere = words[2], words[4]

    def base_url(self, scenario: str, tag: str) -> str:
        """The base URL of ``scenario`` (``redirect/301``, ``drip``) for one test's ``tag``."""
        return f"{self.url}/{scenario}/{tag}"

    def requests(self, prefix: str) -> List[Dict[str, Any]]:
        """What either server received under the path ``prefix``, oldest first."""
        query = urllib.parse.urlencode({"prefix": prefix})
        with urllib.request.urlopen(f"{self.url}/_log?{query}", timeout=10) as response:
            log: Dict[str, Any] = json.loads(response.read())
        requests: List[Dict[str, Any]] = log["requests"]
        return requests

    def close(self) -> None:
        _stop(self._process)
        self._log.close()


def unique(prefix: str) -> str:
    """A name no other test uses."""
    return f"{prefix}-{os.getpid()}-{time.monotonic_ns() % 10**9}"
