#!/bin/sh
# record_tls.sh -- record push over TLS (captures/thirdparty/tls-*.pcap)
# from real stacks on loopback: a node `https` + `ws` server (tls_push.js)
# and Debian's chromium (TLS 1.3), or node's own clients held to TLS 1.2.
# The certificate is made fresh, self-signed, with openssl.  Root (tcpdump
# on lo).
#
#   sh tests/thirdparty/record_tls.sh [OUTDIR]   (default captures/thirdparty)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/captures/thirdparty}
mkdir -p "$out"
[ -d "$here/node_modules/ws" ] || { echo "record_tls: run 'make deps' first (tests/thirdparty/node_modules)" >&2; exit 1; }

. "$here/lo_record.sh"

keys=$(mktemp -d)
trap 'rm -rf "$keys"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=pushlab.test \
    -addext subjectAltName=DNS:pushlab.test -keyout "$keys/key.pem" -out "$keys/cert.pem" 2>/dev/null
export TLS_CERT="$keys/cert.pem" TLS_KEY="$keys/key.pem"

lo_record "$out/tls-chromium.pcap" "$here/tls_push.js" chromium
lo_record "$out/tls12-node.pcap" "$here/tls_push.js" node12
if [ "$out" = "$root/captures/thirdparty" ]; then
    sh "$here/record.sh" --views tls-chromium tls12-node
fi
