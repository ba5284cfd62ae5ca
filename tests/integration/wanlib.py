"""wanlib.py -- driving pushlab-wan from Python: the tests, the benchmark
and the capture recorder share it.

Everything here needs root (the link is a network namespace and devices).
Every function that brings the link up is paired with one that takes it
down, and Link is a context manager whose exit always runs `pushlab-wan
down`, so a failing test leaves no namespace, device, route or process.
"""
import os
import signal
import socket
import subprocess
import tempfile
import time

import harness

WAN = os.path.join(harness.BIN, "pushlab-wan")
PUSHVIZ = os.path.join(harness.BIN, "pushviz")
CLIENT = os.path.join(harness.BIN, "pushlab-client")
NETNS = "pushlab"
HOST_IF = "plwan0"
HOST_ADDR = "10.77.0.1"
SERVER_ADDR = "10.77.0.2"

# The seven servers, the port each listens on inside the namespace (their
# defaults: nothing else runs there), and the client techniques each serves.
SERVERS = [("poll", 8001, ["poll", "jsonp"]), ("longpoll", 8002, ["longpoll"]),
           ("iframe", 8003, ["iframe"]), ("xhr", 8004, ["xhr", "multipart"]),
           ("flash", 8005, ["flash"]), ("sse", 8006, ["sse"]), ("ws", 8007, ["ws"])]


def wan(*args, timeout=30, check=True):
    """Run pushlab-wan ARGS; returns the CompletedProcess (text)."""
    p = subprocess.run([WAN] + [str(a) for a in args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout, text=True)
    harness_check_sanitizers(p.stderr)
    if check and p.returncode != 0:
        raise AssertionError("pushlab-wan %s exited %d:\n%s%s" % (
            " ".join(map(str, args)), p.returncode, p.stdout, p.stderr))
    return p


def harness_check_sanitizers(err):
    if "ERROR: AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err:
        raise AssertionError("sanitizer report from pushlab-wan:\n" + err[-4000:])


def route_device(addr=SERVER_ADDR):
    """The device `ip route get ADDR` names, or None (unreachable)."""
    p = subprocess.run(["ip", "route", "get", addr], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    words = p.stdout.split()
    return words[words.index("dev") + 1] if "dev" in words else None


def leftovers():
    """What a link leaves when it is up: a list of what remains now."""
    left = []
    if os.path.exists("/run/netns/" + NETNS):
        left.append("namespace " + NETNS)
    if os.path.exists("/sys/class/net/" + HOST_IF):
        left.append("device " + HOST_IF)
    if os.path.exists("/run/pushlab-wan"):
        left.append("/run/pushlab-wan")
    routes = subprocess.run(["ip", "route", "show", "10.77.0.0/24"], stdout=subprocess.PIPE,
                            text=True).stdout.strip()
    if routes:
        left.append("route " + routes.replace("\n", "; "))
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv and os.path.basename(argv[0]) == b"pushlab-wan" and int(pid) != os.getpid():
            left.append("process %s %s" % (pid, b" ".join(argv).decode(errors="replace")))
    return left


class Link:
    """pushlab-wan up OPTIONS ... down, as a context manager."""

    def __init__(self, *options):
        self.options = [str(o) for o in options]
        self.procs = []

    def __enter__(self):
        wan("down")  # a run killed before its own down: start clean
        self.up = wan("up", *self.options).stdout
        dev = route_device()
        if dev != HOST_IF:
            wan("down", check=False)
            raise AssertionError("after up, 10.77.0.2 routes via %r, not %s" % (dev, HOST_IF))
        return self

    def exec_server(self, name, port, *args):
        """Start bin/pushlab-NAME in the namespace on PORT; returns its Popen
        once it prints its listening line."""
        path = os.path.join(harness.BIN, "pushlab-" + name)
        p = subprocess.Popen([WAN, "exec", "--", path, "-b", "0.0.0.0", "-p", str(port)] +
                             [str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.procs.append(p)
        line = p.stdout.readline().decode()
        if not line.startswith("listening on "):
            raise AssertionError("pushlab-%s did not start in the namespace: %r %s" % (
                name, line, p.stderr.read().decode(errors="replace") if p.poll() is not None else ""))
        return p

    def exec(self, *cmd, **kw):
        """Popen of CMD in the namespace."""
        p = subprocess.Popen([WAN, "exec", "--"] + [str(c) for c in cmd], **kw)
        self.procs.append(p)
        return p

    def __exit__(self, *exc):
        down = wan("down", check=False)
        for p in self.procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if exc[0] is None:
            assert down.returncode == 0, down.stderr
            left = leftovers()
            assert not left, "after down: %s" % left


class Viz:
    """pushviz --json live on plwan0 (optionally also -w FILE).  Its output
    goes to a file, not a pipe: a pipe nobody reads fills up, and pushviz
    would stop capturing while it waits to write."""

    def __init__(self, write=None, filt="tcp"):
        args = [PUSHVIZ, "-i", HOST_IF, "-f", filt, "--json"]
        if write:
            args += ["-w", write]
        self.out = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(args, stdout=self.out, stderr=subprocess.PIPE)
        time.sleep(0.7)  # the capture is open before the first SYN
        if self.proc.poll() is not None:
            raise AssertionError("pushviz could not capture: " + self.proc.stderr.read().decode())

    def stop(self):
        """SIGINT, then the items it printed."""
        time.sleep(0.3)
        self.proc.send_signal(signal.SIGINT)
        _, err = self.proc.communicate(timeout=20)
        harness_check_sanitizers(err.decode(errors="replace"))
        assert self.proc.returncode == 0, err.decode(errors="replace")
        self.out.seek(0)
        data = self.out.read()
        self.out.close()
        return harness.json_lines(data)


def connect_ms(port, addr=SERVER_ADDR, timeout=10):
    """Milliseconds a TCP connect() takes: one round trip over the link."""
    t0 = time.monotonic()
    s = socket.create_connection((addr, port), timeout=timeout)
    ms = (time.monotonic() - t0) * 1000
    s.close()
    return ms


def wait_port(port, addr=SERVER_ADDR, timeout=10):
    deadline = time.time() + timeout
    while True:
        try:
            return connect_ms(port, addr, timeout=2)
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.1)


def client_url(technique, port, addr=SERVER_ADDR):
    if technique == "flash":
        return "%s:%d" % (addr, port)
    if technique == "ws":
        return "ws://%s:%d" % (addr, port)
    return "http://%s:%d" % (addr, port)
