"""bench_wan.py -- what the network costs each push technique, measured
through pushlab-wan, and what pushlab-wan's userspace link costs itself.
(Part of `make bench`; needs root, says so and stops without it.)

1. Per-event delivery latency of every technique at RTT 0, 80 and 300 ms
   (pushlab-wan --delay 0, 40, 150).  The seven servers run in the
   namespace with no ticks (--interval 0); events are made at random
   times, a gap uniform in [0.3, 1.7] s, independently per server, by a
   chat message (POST /send; for the Flash server a NUL-terminated line on
   a socket of its own), so they are never in phase with a poller.  One
   pushlab-client per technique on the host (poll every 1000 ms, its
   default) prints each event's latency: its clock minus the event's ts
   (both on this machine, millisecond resolution).  The table gives the
   mean and p90 per technique and RTT, next to what the interval and the
   RTT predict (docs/wan.md explains each row).
2. The relay's own cost, against a veth pair between two namespaces (the
   kernel alone) in the same run:
     latency  TCP round trips of a 1-byte echo at --delay 0, p50/p99,
              and the difference: what the relay adds;
     rate     UDP packets of 64 bytes sent as fast as one Python sender
              can for 3 s; packets per second that arrive on the far side;
              and the relay's CPU time per packet (from /proc), whose
              inverse is the most packets/s one core could relay (the
              sender, the relay and the receiver share two cores here, so
              the sender, not the relay, limits the delivered rate).

Knobs: BENCH_WAN_EVENTS (events per server per RTT, default 60),
BENCH_WAN_RTTS (default "0,80,300").
"""
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import wanlib  # noqa: E402
from wanlib import CLIENT, SERVER_ADDR, SERVERS, Link, client_url, wait_port  # noqa: E402

EVENTS = int(os.environ.get("BENCH_WAN_EVENTS", 60))
RTTS = [int(r) for r in os.environ.get("BENCH_WAN_RTTS", "0,80,300").split(",")]
POLL_MS = 1000
TECHNIQUES = [t for _, _, ts in SERVERS for t in ts]
PORT = {t: port for _, port, ts in SERVERS for t in ts}


def predicted(technique, rtt):
    """(mean, p90) in ms that the interval and RTT predict (docs/wan.md).
    Poll: the next poll reaches the server after a wait uniform over its
    period (interval + RTT, since the client waits the interval after each
    answer), then the answer takes RTT/2.  Everything else is already
    waiting at the server: RTT/2."""
    if technique in ("poll", "jsonp"):
        period = POLL_MS + rtt
        return period / 2 + rtt / 2, 0.9 * period + rtt / 2
    return rtt / 2, rtt / 2


def send_http(port, text):
    body = text.encode()
    s = socket.create_connection((SERVER_ADDR, port), timeout=10)
    s.sendall(b"POST /send HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s" %
              (len(body), body))
    s.recv(1024)
    s.close()


def sender(name, port, gaps, stop):
    """Make one event per gap on server NAME, at random times."""
    flash = None
    if name == "flash":
        flash = socket.create_connection((SERVER_ADDR, port), timeout=10)
    start = time.monotonic()
    at = 0.0
    for i, gap in enumerate(gaps):
        at += gap
        left = start + at - time.monotonic()
        if left > 0 and stop.wait(left):
            break
        text = "bench %d" % i
        if flash:
            flash.sendall(text.encode() + b"\0")
        else:
            send_http(port, text)
    if flash:
        flash.close()


def percentile(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(p * len(v)))] if v else float("nan")


def latency_at(rtt):
    """{technique: [latency_ms...]} with the link at this RTT."""
    rng = random.Random(rtt)
    with Link("--delay", rtt / 2) as link:
        for name, port, _ in SERVERS:
            link.exec_server(name, port, "--interval", "0")
        for _, port, _ in SERVERS:
            wait_port(port)
        schedules = {name: [rng.uniform(0.3, 1.7) for _ in range(EVENTS)] for name, _, _ in SERVERS}
        length = max(sum(g) for g in schedules.values())
        clients = {t: subprocess.Popen([CLIENT, t, client_url(t, PORT[t]), "--json", "--duration",
                                        "%.1f" % (length + 3 + rtt / 1000 * 4), "--poll-interval", str(POLL_MS)],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                   for t in TECHNIQUES}
        time.sleep(1 + rtt / 1000 * 3)  # every client connected and waiting
        stop = threading.Event()
        threads = [threading.Thread(target=sender, args=(name, port, schedules[name], stop))
                   for name, port, _ in SERVERS]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        result = {}
        for t, c in clients.items():
            out, err = c.communicate(timeout=60)
            lat = [json.loads(line)["latency_ms"] for line in out.decode().splitlines() if line.startswith("{")]
            result[t] = lat
            if len(lat) < EVENTS * 0.9:
                print("  note: %s got %d of %d events (%s)" % (t, len(lat), EVENTS, err.decode()[-200:].strip()))
        return result


def part_latency():
    print("== per-event delivery latency through pushlab-wan (ms; %d events at random times per "
          "technique; poll interval %d ms)" % (EVENTS, POLL_MS))
    table = {rtt: latency_at(rtt) for rtt in RTTS}
    head = "%-10s" % "technique" + "".join("   RTT %-3d mean  p90 (predicted)" % r for r in RTTS)
    print(head)
    for t in TECHNIQUES:
        row = "%-10s" % t
        for rtt in RTTS:
            lat = table[rtt][t]
            pm, p90 = predicted(t, rtt)
            mean = sum(lat) / len(lat) if lat else float("nan")
            row += "   %9.0f %5.0f (%4.0f %5.0f)" % (mean, percentile(lat, 0.9), pm, p90)
        print(row)


# ---- part 2: the relay against a veth pair ----

ECHO = r'''
import socket, sys
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", 9000)); l.listen(1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", 9001))
u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 24)
print("ready", flush=True)
c, _ = l.accept(); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
while True:
    b = c.recv(1)
    if not b:
        break
    c.sendall(b)
# then count UDP packets for the rate test until a b"end" packet
n = 0
while u.recv(2048) != b"end":
    n += 1
print(n, flush=True)
'''


def measure_path(run_in_ns, addr):
    """(round trips in ms, UDP packets/s delivered) to an echo in a namespace."""
    echo = subprocess.Popen(run_in_ns + ["/usr/bin/python3", "-c", ECHO], stdout=subprocess.PIPE)
    assert echo.stdout.readline().strip() == b"ready"
    s = socket.create_connection((addr, 9000), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    rtts = []
    for _ in range(2000):
        t0 = time.perf_counter()
        s.sendall(b"x")
        s.recv(1)
        rtts.append((time.perf_counter() - t0) * 1000)
    s.close()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    payload = b"p" * 36  # 64 bytes with the IP and UDP headers
    sent, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < 3:
        for _ in range(200):
            try:
                u.sendto(payload, (addr, 9001))
                sent += 1
            except OSError:
                pass
    elapsed = time.monotonic() - t0
    time.sleep(0.5)
    for _ in range(5):
        u.sendto(b"end", (addr, 9001))
        time.sleep(0.05)
    got = int(echo.stdout.readline())
    echo.wait(10)
    return rtts, got / elapsed, sent / elapsed


def veth_pair():
    """A namespace plwanbench behind a plain veth pair (10.78.0.1 <-> .2)."""
    cmds = [["ip", "netns", "add", "plwanbench"],
            ["ip", "link", "add", "plwanb0", "type", "veth", "peer", "name", "plwanb1", "netns", "plwanbench"],
            ["ip", "addr", "add", "10.78.0.1/24", "dev", "plwanb0"], ["ip", "link", "set", "plwanb0", "up"],
            ["ip", "-n", "plwanbench", "addr", "add", "10.78.0.2/24", "dev", "plwanb1"],
            ["ip", "-n", "plwanbench", "link", "set", "plwanb1", "up"],
            ["ip", "-n", "plwanbench", "link", "set", "lo", "up"]]
    for c in cmds:
        subprocess.run(c, check=True)


def veth_pair_down():
    subprocess.run(["ip", "link", "del", "plwanb0"], stderr=subprocess.DEVNULL)
    subprocess.run(["ip", "netns", "del", "plwanbench"], stderr=subprocess.DEVNULL)


def relay_cpu_s(pid):
    """utime + stime of a process, in seconds."""
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def relay_passed():
    """Packets the relay has delivered, both directions (pushlab-wan status)."""
    out = wanlib.wan("status").stdout
    return sum(int(w.split("=")[1]) for w in out.split() if w.startswith("passed="))


def part_overhead():
    print("== the userspace link's own cost, against a veth pair (kernel only), same run")
    try:
        veth_pair()
        time.sleep(0.5)
        v_rtt, v_pps, v_offered = measure_path(["ip", "netns", "exec", "plwanbench"], "10.78.0.2")
    finally:
        veth_pair_down()
    with Link("--delay", "0"):
        relay = int(open("/run/pushlab-wan/state").read().split("relay=")[1].split()[0])
        cpu0, passed0 = relay_cpu_s(relay), relay_passed()
        w_rtt, w_pps, w_offered = measure_path([wanlib.WAN, "exec", "--"], SERVER_ADDR)
        cpu, passed = relay_cpu_s(relay) - cpu0, relay_passed() - passed0
    p50v, p99v, p50w, p99w = (percentile(v_rtt, 0.5), percentile(v_rtt, 0.99),
                              percentile(w_rtt, 0.5), percentile(w_rtt, 0.99))
    print("round trip, 1-byte TCP echo:  veth p50 %.3f ms p99 %.3f ms;  pushlab-wan --delay 0 p50 %.3f ms "
          "p99 %.3f ms;  added per round trip %.3f ms (p50), so %.3f ms per packet" %
          (p50v, p99v, p50w, p99w, p50w - p50v, (p50w - p50v) / 2))
    print("64-byte UDP packets/s delivered:  veth %.0f (offered %.0f);  pushlab-wan %.0f (offered %.0f);  "
          "ratio %.2f" % (v_pps, v_offered, w_pps, w_offered, w_pps / v_pps if v_pps else float("nan")))
    if passed and cpu > 0:
        print("relay CPU: %.2f us per packet (%d packets, %.2f s CPU): one core would carry at most "
              "%.0f packets/s" % (cpu / passed * 1e6, passed, cpu, passed / cpu))


def main():
    if os.geteuid() != 0:
        print("bench_wan: skipped: pushlab-wan needs root (namespaces, TUN devices); sudo make bench")
        return 0
    if not shutil.which("ip"):
        print("bench_wan: skipped: iproute2 (ip) is not installed; make deps installs it")
        return 0
    parts = os.environ.get("BENCH_WAN_PARTS", "latency,overhead").split(",")
    if "latency" in parts:
        part_latency()
    if "overhead" in parts:
        part_overhead()
    return 0


if __name__ == "__main__":
    sys.exit(main())
