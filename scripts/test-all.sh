#!/usr/bin/env bash
# Every test on a fresh machine: installs the real peers (as root, from Debian's packages) and the npm packages,
# then runs the unit, interop and browser tests (npm test) and the conformance matrix.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-peers.sh
[ -f scripts/install-browser.sh ] && bash scripts/install-browser.sh
npm ci --no-audit --no-fund
npm test
if grep -q '"conformance"' package.json; then npm run conformance; fi
