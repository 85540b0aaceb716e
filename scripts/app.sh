#!/bin/sh
# app.sh — the CDK app command of cdk.json: runs the app's binary, building
# it first only when a file it is built from changed. `go run .` would
# compile and link the app (a 128 MB binary) on every `cdk synth` and
# `cdk diff`, about 2 s; `go build` of an unchanged tree still takes 0.6 s
# to find out. The stamp is a digest of every tracked or new, non-ignored
# file outside docs/ and testdata/ (Go sources, embedded files, go.mod,
# go.sum: more than needed, never less) and of the Go version.
set -eu
cd "$(dirname "$0")/.."
bin=.build/medbookings
stamp=.build/medbookings.stamp
if command -v git >/dev/null 2>&1 && git rev-parse --git-dir >/dev/null 2>&1; then
	want=$( (go version; git ls-files -co --exclude-standard -- . ':!docs' ':!testdata' ':!*_test.go' | LC_ALL=C sort | xargs -d '\n' sha256sum 2>/dev/null) | sha256sum | cut -d' ' -f1)
else
	want=nogit-$(date +%s%N) # no git: always build
fi
if [ ! -x "$bin" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	mkdir -p .build
	go build -o "$bin" .
	printf '%s\n' "$want" > "$stamp"
fi
exec "$bin" "$@"
