"""test_thirdparty.py -- pushviz on traffic it did not make: the captures of
captures/thirdparty/ (SockJS, engine.io, socket.io, ws, plain node http,
driven by real Chromium; tests/thirdparty/scenario.js).

Each capture has NAME.expect, written by hand from what the scenario does:
`exchange METHOD REGEX TECHNIQUE` rules (the first whose method matches and
whose regular expression is found in the request target names the
exchange) and `flow N TECHNIQUE` lines.  pushviz's per-exchange technique
(on http_response, or on the answer's `http2` HEADERS item of an HTTP/2
stream) and per-flow technique (on flow) are held against them:
at least 95 % of each must agree over the whole corpus, and the figures
are printed (`make bench` prints them too).  Beside each capture,
NAME.tshark holds tshark's view, recorded with it: pushviz must agree on
every HTTP request (method, target) and status, per TCP stream, and on
every handshake RTT.  The push libraries' frames come out as `message`
items on every transport, and an Engine.IO session keeps its sid across
the connections of its upgrade.
"""
import glob
import os
import re
import sys

from vizlib import CAPTURES, items, main

CORPUS = os.path.join(CAPTURES, "thirdparty")
AGREEMENT = 0.95  # the share of labels that must agree


def read_expect(path, sessions=None):
    """The exchange rules and flow labels; `session` lines (the flows of
    the page's library session) go to the list `sessions` when given."""
    rules, flows = [], {}
    with open(path) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            if words[0] == "exchange" and len(words) == 4:
                rules.append((words[1], re.compile(words[2]), words[3]))
            elif words[0] == "flow" and len(words) == 3:
                flows[int(words[1])] = words[2]
            elif words[0] == "session" and len(words) >= 2:
                if sessions is not None:
                    sessions.append({int(w) for w in words[1:]})
            else:
                raise AssertionError("%s: bad line %r" % (path, line))
    return rules, flows


def expected_exchange(rules, method, target):
    for m, rx, tech in rules:
        if m == method and rx.search(target):
            return tech
    return None


def labels(name):
    """(exchange results, flow results): lists of (where, expected, got)."""
    rules, flows = read_expect(os.path.join(CORPUS, name + ".expect"))
    its = items(os.path.join(CORPUS, name + ".pcap"))
    # An HTTP/2 request is the HEADERS item of its stream, its target the :path.
    requests = {(i["flow"], i["exchange"]): (i["method"], i.get("target", i.get("path")))
                for i in its if i["type"] == "http_request" or (i["type"] == "http2" and "method" in i)}
    ex, fl = [], []
    for r in (i for i in its if i["type"] in ("http_response", "http2") and "technique" in i):
        method, target = requests[(r["flow"], r["exchange"])]
        want = expected_exchange(rules, method, target)
        assert want, "%s: no rule for %s %s" % (name, method, target)
        ex.append(("%s flow %d: %s %s" % (name, r["flow"], method, target[:60]), want, r["technique"]))
    got_flows = {i["flow"]: i["technique"] for i in its if i["type"] == "flow"}
    assert sorted(got_flows) == sorted(flows), "%s: flows %s, expected %s" % (
        name, sorted(got_flows), sorted(flows))
    for n, want in sorted(flows.items()):
        fl.append(("%s flow %d" % (name, n), want, got_flows[n]))
    return ex, fl


def names():
    return sorted(os.path.basename(p)[:-7] for p in glob.glob(os.path.join(CORPUS, "*.expect")))


def figures():
    """Agreement over the corpus: (exchanges, flows), each (agreed, total, misses)."""
    ex, fl = [], []
    for name in names():
        e, f = labels(name)
        ex += e
        fl += f
    def tally(results):
        misses = [r for r in results if r[1] != r[2]]
        return len(results) - len(misses), len(results), misses
    return tally(ex), tally(fl)


def report():
    (ea, et, em), (fa, ft, fm) = figures()
    print("thirdparty corpus: %d captures; exchanges %d/%d = %.1f %%; flows %d/%d = %.1f %%" %
          (len(names()), ea, et, 100.0 * ea / et, fa, ft, 100.0 * fa / ft))
    for where, want, got in em + fm:
        print("  miss: %s: expected %s, pushviz %s" % (where, want, got))
    return (ea, et), (fa, ft)


def test_corpus_is_complete():
    pcaps = sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(CORPUS, "*.pcap")))
    assert len(pcaps) >= 19, pcaps
    for n in pcaps:
        for ext in (".expect", ".tshark"):
            assert os.path.exists(os.path.join(CORPUS, n + ext)), n + ext


def test_labels_agree():
    (ea, et), (fa, ft) = report()
    assert ea >= AGREEMENT * et, "exchanges: %d of %d agree" % (ea, et)
    assert fa >= AGREEMENT * ft, "flows: %d of %d agree" % (fa, ft)


def read_tshark(name):
    """tshark's view: {stream: [request or status, ...]}, {stream: rtt_ms},
    {stream: [trailer fields of a chunked body, as [name, value] pairs]}."""
    heads, rtts, trailers = {}, {}, {}
    with open(os.path.join(CORPUS, name + ".tshark")) as f:
        for line in f:
            w = line.rstrip("\n").split("\t")
            if w[0] == "http":
                stream, method, uri, status = int(w[1]), w[2], w[3], w[4]
                heads.setdefault(stream, []).append(status if status else method + " " + uri)
            elif w[0] == "rtt":
                rtts[int(w[1])] = float(w[2]) * 1000.0
            elif w[0] == "trailer":  # "Name: value\r\n..." with the CRLFs escaped
                fields = [f.split(":", 1) for f in w[2].split("\\r\\n") if f]
                trailers.setdefault(int(w[1]), []).append([[n, v.strip(" \t")] for n, v in fields])
    return heads, rtts, trailers


def test_tshark_agrees():
    for name in names():
        its = items(os.path.join(CORPUS, name + ".pcap"))
        heads, rtts, trailers = read_tshark(name)
        mine, my_trailers = {}, {}
        for i in its:
            if i["type"] == "http_request":
                mine.setdefault(i["flow"] - 1, []).append(i["method"] + " " + i["target"])
            elif i["type"] == "http_response":
                mine.setdefault(i["flow"] - 1, []).append(str(i["status"]))
            elif i["type"] == "chunk" and "trailers" in i:
                my_trailers.setdefault(i["flow"] - 1, []).append(i["trailers"])
        assert my_trailers == trailers, "%s: trailers: tshark %s, pushviz %s" % (name, trailers, my_trailers)
        for stream in sorted(set(heads) | set(mine)):
            want, got = heads.get(stream, []), mine.get(stream, [])
            # tshark shows a response once its body is reassembled, so a body
            # still open when the capture ended (a stream) has no status there.
            if len(got) == len(want) + 1 and got[-1].isdigit() and not want[-1].isdigit():
                got = got[:-1]
            assert want == got, "%s stream %d: tshark %s, pushviz %s" % (name, stream, want, got)
        for f in (i for i in its if i["type"] == "flow"):
            want = rtts.get(f["flow"] - 1)
            got = f["handshake_rtt_ms"]
            assert (want is None) == (got is None), "%s flow %d: rtt %s vs %s" % (
                name, f["flow"], want, got)
            if want is not None:
                assert abs(want - got) < 0.001, "%s flow %d: tshark %.6f ms, pushviz %.6f ms" % (
                    name, f["flow"], want, got)


def messages(name, **match):
    its = items(os.path.join(CORPUS, name + ".pcap"))
    return [i for i in its if i["type"] == "message" and
            all(i.get(k) == v for k, v in match.items())]


def test_sockjs_frames_on_every_transport():
    """Whatever the transport wraps them in, SockJS's frames come out: the
    open frame, the server's "tick N" messages, heartbeats, the client's
    sends, and xhr_streaming's 2 KiB prelude; also from inside an iframe."""
    for transport in ("websocket", "xhr-streaming", "xhr-polling", "eventsource", "htmlfile",
                      "jsonp-polling", "iframe-eventsource", "iframe-htmlfile",
                      "iframe-xhr-polling"):
        name = "sockjs-" + transport
        assert messages(name, library="sockjs", frame="open", dir="s2c"), name
        ticks = [m["text"] for m in messages(name, library="sockjs", frame="array", dir="s2c")]
        # htmlfile and jsonp carry the frame in a JavaScript string: escaped quotes
        assert any(t in ('"tick 1"', '[\\"tick 1\\"]') for t in ticks), (name, ticks[:3])
        assert len(ticks) >= 8, (name, len(ticks))
        if transport in ("xhr-streaming", "eventsource", "htmlfile", "iframe-eventsource",
                         "iframe-htmlfile"):
            # a streaming response idle for heartbeat_delay gets an h frame
            assert messages(name, library="sockjs", frame="heartbeat"), name
        if transport != "jsonp-polling":  # jsonp_send posts a form, not a frame
            sends = [m["text"] for m in messages(name, library="sockjs", frame="send", dir="c2s")]
            assert sends == ['"hello"', '"again"'], (name, sends)
    assert len(messages("sockjs-xhr-streaming", frame="prelude")) == 1


def test_engineio_upgrade_dance():
    """Polling, then on the new WebSocket 2probe / 3probe / 5, and the
    session's sid on every connection's requests."""
    name = "engineio-upgrade"
    opened = messages(name, library="engine.io", frame="open")
    assert len(opened) == 1 and '"sid":"' in opened[0]["text"]
    sid = opened[0]["text"].split('"sid":"')[1].split('"')[0]
    probe = messages(name, frame="ping", text="probe", dir="c2s")
    answer = messages(name, frame="pong", text="probe", dir="s2c")
    upgrade = messages(name, frame="upgrade", dir="c2s")
    assert probe and answer and upgrade
    assert probe[0]["flow"] == answer[0]["flow"] == upgrade[0]["flow"]
    assert probe[0]["t"] <= answer[0]["t"] <= upgrade[0]["t"]
    its = items(os.path.join(CORPUS, name + ".pcap"))
    flows = {i["flow"] for i in its if i["type"] == "http_request" and i.get("session") == sid}
    assert upgrade[0]["flow"] in flows and len(flows) >= 2, flows
    texts = [m["text"] for m in messages(name, library="engine.io", frame="message", dir="s2c")]
    assert "tick 1" in texts and "echo hello" in texts, texts[:5]


def test_socketio_events_and_acks():
    for name in ("socketio-polling", "socketio-upgrade"):
        ticks = messages(name, library="socket.io", frame="EVENT", event="tick", dir="s2c")
        assert len(ticks) >= 8 and ticks[0]["text"] == '["tick","tick 1"]', (name, ticks[:1])
        chat = messages(name, library="socket.io", frame="EVENT", event="chat", dir="c2s")
        assert chat and chat[0]["text"] == '["chat","hello"]' and chat[0]["ack_id"] == 0, chat
        acks = messages(name, library="socket.io", frame="ACK", dir="s2c")
        assert acks and acks[0]["ack_id"] == 0 and acks[0]["text"] == '["got hello"]', acks
        assert messages(name, library="socket.io", frame="CONNECT", dir="c2s"), name
        assert messages(name, library="engine.io", frame="ping", heartbeat=True), name


def test_one_session_across_flows():
    """The flows of one library session (an Engine.IO / Socket.IO polling
    session and its upgrade, SockJS's polls or stream and its sends) carry
    the same `session` on their flow items, the page's other flows none:
    as the .expect files say.  For Engine.IO it is the open packet's sid."""
    names = [os.path.basename(p)[:-7] for p in glob.glob(os.path.join(CORPUS, "*.expect"))]
    checked = 0
    for name in sorted(names):
        want = []
        read_expect(os.path.join(CORPUS, name + ".expect"), want)
        its = items(os.path.join(CORPUS, name + ".pcap"))
        flows = {i["flow"]: i for i in its if i["type"] == "flow"}
        got = {}
        for n, f in flows.items():
            assert "session" in f, (name, f)
            if f["session"] is not None:
                got.setdefault((f["library"], f["session"]), set()).add(n)
        assert sorted(map(sorted, got.values())) == sorted(map(sorted, want)), (name, got, want)
        opened = [m for m in its if m["type"] == "message" and m["frame"] == "open" and
                  m["library"] == "engine.io"]
        if opened:
            sid = opened[0]["text"].split('"sid":"')[1].split('"')[0]
            assert list(got) == [("socket.io" if name.startswith("socketio") else "engine.io", sid)], got
        checked += bool(want)
    assert checked == 13, checked  # 9 SockJS transports, 2 engine.io, 2 socket.io


def test_bodies_and_library_stats():
    """Engine.IO polling payloads (Content-Length bodies) read as text each
    way, and the library table of --stats counts their messages by frame,
    pings and pongs apart as heartbeats."""
    from vizlib import run, stats_tables
    path = os.path.join(CORPUS, "engineio-polling.pcap")
    its = items(path)
    bodies = [b for b in its if b["type"] == "body"]
    assert bodies and all(b["size"] == len(b["text"].encode()) for b in bodies if b["size"] <= 256)
    sends = [b["text"] for b in bodies if b["dir"] == "c2s"]
    assert "4hello" in sends, sends
    polls = [b["text"] for b in bodies if b["dir"] == "s2c"]
    assert any(t.startswith('0{"sid":"') for t in polls) and "4tick 1" in polls, polls[:4]
    rc, out, _ = run(["-r", path, "--stats"])
    assert rc == 0
    costs, carried, library = stats_tables(out)
    s2c = [b for b in bodies if b["dir"] == "s2c"]
    c2s = [b for b in bodies if b["dir"] == "c2s"]
    # every message here is a Content-Length body, or a chunk of the page's
    assert int(carried["longpoll"][2]) == len(c2s)
    assert int(carried["longpoll"][3]) == sum(b["size"] for b in c2s)
    chunks = [c for c in its if c["type"] == "chunk" and c["size"] > 0]
    assert int(carried["longpoll"][0]) == len(s2c) + len(chunks), (carried, len(s2c), len(chunks))
    for (lib, frame), row in library.items():
        msgs = [m for m in its if m["type"] == "message" and m["library"] == lib and m["frame"] == frame]
        want = [len([m for m in msgs if m["dir"] == d]) for d in ("s2c", "c2s")]
        assert [int(row[1]), int(row[3])] == want, (lib, frame, row, want)
        assert row[0] == ("heartbeat" if frame in ("ping", "pong") else "data"), (frame, row)
    assert library[("engine.io", "message")][1] != "0" and ("engine.io", "ping") in library


def test_no_library_messages_elsewhere():
    """Plain pages and pushlab's own captures have no library frames."""
    for name in ("poll-keepalive", "ndjson", "ws-plain", "sse-restart"):
        assert messages(name) == [], name
    for pcap in glob.glob(os.path.join(CAPTURES, "*.pcap")):
        assert [i for i in items(pcap) if i["type"] == "message"] == [], pcap


if __name__ == "__main__":
    if "--figures" in sys.argv:
        report()
        sys.exit(0)
    main([test_corpus_is_complete, test_labels_agree, test_tshark_agrees,
          test_sockjs_frames_on_every_transport, test_engineio_upgrade_dance,
          test_socketio_events_and_acks, test_one_session_across_flows, test_bodies_and_library_stats,
          test_no_library_messages_elsewhere])
