#!/usr/bin/env bash
# Starts the sandbox on a free port, runs the given command with CLOUDFLARE_TENANT_BASE_URL
# pointing at it, then stops the sandbox. Exits with the command's status.
#   scripts/with-sandbox.sh [--sandbox-args "..."] cmd args...
set -euo pipefail
cd "$(dirname "$0")/.."

sandbox_args=()
if [[ "${1:-}" == "--sandbox-args" ]]; then
  read -r -a sandbox_args <<< "$2"
  shift 2
fi

cargo build --quiet -p cloudflare-tenant-sandbox
bin="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/cloudflare-tenant-sandbox"

log="$(mktemp)"
"$bin" --port 0 --seed "${SANDBOX_SEED:-1}" "${sandbox_args[@]}" > "$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT

url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' "$log" | head -n 1)"
  [[ -n "$url" ]] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "the sandbox exited" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$url" ]] || { cat "$log" >&2; echo "the sandbox did not start" >&2; exit 1; }

export CLOUDFLARE_TENANT_SANDBOX_URL="$url"
export CLOUDFLARE_TENANT_BASE_URL="$url/client/v4"
"$@"
