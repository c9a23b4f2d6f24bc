#!/usr/bin/env bash
# Benchmarks: parse speed as ratios against a baseline run in the same process, and sizes.
# Writes target/bench/results.json. Timings are medians of many runs; nothing is asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
out="target/bench"
mkdir -p "$out"

echo "== Rust: typed parse vs serde_json::Value"
cargo bench --quiet --bench parse | tee "$out/rust.txt"

echo "== sizes"
bash js/scripts/build.sh > "$out/js-build.log" 2>&1
bash python/scripts/build.sh > "$out/python-build.log" 2>&1
(cd js && npm pack --silent --pack-destination "../$out" > /dev/null)

python3 - "$out" <<'PY'
import glob, gzip, json, os, sys
out = sys.argv[1]
results = {}
for line in open(os.path.join(out, "rust.txt")):
    if line.startswith("BENCH_JSON "):
        results.update(json.loads(line[len("BENCH_JSON "):]))
wasm = open("js/dist/cloudflare_tenant_wasm_bg.wasm", "rb").read()
results["wasm_gzip_bytes"] = len(gzip.compress(wasm, 9))
results["npm_tarball_bytes"] = os.path.getsize(sorted(glob.glob(os.path.join(out, "cloudflare-tenant-*.tgz")))[-1])
results["wheel_bytes"] = os.path.getsize(sorted(glob.glob("target/wheels/cloudflare_tenant-*.whl"))[-1])
json.dump(results, open(os.path.join(out, "results.json"), "w"), indent=2, sort_keys=True)
print(f"{'key':<40} value")
for key in sorted(results):
    print(f"{key:<40} {results[key]:.3f}" if isinstance(results[key], float) else f"{key:<40} {results[key]}")
print(f"written to {out}/results.json")
PY
