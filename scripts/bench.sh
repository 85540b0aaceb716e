#!/usr/bin/env bash
# bench.sh [--cold] [runs] — prints how long what the team waits for takes on
# this machine, side by side in one run:
#
#   - `cdk synth` of every stack (cdk.json's app command: the cached binary),
#     against the floor: an empty one-stack Go CDK app (internal/benchapp)
#     through the same CLI, Node.js and jsii; the ratio is the figure to watch
#     (the goal is 1.6 or less);
#   - the same synthesis with CDK's CloudFormation validation (-c validate=true,
#     as .ci/run and the deploy workflow run it);
#   - the breakdown of one synthesis (MEDBOOKINGS_TIMINGS);
#   - the warm test suite, `go test -count=1 ./...`;
#   - with --cold, `bash .ci/run` in a fresh clone of HEAD with empty Go, npm
#     and jsii caches (several minutes; it downloads everything again).
#
# Each figure is the best of `runs` runs (default 5). Nothing here asserts a
# time: it prints them.
set -euo pipefail
cd "$(dirname "$0")/.."
cold=false
if [ "${1:-}" = --cold ]; then cold=true; shift; fi
runs=${1:-5}
source .ci/env.sh
set +e

now() { date +%s.%N; }
best() { # label command... — prints and returns (in $BEST) the best wall time
	local label=$1; shift
	BEST=
	for _ in $(seq "$runs"); do
		local t0 t1 d
		t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
		d=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}')
		if [ -z "$BEST" ] || awk -v d="$d" -v b="$BEST" 'BEGIN{exit !(d < b)}'; then BEST=$d; fi
	done
	printf '%-58s %6.2f s\n' "$label" "$BEST"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(go version | cut -d' ' -f3), node $("$NODE" --version), aws-cdk $(cdk --version | cut -d' ' -f1); $(date -u +%Y-%m-%d)"

# warm every cache first: Go's build cache, the app and bench binaries, jsii's
go build ./... && go build -o .build/benchapp ./internal/benchapp
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cdk synth --quiet --no-notices -o "$out/app" >/dev/null 2>&1
cdk synth --quiet --no-notices -o "$out/empty" --app .build/benchapp >/dev/null 2>&1

best "cdk synth, empty one-stack app (the floor)" cdk synth --quiet --no-notices -o "$out/empty" --app .build/benchapp
floor=$BEST
best "cdk synth, every MedBookings stack" cdk synth --quiet --no-notices -o "$out/app"
app=$BEST
best "cdk synth, every stack, -c validate=true" cdk synth --quiet --no-notices -o "$out/app" -c validate=true
validated=$BEST
echo "ratio to the floor: $(ratio "$app" "$floor") (with validation: $(ratio "$validated" "$floor"))"

echo "one synthesis, by phase (inside the app; the CLI's own start and reading of the assembly are the rest):"
MEDBOOKINGS_TIMINGS=1 cdk synth --quiet --no-notices -o "$out/app" 2>&1 >/dev/null | sed -n 's/^timing: /  /p'

best "go test -count=1 ./... (warm)" go test -count=1 ./...

if $cold; then
	clone=$(mktemp -d)
	git clone --quiet . "$clone/infrastructure"
	t0=$(now)
	mkdir -p "$clone/home"
	# a new HOME: empty jsii package cache (~/.cache/aws/jsii) and npm cache
	(cd "$clone/infrastructure" && env HOME="$clone/home" GOCACHE="$clone/gocache" GOMODCACHE="$clone/gomodcache" \
		npm_config_cache="$clone/npmcache" MEDBOOKINGS_TOOLS="$clone/tools" bash .ci/run >"$clone/ci.log" 2>&1)
	rc=$?
	t1=$(now)
	printf '%-58s %6.2f s (exit %d; log %s)\n' "bash .ci/run, fresh clone, empty caches" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}')" "$rc" "$clone/ci.log"
fi
