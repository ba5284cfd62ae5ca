"""test_longpoll.py -- pushlab-longpoll: held requests over real sockets."""
import time

from harness import Server, main, post_send
from wire import (Reader, assert_consecutive, common_tests, parse_event_array,
                  thousand_wait_for_one_event)
from test_poll import poll


def send_poll(srv, since):
    """Start a long poll; returns its Reader (the answer is not read)."""
    s = srv.connect()
    s.sendall(b"GET /poll?since=%d HTTP/1.1\r\nHost: x\r\n\r\n" % since)
    return Reader(s)


def read_answer(reader, timeout=5.0):
    """(status, headers, events) of a long poll's answer."""
    status, headers = reader.head()
    body = reader.exact(int(headers["content-length"]), timeout)
    return status, headers, parse_event_array(body)


def held_until_event():
    with Server("longpoll", "--interval", "0") as srv:
        r = send_poll(srv, 0)
        r.quiet(0.5)  # nothing yet: the request is held
        started = time.time()
        assert post_send(srv.port, "wake up") == 204
        status, headers, events = read_answer(r)
        assert time.time() - started < 1.0
        assert status == 200 and headers["content-type"] == "application/json"
        assert headers["cache-control"] == "no-store", headers
        assert [(e["seq"], e["text"]) for e in events] == [(1, "wake up")], events


def hold_times_out_with_empty_array():
    with Server("longpoll", "--interval", "0", "--hold", "1") as srv:
        r = send_poll(srv, 0)
        started = time.time()
        status, _, events = read_answer(r, timeout=5)
        held = time.time() - started
        assert status == 200 and events == [], (status, events)
        assert 0.8 < held < 2.5, held
        # The connection is kept: the next poll goes on it.
        r.sock.sendall(b"GET /poll?since=0 HTTP/1.1\r\nHost: x\r\n\r\n")
        post_send(srv.port, "next")
        assert read_answer(r)[2][0]["text"] == "next"


def answered_at_once_from_backlog():
    with Server("longpoll", "--interval", "0") as srv:
        for text in ("one", "two", "three"):
            post_send(srv.port, text)
        started = time.time()
        _, _, events = poll(srv.port, "since=1")
        assert time.time() - started < 0.5
        assert [e["text"] for e in events] == ["two", "three"]
        assert_consecutive(events, first=2)


def every_waiting_request_answered():
    with Server("longpoll", "--interval", "0") as srv:
        readers = [send_poll(srv, 0) for _ in range(20)]
        time.sleep(0.3)
        post_send(srv.port, "for all")
        for r in readers:
            _, _, events = read_answer(r)
            assert [e["text"] for e in events] == ["for all"], events


def since_from_an_earlier_run_gets_this_run():
    # seq starts again at 1 in every run of a server, so a since beyond the
    # newest seq comes from a client of an earlier run: it has seen nothing
    # of this run and is answered at once with all of it, not held.
    with Server("longpoll", "--interval", "0") as srv:
        post_send(srv.port, "one")
        post_send(srv.port, "two")
        r = send_poll(srv, 50)
        assert [e["text"] for e in read_answer(r)[2]] == ["one", "two"]


def disconnect_while_held_drops_at_once():
    # With room for two clients, a held client that hangs up must free its
    # slot at once, or the next connection is refused with 503.
    with Server("longpoll", "--interval", "0", "--max-clients", "2") as srv:
        gone = send_poll(srv, 0)
        stays = send_poll(srv, 0)
        time.sleep(0.2)
        gone.sock.close()
        time.sleep(0.2)
        # This POST is the third connection: refused unless gone's slot is free.
        assert post_send(srv.port, "still here") == 204
        assert read_answer(stays)[2][0]["text"] == "still here"


def pipelined_send_behind_a_held_poll():
    # X's POST waits behind its held poll, and is routed the moment the
    # poll is answered: in the middle of the hub's fan-out of the event
    # that woke it.  Nobody else may miss that event.
    with Server("longpoll", "--interval", "0") as srv:
        before = [send_poll(srv, 0) for _ in range(3)]
        x = srv.connect()
        x.sendall(b"GET /poll?since=0 HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"POST /send HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nfrom x")
        x = Reader(x)
        after = [send_poll(srv, 0) for _ in range(3)]
        time.sleep(0.3)
        post_send(srv.port, "wake")
        for r in before + [x] + after:
            events = read_answer(r)[2]
            assert events[0]["text"] == "wake", events
            assert_consecutive(events, first=1)
        assert x.head()[0] == 204
        _, _, events = poll(srv.port, "since=0")
        assert [e["text"] for e in events] == ["wake", "from x"]


def events_in_order_no_gaps():
    with Server("longpoll", "--interval", "20") as srv:
        got, since = [], 0
        while len(got) < 30:
            _, _, events = poll(srv.port, "since=%d" % since)
            assert events, "a long poll answered with nothing before --hold"
            got += events
            since = events[-1]["seq"]
        assert_consecutive(got, first=1)


def thousand_held_at_once():
    thousand_wait_for_one_event("longpoll", b"GET /poll?since=0 HTTP/1.1\r\nHost: x\r\n\r\n",
                                b'"text":"to a thousand"}]')


if __name__ == "__main__":
    main(common_tests("longpoll", "/poll?since=0") + [
        held_until_event, hold_times_out_with_empty_array, answered_at_once_from_backlog,
        every_waiting_request_answered, since_from_an_earlier_run_gets_this_run,
        disconnect_while_held_drops_at_once, pipelined_send_behind_a_held_poll,
        events_in_order_no_gaps, thousand_held_at_once])
