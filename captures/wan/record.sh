#!/bin/sh
# captures/wan/record.sh -- records captures/wan/<technique>.pcap through
# the emulated link, with the recorder that records captures/*.pcap and
# the labs' own captures (labs/lib/record.py).
#
#   sh captures/wan/record.sh [TECHNIQUE...]      (make captures-wan)
#
# Each capture is the recipe of captures/<technique>.pcap (the parameters
# of the student ID "reference": its tick interval and phase, a long-running
# client, a late client half-way, a chat message; sse.pcap's server
# restart), run with `record.py --wan 40`: the servers in pushlab-wan's
# namespace behind a link of 40 ms each way (RTT 80 ms, no loss), the
# clients on the host reaching them at 10.77.0.2, pushviz capturing on
# plwan0 (raw IP, DLT_RAW).  demo.pcap is all techniques at once.  No golden
# dumps for these (captures/record.sh writes those of the loopback captures).
# Needs root.
set -eu
cd "$(dirname "$0")/../.."
TECHNIQUES=${*:-"poll jsonp longpoll iframe xhr multipart flash sse ws demo"}
for t in $TECHNIQUES; do
    recipe=$t
    [ "$t" = demo ] && recipe=compare
    PYTHONDONTWRITEBYTECODE=1 python3 labs/lib/record.py --wan 40 "$recipe" "captures/wan/$t.pcap"
    echo "record.sh: captures/wan/$t.pcap ($(wc -c <"captures/wan/$t.pcap") bytes)"
done
