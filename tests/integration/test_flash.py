"""test_flash.py -- pushlab-flash over real sockets: the socket policy
exchange, events pushed as NUL-terminated JSON, chat lines broadcast,
protocol sniffing (policy / HTTP / data on one port), and bad input
(over-long messages, bytes that are not text) closing one connection
while the others are served on."""
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, Server, Skip, get, json_lines, main, post_send, recv_all  # noqa: E402
from wire import (assert_consecutive, assert_help_columns, parse_event, read_stderr_until,  # noqa: E402
                  run_binary)

POLICY_REQUEST = b"<policy-file-request/>\0"
FLASH_MAX_MESSAGE = 65536
MAX_CHAT_BYTES = 4096
FLASH_SNIFF_MS = 300
# A silent connection becomes a data channel after FLASH_SNIFF_MS and its
# retransmission timeout (Linux's least, 200 ms, on loopback): a policy
# request lost on the way would have come again by then.
SNIFF_S = (FLASH_SNIFF_MS + 200) / 1000
SILENT_S = SNIFF_S + 0.3  # silent this long: a data channel by now


class FlashClient:
    """A data channel: reads NUL-terminated messages."""

    def __init__(self, srv, first=b""):
        self.sock = srv.connect()
        if first:
            self.sock.sendall(first)
        self.buf = b""

    def message(self, timeout=5.0):
        deadline = time.time() + timeout
        while b"\0" not in self.buf:
            left = deadline - time.time()
            assert left > 0, "no message in time; have %r" % self.buf[-100:]
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            assert data, "connection closed; have %r" % self.buf[-100:]
            self.buf += data
        msg, _, self.buf = self.buf.partition(b"\0")
        return msg

    def event(self, timeout=5.0):
        return parse_event(self.message(timeout))

    def send(self, data):
        self.sock.sendall(data)

    def closed_by_server(self, timeout=3.0):
        """True when the server closes the connection (reading what is left)."""
        try:
            recv_all(self.sock, timeout)
        except ConnectionResetError:
            pass
        return True

    def close(self):
        self.sock.close()


def help_and_version():
    out = run_binary("flash", "--help")
    assert out.returncode == 0 and b"policy-file-request" in out.stdout, out
    assert_help_columns(out.stdout.decode())
    out = run_binary("flash", "--version")
    assert out.returncode == 0 and out.stdout.startswith(b"pushlab-flash "), out


def check_policy(data, port):
    assert data.endswith(b"\0") and data.count(b"\0") == 1, data
    xml = data[:-1].decode()
    assert "<cross-domain-policy>" in xml and "</cross-domain-policy>" in xml, xml
    assert 'allow-access-from domain="*" to-ports="%d"' % port in xml, xml


def policy():
    with Server("flash", "--interval", "50") as srv:
        s = srv.connect()
        s.sendall(POLICY_REQUEST)
        t0 = time.time()
        data = recv_all(s)  # the server closes after the policy
        check_policy(data, srv.port)
        assert time.time() - t0 < 1, "the policy came late"
        # A policy request trickling in, a few bytes at a time.
        s = srv.connect()
        for i in range(0, len(POLICY_REQUEST), 5):
            s.sendall(POLICY_REQUEST[i:i + 5])
            time.sleep(0.02)
        check_policy(recv_all(s), srv.port)


def late_policy():
    """A player too busy to write within the sniffing window was taken for
    a data channel; its policy request is still answered, not broadcast."""
    with Server("flash", "--interval", "0") as srv:
        watcher, late = FlashClient(srv), FlashClient(srv)
        time.sleep(SILENT_S)  # both are data channels now
        late.send(POLICY_REQUEST)
        check_policy(recv_all(late.sock), srv.port)  # and closed
        assert post_send(srv.port, "after") == 204
        ev = watcher.event()
        assert ev["text"] == "after" and ev["seq"] == 1, ev  # no chat was made of it
        watcher.close()


def split_policy():
    """A policy request whose second piece comes after the sniffing window
    is still the policy (no HTTP request starts with "<"); first bytes
    that then turn out to be something else make a data channel."""
    with Server("flash", "--interval", "0") as srv:
        s = srv.connect()
        s.sendall(POLICY_REQUEST[:8])
        time.sleep(SILENT_S)
        s.sendall(POLICY_REQUEST[8:])
        check_policy(recv_all(s), srv.port)
        watcher, odd = FlashClient(srv), FlashClient(srv, first=POLICY_REQUEST[:4])
        time.sleep(SILENT_S)
        odd.send(b"x\0")
        for c in (watcher, odd):
            ev = c.event()
            assert ev["kind"] == "chat" and ev["text"] == POLICY_REQUEST[:4].decode() + "x", ev
        watcher.close()
        odd.close()


def push_events():
    with Server("flash", "--interval", "50") as srv:
        c = FlashClient(srv)
        t0 = time.time()
        events = [c.event()]
        # Silence is what made it a data channel: nothing before the sniff
        # and a retransmission timeout.
        assert time.time() - t0 >= SNIFF_S - 0.05, time.time() - t0
        events += [c.event() for _ in range(4)]
        assert all(e["kind"] == "tick" for e in events), events
        assert_consecutive(events)
        c.close()


def chat():
    with Server("flash", "--interval", "0") as srv:
        a, b = FlashClient(srv), FlashClient(srv)
        time.sleep(SILENT_S)  # both are data channels now
        a.send("héllo\0".encode())
        for c in (a, b):
            ev = c.event()
            assert ev["kind"] == "chat" and ev["text"] == "héllo", ev
        # Several messages in one write, and one split across writes.
        b.send(b"one\0two\0thr")
        time.sleep(0.05)
        b.send(b"ee\0")
        for c in (a, b):
            assert [c.event()["text"] for _ in range(3)] == ["one", "two", "three"]
        # A bare NUL says nothing; POST /send on the same port reaches everyone.
        a.send(b"\0")
        assert post_send(srv.port, "via http") == 204
        for c in (a, b):
            assert c.event()["text"] == "via http"
        # A client that speaks first is a data channel at once.
        c = FlashClient(srv, first=b"early bird\0")
        for client in (a, b, c):
            assert client.event(timeout=2)["text"] == "early bird"
        for client in (a, b, c):
            client.close()


def http_on_the_same_port():
    with Server("flash", "--interval", "0") as srv:
        status, headers, body = get(srv.port, "/")
        assert status == 200 and headers["content-type"].startswith("text/html"), status
        assert b"pushlab-client flash" in body and b"2020" in body, body[:200]
        status, _, _ = get(srv.port, "/nothing")
        assert status == 404, status


def oversize_message():
    with Server("flash", "--interval", "0") as srv:
        good = FlashClient(srv)
        big = FlashClient(srv)
        time.sleep(SILENT_S)
        # No NUL within FLASH_MAX_MESSAGE bytes: logged and closed.
        try:
            big.send(b"x" * (FLASH_MAX_MESSAGE + 10))
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert big.closed_by_server()
        assert read_stderr_until(srv, b"closing", 3), "the bad client was not logged"
        # A NUL-terminated chat line over the chat limit: closed too.
        long = FlashClient(srv)
        time.sleep(SILENT_S)
        long.send(b"y" * (MAX_CHAT_BYTES + 1) + b"\0")
        assert long.closed_by_server()
        # The good client is served on, and saw none of it.
        assert post_send(srv.port, "still here") == 204
        ev = good.event()
        assert ev["text"] == "still here" and ev["seq"] == 1, ev
        good.close()


def bad_input():
    with Server("flash", "--interval", "0") as srv:
        good = FlashClient(srv)
        time.sleep(SILENT_S)
        for garbage in (b"\xff\xfe\xfd\0", b"ok\0\xc0\xaf\0", b"\xed\xa0\x80\0"):
            bad = FlashClient(srv, first=garbage)
            assert bad.closed_by_server()
        # Half a policy request and then silence is not a policy request.
        half = srv.connect()
        half.sendall(POLICY_REQUEST[:10])
        half.settimeout(SILENT_S)
        try:
            reply = half.recv(65536)
        except socket.timeout:
            reply = b""
        assert b"cross-domain-policy" not in reply, reply
        half.close()
        # "ok" came before the bad bytes in one client: it was broadcast.
        assert good.event()["text"] == "ok"
        assert post_send(srv.port, "after") == 204
        assert good.event()["text"] == "after"
        good.close()


def shutdown_with_clients():
    srv = Server("flash", "--interval", "20")
    data = FlashClient(srv)
    waiting = srv.connect()
    waiting.sendall(POLICY_REQUEST[:5])
    time.sleep(0.5)
    assert data.event()["kind"] == "tick"
    assert srv.stop(signal.SIGTERM) == 0
    err = srv.stderr()
    assert "Sanitizer" not in err and "runtime error" not in err, err
    for s in (data.sock, waiting):
        recv_all(s, timeout=2)
        s.close()


def client_interop():
    """pushlab-client flash does the player's part: policy, then data."""
    client = os.path.join(BIN, "pushlab-client")
    if not os.access(client, os.X_OK):
        raise Skip("no %s (run make)" % client)
    with Server("flash", "--interval", "50") as srv:
        out = subprocess.run([client, "flash", "127.0.0.1:%d" % srv.port, "--count", "3",
                              "--json"], capture_output=True, timeout=20)
        assert out.returncode == 0, out
        lines = json_lines(out.stdout)
        events = [e for e in lines if "seq" in e]
        assert len(events) == 3 and all(e["kind"] == "tick" for e in events), lines


tests = [help_and_version, policy, late_policy, split_policy, push_events, chat, http_on_the_same_port,
         oversize_message, bad_input, shutdown_with_clients, client_interop]

if __name__ == "__main__":
    main(tests)
