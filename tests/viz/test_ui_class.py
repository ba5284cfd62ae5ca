"""test_ui_class.py -- pushviz's interface as a class uses it (issue 14):
display filter expressions, prompt editing, the ladder's cursor and
export, the title on a small terminal, a --realtime replay's end.  Each
case runs at 80x24, 40x10 (the smallest layout) and 200x60, in a UTF-8
locale with NO_COLOR set, through tmux (uilib.py's Tmux).

    python3 tests/viz/test_ui_class.py
"""
import os
import re
import tempfile

from uilib import TMP, Tmux, capture, colours_used, quit_cleanly, ws_capture
import pcapgen as g
from vizlib import items, main, of_type, run

SIZES = [(80, 24), (40, 10), (200, 60)]
ENV = {"NO_COLOR": "1"}


def at_every_size(args, ready=r"\d+ flows", workdir=None):
    """pushviz with args at each of SIZES, in turn: yields (cols, lines, t,
    screen) once `ready` (a regex) is on the screen, and after the case's
    body expects q to end pushviz with status 0.  workdir: a prefix, to run
    each in a new directory under TMP, yielded as a fifth value."""
    for cols, lines in SIZES:
        cwd = tempfile.mkdtemp(prefix=workdir, dir=TMP) if workdir else None
        with Tmux(args, cols=cols, lines=lines, env=ENV, cwd=cwd) as t:
            s = t.wait(ready)
            yield (cols, lines, t, s, cwd) if workdir else (cols, lines, t, s)
            quit_cleanly(t)


def last_line(screen):
    return [line for line in screen.splitlines() if line.strip()][-1]


def test_filter_expressions_choose_flows_and_errors_say_where():
    p = capture("demo.pcap")
    flows = of_type(items(p), "flow")
    ws = [f["flow"] for f in flows if f["technique"] == "ws"]
    assert ws and len(ws) < len(flows), flows
    for cols, lines, t, _ in at_every_size(["-r", p]):
        t.keys("f")
        t.wait("filter:")
        t.literal("technique == ws and opcode == text")
        t.keys("Enter")
        s = t.wait(r"\bws\b")
        listed = re.findall(r"^\s*(\d+)\s+ws\b", s, re.M)
        assert listed and all(int(n) in ws for n in listed), (listed, ws, s)
        assert not re.search(r"^\s*\d+\s+(poll|sse|longpoll)\b", s, re.M), s
        assert not colours_used(t.screen(escapes=True)), "colour despite NO_COLOR"
        # a wrong field: refused, with the reason; the filter stays
        t.keys("f")
        t.literal("methd == GET")
        t.keys("Enter")
        s = t.wait("filter not applied")
        if cols >= 80:
            assert "column 1: unknown field 'methd'" in s, s
        # a bare technique name is still understood
        t.keys("f")
        t.literal("sse")
        t.keys("Enter")
        s = t.wait(r"(?m)^\s*\d+\s+sse\b", timeout=5)
        assert not re.search(r"^\s*\d+\s+ws\b", s, re.M), s


def test_an_accepted_filter_clears_the_refusal():
    """A refused filter's notice goes once a filter is accepted: left on
    the status line, it would read as the new filter's answer."""
    p = capture("demo.pcap")
    for cols, lines, t, _ in at_every_size(["-r", p]):
        t.keys("f")
        t.literal("status >= ")
        t.keys("Enter")
        t.wait("filter not applied")
        t.keys("f")
        t.literal("technique == sse")
        t.keys("Enter")
        s = t.wait(r"filter=t")  # the status line names the filter in use
        assert "not applied" not in last_line(s), s


def test_prompt_edits_like_a_shell():
    p = capture("demo.pcap")
    for cols, lines, t, _ in at_every_size(["-r", p]):
        t.keys("/")
        s = t.wait("search:")
        assert re.search(r"search:\s*(\S.*)?$", last_line(s)), s  # starts empty
        t.literal("hello world")
        t.keys("C-w")
        t.literal("there")
        t.wait(r"search: hello there")
        t.keys("Home")
        t.literal("<")
        t.keys("End")
        t.literal(">")
        t.wait(r"search: <hello there>")
        t.keys("Left", "Left", "BSpace")  # the r before the last e
        t.wait(r"search: <hello thee>")
        t.keys("C-u")
        s = t.wait(r"search:")
        assert "hello" not in last_line(s), s
        t.literal("GET")
        t.keys("Enter")
        # the history: Up brings the accepted line back in a new prompt
        t.keys("/")
        t.wait("search:")
        t.keys("Up")
        t.wait(r"search: GET")
        t.keys("Escape")


def test_ladder_cursor_follows_and_exports():
    p = capture("longpoll.pcap")
    its = items(p)
    lp = [f["flow"] for f in of_type(its, "flow") if f["technique"] == "longpoll"][0]
    dirs = []
    for cols, lines, t, _, cwd in at_every_size(["-r", p], workdir="ladder-"):
        t.keys("f")
        t.literal("flow == %d" % lp)
        t.keys("Enter", "Tab", "Down", "Down", "Down")
        t.keys("l")
        s = t.wait(r"Ladder")
        cursor = re.findall(r"^>\s*(\d+\.\d+)", s, re.M)
        assert len(cursor) == 1, s
        t.keys("Down", "Down")
        s = t.wait(r"(?m)^>\s+(?!%s)\d+\.\d+" % re.escape(cursor[0]))
        assert len(re.findall(r"^>", s, re.M)) == 1, s
        if lines >= 20:
            # the detail pane under the ladder shows the cursor's message
            assert re.search(r"(http_request|http_response|event|tcp)\s+(client|server)", s), s
        t.keys("E")
        t.wait("export ladder to:")
        t.literal("slide.svg")
        t.keys("Enter")
        t.wait(r"ladder of \d+ rows" if cols >= 80 else r"ladder of")
        dirs.append(cwd)
    assert len(dirs) == len(SIZES), dirs
    for cwd in dirs:  # read once pushviz has quit
        with open(os.path.join(cwd, "slide.svg"), encoding="utf-8") as f:
            svg = f.read()
        assert svg.count('class="arrow"') > 20 and 'class="held"' in svg, svg[:500]


def test_title_keeps_its_counts_on_a_small_terminal():
    p = capture("demo.pcap")
    n = len(items(p))
    for cols, lines, t, s in at_every_size(["-r", os.path.abspath(p)], ready=r"\b%d items" % n):
        title = s.splitlines()[0]
        assert title.rstrip().endswith("%d items" % n), title
        assert title.lstrip().startswith("pushviz"), title


def test_view_titles_give_way_to_the_line_counter():
    """A full-screen view's heading ends with the counter of the lines on
    show (1-18/78); a title too long for the rest is cut with "...", a
    space before the counter, instead of being written over by it."""
    p = capture("demo.pcap")
    for cols, lines, t, _ in at_every_size(["-r", p]):
        for key, title in (("l", "Ladder of"), ("F", "Stream of"), ("s", "Stats")):
            t.keys(key)
            heading = t.wait(title).splitlines()[1].rstrip()
            m = re.search(r" \d+-\d+/\d+$", heading)
            text = heading[:m.start()].rstrip() if m else heading
            assert text.startswith(" " + title) and text.endswith(("back)", "...")), (cols, heading)
            t.keys(key)
            t.wait(r"#\s+technique")


def test_realtime_replay_says_when_it_has_ended():
    p = capture("poll.pcap")
    # ready: the packet counter itself, not the title drawn before it
    for cols, lines, t, s in at_every_size(["-r", p, "--realtime"], ready=r"(?s)(playing|paused).*\d+/\d+ pkts"):
        m = re.search(r"(\d+)/(\d+) pkts", s)
        assert m and int(m.group(1)) < int(m.group(2)), s
        # paused, the status offers to play; End shows the rest: ended,
        # not "paused" (it said paused at the end)
        t.keys("space")
        s = t.wait(r"paused")
        if cols >= 120:
            assert "space play" in s, s
        t.keys("End")
        s = t.wait(r"ended")
        if cols >= 80:
            m = re.search(r"(\d+)/(\d+) pkts", s)
            assert m and m.group(1) == m.group(2), s


def test_follow_stream_shows_both_directions():
    p = capture("sse.pcap")
    for cols, lines, t, _ in at_every_size(["-r", p]):
        t.keys("F")
        s = t.wait(r"Stream of flow 1")
        assert "client to server" in s and "GET /events HTTP/1.1" in s, s
        if lines >= 24:
            assert "server to client" in s and "text/event-stream" in s, s
        t.keys("G")  # the end: the byte counts of both directions
        s = t.wait(r"\d+ bytes client to server, \d+ bytes server to client" if cols >= 80
                   else r"\d+ bytes client to server")
        t.keys("F")
        t.wait(r"#\s+technique")


def test_search_hits_marks_and_time_modes():
    p = capture("sse.pcap")
    for cols, lines, t, _ in at_every_size(["-r", p]):
        t.find_message("tick 2")
        t.keys("m", "n", "m")  # mark the sse_event, then the event, both about tick 2
        s = t.wait(r"(?m)^\*")
        rows = re.findall(r"(?m)^\*.*$", s)
        assert len(rows) == 2 or lines < 24, rows  # 40x10 shows three message rows
        t.keys("N")  # back to the first hit
        t.keys("g")  # to the first row, then ' finds the first mark
        t.keys("'")
        s = t.screen()
        assert "not found" not in s and "no marked" not in s, s
        # the time column: relative, delta, wall clock
        t.keys("T")
        s = t.wait(r"\+time")
        assert re.search(r"(?m)^[ *]\s*\+\d+\.\d{6} ", s), s
        t.keys("T")
        s = t.wait(r"wall clock")
        assert re.search(r"(?m)^[ *] ?\d\d:\d\d:\d\d\.\d{3} ", s), s
        t.keys("T")
        t.wait(r" time ")


def flow_rows(screen):
    """(flow number, technique) of the flows pane's rows: between its
    heading and the messages pane's."""
    lines = screen.splitlines()
    start = next(i for i, l in enumerate(lines) if re.search(r"#\s+\S*technique", l)) + 1
    rows = []
    for l in lines[start:]:
        m = re.match(r"\s*(\d+)\s+(\w+)\+?\s", l)  # "poll+": some exchanges named otherwise
        if not m:
            break
        rows.append((int(m.group(1)), m.group(2)))
    return rows


def test_flows_sort_by_any_column():
    p = capture("demo.pcap")
    flows = of_type(items(p), "flow")
    for cols, lines, t, _ in at_every_size(["-r", p]):
        t.keys("o")  # by technique
        s = t.wait(r"\^technique")
        listed = [tech for _, tech in flow_rows(s)]
        assert listed == sorted(listed) and listed, (listed, s)
        t.keys("O")
        s = t.wait(r"vtechnique")
        listed = [tech for _, tech in flow_rows(s)]
        assert listed == sorted(listed, reverse=True) and listed, (listed, s)
        if lines >= 24:
            want = sorted(flows, key=lambda f: -f["packets"])[0]["flow"]
            t.keys("o", "o", "o", "o")  # client, state, dur, pkts
            s = t.wait(r"vpkts")
            assert flow_rows(s)[0][0] == want, s


def test_save_keeps_only_the_filtered_flows():
    p = capture("demo.pcap")
    ws = [f for f in of_type(items(p), "flow") if f["technique"] == "ws"]
    dirs = []
    for cols, lines, t, _, cwd in at_every_size(["-r", p], workdir="save-"):
        t.keys("f")
        t.literal("technique == ws")
        t.keys("Enter", "w")
        t.wait("save capture to:")
        t.literal("ws-only.pcap")
        t.keys("Enter")
        t.wait(r"saved \d+ packets")
        dirs.append(cwd)
    assert len(dirs) == len(SIZES), dirs
    for cwd in dirs:  # read once pushviz has quit
        kept = items(os.path.join(cwd, "ws-only.pcap"))
        flows = of_type(kept, "flow")
        assert [f["technique"] for f in flows] == ["ws"] * len(ws), flows
        assert sum(f["packets"] for f in flows) == sum(f["packets"] for f in ws), (flows, ws)


def test_utf8_text_is_shown_and_found():
    """Non-ASCII payload text reaches --dump and the messages pane as
    characters (not dots), and a search for it finds it."""
    text = "caf\u00e9 \u65e5\u672c\u8a9e ok"
    p = ws_capture("utf8-class.pcap", text.encode())
    rc, out, err = run(["-r", p, "--dump"])
    assert rc == 0 and text in out, out
    for cols, lines, t, _ in at_every_size(["-r", p]):
        t.find_message("\u65e5\u672c")
        s = t.screen()
        assert "not found" not in s, s
        if cols >= 200:  # the payload comes late in the row
            row = [l for l in s.splitlines() if text in l]
            assert row and row[0].rstrip().endswith(text + " @142"), s


def test_library_sessions_are_grouped():
    """The flows of one Engine.IO session (its polls, its sends, its
    WebSocket upgrade) carry its mark "s1"; in the default order the later
    ones follow the first, marked "`-", and a flow outside it (socket.io's
    icon, flow 2) comes after them; the flow detail lists them."""
    thirdparty = os.path.join("thirdparty", "%s.pcap")
    for name, order in (("engineio-upgrade", [1, 2, 3]), ("socketio-upgrade", [1, 3, 4, 2])):
        p = capture(thirdparty % name)
        sid = [f for f in of_type(items(p), "flow") if f["session"]][0]["session"]
        for cols, lines in ((200, 60), (80, 24)):
            with Tmux(["-r", p], cols=cols, lines=lines, env=ENV) as t:
                s = t.wait(r"(?s)\A(?!.*loading)(?=.* %d flows )" % len(order))  # all read
                assert [n for n, _ in flow_rows(s)] == order, s
                marks = [re.search(r"(?m)^\s*%d\s+\S+\s+(s1 (`- )?)?" % n, s).group(1) for n in order]
                assert marks[0] == "s1 " and marks[1:3] == ["s1 `- ", "s1 `- "], (marks, s)
                if name == "socketio-upgrade":
                    assert marks[3] is None, marks  # the icon's flow serves no session
                if lines >= 60:
                    t.keys("Down")
                    t.wait(r"session\s+s1, %s %s: flows 1 \d" % (name.split("-")[0].replace("io", ".io"), sid))
                quit_cleanly(t)


def test_bodies_read_as_text():
    """A POST's Content-Length body and its JSON answer are `body` rows in
    the messages pane, their UTF-8 text as characters, and the detail pane
    shows the whole text."""
    text = "h\u00e9llo w\u00f6rld \u2713 from a form"
    conv = g.Conversation()
    conv.handshake()
    data = text.encode()
    conv.send("c2s", b"POST /send HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(data) + data)
    answer = b'{"ok":true,"echo":"' + data + b'"}'
    conv.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
              % len(answer) + answer)
    conv.close()
    p = conv.write(os.path.join(TMP, "bodies.pcap"))
    bodies = of_type(items(p), "body")
    assert [(b["dir"], b["size"], b["text"]) for b in bodies] == [
        ("c2s", len(data), text), ("s2c", len(answer), answer.decode())], bodies
    for cols, lines in ((200, 60), (80, 24)):
        with Tmux(["-r", p], cols=cols, lines=lines, env=ENV) as t:
            t.wait(r"1 flows?")
            t.keys("Tab")
            s = t.wait(r"body .*size=%d text=h\u00e9llo" % len(data))
            t.keys("/")
            t.literal("w\u00f6rld \u2713")
            t.keys("Enter")
            s = t.screen()
            assert "not found" not in s, s
            if lines >= 60:
                s = t.wait(r"(?ms)^body client -> server.*%d bytes:.*%s" % (len(data), re.escape(text)))
                assert "Content-Length said how many bytes" in s, s
            quit_cleanly(t)


def test_coded_body_shows_both_sizes():
    """A gzip answer (captures/thirdparty/coding-poll.pcap, node http +
    zlib): its row and detail show the decoded text, the detail pane both
    sizes and the ratio."""
    p = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "captures", "thirdparty",
                     "coding-poll.pcap")
    first = of_type(items(p), "body")[0]
    assert first["coding"] == "gzip", first
    with Tmux(["-r", p], cols=200, lines=60, env=ENV) as t:
        t.wait(r"1 flows?")
        t.keys("Tab")
        t.wait(r"body .*size=%d .*text=\{\"poll\":1" % first["size"])
        t.keys("/")
        t.literal('"poll":1,')
        t.keys("Enter")
        s = t.wait(r"Content-Encoding gzip: %d bytes on the wire -> %d decoded \(%.1f%% of it; %d saved\)" % (
            first["size"], first["decoded_size"], 100.0 * first["size"] / first["decoded_size"],
            first["decoded_size"] - first["size"]))
        assert "not found" not in s, s
        quit_cleanly(t)


if __name__ == "__main__":
    main([v for k, v in sorted(globals().items()) if k.startswith("test_") and callable(v)])
