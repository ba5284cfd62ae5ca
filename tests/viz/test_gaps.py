"""test_gaps.py -- pushviz keeps reading after a lost segment (issue 13).

Each reference capture (captures/*.pcap but demo.pcap, which repeats the
others) is replayed once per TCP segment that carries payload, with that
one segment deleted (all the copies in one file, see check_capture).  On what is left, tshark is the oracle: per flow,
everything it still decodes -- HTTP requests (method, URI) and responses
(status), chunk sizes, WebSocket frames (opcode, FIN, MASK, length) --
pushviz must decode too (it may find more: tshark's reassembly often gives
up on the rest of a body after a hole).  And pushviz must say that bytes
are missing, with an `error` item in that flow, whenever the capture still
shows it (a later segment of that direction, or the peer's ACK past it).

The other things real captures do to a stream are swept the same way,
every copy of a capture in one file: two records swapped (an ACK captured
before its data), the capture begun at each segment, sequence numbers
that pass 2^32, servers on a higher port than their clients with the
handshakes missing, and payloads cut into segments of any size.  Where
nothing is lost, the oracle is pushviz's own reading of the capture as
recorded.
"""
import collections
import glob
import json
import os
import struct

import pcapgen as g
from vizlib import CAPTURES, items, main, of_type, pcap_records, scratch_dir, server_ports, tshark

TMP = scratch_dir("pushviz-gaps-")


def payload_frames(path):
    """Frame numbers (1-based) of TCP segments with payload, and per frame
    (stream, dir key, seq, len) to tell whether the loss shows later."""
    rows = tshark(path, ["frame.number", "tcp.stream", "tcp.srcport", "tcp.seq", "tcp.len", "tcp.ack"],
                  display="tcp")
    return [(int(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5] or 0)) for r in rows]


def loss_visible(rows, frame):
    """Does anything after `frame` show its bytes were sent?"""
    _, stream, sport, seq, length, _ = next(r for r in rows if r[0] == frame)
    end = seq + length
    for n, s, p, q, ln, ack in rows:
        if n <= frame or s != stream:
            continue
        if p == sport and ln > 0 and q >= end:
            return True  # a later segment of the same direction
        if p != sport and ack >= end:
            return True  # the peer acknowledged past it
    return False


# HTTP/2 frame types and TLS record types by the names pushviz gives them.
H2_TYPES = {"DATA": 0, "HEADERS": 1, "PRIORITY": 2, "RST_STREAM": 3, "SETTINGS": 4, "PUSH_PROMISE": 5,
            "PING": 6, "GOAWAY": 7, "WINDOW_UPDATE": 8, "CONTINUATION": 9}
TLS_TYPES = {"change_cipher_spec": 20, "alert": 21, "handshake": 22, "application_data": 23}


def oracle(path, its, dissector="http"):
    """Per flow, a Counter of what tshark decodes, the servers' ports
    decoded as `dissector` (http, or http2 for HTTP/2 without an upgrade,
    or tls)."""
    fields = ["tcp.stream", "http.request.method", "http.request.uri", "http.response.code",
              "http.chunk_size", "websocket.opcode", "websocket.fin", "websocket.mask",
              "websocket.payload_length", "websocket.payload_length_ext_16",
              "http2.type", "http2.streamid", "http2.length", "tls.record.content_type", "tls.record.length"]
    rows = tshark(path, fields, decode_as=["tcp.port==%d,%s" % (p, dissector) for p in server_ports(its)],
                  display="http or websocket or http2 or tls")
    out = collections.defaultdict(collections.Counter)
    split = lambda v: v.split("|") if v else []  # noqa: E731
    for (stream, methods, uris, codes, chunks, ops, fins, masks, lens, ext16,
         h2_types, h2_streams, h2_lens, tls_types, tls_lens) in rows:
        flow = int(stream) + 1
        for t, sid, n in zip(split(h2_types), split(h2_streams), split(h2_lens)):
            out[flow][("http2", int(t), int(sid), int(n))] += 1
        for t, n in zip(split(tls_types), split(tls_lens)):
            out[flow][("tls", int(t), int(n))] += 1
        for m, u in zip(split(methods), split(uris)):
            out[flow][("request", m, u)] += 1
        for c in split(codes):
            out[flow][("response", int(c))] += 1
        for c in split(chunks):
            if int(c):
                out[flow][("chunk", int(c))] += 1
        ext = iter(split(ext16))
        for op, fin, mask, n in zip(split(ops), split(fins), split(masks), split(lens)):
            n = int(n)
            if n == 126:
                n = int(next(ext))
            out[flow][("ws", int(op), fin in ("1", "True"), mask in ("1", "True"), n)] += 1
    return out


def mine(its):
    out = collections.defaultdict(collections.Counter)
    for r in of_type(its, "http_request"):
        out[r["flow"]][("request", r["method"], r["target"])] += 1
    for r in of_type(its, "http_response"):
        out[r["flow"]][("response", r["status"])] += 1
    for c in of_type(its, "chunk"):
        if c["size"]:
            out[c["flow"]][("chunk", c["size"])] += 1
    for f in of_type(its, "ws_frame"):
        out[f["flow"]][("ws", f["opcode"], f["fin"], f["masked"], f["len"])] += 1
    for f in of_type(its, "http2"):
        if f["frame"] in H2_TYPES:  # (not the preface)
            out[f["flow"]][("http2", H2_TYPES[f["frame"]], f["stream"], f["len"])] += 1
    for r in of_type(its, "tls"):
        if r["record"] in TLS_TYPES:
            out[r["flow"]][("tls", TLS_TYPES[r["record"]], r["len"])] += 1
    return out


def variant(rec, k):
    """Record rec of deletion variant k: its IPv4 addresses moved to
    127.k.k.1 (so each variant's connections are its own), its time k hours
    on (so variants follow one another).  Checksums are not kept: neither
    tool checks them (loopback captures carry unfinished ones)."""
    rec = bytearray(rec)
    assert rec[16 + 12:16 + 14] == b"\x08\x00", "captures are Ethernet/IPv4"
    addr = bytes([127, k >> 8 & 255, k & 255, 1])
    rec[16 + 14 + 12:16 + 14 + 16] = addr
    rec[16 + 14 + 16:16 + 14 + 20] = addr
    rec[0:4] = struct.pack("<I", struct.unpack("<I", rec[0:4])[0] + 3600 * (k + 1))
    return bytes(rec)


def write_copies(name, head, copies):
    """One file holding copies of a capture (each a list of its records,
    changed), copy k on its own addresses and time (variant): one pushviz
    run, and one tshark run, read every change at once."""
    cut = os.path.join(TMP, name)
    with open(cut, "wb") as f:
        f.write(head)
        for k, recs in enumerate(copies):
            f.write(b"".join(variant(r, k) for r in recs))
    return cut


def flows_by_copy(its):
    """{copy k: its flows in order} of a file write_copies made (variant
    put k in each client's address)."""
    out = collections.defaultdict(list)
    for f in sorted(of_type(its, "flow"), key=lambda f: f["flow"]):
        ip = f["client"].rsplit(":", 1)[0].split(".")
        out[int(ip[1]) << 8 | int(ip[2])].append(f["flow"])
    return out


def check_capture(path, dissector="http"):
    """Every deletion at once: one file holds the capture once per payload
    segment, that segment missing, each copy on its own addresses and
    time, so one pushviz run and one tshark run check them all."""
    head, recs = pcap_records(path)
    rows = payload_frames(path)
    frames = [r[0] for r in rows if r[4] > 0]
    name = os.path.splitext(os.path.basename(path))[0]
    cut = write_copies(name + "-deletions.pcap", head, [recs[:frame - 1] + recs[frame:] for frame in frames])
    its = items(cut)
    theirs, ours = oracle(cut, its, dissector), mine(its)
    if name != "flash":  # tshark has no dissector for Flash's NUL-ended messages
        assert sum(sum(c.values()) for c in theirs.values()) >= 2 * len(frames), "tshark decoded little"
    flows_of = flows_by_copy(its)  # which deletion each flow belongs to; its stream in the original
    problems = []
    for k, frame in enumerate(frames):
        where = "%s without frame %d" % (name, frame)
        for stream, flow in enumerate(flows_of[k]):
            missing = theirs[flow] - ours[flow]
            if missing:
                problems.append("%s, flow %d: tshark decodes %s, pushviz not" % (where, stream + 1, dict(missing)))
        stream = next(r[1] for r in rows if r[0] == frame)
        if loss_visible(rows, frame) and not of_type(its, "error", flow=flows_of[k][stream]):
            problems.append("%s, flow %d: no error item for the lost segment" % (where, stream + 1))
    os.unlink(cut)
    assert not problems, "\n".join(problems[:20]) + "\n(%d problems, %d deletions)" % (len(problems), len(frames))
    return len(frames)


def make_case(path, prefix="test_gap_", dissector="http"):
    def case():
        assert check_capture(path, dissector) > 5
    case.__name__ = prefix + os.path.splitext(os.path.basename(path))[0]
    return case


# Stacks pushlab did not write, each deletion in turn as for the reference
# captures: one capture per stack and feature (a WebSocket of Chromium's
# compressed with context takeover, node's fragmented compressed messages,
# socket.io's upgrade, SockJS streaming, Engine.IO polling, an SSE server
# restarted, chunked trailers; HTTP/2 with prior knowledge and after an
# upgrade; TLS 1.2 and Chromium's TLS 1.3), with the dissector tshark is
# told to use on the servers' ports.  The other third-party captures pass
# too, but for a compressed event stream, which tshark leaves undecoded.
# The HTTP/2 and TLS ones found that a gap over a side's first bytes (its
# ClientHello, its preface) sent that side's search after an HTTP head.
THIRD_PARTY_GAPS = (("ws-deflate-chromium-takeover", "http"), ("ws-deflate-node-fragmented", "http"),
                    ("socketio-upgrade", "http"), ("sockjs-xhr-streaming", "http"),
                    ("engineio-polling", "http"), ("sse-restart", "http"), ("trailers", "http"),
                    ("h2c-node", "http2"), ("h2c-upgrade", "http"), ("tls12-node", "tls"),
                    ("tls-chromium", "tls"))


# What each message item says, for comparing two readings of one stream.
MESSAGE_FIELDS = {"http_request": ("method", "target"), "http_response": ("status",), "chunk": ("size", "text"),
                  "part": ("size",), "body": ("size",), "sse_event": ("id", "data"), "ws_frame": ("opcode", "len", "payload"),
                  "flash": ("text",), "message": ("text",), "event": ("text",), "http2": ("frame", "stream", "len"),
                  "tls": ("record", "len")}


def messages_by_copy(its):
    """Per capture copy (variant's k) and flow within it, a Counter of message items."""
    where = {flow: (k, n) for k, flows in flows_by_copy(its).items() for n, flow in enumerate(flows, 1)}
    out = collections.defaultdict(collections.Counter)
    for it in its:
        if it["type"] in MESSAGE_FIELDS and it.get("flow") in where:
            out[where[it["flow"]]][(it["type"],) + tuple(str(it.get(k)) for k in MESSAGE_FIELDS[it["type"]])] += 1
    return out


def test_an_ack_captured_before_the_data_it_acknowledges_loses_nothing():
    """Two taps merged by their clocks, a capture on several interfaces:
    an ACK can come a packet before the data it acknowledges.  Each
    segment with payload is swapped with the segment of the other side
    that follows and acknowledges it -- a bare ACK, or an answer with data
    (one copy of the capture per swap, as check_capture makes them): the
    data is read where it comes, nothing is said lost, and an answer is
    still read after its request.  Before, the ACK had it taken as "not
    captured (the peer acknowledged them)", and the request or frame that
    came a packet later was passed over (tshark does the same: a spurious
    retransmission, not dissected)."""
    for name in ("xhr.pcap", "ws.pcap", "sse.pcap", os.path.join("thirdparty", "ws-deflate-chromium-takeover.pcap"),
                 os.path.join("thirdparty", "sockjs-xhr-streaming.pcap")):
        path = os.path.join(CAPTURES, name)
        head, recs = pcap_records(path)
        rows = payload_frames(path)  # (frame, stream, srcport, seq, len, ack)
        swaps = [i for i, (frame, stream, sport, seq, length, _) in enumerate(rows[:-1])
                 if length and rows[i + 1][0] == frame + 1 and rows[i + 1][1] == stream and rows[i + 1][2] != sport
                 and rows[i + 1][5] >= seq + length]
        copies = []
        for i in swaps:
            at = rows[i][0] - 1  # the data's record; the ACK's is the next
            data, ack = bytearray(recs[at]), bytearray(recs[at + 1])
            data[0:8], ack[0:8] = recs[at + 1][0:8], recs[at][0:8]  # times stay in order
            copies.append(recs[:at] + [bytes(ack), bytes(data)] + recs[at + 2:])
        cut = write_copies(os.path.basename(name) + "-ack-first.pcap", head, copies)
        assert len(swaps) > 5, (name, len(swaps))
        whole = messages_by_copy([dict(it, client="127.0.0.1:1") if it["type"] == "flow" else it
                                  for it in items(path)])  # (one copy: k = 0)
        its = items(cut)
        got = messages_by_copy(its)
        for k, i in enumerate(swaps):
            for (_, flow), want in whole.items():
                assert got[k, flow] == want, "%s, the ACK of frame %d first: flow %d %s" % (
                    name, rows[i][0], flow, (want - got[k, flow]) or (got[k, flow] - want))
        lost = [e["what"] for e in of_type(its, "error") if "not captured" in e["what"]]
        assert not lost, (name, lost[:3])


def record_seconds(head, rec):
    """A record's capture time in seconds (the file's magic says micro- or nanoseconds)."""
    sec, frac = struct.unpack("<II", rec[0:8])
    return sec + frac / (1e9 if head[0:4] == b"\x4d\x3c\xb2\xa1" else 1e6)


def check_joined_late(path):
    """The capture begun at each of its segments with payload (one copy
    per start, as check_capture makes them): every event and library
    message the whole capture shows after that segment is still shown.
    Returns how many starts were checked."""
    head, recs = pcap_records(path)
    frames = [r[0] for r in payload_frames(path) if r[4] > 0][1:]  # (at the first: no late join)
    cut = write_copies(os.path.basename(path) + "-late.pcap", head, [recs[frame - 1:] for frame in frames])
    whole = [(it["t"], it["type"], it.get("text")) for it in items(path) if it["type"] in ("event", "message")]
    its = items(cut)
    copy_of = {flow: k for k, flows in flows_by_copy(its).items() for flow in flows}
    got = collections.defaultdict(collections.Counter)
    for it in its:
        if it["type"] in ("event", "message") and it.get("flow") in copy_of:
            got[copy_of[it["flow"]]][it["type"], it.get("text")] += 1
    t0 = record_seconds(head, recs[0])
    problems = []
    for k, frame in enumerate(frames):
        joined = record_seconds(head, recs[frame - 1]) - t0
        want = collections.Counter((kind, text) for t, kind, text in whole if t > joined + 1e-6)
        missing = want - got[k]
        if missing:
            problems.append("%s from frame %d: %s not shown" % (os.path.basename(path), frame, dict(missing)))
    assert not problems, "\n".join(problems[:10]) + "\n(%d of %d starts)" % (len(problems), len(frames))
    return len(frames)


def test_where_segments_cut_a_stream_joined_inside_its_body_changes_nothing():
    """A stream the capture joined inside its body (headless.c), its
    server's payloads cut into segments of 1 and 7 bytes, reads as it does
    in whole segments: its shape may show only bytes later (a block, a
    part's head, a chunk still coming), and is waited for."""
    for size in (1, 7):
        for name in ("sse", "multipart", "iframe", "xhr"):
            head, recs = pcap_records(os.path.join(CAPTURES, name + ".pcap"))
            read = []
            for change in (lambda recs: recs, lambda recs: resegmented(recs, size)):
                its = items(write_copies("late-cut-%s-%d.pcap" % (name, size), head,
                                         [change(recs[frame - 1:]) for frame in (8, 10)]))
                read.append(sorted(json.dumps({k: v for k, v in it.items() if k not in ("frame", "packets")},
                                              sort_keys=True) for it in its if it["type"] != "tcp"))
            assert read[0] == read[1], (name, size, sorted(set(read[0]) ^ set(read[1]))[:4])
            assert sum('"type": "joined"' in line for line in read[0]) == 2, (name, read[0][:4])


def test_a_capture_begun_at_any_segment_shows_every_event_after_it():
    """A live capture started late, on every reference capture and on
    third-party ones: each of their segments as the first captured.  The
    HTTP/2 ones were read as WebSocket frames from the middle (ec81561);
    Chromium's compressed WebSocket without context takeover showed its
    messages compressed (d6e92df); node's, its server on a port above its
    client's, was read the wrong way round (both ports are ephemeral) until
    the first payload settled the roles.  Left out: the push libraries'
    polling and streaming transports, whose messages are named from a
    request the late capture misses, the compressed WebSockets with context
    takeover (a message that copies from before the start cannot be
    inflated: test_deflate), and node's gzip HTTP/2 stream (its content
    coding is in a header block HPACK cannot read any more).  The
    libraries' WebSocket transports, named by their messages when joined
    late, have their own test below; so have the libraries' streaming
    transports joined inside their answers' bodies."""
    third = ("sse-restart", "trailers", "ws-plain", "ws-deflate-chromium-nocontext", "ws-deflate-node-nocontext", "h2c-curl",
             "h2c-upgrade", "coding-sse", "iframe-html", "ndjson", "multipart", "poll-keepalive")
    paths = [p for p in sorted(glob.glob(os.path.join(CAPTURES, "*.pcap"))) if not p.endswith("demo.pcap")]
    paths += [os.path.join(CAPTURES, "thirdparty", name + ".pcap") for name in third]
    assert sum(check_joined_late(p) for p in paths) > 300


def test_events_in_bytes_that_wait_to_be_told_keep_the_time_they_came():
    """A capture begun at each segment of each reference capture: every
    event it shows is shown once, with the latency the whole capture gives
    it.  The bytes a side sends before the other has said anything may
    wait for more to tell what protocol they are; the events in them were
    shown when the other side spoke -- a poll's answer joined late, when
    the next request came a second later: 1.1 s too late (poll.pcap)."""
    def ends(f):
        return frozenset(int(f[end].rsplit(":", 1)[1]) for end in ("client", "server"))

    problems, checked = [], 0
    for path in [p for p in sorted(glob.glob(os.path.join(CAPTURES, "*.pcap"))) if not p.endswith("demo.pcap")]:
        head, recs = pcap_records(path)
        frames = [r[0] for r in payload_frames(path) if r[4] > 0][1:]
        cut = write_copies(os.path.basename(path) + "-event-times.pcap", head, [recs[f - 1:] for f in frames])
        whole = items(path)
        flow_ends = {f["flow"]: ends(f) for f in of_type(whole, "flow")}
        latency = {(flow_ends[e["flow"]], e["seq"], e["text"]): e["latency_ms"] for e in of_type(whole, "event")}
        its = items(cut)
        late_ends = {f["flow"]: ends(f) for f in of_type(its, "flow")}
        copy_of = {flow: k for k, flows in flows_by_copy(its).items() for flow in flows}
        seen = collections.Counter()
        for e in of_type(its, "event"):
            k = copy_of[e["flow"]]
            key = (late_ends[e["flow"]], e["seq"], e["text"])
            seen[k, key] += 1
            checked += 1
            # (each copy is moved k + 1 hours on: variant)
            if key in latency and abs(e["latency_ms"] - 3600e3 * (k + 1) - latency[key]) > 0.001:
                problems.append("%s from frame %d: %s %.3f ms late" % (os.path.basename(path), frames[k], e["text"],
                                                                     e["latency_ms"] - 3600e3 * (k + 1) - latency[key]))
        problems += ["%s from frame %d: %s shown %d times" % (os.path.basename(path), frames[k], key[2], n)
                     for (k, key), n in seen.items() if n > 1]
    assert not problems, "\n".join(problems[:10]) + "\n(%d problems)" % len(problems)
    assert checked > 1000, checked


STREAM_TECHNIQUES = ("sse", "multipart", "iframe", "xhr")


def message_key(it):
    """What a message item of a streamed body shows, wherever its bytes began."""
    return it["type"], it.get("data", it.get("text")), it.get("size")


def check_stream_joined_late(path):
    """The capture begun at each of its segments with payload, as in
    check_joined_late: a streamed answer the capture joined inside its
    body -- no request, no status line -- is named by its content, with the
    technique the whole capture gives it and the push library it carries
    (SockJS's streaming transports), and every event, chunk, part and
    library message that came after the first captured segment is shown.  Returns how many
    joins there were inside such a body."""
    head, recs = pcap_records(path)
    frames = [r[0] for r in payload_frames(path) if r[4] > 0][1:]
    cut = write_copies(os.path.basename(path) + "-stream-late.pcap", head, [recs[frame - 1:] for frame in frames])
    whole = items(path)

    def ports(f):
        return frozenset(int(f[end].rsplit(":", 1)[1]) for end in ("client", "server"))

    streams = {f["flow"]: f for f in of_type(whole, "flow") if f["technique"] in STREAM_TECHNIQUES}
    heads = {it["flow"]: it["t"] for it in of_type(whole, "http_response") if it["flow"] in streams}
    kinds = ("sse_event", "chunk", "part", "message")
    its = items(cut)
    flows = {f["flow"]: f for f in of_type(its, "flow")}
    t0 = record_seconds(head, recs[0])
    joins, problems = 0, []
    for k, late_flows in flows_by_copy(its).items():
        joined = record_seconds(head, recs[frames[k] - 1]) - t0
        for flow, f in streams.items():
            if not heads[flow] + 1e-6 < joined < f["t"]:  # (items' times are rounded to microseconds)
                continue  # the capture began before its answer, or after it ended
            late = [g for g in late_flows if ports(flows[g]) == ports(f)]
            after = [it for it in whole if it["flow"] == flow and it["type"] in kinds and it["t"] > joined + 1e-6]
            # A library's messages from the first that names it: a SockJS array of strings
            # (library_of_joined_body), as a WebSocket joined late is named.
            named = next((i for i, it in enumerate(after) if it["type"] == "message" and it["frame"] == "array"),
                         len(after))
            want = collections.Counter(message_key(it) for i, it in enumerate(after)
                                       if it["type"] != "message" or i >= named)
            if not late or not want:
                continue  # nothing whole came after the first captured segment
            joins += 1
            g = flows[late[0]]
            got = collections.Counter(message_key(it) for it in its if it.get("flow") == g["flow"] and it["type"] in kinds)
            where = "%s joined at frame %d (flow %d)" % (os.path.basename(path), frames[k], flow)
            if g["technique"] != f["technique"]:
                problems.append("%s: named %s, not %s" % (where, g["technique"], f["technique"]))
            if "inside an answer's body" not in g.get("note", ""):
                problems.append("%s: its note does not say the capture began inside the body: %r" % (where, g.get("note")))
            if g.get("library") != f.get("library"):
                problems.append("%s: its library is %s, not %s" % (where, g.get("library"), f.get("library")))
            said = [it["technique"] for it in its if it.get("flow") == g["flow"] and it["type"] == "joined"]
            if said != [f["technique"]]:
                problems.append("%s: joined items %s, not one naming %s" % (where, said, f["technique"]))
            missing = want - got
            if missing:
                problems.append("%s: %s not shown" % (where, dict(missing)))
    assert not problems, "\n".join(problems[:10]) + "\n(%d problems)" % len(problems)
    return joins


def test_chunks_joined_inside_a_body_are_a_stream_once_they_go_on_past_a_write():
    """Chunks of data whose head the capture missed are XHR streaming when
    they go on past the write that brought the first ones seen (a server
    writes a stream's messages one by one), also when their last chunk comes
    later; a body whose last chunk came in that same write (segments
    without PSH, then its last) was a resource sent in chunks (a script),
    and the next exchange on the connection is read."""
    chunks = b"".join(b"%x\r\n%s\r\n" % (100, b"x" * 100) for _ in range(3))
    for last, one_write, technique in ((b"", False, "xhr"), (b"0\r\n\r\n", False, "xhr"),
                                       (b"0\r\n\r\n", True, "http")):
        conv = g.Conversation()
        conv.handshake()
        conv.send("c2s", b"GET /script.js HTTP/1.1\r\nHost: x\r\n\r\n")
        conv.send("s2c", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", mss=1000)
        begin = len(conv.packets)
        data = b"xxxx\r\n" + chunks + last  # joined inside a chunk
        for i in range(0, len(data), 120):
            conv.segment("s2c", g.ACK | (g.PSH if not one_write or i + 120 >= len(data) else 0), data[i:i + 120])
        if last:
            conv.send("c2s", b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n")
            conv.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        its = lose(conv, range(begin), "chunks-begun-in-a-body.pcap")
        assert [c["size"] for c in of_type(its, "chunk")] == [100, 100, 100] + ([0] if last else []), its
        assert errors_at(its) == [("6 bytes passed over to the next chunk size line", 0)], its
        flow = of_type(its, "flow")[0]
        assert flow["technique"] == technique, flow
        assert "the capture began inside an answer's body" in flow["note"], flow
        # (while the flow is open it counts as XHR streaming so far)
        assert [(j["technique"], j["offset"]) for j in of_type(its, "joined")] == [("xhr", 0)], its
        assert [b["text"] for b in of_type(its, "body")] == (["ok"] if last else []), its


def test_a_stream_joined_inside_its_body_is_named_and_read_from_its_content():
    """A live capture started after the pages opened their streams: each
    reference stream (SSE, multipart, the forever iframe, XHR streaming)
    and third-party ones (a chunked page of scripts, NDJSON, multipart, an
    event stream that restarts, chunks with trailers, and SockJS's
    xhr_streaming, eventsource and htmlfile, direct and through its iframe)
    joined at each of its segments.  They were "unknown", their events only
    searched for, SockJS's messages not read."""
    third = ("iframe-html", "ndjson", "multipart", "sse-restart", "trailers", "sockjs-xhr-streaming",
             "sockjs-eventsource", "sockjs-htmlfile", "sockjs-iframe-eventsource", "sockjs-iframe-htmlfile")
    paths = [os.path.join(CAPTURES, name + ".pcap") for name in ("sse", "multipart", "iframe", "xhr")]
    paths += [os.path.join(CAPTURES, "thirdparty", name + ".pcap") for name in third]
    counts = {os.path.basename(p): check_stream_joined_late(p) for p in paths}
    assert all(counts[os.path.basename(p)] > 0 for p in paths[:4]), counts
    assert sum(counts.values()) > 40, counts


TCP_AT = 16 + 14 + 20  # a record's TCP header: Ethernet and IPv4 without options, as variant() expects


def servers_moved(recs, server_port):
    """A capture's records as a capture begun after every handshake (no
    SYN), each server port moved to server_port + i (the i-th in order)
    and each client port to 40000 + j: with server_port 8000 the servers'
    ports are the lower, as usual; with 60000 the higher, which is what a
    capture without SYNs used to read the wrong way round."""
    servers = sorted({struct.unpack(">H", r[TCP_AT + 2:TCP_AT + 4])[0] for r in recs if r[TCP_AT + 13] & 0x12 == 0x02})
    clients, out = {}, []
    for r in recs:
        if r[TCP_AT + 13] & 0x02:
            continue
        ports = [server_port + servers.index(q) if q in servers else clients.setdefault(q, 40000 + len(clients))
                 for q in struct.unpack(">HH", r[TCP_AT:TCP_AT + 4])]
        out.append(r[:TCP_AT] + struct.pack(">HH", *ports) + r[TCP_AT + 4:])
    return out


def test_a_flow_joined_late_whose_server_has_the_higher_port_is_read_as_with_a_lower_one():
    """Without the SYN, the client was taken to be the side with the
    higher port; a server listening above its clients (a test server on a
    random port, a dev server on 50000) had its requests read as answers
    and every flow named unknown.  Now the first payload decides (roles.c),
    and a server once seen listening is the server of the flows after (a
    Flash data socket, whose server speaks first, after its policy
    request): every reference and third-party capture, begun after the
    handshakes, reads the same with its servers above their clients as
    below, and a flow turned round says so."""
    groups = collections.defaultdict(list)
    for path in sorted(glob.glob(os.path.join(CAPTURES, "*.pcap")) + glob.glob(os.path.join(CAPTURES, "thirdparty", "*.pcap"))):
        if os.path.basename(path) != "demo.pcap":
            head, recs = pcap_records(path)
            groups[head].append(recs)
    turned = 0
    for g_no, (head, captures) in enumerate(groups.items()):
        read = {}
        for port in (8000, 60000):
            its = items(write_copies("roles-%d-%d.pcap" % (g_no, port), head, [servers_moved(recs, port) for recs in captures]))
            read[port] = collections.defaultdict(list)
            for it in its:
                if it["type"] == "flow" and it["bytes_c2s"] + it["bytes_s2c"]:  # (a bare RST tells nothing)
                    client, server = (int(it[side].rsplit(":", 1)[1]) for side in ("client", "server"))
                    assert 40000 <= client < 50000 and port <= server < port + 100, it
                    if port == 60000 and "handshake was not captured" in it.get("note", ""):
                        # (no such note when its server was seen listening before: guessed right)
                        assert "told by its first payload" in it["note"] and \
                            "the 1 segment before it was shown the other way round" in it["note"], it
                        turned += 1
                if it["type"] != "tcp":
                    read[port][it["flow"]].append({k: v for k, v in it.items() if k not in ("client", "server", "note")})
        assert read[8000] == read[60000], [(f, a, read[60000][f]) for f, a in read[8000].items() if a != read[60000][f]][:1]
    assert turned > 40, turned


def sequence_wrapped(recs):
    """A capture's records with each direction's sequence numbers moved
    (and its peer's acknowledgment numbers, SACK blocks too) so that they
    pass 2^32 halfway through the bytes that direction sends."""
    first, sent = {}, collections.Counter()
    for r in recs:
        side = (r[16 + 14 + 12:16 + 14 + 20], r[TCP_AT:TCP_AT + 4])
        seq, = struct.unpack(">I", r[TCP_AT + 4:TCP_AT + 8])
        first.setdefault(side, seq + (1 if r[TCP_AT + 13] & 0x02 else 0))
        sent[side] += len(r) - TCP_AT - (r[TCP_AT + 12] >> 4) * 4
    shift = {side: (2 ** 32 - first[side] - sent[side] // 2) % 2 ** 32 for side in first}
    out = []
    for r in recs:
        r = bytearray(r)
        side = (bytes(r[16 + 14 + 12:16 + 14 + 20]), bytes(r[TCP_AT:TCP_AT + 4]))
        peer = (side[0][4:] + side[0][:4], side[1][2:] + side[1][:2])
        seq, ack = struct.unpack(">II", r[TCP_AT + 4:TCP_AT + 12])
        r[TCP_AT + 4:TCP_AT + 12] = struct.pack(">II", (seq + shift[side]) % 2 ** 32,
                                                 (ack + shift.get(peer, 0)) % 2 ** 32 if r[TCP_AT + 13] & 0x10 else ack)
        at, end = TCP_AT + 20, TCP_AT + (r[TCP_AT + 12] >> 4) * 4
        while at < end and r[at] != 0:  # options: SACK blocks are the peer's numbers
            if r[at] == 1:
                at += 1
                continue
            if r[at] == 5:
                for edge in range(at + 2, at + r[at + 1], 4):
                    v, = struct.unpack(">I", r[edge:edge + 4])
                    r[edge:edge + 4] = struct.pack(">I", (v + shift.get(peer, 0)) % 2 ** 32)
            at += max(r[at + 1], 2)
        out.append(bytes(r))
    return out


def test_sequence_numbers_that_pass_2_32_midstream_change_nothing():
    """Initial sequence numbers are random, so a connection's numbers can
    pass 2^32 anywhere: in a head, a chunk, a frame, a hole.  Every
    reference and third-party capture, whole, with every other payload
    segment deleted in turn, and each of the rest swapped with the record
    after it (copies that make reassembly hold, fill and give up on holes,
    and ACKs acknowledge what was not captured yet), each direction's numbers
    moved to wrap halfway through its bytes, must read exactly as before:
    the same items, with the same relative numbers (only seq_raw and
    ack_raw differ)."""
    groups = collections.defaultdict(list)
    for path in sorted(glob.glob(os.path.join(CAPTURES, "*.pcap")) + glob.glob(os.path.join(CAPTURES, "thirdparty", "*.pcap"))):
        if os.path.basename(path) == "demo.pcap":
            continue
        head, recs = pcap_records(path)
        payload = [i for i, r in enumerate(recs) if len(r) > TCP_AT + (r[TCP_AT + 12] >> 4) * 4]
        groups[head] += [recs] + [recs[:i] + recs[i + 1:] for i in payload[0::2]] + \
            [recs[:i] + [recs[i + 1], recs[i]] + recs[i + 2:] for i in payload[1::2] if i + 1 < len(recs)]
    compared = 0
    for g_no, (head, copies) in enumerate(groups.items()):
        read = []
        for name, change in (("as-captured", lambda recs: recs), ("wrapped", sequence_wrapped)):
            its = items(write_copies("wrap-%d-%s.pcap" % (g_no, name), head, [change(recs) for recs in copies]))
            read.append([{k: v for k, v in it.items() if k not in ("seq_raw", "ack_raw")} for it in its])
        assert read[0] == read[1], next((a, b) for a, b in zip(*read) if a != b)
        compared += len(read[0])
    assert compared > 50000, compared


def resegmented(recs, size):
    """A capture's records with every segment's payload cut into segments
    of at most size bytes, at the same time, as a real link's MSS cuts a
    write: PSH (and FIN, RST) on the last piece only.  A SYN's data and a
    frame the snaplen cut stay whole."""
    out = []
    for r in recs:
        head = TCP_AT + (r[TCP_AT + 12] >> 4) * 4
        data, flags = r[head:], r[TCP_AT + 13]
        caplen, wirelen = struct.unpack("<II", r[8:16])
        if len(data) <= size or flags & 0x02 or caplen != wirelen:
            out.append(r)
            continue
        seq, = struct.unpack(">I", r[TCP_AT + 4:TCP_AT + 8])
        for at in range(0, len(data), size):
            piece = bytearray(r[16:head]) + data[at:at + size]
            piece[2 + 14:4 + 14] = struct.pack(">H", len(piece) - 14)  # the IPv4 total length
            piece[TCP_AT - 16 + 4:TCP_AT - 16 + 8] = struct.pack(">I", (seq + at) % 2 ** 32)
            if at + size < len(data):
                piece[TCP_AT - 16 + 13] = flags & ~(0x01 | 0x04 | 0x08)
            out.append(r[:8] + struct.pack("<II", len(piece), len(piece)) + bytes(piece))
    return out


def test_where_segments_cut_the_bytes_changes_nothing():
    """On loopback a write is one segment; on a real link its MSS cuts it
    anywhere.  Every reference and third-party capture, its payloads cut
    into segments of 1 (reference captures), 7 and 500 bytes, must read
    as it does whole: the same items of each flow, technique and text
    included.  Three things failed this: a Flash message cut after a word
    and a space was read as an HTTP request; an HTML page whose chunks did
    not all come with the head was named an iframe stream (now the head
    waits for the end of the write that carried it, its PSH segment); and
    a chunk's text showed only what came with its size line.  Items may
    come in another order (an event found before the blank line that ends
    its SSE block came), and frame numbers and packet counts differ; a
    compressed body's items point at the coded bytes they were decoded
    from, which depends on how the decoder was fed, so their offsets in
    coding-*.pcap are not compared."""
    groups = collections.defaultdict(list)
    for path in sorted(glob.glob(os.path.join(CAPTURES, "*.pcap")) + glob.glob(os.path.join(CAPTURES, "thirdparty", "*.pcap"))):
        if os.path.basename(path) != "demo.pcap":
            head, recs = pcap_records(path)
            groups[head].append((os.path.basename(path).startswith("coding-"), os.path.dirname(path) == CAPTURES, recs))
    compared = 0
    for g_no, (head, captures) in enumerate(groups.items()):
        for size in (1, 7, 500):
            chosen = [c for c in captures if size > 1 or c[1]]
            if not chosen:
                continue
            read = []
            for name, change in (("whole", lambda recs: recs), ("cut", lambda recs: resegmented(recs, size))):
                its = items(write_copies("cut-%d-%d-%s.pcap" % (g_no, size, name), head, [change(c[2]) for c in chosen]))
                coded = {flow for k, flows in flows_by_copy(its).items() if chosen[k][0] for flow in flows}
                by_flow = collections.defaultdict(list)
                for it in its:
                    if it["type"] != "tcp":
                        drop = ("frame", "packets") + (("offset",) if it["flow"] in coded else ())
                        by_flow[it["flow"]].append(json.dumps({k: v for k, v in it.items() if k not in drop}, sort_keys=True))
                read.append({flow: sorted(lines) for flow, lines in by_flow.items()})
            assert read[0] == read[1], [(f, sorted(set(a) ^ set(read[1].get(f, []))))
                                        for f, a in read[0].items() if a != read[1].get(f)][:1]
            compared += sum(len(v) for v in read[0].values())
    assert compared > 5000, compared


def test_late_join_websocket():
    """ws.pcap from its 8th frame on: flow 1 without SYN, request or 101.
    pushviz must name it ws from its frames, say the handshake was not
    captured, and show every frame it showed with the handshake."""
    path = os.path.join(CAPTURES, "ws.pcap")
    head, recs = pcap_records(path)
    full = of_type(items(path), "ws_frame", flow=1)
    late = os.path.join(TMP, "ws-late.pcap")
    with open(late, "wb") as f:
        f.write(head + b"".join(recs[7:]))
    its = items(late)
    first = of_type(its, "flow", flow=1)[0]
    frames = of_type(its, "ws_frame", flow=first["flow"])
    assert first["technique"] == "ws" and "its answer, was not captured" in first["note"], first
    assert [(f["opcode"], f["len"], f["payload"]) for f in frames] == \
        [(f["opcode"], f["len"], f["payload"]) for f in full], (frames, full)
    assert len(of_type(its, "event", flow=1)) == len([f for f in frames if f["opcode"] == 1])
    assert not of_type(its, "error", flow=first["flow"]), of_type(its, "error")


def test_a_capture_begun_inside_a_message_reads_on_once_the_other_side_shows_its_protocol():
    """A capture that begins in the middle of a long answer or frame sees
    the server's side first, and its bytes look like nothing.  They were
    left unread for the rest of the connection: a socket.io page's
    keep-alive connection begun inside its script showed no answer after it
    (socketio-upgrade.pcap from frame 12).  Once the client's side shows
    HTTP or WebSocket, the server's searches for its next status line or
    frame header, and says how many bytes it passed over; else the flow's
    note says the capture began inside it.  (A body whose bytes show chunks
    or an event stream is read as one before that: the test below.)"""
    script = b"/* " + b"x" * 400 + b" */"
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /script.js HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(script), mss=1000)
    begin = len(conv.packets)
    conv.stream("s2c", script, 120)
    conv.send("c2s", b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    its = lose(conv, range(begin), "begun-in-a-body.pcap")
    assert [(r["status"], r["exchange"]) for r in of_type(its, "http_response")] == [(200, 1)], its
    assert [b["text"] for b in of_type(its, "body")] == ["ok"], its
    assert errors_at(its) == [("%d bytes passed over to the next HTTP status line" % len(script), 0)], its

    conv = g.Conversation()
    conv.handshake()
    conv.ws_upgrade()
    begin = len(conv.packets) + 1  # the long frame's second segment
    conv.stream("s2c", bytes([0x81, 126, 1, 44]) + b"x" * 300, 101)
    conv.send("s2c", text_frame(b"tick 1"))
    conv.send("c2s", text_frame(b"hello", key=b"\x01\x02\x03\x04"))
    conv.send("s2c", text_frame(b"tick 2"))
    its = lose(conv, range(begin), "begun-in-a-frame.pcap")
    frames = [(f["dir"], f["payload"]) for f in of_type(its, "ws_frame")]
    assert frames == [("c2s", "hello"), ("s2c", "tick 2")], its
    assert errors_at(its) == [("%d bytes passed over to the next WebSocket frame header" % (304 - 101 + 8), 0)], its
    assert of_type(its, "flow")[0]["technique"] == "ws", its

    # A body whose client says nothing more and whose bytes show no shape
    # of a stream stays unread, and its flow says why -- a live capture
    # started after the page opened -- as one of another protocol says it is one.
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.send("s2c", b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
    begin = len(conv.packets)
    conv.stream("s2c", script, 120)
    flow = of_type(lose(conv, range(begin), "begun-in-a-stream.pcap"), "flow")[0]
    assert flow["technique"] == "unknown" and "the capture began inside this connection" in flow["note"], flow
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n" + bytes(range(1, 65)) + bytes(8))
    conv.send("s2c", b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n" + bytes(range(1, 65)) + bytes(8))
    flow = of_type(lose(conv, [], "another-protocol.pcap"), "flow")[0]
    assert flow["note"] == "a protocol pushviz does not read: only pushlab events are looked for in its bytes", flow


def names_the_library(message, before):
    """Does this message item of a whole capture name its library to a
    capture that began after the handshake (library_of_ws_message)?
    before: the messages of that capture before it."""
    if message["library"] == "socket.io":
        return message["frame"] in ("EVENT", "ACK", "CONNECT")
    if message["library"] == "sockjs":
        return message["frame"] == "array" and message["dir"] == "s2c"
    # an Engine.IO pong answering the other side's ping, the latest message that side sent
    ping = [m for m in before if m["dir"] != message["dir"]][-1:]
    return message["frame"] == "pong" and ping != [] and ping[0]["frame"] == "ping"


def test_a_websocket_joined_late_names_its_push_library_from_its_messages():
    """A class's browsers connect with socket.io, and the capture starts
    after: the WebSocket's request named the library, and it was not
    captured, so its messages were shown as frames only.  Now a message
    only that library sends names it (a Socket.IO event, ack or connect; a
    SockJS array from the server; an Engine.IO pong answering a ping), and
    from that message on every message is shown as with the handshake.
    Each capture is begun at every segment of its WebSocket from the 101 on
    (that connection's packets only; begun at the 101, it misses the
    request that named the library)."""
    for name, library in (("socketio-upgrade", "socket.io"), ("sockjs-websocket", "sockjs"),
                          ("engineio-upgrade", "engine.io")):
        path = os.path.join(CAPTURES, "thirdparty", name + ".pcap")
        head, recs = pcap_records(path)
        whole = items(path)
        ws_flow = of_type(whole, "ws_frame")[0]["flow"]
        upgraded = of_type(whole, "http_response", flow=ws_flow, status=101)[0]["t"]
        segments = [(it["frame"], it["len"], it["t"]) for it in of_type(whole, "tcp", flow=ws_flow)]
        starts = [frame for frame, length, t in segments if length and t >= upgraded]
        copies = [[recs[frame - 1] for frame, _, _ in segments if frame >= start] for start in starts]
        its = items(write_copies(name + "-ws-late.pcap", head, copies))
        messages = of_type(whole, "message", flow=ws_flow)
        named = 0
        for k, start in enumerate(starts):
            (flow,) = flows_by_copy(its)[k]
            begun = next(t for frame, _, t in segments if frame == start)
            after = [m for m in messages if m["t"] >= begun]
            got = [(m["frame"], m["text"]) for m in of_type(its, "message", flow=flow)]
            unnamed = len(after) - len(got)
            assert unnamed >= 0 and got == [(m["frame"], m["text"]) for m in after[unnamed:]], \
                (name, start, got, after)
            # Nothing before the first message shown could have named the library.
            assert not any(names_the_library(m, after[:i]) for i, m in enumerate(after[:unnamed])), \
                (name, start, after[:unnamed])
            flow_item = of_type(its, "flow", flow=flow)[0]
            # (Socket.IO speaks Engine.IO: its heartbeats alone name engine.io.)
            names = {library, "engine.io"} if library == "socket.io" else {library}
            assert flow_item.get("library") in names if got else "library" not in flow_item, \
                (name, start, flow_item)
            assert flow_item["session"] is None and flow_item["technique"] == "ws", flow_item
            named += bool(got)
        assert named > len(starts) / 2, (name, named, len(starts))


# ---- crafted: one segment lost at a chosen place ----

def lose(conv, lost, name):
    """Write conv without packet `lost`; pushviz's items of the rest."""
    return items(conv.write(os.path.join(TMP, name), lose=lost))


def send_pieces(conv, pieces, lost_piece):
    """The server sends one segment per piece (each ACKed): the index in
    conv.packets of pieces[lost_piece]'s, to leave out when writing."""
    lost = None
    for i, piece in enumerate(pieces):
        if i == lost_piece:
            lost = len(conv.packets)
        conv.send("s2c", piece)
    return lost


def cut(data, size):
    return [data[i:i + size] for i in range(0, len(data), size)]


def streaming(head, pieces, lost_piece):
    """A GET answered by `head` and then one segment per piece (each ACKed);
    the segment of pieces[lost_piece] is never captured."""
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.send("s2c", head)
    lost = send_pieces(conv, pieces, lost_piece)
    conv.close()
    return conv, lost


def chunk(data):
    return b"%x\r\n%s\r\n" % (len(data), data)


def test_chunked_gap_inside_a_chunk_loses_nothing_else():
    body = [chunk(b"event %d " % i * 5) for i in range(6)]
    pieces = body[:2] + [body[2][:20], body[2][20:30], body[2][30:]] + body[3:] + [b"0\r\n\r\n"]
    conv, lost = streaming(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", pieces, 3)
    its = lose(conv, lost, "chunk-inside.pcap")
    assert [c["size"] for c in of_type(its, "chunk")] == [40] * 6 + [0], of_type(its, "chunk")
    assert [e["what"] for e in of_type(its, "error")] == ["10 bytes not captured (the peer acknowledged them)"]


def test_bytes_after_a_hole_keep_the_time_their_reader_had_them():
    # Chunk 2's segment is lost, chunk 3's captured 10 ms later, and the
    # client's ACK of both 50 ms after that.  When the capture missed
    # chunk 2 (the ACK shows the client had it), the client read chunk 3
    # when it came: its item has its own segment's time, and so has the
    # gap (they had the ACK's, 50 ms late, and a response or event after a
    # hole was timed from it; recorded over a lossy link).  When the
    # network lost it and it is sent again, the client read chunk 3 only
    # then, with the retransmission.
    body = [chunk(b"event %d " % i * 5) for i in range(1, 4)]
    for resent in (False, True):
        conv = g.Conversation()
        conv.handshake()
        conv.send("c2s", b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        conv.send("s2c", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body[0])
        lost = len(conv.packets)
        conv.segment("s2c", g.PSH | g.ACK, body[1])
        t3, _ = conv.segment("s2c", g.PSH | g.ACK, body[2], dt=0.01)
        if resent:
            t_again, _ = conv.segment("s2c", g.PSH | g.ACK, body[1], seq=conv.seq["s2c"] - len(body[2]) - len(body[1]),
                                      dt=0.2)
        conv.segment("c2s", g.ACK, dt=0.05)
        its = lose(conv, [lost], "gap-times-%d.pcap" % resent)
        t0 = conv.packets[0][0]  # pushviz counts time from the first packet
        t3, t_again = t3 - t0, (t_again - t0 if resent else None)
        chunks = [(c["size"], round(c["t"], 6)) for c in of_type(its, "chunk")]
        if resent:
            assert chunks == [(40, 0.005), (40, round(t_again, 6)), (40, round(t_again, 6))], chunks
            assert not of_type(its, "error"), its
        else:
            assert chunks == [(40, 0.005), (40, round(t3, 6))], chunks
            assert [(e["what"], round(e["t"], 6)) for e in of_type(its, "error")] == \
                [("46 bytes not captured (the peer acknowledged them)", round(t3, 6))], its


def test_an_event_after_a_gap_in_a_head_has_its_own_segments_time():
    # The answer's head is lost (a snaplen cut or a lost segment), so its
    # body is searched for the next head and for events.  Each event is
    # found with the segment that carried it: the search held a
    # segment's last 16 bytes back for a split status line, and events
    # came out a segment late (200 ms here, one tick; seen on a capture
    # made with tcpdump -s 200, its latencies all a tick too long).
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
    lost = len(conv.packets)
    conv.segment("s2c", g.PSH | g.ACK, b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n")
    sent = []
    for seq in range(1, 4):
        t, _ = conv.segment("s2c", g.PSH | g.ACK, b"data: %s\n\n" % g.event(seq, 1700000001000).encode(),
                            dt=0.2)
        sent.append((seq, round(t - conv.packets[0][0], 6)))
    its = lose(conv, [lost], "gap-head-event-times.pcap")
    assert [(e["seq"], round(e["t"], 6)) for e in of_type(its, "event")] == sent, its


def test_chunked_gap_across_chunks_finds_the_next_size_line():
    body = b"".join(chunk(b"event %d " % i * 5) for i in range(6)) + b"0\r\n\r\n"
    # Chunks are 46 bytes on the wire; the lost bytes 90-119 hold the end of
    # chunk 1 and the size line of chunk 2, so chunk 2 cannot be read.
    pieces = cut(body, 30)
    conv, lost = streaming(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", pieces, 3)
    its = lose(conv, lost, "chunk-across.pcap")
    assert [c["size"] for c in of_type(its, "chunk")] == [40] * 5 + [0], of_type(its, "chunk")
    what = [e["what"] for e in of_type(its, "error")]
    assert what == ["30 bytes not captured (the peer acknowledged them)",
                    "18 bytes passed over to the next chunk size line"], what


def test_the_search_after_a_gap_reads_size_lines_as_the_decoder_does():
    # The search for the next chunk reads with the chunked decoder, so
    # what the body's reader accepts it finds: white space before a chunk
    # extension (BWS, RFC 9112 §7.1.1), a last chunk with trailer fields
    # (§7.1.2).  Chunk 2 is lost whole; reading resumes at chunk 3 at once.
    events = [b"event %d " % i * 5 for i in range(1, 4)]
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"  # 47 bytes
    third = b"28 ;n=3\r\n" + events[2] + b"\r\n"
    conv, lost = streaming(head, [chunk(events[0]), chunk(events[1]), third, b"0\r\n\r\n"], 1)
    its = lose(conv, lost, "chunk-gap-bws.pcap")
    assert [(c["size"], c["offset"]) for c in of_type(its, "chunk")] == [(40, 47), (40, 47 + 92), (0, 47 + 92 + 51)], its
    assert errors_at(its) == [("46 bytes not captured (the peer acknowledged them)", 93)], its
    conv, lost = streaming(head, [chunk(events[0]), chunk(events[1]), b"0\r\nX-Sum: 7\r\n\r\n"], 1)
    its = lose(conv, lost, "chunk-gap-trailers.pcap")
    assert [(c["size"], c["offset"], c.get("trailers")) for c in of_type(its, "chunk")] == \
        [(40, 47, None), (0, 47 + 92, [["X-Sum", "7"]])], its
    assert errors_at(its) == [("46 bytes not captured (the peer acknowledged them)", 93)], its


def test_sse_gap_inside_an_event_resumes_at_the_next_blank_line():
    events = [b"id: %d\ndata: %s\n\n" % (i, g.event(i, 1700000000000).encode()) for i in range(1, 6)]
    stream = b"".join(events)
    pieces = cut(stream, 50)
    conv, lost = streaming(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n", pieces, 1)
    its = lose(conv, lost, "sse-gap.pcap")
    ids = [e["id"] for e in of_type(its, "sse_event")]
    assert ids[-3:] == ["3", "4", "5"] and "2" not in ids, ids
    assert any("passed over to the next blank line" in e["what"] for e in of_type(its, "error"))


def websocket_events(n, lost_piece):
    """A WebSocket connection whose server sends n text frames of 60 bytes
    (pushlab events) in segments of 45 that cut frames anywhere; the
    segment numbered lost_piece is never captured."""
    conv = g.Conversation()
    conv.handshake()
    conv.ws_upgrade()
    frames = b"".join(bytes([0x81, len(e)]) + e for e in (g.event(i, 1700000000000).encode() for i in range(1, n + 1)))
    lost = send_pieces(conv, cut(frames, 45), lost_piece)
    conv.close()
    return conv, lost


def test_websocket_gap_over_a_header_finds_the_next_frame():
    conv, lost = websocket_events(8, 2)
    its = lose(conv, lost, "ws-gap.pcap")
    # Frames are 60 bytes; bytes 90-134 are lost: the end of frame 2 and the
    # header of frame 3, whose payload's rest is passed over.
    seqs = [json.loads(f["payload"])["seq"] for f in of_type(its, "ws_frame")]
    assert seqs == [1, 4, 5, 6, 7, 8], seqs
    assert any("passed over to the next WebSocket frame header" in e["what"] for e in of_type(its, "error"))


def errors_at(its):
    return [(e["what"], e["offset"]) for e in of_type(its, "error")]


def test_http_gap_in_a_head_accounts_for_every_byte():
    # A keep-alive connection: segment 2 of the first answer's head is lost.
    # The 20 bytes of the head before it show its status line (the answer,
    # marked cut, is paired with its request); the search for the next
    # status line passes over the rest of that answer (and says how many
    # bytes: its framing was in the gap) and reads the second answer.
    first = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
             b"5\r\nhello\r\n0\r\n\r\n")
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
    lost = send_pieces(conv, cut(first, 20), 1)
    conv.send("c2s", b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    conv.close()
    its = lose(conv, lost, "http-gap-head.pcap")
    assert [(r["status"], r["head_bytes"], r.get("cut"), r["exchange"], r["offset"])
            for r in of_type(its, "http_response")] == [(200, 20, True, 1, 0), (200, 38, None, 2, 88)], its
    assert errors_at(its) == [("20 bytes not captured (the peer acknowledged them)", 20),
                              ("%d bytes passed over to the next HTTP status line" % (len(first) - 40), 40)]
    assert [b["text"] for b in of_type(its, "body")] == ["ok"], its


def text_frame(text, key=None):
    """A short WebSocket text frame: unmasked (a server's), or masked with key."""
    if key is None:
        return bytes([0x81, len(text)]) + text
    return bytes([0x81, 0x80 | len(text)]) + key + bytes(b ^ key[i % 4] for i, b in enumerate(text))


def snapped(conv, name, heads, keep):
    """conv written with a snaplen that leaves `keep` bytes of TCP payload
    of the packets numbered in `heads`, as `tcpdump -s` leaves of a head
    longer than it; pushviz's items."""
    pc = g.Pcap()
    for i, (ts, pkt) in enumerate(conv.packets):
        pc.add_ip(1700000000 + ts, pkt, caplen=14 + 40 + keep if i in heads else None)
    path = os.path.join(TMP, name)
    pc.write(path)
    return items(path)


def test_heads_the_snaplen_cut_are_read_as_far_as_they_came():
    # tcpdump -s 200 on loopback keeps 134 bytes of a segment's payload:
    # an Upgrade request, its 101, an event stream's answer are longer.
    # Their start lines and whole header lines are shown (marked cut), and
    # what follows is read as they say: WebSocket frames both ways, the
    # events of the stream (before: the heads were errors, the frames and
    # events passed over as unknown bytes, and events timed late).
    ws = g.Conversation()
    ws.handshake()
    heads = [len(ws.packets)]
    ws.ws_upgrade(offer=b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n",
                  answer=b"Sec-WebSocket-Extensions: permessage-deflate\r\n")
    heads.append(len(ws.packets) - 2)  # the 101 (each send is followed by its ACK)
    sent = [text_frame(g.event(1, 1700000001000).encode()), text_frame(b"hello", key=b"\x01\x02\x03\x04"),
            text_frame(g.event(2, 1700000001000).encode())]
    ws.send("s2c", sent[0])
    ws.send("c2s", sent[1])
    ws.send("s2c", sent[2])
    its = snapped(ws, "snap-ws.pcap", heads, 60)
    req, = of_type(its, "http_request")
    assert (req["target"], req["cut"], req["head_bytes"]) == ("/ws", True, 60), req
    res, = of_type(its, "http_response")
    assert (res["status"], res["cut"], res["technique"], res["exchange"]) == (101, True, "ws", 1), res
    frames = of_type(its, "ws_frame")
    assert [(f["dir"], f["len"]) for f in frames] == [("s2c", 58), ("c2s", 5), ("s2c", 58)], frames
    assert [e["seq"] for e in of_type(its, "event")] == [1, 2], its
    assert of_type(its, "flow")[0]["technique"] == "ws"

    sse = g.Conversation()
    sse.handshake()
    heads = [len(sse.packets)]
    sse.send("c2s", b"GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n")
    heads.append(len(sse.packets))
    sse.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n"
                    b"Cache-Control: no-cache\r\n\r\nretry: 2000\n\n")
    sent = []
    for seq in range(1, 4):
        t, _ = sse.segment("s2c", g.PSH | g.ACK, b"id: %d\ndata: %s\n\n" % (seq, g.event(seq, 1700000001000).encode()),
                           dt=0.2)
        sent.append((seq, round(t - sse.packets[0][0], 6)))
    its = snapped(sse, "snap-sse.pcap", heads, 60)
    res, = of_type(its, "http_response")
    assert (res["status"], res["cut"], res["technique"]) == (200, True, "sse"), res
    assert [e["id"] for e in of_type(its, "sse_event")] == ["1", "2", "3"], its
    assert [(e["seq"], round(e["t"], 6)) for e in of_type(its, "event")] == sent, its


def snaplen(head, recs, snap, name):
    """A pcap of these records as `tcpdump -s SNAP` records them: each cut
    to SNAP bytes, its wire length kept; pushviz's items of it."""
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(head[:16] + struct.pack("<I", snap) + head[20:])
        f.write(b"".join(r[:8] + struct.pack("<I", min(len(r) - 16, snap)) + r[12:16 + snap] for r in recs))
    return items(path)


def ws_from_each_101(snap, name):
    """ws.pcap (pushlab-ws and its client) as tcpdump -s SNAP records it
    when it starts after each connection's Upgrade request, from each 101
    on: (pushviz's items of it, how many 101s)."""
    path = os.path.join(CAPTURES, "ws.pcap")
    head, recs = pcap_records(path)
    answers = {int(s): int(n) for n, s in tshark(path, ["frame.number", "tcp.stream"],
                                                 display="http.response.code == 101")}
    streams = [int(s) for s, in tshark(path, ["tcp.stream"])]
    late = [r for i, r in enumerate(recs) if streams[i] in answers and i + 1 >= answers[streams[i]]]
    return snaplen(head, late, snap, name), len(answers)


def ws_frames_of_tshark():
    """tshark's WebSocket frames of the whole ws.pcap (it saw the 101s):
    {(flow, masked): [(opcode, fin, payload length)]}, each in order."""
    theirs = collections.defaultdict(list)
    for stream, op, fin, mask, n in tshark(os.path.join(CAPTURES, "ws.pcap"),
                                           ["tcp.stream", "websocket.opcode", "websocket.fin", "websocket.mask",
                                            "websocket.payload_length"], display="websocket"):
        for frame in zip(op.split("|"), fin.split("|"), mask.split("|"), n.split("|")):
            theirs[(int(stream) + 1, frame[2] in ("1", "True"))].append(
                (int(frame[0]), frame[1] in ("1", "True"), int(frame[3])))
    return theirs


def test_a_cut_101_whose_request_was_not_captured_is_read_as_websocket():
    # ws.pcap as tcpdump -s 200 records it when it starts after each
    # connection's Upgrade request (ws_from_each_101): the 101 is cut
    # after its Connection line (134 of its bytes come), and no request
    # waits for it.  Before, nothing then said that frames follow: the
    # server's were passed over as HTTP, only the client's were found.
    # Now both sides are frames, as for a 101 lost whole, and the frames
    # are those tshark decodes in the whole capture (it saw the 101s).
    its, answers = ws_from_each_101(200, "ws-late-s200.pcap")
    assert [(r["status"], r["cut"], r["exchange"]) for r in of_type(its, "http_response")] == \
        [(101, True, None)] * answers, its
    assert not of_type(its, "http_request"), its
    ours = collections.defaultdict(list)
    for f in of_type(its, "ws_frame"):
        ours[(f["flow"], f["masked"])].append((f["opcode"], f["fin"], f["len"]))
        assert f["masked"] == (f["dir"] == "c2s"), f
    assert ours == ws_frames_of_tshark(), ours
    whole = items(os.path.join(CAPTURES, "ws.pcap"))
    assert [(e["flow"], e["seq"]) for e in of_type(its, "event")] == \
        [(e["flow"], e["seq"]) for e in of_type(whole, "event")], its
    for flow in of_type(its, "flow"):
        assert flow["technique"] == "ws" and "its answer, was not captured" in flow["note"], flow
    assert not [e for e in of_type(its, "error") if "passed over" in e["what"]], of_type(its, "error")


def test_a_101_cut_before_its_upgrade_line_is_read_as_websocket():
    # ws.pcap from each 101 on, as tcpdump -s 126 records it
    # (ws_from_each_101): 60 bytes of each segment's payload, so the 101
    # shows its status line and Server (pushlab-ws writes it first) and not
    # its Upgrade line.  A 101 switches protocols at once (RFC 9110
    # §15.2.2): it is no interim answer, and no status line follows.  Before, it was read as one, and the server's
    # frames were passed over in a search for the next status line: 0 of
    # its 13 found.  Now, with no request to say to what, the frames after
    # it are looked for as WebSocket's, the most common switch, and found
    # where they are.
    its, answers = ws_from_each_101(126, "ws-late-s126.pcap")
    switches = of_type(its, "http_response")
    assert [(r["status"], r["cut"], [n for n, _ in r["headers"]]) for r in switches] == \
        [(101, True, ["Server"])] * answers, switches
    theirs = ws_frames_of_tshark()
    ours = collections.defaultdict(list)
    for f in of_type(its, "ws_frame"):
        ours[(f["flow"], f["masked"])].append((f["opcode"], f["fin"], f["len"]))
    for side, frames in ours.items():  # each found is one of tshark's, in its order
        rest = iter(theirs[side])
        assert all(f in rest for f in frames), (side, frames, theirs[side])
    # Every server frame, but one: flow 2's first, which ends exactly where
    # the snaplen cut its segment, so that no next header vouches for it
    # (it is passed over, and said so).
    server = {side: (len(ours[side]), len(frames)) for side, frames in theirs.items() if not side[1]}
    assert server == {(1, False): (11, 11), (2, False): (1, 2)}, server
    passed = [e for e in of_type(its, "error") if "passed over" in e["what"]]
    assert [(e["flow"], e["what"].split(":")[1].strip()) for e in passed] == \
        [(2, "a gap came before the next WebSocket frame header was found")], passed
    for flow in of_type(its, "flow"):
        assert flow["technique"] == "ws" and "its answer, was not captured" in flow["note"], flow


def test_an_h2c_upgrade_whose_101_was_lost_is_read_as_http2():
    # h2c-upgrade.pcap (curl --http2, nghttpx) without the segment that held
    # the 101 and the server's SETTINGS.  Was the answer a 101 or a refusal?
    # The client says: it sends the HTTP/2 connection preface only after a
    # 101 (RFC 7540 §3.2).  Before, its preface waited for an answer that
    # never came, and the server's frames were passed over in a search for
    # a status line; now every frame after the gap is tshark's, as in the
    # whole capture, and the header blocks are no longer decoded (the gap
    # may have held one: HPACK's table is unknown).  The gap shows at the
    # client's ACK of the 101, before its preface comes; without that ACK
    # too, at the preface's own segment, which acknowledges the 101 as well
    # (the gap is said, then the preface read): both.
    path = os.path.join(CAPTURES, "thirdparty", "h2c-upgrade.pcap")
    head, recs = pcap_records(path)
    [port] = server_ports(items(path))
    decode = ["tcp.port==%d,http" % port]  # HTTP's dissector hands what follows the 101 to HTTP/2's
    [switch] = [int(n) for n, in tshark(path, ["frame.number"], decode_as=decode, display="http.response.code == 101")]
    theirs = collections.defaultdict(list)  # the whole capture's frames, but those of the lost segment
    for number, src, types, lens in tshark(path, ["frame.number", "tcp.srcport", "http2.type", "http2.length"],
                                           decode_as=decode, display="http2"):
        if int(number) != switch:
            d = "s2c" if int(src) == port else "c2s"
            theirs[d] += [(int(t), int(n)) for t, n in zip(types.split("|"), lens.split("|")) if t]
    types = {"SETTINGS": 4, "HEADERS": 1, "DATA": 0, "WINDOW_UPDATE": 8}
    for lost in ({switch}, {switch, switch + 1}):  # (the client's ACK of the 101 is the next frame)
        cut = os.path.join(TMP, "h2c-upgrade-no-101.pcap")
        with open(cut, "wb") as f:
            f.write(head + b"".join(r for i, r in enumerate(recs) if i + 1 not in lost))
        its = items(cut)
        for d in ("c2s", "s2c"):
            ours = [(types[f["frame"]], f["len"]) for f in of_type(its, "http2", dir=d) if f["frame"] != "preface"]
            assert ours == theirs[d] and ours, (lost, d, ours, theirs[d])
        assert of_type(its, "http2", dir="c2s")[0]["frame"] == "preface"
        assert [e["seq"] for e in of_type(its, "event")] == [1, 2, 3, 4, 5]
        errors = [e["what"] for e in of_type(its, "error")]
        assert len(errors) == 2 and "not captured" in errors[0] and "HPACK" in errors[1], (lost, errors)


def test_a_cut_101_guessed_as_websocket_that_was_h2c_is_read_as_http2():
    # h2c-upgrade.pcap (curl --http2, nghttpx) as tcpdump -s 126 records it:
    # 60 bytes of each segment's payload, so curl's request shows its first
    # lines and not its Upgrade line, and the 101 its Connection line and not
    # its Upgrade line; whole, and from the 101 on (a capture begun after the
    # request).  With nothing to say to what, the 101 is taken for a switch
    # to WebSocket, the most common (as in the case above).  But the
    # client's next bytes are the HTTP/2 connection preface, which no
    # WebSocket client sends (its frames are masked).  Before, they were
    # passed over in a search for WebSocket frames, and the server's frames
    # were read as WebSocket ones that were not there; now both sides are
    # HTTP/2: every frame tshark finds in the cut capture, and an error item
    # says the guess was wrong and how many bytes were read on it.
    path = os.path.join(CAPTURES, "thirdparty", "h2c-upgrade.pcap")
    head, recs = pcap_records(path)
    [port] = server_ports(items(path))
    decode = ["tcp.port==%d,http" % port]  # HTTP's dissector hands what follows the 101 to HTTP/2's
    [(switch, switch_len)] = [(int(n), int(ln)) for n, ln in tshark(path, ["frame.number", "tcp.len"], decode_as=decode,
                                                                      display="http.response.code == 101")]
    types = {"SETTINGS": 4, "HEADERS": 1, "DATA": 0, "WINDOW_UPDATE": 8}
    for name, kept in (("whole", recs), ("late", recs[switch - 1:])):
        cut = "h2c-upgrade-s126-%s.pcap" % name
        its = snaplen(head, kept, 126, cut)
        theirs = {"c2s": [], "s2c": []}
        for src, kinds, lens in tshark(os.path.join(TMP, cut), ["tcp.srcport", "http2.type", "http2.length"],
                                       decode_as=decode, display="http2"):
            theirs["s2c" if int(src) == port else "c2s"] += [(int(t), int(n)) for t, n in
                                                             zip(kinds.split("|"), lens.split("|"))]
        [answer] = of_type(its, "http_response")
        assert (answer["status"], answer["cut"], [n for n, _ in answer["headers"]]) == (101, True, ["Connection"]), answer
        assert all("Upgrade" not in dict(r["headers"]) for r in of_type(its, "http_request")), name
        for d in ("c2s", "s2c"):
            ours = [(types[f["frame"]], f["len"]) for f in of_type(its, "http2", dir=d) if f["frame"] != "preface"]
            assert ours == theirs[d] and ours, (name, d, ours, theirs[d])
        assert of_type(its, "http2", dir="c2s")[0]["frame"] == "preface" and not of_type(its, "ws_frame"), name
        # What was passed over: what the snaplen cut, the HPACK table the
        # gap after the 101 leaves unknown, and the guess, which read none
        # of the server's bytes (its frames came after the client's preface).
        errors = [e for e in of_type(its, "error") if "cut by the snaplen" not in e["what"]]
        assert [(e["dir"], e["offset"], e["what"].split(":")[0]) for e in errors] == \
            [("s2c", switch_len, "0 bytes read as WebSocket frames"),
             ("s2c", switch_len + 9, "HTTP/2 headers not decoded from here on")], (name, errors)
        [flow] = of_type(its, "flow")
        assert flow["technique"] != "ws" and "WebSocket" not in flow.get("note", ""), flow


def test_a_chunked_answer_whose_transfer_encoding_line_was_cut_is_read_as_chunks():
    # sse-restart.pcap (node's http and Chromium's EventSource) as tcpdump
    # -s 126 records it: 60 bytes of each segment's payload, so each answer
    # on an event stream shows its status line and Content-Type, and not
    # the Transfer-Encoding line node writes last.  tshark reads the whole
    # answers as chunked.  Before, such a body was read to the close: the
    # chunk size lines and CRLFs were read as event bytes (an event passed
    # over, every `bytes` 6 too many).  Now the bytes after the cut begin
    # with chunks (a size line, that many bytes, CRLF, the next size line:
    # RFC 9112 §7.1), and the chunks and events are those read of the whole
    # capture, offsets, sizes and times alike.
    path = os.path.join(CAPTURES, "thirdparty", "sse-restart.pcap")
    head, recs = pcap_records(path)
    its = snaplen(head, recs, 126, "sse-restart-s126.pcap")
    port = int(of_type(its, "flow")[0]["server"].rsplit(":", 1)[1])
    codings = [c for c, in tshark(path, ["http.transfer_encoding"], decode_as=["tcp.port==%d,http" % port],
                                  display='http.content_type contains "event-stream"',
                                  prefs=["http.desegment_body:FALSE"])]
    streams = [r for r in of_type(its, "http_response") if r["technique"] == "sse"]
    assert codings == ["chunked"] * len(streams) and len(streams) == 2, (codings, streams)
    for r in streams:
        assert r["cut"] and [n for n, _ in r["headers"]] == ["Content-Type"], r
    # Where each event stream resumes: past the bytes its head's segment lost.
    resumes = {e["flow"]: e["offset"] + int(e["what"].split()[0]) for e in of_type(its, "error", dir="s2c")
               if e["what"].endswith("cut by the snaplen") and e["flow"] in {r["flow"] for r in streams}}
    whole = items(path)

    def after_cut(its, kind, keys):
        return [tuple(x[k] for k in keys) for x in of_type(its, kind)
                if x["flow"] in resumes and x["offset"] >= resumes[x["flow"]]]
    chunks = after_cut(whole, "chunk", ("flow", "size", "offset", "t"))
    events = after_cut(whole, "sse_event", ("flow", "id", "data", "bytes", "offset", "t"))
    assert len(events) >= 10 and after_cut(its, "chunk", ("flow", "size", "offset", "t")) == chunks, \
        of_type(its, "chunk")
    assert after_cut(its, "sse_event", ("flow", "id", "data", "bytes", "offset", "t")) == events, \
        of_type(its, "sse_event")
    assert not [e for e in of_type(its, "error") if "passed over" in e["what"]], of_type(its, "error")

    # A lost segment that ends the cut head's lines and starts a chunk: the
    # bytes after it resume inside that chunk's data.  The search for the
    # next size line passes over the rest of it (said), and finds chunks.
    def sse(seq):
        return b"id: %d\ndata: %s\n\n" % (seq, g.event(seq, 1700000001000).encode())
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    first = chunk(sse(1))
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
    lost = send_pieces(conv, [head[:50], head[50:] + first[:20], first[20:] + chunk(sse(2)), chunk(sse(3))], 1)
    its = lose(conv, [lost], "sse-chunk-line-lost.pcap")
    second = len(head) + len(first)  # where chunk 2 starts, and then chunk 3
    assert [(c["size"], c["offset"]) for c in of_type(its, "chunk")] == \
        [(len(sse(2)), second), (len(sse(3)), second + len(chunk(sse(2))))], its
    assert [(e["id"], e["bytes"]) for e in of_type(its, "sse_event")] == [("2", len(sse(2))), ("3", len(sse(3)))], its
    assert [e["what"] for e in of_type(its, "error") if "passed over" in e["what"]] == \
        ["%d bytes passed over to the next chunk size line" % (len(first) - 20)], of_type(its, "error")


# What a gap leaves unfinished before it is said, each byte once: the
# error items, with the messages read, cover the stream without a hole.

def test_a_gap_says_what_it_cut_short_in_a_chunked_body():
    # Chunks of 46 bytes on the wire, the body in segments of 31 after a
    # 47-byte head: the third segment (stream bytes 140-170) is lost, right
    # after the "2" of chunk 3's size line ("28\r\n" at 139).
    body = b"".join(chunk(b"event %d " % i * 5) for i in range(8)) + b"0\r\n\r\n"
    conv, lost = streaming(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", cut(body, 31), 3)
    its = lose(conv, lost, "chunk-size-cut.pcap")
    assert errors_at(its) == [("1 byte of a chunk size line cut short by the gap", 139),
                              ("31 bytes not captured (the peer acknowledged them)", 140),
                              ("14 bytes passed over to the next chunk size line", 171)]
    assert [c["size"] for c in of_type(its, "chunk")] == [40] * 7 + [0]
    # A second gap (202-232) while the search runs: what it had passed over
    # is said, and the search goes on after it, in the body; before, the
    # body was given up and the rest of the stream passed over.
    its = lose(conv, {lost, lost + 4}, "chunk-two-gaps.pcap")
    assert errors_at(its) == [("1 byte of a chunk size line cut short by the gap", 139),
                              ("31 bytes not captured (the peer acknowledged them)", 140),
                              ("31 bytes passed over: a gap came before the next chunk size line was found", 171),
                              ("31 bytes not captured (the peer acknowledged them)", 202),
                              ("44 bytes passed over to the next chunk size line", 233)]
    assert [c["size"] for c in of_type(its, "chunk")] == [40] * 5 + [0]


def test_a_gap_says_what_it_cut_short_in_an_event_stream():
    # Events of 72 bytes from stream byte 52 on, segments of 50: bytes
    # 102-151 are lost, inside event 1 (52-123), whose first 50 bytes are
    # said; the search for the blank line ends at event 2's (195).
    events = [b"id: %d\ndata: %s\n\n" % (i, g.event(i, 1700000000000).encode()) for i in range(1, 6)]
    conv, lost = streaming(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n",
                           cut(b"".join(events), 50), 1)
    assert errors_at(lose(conv, lost, "sse-cut.pcap")) == \
        [("50 bytes of an event cut short by the gap", 52),
         ("50 bytes not captured (the peer acknowledged them)", 102),
         ("44 bytes passed over to the next blank line", 152)]
    # And bytes 202-251 too: event 3 had begun ("id: 3\n").
    its = lose(conv, {lost, lost + 4}, "sse-cut-twice.pcap")
    assert errors_at(its) == [("50 bytes of an event cut short by the gap", 52),
                              ("50 bytes not captured (the peer acknowledged them)", 102),
                              ("44 bytes passed over to the next blank line", 152),
                              ("6 bytes of an event cut short by the gap", 196),
                              ("50 bytes not captured (the peer acknowledged them)", 202),
                              ("16 bytes passed over to the next blank line", 252)]
    assert [e["id"] for e in of_type(its, "sse_event")] == ["4", "5"]


def test_a_gap_says_what_it_cut_short_in_a_multipart_body():
    # Parts from stream byte 72 on, 41 bytes each with the CRLF that starts
    # its delimiter (part 0, without one, 39), segments of 30: bytes 132-161
    # are lost, inside part 1 (111-151).  The search for the next
    # delimiter passes over the rest of part 2 and finds part 3's at 193.
    parts = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i for i in range(5))
    conv, lost = streaming(b"HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=b\r\n\r\n",
                           cut(parts + b"--b--\r\n", 30), 2)
    its = lose(conv, lost, "multipart-cut.pcap")
    assert errors_at(its) == [("21 bytes of a multipart part cut short by the gap", 111),
                              ("30 bytes not captured (the peer acknowledged them)", 132),
                              ("31 bytes passed over to the next multipart delimiter", 162)]
    assert [(p["text"], p["offset"]) for p in of_type(its, "part")] == \
        [("part 0", 72), ("part 3", 193), ("part 4", 234)]
    # Parts of 61 bytes in segments of 20: bytes 132-151 take part 1's
    # delimiter (part 0 is cut), and bytes 172-191 come while the search
    # for the next delimiter runs; part 2's is right after them.
    parts = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\npart %d with some more text\r\n" % i
                     for i in range(6))
    conv, lost = streaming(b"HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=b\r\n\r\n",
                           cut(parts + b"--b--\r\n", 20), 3)
    its = lose(conv, {lost, lost + 4}, "multipart-two-gaps.pcap")
    assert errors_at(its) == \
        [("60 bytes of a multipart part cut short by the gap", 72),
         ("20 bytes not captured (the peer acknowledged them)", 132),
         ("20 bytes passed over: a gap came before the next multipart delimiter was found", 152),
         ("20 bytes not captured (the peer acknowledged them)", 172)]
    assert [p["offset"] for p in of_type(its, "part")] == [192, 253, 314, 375]


def test_a_gap_says_what_it_cut_short_in_websocket_frames():
    # Frames of 60 bytes from stream byte 129 on.  A segment that ends one
    # byte into frame 2's header, then a lost one (190-228): the byte is
    # said, and the search passes over the rest of frame 2.
    frames = b"".join(bytes([0x81, len(e)]) + e for e in (g.event(i, 1700000000000).encode() for i in range(1, 5)))
    conv = g.Conversation()
    conv.handshake()
    conv.ws_upgrade()
    lost = send_pieces(conv, [frames[:61], frames[61:100], frames[100:]], 1)
    conv.close()
    its = lose(conv, lost, "ws-header-cut.pcap")
    assert errors_at(its) == [("1 byte of a WebSocket frame header cut short by the gap", 189),
                              ("39 bytes not captured (the peer acknowledged them)", 190),
                              ("20 bytes passed over to the next WebSocket frame header", 229)]
    # Segments of 45: bytes 219-263 are lost, frame 2's end (it began at
    # 189) and frame 3's header; then bytes 309-353 while the search runs.
    conv, lost = websocket_events(8, 2)
    its = lose(conv, {lost, lost + 4}, "ws-two-gaps.pcap")
    assert errors_at(its) == [("30 bytes of a WebSocket frame cut short by the gap", 189),
                              ("45 bytes not captured (the peer acknowledged them)", 219),
                              ("45 bytes passed over: a gap came before the next WebSocket frame header was found",
                               264),
                              ("45 bytes not captured (the peer acknowledged them)", 309),
                              ("15 bytes passed over to the next WebSocket frame header", 354)]
    assert [json.loads(f["payload"])["seq"] for f in of_type(its, "ws_frame")] == [1, 5, 6, 7, 8]


def test_a_gap_says_what_it_cut_short_in_flash_messages():
    # NUL-ended messages; the segment after the first 30 bytes of event 2
    # is lost: those 30 bytes are said, and so is the rest of event 2, its
    # NUL too, which the search for the next message passes over.
    msgs = b"".join(g.event(i, 1700000000000).encode() + b"\0" for i in range(1, 4))
    one = len(g.event(1, 1700000000000)) + 1
    conv = g.Conversation()
    conv.handshake()
    lost = send_pieces(conv, [msgs[:one + 30], msgs[one + 30:one + 40], msgs[one + 40:]], 1)
    conv.close()
    its = lose(conv, lost, "flash-cut.pcap")
    assert errors_at(its) == [("30 bytes of a Flash message cut short by the gap", one),
                              ("10 bytes not captured (the peer acknowledged them)", one + 30),
                              ("%d bytes passed over to the next NUL that ends a message" % (one - 40), one + 40)]
    assert [json.loads(f["text"])["seq"] for f in of_type(its, "flash")] == [1, 3], of_type(its, "flash")


def test_a_gap_over_the_end_of_a_body_says_the_packet_it_cut():
    # An Engine.IO polling answer whose last 10 bytes are lost: its second
    # packet began before the gap, and is said, not shown as whole.
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /engine.io/?EIO=4&transport=polling&sid=a HTTP/1.1\r\nHost: x\r\n\r\n")
    body = b"4hello\x1e4second packet"
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body)
    lost = send_pieces(conv, [head + body[:-10], body[-10:]], 1)
    conv.send("c2s", b"GET /engine.io/?EIO=4&transport=polling&sid=a HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.close()
    its = lose(conv, lost, "gap-engineio.pcap")
    assert [m["text"] for m in of_type(its, "message")] == ["hello"], its
    start = len(head) + 7
    assert errors_at(its) == [("4 bytes of an Engine.IO packet cut short by the gap", start),
                              ("10 bytes not captured (the peer acknowledged them)", start + 4)], its
    assert [(b["size"], b["lost"]) for b in of_type(its, "body")] == [(len(body), 10)], its


def test_an_answer_after_a_gap_that_took_another_meets_its_own_request():
    # A keep-alive client: /1, its answer lost from the capture, /2 lost
    # too, the answer to /2 captured, then /3 and its answer.  HTTP/1.1
    # answers in order, so the answer to /2 was paired with /1 (and every
    # later one shifted, with wrong timings; recorded from Chromium and
    # socket.io over a lossy link).  Its segment acknowledges bytes the
    # client sent after /1, which it does only once it has /1's answer:
    # that answer was lost.  So it is shown unpaired, and /3 meets its own.
    def req(path):
        return b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path

    def answer(body):
        return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)

    for gap in (True, False):
        conv = g.Conversation()
        conv.handshake()
        conv.send("c2s", req(b"/1"))
        lost = [len(conv.packets)]
        conv.send("s2c", answer(b"one"))
        lost.append(len(conv.packets))
        conv.send("c2s", req(b"/2"))
        conv.send("s2c", answer(b"two"))
        conv.send("c2s", req(b"/3"))
        conv.send("s2c", answer(b"three"))
        its = lose(conv, lost if gap else [], "gap-answers-%d.pcap" % gap)
        if not gap:  # each answer meets its request
            assert [r["exchange"] for r in of_type(its, "http_response")] == [1, 2, 3], its
            continue
        assert [(r["target"], r["exchange"]) for r in of_type(its, "http_request")] == [("/1", 1), ("/3", 2)]
        assert [(r["exchange"], r["response_ms"]) for r in of_type(its, "http_response")] == \
            [(None, None), (2, 2.0)], its


def test_a_websocket_whose_101_the_capture_missed_is_read_from_its_frames():
    # The client's Upgrade request was captured, the 101 answering it was
    # not (the client's ACK shows it came).  What followed was read as HTTP
    # and passed over whole: no frame, and the flow named poll (recorded
    # with engine.io from Chromium over a lossy link).  Now both sides are
    # read as frames, as for a connection joined after its handshake.
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    answer = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" \
             b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
    lost = len(conv.packets)
    conv.send("s2c", answer)
    conv.send("s2c", text_frame(b"tick 1"))
    conv.send("c2s", text_frame(b"hello", key=b"\x01\x02\x03\x04"))
    conv.send("s2c", text_frame(b"tick 2"))
    its = lose(conv, [lost], "ws-no-101.pcap")
    frames = [(f["dir"], f["payload"], f["masked"]) for f in of_type(its, "ws_frame")]
    assert frames == [("s2c", "tick 1", False), ("c2s", "hello", True), ("s2c", "tick 2", False)], its
    assert errors_at(its) == [("%d bytes not captured (the peer acknowledged them)" % len(answer), 0)], its
    flow = of_type(its, "flow")[0]
    assert flow["technique"] == "ws" and "its answer, was not captured" in flow["note"], flow


# What the close cuts short is said the same way, and what came of a body
# of known length is shown: at the end of the capture the stream may go
# on, and only the body is shown, as far as it came.

def closing(send, close="c2s", ws=False, reset=False):
    """A connection whose server sends `send` (after a 101 when ws), then
    the side `close` closes first (its FIN; with reset, its RST), or the
    capture ends (close False); pushviz's items."""
    conv = g.Conversation()
    conv.handshake()
    if ws:
        conv.ws_upgrade()
    else:
        conv.send("c2s", b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.send("s2c", send)
    if reset:
        conv.segment(close, g.RST | g.ACK)
    elif close:
        conv.close(close)
    return items(conv.write(os.path.join(TMP, "close-%d.pcap" % len(conv.packets))))


def test_the_close_says_what_it_cut_short():
    head = b"HTTP/1.1 200 OK\r\nContent-Le"
    assert errors_at(closing(head)) == [("27 bytes of an HTTP head cut short by the close", 0)]
    # After the 101 (129 bytes): a frame whose header says 10 bytes, 5 came;
    # then a 16-bit length of which one byte came.
    its = closing(bytes([0x81, 10]) + b"hello", ws=True)
    assert errors_at(its) == [("7 bytes of a WebSocket frame cut short by the close", 129)], its
    assert not of_type(its, "ws_frame"), its
    its = closing(bytes([0x81, 126, 1]), ws=True)
    assert errors_at(its) == [("3 bytes of a WebSocket frame header cut short by the close", 129)], its
    # A Flash message without its NUL (no head: the server speaks first).
    conv = g.Conversation()
    conv.handshake()
    conv.send("s2c", b"hello\0wor")
    conv.close()
    its = items(conv.write(os.path.join(TMP, "close-flash.pcap")))
    assert [f["text"] for f in of_type(its, "flash")] == ["hello"], its
    assert errors_at(its) == [("3 bytes of a Flash message cut short by the close", 6)], its
    # When only the capture ends, none of it is said.
    for send, ws in ((head, False), (bytes([0x81, 10]) + b"hello", True)):
        assert not of_type(closing(send, close=False, ws=ws), "error")


def test_a_chunked_stream_is_incomplete_only_if_its_reader_was_still_there():
    # A streaming answer usually ends when its reader leaves: the client
    # closes (a tab, EventSource.close()), then the server, without the
    # last chunk.  Nothing is missing from what was sent, so nothing is
    # said; pushviz said "connection closed inside a message body" of every
    # such stream.  The server closing first (or resetting) while its
    # reader is still there leaves the answer incomplete, as a browser
    # reports it (ERR_INCOMPLETE_CHUNKED_ENCODING).
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"  # 47 bytes
    incomplete = [("connection closed before the last chunk: the body is incomplete", 55)]
    for close, reset, said in (("c2s", False, []), ("s2c", False, incomplete),
                               ("c2s", True, []), ("s2c", True, incomplete)):
        its = closing(head + b"3\r\nabc\r\n", close=close, reset=reset)
        assert [c["size"] for c in of_type(its, "chunk")] == [3], its
        assert errors_at(its) == said, (close, reset, its)
    # What the close cuts of a chunk is said whoever closed first: data
    # its size line announced (16 bytes, 3 came), or a size line begun.
    for close in ("c2s", "s2c"):
        its = closing(head + b"10\r\nabc", close=close)
        assert errors_at(its) == [("connection closed inside a chunk: 13 of its bytes never came", 54)], its
    its = closing(head + b"3\r\nabc\r\n1")
    assert errors_at(its) == [("1 byte of a chunk size line cut short by the close", 55)], its
    # The end of the capture says none of it; a whole body neither.
    assert not of_type(closing(head + b"10\r\nabc", close=False), "error")
    assert not of_type(closing(head + b"3\r\nabc\r\n0\r\n\r\n", close="s2c"), "error")


def test_what_the_other_side_sent_before_a_reset_reached_it_is_read():
    # The client resets a WebSocket (a tab closed with data unread) while
    # the server's Close frame is on its way: it comes 1 ms after the RST,
    # within two handshake RTTs (2 ms each here).  The RST ended the flow
    # at once, so the frame was a straggler, counted and not read (tshark
    # reads it; recorded from Chromium and ws over a lossy link).
    close_1001 = bytes([0x88, 2, 0x03, 0xE9])
    for late in (0.001, 0.010):  # in flight, or after the wait: a straggler
        conv = g.Conversation()
        conv.handshake()
        conv.ws_upgrade()
        conv.send("s2c", bytes([0x81, 4]) + b"tick")
        conv.segment("c2s", g.RST | g.ACK)
        conv.segment("s2c", g.PSH | g.ACK, close_1001, dt=late)
        conv.segment("s2c", g.ACK, dt=0.02)  # a later packet: the wait is over by then
        its = items(conv.write(os.path.join(TMP, "reset-%d.pcap" % (late * 1000))))
        frames = [(f["dir"], f["opcode_name"]) for f in of_type(its, "ws_frame")]
        flow = of_type(its, "flow")[0]
        assert flow["end"] == "rst" and not of_type(its, "error"), its
        if late < 0.004:
            assert frames == [("s2c", "text"), ("s2c", "close")], its
            assert flow["bytes_s2c"] == 129 + 6 + 4, flow
            assert its.index(flow) > its.index(of_type(its, "ws_frame")[-1]), its
        else:
            assert frames == [("s2c", "text")], its
    # The input ends during the wait (another connection's packet 9 us
    # after the RST): the flow item still has the time of its own last
    # packet, as when the wait ends (it had the input's last time).
    reset = g.Conversation(client=("10.0.0.1", 40001))
    reset.handshake()
    reset.segment("c2s", g.RST | g.ACK)
    other = g.Conversation(client=("10.0.0.1", 40002), t=reset.t + 0.000009 - 0.001)
    other.segment("c2s", g.SYN)
    pc = g.Pcap()
    for ts, pkt in sorted(reset.packets + other.packets):
        pc.add_ip(1700000000 + ts, pkt)
    pc.write(os.path.join(TMP, "reset-at-the-end.pcap"))
    its = items(os.path.join(TMP, "reset-at-the-end.pcap"))
    rst = [i for i in of_type(its, "tcp") if "RST" in i["flags"]][0]
    flow = [f for f in of_type(its, "flow") if f["flow"] == rst["flow"]][0]
    assert flow["end"] == "rst" and flow["t"] == rst["t"] < max(i["t"] for i in its), (flow, rst)
    # A hole the reset leaves open is said as such: the capture did not end.
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"  # 47 bytes
    conv.send("s2c", head)
    lost = len(conv.packets)
    conv.segment("s2c", g.PSH | g.ACK, b"3\r\nabc\r\n")
    conv.segment("s2c", g.PSH | g.ACK, b"3\r\ndef\r\n")
    conv.segment("s2c", g.RST | g.ACK)
    its = lose(conv, [lost], "reset-hole.pcap")
    assert errors_at(its)[0] == ("8 bytes not seen before the connection ended", 47), its


def test_a_body_of_known_length_the_close_cuts_shows_what_came():
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"  # 40 bytes
    its = closing(head + b'{"seq": 1, "text": "the start of an answer')
    assert [(b["text"], b["size"], b["offset"], b["end"], b["content_length"]) for b in of_type(its, "body")] == \
        [('{"seq": 1, "text": "the start of an answer', 42, 40, "fin", 100)], its
    assert errors_at(its) == [("connection closed inside a message body: 58 of its bytes never came", 82)]
    its = closing(head + b"abc", close=False)
    assert [(b["text"], b["size"], b["end"], b["content_length"]) for b in of_type(its, "body")] == \
        [("abc", 3, "capture", 100)], its
    assert not of_type(its, "error"), its
    # Whole, it says no more than its size.
    its = closing(head + b"x" * 100)
    assert [(b["size"], "content_length" in b, "end" in b) for b in of_type(its, "body")] == [(100, False, False)]
    assert not of_type(its, "error"), its
    # An Engine.IO polling answer the close cuts inside its second packet:
    # the first is a message, the second is said, not shown as whole.
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /engine.io/?EIO=4&transport=polling&sid=a HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.send("s2c", head + b"4hello\x1e4wor")
    conv.close()
    its = items(conv.write(os.path.join(TMP, "close-engineio.pcap")))
    assert [(m["library"], m["text"]) for m in of_type(its, "message")] == [("engine.io", "hello")], its
    assert errors_at(its) == [("4 bytes of an Engine.IO packet cut short by the close", 47),
                              ("connection closed inside a message body: 89 of its bytes never came", 51)]
    # The head alone: no body item for the none that came, and the error.
    its = closing(head)
    assert not of_type(its, "body") and errors_at(its) == \
        [("connection closed inside a message body: 100 of its bytes never came", 40)], its


def test_websocket_gap_before_the_end_says_what_it_passed_over():
    # Three frames of 60 bytes; bytes 90-134 are lost (frame 2's end,
    # frame 3's header): the 45 bytes after them start no frame, and the
    # connection closes before one does.  They are said, not dropped unsaid.
    conv, lost = websocket_events(3, 2)
    its = lose(conv, lost, "ws-gap-end.pcap")
    assert [json.loads(f["payload"])["seq"] for f in of_type(its, "ws_frame")] == [1], its
    what = [e["what"] for e in of_type(its, "error") if "passed over" in e["what"]]
    assert what == ["45 bytes passed over: the stream ended before the next WebSocket frame header was found"], \
        of_type(its, "error")


CASES = [test_chunked_gap_inside_a_chunk_loses_nothing_else, test_bytes_after_a_hole_keep_the_time_their_reader_had_them,
         test_chunked_gap_across_chunks_finds_the_next_size_line,
         test_the_search_after_a_gap_reads_size_lines_as_the_decoder_does,
         test_sse_gap_inside_an_event_resumes_at_the_next_blank_line,
         test_websocket_gap_over_a_header_finds_the_next_frame,
         test_websocket_gap_before_the_end_says_what_it_passed_over,
         test_http_gap_in_a_head_accounts_for_every_byte, test_heads_the_snaplen_cut_are_read_as_far_as_they_came,
         test_a_cut_101_whose_request_was_not_captured_is_read_as_websocket,
         test_a_101_cut_before_its_upgrade_line_is_read_as_websocket,
         test_an_h2c_upgrade_whose_101_was_lost_is_read_as_http2,
         test_a_cut_101_guessed_as_websocket_that_was_h2c_is_read_as_http2,
         test_a_chunked_answer_whose_transfer_encoding_line_was_cut_is_read_as_chunks,
         test_an_event_after_a_gap_in_a_head_has_its_own_segments_time,
         test_a_gap_says_what_it_cut_short_in_a_chunked_body,
         test_a_gap_says_what_it_cut_short_in_an_event_stream, test_a_gap_says_what_it_cut_short_in_a_multipart_body,
         test_a_gap_says_what_it_cut_short_in_websocket_frames, test_a_gap_says_what_it_cut_short_in_flash_messages,
         test_the_close_says_what_it_cut_short, test_a_chunked_stream_is_incomplete_only_if_its_reader_was_still_there,
         test_what_the_other_side_sent_before_a_reset_reached_it_is_read,
         test_a_body_of_known_length_the_close_cuts_shows_what_came,
         test_a_gap_over_the_end_of_a_body_says_the_packet_it_cut,
         test_an_answer_after_a_gap_that_took_another_meets_its_own_request,
         test_a_websocket_whose_101_the_capture_missed_is_read_from_its_frames,
         test_late_join_websocket, test_a_capture_begun_inside_a_message_reads_on_once_the_other_side_shows_its_protocol,
         test_a_websocket_joined_late_names_its_push_library_from_its_messages,
         test_an_ack_captured_before_the_data_it_acknowledges_loses_nothing,
         test_a_flow_joined_late_whose_server_has_the_higher_port_is_read_as_with_a_lower_one,
         test_sequence_numbers_that_pass_2_32_midstream_change_nothing,
         test_where_segments_cut_the_bytes_changes_nothing,
         test_a_capture_begun_at_any_segment_shows_every_event_after_it,
         test_where_segments_cut_a_stream_joined_inside_its_body_changes_nothing,
         test_events_in_bytes_that_wait_to_be_told_keep_the_time_they_came,
         test_chunks_joined_inside_a_body_are_a_stream_once_they_go_on_past_a_write,
         test_a_stream_joined_inside_its_body_is_named_and_read_from_its_content] + [make_case(p) for p in sorted(glob.glob(os.path.join(CAPTURES, "*.pcap")))
         if os.path.basename(p) != "demo.pcap"] + \
        [make_case(os.path.join(CAPTURES, "thirdparty", name + ".pcap"), "test_gap_thirdparty_", dissector)
         for name, dissector in THIRD_PARTY_GAPS]

if __name__ == "__main__":
    main(CASES)
