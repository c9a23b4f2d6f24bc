#!/usr/bin/env bash
# The demo through the npm package: builds it (make js) and runs js/examples/onboard.mjs.
# Run under scripts/with-sandbox.sh, which sets CLOUDFLARE_TENANT_BASE_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash js/scripts/build.sh > /dev/null 2>&1 || bash js/scripts/build.sh
node js/examples/onboard.mjs
