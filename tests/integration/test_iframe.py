"""test_iframe.py -- pushlab-iframe: the forever frame, chunk by chunk."""
import re
import signal

from harness import Server, main, post_send
from wire import (IFRAME_PADDING_BYTES, assert_consecutive, common_tests, open_stream,
                  parse_event, slow_reader_test)

SCRIPT_RE = re.compile(rb"^<script>parent\.push\((.*)\);</script>\n$", re.S)


def script_event(data):
    """The event inside one <script> chunk, the chunk checked exactly."""
    m = SCRIPT_RE.match(data)
    assert m, "not a script chunk: %r" % data[:200]
    return parse_event(m.group(1))


def open_iframe(srv, path="/stream"):
    r, status, headers = open_stream(srv, path)
    assert status == 200, status
    assert headers["content-type"] == "text/html; charset=utf-8", headers
    assert headers["transfer-encoding"] == "chunked", headers
    assert "content-length" not in headers, headers
    assert headers["cache-control"] == "no-store", headers
    return r


def read_prelude(r):
    prelude = r.chunk()
    assert prelude.startswith(b"<!DOCTYPE html>"), prelude[:60]
    assert b"<body>" in prelude and b"<script" not in prelude
    assert prelude.count(b" ") >= IFRAME_PADDING_BYTES, "padding under 1 KiB"
    return prelude


def prelude_then_a_chunk_per_event():
    with Server("iframe", "--interval", "30") as srv:
        r = open_iframe(srv)
        read_prelude(r)
        events = [script_event(r.chunk()) for _ in range(15)]
        assert_consecutive(events)
        assert all(e["kind"] == "tick" for e in events)


def chat_is_escaped_inside_the_script():
    with Server("iframe", "--interval", "0") as srv:
        r = open_iframe(srv)
        read_prelude(r)
        text = "</script><img src=x onerror=alert(1)> & \u2028 done"
        assert post_send(srv.port, text) == 204
        chunk = r.chunk()
        assert chunk.count(b"</script>") == 1 and b"<img" not in chunk, chunk
        ev = script_event(chunk)
        assert (ev["seq"], ev["kind"], ev["text"]) == (1, "chat", text), ev


def since_replays_the_backlog():
    with Server("iframe", "--interval", "0") as srv:
        for text in ("a", "b", "c"):
            post_send(srv.port, text)
        r = open_iframe(srv, "/stream?since=1")
        read_prelude(r)
        got = [script_event(r.chunk()) for _ in range(2)]
        post_send(srv.port, "d")
        got.append(script_event(r.chunk()))
        assert [e["text"] for e in got] == ["b", "c", "d"]
        assert_consecutive(got, first=2)
        # Without since, only new events.
        r2 = open_iframe(srv)
        read_prelude(r2)
        r2.quiet(0.3)


def http10_body_until_close():
    with Server("iframe", "--interval", "0") as srv:
        r, status, headers = open_stream(srv, "/stream", version="1.0")
        assert status == 200 and "transfer-encoding" not in headers, headers
        assert headers["connection"] == "close", headers
        prelude = r.until(b"-->\n")
        assert len(prelude) > IFRAME_PADDING_BYTES
        post_send(srv.port, "plain")
        m = SCRIPT_RE.match(r.until(b"</script>\n"))
        assert parse_event(m.group(1))["text"] == "plain"


def shutdown_ends_the_stream():
    srv = Server("iframe", "--interval", "0")
    r = open_iframe(srv)
    read_prelude(r)
    assert srv.stop(signal.SIGTERM) == 0, srv.stderr()
    assert r.chunk() == b"", "no last chunk"  # the last chunk, then the close
    assert r.rest(timeout=2) == b""


def read_script_event(r):
    return script_event(r.chunk(timeout=10))


if __name__ == "__main__":
    main(common_tests("iframe", "/stream") + [
        prelude_then_a_chunk_per_event, chat_is_escaped_inside_the_script,
        since_replays_the_backlog, http10_body_until_close, shutdown_ends_the_stream,
        slow_reader_test("iframe", "/stream", read_script_event, read_prelude)])
