#!/usr/bin/env bash
# The demo through the pip package: builds the wheel, installs it into its own venv and runs
# python/examples/onboard.py. Run under scripts/with-sandbox.sh, which sets
# CLOUDFLARE_TENANT_BASE_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
bash python/scripts/build.sh > /dev/null 2>&1 || bash python/scripts/build.sh
venv="target/python-demo/venv"
[[ -x "$venv/bin/python" ]] || "$PYTHON" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-index \
  --force-reinstall target/wheels/cloudflare_tenant-*.whl
"$venv/bin/python" python/examples/onboard.py
