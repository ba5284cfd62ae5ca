#!/bin/sh
# captures/wan/record.sh -- records captures/wan/<technique>.pcap through
# the emulated link: the servers run behind `pushlab-wan up --delay 40`
# (80 ms RTT, no loss) in its namespace, the clients on the host reach them
# at 10.77.0.2 and pushviz captures on plwan0 (raw IP, DLT_RAW).
#
#   sh captures/wan/record.sh [SECONDS] [TECHNIQUE...]      (make captures-wan)
#
# For each technique: start its server on a free port (-p 0; the port is
# read from the "listening on" line), start `pushviz -i plwan0 -f "tcp port
# P" -w captures/wan/T.pcap`, run pushlab-client for SECONDS (default 10)
# with one chat message sent half-way, then stop the client, pushviz and
# the server.  demo.pcap is all techniques at once.  No golden dumps for
# these (captures/record.sh writes those of the loopback captures).  Needs root.
set -u
cd "$(dirname "$0")/../.."
BIN=${BIN:-bin}
SECONDS_EACH=${1:-10}
[ $# -gt 0 ] && shift
TECHNIQUES=${*:-"poll jsonp longpoll iframe xhr multipart flash sse ws"}
OUT=captures/wan IFACE=plwan0 HOST=10.77.0.2 SERVE="$BIN/pushlab-wan exec --" BIND="-b 0.0.0.0"
mkdir -p "$OUT"
"$BIN/pushlab-wan" down >/dev/null
"$BIN/pushlab-wan" up --delay 40 || exit 1
tmp=$(mktemp -d)
pids=
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$tmp"
    "$BIN/pushlab-wan" down
}
trap cleanup EXIT INT TERM

server_of() { # technique -> server binary name
    case $1 in
    poll|jsonp) echo poll ;;
    multipart) echo xhr ;;
    *) echo "$1" ;;
    esac
}

url_of() { # technique port -> client URL
    case $1 in
    flash) echo "$HOST:$2" ;;
    ws) echo "ws://$HOST:$2" ;;
    *) echo "http://$HOST:$2" ;;
    esac
}

# start_server NAME: starts bin/pushlab-NAME on a free port; sets $port.
start_server() {
    $SERVE "$BIN/pushlab-$1" $BIND -p 0 >"$tmp/$1.out" 2>"$tmp/$1.err" &
    pids="$pids $!"
    server_pid=$!
    port=
    for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
        port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$tmp/$1.out" | head -1)
        [ -n "$port" ] && return 0
        sleep 0.1
    done
    echo "record.sh: pushlab-$1 did not start: $(cat "$tmp/$1.err")" >&2
    return 1
}

# capture FILE FILTER: starts pushviz writing FILE; sets $viz_pid.
capture() {
    "$BIN/pushviz" -i "$IFACE" -f "$2" -w "$1" --json >/dev/null 2>"$tmp/viz.err" &
    viz_pid=$!
    pids="$pids $viz_pid"
    sleep 0.5 # the capture is active before the first SYN
    if ! kill -0 "$viz_pid" 2>/dev/null; then
        echo "record.sh: pushviz could not capture: $(cat "$tmp/viz.err")" >&2
        exit 1
    fi
}

stop() { kill -INT "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

# run_client TECHNIQUE PORT: the client for SECONDS_EACH, a chat message half-way.
run_client() {
    url=$(url_of "$1" "$2")
    "$BIN/pushlab-client" "$1" "$url" --duration "$SECONDS_EACH" >/dev/null 2>&1 &
    client=$!
    pids="$pids $client"
    sleep $((SECONDS_EACH / 2))
    "$BIN/pushlab-client" "$1" "$url" --count 1 --send "hello from record.sh" \
        --duration 3 >/dev/null 2>&1
    wait "$client" 2>/dev/null
}

for t in $TECHNIQUES; do
    s=$(server_of "$t")
    [ -x "$BIN/pushlab-$s" ] || { echo "record.sh: skip $t (no $BIN/pushlab-$s)"; continue; }
    start_server "$s" || continue
    capture "$OUT/$t.pcap" "tcp port $port"
    run_client "$t" "$port"
    sleep 0.3
    stop "$viz_pid"
    stop "$server_pid"
    echo "record.sh: $OUT/$t.pcap ($(wc -c <"$OUT/$t.pcap") bytes)"
done

# demo.pcap: every technique at once, as `make demo` shows it live.
filter= ports=
for s in poll longpoll iframe xhr flash sse ws; do
    [ -x "$BIN/pushlab-$s" ] || continue
    start_server "$s" || continue
    eval "port_$s=$port"
    filter="${filter:+$filter or }tcp port $port"
done
if [ -n "$filter" ]; then
    capture "$OUT/demo.pcap" "$filter"
    for t in poll jsonp longpoll iframe xhr multipart flash sse ws; do
        eval "p=\${port_$(server_of "$t"):-}"
        [ -n "$p" ] || continue
        "$BIN/pushlab-client" "$t" "$(url_of "$t" "$p")" --duration "$SECONDS_EACH" >/dev/null 2>&1 &
        pids="$pids $!"
    done
    sleep "$SECONDS_EACH"
    sleep 1
    stop "$viz_pid"
    echo "record.sh: $OUT/demo.pcap ($(wc -c <"$OUT/demo.pcap") bytes)"
fi
