#!/bin/sh
# install-workflows.sh — copies this project's workflows to the app
# repository's root, where GitHub runs them. This project is the app
# repository's infrastructure/ folder (FR-0.1); GitHub reads workflows only
# from <repository root>/.github/workflows/. Run it from anywhere inside the
# app repository after changing a workflow here, and commit both copies (the
# workflows' check job fails when they differ).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)
if [ "$root" = "$here" ]; then
	echo "install-workflows.sh: $here is not inside an app repository (it is its own repository); nothing to do" >&2
	exit 0
fi
mkdir -p "$root/.github/workflows"
for f in "$here"/.github/workflows/*.yml; do
	cp "$f" "$root/.github/workflows/"
	echo "installed $(basename "$f")"
done
