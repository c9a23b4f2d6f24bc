#!/usr/bin/env bash
# Every test of the npm package, against the built package: wasm-bindgen-test (Node and
# Chromium), the golden corpus, TenantClient, onboarding and pacing under `node --test`, the
# fault run (client.onboard against a sandbox injecting faults), the client against the hostile
# server (redirects, leaked secrets, deep, huge and endless bodies, Retry-After, pacing on the
# wire), the type declarations (tsc),
# the packed tarball installed into an empty folder, the real Workers runtime (workerd through
# Miniflare, against the sandbox; and the Queue consumer example as three consumer Workers
# sharing one TenantPacer Durable Object, against a rate-limited sandbox) and headless
# Chromium. Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
js="$root/js"

bash "$js/scripts/build.sh" || { echo "build failed" >&2; exit 1; }

if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
  echo "== installing chromium (Debian)" >&2
  sudo=""
  [[ "$(id -u)" == 0 ]] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null \
    || { echo "could not install chromium" >&2; exit 1; }
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

summary=()
failed=0

# run NAME PATTERN CMD...: runs CMD, shows its output, keeps the lines matching PATTERN as the
# suite's closing summary.
run() {
  local name="$1" pattern="$2"
  shift 2
  printf '\n==== %s\n' "$name"
  local log="$work/$(echo "$name" | tr -c 'a-zA-Z0-9' _).log"
  local started=$SECONDS
  "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  local closing
  closing="$(grep -E "$pattern" "$log" | tr '\n' ' ' | sed 's/  */ /g')"
  local verdict="ok"
  if [[ $status -ne 0 ]]; then
    verdict="FAILED (exit $status)"
    failed=1
  fi
  summary+=("$(printf '%-28s %-20s %s (%ss)' "$name" "$verdict" "$closing" $((SECONDS - started)))")
}

wasm_test() {
  (cd "$root/bindings/wasm" &&
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
      cargo test --target wasm32-unknown-unknown --test node "$@")
}

NODE_TESTS='^# (tests|pass|fail) '

run "wasm-bindgen-test (Node)" '^test result:' wasm_test
run "wasm-bindgen-test (Chromium)" '^test result:' \
  env WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver bash -c "$(declare -f wasm_test); root='$root'; wasm_test"
run "node: fixtures + client" "$NODE_TESTS" \
  node --test --test-reporter=tap "$js/test/fixtures.test.mjs" "$js/test/client.test.mjs" "$js/test/onboard.test.mjs" "$js/test/bulk.test.mjs" \
    "$js/test/shared-pacer.test.mjs"
run "node: fault run (sandbox)" '^# js fault run:' \
  "$root/scripts/with-sandbox.sh" --sandbox-args "--faults 0.25 --latency-ms 20 --rate-limit 1000000" \
  node --test --test-reporter=tap "$js/test/faults.test.mjs"
hostile_test() {
  cargo build --quiet -p cloudflare-tenant-sandbox --bin hostile || return 1
  local target_dir
  target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
  CLOUDFLARE_TENANT_HOSTILE_BIN="$target_dir/debug/hostile" node --test --test-reporter=tap "$js/test/hostile.test.mjs"
}
run "node: hostile server" "$NODE_TESTS" hostile_test
run "typescript (tsc --noEmit)" '^tsc:' \
  bash -c "'$js/node_modules/.bin/tsc' -p '$js/tsconfig.json' && echo 'tsc: examples/typed.ts type-checks against dist/index.d.ts'"

pack_test() {
  local tarball
  tarball="$(cd "$js/package" && npm pack --silent --pack-destination "$work")" || return 1
  tarball="$work/$tarball"
  echo "packed $(basename "$tarball"): $(wc -c < "$tarball") bytes"
  local listing
  listing="$(tar -tzf "$tarball")"
  sed 's/^/  /' <<< "$listing"
  # It ships its licenses, and nothing that only runs in this repository.
  grep -qx 'package/LICENSE-MIT' <<< "$listing" && grep -qx 'package/LICENSE-APACHE' <<< "$listing" \
    || { echo "the tarball has no LICENSE"; return 1; }
  tar -xzOf "$tarball" package/package.json | node -e '
    const m = JSON.parse(require("fs").readFileSync(0, "utf8"));
    if (m.scripts || m.devDependencies) { console.error("the packed manifest has scripts or devDependencies"); process.exit(1); }
  ' || return 1
  local app="$work/app"
  mkdir -p "$app" && cd "$app" || return 1
  echo '{"name": "app", "private": true, "type": "module"}' > package.json
  npm install --offline --no-audit --no-fund --silent "$tarball" || return 1
  [[ -z "$(ls node_modules | grep -v '^cloudflare-tenant$' | grep -v '^\.')" ]] || { echo "unexpected dependencies"; return 1; }
  cp "$js/test/pack-smoke.mjs" . && node pack-smoke.mjs "$root/tests/fixtures" || return 1
  # The installed package's declarations, from outside the repository.
  mkdir -p examples && cp "$js/examples/typed.ts" examples/ && cp "$js/tsconfig.json" . || return 1
  "$js/node_modules/.bin/tsc" -p tsconfig.json || return 1
  echo "tsc: examples/typed.ts checks against the installed package"
  # The READMEs' examples, under --strict, against the installed package.
  node "$js/test/readme-examples.mjs" . "$js/README.md" "$root/README.md" || return 1
  "$js/node_modules/.bin/tsc" -p tsconfig.readme.json || return 1
  echo "tsc: the READMEs' JavaScript examples check under --strict"
}
run "npm pack + plain node" '^pack smoke test:|^tsc:' pack_test
# pack_test ran in a subshell of `run`'s pipeline: find the tarball again.
export CLOUDFLARE_TENANT_TARBALL="$(ls "$work"/cloudflare-tenant-*.tgz 2>/dev/null | head -n 1)"

run "workerd (Miniflare)" "$NODE_TESTS" \
  "$root/scripts/with-sandbox.sh" --sandbox-args "--fault-html-502 1.0" bash -c \
  'CLOUDFLARE_TENANT_FAULT_BASE_URL="$CLOUDFLARE_TENANT_BASE_URL" exec scripts/with-sandbox.sh node --test --test-reporter=tap js/test/workerd.test.mjs'
run "workerd: queue consumers" "$NODE_TESTS|^# workers queue run" \
  node --test --test-reporter=tap "$js/test/workers-queue.test.mjs"
run "chromium (playwright-core)" "$NODE_TESTS|^# chromium" \
  node --test --test-reporter=tap "$js/test/browser.test.mjs"

wasm="$js/dist/cloudflare_tenant_wasm_bg.wasm"
printf '\n==== summary\n'
printf '%s\n' "${summary[@]}"
gzipped="$(gzip -9 -c "$wasm" | wc -c)"
echo "wasm: $(wc -c < "$wasm") bytes, $gzipped gzipped; tarball: $(wc -c < "$CLOUDFLARE_TENANT_TARBALL") bytes"
# The .wasm's budget (a budget, not a target): 200 KiB gzipped.
if (( gzipped > 200 * 1024 )); then
  echo "the .wasm is over its budget: $gzipped bytes gzipped, at most $((200 * 1024))" >&2
  failed=1
fi
if [[ $failed -ne 0 ]]; then
  echo "js tests: FAILED" >&2
  exit 1
fi
echo "js tests: all passed"
