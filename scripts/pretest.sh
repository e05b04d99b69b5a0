#!/usr/bin/env bash
# Everything the test suite needs beyond npm install, installed once: the MCP conformance suite
# with its own Node 22 (in .tools/), and Debian's Chromium for the browser tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

bash "$ROOT/scripts/install-conformance.sh"

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "pretest: installing Debian's chromium for the browser tests" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
  else
    echo "pretest: /usr/bin/chromium is missing and cannot be installed here (needs root and apt-get);" >&2
    echo "         install the chromium package, or the browser tests will fail" >&2
  fi
fi
