"""bench_live.py -- does pushviz's live capture keep up with a class?
(issue 14, "Live capture without loss"; run by bench/run)

For each technique, with 50 and then 500 clients of pushlab-client's load
mode, and once more for the WebSocket echo at full speed (50 clients,
each sending its next message as soon as the echo of the last is back):

  1. start the technique's server on port 0, a tick every TICK_MS;
  2. start, side by side on lo with the same BPF filter (the server's
     port), both writing what they capture to a file:
         tcpdump -i lo -w FILE          (its defaults: the reference)
         pushviz -i lo -w FILE --json   (its JSON lines read as they come
                                         and dropped, but for the last)
  3. run the load for BENCH_LIVE_SECONDS (default 10);
  4. stop both with SIGINT and print what each says it received and the
     kernel dropped: tcpdump's "received by filter" / "dropped by kernel"
     lines, pushviz's `capture_stats` item (received, dropped,
     if_dropped), and the packets each file holds.

The goal: 0 kernel drops for pushviz in every row.  Both tools count a
loopback packet once (tcpdump's count includes the outgoing copy the
kernel shows it and libpcap discards, so its received is about twice
the packets it writes).  Needs root (live capture); exit status 1 when
pushviz dropped a packet.

Knobs: BENCH_LIVE_SECONDS, BENCH_LIVE_CLIENTS (default "50,500"),
BENCH_LIVE_TECHNIQUES (default every technique and "echo").
Run: sudo /usr/bin/python3 bench/bench_live.py
"""
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

from bench import BIN, TECHNIQUES, Server, load, table

SECONDS = float(os.environ.get("BENCH_LIVE_SECONDS", 10))
CLIENTS = [int(n) for n in os.environ.get("BENCH_LIVE_CLIENTS", "50,500").split(",")]
ONLY = os.environ.get("BENCH_LIVE_TECHNIQUES")
TICK_MS = 10       # 100 events a second from every push server
POLL_MS = 10       # and a poll every 10 ms from every polling client
START_S = 1.0      # time both capturers get to open before the load starts


def count_packets(path):
    """Packets in a pcap file (libpcap format), read record by record."""
    n = 0
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            return 0
        order = "<" if head[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return n
            caplen = struct.unpack(order + "IIII", rec)[2]
            f.seek(caplen, 1)
            n += 1


def tcpdump_counts(err):
    got = {}
    for key, pattern in (("received", r"(\d+) packets? received by filter"),
                         ("dropped", r"(\d+) packets? dropped by kernel")):
        m = re.search(pattern, err)
        got[key] = int(m.group(1)) if m else None
    return got


def drain(pipe, keep, tail):
    """Read pipe to its end as it is written, keeping its last `keep` bytes
    in tail[0].  pushviz's JSON lines must be read as they come, as a
    user's pipeline or terminal reads them: a pipe left unread fills
    (64 KiB), pushviz waits to write, and its queue of captured packets
    fills behind it -- the drops would be the bench's."""
    data = b""
    while True:
        chunk = pipe.read1(1 << 20)
        if not chunk:
            break
        data = (data + chunk)[-keep:]
    tail[0] = data


def one_run(technique, server_name, clients, tmp):
    extra = []
    if technique in ("poll", "jsonp"):
        extra = ["--poll-interval", str(POLL_MS)]
    if technique == "echo":
        extra = ["--echo"]
    server = Server([os.path.join(BIN, "pushlab-" + server_name), "-p", "0", "--interval",
                     "0" if technique == "echo" else str(TICK_MS), "--max-clients", "2000"])
    bpf = "tcp port %d" % server.port
    td_file, pv_file = os.path.join(tmp, "tcpdump.pcap"), os.path.join(tmp, "pushviz.pcap")
    td = subprocess.Popen(["tcpdump", "-i", "lo", "-Z", "root", "-w", td_file, bpf],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    pv_err_file = open(os.path.join(tmp, "pushviz.err"), "w+b")
    pv = subprocess.Popen([os.path.join(BIN, "pushviz"), "-i", "lo", "-w", pv_file, "--json", "-f", bpf],
                          stdout=subprocess.PIPE, stderr=pv_err_file)
    pv_tail = [b""]
    reader = threading.Thread(target=drain, args=(pv.stdout, 1 << 20, pv_tail))
    reader.start()
    try:
        time.sleep(START_S)
        run = load(server, "ws" if technique == "echo" else technique, clients, SECONDS, *extra)
        time.sleep(0.5)  # the last packets reach both rings
    finally:
        for p in (td, pv):
            p.send_signal(signal.SIGINT)
        td_err = td.communicate(timeout=60)[1].decode(errors="replace")
        pv.wait(timeout=120)
        reader.join()
        pv_err_file.seek(0)
        pv_err = pv_err_file.read()
        pv_err_file.close()
        server.stop()
    stats = None
    for line in pv_tail[0].decode(errors="replace").splitlines()[::-1]:
        if '"capture_stats"' in line:
            stats = json.loads(line)
            break
    if stats is None:
        raise RuntimeError("pushviz printed no capture_stats item: %s" % pv_err.decode(errors="replace")[-500:])
    tdc = tcpdump_counts(td_err)
    return {
        "delivered": run.summary.get("events_delivered"),
        "td_recv": tdc["received"], "td_drop": tdc["dropped"], "td_file": count_packets(td_file),
        "pv_recv": stats["received"], "pv_drop": stats["dropped"], "pv_ifdrop": stats["if_dropped"],
        "pv_file": count_packets(pv_file),
    }


def main():
    if os.geteuid() != 0:
        print("bench_live: skipped: live capture needs root (CAP_NET_RAW)")
        return 0
    if not shutil.which("tcpdump"):
        print("bench_live: skipped: tcpdump is not installed (make deps installs it)")
        return 0
    cases = [(t, s, n) for n in CLIENTS for t, s in TECHNIQUES]
    cases.append(("echo", "ws", 50))
    if ONLY:
        cases = [c for c in cases if c[0] in ONLY.split(",")]
    print("Live capture beside tcpdump on lo, %g s per row, servers tick every %d ms, polls every %d ms"
          % (SECONDS, TICK_MS, POLL_MS))
    print("(recv = the kernel's count after the filter, drop = dropped by the kernel, file = packets written)")
    header = ["technique", "clients", "tcpdump recv", "drop", "file", "pushviz recv", "drop", "ifdrop", "file"]
    rows, worst = [], 0
    tmp = tempfile.mkdtemp(prefix="bench-live-")
    try:
        for technique, server_name, clients in cases:
            r = one_run(technique, server_name, clients, tmp)
            worst = max(worst, r["pv_drop"])
            row = [technique + (" (full speed)" if technique == "echo" else ""), clients,
                   r["td_recv"], r["td_drop"], r["td_file"], r["pv_recv"], r["pv_drop"], r["pv_ifdrop"],
                   r["pv_file"]]
            rows.append(row)
            print("  " + "  ".join(str(c) for c in row))
            sys.stdout.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    table(header, rows)
    print("pushviz kernel drops: %s" % ("none" if worst == 0 else "up to %d in a row (goal: 0)" % worst))
    return 1 if worst else 0


if __name__ == "__main__":
    sys.exit(main())
