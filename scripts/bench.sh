#!/usr/bin/env bash
# Benchmarks (`make bench`): parse and build speed in each host as ratios against a baseline run
# in the same process (alternating batches, medians), the official Python SDK on the same bytes,
# workerd cold start, package sizes, and informative profiles of where the time and the .wasm
# bytes go. Writes target/bench/results.json and prints a table. Nothing is asserted; this is
# never part of `make test`.
#
# The data set (a members page of 1,000 members, an accounts page of 1,000 accounts, a single
# account) is made by the Rust bench (benches/data.rs) and written to target/bench/data/*.json;
# the JS and Python benches read those files, so that all three hosts parse the same bytes.
#
# Builds what it needs: the npm package (js/scripts/build.sh, npm ci included), the wheel
# (python/scripts/build.sh), and a venv of its own (target/bench/venv: the wheel, the official
# `cloudflare` SDK 4.x and httpx). PYTHON picks the interpreter for that venv.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
out="target/bench"
data="$out/data"
venv="$out/venv"
PYTHON="${PYTHON:-python3}"
mkdir -p "$out"
rm -f "$out"/{rust.txt,js.json,py.json,workerd.json,js-profile.json,wasm-size.json,py-perf.txt,results.json,meta.json}

step() { printf '\n== %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
# Runs a build quietly into a log; shows the log's tail when it fails.
quiet() {
  local log="$1"
  shift
  if ! "$@" > "$log" 2>&1; then
    tail -40 "$log" >&2
    echo "failed: $* (log: $log)" >&2
    exit 1
  fi
}

load_start="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
started=$SECONDS

step "Rust: typed parse vs serde_json::Value (and the data set, into $data)"
cargo bench --quiet --bench parse -- --data-dir "$data" | tee "$out/rust.txt"

step "builds: npm package (js/dist), wheel (target/wheels), npm tarball"
quiet "$out/js-build.log" bash js/scripts/build.sh
quiet "$out/python-build.log" bash python/scripts/build.sh
rm -f "$out"/cloudflare-tenant-*.tgz "$out"/cloudflare_tenant-*.whl
(cd js/package && npm pack --silent --pack-destination "../../$out" > /dev/null)
tarball="$(ls "$out"/cloudflare-tenant-*.tgz)"
# Snapshots of what was just built: other work on the machine may rebuild js/dist,
# target/wheels or the wasm-release build while the benches run.
cp "$(ls -t target/wheels/cloudflare_tenant-*.whl | head -1)" "$out/"
wheel="$(ls "$out"/cloudflare_tenant-*.whl)"
dist="$out/dist"
rm -rf "$dist"
cp -r js/dist "$dist"
target_dir="$(cargo metadata --format-version 1 --no-deps | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
cp "$target_dir/wasm32-unknown-unknown/wasm-release/cloudflare_tenant_wasm.wasm" "$out/cloudflare_tenant_wasm.wasm"

step "bench venv ($venv): the wheel, the official cloudflare SDK, httpx"
if [[ ! -x "$venv/bin/python" ]]; then
  "$PYTHON" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheel"
if ! "$venv/bin/python" -c "import cloudflare, httpx" 2> /dev/null; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "cloudflare>=4,<5" httpx ||
    warn "the official cloudflare SDK did not install: py_vs_official_ratio is left out"
fi

step "JS (Node $(node --version)): parseResponse vs JSON.parse, buildRequest"
node js/bench/parse.mjs "$data" "$out/js.json" "$dist"

step "workerd (Miniflare): cold start with and without the package"
node js/bench/workerd.mjs "$tarball" "$out/workerd.json" ||
  warn "the workerd cold start bench failed: workerd_cold_start_ms is left out"

step "Python ($("$venv/bin/python" --version)): parse_response vs json.loads and the official SDK, build_request"
"$venv/bin/python" python/bench/parse.py "$data" "$out/py.json"

# ---- informative profiles: where the time and the bytes go -----------------------------------

step "profile: JS parseResponse / buildRequest (V8 CPU profile, the wasm with its names)"
# The package's .wasm has no names; wasm-bindgen of the same wasm-release build, keeping them.
names="$out/wasm-names"
rm -rf "$names"
mkdir -p "$names"
if wasm-bindgen "$out/cloudflare_tenant_wasm.wasm" --out-dir "$names" \
  --target web --no-typescript --omit-default-module-path --keep-debug; then
  # The package's JS layer beside the names glue (not its own glue, which the names glue replaces).
  cp "$dist/api.js" "$dist/errors.js" "$dist/secret.js" "$names/"
  node js/bench/profile.mjs "$names" "$data" "$out/js-profile.json" || warn "the JS profile failed"
  step "where the .wasm's bytes go"
  "$PYTHON" benches/wasm_size.py "$names/cloudflare_tenant_wasm_bg.wasm" "$dist/cloudflare_tenant_wasm_bg.wasm" \
    --json "$out/wasm-size.json" || warn "the .wasm size breakdown failed"
else
  warn "wasm-bindgen --keep-debug failed: no JS profile"
fi

step "profile: Python parse_response on the members page (perf, time by shared object)"
if command -v perf > /dev/null &&
  perf record -q -F 999 -o "$out/py-perf.data" -- "$venv/bin/python" python/bench/profile_loop.py "$data" 30 > /dev/null 2>&1; then
  perf report -i "$out/py-perf.data" --sort dso --stdio 2> /dev/null | grep -E '^ +[0-9]' | head -8 | tee "$out/py-perf.txt"
  echo "(_native: the Rust core and the binding's conversion to Python objects, symbols stripped;"
  echo " libpython: object allocation, dict inserts, GC; libc: malloc/free/memcpy; kernel: page faults)"
else
  echo "perf is not available here: skipped"
fi

# ---- the table --------------------------------------------------------------------------------

step "results"
load_end="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
"$PYTHON" - "$out" "$tarball" "$wheel" "$dist" "$load_start" "$load_end" "$((SECONDS - started))" <<'PY'
import gzip, json, os, sys

out, tarball, wheel, dist, load_start, load_end, seconds = sys.argv[1:]
results = {}
for line in open(os.path.join(out, "rust.txt")):
    if line.startswith("BENCH_JSON "):
        results.update(json.loads(line[len("BENCH_JSON "):]))
for name in ("js.json", "workerd.json", "py.json"):
    path = os.path.join(out, name)
    if os.path.exists(path):
        results.update(json.load(open(path)))
wasm = open(os.path.join(dist, "cloudflare_tenant_wasm_bg.wasm"), "rb").read()
results["wasm_bytes"] = len(wasm)
results["wasm_gzip_bytes"] = len(gzip.compress(wasm, 9))
results["npm_tarball_bytes"] = os.path.getsize(tarball)
results["wheel_bytes"] = os.path.getsize(wheel)
results["bench.loadavg_start_1m"] = float(load_start.split()[0]) if load_start != "unknown" else -1.0
results["bench.loadavg_end_1m"] = float(load_end.split()[0]) if load_end != "unknown" else -1.0
results["bench.cpus"] = os.cpu_count()
results["bench.seconds"] = int(seconds)
# results.json holds numbers only; the rest (versions, load averages) goes to meta.json.
meta = {k: results.pop(k) for k in [k for k, v in results.items() if not isinstance(v, (int, float))]}
meta.update({"loadavg_start": load_start, "loadavg_end": load_end})
json.dump(results, open(os.path.join(out, "results.json"), "w"), indent=2, sort_keys=True)
json.dump(meta, open(os.path.join(out, "meta.json"), "w"), indent=2, sort_keys=True)

# key, target (value <= target), what it is
MAIN = [
    ("rust_parse_ratio", 1.0, "Rust typed parse / serde_json::Value, members page"),
    ("js_parse_ratio", 2.0, "Node parseResponse(bytes) / JSON.parse, members page"),
    ("py_parse_ratio", 1.3, "parse_response / json.loads, members page"),
    ("py_vs_official_ratio", 0.2, "parse_response / official SDK (mock transport), members page"),
    ("js_build_ns", 3000, "Node buildRequest accounts.create, ns"),
    ("py_build_us", 2.0, "build_request accounts.create, us"),
    ("workerd_cold_start_ms", None, "workerd start-to-first-answer added by the package, ms"),
    ("wasm_gzip_bytes", 204800, ".wasm gzip -9 (a budget, not a target)"),
    ("npm_tarball_bytes", None, "npm pack tarball"),
    ("wheel_bytes", None, "wheel"),
]


def fmt(v):
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 100 else f"{v:.0f}"
    return str(v)


print(f"{'key':<24} {'value':>12} {'target':>10}  {'':7} what")
for key, target, what in MAIN:
    if key not in results:
        print(f"{key:<24} {'(absent)':>12} {fmt(target) if target else '':>10}  {'':7} {what}")
        continue
    v = results[key]
    verdict = ("meets" if v <= target else "misses") if target is not None else ""
    print(f"{key:<24} {fmt(v):>12} {'<= ' + fmt(target) if target is not None else '':>10}  {verdict:7} {what}")

print("\ninformative: ratios to each host's own baseline (median of paired rounds)")
ops = [("accounts.members.list", "members page"), ("accounts.list", "accounts page"), ("accounts.get", "single account")]
print(f"{'data':<16} {'rust typed':>10} {'rust check':>10} {'node bytes':>10} {'node text':>10} {'python':>8} {'py/SDK':>8} {'py/SDK parse':>12}")
for op, label in ops:
    cells = [
        results.get(f"rust.{op}.typed_ratio"), results.get(f"rust.{op}.named_ratio"),
        results.get(f"js.{op}.parse_ratio"), results.get(f"js.{op}.parse_text_ratio"),
        results.get(f"py.{op}.parse_ratio"), results.get(f"py.{op}.vs_official_ratio"),
        results.get(f"py.{op}.vs_official_parse_ratio"),
    ]
    widths = [10, 10, 10, 10, 8, 8, 12]
    print(f"{label:<16} " + " ".join(("-" if c is None else f"{c:.3f}").rjust(w) for c, w in zip(cells, widths)))
if "rust.accounts.members.list.named_us" in results and "py.members.native_ms" in results:
    core = results["rust.accounts.members.list.named_us"] / 1e3
    native = results["py.members.native_ms"]
    print(f"python members page: native check {native:.1f} ms; the core's check alone (Rust bench, "
          f"native) {core:.1f} ms; the rest of parse_response is json.loads building the result")
print(f"\nmachine: {results['bench.cpus']} CPUs, load average {load_start} at start, {load_end} at end; "
      f"{results['bench.seconds']} s")
print(f"written to {out}/results.json")
PY
