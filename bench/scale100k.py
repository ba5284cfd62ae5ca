"""scale100k.py -- the `scale100k` part of `make bench` (opt-in:
BENCH_SCALE_CLIENTS=100000 sh bench/run, or make bench with it set): what
each technique pays per connection and per event when a server holds
100,000 clients -- the table a teacher shows when asked why the web moved
to SSE and WebSocket.

Streaming techniques (SSE, WebSocket, iframe, XHR, Flash): one server,
BENCH_SCALE_CLIENTS clients of pushlab-client's load mode held for the
whole run, a tick every second.  Reported: clients held at once, every
event delivered (delivered = expected), p99 delivery latency, server RSS
per connection ((peak - idle) / connected; goal <= 1 KB), and the
server's CPU time per delivered event.

Polling techniques (short polling, long polling): a poller costs the
server work whether or not there is news, so the question is not "how many
can it hold" but "how many before the machine gives out".  The client
count doubles (1,000, 2,000, 4,000, ...) until the two cores are busy
(server and client CPU time, the kernel's TCP work charged to them
included, >= 90 % of both), the single-threaded server or client uses a
whole core, or events are late (p99 over two poll intervals: a short
poll's news waits up to one by design) or lost.  CPU
is counted per process, not from /proc/stat, because the machine is
shared: other people's work must not look like saturation.  Reported: that count and the
server CPU per delivered event at the last count that kept up.

Limits of the machine: each connection is a descriptor on both sides.
pushlab-client and the servers raise their own RLIMIT_NOFILE, the hard
limit too when they may (root with CAP_SYS_RESOURCE, up to fs.nr_open).
Where that capability is missing (a container), no process can hold more
descriptors than its hard limit, and the run says so and uses the most
clients the limit allows instead of pretending.  Source ports: past
20,000 clients pushlab-client connects from 127.0.0.2, .3, ..., so the
ephemeral port range (net.ipv4.ip_local_port_range) of one source address
is never the limit, and no sysctl needs changing: this script changes none.

Knobs: BENCH_SCALE_CLIENTS (the clients per streaming server; this part
runs only when it is at least 20,001 -- below that scale.py covers it),
BENCH_SCALE100K_SECONDS (each streaming run after its ramp, default 8).
Everything runs on 127.0.0.1, ends by itself, and takes under 5 minutes.
"""
import os
import resource
import sys
import time

from bench import BIN, CLIENT, Server, latency_ms, load, table

REQUESTED = int(os.environ.get("BENCH_SCALE_CLIENTS", 0))
HOLD_SECONDS = float(os.environ.get("BENCH_SCALE100K_SECONDS", 8))
TICK_MS = 1000                # one event a second
GOAL_BYTES_PER_CONN = 1024    # issue 16: at most 1 KB of server RSS per held connection
FD_MARGIN = 100               # descriptors a process needs besides its clients' (both sides)
CONNECTS_PER_S = 2500         # about how fast the load mode ramps up on a busy 2-core machine
STREAMING = [("sse", "sse"), ("ws", "ws"), ("iframe", "iframe"), ("xhr", "xhr"),
             ("flash", "flash")]
POLLING = [("poll", "poll"), ("longpoll", "longpoll")]
POLL_STEP_SECONDS = 6         # each step of the polling ramp
POLL_FIRST = 1000             # polling clients of the first step (then doubled)
BUSY = 0.90                   # "saturated": server + client use this share of both cores
ONE_CORE = 0.95               # or the server or the client (one thread each) this share of one


def descriptor_ceiling():
    """The most clients a process may hold here: try to raise the hard
    limit to what was asked (root may), else live with it."""
    want = REQUESTED + FD_MARGIN
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
            hard = want
        except (ValueError, OSError):
            pass
    return REQUESTED if hard == resource.RLIM_INFINITY else min(REQUESTED, hard - FD_MARGIN)


def status_kb(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def start_server(name, clients):
    return Server([os.path.join(BIN, "pushlab-" + name), "-p", "0", "--interval", str(TICK_MS),
                   "--max-clients", str(clients + FD_MARGIN)])


def held_sockets(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def streaming_row(technique, name, clients):
    # A Flash client first fetches the policy on a connection of its own,
    # and its data channel is one only after the server's sniffing pause.
    # The run is held HOLD_SECONDS after the last client is out (--hold);
    # the ramp may take up to four times its usual time before the run is
    # given up on.
    rate = CONNECTS_PER_S / (3 if technique == "flash" else 1)
    ramp_limit = 4 * clients / rate
    server = start_server(name, clients)
    try:
        time.sleep(0.5)
        idle_kb, idle_fds = status_kb(server.proc.pid, "VmRSS"), held_sockets(server.proc.pid)
        held = [0]

        def watch(client):
            deadline = time.time() + HOLD_SECONDS + ramp_limit + 60
            while client.poll() is None and time.time() < deadline:
                held[0] = max(held[0], held_sockets(server.proc.pid) - idle_fds)
                time.sleep(0.25)

        run = load(server, technique, clients, HOLD_SECONDS, during=watch, hold=True,
                   ramp_limit=ramp_limit)
        peak_kb = status_kb(server.proc.pid, "VmHWM")
    finally:
        server.stop()
    s = run.summary
    per_conn = (peak_kb - idle_kb) * 1024 / s["connected"] if s["connected"] else None
    why = []
    if held[0] < clients:
        why.append("%d of %d held" % (held[0], clients))
    if s["events_delivered"] < s["events_expected"] or not s["events_delivered"]:
        why.append("%d events missing" % (s["events_expected"] - s["events_delivered"]))
    if s["errors"]:
        why.append("%d errors: %s" % (s["errors"], s["first_error"]))
    if per_conn is None or per_conn > GOAL_BYTES_PER_CONN:
        why.append("over %d B/conn" % GOAL_BYTES_PER_CONN)
    return [technique, "held", held[0], "%d/%d" % (s["events_delivered"], s["events_expected"]),
            "%.0f" % latency_ms(s, "p99"), "%.0f" % per_conn if per_conn else "-",
            "%.1f" % (run.server_cpu * 1e6 / max(s["events_delivered"], 1)),
            "%.0f%%" % (run.server_cpu * 100 / s["duration_s"]),
            "met" if not why else "NOT met: " + "; ".join(why)]


def polling_step(technique, name, clients):
    """One step of the polling ramp: (summary, server and client CPU time
    as shares of one core, server us per event)."""
    server = start_server(name, clients)
    try:
        run = load(server, technique, clients, POLL_STEP_SECONDS + clients / CONNECTS_PER_S,
                   "--poll-interval", str(TICK_MS))
    finally:
        server.stop()
    s = run.summary
    return (s, run.server_cpu / s["duration_s"], run.client_cpu / s["duration_s"],
            run.server_cpu * 1e6 / max(s["events_delivered"], 1))


def polling_row(technique, name, ceiling):
    """Double the pollers until the machine saturates (or the ceiling)."""
    clients, kept_up, saturated = POLL_FIRST, None, None
    while clients <= ceiling and not saturated:
        s, server_share, client_share, us = polling_step(technique, name, clients)
        print("  %-8s %6d clients: server %3.0f%% and client %3.0f%% of a core,"
              " p99 %5.0f ms, %d/%d events, %.1f us/event" % (
                  technique, clients, server_share * 100, client_share * 100,
                  latency_ms(s, "p99"), s["events_delivered"], s["events_expected"], us))
        sys.stdout.flush()
        step = (clients, s, server_share, us)
        why = []
        if server_share + client_share >= 2 * BUSY:
            why.append("both cores busy")
        if max(server_share, client_share) >= ONE_CORE:
            why.append("the %s uses a whole core" % (
                "server" if server_share >= client_share else "client"))
        if latency_ms(s, "p99") > 2 * TICK_MS:
            why.append("p99 %.0f ms" % latency_ms(s, "p99"))
        if s["events_delivered"] < s["events_expected"] or s["errors"]:
            why.append("%d events lost, %d errors" % (
                s["events_expected"] - s["events_delivered"], s["errors"]))
        if why:
            saturated = step + ("; ".join(why),)
        else:
            kept_up = step
            clients *= 2
    shown = kept_up or saturated  # CPU per event where it still kept up
    n, s, server_share, us = shown[:4]
    if saturated:
        verdict = "gives out at %d clients (%s)" % (saturated[0], saturated[4])
    else:
        verdict = "not saturated at %d (the descriptor ceiling)" % n
    return [technique, "saturates" if saturated else "max tried",
            saturated[0] if saturated else n,
            "%d/%d" % (s["events_delivered"], s["events_expected"]),
            "%.0f" % latency_ms(s, "p99"), "-", "%.1f" % us, "%.0f%%" % (server_share * 100),
            verdict + " (us/event at %d)" % n]


def main():
    if REQUESTED <= 20000:
        return 0
    if not os.access(CLIENT, os.X_OK):
        sys.exit("scale100k: no %s (run make)" % CLIENT)
    clients = descriptor_ceiling()
    print("\n== scale100k: %d clients per streaming server, a tick every %d ms; polling ramped"
          " until 2 cores saturate\n" % (clients, TICK_MS))
    if clients < REQUESTED:
        print("NOTE: %d clients were asked for, but a process may hold only %d descriptors here"
              "\n(hard RLIMIT_NOFILE %d, and raising it needs CAP_SYS_RESOURCE, which this machine"
              "\ndoes not grant even to root): every run uses %d clients instead.\n" % (
                  REQUESTED, resource.getrlimit(resource.RLIMIT_NOFILE)[1],
                  resource.getrlimit(resource.RLIMIT_NOFILE)[1], clients))
    rows, missed = [], []
    for technique, name in STREAMING:
        rows.append(streaming_row(technique, name, clients))
        if rows[-1][-1] != "met":
            missed.append(technique)
        print("done %s" % technique)
        sys.stdout.flush()
    for technique, name in POLLING:
        rows.append(polling_row(technique, name, clients))
    print()
    table(["technique", "clients", "n", "delivered", "p99 ms", "B/conn", "srv us/ev",
           "srv CPU", "verdict"], rows)
    print("\nB/conn = (peak - idle server RSS) / connected (goal <= %d B); srv CPU = server"
          " CPU time / run time\n(one thread: 100%% is all it can use); srv us/ev = server CPU"
          " per delivered event" % GOAL_BYTES_PER_CONN)
    if missed:
        print("scale100k goal NOT met by: %s" % ", ".join(missed))
        return 1
    print("scale100k: every streaming server held %d clients within %d B each" % (
        clients, GOAL_BYTES_PER_CONN))
    return 0


if __name__ == "__main__":
    sys.exit(main())
