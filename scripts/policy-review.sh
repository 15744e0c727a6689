#!/usr/bin/env bash
# The policy review a pull request gets (the composite action in action.yml runs
# this; it runs the same on a laptop). Every step runs, whatever the earlier ones
# gave, so a PR sees all its problems at once; the exit is 0 only when all pass.
#
#   1. lint    policy lint --strict over the workspace's policies -> policy-lint.sarif
#   2. format  policy fmt --check
#   3. tests   policy test (every policies/*.test.json) -> policy-tests.xml (JUnit)
#   4. diff    policy diff --base <rev> --fail-on widen over the policies this change
#              touched -> policy-diff.md (also appended to $GITHUB_STEP_SUMMARY)
#   5. batch   run --manifest <file> when one is given -> reports/ (audit.json,
#              audit.md, junit.xml, audit.sarif)
#
# Usage: scripts/policy-review.sh [--workspace DIR] [--base REV] [--out DIR] [--manifest FILE]
# The CLI is $SLEEVE_SANDBOX when set (a command line, e.g. "node /x/bin/sleeve-sandbox.js"),
# else the bin/sleeve-sandbox.js beside this script.
# Exit: 0 all steps passed; 1 a step failed (the summary says which, and with what exit);
# 2 bad usage (unknown option, a --base git cannot resolve, a workspace that does not exist).
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
workspace=.
base=
out=
manifest=
usage() { echo "usage: scripts/policy-review.sh [--workspace DIR] [--base REV] [--out DIR] [--manifest FILE]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --workspace) [ $# -ge 2 ] || usage; workspace=$2; shift 2 ;;
    --base) [ $# -ge 2 ] || usage; base=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
    --manifest) [ $# -ge 2 ] || usage; manifest=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "policy-review: unknown option $1" >&2; usage ;;
  esac
done
if [ ! -d "$workspace" ]; then
  echo "policy-review: --workspace $workspace is not a directory: give the workspace that holds policies/" >&2
  exit 2
fi
workspace=$(cd "$workspace" && pwd)
out=${out:-$workspace/policy-review}
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ -n "${SLEEVE_SANDBOX:-}" ]; then
  read -r -a cli <<<"$SLEEVE_SANDBOX"
else
  cli=(node "$here/bin/sleeve-sandbox.js")
fi
if [ -n "$base" ] && ! git -C "$workspace" rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
  echo "policy-review: --base $base is not a commit git knows here: fetch it first (actions/checkout with fetch-depth: 0)" >&2
  exit 2
fi

shopt -s nullglob
policies=()
tests=()
for f in "$workspace"/policies/*.json; do
  case "$f" in
    *.test.json) tests+=("$f") ;;
    *.schema.json) ;;
    *) policies+=("$f") ;;
  esac
done

summary=()
failed=0
step() { # step <name> <exit> <detail>
  local status=passed
  if [ "$2" != 0 ]; then status="failed (exit $2)"; failed=1; fi
  summary+=("$1: $status${3:+, $3}")
}

if [ ${#policies[@]} -eq 0 ]; then
  step lint 0 "no policies in $workspace/policies"
else
  "${cli[@]}" policy lint --strict --workspace "$workspace" --format sarif "${policies[@]}" >"$out/policy-lint.sarif"
  rc=$?
  # Text too: under GitHub Actions it carries the inline annotations.
  "${cli[@]}" policy lint --workspace "$workspace" "${policies[@]}" || true
  step lint "$rc" "$out/policy-lint.sarif"

  "${cli[@]}" policy fmt --check --workspace "$workspace" "${policies[@]}" "${tests[@]}"
  step format $?
fi

if [ ${#tests[@]} -eq 0 ]; then
  step tests 0 "no policies/*.test.json"
else
  "${cli[@]}" policy test --workspace "$workspace" --junit "$out/policy-tests.xml" "${tests[@]}"
  step tests $? "$out/policy-tests.xml"
fi

if [ -z "$base" ]; then
  step diff 0 "no --base: nothing to compare"
else
  changed=()
  root=$(git -C "$workspace" rev-parse --show-toplevel)
  while IFS= read -r rel; do
    case "$rel" in *.test.json|*.schema.json) continue ;; esac
    [ -f "$root/$rel" ] && changed+=("$root/$rel")
  done < <(git -C "$workspace" diff --name-only --diff-filter=AMR "$base" -- "$workspace/policies/*.json")
  if [ ${#changed[@]} -eq 0 ]; then
    echo "no policy changed since $base" >"$out/policy-diff.md"
    step diff 0 "no policy changed since $base"
  else
    "${cli[@]}" policy diff --workspace "$workspace" --base "$base" --format markdown --fail-on widen "${changed[@]}" >"$out/policy-diff.md"
    rc=$?
    cat "$out/policy-diff.md"
    [ -n "${GITHUB_STEP_SUMMARY:-}" ] && cat "$out/policy-diff.md" >>"$GITHUB_STEP_SUMMARY"
    detail="${#changed[@]} changed"
    [ "$rc" = 3 ] && detail="$detail, widens"
    step diff "$rc" "$detail: $out/policy-diff.md"
  fi
fi

if [ -n "$manifest" ]; then
  "${cli[@]}" run --workspace "$workspace" --manifest "$manifest" --report-dir "$out/reports"
  step batch $? "$out/reports"
fi

echo "== policy review"
for line in "${summary[@]}"; do echo "  $line"; done
exit "$failed"
