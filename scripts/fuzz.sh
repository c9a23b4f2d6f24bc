#!/usr/bin/env bash
# Runs every fuzz target (nightly + cargo-fuzz) and prints executions and crashes per target.
#   scripts/fuzz.sh [RUNS]     RUNS executions per target (default 10,000,000)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10000000}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
rustup toolchain list | grep -q '^nightly' || { echo "cargo-fuzz needs the nightly toolchain" >&2; exit 1; }

# Seeds a corpus with the golden fixtures: response bodies, or by-name params.
seed_corpus() {
  python3 - "$1" "$2" <<'PY'
import glob, hashlib, json, os, sys
target, corpus = sys.argv[1], sys.argv[2]
seeds = []
for path in sorted(glob.glob("tests/fixtures/*/responses.json")):
    for case in json.load(open(path)):
        body = case.get("body_text")
        body = body.encode() if body is not None else json.dumps(case.get("body")).encode()
        seeds.append(b"\x00" + body if target == "operations" else body)
if target == "named_params":
    seeds = [b"\x00" + json.dumps(c["params"]).encode()
             for path in sorted(glob.glob("tests/fixtures/*/requests.json")) for c in json.load(open(path))]
if target == "retry_after":
    seeds = [b"7\n", b"0\n{\"retry_after\": 12}", b"Wed, 21 Oct 2026 07:28:00 GMT\n", b"m1500\n"]
for seed in seeds:
    open(os.path.join(corpus, hashlib.sha1(seed).hexdigest()), "wb").write(seed)
PY
}

status=0
for target in $(cargo +nightly fuzz list --fuzz-dir fuzz); do
  log="$(mktemp)"
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus"
  seed_corpus "$target" "$corpus"
  # No sanitizer: the crate forbids unsafe code, and without ASan each target runs several
  # times as many executions in the same time. Panics and assertion failures are what we seek.
  if cargo +nightly fuzz run --sanitizer none --fuzz-dir fuzz "$target" "$corpus" -- -runs="$runs" -print_final_stats=1 > "$log" 2>&1; then
    result="no crash"
  else
    result="CRASH (see fuzz/artifacts/$target)"; status=1
  fi
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
  printf '%-14s %12s executions  %8s/s  %s\n' "$target" "${execs:-?}" "${rate:-?}" "$result"
  [[ $status -eq 0 ]] || tail -n 30 "$log"
  rm -f "$log"
done
exit $status
