#!/bin/sh
# record_deflate.sh -- record the permessage-deflate captures
# (captures/thirdparty/ws-deflate-*.pcap) from real stacks on loopback:
# node `ws` talking to itself (deflate_node.js) and Debian's chromium
# talking to node `ws` (deflate_chromium.js).  Root (tcpdump on lo).
#
#   sh tests/thirdparty/record_deflate.sh [OUTDIR]   (default captures/thirdparty)
#
# Each scenario gets a free port of its own (lo_record.sh).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/captures/thirdparty}
mkdir -p "$out"
[ -d "$here/node_modules/ws" ] || { echo "record_deflate: run 'make deps' first (tests/thirdparty/node_modules)" >&2; exit 1; }

. "$here/lo_record.sh"

lo_record "$out/ws-deflate-node-takeover.pcap" "$here/deflate_node.js" takeover
lo_record "$out/ws-deflate-node-nocontext.pcap" "$here/deflate_node.js" nocontext
lo_record "$out/ws-deflate-node-fragmented.pcap" "$here/deflate_node.js" fragmented
lo_record "$out/ws-deflate-chromium-takeover.pcap" "$here/deflate_chromium.js" takeover
lo_record "$out/ws-deflate-chromium-nocontext.pcap" "$here/deflate_chromium.js" nocontext
