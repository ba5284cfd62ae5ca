"""test_client.py -- pushlab-client against the real servers, and against
small servers that answer wrongly on purpose.

Every technique is run against its own server on an ephemeral port: the
events must arrive in order with no gap and carry a latency.  Then the
parts that make each technique what it is: SSE reconnects with
Last-Event-ID (through a proxy that cuts the stream, and across a server
restart), the WebSocket closing handshake in both directions, --send round
trips, and a 1000-client load run per technique with no event missing.
Finally the failures a student will meet: a 404, a wrong Content-Type, a
truncated chunk, a bad Sec-WebSocket-Accept, a refused connection, all of
which must end the client with a clear message and exit status 1.

A technique whose server binary is not built yet is reported as skipped,
with the reason, never as passed.
"""
import base64
import hashlib
import json
import os
import re
import socket
import struct
import subprocess
import threading
import time

import harness
from harness import Server, Skip, json_lines

CLIENT = os.path.join(harness.BIN, "pushlab-client")

# technique -> the server that serves it
SERVER_OF = {
    "poll": "poll", "jsonp": "poll", "longpoll": "longpoll", "iframe": "iframe",
    "xhr": "xhr", "multipart": "xhr", "flash": "flash", "sse": "sse", "ws": "ws",
}
TICK_MS = 50  # the servers' --interval in these tests


def need_server(name):
    path = os.path.join(harness.BIN, "pushlab-" + name)
    if not os.access(path, os.X_OK):
        raise Skip("bin/pushlab-%s is not built yet" % name)


def url_of(tech, port, host="127.0.0.1"):
    return ("%s:%d" if tech == "flash" else "http://%s:%d") % (host, port)


def run_client(args, timeout=20.0):
    """Run pushlab-client to its end; returns (exit code, stdout, stderr)."""
    if not os.access(CLIENT, os.X_OK):
        raise AssertionError("no client binary " + CLIENT + " (run make)")
    p = subprocess.run([CLIENT] + [str(a) for a in args], capture_output=True, timeout=timeout)
    out, err = p.stdout.decode(), p.stderr.decode(errors="replace")
    no_sanitizer_report(err)
    return p.returncode, out, err


def no_sanitizer_report(err):
    """Under SAN=1 a report on the client's stderr fails the test."""
    if "ERROR: AddressSanitizer" in err or "runtime error:" in err or "LeakSanitizer" in err:
        raise AssertionError("sanitizer report from pushlab-client:\n" + err[-4000:])


def events_of(out):
    return [o for o in json_lines(out) if "seq" in o and "kind" in o]


def assert_in_order(events, what):
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "%s: gap or disorder in %r" % (
        what, seqs)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ------------------------------------------------------------ each technique


def technique_test(tech):
    def test():
        need_server(SERVER_OF[tech])
        with Server(SERVER_OF[tech], "--interval", TICK_MS) as srv:
            rc, out, err = run_client([tech, url_of(tech, srv.port), "--count", 8, "--json",
                                       "--poll-interval", 100])
            assert rc == 0, "exit %d: %s" % (rc, err)
            events = events_of(out)
            assert len(events) == 8, out
            assert_in_order(events, tech)
            for e in events:
                assert e["kind"] == "tick" and e["text"].startswith("tick"), e
                assert e["ts"] > 1.5e12, e  # Unix milliseconds
                # Streams deliver at once; a poll waits at most one interval.
                assert 0 <= e["latency_ms"] < 2000, e
            if tech in ("longpoll", "iframe", "xhr", "multipart", "flash", "sse", "ws"):
                assert max(e["latency_ms"] for e in events[1:]) < 500, events
    test.__name__ = "test_%s_events_in_order" % tech
    return test


def test_text_output():
    need_server("sse")
    with Server("sse", "--interval", TICK_MS) as srv:
        rc, out, err = run_client(["sse", url_of("sse", srv.port), "--count", 2])
        assert rc == 0, err
        lines = out.splitlines()
        assert len(lines) == 2, out
        for line in lines:
            assert line.startswith("seq=") and " kind=tick " in line and "latency_ms=" in line, line
            assert 'text="tick ' in line, line


def test_event_text_cannot_control_the_terminal_or_split_a_line():
    """Event text comes from the network.  ESC and the C1 controls (U+009B
    is CSI, a terminal's command start, as ESC [ is; U+0085 is NEL) and
    the separators U+2028 and U+2029 (line ends to Python's splitlines and
    older JavaScript) are printed escaped, in text and in JSON lines; the
    JSON still decodes to the exact text, and other characters (U+00A0,
    U+00E9) are printed as they are."""
    need_server("sse")
    text = "a\u2028b\u009b2Jc\x1b[2Jd\u0085e\u2029f\u0080\u009fg\u00a0h\u00e9"
    with Server("sse", "--interval", 0) as srv:
        for mode in ([], ["--json"]):
            rc, out, err = run_client(["sse", url_of("sse", srv.port), "--send", text] + mode)
            assert rc == 0, err
            for raw in ("\x1b", "\u009b", "\u0085", "\u2028", "\u2029", "\u0080", "\u009f"):
                assert raw not in out, (mode, raw, out)
            assert "\u00a0h\u00e9" in out, out
            assert len(out.splitlines()) == 2, out  # the event and the "sent" line
            if mode:
                objs = json_lines(out)
                assert [o["text"] for o in objs if o.get("kind") == "chat"] == [text], objs
                assert [o["sent"] for o in objs if "sent" in o] == [text], objs


# ------------------------------------------------------------ --send


def send_test(tech):
    def test():
        need_server(SERVER_OF[tech])
        with Server(SERVER_OF[tech], "--interval", 0) as srv:
            rc, out, err = run_client([tech, url_of(tech, srv.port), "--send", "hé \"there\"",
                                       "--json", "--poll-interval", 50])
            assert rc == 0, "exit %d: %s" % (rc, err)
            objs = json_lines(out)
            chats = [o for o in objs if o.get("kind") == "chat"]
            assert chats and chats[0]["text"] == "hé \"there\"", out
            sent = [o for o in objs if "sent" in o]
            assert len(sent) == 1 and sent[0]["round_trip_ms"] >= 0, out
            assert sent[0]["seq"] == chats[0]["seq"], out
    test.__name__ = "test_%s_send_round_trip" % tech
    return test


def backlog_send_test(tech):
    """--count 1 --send against a server that already has a backlog: the
    first poll brings N events at once, before the POST /send (a connection
    of its own) is out.  The client must still send, print one event only,
    and exit 0."""
    def test():
        need_server(SERVER_OF[tech])
        with Server(SERVER_OF[tech], "--interval", TICK_MS) as srv:
            time.sleep(0.4)  # several ticks wait in the backlog
            text = "sent from a backlog %s" % tech
            rc, out, err = run_client([tech, url_of(tech, srv.port), "--count", 1, "--send", text,
                                       "--json", "--poll-interval", 100])
            assert rc == 0, "exit %d: %s" % (rc, err)
            assert len(events_of(out)) == 1, out
            with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as c:
                c.sendall(b"GET /poll?since=0 HTTP/1.0\r\n\r\n")
                got = b""
                while True:
                    data = c.recv(65536)
                    if not data:
                        break
                    got += data
            chats = [e for e in json.loads(got.split(b"\r\n\r\n", 1)[1])
                     if e["kind"] == "chat"]
            assert [e["text"] for e in chats] == [text], got[-500:]
    test.__name__ = "test_%s_count_1_send_with_a_backlog" % tech
    return test


def test_send_refuses_text_that_is_not_utf8():
    """Chat is text: a server puts U+FFFD in place of a bad byte (HTTP) or
    closes (Flash), so the message would never come back as sent.  The
    client refuses it before connecting (no server runs here)."""
    port = free_port()
    latin1 = os.fsdecode(b"caf\xe9")  # the bytes a Latin-1 terminal would pass
    for tech in ("sse", "xhr", "flash", "ws"):
        rc, out, err = run_client([tech, url_of(tech, port), "--send", latin1])
        assert rc == 2, (tech, rc, err)
        assert 'pushlab-client: --send takes UTF-8 text, not "caf\\xe9"' in err, (tech, err)
        assert "Try 'pushlab-client --help'." in err, (tech, err)


def test_flash_send_fails_when_the_server_closes_first():
    """A Flash server that closes the data connection before the chat came
    back: the round trip asked for never happened, so the exit is 1."""
    policy = b'<cross-domain-policy><allow-access-from domain="*" to-ports="*"/></cross-domain-policy>\0'
    answers = iter([policy, b""])  # the policy connection, then the data one
    srv = BadServer(lambda head: next(answers), read_head=False)
    try:
        rc, out, err = run_client(["flash", "127.0.0.1:%d" % srv.port, "--send", "hello"])
    finally:
        srv.close()
    assert rc == 1, (rc, err)
    assert "ended before the sent text came back" in err, err


# ------------------------------------------------------------ SSE reconnection


class CuttingProxy:
    """A TCP proxy to `port` that cuts its first connection after `cut_after`
    seconds and records the request head of every connection."""

    def __init__(self, port, cut_after):
        self.target = port
        self.cut_after = cut_after
        self.heads = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        n = 0
        while not self.stop:
            try:
                self.sock.settimeout(0.2)
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            n += 1
            threading.Thread(target=self._pipe, args=(c, n == 1), daemon=True).start()

    def _pipe(self, c, cut):
        up = socket.create_connection(("127.0.0.1", self.target))
        head = harness.recv_until(c, b"\r\n\r\n")
        self.heads.append(head.decode("latin-1"))
        up.sendall(head)
        deadline = time.time() + (self.cut_after if cut else 30)
        up.settimeout(0.05)
        try:
            while time.time() < deadline and not self.stop:
                try:
                    data = up.recv(65536)
                except socket.timeout:
                    continue
                if not data:
                    break
                c.sendall(data)
        except OSError:
            pass
        c.close()
        up.close()

    def close(self):
        self.stop = True
        self.sock.close()


def test_sse_reconnects_with_last_event_id_no_gap():
    need_server("sse")
    with Server("sse", "--interval", TICK_MS) as srv:
        proxy = CuttingProxy(srv.port, cut_after=0.6)
        try:
            # The cut comes after ~12 events; the reconnection waits for the
            # server's retry: time, and the backlog fills the hole.
            rc, out, err = run_client(["sse", "http://127.0.0.1:%d" % proxy.port, "--count", 40,
                                       "--json"], timeout=30)
        finally:
            proxy.close()
        assert rc == 0, "exit %d: %s" % (rc, err)
        events = events_of(out)
        assert len(events) == 40, out
        assert_in_order(events, "sse across a cut")
        assert "reconnecting" in err, err
        assert len(proxy.heads) >= 2, proxy.heads
        first, again = proxy.heads[0], proxy.heads[1]
        assert "last-event-id" not in first.lower(), first
        ids = [line.split(":", 1)[1].strip() for line in again.split("\r\n")
               if line.lower().startswith("last-event-id:")]
        assert ids, again
        # The id sent is the last event received before the cut, and the
        # next event printed is the one after it: nothing lost or repeated.
        last_before = int(ids[0])
        seqs = [e["seq"] for e in events]
        assert last_before in seqs and last_before + 1 in seqs, (ids, seqs)


def test_sse_reconnects_across_server_restart():
    """The server is stopped and started again on the same port.  The client
    reconnects after the server's retry: time (2 s) with Last-Event-ID; by
    then the new run has made more events than the old id, so its backlog
    fills the hole and the seqs the client prints go on with no gap."""
    need_server("sse")
    port = free_port()
    srv = Server("sse", "--interval", TICK_MS, port=port)
    client = subprocess.Popen([CLIENT, "sse", "http://127.0.0.1:%d" % port, "--json",
                               "--duration", "4.5"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(1.0)
        stopped_ms = time.time() * 1000
        assert srv.stop() == 0
        time.sleep(0.3)
        srv = Server("sse", "--interval", TICK_MS, port=port)
        restarted_ms = time.time() * 1000
        out, err = client.communicate(timeout=20)
    finally:
        if client.poll() is None:
            client.kill()
        srv.stop()
    out, err = out.decode(), err.decode(errors="replace")
    no_sanitizer_report(err)
    assert client.returncode == 0, "exit %d: %s" % (client.returncode, err)
    assert "reconnecting in 2000 ms with Last-Event-ID:" in err, err
    events = events_of(out)
    assert_in_order(events, "sse across a restart")
    assert any(e["ts"] < stopped_ms for e in events), events
    assert any(e["ts"] > restarted_ms for e in events), events


# ------------------------------------------------------------ WebSocket close


def test_ws_client_closes_with_1000():
    need_server("ws")
    with Server("ws", "--interval", TICK_MS) as srv:
        rc, out, err = run_client(["ws", "ws://127.0.0.1:%d" % srv.port, "--count", 3])
        assert rc == 0, err
        assert "closed: sent 1000, the server answered 1000" in err, err


def test_ws_server_close_is_answered():
    need_server("ws")
    srv = Server("ws", "--interval", TICK_MS)
    client = subprocess.Popen([CLIENT, "ws", "ws://127.0.0.1:%d" % srv.port],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(0.5)
        code = srv.stop()
        out, err = client.communicate(timeout=10)
    finally:
        if client.poll() is None:
            client.kill()
    err = err.decode(errors="replace")
    no_sanitizer_report(err)
    assert code == 0, "server exit %s" % code
    assert "the server closed the WebSocket with 1001" in err, err
    assert client.returncode == 0, err


def test_ws_echo_round_trips():
    need_server("ws")
    with Server("ws", "--interval", 0) as srv:
        rc, out, err = run_client(["ws", "ws://127.0.0.1:%d" % srv.port, "--echo", "--clients", 20,
                                   "--duration", 1, "--json"])
        assert rc == 0, err
        s = json.loads(out)
        assert s["connected"] == 20 and s["errors"] == 0, s
        assert s["events_delivered"] > 100 and s["events_delivered"] == s["events_expected"], s
        assert s["round_trips_per_s"] > 100, s
        # 8 messages out at once per client: all come back, in order (the
        # client fails a session on an echo out of order), and none is lost.
        rc, out, err = run_client(["ws", "ws://127.0.0.1:%d" % srv.port, "--echo", "--in-flight", 8,
                                   "--clients", 5, "--duration", 1, "--json"])
        assert rc == 0, err
        s = json.loads(out)
        assert s["errors"] == 0 and s["events_delivered"] == s["events_expected"] > 40, s
        # Every message went up masked (4 bytes more) and came back.
        assert s["bytes_up"] > s["bytes_down"] > 0, s


class RawWsServer:
    """A WebSocket server written frame by frame, to show the client what a
    library would hide: a ping, a message split over fragments with a ping
    between them, and the close handshake; or a frame that breaks the rules.
    It records every frame the client sends (unmasked) with its mask key."""

    def __init__(self, frames):
        self.frames = frames      # raw bytes to send after the 101
        self.got = []             # (opcode, mask key or None, payload)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @staticmethod
    def frame(opcode, payload, fin=True, mask=None):
        head = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        bit = 0x80 if mask else 0
        head += bytes([bit | n]) if n < 126 else bytes([bit | 126]) + n.to_bytes(2, "big")
        if mask:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            head += mask
        return head + payload

    def _read_frame(self, c):
        def exact(n):
            data = b""
            while len(data) < n:
                chunk = c.recv(n - len(data))
                if not chunk:
                    raise EOFError
                data += chunk
            return data
        b0, b1 = exact(2)
        n = b1 & 0x7F
        if n == 126:
            n = int.from_bytes(exact(2), "big")
        elif n == 127:
            n = int.from_bytes(exact(8), "big")
        key = exact(4) if b1 & 0x80 else None
        data = exact(n)
        if key:
            data = bytes(b ^ key[i % 4] for i, b in enumerate(data))
        return b0 & 0x0F, key, data

    def _serve(self):
        import base64
        import hashlib
        c, _ = self.sock.accept()
        c.settimeout(5)
        try:
            head = harness.recv_until(c, b"\r\n\r\n").decode("latin-1")
            key = [l.split(":", 1)[1].strip() for l in head.split("\r\n")
                   if l.lower().startswith("sec-websocket-key:")][0]
            accept = base64.b64encode(hashlib.sha1(
                (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
            c.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                       "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n" % accept).encode())
            for f in self.frames:
                c.sendall(f)
                time.sleep(0.02)
            while True:
                op, mask, data = self._read_frame(c)
                self.got.append((op, mask, data))
                if op == 0x8:
                    if not any(g[0] == 0x8 for g in self.got[:-1]):
                        c.sendall(self.frame(0x8, data[:2]))
                    break
        except (OSError, EOFError, AssertionError, IndexError):
            pass
        c.close()

    def close(self):
        self.thread.join(5)
        self.sock.close()


def test_ws_ping_fragments_and_masks():
    ev1 = b'{"seq":1,"ts":%d,"kind":"tick","text":"one"}' % int(time.time() * 1000)
    ev2 = b'{"seq":2,"ts":%d,"kind":"chat","text":"two \\u00e9"}' % int(time.time() * 1000)
    F = RawWsServer.frame
    srv = RawWsServer([F(0x9, b"are you there"), F(0x1, ev1),
                       F(0x1, ev2[:10], fin=False), F(0x9, b"mid"), F(0x0, ev2[10:25], fin=False),
                       F(0x0, ev2[25:])])
    try:
        rc, out, err = run_client(["ws", "ws://127.0.0.1:%d/raw" % srv.port, "--count", 2, "--json"])
    finally:
        srv.close()
    assert rc == 0, (rc, err)
    events = events_of(out)
    assert [e["seq"] for e in events] == [1, 2] and events[1]["text"] == "two \u00e9", out
    ops = [g[0] for g in srv.got]
    assert ops == [0xA, 0xA, 0x8], srv.got          # two pongs, then close
    assert srv.got[0][2] == b"are you there" and srv.got[1][2] == b"mid", srv.got
    assert srv.got[2][2][:2] == (1000).to_bytes(2, "big"), srv.got
    keys = [g[1] for g in srv.got]
    assert all(k is not None for k in keys), "client frames must be masked"
    assert len(set(keys)) == len(keys), "a fresh masking key per frame: %r" % keys


def test_ws_masked_server_frame_is_a_protocol_error():
    ev = b'{"seq":1,"ts":1,"kind":"tick","text":"x"}'
    srv = RawWsServer([RawWsServer.frame(0x1, ev, mask=b"abcd")])
    try:
        rc, out, err = run_client(["ws", "ws://127.0.0.1:%d" % srv.port, "--count", 1])
    finally:
        srv.close()
    assert rc == 1 and "protocol error" in err and "1002" in err, (rc, err)
    closes = [g for g in srv.got if g[0] == 0x8]
    assert closes and closes[0][2][:2] == (1002).to_bytes(2, "big"), srv.got


# ------------------------------------------------------------ load


def load_test(tech):
    def test():
        need_server(SERVER_OF[tech])
        with Server(SERVER_OF[tech], "--interval", 100) as srv:
            rc, out, err = run_client([tech, url_of(tech, srv.port), "--clients", 1000,
                                       "--duration", 2, "--json", "--poll-interval", 500],
                                      timeout=60)
            s = json.loads(out)
            assert s["technique"] == tech and s["clients"] == 1000, s
            assert s["connected"] == 1000 and s["errors"] == 0, s
            # 2 s of 100 ms ticks is 20 per client; connecting 1000 clients
            # takes a good part of that on a loaded machine or under ASan,
            # so ask for 5 each: enough to show every client is fed.
            assert s["events_expected"] >= 1000 * 5, s
            assert s["events_delivered"] == s["events_expected"], s
            lat = s["latency_ms"]
            assert 0 <= lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["max"], s
            assert s["requests"] >= 1000 and s["bytes_down"] > 0 and s["bytes_up"] > 0, s
            assert rc == 0, err
    test.__name__ = "test_%s_load_1000_clients_nothing_missing" % tech
    return test


def test_load_hold_counts_from_the_last_client():
    """--hold S: the run ends S seconds after the last of the clients has
    sent its first request, however long the ramp took; so every client is
    held for S seconds (a fixed --duration shortens the last ones' window
    when the ramp is slow)."""
    need_server("sse")
    with Server("sse", "--interval", 100) as srv:
        rc, out, err = run_client(["sse", url_of("sse", srv.port), "--clients", 1000, "--hold", 1,
                                   "--json"], timeout=60)
        s = json.loads(out)
        assert rc == 0 and s["connected"] == 1000 and s["errors"] == 0, (s, err)
        assert s["duration_s"] >= 1.0, s
        # 1 s of 100 ms ticks is 10 per client, each from its subscription
        # to the end: at least 7 each even for a client subscribed late.
        assert s["events_expected"] >= 1000 * 7, s
        assert s["events_delivered"] == s["events_expected"], s


def load_summary(tech, port, *args):
    rc, out, err = run_client([tech, url_of(tech, port), "--json"] + list(args), timeout=60)
    s = json.loads(out)
    assert rc == 0 and s["errors"] == 0 and s["events_delivered"] == s["events_expected"], (rc, s, err)
    return s


def test_load_header_bytes_per_event_is_the_steady_state():
    """header_bytes_per_event counts the header bytes and the events of one
    window, subscription to cut: what a technique pays per event once it
    runs.  A stream (SSE, XHR) pays no head per event at all, a WebSocket
    2 bytes (the server's frame header of a short text frame), and a long
    poll one request and one response head per event, the same in a short
    run and a long one.  (Counting the whole run's heads, set-up and drain
    included, over the window's events, gave SSE 25 bytes in 1 s and 8 in
    3 s, and long polling 670 against 390.)"""
    for tech in ("sse", "xhr", "ws"):
        need_server(SERVER_OF[tech])
        with Server(SERVER_OF[tech], "--interval", 50) as srv:
            s = load_summary(tech, srv.port, "--clients", 20, "--duration", 1)
        assert s["events_delivered"] >= 20 * 10, s
        assert s["header_bytes_per_event"] == (2.0 if tech == "ws" else 0.0), (tech, s)
    need_server("longpoll")
    with Server("longpoll", "--interval", 100) as srv:
        short = load_summary("longpoll", srv.port, "--clients", 20, "--duration", 1)
        long = load_summary("longpoll", srv.port, "--clients", 20, "--duration", 3)
    per_short, per_long = short["header_bytes_per_event"], long["header_bytes_per_event"]
    # One GET head (about 120 bytes) and one 200 head per event.
    assert 150 < per_long < 600, long
    # Within a quarter (the edges of the window: an answer more or less;
    # a busy machine may batch a few events into one answer); counting
    # the whole run's heads, the 1 s run read 1.7 times the 3 s one.
    assert abs(per_short - per_long) <= 0.25 * per_long, (short, long)


class StallProxy:
    """A TCP relay to 127.0.0.1:port that holds back what the server sends
    on its first connection from `stall[0]` to `stall[1]` seconds after
    start_clock() (then lets it all through at once): one client's events
    arrive late, as after TCP recovered from losses on a slow link, while
    the other clients get theirs on time."""

    def __init__(self, port, stall):
        self.port, self.stall, self.t0, self.closed = port, stall, None, False
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.listen_port = self.sock.getsockname()[1]
        self.socks = [self.sock]
        threading.Thread(target=self._accept, daemon=True).start()

    def start_clock(self):
        self.t0 = time.monotonic()

    def _stalled(self):
        now = time.monotonic() - self.t0
        return self.stall[0] <= now < self.stall[1]

    def _accept(self):
        first = True
        while True:
            try:
                c, _ = self.sock.accept()
                u = socket.create_connection(("127.0.0.1", self.port))
            except OSError:
                return
            self.socks += [c, u]
            threading.Thread(target=self._pump, args=(c, u, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(u, c, first), daemon=True).start()
            first = False

    def _pump(self, src, dst, stalls):
        held, ended = b"", False
        try:
            while (not ended or held) and not self.closed:
                if not ended:
                    src.settimeout(0.02)
                    try:
                        data = src.recv(65536)
                        held += data
                        ended = not data
                    except socket.timeout:
                        pass
                elif stalls:
                    time.sleep(0.02)
                if held and not (stalls and self._stalled()):
                    dst.sendall(held)
                    held = b""
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self):
        self.closed = True
        for x in self.socks:
            x.close()


def drain_run(stall, clients=4, duration=2):
    """An SSE load run through a StallProxy: (exit code, summary)."""
    need_server("sse")
    with Server("sse", "--interval", 50) as srv:
        proxy = StallProxy(srv.port, stall)
        try:
            proxy.start_clock()
            rc, out, err = run_client(["sse", url_of("sse", proxy.listen_port), "--clients", clients,
                                       "--duration", duration, "--json"], timeout=30)
        finally:
            proxy.close()
    s = json.loads(out)
    assert s["connected"] == clients and s["errors"] == 0, (s, err)
    return rc, s


def test_load_drain_ends_when_every_event_is_in():
    """After the cut the run waits only until every client has the events
    the others got and one made after the cut has come: with 50 ms ticks
    on loopback that is a fraction of a second (it was a fixed 1.5 s)."""
    rc, s = drain_run(stall=(0, 0))
    assert rc == 0 and s["events_delivered"] == s["events_expected"] >= 4 * 20, s
    assert s["drain_s"] < 1.0, s


def test_load_drain_waits_for_a_late_event():
    """One client's events are held back from 1 s into the run to 3 s
    after its end (the cut, at 2 s): they are late, not missing.  The
    drain waits for them (it gave up after 1.5 s and reported them
    missing, exit 1), and ends when they are in."""
    rc, s = drain_run(stall=(1.0, 5.0))
    assert rc == 0 and s["events_delivered"] == s["events_expected"] >= 4 * 20, s
    assert s["latency_ms"]["max"] >= 2500, s  # they were late
    assert 2.5 <= s["drain_s"] < 4.5, s


def test_load_drain_has_a_bound():
    """A client whose events never come is waited for LOAD_DRAIN_MAX_MS
    (5 s; plus 16 handshake RTTs, nothing on loopback): then they are
    missing, and the run says so with exit status 1."""
    rc, s = drain_run(stall=(1.0, 60.0))
    assert rc == 1 and s["events_delivered"] < s["events_expected"], s
    assert 5.0 <= s["drain_s"] < 6.5, s


# ------------------------------------------------------------ bad servers


class BadServer:
    """Answers every connection with `reply` (after reading a request head,
    unless read_head is False), then closes.  reply may be a function of the
    request head; every head is kept in self.heads."""

    def __init__(self, reply, read_head=True):
        self.reply = reply
        self.read_head = read_head
        self.heads = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            try:
                c.settimeout(5)
                head = harness.recv_until(c, b"\r\n\r\n") if self.read_head else b""
                self.heads.append(head.decode("latin-1"))
                c.sendall(self.reply(head) if callable(self.reply) else self.reply)
                time.sleep(0.1)
            except (OSError, AssertionError):
                pass
            c.close()

    def close(self):
        self.sock.close()


def bad_server_case(tech, reply, expect):
    srv = BadServer(reply)
    try:
        rc, out, err = run_client([tech, url_of(tech, srv.port), "--count", 3], timeout=15)
    finally:
        srv.close()
    assert rc == 1, "exit %d, stderr %r" % (rc, err)
    for text in expect:
        assert text.lower() in err.lower(), "%r not in %r" % (text, err)


def test_longpoll_across_http10_connections():
    """An HTTP/1.0 server closes after every answer and gives no length:
    the body ends with the connection, and the next long poll needs a new
    one, asking since= the last seq."""
    def answer(head):
        since = int(head.split(b"since=")[1].split(b" ")[0].split(b"&")[0])
        ev = b'{"seq":%d,"ts":%d,"kind":"tick","text":"t"}' % (since + 1, time.time() * 1000)
        return b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n[" + ev + b"]"
    srv = BadServer(answer)
    try:
        rc, out, err = run_client(["longpoll", url_of("longpoll", srv.port), "--count", 3, "--json"])
    finally:
        srv.close()
    assert rc == 0, (rc, err)
    assert [e["seq"] for e in events_of(out)] == [1, 2, 3], out
    targets = [h.split(" ")[1] for h in srv.heads[:3]]
    assert targets == ["/poll?since=0", "/poll?since=1", "/poll?since=2"], targets


def test_bad_404():
    bad_server_case("xhr", b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
                    ['"HTTP/1.1 404 Not Found"', "/stream"])


def test_bad_wrong_content_type():
    bad_server_case("sse", b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                           b"Content-Length: 5\r\n\r\nhello",
                    ['wrong Content-Type "text/plain"', "text/event-stream"])


def test_bad_truncated_chunk():
    ev = b'{"seq":1,"ts":1700000000000,"kind":"tick","text":"tick 1"}\n'
    bad_server_case("xhr", b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n"
                           + b"%x\r\n" % len(ev) + ev + b"\r\n" + b"40\r\n{\"seq\":2,",
                    ["truncated chunk"])


def test_server_text_in_errors_is_shown_not_obeyed():
    """The client's errors quote the server (a Content-Type, a close
    reason): its control bytes are printed as \\xHH, so a server cannot
    clear or rewrite the terminal of whoever runs the client."""
    bad_server_case("sse", b"HTTP/1.1 200 OK\r\nContent-Type: text/\x9b2Jplain\r\n"
                           b"Content-Length: 5\r\n\r\nhello",
                    ['wrong Content-Type "text/\\x9b2Jplain"'])

    def close_with_escapes(head):
        key = re.search(rb"Sec-WebSocket-Key: *(\S+)", head).group(1)
        accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
        reason = b"\x1b[2Jgone\xc2\x9b"  # valid UTF-8, as a close reason must be
        return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n" +
                bytes([0x88, 2 + len(reason)]) + struct.pack("!H", 1011) + reason)
    bad_server_case("ws", close_with_escapes, ["with 1011 (\\x1b[2Jgone\\xc2\\x9b)"])


def test_bad_sec_websocket_accept():
    bad_server_case("ws", b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                          b"Connection: Upgrade\r\n"
                          b"Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
                    ["bad WebSocket handshake answer"])


def test_bad_flash_policy():
    srv = BadServer(b"HTTP/1.1 400 Bad Request\r\n\r\n\0", read_head=False)
    try:
        rc, out, err = run_client(["flash", "127.0.0.1:%d" % srv.port, "--count", 1])
    finally:
        srv.close()
    assert rc == 1 and "not a <cross-domain-policy>" in err, (rc, err)


def test_bad_connection_refused():
    port = free_port()  # nobody listens there now
    for tech in ("poll", "sse", "ws", "flash"):
        rc, out, err = run_client([tech, url_of(tech, port), "--count", 1])
        assert rc == 1, (tech, rc, err)
        assert "cannot connect to 127.0.0.1:%d" % port in err and "refused" in err, (tech, err)


def test_unresolvable_host_gives_the_resolvers_reason():
    """.invalid never resolves (RFC 6761): the message carries the
    resolver's own words (gai_strerror, which Python's gaierror holds too),
    not an errno such as "No route to host"."""
    host = "nosuchhost.invalid"
    try:
        socket.getaddrinfo(host, 80, type=socket.SOCK_STREAM)
        raise AssertionError("%s resolved" % host)
    except socket.gaierror as e:
        resolver_says = e.strerror
    port = free_port()  # never reached: the name fails first
    for tech in ("xhr", "ws", "flash"):
        rc, out, err = run_client([tech, url_of(tech, port, host), "--count", 1])
        assert rc == 1, (tech, rc, err)
        assert "cannot connect to %s:%d: cannot resolve host (%s)" % (host, port, resolver_says) in err, (
            tech, err)


def test_load_refused_counts_errors():
    port = free_port()
    rc, out, err = run_client(["xhr", url_of("xhr", port), "--clients", 50, "--duration", 0.5,
                               "--json"])
    s = json.loads(out)
    assert rc == 1 and s["errors"] == 50 and s["connected"] == 0, (rc, s)
    assert "refused" in s["first_error"], s
    # Nothing delivered: no latency and no cost per event (they read 0,
    # as if instant and free).
    assert s["latency_ms"] == {"p50": None, "p90": None, "p99": None, "max": None}, s
    assert s["header_bytes_per_event"] is None and s["events_delivered"] == 0, s
    rc, out, err = run_client(["xhr", url_of("xhr", port), "--clients", 2, "--duration", 0.5])
    assert rc == 1 and "latency p50/p90/p99/max    none (nothing delivered)\n" in out, out
    assert "header bytes per event     none\n" in out, out


def test_usage_errors():
    for args in (["carrier-pigeon"], [], ["ws", "tcp://127.0.0.1:1"], ["poll", "--echo"],
                 ["ws", "--in-flight", 2], ["ws", "--echo", "--in-flight", 0],
                 ["flash", "tcp://127.0.0.1:1/path"], ["sse", "--count", "x"],
                 ["sse", "--clients", 5, "--send", "x"], ["sse", "--hold", 1],
                 ["sse", "--clients", 5, "--hold", 1, "--duration", 1], ["sse", "--clients", 5, "--hold", 0]):
        rc, out, err = run_client(args)
        assert rc == 2 and "pushlab-client:" in err, (args, rc, err)
    rc, out, err = run_client(["--help"])
    assert rc == 0 and "usage: pushlab-client TECHNIQUE" in out and "multipart" in out


def test_man_synopsis_lists_every_option():
    """Every option --help lists (but --help and --version) is in the man
    page's SYNOPSIS, by its short name when it has one."""
    rc, out, err = run_client(["--help"])
    man = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "man",
                       "pushlab-client.1")
    with open(man) as f:
        synopsis = f.read().split(".SH SYNOPSIS", 1)[1].split(".SH ", 1)[0].replace("\\-", "-")
    named = re.findall(r"^  (?:(-\w), |    )(--[\w-]+)", out.split("options:\n", 1)[1], re.M)
    assert len(named) > 5, out
    missing = [short or long for short, long in named
               if long not in ("--help", "--version") and not re.search(
                   r"\[ %s\b" % re.escape(short or long), synopsis)]
    assert not missing, "not in the SYNOPSIS of %s: %s" % (man, missing)


TECHS = ["poll", "jsonp", "longpoll", "iframe", "xhr", "multipart", "flash", "sse", "ws"]

if __name__ == "__main__":
    harness.main(
        [technique_test(t) for t in TECHS]
        + [test_text_output, test_event_text_cannot_control_the_terminal_or_split_a_line,
           test_server_text_in_errors_is_shown_not_obeyed]
        + [send_test(t) for t in ("poll", "sse", "ws", "flash")]
        + [test_send_refuses_text_that_is_not_utf8, test_flash_send_fails_when_the_server_closes_first]
        + [backlog_send_test(t) for t in ("poll", "jsonp", "longpoll")]
        + [test_sse_reconnects_with_last_event_id_no_gap, test_sse_reconnects_across_server_restart,
           test_ws_client_closes_with_1000, test_ws_server_close_is_answered,
           test_ws_echo_round_trips, test_ws_ping_fragments_and_masks,
           test_ws_masked_server_frame_is_a_protocol_error]
        + [load_test(t) for t in TECHS]
        + [test_longpoll_across_http10_connections, test_bad_404, test_bad_wrong_content_type, test_bad_truncated_chunk,
           test_bad_sec_websocket_accept, test_bad_flash_policy, test_bad_connection_refused,
           test_unresolvable_host_gives_the_resolvers_reason,
           test_load_refused_counts_errors, test_load_hold_counts_from_the_last_client,
           test_load_header_bytes_per_event_is_the_steady_state,
           test_load_drain_ends_when_every_event_is_in, test_load_drain_waits_for_a_late_event,
           test_load_drain_has_a_bound,
           test_usage_errors, test_man_synopsis_lists_every_option])
