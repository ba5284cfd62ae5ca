"""bench_pushviz.py -- pushviz's replay speed and memory against its peers
(issue 6, "Benchmark"; issue 16 item 3).

Two pcaps are written at bench time (neither is committed):
  - push: BENCH_VIZ_PACKETS packets (default 1,000,000) with
    tests/viz/pcapgen.py: WebSocket connections pushing event frames with
    the client's ACKs, and keep-alive HTTP polls, on 100 flows;
  - polls: as many packets of short HTTP polls, a new connection each
    (handshake, GET, answer with an event, FINs: 10 packets), 50 open at
    a time: the flow table's churn, the classifier, the held flow items.
Then, in the same run and on the same files:

  pushviz --json        every item as a JSON line (to /dev/null)
  tshark -T fields      the equivalent fields (TCP numbers, flags, ack RTT,
                        HTTP method/URI/status, WebSocket frame fields);
                        on the push capture only (half a minute a run)
  tcpdump -nn -r        plain one-line printing
  tcpdump -w /dev/null  libpcap reading the file and writing it back out
                        unprinted: the floor under a tool that reads with
                        libpcap (no ratio: it tells how much of tcpdump's
                        time is reading and how much printing)

and prints packets/s for each, the ratios (goals: 60x tshark, 8x
tcpdump), and each tool's peak resident memory.  pushviz's memory must
not grow with the capture: it is also measured on the first half of the
push capture.  The machine may be shared, so a rate is packets per CPU
second (user + system) of the tool, the best of BENCH_VIZ_RUNS rounds
(default 3) that take turns between the tools: other load then slows no
tool more than another.  tshark takes half a minute a run, so it runs in
the first BENCH_VIZ_TSHARK_RUNS rounds only (default 2): the best of two
against pushviz's best of three, not one run that may have met a quiet
spell or a busy one (its CPU time varied 22.0-23.7 s between two runs).
A missing tshark or tcpdump is reported, not counted.
Run: /usr/bin/python3 bench/bench_pushviz.py
"""
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "viz"))
import pcapgen as g  # noqa: E402

BIN = os.environ.get("PUSHLAB_BIN") or os.path.join(HERE, "..", "bin")
PACKETS = int(os.environ.get("BENCH_VIZ_PACKETS", 1000000))
RUNS = int(os.environ.get("BENCH_VIZ_RUNS", 3))
TSHARK_RUNS = int(os.environ.get("BENCH_VIZ_TSHARK_RUNS", 2))
FLOWS = 100


def generate(path):
    """About PACKETS packets over FLOWS connections, half WebSocket, half polling."""
    pc = g.Pcap(g.LINKTYPE_EN10MB)
    per_flow = PACKETS // FLOWS
    for n in range(FLOWS):
        conv = g.Conversation(client=("10.0.%d.%d" % (n // 250, n % 250 + 1), 40000 + n),
                              server=("10.1.0.1", 8007 if n % 2 else 8001), t=n * 0.001)
        conv.handshake()
        seq = 0
        if n % 2:
            conv.send("c2s", b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            conv.send("s2c", b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
            while len(conv.packets) < per_flow:
                seq += 1
                ev = g.event(seq, 1700000000000 + seq).encode()
                conv.segment("s2c", g.PSH | g.ACK, bytes([0x81, len(ev)]) + ev, dt=0.0001)
                conv.segment("c2s", g.ACK, dt=0.00001)
        else:
            while len(conv.packets) < per_flow:
                seq += 1
                conv.segment("c2s", g.PSH | g.ACK, b"GET /poll?since=%d HTTP/1.1\r\nHost: x\r\n\r\n" % seq)
                body = ("[" + g.event(seq, 1700000000000 + seq) + "]").encode()
                conv.segment("s2c", g.PSH | g.ACK, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n" % len(body) + body)
                conv.segment("c2s", g.ACK)
        for ts, pkt in conv.packets:
            pc.add_ip(1700000000 + ts, pkt)
    pc.records.sort(key=lambda r: r[0])
    pc.write(path)
    return len(pc.records)


def generate_polls(path, packets):
    """Short polls, a connection each, 50 open at once; returns the packet count."""
    w = g.FastWriter(path)
    server = bytes([10, 1, 0, 1])
    polls = packets // 10
    for first in range(0, polls, 50):
        group = range(first, min(first + 50, polls))
        addr = {i: (bytes([10, 3, i >> 16 & 255, i >> 8 & 255]), 1024 + (i & 255) * 200 + 7) for i in group}
        steps = []
        for i in group:
            a, port = addr[i]
            get = b"GET /poll?since=%d HTTP/1.1\r\nHost: x\r\n\r\n" % i
            body = ("[" + g.event(i + 1, 1700000000000 + i) + "]").encode()
            answer = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                      % len(body) + body)
            c, s_ = 1001, 5001
            steps.append([
                (a, server, port, 8001, 1000, 0, g.SYN, b""),
                (server, a, 8001, port, 5000, 1001, g.SYN | g.ACK, b""),
                (a, server, port, 8001, c, s_, g.ACK, b""),
                (a, server, port, 8001, c, s_, g.PSH | g.ACK, get),
                (server, a, 8001, port, s_, c + len(get), g.ACK, b""),
                (server, a, 8001, port, s_, c + len(get), g.PSH | g.ACK, answer),
                (a, server, port, 8001, c + len(get), s_ + len(answer), g.ACK, b""),
                (a, server, port, 8001, c + len(get), s_ + len(answer), g.FIN | g.ACK, b""),
                (server, a, 8001, port, s_ + len(answer), c + len(get) + 1, g.FIN | g.ACK, b""),
                (a, server, port, 8001, c + len(get) + 1, s_ + len(answer) + 1, g.ACK, b""),
            ])
        for k in range(10):
            for st in steps:
                w.packet(*st[k])
    w.close()
    return w.n


def timed(cmd):
    """(wall seconds, CPU seconds, peak RSS in KiB or None) of cmd, its
    output thrown away; None when it cannot run (timed_parts has the CPU
    time split in two)."""
    parts = timed_parts(cmd)
    if parts is None:
        return None
    wall, user, system, rss = parts
    return wall, user + system, rss


def timed_parts(cmd):
    """(wall, user CPU, system CPU seconds, peak RSS in KiB or None) of
    cmd, its output thrown away; None when it cannot run.  CPU time is
    that of the finished children (getrusage RUSAGE_CHILDREN counts only
    children, and GNU time is one that waits for its own): user time is the
    program's own work, system time the kernel's for it (reading the file,
    and the page faults and zeroing of memory it touches for the first
    time).  The RSS comes from GNU time's %M: the rusage of a child forked
    from Python would count Python's own pages."""
    if not shutil.which(cmd[0]) and not os.access(cmd[0], os.X_OK):
        return None
    gnu_time = os.path.exists("/usr/bin/time")
    if gnu_time:
        cmd = ["/usr/bin/time", "-f", "%M"] + cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rss = None
    if gnu_time:
        last = p.stderr.decode(errors="replace").strip().splitlines()[-1:]
        rss = int(last[0]) if last and last[0].isdigit() else None
    return wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime, rss


def measure(label, path, n, runs, with_tshark):
    """Rounds of pushviz, tshark and tcpdump on path; prints a line each
    and the ratios; returns pushviz's peak RSS in KiB (or None)."""
    ports = ["-d", "tcp.port==8001,http", "-d", "tcp.port==8007,http"]
    fields = ["frame.number", "tcp.stream", "tcp.seq", "tcp.ack", "tcp.len", "tcp.flags",
              "tcp.analysis.ack_rtt", "http.request.method", "http.request.uri", "http.response.code",
              "websocket.fin", "websocket.opcode", "websocket.mask", "websocket.payload_length"]
    tools = [
        ("pushviz --json", [os.path.join(BIN, "pushviz"), "-r", path, "--json"]),
        ("tshark -T fields", ["tshark", "-n", "-r", path, "-T", "fields"] + ports +
         [a for f in fields for a in ("-e", f)]),
        ("tcpdump -nn -r", ["tcpdump", "-nn", "-r", path]),
        ("tcpdump -w /dev/null", ["tcpdump", "-r", path, "-w", "/dev/null"]),
    ]
    if not with_tshark:
        tools = [t for t in tools if not t[0].startswith("tshark")]
    # Rounds of one run of each tool, so that every tool is measured
    # across the same spells of other load; tshark takes half a minute
    # a run, so it runs in the first TSHARK_RUNS rounds only (and at
    # least in the first).
    results = {name: [] for name, _ in tools}
    for round_no in range(runs):
        for name, cmd in tools:
            if round_no < max(TSHARK_RUNS, 1) or not name.startswith("tshark"):
                results[name].append(timed(cmd))
    print("%s: %d packets, %.1f MB" % (label, n, os.path.getsize(path) / 1e6))
    rates, rss_of = {}, {}
    for name, _ in tools:
        if results[name][0] is None:
            print("  %-20s not installed" % name)
            continue
        wall, cpu, rss = min(results[name], key=lambda r: r[1])
        rates[name] = n / max(cpu, 0.001)  # a tiny run may measure 0 s
        rss_of[name] = rss
        print("  %-20s %6.2f s CPU (%6.2f s wall)  %10.0f packets/s  peak RSS %s" % (
            name, cpu, wall, rates[name], "%.1f MiB" % (rss / 1024) if rss else "?"))
    mine = rates.get("pushviz --json")
    goals = {"tshark -T fields": 60, "tcpdump -nn -r": 8}  # issue 16, item 3
    for peer in ("tshark -T fields", "tcpdump -nn -r"):
        if mine and peer in rates:
            ratio = mine / rates[peer]
            print("  pushviz / %-8s %5.1fx  (goal: at least %dx%s)" % (
                peer.split()[0], ratio, goals[peer], "" if ratio >= goals[peer] else "; not met"))
    return rss_of.get("pushviz --json")


def main():
    tmp = tempfile.mkdtemp(prefix="bench-pushviz-")
    try:
        push = os.path.join(tmp, "push.pcap")
        n = generate(push)
        rss_full = measure("push capture", push, n, RUNS, True)
        polls = os.path.join(tmp, "polls.pcap")
        measure("short polls capture", polls, generate_polls(polls, PACKETS), RUNS, False)
        # Memory against the capture's size: the first half of the push capture.
        half = os.path.join(tmp, "half.pcap")
        with open(push, "rb") as src, open(half, "wb") as dst:
            dst.write(src.read(os.path.getsize(push) // 2))
        _, _, rss_half = timed([os.path.join(BIN, "pushviz"), "-r", half, "--json"])
        if rss_full and rss_half:
            print("pushviz peak RSS: %.1f MiB for the push capture, %.1f MiB for its first half"
                  " (goal: no more for more packets, under 64 MiB)" % (rss_full / 1024, rss_half / 1024))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
