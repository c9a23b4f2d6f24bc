"""The typed example runs, against the sandbox, with the installed package."""

from __future__ import annotations

import os
import subprocess
import sys

from _support import ADMIN_TOKEN, REPO, Sandbox


def test_typed_example_onboards_a_customer(sandbox: Sandbox, tmp_path: object) -> None:
    env = dict(os.environ)
    env.update(CLOUDFLARE_TENANT_BASE_URL=sandbox.base_url, CLOUDFLARE_API_TOKEN=ADMIN_TOKEN)
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [sys.executable, "-W", "error", str(REPO / "python" / "examples" / "typed_example.py")],
        env=env,
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "onboarded" in done.stdout
    assert "Secret('***')" in done.stdout
    assert "accounts:" in done.stdout
