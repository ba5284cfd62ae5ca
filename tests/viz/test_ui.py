"""test_ui.py -- pushviz's ncurses UI driven through tmux: keys in with
send-keys, the screen read back with capture-pane.

Every case starts pushviz in its own tmux session on a private server
socket (uilib.py: in this run's own directory, swept if the run is
killed), waits for what it expects to appear (bounded), and kills the
server at the end.  The captures are the reference ones in captures/,
plus two written here with pcapgen.py (a hostile WebSocket payload, and
a plain ws conversation for the accept check).

    python3 tests/viz/test_ui.py                  run the tests
    python3 tests/viz/test_ui.py --screens DIR    write docs screenshots
"""
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

from uilib import TMP, Tmux, capture, colours_used, quit_cleanly, sweep_stale_runs, ws_capture
from vizlib import ROOT, Skip, items, main, of_type, pcap_records
import pcapgen as g

# every key the issue asks for, and every other key the UI knows
KEYS_IN_HELP = ["Up", "Down", "j", "k", "PgUp", "PgDn", "g", "G", "Tab", "Shift-Tab", "Enter", "Right",
                "Esc", "Left", "Backspace", "h", "mouse", "/", "f", "t", "x", "l", "c", "a", "s", "w",
                "space", "n", "+", "-", "Home", "End", "?", "F1", "q",
                # issue 14: follow stream, ladder export, search hits, marks, time modes, sort, step
                "F", "E", "N", "m", "'", "T", "o", "O", "."]


# ---- the tests ----

def test_flow_list_shows_every_technique():
    p = capture("demo.pcap")
    wanted = sorted({f["technique"] for f in of_type(items(p), "flow")})
    assert len(wanted) >= 2, wanted
    its = of_type(items(p), "flow")
    # the flows pane has about a third of the rows
    with Tmux(["-r", p], cols=140, lines=3 * len(its) + 12) as t:
        s = t.wait(r"demo.pcap\s+%d flows" % len(its))
        rows = [line for line in s.splitlines() if re.match(r"^\s+\d+\s", line)]
        shown = set()
        marked = set()  # flows shown with "+": exchanges named otherwise too
        for line in rows:
            badge = line.split()[1]
            shown.add(badge.rstrip("+"))
            if badge.endswith("+"):
                marked.add(int(line.split()[0]))
        missing = [w for w in wanted if w not in shown]
        assert not missing, "techniques missing from the flow list: %s\n%s" % (missing, s)
        kinds = {}
        for r in of_type(items(p), "http_response"):
            kinds.setdefault(r["flow"], set()).add(r["technique"])
        mixed = {f for f, k in kinds.items() if len(k) > 1}
        assert mixed and marked == mixed, "marked %s, mixed %s\n%s" % (marked, mixed, s)
        quit_cleanly(t)


def test_ws_frame_detail_shows_mask_key_and_unmasked_payload():
    p = capture("ws.pcap")
    frames = [f for f in of_type(items(p), "ws_frame") if f["masked"] and f["opcode"] == 1]
    if not frames:
        raise Skip("ws.pcap has no masked text frame")
    fr = frames[0]
    with Tmux(["-r", p], cols=120, lines=40) as t:
        t.wait("flows")
        t.keys("f")
        t.literal(str(fr["flow"]))
        t.keys("Enter", "Tab", "/")
        t.literal("masked key=" + fr["mask_key"])
        t.keys("Enter")
        s = t.wait(r"mask key\s+" + fr["mask_key"])
        assert "MASK       1" in s, s
        assert fr["payload"][:40] in s, "unmasked payload %r not on screen:\n%s" % (fr["payload"], s)
        assert "unmasked" in s and "on wire" in s, s
        quit_cleanly(t)


def test_ws_accept_is_recomputed():
    p = ws_capture("accept.pcap", b"hello")
    with Tmux(["-r", p], cols=120, lines=40) as t:
        t.wait("flows")
        t.find_message("101")
        s = t.wait("Sec-WebSocket-Accept")
        assert "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=  matches" in s, s
        quit_cleanly(t)


def test_utf8_payload_shown_and_control_bytes_escaped():
    p = ws_capture("hostile.pcap", "héllo → \x1b[2J\x07 end".encode())
    with Tmux(["-r", p], cols=120, lines=40) as t:
        t.wait("flows")
        t.find_message("ws_frame")
        s = t.wait("unmasked")
        assert "héllo →" in s, s
        assert "\\x1b[2J\\x07 end" in s, s
        assert "flows" in s.splitlines()[0], "the escape sequence reached the terminal:\n" + s
        quit_cleanly(t)


def test_text_wraps_between_characters_and_accents_stay_on_their_letters():
    # The detail pane breaks a payload into lines of 64 columns.  It broke
    # them every 64 bytes, inside a character, whose halves then showed as
    # escapes, as if the bytes were not UTF-8; and a combining accent or a
    # joiner, valid UTF-8 of no width, showed as escapes too.  They are
    # part of the letter before them.  A bidirectional override is still
    # an escape: it could make the text read as other text.
    payload = "a" * 63 + "\u6f22\u5b57 caf" + "e\u0301 x\u200dy \u202eevil"
    p = ws_capture("wrap-utf8.pcap", payload.encode())
    with Tmux(["-r", p], cols=120, lines=40) as t:
        t.wait("flows")
        t.find_message("ws_frame")
        s = t.wait("unmasked")
        quit_cleanly(t)
    lines = [l.strip() for l in s.splitlines()]
    at = lines.index("a" * 63)
    # (the terminal, tmux, may keep the joiner in its cell or drop it)
    assert lines[at + 1].replace("\u200d", "") == "\u6f22\u5b57 cafe\u0301 xy \\xe2\\x80\\xaeevil", lines[at:at + 2]


def test_an_event_inside_a_compressed_frame_covers_that_frame():
    # node ws, permessage-deflate with context takeover: the event seq=2
    # came out of a 17-byte compressed payload (stream bytes 259..276),
    # which inflated to 94.  An inflated byte has no place of its own on
    # the wire, so the event covers its frame's compressed bytes: it
    # covered 259..353, beyond its frame into the next ones.
    p = capture(os.path.join("thirdparty", "ws-deflate-node-takeover.pcap"))
    frame = [f for f in of_type(items(p), "ws_frame") if f["dir"] == "s2c" and f["payload"].startswith('{"seq":2,')][0]
    start = frame["offset"] + frame["header_len"]
    s = message_detail(p, "seq=2 kind=tick", "stream bytes")
    assert "stream bytes %d..%d (%d B)" % (start, start + frame["len"], frame["len"]) in s, s


def test_ladder_keeps_its_cursor_when_its_rows_change():
    # c (every flow of the client) and a (pure ACKs) change the rows: the
    # cursor stayed at the same row number, on another flow's message (a
    # SYN at 0.065 s after a FIN at 9.09 s).  It stays on its message.
    p = capture("demo.pcap")
    sse = [f["flow"] for f in of_type(items(p), "flow") if f["technique"] == "sse"][0]
    with Tmux(["-r", p], cols=160, lines=50) as t:
        t.wait("flows")
        t.keys(*(["Down"] * (sse - 1)))
        t.keys("Tab", "Down", "Down", "Down", "l")
        s = t.wait("Ladder")
        before = re.findall(r"(?m)^>\s*(\d+\.\d+)", s)
        t.keys("c")
        s = t.wait("Ladder of the client of flow")
        assert re.findall(r"(?m)^>\s*(\d+\.\d+)", s) == before, (before, s)
        t.keys("a")
        s = t.wait("a: hide ACKs")
        assert re.findall(r"(?m)^>\s*(\d+\.\d+)", s) == before, (before, s)
        quit_cleanly(t)


def test_a_row_too_long_keeps_its_offset_whole():
    # A message row longer than the screen was cut at its edge, through
    # the " @offset" at its end: "@5" where the offset was 559.  The
    # summary is cut before it now, and the offset stays whole.
    p = capture(os.path.join("thirdparty", "ws-deflate-chromium-takeover.pcap"))
    flow = [f for f in of_type(items(p), "flow") if f["packets"] > 20][0]["flow"]
    offsets = [f["offset"] for f in of_type(items(p), "ws_frame") if f["flow"] == flow and f["dir"] == "c2s"]
    with Tmux(["-r", p], cols=110, lines=40) as t:
        t.wait("flows")
        t.keys(*(["Down"] * (flow - 1)))
        t.keys("Enter")
        s = t.wait("ws_frame")
        quit_cleanly(t)
    rows = [l.rstrip() for l in s.splitlines() if re.search(r"--> ws_frame", l)]
    assert any("... @" in r for r in rows), rows  # a row cut, its offset kept
    assert [int(re.search(r" @(\d+)$", r).group(1)) for r in rows] == offsets[:len(rows)], rows


def test_stats_legends_fit_80_columns():
    # The legends under the stats tables were one row each, up to 200
    # columns long, and cut at the screen's edge.
    with Tmux(["-r", capture("demo.pcap")], cols=80, lines=80) as t:
        t.wait("flows")
        t.keys("s")
        s = t.wait("Flows now")
        quit_cleanly(t)
    for words in ("the wire and inflated", "lat: event latency", "what other servers send"):
        assert words in s, (words, s)


def test_flows_past_the_memory_cap_are_still_counted():
    # The UI keeps copies of items up to UI_KEEP_BYTES (256 MiB).  Past it
    # the flows and the stats froze: they were totalled only from the items
    # kept, so in a class's live capture after a few minutes every flow
    # stayed "open" with its counts still, and the stats said no flow had
    # ended.  An item not kept is counted all the same.  40,000 closed
    # connections of 8 packets: some 400,000 items, over the cap.
    flows = 40000
    p = os.path.join(TMP, "past-the-cap.pcap")
    w = g.FastWriter(p)
    server, request = bytes([10, 1, 0, 1]), b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n"
    for i in range(flows):
        c, port = bytes([10, 2, i >> 8 & 255, i & 255]), 20000 + i % 40000
        end = 1001 + len(request)
        w.packet(c, server, port, 80, 1000, 0, g.SYN)
        w.packet(server, c, 80, port, 5000, 1001, g.SYN | g.ACK)
        w.packet(c, server, port, 80, 1001, 5001, g.ACK)
        w.packet(c, server, port, 80, 1001, 5001, g.PSH | g.ACK, request)
        w.packet(server, c, 80, port, 5001, end, g.ACK)
        w.packet(c, server, port, 80, end, 5001, g.FIN | g.ACK)
        w.packet(server, c, 80, port, 5001, end + 1, g.FIN | g.ACK)
        w.packet(c, server, port, 80, end + 1, 5002, g.ACK)
    w.close()
    with Tmux(["-r", p], cols=120, lines=40) as t:
        s = t.wait(r" %d flows \d+ items" % flows, timeout=120)
        assert re.search(r"memory cap: \d+ items not kept", s), s
        t.keys("s")
        s = t.wait("Flows now")
        quit_cleanly(t)
    rows = [l.split() for l in s.splitlines() if re.match(r" \S+ +\d+ +\d+ +\d+ +\d+", l)]
    assert sum(int(r[1]) for r in rows) == flows and sum(int(r[2]) for r in rows) == 0, rows


def one_exchange():
    """A connection with one GET answered 204, closed."""
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.send("s2c", b"HTTP/1.1 204 No Content\r\n\r\n")
    conv.close()
    return conv


def test_capture_errors_are_on_the_status_line():
    # Items of flow 0 belong to no connection, so no flow row showed them:
    # a frame that cannot be decoded, a capture whose time goes back were
    # in --dump and --json only.  The status line now counts them and says
    # the latest, with its frame number.
    conv = one_exchange()
    pc = g.Pcap()
    for n, (ts, pkt) in enumerate(conv.packets):
        if n == 2:  # an IPv4 header that says it is 12 bytes long: not decoded
            pc.add_ip(1700000000 + ts, bytes([0x43]) + pkt[1:])
        pc.add_ip(1700000000 + ts - (3 if n >= 5 else 0), pkt)  # time goes back 2.999 s at the 7th frame
    p = os.path.join(TMP, "capture-errors.pcap")
    pc.write(p)
    errs = [(e["frame"], e["what"]) for e in of_type(items(p), "error") if e["flow"] == 0]
    assert len(errs) == 2 and errs[1][0] == 7 and errs[1][1].startswith("capture time goes back 2.999"), errs
    with Tmux(["-r", p], cols=160, lines=30) as t:
        s = t.wait(r" 2 capture errors, frame 7: capture time goes back 2\.999")
        quit_cleanly(t)
    assert "1 flows" in s or " 1 flow" in s, s


def test_frames_that_are_not_tcp_are_on_the_status_line():
    # A capture of an application reached over HTTP/3 (QUIC, on UDP) would
    # show no flow for it, and nothing said why.  The status line counts
    # the frames passed over, and names QUIC when some are on port 443; the
    # stats screen says it in full, as --stats does.
    conv = one_exchange()
    udp = struct.pack(">HHHH", 51000, 443, 8 + 20, 0) + bytes(20)
    pc = g.Pcap()
    for ts, pkt in conv.packets:
        pc.add_ip(1700000000 + ts, pkt)
    end = 1700000000 + conv.packets[-1][0]
    pc.add_ip(end + 0.1, g.ipv4("10.0.0.1", "10.0.0.9", udp, proto=17))
    pc.add_ip(end + 0.2, g.ipv4("10.0.0.1", "10.0.0.9", b"\x08\x00\x00\x00" + bytes(4), proto=1))
    p = os.path.join(TMP, "not-tcp.pcap")
    pc.write(p)
    with Tmux(["-r", p], cols=160, lines=30) as t:
        s = t.wait(r" 2 not TCP \(QUIC\) ")
        t.keys("s")
        t.wait(r"not TCP, passed over: 2 of 12 frames \(UDP 1, of which 1 to or from port 443: QUIC")
        quit_cleanly(t)
    assert " 1 flow" in s or "1 flows" in s, s


def test_an_open_flows_duration_is_its_packets_span():
    # A flow still open when the capture ended lasted, in the flow list, to
    # the end of the capture (its flow item's time): 3.3 s for SockJS's
    # second connection, whose packets span 1.5 s (tshark's conv,tcp
    # Duration).  It is the span of its packets now, as for a closed one.
    p = capture(os.path.join("thirdparty", "sockjs-xhr-streaming.pcap"))
    its = items(p)
    spans = {}
    for i in of_type(its, "tcp"):
        first, _ = spans.get(i["flow"], (i["t"], i["t"]))
        spans[i["flow"]] = (first, i["t"])
    open_flows = [f["flow"] for f in of_type(its, "flow") if f["end"] == "open"]
    assert open_flows, its
    with Tmux(["-r", p], cols=120, lines=40) as t:
        s = t.wait("flows")
        quit_cleanly(t)
    for n in open_flows:
        row = [l for l in s.splitlines() if re.match(r" +%d +" % n, l)][0]
        first, last = spans[n]
        assert " %.1fs " % (last - first) in row, (n, last - first, row)


def test_a_flow_named_by_repetition_says_so():
    # socket.io's first polling connection is named poll, its four
    # exchanges http: its name comes from the same path asked for again on
    # another connection.  Its detail said the flow is named by the
    # exchanges that bring news, which none of its own did.
    p = capture(os.path.join("thirdparty", "socketio-upgrade.pcap"))
    first = of_type(items(p), "flow")[0]
    assert first["technique"] == "poll", first
    with Tmux(["-r", p], cols=120, lines=60) as t:
        t.wait("flows")
        s = t.wait("named poll: its path was asked for again on another connection")
        quit_cleanly(t)
    assert "named by those that bring news" not in s, s


def test_a_flow_detail_says_what_could_not_be_read_and_why():
    # A socket.io WebSocket begun after its 101 (its packets only): the
    # flow item's note (the handshake was not captured) and its library,
    # named by its messages, were in the JSON lines but not on the screen.
    p = capture(os.path.join("thirdparty", "socketio-upgrade.pcap"))
    whole = items(p)
    ws_flow = of_type(whole, "ws_frame")[0]["flow"]
    frames = [it["frame"] for it in of_type(whole, "tcp", flow=ws_flow)][6:]
    head, records = pcap_records(p)
    late = os.path.join(TMP, "socketio-ws-late.pcap")
    with open(late, "wb") as f:
        f.write(head + b"".join(records[n - 1] for n in frames))
    flow = of_type(items(late), "flow")[0]
    assert flow["library"] == "socket.io" and "was not captured" in flow["note"], flow
    with Tmux(["-r", late], cols=120, lines=60) as t:
        t.wait("flows")
        t.wait("named by its messages: the request that names it was not captured")
        s = t.wait("WebSocket recognised from its frames")
        quit_cleanly(t)
    assert re.search(r"library +socket\.io", s), s
    # the note whole, broken between words over lines of 64 columns
    lines = [line.split("| ", 1)[1].strip() for line in s.splitlines() if "| " in line]
    start = next(i for i, line in enumerate(lines) if line.startswith("WebSocket recognised"))
    assert " ".join(lines[start:start + 2]) == flow["note"], lines


def test_stats_count_a_flow_open_at_the_end_as_open():
    # socket.io's four connections are all open when the capture ends:
    # their flow items say "open", and the flow list does.  The stats
    # screen's first table counted open only flows with no flow item yet,
    # and said 0.
    p = capture(os.path.join("thirdparty", "socketio-upgrade.pcap"))
    still_open = sum(f["end"] == "open" for f in of_type(items(p), "flow"))
    with Tmux(["-r", p], cols=120, lines=50) as t:
        t.wait("flows")
        t.keys("s")
        s = t.wait("Flows now")
        quit_cleanly(t)
    lines = s.splitlines()
    at = next(i for i, l in enumerate(lines) if l.startswith("technique") and " open " in l)
    rows = []
    for l in lines[at + 1:]:
        if not l.startswith(" ") or l.startswith("  "):
            break  # the legend under the table
        rows.append(l.split())
    assert still_open == 4 and sum(int(r[2]) for r in rows) == still_open, (still_open, rows)


def message_detail(p, message, wanted, lines=60):
    """pushviz reading capture p, the first message whose summary holds
    `message` selected: the screen once its detail shows `wanted`."""
    with Tmux(["-r", p], cols=140, lines=lines) as t:
        t.wait("flows")
        t.find_message(message)
        s = t.wait(wanted)
        quit_cleanly(t)
    return s


def test_data_frame_detail_says_its_events_are_the_messages():
    # An HTTP/2 DATA frame of an event stream: the detail pane says its
    # data is read as events, which are listed after it, each its own row.
    p = capture(os.path.join("thirdparty", "h2c-curl.pcap"))
    s = message_detail(p, "DATA stream=1 len=84 text=id: 2", "a piece of an event stream", lines=90)
    assert "the sse_event items are the messages" in s, s
    assert re.search(r"sse_event\s+\d+\s+id=2 event=message", s), s


def test_an_h2c_upgrade_request_detail_decodes_its_settings():
    # curl --http2's GET: the detail pane explains the HTTP2-Settings field
    # under it, one decoded setting a line (the base64url text alone says
    # nothing to a reader).
    p = capture(os.path.join("thirdparty", "h2c-upgrade.pcap"))
    s = message_detail(p, "GET /events HTTP/1.1", "ENABLE_PUSH=0", lines=70)
    assert re.search(r"HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\s+\|\s+the client's first SETTINGS frame", s), s
    assert re.search(r"\|\s+MAX_CONCURRENT_STREAMS=100\s+\|\s+INITIAL_WINDOW_SIZE=33554432\s+\|\s+ENABLE_PUSH=0", s), s


def test_last_chunk_detail_lists_its_trailers():
    # The fields a server sends after a chunked body's data are listed in
    # the detail of the last chunk, as a head's headers are.
    conv = g.chunked_answer(b"/feed", b"application/x-ndjson")
    conv.send("s2c", b"3\r\nabc\r\n")
    conv.send("s2c", b"0\r\nServer-Timing: total;dur=12\r\n\r\n")
    conv.close()
    p = conv.write(os.path.join(TMP, "trailers.pcap"))
    s = message_detail(p, "size=0", "the last chunk: size 0 ends the body")
    assert re.search(r"Server-Timing: total;dur=12", s), s


def test_a_body_the_close_cut_says_what_came_of_it():
    # A poll's answer whose connection closes after 29 of its 100 bytes:
    # the body is shown with what came, and the detail says it was cut
    # short, not that the close delimited it.
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /poll HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b'{"seq": 1, "text": "the start')
    conv.close()
    p = conv.write(os.path.join(TMP, "body-cut.pcap"))
    s = message_detail(p, "size=29 of=100",
                       "a body cut short: Content-Length said 100 bytes, 29 came before the connection closed")
    assert "neither length nor chunks" not in s, s


def test_hex_view_marks_boundaries_and_segments():
    p = capture("xhr.pcap")
    its = items(p)
    chunks = of_type(its, "chunk")
    if not chunks:
        raise Skip("xhr.pcap has no chunk")
    with Tmux(["-r", p], cols=100, lines=60) as t:
        t.wait("flows")
        t.keys("f")
        t.literal(str(chunks[0]["flow"]))
        t.keys("Enter", "Tab", "/")
        t.literal("chunk")
        t.keys("Enter", "x")
        s = t.wait("Hex of chunk")
        assert re.search(r"^frame \d+ ", s, re.M), s                    # a segment edge
        assert re.search(r"^[0-9a-f]{4} .*[0-9a-f]\|[0-9a-f]{2}", s, re.M) or \
            re.search(r"^[0-9a-f]{4} \|", s, re.M), s                   # a boundary mark in the bytes
        assert re.search(r"^\| frame byte [0-9a-f]+: chunk size=%d" % chunks[0]["size"], s, re.M), s
        colored = t.screen(escapes=True)
        assert "\x1b[7m" in colored or ";7m" in colored, "the message's bytes are not highlighted"
        quit_cleanly(t)


def test_ladder_shows_held_long_poll():
    p = capture("longpoll.pcap")
    its = items(p)
    flows = [f for f in of_type(its, "flow") if f["technique"] == "longpoll"]
    if not flows:
        raise Skip("longpoll.pcap has no long poll flow")
    with Tmux(["-r", p], cols=120, lines=60) as t:
        t.wait("flows")
        t.keys("f")
        t.literal(str(flows[0]["flow"]))
        t.keys("Enter", "l")
        s = t.wait("Ladder of flow")
        assert re.search(r"HELD \d+\.\d+ ms", s), s
        assert re.search(r": +\d+\.\d+ s pass +:", s), s
        assert "ms after the answer" in s and "handshake RTT" in s, s
        quit_cleanly(t)


def lossy_capture(name):
    """A request sent in two segments, the second resent with more bytes
    (an overlap), and a stream whose second segment is lost before the
    capture point: three duplicate ACKs, then a fast retransmission."""
    conv = g.Conversation()
    conv.handshake()
    req = b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"
    base = conv.seq["c2s"]
    conv.segment("c2s", g.PSH | g.ACK, req[:12])
    conv.segment("c2s", g.PSH | g.ACK, req[6:], seq=base + 6, dt=0.3)  # resent, and the rest
    conv.seq["c2s"] = base + len(req)
    conv.segment("s2c", g.ACK)
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n\r\n"
    conv.segment("s2c", g.PSH | g.ACK, head)
    want = conv.seq["s2c"]
    lost = len(conv.packets)
    for i in range(4):
        conv.segment("s2c", g.PSH | g.ACK, b'{"n":%d}\n' % i, dt=0.0002)
    for _ in range(4):
        conv.segment("c2s", g.ACK, ack=want, dt=0.0001)
    conv.segment("s2c", g.PSH | g.ACK, b'{"n":0}\n', seq=want, dt=0.0005)
    conv.segment("c2s", g.ACK)
    path = os.path.join(TMP, name)
    pc = g.Pcap()
    for i, (ts, pkt) in enumerate(conv.packets):
        if i != lost:
            pc.add_ip(1700000000 + ts, pkt)
    pc.write(path)
    return path


def test_tcp_analysis_is_shown_and_explained():
    """Duplicate ACKs are messages of their own, with their number; the
    detail says what each flag means; the ladder shows them although it
    hides pure ACKs; and the follow-stream view shows the bytes of a
    retransmission that were new (the end of the request) but not the
    ones sent twice."""
    p = lossy_capture("lossy.pcap")
    dups = [t for t in of_type(items(p), "tcp") if t.get("analysis") == "duplicate_ack"]
    assert [t["dup_ack_num"] for t in dups] == [1, 2, 3], dups
    with Tmux(["-r", p], cols=120, lines=64) as t:
        t.wait("flows")
        t.find_message("dup#=2")
        s = t.wait(r"duplicate number 2 of the ACK in frame %d" % dups[0]["dup_ack_frame"])
        assert "duplicate_ack: the same ACK again" in s, s
        assert re.search(r"!=duplicate_ack dup#=1 of_frame=%d" % dups[0]["dup_ack_frame"], s), s
        t.keys("/")
        t.literal("fast_retransmission")
        t.keys("Enter")
        s = t.wait(r"fast_retransmission: resent where duplicate ACKs asked")
        assert "retransmission: bytes sent before" in s, s
        t.keys("l")
        s = t.wait(r"Ladder of flow")
        assert "duplicate_ack #3" in s and "retransmission, fast_retransmission" in s, s
        t.keys("Escape", "F")
        s = t.wait(r"Stream of flow 1")
        assert s.count("GET /stream HTTP/1.1") == 1 and s.count("Host: x") == 1, s
        assert s.count('{"n":0}') == 1, s
        quit_cleanly(t)


def test_help_lists_every_key():
    p = capture("poll.pcap")
    with Tmux(["-r", p], cols=120, lines=60) as t:
        t.wait("flows")
        t.keys("?")
        s = t.wait("Help: every key")
        # the key column: the first 25 columns after the two-space indent
        listed = set()
        for line in s.splitlines():
            if line.startswith("  ") and len(line) > 28 and line[27] != " ":
                listed.update(line[2:27].split())
        missing = [k for k in KEYS_IN_HELP if k not in listed]
        assert not missing, "keys missing from help: %s\n%s" % (missing, s)
        t.keys("Escape")
        t.wait(r"#\s+technique")
        quit_cleanly(t)


def refuse_save(t, path):
    """Save to a path in a directory that does not exist (`w`); the screen
    with the notice that refuses it."""
    t.wait("flows")
    t.keys("w")
    t.wait("save capture to:")
    t.keys("C-u")
    t.literal(path)
    t.keys("Enter")
    return t.wait("not saved")


def test_long_notices_and_help_lines_are_shown_whole():
    """A notice longer than the status line goes on from the row above,
    so its end is seen (a refused save ends with what to do); a help line
    longer than the screen goes on below, under its description."""
    p = capture("demo.pcap")
    path = "no-such-directory/" + "a-capture-under-a-long-name".ljust(42, "x") + ".pcap"
    with Tmux(["-r", p], cols=100, lines=40, cwd=TMP) as t:
        s = refuse_save(t, path)
        # the notice's two rows, read as one line; which error depends on
        # who runs the test: a root pushviz saves only plain file names
        notice = " ".join(line.strip() for line in s.splitlines()[-2:])
        assert re.search(r"not saved: cannot write %s: (No such file or directory|as root, .* with sudo) "
                         % re.escape(path), notice), s
        t.keys("?")
        s = t.wait("Help: every key").splitlines()
        f = [i for i, line in enumerate(s) if line.startswith("  f ")][0]
        assert s[f].startswith("  f" + " " * 24 + "filter flows: ") and re.match(r" {27}\S", s[f + 1]), s
        assert (s[f].strip() + " " + s[f + 1].strip()).endswith("a flow number; empty: all"), s
        quit_cleanly(t)


def test_long_notice_on_a_narrow_terminal():
    """At 40 columns a refused save's notice takes as many rows as it
    needs, above the status line, and its end is still there."""
    p = capture("demo.pcap")
    path = "no-such-directory/short-name.pcap"
    with Tmux(["-r", p], cols=40, lines=24, cwd=TMP) as t:
        lines = refuse_save(t, path).splitlines()
        first = max(i for i, line in enumerate(lines) if "not saved" in line)
        rows = lines[first:]
        assert len(rows) >= 3, lines  # the notice does not fit in two rows of 40
        notice = " ".join(line.strip() for line in rows)
        assert re.search(r"not saved: cannot write %s: (No such file or directory|as root, .* with sudo) "
                         % re.escape(path), notice), lines
        quit_cleanly(t)


def test_resize_to_80x24_stays_readable():
    p = capture("demo.pcap")
    with Tmux(["-r", p], cols=140, lines=45) as t:
        t.wait("flows")
        t.keys("Tab")
        t.resize(80, 24)
        time.sleep(0.5)
        s = t.wait(r"#\s+technique")
        lines = s.splitlines()
        assert len(lines) <= 24 and all(len(line) <= 80 for line in lines), s
        assert lines[0].startswith(" pushviz"), s
        assert "help" in lines[-1] or "help" in s.splitlines()[-1], s
        assert re.search(r"^ time\s+dir\s+type", s, re.M) and "detail" in s, s
        assert re.search(r"^\s+1\s+\S+\s+127\.0\.0\.1", s, re.M), s  # a flow row with its endpoints
        t.resize(120, 40)
        t.wait(r"#\s+technique")
        quit_cleanly(t)


def test_q_restores_the_terminal():
    p = capture("sse.pcap")
    with Tmux(["-r", p]) as t:
        t.wait("flows")
        t.keys("x", "l", "s", "?")          # every screen once
        quit_cleanly(t)                    # exit 0, stty unchanged
        s = t.screen()
        assert "PUSHVIZ-EXITED" in s and "technique" not in s, s  # back on the normal screen


def test_signal_restores_the_terminal():
    p = capture("sse.pcap")
    with Tmux(["-r", p]) as t:
        t.wait("flows")
        pid = t.pid()
        assert pid, "pushviz not found"
        os.kill(pid, 15)
        rc, err = t.exit_status()
        assert rc == 0, (rc, err)


# A test run of its own that starts one pushviz in tmux, prints its run
# directory, tmux socket and pushviz's pid, then waits to be killed.
RUN_AND_WAIT = """
import sys, time
sys.path.insert(0, sys.argv[1])
import uilib
t = uilib.Tmux(["-r", sys.argv[2]])
t.wait("flows")
print(uilib.TMP, t.socket, t.pid(), flush=True)
time.sleep(60)
"""


def tmux_server_runs(sock):
    return subprocess.run(["tmux", "-S", sock, "has-session", "-t", "ui"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=10).returncode == 0


def gone(pid, timeout=5.0):
    deadline = time.monotonic() + timeout
    while os.path.exists("/proc/%d" % pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not os.path.exists("/proc/%d" % pid)


def killed_run(signum):
    """Run RUN_AND_WAIT, kill it with signum once pushviz is up, reap it:
    (its run directory, its tmux socket, pushviz's pid)."""
    child = subprocess.Popen([sys.executable, "-c", RUN_AND_WAIT, os.path.dirname(os.path.abspath(__file__)),
                              capture("sse.pcap")], stdout=subprocess.PIPE)
    try:
        line = child.stdout.readline().decode().split()
        assert len(line) == 3, "the run did not start pushviz: %r" % line
        os.kill(child.pid, signum)
        child.wait(20)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return line[0], line[1], int(line[2])


def test_sigterm_run_kills_its_tmux_server():
    """A run ended by SIGTERM (what `timeout` sends) kills its tmux
    servers and removes its directory on the way out."""
    run_dir, sock, pushviz = killed_run(signal.SIGTERM)
    assert not tmux_server_runs(sock), "tmux server outlived its run"
    assert gone(pushviz), "pushviz %d outlived its run" % pushviz
    assert not os.path.exists(run_dir), run_dir


def test_sigkilled_run_is_swept_by_the_next():
    """A SIGKILLed run can clean nothing up: its tmux server and pushviz
    go on.  The next run's sweep kills them and removes the directory."""
    run_dir, sock, pushviz = killed_run(signal.SIGKILL)
    try:
        assert tmux_server_runs(sock) and os.path.exists(run_dir), "nothing left to sweep?"
        assert run_dir in sweep_stale_runs()
        assert not tmux_server_runs(sock), "the sweep left the tmux server running"
        assert gone(pushviz), "pushviz %d still runs after the sweep" % pushviz
        assert not os.path.exists(run_dir), run_dir
    finally:
        subprocess.run(["tmux", "-S", sock, "kill-server"], stderr=subprocess.DEVNULL, timeout=10)


def test_capture_on_stdin_keys_from_the_terminal():
    p = capture("ws.pcap")
    with Tmux(["-r", "-"], stdin=p) as t:
        t.wait(r"replay -\s+2 flows")
        t.keys("j")                         # keys still work: the second flow is selected
        t.wait(r"(?m)^ time .* flow 2 ")
        quit_cleanly(t)


def test_mouse_click_selects_a_row():
    p = capture("demo.pcap")
    with Tmux(["-r", p], cols=120, lines=40) as t:
        s = t.wait("flows")
        rows = [i for i, line in enumerate(s.splitlines()) if re.match(r"^\s+3\s", line)]
        assert rows, s
        y = rows[0]
        # an X10 mouse report: button 1 pressed, then released, at column 10 of row y
        t.literal("\x1b[M" + chr(32) + chr(32 + 10) + chr(32 + y + 1))
        t.literal("\x1b[M" + chr(35) + chr(32 + 10) + chr(32 + y + 1))
        s = t.wait(r"flow 3 ")
        assert re.search(r"^ time .* flow 3 ", s, re.M), s
        quit_cleanly(t)


def test_no_color_is_monochrome():
    p = capture("demo.pcap")
    with Tmux(["-r", p]) as t:
        s = t.wait("flows", escapes=True)
        assert colours_used(s), "no colour with colours allowed"
        quit_cleanly(t)
    with Tmux(["-r", p], env={"NO_COLOR": "1"}) as t:
        s = t.wait("flows", escapes=True)
        assert not colours_used(s), "colour despite NO_COLOR: %s" % colours_used(s)
        assert re.search(r"\x1b\[[0-9;]*7[;m]", s), "no reverse video for the selection"
        quit_cleanly(t)


def test_realtime_pause_step_speed_and_jumps():
    p = capture("poll.pcap")
    total = len(items(p))
    with Tmux(["-r", p, "--realtime"]) as t:
        t.wait("realtime")
        t.keys("Space")
        s = t.wait("paused")
        before = int(re.search(r"(\d+) items", s).group(1))
        t.keys("n", "n", "n")
        s = t.wait("paused")
        after = int(re.search(r"(\d+) items", s).group(1))
        assert after > before, (before, after, s)
        t.keys("+")
        t.wait(r"x2\b")
        t.keys("-", "-")
        t.wait(r"x0\.5\b")
        t.keys("End")
        t.wait(r"\b%d items" % total)
        t.keys("Home")
        s = t.wait(r"0\.000 s")
        assert int(re.search(r"(\d+) items", s).group(1)) < total, s
        quit_cleanly(t)


def test_save_writes_the_capture():
    """w saves into the directory pushviz started in, and says the full
    path; as root (CI) pushviz reads as nobody, who may not write there
    (TMP is root's, mode 0700): the saver helper creates the file."""
    p = capture("ws.pcap")
    out = os.path.join(TMP, "saved.pcap")
    with Tmux(["-r", p], cwd=TMP, cols=160) as t:
        t.wait("flows")
        t.keys("w")
        t.wait("save capture to:")
        for _ in range(60):
            t.keys("BSpace", pause=0)
        t.literal("saved.pcap")
        t.keys("Enter")
        t.wait("saved \\d+ packets to " + re.escape(out))
        quit_cleanly(t)
    orig = [i for i in items(p) if i["type"] == "tcp"]
    copy = [i for i in items(out) if i["type"] == "tcp"]
    assert [(i["seq_raw"], i["len"]) for i in orig] == [(i["seq_raw"], i["len"]) for i in copy]


def test_live_capture_updates_and_counts():
    if os.geteuid() != 0:
        raise Skip("live capture needs root (CAP_NET_RAW)")
    sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
    from harness import Server, get
    with Server("poll", "--interval", "0") as srv:
        with Tmux(["-i", "lo", "-f", "tcp port %d" % srv.port]) as t:
            t.wait(r"recv \d+ drop \d+")
            for _ in range(3):
                status, _, _ = get(srv.port, "/poll?since=0")
                assert status == 200
            t.wait(r"poll\s+127\.0\.0\.1", timeout=15)
            # The counters come from the kernel and are redrawn every 500 ms,
            # so they may show a frame later than the flows (seen under load).
            t.wait(r"recv [1-9]\d* drop 0", timeout=15)
            t.keys("Tab")
            t.wait(r"GET /poll\?since=0")
            quit_cleanly(t)


def test_live_counters_catch_up_when_the_capture_goes_quiet():
    # The kernel's counts (recv, drop) were read by the capture thread only
    # when libpcap handed it packets, at most every 250 ms; after the last
    # burst none came, and the status line stayed short of what was
    # captured (a class's last burst, its drops included, never shown).
    if os.geteuid() != 0:
        raise Skip("live capture needs root (CAP_NET_RAW)")
    import socket
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    out = os.path.join(TMP, "quiet-counters.pcap")
    try:
        with Tmux(["-i", "lo", "-f", "tcp port %d" % port, "-w", out]) as t:
            t.wait(r"recv \d+ drop \d+")
            for burst in range(2):  # bursts closer together than 250 ms
                c = socket.create_connection(("127.0.0.1", port))
                s, _ = server.accept()
                c.sendall(b"hello")
                s.recv(16)
                time.sleep(0.06)
                c.close()
                s.close()
                time.sleep(0.06)
            time.sleep(1.5)  # quiet: blocks handed over, counts read
            screen = t.screen()
            quit_cleanly(t)
    finally:
        server.close()
    shown = int(re.search(r"recv (\d+) drop 0", screen).group(1))
    assert shown == len(of_type(items(out), "tcp")), (shown, screen)


def test_live_save_as_root_opens_in_tshark():
    """Root, live: w during the capture writes into the starting directory
    (root's, where the unprivileged reader may not write), and tshark reads
    back every request pushviz showed."""
    if os.geteuid() != 0:
        raise Skip("live capture needs root (CAP_NET_RAW)")
    if not shutil.which("tshark"):
        raise Skip("tshark is not installed (make deps installs it)")
    sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
    from harness import Server, get
    cwd = tempfile.mkdtemp(prefix="live-save-", dir=TMP)
    os.chmod(cwd, 0o700)
    with Server("poll", "--interval", "0") as srv:
        with Tmux(["-i", "lo", "-f", "tcp port %d" % srv.port], cwd=cwd, cols=200, lines=60) as t:
            t.wait(r"recv \d+ drop \d+")
            for n in range(4):
                status, _, _ = get(srv.port, "/poll?since=%d" % n)
                assert status == 200
            t.wait(r"poll\s+127\.0\.0\.1", timeout=15)
            t.keys("w")
            t.wait("save capture to:")
            t.keys("C-u")
            t.literal("class.pcap")
            t.keys("Enter")
            s = t.wait(r"saved \d+ packets to " + re.escape(os.path.join(cwd, "class.pcap")))
            quit_cleanly(t)
    # -d: tshark picks a dissector by port, and some ephemeral client ports
    # are registered to other protocols (44322 is pmproxy's): without it, a
    # request from such a port is not read as HTTP at all.
    out = subprocess.run(["tshark", "-n", "-r", os.path.join(cwd, "class.pcap"), "-Y", "http.request",
                          "-d", "tcp.port==%d,http" % srv.port,
                          "-T", "fields", "-e", "http.request.uri"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=60)
    assert out.returncode == 0, out.stderr
    uris = out.stdout.decode().split()
    assert uris == ["/poll?since=%d" % n for n in range(4)], (uris, s)


# ---- screenshots for docs/ ----

def screens(outdir):
    """Text screenshots of each view, from the reference captures."""
    os.makedirs(outdir, exist_ok=True)

    def shot(name, args, keys, wait, cols=100, lines=30):
        with Tmux(args, cols=cols, lines=lines) as t:
            t.wait("flows")
            for k in keys:
                if k.startswith("="):
                    t.literal(k[1:])
                else:
                    t.keys(k)
            s = t.wait(wait)
            with open(os.path.join(outdir, name + ".txt"), "w") as f:
                f.write("\n".join(line.rstrip() for line in s.splitlines()).rstrip() + "\n")
            t.keys("q")
            t.exit_status()

    # relative paths: the title bar shows the file name as given
    demo, ws, lp, xhr = (os.path.relpath(capture(n), ROOT)
                         for n in ("demo.pcap", "ws.pcap", "longpoll.pcap", "xhr.pcap"))
    wsflow = [f for f in of_type(items(os.path.join(ROOT, ws)), "ws_frame") if f["masked"]][0]["flow"]
    shot("flows", ["-r", demo], [], r"#\s+technique", cols=100, lines=30)
    shot("ws-frame", ["-r", ws], ["f", "=%d" % wsflow, "Enter", "Tab", "/", "=masked", "Enter"],
         "mask key", cols=100, lines=34)
    shot("hex", ["-r", xhr], ["Tab", "/", "=chunk", "Enter", "x"], "Hex of", cols=100, lines=34)
    lpflow = [f for f in of_type(items(os.path.join(ROOT, lp)), "flow") if f["technique"] == "longpoll"][0]["flow"]
    shot("ladder", ["-r", lp], ["f", "=%d" % lpflow, "Enter", "l"], "Ladder", cols=110, lines=34)
    shot("stats", ["-r", demo], ["s"], "Stats", cols=100, lines=30)
    shot("help", ["-r", demo], ["?"], "Help", cols=100, lines=36)
    shot("80x24", ["-r", demo], ["Tab"], r"#\s+technique", cols=80, lines=24)


if __name__ == "__main__":
    # uilib removes TMP and kills any tmux server left when the run exits
    if len(sys.argv) == 3 and sys.argv[1] == "--screens":
        screens(sys.argv[2])
    else:
        main([v for k, v in sorted(globals().items()) if k.startswith("test_") and callable(v)])
