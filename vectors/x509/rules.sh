#!/bin/sh
# Certificates for test/x509/rules.test.ts and profiles.test.ts: one per rule, issued by the PKI that make.sh
# generates (root, inter, ncinter). Run from anywhere: sh vectors/x509/rules.sh (make.sh runs it too).
set -eu
cd "$(dirname "$0")"
. ./lib.sh

# --- Private PKI as openssl makes it by default (issue 18) ---
# A self-signed server certificate, trusted directly as its own anchor (CA:TRUE, as `req -x509` sets by default).
ec selfsigned
openssl req -x509 -new -key selfsigned-key.pem -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
  -days $DAYS -sha256 -out selfsigned.pem 2>/dev/null
# root -> inter -> noeku: a leaf with a SAN and no extendedKeyUsage.
ext noeku "subjectAltName=DNS:noeku.example.com" "authorityKeyIdentifier=keyid"
ec noeku; sign noeku noeku.example.com inter noeku $DAYS sha256

# --- One certificate per rule ---
# RFC 5280 4.2.1.9: an issuer whose basicConstraints say CA:FALSE (it signs notca-leaf).
ext notca0 "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid"
ec notca; sign notca "puretls Not A CA" root notca0 $DAYS sha256
leafext notca-leaf "DNS:good.example.com"
ec notca-leaf; sign notca-leaf good.example.com notca notca-leaf $DAYS sha256
# RFC 5280 4.2.1.3: an intermediate CA whose keyUsage lacks keyCertSign.
ext nokcs "basicConstraints=critical,CA:TRUE" "keyUsage=critical,digitalSignature,cRLSign" "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid"
ec nokcs; sign nokcs "puretls No keyCertSign" root nokcs $DAYS sha256
leafext nokcs-leaf "DNS:good.example.com"
ec nokcs-leaf; sign nokcs-leaf good.example.com nokcs nokcs-leaf $DAYS sha256
# RFC 5280 4.2.1.10 (OpenSSL's CN rule): leaves without SAN whose CN is a host name outside / inside ncinter's subtree.
ext cnonly "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
  "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid"
ec cn-victim; sign cn-victim victim.com ncinter cnonly $DAYS sha256
ec cn-inside; sign cn-inside host.allowed.example.com ncinter cnonly $DAYS sha256
# CA/B BR 7.1.2.7.12: a subscriber certificate without subjectAltName (CN only), under the plain intermediate.
ec nosan; sign nosan good.example.com inter cnonly $DAYS sha256
# RFC 5280 4.2.1.1: a leaf without authorityKeyIdentifier.
ext noaki "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
  "subjectKeyIdentifier=none" "authorityKeyIdentifier=none" "subjectAltName=DNS:good.example.com"
ec noaki; sign noaki good.example.com inter noaki $DAYS sha256
# CA/B BR 7.1.2.7.10: anyExtendedKeyUsage in a subscriber certificate.
ext anyeku "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" "extendedKeyUsage=anyExtendedKeyUsage" \
  "authorityKeyIdentifier=keyid" "subjectAltName=DNS:good.example.com"
ec anyeku; sign anyeku good.example.com inter anyeku $DAYS sha256
# CA/B BR 3.2.2.6 / RFC 9525 6.3: a wildcard directly above a public suffix.
leafext psl "DNS:*.co.uk"
ec psl; sign psl co.uk inter psl $DAYS sha256
# Bounded work: 300 permitted subtrees x 300 SANs (90,000 comparisons, over the name-constraint budget).
i=0; nc=""; san=""
while [ $i -lt 300 ]; do nc="${nc}permitted;DNS:d$i.example.com,"; san="${san}DNS:h.d$i.example.com,"; i=$((i+1)); done
ext ncwide "basicConstraints=critical,CA:TRUE" "keyUsage=critical,keyCertSign" "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" \
  "nameConstraints=critical,${nc%,}"
ec ncwide; sign ncwide "puretls Wide Constraints" root ncwide $DAYS sha256
leafext ncwide-leaf "${san%,}"
ec ncwide-leaf; sign ncwide-leaf h.d0.example.com ncwide ncwide-leaf $DAYS sha256
# Bounded work: 2,100 SANs, more ASN.1 elements than a certificate may hold.
i=0; san=""
while [ $i -lt 2100 ]; do san="${san}DNS:h$i.example.com,"; i=$((i+1)); done
leafext huge "${san%,}"
ec huge; sign huge h0.example.com inter huge $DAYS sha256
# Bounded work: ten keys under one CA name, each key self-signed and cross-signed by the next: every level offers
# twenty same-name candidates and two of them verify, so a depth-first search explodes without its budgets.
ext loopx "basicConstraints=critical,CA:TRUE" "keyUsage=critical,keyCertSign" "subjectKeyIdentifier=none" "authorityKeyIdentifier=none"
i=0; while [ $i -lt 10 ]; do
  ec loop$i
  openssl req -x509 -new -key loop$i-key.pem -subj "/CN=puretls Loop CA" -days $DAYS -sha256 -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign" -addext "subjectKeyIdentifier=none" -addext "authorityKeyIdentifier=none" -out loop$i-ss.pem 2>/dev/null
  i=$((i+1)); done
i=0; : > loop-pool.pem; while [ $i -lt 10 ]; do
  j=$(( (i+1) % 10 ))
  openssl req -new -key loop$i-key.pem -subj "/CN=puretls Loop CA" -out loop$i.csr 2>/dev/null
  openssl x509 -req -in loop$i.csr -CA loop$j-ss.pem -CAkey loop$j-key.pem -CAcreateserial -days $DAYS -sha256 -extfile loopx.ext -out loop$i-x.pem 2>/dev/null
  cat loop$i-ss.pem loop$i-x.pem >> loop-pool.pem
  i=$((i+1)); done
ext loopleaf "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" "subjectAltName=DNS:good.example.com" "authorityKeyIdentifier=none"
ec loop-leaf
openssl req -new -key loop-leaf-key.pem -subj /CN=good.example.com -out loop-leaf.csr 2>/dev/null
openssl x509 -req -in loop-leaf.csr -CA loop0-ss.pem -CAkey loop0-key.pem -CAcreateserial -days $DAYS -sha256 -extfile loopleaf.ext -out loop-leaf.pem 2>/dev/null
rm -f loop[0-9]-ss.pem loop[0-9]-x.pem loop[0-9]-key.pem

rm -f *.srl *.ext *.csr
