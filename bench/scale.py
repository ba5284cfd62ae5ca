"""scale.py -- the scale goal of the push servers, measured in `make bench`
(run by bench/run after bench.py).

The goal: every push server holds 10,000 concurrent clients on a 2-core
machine, delivers every event to all of them, and needs at most 4 KB of
resident memory per held connection.  Node's http module, the server a
user would reach for, is said to need 15-22 KB per SSE stream; it runs here
too (bench/node_sse_server.js, the same event stream), so the ratio is
measured, not quoted.

For each technique:
  1. start its server on port 0 with a tick every second
     (bin/pushlab-NAME -p 0 --interval 1000 --max-clients 20000) and read
     its resident memory (VmRSS of /proc/PID/status) once it is idle;
  2. run pushlab-client's load mode against it, 10,000 clients for 8 s;
  3. while they run, count the sockets the server holds (/proc/PID/fd) a
     few times a second; when the client is done, read the server's peak
     resident memory (VmHWM, kept by the kernel);
  4. print the client's summary (connected, events delivered / expected,
     latency) beside the server's memory per held connection:
         (peak RSS - idle RSS) / clients connected.
The peak is taken on purpose: it also counts buffers a server fills for a
moment while it writes an event to everyone, which samples could miss.
"held" is the most sockets the server had open at once, so it shows that
the clients were there together and not one after the other.

Why RSS and not the allocator's statistics: RSS is what the machine pays,
whatever the allocator keeps, and it is measured the same way for node.
Kernel memory (socket buffers) is not in any process's RSS and is the same
for every server, so it is left out.

Knobs (environment):
  BENCH_SCALE_CLIENTS  clients per technique (default 10000)
  BENCH_SCALE_SECONDS  each run (default 8)
  BENCH_PARTS          bench/run's part list; scale.py runs when it is
                       unset or holds "scale"
e.g. BENCH_PARTS=scale BENCH_SCALE_CLIENTS=1000 BENCH_SCALE_SECONDS=3 sh bench/run
takes about 40 s (the full run about 90 s).  With few clients B/conn
also carries each server's fixed costs (about half a megabyte: descriptor
tables, buffers), so it is judged only with 10,000 clients or more.
Exit status 1 when a pushlab server misses the goal (node's row is only
compared, not judged).
"""
import os
import shutil
import sys
import time

from bench import BIN, CLIENT, HERE, Server, latency_ms, load, table

CLIENTS = int(os.environ.get("BENCH_SCALE_CLIENTS", 10000))
SECONDS = float(os.environ.get("BENCH_SCALE_SECONDS", 8))
PARTS = os.environ.get("BENCH_PARTS")
TICK_MS = 1000             # one event a second: the cost measured is holding, not sending
MAX_CLIENTS = 20000        # --max-clients: above CLIENTS, so the cap is not what is measured
GOAL_BYTES_PER_CONN = 4096 # issue 3: at most 4 KB of RSS per held connection...
GOAL_CLIENTS = 10000       # ...of 10,000 (with fewer, fixed costs weigh too much)
SAMPLE_EVERY_S = 0.2       # how often the server's sockets are counted

# technique (pushlab-client's name) -> the server it runs against
TECHNIQUES = [("longpoll", "longpoll"), ("iframe", "iframe"), ("xhr", "xhr"),
              ("multipart", "xhr"), ("sse", "sse"), ("flash", "flash"), ("ws", "ws")]


def open_fds(pid):
    """How many descriptors the process holds right now."""
    return len(os.listdir("/proc/%d/fd" % pid))


def status_kb(pid, field):
    """A memory line of /proc/PID/status in kB: VmRSS (resident now) or
    VmHWM (the most it has been resident, its "high water mark")."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError("no %s in /proc/%d/status" % (field, pid))


class Memory:
    """What was seen of the server during one load run."""

    def __init__(self, pid):
        self.pid = pid
        self.idle_kb = status_kb(pid, "VmRSS")  # RSS before the clients came
        self.idle_fds = open_fds(pid)  # descriptors before (listener, epoll, timers, stdio)
        self.peak_kb = self.idle_kb    # peak RSS of the run
        self.held = 0                  # most client sockets held at once

    def watch(self, server, client):
        """Count sockets until the load client or the server exits, or a
        deadline passes (the client has a duration, but a hung one must not
        hang us); then read the peak RSS."""
        deadline = time.time() + SECONDS + 60
        try:
            while client.poll() is None and server.proc.poll() is None and time.time() < deadline:
                self.held = max(self.held, open_fds(self.pid) - self.idle_fds)
                time.sleep(SAMPLE_EVERY_S)
            self.peak_kb = status_kb(self.pid, "VmHWM")
        except OSError:  # the server exited: failures() says so
            pass
        return self

    def bytes_per_conn(self, connected):
        return (self.peak_kb - self.idle_kb) * 1024 / connected if connected else None


def measure(server, technique):
    """One load run against a started server: (client summary, Memory)."""
    time.sleep(0.5)  # let it settle before the idle reading
    memory = Memory(server.proc.pid)
    run = load(server, technique, CLIENTS, SECONDS,
               during=lambda client: memory.watch(server, client))
    return run.summary, memory


def failures(summary, memory, server):
    """Why a run misses the goal (empty when it meets it)."""
    why = []
    if server.proc.poll() is not None:
        why.append("server exited with %d" % server.proc.returncode)
    if summary["connected"] < CLIENTS:
        why.append("%d of %d connected" % (summary["connected"], CLIENTS))
    missing = summary["events_expected"] - summary["events_delivered"]
    if missing:
        why.append("%d events missing" % missing)
    if summary["events_delivered"] == 0:
        why.append("no event delivered")
    if summary["errors"]:
        why.append("%d errors, first: %s" % (summary["errors"], summary["first_error"]))
    per = memory.bytes_per_conn(summary["connected"])
    if CLIENTS >= GOAL_CLIENTS and (per is None or per > GOAL_BYTES_PER_CONN):
        why.append("RSS per connection over %d B" % GOAL_BYTES_PER_CONN)
    return why


def row(technique, who, summary, memory):
    per = memory.bytes_per_conn(summary["connected"])
    return [technique, who, summary["connected"], memory.held, summary["events_delivered"],
            summary["events_expected"], "%.0f" % latency_ms(summary, "p50"),
            "%.0f" % latency_ms(summary, "p99"),
            summary["errors"], "%.1f" % (memory.idle_kb / 1024), "%.1f" % (memory.peak_kb / 1024),
            "%.0f" % per if per is not None else "-"]


def pushlab_server(name):
    return Server([os.path.join(BIN, "pushlab-" + name), "-p", "0", "--interval", str(TICK_MS),
                   "--max-clients", str(MAX_CLIENTS)])


def node_sse_server():
    # The descriptor limit is raised by Server (in the child, before exec),
    # as `ulimit -n` would in a shell.
    return Server(["node", os.path.join(HERE, "node_sse_server.js"), "--port", "0",
                   "--interval", str(TICK_MS)])


def run_one(technique, start):
    """Start a server, load it, stop it: (summary, Memory, failures)."""
    server = start()
    try:
        summary, memory = measure(server, technique)
        why = failures(summary, memory, server)
    finally:
        server.stop()
    return summary, memory, why


def main():
    if PARTS is not None and "scale" not in PARTS.split(","):
        return 0
    if not os.access(CLIENT, os.X_OK):
        sys.exit("scale: no %s (run make)" % CLIENT)
    print("\n== scale: %d clients per server, a tick every %d ms, %g s each;"
          " goal: every event to every client, at most %d B of server RSS per connection\n" % (
              CLIENTS, TICK_MS, SECONDS, GOAL_BYTES_PER_CONN))
    header = ["technique", "server", "connected", "held", "delivered", "expected", "p50 ms",
              "p99 ms", "errors", "idle MB", "peak MB", "B/conn", "verdict"]
    rows, missed, per_conn = [], [], {}
    for technique, name in TECHNIQUES:
        if not os.access(os.path.join(BIN, "pushlab-" + name), os.X_OK):
            print("skipped %s: bin/pushlab-%s is not built" % (technique, name))
            missed.append(technique)
            continue
        try:
            summary, memory, why = run_one(technique, lambda n=name: pushlab_server(n))
        except RuntimeError as e:  # no start, or no summary from the client
            print("%s: NOT met: %s" % (technique, e))
            missed.append(technique)
            continue
        per_conn[technique] = memory.bytes_per_conn(summary["connected"])
        rows.append(row(technique, "pushlab-" + name, summary, memory) +
                    ["met" if not why else "NOT met: " + "; ".join(why)])
        if why:
            missed.append(technique)
        print("done %s" % technique)
        sys.stdout.flush()

    node = None
    if not shutil.which("node"):
        print("skipped node http: node is not installed")
    else:
        try:
            summary, memory, why = run_one("sse", node_sse_server)
            node = memory.bytes_per_conn(summary["connected"])
            rows.append(row("sse", "node http", summary, memory) +
                        ["(peer)" if not why else "(peer) " + "; ".join(why)])
            print("done node http")
        except RuntimeError as e:
            print("node http: %s" % e)
    print()
    table(header, rows)
    print("\nB/conn = (peak - idle RSS) / connected; held = most client sockets the server"
          " had open at once")
    if CLIENTS < GOAL_CLIENTS:
        print("RSS per connection not judged: fewer than %d clients" % GOAL_CLIENTS)
    if node and per_conn.get("sse"):
        print("RSS per SSE stream: pushlab-sse %.0f B, node http %.0f B: node / pushlab = %.1f" % (
            per_conn["sse"], node, node / per_conn["sse"]))
    if missed:
        print("scale goal NOT met by: %s" % ", ".join(missed))
        return 1
    print("scale goal met by every server" if CLIENTS >= GOAL_CLIENTS else
          "every server held its clients and delivered every event")
    return 0


if __name__ == "__main__":
    sys.exit(main())
