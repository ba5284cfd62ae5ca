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
# Each scenario gets a free port of its own (lo_record.sh).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/captures/thirdparty}
mkdir -p "$out"

. "$here/lo_record.sh"

for mode in ${CODING_MODES:-poll sse close}; do
    lo_record "$out/coding-$mode.pcap" "$here/coding_node.js" $mode
done
if [ "$out" = "$root/captures/thirdparty" ]; then
    sh "$here/record.sh" --views coding-poll coding-sse coding-close
fi
