"""bench.py -- the benchmarks of `make bench` (run by bench/run).

1. Every pushlab technique under the same load: 1,000 clients of
   pushlab-client's load mode against each server ticking 10 events/s for
   20 s.  The summaries are printed side by side: the comparison lab's
   table (latency, requests, bytes, header bytes per event), plus the
   server's CPU time per delivered event and its memory.
2. pushlab-ws against the server a user would pick instead, node's `ws`
   package (bench/node_ws_server.js, the same /ws broadcast and /echo echo):
     broadcast  1,000 clients, a tick every 10 ms: messages/s, p99 latency,
                server CPU per message;
     echo       100 clients of one pushlab-client each sending a message as
                soon as the last one came back: round trips/s, p99 round
                trip, and the server's CPU time per echoed message; then
                again with 16 messages in flight per client (--in-flight 16,
                the load issue 16 measured: a read brings several frames,
                and what they make leaves in one write);
     idle       10,000 connected clients and no traffic: server memory
                (RSS) per connection;
   and the ratio pushlab-ws / node ws for each.

Server CPU is utime + stime from /proc/PID/stat, read just before the load
client starts and just after it ends; CPU per echo divides it by the echoes
the client got back.  The machine is shared (other processes steal CPU and
caches), so the echo runs alternate between the two servers for a few
rounds and the medians are compared: both servers meet the same noise.
RSS is VmRSS from /proc/PID/status.  Everything runs on 127.0.0.1, every
process is started here and stopped here, and every wait has a timeout, so
the benchmark ends by itself.

Knobs for a quick look (environment):
  BENCH_PARTS         which parts run, of techniques,broadcast,echo,idle
                      (default: all of them)
  BENCH_LOAD_SECONDS  each technique's run (default 20)
  BENCH_PEER_SECONDS  the broadcast run (default 10)
  BENCH_ECHO_SECONDS  each echo run (default 5)
  BENCH_ECHO_ROUNDS   echo runs per server (default 3)
  BENCH_ECHO_CLIENTS  echo clients (default 100)
  BENCH_ECHO_IN_FLIGHT  messages in flight per echo client, one series each
                      (default 1,16)
  BENCH_IDLE_CLIENTS  idle connections (default 10000)
e.g. BENCH_PARTS=echo BENCH_ECHO_ROUNDS=1 sh bench/run takes about 15 s.
"""
import json
import os
import resource
import select
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("PUSHLAB_BIN") or os.path.join(HERE, "..", "bin")
CLIENT = os.path.join(BIN, "pushlab-client")
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", 20))
PEER_SECONDS = float(os.environ.get("BENCH_PEER_SECONDS", 10))
IDLE_CLIENTS = int(os.environ.get("BENCH_IDLE_CLIENTS", 10000))
ECHO_SECONDS = float(os.environ.get("BENCH_ECHO_SECONDS", 5))
ECHO_ROUNDS = max(1, int(os.environ.get("BENCH_ECHO_ROUNDS", 3)))
ECHO_CLIENTS = int(os.environ.get("BENCH_ECHO_CLIENTS", 100))
ECHO_IN_FLIGHT = [int(n) for n in os.environ.get("BENCH_ECHO_IN_FLIGHT", "1,16").split(",")]
PARTS = set(os.environ.get("BENCH_PARTS", "techniques,broadcast,echo,idle").split(","))
LOAD_CLIENTS = 1000
TICK_MS = 100          # 10 events per second
BROADCAST_TICK_MS = 10 # 100 events per second to every client
ECHO_GOAL = 1 / 3      # issues 4 and 16: at most a third of node ws's CPU per echo
CLK_TCK = os.sysconf("SC_CLK_TCK")

# technique -> its server
TECHNIQUES = [("poll", "poll"), ("jsonp", "poll"), ("longpoll", "longpoll"), ("iframe", "iframe"),
              ("xhr", "xhr"), ("multipart", "xhr"), ("flash", "flash"), ("sse", "sse"), ("ws", "ws")]


def open_files_to_the_limit():
    """10,000 connections need 10,000 descriptors in each process."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Server:
    """A server process that prints "listening on HOST:PORT" first."""

    def __init__(self, argv):
        self.name = os.path.basename(argv[0]) if argv[0] != "node" else "node ws"
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     preexec_fn=open_files_to_the_limit)
        ready, _, _ = select.select([self.proc.stdout], [], [], 15)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line.startswith("listening on "):
            self.stop()
            raise RuntimeError("%s did not start (%r)" % (" ".join(argv), line))
        self.port = int(line.strip().rpartition(":")[2])

    def cpu_seconds(self):
        """(user, system) CPU seconds used so far: utime and stime."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            # The command name may hold spaces: count fields after its ')'.
            fields = f.read().rpartition(")")[2].split()
        return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK

    def rss_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def pushlab_server(name, interval_ms):
    return Server([os.path.join(BIN, "pushlab-" + name), "-p", "0", "--interval", str(interval_ms)])


def node_server(interval_ms):
    return Server(["node", os.path.join(HERE, "node_ws_server.js"), "--port", "0",
                   "--interval", str(interval_ms)])


class Run:
    """One load run: the client's summary and the CPU both sides used."""

    def __init__(self, summary, server_user, server_sys, client_cpu, seen):
        self.summary = summary
        self.server_user = server_user  # seconds of utime
        self.server_sys = server_sys    # seconds of stime (system calls, the TCP stack)
        self.client_cpu = client_cpu
        self.seen = seen                # what during() returned

    @property
    def server_cpu(self):
        return self.server_user + self.server_sys


def load(server, technique, clients, seconds, *extra, during=None, hold=False, ramp_limit=0):
    """Run pushlab-client's load mode against server, measuring the
    server's CPU time over exactly the client's run.  With hold, the run
    lasts `seconds` after the last client is out (--hold), however long
    the ramp took, and is given up on ramp_limit seconds later than that."""
    url = ("127.0.0.1:%d" if technique == "flash" else "http://127.0.0.1:%d") % server.port
    argv = [CLIENT, technique, url] + list(extra) + [
        "--clients", str(clients), "--hold" if hold else "--duration", str(seconds), "--json"]
    user0, sys0 = server.cpu_seconds()
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=open_files_to_the_limit)
    seen = during(proc) if during else None
    out, err = proc.communicate(timeout=seconds + ramp_limit + 60)
    kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    user1, sys1 = server.cpu_seconds()
    client_cpu = (kids1.ru_utime + kids1.ru_stime) - (kids0.ru_utime + kids0.ru_stime)
    try:
        summary = json.loads(out.decode())
    except ValueError:
        raise RuntimeError("pushlab-client gave no summary (exit %d): %s" % (
            proc.returncode, err.decode(errors="replace")[-500:]))
    return Run(summary, user1 - user0, sys1 - sys0, client_cpu, seen)


def table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    for r in [header] + rows:
        print("  ".join(str(c).rjust(w) if i else str(c).ljust(w)
                        for i, (c, w) in enumerate(zip(r, widths))))
    sys.stdout.flush()


def per(value, count, scale=1.0):
    return "%.2f" % (value * scale / count) if count else "-"


def latency_ms(summary, rank):
    """A rank ("p50", "p99", ...) of the client's summary's latencies:
    infinite when nothing was delivered (the client says null), as no
    delivery puts no bound on it."""
    value = summary["latency_ms"][rank]
    return float("inf") if value is None else value


# ------------------------------------------------------------ 1. techniques


def techniques():
    print("== every technique: %d clients, a tick every %d ms, %g s each\n" % (
        LOAD_CLIENTS, TICK_MS, LOAD_SECONDS))
    header = ["technique", "connected", "delivered", "expected", "p50 ms", "p90 ms", "p99 ms",
              "max ms", "requests", "up kB", "down kB", "hdr B/ev", "errors", "srv us/ev",
              "srv RSS MB"]
    rows = []
    for technique, name in TECHNIQUES:
        if not os.access(os.path.join(BIN, "pushlab-" + name), os.X_OK):
            print("skipped %s: bin/pushlab-%s is not built" % (technique, name))
            continue
        server = pushlab_server(name, TICK_MS)
        try:
            run = load(server, technique, LOAD_CLIENTS, LOAD_SECONDS, "--poll-interval", "1000",
                       during=lambda p, srv=server: sample_rss(srv, p, LOAD_SECONDS))
        finally:
            server.stop()
        s, cpu, rss = run.summary, run.server_cpu, run.seen
        rows.append([technique, s["connected"], s["events_delivered"], s["events_expected"],
                     "%.1f" % latency_ms(s, "p50"), "%.1f" % latency_ms(s, "p90"),
                     "%.1f" % latency_ms(s, "p99"), "%.1f" % latency_ms(s, "max"), s["requests"],
                     s["bytes_up"] // 1024, s["bytes_down"] // 1024,
                     "-" if s["header_bytes_per_event"] is None else "%.1f" % s["header_bytes_per_event"],
                     s["errors"],
                     per(cpu, s["events_delivered"], 1e6), "%.1f" % (rss / 1024)])
        print("done %s" % technique)
        sys.stdout.flush()
    print()
    table(header, rows)


def sample_rss(server, client, seconds):
    """The server's largest RSS while the client runs (sampled)."""
    peak = 0
    deadline = time.time() + seconds + 60
    while client.poll() is None and time.time() < deadline:
        peak = max(peak, server.rss_kb())
        time.sleep(0.25)
    return peak


# ------------------------------------------------------------ 2. pushlab-ws and node ws


PEERS = (("pushlab-ws", lambda ms: pushlab_server("ws", ms)), ("node ws", node_server))


def broadcast(start, r):
    server = start(BROADCAST_TICK_MS)
    try:
        run = load(server, "ws", LOAD_CLIENTS, PEER_SECONDS)
    finally:
        server.stop()
    s = run.summary
    r["broadcast msgs/s"] = s["events_delivered"] / s["duration_s"]
    r["broadcast p99 ms"] = latency_ms(s, "p99")
    r["broadcast srv us/msg"] = run.server_cpu * 1e6 / max(s["events_delivered"], 1)
    r["broadcast missing"] = s["events_expected"] - s["events_delivered"]


def idle(start, r):
    server = start(0)
    try:
        time.sleep(0.5)
        base = server.rss_kb()
        idle_seconds = 6
        run = load(server, "ws", IDLE_CLIENTS, idle_seconds,
                   during=lambda p, srv=server: sample_rss(srv, p, idle_seconds))
    finally:
        server.stop()
    r["idle connected"] = run.summary["connected"]
    r["idle RSS B/conn"] = (run.seen - base) * 1024 / max(run.summary["connected"], 1)


def us_per_echo(run):
    return run.server_cpu * 1e6 / run.summary["events_delivered"]


def echo_rounds(in_flight):
    """ECHO_ROUNDS echo runs per server, alternating servers and flipping
    the order every round; returns {who: [Run, ...]}."""
    runs = {who: [] for who, _ in PEERS}
    for i in range(ECHO_ROUNDS):
        for who, start in (PEERS if i % 2 == 0 else PEERS[::-1]):
            server = start(0)
            try:
                run = load(server, "ws", ECHO_CLIENTS, ECHO_SECONDS, "--echo",
                           "--in-flight", str(in_flight))
            finally:
                server.stop()
            s = run.summary
            if s["events_delivered"] == 0:
                raise RuntimeError("%s echoed nothing: %s" % (who, s.get("first_error")))
            runs[who].append(run)
            print("echo %2d out, run %d %-10s %7.0f echoes/s  server %5.2f us/echo (user %.2f + system %.2f)"
                  "  client CPU %3.0f%%" % (
                      in_flight, i + 1, who, s["events_delivered"] / s["duration_s"], us_per_echo(run),
                      run.server_user * 1e6 / s["events_delivered"],
                      run.server_sys * 1e6 / s["events_delivered"],
                      run.client_cpu * 100 / s["duration_s"]))
            sys.stdout.flush()
    return runs


def median_run(runs):
    """The run with the median CPU per echo (the lower one of two middles)."""
    return sorted(runs, key=us_per_echo)[(len(runs) - 1) // 2]


def echo_name(in_flight):
    return "echo" if in_flight == 1 else "echo %d out" % in_flight


def echo_results(runs, r, in_flight):
    m = median_run(runs)
    s = m.summary
    name = echo_name(in_flight)
    r[name + " round trips/s"] = s["events_delivered"] / s["duration_s"]
    r[name + " p99 ms"] = latency_ms(s, "p99")
    r[name + " srv us/msg"] = us_per_echo(m)
    r[name + " srv CPU %"] = m.server_cpu * 100 / s["duration_s"]
    r[name + " client CPU %"] = m.client_cpu * 100 / s["duration_s"]


def echo_verdict(runs, in_flight):
    """The goal of issues 4 and 16 in one paragraph: CPU per echoed message."""
    a, b = median_run(runs["pushlab-ws"]), median_run(runs["node ws"])
    n = a.summary["events_delivered"]
    down = a.summary["bytes_down"] / n  # per echo: the 2-byte header and the payload
    up = a.summary["bytes_up"] / n      # the client's frames also carry a 4-byte mask
    ratio = us_per_echo(a) / us_per_echo(b)
    print("\nserver CPU time per echoed message (utime + stime / echoes answered), median of"
          " %d runs\nof %g s, %d clients of one pushlab-client, %d message%s in flight each,"
          " about %.0f-byte\ntext messages (%.0f B frames up, %.0f B down):" % (
              ECHO_ROUNDS, ECHO_SECONDS, ECHO_CLIENTS, in_flight, "s" if in_flight > 1 else "",
              down - 2, up, down))
    for who, run in (("pushlab-ws", a), ("node ws", b)):
        e = run.summary["events_delivered"]
        print("  %-10s %6.2f us  (user %.2f, system %.2f)" % (
            who, us_per_echo(run), run.server_user * 1e6 / e, run.server_sys * 1e6 / e))
    print("  pushlab-ws / node ws = %.2f (per round: %s); goal: at most %.2f -> %s" % (
        ratio, " ".join("%.2f" % (us_per_echo(x) / us_per_echo(y))
                        for x, y in zip(runs["pushlab-ws"], runs["node ws"])),
        ECHO_GOAL, "met" if ratio <= ECHO_GOAL else "NOT met"))
    print("  (system time includes the kernel's loopback TCP work: a send on 127.0.0.1 also"
          "\n   runs the receiving socket's input path, charged to the sender; both servers pay it)")


def peers():
    print("\n== pushlab-ws and node's ws (%s)\n" % node_ws_version())
    results = {who: {} for who, _ in PEERS}
    if "broadcast" in PARTS:
        for who, start in PEERS:
            broadcast(start, results[who])
            print("done broadcast %s" % who)
            sys.stdout.flush()
    echo_runs = {}
    if "echo" in PARTS:
        for in_flight in ECHO_IN_FLIGHT:
            echo_runs[in_flight] = echo_rounds(in_flight)
            for who, _ in PEERS:
                echo_results(echo_runs[in_flight][who], results[who], in_flight)
    if "idle" in PARTS:
        for who, start in PEERS:
            idle(start, results[who])
            print("done idle %s" % who)
            sys.stdout.flush()
    print()
    a, b = results["pushlab-ws"], results["node ws"]
    rows = []
    for key in a:
        ratio = "%.2f" % (a[key] / b[key]) if b[key] else "-"
        rows.append([key, fmt(a[key]), fmt(b[key]), ratio])
    table(["", "pushlab-ws", "node ws", "pushlab/node"], rows)
    print("\n(higher is better for msgs/s and round trips/s; lower for ms, us/msg and B/conn)")
    if "broadcast" in PARTS:
        print("(both servers make a tick every %d ms, so broadcast msgs/s shows how well each"
              "\n keeps that pace for %d clients, and srv us/msg what it costs)" % (
                  BROADCAST_TICK_MS, LOAD_CLIENTS))
    for in_flight, runs in echo_runs.items():
        echo_verdict(runs, in_flight)
        # The echo load comes from one pushlab-client process.  It is not
        # the limit when it drove more round trips against pushlab-ws than
        # node's server answered.
        key = echo_name(in_flight) + " round trips/s"
        verdict = "so the client is not" if a[key] > b[key] else "so the client may be"
        print("one pushlab-client drove %.0f round trips/s against pushlab-ws and node ws "
              "answered %.0f:\n%s the bottleneck of these echo runs" % (a[key], b[key], verdict))


def fmt(v):
    return "%.0f" % v if abs(v) >= 100 else "%.2f" % v


def node_ws_version():
    try:
        with open(os.path.join(HERE, "node_modules", "ws", "package.json")) as f:
            return "ws " + json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        return "ws"


def main():
    if not os.access(CLIENT, os.X_OK):
        sys.exit("bench: no %s (run make)" % CLIENT)
    if "techniques" in PARTS:
        techniques()
    if not PARTS & {"broadcast", "echo", "idle"}:
        return
    if os.environ.get("BENCH_NO_NODE"):
        print("\nskipped pushlab-ws vs node ws: %s" % os.environ["BENCH_NO_NODE"])
    elif not os.access(os.path.join(BIN, "pushlab-ws"), os.X_OK):
        print("\nskipped pushlab-ws vs node ws: bin/pushlab-ws is not built")
    else:
        peers()


if __name__ == "__main__":
    main()
