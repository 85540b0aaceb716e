#!/usr/bin/env bash
# Prints how long the things the team waits for take on this machine:
#   - one `cdk synth` of both stacks through the CLI (compiled app, warm caches)
#   - the whole test suite, warm (`go test -count=1 ./...`)
# Usage: scripts/bench.sh [runs]   (default 3; prints each run and the best)
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/env.sh
runs=${1:-3}
now() { date +%s.%N; }
measure() { # label, command...
  local label=$1; shift
  local best=
  for i in $(seq "$runs"); do
    local t0 t1 d
    t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
    d=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}')
    printf '%-34s run %d: %6.2f s\n' "$label" "$i" "$d"
    if [ -z "$best" ] || awk -v d="$d" -v b="$best" 'BEGIN{exit !(d < b)}'; then best=$d; fi
  done
  printf '%-34s best:  %6.2f s\n' "$label" "$best"
}
go build ./... && go test -count=1 -run '^$' ./... >/dev/null  # warm the build cache
cdk synth --quiet >/dev/null 2>&1                                # warm jsii's cache
measure "cdk synth (all three stacks)" cdk synth --quiet
measure "go test ./... (warm)" go test -count=1 ./...
