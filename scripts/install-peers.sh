#!/usr/bin/env bash
# Installs the real TLS peers and tools the tests talk to (Debian packages). Safe to run again.
set -euo pipefail
need=()
command -v openssl >/dev/null || need+=(openssl)
command -v gnutls-serv >/dev/null || need+=(gnutls-bin)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "install-peers: need root to apt-get install ${need[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
echo "install-peers: $(openssl version); $(gnutls-serv --version 2>/dev/null | head -1)"
