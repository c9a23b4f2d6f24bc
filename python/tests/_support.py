"""Helpers shared by the tests: the golden corpus, and sandboxes started on free ports."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional


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


def sandbox_binary_path() -> Path:
    given = os.environ.get("CLOUDFLARE_TENANT_SANDBOX_BIN")
    if given:
        return Path(given)
    subprocess.run(
        ["cargo", "build", "--quiet", "-p", "cloudflare-tenant-sandbox"], cwd=REPO, check=True
    )
    meta = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(json.loads(meta.stdout)["target_directory"]) / "debug" / "cloudflare-tenant-sandbox"


class Sandbox:
    """A running sandbox: ``base_url`` is its ``/client/v4``."""

    def __init__(self, binary: Path, args: List[str]) -> None:
        self._log = tempfile.TemporaryFile(mode="w+b")
        self._process = subprocess.Popen(
            [str(binary), "--port", "0", "--seed", "1", *args],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        self.url = ""
        while time.monotonic() < deadline:
            self._log.seek(0)
            for line in self._log.read().decode("utf-8", "replace").splitlines():
                if line.startswith("listening on http"):
                    self.url = line.split()[2]
                    break
            if self.url:
                break
            if self._process.poll() is not None:
                break
            time.sleep(0.05)
        if not self.url:
            output = self.output()
            self.close()
            raise RuntimeError(f"the sandbox did not start: {output}")
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
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover
                self._process.kill()
                self._process.wait()
        self._log.close()




def unique(prefix: str) -> str:
    """A name no other test uses."""
    return f"{prefix}-{os.getpid()}-{time.monotonic_ns() % 10**9}"
