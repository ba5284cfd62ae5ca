#!/bin/sh
# record_coding.sh -- record the content-coding captures
# (captures/thirdparty/coding-*.pcap) from node's own http and zlib on
# loopback (coding_node.js): gzip, deflate, raw deflate and br poll
# answers, a gzip event stream flushed per event, and HTTP/1.0
# close-delimited answers.  Beside each capture, its tshark view
# (record.sh --views).  Root (tcpdump on lo).
#
#   sh tests/thirdparty/record_coding.sh [OUTDIR]   (default captures/thirdparty)
#
# Each scenario gets a free port of its own, and tcpdump records only that
# port, so nothing else on the machine ends up in the file.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/captures/thirdparty}
mkdir -p "$out"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# record MODE: one scenario into $out/coding-MODE.pcap
record() {
    mode=$1
    port=$(free_port)
    file=$out/coding-$mode.pcap
    log=$(mktemp)
    tcpdump -i lo -U --immediate-mode -s 0 -w "$file" "tcp port $port" 2>"$log" &
    dump=$!
    # tcpdump says "listening on" once the capture is open.
    n=0
    until grep -q "listening on" "$log"; do
        n=$((n + 1)); [ $n -lt 50 ] || { kill $dump; echo "record_coding: tcpdump did not start" >&2; exit 1; }
        sleep 0.1
    done
    status=0
    timeout 60 node "$here/coding_node.js" "$port" "$mode" || status=$?
    sleep 0.3
    kill -INT $dump; wait $dump || true
    rm -f "$log"
    [ $status -eq 0 ] || { echo "record_coding: coding_node.js $mode failed ($status)" >&2; exit 1; }
    echo "record_coding: $file"
}

for mode in ${CODING_MODES:-poll sse close}; do
    record $mode
done
if [ "$out" = "$root/captures/thirdparty" ]; then
    sh "$here/record.sh" --views coding-poll coding-sse coding-close
fi
