"""test_tls.py -- push over TLS (https://, wss://) in pushviz: one `tls`
item per record, and what the hellos say in the clear.

The captures were recorded from real stacks (captures/thirdparty/tls-*.pcap
and tls12-*.pcap, made by tests/thirdparty/record_tls.sh): a node `https` +
`ws` server pushing an EventSource stream and WebSocket messages, to
Chromium (TLS 1.3) and to node's own clients held to TLS 1.2.  tshark is
the oracle: per connection and direction, the records in order with their
content type and length, the handshake messages of every record sent in
the clear, the server name (SNI), the ALPN names offered and chosen, and
the version the server agreed.  Before, pushviz took TLS for Flash (its
records hold NUL bytes) and showed hundreds of garbage "messages".

Crafted pcaps check what the captures cannot: a hello split across TCP
segments, a lost segment inside a record and across a record header, a
capture that starts after the handshake, and binary protocols that are not
TLS and not Flash either.
"""
import os
import struct

import pcapgen as g
from vizlib import CAPTURES, items, main, of_type, scratch_dir, thirdparty_captures, tshark_json

TMP = scratch_dir("pushviz-tls-")
CONTENT = {20: "change_cipher_spec", 21: "alert", 22: "handshake", 23: "application_data", 24: "heartbeat"}
HANDSHAKE = {1: "client_hello", 2: "server_hello", 4: "new_session_ticket", 8: "encrypted_extensions",
             11: "certificate", 12: "server_key_exchange", 13: "certificate_request", 14: "server_hello_done",
             15: "certificate_verify", 16: "client_key_exchange", 20: "finished"}
VERSION = {0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}


def tls_captures():
    return thirdparty_captures("tls*.pcap", 2)


def find(node, key):
    """Every value of `key` anywhere under node, in document order."""
    if isinstance(node, dict):
        for k, vs in node.items():
            for v in vs:
                if k == key:
                    yield v
                else:
                    yield from find(v, key)
    elif isinstance(node, list):
        for v in node:
            yield from find(v, key)


def tshark_records(path, port):
    """{(stream, client side?): [record dicts]} as tshark dissects them."""
    out = {}
    for layers in tshark_json(path, ["-d", "tcp.port==%d,tls" % port, "-Y", "tls"], repeated_keys=True):
        tcp = layers["tcp"][0]
        key = (int(tcp["tcp.stream"][0]), int(tcp["tcp.dstport"][0]) == port)
        for rec in find(layers["tls"], "tls.record"):
            kind = rec.get("tls.record.content_type", rec.get("tls.record.opaque_type"))
            hs = rec.get("tls.handshake", [])
            # a sealed handshake record's "tls.handshake" is only a label
            types = [HANDSHAKE.get(int(t), "unknown") for h in hs if isinstance(h, dict)
                     for t in h.get("tls.handshake.type", [])]
            out.setdefault(key, []).append({
                "record": CONTENT[int(kind[0])],
                "len": int(rec["tls.record.length"][0]),
                "handshake": types,
                "sni": list(find(rec, "tls.handshake.extensions_server_name")),
                "alpn": list(find(rec, "tls.handshake.extensions_alpn_str")),
                "versions": [int(v, 16) for v in find(rec, "tls.handshake.extensions.supported_version")],
                "hello_version": [int(v, 16) for v in find(rec, "tls.handshake.version")],
            })
    return out


def server_port(its):
    ports = {int(f["server"].rsplit(":", 1)[1]) for f in of_type(its, "flow")}
    assert len(ports) == 1, ports
    return ports.pop()


def test_records_and_hellos_agree_with_tshark():
    for path in tls_captures():
        its = items(path)
        port = server_port(its)
        theirs = tshark_records(path, port)
        flows = sorted({f["flow"] for f in of_type(its, "flow")})
        assert len(theirs) == 2 * len(flows), (path, sorted(theirs), flows)
        for flow in flows:
            for client_side, d in ((True, "c2s"), (False, "s2c")):
                mine = of_type(its, "tls", flow=flow, dir=d)
                ref = theirs[(flow - 1, client_side)]
                where = "%s flow %d %s" % (os.path.basename(path), flow, d)
                assert [(m["record"], m["len"]) for m in mine] == [(r["record"], r["len"]) for r in ref], where
                for m, r in zip(mine, ref):
                    if m["record"] != "handshake" or m.get("handshake") == "encrypted":
                        continue
                    assert m["handshake"].split(",") == r["handshake"], (where, m, r)
                    assert m.get("sni") == (r["sni"][0] if r["sni"] else None), (where, m, r)
                    assert m.get("alpn") == (",".join(r["alpn"]) if r["alpn"] else None), (where, m, r)
                    if "client_hello" in r["handshake"]:
                        offered = [v for v in r["versions"] if v in VERSION] or r["hello_version"][:1]
                        assert m["max_version"] == VERSION[max(offered)], (where, m, r)
                    if "server_hello" in r["handshake"]:
                        agreed = r["versions"][:1] or r["hello_version"][:1]
                        assert m["tls_version"] == VERSION[agreed[0]], (where, m, r)
        # Nothing of it passes for another protocol, and nothing is an error.
        assert not of_type(its, "flash") and not of_type(its, "error"), path
        assert {f["technique"] for f in of_type(its, "flow")} == {"unknown"}, path
        assert all(f["note"].startswith("TLS: what it carries is encrypted") for f in of_type(its, "flow")), path


def test_what_each_capture_shows():
    """The lesson each capture teaches, so a re-recording that loses it fails."""
    its = items(os.path.join(CAPTURES, "thirdparty", "tls-chromium.pcap"))
    hellos = of_type(its, "tls", handshake="client_hello")
    assert hellos and all(h["sni"] == "pushlab.test" and h["max_version"] == "TLS 1.3" for h in hellos), hellos
    assert {h["alpn"] for h in hellos} >= {"h2,http/1.1"}, hellos  # Chromium offers HTTP/2 first
    assert {s["tls_version"] for s in of_type(its, "tls", handshake="server_hello")} == {"TLS 1.3"}
    # TLS 1.3 seals everything after the ServerHello, the ALPN answer too.
    assert all("alpn" not in s for s in of_type(its, "tls", handshake="server_hello"))
    its = items(os.path.join(CAPTURES, "thirdparty", "tls12-node.pcap"))
    servers = of_type(its, "tls", handshake="server_hello")
    assert servers and all(s["tls_version"] == "TLS 1.2" and s["alpn"] == "http/1.1" for s in servers), servers
    assert of_type(its, "tls", handshake="certificate"), "TLS 1.2 sends the certificate in the clear"
    assert of_type(its, "tls", handshake="encrypted"), "Finished follows ChangeCipherSpec, sealed"
    # Five events pushed one by one, 100 ms apart: five records from the server.
    pushes = [t for t in of_type(its, "tls", flow=1, dir="s2c", record="application_data")]
    assert len(pushes) >= 5, pushes


# ---- crafted ----

def record(kind, body):
    return bytes([kind, 3, 3]) + struct.pack(">H", len(body)) + body


def client_hello(sni=b"push.example", alpn=(b"h2", b"http/1.1")):
    names = b"".join(bytes([len(a)]) + a for a in alpn)
    exts = (struct.pack(">HH", 0, len(sni) + 5) + struct.pack(">HBH", len(sni) + 3, 0, len(sni)) + sni
            + struct.pack(">HHH", 16, len(names) + 2, len(names)) + names
            + struct.pack(">HHB", 43, 5, 4) + b"\x03\x04\x03\x03")
    body = (b"\x03\x03" + bytes(32) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00"
            + struct.pack(">H", len(exts)) + exts)
    return record(22, b"\x01" + struct.pack(">I", len(body))[1:] + body)


def server_hello():
    exts = struct.pack(">HHH", 43, 2, 0x0304)
    body = b"\x03\x03" + bytes(32) + b"\x00" + b"\x13\x01" + b"\x00" + struct.pack(">H", len(exts)) + exts
    return record(22, b"\x02" + struct.pack(">I", len(body))[1:] + body)


def sealed(n, size):
    return [record(23, bytes([i % 251]) * size) for i in range(n)]


def conversation(pushes, mss=None, lose_piece=None, handshake=True):
    """A TLS connection: hellos, then `pushes` (bytes) from the server in
    segments of mss; the segment `lose_piece` is never captured."""
    conv = g.Conversation()
    conv.handshake()
    if handshake:
        conv.send("c2s", client_hello(), mss=100)  # the hello split across segments
        conv.send("s2c", server_hello() + record(20, b"\x01"))
    stream = b"".join(pushes)
    lost = conv.stream("s2c", stream, mss or len(stream), lose=lose_piece)
    conv.close()
    return conv, lost


def test_hello_split_across_segments_is_read_whole():
    conv, _ = conversation(sealed(3, 40))
    its = items(conv.write(os.path.join(TMP, "split-hello.pcap")))
    hello = of_type(its, "tls", handshake="client_hello")
    assert len(hello) == 1 and hello[0]["sni"] == "push.example" and hello[0]["alpn"] == "h2,http/1.1", hello
    assert hello[0]["max_version"] == "TLS 1.3"
    assert of_type(its, "tls", handshake="server_hello")[0]["tls_version"] == "TLS 1.3"
    assert [t["len"] for t in of_type(its, "tls", record="application_data")] == [40] * 3
    assert not of_type(its, "error") and not of_type(its, "flash")


def test_gap_inside_a_record_keeps_the_framing():
    pushes = sealed(6, 300)  # 305 bytes each on the wire; segments of 100 cut inside records
    conv, lost = conversation(pushes, mss=100, lose_piece=4)  # bytes 400-499: inside record 2
    its = items(conv.write(os.path.join(TMP, "gap-inside.pcap"), lose=lost))
    assert [t["len"] for t in of_type(its, "tls", record="application_data")] == [300] * 6
    assert [e["what"] for e in of_type(its, "error")] == ["100 bytes not captured (the peer acknowledged them)"]


def test_gap_over_a_header_finds_the_next_record():
    pushes = sealed(6, 300)
    conv, lost = conversation(pushes, mss=100, lose_piece=6)  # bytes 600-699: record 1 ends at 609, 2 starts at 610
    its = items(conv.write(os.path.join(TMP, "gap-header.pcap"), lose=lost))
    offsets = [t["offset"] for t in of_type(its, "tls", dir="s2c", record="application_data")]
    start = len(server_hello()) + 6  # the hello's and change_cipher_spec's records come first
    assert offsets == [start + 305 * i for i in (0, 1, 3, 4, 5)], offsets
    what = [e["what"] for e in of_type(its, "error")]
    assert what[0] == "100 bytes not captured (the peer acknowledged them)", what
    assert what[1] == "215 bytes passed over to the next TLS record header", what  # 700 to 915


def test_gap_over_the_last_header_says_what_the_end_cut():
    # As above with three records: the lost bytes took record 2's header,
    # and the stream ends before any header follows.  The 215 bytes the
    # search passed over are said when the connection closes; before, they
    # went without a word.
    conv, lost = conversation(sealed(3, 300), mss=100, lose_piece=6)
    its = items(conv.write(os.path.join(TMP, "gap-last.pcap"), lose=lost))
    assert [t["len"] for t in of_type(its, "tls", dir="s2c", record="application_data")] == [300, 300]
    assert [e["what"] for e in of_type(its, "error")] == \
        ["100 bytes not captured (the peer acknowledged them)",
         "215 bytes passed over: the stream ended before the next TLS record header was found"]


def test_capture_joined_after_the_handshake():
    conv, _ = conversation(sealed(4, 50), handshake=False)
    its = items(conv.write(os.path.join(TMP, "late.pcap")))
    assert [t["len"] for t in of_type(its, "tls")] == [50] * 4
    assert not of_type(its, "flash") and not of_type(its, "error")


def test_a_capture_begun_inside_a_record_reads_the_server_once_the_client_shows_tls():
    # The server's side came first, in the middle of a long record: its
    # bytes looked like nothing, and they and every record after them were
    # left unread.  Once the client's records show TLS, the server's side
    # looks for its next record header (a connection speaks one protocol
    # both ways), and says how many bytes it passed over.
    conv = g.Conversation()
    conv.handshake()
    begin = len(conv.packets) + 1  # the long record's second segment
    conv.stream("s2c", record(23, bytes(range(256)) * 4), 400)
    conv.send("s2c", b"".join(sealed(2, 50)))
    conv.send("c2s", b"".join(sealed(1, 30)))
    conv.send("s2c", b"".join(sealed(2, 60)))
    its = items(conv.write(os.path.join(TMP, "begun-in-a-record.pcap"), lose=range(begin)))
    assert [(t["dir"], t["len"]) for t in of_type(its, "tls")] == [("c2s", 30), ("s2c", 60), ("s2c", 60)], its
    passed = 1029 - 400 + 2 * 55
    assert [(e["what"], e["offset"]) for e in of_type(its, "error")] == \
        [("%d bytes passed over to the next TLS record header" % passed, 0)], its
    flow = of_type(its, "flow")[0]
    assert flow["technique"] == "unknown" and flow["note"].startswith("TLS:"), flow


def test_binary_protocols_with_nul_bytes_are_not_flash():
    """Flash messages are text ended by NUL; a binary protocol (here
    PostgreSQL's startup message and a reply) holds NULs too and is unknown."""
    conv = g.Conversation(server=("10.0.0.2", 5432))
    conv.handshake()
    conv.send("c2s", struct.pack(">II", 41, 196608) + b"user\x00student\x00database\x00lab\x00\x00")
    conv.send("s2c", b"R\x00\x00\x00\x08\x00\x00\x00\x00Z\x00\x00\x00\x05I")
    conv.close()
    its = items(conv.write(os.path.join(TMP, "binary.pcap")))
    assert not of_type(its, "flash") and not of_type(its, "tls"), its
    assert [f["technique"] for f in of_type(its, "flow")] == ["unknown"]
    # Text ended by NUL is still Flash.
    conv = g.Conversation(server=("10.0.0.2", 8005))
    conv.handshake()
    conv.send("s2c", b'{"seq":1,"kind":"tick"}\x00')
    conv.close()
    its = items(conv.write(os.path.join(TMP, "flash-text.pcap")))
    assert [f["text"] for f in of_type(its, "flash")] == ['{"seq":1,"kind":"tick"}'], its


if __name__ == "__main__":
    main([v for k, v in sorted(globals().items()) if k.startswith("test_") and callable(v)])
