#!/usr/bin/env bash
# Regenerates vectors/crypto/: PRF / master secret / key block known answers computed by OpenSSL's TLS1-PRF KDF,
# SHA-256 fingerprints of OpenSSL's built-in RFC 7919 groups, and test keys in every format src/crypto/keys.ts reads.
# Inputs are derived from fixed strings so a rerun gives the same PRF vectors (keys are fresh each run).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=vectors/crypto
mkdir -p "$OUT/keys"

hexof() { printf '%s' "$1" | xxd -p | tr -d '\n'; }                     # ASCII -> hex
det() { printf '%s' "$1" | openssl dgst -sha512 -binary | head -c "$2" | xxd -p | tr -d '\n'; } # fixed pseudo-random hex
tls1prf() { # digest secretHex seedHex len -> hex (OpenSSL's seed = label || seed, which is how we pass it)
  openssl kdf -keylen "$4" -kdfopt "digest:$1" -kdfopt "hexsecret:$2" -kdfopt "hexseed:$3" TLS1-PRF | tr -d ':\n' | tr 'A-F' 'a-f'
}

# --- plain PRF vectors ---
prf_rows=()
for spec in "MD5-SHA1 769 48 master secret 77" "MD5-SHA1 770 47 key expansion 104" "SHA256 771 48 master secret 48" \
            "SHA256 771 32 test label 100" "SHA384 771 48 client finished 12" "SHA384 771 33 key expansion 200"; do
  read -r dig ver slen l1 l2 len <<<"$spec"
  label="$l1 $l2"
  secret=$(det "secret-$dig-$slen-$label" "$slen")
  seed=$(det "seed-$dig-$label" 40)
  out=$(tls1prf "$dig" "$secret" "$(hexof "$label")$seed" "$len")
  prf_rows+=("$(jq -n --arg d "$dig" --argjson v "$ver" --arg s "$secret" --arg l "$label" --arg seed "$seed" --arg o "$out" \
    '{digest:$d, version:$v, secret:$s, label:$l, seed:$seed, output:$o}')")
done

# --- master secret + key block for a few (version, suite) pairs ---
kb_rows=()
for spec in "769 MD5-SHA1 TLS_RSA_WITH_AES_128_CBC_SHA 104" "770 MD5-SHA1 TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA 104" \
            "771 SHA256 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 96" "771 SHA384 TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 72" \
            "771 SHA256 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 88" "771 SHA256 TLS_RSA_WITH_AES_128_GCM_SHA256 40"; do
  read -r ver dig suite len <<<"$spec"
  pms=$(det "pms-$suite" 48); cr=$(det "cr-$suite" 32); sr=$(det "sr-$suite" 32)
  ms=$(tls1prf "$dig" "$pms" "$(hexof 'master secret')$cr$sr" 48)
  kb=$(tls1prf "$dig" "$ms" "$(hexof 'key expansion')$sr$cr" "$len")
  sh=$(det "session-hash-$suite" 32)
  ems=$(tls1prf "$dig" "$pms" "$(hexof 'extended master secret')$sh" 48)
  kb_rows+=("$(jq -n --argjson v "$ver" --arg suite "$suite" --arg pms "$pms" --arg cr "$cr" --arg sr "$sr" --arg ms "$ms" \
    --arg kb "$kb" --arg sh "$sh" --arg ems "$ems" \
    '{version:$v, suite:$suite, premaster:$pms, clientRandom:$cr, serverRandom:$sr, master:$ms, keyBlock:$kb, sessionHash:$sh, extendedMaster:$ems}')")
done

# --- RFC 7919 groups as OpenSSL has them built in ---
ff_rows=()
for g in ffdhe2048 ffdhe3072 ffdhe4096 ffdhe6144 ffdhe8192; do
  p=$(openssl genpkey -genparam -algorithm DH -pkeyopt "group:$g" 2>/dev/null | openssl asn1parse | awk '/INTEGER/{print $NF; exit}' | tr -d ':')
  h=$(printf '%s' "$p" | xxd -r -p | openssl dgst -sha256 -r | cut -d' ' -f1)
  ff_rows+=("$(jq -n --arg g "$g" --arg h "$h" --argjson bits $(( ${#p} * 4 )) '{group:$g, bits:$bits, sha256OfP:$h}')")
done

jq -n --argjson prf "$(printf '%s\n' "${prf_rows[@]}" | jq -s .)" --argjson kb "$(printf '%s\n' "${kb_rows[@]}" | jq -s .)" \
  --argjson ff "$(printf '%s\n' "${ff_rows[@]}" | jq -s .)" \
  '{generator:"scripts/make-crypto-vectors.sh (openssl kdf TLS1-PRF)", prf:$prf, keyBlocks:$kb, ffdhe:$ff}' > "$OUT/prf.json"

# --- keys ---
K="$OUT/keys"
PASS=correct-horse
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K/rsa2048.pkcs8.pem" 2>/dev/null
openssl pkey -in "$K/rsa2048.pkcs8.pem" -traditional -out "$K/rsa2048.pkcs1.pem"
openssl pkey -in "$K/rsa2048.pkcs8.pem" -outform DER -out "$K/rsa2048.pkcs8.der"
openssl rsa -in "$K/rsa2048.pkcs8.pem" -traditional -outform DER -out "$K/rsa2048.pkcs1.der" 2>/dev/null
openssl pkey -in "$K/rsa2048.pkcs8.pem" -pubout -out "$K/rsa2048.spki.pem"
openssl pkcs8 -topk8 -in "$K/rsa2048.pkcs8.pem" -v2 aes-256-cbc -v2prf hmacWithSHA256 -passout "pass:$PASS" -out "$K/rsa2048.enc-aes256-sha256.pem"
openssl pkcs8 -topk8 -in "$K/rsa2048.pkcs8.pem" -v2 aes-128-cbc -v2prf hmacWithSHA1 -passout "pass:$PASS" -out "$K/rsa2048.enc-aes128-sha1.pem"
openssl pkcs8 -topk8 -in "$K/rsa2048.pkcs8.pem" -v2 aes-192-cbc -passout "pass:$PASS" -out "$K/rsa2048.enc-aes192.pem"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:512 -out "$K/rsa512.pkcs8.pem" 2>/dev/null
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out "$K/rsapss2048.pkcs8.pem" 2>/dev/null
openssl pkey -in "$K/rsapss2048.pkcs8.pem" -pubout -out "$K/rsapss2048.spki.pem"
for c in P-256 P-384 P-521; do
  n=$(echo "$c" | tr -d '-' | tr 'P' 'p')
  openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:$c" -pkeyopt ec_param_enc:named_curve -out "$K/$n.pkcs8.pem"
  openssl ec -in "$K/$n.pkcs8.pem" -out "$K/$n.sec1.pem" 2>/dev/null
  openssl ec -in "$K/$n.pkcs8.pem" -outform DER -out "$K/$n.sec1.der" 2>/dev/null
  openssl ec -in "$K/$n.pkcs8.pem" -no_public -out "$K/$n.sec1-nopub.pem" 2>/dev/null
  openssl pkey -in "$K/$n.pkcs8.pem" -pubout -out "$K/$n.spki.pem"
done
# SEC1 with a leading EC PARAMETERS block, as `openssl ecparam -genkey` writes it.
openssl ecparam -name prime256v1 -genkey -out "$K/p256.with-params.pem"
openssl pkcs8 -topk8 -in "$K/p256.pkcs8.pem" -v2 aes-256-cbc -passout "pass:$PASS" -out "$K/p256.enc.pem"
openssl genpkey -algorithm ED25519 -out "$K/ed25519.pkcs8.pem"
openssl pkey -in "$K/ed25519.pkcs8.pem" -pubout -out "$K/ed25519.spki.pem"
openssl pkcs8 -topk8 -in "$K/ed25519.pkcs8.pem" -v2 aes-128-cbc -passout "pass:$PASS" -out "$K/ed25519.enc.pem"
openssl genpkey -algorithm ED448 -out "$K/ed448.pkcs8.pem"
openssl pkey -in "$K/ed448.pkcs8.pem" -pubout -out "$K/ed448.spki.pem"
openssl ecparam -name secp256k1 -genkey -noout -out "$K/secp256k1.sec1.pem"
openssl ec -in "$K/secp256k1.sec1.pem" -pubout -out "$K/secp256k1.spki.pem" 2>/dev/null

# Signatures made by OpenSSL over a fixed message, for verifySignature to check.
MSG="$K/message.bin"; printf 'puretls signed message\n' > "$MSG"
openssl dgst -sha256 -sign "$K/rsa2048.pkcs8.pem" -out "$K/rsa2048.sha256.sig" "$MSG"
openssl dgst -sha384 -sign "$K/rsa2048.pkcs8.pem" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest -out "$K/rsa2048.pss-sha384.sig" "$MSG"
openssl dgst -sha256 -sign "$K/p256.pkcs8.pem" -out "$K/p256.sha256.sig" "$MSG"
openssl dgst -sha512 -sign "$K/p384.pkcs8.pem" -out "$K/p384.sha512.sig" "$MSG"
openssl dgst -sha512 -sign "$K/p521.pkcs8.pem" -out "$K/p521.sha512.sig" "$MSG"
openssl pkeyutl -sign -rawin -inkey "$K/ed25519.pkcs8.pem" -in "$MSG" -out "$K/ed25519.sig"


# DH groups for checkDhGroup: RFC 3526 safe primes (not RFC 7919) and a random prime that is not a safe prime.
dhp() { openssl genpkey -genparam -algorithm DH -pkeyopt "group:$1" 2>/dev/null | openssl asn1parse | awk '/INTEGER/{print $NF; exit}' | tr -d ':'; }
jq -n --arg m2048 "$(dhp modp_2048)" --arg m1536 "$(dhp modp_1536)" --arg np "$(openssl prime -generate -bits 2048 -hex)" \
  '{modp2048:$m2048, modp1536:$m1536, notSafe2048:$np}' > "$OUT/dh.json"
echo "wrote $OUT"
