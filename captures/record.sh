#!/bin/sh
# record.sh -- records captures/<technique>.pcap for every push technique,
# with pushviz's own capture code (pushviz -w), on the loopback interface.
#
#   sh captures/record.sh [TECHNIQUE...]        (make captures)
#
# Each capture is made by the labs' recorder (labs/lib/record.py), the one
# labs/start and labs/make-kit use, with the parameters of the student ID
# "reference": a tick interval of its own and a client started at a
# random-looking phase of it (not on a tick), one long-running client, a
# second client half-way, and a chat message (with a lab token) that every
# lab asks about; sse.pcap also holds a server restart and the client's
# reconnection with Last-Event-ID.  demo.pcap is all techniques at once
# (lab 08), for `make demo` without capture rights.  Last, the expected
# `pushviz --dump` of every capture is written to tests/viz/golden/, which
# tests/viz/test_golden.py compares, and the table of captures/README.md
# is counted again (captures/count.py).  Needs root (live capture).
set -eu
cd "$(dirname "$0")/.."
TECHNIQUES=${*:-"poll jsonp longpoll iframe xhr multipart flash sse ws demo"}
for t in $TECHNIQUES; do
    recipe=$t
    [ "$t" = demo ] && recipe=compare
    PYTHONDONTWRITEBYTECODE=1 python3 labs/lib/record.py "$recipe" "captures/$t.pcap"
    echo "record.sh: captures/$t.pcap ($(wc -c <"captures/$t.pcap") bytes)"
done

# The golden --dump of every capture, for tests/viz/test_golden.py.
mkdir -p tests/viz/golden
for pcap in captures/*.pcap; do
    name=$(basename "$pcap" .pcap)
    bin/pushviz -r "$pcap" --dump >"tests/viz/golden/$name.dump"
done
echo "record.sh: tests/viz/golden/*.dump written"
python3 captures/count.py --write
echo "record.sh: the table of captures/README.md counted again"
