#!/usr/bin/env bash
# build-app.sh APP_DIR ENVIRONMENT OUT_DIR — builds a Next.js 14 app set up for
# OpenNext (the MedBookings app, or testdata/nextapp) for one environment, into
# the bundle the stacks deploy:
#
#   OUT_DIR/.open-next/               OpenNext's output, unchanged
#   OUT_DIR/migrations/               the app's prisma/migrations (if it has any)
#   OUT_DIR/medbookings-bundle.json   environment, commit, OpenNext version
#
# then `cdk deploy -c medbookings.<env>.hosting.bundle=OUT_DIR ...`. The build
# gets the environment's build-time variables from the app contract
# (go run ./cmd/appenv), never a run-time secret; SENTRY_AUTH_TOKEN, when set
# in the environment (the deploy workflow reads it from the build secret), is
# passed through for the source-map upload.
#
# Needs Node.js 22 or newer with npm (the workflows use 22), the app's
# package-lock.json, and @opennextjs/aws as an exact devDependency of the app.
# APP_CHECK=1 fails when a value the app requires at build time is empty.
set -euo pipefail
if [ $# -ne 3 ]; then
	echo "usage: $0 APP_DIR ENVIRONMENT OUT_DIR" >&2
	exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
app=$(cd "$1" && pwd)
environment=$2
mkdir -p "$3"
out=$(cd "$3" && pwd)

node_major=$(node -e 'console.log(process.versions.node.split(".")[0])')
if [ "$node_major" -lt 22 ]; then
	echo "build-app.sh: Node.js 22 or newer is needed (found $(node --version))" >&2
	exit 2
fi
if ! grep -q '"@opennextjs/aws"' "$app/package.json"; then
	echo "build-app.sh: $app/package.json has no @opennextjs/aws devDependency (docs/app-changes.md)" >&2
	exit 2
fi

# The build-time variables of the contract, for this environment.
check=()
if [ "${APP_CHECK:-0}" = 1 ]; then check=(-check); fi
envfile=$(mktemp)
trap 'rm -f "$envfile"' EXIT
(cd "$root" && go run ./cmd/appenv -environment "$environment" "${check[@]}") > "$envfile"
# shellcheck disable=SC1090
source "$envfile"
NEXT_PUBLIC_APP_VERSION=$(git -C "$app" rev-parse HEAD 2>/dev/null || echo unknown)
export NEXT_PUBLIC_APP_VERSION
# The app's type check ran out of heap at Node's default on an 8 GB builder.
export NODE_OPTIONS="--max-old-space-size=6144"
export NEXT_TELEMETRY_DISABLED=1 CI=1
# npm must not write into the app (it adds the image function's sharp to
# the app's package.json when its temporary folder is inside the app).
TMPDIR=$(mktemp -d)
export TMPDIR

cd "$app"
echo "==> npm ci ($app, node $(node --version))"
# NODE_ENV=production (the contract) would make npm leave out the
# devDependencies the build needs (OpenNext, TypeScript).
npm ci --include=dev --no-audit --no-fund --loglevel=error
echo "==> open-next build for $environment"
npx --no-install open-next build
if [ ! -d .open-next/image-optimization-function/node_modules/@img/sharp-linux-arm64 ]; then
	echo "build-app.sh: the image function has no sharp for linux/arm64 (see open-next.config.ts in docs/app-changes.md)" >&2
	exit 1
fi

rm -rf "$out/.open-next" "$out/migrations"
cp -a .open-next "$out/.open-next"
if [ -d prisma/migrations ]; then
	cp -a prisma/migrations "$out/migrations"
fi
opennext=$(node -p 'JSON.parse(require("fs").readFileSync("node_modules/@opennextjs/aws/package.json", "utf8")).version')
printf '{\n  "environment": "%s",\n  "commit": "%s",\n  "openNext": "%s"\n}\n' \
	"$environment" "$NEXT_PUBLIC_APP_VERSION" "$opennext" > "$out/medbookings-bundle.json"
echo "==> bundle for $environment in $out ($(du -sh "$out" | cut -f1))"
