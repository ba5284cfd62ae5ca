#!/bin/sh
# record_deflate.sh -- record the permessage-deflate captures
# (captures/thirdparty/ws-deflate-*.pcap) from real stacks on loopback:
# node `ws` talking to itself (deflate_node.js) and Debian's chromium
# talking to node `ws` (deflate_chromium.js).  Root (tcpdump on lo).
#
#   sh tests/thirdparty/record_deflate.sh [OUTDIR]   (default captures/thirdparty)
#
# Each scenario gets a free port of its own, and tcpdump records only that
# port, so nothing else on the machine ends up in the file.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/captures/thirdparty}
mkdir -p "$out"
[ -d "$here/node_modules/ws" ] || { echo "record_deflate: run 'make deps' first (tests/thirdparty/node_modules)" >&2; exit 1; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# record NAME SCRIPT MODE: one scenario into $out/ws-deflate-NAME.pcap
record() {
    name=$1 script=$2 mode=$3
    port=$(free_port)
    file=$out/ws-deflate-$name.pcap
    log=$(mktemp)
    tcpdump -i lo -U -s 0 -w "$file" "tcp port $port" 2>"$log" &
    dump=$!
    # tcpdump says "listening on" once the capture is open.
    n=0
    until grep -q "listening on" "$log"; do
        n=$((n + 1)); [ $n -lt 50 ] || { kill $dump; echo "record_deflate: tcpdump did not start" >&2; exit 1; }
        sleep 0.1
    done
    status=0
    timeout 60 node "$here/$script" "$port" "$mode" || status=$?
    sleep 0.3
    kill -INT $dump; wait $dump || true
    rm -f "$log"
    [ $status -eq 0 ] || { echo "record_deflate: $script $mode failed ($status)" >&2; exit 1; }
    echo "record_deflate: $file"
}

record node-takeover deflate_node.js takeover
record node-nocontext deflate_node.js nocontext
record node-fragmented deflate_node.js fragmented
record chromium-takeover deflate_chromium.js takeover
record chromium-nocontext deflate_chromium.js nocontext
