"""test_xhr.py -- pushlab-xhr: chunked NDJSON and multipart/x-mixed-replace."""
import signal

from harness import Server, main, post_send, recv_all
from wire import assert_consecutive, common_tests, open_stream, parse_event, slow_reader_test

BOUNDARY = b"pushlab-event"


def open_ndjson(srv, path="/stream"):
    r, status, headers = open_stream(srv, path)
    assert status == 200, status
    assert headers["content-type"] == "application/x-ndjson", headers
    assert headers["transfer-encoding"] == "chunked", headers
    assert headers["cache-control"] == "no-store", headers
    assert headers["x-content-type-options"] == "nosniff", headers
    return r


def line_event(r, timeout=None):
    """One chunk holding exactly one JSON line."""
    data = r.chunk(timeout)
    assert data.endswith(b"\n") and data.count(b"\n") == 1, data
    return parse_event(data[:-1])


def open_multipart(srv, path="/multipart"):
    r, status, headers = open_stream(srv, path)
    assert status == 200, status
    assert headers["content-type"] == "multipart/x-mixed-replace; boundary=" + BOUNDARY.decode()
    # The boundary frames the body: no chunked coding, the body runs to the close.
    assert "transfer-encoding" not in headers and "content-length" not in headers, headers
    assert headers["connection"] == "close", headers
    return r


def part_event(r, timeout=None):
    headers, body = r.part(BOUNDARY, timeout)
    assert headers == {"content-type": "application/json",
                       "content-length": str(len(body))}, headers
    return parse_event(body)


def ndjson_a_chunk_per_line():
    with Server("xhr", "--interval", "30") as srv:
        r = open_ndjson(srv)
        events = [line_event(r) for _ in range(15)]
        assert_consecutive(events)


def ndjson_chat_and_since():
    with Server("xhr", "--interval", "0") as srv:
        post_send(srv.port, "first")
        post_send(srv.port, "line\nbreak \"quoted\"")
        r = open_ndjson(srv, "/stream?since=0")
        got = [line_event(r), line_event(r)]
        post_send(srv.port, "live")
        got.append(line_event(r))
        assert [e["text"] for e in got] == ["first", "line\nbreak \"quoted\"", "live"]
        assert_consecutive(got, first=1)
        assert all(e["kind"] == "chat" for e in got)


def multipart_a_part_per_event():
    with Server("xhr", "--interval", "30") as srv:
        r = open_multipart(srv)
        events = [part_event(r) for _ in range(15)]
        assert_consecutive(events)
        post_send(srv.port, "in a part")
        while True:  # ticks go on meanwhile
            ev = part_event(r)
            if ev["kind"] == "chat":
                break
        assert ev["text"] == "in a part"


def multipart_since_replays():
    with Server("xhr", "--interval", "0") as srv:
        for text in ("a", "b", "c"):
            post_send(srv.port, text)
        r = open_multipart(srv, "/multipart?since=2")
        assert part_event(r)["text"] == "c"
        r.quiet(0.3)


def bad_since_is_400():
    with Server("xhr", "--interval", "0") as srv:
        for path in ("/stream?since=x", "/multipart?since=-3"):
            _, status, _ = open_stream(srv, path)
            assert status == 400, (path, status)


def head_gets_no_stream():
    with Server("xhr", "--interval", "0") as srv:
        s = srv.connect()
        s.sendall(b"HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n"
                  b"Connection: close\r\n\r\n")
        reply = recv_all(s)
        assert reply.startswith(b"HTTP/1.1 200 OK\r\n"), reply
        assert b"application/x-ndjson" in reply and b"HTTP/1.1 404" in reply, reply


def shutdown_ends_the_stream():
    srv = Server("xhr", "--interval", "0")
    r = open_ndjson(srv)
    post_send(srv.port, "before")
    assert line_event(r)["text"] == "before"
    assert srv.stop(signal.SIGTERM) == 0, srv.stderr()
    assert r.chunk() == b""  # the last chunk, then the close
    assert r.rest(timeout=2) == b""


if __name__ == "__main__":
    main(common_tests("xhr", "/stream") + [
        ndjson_a_chunk_per_line, ndjson_chat_and_since, multipart_a_part_per_event,
        multipart_since_replays, bad_since_is_400, head_gets_no_stream, shutdown_ends_the_stream,
        slow_reader_test("xhr", "/stream", lambda r: line_event(r, 10)),
        slow_reader_test("xhr", "/multipart", lambda r: part_event(r, 10))])
