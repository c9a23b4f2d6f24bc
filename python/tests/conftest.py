"""Fixtures: sandboxes started on free ports (one per configuration, reset per test), and the
hostile server (one per session)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterator, List

import pytest
from _support import ADMIN_TOKEN, REPO, Hostile, Sandbox, hostile_binary_path, sandbox_binary_path

import cloudflare_tenant


def pytest_configure(config: pytest.Config) -> None:
    # The suite proves the installed wheel, not the source tree next to it.
    if os.environ.get("CLOUDFLARE_TENANT_ALLOW_SOURCE_IMPORT") != "1":
        package = Path(cloudflare_tenant.__file__).resolve()
        source = (REPO / "python" / "cloudflare_tenant").resolve()
        if source in package.parents or package.parent == source:
            raise pytest.UsageError(
                f"cloudflare_tenant was imported from the source tree ({package}), "
                "not from the installed wheel"
            )



@pytest.fixture(scope="session")
def sandbox_binary() -> Path:
    return sandbox_binary_path()


@pytest.fixture(scope="session")
def start_sandbox(sandbox_binary: Path) -> Iterator[Callable[..., Sandbox]]:
    """Starts sandboxes with the given flags, stopped at the end of the session."""
    running: List[Sandbox] = []

    def start(*args: str) -> Sandbox:
        sandbox = Sandbox(sandbox_binary, list(args))
        running.append(sandbox)
        return sandbox

    yield start
    for sandbox in running:
        sandbox.close()


@pytest.fixture(scope="session")
def _shared_sandbox(start_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return start_sandbox()


@pytest.fixture
def sandbox(_shared_sandbox: Sandbox) -> Sandbox:
    """The default sandbox, back in its start state for each test."""
    _shared_sandbox.reset()
    return _shared_sandbox


@pytest.fixture
def admin(sandbox: Sandbox) -> Iterator[cloudflare_tenant.TenantClient]:
    with cloudflare_tenant.TenantClient(api_token=ADMIN_TOKEN, base_url=sandbox.base_url) as c:
        yield c



@pytest.fixture(scope="session")
def hostile() -> Iterator[Hostile]:
    """The hostile server, shared by the session: each test uses its own tag."""
    server = Hostile(hostile_binary_path())
    yield server
    server.close()
