# Shell helpers shared by make.sh and rules.sh (sourced, run from this folder).
DAYS=36500
ext() { # name, extension lines...
  name=$1; shift
  printf '%s\n' "$@" > "$name.ext"
}
ext inter "basicConstraints=critical,CA:TRUE,pathlen:0" "keyUsage=critical,keyCertSign,cRLSign" "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid"
ext ncinter "basicConstraints=critical,CA:TRUE,pathlen:0" "keyUsage=critical,keyCertSign,cRLSign" "subjectKeyIdentifier=hash" \
  "authorityKeyIdentifier=keyid" "nameConstraints=critical,permitted;DNS:allowed.example.com"
leafext() { # name, SAN
  ext "$1" "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth,clientAuth" "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" "subjectAltName=$2"
}

selfsigned() { # name, CN, keyopts
  openssl req -x509 -new -key "$1-key.pem" -subj "/C=US/O=puretls test/CN=$2" -days $DAYS -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -addext "subjectKeyIdentifier=hash" -out "$1.pem" 2>/dev/null
}
sign() { # name, CN, issuer, extfile, days, digest
  openssl req -new -key "$1-key.pem" -subj "/C=US/O=puretls test/CN=$2" -out "$1.csr" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3-key.pem" -CAcreateserial -days "$5" "-$6" \
    -extfile "$4.ext" -out "$1.pem" 2>/dev/null
}
rsa() { openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${2:-2048}" -out "$1-key.pem" 2>/dev/null; }
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1-key.pem" 2>/dev/null; }

