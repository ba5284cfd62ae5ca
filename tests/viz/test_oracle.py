"""test_oracle.py -- pushviz cross-checked against Debian's tshark.

The same pcap goes through `pushviz --json` and `tshark -T fields`, and the
answers must agree: per frame the TCP relative sequence and acknowledgement
numbers, payload length, flags and tcp.analysis.ack_rtt; per connection the
handshake RTT (tcp.analysis.initial_rtt, within 1 microsecond); per
connection the HTTP requests (method, target) and response status codes;
chunk sizes; and every WebSocket frame's FIN, opcode, MASK, masking key,
payload length and unmasked text.

Inputs: every capture under captures/, hand-made pcaps (pcapgen.py), and
pcaps recorded here with tcpdump on the loopback interface from real peers
(curl against pushlab servers, python3-websockets client and server).
"""
import concurrent.futures
import glob
import os
import re
import shutil
import struct
import subprocess
import time

import pcapgen
import test_pushviz as crafted
from vizlib import CAPTURES, Skip, items, json_lines, main, of_type, scratch_dir, server_ports, tshark

TMP = scratch_dir("pushviz-oracle-")


def decode_as(its):
    return ["tcp.port==%d,http" % p for p in server_ports(its)]


def compare_tcp(path, unfinished=()):
    """unfinished: frames whose TCP options were cut by the snaplen; tshark
    stops dissecting them there, before it prints their analysis (ack_rtt)."""
    its = items(path)
    mine = {t["frame"]: t for t in of_type(its, "tcp")}
    rows = tshark(path, ["frame.number", "tcp.stream", "tcp.seq", "tcp.ack", "tcp.len", "tcp.flags",
                         "tcp.analysis.ack_rtt"], display="tcp")
    assert rows, "tshark saw no TCP in " + path
    assert len(rows) == len(mine), "%s: tshark %d TCP frames, pushviz %d" % (path, len(rows), len(mine))
    for frame, stream, seq, ack, length, flags, rtt in rows:
        t = mine[int(frame)]
        where = "%s frame %s" % (os.path.basename(path), frame)
        assert t["flow"] == int(stream) + 1, (where, t)
        assert (t["seq"], t["len"]) == (int(seq), int(length)), (where, t, seq, length)
        if "ACK" in t["flags"].split(","):
            assert t["ack"] == int(ack), (where, t, ack)
        names = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"]
        want = [n for i, n in enumerate(names) if int(flags, 16) & (1 << i)]
        assert t["flags"].split(",") == want or (not want and t["flags"] == ""), (where, t, flags)
        if int(frame) in unfinished:
            continue
        if rtt:
            assert "ack_rtt_ms" in t, (where, "tshark ack_rtt", rtt, t)
            assert abs(t["ack_rtt_ms"] / 1000 - float(rtt)) < 1e-6, (where, rtt, t)
        else:
            assert "ack_rtt_ms" not in t, (where, "no tshark ack_rtt", t)
    return len(rows)


def compare_handshakes(path):
    its = items(path)
    rows = tshark(path, ["tcp.stream", "tcp.analysis.initial_rtt"], display="tcp.analysis.initial_rtt")
    initial = {}
    for stream, rtt in rows:
        initial.setdefault(int(stream) + 1, float(rtt))
    flows = {f["flow"]: f for f in of_type(its, "flow")}
    for flow, rtt in initial.items():
        mine = flows[flow]["handshake_rtt_ms"]
        assert mine is not None and abs(mine / 1000 - rtt) < 1e-6, (path, flow, mine, rtt)
    return len(initial)


def tshark_http(path, its, reassemble):
    """(requests, responses) tshark finds: lists of (flow, method, target) and (flow, status)."""
    rows = tshark(path, ["tcp.stream", "http.request.method", "http.request.uri", "http.response.code"],
                  decode_as=decode_as(its), display="http",
                  prefs=["http.desegment_body:%s" % ("TRUE" if reassemble else "FALSE")])
    req, res = [], []
    for stream, methods, uris, codes in rows:
        flow = int(stream) + 1
        for m, u in zip(methods.split("|") if methods else [], uris.split("|") if uris else []):
            req.append((flow, m, u))
        for c in codes.split("|") if codes else []:
            res.append((flow, int(c)))
    return req, res


def most_of(a, b):
    """The multiset union of two lists (each element as often as in the list having more)."""
    from collections import Counter
    ca, cb = Counter(a), Counter(b)
    return sorted((ca | cb).elements())


def compare_http(path):
    """tshark needs body reassembly to find the second response on a
    keep-alive connection, and must go without it to show the head of a
    response that never ends (a stream): both runs together are the answer."""
    its = items(path)
    req_a, res_a = tshark_http(path, its, True)
    req_b, res_b = tshark_http(path, its, False)
    theirs_req, theirs_res = most_of(req_a, req_b), most_of(res_a, res_b)
    mine_req = [(r["flow"], r["method"], r["target"]) for r in of_type(its, "http_request")]
    mine_res = [(r["flow"], r["status"]) for r in of_type(its, "http_response")]
    assert sorted(mine_req) == theirs_req, (path, mine_req, theirs_req)
    assert sorted(mine_res) == theirs_res, (path, mine_res, theirs_res)
    return len(mine_req) + len(mine_res)


def compare_websocket(path):
    its = items(path)
    rows = tshark(path, ["tcp.stream", "websocket.fin", "websocket.opcode", "websocket.mask",
                         "websocket.masking_key", "websocket.payload_length",
                         "websocket.payload_length_ext_16", "websocket.payload_length_ext_64",
                         "websocket.payload.text"],
                  decode_as=decode_as(its), display="websocket")
    theirs = []
    for stream, fins, ops, masks, keys, lens, ext16, ext64, _texts in rows:
        keys_l = iter(keys.split("|") if keys else [])
        ext = {126: iter(ext16.split("|") if ext16 else []), 127: iter(ext64.split("|") if ext64 else [])}
        for fin, op, mask, length in zip(fins.split("|"), ops.split("|"), masks.split("|"),
                                         lens.split("|")):
            masked = mask in ("1", "True")
            n = int(length)
            if n in ext:  # the 7-bit field says "see the extended length"
                n = int(next(ext[n]))
            theirs.append((int(stream) + 1, fin in ("1", "True"), int(op), masked,
                           next(keys_l).replace(":", "") if masked else None, n))
    mine = [(f["flow"], f["fin"], f["opcode"], f["masked"], f["mask_key"], f["len"])
            for f in of_type(its, "ws_frame")]
    assert sorted(mine) == sorted(theirs), (path, mine, theirs)
    # Unmasked text: each text frame's payload (pushviz shows at most 256
    # bytes) begins tshark's text of its message.
    their_text = [t for row in rows for t in (row[8].split("|") if row[8] else [])]
    for f in of_type(its, "ws_frame"):
        if f["opcode"] == 1:
            assert any(t.startswith(f["payload"]) for t in their_text), (path, f, their_text)
    return len(mine)


def compare_chunks(path):
    its = items(path)
    rows = tshark(path, ["http.chunk_size"], decode_as=decode_as(its), display="http.chunk_size")
    theirs = [int(s) for row in rows for s in row[0].split("|")]
    mine = [c["size"] for c in of_type(its, "chunk")]
    assert theirs and mine[:len(theirs)] == theirs, (path, mine, theirs)
    return len(theirs)


# ---- inputs ----

def reference_captures():
    caps = sorted(glob.glob(os.path.join(CAPTURES, "*.pcap")))
    if not caps:
        raise AssertionError("no captures under captures/ (make captures)")
    return caps


def two_at_a_time(fn, paths):
    """fn(path) for each path, two at once (each call waits on tshark and
    pushviz, processes of their own); their results, in order.  A failure
    is raised as it would be in a loop."""
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        return list(pool.map(fn, paths))


def test_reference_captures_tcp():
    total = sum(two_at_a_time(compare_tcp, reference_captures()))
    assert total > 100, total


def test_reference_captures_handshake_rtt():
    assert sum(two_at_a_time(compare_handshakes, reference_captures())) > 5


def test_reference_captures_http():
    assert sum(two_at_a_time(compare_http, reference_captures())) > 10


def test_reference_captures_websocket():
    ws = [p for p in reference_captures() if os.path.basename(p) in ("ws.pcap", "demo.pcap")]
    if not ws:
        raise Skip("no WebSocket capture under captures/")
    assert sum(compare_websocket(p) for p in ws) > 5


def crafted_pcaps():
    crafted.TMP = TMP
    for t in (crafted.test_out_of_order_segments, crafted.test_retransmission_and_overlap,
              crafted.test_chunked_stream_and_classification, crafted.test_websocket_frames,
              crafted.test_head_204_304_and_keep_alive, crafted.test_mid_stream_start,
              crafted.test_tcp_numbers_and_ack_rtt, crafted.test_ipv6_extension_headers,
              crafted.test_linux_sll2, crafted.test_every_tcp_flag_combination_is_named,
              crafted.test_request_a_server_refuses_is_still_read,
              crafted.test_folded_response_header_is_unfolded):
        t()
    return [os.path.join(TMP, n) for n in ("ooo.pcap", "retrans.pcap", "xhr.pcap", "ws.pcap",
                                           "keepalive.pcap", "mid.pcap", "tcp.pcap", "ipv6.pcap",
                                           "sll2.pcap", "flags.pcap", "refused.pcap", "folded.pcap")]


def test_crafted_pcaps():
    paths = crafted_pcaps()

    def compare(p):
        compare_tcp(p)
        compare_handshakes(p)
        # Left out: reordered segments, and keepalive.pcap, whose responses
        # share one segment (tshark without body reassembly stops at the first).
        if os.path.basename(p) not in ("retrans.pcap", "ooo.pcap", "keepalive.pcap"):
            compare_http(p)
    two_at_a_time(compare, paths)
    compare_websocket(os.path.join(TMP, "ws.pcap"))
    assert compare_chunks(os.path.join(TMP, "xhr.pcap")) == 4


def test_frames_cut_inside_tcp_options():
    """A snaplen that ends inside the TCP options (a SYN's MSS, SACK,
    timestamps and window scale: 40 header bytes) but after the fixed 20
    leaves what the stream needs: tshark follows the segment, and so must
    pushviz, IPv4 and IPv6."""
    syn_options = b"\x02\x04\xff\xd7\x04\x02\x08\x0a" + b"\0" * 8 + b"\x01\x03\x03\x07"
    pc = pcapgen.Pcap()
    frames = 0
    cut = set()
    start = 1.0
    for client, server in ((("10.0.0.1", 40000), ("10.0.0.2", 8080)), (("fd00::1", 40001), ("fd00::2", 8080))):
        conv = pcapgen.Conversation(client, server, t=start)  # the second after the first: in time order
        conv.handshake()
        conv.send("c2s", b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        conv.send("s2c", b"HTTP/1.1 204 No Content\r\n\r\n")
        conv.close()
        for i, (ts, pkt) in enumerate(conv.packets):
            frames += 1
            caplen = None
            if i < 2:  # the SYN and SYN-ACK get options, and the snaplen cuts them
                ip = 40 if ":" in client[0] else 20
                head, tcp = pkt[:ip], pkt[ip:]
                tcp = tcp[:12] + bytes([(20 + len(syn_options)) // 4 << 4]) + tcp[13:20] + syn_options + tcp[20:]
                head = head[:4] + struct.pack("!H", len(tcp)) + head[6:] if ip == 40 else \
                    head[:2] + struct.pack("!H", 20 + len(tcp)) + head[4:]
                pkt = head + tcp
                if ip == 20:
                    pkt = pkt[:10] + b"\0\0" + pkt[12:]
                    pkt = pkt[:10] + struct.pack("!H", pcapgen.checksum(pkt[:20])) + pkt[12:]
                caplen = 14 + ip + 20 + 6  # Ethernet, IP, the fixed TCP header, some options
                cut.add(frames)
            pc.add_ip(1700000000 + ts, pkt, caplen=caplen)
        start = conv.t
    path = os.path.join(TMP, "cut-options.pcap")
    pc.write(path)
    its = items(path)
    assert not of_type(its, "error"), of_type(its, "error")
    assert compare_tcp(path, unfinished=cut) == frames
    assert compare_handshakes(path) == 2
    assert [r["target"] for r in of_type(its, "http_request")] == ["/a", "/a"]


def test_data_in_a_syn_is_the_streams_first_bytes():
    """TCP Fast Open (RFC 7413) sends the request in the SYN: those bytes
    sit one after the initial sequence number, before anything else, and
    the SYN-ACK acknowledges them.  tshark shows the GET at frame 1, with
    the same numbers and the same request and response."""
    conv = pcapgen.Conversation()
    conv.segment("c2s", pcapgen.SYN, b"GET /poll HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.segment("s2c", pcapgen.SYN | pcapgen.ACK)
    conv.segment("c2s", pcapgen.ACK)
    conv.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]")
    conv.close()
    path = conv.write(os.path.join(TMP, "fast-open.pcap"))
    its = items(path)
    assert not of_type(its, "error"), of_type(its, "error")
    assert [(r["target"], r["offset"]) for r in of_type(its, "http_request")] == [("/poll", 0)], its
    assert "analysis" not in of_type(its, "tcp")[0], its
    assert compare_tcp(path) == len(conv.packets)
    assert compare_http(path) == 2


def test_keep_alive_probes():
    """A keep-alive probe (RFC 9293 §3.8.4), empty or with one old byte,
    one below the next sequence number: tshark marks it
    tcp.analysis.keep_alive, not a retransmission, and times the ACK that
    answers the one-byte probe; so does pushviz.  The two ACKs that answer
    probes are no duplicate ACKs: the request after them, where they point,
    is no fast retransmission."""
    conv = pcapgen.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]")
    probe = conv.seq["c2s"] - 1
    conv.segment("c2s", pcapgen.ACK, b"", seq=probe, dt=1)
    conv.segment("s2c", pcapgen.ACK)
    conv.segment("c2s", pcapgen.ACK, b"\0", seq=probe, dt=1)
    conv.segment("s2c", pcapgen.ACK)
    conv.send("c2s", b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.close()
    path = conv.write(os.path.join(TMP, "keep-alive.pcap"))
    its = items(path)
    marked = {t["frame"]: t.get("analysis") for t in of_type(its, "tcp") if t.get("analysis")}
    rows = tshark(path, ["frame.number"], display="tcp.analysis.flags")
    assert sorted(marked) == sorted(int(r[0]) for r in rows), (marked, rows)
    keep = tshark(path, ["frame.number"], display="tcp.analysis.keep_alive")
    assert len(keep) == 2 and all(marked[int(r[0])] == "keep_alive" for r in keep), (marked, keep)
    assert compare_tcp(path) == len(conv.packets)
    assert [r["target"] for r in of_type(its, "http_request")] == ["/events"] * 2


def test_stacked_vlan_tags():
    """Tags before the ethertype, as tshark reads them: 802.1Q (0x8100),
    802.1ad's outer tag (0x88a8) and the 0x9100 that switches used for it
    before, alone and stacked (QinQ); after an Ethernet header, and after
    a Linux cooked one (SLL, SLL2), where libpcap puts the tag it takes
    back from the kernel when `tcpdump -i any` captures on a host with
    VLANs."""
    stacks = [(0x9100,), (0x9100, 0x8100), (0x88A8, 0x8100), (0x8100, 0x8100)]
    links = [(pcapgen.LINKTYPE_EN10MB, lambda tagged: b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01" + tagged),
             (pcapgen.LINKTYPE_LINUX_SLL, lambda tagged: struct.pack("!HHH8s", 0, 1, 6, b"\0" * 8) + tagged),
             (pcapgen.LINKTYPE_LINUX_SLL2,
              lambda tagged: tagged[:2] + struct.pack("!HIHBB8s", 0, 1, 1, 0, 6, b"\0" * 8) + tagged[2:])]
    for linktype, link in links:
        pc = pcapgen.Pcap(linktype)
        frames = 0
        for i, tags in enumerate(stacks):
            conv = pcapgen.Conversation(client=("10.0.0.1", 40000 + i), t=1.0 + i)
            conv.handshake()
            conv.send("c2s", b"GET /t%d HTTP/1.1\r\nHost: x\r\n\r\n" % i)
            conv.send("s2c", b"HTTP/1.1 204 No Content\r\n\r\n")
            conv.close()
            # Each tag's type, then its tag control information; the last
            # tag's next type is IPv4's.
            vlans = b"".join(struct.pack("!HH", tpid, 5 + n) for n, tpid in enumerate(tags))
            for ts, pkt in conv.packets:
                pc.add(1700000000 + ts, link(vlans + b"\x08\x00" + pkt))
                frames += 1
        path = os.path.join(TMP, "vlan-tags-%d.pcap" % linktype)
        pc.write(path)
        assert compare_tcp(path) == frames, linktype
        assert compare_http(path) == 2 * len(stacks), linktype


def test_ack_after_a_reset_is_timed():
    """A connection ended by a RST can still see a straggler: here the
    server's FIN, sent after the client's RST, acknowledges the client's
    FIN, and tshark times it (tcp.analysis.ack_rtt) like any other ACK."""
    conv = pcapgen.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    conv.segment("c2s", pcapgen.FIN | pcapgen.ACK)
    conv.seq["c2s"] -= 1  # data crossing the FIN: it does not acknowledge it
    conv.segment("s2c", pcapgen.PSH | pcapgen.ACK, b"late", dt=0.02)
    conv.segment("c2s", pcapgen.RST, dt=0.0001)  # the client has closed: data is answered by a RST
    conv.seq["c2s"] += 1
    conv.segment("s2c", pcapgen.FIN | pcapgen.ACK, dt=0.05)
    path = conv.write(os.path.join(TMP, "ack-after-rst.pcap"))
    last = of_type(items(path), "tcp")[-1]
    assert "ack_rtt_ms" in last, last
    assert compare_tcp(path) == len(conv.packets)


# ---- recorded here from real peers ----

class Tcpdump:
    def __init__(self, path, filt):
        if os.geteuid() != 0:
            raise Skip("recording needs root (tcpdump on lo); CI runs as root")
        if not shutil.which("tcpdump"):
            raise Skip("tcpdump is not installed")
        self.path = path
        # -Z root: the file goes into a private temporary directory.
        # -B 65536 (KiB): with --immediate-mode libpcap hands packets over
        # through a ring of fixed-size slots, each as large as the
        # biggest packet the interface can carry (lo: 64 KiB), so the
        # default 2 MiB holds only about 30; a burst of more before
        # tcpdump is scheduled was dropped (the paused reader's burst lost
        # 100-180 packets in every recording).  64 MiB holds about 1,000.
        self.proc = subprocess.Popen(["tcpdump", "-i", "lo", "--immediate-mode", "-B", "65536", "-U", "-s", "0", "-Z", "root", "-w", path, filt],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 5
        while time.time() < deadline and not os.path.exists(path):
            time.sleep(0.05)
        time.sleep(0.3)

    def stop(self):
        """Stop recording; self.dropped is how many packets tcpdump says
        the kernel dropped (its buffer was full: the CPU was busy), which
        a test that needs every packet can record again for."""
        time.sleep(0.3)
        self.proc.terminate()
        _, err = self.proc.communicate(timeout=5)
        m = re.search(rb"(\d+) packets? dropped by kernel", err)
        self.dropped = int(m.group(1)) if m else 0


def test_recorded_curl_against_pushlab_poll():
    if not shutil.which("curl"):
        raise Skip("curl is not installed")
    with crafted_server("poll") as srv:
        cap = Tcpdump(os.path.join(TMP, "curl.pcap"), "tcp port %d" % srv.port)
        base = "http://127.0.0.1:%d" % srv.port
        subprocess.run(["curl", "-s", "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null",
                        base + "/poll?since=0", base + "/poll?since=1", base + "/poll?since=0&callback=cb"],
                       timeout=10, check=True)
        subprocess.run(["curl", "-s", "-o", "/dev/null", "-I", base + "/"], timeout=10)
        subprocess.run(["curl", "-s", "-o", "/dev/null", "--data", "hi", base + "/send"], timeout=10)
        cap.stop()
    p = cap.path
    assert compare_tcp(p) > 10
    compare_handshakes(p)
    assert compare_http(p) >= 10


def test_recorded_python_websockets():
    code = r'''
import asyncio, sys, websockets
async def echo(ws):
    async for m in ws:
        await ws.send(m)
async def main():
    async with websockets.serve(echo, "127.0.0.1", 0, compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        print(port, flush=True)
        await asyncio.sleep(float(sys.argv[1]))
asyncio.run(main())
'''
    try:
        import websockets  # noqa: F401
    except ImportError:
        raise Skip("python3-websockets is not installed")
    srv = subprocess.Popen(["/usr/bin/python3", "-c", code, "6"], stdout=subprocess.PIPE)
    try:
        port = int(srv.stdout.readline())
        cap = Tcpdump(os.path.join(TMP, "websockets.pcap"), "tcp port %d" % port)
        client = r'''
import asyncio, sys, websockets
async def main():
    async with websockets.connect("ws://127.0.0.1:%s/" % sys.argv[1], compression=None) as ws:
        for m in ["hello", "x" * 300, b"\x00\x01binary", "\u00e9t\u00e9"]:
            await ws.send(m)
            await ws.recv()
        pong = await ws.ping(b"ping!")
        await pong
asyncio.run(main())
'''
        subprocess.run(["/usr/bin/python3", "-c", client, str(port)], timeout=15, check=True)
        cap.stop()
    finally:
        srv.terminate()
        srv.wait(5)
    p = cap.path
    compare_tcp(p)
    assert compare_websocket(p) >= 10
    frames = of_type(items(p), "ws_frame")
    pongs = [f for f in frames if f["opcode"] == 10]
    assert pongs and pongs[0]["pong_ms"] >= 0, pongs


def test_recorded_curl_against_a_folding_server():
    """A server that folds a header of its first answer (obs-fold, RFC 9112
    §5.2), as curl reads it: pushviz shows the value unfolded and every
    response on the connection, tshark's http.response count."""
    if not shutil.which("curl"):
        raise Skip("curl is not installed")
    code = r'''
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
buf, n = b"", 0
while n < 3:
    data = c.recv(4096)
    if not data:
        break
    buf += data
    while b"\r\n\r\n" in buf:
        buf = buf.split(b"\r\n\r\n", 1)[1]
        n += 1
        folded = b"X-Folded: first part\r\n\tsecond part\r\n" if n == 1 else b""
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" + folded +
                  b"Content-Length: 5\r\n\r\nbody%d" % n)
c.close()
'''
    srv = subprocess.Popen(["/usr/bin/python3", "-c", code], stdout=subprocess.PIPE)
    try:
        port = int(srv.stdout.readline())
        cap = Tcpdump(os.path.join(TMP, "folded-curl.pcap"), "tcp port %d" % port)
        base = "http://127.0.0.1:%d" % port
        out = subprocess.run(["curl", "-s", base + "/a", base + "/b", base + "/c"], timeout=10,
                             stdout=subprocess.PIPE, check=True).stdout
        cap.stop()
    finally:
        srv.terminate()
        srv.wait(5)
    assert out == b"body1body2body3", out  # curl reads the folded head too
    p = cap.path
    compare_tcp(p)
    assert compare_http(p) == 6
    its = items(p)
    res = of_type(its, "http_response")
    assert ["X-Folded", "first part second part"] in res[0]["headers"], res[0]
    assert not of_type(its, "error"), of_type(its, "error")
    rows = tshark(p, ["http.response.code"], decode_as=decode_as(its), display="http.response")
    assert len(rows) == len(res) == 3, (rows, res)


def test_live_capture_with_pushviz_w():
    """pushviz's own capture: live --json equals --json of the -w file, which
    tshark reads frame for frame; SIGINT ends it cleanly with the file whole."""
    if os.geteuid() != 0:
        raise Skip("live capture needs root or CAP_NET_RAW; CI runs as root")
    import signal
    from vizlib import PUSHVIZ
    out = os.path.join(TMP, "live.pcap")
    with crafted_server("poll") as srv:
        viz = subprocess.Popen([PUSHVIZ, "-i", "lo", "-f", "tcp port %d" % srv.port, "-w", out, "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(0.7)
        base = "http://127.0.0.1:%d" % srv.port
        subprocess.run(["curl", "-s", "-o", "/dev/null", "-o", "/dev/null", base + "/poll?since=0",
                        base + "/poll?since=0&callback=f"], timeout=10, check=True)
        # The kernel's count can only equal the packets written if no packet
        # is still on its way when the capture stops: wait until the
        # server's lingering close is over (a slow sanitizer build takes a
        # while), then a little more for the reader to take the last ones.
        wait_until_quiet(srv.port)
        time.sleep(0.3)
        viz.send_signal(signal.SIGINT)
        live_out, err = viz.communicate(timeout=10)
    assert viz.returncode == 0, err
    live = json_lines(live_out)
    assert of_type(live, "http_request") and of_type(live, "flow"), live
    # the live run ends with the kernel's counts, which a file has not
    stats = of_type(live, "capture_stats")
    assert len(stats) == 1 and live[-1] is stats[0], live[-3:]
    assert live[:-1] == items(out), "the -w file does not replay as the live capture was shown"
    frames = tshark(out, ["frame.number"])
    assert len(frames) == len(of_type(live, "tcp")) > 8, (len(frames), len(live))
    # loopback packets counted once: what the kernel passed is what was written
    assert (stats[0]["received"], stats[0]["dropped"], stats[0]["if_dropped"]) == (len(frames), 0, 0), stats
    assert ("wrote %d packets to %s" % (len(frames), out)) in err.decode(), err
    compare_tcp(out)


def wait_until_quiet(port, timeout=10.0):
    """Until no TCP connection on port is open or closing (TIME-WAIT sends
    nothing more; LISTEN is the server itself)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = subprocess.run(["ss", "-Htan", "( sport = :%d or dport = :%d )" % (port, port)],
                              capture_output=True, text=True, check=True).stdout.split("\n")
        if all(not r.strip() or r.split()[0] in ("LISTEN", "TIME-WAIT") for r in rows):
            return
        time.sleep(0.05)
    raise AssertionError("connections on port %d still open after %.0f s" % (port, timeout))


class crafted_server:
    """A pushlab server on a free port (harness.Server), as a context."""

    def __init__(self, name):
        from harness import Server
        self.server = Server(name, "--interval", "0")

    def __enter__(self):
        return self.server

    def __exit__(self, *exc):
        return self.server.__exit__(*exc)


if __name__ == "__main__":
    main([test_reference_captures_tcp, test_reference_captures_handshake_rtt,
          test_reference_captures_http, test_reference_captures_websocket, test_crafted_pcaps,
          test_frames_cut_inside_tcp_options, test_data_in_a_syn_is_the_streams_first_bytes,
          test_keep_alive_probes, test_stacked_vlan_tags, test_ack_after_a_reset_is_timed,
          test_recorded_curl_against_pushlab_poll, test_recorded_python_websockets,
          test_recorded_curl_against_a_folding_server, test_live_capture_with_pushviz_w])
