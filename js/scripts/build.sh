#!/usr/bin/env bash
# Builds the npm package into js/dist/: the wasm-bindgen crate bindings/wasm compiled to
# WebAssembly, bound with wasm-bindgen (--target web), shrunk with wasm-opt (npm's binaryen),
# plus the JS layer and its type declarations from js/src/.
# Installs what it needs first: the wasm32 target, the wasm-bindgen CLI pinned to Cargo.lock's
# wasm-bindgen, and js/node_modules from js/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
js="$root/js"

step() { printf '\n== %s\n' "$*" >&2; }

step "rust target wasm32-unknown-unknown"
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

# The CLI must be exactly the wasm-bindgen version in Cargo.lock, or the bindings do not match.
wb_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
[[ -n "$wb_version" ]] || { echo "no wasm-bindgen in Cargo.lock" >&2; exit 1; }
step "wasm-bindgen CLI $wb_version"
if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $wb_version" ]]; then
  # Without --locked: the CLI's own lock file pins a crate version that no longer resolves.
  cargo install wasm-bindgen-cli --version "$wb_version"
fi

step "npm dependencies (npm ci, from js/package-lock.json)"
bash "$js/scripts/npm-ci.sh"

step "cargo build (wasm-release)"
# The profile strips debug info only: wasm-bindgen reads the `target_features` section to see
# which wasm features (reference types, ...) the module uses. wasm-opt strips the rest below.
cargo build -p cloudflare-tenant-wasm --target wasm32-unknown-unknown --profile wasm-release
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
wasm_in="$target_dir/wasm32-unknown-unknown/wasm-release/cloudflare_tenant_wasm.wasm"

step "wasm-bindgen --target web"
dist="$js/dist"
rm -rf "$dist"
mkdir -p "$dist"
# --target web: an ES module with initSync({module}) (Workers, Node) and async init (browsers).
# --omit-default-module-path: each entry point says where the .wasm is, so that bundlers do not
# pick up a second reference to it.
wasm-bindgen "$wasm_in" --out-dir "$dist" --target web --no-typescript --omit-default-module-path

step "wasm-opt -Oz (binaryen from npm)"
wasm="$dist/cloudflare_tenant_wasm_bg.wasm"
# --low-memory-unused: Rust lays the stack out first, growing down towards address 0, and
# never computes an address that wraps around; so binaryen may fold constant offsets into
# loads and stores (0.6 KB of the gzipped .wasm).
"$js/node_modules/.bin/wasm-opt" "$wasm" -Oz --low-memory-unused -o "$wasm.opt" \
  --strip-debug --strip-producers --strip-target-features \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue
mv "$wasm.opt" "$wasm"

step "JS layer and type declarations"
cp "$js"/src/*.js "$js"/src/*.d.ts "$dist/"

step "the package as published (js/package/)"
# What `npm pack` ships: the built files, the README, the licenses, and a manifest without the
# scripts and devDependencies that only work in this repository.
package="$js/package"
rm -rf "$package" && mkdir -p "$package"
cp -r "$dist" "$js/README.md" "$root/LICENSE-MIT" "$root/LICENSE-APACHE" "$package/"
node -e '
  const fs = require("fs");
  const { scripts, devDependencies, ...manifest } = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  fs.writeFileSync(process.argv[2], JSON.stringify(manifest, null, 2) + "\n");
' "$js/package.json" "$package/package.json"

raw=$(wc -c < "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
echo "built $dist: cloudflare_tenant_wasm_bg.wasm $raw bytes, $gz gzipped" >&2
