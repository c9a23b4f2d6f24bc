#!/usr/bin/env bash
# The pip package's tests, against the installed wheel:
#   1. builds the wheel (python/scripts/build.sh), the sandbox and the hostile server;
#   2. installs the wheel (not the source tree) and the test tools into a fresh venv;
#   3. pytest (warnings are errors): the golden corpus through build_request/parse_response,
#      the sync (urllib, httpx) and async clients against sandboxes it starts itself, every
#      exception class from a real refusal, and every transport against the hostile server;
#   4. mypy: stubtest of the native module, --strict on the package, its tests and the typed
#      example.
# Exits non-zero on any failure, including a pytest run that collected nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
PYTHON="${PYTHON:-python3}"
MIN_TESTS="${MIN_TESTS:-700}"

step() { printf '\n== %s (%ss)\n' "$*" "$SECONDS"; }

step "build the wheel"
PYTHON="$PYTHON" bash python/scripts/build.sh
wheel="$(ls "$root"/target/wheels/cloudflare_tenant-*.whl)"

step "build the sandbox and the hostile server"
cargo build --quiet -p cloudflare-tenant-sandbox --bin cloudflare-tenant-sandbox --bin hostile
target_dir="$(cargo metadata --format-version 1 --no-deps | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
export CLOUDFLARE_TENANT_SANDBOX_BIN="$target_dir/debug/cloudflare-tenant-sandbox"
export CLOUDFLARE_TENANT_HOSTILE_BIN="$target_dir/debug/hostile"
test -x "$CLOUDFLARE_TENANT_SANDBOX_BIN"
test -x "$CLOUDFLARE_TENANT_HOSTILE_BIN"

step "a fresh venv with the wheel"
work="$root/target/python-test"
rm -rf "$work"
mkdir -p "$work/run"
"$PYTHON" -m venv "$work/venv"
py="$work/venv/bin/python"
"$py" -m pip install --quiet --disable-pip-version-check -r python/requirements-test.txt
"$py" -m pip install --quiet --disable-pip-version-check --no-deps --no-index "$wheel"

# From here on, run where the source tree is not importable.
cd "$work/run"
installed="$("$py" -c 'import cloudflare_tenant, sys; print(cloudflare_tenant.__file__)')"
case "$installed" in
  "$work/venv/"*) echo "testing $installed" ;;
  *) echo "cloudflare_tenant comes from $installed, not from the venv" >&2; exit 1 ;;
esac

step "pytest"
"$py" -m pytest "$root/python/tests" -W error -p no:cacheprovider -q \
  --junitxml="$work/junit.xml" -o junit_family=xunit2
"$py" - "$work/junit.xml" "$MIN_TESTS" <<'PY'
import sys
import xml.etree.ElementTree as ET

suite = ET.parse(sys.argv[1]).getroot()
suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
tests, failures, errors, skipped = (int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
print(f"{tests} tests: {tests - failures - errors - skipped} passed, {failures} failed, {errors} errors, {skipped} skipped")
if tests < int(sys.argv[2]) or failures or errors or skipped:
    sys.exit(f"expected at least {sys.argv[2]} tests, all passing")
PY

step "mypy: stubtest of the native module"
"$py" -m mypy.stubtest cloudflare_tenant._native

step "mypy --strict: the typed example (against the installed package), the source, the tests"
"$py" -m mypy --strict --no-incremental "$root/python/examples/typed_example.py"
"$py" -m mypy --strict --no-incremental "$root/python/cloudflare_tenant"
"$py" -m mypy --strict --no-incremental "$root/python/tests"

step "done"
