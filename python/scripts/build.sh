#!/usr/bin/env bash
# Builds the wheel of the pip package `cloudflare-tenant` (the PyO3 crate in bindings/python plus
# the pure-Python layer in python/) into target/wheels/. Installs what it needs (maturin) into
# a build venv, python/.venv, on first use.
#   bash python/scripts/build.sh            # release wheel
#   PYTHON=python3.12 bash python/scripts/build.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"

PYTHON="${PYTHON:-python3}"
MATURIN_VERSION="${MATURIN_VERSION:-1.16.0}"
venv="$root/python/.venv"
out="$root/target/wheels"

if [[ ! -x "$venv/bin/python" ]]; then
  "$PYTHON" -m venv "$venv"
fi
if ! "$venv/bin/python" -m maturin --version 2>/dev/null | grep -q "$MATURIN_VERSION"; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "maturin==$MATURIN_VERSION"
fi

rm -f "$out"/cloudflare_tenant-*.whl
# Run from python/ so that maturin reads python/pyproject.toml ([tool.maturin] points at the
# crate and enables pyo3/extension-module there, and only there).
(cd python && "$venv/bin/python" -m maturin build --release --out "$out" --interpreter "$venv/bin/python")
wheel="$(ls "$out"/cloudflare_tenant-*.whl)"
echo "built $wheel ($(du -k "$wheel" | cut -f1) KiB)"
