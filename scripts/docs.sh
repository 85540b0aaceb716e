#!/bin/sh
# docs.sh [ASSEMBLY] — regenerate the documents made from the synthesized
# templates: docs/inventory.md, docs/architecture-<stack>.dot and .svg (the
# full resource graph of each stack), docs/architecture-overview.dot and .svg
# (the environments at a glance: visitor, CloudFront, functions, database,
# NAT, schedules, alerts), and the generated sections of docs/cost.md.
#
# ASSEMBLY defaults to testdata (the golden templates that the whole-app test
# keeps up to date, and that the freshness tests of cmd/inventory,
# cmd/diagram and cmd/costestimate compare with). Give cdk.out to document a
# fresh `cdk synth` instead (the tests will then disagree until the goldens
# are refreshed with `go test . -update`).
#
# Needs Graphviz for the SVGs: apt-get install -y graphviz.
set -eu
cd "$(dirname "$0")/.."
asm=${1:-testdata}
if ! command -v dot >/dev/null 2>&1; then
	echo "docs.sh: Graphviz's dot is missing (apt-get install -y graphviz)" >&2
	exit 2
fi
rm -f docs/architecture-*.dot docs/architecture-*.svg
go run ./cmd/inventory -assembly "$asm" -o docs/inventory.md
go run ./cmd/costestimate -assembly "$asm" -docs docs/cost.md
# cmd/diagram prints each DOT file it writes: one per stack, and the overview.
for f in $(go run ./cmd/diagram -assembly "$asm" -out docs); do
	dot -Tsvg "$f" -o "${f%.dot}.svg"
done
echo "docs.sh: wrote docs/inventory.md, docs/cost.md (generated sections), $(ls docs/architecture-*.svg | tr '\n' ' ')"
