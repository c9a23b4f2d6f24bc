"""A loop of parse_response on the members page, for `perf record` (scripts/bench.sh):

    python python/bench/profile_loop.py <data dir> [iterations]
"""

import os
import sys

import cloudflare_tenant as ct

body = open(os.path.join(sys.argv[1], "members_page.json"), "rb").read()
for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 30):
    ct.parse_response("accounts.members.list", 200, {}, body)
