"""record.py -- records a lab's captures with one student's parameters.

What `labs/start` and `labs/make-kit` run.  A recipe per capture name (the
names of a key's CAPTURES: poll, jsonp, longpoll, ...) starts the server
with the student's tick interval on a free port, captures its port with
`pushviz -i lo -w FILE` (the same capture code the students use), waits
the student's event phase, runs the long-running client, has a second
client send the student's chat message (with its token) half-way, and
stops everything -- also when something fails, so no server or capture
outlives the recording.  The SSE recipe also stops the server and starts
it again on the same port, so that the capture shows the client
reconnecting with Last-Event-ID after the retry: delay.

Every recipe runs over a link: LoopbackLink (servers on 127.0.0.1,
capture on lo) or WanLink, the emulated link of pushlab-wan (servers in
its namespace at 10.77.0.2, capture on plwan0, a delay, loss and rate of
the recipe's choosing).  The reference captures of captures/ are recorded
on lo, those of captures/wan/ with the same recipes through a 40 ms link
(`record.py --wan 40`, which captures/wan/record.sh runs).

Lab 09 records its captures through the emulated link: three with the
same events sent at random moments of the student's own to poll, long
polling, SSE and WebSocket at once, one per round trip time; one of a
WebSocket client over a lossy link (a lost segment holds back every
message behind it); one over a slow link that the server's ticks overfill
(the reader lags further and further behind).  With --loopback the same
recipes run on lo (a practice run, and the test of the recipes on
machines without the emulated link).

Live capture needs root (CAP_NET_RAW): RecordError says so otherwise.
"""
import contextlib
import hashlib
import http.client
import json
import os
import random
import signal
import subprocess
import tempfile
import threading
import time

from capture import pushviz_path
from kit import kit_paths, load_key
from student import params


class RecordError(Exception):
    """The recording could not be made (no right to capture, a program failed)."""


# capture name -> (server, client technique, the server's extra flags(params))
RECIPES = {
    "poll": ("poll", "poll", lambda p: []),
    "jsonp": ("poll", "jsonp", lambda p: []),
    "longpoll": ("longpoll", "longpoll", lambda p: []),
    "iframe": ("iframe", "iframe", lambda p: []),
    "xhr": ("xhr", "xhr", lambda p: []),
    "multipart": ("xhr", "multipart", lambda p: []),
    "flash": ("flash", "flash", lambda p: []),
    "sse": ("sse", "sse", lambda p: ["--heartbeat", str(p["heartbeat_s"]),
                                     "--retry", str(p["retry_ms"])]),
    "ws": ("ws", "ws", lambda p: []),
}
# Lab 08: every client mode at once against the seven servers.
COMPARE = ("poll", "jsonp", "longpoll", "iframe", "xhr", "multipart", "flash", "sse", "ws")
SERVER_OF = {"jsonp": "poll", "multipart": "xhr"}


def url_of(technique, host, port):
    if technique == "flash":
        return "%s:%d" % (host, port)
    return "%s://%s:%d" % ("ws" if technique == "ws" else "http", host, port)


class Recorder:
    """The programs one recording started, and how to stop them all."""

    def __init__(self, bindir, link):
        self.bindir = bindir
        self.link = link
        self.procs = []
        self.tmp = tempfile.mkdtemp(prefix="pushlab-rec-")

    def _spawn(self, argv, **kw):
        proc = subprocess.Popen(argv, **kw)
        self.procs.append(proc)
        return proc

    def server(self, name, args, port=0):
        """Starts bin/pushlab-NAME on the link's server side; returns
        (process, port) once it listens."""
        out = open(os.path.join(self.tmp, "%s-%d.out" % (name, len(self.procs))), "w+")
        proc = self._spawn(list(self.link.prefix()) + [
            os.path.join(self.bindir, "pushlab-" + name), "-p", str(port)]
            + self.link.server_args() + args, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            out.seek(0)
            first = out.readline()
            if first.startswith("listening on ") and first.endswith("\n"):
                return proc, int(first.rsplit(":", 1)[1])
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        out.seek(0)
        raise RecordError("pushlab-%s did not start: %s" % (name, out.read().strip()))

    def url(self, technique, port):
        """The client's URL of a server of this recording."""
        return url_of(technique, self.link.host, port)

    def capture(self, path, ports):
        """Starts pushviz writing path; returns its process once it captures."""
        err = open(os.path.join(self.tmp, "viz.err"), "w+")
        proc = self._spawn([pushviz_path(), "-i", self.link.iface, "-w", path, "--json", "-f",
                            " or ".join("tcp port %d" % p for p in ports)],
                           stdout=subprocess.DEVNULL, stderr=err)
        time.sleep(0.5)  # the capture is open before the first SYN
        if proc.poll() is not None:
            err.seek(0)
            raise RecordError("pushviz could not capture: %s" % err.read().strip())
        return proc

    def client(self, technique, url, args):
        return self._spawn([os.path.join(self.bindir, "pushlab-client"), technique, url] + args,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def chat(self, technique, url, text):
        """A second client that sends one chat message and stops: a WebSocket
        or Flash client sends it on its own connection; for the HTTP
        techniques it is a POST /send alone, so that the capture holds no
        third GET beside the late client's."""
        if technique in ("ws", "flash"):
            self.client(technique, url, ["--count", "1", "--send", text,
                                         "--duration", "3"]).wait(10)
            return
        host, port = url.split("//")[1].rsplit(":", 1)
        post_send(host, int(port), text)

    def close(self):
        """Stops every process still running, newest first (capture before server)."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                stop(proc)
        self.procs = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        for name in os.listdir(self.tmp):
            os.unlink(os.path.join(self.tmp, name))
        os.rmdir(self.tmp)


def post_send(host, port, text):
    """POST /send: the server broadcasts text as a chat event."""
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request("POST", "/send", body=text.encode(),
                     headers={"Content-Type": "text/plain; charset=utf-8"})
        status = conn.getresponse().status
    except OSError as e:
        raise RecordError("POST /send to %s:%d failed: %s" % (host, port, e))
    finally:
        conn.close()
    if status != 204:
        raise RecordError("POST /send was answered %d, not 204" % status)


def stop(proc):
    """SIGINT (a server closes cleanly, pushviz flushes its file), then
    SIGKILL if it is still there after 10 s."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def record_one(rec, name, p, path):
    """One technique: server, capture, phase, client, chat half-way, stop."""
    server, technique, extra = RECIPES[name]
    interval = ["--interval", str(p["interval_ms"])]
    srv, port = rec.server(server, interval + extra(p))
    viz = rec.capture(path, [port])
    time.sleep(p["phase_ms"] / 1000.0)
    url = rec.url(technique, port)
    # SSE: the server is stopped after a heartbeat at least, kept down,
    # and started again on the same port; the client reconnects after
    # retry: with Last-Event-ID, so it runs until well after that.
    restart = max(p["duration_s"] * 0.7, p["heartbeat_s"] + 1.5)
    seconds = p["duration_s"]
    if name == "sse":
        seconds = max(seconds, restart + (p["down_ms"] + p["retry_ms"]) / 1000.0 + 3.0)
    args = ["--duration", "%g" % seconds]
    if technique in ("poll", "jsonp"):
        args += ["--poll-interval", str(p["poll_interval_ms"])]
    main = rec.client(technique, url, args)
    started = time.monotonic()
    time.sleep(p["duration_s"] / 2.0)
    if technique not in ("ws", "flash"):
        # A late client asking since=0 (or connecting fresh), for one event.
        rec.client(technique, url, ["--count", "1", "--duration", "3"]).wait(10)
    rec.chat(technique, url, p["chat"])
    if name == "sse":
        time.sleep(max(0.0, started + restart - time.monotonic()))
        stop(srv)
        time.sleep(p["down_ms"] / 1000.0)
        srv, _ = rec.server(server, interval + extra(p), port=port)
    main.wait(seconds + 30)
    time.sleep(0.3)
    stop(viz)
    stop(srv)


def record_compare(rec, p, path):
    """Lab 08: the seven servers and the nine client modes under one capture."""
    ports = {}
    for server in ("poll", "longpoll", "iframe", "xhr", "flash", "sse", "ws"):
        extra = RECIPES[server][2](p)
        _, ports[server] = rec.server(server, ["--interval", str(p["interval_ms"])] + extra)
    viz = rec.capture(path, sorted(ports.values()))
    time.sleep(p["phase_ms"] / 1000.0)
    clients = []
    for t in COMPARE:
        args = ["--duration", str(p["duration_s"])]
        if t in ("poll", "jsonp"):
            args += ["--poll-interval", str(p["poll_interval_ms"])]
        clients.append(rec.client(t, rec.url(t, ports[SERVER_OF.get(t, t)]), args))
    time.sleep(p["duration_s"] / 2.0)
    rec.chat("ws", rec.url("ws", ports["ws"]), p["chat"])
    for c in clients:
        c.wait(p["duration_s"] + 30)
    time.sleep(0.3)
    stop(viz)


# ---------------------------------------------------------------- links

class LoopbackLink:
    """No emulated link: servers on 127.0.0.1, capture on lo, no delay."""
    host, iface, name = "127.0.0.1", "lo", "loopback"

    def __init__(self, bindir):
        self.bindir = bindir

    def up(self, delay_ms=0, loss_pct=0, rate_kbit=0):
        pass

    def prefix(self):
        return ()

    def server_args(self):
        return []

    def down(self):
        pass


class WanLink:
    """pushlab-wan (DESIGN.md): servers in its namespace, capture on plwan0."""
    host, iface, name = "10.77.0.2", "plwan0", "pushlab-wan"

    def __init__(self, bindir):
        self.wan = os.path.join(bindir, "pushlab-wan")
        if not os.access(self.wan, os.X_OK):
            raise RecordError("this recording needs %s (the emulated link); lab 09 can be "
                              "practised with labs/start 09 --loopback" % self.wan)

    def _run(self, *args):
        done = subprocess.run([self.wan] + list(args), capture_output=True, text=True,
                              timeout=60)
        if done.returncode != 0:
            raise RecordError("pushlab-wan %s failed: %s" % (" ".join(args),
                                                             done.stderr.strip()))

    def up(self, delay_ms=0, loss_pct=0, rate_kbit=0):
        args = ["up", "--delay", "%g" % delay_ms]
        if loss_pct:
            args += ["--loss", "%g" % loss_pct]
        if rate_kbit:
            args += ["--rate", "%d" % rate_kbit]
        self._run("down")
        self._run(*args)
        route = subprocess.run(["ip", "route", "get", self.host], capture_output=True,
                               text=True).stdout
        if self.iface not in route:  # never send lab traffic anywhere else
            raise RecordError("10.77.0.2 is not routed through plwan0: %s" % route.strip())

    def prefix(self):
        return (self.wan, "exec", "--")

    def server_args(self):
        return ["-b", "0.0.0.0"]

    def down(self):
        self._run("down")


@contextlib.contextmanager
def linked(rec, **settings):
    """The link up with these settings while a recipe runs; afterwards every
    program of the recording stopped, then the link down (also on failure)."""
    rec.link.up(**settings)
    try:
        yield
    finally:
        rec.close()
        rec.link.down()


# ---------------------------------------------------------------- lab 09

RTT_TECHNIQUES = ("poll", "longpoll", "sse", "ws")
RTT_EVENTS = 10  # events per capture, at random moments
LAB09_DELAY_MS = 20  # one way, for the loss and slow-link captures (RTT 40 ms)
LOSS_S = 5.0  # how long the lossy link's client reads
FLOOD_S = 4.0  # how long the slow link's client reads


def event_times(student_seed, rtt_ms, duration_s):
    """RTT_EVENTS moments in [1, duration - 2] s, random but fixed per
    student and round trip time."""
    rng = random.Random(hashlib.sha256(("%s:%d" % (student_seed, rtt_ms)).encode()).digest())
    return sorted(rng.uniform(1.0, duration_s - 2.0) for _ in range(RTT_EVENTS))


def post_all(host, ports, text):
    """POST /send to every port at once (one thread each): over a slow link
    one after the other would make the same event seconds apart."""
    errors = []

    def one(port):
        try:
            post_send(host, port, text)
        except RecordError as e:
            errors.append(e)
    threads = [threading.Thread(target=one, args=(port,)) for port in ports]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def record_rtt(rec, rtt_ms, p, path):
    """Lab 09: poll, longpoll, sse and ws clients at once over a link of
    rtt_ms, the same events posted to the four servers at random moments."""
    with linked(rec, delay_ms=rtt_ms / 2.0):
        ports = {}
        for t in RTT_TECHNIQUES:
            _, ports[t] = rec.server(t, ["--interval", "0"])
        viz = rec.capture(path, sorted(ports.values()))
        clients = []
        for t in RTT_TECHNIQUES:
            args = ["--duration", str(p["duration_s"])]
            if t == "poll":
                args += ["--poll-interval", str(p["poll_interval_ms"])]
            clients.append(rec.client(t, rec.url(t, ports[t]), args))
        started = time.monotonic()
        for n, at in enumerate(event_times(p["token"], rtt_ms, p["duration_s"]), 1):
            time.sleep(max(0.0, started + at - time.monotonic()))
            text = p["chat"] if n == 1 else "event %d" % n
            post_all(rec.link.host, [ports[t] for t in RTT_TECHNIQUES], text)
        for c in clients:
            c.wait(p["duration_s"] + 30)
        time.sleep(0.3)
        stop(viz)


def record_loss(rec, p, path):
    """Lab 09, head-of-line blocking: ticks every loss_interval_ms to one
    WebSocket client over a link that drops loss_pct % of the packets each
    way.  TCP delivers in order, so a lost segment holds back every event
    behind it until its retransmission arrives."""
    with linked(rec, delay_ms=LAB09_DELAY_MS, loss_pct=p["loss_pct"]):
        _, port = rec.server("ws", ["--interval", str(p["loss_interval_ms"])])
        viz = rec.capture(path, [port])
        client = rec.client("ws", rec.url("ws", port),
                            ["--send", p["chat"], "--duration", str(LOSS_S)])
        client.wait(LOSS_S + 30)
        time.sleep(0.5)
        stop(viz)


def record_slow(rec, p, path):
    """Lab 09, a slow link: ticks every flood_interval_ms, more bytes a
    second than a link of rate_kbit carries, to one WebSocket client.  The
    server's socket and the link's queue fill; each event reaches the
    client later than the one before (the server would cut the reader off
    once MAX_OUTPUT_QUEUE bytes wait for it)."""
    with linked(rec, delay_ms=LAB09_DELAY_MS, rate_kbit=p["rate_kbit"]):
        _, port = rec.server("ws", ["--interval", str(p["flood_interval_ms"])])
        viz = rec.capture(path, [port])
        client = rec.client("ws", rec.url("ws", port),
                            ["--send", p["chat"], "--duration", str(FLOOD_S)])
        try:  # its closing handshake waits behind the queue: not part of the lesson
            client.wait(FLOOD_S + 1.5)
        except subprocess.TimeoutExpired:
            pass
        stop(viz)


# The captures lab 09 records through the emulated link.
LAB09 = {"loss": record_loss, "slow": record_slow}


# ---------------------------------------------------------------- entry points

TRIES = 3  # recordings of one capture before giving up


def missed_openings(path):
    """Connections of the capture whose first packet is not the client's
    SYN: pushviz started capturing after they began (a loaded machine), so
    it cannot tell client from server, and the capture is no good."""
    done = subprocess.run([pushviz_path(), "-r", path, "--json"], capture_output=True,
                          text=True, timeout=120)
    first, data = {}, set()
    for line in done.stdout.split("\n"):  # "\n" only: a message's text may hold U+2028
        if '"type":"tcp"' in line:
            item = json.loads(line)
            first.setdefault(item["flow"], item["flags"])
            if item["len"]:
                data.add(item["flow"])
    return sorted(f for f, flags in first.items() if flags != "SYN" and f in data)


def record(bindir, name, p, path, wan_delay_ms=None):
    """Records the capture `name` of a lab into path with parameters p:
    lab 09's through the emulated link (on lo when p["loopback"]), the
    others on lo, or through the emulated link with a one-way delay of
    wan_delay_ms.  A capture that missed a connection's opening is
    recorded again."""
    for attempt in range(TRIES):
        record_once(bindir, name, p, path, wan_delay_ms)
        missed = missed_openings(path)
        if not missed:
            return
    raise RecordError("%s: the capture kept missing the start of connections (flows %s): "
                      "the machine is too busy" % (path, missed))


def need_root():
    """RecordError unless this process may capture live."""
    if os.geteuid() != 0:
        raise RecordError("recording needs root (live capture needs CAP_NET_RAW); ask your "
                          "instructor for your kit (labs/make-kit), or run as root")


def record_once(bindir, name, p, path, wan_delay_ms):
    need_root()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    lab09 = name.startswith("rtt") or name in LAB09
    over_wan = (lab09 and not p.get("loopback")) or (not lab09 and wan_delay_ms is not None)
    link = (WanLink if over_wan else LoopbackLink)(bindir)
    with Recorder(bindir, link) as rec:
        if name.startswith("rtt"):
            record_rtt(rec, int(name[3:]), p, path)
        elif name in LAB09:
            LAB09[name](rec, p, path)
        elif name == "compare" or name in RECIPES:
            with linked(rec, delay_ms=wan_delay_ms or 0):
                if name == "compare":
                    record_compare(rec, p, path)
                else:
                    record_one(rec, name, p, path)
        else:
            raise RecordError("no recipe for a capture named %r" % name)


def record_lab(bindir, kit, student, lab, loopback=False):
    """Records every capture of a lab for a student into the kit folder
    (kit.kit_paths); returns {capture name: path}.  loopback: lab 09
    without the emulated link."""
    p = dict(params(student, lab), loopback=loopback)
    paths = kit_paths(kit, student, lab, load_key(lab))
    for name, path in paths.items():
        record(bindir, name, p, path)
    return paths


def main(argv):
    """record.py [--wan DELAY_MS] NAME FILE [ID]: one capture, with the
    parameters of ID (default "reference"); captures/record.sh and
    captures/wan/record.sh use it."""
    import argparse
    import sys
    ap = argparse.ArgumentParser(prog="record.py", description="Records one capture.")
    ap.add_argument("--wan", type=float, metavar="DELAY_MS",
                    help="through pushlab-wan with this one-way delay (capture on plwan0)")
    ap.add_argument("name", help="a recipe: poll, jsonp, ..., ws, compare, rtt80, loss, slow")
    ap.add_argument("file")
    ap.add_argument("student", nargs="?", default="reference")
    args = ap.parse_args(argv)
    try:
        record(os.path.dirname(pushviz_path()), args.name,
               params(args.student, "reference-" + args.name), args.file, args.wan)
    except RecordError as e:
        print("record.py: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    import sys
    sys.dont_write_bytecode = True
    sys.exit(main(sys.argv[1:]))
