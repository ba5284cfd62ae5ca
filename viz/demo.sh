#!/bin/sh
# demo.sh -- what `make demo` runs: pushviz on the lab's traffic.
#
# With capture rights (root, or CAP_NET_RAW): start all seven servers on
# their default ports and a client per technique, and open pushviz live on
# the loopback interface.  Without: open pushviz on a bundled capture from
# captures/, and say so.  Quitting pushviz stops everything started here.
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
pids=
cleanup() {
    [ -n "$pids" ] && kill $pids 2>/dev/null
    wait 2>/dev/null
}
trap cleanup EXIT INT TERM

can_capture() {
    [ "$(id -u)" = 0 ] && return 0
    command -v capsh >/dev/null && capsh --has-p=cap_net_raw 2>/dev/null && return 0
    return 1
}

start_lab() {
    for s in poll longpoll iframe xhr flash sse ws; do
        [ -x "$BIN/pushlab-$s" ] || continue
        "$BIN/pushlab-$s" >/dev/null 2>&1 &
        pids="$pids $!"
    done
    sleep 0.5
    if [ -x "$BIN/pushlab-client" ]; then
        # A second later, when pushviz listens: it then sees every
        # connection from its handshake and HTTP head, so it can tell the
        # technique of the long-lived streams too.  (exec keeps $! the client.)
        for t in poll jsonp longpoll iframe xhr multipart flash sse ws; do
            (sleep 1; exec "$BIN/pushlab-client" "$t" --poll-interval 2000 >/dev/null 2>&1) &
            pids="$pids $!"
        done
    fi
}

if [ ! -x "$BIN/pushviz" ]; then
    # Before pushviz existed the demo was the servers alone; keep that
    # path honest for a checkout built without it.
    start_lab
    echo "pushviz is not built; the servers are running:"
    echo "  poll http://127.0.0.1:8001/  longpoll :8002  iframe :8003  xhr :8004"
    echo "  flash :8005  sse :8006  ws :8007      (Ctrl-C stops them)"
    wait
    exit 0
fi

if can_capture; then
    start_lab
    "$BIN/pushviz" -i lo -f "tcp portrange 8001-8007" --demo-note "live on lo: seven servers and their clients started by make demo"
else
    cap=captures/demo.pcap
    [ -f "$cap" ] || cap=$(ls captures/*.pcap 2>/dev/null | head -1)
    if [ -z "$cap" ]; then
        echo "make demo: no capture rights and no capture in captures/ (run make captures as root)" >&2
        exit 1
    fi
    "$BIN/pushviz" -r "$cap" --demo-note "replaying $cap: no capture rights (run make demo as root for live capture)"
fi
