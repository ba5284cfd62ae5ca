"""wire.py -- strict readers for what the pushlab HTTP servers write, and
the checks every one of them must pass.

The readers here are written independently of src/proto on purpose: when
the server's framing and this reader agree byte for byte, two separate
implementations of RFC 9112 §7.1 (chunked), RFC 2046 §5.1 (multipart) and
WHATWG "event stream" agree.  Each reader fails loudly on the first byte
that is not exactly what the contract says.

common_tests(NAME, PATH) returns the test functions shared by every
technique: --help/--version, the error statuses of DESIGN.md, and clean
shutdown.  slow_reader_test() checks the output-queue cap.
"""
import json
import os
import re
import resource
import select
import selectors
import signal
import socket
import subprocess
import time

from harness import BIN, Server, get, post_send, recv_all, request, split_head

# Limits of src/pushlab.h that the tests push against.
MAX_HEAD_BYTES = 8192
MAX_TARGET_BYTES = 2048
MAX_BODY_BYTES = 65536
MAX_CHAT_BYTES = 4096
HUB_BACKLOG = 1024
IFRAME_PADDING_BYTES = 1024
SSE_RETRY_MS = 2000

EVENT_RE = re.compile(rb'^\{"seq":([1-9][0-9]*),"ts":([0-9]+),"kind":"(tick|chat)","text":"(.*)"\}$',
                      re.S)


def parse_event(raw):
    """The event object in raw (bytes, exactly one object, the contract's
    key order, no white space) as a dict."""
    m = EVENT_RE.match(raw)
    assert m, "not an event object: %r" % raw[:200]
    ev = json.loads(raw.decode("utf-8"))
    assert list(ev) == ["seq", "ts", "kind", "text"], ev
    assert abs(ev["ts"] - time.time() * 1000) < 60000, "ts is not the wall clock in ms: %r" % ev
    return ev


def parse_event_array(body):
    """The events of a JSON array body "[{...},{...}]", each checked byte
    for byte as parse_event does."""
    assert body.startswith(b"[") and body.endswith(b"]"), body[:100]
    inner = body[1:-1]
    raws = re.findall(rb'\{"seq":.*?"\}(?=,\{|$)', inner, re.S) if inner else []
    assert b",".join(raws) == inner, body[:300]
    return [parse_event(r) for r in raws]


def assert_consecutive(events, first=None):
    """Seqs count up by one (from `first` when given), ts never goes back."""
    seqs = [e["seq"] for e in events]
    start = seqs[0] if first is None else first
    assert seqs == list(range(start, start + len(seqs))), "gap or repeat: %r" % seqs
    ts = [e["ts"] for e in events]
    assert ts == sorted(ts), "ts went backwards: %r" % ts


class Reader:
    """Buffered, strict reading of one HTTP response from a socket."""

    def __init__(self, sock, timeout=5.0):
        self.sock = sock
        self.buf = b""
        self.timeout = timeout
        self.eof = False

    def _fill(self, deadline):
        left = deadline - time.time()
        if left <= 0:
            raise AssertionError("timed out; have %r" % self.buf[-300:])
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise AssertionError("timed out; have %r" % self.buf[-300:])
        if not data:
            self.eof = True
            raise AssertionError("connection closed; have %r" % self.buf[-300:])
        self.buf += data

    def until(self, marker, timeout=None):
        """Bytes up to and including marker, consumed."""
        deadline = time.time() + (timeout or self.timeout)
        while marker not in self.buf:
            self._fill(deadline)
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def exact(self, n, timeout=None):
        deadline = time.time() + (timeout or self.timeout)
        while len(self.buf) < n:
            self._fill(deadline)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def rest(self, timeout=None):
        """Everything up to the peer's close."""
        deadline = time.time() + (timeout or self.timeout)
        try:
            while True:
                self._fill(deadline)
        except AssertionError:
            if not self.eof:
                raise
        out, self.buf = self.buf, b""
        return out

    def quiet(self, seconds):
        """Assert nothing arrives for `seconds`."""
        self.sock.settimeout(seconds)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            data = None
        assert data is None and not self.buf, "unexpected bytes: %r" % (self.buf + (data or b""))

    def head(self):
        """(status, {lower-case name: value}) of the response head."""
        status, headers, _ = split_head(self.until(b"\r\n\r\n"))
        return status, headers

    def chunk(self, timeout=None):
        """One chunk's data, its framing checked byte for byte: lower-case
        hex size with no extensions, CRLF, exactly that many bytes, CRLF.
        b"" for the last chunk."""
        line = self.until(b"\r\n", timeout)
        assert re.match(rb"^[0-9a-f]+\r\n$", line), "bad chunk size line %r" % line
        size = int(line[:-2], 16)
        data = self.exact(size, timeout)
        assert self.exact(2, timeout) == b"\r\n", "chunk data not followed by CRLF"
        return data

    def sse_block(self, timeout=None):
        """One SSE block up to its blank line, as [(field, value)];
        comment lines are ("", text)."""
        raw = self.until(b"\n\n", timeout)
        assert b"\r" not in raw, "pushlab writes LF line ends only: %r" % raw
        fields = []
        for line in raw[:-2].split(b"\n"):
            name, sep, value = line.decode("utf-8").partition(":")
            assert sep, "SSE line without a colon: %r" % line
            assert value.startswith(" "), "one space after the colon: %r" % line
            fields.append((name, value[1:]))
        return fields

    def part(self, boundary, timeout=None):
        """One multipart part: (headers dict, body), checked against the
        exact form "--B CRLF headers CRLF CRLF body CRLF"."""
        delim = self.exact(len(boundary) + 4, timeout)
        assert delim == b"--" + boundary + b"\r\n", "bad delimiter line %r" % delim
        head = self.until(b"\r\n\r\n", timeout)
        headers = {}
        for line in head[:-4].split(b"\r\n"):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = self.exact(int(headers["content-length"]), timeout)
        assert self.exact(2, timeout) == b"\r\n", "part body not followed by CRLF"
        return headers, body


def open_stream(srv, path, headers="", version="1.1"):
    """GET path on a new connection; returns (Reader, status, headers)."""
    s = srv.connect()
    s.sendall(("GET %s HTTP/%s\r\nHost: 127.0.0.1\r\n%s\r\n" % (path, version, headers)).encode())
    r = Reader(s)
    status, hdrs = r.head()
    return r, status, hdrs


class Sender:
    """POST /send over one keep-alive connection (fast enough for floods)."""

    def __init__(self, srv):
        self.reader = Reader(srv.connect())

    def send(self, text):
        body = text.encode()
        self.reader.sock.sendall(b"POST /send HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                                 % len(body) + body)
        status, _ = self.reader.head()
        assert status == 204, status

    def close(self):
        self.reader.sock.close()


def run_binary(name, *args):
    path = os.path.join(BIN, "pushlab-" + name)
    return subprocess.run([path] + list(args), capture_output=True, timeout=10)


# ------------------------------------------------------------ shared tests

def assert_help_columns(text):
    """--help lists the options in two columns: each help text (and its
    continuation lines) starts in one column, at least two spaces past the
    longest option, and a default reads "(default N; 0 = ...)", never as a
    second parenthesis beside another."""
    lines = text.split("options:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    columns = set()
    for line in lines:
        # "  -p, --port PORT  help", "      --hold SECONDS  help", or a continuation
        m = re.match(r"(  (?:-\w, |    )--[\w-]+(?: [A-Z]+)?  +| +)\S", line)
        assert m, line
        columns.add(len(m.group(1)))
    assert len(columns) == 1, "help starts in columns %s:\n%s" % (sorted(columns), "\n".join(lines))
    assert ") (default" not in text, text


def common_tests(name, path, *server_args):
    """Tests every HTTP server passes.  path is its technique endpoint."""

    def help_and_version():
        out = run_binary(name, "--help")
        assert out.returncode == 0, out
        text = out.stdout.decode()
        assert text.startswith("usage: pushlab-%s" % name), text
        assert path.split("?")[0] in text and "--interval" in text, text
        assert_help_columns(text)
        out = run_binary(name, "--version")
        assert out.returncode == 0 and re.match(r"^pushlab-%s \d+\.\d+\.\d+\n$" % name,
                                                out.stdout.decode()), out
        out = run_binary(name, "--no-such-flag")
        assert out.returncode == 2 and b"--help" in out.stderr, out
        out = run_binary(name, "--port", "99999")
        assert out.returncode == 2 and b"--port" in out.stderr, out

    def demo_page():
        with Server(name, "--interval", "0") as srv:
            status, headers, body = get(srv.port, "/")
            assert status == 200, status
            assert headers["content-type"].startswith("text/html"), headers
            assert b"<html" in body.lower() and len(body) == int(headers["content-length"])

    def error_statuses():
        with Server(name, "--interval", "0") as srv:
            status, headers, body = get(srv.port, "/no/such/path")
            assert status == 404 and body.startswith(b"404 Not Found"), (status, body)
            status, headers, _ = get(srv.port, path, method="POST", body=b"x")
            assert status == 405 and "GET" in headers["allow"], (status, headers)
            status, headers, _ = get(srv.port, "/send")
            assert status == 405 and headers["allow"] == "POST", (status, headers)
            status, _, _ = get(srv.port, "/send", method="POST", body=b"x" * (MAX_CHAT_BYTES + 1))
            assert status == 413, status
            # A body over the limit is refused from its Content-Length alone.
            raw = (b"POST /send HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                   % (MAX_BODY_BYTES + 1))
            assert split_head(request(srv.port, raw))[0] == 413
            status, _, _ = get(srv.port, "/send", method="POST", body=b"")
            assert status == 400, status
            status, _, _ = get(srv.port, "/" + "a" * MAX_TARGET_BYTES)
            assert status == 414, status
            status, _, _ = get(srv.port, path, headers="X-Big: %s\r\n" % ("b" * MAX_HEAD_BYTES))
            assert status == 431, status
            for bad in (b"GARBAGE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET\x00 / HTTP/1.1\r\n\r\n",
                        b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n"):
                reply = request(srv.port, bad)
                assert split_head(reply)[0] in (400, 505), (bad, reply[:80])
            # After all that, the server still answers.
            assert get(srv.port, "/")[0] == 200

    def keep_alive():
        with Server(name, "--interval", "0") as srv:
            s = srv.connect()
            s.sendall(b"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n"
                      b"POST /send HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"
                      b"GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            reply = recv_all(s)
            statuses = re.findall(rb"HTTP/1\.1 (\d+)", reply)
            assert statuses == [b"404", b"204", b"404"], reply

    def shutdown_with_clients():
        for sig in (signal.SIGTERM, signal.SIGINT):
            srv = Server(name, "--interval", "20")
            busy = srv.connect()  # a client being answered (or held, or streaming)
            busy.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
            idle = srv.connect()  # and one that said nothing yet
            time.sleep(0.3)
            code = srv.stop(sig)
            err = srv.stderr()
            assert code == 0, (sig, code, err)
            assert "Sanitizer" not in err and "runtime error" not in err, err
            # Both connections were closed, not left hanging.
            for s in (busy, idle):
                recv_all(s, timeout=2)
                s.close()

    tests = [help_and_version, demo_page, error_statuses, keep_alive, shutdown_with_clients]
    for t in tests:
        t.__name__ = "%s_%s" % (name, t.__name__)
    return tests


def read_stderr_until(srv, marker, timeout):
    """Read the server's stderr (while it runs) until it has marker; what
    was read is kept in srv.stderr_seen."""
    fd = srv.proc.stderr.fileno()
    srv.stderr_seen = getattr(srv, "stderr_seen", b"")
    deadline = time.time() + timeout
    while marker not in srv.stderr_seen:
        r, _, _ = select.select([fd], [], [], max(0.0, deadline - time.time()))
        if not r:
            return False
        data = os.read(fd, 65536)
        if not data:
            return False
        srv.stderr_seen += data
    return True


def slow_reader_test(name, path, read_event, read_prelude=None):
    """A client that stops reading is cut off at the output cap while a
    client that reads on gets every event.  read_event(reader) returns the
    next event dict from a stream opened on path; read_prelude(reader), if
    given, reads what comes before the first event."""

    def slow_reader_cut_off():
        # Room for three connections: the slow reader, the fast one and
        # the sender.  A fourth is refused (503) unless the slow one's slot
        # was freed when it was cut off.
        with Server(name, "--interval", "0", "--max-clients", "3") as srv:
            slow = srv.connect()
            # A small receive window: the server's queue fills sooner.
            slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            slow.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
            fast, status, _ = open_stream(srv, path)
            assert status == 200
            if read_prelude:
                read_prelude(fast)
            sender = Sender(srv)
            text = "<" * MAX_CHAT_BYTES  # escaped as \u003c: about 24 KB of JSON
            got = []
            cut = False
            for i in range(800):  # at most ~20 MB, far beyond every buffer
                sender.send(text)
                got.append(read_event(fast))
                if read_stderr_until(srv, b"cut off: output queue full", 0):
                    cut = True
                    break
            assert cut, "the slow reader was never cut off"
            # Its connection is gone, and the others go on.
            assert post_send(srv.port, "after") == 204
            got.append(read_event(fast))
            assert got[-1]["text"] == "after"
            assert_consecutive(got, first=1)
            sender.close()
            slow.close()

    slow_reader_cut_off.__name__ = "%s_slow_reader_cut_off_on_%s" % (name, path.strip("/"))
    return slow_reader_cut_off


def thousand_wait_for_one_event(name, request, ending):
    """1000 clients each send `request` to a pushlab-NAME server and are
    held; one POST /send must then reach every one of them: each reply
    must end with `ending` (the chat event as that technique frames it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    with Server(name, "--interval", "0") as srv:
        sel = selectors.DefaultSelector()
        socks = []
        for _ in range(1000):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            s.sendall(request)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, [b""])
            socks.append(s)
        time.sleep(0.5)
        post_send(srv.port, "to a thousand")
        done = 0
        deadline = time.time() + 20
        while done < len(socks) and time.time() < deadline:
            for key, _ in sel.select(1):
                data = key.fileobj.recv(65536)
                assert data, "a held client was closed instead of answered"
                key.data[0] += data
                if key.data[0].endswith(ending):
                    sel.unregister(key.fileobj)
                    done += 1
        assert done == 1000, done
        for s in socks:
            s.close()
