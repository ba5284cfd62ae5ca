"""test_deflate.py -- permessage-deflate (RFC 7692) in pushviz, on captures
recorded from real stacks (captures/thirdparty/ws-deflate-*.pcap, made by
tests/thirdparty/record_deflate.sh: node ws to node ws with and without
context takeover and with fragmented compressed messages, Chromium to node
ws with and without context takeover), and on crafted pcaps.

The oracle is tshark: every WebSocket frame's FIN, RSV, opcode, MASK, key
and wire length, and the inflated text of every unfragmented text message.
tshark 4.0 does not inflate a compressed message sent in fragments (it
shows the compressed bytes, reassembled); for those, and for every other
message too, Python's zlib inflates the unmasked payloads tshark reports,
with one window per sender kept or dropped as the handshake says, and
pushviz's frames of each message must join up to that text.
"""
import json
import os
import struct
import subprocess
import zlib

import pcapgen as g
from vizlib import (CAPTURES, Skip, items, keep_repeated_keys, main, of_type, pcap_records, scratch_dir, server_ports,
                    thirdparty_captures, tshark_available)
TMP = scratch_dir("pushviz-deflate-")
TAIL = b"\x00\x00\xff\xff"


def deflate_captures():
    return thirdparty_captures("ws-deflate-*.pcap", 5)


def tshark_frames(path, its):
    """Every WebSocket frame tshark finds: dicts with stream, fin, rsv, opcode,
    masked, key, len, payload (unmasked bytes) and text (or None)."""
    if not tshark_available():
        raise Skip("tshark is not installed (make deps installs it)")
    cmd = ["tshark", "-n", "-r", path, "-T", "json", "-x", "-Y", "websocket"]
    for p in server_ports(its):
        cmd += ["-d", "tcp.port==%d,http" % p]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, check=True)
    frames = []
    for pkt in json.loads(out.stdout, object_pairs_hook=keep_repeated_keys):
        layers = pkt["_source"][0]["layers"][0]
        stream = int(layers["tcp"][0]["tcp.stream"][0])
        for ws in layers.get("websocket", []):
            one = lambda k: ws[k][0] if k in ws else None  # noqa: E731
            n = int(one("websocket.payload_length"))
            if n == 126:
                n = int(one("websocket.payload_length_ext_16"))
            elif n == 127:
                n = int(one("websocket.payload_length_ext_64"))
            raw = one("websocket.payload_raw")
            text = None
            for sub in ws.get("websocket.payload", []):
                if isinstance(sub, dict) and "websocket.payload.text" in sub:
                    text = sub["websocket.payload.text"][0]
            frames.append({
                "flow": stream + 1, "fin": one("websocket.fin") == "1",
                "rsv": int(one("websocket.rsv"), 16), "opcode": int(one("websocket.opcode")),
                "masked": one("websocket.mask") == "1",
                "key": one("websocket.masking_key").replace(":", "") if one("websocket.mask") == "1" else None,
                "len": n, "payload": bytes.fromhex(raw[0]) if raw else b"", "text": text})
    return frames


def inflate_messages(frames, no_context):
    """Python's zlib over tshark's payloads: per (flow, direction-by-mask)
    the text of each compressed data message, in order."""
    streams, messages, current = {}, {}, {}
    for f in frames:
        if f["opcode"] >= 8:
            continue
        key = (f["flow"], f["masked"])
        if f["opcode"] != 0:
            current[key] = {"compressed": bool(f["rsv"] & 4), "data": b""}
        m = current[key]
        m["data"] += f["payload"]
        if f["fin"] and m["compressed"]:
            if no_context or key not in streams:
                streams[key] = zlib.decompressobj(-15)
            messages.setdefault(key, []).append(streams[key].decompress(m["data"] + TAIL))
    return messages


def mine_messages(its):
    """pushviz's compressed messages: the frames' inflated payloads joined."""
    messages, current = {}, {}
    for f in of_type(its, "ws_frame"):
        if f["opcode"] >= 8 or not f["compressed"]:
            continue
        key = (f["flow"], f["masked"])
        if f["opcode"] != 0:
            current[key] = []
        current[key].append(f)
        if f["fin"]:
            parts = current.pop(key)
            assert all(p["inflated_len"] is not None for p in parts), parts
            text = parts[0]["opcode"] == 1
            data = b"".join(p["payload"].encode() if text else bytes.fromhex(p["payload"]) for p in parts)
            assert len(data) == sum(p["inflated_len"] for p in parts) or any(
                p["inflated_len"] > 256 for p in parts), parts
            messages.setdefault(key, []).append((data, [p["inflated_len"] for p in parts]))
    return messages


def test_frames_agree_with_tshark():
    total = 0
    for path in deflate_captures():
        its = items(path)
        theirs = tshark_frames(path, its)
        mine = of_type(its, "ws_frame")
        where = os.path.basename(path)
        assert [(f["flow"], f["fin"], f["rsv"], f["opcode"], f["masked"], f["key"], f["len"]) for f in theirs] \
            == [(f["flow"], f["fin"], f["rsv"], f["opcode"], f["masked"], f["mask_key"], f["len"]) for f in mine], where
        # Unfragmented text messages: tshark inflates them; the texts must be equal.
        for t, m in zip(theirs, mine):
            if t["fin"] and t["opcode"] == 1:
                assert t["text"] is not None and m["payload"] == t["text"], (where, t, m)
        assert not of_type(its, "error"), (where, of_type(its, "error"))
        assert any(f["compressed"] for f in mine), where
        total += len(mine)
    assert total > 60, total


def test_inflated_messages_agree_with_zlib():
    for path in deflate_captures():
        its = items(path)
        where = os.path.basename(path)
        theirs = inflate_messages(tshark_frames(path, its), "nocontext" in where)
        mine = mine_messages(its)
        assert sorted(theirs) == sorted(mine), where
        for key in theirs:
            assert len(theirs[key]) == len(mine[key]), (where, key)
            for want, (got, lens) in zip(theirs[key], mine[key]):
                if sum(lens) == len(got):
                    assert got == want, (where, key, got, want)
                else:  # a frame showed its first 256 bytes only
                    assert sum(lens) == len(want), (where, key, lens, len(want))


def test_context_takeover_shrinks_repeats():
    """With the window kept, a repeated tick costs a fraction of the first
    one; without it every message costs the same (what the captures teach)."""
    def server_lens(name):
        return [f["len"] for f in of_type(items(os.path.join(CAPTURES, "thirdparty", name)), "ws_frame",
                                          dir="s2c", opcode=1, fin=True)]
    kept, dropped = server_lens("ws-deflate-node-takeover.pcap"), server_lens("ws-deflate-node-nocontext.pcap")
    assert max(kept[1:6]) * 3 < kept[0], kept
    assert min(dropped[:6]) * 1.2 > dropped[0], dropped


def test_fragmented_messages_and_events():
    its = items(os.path.join(CAPTURES, "thirdparty", "ws-deflate-node-fragmented.pcap"))
    msgs = mine_messages(its)
    server = msgs[(1, False)]
    # The long event in three frames: 2,6xx bytes inflated, of which each
    # frame shows its first 256.
    (data, lens) = server[-2]
    want = len(json.dumps({"seq": 7, "ts": 0, "kind": "tick", "text": "a long event " * 200},
                          separators=(",", ":"))) - 1 + len(str(json.loads(server[0][0])["ts"]))
    assert len(lens) == 3 and sum(lens) == want and data.startswith(b'{"seq":7,'), (lens, want)
    assert server[-1][0].decode().endswith("héllo wörld, \"}split in three")
    client = [m for m, _ in msgs[(1, True)]]
    assert client[-1] == b"client fragment one, client fragment two, three"
    # Events come out of inflated text: seq 1..8 from the server.
    assert [e["seq"] for e in of_type(its, "event")] == list(range(1, 9))


def test_stats_count_the_saving():
    from vizlib import run, stats_tables
    rc, out, _ = run(["-r", os.path.join(CAPTURES, "thirdparty", "ws-deflate-node-takeover.pcap"), "--stats"])
    assert rc == 0, out
    messages, msg_bytes, _, _, _, wire, inflated, pct = stats_tables(out)[1]["ws"]
    its = items(os.path.join(CAPTURES, "thirdparty", "ws-deflate-node-takeover.pcap"))
    frames = [f for f in of_type(its, "ws_frame") if f["compressed"]]
    assert int(wire) == sum(f["len"] for f in frames) and int(inflated) == sum(f["inflated_len"] for f in frames)
    assert abs(float(pct) - 100 * (1 - int(wire) / int(inflated))) < 0.06 and float(pct) > 50, out
    assert int(messages) == len(of_type(its, "ws_frame", dir="s2c", fin=True)) - 2  # less ping and close


# ---- crafted: corrupt data, a late start ----

def ws_frame(opcode, payload, rsv1=False, fin=True):
    b0 = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
    assert len(payload) < 126
    return struct.pack("!BB", b0, len(payload)) + payload


def compressor():
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return lambda text: (c.compress(text) + c.flush(zlib.Z_SYNC_FLUSH))[:-4]


def deflate_conversation(handshake=True):
    conv = g.Conversation()
    conv.handshake()
    if handshake:
        conv.ws_upgrade(b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n",
                        b"Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n")
    return conv


def write(conv, name):
    return conv.write(os.path.join(TMP, name))


def test_corrupt_deflate_is_an_error_and_the_rest_is_parsed():
    conv = deflate_conversation()  # server_no_context_takeover: each message on its own
    hello = b"\xf2\x48\xcd\xc9\xc9\x07\x00"  # RFC 7692 §7.2.3.1
    conv.send("s2c", ws_frame(1, hello, rsv1=True))
    conv.send("s2c", ws_frame(1, b"\xff\xff\xff\xff\x12\x34", rsv1=True))
    conv.send("s2c", ws_frame(1, hello, rsv1=True))
    conv.send("s2c", ws_frame(1, b"plain text", rsv1=False))
    its = items(write(conv, "corrupt.pcap"))
    frames = of_type(its, "ws_frame", dir="s2c")
    assert [(f["compressed"], f["inflated_len"]) for f in frames] == \
        [(True, 5), (True, None), (True, 5), (False, None)], frames
    assert [f["payload"] for f in frames[2:]] == ["Hello", "plain text"], frames
    errors = of_type(its, "error")
    assert len(errors) == 1 and "DEFLATE" in errors[0]["what"], errors


def test_a_gap_under_context_takeover_never_shows_wrong_text():
    # The sender keeps its window: message 3 copies its text from message
    # 2, which a capture gap took whole, between two frames.  Inflated
    # against a window without message 2, the copy read message 1's bytes
    # in its place, and pushviz showed made-up text (recorded from Chromium
    # over a lossy link).  Now nothing shown is other than what was sent:
    # messages that copy from before the gap are not inflated, and say why.
    conv = g.Conversation()
    conv.handshake()
    conv.ws_upgrade(b"Sec-WebSocket-Extensions: permessage-deflate\r\n",
                    b"Sec-WebSocket-Extensions: permessage-deflate\r\n")
    z = compressor()
    sent = [b'{"seq":1,"text":"' + bytes(range(65, 91)) * 8 + b'"}',
            b'{"seq":2,"text":"hello there, general kenobi"}',
            b'{"seq":3,"text":"hello there, general kenobi"}',
            b'{"seq":4,"text":"hello there, general kenobi"}',
            b"x" * 40]  # copies nothing from before: inflated again
    wire = [ws_frame(1, z(text), rsv1=True) for text in sent]
    lost = None
    for i, frame in enumerate(wire):
        if i == 1:
            lost = len(conv.packets)
        conv.send("s2c", frame)
    conv.segment("c2s", g.ACK)
    its = items(conv.write(os.path.join(TMP, "takeover-gap.pcap"), lose=lost))
    frames = of_type(its, "ws_frame", dir="s2c")
    assert [(f["payload"], f["inflated_len"]) for f in frames] == \
        [(sent[0].decode(), len(sent[0])), ("", None), ("", None), (sent[4].decode(), 40)], frames
    why = ("permessage-deflate: not inflated: under context takeover it refers to earlier data pushviz could not "
           "read (a gap, or before the capture began)")
    assert [e["what"] for e in of_type(its, "error")] == \
        ["%d bytes not captured (the peer acknowledged them)" % len(wire[1]), why, why], its


def test_a_library_message_in_a_compressed_frame_is_read_where_that_frame_is():
    # socket.io over a WebSocket with permessage-deflate (engine.io's
    # perMessageDeflate): each packet is a compressed frame.  Its `message`
    # item was missing (a whole message was taken to be as long as the
    # frame's compressed payload), and the event inside it was placed at
    # its frame's payload start plus its place in the inflated text, past
    # its frame.  An inflated byte has no place of its own on the wire, so
    # both now cover the compressed payload that carried them.
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n"
                     b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                     b"Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n")
    conv.send("s2c", b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                     b"Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n")
    z = compressor()
    for text in (b'0{"sid":"s1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}',
                 b'40{"sid":"n1"}',
                 ('42["tick",%s]' % g.event(1, 1700000000000)).encode()):
        conv.send("s2c", ws_frame(1, z(text), rsv1=True))
    its = items(write(conv, "socketio-deflate.pcap"))
    frames = of_type(its, "ws_frame", dir="s2c")
    assert [f["compressed"] for f in frames] == [True] * 3 and frames[2]["payload"].startswith('42["tick"'), frames
    msgs = of_type(its, "message", dir="s2c")
    assert [(m["library"], m["frame"]) for m in msgs] == \
        [("engine.io", "open"), ("socket.io", "CONNECT"), ("socket.io", "EVENT")], msgs
    assert msgs[2]["event"] == "tick", msgs
    events = of_type(its, "event", dir="s2c")
    assert [e["seq"] for e in events] == [1], events
    starts = [f["offset"] + f["header_len"] for f in frames]
    assert [m["offset"] for m in msgs] == starts and events[0]["offset"] == starts[2], (msgs, events, starts)


def test_joined_late_inflates_every_message_that_copies_nothing_from_before():
    """A capture begun after the handshake: the window the sender kept is
    unknown, so pushviz inflates from an empty one.  A message that copies
    from before the capture began fails (said, shown as sent), never
    inflated to wrong bytes; one that does not is shown, and so is one
    that copies only from messages captured."""
    conv = deflate_conversation(handshake=False)
    z = compressor()  # context takeover: the window goes on from message to message
    z(b"the capture began after this message")
    texts = [b"the capture began after this message, and this one copies from it",
             b"zyxwvut 0123456789", b"zyxwvut 0123456789, zyxwvut 0123456789"]
    for text in texts:
        conv.send("s2c", ws_frame(1, z(text), rsv1=True))
    its = items(write(conv, "late.pcap"))
    frames = of_type(its, "ws_frame", dir="s2c")
    assert [(f["compressed"], f["inflated_len"]) for f in frames] == \
        [(True, None), (True, len(texts[1])), (True, len(texts[2]))], frames
    assert [f["payload"] for f in frames[1:]] == [t.decode() for t in texts[1:]], frames
    errors = [e["what"] for e in of_type(its, "error")]
    assert len(errors) == 2 and "handshake was not captured" in errors[0] and \
        "before the capture began" in errors[1], errors


def test_joined_late_real_captures_never_show_wrong_text():
    """Chromium's and node's compressed WebSockets, each capture begun at
    each segment after the handshake: every frame shown inflated has the
    text the whole capture shows; without context takeover (Chromium's
    server_no_context_takeover capture) every one is inflated.  Under it,
    Chromium's messages each copy from the one before (none can be read:
    0 inflated), node's server sends some that copy only from what was
    captured (42 of its frames over all the joins)."""
    for name, every, least in (("ws-deflate-chromium-nocontext", True, 100), ("ws-deflate-chromium-takeover", False, 0),
                               ("ws-deflate-node-takeover", False, 20)):
        path = os.path.join(CAPTURES, "thirdparty", name + ".pcap")
        whole = [(f["dir"], f["len"], f["payload"]) for f in of_type(items(path), "ws_frame")]
        head, recs = pcap_records(path)
        switch = next(i for i, r in enumerate(recs) if b"HTTP/1.1 101" in r)
        shown = 0
        for i in range(switch + 1, len(recs)):
            late = os.path.join(TMP, "late-%s-%d.pcap" % (name, i))
            with open(late, "wb") as f:
                f.write(head + b"".join(recs[i:]))
            frames = of_type(items(late), "ws_frame")
            tail = whole[len(whole) - len(frames):]  # (frames begun before the join are not shown)
            for f, (d, n, text) in zip(frames, tail):
                assert (f["dir"], f["len"]) == (d, n), (name, i, f, d, n)
                if f["compressed"] and f["inflated_len"] is None:
                    assert not every, (name, i, f)
                else:
                    assert f["payload"] == text, (name, i, f["payload"], text)
                    shown += f["compressed"]
        assert shown >= least, (name, shown)


if __name__ == "__main__":
    main([v for k, v in sorted(globals().items()) if k.startswith("test_") and callable(v)])
