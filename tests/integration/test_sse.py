"""test_sse.py -- pushlab-sse: the event stream, resumption and heartbeats."""
import json
import signal
import time

from harness import Server, main, post_send
from wire import (HUB_BACKLOG, SSE_RETRY_MS, assert_consecutive, common_tests, open_stream,
                  parse_event, slow_reader_test, thousand_wait_for_one_event)


def open_sse(srv, headers="", path="/events", retry=SSE_RETRY_MS):
    """Open /events, check the head and the one retry: block."""
    r, status, hdrs = open_stream(srv, path, headers)
    assert status == 200, status
    assert hdrs["content-type"] == "text/event-stream", hdrs
    assert hdrs["cache-control"] == "no-cache", hdrs
    # The event stream frames itself: no chunked coding, it runs to the close.
    assert "transfer-encoding" not in hdrs and hdrs["connection"] == "close", hdrs
    assert r.sse_block() == [("retry", str(retry))]
    return r


def sse_event(r, timeout=None):
    """The next event block (heartbeat blocks before it are skipped):
    exactly id, event, data, with id = seq and event = kind."""
    fields = []
    while not fields:  # a heartbeat is a block of comments only
        fields = [f for f in r.sse_block(timeout) if f[0] != ""]
    assert [name for name, _ in fields] == ["id", "event", "data"], fields
    ev = parse_event(fields[2][1].encode())
    assert fields[0][1] == str(ev["seq"]) and fields[1][1] == ev["kind"], fields
    return ev


def events_carry_id_event_data():
    with Server("sse", "--interval", "30") as srv:
        r = open_sse(srv)
        events = [sse_event(r) for _ in range(15)]
        assert_consecutive(events)
        post_send(srv.port, "two\nlines")
        while True:
            ev = sse_event(r)
            if ev["kind"] == "chat":
                break
        # JSON escapes the line break, so data stays one line.
        assert ev["text"] == "two\nlines"


def retry_sent_once_and_settable():
    with Server("sse", "--interval", "20", "--retry", "500") as srv:
        r = open_sse(srv, retry=500)
        for _ in range(10):
            sse_event(r)  # would fail on a second retry: line


def last_event_id_replays():
    with Server("sse", "--interval", "0") as srv:
        for i in range(5):
            post_send(srv.port, "m%d" % (i + 1))
        r = open_sse(srv, "Last-Event-ID: 2\r\n")
        got = [sse_event(r) for _ in range(3)]
        post_send(srv.port, "m6")
        got.append(sse_event(r))
        assert [e["text"] for e in got] == ["m3", "m4", "m5", "m6"]
        assert_consecutive(got, first=3)


def last_event_id_query():
    with Server("sse", "--interval", "0") as srv:
        for i in range(5):
            post_send(srv.port, "m%d" % (i + 1))
        r = open_sse(srv, path="/events?lastEventId=3")
        assert [sse_event(r)["seq"] for _ in range(2)] == [4, 5]
        r.quiet(0.3)
        # The header wins over the query (it is what EventSource sends).
        r = open_sse(srv, "Last-Event-ID: 4\r\n", path="/events?lastEventId=1")
        assert sse_event(r)["seq"] == 5


def new_client_gets_only_new_events():
    with Server("sse", "--interval", "0") as srv:
        post_send(srv.port, "old")
        for headers in ("", "Last-Event-ID: \r\n"):
            r = open_sse(srv, headers)
            r.quiet(0.3)
        post_send(srv.port, "new")
        assert sse_event(r)["text"] == "new"


def reconnect_resumes_without_gap():
    with Server("sse", "--interval", "20") as srv:
        r = open_sse(srv)
        first = [sse_event(r) for _ in range(5)]
        r.sock.close()
        time.sleep(0.2)  # events go on while the client is away
        r = open_sse(srv, "Last-Event-ID: %d\r\n" % first[-1]["seq"])
        second = [sse_event(r) for _ in range(10)]
        assert_consecutive(first + second)


def lost_events_are_counted():
    with Server("sse", "--interval", "1") as srv:
        deadline = time.time() + 20
        newest = 0
        while newest <= HUB_BACKLOG + 100 and time.time() < deadline:
            time.sleep(0.3)
            probe = open_sse(srv)
            newest = sse_event(probe)["seq"]
            probe.sock.close()
        assert newest > HUB_BACKLOG + 100, newest
        r, status, _ = open_stream(srv, "/events", "Last-Event-ID: 1\r\n")
        assert status == 200
        assert r.sse_block() == [("retry", str(SSE_RETRY_MS))]
        block = r.sse_block()
        assert block[0] == ("event", "lost") and block[1][0] == "data", block
        lost = json.loads(block[1][1])["lost"]
        assert lost >= newest - HUB_BACKLOG - 1, (lost, newest)
        # Then the oldest held event, and on without a gap.
        events = [sse_event(r) for _ in range(20)]
        assert events[0]["seq"] == 1 + lost + 1, (lost, events[0])
        assert_consecutive(events)


def bad_last_event_id_is_400():
    with Server("sse", "--interval", "0") as srv:
        for headers, path in (("Last-Event-ID: abc\r\n", "/events"),
                              ("Last-Event-ID: -1\r\n", "/events"),
                              ("Last-Event-ID: 1.5\r\n", "/events"),
                              ("Last-Event-ID: %s\r\n" % ("9" * 30), "/events"),
                              ("", "/events?lastEventId=x")):
            _, status, _ = open_stream(srv, path, headers)
            assert status == 400, (headers, path, status)


def heartbeats():
    with Server("sse", "--interval", "0", "--heartbeat", "1") as srv:
        r = open_sse(srv)
        times = []
        for _ in range(3):
            # a block of its own: the blank line keeps it apart from the next event
            assert r.until(b"\n\n", timeout=2.5) == b": heartbeat\n\n"
            times.append(time.time())
        gaps = [b - a for a, b in zip(times, times[1:])]
        assert all(0.6 < g < 1.6 for g in gaps), gaps
        post_send(srv.port, "between beats")
        assert sse_event(r)["text"] == "between beats"


def no_heartbeat_unless_asked():
    with Server("sse", "--interval", "0") as srv:  # default: every 15 s
        open_sse(srv).quiet(1.5)
    with Server("sse", "--interval", "0", "--heartbeat", "0") as srv:
        open_sse(srv).quiet(1.5)


def thousand_streams_at_once():
    thousand_wait_for_one_event("sse", b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n",
                                b'"text":"to a thousand"}\n\n')


def shutdown_closes_streams():
    srv = Server("sse", "--interval", "0")
    r = open_sse(srv)
    assert srv.stop(signal.SIGTERM) == 0, srv.stderr()
    assert r.rest(timeout=2) == b""


def skip_retry(r):
    r.sse_block()


if __name__ == "__main__":
    main(common_tests("sse", "/events") + [
        events_carry_id_event_data, retry_sent_once_and_settable, last_event_id_replays,
        last_event_id_query, new_client_gets_only_new_events, reconnect_resumes_without_gap,
        lost_events_are_counted, bad_last_event_id_is_400, heartbeats, no_heartbeat_unless_asked,
        thousand_streams_at_once, shutdown_closes_streams,
        slow_reader_test("sse", "/events", lambda r: sse_event(r, 10), skip_retry)])
