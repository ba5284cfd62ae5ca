"""harness.py -- what every pushlab integration test shares.

Starts real server binaries on ephemeral ports (port 0; the port is read
from the contract's first stdout line "listening on ADDR:PORT"), talks to
them over real sockets, and runs test cases with a summary line that
tests/run adds up:  RESULT passed=N failed=N skipped=N

Python 3 standard library only (Debian's python3), so nothing comes from
PyPI.  Every wait has a timeout, so a hung server fails a test instead of
hanging the suite.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import traceback

BIN = os.environ.get("PUSHLAB_BIN") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "bin")


class Skip(Exception):
    """Raised by a test that cannot run here; printed with its reason."""


class Server:
    """A pushlab server process on 127.0.0.1 and an ephemeral port."""

    def __init__(self, name, *args, port=0, env=None):
        path = os.path.join(BIN, "pushlab-" + name)
        if not os.access(path, os.X_OK):
            raise AssertionError("no server binary " + path + " (run make)")
        self.name = name
        self.proc = subprocess.Popen(
            [path, "-p", str(port)] + [str(a) for a in args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        line = self._readline(5.0)
        if not line.startswith("listening on "):
            self.stop()
            raise AssertionError("%s did not start: %r %s" % (name, line, self.stderr()))
        addr = line[len("listening on "):].strip()
        self.host, _, port_text = addr.rpartition(":")
        self.port = int(port_text)

    def _readline(self, timeout):
        import select
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not r:
            return ""
        return self.proc.stdout.readline().decode()

    def stderr(self):
        if self.proc.poll() is None:
            return ""
        return self.proc.stderr.read().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        """Stop the server; returns its exit code (None if it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        return self.proc.returncode

    def connect(self, timeout=5.0):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        code = self.stop()
        err = self.stderr()
        # Sanitizer reports end up on stderr: a test that passed but left
        # one is still a failure.
        if "ERROR: AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err:
            raise AssertionError("sanitizer report from %s:\n%s" % (self.name, err[-4000:]))
        if exc[0] is None and code != 0:
            raise AssertionError("%s exited %s on SIGTERM:\n%s" % (self.name, code, err[-2000:]))


def json_lines(data):
    """The objects of JSON lines (pushviz --json, pushlab-client --json),
    from bytes or text.  Lines end at "\n" only, the format's line end:
    str.splitlines() would also end one at U+0085, U+2028 and U+2029 (and
    pushviz escapes those, so such a split would be a pushviz bug that
    this reader must not hide).  A line that is not JSON fails with its
    number and the bytes around the error."""
    if isinstance(data, str):
        data = data.encode("utf-8", errors="surrogateescape")
    objects = []
    lines = data.split(b"\n")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            objects.append(json.loads(line))
        except ValueError as e:
            at = getattr(e, "pos", 0) or 0
            raise AssertionError("line %d of %d is not JSON (%s): ...%r..." % (
                n, len(lines), e, line[max(0, at - 120):at + 120]))
    return objects


def recv_until(sock, marker, limit=1 << 20, timeout=5.0):
    """Read from sock until `marker` (bytes) is in what was read; returns all of it."""
    sock.settimeout(timeout)
    data = b""
    deadline = time.time() + timeout
    while marker not in data:
        if time.time() > deadline or len(data) > limit:
            raise AssertionError("did not see %r in %r" % (marker, data[-300:]))
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError("connection closed before %r; got %r" % (marker, data[-300:]))
        data += chunk
    return data


def recv_all(sock, timeout=5.0):
    """Read until the peer closes; returns everything."""
    sock.settimeout(timeout)
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def recv_until_quiet(sock, quiet=0.5, limit=15.0):
    """Every byte that arrives until none has for `quiet` seconds (or the
    peer closes, or `limit` seconds pass): what a burst put on the wire."""
    data, deadline = b"", time.time() + limit
    while time.time() < deadline:
        sock.settimeout(quiet)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return data
        if not chunk:
            return data
        data += chunk
    return data


def request(port, raw, timeout=5.0):
    """Send raw request bytes on a new connection; return the whole reply
    (read until the server closes or `timeout`)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(raw)
    try:
        return recv_all(s, timeout)
    finally:
        s.close()


def split_head(data):
    """(status, {lower-case header: value}, body) of an HTTP response."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def get(port, path, headers="", method="GET", body=b""):
    """One request with Connection: close; returns (status, headers, body)."""
    raw = ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s" % (
        method, path, headers)).encode()
    if body or method == "POST":
        raw += b"Content-Length: %d\r\n" % len(body)
    raw += b"\r\n" + body
    return split_head(request(port, raw))


def post_send(port, text):
    status, _, _ = get(port, "/send", method="POST", body=text.encode())
    return status


def main(tests):
    """Run each test function; print one line each and the RESULT line."""
    passed = failed = skipped = 0
    for t in tests:
        name = t.__name__
        started = time.time()
        try:
            t()
        except Skip as e:
            skipped += 1
            print("SKIP %s: %s" % (name, e))
        except Exception:
            failed += 1
            print("FAIL %s" % name)
            traceback.print_exc(file=sys.stdout)
        else:
            passed += 1
            print("ok   %s (%.2fs)" % (name, time.time() - started))
        sys.stdout.flush()
    print("RESULT passed=%d failed=%d skipped=%d" % (passed, failed, skipped))
    sys.exit(1 if failed else 0)
