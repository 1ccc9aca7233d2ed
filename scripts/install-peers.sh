#!/usr/bin/env bash
# Installs the independent TLS implementations the tests and `npm run conformance` talk to (Debian packages):
# OpenSSL, GnuTLS (gnutls-serv/gnutls-cli), Botan (botan tls_server/tls_client), and lighttpd with its mbedTLS
# and wolfSSL TLS modules (mbedTLS and wolfSSL as servers). Idempotent: installs only what is missing, quietly.
set -euo pipefail

need=()
command -v openssl >/dev/null || need+=(openssl)
command -v gnutls-serv >/dev/null || need+=(gnutls-bin)
command -v botan >/dev/null || need+=(botan)
command -v lighttpd >/dev/null || need+=(lighttpd)
# The TLS modules are plugins, not commands: look for their shared objects.
[ -e /usr/lib/lighttpd/mod_mbedtls.so ] || need+=(lighttpd-mod-mbedtls)
[ -e /usr/lib/lighttpd/mod_wolfssl.so ] || need+=(lighttpd-mod-wolfssl)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "install-peers: need root to apt-get install ${need[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  # apt's stderr is shown only on failure (debconf chatters there on success).
  log=$(mktemp)
  if ! apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"; exit 1
  fi
  rm -f "$log"
  # The Debian package enables and starts lighttpd on port 80; the harness runs its own instances only.
  if command -v systemctl >/dev/null && systemctl is-active --quiet lighttpd 2>/dev/null; then
    systemctl stop lighttpd >/dev/null 2>&1 || true
  fi
fi

echo "install-peers: $(openssl version | cut -d' ' -f1-2); $(gnutls-serv --version 2>/dev/null | head -1);" \
  "botan $(botan version 2>/dev/null); $(lighttpd -v 2>/dev/null | head -1 | cut -d' ' -f1)"
