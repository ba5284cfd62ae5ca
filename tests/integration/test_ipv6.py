"""test_ipv6.py -- every technique over IPv6 loopback (::1), and dual stack.

A server bound with `-b ::1` prints `listening on [::1]:PORT` (the bracket
form of RFC 3986 §3.2.2, so the line still splits at its last ':'), takes
IPv6 peers only, and pushlab-client reaches it with a `[::1]:PORT` URL:
every technique must deliver its events in order over it, and a --send
must come back.  `-b ::` is dual stack: IPv4 clients reach it too, as
IPv4-mapped addresses (RFC 4291 §2.5.5.2).  Finally pushviz, capturing
live on lo, must show IPv6 flows as it shows IPv4 ones: addresses in
brackets, each flow's technique, its events; and tshark must read as many
IPv6 TCP packets from its -w file as pushviz does.
"""
import os
import re
import signal
import socket
import subprocess
import time

import harness
from harness import Server, Skip

CLIENT = os.path.join(harness.BIN, "pushlab-client")
PUSHVIZ = os.path.join(harness.BIN, "pushviz")
SERVER_OF = {
    "poll": "poll", "jsonp": "poll", "longpoll": "longpoll", "iframe": "iframe",
    "xhr": "xhr", "multipart": "xhr", "flash": "flash", "sse": "sse", "ws": "ws",
}
TICK_MS = 50


def client(technique, url, *args, timeout=20):
    """Run pushlab-client; returns its --json event objects (exit 0 required)."""
    r = subprocess.run([CLIENT, technique, url, "--json", "--poll-interval", "100"] + list(args),
                       capture_output=True, timeout=timeout)
    assert r.returncode == 0, "client %s %s exited %d: %s" % (
        technique, url, r.returncode, r.stderr.decode(errors="replace"))
    return harness.json_lines(r.stdout)


def assert_in_order(events, count):
    ticks = [e for e in events if e["kind"] == "tick"]
    assert len(ticks) >= count, events
    seqs = [e["seq"] for e in ticks]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "gap or reorder: %r" % seqs


def technique_over_ipv6(technique):
    with Server(SERVER_OF[technique], "-b", "::1", "--interval", TICK_MS) as srv:
        assert srv.host == "[::1]", srv.host
        assert_in_order(client(technique, "[::1]:%d" % srv.port, "--count", "3"), 3)


def make_technique_test(technique):
    def test():
        technique_over_ipv6(technique)
    test.__name__ = "test_%s_over_ipv6" % technique
    return test


def test_listening_line_brackets_ipv6():
    path = os.path.join(harness.BIN, "pushlab-sse")
    p = subprocess.Popen([path, "-p", "0", "-b", "::1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = p.stdout.readline().decode()
        assert re.fullmatch(r"listening on \[::1\]:[1-9][0-9]*\n", line), repr(line)
    finally:
        p.terminate()
        assert p.wait(5) == 0


def test_send_round_trip_over_ipv6():
    """A chat message sent over ::1 comes back as an event (POST /send on
    HTTP servers, a message of its own on WebSocket and Flash)."""
    for technique in ("sse", "ws", "flash"):
        with Server(SERVER_OF[technique], "-b", "::1", "--interval", "0") as srv:
            out = client(technique, "[::1]:%d" % srv.port, "--send", "hello v6", "--count", "1")
            events = [o for o in out if "kind" in o]
            assert [e["text"] for e in events if e["kind"] == "chat"] == ["hello v6"], (technique, out)
            sent = [o for o in out if "sent" in o]
            assert sent and sent[0]["round_trip_ms"] >= 0, (technique, out)


def test_full_url_forms_over_ipv6():
    with Server("ws", "-b", "::1", "--interval", TICK_MS) as srv:
        assert_in_order(client("ws", "ws://[::1]:%d/ws" % srv.port, "--count", "2"), 2)
    with Server("sse", "-b", "::1", "--interval", TICK_MS) as srv:
        assert_in_order(client("sse", "http://[::1]:%d/events" % srv.port, "--count", "2"), 2)


def test_ipv6_only_bind_refuses_ipv4():
    with Server("sse", "-b", "::1", "--interval", "0") as srv:
        try:
            socket.create_connection(("127.0.0.1", srv.port), timeout=2).close()
        except ConnectionRefusedError:
            pass
        else:
            raise AssertionError("a server bound to ::1 accepted an IPv4 connection")


def test_dual_stack_any_address():
    """-b :: takes IPv4 and IPv6 clients on one socket."""
    with Server("sse", "-b", "::", "--interval", TICK_MS) as srv:
        assert srv.host == "[::]", srv.host
        assert_in_order(client("sse", "127.0.0.1:%d" % srv.port, "--count", "2"), 2)
        assert_in_order(client("sse", "[::1]:%d" % srv.port, "--count", "2"), 2)
    with Server("ws", "-b", "::", "--interval", TICK_MS) as srv:
        assert_in_order(client("ws", "127.0.0.1:%d" % srv.port, "--count", "2"), 2)
        assert_in_order(client("ws", "[::1]:%d" % srv.port, "--count", "2"), 2)


def test_name_with_both_addresses_finds_the_server():
    """A name that resolves to ::1 and 127.0.0.1 (as "localhost" does on
    Debian) reaches a server on either: the client tries the next address
    when one refuses.  Resolved by glibc from an /etc/hosts of our own,
    bind-mounted in a mount namespace of the client alone."""
    if os.geteuid() != 0:
        raise Skip("needs root for a private /etc/hosts (unshare --mount); CI runs as root")
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".hosts") as hosts:
        hosts.write("::1 pushlab-both\n127.0.0.1 pushlab-both\n")
        hosts.flush()
        os.chmod(hosts.name, 0o644)
        # Whichever order getaddrinfo prefers, one of the two servers sits
        # on the address it tries second.
        for bind in ("127.0.0.1", "::1"):
            with Server("sse", "-b", bind, "--interval", TICK_MS) as srv:
                r = subprocess.run(
                    ["unshare", "--mount", "sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"',
                     hosts.name, CLIENT, "sse", "pushlab-both:%d" % srv.port, "--count", "2", "--json"],
                    capture_output=True, timeout=20)
                assert r.returncode == 0, (bind, r.stderr.decode(errors="replace"))
                assert_in_order(harness.json_lines(r.stdout), 2)


def test_bad_bind_address_is_refused_clearly():
    # A usage error (2, as for any bad option value), said before anything
    # starts, naming the value; it exited 1 from the failed listen.
    path = os.path.join(harness.BIN, "pushlab-sse")
    for bad in ("::1::2", "nonsense", "example.org"):
        r = subprocess.run([path, "-p", "0", "-b", bad], capture_output=True, timeout=5)
        assert r.returncode == 2 and r.stdout == b"", r
        assert r.stderr.decode() == 'pushlab-sse: --bind takes an address: "%s" is not a numeric IPv4 or ' \
            "IPv6 address, nor localhost\n" % bad, r.stderr
    # localhost, as the man page says, is 127.0.0.1.
    with Server("sse", "-b", "localhost") as srv:
        assert srv.host == "127.0.0.1", srv.host


def test_pushviz_shows_ipv6_flows():
    """Live capture on lo of three techniques over ::1: one flow each, in
    brackets, named by technique, with its events; tshark reads as many
    IPv6 TCP packets from the -w file as pushviz finds in it."""
    if os.geteuid() != 0:
        raise Skip("live capture needs root or CAP_NET_RAW; CI runs as root")
    import shutil
    if not shutil.which("tshark"):
        raise Skip("tshark is not installed")
    tmp = subprocess.run(["mktemp", "-d"], capture_output=True, check=True).stdout.decode().strip()
    out = os.path.join(tmp, "v6.pcap")
    try:
        servers = [Server(name, "-b", "::1", "--interval", TICK_MS) for name in ("sse", "ws", "poll")]
        try:
            ports = [s.port for s in servers]
            filt = "ip6 and (" + " or ".join("tcp port %d" % p for p in ports) + ")"
            viz = subprocess.Popen([PUSHVIZ, "-i", "lo", "-f", filt, "-w", out, "--json"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            time.sleep(0.7)
            # A second each: the poller asks about ten times, enough to be
            # told from a plain HTTP client.
            for technique, port in zip(("sse", "ws", "poll"), ports):
                assert_in_order(client(technique, "[::1]:%d" % port, "--duration", "1"), 3)
            time.sleep(0.3)
            viz.send_signal(signal.SIGINT)
            live_out, err = viz.communicate(timeout=10)
        finally:
            for s in servers:
                s.__exit__(None, None, None)
        assert viz.returncode == 0, err
        live = harness.json_lines(live_out)
        flows = [i for i in live if i["type"] == "flow"]
        by_port = {int(f["server"].rpartition(":")[2]): f for f in flows}
        for technique, port in zip(("sse", "ws", "poll"), ports):
            f = by_port.get(port)
            assert f, "no flow to port %d in %r" % (port, flows)
            assert f["server"] == "[::1]:%d" % port, f
            assert re.fullmatch(r"\[::1\]:[0-9]+", f["client"]), f
            assert f["technique"] == technique, f
            assert f["handshake_rtt_ms"] is not None, f
            events = [i for i in live if i["type"] == "event" and i["flow"] == f["flow"]]
            assert len(events) >= 3, (technique, events)
        # The packet count is taken from a replay of the -w file: the live
        # view of a poller may still hold its last exchange at Ctrl-C.
        replay = subprocess.run([PUSHVIZ, "-r", out, "--json"], capture_output=True, timeout=60)
        assert replay.returncode == 0, replay.stderr
        tcp_items = [i for i in harness.json_lines(replay.stdout) if i["type"] == "tcp"]
        r = subprocess.run(["tshark", "-r", out, "-Y", "ipv6 and tcp", "-T", "fields", "-e", "frame.number"],
                           capture_output=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert len(r.stdout.split()) == len(tcp_items) > 20, (len(r.stdout.split()), len(tcp_items))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    harness.main([make_technique_test(t) for t in SERVER_OF] + [
        test_listening_line_brackets_ipv6, test_send_round_trip_over_ipv6,
        test_full_url_forms_over_ipv6, test_ipv6_only_bind_refuses_ipv4,
        test_dual_stack_any_address, test_name_with_both_addresses_finds_the_server,
        test_bad_bind_address_is_refused_clearly,
        test_pushviz_shows_ipv6_flows])
