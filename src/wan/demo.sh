#!/bin/sh
# demo.sh -- what `make demo-wan` runs: the lab over a slow, lossy network.
#
# As root: `pushlab-wan up --delay 40 --loss 1` (80 ms RTT, 1 % loss each
# way), the seven servers inside its namespace on their default ports, a
# client per technique on the host, and pushviz live on the link's host
# end, plwan0.  Quitting pushviz stops the clients and takes the link down
# (which stops the servers).  Without root: pushviz on the capture recorded
# through the same link (captures/wan/demo.pcap), and say so.
cd "$(dirname "$0")/../.."
BIN=${BIN:-bin}
DELAY=${DELAY:-40} LOSS=${LOSS:-1}

if [ "$(id -u)" != 0 ]; then
    cap=captures/wan/demo.pcap
    [ -f "$cap" ] || { echo "make demo-wan: needs root (sudo make demo-wan), and $cap is missing" >&2; exit 1; }
    exec "$BIN/pushviz" -r "$cap" --demo-note "replaying $cap (80 ms RTT): pushlab-wan needs root (sudo make demo-wan)"
fi

pids=
cleanup() {
    [ -n "$pids" ] && kill $pids 2>/dev/null
    wait 2>/dev/null
    "$BIN/pushlab-wan" down
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$BIN/pushlab-wan" up --delay "$DELAY" --loss "$LOSS" || exit 1
for s in poll longpoll iframe xhr flash sse ws; do
    "$BIN/pushlab-wan" exec -- "$BIN/pushlab-$s" -b 0.0.0.0 >/dev/null 2>&1 &
done
sleep 0.5
# A second later, when pushviz listens, so it sees every handshake.
for t in poll jsonp longpoll iframe xhr multipart flash sse ws; do
    case $t in
    poll|jsonp) p=8001 ;; longpoll) p=8002 ;; iframe) p=8003 ;; xhr|multipart) p=8004 ;;
    flash) p=8005 ;; sse) p=8006 ;; ws) p=8007 ;;
    esac
    case $t in flash) url=10.77.0.2:$p ;; ws) url=ws://10.77.0.2:$p ;; *) url=http://10.77.0.2:$p ;; esac
    (sleep 1; exec "$BIN/pushlab-client" "$t" "$url" --poll-interval 2000 >/dev/null 2>&1) &
    pids="$pids $!"
done
"$BIN/pushviz" -i plwan0 -f "tcp portrange 8001-8007" \
    --demo-note "live on plwan0: seven servers behind pushlab-wan (RTT $((DELAY * 2)) ms, loss $LOSS %)"
