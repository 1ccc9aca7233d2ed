#!/usr/bin/env bash
# Stapled OCSP responses for the test PKI (vectors/pki), made with `openssl ocsp`. Regenerate from the repo root:
#   bash vectors/ocsp/make.sh
# Every response is about server-rsa.crt (serial 0x0A, issued by intermediate.crt) and valid for ~27 years from
# the day it is made (thisUpdate = now, nextUpdate = now + 10000 days).
#
#   good.der            'good', signed by the issuer (responder id byName)
#   revoked.der         'revoked', signed by the issuer
#   delegated.der       'good', signed by responder.crt (issued by the intermediate, EKU OCSPSigning; byKey id)
#   wrong-issuer.der    'good', but signed by the root CA, which did not issue the certificate
#   other-cert.der      'good' for server-ecdsa.crt (serial 0x0B), so it does not cover server-rsa.crt
#   responder.crt/.key  the delegated responder
set -euo pipefail
cd "$(dirname "$0")"
PKI=../pki
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The delegated responder: a P-256 key certified by the intermediate for id-kp-OCSPSigning only.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out responder.key
openssl req -new -key responder.key -subj "/O=puretls test/CN=puretls Test OCSP Responder" -out "$tmp/responder.csr"
cat > "$tmp/responder.ext" <<'X'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=OCSPSigning
X
openssl x509 -req -in "$tmp/responder.csr" -CA $PKI/intermediate.crt -CAkey $PKI/intermediate.key -set_serial 0x20 \
  -days 10000 -sha256 -extfile "$tmp/responder.ext" -out responder.crt

subject() { openssl x509 -in "$1" -noout -subject -nameopt compat | sed 's/^subject=//'; }
index() { # status serial subject [revocation date]
  printf '%s\t%s\t%s\t%s\tunknown\t%s\n' "$1" 540101000000Z "${4:-}" "$2" "$3" > "$tmp/index.txt"
}
request() { openssl ocsp -issuer $PKI/intermediate.crt -cert "$1" -no_nonce -reqout "$tmp/req.der" >/dev/null; }
respond() { # out signer key [extra args]
  local out=$1 signer=$2 key=$3; shift 3
  openssl ocsp -index "$tmp/index.txt" -CA $PKI/intermediate.crt -rsigner "$signer" -rkey "$key" \
    -reqin "$tmp/req.der" -respout "$out" -ndays 10000 "$@" >/dev/null
}

request $PKI/server-rsa.crt
index V 0A "$(subject $PKI/server-rsa.crt)"
respond good.der $PKI/intermediate.crt $PKI/intermediate.key
respond delegated.der responder.crt responder.key -resp_key_id
respond wrong-issuer.der $PKI/ca.pem $PKI/ca.key
index R 0A "$(subject $PKI/server-rsa.crt)" 250101000000Z
respond revoked.der $PKI/intermediate.crt $PKI/intermediate.key

request $PKI/server-ecdsa.crt
index V 0B "$(subject $PKI/server-ecdsa.crt)"
respond other-cert.der $PKI/intermediate.crt $PKI/intermediate.key

for f in good revoked delegated wrong-issuer other-cert; do
  openssl ocsp -respin $f.der -resp_text -noverify | grep -E 'Cert Status|Responder Id' | tr -s ' ' | paste -sd' ' | sed "s/^/$f: /"
done
