"""test_ws.py -- pushlab-ws over real sockets: the opening handshake and
its errors (400, 426), the /ws feed and chat broadcast, pings and the
silent-peer timeout, the closing handshake and its timeout, shutdown, and
interoperation with a real client library (Debian's python3-websockets).
The frame-level rules are test_ws_conformance.py's job."""
import asyncio
import base64
import os
import random
import signal
import socket
import sys
import threading
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import subprocess  # noqa: E402

from harness import (BIN, Server, Skip, json_lines, main, post_send, recv_all, recv_until_quiet,  # noqa: E402
                     request, split_head)
from wire import common_tests, parse_event, read_stderr_until  # noqa: E402
from wsclient import (OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, Closed,  # noqa: E402
                      WsClient, accept_for, close_payload, frame)

MAX_CHAT_BYTES = 4096
CLOSE_LINGER_MS = 5000


def handshake(port, lines, path="/ws", version="1.1"):
    """Send a handshake with the given header lines; (status, headers, body)."""
    raw = "GET %s HTTP/%s\r\nHost: 127.0.0.1\r\n%s\r\n" % (path, version, "".join(
        line + "\r\n" for line in lines))
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(raw.encode())
    s.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        assert chunk, "closed before a response head: %r" % data
        data += chunk
    status, headers, body = split_head(data)
    if "content-length" in headers:
        while len(body) < int(headers["content-length"]):
            body += s.recv(65536)
    s.close()
    return status, headers, body


KEY = base64.b64encode(b"0123456789abcdef").decode()
GOOD = ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: " + KEY,
        "Sec-WebSocket-Version: 13"]


def without(name):
    return [line for line in GOOD if not line.startswith(name + ":")]


def replaced(name, value):
    return without(name) + ["%s: %s" % (name, value)]


# ------------------------------------------------------------ handshake

def handshake_accepted():
    with Server("ws", "--interval", "0") as srv:
        status, headers, _ = handshake(srv.port, GOOD)
        assert status == 101, status
        assert headers["sec-websocket-accept"] == accept_for(KEY), headers
        assert headers["upgrade"].lower() == "websocket" and headers["connection"].lower() == "upgrade"
        # Tokens in a list, in any case, are fine (RFC 6455 §4.1, RFC 9110 §7.6.1).
        status, _, _ = handshake(srv.port, replaced("Connection", "keep-alive, upgrade") + [
            "Origin: http://example.org"], path="/echo")
        assert status == 101, status
        # A subprotocol is offered, none is chosen: no Sec-WebSocket-Protocol back.
        status, headers, _ = handshake(srv.port, GOOD + ["Sec-WebSocket-Protocol: chat, superchat"])
        assert status == 101 and "sec-websocket-protocol" not in headers, headers


def handshake_errors():
    with Server("ws", "--interval", "0") as srv:
        bad = [
            ("no Upgrade", without("Upgrade")),
            ("Upgrade: h2c", replaced("Upgrade", "h2c")),
            ("no Connection", without("Connection")),
            ("Connection without upgrade", replaced("Connection", "keep-alive")),
            ("no key", without("Sec-WebSocket-Key")),
            ("key not base64", replaced("Sec-WebSocket-Key", "not base64 at all!!!!!!!")),
            ("key of 15 bytes", replaced("Sec-WebSocket-Key",
                                         base64.b64encode(b"x" * 15).decode())),
            ("no version", without("Sec-WebSocket-Version")),
        ]
        for what, lines in bad:
            status, headers, body = handshake(srv.port, lines)
            assert status == 400, (what, status, body)
            assert body.startswith(b"400 Bad Request: ") and len(body) > 20, (what, body)
        status, _, body = handshake(srv.port, GOOD, version="1.0")
        assert status == 400, (status, body)
        for version in ("8", "12", "14"):
            status, headers, body = handshake(srv.port, replaced("Sec-WebSocket-Version", version))
            assert status == 426, (version, status, body)
            assert headers["sec-websocket-version"] == "13", headers
            assert headers["upgrade"] == "websocket", headers  # RFC 9110 §15.5.22
        status, _, _ = handshake(srv.port, GOOD, path="/nowhere")
        assert status == 404, status
        # A POST is no handshake.
        reply = request(srv.port, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                                  b"Connection: close\r\n\r\n")
        assert split_head(reply)[0] == 405, reply[:60]
        # After all that the server still upgrades.
        assert handshake(srv.port, GOOD)[0] == 101


def frames_right_behind_handshake():
    """Frames sent in the same write as the handshake are not lost."""
    with Server("ws", "--interval", "0") as srv:
        s = srv.connect()
        s.sendall(("GET /echo HTTP/1.1\r\nHost: x\r\n%s\r\n" % "".join(
            line + "\r\n" for line in GOOD)).encode() + frame(OP_TEXT, b"early") +
            frame(OP_CLOSE, close_payload(1000)))
        data = recv_all(s)
        head, _, rest = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101 "), head
        assert rest == b"\x81\x05early\x88\x02\x03\xe8", rest


def origin_logged():
    with Server("ws", "--interval", "0", "-v") as srv:
        ws = WsClient(srv.port, "/ws", extra_headers="Origin: http://lab.example\r\n")
        assert read_stderr_until(srv, b"origin http://lab.example", 3), "the Origin was not logged"
        ws.close()


def origin_controls_are_shown_not_obeyed():
    """A log line quotes the peer.  A C1 control in the Origin (U+009B is
    CSI, a terminal's command start, as ESC [ is) is logged as its bytes,
    \\xc2\\x9b, for the terminal to show, not obey; printable UTF-8 (é)
    is logged as it is."""
    with Server("ws", "--interval", "0", "-v") as srv:
        ws = WsClient(srv.port, "/ws", extra_headers="Origin: http://a\u009b2J\u00e9\r\n")
        assert read_stderr_until(srv, "origin http://a\\xc2\\x9b2J\u00e9,".encode(), 3), srv.stderr_seen[-300:]
        ws.close()


# ------------------------------------------------------------ the /ws feed

def feed_pushes_events():
    with Server("ws", "--interval", "50") as srv:
        ws = WsClient(srv.port, "/ws")
        events = []
        for _ in range(4):
            fin, op, payload = ws.read_frame()
            assert fin and op == OP_TEXT, (fin, op)
            events.append(parse_event(payload))
        assert all(e["kind"] == "tick" for e in events), events
        seqs = [e["seq"] for e in events]
        assert seqs == list(range(seqs[0], seqs[0] + 4)), seqs
        ws.close()


def chat_broadcast():
    with Server("ws", "--interval", "0") as srv:
        a, b = WsClient(srv.port, "/ws"), WsClient(srv.port, "/ws")
        a.send(frame(OP_TEXT, "héllo from a"))
        for client in (a, b):
            ev = parse_event(client.read_frame()[2])
            assert ev["kind"] == "chat" and ev["text"] == "héllo from a", ev
        # POST /send reaches WebSocket clients too.
        assert post_send(srv.port, "from http") == 204
        for client in (a, b):
            ev = parse_event(client.read_frame()[2])
            assert ev["text"] == "from http" and ev["seq"] == 2, ev
        # Fragments make one chat message.
        b.send(frame(OP_TEXT, "in ", fin=False) + frame(0, "two"))
        for client in (a, b):
            assert parse_event(client.read_frame()[2])["text"] == "in two"
        a.close()
        b.close()


def feed_rejects_binary_and_long_text():
    with Server("ws", "--interval", "0") as srv:
        ws = WsClient(srv.port, "/ws")
        ws.send(frame(OP_BINARY, b"\x00\x01"))
        items, payload = ws.read_until_close()
        assert items == [] and payload[:2] == (1003).to_bytes(2, "big"), (items, payload)
        ws.send(frame(OP_CLOSE, payload[:2]))
        ws.expect_eof()
        ws = WsClient(srv.port, "/ws")
        ws.send(frame(OP_TEXT, "x" * (MAX_CHAT_BYTES + 1)))
        items, payload = ws.read_until_close()
        assert items == [] and payload[:2] == (1009).to_bytes(2, "big"), (items, payload)
        ws.close()
        # A chat line at the limit is fine.
        ws = WsClient(srv.port, "/ws")
        ws.send(frame(OP_TEXT, "y" * MAX_CHAT_BYTES))
        assert parse_event(ws.read_frame()[2])["text"] == "y" * MAX_CHAT_BYTES
        ws.close()


# ------------------------------------------------------------ liveness and closing

def pings_and_silent_peer():
    with Server("ws", "--interval", "0", "--ping", "1", "--pong-timeout", "2") as srv:
        silent = WsClient(srv.port, "/echo")
        lively = WsClient(srv.port, "/echo")
        t0 = time.time()
        seen = {"ops": []}

        def watch_silent():  # reads the silent client's socket, answers nothing
            try:
                while True:
                    seen["ops"].append(silent.read_frame(timeout=6)[1])
            except Closed:
                seen["closed_after"] = time.time() - t0
            except AssertionError as e:
                seen["error"] = str(e)

        watcher = threading.Thread(target=watch_silent)
        watcher.start()
        # The lively client answers every ping for 3.5 s.
        pings, first_ping = 0, None
        deadline = t0 + 3.5
        while True:
            try:
                fin, op, payload = lively.read_frame(timeout=deadline - time.time())
            except Closed:
                raise
            except AssertionError:
                break  # 3.5 s are over
            assert op == OP_PING and fin, op
            first_ping = first_ping or time.time() - t0
            pings += 1
            lively.send(frame(OP_PONG, payload))
        watcher.join(6)
        assert pings >= 2 and 0.7 < first_ping < 2.0, (pings, first_ping)
        # The silent one got pings, no close frame, and was dropped at about 2 s.
        assert "error" not in seen, seen
        assert seen["ops"] and all(op == OP_PING for op in seen["ops"]), seen
        assert 1.8 < seen["closed_after"] < 4.0, seen
        # The lively one is still served.
        lively.send(frame(OP_TEXT, b"still here"))
        while True:
            fin, op, payload = lively.read_frame()
            if op != OP_PING:
                break
        assert (op, payload) == (OP_TEXT, b"still here"), (op, payload)
        lively.close()
        silent.close()


def close_timeout():
    """Our close frame unanswered: TCP closed after CLOSE_LINGER_MS."""
    with Server("ws", "--interval", "0") as srv:
        ws = WsClient(srv.port, "/echo", timeout=10)
        ws.send(frame(OP_TEXT, b"bad", rsv=4))
        t0 = time.time()
        items, payload = ws.read_until_close()
        assert payload[:2] == (1002).to_bytes(2, "big"), payload
        ws.expect_eof(timeout=CLOSE_LINGER_MS / 1000 + 3)
        elapsed = time.time() - t0
        assert CLOSE_LINGER_MS / 1000 - 0.5 < elapsed < CLOSE_LINGER_MS / 1000 + 2, elapsed


def going_away_on_sigterm():
    srv = Server("ws", "--interval", "0")
    ws = WsClient(srv.port, "/ws")
    idle = srv.connect()
    time.sleep(0.1)
    srv.proc.send_signal(signal.SIGTERM)
    items, payload = ws.read_until_close()
    assert payload[:2] == (1001).to_bytes(2, "big"), payload
    ws.expect_eof()
    recv_all(idle, timeout=3)
    assert srv.stop() == 0
    err = srv.stderr()
    assert "Sanitizer" not in err and "runtime error" not in err, err


def random_frames_never_hurt_the_server():
    """Hostile input: 300 connections each send a burst of random frames
    (random opcodes, flags, masks, lengths that lie, random payloads, and
    plain garbage).  The server answers each with frames or a close, never
    crashes (the suite also runs it under ASan+UBSan), and serves a normal
    client afterwards."""
    rng = random.Random(6455)
    with Server("ws", "--interval", "0", "--max-message", "65536") as srv:
        for _ in range(300):
            burst = b""
            for _ in range(rng.randint(1, 6)):
                if rng.random() < 0.15:
                    burst += bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 40)))
                    continue
                opcode = rng.choice([0, 1, 2, 8, 9, 10, rng.randint(0, 15)])
                payload = bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 5, 125, 126,
                                                                                 300])))
                if opcode == 1 and rng.random() < 0.5:
                    payload = "ünïcödé ✓ 😀".encode()[:rng.randint(0, 20)]
                length = None if rng.random() < 0.8 else rng.choice([0, 3, 126, 70000, 1 << 40])
                burst += frame(opcode, payload, fin=rng.random() < 0.8,
                               rsv=0 if rng.random() < 0.85 else rng.randint(1, 7),
                               masked=rng.random() < 0.9, length=length)
            ws = WsClient(srv.port, "/echo")
            try:
                ws.send(burst)
                ws.read_until_close(timeout=0.2)
            except (AssertionError, OSError):
                pass  # a close, an EOF, or a frame still waiting for its bytes
            ws.close()
        ws = WsClient(srv.port, "/echo")
        ws.send(frame(OP_TEXT, b"still serving"))
        assert ws.read_frame()[1:] == (OP_TEXT, b"still serving")
        ws.close()


# ------------------------------------------------------------ gathered writes


def burst_bytes_are_one_frame_per_event():
    """The server gathers what one callback writes and sends it at once
    (src/net/loop.c).  That must not change a byte: five chat frames in
    one read become five events, and each listener's stream is exactly five
    unmasked text frames, one per event, in order, shortest-length headers,
    nothing merged, nothing between them -- the same bytes one write per
    frame sent.  Every listener gets the same bytes."""
    with Server("ws", "--interval", "0") as srv:
        talker, a, b = (WsClient(srv.port, "/ws") for _ in range(3))
        texts = ["burst %d " % i + "x" * (40 * i) for i in range(5)]  # 7 to 167 bytes
        talker.send(b"".join(frame(OP_TEXT, t) for t in texts))  # one write, one read
        streams = []
        for client in (talker, a, b):
            raw = bytes(client.buf) + recv_until_quiet(client.sock)
            payloads, at = [], 0
            while at + 2 <= len(raw) and len(payloads) < 10:
                n = raw[at + 1] & 0x7F
                head = 4 if n == 126 else 2
                if n == 126:
                    n = int.from_bytes(raw[at + 2:at + 4], "big")
                payloads.append(raw[at + head:at + head + n])
                at += head + n
            events = [parse_event(p) for p in payloads]
            assert [e["text"] for e in events] == texts, events
            assert [e["seq"] for e in events] == list(range(1, 6)), events
            # The whole stream is those five frames as one write each made them.
            assert raw == b"".join(frame(OP_TEXT, p, masked=False) for p in payloads), raw
            streams.append(raw)
        assert streams[0] == streams[1] == streams[2]
        for client in (talker, a, b):
            client.close()


def slow_listener_does_not_hold_back_the_others():
    """A listener that stops reading fills its socket and then its output
    queue; the others must get every event meanwhile, each soon after it
    was sent, and the slow one is cut off at its cap."""
    with Server("ws", "--interval", "0") as srv:
        slow = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.sendall(("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n" % KEY).encode())
        fast = WsClient(srv.port, "/ws")
        talker = WsClient(srv.port, "/ws")
        text = "<" * MAX_CHAT_BYTES  # escaped as \u003c: about 24 KB of JSON
        cut, worst = False, 0.0
        for i in range(800):  # at most ~20 MB, far beyond every buffer
            sent = time.time()
            talker.send(frame(OP_TEXT, text))
            ev = parse_event(fast.read_frame(10)[2])
            worst = max(worst, time.time() - sent)
            assert ev["seq"] == i + 1, ev
            talker.read_frame(10)  # the talker hears itself; keep its socket drained
            if read_stderr_until(srv, b"cut off: output queue full", 0):
                cut = True
                break
        assert cut, "the slow listener was never cut off"
        # 10 s would be a stall; on a loaded 2-core machine a few hundred ms is normal.
        assert worst < 5, "an event took %.1f s to reach the fast listener" % worst
        talker.send(frame(OP_TEXT, "after"))
        assert parse_event(fast.read_frame(10)[2])["text"] == "after"
        for client in (fast, talker):
            client.close()
        slow.close()


# ------------------------------------------------------------ python3-websockets

def python_websockets_interop():
    import websockets  # Debian's python3-websockets

    async def run(port):
        sizes = [0, 1, 125, 126, 65535, 65536, 1 << 20]
        async with websockets.connect("ws://127.0.0.1:%d/echo" % port, max_size=None) as ws:
            for n in sizes:
                text = ("é" * (n // 2) + "a" * (n % 2))
                await ws.send(text)
                assert await ws.recv() == text, n
                data = os.urandom(n)
                await ws.send(data)
                assert await ws.recv() == data, n
            # A fragmented message from the library (an iterable of parts).
            await ws.send(["frag", "mented"])
            assert await ws.recv() == "fragmented"
            pong = await ws.ping(b"lab")
            await asyncio.wait_for(pong, 5)
            await ws.close()
            assert ws.close_code == 1000, ws.close_code
        async with websockets.connect("ws://127.0.0.1:%d/ws" % port) as ws:
            await ws.send("hello from websockets")
            ev = parse_event((await asyncio.wait_for(ws.recv(), 5)).encode())
            assert ev["kind"] == "chat" and ev["text"] == "hello from websockets", ev
            await ws.close(code=4000, reason="done")
            assert ws.close_code == 4000, ws.close_code

    with Server("ws", "--interval", "0") as srv:
        asyncio.run(asyncio.wait_for(run(srv.port), 60))
    # The library offers permessage-deflate: with --deflate it is taken,
    # and every message above goes compressed both ways.
    with Server("ws", "--interval", "0", "--deflate", "6") as srv:
        asyncio.run(asyncio.wait_for(run(srv.port), 60))


# ------------------------------------------------------------ permessage-deflate

OFFER = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"


def compress(z, data):
    """One message from a raw DEFLATE stream z, its sync flush's tail cut (RFC 7692 §7.2.1)."""
    out = z.compress(data) + z.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\0\0\xff\xff")
    return out[:-4]


def deflate_both_ways():
    """--deflate: an offer is answered, every message the server sends is
    compressed (RSV1), with the window kept from message to message, and a
    client's compressed messages, whole or fragmented, are inflated."""
    with Server("ws", "--interval", "0", "--deflate", "6") as srv:
        c = WsClient(srv.port, "/echo", extra_headers=OFFER)
        assert c.headers["sec-websocket-extensions"] == "permessage-deflate", c.headers
        up, down = zlib.compressobj(6, zlib.DEFLATED, -15), zlib.decompressobj(-15)
        sizes = []

        def echo_of(frames, want):
            c.send(frames)
            fin, op, payload = c.read_frame()
            assert fin and op == OP_TEXT and c.rsv1, (fin, op, c.rsv1)
            assert down.decompress(payload + b"\0\0\xff\xff") == want
            sizes.append(len(payload))

        text = '{"seq":1,"ts":1700000000000,"kind":"chat","text":"caf\u00e9 au lait, s\'il vous pla\u00eet"}'.encode()
        echo_of(frame(OP_TEXT, compress(up, text), rsv=4), text)
        echo_of(frame(OP_TEXT, compress(up, text), rsv=4), text)
        assert sizes[1] * 4 < sizes[0], sizes  # context takeover: the repeat is a back-reference
        echo_of(frame(OP_TEXT, compress(up, b""), rsv=4), b"")
        echo_of(frame(OP_TEXT, b"sent plain"), b"sent plain")  # a message may go uncompressed
        data = compress(up, b"fragmented " * 20)
        echo_of(frame(OP_TEXT, data[:7], fin=False, rsv=4) + frame(0, data[7:]), b"fragmented " * 20)
        c.send(frame(OP_CLOSE, close_payload(1000)))
        _, payload = c.read_until_close()
        assert payload == close_payload(1000)
        c.close()
        # no offer, no compression
        c = WsClient(srv.port, "/echo")
        assert "sec-websocket-extensions" not in c.headers
        c.send(frame(OP_TEXT, b"plain"))
        assert c.read_frame() == (True, OP_TEXT, b"plain") and not c.rsv1
        c.close()
    with Server("ws", "--interval", "0") as srv:  # without --deflate an offer is declined
        c = WsClient(srv.port, "/echo", extra_headers=OFFER)
        assert "sec-websocket-extensions" not in c.headers, c.headers
        c.send(frame(OP_TEXT, compress(zlib.compressobj(6, zlib.DEFLATED, -15), b"x"), rsv=4))
        _, payload = c.read_until_close()
        assert payload[:2] == close_payload(1002), payload
        c.close()


def deflate_every_window():
    """Whatever server window a client asks for, /echo sends every message
    back: random bytes, which grow a little when compressed (the more so
    the smaller the window, RFC 7692 §7.2.1), and text, up to 256 KiB.
    8 bits, which zlib cannot write, is declined and the echo goes plain."""
    text = b'data: {"kind":"tick","seq":1}\n\n' * 8192
    with Server("ws", "--interval", "0", "--deflate", "6") as srv:
        for bits in range(8, 16):
            c = WsClient(srv.port, "/echo", extra_headers="Sec-WebSocket-Extensions: permessage-deflate; "
                         "server_max_window_bits=%d; client_max_window_bits\r\n" % bits)
            agreed = "sec-websocket-extensions" in c.headers
            assert agreed == (bits > 8), (bits, c.headers)
            down = zlib.decompressobj(-15)
            for n in (1000, 2000, 16000, 65536, 256 * 1024):
                for data in (os.urandom(n), text[:n]):
                    c.send(frame(OP_BINARY, data))
                    fin, op, payload = c.read_frame(timeout=10)
                    assert fin and op == OP_BINARY and c.rsv1 == agreed, (bits, n, op, payload[:40])
                    if agreed:
                        payload = down.decompress(payload + b"\0\0\xff\xff")
                    assert payload == data, (bits, n)
            c.close()


def deflate_server_window_echoed():
    """A server_max_window_bits the client offers is accepted by naming it
    in the answer, 15 included (RFC 7692 §7.1.2.1); python3-websockets
    refuses an answer that leaves it out."""
    from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
    import websockets

    async def run(port, bits):
        factory = ClientPerMessageDeflateFactory(server_max_window_bits=bits)
        async with websockets.connect("ws://127.0.0.1:%d/echo" % port, compression=None,
                                      extensions=[factory]) as ws:
            await ws.send("hello")
            assert await ws.recv() == "hello"

    with Server("ws", "--interval", "0", "--deflate", "6") as srv:
        c = WsClient(srv.port, "/echo",
                     extra_headers="Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=15\r\n")
        assert c.headers["sec-websocket-extensions"] == "permessage-deflate; server_max_window_bits=15", c.headers
        c.close()
        for bits in (15, 12, 9):
            asyncio.run(asyncio.wait_for(run(srv.port, bits), 10))


def deflate_fallback_offer():
    """Each permessage-deflate in an offer stands alone (RFC 7692 §5): when
    the first cannot be taken (an unknown parameter, an 8-bit window), the
    next is, and what the answer names is what the server does."""
    offers = [("permessage-deflate; foo=1, permessage-deflate", "permessage-deflate"),
              ("permessage-deflate; server_max_window_bits=8, permessage-deflate; server_max_window_bits=10",
               "permessage-deflate; server_max_window_bits=10")]
    with Server("ws", "--interval", "0", "--deflate", "6") as srv:
        for offer, answer in offers:
            c = WsClient(srv.port, "/echo", extra_headers="Sec-WebSocket-Extensions: %s\r\n" % offer)
            assert c.headers.get("sec-websocket-extensions") == answer, (offer, c.headers)
            c.send(frame(OP_TEXT, b"taken"))
            fin, op, payload = c.read_frame()
            assert c.rsv1 and zlib.decompressobj(-15).decompress(payload + b"\0\0\xff\xff") == b"taken"
            c.close()


def deflate_bad_input():
    """RSV1 where it means nothing (a control frame, a continuation) is
    1002; data that is not DEFLATE, and text that inflates to bad UTF-8,
    1007; a small message that inflates past --max-message, 1009."""
    def fresh(data):
        return compress(zlib.compressobj(9, zlib.DEFLATED, -15), data)

    cases = [
        (frame(OP_PING, b"x", rsv=4), 1002),
        (frame(OP_TEXT, fresh(b"ab")[:1], fin=False, rsv=4) + frame(0, fresh(b"ab")[1:], rsv=4), 1002),
        (frame(OP_TEXT, b"\xff\xfe\xfd\xfc", rsv=4), 1007),
        (frame(OP_TEXT, fresh(b"caf\xc3("), rsv=4), 1007),
        (frame(OP_BINARY, fresh(b"\0" * 200000), rsv=4), 1009),
    ]
    with Server("ws", "--interval", "0", "--deflate", "1", "--max-message", "65536") as srv:
        for data, code in cases:
            c = WsClient(srv.port, "/echo", extra_headers=OFFER)
            assert len(data) < 1000, len(data)  # the bomb is small on the wire
            c.send(data)
            _, payload = c.read_until_close()
            assert payload[:2] == close_payload(code), (code, payload)
            c.close()
        c = WsClient(srv.port, "/echo", extra_headers=OFFER)  # the server is still well
        c.send(frame(OP_TEXT, fresh(b"still here"), rsv=4))
        fin, op, payload = c.read_frame()
        assert zlib.decompressobj(-15).decompress(payload + b"\0\0\xff\xff") == b"still here"
        c.close()


def deflate_seen_by_pushviz():
    """The lab's own compressed traffic, captured live: pushviz inflates
    every event (compressed, wire length below the inflated one once the
    window holds the first) and its --stats counts the share saved."""
    if os.geteuid() != 0:
        raise Skip("live capture needs root (CAP_NET_RAW)")
    with Server("ws", "--interval", "50", "--deflate", "6") as srv:
        viz = subprocess.Popen([os.path.join(BIN, "pushviz"), "-i", "lo", "-f", "tcp port %d" % srv.port,
                                "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(0.7)  # the capture is open
            c = WsClient(srv.port, "/ws", extra_headers=OFFER)
            down = zlib.decompressobj(-15)
            for _ in range(8):
                fin, op, payload = c.read_frame()
                assert c.rsv1 and parse_event(down.decompress(payload + b"\0\0\xff\xff"))
            c.send(frame(OP_CLOSE, close_payload(1000)))
            c.read_until_close()
            c.close()
            time.sleep(0.3)
        finally:
            viz.send_signal(signal.SIGINT)
            out, err = viz.communicate(timeout=20)
    its = json_lines(out)
    frames = [i for i in its if i["type"] == "ws_frame" and i["dir"] == "s2c" and i["opcode"] == 1]
    assert len(frames) >= 8 and all(f["compressed"] for f in frames), (frames[:2], err)
    assert all(f["inflated_len"] > f["len"] for f in frames[1:]), frames
    events = [i for i in its if i["type"] == "event"]
    assert len(events) >= 8 and not [i for i in its if i["type"] == "error"], its[-5:]


tests = common_tests("ws", "/ws") + [
    handshake_accepted, handshake_errors, frames_right_behind_handshake, origin_logged,
    origin_controls_are_shown_not_obeyed,
    feed_pushes_events, chat_broadcast, feed_rejects_binary_and_long_text,
    pings_and_silent_peer, close_timeout, going_away_on_sigterm,
    random_frames_never_hurt_the_server, burst_bytes_are_one_frame_per_event,
    slow_listener_does_not_hold_back_the_others, python_websockets_interop,
    deflate_both_ways, deflate_every_window, deflate_server_window_echoed, deflate_fallback_offer,
    deflate_bad_input, deflate_seen_by_pushviz,
]

if __name__ == "__main__":
    main(tests)
