"""test_h2.py -- HTTP/2 in the clear (h2c) in pushviz: one `http2` item per
frame, and the pushlab events in DATA frames.

The captures were recorded from real stacks (captures/thirdparty/h2c-*.pcap,
made by tests/thirdparty/record_h2.sh): a node `http2` server pushing an
event stream to curl (nghttp2), and to node's http2 client, which also asks
for /news on the same connection, cancels a third stream, reads a gzip
NDJSON stream on a fourth, pings and says GOAWAY.  tshark is the oracle:
per connection and direction, every frame in order with its stream, type,
flags and length; each DATA frame's bytes (decoded frame by frame where the
answer is compressed, which must add up to the body tshark decompresses);
RST_STREAM and GOAWAY error codes and WINDOW_UPDATE increments; every
header block's fields, decoded from HPACK, in order.  Before,
pushviz took these connections for WebSocket joined mid-way (the frames
looked like masked and unmasked frame headers) and showed close codes and
compressed messages that were not there.

Crafted pcaps check what the captures cannot: a lost segment inside a
frame and across a frame header; a header block in CONTINUATION frames, in
a PUSH_PROMISE, in a padded HEADERS with a priority; and header blocks that
can no longer be read (after a lost HEADERS frame, after one HPACK refuses).
"""
import json
import os
import struct
import zlib

import pcapgen as g
from vizlib import (CAPTURES, items, main, of_type, pcap_records, run, scratch_dir, stats_tables,
                    thirdparty_captures, tshark_json)

TMP = scratch_dir("pushviz-h2-")
TYPES = ["DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY",
         "WINDOW_UPDATE", "CONTINUATION"]
ERRORS = ["NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
          "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL"]


def flag_names(kind, flags):
    """RFC 9113 §6's names of the flags this frame type defines."""
    names = []
    if kind in ("SETTINGS", "PING") and flags & 1:
        names.append("ACK")
    if kind in ("DATA", "HEADERS") and flags & 1:
        names.append("END_STREAM")
    if kind in ("HEADERS", "PUSH_PROMISE", "CONTINUATION") and flags & 4:
        names.append("END_HEADERS")
    if kind in ("DATA", "HEADERS", "PUSH_PROMISE") and flags & 8:
        names.append("PADDED")
    if kind == "HEADERS" and flags & 0x20:
        names.append("PRIORITY")
    return ",".join(names)


def tshark_frames(path, port, upgraded=False):
    """{(stream, client side?): [frame dicts]} as tshark dissects them.  A
    connection that began in HTTP/1.1 (upgraded) is decoded as HTTP, whose
    dissector hands what follows a 101 to h2c on to HTTP/2's."""
    out = {}
    decode = "tcp.port==%d,%s" % (port, "http" if upgraded else "http2")
    for layers in tshark_json(path, ["-d", decode, "-Y", "http2"], repeated_keys=True):
        tcp = layers["tcp"][0]
        key = (int(tcp["tcp.stream"][0]), int(tcp["tcp.dstport"][0]) == port)
        for layer in layers["http2"]:
            for st in layer.get("http2.stream", []):
                if "http2.type" not in st:
                    continue  # the connection preface ("Magic")
                kind = TYPES[int(st["http2.type"][0])]
                frame = {"frame": kind, "stream": int(st["http2.streamid"][0]),
                         "flags": flag_names(kind, int(st["http2.flags"][0], 16)),
                         "len": int(st["http2.length"][0])}
                if "http2.data.data" in st:
                    frame["data"] = bytes.fromhex(st["http2.data.data"][0].replace(":", ""))
                for field in ("http2.rst_stream.error", "http2.goaway.error"):
                    if field in st:
                        frame["error_code"] = ERRORS[int(st[field][0])]
                if "http2.push_promise.promised_stream_id" in st:
                    frame["promised_stream"] = int(st["http2.push_promise.promised_stream_id"][0])
                if "http2.window_update.window_size_increment" in st:
                    frame["increment"] = int(st["http2.window_update.window_size_increment"][0])
                for name in st:  # a compressed body, decompressed by tshark on its END_STREAM frame
                    if name.startswith("Content-encoded entity body"):
                        frame["decoded_body"] = bytes.fromhex(st[name][0]["http2.data.data"][0].replace(":", ""))
                if "http2.header" in st:  # a decoded header block: each field in order
                    frame["headers"] = [[h["http2.header.name"][0], h.get("http2.header.value", [""])[0]]
                                        for h in st["http2.header"]]
                out.setdefault(key, []).append(frame)
    return out


def expected_texts(ref):
    """What each DATA frame of one direction (tshark's frames, in order)
    should show: its data, or, on a stream whose answer has a content
    coding, what its data decodes to, frame after frame through one zlib
    stream as the client decoded it.  A stream tshark decompressed whole
    (on its END_STREAM frame) must decode to the same bytes."""
    codings, decoders, decoded, texts = {}, {}, {}, []
    for r in ref:
        if r["frame"] == "HEADERS":
            fields = dict(r.get("headers", []))
            if "content-encoding" in fields:
                codings[r["stream"]] = fields["content-encoding"]
        if r["frame"] != "DATA":
            continue
        data = r.get("data", b"")
        # tshark puts the stream's whole body in its END_STREAM frame
        data = data[-r["len"]:] if "END_STREAM" in r["flags"] and r["len"] else data[:r["len"]]
        if r["stream"] in codings:
            wbits = {"gzip": 31, "deflate": 15}[codings[r["stream"]]]
            z = decoders.setdefault(r["stream"], zlib.decompressobj(wbits))
            data = z.decompress(data)
            decoded[r["stream"]] = decoded.get(r["stream"], b"") + data
        if "decoded_body" in r:
            assert decoded.get(r["stream"]) == r["decoded_body"], (r, decoded)
        texts.append(data[:256].decode())
    return texts, len(decoded)


def test_frames_agree_with_tshark():
    coded = 0
    for path in thirdparty_captures("h2c-*.pcap", 3):
        its = items(path)
        ports = {int(f["server"].rsplit(":", 1)[1]) for f in of_type(its, "flow")}
        assert len(ports) == 1, ports
        upgrade = of_type(its, "http_request")  # h2c-upgrade: a GET with Upgrade: h2c first
        theirs = tshark_frames(path, ports.pop(), upgraded=bool(upgrade))
        for flow in sorted({f["flow"] for f in of_type(its, "flow")}):
            for client_side, d in ((True, "c2s"), (False, "s2c")):
                where = "%s flow %d %s" % (os.path.basename(path), flow, d)
                mine = [f for f in of_type(its, "http2", flow=flow, dir=d) if f["frame"] != "preface"]
                ref = theirs[(flow - 1, client_side)]
                assert [(m["frame"], m["stream"], m["flags"], m["len"]) for m in mine] == \
                    [(r["frame"], r["stream"], r["flags"], r["len"]) for r in ref], where
                texts, n_coded = expected_texts(ref)
                assert [m["text"] for m in mine if m["frame"] == "DATA"] == texts, where
                coded += n_coded
                for m, r in zip(mine, ref):
                    for field in ("error_code", "increment", "promised_stream"):
                        assert m.get(field) == r.get(field), (where, field, m, r)
        # Nothing of it passes for WebSocket or Flash, and nothing is an error.
        assert not of_type(its, "ws_frame") and not of_type(its, "flash"), path
        assert not of_type(its, "error"), of_type(its, "error")
        # Its streams are exchanges, so the connection is named: an event stream.
        assert [(f["technique"], f.get("note")) for f in of_type(its, "flow")] == [("sse", None)], path
        # The client's preface opens the connection, or follows the request
        # that asked for the switch.
        first = of_type(its, "http2", dir="c2s")[0]
        opened = upgrade[0]["head_bytes"] if upgrade else 0
        assert first["frame"] == "preface" and first["offset"] == opened, first
    assert coded == 1, coded  # node's gzip NDJSON stream, decoded by tshark too


def test_a_connection_joined_after_its_prefaces_is_read_as_http2():
    """A capture begun mid-connection: h2c-node.pcap (node's http2 server
    and client) from each segment after the prefaces on.  Neither side
    begins with its preface, so before, each side's first frame headers
    passed WebSocket's late-join test (their first byte, 0, reads as an
    unfinished continuation frame) and the connection was shown as
    WebSocket frames with reserved opcodes.  Now the frames are HTTP/2's,
    each as tshark (told the port is HTTP/2) dissects the same bytes, and
    the header blocks are said to be unreadable (HPACK's table unknown)."""
    path = thirdparty_captures("h2c-node.pcap", 1)[0]
    port = int(of_type(items(path), "flow")[0]["server"].rsplit(":", 1)[1])
    head, recs = pcap_records(path)
    preface = next(i for i, rec in enumerate(recs) if b"PRI * HTTP/2.0" in rec)
    joins = [i for i, rec in enumerate(recs) if i > preface and len(rec) > 16 + 66]  # segments with payload
    assert len(joins) > 5, joins
    for i in joins:
        late = os.path.join(TMP, "h2-late-%d.pcap" % i)
        with open(late, "wb") as f:
            f.write(head + b"".join(recs[i:]))
        its = items(late)
        theirs = tshark_frames(late, port)
        where = "from frame %d" % (i + 1)
        assert not of_type(its, "ws_frame") and not of_type(its, "flash"), (where, its[:5])
        for flow in sorted({f["flow"] for f in of_type(its, "flow")}):
            for client_side, d in ((True, "c2s"), (False, "s2c")):
                mine = [(m["frame"], m["stream"], m["flags"], m["len"]) for m in of_type(its, "http2", flow=flow, dir=d)]
                ref = [(r["frame"], r["stream"], r["flags"], r["len"]) for r in theirs.get((flow - 1, client_side), [])]
                assert mine == ref, (where, flow, d, mine, ref)
        if of_type(its, "http2", frame="HEADERS"):
            assert any("HPACK's table is unknown" in e["what"] for e in of_type(its, "error")), where


def test_headers_agree_with_tshark():
    """Every header block's fields, decoded from HPACK, name and value in
    order, as tshark decodes them; and the pseudo-headers as fields."""
    compared = 0
    for path in thirdparty_captures("h2c-*.pcap", 3):
        its = items(path)
        port = int(of_type(its, "flow")[0]["server"].rsplit(":", 1)[1])
        upgraded = bool(of_type(its, "http_request"))
        theirs = tshark_frames(path, port, upgraded)
        for (stream, client_side), ref in sorted(theirs.items()):
            d = "c2s" if client_side else "s2c"
            where = "%s %s" % (os.path.basename(path), d)
            mine = [f for f in of_type(its, "http2", flow=stream + 1, dir=d) if f["frame"] == "HEADERS"]
            ref = [r for r in ref if r["frame"] == "HEADERS"]
            # (after an upgrade the client's one request was HTTP/1.1: no block)
            assert (ref or (upgraded and client_side)) and all("headers" in r for r in ref), (where, ref)
            assert [m.get("headers") for m in mine] == [r["headers"] for r in ref], where
            for m in mine:
                fields = dict(m["headers"])
                assert m.get("method") == fields.get(":method") and m.get("path") == fields.get(":path"), m
                assert m.get("status") == (int(fields[":status"]) if ":status" in fields else None), m
            compared += sum(len(r["headers"]) for r in ref)
    assert compared == 44, compared  # in 10 blocks: 2 of curl's, 7 of node's, 1 of nghttpx's (6 fields)


def test_what_each_capture_shows():
    """The lesson of each capture, so that a re-recording that loses it fails."""
    its = items(os.path.join(CAPTURES, "thirdparty", "h2c-curl.pcap"))
    data = of_type(its, "http2", frame="DATA", stream=1)
    assert len(data) == 5 and data[-1]["flags"] == "END_STREAM", data  # one frame per event
    assert [e["seq"] for e in of_type(its, "event")] == [1, 2, 3, 4, 5]  # found inside the frames
    # The event stream is read as in HTTP/1.1: an sse_event per block, at
    # its first byte on the wire (after its DATA frame's 9-byte header).
    events = of_type(its, "sse_event")
    assert [(e["id"], json.loads(e["data"])["seq"]) for e in events] == [(str(i), i) for i in range(1, 6)], events
    assert [e["offset"] for e in events] == [d["offset"] + 9 for d in data], (events, data)
    assert all(d["content"] == "sse" for d in data), data
    # --stats: each event a message, its data the bytes (the DATA frames that
    # carry them are not counted again); HEADERS frames are head bytes
    rc, out, _ = run(["-r", os.path.join(CAPTURES, "thirdparty", "h2c-curl.pcap"), "--stats"])
    costs, carried = stats_tables(out)[:2]
    heads = sum(f["len"] + 9 for f in of_type(its, "http2", frame="HEADERS"))
    assert rc == 0 and costs["sse"][2] == "5" and float(costs["sse"][3]) == round(heads / 5, 1), out
    assert carried["sse"][:2] == ["5", str(sum(len(e["data"].encode()) for e in events))], out
    # h2c-upgrade: curl's GET in HTTP/1.1 asks for h2c; the 101 switches
    # the connection at once (it is no interim answer: RFC 9110 §15.2.2).
    # The server's SETTINGS follows the 101 in the same segment, the client's
    # preface follows its request, and the GET is stream 1: its answer is
    # the HEADERS there, paired with it and timed from it (RFC 7540 §3.2).
    its = items(os.path.join(CAPTURES, "thirdparty", "h2c-upgrade.pcap"))
    [req], [switch] = of_type(its, "http_request"), of_type(its, "http_response")
    assert ("Upgrade", "h2c") in map(tuple, req["headers"]) and switch["status"] == 101, (req, switch)
    assert "technique" not in switch and switch["exchange"] == req["exchange"] == 1, switch  # not its answer
    first = [(f["dir"], f["frame"], f["offset"]) for f in of_type(its, "http2")][:2]
    assert first == [("s2c", "SETTINGS", switch["head_bytes"]), ("c2s", "preface", req["head_bytes"])], first
    [answer] = of_type(its, "http2", frame="HEADERS")
    assert (answer["dir"], answer["stream"], answer["exchange"], answer["status"], answer["technique"]) == \
        ("s2c", 1, 1, 200, "sse"), answer
    assert answer["response_ms"] == round((answer["t"] - req["t"]) * 1000, 3), (answer, req)
    assert [e["id"] for e in of_type(its, "sse_event")] == ["1", "2", "3", "4", "5"]
    assert not of_type(its, "error"), of_type(its, "error")
    its = items(os.path.join(CAPTURES, "thirdparty", "h2c-node.pcap"))
    streams = [f["stream"] for f in of_type(its, "http2", dir="s2c", frame="DATA")]
    assert 3 in streams and streams.index(3) not in (0, len(streams) - 1), streams  # interleaved with 1
    assert of_type(its, "http2", frame="RST_STREAM", stream=5, error_code="CANCEL")
    assert of_type(its, "http2", frame="PING", flags="ACK", dir="s2c")
    assert of_type(its, "http2", frame="GOAWAY")
    assert len({f["flow"] for f in of_type(its, "flow")}) == 1  # three exchanges, one connection
    # Each stream an exchange: /events and /news answered on their streams,
    # /news after frames of /events; /slow cancelled, so never answered.
    asked = {f["stream"]: (f["path"], f["exchange"]) for f in of_type(its, "http2", dir="c2s", frame="HEADERS")}
    assert asked == {1: ("/events", 1), 3: ("/news", 2), 5: ("/slow", 3), 7: ("/digest", 4)}, asked
    answers = [(f["stream"], f["exchange"], f["technique"])
               for f in of_type(its, "http2", dir="s2c", frame="HEADERS")]
    assert sorted(answers) == [(1, 1, "sse"), (3, 2, "http"), (7, 4, "xhr")], answers
    assert [f["technique"] for f in of_type(its, "flow")] == ["sse"]
    # /digest: node's gzip stream, flushed a line at a time.  Its first
    # frame is the gzip header and its last the gzip trailer (nothing to
    # show); each frame between shows the NDJSON line it decodes to, and
    # the events are found in them.
    digest = of_type(its, "http2", dir="s2c", frame="DATA", stream=7)
    lines = [d["text"] for d in digest]
    assert lines[0] == "" and lines[-2:] == ["", ""] and len(lines) == 6, lines
    assert [json.loads(t)["seq"] for t in lines[1:4]] == [1, 2, 3] and all(t.endswith("\n") for t in lines[1:4])
    seqs = [(e["seq"], e["offset"]) for e in of_type(its, "event")]
    for d in digest[1:4]:  # (each frame's data is one coded piece: its events point at it)
        assert (json.loads(d["text"])["seq"], d["offset"] + 9) in seqs, (d, seqs)


def test_an_upgrade_request_shows_the_settings_tshark_decodes():
    """h2c-upgrade: curl's GET asks for h2c with its first SETTINGS in the
    HTTP2-Settings field, base64url (RFC 7540 §3.2.1).  The request's item
    shows them as a SETTINGS frame's item does, each one tshark decodes
    from the field, in order (tshark's field names are RFC 9113's, lower
    case; an unknown identifier is shown in hex).  Before, only the
    base64url text was shown.  curl sends the same settings again in its
    SETTINGS frame after the preface."""
    path = os.path.join(CAPTURES, "thirdparty", "h2c-upgrade.pcap")
    its = items(path)
    [layers] = tshark_json(path, ["-Y", "http.request"], repeated_keys=True)
    [tree] = layers["http"][0]["http.http2_settings_tree"]
    theirs = []
    for setting in tree["http2.settings"]:
        ident = int(setting.pop("http2.settings.id")[0])
        [(field, [value])] = setting.items()
        name = field.rsplit(".", 1)[1].upper()
        theirs.append("%s=%s" % ("0x%x" % ident if name == "UNKNOWN" else name, value))
    [req] = of_type(its, "http_request")
    assert req["settings"] == ",".join(theirs) and len(theirs) == 3, (req, theirs)
    first = of_type(its, "http2", dir="c2s", frame="SETTINGS", flags="")[0]
    assert first["settings"] == req["settings"], first
    rc, out, _ = run(["-r", path, "--dump"])
    assert rc == 0 and "GET /events HTTP/1.1 head=178 settings=MAX_CONCURRENT_STREAMS=100," in out, out


def test_a_faulty_http2_settings_field_is_said():
    """RFC 7540 §3.2.1: the field is a SETTINGS payload in base64url
    without padding, there is exactly one, and a server must not switch
    without it.  Each fault is an error item after the request's item,
    which still shows the field as sent; a value that cannot be read shows
    no settings."""
    good = b"AAMAAABkAAQCAAAAAAIAAAAA"
    cases = [([good], "MAX_CONCURRENT_STREAMS=100,INITIAL_WINDOW_SIZE=33554432,ENABLE_PUSH=0", None),
             ([b""], None, None),  # no settings: a SETTINGS frame may be empty
             ([good[:8] + b"+" + good[9:]], None, "HTTP2-Settings is not base64url"),  # '+' is base64's
             ([good[:10] + b"=="], None, "HTTP2-Settings is not base64url"),  # padding
             ([good[:10]], None, "HTTP2-Settings decodes to 7 bytes, not whole 6-byte settings"),
             ([b"A" * 300], None, "HTTP2-Settings holds more than the 32 settings pushviz reads"),
             ([], None, "no HTTP2-Settings field: a server must not switch to h2c"),
             ([good, good], "MAX_CONCURRENT_STREAMS=100,INITIAL_WINDOW_SIZE=33554432,ENABLE_PUSH=0",
              "2 HTTP2-Settings fields: a server must not switch to h2c")]
    for n, (values, settings, fault) in enumerate(cases):
        conv = g.Conversation()
        conv.handshake()
        conv.send("c2s", b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n" +
                  b"".join(b"HTTP2-Settings: " + v + b"\r\n" for v in values) + b"\r\n")
        conv.close()
        its = items(conv.write(os.path.join(TMP, "settings-%d.pcap" % n)))
        [req] = of_type(its, "http_request")
        assert [v.encode() for k, v in req["headers"] if k == "HTTP2-Settings"] == values, req
        assert req.get("settings") == settings, (values, req)
        errors = [(e["what"], e["offset"]) for e in of_type(its, "error")]
        assert [(w[:len(fault)], at) for w, at in errors] == [(fault, 0)] if fault else not errors, (values, errors)


# ---- crafted ----
# ---- crafted ----

def frame(kind, stream, payload, flags=0):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def connection(lose_piece, mss=50):
    """h2c: preface and SETTINGS both ways, HEADERS for stream 1, then the
    server's DATA frames (60 bytes each on the wire) in segments of mss;
    segment `lose_piece` of them is never captured."""
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, b"") + frame(1, 1, b"\x82\x84", 5))
    conv.send("s2c", frame(4, 0, b"\x00\x03\x00\x00\x00\x64") + frame(1, 1, b"\x88", 4))
    stream = b"".join(frame(0, 1, (b"data: event %d" % i).ljust(51)) for i in range(6))
    lost = conv.stream("s2c", stream, mss, lose=lose_piece)
    conv.close()
    return conv, lost


def test_a_capture_begun_inside_a_frame_reads_the_server_once_the_client_shows_http2():
    # The capture began in the middle of a long DATA frame of the server's:
    # its bytes looked like nothing and stayed unread.  Once the client's
    # frames show HTTP/2, the server's side looks for its next frame header.
    conv = g.Conversation()
    conv.handshake()
    begin = len(conv.packets) + 1  # the long frame's second segment
    conv.stream("s2c", frame(0, 1, bytes(range(1, 256)) * 4), 400)
    conv.send("c2s", frame(6, 0, b"pingpong"))
    conv.send("s2c", frame(6, 0, b"pingpong", 1) + frame(0, 1, b"data: tick\n\n"))
    its = items(conv.write(os.path.join(TMP, "begun-in-a-frame.pcap"), lose=range(begin)))
    assert [(f["dir"], f["frame"]) for f in of_type(its, "http2")] == \
        [("c2s", "PING"), ("s2c", "PING"), ("s2c", "DATA")], its
    passed = 9 + 1020 - 400
    assert [(e["what"], e["offset"]) for e in of_type(its, "error")] == \
        [("%d bytes passed over to the next HTTP/2 frame header" % passed, 0)], its


def test_gap_inside_a_frame_keeps_the_framing():
    conv, lost = connection(lose_piece=1, mss=30)  # bytes 30-59 of the DATA: inside frame 0
    its = items(conv.write(os.path.join(TMP, "gap-inside.pcap"), lose=lost))
    data = of_type(its, "http2", frame="DATA")
    assert [d["len"] for d in data] == [51] * 6, data
    assert [e["what"] for e in of_type(its, "error")] == ["30 bytes not captured (the peer acknowledged them)"]


def test_gap_over_a_header_finds_the_next_frame():
    conv, lost = connection(lose_piece=2)  # bytes 100-149: frame 1 ends at 119, frame 2 starts at 120
    its = items(conv.write(os.path.join(TMP, "gap-header.pcap"), lose=lost))
    # Frame 1 is shown with the 31 bytes of its data that came; frame 2's header is lost.
    data = of_type(its, "http2", frame="DATA")
    assert [(d["text"].strip(), len(d["text"])) for d in data] == \
        [("data: event 0", 51), ("data: event 1", 31), ("data: event 3", 51), ("data: event 4", 51),
         ("data: event 5", 51)], data
    what = [e["what"] for e in of_type(its, "error")]
    assert what == ["50 bytes not captured (the peer acknowledged them)",
                    "30 bytes passed over to the next HTTP/2 frame header"], what  # 150 to 180


# RFC 7541 C.4's first two requests (Huffman coded): the second refers to
# the :authority the first added to the dynamic table.
REQUEST_1 = bytes.fromhex("828684418cf1e3c2e5f23a6ba0ab90f4ff")
REQUEST_2 = bytes.fromhex("828684be5886a8eb10649cbf")
FIELDS_1 = [[":method", "GET"], [":scheme", "http"], [":path", "/"], [":authority", "www.example.com"]]
FIELDS_2 = FIELDS_1 + [["cache-control", "no-cache"]]


def h2_connection(client_frames, server_frames=b""):
    """h2c: the preface, an empty SETTINGS each way, then these frames."""
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, b"") + client_frames)
    conv.send("s2c", frame(4, 0, b"") + server_frames)
    return conv


def test_block_in_continuation_frames():
    # The first block cut inside its Huffman string: HEADERS, then two
    # CONTINUATIONs; the fields go on the frame that ends the block.
    conv = h2_connection(frame(1, 1, REQUEST_1[:8], 1) + frame(9, 1, REQUEST_1[8:12]) +
                         frame(9, 1, REQUEST_1[12:], 4) + frame(1, 3, REQUEST_2, 5))
    conv.close()
    its = items(conv.write(os.path.join(TMP, "continuation.pcap")))
    blocks = [f for f in of_type(its, "http2", dir="c2s") if f["frame"] in ("HEADERS", "CONTINUATION")]
    assert [(f["frame"], f["stream"], f.get("headers")) for f in blocks] == \
        [("HEADERS", 1, None), ("CONTINUATION", 1, None), ("CONTINUATION", 1, FIELDS_1),
         ("HEADERS", 3, FIELDS_2)], blocks
    assert blocks[2]["method"] == "GET" and blocks[2]["path"] == "/", blocks[2]
    assert not of_type(its, "error"), of_type(its, "error")


def test_gap_before_a_header_block():
    # The client's second request is lost, and with it the entry it added
    # to the table: the third refers to that entry (index 62, now
    # cache-control: no-cache), where a decoder that missed it would find
    # :authority.  So from the gap on no header is shown, and one error
    # says why.
    conv = h2_connection(frame(1, 1, REQUEST_1, 5))
    third = bytes.fromhex("828684be")
    lost = conv.stream("c2s", frame(1, 3, REQUEST_2, 5) + frame(1, 5, third, 5) + frame(1, 7, third, 5),
                       len(REQUEST_2) + 9, lose=0)
    conv.close()
    its = items(conv.write(os.path.join(TMP, "gap-headers.pcap"), lose=lost))
    heads = of_type(its, "http2", dir="c2s", frame="HEADERS")
    assert [(f["stream"], f.get("headers")) for f in heads] == [(1, FIELDS_1), (5, None), (7, None)], heads
    what = [e["what"] for e in of_type(its, "error")]
    assert what == ["21 bytes not captured (the peer acknowledged them)",
                    "HTTP/2 headers not decoded from here on: bytes lost in a gap may have changed "
                    "HPACK's table"], what


def test_push_promise_and_padded_priority_headers():
    # A PUSH_PROMISE (padded) carries a block of the server's, and adds to
    # its table: the HEADERS after it (padded, with a priority) refers to
    # that entry.  tshark agrees.
    promise = bytes([2]) + struct.pack(">I", 2) + REQUEST_1 + b"\0\0"
    headers = bytes([1]) + struct.pack(">I", 0) + bytes([15]) + bytes.fromhex("88be") + b"\0"
    conv = h2_connection(frame(1, 1, REQUEST_1, 5), frame(5, 1, promise, 0x0c) + frame(1, 2, headers, 0x2c))
    conv.close()
    path = conv.write(os.path.join(TMP, "push-promise.pcap"))
    its = items(path)
    mine = [f for f in of_type(its, "http2", dir="s2c") if f["frame"] in ("PUSH_PROMISE", "HEADERS")]
    assert [(f["frame"], f.get("headers")) for f in mine] == \
        [("PUSH_PROMISE", FIELDS_1), ("HEADERS", [[":status", "200"], [":authority", "www.example.com"]])], mine
    assert mine[1]["status"] == 200 and not of_type(its, "error"), its
    ref = [r for r in tshark_frames(path, 8080)[(0, False)] if "headers" in r]
    assert [f["headers"] for f in mine] == [r["headers"] for r in ref], ref
    # Server push: the promise names stream 2, and the answer on stream 2
    # is paired with it as an answer with its request, timed from it.
    assert mine[0]["promised_stream"] == ref[0]["promised_stream"] == 2, (mine[0], ref[0])
    assert (mine[0]["exchange"], mine[1]["exchange"]) == (2, 2), mine
    assert mine[1]["response_ms"] >= 0 and mine[1]["technique"], mine[1]


def test_a_block_hpack_refuses_stops_decoding():
    # Index 0 is no field (RFC 7541 §6.1): the table may be wrong from
    # there, so the next block, sound as it is, is not decoded either.
    conv = h2_connection(frame(1, 1, b"\x82\x80", 5) + frame(1, 3, REQUEST_1, 5))
    conv.close()
    its = items(conv.write(os.path.join(TMP, "hpack-refused.pcap")))
    heads = of_type(its, "http2", dir="c2s", frame="HEADERS")
    assert [f.get("headers") for f in heads] == [None, None], heads
    assert [e["what"] for e in of_type(its, "error")] == ["HTTP/2 headers not decoded from here on: index 0"]


def test_a_status_that_is_no_number_is_only_a_pair():
    # ":status: 2x0" (a literal with the indexed name :status, RFC 7541
    # §6.2.2) is no status code: the pair shows it as it came, and no
    # `status` number is made up from it.
    bad = bytes([0x08, 3]) + b"2x0"
    conv = h2_connection(frame(1, 1, REQUEST_1, 5), frame(1, 1, bad, 4) + frame(1, 3, b"\x88", 4))
    conv.close()
    its = items(conv.write(os.path.join(TMP, "bad-status.pcap")))
    heads = of_type(its, "http2", dir="s2c", frame="HEADERS")
    assert [(f.get("headers"), f.get("status")) for f in heads] == \
        [([[":status", "2x0"]], None), ([[":status", "200"]], 200)], heads


# ---- streams paired into exchanges ----

def literal(index, value):
    """A header field by the name at static-table index `index` and a plain
    value, not indexed (RFC 7541 §6.2.2); both fit their prefixes here."""
    name = bytes([index]) if index < 15 else bytes([15, index - 15])
    return name + bytes([len(value)]) + value


def get(path):
    """A GET's header block: :method GET, :scheme http, :path."""
    return b"\x82\x86" + literal(4, path)


def test_streams_are_paired_by_stream_not_by_order():
    # Four requests at once; the answers come in another order, each on its
    # request's stream: an event stream (3), an interim 103 then a script
    # for a request that names a callback, whose DATA ends the stream in the
    # same segment (1), an answer whose body is still open after its head
    # (5), and the answer to a POST whose body came in a DATA frame (7).
    conv = h2_connection(frame(1, 1, get(b"/a?callback=f"), 5) + frame(1, 3, get(b"/events"), 5) +
                         frame(1, 5, get(b"/feed"), 5) +
                         frame(1, 7, b"\x83\x86" + literal(4, b"/send"), 4) + frame(0, 7, b"hello", 1))
    conv.send("s2c", frame(1, 3, b"\x88" + literal(31, b"text/event-stream"), 4) +
              frame(0, 3, b"data: 1\n\n"))
    conv.send("s2c", frame(1, 1, literal(8, b"103"), 4) +
              frame(1, 1, b"\x88" + literal(31, b"application/javascript"), 4) + frame(0, 1, b'f({"a":1})', 1))
    conv.send("s2c", frame(1, 5, b"\x88" + literal(31, b"application/json"), 4))
    conv.send("s2c", frame(0, 5, b"x", 1) + frame(1, 7, b"\x88", 5))
    conv.close()
    its = items(conv.write(os.path.join(TMP, "paired.pcap")))
    asked = [(f["stream"], f["method"], f["path"], f["exchange"])
             for f in of_type(its, "http2", dir="c2s", frame="HEADERS")]
    assert asked == [(1, "GET", "/a?callback=f", 1), (3, "GET", "/events", 2), (5, "GET", "/feed", 3),
                     (7, "POST", "/send", 4)], asked
    answers = [(f["stream"], f["status"], f.get("exchange"), f.get("technique"))
               for f in of_type(its, "http2", dir="s2c", frame="HEADERS")]
    assert answers == [(3, 200, 2, "sse"), (1, 103, None, None), (1, 200, 1, "jsonp"), (5, 200, 3, "xhr"),
                       (7, 200, 4, "http")], answers
    whys = {f["stream"]: f["why"] for f in of_type(its, "http2", dir="s2c", frame="HEADERS") if "why" in f}
    assert whys[7] == "the request sends 5 bytes of the client's data", whys
    assert whys[5].startswith("a progressively read body"), whys
    assert all(f["response_ms"] > 0 for f in of_type(its, "http2", dir="s2c") if "technique" in f), its
    # An event stream, a JSONP answer and an XHR stream, one each: the
    # strongest sign names the flow.
    assert [f["technique"] for f in of_type(its, "flow")] == ["sse"], of_type(its, "flow")
    assert not of_type(its, "error"), of_type(its, "error")


def test_a_hundred_streams_at_once_are_all_paired():
    # A browser keeps up to SETTINGS_MAX_CONCURRENT_STREAMS (commonly 100)
    # requests open on one connection; each answer, here in reverse order,
    # still finds its request.
    streams = range(1, 201, 2)
    conv = h2_connection(b"".join(frame(1, s, get(b"/item/%d" % s), 5) for s in streams))
    conv.send("s2c", b"".join(frame(1, s, b"\x88", 5) for s in reversed(streams)))
    conv.close()
    its = items(conv.write(os.path.join(TMP, "hundred.pcap")))
    asked = {f["stream"]: f["exchange"] for f in of_type(its, "http2", dir="c2s", frame="HEADERS")}
    answered = {f["stream"]: f["exchange"] for f in of_type(its, "http2", dir="s2c", frame="HEADERS")}
    assert len(asked) == 100 and answered == asked, (asked, answered)


def test_a_cancelled_stream_gets_no_answer():
    # RST_STREAM forgets the stream's request: a HEADERS frame the server
    # sends on it anyway (it crossed the reset) pairs with nothing.
    conv = h2_connection(frame(1, 1, REQUEST_1, 5) + frame(3, 1, b"\0\0\0\x08"), frame(1, 1, b"\x88", 5))
    conv.close()
    its = items(conv.write(os.path.join(TMP, "cancelled.pcap")))
    answer = of_type(its, "http2", dir="s2c", frame="HEADERS")[0]
    assert answer["exchange"] is None and answer["response_ms"] is None, answer
    assert of_type(its, "http2", frame="RST_STREAM", error_code="CANCEL"), its


def test_undecodable_requests_name_no_technique():
    # HPACK refuses the first block (index 0), so no request head is read:
    # no exchange, the flow is `unknown`, and its note says why.
    conv = h2_connection(frame(1, 1, b"\x82\x80", 5), frame(1, 1, b"\x88", 5))
    conv.close()
    its = items(conv.write(os.path.join(TMP, "no-heads.pcap")))
    assert not [f for f in of_type(its, "http2") if "exchange" in f and f["dir"] == "c2s"], its
    flow = of_type(its, "flow")[0]
    assert flow["technique"] == "unknown" and "HPACK" in flow["note"], flow


# ---- bodies read as they come: event streams and multipart ----

SSE_ANSWER = b"\x88" + literal(31, b"text/event-stream")  # :status 200, content-type


def sse_items(its):
    """What an event stream's reader made, without where and when."""
    keep = ("type", "dir", "id", "event", "data", "retry", "text", "bytes")
    return [{k: i[k] for k in keep if k in i} for i in its if i["type"] in ("sse_event", "sse_comment")]


def test_event_streams_are_read_across_frames_and_streams():
    # Two EventSources on one connection.  Stream 1's second event is split
    # over two DATA frames with stream 3's frames between them; stream 3
    # sends a heartbeat and an event, then is cancelled with an event half
    # sent.  Each stream's events are what the same bytes say in an
    # HTTP/1.1 body, and each is at its first byte on the wire.
    conv = h2_connection(frame(1, 1, get(b"/a"), 5) + frame(1, 3, get(b"/b"), 5))
    conv.send("s2c", frame(1, 1, SSE_ANSWER, 4) + frame(1, 3, SSE_ANSWER, 4))
    one = [b"id: 1\ndata: one\n\n", b"retry: 2000\nevent: note\ndata: t", b"wo\ndata: lines\n\n"]
    three = [b": ping\n\n", b"data: B\r\n\r\n", b"data: never dispatch"]
    conv.send("s2c", frame(0, 1, one[0]) + frame(0, 1, one[1]))
    conv.send("s2c", frame(0, 3, three[0]) + frame(0, 3, three[1]))
    conv.send("s2c", frame(0, 1, one[2], 1) + frame(0, 3, three[2]))
    conv.send("c2s", frame(3, 3, b"\0\0\0\x08"))
    conv.close()
    its = items(conv.write(os.path.join(TMP, "two-event-streams.pcap")))
    got = sse_items(its)
    by_stream = {1: [], 3: []}
    for i in got:
        by_stream[1 if i.get("data") in ("one", "two\nlines") else 3].append(i)
    for stream, pieces in ((1, one), (3, three)):
        ref = g.Conversation()
        ref.handshake()
        ref.send("c2s", b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        ref.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n" + b"".join(pieces))
        ref.close()
        want = sse_items(items(ref.write(os.path.join(TMP, "one-stream-%d.pcap" % stream))))
        assert by_stream[stream] == want, (stream, by_stream[stream], want)
    assert [i.get("data", i.get("text")) for i in got] == ["one", "ping", "B", "two\nlines"], got
    data = {f["text"]: f for f in of_type(its, "http2", frame="DATA")}
    events = {e["data"]: e for e in of_type(its, "sse_event")}
    assert events["two\nlines"]["offset"] == data[one[1].decode()]["offset"] + 9, (events, data)
    assert events["B"]["offset"] == data[three[1].decode()]["offset"] + 9, (events, data)
    # The cancel cut stream 3's last event: a browser drops it, and pushviz
    # says so, as it does when a close cuts an HTTP/1.1 event stream.
    assert [(e["what"], e["offset"]) for e in of_type(its, "error")] == \
        [("%d bytes of an event cut short by the close" % len(three[2]), data[three[2].decode()]["offset"] + 9)]


def test_the_close_says_what_it_cut_on_every_stream():
    # The connection closes with stream 1 inside an event and a DATA frame
    # of stream 3 half sent: the frame is shown with what came, as after a
    # gap, and each event cut is said, as when an HTTP/1.1 event stream's
    # connection closes; when only the capture ends, none of it is.
    def closing(close, cut=14):
        conv = h2_connection(frame(1, 1, get(b"/a"), 5) + frame(1, 3, get(b"/b"), 5))
        conv.send("s2c", frame(1, 1, SSE_ANSWER, 4) + frame(1, 3, SSE_ANSWER, 4))
        conv.send("s2c", frame(0, 1, b"data: one\n\ndata: tw") + frame(0, 3, b"data: three\n\n")[:cut])
        if close:
            conv.close()
        return items(conv.write(os.path.join(TMP, "h2-close-%s-%d.pcap" % (close, cut))))
    its = closing(True)
    assert [e["data"] for e in of_type(its, "sse_event")] == ["one"], its
    data = of_type(its, "http2", frame="DATA")
    assert [(f["stream"], f["len"], f["text"]) for f in data] == [(1, 19, "data: one\n\ndata: tw"), (3, 13, "data:")]
    stream_1, stream_3 = data[0]["offset"] + 9, data[1]["offset"] + 9
    assert [(e["what"], e["offset"]) for e in of_type(its, "error")] == \
        [("8 bytes of an event cut short by the close", stream_1 + 11),
         ("5 bytes of an event cut short by the close", stream_3),
         ("connection closed inside an HTTP/2 frame: 8 of its bytes never came", stream_3 + 5)], its
    # Cut inside the frame's header: its bytes are said.
    its = closing(True, cut=4)
    assert [(e["what"], e["offset"]) for e in of_type(its, "error")][1:] == \
        [("4 bytes of an HTTP/2 frame header cut short by the close", stream_1 + 19)], its
    its = closing(False)
    assert [e["data"] for e in of_type(its, "sse_event")] == ["one"] and not of_type(its, "error"), its
    assert len(of_type(its, "http2", frame="DATA")) == 1, its


def event_stream_connection(lose_piece, mss):
    """h2c: GET /events answered as an event stream, then six DATA frames
    of one event each (24 bytes on the wire) in segments of mss; segment
    `lose_piece` of them is never captured."""
    conv = h2_connection(frame(1, 1, get(b"/events"), 5), frame(1, 1, SSE_ANSWER, 4))
    stream = b"".join(frame(0, 1, b"data: event %d\n\n" % i) for i in range(6))
    lost = conv.stream("s2c", stream, mss, lose=lose_piece)
    conv.close()
    return conv, lost


def test_event_stream_after_a_gap_inside_a_frame():
    # Bytes 40-59 lost: the end of event 1's frame and the start of event
    # 2's.  The framing is lost with it, found again at event 3's frame, and
    # the reader goes on there: every event that came whole is read.
    conv, lost = event_stream_connection(lose_piece=2, mss=20)
    its = items(conv.write(os.path.join(TMP, "sse-gap.pcap"), lose=lost))
    assert [e["data"] for e in of_type(its, "sse_event")] == ["event 0", "event 3", "event 4", "event 5"], its
    # Event 1 had begun ("data: e", its 7 bytes right before the gap): the
    # gap leaves it unfinished, and says so.  (Offsets count the server's
    # whole stream, its SETTINGS and HEADERS frames too.)
    what = [(e["what"], e["offset"]) for e in of_type(its, "error")]
    assert what == [("7 bytes of an event cut short by the gap", 72),
                    ("20 bytes not captured (the peer acknowledged them)", 79),
                    ("12 bytes passed over to the next HTTP/2 frame header", 99)], what
    # A gap that ends inside a frame keeps the framing; the event it broke
    # is lost, the next frame's is read.
    conv, lost = event_stream_connection(lose_piece=1, mss=10)  # bytes 10-19 of event 0's frame
    its = items(conv.write(os.path.join(TMP, "sse-gap-inside.pcap"), lose=lost))
    assert [e["data"] for e in of_type(its, "sse_event")] == ["event %d" % i for i in range(1, 6)], its
    # Only the "d" of event 0 came before the gap: that much is said.
    assert [e["what"] for e in of_type(its, "error")] == ["1 byte of an event cut short by the gap",
                                                          "10 bytes not captured (the peer acknowledged them)"]


def test_at_most_sixteen_streams_read_at_once():
    # Seventeen event streams open at once: the seventeenth is shown as
    # DATA frames only, and an error item says so; once one has ended, the
    # next is read again.
    streams = list(range(1, 37, 2))  # 18 streams
    conv = h2_connection(b"".join(frame(1, s, get(b"/e%d" % s), 5) for s in streams))
    conv.send("s2c", b"".join(frame(1, s, SSE_ANSWER, 4) for s in streams[:17]))
    conv.send("s2c", b"".join(frame(0, s, b"data: %d\n\n" % s) for s in streams[:17]))
    conv.send("s2c", frame(0, 1, b"", 1) + frame(1, 35, SSE_ANSWER, 4) + frame(0, 35, b"data: 35\n\n"))
    conv.close()
    its = items(conv.write(os.path.join(TMP, "seventeen.pcap")))
    assert [e["data"] for e in of_type(its, "sse_event")] == [str(s) for s in streams[:16]] + ["35"], its
    what = [e["what"] for e in of_type(its, "error")]
    assert what == ["more than 16 streams of this direction carry an event stream, a multipart body or a "
                    "compressed body at once: the body of stream 33 is shown as DATA only"], what
    unread = of_type(its, "http2", frame="DATA", stream=33)
    assert unread and "content" not in unread[0], unread


def test_a_gzip_event_stream_is_decoded():
    # content-encoding gzip, flushed after each event (as node's compression
    # middleware does): the DATA frames are decoded before the event stream
    # is read, as an HTTP/1.1 body's chunks are; the last frame finishes
    # the gzip stream with the stream's end, so nothing is cut short.
    gz = zlib.compressobj(wbits=31)
    pieces = [gz.compress(b"data: %d\n\n" % i) + gz.flush(zlib.Z_SYNC_FLUSH) for i in range(3)]
    pieces.append(gz.flush())
    conv = h2_connection(frame(1, 1, get(b"/events"), 5),
                         frame(1, 1, SSE_ANSWER + literal(26, b"gzip"), 4) +
                         b"".join(frame(0, 1, p) for p in pieces[:-1]) + frame(0, 1, pieces[-1], 1))
    conv.close()
    its = items(conv.write(os.path.join(TMP, "gzip-sse.pcap")))
    assert [e["data"] for e in of_type(its, "sse_event")] == ["0", "1", "2"], its
    assert not of_type(its, "error"), of_type(its, "error")
    # A coding with no decoder here (br): shown as sent, and said once.
    conv = h2_connection(frame(1, 1, get(b"/events"), 5),
                         frame(1, 1, SSE_ANSWER + literal(26, b"br"), 4) + frame(0, 1, b"\x1b\x03data"))
    conv.close()
    its = items(conv.write(os.path.join(TMP, "br-sse.pcap")))
    assert not of_type(its, "sse_event"), its
    assert [e["what"] for e in of_type(its, "error")] == \
        ["br: not decoded (no decoder for this content coding); shown as sent"], of_type(its, "error")
    assert "content" not in of_type(its, "http2", frame="DATA")[0]


def test_a_compressed_answer_shows_what_its_frames_decode_to():
    # A gzip NDJSON answer of pushlab events, flushed a line at a time (as
    # node's compression middleware does): each DATA frame's text is the
    # line its data decodes to, as a chunk's is in HTTP/1.1, and the events
    # are found in the decoded bytes; the last frame ends the gzip stream
    # with the stream.  A second answer, deflate, loses a segment inside
    # its second frame (and the next frame's header): that frame's item
    # still goes out, with what came of it decoded.  Before, the frames
    # showed compressed bytes and no event was found.
    lines = [(g.event(i, 1700000000000 + i) + "\n").encode() for i in range(1, 4)]
    coded = g.flushed_gzip(lines)
    ndjson = b"\x88" + literal(31, b"application/x-ndjson") + literal(26, b"gzip")
    z = zlib.compressobj(6, zlib.DEFLATED, 15)
    first, second = (z.compress(t) + z.flush(zlib.Z_SYNC_FLUSH) for t in (b"x" * 300, b"tail"))
    conv = h2_connection(frame(1, 1, get(b"/feed"), 5) + frame(1, 3, get(b"/big"), 5))
    conv.send("s2c", frame(1, 1, ndjson, 4) + frame(1, 3, b"\x88" + literal(26, b"deflate"), 4))
    conv.send("s2c", frame(0, 1, coded[0]) + frame(0, 3, first) + frame(0, 1, coded[1]))
    conv.send("s2c", frame(0, 1, coded[2], 1))
    lost = conv.stream("s2c", frame(0, 3, second) + frame(0, 3, first, 1), 12, lose=1)
    conv.close()
    path = conv.write(os.path.join(TMP, "gzip-answer.pcap"), lose=lost)
    its = items(path)
    data = of_type(its, "http2", frame="DATA")
    texts = [(d["stream"], d["text"].encode()) for d in data]
    assert texts[:4] == [(1, lines[0]), (3, b"x" * 256), (1, lines[1]), (1, lines[2])], data
    # (the lost segment took 7 of its 10 bytes, and the next frame's header)
    assert texts[4][0] == 3 and b"tail".startswith(texts[4][1]) and len(texts) == 5, data
    assert [d["data_len"] for d in data] == [len(coded[0]), len(first), len(coded[1]), len(coded[2]),
                                             len(second)], data
    assert [e["seq"] for e in of_type(its, "event")] == [1, 2, 3], of_type(its, "event")
    assert [e["what"] for e in of_type(its, "error")] == \
        ["12 bytes not captured (the peer acknowledged them)",
         "18 bytes passed over: the stream ended before the next HTTP/2 frame header was found"], \
        of_type(its, "error")
    # Each frame's item comes before the event its data holds.
    order = [(i["type"], i.get("seq")) for i in its if i["type"] == "event" or i.get("frame") == "DATA"]
    assert order[:3] == [("http2", None), ("event", 1), ("http2", None)], order
    # A coding with no decoder here: the frames as sent, and an error says so once.
    conv = h2_connection(frame(1, 1, get(b"/br"), 5),
                         frame(1, 1, b"\x88" + literal(26, b"br"), 4) + frame(0, 1, b"\x1b\x03abc", 1))
    conv.close()
    its = items(conv.write(os.path.join(TMP, "br-answer.pcap")))
    assert [d["text"] for d in of_type(its, "http2", frame="DATA")] == ["\x1b\x03abc"], its
    assert [e["what"] for e in of_type(its, "error")] == \
        ["br: not decoded (no decoder for this content coding); shown as sent"], of_type(its, "error")


def test_multipart_parts_on_a_stream():
    # multipart/x-mixed-replace over HTTP/2: a part per DATA frame, then
    # one split over two; --stats counts the parts, not the frames.
    answer = b"\x88" + literal(31, b"multipart/x-mixed-replace; boundary=b")
    parts = [b"--b\r\nContent-Type: text/plain\r\n\r\none\r\n", b"--b\r\n\r\ntw", b"o\r\n--b--\r\n"]
    conv = h2_connection(frame(1, 1, get(b"/mp"), 5),
                         frame(1, 1, answer, 4) + b"".join(frame(0, 1, p) for p in parts[:2]) +
                         frame(0, 1, parts[2], 1))
    conv.close()
    path = conv.write(os.path.join(TMP, "multipart.pcap"))
    its = items(path)
    assert [(p["size"], p["text"]) for p in of_type(its, "part")] == [(3, "one"), (3, "two")], its
    assert all(d["content"] == "multipart" for d in of_type(its, "http2", frame="DATA")), its
    rc, out, _ = run(["-r", path, "--stats"])
    carried = stats_tables(out)[1]
    assert rc == 0 and list(carried.values())[0][:2] == ["2", "6"], out


if __name__ == "__main__":
    main([v for k, v in sorted(globals().items()) if k.startswith("test_") and callable(v)])