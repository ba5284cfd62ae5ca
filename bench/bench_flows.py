"""bench_flows.py -- pushviz's flow table under many open connections
(issue 13): 200,000 connections open at once must be read at the same
packets per second as 2,000.

Two captures hold the same packets -- N connections, each a handshake, a
few small requests and an RST -- in two orders:

  2,000 open      the connections come in groups of 2,000: a group opens,
                  its requests go round-robin, it resets, the next opens
  200,000 open    all connections open first, then the requests go
                  round-robin over all of them, then all reset

so the only difference is how many flows the table holds at once.  Each is
read with `pushviz --json` (output to /dev/null); the rate is packets per
CPU second, the best of BENCH_FLOWS_RUNS rounds (default 4) that take turns
between the two files.  The goal (issue 13): the 200,000 rate equal to
the 2,000 one.  Two runs of this script on a quiet machine differ by up
to 5 %, so the script says "met" from 0.95 of the rate and "not met"
below it.

Each round reads each file twice in a row, and the best read counts.  On
a virtual machine whose balloon driver reports free memory to the host
(free page reporting, virtio_balloon), memory freed a few seconds ago
has gone back to the host, and the next process to touch it waits while
the host backs it again: a plain program touching 186 MiB took 0.011-
0.014 s of system time right after another had, and 0.20-0.29 s after
3-6 s of pause.  That cost falls on whichever file is read after a
pause, and belongs to the machine, not to pushviz (a real machine has
none); the second read of a pair finds the memory the first freed still
backed.  The best of the first reads is printed too, last.

Where the gap comes from: 200,000 open flows hold about 130 MB of state
(0.65 KiB each: a flow record of 384 bytes and a dissector's of 208; a
client's direction record of 320 is given back between its requests)
that the process touches for the first time -- page faults and the
kernel zeroing pages, system time -- and their records are out of the
processor's caches (user time), while 2,000 open flows reuse the same
few megabytes.  Reading a file, the flow table fetches the next
packets' index slots and records ahead of time (flows.c, "Prefetching"),
which hides most of the cache misses; what memory is new cannot be hidden.
So the script prints user and system time apart, and the ratio a second
time counting user time only: how far pushviz's own code is from the goal,
apart from the kernel's cost of the memory 200,000 flows need.
Measured, three runs of this script in one period:
  0.38  before the records were pooled in huge pages, made smaller, the
        hash table grown with the flows and ended flows capped (2,000
        open: 1.5 s CPU, 147 MB; 200,000: 4.1 s, 668 MB)
  0.55-0.61  after that (0.60-0.74 s, 19 MiB; 1.09-1.22 s, 356 MiB:
        1.7 KiB a flow, and malloc'd ack-RTT and request arrays)
  0.70-0.85  with 0.9 KiB a flow (state a direction, a body or a library
        needs made when first needed) and prefetching (0.56-0.75 s, 16 MiB;
        0.66-1.08 s, 184 MiB)
  0.58-1.00  with a flow's list neighbours and dissector prefetched too,
        on a quiet machine: the spread is system time (0.03-0.36 s);
        user time alone, median of 16 rounds, 0.83 of the rate
Cache lines, counted by cachegrind (--cache-sim=yes --LL=8388608,16,64:
a last-level cache above what 2,000 open flows use, far below 200,000's):
0.71 last-level misses a packet with 2,000 open, 7.74 with 200,000; 7.32
once each record has the fields a segment touches first and its rarely
used ones last (dissect/core.h): a direction's record four lines a
request instead of five or six.  CPU time moved less than this
machine's noise: user time, median of 16 alternating rounds, 0.641 ->
0.638 s with 200,000 open and 0.518 -> 0.513 s with 2,000; in a second
run (link-time optimised) 0.689 -> 0.663 s and 0.538 -> 0.530 s; this
script, three runs each: 0.79-0.83 of the rate before, 0.82-0.83 after.
With a direction's record given back between HTTP messages (0.65 KiB a
flow, 124 MiB) and the reads in pairs: 0.83 and 0.86, user time 0.85-
0.87 (six alternating rounds of the binaries before and after: 0.81 ->
0.82, user time 0.84 -> 0.87).
With an index by open addressing in place of the buckets' chains (a
lookup reads no record but the one it wants, growing reads none:
flows/flow_index.h; 130 MiB), the binaries taking turns, three runs
each: 0.81-0.82 before, 0.90-0.94 after (user time 0.88-1.00).
With what the next flow to end will forget fetched ahead (flows.c,
prefetch_next_forgotten): 200,000-open user time, least of ten
alternating reads, 0.478 -> 0.458 s; this script 0.90-0.93 in five runs
(user time 0.89-0.94).  With endpoints written without printf (both
files some 8 % faster, the gap the same 0.025-0.03 s): 0.92-0.94 in five
runs.  Two tests of what the gap is made of, each read pair by pair
against the build without it: 128 bytes more in every flow record,
written when the flow is made (25 MiB more new memory), changed neither
file's time measurably; leaving out the move on the activity list and
its neighbours' prefetches left the gap where it was (0.026 against
0.024 s, least of eight).  So it is neither the bytes of a new record
nor the list, but revisiting 200,000 records that are out of the caches
(docs/performance.md).  On this virtual machine the host backs the
guest's huge pages with small ones (a load to a new 4 KiB page of
huge-page memory: 57 ns, against 5 ns to the same lines packed), so each
cold record is a page walk too; seven runs: 0.937-0.959.
What the prefetching is worth, the binaries taking turns in one run: 0.80
without it (flows_prefetch left out), 0.93 with it.  A deeper pipeline
(the index slot three packets ahead, the record two, the dissector's
record one) measured 0.91-0.94, within the noise, and was not kept.
Before the flow table kept its lists, a table walk per new flow past
65,536 made 200,000 open flows 100x slower.

Where the gap begins: with BENCH_FLOWS_GROUP=20000 the first file keeps
20,000 open (11 MiB of records, within this processor's 32 MiB last-level
cache) and reads at the rate of 2,000; with 50,000 (28 MiB) the gap is
already most of what it is with 200,000 (docs/performance.md).

Packets are written by pcapgen.FastWriter (checksums left 0, as on
loopback captures), so generating a million takes seconds.
Run: /usr/bin/python3 bench/bench_flows.py   (BENCH_FLOWS=N to change N,
BENCH_FLOWS_GROUP=N the connections open at once in the first file)
"""
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "viz"))
from bench_pushviz import BIN, timed_parts  # noqa: E402
from pcapgen import FastWriter as Writer  # noqa: E402

FLOWS = int(os.environ.get("BENCH_FLOWS", 200000))
GROUP = int(os.environ.get("BENCH_FLOWS_GROUP", 2000))  # open at once in the first file
REQUESTS = 2  # per connection, each acknowledged
RUNS = int(os.environ.get("BENCH_FLOWS_RUNS", 4))
SAME_RATE = 0.95  # two rates this close are the same, as far as this machine can tell
SERVER = bytes([10, 1, 0, 1])
REQUEST = b"GET /poll?since=1 HTTP/1.1\r\nHost: x\r\n\r\n"
from pcapgen import ACK, PSH, RST, SYN  # noqa: E402


def client(i):
    return bytes([10, 2, i >> 16 & 255, i >> 8 & 255]), 1024 + (i & 255) * 200 + 7


def open_flow(w, i):
    addr, port = client(i)
    w.packet(addr, SERVER, port, 8001, 1000, 0, SYN)
    w.packet(SERVER, addr, 8001, port, 5000, 1001, SYN | ACK)
    w.packet(addr, SERVER, port, 8001, 1001, 5001, ACK)


def request(w, i, k):
    addr, port = client(i)
    seq = 1001 + k * len(REQUEST)
    w.packet(addr, SERVER, port, 8001, seq, 5001, PSH | ACK, REQUEST)
    w.packet(SERVER, addr, 8001, port, 5001, seq + len(REQUEST), ACK)


def reset(w, i):
    addr, port = client(i)
    w.packet(addr, SERVER, port, 8001, 1001 + REQUESTS * len(REQUEST), 5001, RST | ACK)


def generate(path, at_once):
    """FLOWS connections, at_once of them open at a time."""
    w = Writer(path)
    for first in range(0, FLOWS, at_once):
        group = range(first, min(first + at_once, FLOWS))
        for i in group:
            open_flow(w, i)
        for k in range(REQUESTS):
            for i in group:
                request(w, i, k)
        for i in group:
            reset(w, i)
    w.close()
    return w.n


def main():
    tmp = tempfile.mkdtemp(prefix="bench-flows-")
    try:
        files = []
        for at_once in (GROUP, FLOWS):
            path = os.path.join(tmp, "open-%d.pcap" % at_once)
            n = generate(path, at_once)
            files.append(("%d open" % at_once, path, n))
        print("captures: %d connections, %d packets each file" % (FLOWS, files[0][2]))
        first = {name: [] for name, _, _ in files}
        again = {name: [] for name, _, _ in files}
        for _ in range(RUNS):
            for name, path, _ in files:
                cmd = [os.path.join(BIN, "pushviz"), "-r", path, "--json"]
                first[name].append(timed_parts(cmd))
                again[name].append(timed_parts(cmd))
        rates, user_rates = {}, {}
        for name, _, n in files:
            wall, user, system, rss = min(first[name] + again[name], key=lambda r: r[1] + r[2])
            rates[name] = n / max(user + system, 0.001)
            user_rates[name] = n / max(user, 0.001)
            print("%-14s %6.2f s CPU (user %.2f, system %.2f; %6.2f s wall)  %10.0f packets/s  "
                  "peak RSS %s" % (name, user + system, user, system, wall, rates[name],
                                   "%.0f MiB" % (rss / 1024) if rss else "?"))
        big, small = files[1][0], files[0][0]
        ratio = rates[big] / rates[small]
        # Three decimals: at two, 0.946 would print as 0.95 beside "not met".
        print("%s / %s: %.3f of the rate  (goal: 1, within the %.2f a run varies: %s)" % (
            big, small, ratio, 1 - SAME_RATE, "met" if ratio >= SAME_RATE else "not met"))
        print("  counting user time only (without the kernel's first touch of the records' "
              "memory): %.3f" % (user_rates[big] / user_rates[small]))
        print("the first read of each pair only (after a pause, a virtual machine's host may "
              "have taken the freed memory back):")
        for name, _, _ in files:
            _, user, system, _ = min(first[name], key=lambda r: r[1] + r[2])
            print("%-14s %6.2f s CPU (user %.2f, system %.2f)" % (name, user + system, user,
                                                                  system))
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
