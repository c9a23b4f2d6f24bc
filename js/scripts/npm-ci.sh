#!/usr/bin/env bash
# `npm ci` in js/ from the committed package-lock.json, skipped when node_modules already
# holds exactly that lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.ci-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
npm ci --no-audit --no-fund
echo "$want" > "$stamp"
