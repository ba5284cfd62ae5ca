"""test_gaps.py -- pushviz keeps reading after a lost segment (issue 13).

Each reference capture (captures/*.pcap but demo.pcap, which repeats the
others) is replayed once per TCP segment that carries payload, with that
one segment deleted.  On what is left, tshark is the oracle: per flow,
everything it still decodes -- HTTP requests (method, URI) and responses
(status), chunk sizes, WebSocket frames (opcode, FIN, MASK, length) --
pushviz must decode too (it may find more: tshark's reassembly often gives
up on the rest of a body after a hole).  And pushviz must say that bytes
are missing, with an `error` item in that flow, whenever the capture still
shows it (a later segment of that direction, or the peer's ACK past it).
"""
import collections
import glob
import os
import struct
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor

from vizlib import CAPTURES, items, main, of_type, server_ports, tshark

TMP = tempfile.mkdtemp(prefix="pushviz-gaps-")


def records(path):
    """(global header, [record bytes]) of a classic pcap."""
    with open(path, "rb") as f:
        data = f.read()
    head, pos, recs = data[:24], 24, []
    while pos + 16 <= len(data):
        caplen = struct.unpack("<I", data[pos + 8:pos + 12])[0]
        recs.append(data[pos:pos + 16 + caplen])
        pos += 16 + caplen
    return head, recs


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


def oracle(path, its):
    """Per flow, a Counter of what tshark decodes."""
    fields = ["tcp.stream", "http.request.method", "http.request.uri", "http.response.code",
              "http.chunk_size", "websocket.opcode", "websocket.fin", "websocket.mask",
              "websocket.payload_length", "websocket.payload_length_ext_16"]
    rows = tshark(path, fields, decode_as=["tcp.port==%d,http" % p for p in server_ports(its)],
                  display="http or websocket")
    out = collections.defaultdict(collections.Counter)
    split = lambda v: v.split("|") if v else []  # noqa: E731
    for stream, methods, uris, codes, chunks, ops, fins, masks, lens, ext16 in rows:
        flow = int(stream) + 1
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
    return out


def check_deletion(path, head, recs, rows, frame):
    name = "%s-%d.pcap" % (os.path.splitext(os.path.basename(path))[0], frame)
    cut = os.path.join(TMP, name)
    with open(cut, "wb") as f:
        f.write(head + b"".join(r for i, r in enumerate(recs) if i != frame - 1))
    its = items(cut)
    theirs, ours = oracle(cut, its), mine(its)
    problems = []
    for flow, want in theirs.items():
        missing = want - ours[flow]
        if missing:
            problems.append("%s flow %d: tshark decodes %s, pushviz not" % (name, flow, dict(missing)))
    stream = next(r[1] for r in rows if r[0] == frame)
    if loss_visible(rows, frame) and not of_type(its, "error", flow=stream + 1):
        problems.append("%s flow %d: no error item for the lost segment" % (name, stream + 1))
    os.unlink(cut)
    return problems


def check_capture(path):
    head, recs = records(path)
    rows = payload_frames(path)
    frames = [r[0] for r in rows if r[4] > 0]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda fr: check_deletion(path, head, recs, rows, fr), frames))
    problems = [p for r in results for p in r]
    assert not problems, "\n".join(problems[:20]) + "\n(%d problems, %d deletions)" % (len(problems), len(frames))
    return len(frames)


def make_case(path):
    def case():
        assert check_capture(path) > 5
    case.__name__ = "test_gap_" + os.path.splitext(os.path.basename(path))[0]
    return case


def test_late_join_websocket():
    """ws.pcap from its 8th frame on: flow 1 without SYN, request or 101.
    pushviz must name it ws from its frames, say the handshake was not
    captured, and show every frame it showed with the handshake."""
    path = os.path.join(CAPTURES, "ws.pcap")
    head, recs = records(path)
    full = of_type(items(path), "ws_frame", flow=1)
    late = os.path.join(TMP, "ws-late.pcap")
    with open(late, "wb") as f:
        f.write(head + b"".join(recs[7:]))
    its = items(late)
    first = of_type(its, "flow", flow=1)[0]
    frames = of_type(its, "ws_frame", flow=first["flow"])
    assert first["technique"] == "ws" and "handshake was not captured" in first["note"], first
    assert [(f["opcode"], f["len"], f["payload"]) for f in frames] == \
        [(f["opcode"], f["len"], f["payload"]) for f in full], (frames, full)
    assert len(of_type(its, "event", flow=1)) == len([f for f in frames if f["opcode"] == 1])
    assert not of_type(its, "error", flow=first["flow"]), of_type(its, "error")


CASES = [test_late_join_websocket] + [make_case(p) for p in sorted(glob.glob(os.path.join(CAPTURES, "*.pcap")))
         if os.path.basename(p) != "demo.pcap"]

if __name__ == "__main__":
    main(CASES)
