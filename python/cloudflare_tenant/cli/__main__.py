"""``python -m cloudflare_tenant.cli``: the ``cloudflare-tenant`` command."""

from . import main

if __name__ == "__main__":
    raise SystemExit(main())
