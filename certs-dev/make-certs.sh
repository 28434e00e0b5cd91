#!/usr/bin/env bash
# Regenerates the DEVELOPMENT/TEST certificates of the audit-log server into the
# directory this script lives in. FOR DEVELOPMENT AND TESTS ONLY: the private
# keys end up in the repository and are therefore public.
#
# Usage: bash certs-dev/make-certs.sh
#
# Requires only the `openssl` command line tool (written for OpenSSL 3.0, as on
# Debian 12). All keys are EC P-256 (prime256v1), PEM, unencrypted PKCS#8.
set -euo pipefail

OUT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DAYS=3650

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Random positive serial number (128 bits), unique per certificate.
serial() {
    printf '0x%s' "$(openssl rand -hex 16)"
}

# Fresh EC P-256 private key, PKCS#8 PEM, unencrypted.
genkey() {
    openssl genpkey -algorithm EC \
        -pkeyopt ec_paramgen_curve:prime256v1 \
        -pkeyopt ec_param_enc:named_curve \
        -out "$1"
}

# Our own small config, so the result does not depend on the system openssl.cnf.
CNF="$WORK/openssl.cnf"
cat > "$CNF" <<'CONF'
[ req ]
distinguished_name = req_dn
prompt             = no
[ req_dn ]

[ v3_ca ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_server ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer

[ v3_client ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = clientAuth
subjectAltName         = DNS:${ENV::CLIENT_NAME}
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer

# A client certificate that names its identity only in the subject CN (no SAN).
[ v3_client_cn_only ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer

# A host (server) certificate whose DNS name looks like a client identity: serverAuth
# only, so it must never authenticate as a client.
[ v3_host ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:${ENV::CLIENT_NAME}
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer

# Minimal `openssl ca` setup, only used for the certificate with fixed
# (past) validity dates: OpenSSL 3.0's `x509` has no -not_before/-not_after.
[ ca ]
default_ca = tmp_ca
[ tmp_ca ]
dir             = ${ENV::CA_WORK}
database        = $dir/index.txt
new_certs_dir   = $dir/newcerts
serial          = $dir/serial
default_md      = sha256
policy          = policy_any
unique_subject  = no
copy_extensions = none
email_in_dn     = no
[ policy_any ]
commonName = supplied
CONF
export CLIENT_NAME=unused
export CA_WORK="$WORK/ca"

# make_ca NAME "Common Name"
make_ca() {
    genkey "$WORK/$1.key"
    openssl req -new -x509 -config "$CNF" -sha256 \
        -key "$WORK/$1.key" -subj "/CN=$2" \
        -days "$DAYS" -set_serial "$(serial)" \
        -extensions v3_ca -out "$WORK/$1.pem"
}

# make_leaf NAME CN EXTENSION_SECTION CA_NAME
make_leaf() {
    genkey "$WORK/$1.key"
    openssl req -new -config "$CNF" -key "$WORK/$1.key" -subj "/CN=$2" \
        -out "$WORK/$1.csr"
    CLIENT_NAME="$2" openssl x509 -req -sha256 -in "$WORK/$1.csr" \
        -CA "$WORK/$4.pem" -CAkey "$WORK/$4.key" -set_serial "$(serial)" \
        -days "$DAYS" -extfile "$CNF" -extensions "$3" \
        -out "$WORK/$1.pem"
}

# Certificate authorities.
make_ca ca       "Audit Dev CA"
make_ca other-ca "Audit Other CA"

# Server certificate.
make_leaf server localhost v3_server ca

# Client certificates signed by the dev CA.
make_leaf auth-backend auth-backend v3_client ca
make_leaf auditor      auditor      v3_client ca
make_leaf intruder     intruder     v3_client ca

# Client certificate with the right name, but from an unrelated CA.
make_leaf other-ca-client auth-backend v3_client other-ca

# `auditor` from the other CA: trusted when the server also trusts the other CA, but not
# the auditor unless an --identity-issuer binding names the other CA for it.
make_leaf other-ca-auditor auditor v3_client other-ca

# Host certificate (serverAuth only) with DNS name `auditor`, from the dev CA.
make_leaf host-auditor auditor v3_host ca

# Client certificate naming `auditor` only in its subject CN, from the dev CA.
make_leaf cn-only-auditor auditor v3_client_cn_only ca

# Expired client certificate (valid 2020-01-01 .. 2020-01-02), dev CA.
genkey "$WORK/expired.key"
openssl req -new -config "$CNF" -key "$WORK/expired.key" -subj "/CN=auth-backend" \
    -out "$WORK/expired.csr"
mkdir -p "$CA_WORK/newcerts"
: > "$CA_WORK/index.txt"
openssl rand -hex 16 > "$CA_WORK/serial"
CLIENT_NAME=auth-backend openssl ca -batch -notext -config "$CNF" \
    -cert "$WORK/ca.pem" -keyfile "$WORK/ca.key" \
    -startdate 20200101000000Z -enddate 20200102000000Z \
    -extensions v3_client -in "$WORK/expired.csr" -out "$WORK/expired.pem" \
    2> "$WORK/ca.log" || { cat "$WORK/ca.log" >&2; exit 1; }

# Everything succeeded: install the results next to this script.
for name in ca other-ca server auth-backend auditor intruder other-ca-client expired \
    other-ca-auditor host-auditor cn-only-auditor; do
    install -m 0644 "$WORK/$name.pem" "$OUT_DIR/$name.pem"
    install -m 0644 "$WORK/$name.key" "$OUT_DIR/$name.key"
done

echo "Development certificates written to $OUT_DIR"
# The server recognizes these by their public keys: DevPkiTest fails until
# DevPki.PUBLIC_KEY_SHA256 lists the new ones, and prints the lines to paste.
echo "Now update DevPki.PUBLIC_KEY_SHA256 (server/src/main/java/dev/auditlog/server/tls/DevPki.java);"
echo "mvn -pl server -am verify -Dtest=DevPkiTest prints the new fingerprints."
