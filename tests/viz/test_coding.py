"""test_coding.py -- whole bodies and content codings (RFC 9110 §8.4) in
pushviz: on captures recorded from node's own http and zlib
(captures/thirdparty/coding-*.pcap, made by
tests/thirdparty/record_coding.sh), and on crafted pcaps.

The oracle is tshark with `-o http.decompress_body:TRUE`: its
`http.file_data` is a body after transfer and content decoding.  Every
body pushviz shows (its first 256 bytes as `text`, its `decoded_size`)
must be tshark's decoded body, and every event of the gzip event stream
must be an event of tshark's decoded stream (read by the small WHATWG
parser below).  Where tshark shows no body (a close-delimited answer cut
by a RST), the oracle is the bytes on the wire it reports after the head.
tshark decodes br too (Debian builds it with brotli); our libraries have
no decoder for it, so there pushviz must say "not decoded" and show the
bytes as sent.
"""
import gzip
import json
import os
import subprocess
import zlib

import pcapgen as g
from vizlib import (CAPTURES, PUSHVIZ, check_sanitizers, items, main, of_type, run, scratch_dir, stats_tables,
                    tshark_json)

CORPUS = os.path.join(CAPTURES, "thirdparty")
TMP = scratch_dir("pushviz-coding-")
SHOWN = 256  # bytes of a body shown as its text


def capture(name):
    return os.path.join(CORPUS, "coding-%s.pcap" % name)


def tshark_bodies(path):
    """{stream: [(coding, decoded text), ...]} in order, from tshark."""
    bodies = {}
    for layers in tshark_json(path, ["-o", "http.decompress_body:TRUE", "-Y", "http.response",
                                     "-e", "tcp.stream", "-e", "http.content_encoding",
                                     "-e", "http.file_data"]):
        stream = int(layers["tcp.stream"][0])
        coding = layers.get("http.content_encoding", [None])[0]
        bodies.setdefault(stream, []).append((coding, layers.get("http.file_data", [""])[0]))
    return bodies


def pushviz_bodies(its):
    """{stream: [body item, ...]} of the server's bodies."""
    out = {}
    for b in of_type(its, "body", dir="s2c"):
        out.setdefault(b["flow"] - 1, []).append(b)
    return out


def assert_same_body(where, mine, coding, text):
    """A body item against tshark's decoded body."""
    want = text.encode()
    if coding == "br":  # no decoder here: shown as sent, and said so
        assert mine["coding"] == "br" and mine["decoded_size"] is None, (where, mine)
        assert mine["text"] != text[:SHOWN], where
        return
    assert mine["text"].encode() == want[:SHOWN], (where, mine["text"][:60], text[:60])
    if coding:
        assert mine["coding"] == coding, (where, mine)
        assert mine["decoded_size"] == len(want), (where, mine["decoded_size"], len(want))
        assert mine["size"] < len(want), (where, "compressed JSON is smaller")
    else:
        assert "coding" not in mine and mine["size"] == len(want), (where, mine)


def test_poll_bodies_match_tshark():
    """gzip, deflate (zlib), deflate (raw), br and plain answers."""
    path = capture("poll")
    its = items(path)
    want, got = tshark_bodies(path), pushviz_bodies(its)
    assert sorted(want) == sorted(got) == [0], (want.keys(), got.keys())
    assert len(got[0]) == len(want[0]) == 10
    for i, (mine, (coding, text)) in enumerate(zip(got[0], want[0])):
        assert_same_body("poll %d" % (i + 1), mine, coding, text)
    codings = [b.get("coding") for b in got[0]]
    assert codings == ["gzip", "deflate", "deflate", "br", None] * 2, codings
    said = [e["what"] for e in of_type(its, "error")]
    assert said == ["br: not decoded (no decoder for this content coding); shown as sent"] * 2, said


def test_close_delimited_bodies_match_tshark():
    """HTTP/1.0 answers the close ends: plain and gzip (FIN), and one cut
    by a RST, which tshark shows only as TCP payload."""
    path = capture("close")
    its = items(path)
    want, got = tshark_bodies(path), pushviz_bodies(its)
    assert sorted(got) == [0, 1, 2] and sorted(want) == [0, 1], (got.keys(), want.keys())
    for stream in (0, 1):
        (mine,), ((coding, text),) = got[stream], want[stream]
        assert_same_body("close stream %d" % stream, mine, coding, text)
        assert mine["end"] == "fin", mine
    (cut,) = got[2]
    assert cut["end"] == "rst", cut
    server = of_type(its, "flow", flow=3)[0]["server"].split(":")[1]
    wire = b"".join(bytes.fromhex(p["tcp.payload"][0]) for p in tshark_json(
        path, ["-Y", "tcp.stream == 2 and tcp.srcport == %s and tcp.len > 0" % server, "-e", "tcp.payload"]))
    body = wire.split(b"\r\n\r\n", 1)[1]
    assert cut["text"].encode() == body and cut["size"] == len(body), (cut, body)
    assert not of_type(its, "error"), of_type(its, "error")


def sse_blocks(text):
    """The WHATWG event-stream reading of text: (id, event, data) per
    dispatched event and ("comment", text) per comment-only block."""
    out, data, event, last_id, comments = [], None, "", None, []
    for line in text.split("\n"):
        if line == "":
            if data is not None:
                out.append((last_id, event or "message", "\n".join(data)))
            elif comments:
                out.append(("comment", comments[0]))
            data, event, comments = None, "", []
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "":
            comments.append(value)
        elif name == "data":
            data = (data or []) + [value]
        elif name == "event":
            event = value
        elif name == "id":
            last_id = value
    return out


def test_gzip_event_stream_matches_tshark():
    """A gzip event stream flushed per event: pushviz shows tshark's
    events (and the heartbeat comment), not compressed bytes."""
    path = capture("sse")
    its = items(path)
    ((coding, text),) = tshark_bodies(path)[0]
    assert coding == "gzip"
    want = sse_blocks(text)
    got = []
    for i in its:
        if i["type"] == "sse_event":
            got.append((i["id"], i["event"], i["data"]))
        elif i["type"] == "sse_comment":
            got.append(("comment", i["text"]))
    assert got == want and len(want) == 9, (got, want)
    assert not of_type(its, "error"), of_type(its, "error")
    heartbeat = of_type(its, "sse_comment")[0]
    assert heartbeat["bytes"] == len(": heartbeat\n\n"), heartbeat
    # Each chunk's text is what its data decodes to: joined, the stream.
    chunks = of_type(its, "chunk")
    assert all(len(c["text"]) < SHOWN for c in chunks)
    assert "".join(c["text"] for c in chunks) == text, [c["text"] for c in chunks]


def test_stats_count_decoded_bytes():
    """--stats counts a coded body by its decoded bytes, and gzip/deflate
    bodies join the deflate columns (wire against decoded)."""
    path = capture("poll")
    bodies = of_type(items(path), "body", dir="s2c")
    rc, out, _ = run(["-r", path, "--stats"])
    assert rc == 0
    _, carried = stats_tables(out)[:2]
    row = carried["poll"]
    decoded = sum(b["decoded_size"] if b.get("decoded_size") is not None else b["size"] for b in bodies)
    coded = [b for b in bodies if b.get("decoded_size") is not None]
    assert int(row[0]) == 10 and int(row[1]) == decoded, (row, decoded)
    assert int(row[5]) == sum(b["size"] for b in coded), row
    assert int(row[6]) == sum(b["decoded_size"] for b in coded), row


# ---- crafted ----

def exchange(conv, path, head, body, mss=None):
    conv.send("c2s", b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path)
    conv.send("s2c", head + body, mss)


def length_head(body, coding=None):
    extra = b"Content-Encoding: %s\r\n" % coding if coding else b""
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n" % (
        extra, len(body))


def write(conv, name):
    return conv.write(os.path.join(TMP, name))


def test_corrupt_gzip_is_an_error_and_the_flow_goes_on():
    good = b'{"news":"after the broken one"}'
    broken = bytearray(gzip.compress(b'{"news":"' + b"x" * 200 + b'"}'))
    broken[12:20] = b"\xff" * 8  # inside the DEFLATE data
    conv = g.Conversation()
    conv.handshake()
    exchange(conv, b"/a", length_head(bytes(broken), b"gzip"), bytes(broken))
    exchange(conv, b"/b", length_head(gzip.compress(good), b"gzip"), gzip.compress(good))
    conv.close()
    its = items(write(conv, "corrupt.pcap"))
    errors = [e["what"] for e in of_type(its, "error")]
    assert len(errors) == 1 and errors[0].startswith("gzip: ") and "passed over" in errors[0], errors
    first, second = of_type(its, "body", dir="s2c")
    assert first["coding"] == "gzip" and first["decoded_size"] < 200, first
    assert second["text"] == good.decode() and second["decoded_size"] == len(good), second


def test_bomb_is_counted_in_bounded_memory():
    """256 MiB of zeros in a 256 KB gzip body: every decoded byte is
    counted, none is kept, so pushviz's memory stays small."""
    size = 256 << 20
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    mib = b"\0" * (1 << 20)  # (a piece at a time: the child's peak counts from the fork)
    bomb = b"".join(z.compress(mib) for _ in range(size >> 20)) + z.flush()
    conv = g.Conversation()
    conv.handshake()
    exchange(conv, b"/bomb", length_head(bomb, b"gzip"), bomb, mss=60000)
    conv.close()
    path = write(conv, "bomb.pcap")
    out_path, err_path = path + ".json", path + ".err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        p = subprocess.Popen([PUSHVIZ, "-r", path, "--json"], stdout=out, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)  # this child's own peak memory
    with open(err_path) as f:
        check_sanitizers(f.read())
    assert os.waitstatus_to_exitcode(status) == 0
    with open(out_path) as f:
        its = [json.loads(line) for line in f]
    (body,) = of_type(its, "body")
    assert body["decoded_size"] == size and body["size"] == len(bomb), body
    assert body["text"] == "\0" * SHOWN
    said = [e["what"] for e in of_type(its, "error")]
    assert len(said) == 1 and "the rest is counted, not read" in said[0], said
    assert usage.ru_maxrss < 128 * 1024, "pushviz grew to %d KiB" % usage.ru_maxrss


def test_gzip_cut_by_a_gap_says_so_and_the_next_answer_is_read():
    z = zlib.compressobj(6, zlib.DEFLATED, 31)
    text = b"".join(b'{"n":%d,"pad":"%s"}\n' % (i, os.urandom(20).hex().encode()) for i in range(40))
    coded = z.compress(text) + z.flush()
    conv = g.Conversation()
    conv.handshake()
    exchange(conv, b"/a", length_head(coded, b"gzip"), coded, mss=400)
    lost = 6  # the second segment of the answer (handshake 3, GET and its ACK 2, head+first piece 1)
    exchange(conv, b"/b", length_head(b"{}"), b"{}")
    conv.close()
    its = items(conv.write(os.path.join(TMP, "gzip-gap.pcap"), lose=lost))
    first, second = of_type(its, "body", dir="s2c")
    assert first["lost"] == 400 and first["coding"] == "gzip", first
    assert first["decoded_size"] < len(text), first
    assert first["text"].encode() == text[:SHOWN], first
    assert second["text"] == "{}", second
    said = [e["what"] for e in of_type(its, "error")]
    assert any("gzip: bytes were lost" in w for w in said), said


def test_length_body_ending_in_a_gap_gets_its_item():
    """The last segment of a Content-Length body lost, and the next head
    with it: the body's item says how many bytes were lost."""
    body = b'{"news":"' + b"n" * 300 + b'"}'
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
    head = length_head(body)
    conv.send("s2c", head + body[:200])
    lost = len(conv.packets)
    conv.send("s2c", body[200:] + b"HTTP/1.1 204 No Content\r\n\r\n")
    conv.close()
    its = items(conv.write(os.path.join(TMP, "length-gap.pcap"), lose=lost))
    (b,) = of_type(its, "body")
    assert b["size"] == len(body) and b["lost"] == len(body) - 200, b
    assert b["text"].encode() == body[:200], b


def test_deflate_split_at_every_byte():
    """A raw-deflate and a zlib answer cut into one-byte segments read the
    same as whole."""
    text = b'{"split":"' + b"every byte " * 30 + b'"}'
    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw_coded = raw.compress(text) + raw.flush()
    conv = g.Conversation()
    conv.handshake()
    exchange(conv, b"/raw", length_head(raw_coded, b"deflate"), raw_coded, mss=1)
    exchange(conv, b"/zlib", length_head(zlib.compress(text), b"deflate"), zlib.compress(text), mss=1)
    conv.close()
    its = items(write(conv, "split.pcap"))
    bodies = of_type(its, "body")
    assert len(bodies) == 2 and not of_type(its, "error"), (bodies, of_type(its, "error"))
    for b in bodies:
        assert b["decoded_size"] == len(text) and b["text"].encode() == text[:SHOWN], b


def test_close_delimited_body_at_the_end_of_the_capture():
    """A close-delimited gzip body still open when the capture ends: its
    item says so and shows what came."""
    text = b"partial answer, the server has not closed yet\n" * 3
    z = zlib.compressobj(6, zlib.DEFLATED, 31)
    coded = z.compress(text) + z.flush(zlib.Z_SYNC_FLUSH)
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /slow HTTP/1.0\r\n\r\n")
    conv.send("s2c", b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\n\r\n" + coded)
    its = items(write(conv, "open.pcap"))
    (b,) = of_type(its, "body")
    assert b["end"] == "capture" and b["size"] == len(coded), b
    assert b["text"].encode() == text and b["decoded_size"] == len(text), b
    assert not of_type(its, "error"), of_type(its, "error")  # not cut short: the capture ended


def chunk(data):
    return b"%x\r\n%s\r\n" % (len(data), data)


def test_gzip_ndjson_and_multipart_streams():
    """A chunked gzip NDJSON stream of pushlab events (a chunk per flushed
    line) and a gzip multipart/x-mixed-replace body: events, chunk texts
    and parts are of the decoded bytes."""
    lines = [(g.event(i, 1700000000000 + i) + "\n").encode() for i in range(1, 6)]
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /feed HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nContent-Encoding: gzip\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
    for piece in g.flushed_gzip(lines):
        conv.send("s2c", chunk(piece), mss=17)  # every chunk cut across segments
    conv.send("s2c", b"0\r\n\r\n")
    # (a delimiter is CRLF "--b": each part's data ends before that CRLF)
    parts = [b"--b\r\nContent-Type: application/json\r\n\r\n" + ln.strip() + b"\r\n" for ln in lines[:3]]
    parts.append(b"--b--\r\n")
    coded = b"".join(g.flushed_gzip(parts))
    conv.send("c2s", b"GET /parts HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=b\r\n"
                     b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(coded) + coded, mss=50)
    conv.close()
    its = items(write(conv, "streams.pcap"))
    assert not of_type(its, "error"), of_type(its, "error")
    # a content coding does not make a stream a stored resource
    assert [r["technique"] for r in of_type(its, "http_response")] == ["xhr", "multipart"]
    assert [e["seq"] for e in of_type(its, "event")] == [1, 2, 3, 4, 5, 1, 2, 3], of_type(its, "event")
    texts = [c["text"] for c in of_type(its, "chunk") if c["size"]]
    assert "".join(texts).encode() == b"".join(lines), texts
    assert [p["text"].encode() for p in of_type(its, "part")] == [ln.strip() for ln in lines[:3]], \
        of_type(its, "part")


if __name__ == "__main__":
    main([test_poll_bodies_match_tshark, test_close_delimited_bodies_match_tshark,
          test_gzip_event_stream_matches_tshark, test_stats_count_decoded_bytes,
          test_corrupt_gzip_is_an_error_and_the_flow_goes_on, test_bomb_is_counted_in_bounded_memory,
          test_gzip_cut_by_a_gap_says_so_and_the_next_answer_is_read,
          test_length_body_ending_in_a_gap_gets_its_item, test_deflate_split_at_every_byte,
          test_gzip_ndjson_and_multipart_streams, test_close_delimited_body_at_the_end_of_the_capture])
