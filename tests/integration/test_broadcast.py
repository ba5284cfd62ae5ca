"""test_broadcast.py -- a broadcast frames each event once and shares the
bytes among its clients (src/net/shbuf.h, src/lab/framed.h); this proves
that changes nothing on the wire, and that a slow client holding a shared
buffer does not hold back the others.

Bytes unchanged: a streaming server sends an event two ways.  A client
connected while the event is published gets the shared bytes, framed once
for everybody; a client that connects later and asks for the backlog
(since=0, Last-Event-ID: 0) gets the same events framed for it alone, the
way every event was sent before sharing.  Their response bodies must be
identical byte for byte, for every streaming format, including a burst of
events published in one callback (more than a connection keeps shared
references to, so the rest are copied) and events too big to gather.
pushlab-ws and pushlab-flash keep no backlog: their streams are compared
with the framing written here (test_ws.py has the WebSocket one).

Slow clients: test_sse/test_iframe/test_xhr/test_ws cut off a client that
stops reading while another gets every event; the Flash channel is
checked here the same way.
"""
import json
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, main, post_send, recv_until_quiet  # noqa: E402
from wire import (MAX_CHAT_BYTES, Sender, assert_consecutive, open_stream,  # noqa: E402
                  parse_event, read_stderr_until)

FLASH_SNIFF_MS = 300
# Silent past FLASH_SNIFF_MS and the retransmission timeout (200 ms on
# loopback), with room: a data channel.
FLASH_SILENT_S = (FLASH_SNIFF_MS + 200) / 1000 + 0.3
EVENT_JSON = re.compile(rb'\{"seq":[0-9]+,"ts":[0-9]+,"kind":"chat","text":"(?:[^"\\]|\\.)*"\}')



# Texts of the events published: short, long, and one that escapes to about
# 24 KB of JSON (six of those in one callback pass the 64 KiB that is
# gathered before a write goes out at once).
TEXTS = ["one", "two " + "x" * 300, "<" * MAX_CHAT_BYTES, "é and \" and \\ and \n"]


def publish(srv):
    """One event on its own, then a burst: six POSTs in one write, read by
    the server in one go, so six events are published in one callback."""
    sender = Sender(srv)
    sender.send(TEXTS[0])
    burst = [TEXTS[i % len(TEXTS)] for i in range(1, 7)]
    raw = b"".join(b"POST /send HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                   % len(t.encode()) + t.encode() for t in burst)
    sender.reader.sock.sendall(raw)
    for _ in burst:
        status, _ = sender.reader.head()
        assert status == 204, status
    sender.close()
    return [TEXTS[0]] + burst


def shared_equals_copied(name, path, replay):
    """replay: what a later client adds to ask for the whole backlog, as
    (query string, header lines)."""

    def test():
        with Server(name, "--interval", "0") as srv:
            live, status, _ = open_stream(srv, path)
            assert status == 200, status
            texts = publish(srv)
            live_body = live.buf + recv_until_quiet(live.sock)
            query, headers = replay
            later, status, _ = open_stream(srv, path + query, headers)
            assert status == 200, status
            later_body = later.buf + recv_until_quiet(later.sock)
            # Every event is in there, once, in order...
            events = [json.loads(m) for m in EVENT_JSON.findall(live_body)]
            assert [e["text"] for e in events] == texts, [e["text"][:20] for e in events]
            assert_consecutive(events, first=1)
            # ...and the bytes are those of events framed one by one.
            assert live_body == later_body, (live_body[:300], later_body[:300])
            live.sock.close()
            later.sock.close()

    test.__name__ = "%s_%s_shared_bytes_equal_copied" % (name, path.strip("/"))
    return test


def flash_client(srv):
    """A data channel: a connection that stays silent past the sniff."""
    s = srv.connect()
    time.sleep(FLASH_SILENT_S)
    return s


def flash_bytes_are_json_and_nul():
    """Every channel gets each event as its JSON and a NUL, nothing else,
    the same bytes on every channel."""
    with Server("flash", "--interval", "0") as srv:
        a, b = flash_client(srv), flash_client(srv)
        texts = publish(srv)
        streams = [recv_until_quiet(s) for s in (a, b)]
        assert streams[0] == streams[1], (streams[0][:200], streams[1][:200])
        messages = streams[0].split(b"\0")
        assert messages[-1] == b"", "the stream ends with a whole message"
        events = [parse_event(m) for m in messages[:-1]]
        assert [e["text"] for e in events] == texts, events
        assert_consecutive(events, first=1)
        a.close()
        b.close()


def flash_slow_channel_does_not_hold_back_the_others():
    with Server("flash", "--interval", "0") as srv:
        slow = srv.connect()
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        fast = flash_client(srv)
        sender = Sender(srv)
        text = "<" * MAX_CHAT_BYTES  # about 24 KB of JSON per event
        buf, cut, worst = b"", False, 0.0
        for i in range(800):  # at most ~20 MB, far beyond every buffer
            sent = time.time()
            sender.send(text)
            while b"\0" not in buf:
                fast.settimeout(10)
                data = fast.recv(65536)
                assert data, "the fast channel was closed"
                buf += data
            msg, _, buf = buf.partition(b"\0")
            worst = max(worst, time.time() - sent)
            assert parse_event(msg)["seq"] == i + 1
            if read_stderr_until(srv, b"cut off: output queue full", 0):
                cut = True
                break
        assert cut, "the slow channel was never cut off"
        # 10 s would be a stall; on a loaded 2-core machine a few hundred ms is normal.
        assert worst < 5, "an event took %.1f s to reach the fast channel" % worst
        assert post_send(srv.port, "after") == 204
        while b"\0" not in buf:
            fast.settimeout(10)
            buf += fast.recv(65536)
        assert parse_event(buf.partition(b"\0")[0])["text"] == "after"
        sender.close()
        fast.close()
        slow.close()


if __name__ == "__main__":
    main([
        shared_equals_copied("sse", "/events", ("", "Last-Event-ID: 0\r\n")),
        shared_equals_copied("iframe", "/stream", ("?since=0", "")),
        shared_equals_copied("xhr", "/stream", ("?since=0", "")),
        shared_equals_copied("xhr", "/multipart", ("?since=0", "")),
        flash_bytes_are_json_and_nul,
        flash_slow_channel_does_not_hold_back_the_others,
    ])
