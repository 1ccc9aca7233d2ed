#!/bin/sh
# Regenerates the test PKI in this folder with OpenSSL (3.x). Keys and certificates are throwaway test material.
# Run from anywhere: sh vectors/x509/make.sh
set -eu
cd "$(dirname "$0")"
rm -f *.pem *.srl *.ext *.csr
DAYS=36500

. ./lib.sh
# Roots: the trusted one (RSA) and an unrelated one (EC).
rsa root; selfsigned root "puretls Test Root"
ec other-root; selfsigned other-root "puretls Other Root"

# root -> inter (pathlen 0) -> leaf
ec inter; sign inter "puretls Test Intermediate" root inter $DAYS sha256
leafext leaf "DNS:good.example.com,DNS:*.wild.example.com,IP:127.0.0.1,IP:::1"
ec leaf; sign leaf good.example.com inter leaf $DAYS sha256
# An expired leaf: valid for one day after generation.
ec expired; sign expired good.example.com inter leaf 1 sha256
# Signed with SHA-1.
ec sha1; sign sha1 good.example.com inter leaf $DAYS sha1
# A 1024-bit RSA key.
rsa weak 1024; sign weak good.example.com inter leaf $DAYS sha256
# Issued by the untrusted root.
ec stranger; sign stranger good.example.com other-root leaf $DAYS sha256
# root -> ncinter (permitted DNS allowed.example.com) -> nc-ok / nc-bad
ec ncinter; sign ncinter "puretls Constrained Intermediate" root ncinter $DAYS sha256
leafext nc-ok "DNS:host.allowed.example.com"
ec nc-ok; sign nc-ok host.allowed.example.com ncinter nc-ok $DAYS sha256
leafext nc-bad "DNS:evil.example.org"
ec nc-bad; sign nc-bad evil.example.org ncinter nc-bad $DAYS sha256

rm -f *.srl *.ext *.csr
# The per-rule certificates, issued by the PKI above.
sh ./rules.sh
echo "generated: $(ls *.pem | tr '\n' ' ')"
