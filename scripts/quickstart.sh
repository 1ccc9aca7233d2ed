#!/usr/bin/env bash
# The main job on a fresh machine: install what is needed, build, and make a verified TLS handshake + HTTP request
# with puretls against a local `openssl s_server` using the project's own test PKI.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v openssl >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq openssl >/dev/null
  else echo "quickstart: please install openssl (e.g. sudo apt-get install openssl)" >&2; exit 1; fi
fi
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build --silent
node scripts/handshake-demo.mjs "$@"
