#!/usr/bin/env bash
# Generates the test PKI in vectors/pki/ with openssl (3.x). Test-only keys: never use them elsewhere.
#
# Regenerate:   bash scripts/make-pki.sh          (from the repo root; overwrites vectors/pki/*.{key,crt,pem})
# Then commit vectors/pki/. Keys are fresh on every run, but names, serials, extensions and the
# layout are fixed, so tests that read the files keep working. Validity: 2024-01-01 to 2054-01-01 (30 years).
#
# Layout (see vectors/pki/README.md):
#   RSA hierarchy:   root (RSA 2048) -> intermediate (RSA 2048) -> server-rsa, server-ecdsa, client-rsa, client-ecdsa
#                    The ECDSA leaves hang under the RSA intermediate so that one ca.pem anchors every leaf.
#   ECDSA hierarchy: ecdsa root (P-384) -> ecdsa intermediate (P-256) -> server-ecdsa-ecca (P-256)
#                    for exercising ECDSA certificate signatures (ecdsa-with-SHA384/SHA256) along a path.
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=vectors/pki
mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

rsa_key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }
ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:"$2" -pkeyopt ec_param_enc:named_curve -out "$1"; }

# Fixed validity (not "now"): the files stay valid on machines whose clocks differ, and reruns
# produce the same dates. 2054 also puts notAfter in GeneralizedTime, which parsers must handle.
START=20240101000000Z
END=20540101000000Z

cat >"$TMP/ca.cnf" <<EOF
[ ca ]
default_ca = test_ca
[ test_ca ]
database = $TMP/index.txt
new_certs_dir = $TMP
serial = $TMP/serial
policy = policy_any
unique_subject = no
email_in_dn = no
[ policy_any ]
organizationName = optional
commonName = supplied
EOF

# out key subject ca-cert|-selfsign ca-key serial digest extensions...
sign() {
  local out=$1 key=$2 subj=$3 cacrt=$4 cakey=$5 serial=$6 md=$7
  shift 7
  printf '%s\n' "$@" >"$TMP/ext"
  : >"$TMP/index.txt"
  printf '%02X\n' "$serial" >"$TMP/serial"
  local issuer=(-cert "$OUT/$cacrt")
  [ "$cacrt" = -selfsign ] && issuer=(-selfsign)
  openssl req -new -key "$OUT/$key" -subj "$subj" -out "$TMP/csr"
  openssl ca -batch -config "$TMP/ca.cnf" "${issuer[@]}" -keyfile "$OUT/$cakey" -in "$TMP/csr" -out "$OUT/$out" \
    -startdate $START -enddate $END -md "$md" -extfile "$TMP/ext" -notext -preserveDN 2>/dev/null
}

ROOT_EXT=("basicConstraints = critical, CA:TRUE" "keyUsage = critical, keyCertSign, cRLSign" "subjectKeyIdentifier = hash")
CA_EXT=("basicConstraints = critical, CA:TRUE, pathlen:0" "keyUsage = critical, keyCertSign, cRLSign"
  "subjectKeyIdentifier = hash" "authorityKeyIdentifier = keyid:always")
SAN="subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1"
leaf_ext() { # eku keyusage
  LEAF=("basicConstraints = critical, CA:FALSE" "keyUsage = critical, $2" "extendedKeyUsage = $1"
    "subjectKeyIdentifier = hash" "authorityKeyIdentifier = keyid:always" "$SAN")
}

# --- RSA hierarchy
rsa_key "$OUT/ca.key"
sign ca.pem ca.key "/O=puretls test/CN=puretls Test Root CA" -selfsign ca.key 1 sha256 "${ROOT_EXT[@]}"

rsa_key "$OUT/intermediate.key"
sign intermediate.crt intermediate.key "/O=puretls test/CN=puretls Test Intermediate CA" ca.pem ca.key 2 sha256 "${CA_EXT[@]}"

rsa_key "$OUT/server-rsa.key"
leaf_ext serverAuth "digitalSignature, keyEncipherment"
sign server-rsa.crt server-rsa.key "/O=puretls test/CN=localhost" intermediate.crt intermediate.key 10 sha256 "${LEAF[@]}"

ec_key "$OUT/server-ecdsa.key" P-256
leaf_ext serverAuth "digitalSignature"
sign server-ecdsa.crt server-ecdsa.key "/O=puretls test/CN=localhost" intermediate.crt intermediate.key 11 sha256 "${LEAF[@]}"

rsa_key "$OUT/client-rsa.key"
leaf_ext clientAuth "digitalSignature"
sign client-rsa.crt client-rsa.key "/O=puretls test/CN=puretls test client rsa" intermediate.crt intermediate.key 12 sha256 "${LEAF[@]}"

ec_key "$OUT/client-ecdsa.key" P-256
leaf_ext clientAuth "digitalSignature"
sign client-ecdsa.crt client-ecdsa.key "/O=puretls test/CN=puretls test client ecdsa" intermediate.crt intermediate.key 13 sha256 "${LEAF[@]}"

# --- ECDSA hierarchy
ec_key "$OUT/ca-ecdsa.key" P-384
sign ca-ecdsa.pem ca-ecdsa.key "/O=puretls test/CN=puretls Test ECDSA Root CA" -selfsign ca-ecdsa.key 1 sha384 "${ROOT_EXT[@]}"

ec_key "$OUT/intermediate-ecdsa.key" P-256
sign intermediate-ecdsa.crt intermediate-ecdsa.key "/O=puretls test/CN=puretls Test ECDSA Intermediate CA" ca-ecdsa.pem ca-ecdsa.key 2 sha384 "${CA_EXT[@]}"

ec_key "$OUT/server-ecdsa-ecca.key" P-256
leaf_ext serverAuth "digitalSignature"
sign server-ecdsa-ecca.crt server-ecdsa-ecca.key "/O=puretls test/CN=localhost" intermediate-ecdsa.crt intermediate-ecdsa.key 10 sha256 "${LEAF[@]}"

# --- chains (leaf + intermediate) and alternative key encodings
for leaf in server-rsa server-ecdsa client-rsa client-ecdsa; do
  cat "$OUT/$leaf.crt" "$OUT/intermediate.crt" >"$OUT/$leaf-chain.pem"
done
cat "$OUT/server-ecdsa-ecca.crt" "$OUT/intermediate-ecdsa.crt" >"$OUT/server-ecdsa-ecca-chain.pem"
openssl pkey -in "$OUT/server-rsa.key" -traditional -out "$OUT/server-rsa.pkcs1.key"
openssl ec -in "$OUT/server-ecdsa.key" -out "$OUT/server-ecdsa.sec1.key" 2>/dev/null

# --- sanity: every leaf verifies against its root with its purpose
for leaf in server-rsa server-ecdsa; do
  openssl verify -CAfile "$OUT/ca.pem" -untrusted "$OUT/intermediate.crt" -purpose sslserver "$OUT/$leaf.crt" >/dev/null
done
for leaf in client-rsa client-ecdsa; do
  openssl verify -CAfile "$OUT/ca.pem" -untrusted "$OUT/intermediate.crt" -purpose sslclient "$OUT/$leaf.crt" >/dev/null
done
openssl verify -CAfile "$OUT/ca-ecdsa.pem" -untrusted "$OUT/intermediate-ecdsa.crt" -purpose sslserver "$OUT/server-ecdsa-ecca.crt" >/dev/null
echo "test PKI written to $OUT"
