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

Lab 09 records three captures through an emulated link (pushlab-wan:
servers in the namespace at 10.77.0.2, capture on plwan0), one per round
trip time, with the same events sent at random moments of the student's
own to every technique at once.  WanLink drives pushlab-wan; LoopbackLink
is the same recipe on lo with no delay (a practice run, and the test of
the recipe on machines without the emulated link).

Live capture needs root (CAP_NET_RAW): RecordError says so otherwise.
"""
import hashlib
import http.client
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

    def __init__(self, bindir):
        self.bindir = bindir
        self.procs = []
        self.tmp = tempfile.mkdtemp(prefix="pushlab-rec-")

    def _spawn(self, argv, **kw):
        proc = subprocess.Popen(argv, **kw)
        self.procs.append(proc)
        return proc

    def server(self, name, args, port=0, prefix=()):
        """Starts bin/pushlab-NAME (after prefix: a command that runs it
        elsewhere); returns (process, port) once it listens."""
        out = open(os.path.join(self.tmp, "%s-%d.out" % (name, len(self.procs))), "w+")
        proc = self._spawn(list(prefix) + [os.path.join(self.bindir, "pushlab-" + name), "-p",
                                           str(port)] + args,
                           stdout=out, stderr=subprocess.STDOUT)
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

    def capture(self, path, ports, iface="lo"):
        """Starts pushviz writing path; returns its process once it captures."""
        err = open(os.path.join(self.tmp, "viz.err"), "w+")
        proc = self._spawn([pushviz_path(), "-i", iface, "-w", path, "--json", "-f",
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
    url = url_of(technique, "127.0.0.1", port)
    args = ["--duration", str(p["duration_s"])]
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
        # Stop the server after a heartbeat at least, keep it down, start it
        # again on the same port: the client reconnects after retry: with
        # Last-Event-ID.
        restart = max(p["duration_s"] * 0.7, p["heartbeat_s"] + 1.5)
        time.sleep(max(0.0, started + restart - time.monotonic()))
        stop(srv)
        time.sleep(p["down_ms"] / 1000.0)
        srv, _ = rec.server(server, interval + extra(p), port=port)
    main.wait(p["duration_s"] + 30)
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
        clients.append(rec.client(t, url_of(t, "127.0.0.1", ports[SERVER_OF.get(t, t)]), args))
    time.sleep(p["duration_s"] / 2.0)
    rec.chat("ws", url_of("ws", "127.0.0.1", ports["ws"]), p["chat"])
    for c in clients:
        c.wait(p["duration_s"] + 30)
    time.sleep(0.3)
    stop(viz)


# ---------------------------------------------------------------- lab 09

RTT_TECHNIQUES = ("poll", "longpoll", "sse", "ws")
RTT_EVENTS = 10  # events per capture, at random moments


class LoopbackLink:
    """No emulated link: servers on 127.0.0.1, capture on lo, no delay."""
    host, iface, name = "127.0.0.1", "lo", "loopback"

    def __init__(self, bindir):
        self.bindir = bindir

    def up(self, delay_ms):
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
            raise RecordError("lab 09 needs %s (the emulated link); practise with "
                              "labs/start 09 --loopback" % self.wan)

    def _run(self, *args):
        done = subprocess.run([self.wan] + list(args), capture_output=True, text=True,
                              timeout=60)
        if done.returncode != 0:
            raise RecordError("pushlab-wan %s failed: %s" % (" ".join(args),
                                                             done.stderr.strip()))

    def up(self, delay_ms):
        self._run("down")
        self._run("up", "--delay", "%g" % delay_ms)
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


def record_rtt(rec, link, rtt_ms, p, path):
    """Lab 09: poll, longpoll, sse and ws clients at once over a link of
    rtt_ms, the same events posted to the four servers at random moments."""
    link.up(rtt_ms / 2.0)
    try:
        ports = {}
        for t in RTT_TECHNIQUES:
            _, ports[t] = rec.server(t, ["--interval", "0"] + link.server_args(),
                                     prefix=link.prefix())
        viz = rec.capture(path, sorted(ports.values()), iface=link.iface)
        clients = []
        for t in RTT_TECHNIQUES:
            args = ["--duration", str(p["duration_s"])]
            if t == "poll":
                args += ["--poll-interval", str(p["poll_interval_ms"])]
            clients.append(rec.client(t, url_of(t, link.host, ports[t]), args))
        started = time.monotonic()
        for n, at in enumerate(event_times(p["token"], rtt_ms, p["duration_s"]), 1):
            time.sleep(max(0.0, started + at - time.monotonic()))
            text = p["chat"] if n == 1 else "event %d" % n
            post_all(link.host, [ports[t] for t in RTT_TECHNIQUES], text)
        for c in clients:
            c.wait(p["duration_s"] + 30)
        time.sleep(0.3)
        stop(viz)
        rec.close()
    finally:
        link.down()


def record(bindir, name, p, path):
    """Records the capture `name` of a lab into path with parameters p."""
    if os.geteuid() != 0:
        raise RecordError("recording needs root (live capture needs CAP_NET_RAW); ask your "
                          "instructor for your kit (labs/make-kit), or run as root")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with Recorder(bindir) as rec:
        if name == "compare":
            record_compare(rec, p, path)
        elif name.startswith("rtt"):
            link_class = LoopbackLink if p.get("loopback") else WanLink
            record_rtt(rec, link_class(bindir), int(name[3:]), p, path)
        elif name in RECIPES:
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
    """record.py NAME FILE [ID]: one capture (captures/record.sh uses it)."""
    import sys
    if len(argv) not in (2, 3):
        print("usage: record.py NAME FILE [STUDENT_ID]", file=sys.stderr)
        return 2
    name, path = argv[:2]
    student = argv[2] if len(argv) == 3 else "reference"
    lab = "reference-" + name
    try:
        record(os.path.dirname(pushviz_path()), name, params(student, lab), path)
    except RecordError as e:
        print("record.py: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    import sys
    sys.dont_write_bytecode = True
    sys.exit(main(sys.argv[1:]))
