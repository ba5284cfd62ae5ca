#!/bin/sh
# record.sh -- re-record captures/thirdparty/: every scenario of scenario.js
# (third-party stacks, real chromium, tcpdump on lo), and beside each
# capture tshark's view of it (NAME.tshark: HTTP requests and statuses per
# TCP stream, and each stream's handshake RTT), which the tests compare
# pushviz with.  Needs root (tcpdump), chromium, tshark and the npm
# packages of tests/thirdparty (make deps).  Run by `make captures-thirdparty`.
#   sh tests/thirdparty/record.sh [NAME...]          (default: every scenario)
#   sh tests/thirdparty/record.sh --views [NAME...]  only rewrite the tshark views
set -e
cd "$(dirname "$0")"
out=../../captures/thirdparty

# tshark's view of capture $1: one line per HTTP head, then one per
# handshake RTT (the client's ACK of the SYN/ACK; a refused connection,
# SYN then RST, had no handshake and has none), then one per chunked body
# that ended with trailer fields (its trailer-part, CRLFs written \r\n).  The ports that answered a
# SYN are decoded as HTTP: tshark picks a dissector by port, and a client's
# ephemeral port may be registered to another protocol (44322: pmproxy).
tshark_view() {
    decode=
    for port in $(tshark -r "$1" -Y 'tcp.flags.syn == 1 and tcp.flags.ack == 1' -T fields \
                      -e tcp.srcport 2>/dev/null | sort -un); do
        decode="$decode -d tcp.port==$port,http"
    done
    # $decode unquoted on purpose: it is a list of arguments
    tshark -r "$1" $decode -Y 'http.request or http.response' -T fields \
        -e tcp.stream -e http.request.method -e http.request.uri -e http.response.code \
        2>/dev/null | sed 's/^/http\t/'
    tshark -r "$1" -T fields -e tcp.stream -e tcp.analysis.initial_rtt \
        -Y 'tcp.analysis.initial_rtt and tcp.flags.ack == 1 and tcp.flags.syn == 0 and tcp.flags.reset == 0' \
        2>/dev/null | awk -F'\t' '!seen[$1]++ { print "rtt\t" $0 }'
    tshark -r "$1" $decode -Y 'http.chunked_trailer_part' -T fields -e tcp.stream \
        -e http.chunked_trailer_part 2>/dev/null | sed 's/^/trailer\t/'
}

views_only=
if [ "$1" = --views ]; then
    views_only=1
    shift
fi
names=$*
[ -n "$names" ] || names=$(node scenario.js --list)
for name in $names; do
    [ -n "$views_only" ] || node scenario.js "$name" "$out/$name.pcap"
    tshark_view "$out/$name.pcap" > "$out/$name.tshark"
done
