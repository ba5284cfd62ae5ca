"""test_torture.py -- pushlab's servers and client under attack, measured.

Each attack is what an attacker (or a clumsy user) does to a server or to
the client: headers one byte a second, every descriptor used up, heads and
bodies too big, garbage after a good request, half-closed and reset
sockets, readers that never read during a broadcast, chat text that tries
to break out of each technique's framing, and servers that never end a
message.  While it runs, the attacked process's CPU time and peak RSS are
sampled from /proc; a server that spins or grows without bound fails even
when it answers right.  The suite ends with a table:

    attack | target | what it did | CPU % | RSS MiB | verdict

and the RESULT line tests/run adds up.  Attacks run four at a time, each
against its own process, so the suite takes about 15 s (its slowest attack
waits out the 10 s head deadline); every wait is bounded.  The same
payloads go through every demo page in Chromium in
tests/browser/test_injection.js.
"""
import base64
import hashlib
import os
import re
import resource
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402

BIN = harness.BIN
PAGE = os.sysconf("SC_PAGE_SIZE")

# Limits of src/pushlab.h the attacks lean on.
HEAD_TIMEOUT_S = 10.0
BODY_MIN_RATE = 1024
MAX_HEAD_BYTES = 8192
CLIENT_MAX_MESSAGE = 4096 * 6 + 128 + 1024

# What "no spin" and "bounded memory" mean here, with room for a loaded
# machine: an attacked server may use a fifth of a core on average during
# the attack (unless the attack makes real work, like a broadcast) and in
# the half second after it, and stay under 64 MiB of resident memory.
CPU_MAX = 20.0
RSS_MAX_MIB = 64.0


def sanitized():
    """Programs built with AddressSanitizer (make sanitize) map shadow
    memory and run slower: the bounds then allow for it."""
    with open(os.path.join(BIN, "pushlab-poll"), "rb") as f:
        return b"__asan_init" in f.read()


if sanitized():
    CPU_MAX, RSS_MAX_MIB = 40.0, 512.0


# ------------------------------------------------------------ processes

class Proc:
    """A pushlab program whose CPU time and resident memory are sampled
    every 50 ms while an attack runs.  stderr goes to a file, so a program
    that logs in a loop cannot block on a full pipe (and hide its spin)."""

    def __init__(self, argv, nofile=None, stdout=subprocess.PIPE):
        self.err = tempfile.TemporaryFile()
        pre = None
        if nofile:
            def pre():
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        self.proc = subprocess.Popen(argv, stdout=stdout, stderr=self.err, preexec_fn=pre)
        self.rss_max = 0
        self._stop = threading.Event()
        self._sampler = None
        self.cpu0 = self.t0 = None

    def _stat(self):
        """(CPU seconds, resident bytes).  The CPU time is the scheduler's
        nanosecond count of every thread (/proc/PID/task/*/schedstat), not
        /proc/PID/stat's clock ticks: a tick is 10 ms, so one tick inside a
        50 ms attack would read as 20 % of a core, whatever was done."""
        cpu_ns = 0
        for task in os.listdir("/proc/%d/task" % self.proc.pid):
            try:
                with open("/proc/%d/task/%s/schedstat" % (self.proc.pid, task)) as f:
                    cpu_ns += int(f.read().split()[0])
            except FileNotFoundError:  # a thread that just ended
                pass
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return cpu_ns / 1e9, int(fields[21]) * PAGE

    def measure(self):
        """Start measuring (CPU from now, RSS sampled until done())."""
        self.cpu0, _ = self._stat()
        self.t0 = time.time()

        def sample():
            while not self._stop.is_set():
                try:
                    _, rss = self._stat()
                except (OSError, IndexError, ValueError):
                    return
                self.rss_max = max(self.rss_max, rss)
                time.sleep(0.05)
        self._sampler = threading.Thread(target=sample, daemon=True)
        self._sampler.start()

    def done(self):
        """Stop measuring: (CPU percent of one core, peak RSS in MiB)."""
        try:
            cpu1, _ = self._stat()
        except (OSError, IndexError, ValueError):
            cpu1 = self.cpu0
        self._stop.set()
        if self._sampler:
            self._sampler.join(1)
        elapsed = max(time.time() - self.t0, 0.001)
        return 100.0 * (cpu1 - self.cpu0) / elapsed, self.rss_max / 1048576.0

    def stderr(self):
        self.err.seek(0)
        return self.err.read().decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


class Server(Proc):
    def __init__(self, name, *args, nofile=None):
        super().__init__([os.path.join(BIN, "pushlab-" + name), "-p", "0"] + [str(a) for a in args],
                         nofile=nofile)
        line = self.proc.stdout.readline().decode()
        assert line.startswith("listening on "), "%s did not start: %r" % (name, line)
        self.port = int(line.rsplit(":", 1)[1])
        self.name = name

    def connect(self, timeout=5.0):
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)


def read_to_close(s, timeout):
    """Everything until the peer closes (b"...", "closed"), resets
    (b"...", "reset") or the time runs out (b"...", "open")."""
    s.settimeout(timeout)
    data = b""
    deadline = time.time() + timeout
    while True:
        s.settimeout(max(deadline - time.time(), 0.01))
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return data, "open"
        except ConnectionResetError:
            return data, "reset"
        if not chunk:
            return data, "closed"
        data += chunk


def status_of(data):
    try:
        return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.") else None
    except (IndexError, ValueError):
        return None


# ------------------------------------------------------------ attacks on servers
# Each returns (what the server did, ok) and runs between measure() and done().

def slowloris(srv):
    """200 connections send a request head one byte a second."""
    head = b"GET /poll HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 64
    socks = [srv.connect() for _ in range(200)]
    for s in socks:
        s.setblocking(False)
    t0 = time.time()
    replies = {}
    i = 0
    while len(replies) < len(socks) and time.time() - t0 < HEAD_TIMEOUT_S + 5:
        for n, s in enumerate(socks):
            if n in replies:
                continue
            try:
                got = s.recv(4096)
                replies[n] = (got, time.time() - t0)
                continue
            except BlockingIOError:
                pass
            except OSError as e:
                replies[n] = (str(e).encode(), time.time() - t0)
                continue
            try:
                s.send(head[i:i + 1])
            except OSError:
                pass
        i += 1
        time.sleep(1.0)
    for s in socks:
        s.close()
    n408 = sum(1 for got, _ in replies.values() if status_of(got) == 408)
    last = max((t for _, t in replies.values()), default=0)
    return ("%d of %d answered 408, the last after %.1f s (still open: %d)"
            % (n408, len(socks), last, len(socks) - len(replies)),
            n408 == len(socks) and last < HEAD_TIMEOUT_S + 3)


def slow_body_within_rate(srv):
    """A 60,000-byte body at 5 KB/s: slower than the head's 10 s, within
    the time its length earns at BODY_MIN_RATE: the server must hear it
    out (and answer 413, as chat text is limited to 4 KiB), not 408."""
    s = srv.connect(timeout=30)
    body = b"x" * 60000
    s.sendall(b"POST /send HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body))
    t0 = time.time()
    for off in range(0, len(body), 2500):
        try:
            s.sendall(body[off:off + 2500])
        except OSError:  # the server gave up on the body: its answer says why
            break
        time.sleep(0.5)
    data, how = read_to_close(s, 10)
    s.close()
    st = status_of(data)
    return ("body over %.1f s: answered %s, then %s" % (time.time() - t0, st, how), st == 413)


def slow_body_trickle(srv):
    """A 100-byte body sent one byte a second: 408 once the body's
    deadline (head time + 100 B at BODY_MIN_RATE) has passed."""
    s = srv.connect()
    s.sendall(b"POST /send HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
    s.setblocking(False)
    t0 = time.time()
    data = b""
    while time.time() - t0 < HEAD_TIMEOUT_S + 5:
        try:
            s.send(b"x")
        except OSError:
            pass
        try:
            data = s.recv(4096)
            break
        except BlockingIOError:
            time.sleep(1.0)
        except OSError:
            break
    took = time.time() - t0
    s.close()
    st = status_of(data)
    return ("answered %s after %.1f s" % (st, took), st == 408 and took < HEAD_TIMEOUT_S + 3)


def descriptor_exhaustion(srv):
    """ulimit -n 128 and 300 connections: accept fails with EMFILE.  The
    server must not spin or flood its log, and must recover."""
    socks = []
    for _ in range(300):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", srv.port))
        socks.append(s)
    time.sleep(2.5)
    refused = 0
    for s in socks:
        try:
            if s.recv(64).startswith(b"HTTP/1.1 503"):
                refused += 1
        except OSError:
            pass
        s.close()
    time.sleep(0.5)
    status, _, _ = harness.get(srv.port, "/")
    lines = srv.stderr().count("Too many open files")
    return ("%d refused with 503, %d log lines, then GET / -> %d" % (refused, lines, status),
            status == 200 and lines <= 6)


def oversize(name, request, want, doc):
    """An attack that sends a request over one of the server's limits, all
    of it: the client must then read the status `want`, and the close --
    not a reset that loses the answer."""
    def attack(srv):
        s = srv.connect()
        try:
            s.sendall(request)
        except OSError as e:
            return ("send failed: %s" % e, False)
        data, how = read_to_close(s, 5)
        s.close()
        return ("answered %s, then %s" % (status_of(data), how), status_of(data) == want and how == "closed")
    attack.__name__ = name
    attack.__doc__ = doc
    return attack


oversize_head = oversize(
    "oversize_head", b"GET /poll HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 262144 + b"\r\n\r\n", 431,
    "A 256 KiB request head (more than the server buffers for a whole request): 431.")
oversize_body = oversize(
    "oversize_body", b"POST /send HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n" + b"x" * 2000000, 413,
    "A 2 MB body: the client sends it all, then reads the 413.")


def pipelined_garbage(srv):
    """A good request, then garbage, on one connection: 200, then 400."""
    s = srv.connect()
    s.sendall(b"GET /poll?since=0 HTTP/1.1\r\nHost: x\r\n\r\n\x00\xff\x01garbage \r\n\r\n" * 3)
    data, how = read_to_close(s, 5)
    s.close()
    codes = [int(c) for c in re.findall(rb"HTTP/1\.[01] ([0-9]{3}) ", data)]
    return ("statuses %s, then %s" % (codes, how), codes == [200, 400] and how == "closed")


def half_closed(srv):
    """Requests whose senders shut down their side at once still get
    their answers; 100 of them."""
    ok = 0
    for _ in range(100):
        s = srv.connect()
        s.sendall(b"GET /poll?since=0 HTTP/1.1\r\nHost: x\r\n\r\n")
        s.shutdown(socket.SHUT_WR)
        data, how = read_to_close(s, 5)
        s.close()
        ok += status_of(data) == 200 and how == "closed"
    return ("%d of 100 answered 200 and closed" % ok, ok == 100)


# 100 requests back to back are real work: the server's share of a core then
# depends on how fast this client asks, not on a spin.  A server that spun on
# a half-closed socket would not close it (the row fails) or would go on
# spinning after the attack (the idle column fails).
half_closed.busy = True


def resets_mid_write(srv):
    """200 clients ask for the demo page (or subscribe) and reset at once
    (SO_LINGER 0); the server must go on serving."""
    for i in range(200):
        s = srv.connect()
        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % (b"/" if i % 2 else b"/events"))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    status, _, _ = harness.get(srv.port, "/")
    return ("200 resets, then GET / -> %d" % status, status == 200)


resets_mid_write.busy = True  # 200 connections, and a tick every 5 ms to its subscribers


def slow_readers(srv):
    """20 SSE readers that never read and 3 that do, while 1000 chat
    messages of 4 KiB are broadcast: the fast ones get every event, the
    slow ones are cut off, memory stays bounded."""
    sub = b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n"
    slow = []
    for _ in range(20):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a small window
        s.connect(("127.0.0.1", srv.port))
        s.sendall(sub)
        slow.append(s)
    fast = [srv.connect() for _ in range(3)]
    got = [bytearray() for _ in range(3)]
    for s in fast:
        s.sendall(sub)
        s.setblocking(False)

    def drain():
        for n, s in enumerate(fast):
            try:
                while True:
                    chunk = s.recv(1 << 20)
                    if not chunk:
                        break
                    got[n] += chunk
            except BlockingIOError:
                pass
    time.sleep(0.2)
    text = "x" * 4096
    for i in range(1000):
        harness.post_send(srv.port, text)
        drain()
    t0 = time.time()
    while time.time() - t0 < 5 and min(g.count(b'"kind":"chat"') for g in got) < 1000:
        drain()
        time.sleep(0.05)
    counts = [g.count(b'"kind":"chat"') for g in got]
    cut = srv.stderr().count("output queue full")
    for s in slow + fast:
        s.close()
    return ("fast readers got %s of 1000 events; %d slow readers cut off" % (counts, cut),
            counts == [1000] * 3 and cut == 20)


slow_readers.busy = True  # broadcasting 4 MB to 23 readers is real work


INJECTIONS = ["</script><script>window.owned=1</script>", "a\n\ndata: forged\n\n", "\r\n--x\r\n",
              "line\u2028sep\u2029", '"}]);alert(1);//']


def injection(name, path):
    """Chat text that tries to end each technique's framing early: on the
    wire it must stay inside one event's JSON string."""
    def attack(srv):
        s = srv.connect()
        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
        time.sleep(0.2)
        for text in INJECTIONS:
            harness.post_send(srv.port, text)
        data = b""
        s.settimeout(2)
        try:
            while data.count(b'"kind":"chat"') < len(INJECTIONS):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            pass
        s.close()
        bad = []
        if b"<script>window.owned" in data or b"</script><script>" in data:
            bad.append("script tags")
        if b"\ndata: forged" in data:
            bad.append("an SSE field")
        if b"\r\n--x\r\n" in data:
            bad.append("a multipart boundary")
        if "\u2028".encode() in data and name == "iframe":
            bad.append("U+2028 in a script")
        if name == "xhr" and b"\n\ndata" in data:
            bad.append("a line break")
        n = data.count(b'"kind":"chat"')
        return ("%d of %d payloads delivered%s" % (n, len(INJECTIONS),
                                                   ", escaped" if not bad else ", broke out: " + ", ".join(bad)),
                n == len(INJECTIONS) and not bad)
    attack.__name__ = "injection_" + name + path.replace("/", "_")
    attack.__doc__ = "framing injection through %s %s" % (name, path)
    return attack


# ------------------------------------------------------------ hostile servers for the client

def hostile_server(reply, endless):
    """A server that reads the client's request head and answers it with
    reply (bytes, or a function of the head returning them; None: the
    client speaks first in no way, so read nothing and answer nothing),
    then sends `endless` (bytes) again and again until the client goes
    away, for 30 s at most."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)

    def serve():
        try:
            c, _ = ls.accept()
        except OSError:
            return
        try:
            if reply is not None:
                head = harness.recv_until(c, b"\r\n\r\n")
                c.sendall(reply(head) if callable(reply) else reply)
            c.settimeout(30)
            t0 = time.time()
            while time.time() - t0 < 30:
                c.sendall(endless)
        except (OSError, AssertionError):
            pass
        c.close()
    threading.Thread(target=serve, daemon=True).start()
    return ls


def ws_upgrade_then_endless_frame(head):
    """The 101 answer to a WebSocket request head, then a frame header
    announcing 2^63 - 1 bytes of payload."""
    key = [ln.split(b":", 1)[1].strip() for ln in head.split(b"\r\n")
           if ln.lower().startswith(b"sec-websocket-key:")][0]
    acc = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
    return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + acc + b"\r\n\r\n" + b"\x01\x7f" + struct.pack(">Q", (1 << 63) - 1))


CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: %s\r\n\r\n"
HOSTILE = {
    # technique: (head, what follows for ever)
    "xhr": (CHUNKED % b"application/x-ndjson" + b"ffffffffffffffff\r\n", b"a" * 65536),
    "iframe": (CHUNKED % b"text/html" + b"ffffffffffffffff\r\n<script>parent.push(", b"a" * 65536),
    "multipart": (b"HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=b\r\n\r\n"
                  b"--b\r\nContent-Type: application/json\r\n\r\n", b"a" * 65536),
    "sse": (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: ", b"a" * 65536),
    "flash": (None, b"a" * 65536),
    "ws": (ws_upgrade_then_endless_frame, b"a" * 65536),
}


# What the client's error says (the codecs' own words where they find it).
LIMIT_ERROR = {"xhr": "per-message limit", "iframe": "per-message limit",
               "multipart": "larger than the limit", "sse": "longer than the data buffer",
               "flash": "longer than the limit", "ws": "over the per-message limit"}


def endless_message(tech):
    """A server that never ends a message: the client must stop at its
    per-message limit with an error that says so."""
    def attack(_unused):
        ls = hostile_server(*HOSTILE[tech])
        port = ls.getsockname()[1]
        url = {"flash": "127.0.0.1:%d", "ws": "ws://127.0.0.1:%d"}.get(tech, "http://127.0.0.1:%d") % port
        return run_client_measured([tech, url, "--count", "1"], ls, LIMIT_ERROR[tech])
    attack.__name__ = "endless_message_" + tech
    attack.__doc__ = "pushlab-client %s: a message that never ends" % tech
    attack.client = True
    return attack


def run_client_measured(args, ls, expect):
    p = Proc([os.path.join(BIN, "pushlab-client")] + args, stdout=subprocess.DEVNULL)
    p.measure()
    try:
        p.proc.wait(10)
    except subprocess.TimeoutExpired:
        pass
    p.measured = p.done()
    run_client_measured.last = p
    still_reading = p.proc.poll() is None
    p.stop()
    ls.close()
    if still_reading:
        return ("still reading after 10 s (stopped with SIGTERM)", False)
    err = p.stderr().strip().splitlines()
    last = err[-1] if err else ""
    rc = p.proc.returncode
    return ("exit %s: %s" % (rc, last[:90]), rc == 1 and expect in last)


# ------------------------------------------------------------ the table

SERVER_ATTACKS = [
    # (attack, server, server arguments, descriptor limit)
    (slowloris, "poll", (), None),
    (slow_body_within_rate, "poll", (), None),
    (slow_body_trickle, "poll", (), None),
    (descriptor_exhaustion, "sse", (), 128),
    (oversize_head, "poll", (), None),
    (oversize_body, "poll", (), None),
    (pipelined_garbage, "poll", (), None),
    (half_closed, "poll", (), None),
    (resets_mid_write, "sse", ("--interval", 5), None),
    (slow_readers, "sse", (), None),
    (injection("iframe", "/stream"), "iframe", (), None),
    (injection("xhr", "/stream"), "xhr", (), None),
    (injection("xhr", "/multipart"), "xhr", (), None),
    (injection("sse", "/events"), "sse", (), None),
]
CLIENT_ATTACKS = [endless_message(t) for t in ("xhr", "iframe", "multipart", "sse", "flash", "ws")]


def run_server_attack(spec):
    attack, name, args, nofile = spec
    srv = Server(name, "--interval", 0, *args, nofile=nofile) if "--interval" not in args \
        else Server(name, *args, nofile=nofile)
    srv.measure()
    try:
        what, ok = attack(srv)
    except Exception as e:  # an attack that crashes is a failed row, with why
        what, ok = "attack failed: %r" % e, False
    cpu, rss = srv.done()
    # Then the attack is over: a server that still burns CPU is spinning.
    srv.measure()
    time.sleep(0.5)
    idle, _ = srv.done()
    alive = srv.proc.poll() is None
    code = srv.stop()
    err = srv.stderr()
    if "AddressSanitizer" in err or "runtime error:" in err:
        what, ok = what + "; sanitizer report", False
    if not alive or code != 0:
        what, ok = what + "; server died or exited %s" % code, False
    cpu_max = 100.0 if getattr(attack, "busy", False) else CPU_MAX
    return attack.__name__, "pushlab-" + name, what, cpu, idle, rss, ok and cpu <= cpu_max


def run_client_attack(attack):
    try:
        what, ok = attack(None)
        cpu, rss = run_client_measured.last.measured
    except Exception as e:
        what, ok, cpu, rss = "attack failed: %r" % e, False, 0.0, 0.0
    # The client is the victim of a flood: it may work while it reads, and
    # it must have stopped (ok) within the time allowed.
    return attack.__name__, "pushlab-client", what, cpu, 0.0, rss, ok


def main():
    started = time.time()
    with ThreadPoolExecutor(max_workers=4) as pool:
        rows = list(pool.map(run_server_attack, SERVER_ATTACKS))
    rows += [run_client_attack(a) for a in CLIENT_ATTACKS]
    passed = failed = 0
    print("%-28s %-16s %-72s %6s %6s %7s  %s" % ("attack", "target", "what it did", "CPU %",
                                                  "idle %", "RSS MiB", "verdict"))
    for name, target, what, cpu, idle, rss, ok in rows:
        bounded = rss <= RSS_MAX_MIB and idle <= CPU_MAX
        verdict = "ok" if ok and bounded else ("FAIL" if not ok else "FAIL (cpu/rss)")
        print("%-28s %-16s %-72s %6.1f %6.1f %7.1f  %s" % (name, target, what, cpu, idle, rss,
                                                           verdict))
        if verdict == "ok":
            passed += 1
        else:
            failed += 1
    print("torture: %d attacks in %.1f s" % (len(rows), time.time() - started))
    print("RESULT passed=%d failed=%d skipped=0" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
