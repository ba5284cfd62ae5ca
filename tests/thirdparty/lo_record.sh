# lo_record.sh -- sourced by the recorders of single-script scenarios
# (record_coding.sh, record_deflate.sh): run one node script on a free
# loopback port while tcpdump records only that port, so nothing else on
# the machine ends up in the capture.  Root (tcpdump on lo).
#
#   lo_record FILE SCRIPT ARG...   runs `node SCRIPT PORT ARG...` (at most 60 s)

lo_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

lo_record() {
    file=$1 script=$2
    shift 2
    port=$(lo_free_port)
    log=$(mktemp)
    # --immediate-mode: each packet is handed over as it comes, so the
    # last ones are in the file when tcpdump is stopped.  Its ring then
    # has fixed-size slots as large as lo's biggest packet (64 KiB): -B
    # (KiB) makes room for about 1,000 of them, where the default 2 MiB
    # holds some 30 and drops the rest of a burst.
    tcpdump -i lo -U --immediate-mode -B 65536 -s 0 -w "$file" "tcp port $port" 2>"$log" &
    dump=$!
    # tcpdump says "listening on" once the capture is open.
    n=0
    until grep -q "listening on" "$log"; do
        n=$((n + 1))
        [ $n -lt 50 ] || { kill $dump; rm -f "$log"; echo "$0: tcpdump did not start" >&2; exit 1; }
        sleep 0.1
    done
    status=0
    timeout 60 node "$script" "$port" "$@" || status=$?
    sleep 0.3
    kill -INT $dump; wait $dump || true
    # A capture that lost packets is not a reference: say so, keep none.
    dropped=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel$/\1/p' "$log")
    rm -f "$log"
    [ $status -eq 0 ] || { echo "$0: $(basename "$script") $* failed ($status)" >&2; exit 1; }
    [ "${dropped:-0}" -eq 0 ] || { rm -f "$file"; echo "$0: tcpdump dropped $dropped packets of $file; record again" >&2; exit 1; }
    echo "$0: $file"
}
