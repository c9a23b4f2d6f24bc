"""The ``cloudflare-tenant`` command: onboards the customers of a CSV or JSON Lines file with the
core's bulk flow (paced, resumable, secrets kept apart), and reads the rest of the API.

Its libraries come with the ``cli`` extra (``pip install 'cloudflare-tenant[cli]'``); the
package itself needs none, so this module imports them only when the command runs.
"""

from __future__ import annotations

import sys
from typing import List, Optional

__all__ = ["main"]


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the command with ``argv`` (default: the process's arguments); returns its exit
    status: 2, with the way to install it, when the ``cli`` extra is not installed."""
    try:
        from ._app import run
    except ImportError as error:
        if (error.name or "").partition(".")[0] != "rich":
            raise
        print(
            "cloudflare-tenant: the command line needs the cli extra, which is not installed: "
            "pip install 'cloudflare-tenant[cli]'",
            file=sys.stderr,
        )
        return 2
    return run(sys.argv[1:] if argv is None else argv)
