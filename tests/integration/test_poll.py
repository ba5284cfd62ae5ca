"""test_poll.py -- pushlab-poll (short polling and JSONP) over real sockets."""
import time

from harness import Server, get, main, post_send
from wire import assert_consecutive, common_tests, parse_event, parse_event_array


def poll(port, query):
    """GET /poll?QUERY -> (status, headers, list of event dicts)."""
    status, headers, body = get(port, "/poll?" + query)
    if status != 200:
        return status, headers, body
    return status, headers, parse_event_array(body)


def empty_poll_answered_at_once():
    with Server("poll", "--interval", "0") as srv:
        started = time.time()
        status, headers, events = poll(srv.port, "since=0")
        assert time.time() - started < 1.0
        assert (status, events) == (200, []), (status, events)
        assert headers["content-type"] == "application/json", headers
        assert headers["cache-control"] == "no-store", headers
        assert headers["content-length"] == "2", headers


def send_round_trip():
    with Server("poll", "--interval", "0") as srv:
        assert post_send(srv.port, 'hello "poll" \u00e9') == 204
        _, _, events = poll(srv.port, "since=0")
        assert len(events) == 1, events
        assert events[0]["seq"] == 1 and events[0]["kind"] == "chat", events
        assert events[0]["text"] == 'hello "poll" \u00e9', events
        assert poll(srv.port, "since=1")[2] == []
        assert poll(srv.port, "")[2] == events  # no since: everything held


def events_in_order_no_gaps():
    with Server("poll", "--interval", "30") as srv:
        got, since = [], 0
        deadline = time.time() + 10
        while len(got) < 20 and time.time() < deadline:
            _, _, events = poll(srv.port, "since=%d" % since)
            got += events
            if events:
                since = events[-1]["seq"]
            time.sleep(0.05)
        assert len(got) >= 20, got
        assert_consecutive(got, first=1)
        assert all(e["kind"] == "tick" for e in got)


def jsonp():
    with Server("poll", "--interval", "0") as srv:
        post_send(srv.port, "</script><b>")
        for name in ("cb", "$jq_1.handlers.x", "_"):
            status, headers, body = get(srv.port, "/poll?since=0&callback=" + name)
            assert status == 200, (name, status)
            assert headers["content-type"].startswith("application/javascript"), headers
            assert headers["cache-control"] == "no-store", headers
            prefix = name.encode() + b"(["
            assert body.startswith(prefix) and body.endswith(b"]);"), body
            ev = parse_event(body[len(prefix):-3])
            assert ev["text"] == "</script><b>"
            # Safe inside a <script>: the markup characters are escaped.
            assert b"<" not in body and b">" not in body, body


def jsonp_bad_callback():
    with Server("poll", "--interval", "0") as srv:
        for name in ("1abc", "a-b", "alert(1)", "x%3By", "", "a" * 65, "%00"):
            status, _, body = get(srv.port, "/poll?since=0&callback=" + name)
            assert status == 400, (name, status, body)
            assert b"callback" in body, body


def bad_since():
    with Server("poll", "--interval", "0") as srv:
        for since in ("abc", "-1", "1x", "", "99999999999999999999999", " 1"):
            status, _, body = get(srv.port, "/poll?since=" + since)
            assert status == 400, (since, status, body)


def since_older_than_backlog():
    with Server("poll", "--interval", "1") as srv:
        deadline = time.time() + 15
        last = 0
        while last <= 1100 and time.time() < deadline:
            time.sleep(0.2)
            _, _, events = poll(srv.port, "since=%d" % last)
            if events:
                last = events[-1]["seq"]
        assert last > 1100, last
        _, _, events = poll(srv.port, "since=0")
        # Only the backlog is held: the oldest ones are gone, the rest is whole.
        assert 1000 <= len(events) <= 1024, len(events)
        assert events[0]["seq"] > 1
        assert_consecutive(events)


if __name__ == "__main__":
    main(common_tests("poll", "/poll?since=0") + [
        empty_poll_answered_at_once, send_round_trip, events_in_order_no_gaps, jsonp,
        jsonp_bad_callback, bad_since, since_older_than_backlog])
