"""test_http.py -- HTTP/1.1 conformance of the request loop every pushlab
HTTP server shares (src/lab/peer.c, src/lab/stream.c): status line
versions, HEAD, Expect, absolute-form targets, HTTP/1.0 keep-alive."""
from harness import Server, get, main, recv_all, request, split_head
from wire import MAX_CHAT_BYTES, Reader, open_stream


def status_line(reply):
    return reply.split(b"\r\n", 1)[0]


def errors_say_http_1_1():
    """RFC 9110 §6.2: the answer names the server's highest version, 1.1,
    errors found before the request's version was read included."""
    bad = [
        b"GET / HTTP/1.1\r\n\r\n",                                          # no Host
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",                    # two Hosts
        b"POST /send HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi",
        b"POST /send HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n",          # obs-fold
        b"POST /send HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",  # 411
        b"POST /send HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\n\r\n",  # 413
        b"GET /" + b"a" * 3000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",             # 414
        b"GET / HTTP/2.0\r\nHost: x\r\n\r\n",                                 # 505
    ]
    with Server("poll", "--interval", "0") as srv:
        for raw in bad:
            reply = request(srv.port, raw)
            line = status_line(reply)
            assert line.startswith(b"HTTP/1.1 4") or line.startswith(b"HTTP/1.1 5"), (raw[:60], line)
            assert split_head(reply)[1].get("connection") == "close", (raw[:60], reply[:200])
        # A good HTTP/1.0 request too gets a 1.1 status line, and a close.
        reply = request(srv.port, b"GET /poll?since=0 HTTP/1.0\r\n\r\n")
        assert status_line(reply) == b"HTTP/1.1 200 OK", reply[:200]
        assert split_head(reply)[1].get("connection") == "close", reply[:200]


def http_1_0_keep_alive_is_said():
    """RFC 9112 §9.3: a 1.0 client closes unless the answer says the
    connection stays; the server keeps it only if the client asked."""
    with Server("poll", "--interval", "0") as srv:
        s = srv.connect()
        s.sendall(b"GET /poll?since=0 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        r = Reader(s)
        status, headers = r.head()
        assert status == 200 and headers.get("connection") == "keep-alive", headers
        r.exact(int(headers["content-length"]))
        s.sendall(b"GET /poll?since=0 HTTP/1.0\r\n\r\n")  # this one closes
        reply = recv_all(s)
        assert split_head(reply)[1].get("connection") == "close", reply[:200]


def error_after_head_has_its_body():
    """RFC 9110 §9.3.2: only the answer to HEAD goes without its body.  A
    malformed request after a HEAD on the same connection gets the whole
    400 its Content-Length announces."""
    with Server("poll", "--interval", "0") as srv:
        s = srv.connect()
        r = Reader(s)
        s.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers = r.head()
        assert status == 200 and int(headers["content-length"]) > 0, headers
        s.sendall(b"G@T / HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers = r.head()
        assert status == 400 and headers.get("connection") == "close", headers
        body = r.rest()
        assert len(body) == int(headers["content-length"]), (headers, body)
        assert body.startswith(b"400 Bad Request: bad method"), body


def head_of_a_stream_is_that_of_get():
    """RFC 9110 §9.3.2 and §8.6: HEAD gets the header fields GET would,
    chunked or close-delimited alike, with no Content-Length and no body."""
    for name, path in (("iframe", "/stream"), ("xhr", "/stream"), ("xhr", "/multipart"),
                       ("sse", "/events")):
        with Server(name, "--interval", "0") as srv:
            for version in ("1.1", "1.0"):
                r, status, get_headers = open_stream(srv, path, version=version)
                r.sock.close()
                s = srv.connect()
                s.sendall(("HEAD %s HTTP/%s\r\nHost: x\r\n\r\n" % (path, version)).encode())
                s.sendall(b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                head, _, rest = recv_all(s).partition(b"\r\n\r\n")
                head_status, head_headers, _ = split_head(head + b"\r\n\r\n")
                assert (head_status, head_headers) == (status, get_headers), (
                    name, path, version, head_headers, get_headers)
                # No body: the connection closes, as GET's would, or goes on.
                closes = head_headers.get("connection") == "close"
                assert rest == b"" if closes else rest.startswith(b"HTTP/1.1 404"), (
                    name, path, version, rest[:200])


def expect_100_continue():
    """RFC 9110 §10.1.1: the server sends 100 (Continue) at once, before
    the body, unless it has a final status already; other expectations
    get 417; HTTP/1.0 ignores Expect."""
    head = b"POST /send HTTP/1.%d\r\nHost: x\r\nContent-Length: %d\r\nExpect: %s\r\n\r\n"
    with Server("poll", "--interval", "0") as srv:
        r = Reader(srv.connect())
        r.sock.sendall(head % (1, 5, b"100-Continue"))
        assert r.until(b"\r\n\r\n", timeout=0.5) == b"HTTP/1.1 100 Continue\r\n\r\n"
        r.sock.sendall(b"hello")
        assert r.head()[0] == 204
        r.quiet(0.2)  # one 100 per request, none after the answer
        reply = request(srv.port, head % (1, 10 ** 6, b"100-continue"))
        assert status_line(reply).startswith(b"HTTP/1.1 413"), reply[:200]
        reply = request(srv.port, head % (1, 5, b"something-else"))
        assert status_line(reply).startswith(b"HTTP/1.1 417"), reply[:200]
        s = srv.connect()
        s.sendall(head % (0, 5, b"100-continue"))
        r = Reader(s)
        r.quiet(0.3)
        s.sendall(b"hello")
        assert r.head()[0] == 204


# Every server that speaks HTTP, and one of its technique's paths.
HTTP_SERVERS = (("poll", "/poll"), ("longpoll", "/poll"), ("iframe", "/stream"),
                ("xhr", "/stream"), ("xhr", "/multipart"), ("sse", "/events"), ("ws", "/ws"),
                ("ws", "/echo"))


def unknown_method_is_501():
    """RFC 9110 §15.6.2 and §15.5.6: a method the server does not know
    gets 501; one it knows (§9: GET HEAD POST PUT DELETE CONNECT OPTIONS
    TRACE, and PATCH) that the path does not serve gets 405 with Allow;
    a method that is not a token is malformed, 400.  Both 501 and 405
    leave the connection usable; the 400 closes it."""
    for name, path in HTTP_SERVERS:
        with Server(name, "--interval", "0") as srv:
            r = Reader(srv.connect())
            for method, target in (("BREW", "/"), ("BREW", path), ("BREW", "/no/such/path"),
                                   ("get", "/"), ("PROPFIND", "/send")):  # names are case-sensitive
                r.sock.sendall(("%s %s HTTP/1.1\r\nHost: x\r\n\r\n" % (method, target)).encode())
                status, headers = r.head()
                body = r.exact(int(headers["content-length"]))
                assert status == 501 and body.startswith(b"501 Not Implemented: "), (
                    name, method, target, status, body)
                assert "connection" not in headers and "allow" not in headers, (name, headers)
            for method, target, allow in (("DELETE", path, "GET, HEAD"), ("OPTIONS", "/", "GET, HEAD"),
                                          ("PATCH", path, "GET, HEAD"), ("PUT", "/send", "POST"),
                                          ("GET", "/send", "POST"), ("POST", path, "GET, HEAD")):
                r.sock.sendall(("%s %s HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
                                % (method, target)).encode())
                status, headers = r.head()
                body = r.exact(int(headers["content-length"]))
                assert (status, headers.get("allow")) == (405, allow), (name, method, target, headers)
                assert body.startswith(b"405 Method Not Allowed: use "), body
            # A method that is no token: 400, and the connection closes.
            r.sock.sendall(b"G@T / HTTP/1.1\r\nHost: x\r\n\r\n")
            status, headers = r.head()
            assert status == 400 and headers.get("connection") == "close", (name, status, headers)
            assert r.rest().startswith(b"400 Bad Request: bad method")
    # pushlab-flash takes a connection for HTTP only when it starts with a
    # method it knows: there a 405 is possible and a 501 is not; any other
    # first word makes it a data channel, whose NUL-ended line is chat.
    with Server("flash", "--interval", "0") as srv:
        status, headers, _ = get(srv.port, "/", method="DELETE")
        assert (status, headers.get("allow")) == (405, "GET, HEAD"), (status, headers)
        r = Reader(srv.connect())
        r.sock.sendall(b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n\0")
        message = r.until(b"\0")
        assert b'"kind":"chat","text":"BREW / HTTP/1.1' in message, message


def expect_100_continue_only_for_a_served_head():
    """RFC 9110 §10.1.1: the client holds its body back until 100
    (Continue); a head the server will refuse anyway gets its final status
    instead, never a 100, and the body is not read.  The client may send it
    or not, so what follows cannot be told from a next request: the answer
    says Connection: close and the connection closes; a body sent all the
    same is dropped, never parsed as a request."""
    head = "%s %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n"
    smuggled = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"  # as a body: must not be answered
    for name, path in HTTP_SERVERS + (("flash", "/"),):
        with Server(name, "--interval", "0") as srv:
            for method, target, length, status in (
                    ("POST", "/no/such/path", len(smuggled), 404),
                    ("PUT", path, len(smuggled), 405), ("POST", "/", len(smuggled), 405),
                    ("BREW", "/send", len(smuggled), 501),
                    ("POST", "/send", MAX_CHAT_BYTES + 1, 413)):
                if name == "flash" and method == "BREW":
                    continue  # a data channel there (unknown_method_is_501)
                r = Reader(srv.connect())
                r.sock.sendall((head % (method, target, length)).encode())
                # The answer comes at once: no body is awaited, no 100 sent.
                got, headers = r.head()
                assert got == status, (name, method, target, got, headers)
                assert headers.get("connection") == "close", (name, method, target, headers)
                assert (headers.get("allow") is not None) == (status == 405), headers
                body = r.exact(int(headers["content-length"]))
                assert body.startswith(b"%d " % status), body
                if length == len(smuggled):
                    r.sock.sendall(smuggled)
                assert r.rest() == b"", (name, method, target)
            # A head that will be served gets 100, then its answer after the
            # body, and the connection goes on.
            r = Reader(srv.connect())
            r.sock.sendall((head % ("POST", "/send", 5)).encode())
            assert r.until(b"\r\n\r\n", timeout=1) == b"HTTP/1.1 100 Continue\r\n\r\n"
            r.sock.sendall(b"hello")
            got, headers = r.head()
            assert got == 204 and "connection" not in headers, (name, got, headers)
            r.sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            got, headers = r.head()
            assert got == 200, (name, got, headers)
            r.exact(int(headers["content-length"]))
            # Without Expect a refused request is answered once its body is
            # in, and the connection goes on.
            r.sock.sendall(b"PUT /send HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n")
            r.quiet(0.1)
            r.sock.sendall(b"hello")
            got, headers = r.head()
            assert got == 405 and "connection" not in headers, (name, got, headers)
            r.exact(int(headers["content-length"]))
            r.sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert r.head()[0] == 200


def absolute_form_target():
    """RFC 9112 §3.2.2: the absolute form's path and query are used."""
    with Server("poll", "--interval", "0") as srv:
        reply = request(srv.port, b"GET http://127.0.0.1/poll?since=0 HTTP/1.1\r\n"
                                  b"Host: elsewhere\r\nConnection: close\r\n\r\n")
        status, _, body = split_head(reply)
        assert (status, body) == (200, b"[]"), reply[:200]
        status, headers, _ = split_head(request(
            srv.port, b"GET http://127.0.0.1:1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
        assert status == 200 and headers["content-type"].startswith("text/html"), headers


if __name__ == "__main__":
    main([errors_say_http_1_1, http_1_0_keep_alive_is_said, error_after_head_has_its_body,
          head_of_a_stream_is_that_of_get,
          expect_100_continue, unknown_method_is_501, expect_100_continue_only_for_a_served_head,
          absolute_form_target])
