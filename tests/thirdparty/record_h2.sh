#!/bin/sh
# record_h2.sh -- record push over HTTP/2 in the clear
# (captures/thirdparty/h2c-*.pcap) from real stacks on loopback: a node
# `http2` server (h2_push.js) and curl (nghttp2), or node's own http2
# client multiplexing streams; and curl's HTTP/1.1 Upgrade to h2c, taken
# by nghttpx in front of the same server.  Root (tcpdump on lo).
#
#   sh tests/thirdparty/record_h2.sh [OUTDIR]   (default captures/thirdparty)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/captures/thirdparty}
mkdir -p "$out"

. "$here/lo_record.sh"

lo_record "$out/h2c-curl.pcap" "$here/h2_push.js" curl
lo_record "$out/h2c-node.pcap" "$here/h2_push.js" node
lo_record "$out/h2c-upgrade.pcap" "$here/h2_push.js" curl-upgrade
if [ "$out" = "$root/captures/thirdparty" ]; then
    sh "$here/record.sh" --views h2c-curl h2c-node h2c-upgrade
fi
