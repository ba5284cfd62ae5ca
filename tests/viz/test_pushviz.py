"""test_pushviz.py -- pushviz on hand-made captures: every link layer,
IPv6 with extension headers, pcapng and stdin, reassembly (out of order,
retransmission, overlap, gaps), snaplen-cut packets, each technique's
framing, hostile files, and the command line.

Each capture is written by pcapgen.py into a temporary directory, so every
byte and every sequence number is known and the expected items can be
stated exactly.
"""
import json
import os
import shutil
import re
import struct
import subprocess
import threading
import time

import pcapgen as g
from vizlib import (Skip, check_sanitizers, items, json_lines, main, of_type, run, scratch_dir, stats_tables,
                    tshark, PUSHVIZ, ROOT)

TMP = scratch_dir("pushviz-test-")
TS = 1700000000  # a capture time, seconds


def path(name):
    return os.path.join(TMP, name)


def poll_exchange(conv, events=(1, 2)):
    """A GET /poll and its JSON answer carrying events; returns the body."""
    conv.send("c2s", b"GET /poll?since=0 HTTP/1.1\r\nHost: x\r\n\r\n")
    body = ("[" + ",".join(g.event(s, TS * 1000 + s) for s in events) + "]").encode()
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    conv.send("s2c", head + body)
    return head, body


def write(conv, name, linktype=g.LINKTYPE_EN10MB, order=None, ng=False, caplens=None):
    pc = g.Pcap(linktype)
    pkts = conv.packets if order is None else [conv.packets[i] for i in order]
    for n, (ts, pkt) in enumerate(pkts):
        pc.add_ip(TS + ts, pkt, caplen=(caplens or {}).get(n))
    pc.write(path(name), ng=ng)
    return path(name)


def assert_poll_items(its, events=(1, 2)):
    req = of_type(its, "http_request")
    res = of_type(its, "http_response")
    assert len(req) == 1 and req[0]["method"] == "GET" and req[0]["target"] == "/poll?since=0", req
    assert req[0]["version"] == "HTTP/1.1" and ["Host", "x"] in req[0]["headers"], req
    assert len(res) == 1 and res[0]["status"] == 200 and res[0]["reason"] == "OK", res
    assert res[0]["response_ms"] >= 0, res
    evs = of_type(its, "event")
    assert [e["seq"] for e in evs] == list(events), evs
    flows = of_type(its, "flow")
    assert len(flows) == 1 and flows[0]["flow"] == 1, flows


# ---- link layers and IP versions ----

def link_case(linktype, name):
    conv = g.Conversation()
    conv.handshake()
    poll_exchange(conv)
    conv.close()
    its = items(write(conv, name, linktype))
    assert_poll_items(its)
    f = of_type(its, "flow")[0]
    assert f["client"] == "10.0.0.1:40000" and f["server"] == "10.0.0.2:8080", f
    assert f["handshake_rtt_ms"] is not None and abs(f["handshake_rtt_ms"] - 2.0) < 0.01, f
    assert f["end"] == "fin", f


def test_ethernet():
    link_case(g.LINKTYPE_EN10MB, "en10mb.pcap")


def test_bsd_null():
    link_case(g.LINKTYPE_NULL, "null.pcap")


def test_bsd_loop():
    link_case(g.LINKTYPE_LOOP, "loop.pcap")


def test_linux_sll():
    link_case(g.LINKTYPE_LINUX_SLL, "sll.pcap")


def test_linux_sll2():
    link_case(g.LINKTYPE_LINUX_SLL2, "sll2.pcap")


def test_raw_ip():
    link_case(g.LINKTYPE_RAW, "raw.pcap")


def test_ipv6_extension_headers():
    conv = g.Conversation(client=("fd00::1", 40000), server=("fd00::2", 8080))
    conv.handshake()
    poll_exchange(conv)
    conv.close()
    # Put a hop-by-hop and a destination options header in every packet.
    conv.packets = [(ts, g.ipv6("fd00::%d" % (1 if p[8 + 15] == 1 else 2),
                                "fd00::%d" % (2 if p[8 + 15] == 1 else 1), p[40:], extensions=(0, 60)))
                    for ts, p in conv.packets]
    its = items(write(conv, "ipv6.pcap"))
    assert_poll_items(its)
    assert of_type(its, "flow")[0]["client"] == "[fd00::1]:40000"


def test_pcapng_and_stdin():
    conv = g.Conversation()
    conv.handshake()
    poll_exchange(conv)
    conv.close()
    p = write(conv, "ng.pcapng", ng=True)
    assert_poll_items(items(p))
    with open(p, "rb") as f:
        rc, out, err = run(["-r", "-", "--json"], stdin=f.read())
    assert rc == 0, err
    assert_poll_items(json_lines(out))


def test_a_gzip_compressed_capture_reads_as_the_capture():
    """capture.pcap.gz, as captures are kept and shared (tshark reads
    them): pcap and pcapng, compressed, give the items of the file itself,
    read from the file, from standard input (-r - < x.pcap.gz) or from a
    FIFO (-r <(cat x.pcap.gz)), which cannot seek: the first byte says
    gzip; one cut short says where, as the file cut there would; a corrupt
    one fails plainly."""
    import gzip
    conv = g.Conversation()
    conv.handshake()
    poll_exchange(conv)
    conv.close()
    for ng in (False, True):
        plain = write(conv, "gz.pcap" + ("ng" if ng else ""), ng=ng)
        with open(plain, "rb") as f:
            data = f.read()
        packed = plain + ".gz"
        with open(packed, "wb") as f:
            f.write(gzip.compress(data))
        want = items(plain)
        assert items(packed) == want, ng
        rc, out, err = run(["-r", "-", "--json"], stdin=gzip.compress(data))  # before: not a capture
        assert rc == 0 and json_lines(out) == want, (ng, err)
        fifo = path("gz-fifo-%d" % ng)
        os.mkfifo(fifo)
        def feed():
            with open(fifo, "wb") as f:
                f.write(gzip.compress(data))
        writer = threading.Thread(target=feed)
        writer.start()
        try:
            assert items(fifo) == want, ng
        finally:
            writer.join(10)
    packed = gzip.compress(data)
    cut = os.path.join(TMP, "cut.pcapng.gz")
    with open(cut, "wb") as f:
        f.write(packed[:len(packed) * 2 // 3])
    rc, out, err = run(["-r", cut, "--json"])
    assert rc == 1 and "truncated" in err, (rc, err)
    got = json_lines(out)
    assert ["truncated" in e["what"] for e in of_type(got, "error")] == [True], got
    assert 0 < len(of_type(got, "tcp")) < len(conv.packets), got
    bad = bytearray(packed)
    bad[-6] ^= 0xFF  # the CRC of what it holds (RFC 1952 §2.3.1)
    corrupt = os.path.join(TMP, "corrupt.pcapng.gz")
    with open(corrupt, "wb") as f:
        f.write(bad)
    rc, out, err = run(["-r", corrupt, "--json"])
    assert rc == 1 and "Bad message" in err, (rc, err)


def test_pcapng_of_two_link_types_says_how_to_read_it():
    """dumpcap -i lo -i any writes a pcapng file whose interfaces are
    Ethernet and Linux cooked; libpcap refuses it.  pushviz says so and
    points to the man page, whose two commands (tshark, editcap: the
    Wireshark tools a user has) keep one interface in a file it reads."""
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        return struct.pack("<II", btype, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))

    conv = g.Conversation()
    conv.handshake()
    poll_exchange(conv)
    conv.close()
    out = [block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))]
    out += [block(1, struct.pack("<HHI", lt, 0, 262144)) for lt in (g.LINKTYPE_EN10MB, g.LINKTYPE_LINUX_SLL)]
    for n, (ts, pkt) in enumerate(conv.packets):
        iface = n % 2  # the same packets, half of them on each interface
        data = g.frame((g.LINKTYPE_EN10MB, g.LINKTYPE_LINUX_SLL)[iface], pkt)
        t = int(round((1700000000 + ts) * 1e6))
        out.append(block(6, struct.pack("<IIIII", iface, t >> 32, t & 0xFFFFFFFF, len(data), len(data)) + data))
    mixed = os.path.join(TMP, "mixed.pcapng")
    with open(mixed, "wb") as f:
        f.write(b"".join(out))
    rc, out, err = run(["-r", mixed, "--json"])
    assert rc == 1, (rc, err)
    assert "different from the type of the first interface" in err and "WHAT IT READS" in err, err
    with open(os.path.join(ROOT, "docs", "man", "pushviz.1")) as f:
        page = f.read()
    assert "frame.interface_id == 0" in page and "editcap \\-F pcap \\-T ether" in page
    one, kept = os.path.join(TMP, "one.pcapng"), os.path.join(TMP, "one.pcap")
    subprocess.run(["tshark", "-r", mixed, "-Y", "frame.interface_id == 0", "-w", one], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["editcap", "-F", "pcap", "-T", "ether", one, kept], check=True)
    tcp = of_type(items(kept), "tcp")
    assert [t["frame"] for t in tcp] == list(range(1, (len(conv.packets) + 1) // 2 + 1)), tcp


def pcap_variant(records, big_endian=False, nano=False, snaplen=262144, version=(2, 4)):
    """Classic pcap bytes of (ts, frame, wire length) records in a given
    byte order and time unit (pcapgen writes little-endian microseconds)."""
    e = ">" if big_endian else "<"
    out = [struct.pack(e + "IHHiIII", 0xA1B23C4D if nano else 0xA1B2C3D4, version[0], version[1], 0, 0,
                       snaplen, g.LINKTYPE_EN10MB)]
    for ts, data, wire in records:
        sec = int(ts)
        frac = int(round((ts - sec) * (1e9 if nano else 1e6)))
        out.append(struct.pack(e + "IIII", sec, frac, len(data), wire) + data)
    return b"".join(out)


def test_file_reader_agrees_with_libpcap():
    """pushviz reads classic pcap files itself (capture/pcapfile.c) and
    hands libpcap any record it does not know; stdin is read by libpcap
    alone.  Both must give the same items, and the same error, in either
    byte order and time unit, for a last record cut short, and for a
    record longer than the file's snap length."""
    conv = g.Conversation()
    conv.handshake()
    poll_exchange(conv)
    conv.close()
    pc = g.Pcap()
    for ts, pkt in conv.packets:
        pc.add_ip(TS + ts + 0.000000123, pkt)
    longest = max(len(data) for _, data, _ in pc.records)
    variants = {
        "le-us": pcap_variant(pc.records),
        "be-us": pcap_variant(pc.records, big_endian=True),
        "le-ns": pcap_variant(pc.records, nano=True),
        "be-ns": pcap_variant(pc.records, big_endian=True, nano=True),
        "cut": pcap_variant(pc.records)[:-7],
        "over-snaplen": pcap_variant(pc.records, snaplen=longest - 1),
        "version-2.3": pcap_variant(pc.records, version=(2, 3)),
    }
    for name, data in variants.items():
        with open(path(name + ".pcap"), "wb") as f:
            f.write(data)
        rc, out, err = run(["-r", path(name + ".pcap"), "--json"])
        rc_in, out_in, err_in = run(["-r", "-", "--json"], stdin=data)
        # (an error, on stderr and as an item, names what was read: the file, or stdin)
        named = path(name + ".pcap")
        assert (rc, out.replace(named, "stdin"), err.replace(named, "stdin")) == (rc_in, out_in, err_in), \
            (name, err, err_in)
        if name in ("le-us", "be-us", "le-ns", "be-ns"):
            assert rc == 0, (name, err)
        if name == "cut":
            assert err.startswith("pushviz: %s: truncated dump file" % path("cut.pcap")), err
            assert_poll_items(json_lines(out))
    cut = json_lines(run(["-r", path("cut.pcap"), "--json"])[1])
    assert any(i["type"] == "error" and "truncated" in i["what"] for i in cut), cut[-3:]
    # A named pipe (as `-r <(zcat x.pcap.gz)` gives) is read by libpcap
    # alone: opened twice, the two readers would split its bytes, and a
    # writer that finished between the two opens left the second waiting
    # forever (1 run in 6).  Forty runs: that hang would show in all but
    # 1 in 1,000 runs of this test.
    fifo = path("fifo.pcap")
    os.mkfifo(fifo)
    want = run(["-r", path("le-us.pcap"), "--json"])[1]

    def feed():
        with open(fifo, "wb") as f:
            f.write(variants["le-us"])
    for attempt in range(40):
        writer = threading.Thread(target=feed)
        writer.start()
        try:
            rc, out, err = run(["-r", fifo, "--json"], timeout=10)
        except subprocess.TimeoutExpired:
            raise AssertionError("pushviz -r FIFO waited for ever (run %d)" % attempt)
        finally:
            reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # lets a writer still waiting go
            writer.join(10)
            os.close(reader)
        assert rc == 0 and out == want, (attempt, err)


# ---- TCP ----

def test_tcp_numbers_and_ack_rtt():
    conv = g.Conversation(isn_client=0xFFFFFFF0)  # the client's numbers wrap
    conv.handshake()
    poll_exchange(conv)
    conv.close()
    its = items(write(conv, "tcp.pcap"))
    tcp = of_type(its, "tcp")
    assert [t["flags"] for t in tcp[:3]] == ["SYN", "SYN,ACK", "ACK"], tcp[:3]
    assert [(t["seq"], t["ack"]) for t in tcp[:3]] == [(0, 0), (0, 1), (1, 1)], tcp[:3]
    assert tcp[1]["ack_rtt_ms"] == 1.0, tcp[1]   # SYN/ACK acknowledges the SYN 1 ms later
    data = [t for t in tcp if t["len"] > 0]
    assert data[0]["dir"] == "c2s" and data[0]["seq"] == 1 and data[0]["offset"] == 0, data[0]
    assert data[1]["dir"] == "s2c" and data[1]["seq"] == 1, data[1]
    # The request was acknowledged by the server's next segment: ack_rtt 1 ms.
    acks = [t for t in tcp if t["dir"] == "s2c" and t["ack"] == 1 + data[0]["len"] and "ack_rtt_ms" in t]
    assert acks and abs(acks[0]["ack_rtt_ms"] - 1.0) < 1e-6, acks


def test_a_101_to_a_protocol_not_read_is_not_taken_for_http():
    """A 101 switches the connection at once to what its Upgrade field
    names (RFC 9110 §15.2.2): it is no interim answer, and no HTTP/1.1
    follows it, either way.  To a protocol pushviz does not read, both
    sides are only searched for pushlab events, and the flow's note says
    so.  Before, the 101 was read as an interim answer, and the bytes
    after it as a request and a status line gone wrong: two errors and a
    search that passed everything over."""
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: IRC/6.9\r\n\r\n")
    conv.send("s2c", b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: IRC/6.9\r\n\r\n")
    conv.send("c2s", b"NICK student\r\nJOIN #lab\r\n")
    conv.send("s2c", b":lab 001 student :welcome\r\n" + json.dumps(
        {"seq": 1, "ts": 1700000000000, "kind": "tick", "text": "in another protocol"},
        separators=(",", ":")).encode() + b"\n")  # (an event's form: DESIGN.md, "Event")
    conv.close()
    its = items(write(conv, "upgrade-other.pcap"))
    [res] = of_type(its, "http_response")
    assert res["status"] == 101 and res["exchange"] == 1 and "technique" in res, res
    assert not of_type(its, "error") and not of_type(its, "http_request")[1:], its
    assert [e["seq"] for e in of_type(its, "event")] == [1], its
    [flow] = of_type(its, "flow")
    assert "101" in flow["note"] and "does not read" in flow["note"], flow


def with_datagrams(conv, name):
    """conv's packets, and among them UDP datagrams that pushviz passes
    over: three of a QUIC connection (port 443, either way), one DNS query,
    and one IPv4 packet of another protocol (ICMP)."""
    udp = lambda sport, dport, data: struct.pack(">HHHH", sport, dport, 8 + len(data), 0) + data  # noqa: E731
    others = [g.ipv4("10.0.0.1", "10.0.0.9", udp(51000, 443, b"\xc3" + bytes(40)), proto=17),
              g.ipv4("10.0.0.9", "10.0.0.1", udp(443, 51000, b"\xc3" + bytes(30)), proto=17),
              g.ipv4("10.0.0.1", "10.0.0.9", udp(51000, 443, b"\x43" + bytes(20)), proto=17),
              g.ipv4("10.0.0.1", "10.0.0.53", udp(53000, 53, bytes(30)), proto=17),
              g.ipv4("10.0.0.1", "10.0.0.9", b"\x08\x00\x00\x00" + bytes(4), proto=1)]
    pc = g.Pcap()
    for n, (ts, pkt) in enumerate(conv.packets):
        pc.add_ip(TS + ts, pkt)
        if n < len(others):
            pc.add_ip(TS + ts + 0.0001, others[n])
    pc.write(path(name))
    return path(name)


def test_frames_that_are_not_tcp_are_counted_and_quic_is_named():
    """pushviz reads TCP.  An application reached over HTTP/3 pushes in
    QUIC, on UDP (port 443): before, its datagrams were passed over in
    silence, so its connections were simply missing.  --stats now ends
    with how many frames were not TCP, the UDP ones, and those on port
    443, as tshark counts them."""
    conv = g.Conversation()
    conv.handshake()
    poll_exchange(conv)
    conv.close()
    p = with_datagrams(conv, "not-tcp.pcap")
    rc, out, err = run(["-r", p, "--stats"])
    assert rc == 0, err
    frames = len(tshark(p, ["frame.number"]))
    udp = len(tshark(p, ["frame.number"], display="udp"))
    quic = len(tshark(p, ["frame.number"], display="udp.port == 443"))
    other = len(tshark(p, ["frame.number"], display="not tcp"))
    assert (frames, other, udp, quic) == (len(conv.packets) + 5, 5, 4, 3)
    assert out.rstrip().endswith(
        "not TCP, passed over: %d of %d frames (UDP %d, of which %d to or from port 443: QUIC, the encrypted "
        "transport of HTTP/3, which pushviz does not read)" % (other, frames, udp, quic)), out
    assert [r[0] for r in stats_tables(out)[0].values()] == ["1"], out  # the tables are as before: one flow
    # Without such frames nothing more is said.
    rc, out, _ = run(["-r", write(conv, "tcp-only.pcap"), "--stats"])
    assert rc == 0 and "not TCP" not in out, out


def test_a_capture_whose_time_goes_back_says_so_once():
    """Two captures joined end to end (mergecap -a), the second made
    earlier: the first frame of the second is 5 s before the last of the
    first.  Both flows are still read, and one `error` item of flow 0 says
    where time went back and by how much; a later step back is not said
    again, nor a step back under a millisecond (a capture on several
    interfaces at once stamps frames that much out of order)."""
    first, second = g.Conversation(), g.Conversation(client=("10.0.0.3", 40001))
    for conv in (first, second):
        conv.handshake()
        poll_exchange(conv)
        conv.close()
    pc = g.Pcap()
    last = max(ts for ts, _ in first.packets)
    for ts, pkt in first.packets:
        pc.add_ip(TS + ts, pkt)
    for n, (ts, pkt) in enumerate(second.packets):  # the second starts 5 s before the first ended
        pc.add_ip(TS + last - 5 + ts - (2 if n == 4 else 0), pkt)  # and goes back 2 s more once
    pc.add_ip(TS + last - 5 + second.packets[-1][0] - 0.0005, second.packets[-1][1])  # 0.5 ms back
    pc.write(path("joined.pcap"))
    its = items(path("joined.pcap"))
    back = [i for i in of_type(its, "error") if "goes back" in i["what"]]
    assert len(back) == 1, back
    assert back[0]["flow"] == 0 and back[0]["frame"] == len(first.packets) + 1, back
    went = float(back[0]["what"].split("goes back ")[1].split(" s")[0])
    assert abs(went - (5 - second.packets[0][0])) < 1e-5, back
    assert len(of_type(its, "flow")) == 2 and len(of_type(its, "event")) == 4, of_type(its, "flow")
    in_order = g.Pcap()
    for ts, pkt in first.packets:
        in_order.add_ip(TS + ts, pkt)
    in_order.add_ip(TS + last - 0.0009, first.packets[-1][1])  # under the millisecond: not said
    in_order.write(path("in-order.pcap"))
    assert not of_type(items(path("in-order.pcap")), "error")


def test_every_tcp_flag_combination_is_named():
    """All 256 values of the flags byte, each the one segment of a
    connection of its own: "flags" names every bit set, in the bits'
    order, comma-separated ("" for none; all eight make the longest text,
    31 bytes).  test_oracle holds the same file against tshark."""
    names = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"]
    pc = g.Pcap(g.LINKTYPE_EN10MB)
    for flags in range(256):
        conv = g.Conversation(client=("10.0.0.1", 20000 + flags), t=1.0 + flags * 0.001)
        ts, pkt = conv.segment("c2s", flags)
        pc.add_ip(TS + ts, pkt)
    pc.write(path("flags.pcap"))
    tcp = of_type(items(path("flags.pcap")), "tcp")
    assert len(tcp) == 256, len(tcp)
    for flags, t in enumerate(tcp):
        want = ",".join(n for bit, n in enumerate(names) if flags & 1 << bit)
        assert t["flags"] == want, (flags, t)
    assert len(tcp[255]["flags"]) == 31, tcp[255]


def test_out_of_order_segments():
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /poll HTTP/1.1\r\nHost: x\r\n\r\n")
    body = g.event(7, TS * 1000).encode()
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body)
    whole = head + body
    n = len(conv.packets)
    conv.segment("s2c", g.PSH | g.ACK, whole[:40])
    conv.segment("s2c", g.PSH | g.ACK, whole[40:])  # the event is split between the two
    conv.segment("c2s", g.ACK)
    # The two cross on the way: the second is captured first.  Each keeps
    # its place in time (captured later, the first one is the late one;
    # a capture whose clock went back would make it a retransmission).
    (t1, first), (t2, second) = conv.packets[n:n + 2]
    conv.packets[n:n + 2] = [(t1, second), (t2, first)]
    p = write(conv, "ooo.pcap")
    its = items(p)
    s2c = [t for t in of_type(its, "tcp", dir="s2c") if t["len"] > 0]
    assert s2c[0].get("analysis") == "previous_segment_not_captured", s2c
    assert s2c[1].get("analysis") == "out_of_order", s2c
    from vizlib import compare_tcp_analysis  # without tshark: a skip, which CI counts as a failure
    compare_tcp_analysis(p, its)
    assert [e["seq"] for e in of_type(its, "event")] == [7]
    assert len(of_type(its, "http_response")) == 1
    assert not of_type(its, "error"), of_type(its, "error")


def test_retransmission_and_overlap():
    """A segment sent again, and one that starts among bytes already seen
    and goes on past them (an overlap): Wireshark calls both
    retransmissions (tcp.analysis.retransmission; it has no name for an
    overlap), and times the ACK that ends where the overlap does from it.
    Reassembly takes the overlap's new bytes: the request is whole."""
    conv = g.Conversation()
    conv.handshake()
    req = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
    base = conv.seq["c2s"]
    conv.segment("c2s", g.PSH | g.ACK, req[:10])
    conv.segment("c2s", g.PSH | g.ACK, req[:10], seq=base)            # retransmission
    conv.segment("c2s", g.PSH | g.ACK, req[5:], seq=base + 5)         # overlap: 5 old, rest new
    conv.seq["c2s"] = base + len(req)
    conv.segment("s2c", g.ACK)
    p = write(conv, "retrans.pcap")
    its = items(p)
    data = [t for t in of_type(its, "tcp", dir="c2s") if t["len"] > 0]
    assert [t.get("analysis") for t in data] == [None, "retransmission", "retransmission"], data
    assert "ack_rtt_ms" in of_type(its, "tcp")[-1], its
    reqs = of_type(its, "http_request")
    assert len(reqs) == 1 and reqs[0]["target"] == "/a", reqs
    from vizlib import compare_tcp_analysis
    # The overlap did not start where the bytes in order ended, so by
    # Wireshark's rule its ACK acknowledges bytes "not captured".
    assert compare_tcp_analysis(p, its) == {"retransmission": [5, 6], "ack_lost_segment": [7]}


def test_retransmissions_whose_first_copy_was_not_captured():
    """A capture behind a lossy link (pushlab-wan --loss) misses the first
    copy of some segments.  A resent segment is still a retransmission when
    an empty segment had already shown a higher sequence number, when two
    duplicate ACKs asked for it, or when it is a repeated SYN or FIN; and
    tshark agrees frame for frame."""
    conv = g.Conversation()
    conv.segment("c2s", g.SYN, advance=False)        # 1: lost on the way back...
    conv.segment("c2s", g.SYN, dt=1.0)               # 2: ...so sent again
    conv.segment("s2c", g.SYN | g.ACK)
    conv.segment("c2s", g.ACK)
    conv.send("c2s", b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
    missing = {len(conv.packets)}
    conv.segment("s2c", g.PSH | g.ACK, head)         # never captured
    conv.segment("s2c", g.ACK, dt=0.01)               # empty, shows the higher seq
    conv.segment("s2c", g.PSH | g.ACK, head, seq=conv.seq["s2c"] - len(head), dt=0.2)  # RTO resend
    conv.segment("c2s", g.ACK)
    base = conv.seq["s2c"]
    missing.add(len(conv.packets))
    conv.segment("s2c", g.PSH | g.ACK, b"01234")     # never captured
    conv.segment("s2c", g.PSH | g.ACK, b"56789")     # ahead of a hole
    conv.segment("c2s", g.ACK, dt=0.0005)             # duplicate ACKs asking for base
    conv.segment("c2s", g.ACK, dt=0.0005)
    conv.segment("c2s", g.ACK, dt=0.0005)
    conv.segment("s2c", g.PSH | g.ACK, b"01234", seq=base, dt=0.0005)  # fast retransmission
    conv.segment("c2s", g.ACK)
    conv.segment("c2s", g.FIN | g.ACK)
    conv.segment("c2s", g.FIN | g.ACK, seq=conv.seq["c2s"] - 1, dt=0.2)  # FIN resent
    conv.segment("s2c", g.FIN | g.ACK)
    conv.segment("c2s", g.ACK)
    order = [i for i in range(len(conv.packets)) if i not in missing]
    p = write(conv, "lost_first_copy.pcap", order=order)
    its = items(p)
    marked = sorted(t["frame"] for t in of_type(its, "tcp") if t.get("analysis") == "retransmission")
    frames = {t["frame"]: t for t in of_type(its, "tcp")}
    assert [frames[f]["flags"] for f in marked] == ["SYN", "PSH,ACK", "PSH,ACK", "FIN,ACK"], marked
    assert [frames[f]["dir"] for f in marked] == ["c2s", "s2c", "s2c", "c2s"], marked
    from vizlib import tshark, tshark_available
    if tshark_available():
        rows = tshark(p, ["frame.number"], display="tcp.analysis.retransmission or "
                      "tcp.analysis.fast_retransmission or tcp.analysis.spurious_retransmission")
        assert sorted(int(r[0]) for r in rows) == marked, (rows, marked)


def test_only_the_segment_past_the_highest_seq_is_flagged_as_after_a_loss():
    """tcp.analysis.lost_segment ("previous segment not captured") marks the
    segment that leaps past the highest sequence number seen, not each one
    reassembly holds behind the hole: the one after it continues from it,
    and one landing inside the hole is late (out of order).  tshark agrees
    frame for frame."""
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
    base = conv.seq["s2c"]
    pieces = [b"HTTP/1.1 200 OK\r\n", b"Content-Length: 10\r\n", b"\r\n", b"01234", b"56789"]
    lost = set()
    for i, piece in enumerate(pieces):
        if i < 2:
            lost.add(len(conv.packets))
        conv.segment("s2c", g.PSH | g.ACK, piece, dt=0.0002)
    second = base + len(pieces[0])
    conv.segment("s2c", g.PSH | g.ACK, pieces[1], seq=second, dt=0.0002)  # inside the hole
    conv.segment("s2c", g.PSH | g.ACK, pieces[0], seq=base, dt=0.0002)    # fills it
    conv.segment("c2s", g.ACK)
    conv.close()
    order = [i for i in range(len(conv.packets)) if i not in lost]
    p = write(conv, "past_a_hole.pcap", order=order)
    its = items(p)
    names = {"previous_segment_not_captured": "tcp.analysis.lost_segment",
             "out_of_order": "tcp.analysis.out_of_order", "retransmission": "tcp.analysis.retransmission"}
    mine = sorted((t["frame"], names[t["analysis"]]) for t in of_type(its, "tcp") if "analysis" in t)
    assert [n for _, n in mine] == ["tcp.analysis.lost_segment", "tcp.analysis.out_of_order",
                                    "tcp.analysis.out_of_order"], mine
    assert len(of_type(its, "http_response")) == 1 and not of_type(its, "error"), its
    from vizlib import tshark  # without tshark: a skip, which CI counts as a failure
    theirs = sorted((int(r[0]), n) for n in names.values() for r in tshark(p, ["frame.number"], display=n))
    assert theirs == mine, (theirs, mine)


def test_gap_is_reported_and_http_resynchronises():
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /one HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.send("s2c", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
    lost_at = len(conv.packets)
    conv.segment("s2c", g.PSH | g.ACK, b"5\r\nworld\r\n0\r\n\r\n")   # never captured
    conv.send("c2s", b"GET /two HTTP/1.1\r\nHost: x\r\n\r\n")        # its ACK covers the loss
    conv.send("s2c", b"HTTP/1.1 204 No Content\r\n\r\n")
    order = [i for i in range(len(conv.packets)) if i != lost_at]
    its = items(write(conv, "gap.pcap", order=order))
    errors = of_type(its, "error", dir="s2c")
    assert errors and "not captured" in errors[0]["what"], errors
    assert errors[0]["offset"] > 0
    statuses = [r["status"] for r in of_type(its, "http_response")]
    assert statuses == [200, 204], statuses  # found again after the gap
    assert [r["target"] for r in of_type(its, "http_request")] == ["/one", "/two"]


def test_sse_retry_and_heartbeat_blocks():
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n")
    conv.send("s2c", b"retry: 3000\n\n")
    conv.send("s2c", b": ping\n\n")
    conv.send("s2c", b"id: 1\nretry: 500\ndata: " + g.event(1, TS * 1000).encode() + b"\n\n")
    conv.send("s2c", b"id: 2\ndata: two\n\n")
    conv.close()
    its = items(write(conv, "sse-comments.pcap"))
    comments = of_type(its, "sse_comment")
    assert [(c["bytes"], c["text"], c["retry"]) for c in comments] == [(13, "", 3000), (8, "ping", None)], comments
    assert [(e["id"], e["retry"]) for e in of_type(its, "sse_event")] == [("1", 500), ("2", None)]
    assert comments[1]["offset"] == comments[0]["offset"] + 13
    rc, out, _ = run(["-r", path("sse-comments.pcap"), "--stats"])
    row = stats_tables(out)[1]["sse"]  # messages and bytes each way, then heartbeat bytes
    assert row[:5] == ["2", str(len(g.event(1, TS * 1000)) + 3), "0", "0", "21"], out


def test_last_chunk_shows_its_trailers_as_tshark_does():
    # Fields a server sends after the data (RFC 9112 §7.1.2) come with the
    # last chunk: its item waits for the whole trailer section, here cut
    # over three segments, and shows tshark's trailer-part; an empty
    # section (the usual end) shows none.  It showed none before.
    conv = g.chunked_answer(b"/feed", b"application/x-ndjson")
    conv.send("s2c", b'7\r\n{"a":1}\r\n0\r\nServer-Tim')
    conv.send("s2c", b"ing: total;dur=12\r\nX-Sum:  7 \r\n")
    conv.send("s2c", b"\r\n")
    conv.send("c2s", b"GET /feed HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.send("s2c", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    conv.close()
    pcap = write(conv, "trailers.pcap")
    its = items(pcap)
    last = [c for c in of_type(its, "chunk") if c["size"] == 0]
    assert [c.get("trailers") for c in last] == [[["Server-Timing", "total;dur=12"], ["X-Sum", "7"]], None], last
    assert not of_type(its, "error"), its
    assert [r["exchange"] for r in of_type(its, "http_response")] == [1, 2]  # the next answer still read
    theirs = [row[0] for row in tshark(pcap, ["http.chunked_trailer_part"], display="http.chunk_size == 0")]
    mine = ["".join("%s: %s\\r\\n" % (n, v) for n, v in c.get("trailers") or []) for c in last]
    assert [t.replace("X-Sum:  7 ", "X-Sum: 7") for t in theirs] == mine, (theirs, mine)
    rc, out, _ = run(["-r", pcap, "--dump"])
    assert rc == 0 and [re.sub(r" @\d+$", "", l.split("size=0 ")[1]) for l in out.splitlines()
                        if "size=0" in l] == ["text= trailers=2", "text="], out  # the summary counts them


def test_trailers_cut_by_the_close_show_what_came():
    # The server closes inside the trailer section: the last chunk shows the
    # lines that came whole (tshark's trailer-part shows them too), and an
    # error says the body never ended.  Nothing was shown for it before.
    conv = g.chunked_answer(b"/feed", b"application/x-ndjson")
    conv.send("s2c", b"3\r\nabc\r\n0\r\nX-Sum: 7\r\nX-Ha")
    conv.close()
    pcap = write(conv, "trailers-cut.pcap")
    its = items(pcap)
    last = [c for c in of_type(its, "chunk") if c["size"] == 0]
    assert [c.get("trailers") for c in last] == [[["X-Sum", "7"]]], last
    assert [e["what"] for e in of_type(its, "error")] == ["connection closed inside the trailer section"], its
    theirs = [row[0] for row in tshark(pcap, ["http.chunked_trailer_part"], display="http.chunk_size == 0")]
    assert [t.split("\\r\\n")[0] for t in theirs] == ["X-Sum: 7"], theirs


def test_chunked_event_stream_counts_each_event_once():
    # An event stream in chunks, an event split over two of them: each chunk
    # says its data is read as SSE, and --stats counts the events, not the
    # chunks that carry them as well (it counted both: four messages here).
    conv = g.chunked_answer(b"/events", b"text/event-stream")
    for piece in (b"data: one\n\n", b": ping\n\n", b"data: t", b"wo\n\n"):
        conv.send("s2c", b"%x\r\n%s\r\n" % (len(piece), piece))
    conv.close()
    its = items(write(conv, "sse-chunked.pcap"))
    assert [e["data"] for e in of_type(its, "sse_event")] == ["one", "two"], its
    assert [c.get("content") for c in of_type(its, "chunk")] == ["sse"] * 4, of_type(its, "chunk")
    rc, out, _ = run(["-r", path("sse-chunked.pcap"), "--stats"])
    row = stats_tables(out)[1]["sse"]  # messages and bytes each way, then heartbeat bytes
    assert rc == 0 and row[:5] == ["2", "6", "0", "0", "8"], out


def test_event_cut_over_chunks_counts_its_framing_once():
    # A server that writes "data: ", the event and the blank line apart
    # makes three chunks an event.  Each sse_event's `bytes` are its own
    # (not the chunk size lines inside its span on the wire), so --stats'
    # framing per event is the three chunks' framing plus the SSE field and
    # line ends, each once (it counted the inner size lines twice: 35.0).
    conv = g.chunked_answer(b"/events", b"text/event-stream")
    chunk_framing = 0
    for seq in (1, 2):
        for piece in (b"data: ", g.event(seq, TS * 1000 + seq).encode(), b"\n\n"):
            line = b"%x\r\n" % len(piece)
            conv.send("s2c", line + piece + b"\r\n")
            chunk_framing += len(line) + 2
    conv.close()
    its = items(write(conv, "sse-cut.pcap"))
    events = of_type(its, "sse_event")
    assert [e["bytes"] for e in events] == [len(e["data"]) + 8 for e in events], events
    rc, out, _ = run(["-r", path("sse-cut.pcap"), "--stats"])
    row = stats_tables(out)[0]["sse"]  # flows, requests, events, head B/ev, framing B/ev
    assert rc == 0 and float(row[4]) == (chunk_framing + 2 * 8) / 2, (out, chunk_framing)


def test_full_flow_table_ends_the_quietest_open_flow():
    """262,144 open connections fill the table (VIZ_MAX_FLOWS); flow 1 then
    sends again, and three more connections open: the three that have been
    quiet longest (2, 3, 4) are finished early, as "open", not flow 1."""
    full = 262144
    w = g.FastWriter(path("full-table.pcap"))
    server = bytes([10, 1, 0, 1])

    def client(i):
        return bytes([10, 2, i >> 16 & 255, i >> 8 & 255]), 1024 + (i & 255) * 200 + 7

    for i in range(full):
        addr, port = client(i)
        w.packet(addr, server, port, 80, 1000, 0, g.SYN)
    addr, port = client(0)
    w.packet(addr, server, port, 80, 1001, 0, g.ACK)
    for i in range(full, full + 3):
        addr, port = client(i)
        w.packet(addr, server, port, 80, 1000, 0, g.SYN)
    w.close()
    rc, out, err = run(["-r", path("full-table.pcap"), "--json"], timeout=120)
    assert rc == 0, err
    flows = [i for i in json_lines(out) if i["type"] == "flow"]
    assert len(flows) == full + 3
    assert [(f["flow"], f["end"]) for f in flows[:3]] == [(2, "open"), (3, "open"), (4, "open")], flows[:3]
    assert flows[3]["flow"] == 1 and flows[-1]["flow"] == full + 3


def test_snaplen_cut_packet_is_marked():
    conv = g.Conversation()
    conv.handshake()
    poll_exchange(conv)
    conv.close()
    # Cut the response (packet 5 of the list: SYN, SYN/ACK, ACK, GET, ACK, response).
    its = items(write(conv, "snap.pcap", caplens={5: 14 + 20 + 20 + 30}))
    cut = [t for t in of_type(its, "tcp") if t.get("truncated")]
    assert len(cut) == 1 and cut[0]["len"] > 30, cut
    errors = of_type(its, "error")
    assert any("snaplen" in e["what"] for e in errors), errors
    # Cut inside the TCP header: an error item, no misparse, no crash.
    its = items(write(conv, "snap2.pcap", caplens={5: 14 + 20 + 10}))
    errors = [e for e in of_type(its, "error") if e["flow"] == 0]
    assert errors and "snaplen" in errors[0]["what"] and errors[0]["frame"] == 6, errors


def test_new_syn_on_closed_tuple_is_new_flow():
    conv = g.Conversation()
    conv.handshake()
    poll_exchange(conv)
    conv.close()
    conv.seq = {"c2s": 90000, "s2c": 190000}
    conv.handshake()
    poll_exchange(conv, events=(3,))
    conv.close()
    its = items(write(conv, "reuse.pcap"))
    flows = of_type(its, "flow")
    assert [f["flow"] for f in flows] == [1, 2], flows
    assert [e["flow"] for e in of_type(its, "event")] == [1, 1, 2]
    # The last ACK of the first close was not captured: the SYN still starts flow 2.
    del conv.packets[len(conv.packets) // 2 - 1]
    its = items(write(conv, "reuse2.pcap"))
    assert [f["flow"] for f in of_type(its, "flow")] == [1, 2]
    assert [e["flow"] for e in of_type(its, "event")] == [1, 1, 2]


def test_mid_stream_start():
    conv = g.Conversation(client=("10.0.0.1", 51000), server=("10.0.0.2", 80))
    conv.handshake()
    poll_exchange(conv)
    del conv.packets[:3]  # the handshake was not captured
    its = items(write(conv, "mid.pcap"))
    f = of_type(its, "flow")[0]
    assert f["client"] == "10.0.0.1:51000" and f["handshake_rtt_ms"] is None, f
    first = of_type(its, "tcp")[0]
    assert first["seq"] == 1 and first["offset"] == 0, first
    assert_poll_items(its)


# ---- techniques ----

def test_chunked_stream_and_classification():
    conv = g.chunked_answer(b"/stream", b"application/x-ndjson")
    head_len = conv.seq["s2c"] - 5001
    sizes = []
    for s in (1, 2, 3):
        line = (g.event(s, TS * 1000 + s) + "\n").encode()
        sizes.append(len(line))
        conv.send("s2c", b"%x\r\n" % len(line) + line + b"\r\n")
    conv.send("s2c", b"0\r\n\r\n")
    conv.close()
    its = items(write(conv, "xhr.pcap"))
    chunks = of_type(its, "chunk")
    assert [c["size"] for c in chunks] == sizes + [0], chunks
    assert chunks[0]["offset"] == head_len, (chunks[0], head_len)
    assert [e["seq"] for e in of_type(its, "event")] == [1, 2, 3]
    assert of_type(its, "flow")[0]["technique"] == "xhr"


def test_sse_events():
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
    conv.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nretry: 2000\n\n")
    conv.send("s2c", ("id: 1\nevent: tick\ndata: %s\n\n: heartbeat\n\n" % g.event(1, TS * 1000)).encode())
    conv.send("s2c", b"data: two\ndata: lines\n\n")
    its = items(write(conv, "sse.pcap"))
    evs = of_type(its, "sse_event")
    # A block with no data dispatches nothing (WHATWG); its retry: still counts.
    assert len(evs) == 2, evs
    assert evs[0]["id"] == "1" and evs[0]["event"] == "tick" and evs[0]["retry"] is None, evs
    assert evs[0]["data"] == g.event(1, TS * 1000), evs
    assert evs[1]["data"] == "two\nlines" and evs[1]["event"] == "message", evs
    assert evs[1]["id"] is None, evs  # no id: line in that block
    assert [e["seq"] for e in of_type(its, "event")] == [1]
    assert of_type(its, "flow")[0]["technique"] == "sse"


def test_an_event_the_close_cuts_is_said():
    """WHATWG: an event the end of the stream cuts before its blank line is
    discarded, never dispatched.  pushviz shows no sse_event for it and
    says how many bytes of it the close left unfinished; when only the
    capture ends there, the stream may go on, and nothing is said."""
    def stream(close):
        conv = g.Conversation()
        conv.handshake()
        conv.send("c2s", b"GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
        conv.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n")
        conv.send("s2c", b"id: 1\ndata: one\n\nid: 2\ndata: tw")  # event 2 at stream byte 69, 14 bytes
        if close:
            conv.close()
        return items(write(conv, "sse-cut-%s.pcap" % close))
    its = stream(True)
    assert [e["id"] for e in of_type(its, "sse_event")] == ["1"], its
    assert [(e["what"], e["offset"]) for e in of_type(its, "error")] == \
        [("14 bytes of an event cut short by the close", 69)]
    its = stream(False)
    assert [e["id"] for e in of_type(its, "sse_event")] == ["1"] and not of_type(its, "error"), its


def test_line_separators_and_c1_controls_stay_inside_their_line():
    """A message's text may hold U+2028, U+2029 and the C1 controls
    (U+0085 is NEL, U+009B a terminal's CSI).  pushviz writes them as
    \\uXXXX, so a reader that ends lines there too (Python's
    str.splitlines, JavaScript before ES2019) still gets one item a line,
    and a terminal shows text, not commands; the decoded text is exact,
    and a character beside them (U+00A0, U+2027) is copied as it is."""
    text = "a\u2028b\u2029c\u0085d\u009be\u0080\u009ff\u00a0g\u2027h"
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
    conv.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n")
    conv.send("s2c", ("data: %s\n\n" % text).encode())
    rc, out, err = run(["-r", write(conv, "separators.pcap"), "--json"])
    assert rc == 0, err
    for raw in ("\u2028", "\u2029", "\u0085", "\u009b", "\u0080", "\u009f"):
        assert raw not in out, "%r written as it is" % raw
    for escaped in ("\\u2028", "\\u2029", "\\u0085", "\\u009b"):
        assert escaped in out, escaped
    assert "\u00a0" in out and "\u2027" in out
    its = [json.loads(line) for line in out.splitlines()]  # every line splitter agrees
    assert its == json_lines(out)
    assert [e["data"] for e in of_type(its, "sse_event")] == [text]


def ws_frame(opcode, payload, mask=None, fin=True):
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", b0, (0x80 if mask else 0) | n)
    else:
        head = struct.pack("!BBH", b0, (0x80 if mask else 0) | 126, n)
    if mask:
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
        head += mask
    return head + payload


def test_shown_text_is_cut_between_characters():
    # Items show the first 256 bytes of a long text.  A cut through a
    # character left half of it, which a JSON reader turns into U+FFFD:
    # text the peer never sent.  The cut is made before that character.
    # Where a text ends is not a cut: a broken last character is shown as
    # it was, as JSON shows bytes that are not UTF-8 (U+FFFD).
    conv = g.Conversation()
    conv.handshake()
    conv.ws_upgrade()
    long_text = ("a" * 255 + "\u6f22" + "b" * 42).encode()
    conv.send("s2c", ws_frame(1, long_text))
    conv.send("s2c", ws_frame(1, b"short \xe6\xbc"))  # ends inside a character: not valid UTF-8
    conv.close()
    its = items(write(conv, "ws-cut.pcap"))
    frames = of_type(its, "ws_frame", dir="s2c")
    assert frames[0]["payload"] == "a" * 255, frames[0]["payload"][-5:]
    assert frames[1]["payload"].startswith("short \ufffd"), frames[1]["payload"]


def test_websocket_frames():
    conv = g.Conversation()
    conv.handshake()
    conv.ws_upgrade()
    ev = g.event(5, TS * 1000).encode()
    conv.send("s2c", ws_frame(1, ev[:20], fin=False) + ws_frame(0, ev[20:]))
    conv.send("c2s", ws_frame(1, b"hi there", mask=b"\x01\x02\x03\x04"))
    conv.send("s2c", ws_frame(9, b"p"))
    conv.send("c2s", ws_frame(10, b"p", mask=b"\xaa\xbb\xcc\xdd"))
    conv.send("c2s", ws_frame(2, bytes(range(200)), mask=b"\0\0\0\1"))
    conv.send("c2s", ws_frame(8, b"\x03\xe8bye", mask=b"\x10\x20\x30\x40"))
    conv.send("s2c", ws_frame(8, b"\x03\xe8"))
    conv.close()
    its = items(write(conv, "ws.pcap"))
    frames = of_type(its, "ws_frame")
    got = [(f["dir"], f["fin"], f["opcode"], f["masked"], f["mask_key"], f["len"]) for f in frames]
    assert got == [("s2c", False, 1, False, None, 20), ("s2c", True, 0, False, None, len(ev) - 20),
                   ("c2s", True, 1, True, "01020304", 8), ("s2c", True, 9, False, None, 1),
                   ("c2s", True, 10, True, "aabbccdd", 1), ("c2s", True, 2, True, "00000001", 200),
                   ("c2s", True, 8, True, "10203040", 5), ("s2c", True, 8, False, None, 2)], got
    assert frames[2]["payload"] == "hi there"
    assert frames[5]["payload"] == bytes(range(200)).hex()
    assert frames[6]["close_code"] == 1000 and frames[7]["close_code"] == 1000
    assert frames[4]["pong_ms"] == 2.0, frames[4]   # ping, its ACK, then the pong: 2 ms
    assert [e["seq"] for e in of_type(its, "event")] == [5]  # found across two fragments
    assert of_type(its, "flow")[0]["technique"] == "ws"
    assert not of_type(its, "error"), of_type(its, "error")


def test_flash_policy_and_messages():
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"<policy-file-request/>\0")
    conv.send("s2c", b'<?xml version="1.0"?><cross-domain-policy><allow-access-from domain="*" '
                     b'to-ports="8005"/></cross-domain-policy>\0')
    conv.close()
    conv2 = g.Conversation(client=("10.0.0.1", 40001), isn_client=7000, t=2.0)
    conv2.handshake()
    conv2.send("s2c", (g.event(1, TS * 1000) + "\0" + g.event(2, TS * 1000)).encode() + b"\0")
    conv2.send("c2s", b"hello\0")
    conv2.send("c2s", b"a\x01\xff\xc3\xa9\"\\\0")  # control, invalid and valid UTF-8, quote, backslash
    conv.packets += conv2.packets
    its = items(write(conv, "flash.pcap"))
    fl = of_type(its, "flash")
    assert [f["kind"] for f in fl] == ["policy_request", "policy"] + ["message"] * 4, fl
    assert fl[4]["text"] == "hello" and fl[4]["dir"] == "c2s"
    assert fl[5]["text"] == "a\x01\ufffd\u00e9\"\\", fl[5]
    assert [e["seq"] for e in of_type(its, "event")] == [1, 2]
    assert [f["technique"] for f in of_type(its, "flow")] == ["flash", "flash"]


def test_multipart_parts():
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"GET /multipart HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=pushlab\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
    for s in (1, 2):
        body = g.event(s, TS * 1000).encode()
        part = b"--pushlab\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body + b"\r\n"
        conv.send("s2c", b"%x\r\n" % len(part) + part + b"\r\n")
    its = items(write(conv, "multipart.pcap"))
    parts = of_type(its, "part")
    assert [p["boundary"] for p in parts] == ["pushlab", "pushlab"], parts
    assert parts[0]["size"] == len(g.event(1, TS * 1000)), parts
    assert ["Content-Type", "application/json"] in parts[0]["headers"]
    assert [e["seq"] for e in of_type(its, "event")] == [1, 2]
    assert of_type(its, "flow")[0]["technique"] == "multipart"


def test_a_multipart_stream_that_closes_shows_its_last_part():
    """Many servers end a multipart/x-mixed-replace stream by closing it,
    without the close delimiter, and a browser shows the last part then.
    Before, that part (no Content-Length, so it ends only at a delimiter)
    was never shown.  A part the close cuts inside its headers is said;
    when only the capture ends, the stream may go on, and nothing is."""
    def stream(tail, close=True):
        conv = g.Conversation()
        conv.handshake()
        conv.send("c2s", b"GET /multipart HTTP/1.1\r\nHost: x\r\n\r\n")
        conv.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=b\r\n\r\n")
        conv.send("s2c", b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i for i in range(3)) + tail)
        if close:
            conv.close()
        its = items(write(conv, "multipart-close.pcap"))
        return ([(p["text"], p["offset"]) for p in of_type(its, "part")],
                [(e["what"], e["offset"]) for e in of_type(its, "error")])
    shown = [("part 0", 72), ("part 1", 111), ("part 2", 152)]
    assert stream(b"") == (shown, [])
    assert stream(b"--b\r\nContent-Ty") == (shown, [("17 bytes of a multipart part cut short by the close", 193)])
    assert stream(b"", close=False) == (shown[:2], [])


def test_folded_part_header_is_read_unfolded():
    # Part headers have mail syntax (RFC 2046 §5.1), where a line that starts
    # with white space continues the one before: one header, unfolded.  The
    # part was refused before (an error, and no part item).
    conv = g.chunked_answer(b"/multipart", b"multipart/x-mixed-replace; boundary=pushlab")
    part = b"--pushlab\r\nContent-Type: text/plain;\r\n\tcharset=utf-8\r\n\r\nhello\r\n"
    conv.send("s2c", b"%x\r\n" % len(part) + part + b"\r\n")
    conv.send("s2c", b"b\r\n--pushlab--\r\n0\r\n\r\n")
    its = items(write(conv, "multipart-fold.pcap"))
    parts = of_type(its, "part")
    assert [p["headers"] for p in parts] == [[["Content-Type", "text/plain; charset=utf-8"]]], its
    assert [p["text"] for p in parts] == ["hello"] and not of_type(its, "error"), its


def test_head_204_304_and_keep_alive():
    conv = g.Conversation()
    conv.handshake()
    conv.send("c2s", b"HEAD /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"GET /c HTTP/1.1\r\nHost: x\r\n\r\nGET /d HTTP/1.1\r\nHost: x\r\n\r\n")
    conv.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n"      # HEAD: no body
                     b"HTTP/1.1 204 No Content\r\n\r\n"
                     b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"
                     b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]")
    its = items(write(conv, "keepalive.pcap"))
    assert [r["method"] for r in of_type(its, "http_request")] == ["HEAD", "GET", "GET", "GET"]
    assert [r["status"] for r in of_type(its, "http_response")] == [200, 204, 304, 100, 200]
    assert not of_type(its, "error"), of_type(its, "error")


def test_request_a_server_refuses_is_still_read():
    """An HTTP/1.1 request without Host, or with two, is well formed but a
    server must answer it 400 (RFC 9112 §3.2): it is shown, paired with
    that 400, with an error saying why, and the requests after it too."""
    conv = g.Conversation()
    conv.handshake()
    for head, answer in [(b"GET /a HTTP/1.1\r\n\r\n", b"400 Bad Request"),
                         (b"GET /b HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", b"400 Bad Request"),
                         (b"GET /c HTTP/1.1\r\nHost: x\r\n\r\n", b"200 OK")]:
        conv.send("c2s", head)
        conv.send("s2c", b"HTTP/1.1 " + answer + b"\r\nContent-Length: 0\r\n\r\n")
    conv.close()
    its = items(write(conv, "refused.pcap"))
    req = of_type(its, "http_request")
    assert [(r["target"], r["exchange"]) for r in req] == [("/a", 1), ("/b", 2), ("/c", 3)], req
    res = of_type(its, "http_response")
    assert [(r["status"], r["exchange"]) for r in res] == [(400, 1), (400, 2), (200, 3)], res
    errs = of_type(its, "error")
    assert [(e["dir"], e["offset"]) for e in errs] == [("c2s", 0), ("c2s", req[1]["offset"])], errs
    assert "without a Host" in errs[0]["what"] and "more than one Host" in errs[1]["what"], errs
    assert of_type(its, "flow")[0]["technique"] == "http"


def test_response_length_repeating_one_value_is_that_value():
    """A response with Content-Length twice, or as the list "5, 5", of one
    value is read with that value, as a client reads it (RFC 9112 §6.3
    item 5) and tshark does: the answers after it on the connection are
    found where they are.  Two different values are still an error."""
    for name, fields in (("lines", b"Content-Length: 5\r\nContent-Length: 5\r\n"),
                         ("list", b"Content-Length: 5, 5\r\n"),
                         ("differ", b"Content-Length: 5\r\nContent-Length: 6\r\n")):
        conv = g.Conversation()
        conv.handshake()
        conv.send("c2s", b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        conv.send("s2c", b"HTTP/1.1 200 OK\r\n" + fields + b"\r\nabcde")
        for target in (b"/b", b"/c"):
            conv.send("c2s", b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            conv.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        conv.close()
        p = write(conv, "length-%s.pcap" % name)
        its = items(p)
        res = of_type(its, "http_response")
        if name == "differ":
            # Where the body ends is not known: the search for the next
            # status line passes over "abcde" and finds the next answer at
            # the start of its segment (segments begin where the sender's
            # writes did), which meets its own request.
            assert [e["what"] for e in of_type(its, "error")] == \
                ["Content-Lengths that differ", "5 bytes passed over to the next HTTP status line"], its
            assert [r["exchange"] for r in res] == [1, 2, 3], its
            continue
        assert [r["exchange"] for r in res] == [1, 2, 3] and not of_type(its, "error"), its
        assert [b["text"] for b in of_type(its, "body")] == ["abcde", "ok", "ok"], its
        from vizlib import tshark  # without tshark: a skip, which CI counts as a failure
        if name == "lines":
            # (tshark 4.0 takes the list "5, 5" for a bad length and stops
            # there; RFC 9112 §6.3 item 5 names exactly this list as valid)
            rows = tshark(p, ["http.response.code"], display="http.response",
                          decode_as=["tcp.port==8080,http"])  # pcapgen's server port
            assert [r[0] for r in rows] == ["200"] * 3, rows


def test_folded_response_header_is_unfolded():
    """An obs-fold in a response head (a line that starts with white space
    and goes on with the value before it) is read as SP, as a user agent
    must (RFC 9112 §5.2): the response is shown with the value unfolded,
    and so are the answers after it on the connection, whose bodies do not
    end in a newline that a resynchronisation could have stopped at.
    tshark 4.0 does not unfold (it ends that head at the fold and takes
    the rest for body) but still counts every response."""
    conv = g.Conversation()
    conv.handshake()
    heads = [b"HTTP/1.1 200 OK\r\nContent-Type: text/plain;\r\n charset=utf-8\r\n"
             b"X-Folded: first part  \r\n\tsecond part\r\n   \r\nContent-Length: 5\r\n\r\n",
             b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
             b"HTTP/1.1 404 Not Found\r\nX-Folded:\r\n late\r\nContent-Length: 5\r\n\r\n",
             b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"]
    for n, head in enumerate(heads, 1):
        conv.send("c2s", b"GET /%d HTTP/1.1\r\nHost: x\r\n\r\n" % n)
        conv.send("s2c", head + b"body%d" % n)
    conv.close()
    p = write(conv, "folded.pcap")
    its = items(p)
    assert not of_type(its, "error"), of_type(its, "error")
    res = of_type(its, "http_response")
    assert [(r["status"], r["exchange"]) for r in res] == [(200, 1), (200, 2), (404, 3), (200, 4)], res
    assert res[0]["headers"] == [["Content-Type", "text/plain; charset=utf-8"],
                                 ["X-Folded", "first part second part"],
                                 ["Content-Length", "5"]], res[0]
    assert ["X-Folded", "late"] in res[2]["headers"], res[2]
    assert [b["text"] for b in of_type(its, "body")] == ["body1", "body2", "body3", "body4"], its
    from vizlib import tshark  # without tshark: a skip, which CI counts as a failure
    rows = tshark(p, ["http.response.code"], display="http.response",
                  decode_as=["tcp.port==8080,http"])  # pcapgen's server port
    assert [r[0] for r in rows] == [str(r["status"]) for r in res], rows


def test_answers_without_a_body_are_no_polls():
    """A HEAD's answer, a 204 and a 304 have no body (RFC 9112 §6.3), so no
    news: asked again at once, after an interval or held, they are http,
    and they are no answer a poller re-asks after."""
    conv = g.Conversation()
    conv.handshake()
    def exchange(req, res, hold=0.001):
        conv.segment("c2s", g.PSH | g.ACK, req, dt=0.001)
        conv.segment("s2c", g.PSH | g.ACK, res, dt=hold)
    get = b"GET /news HTTP/1.1\r\nHost: x\r\n\r\n"
    exchange(get, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]")
    exchange(b"HEAD /news HTTP/1.1\r\nHost: x\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
    exchange(get, b"HTTP/1.1 304 Not Modified\r\nETag: \"1\"\r\n\r\n")
    exchange(get, b"HTTP/1.1 204 No Content\r\n\r\n", hold=0.9)
    exchange(b"GET /other HTTP/1.1\r\nHost: x\r\n\r\n", b"HTTP/1.1 204 No Content\r\n\r\n")
    exchange(b"GET /other HTTP/1.1\r\nHost: x\r\n\r\n", b"HTTP/1.1 204 No Content\r\n\r\n")
    conv.close()
    its = items(write(conv, "bodiless.pcap"))
    res = of_type(its, "http_response")
    assert [r["status"] for r in res] == [200, 200, 304, 204, 204, 204], res
    assert [r["technique"] for r in res] == ["http"] * 6, [(r["technique"], r["why"]) for r in res]
    assert of_type(its, "flow")[0]["technique"] == "http"


def test_long_poll_told_from_short_poll():
    def capture(name, hold):
        conv = g.Conversation()
        conv.handshake()
        for s in (1, 2, 3):
            conv.segment("c2s", g.PSH | g.ACK, b"GET /poll?since=%d HTTP/1.1\r\nHost: x\r\n\r\n" % s, dt=0.001)
            body = ("[" + g.event(s, TS * 1000) + "]").encode()
            conv.segment("s2c", g.PSH | g.ACK, b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body,
                         dt=hold)
            conv.segment("c2s", g.ACK, dt=0.5 if hold < 0.1 else 0.0001)
        return of_type(items(write(conv, name)), "flow")[0]["technique"]
    assert capture("short.pcap", 0.001) == "poll"
    assert capture("long.pcap", 0.9) == "longpoll"



def test_poller_with_a_connection_per_request():
    """Each GET /poll on its own connection: the first flow's item waits for
    the next request to show repetition, so every flow is named poll; a
    lone GET / is still http, and waits no longer than the hold time."""
    def connection(port, t, target=b"/poll?since=0"):
        conv = g.Conversation(client=("10.0.0.1", port), t=t)
        conv.handshake()
        conv.send("c2s", b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        conv.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]")
        conv.close()
        return conv.packets

    def flows_and_requests(name, conns):
        pc = g.Pcap()
        for ts, pkt in sorted(p for c in conns for p in c):
            pc.add_ip(TS + ts, pkt)
        pc.write(path(name))
        its = items(path(name))
        order = [(i["type"], i["flow"]) for i in its if i["type"] in ("flow", "http_request")]
        return {f["flow"]: f["technique"] for f in of_type(its, "flow")}, order

    techniques, order = flows_and_requests("poller.pcap", [
        connection(41001, 1.0), connection(41002, 2.0), connection(41003, 3.0),
        connection(41004, 5.0, b"/")])
    assert techniques == {1: "poll", 2: "poll", 3: "poll", 4: "http"}, techniques
    # Flow 1's item came out when flow 2's request arrived, not before; the
    # later flows are seen to repeat when they end; the lone GET / waited
    # for the end of the capture.
    assert order == [("http_request", 1), ("http_request", 2), ("flow", 1), ("flow", 2),
                     ("http_request", 3), ("flow", 3), ("http_request", 4), ("flow", 4)], order

    # The next request comes after the hold time: the first item went out as http.
    techniques, order = flows_and_requests("late_poller.pcap", [
        connection(41001, 1.0), connection(41002, 40.0)])
    assert techniques == {1: "http", 2: "poll"}, techniques
    assert order == [("http_request", 1), ("flow", 1), ("http_request", 2), ("flow", 2)], order


def test_a_poller_is_seen_after_thousands_of_other_paths():
    """An application that has asked for 6,000 paths (a REST client's
    /api/item/N) before a poller starts: the table of (server, path)
    pairs that repetition is counted in is bounded (CLASSIFY_SLOTS), so
    the paths asked for longest ago give way, and the poller's new path
    is counted: its connections are polls, not plain http."""
    conv = g.Conversation(client=("10.0.0.2", 42000), t=0.5)
    conv.handshake()
    for n in range(6000):
        conv.segment("c2s", g.PSH | g.ACK, b"GET /api/item/%d HTTP/1.1\r\nHost: x\r\n\r\n" % n, dt=0.00001)
        conv.segment("s2c", g.PSH | g.ACK, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", dt=0.00001)
    conns = [conv.packets]
    for k, port in enumerate((41001, 41002, 41003)):
        poll = g.Conversation(client=("10.0.0.1", port), t=2.0 + k)
        poll.handshake()
        poll.send("c2s", b"GET /poll?since=%d HTTP/1.1\r\nHost: x\r\n\r\n" % k)
        poll.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]")
        poll.close()
        conns.append(poll.packets)
    pc = g.Pcap()
    for ts, pkt in sorted(p for c in conns for p in c):
        pc.add_ip(TS + ts, pkt)
    pc.write(path("many_paths.pcap"))
    its = items(path("many_paths.pcap"))
    assert len(of_type(its, "http_request")) == 6003
    techniques = {f["flow"]: f["technique"] for f in of_type(its, "flow")}
    assert techniques == {1: "http", 2: "poll", 3: "poll", 4: "poll"}, techniques


# ---- hostile input ----

def test_bad_magic_is_a_clear_error():
    with open(path("bad.pcap"), "wb") as f:
        f.write(b"this is not a capture file at all")
    rc, out, err = run(["-r", path("bad.pcap"), "--json"])
    assert rc == 1 and "bad.pcap" in err and out == "", (rc, out, err)


def test_truncated_file_gives_error_item():
    conv = g.Conversation()
    conv.handshake()
    poll_exchange(conv)
    data = g.Pcap()
    for ts, pkt in conv.packets:
        data.add_ip(TS + ts, pkt)
    raw = data.pcap_bytes()
    with open(path("trunc.pcap"), "wb") as f:
        f.write(raw[:-30])  # the last record is cut
    its = items(path("trunc.pcap"), expect_rc=1)
    errors = of_type(its, "error", flow=0)
    assert errors and "truncated" in errors[-1]["what"], errors
    assert len(of_type(its, "http_request")) == 1 and of_type(its, "flow")


def test_garbage_frames_do_not_crash():
    import random
    rnd = random.Random(6)
    pc = g.Pcap(g.LINKTYPE_EN10MB)
    conv = g.Conversation()
    conv.handshake()
    poll_exchange(conv)
    for i, (ts, pkt) in enumerate(conv.packets):
        fr = bytearray(g.frame(g.LINKTYPE_EN10MB, pkt))
        pc.add(TS + ts, bytes(fr))
        for _ in range(3):  # mutated copies: random bytes flipped, random cuts
            bad = bytearray(fr)
            for _ in range(rnd.randint(1, 8)):
                bad[rnd.randrange(len(bad))] = rnd.randrange(256)
            pc.add(TS + ts, bytes(bad[:rnd.randint(0, len(bad))]), wirelen=len(bad))
    # A TCP header whose data offset points past the packet.
    bogus = g.ipv4("10.0.0.9", "10.0.0.2", g.tcp_segment(1, 2, 0, 0, g.ACK)[:12] + b"\xf0" + b"\0" * 7)
    pc.add_ip(TS + 9, bogus)
    pc.add(TS + 10, b"")  # an empty frame
    pc.write(path("garbage.pcap"))
    its = items(path("garbage.pcap"))
    assert any("data offset" in e["what"] for e in of_type(its, "error", flow=0))
    rc, out, err = run(["-r", path("garbage.pcap"), "--dump", "--stats"])
    assert rc == 0 and "technique" in out, err


# ---- command line ----

def test_help_and_bad_options():
    rc, out, _ = run(["--help"])
    assert rc == 0 and "--json" in out and "-r FILE" in out
    rc, _, err = run(["--bogus"])
    assert rc == 2
    rc, _, err = run(["-i", "lo", "-r", "x.pcap", "--json"])
    assert rc == 2 and "exclude" in err
    rc, _, err = run(["-r", path("none.pcap"), "--dump"])
    assert rc == 1 and "none.pcap" in err


def test_dump_and_stats_and_demo_note():
    conv = g.Conversation()
    conv.handshake()
    poll_exchange(conv)
    conv.close()
    p = write(conv, "dump.pcap")
    rc, out, err = run(["-r", p, "--dump", "--demo-note", "a note"])
    assert rc == 0, err
    lines = out.splitlines()
    assert any("http_request" in l and "GET /poll?since=0 HTTP/1.1" in l for l in lines), out
    assert len(lines) == len(items(p))
    rc, out, err = run(["-r", p, "--stats"])
    assert rc == 0 and out.splitlines()[0].split()[0] == "technique", out
    # Two tables (costs; messages and savings), each a header, units and one
    # technique row, with a blank line between them.
    assert len(out.splitlines()) == 7 and out.splitlines()[3] == "", out


def without_rights(pushviz):
    """pushviz -i lo run without capture rights: (exit status, stderr)."""
    drop = []
    if os.geteuid() == 0:
        runner = [c for c in ("/usr/bin/setpriv", "/bin/setpriv") if os.path.exists(c)]
        if not runner:
            raise Skip("root without setpriv: cannot run without capture rights")
        drop = [runner[0], "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                "--bounding-set=-all"]
    p = subprocess.run(drop + [pushviz, "-i", "lo", "--json"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=10)
    err = p.stderr.decode(errors="replace")
    check_sanitizers(err)
    return p.returncode, err


def test_live_capture_without_rights_suggests_a_file():
    rc, err = without_rights(PUSHVIZ)
    assert rc == 1 and "CAP_NET_RAW" in err and "try: pushviz -r " in err and "poll.pcap" in err, (rc, err)
    # The capture it suggests is where it lies beside this pushviz:
    # installed (PREFIX/bin, PREFIX/share/pushlab/captures) or in a checkout
    # (bin/, captures/).  It named captures/ of a checkout everywhere.
    for layout in ("share/pushlab/captures", "captures"):
        root = os.path.join(TMP, "layout-" + layout.replace("/", "-"))
        os.makedirs(os.path.join(root, "bin"), exist_ok=True)
        os.makedirs(os.path.join(root, layout), exist_ok=True)
        shutil.copy(PUSHVIZ, os.path.join(root, "bin", "pushviz"))
        sample = os.path.join(root, layout, "poll.pcap")
        shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "captures", "poll.pcap"),
                    sample)
        for d in (TMP, root):  # the user without rights must reach the copy
            os.chmod(d, 0o755)
        rc, err = without_rights(os.path.join(root, "bin", "pushviz"))
        assert rc == 1 and "try: pushviz -r %s\n" % os.path.realpath(sample) in err, (layout, rc, err)



class LiveViz:
    """pushviz -i lo --json on one port, its items read as they come."""

    def __init__(self, port):
        import queue
        self.lines = queue.Queue()
        self.proc = subprocess.Popen([PUSHVIZ, "-i", "lo", "-f", "tcp port %d" % port, "--json"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))

    def next_item(self, wanted, timeout):
        """The next item for which wanted(item) is true, or None after timeout s."""
        import queue
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                it = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if wanted(it):
                return it
        return None

    def stop(self):
        import signal
        self.proc.send_signal(signal.SIGINT)
        _, err = self.proc.communicate(timeout=20)
        err = err.decode(errors="replace")
        check_sanitizers(err)
        assert self.proc.returncode == 0, err


def test_a_quiet_live_capture_lets_time_pass():
    """Live, what waits for capture time to pass comes out when due, though
    no packet follows: a reset flow's item once its wait (two handshake
    RTTs) is over, and a lone GET's item VIZ_HOLD_FLOW_S (30 s) after its
    end.  Capture time passed only with packets, so on a capture gone
    quiet both waited for the next packet, or the end."""
    if os.geteuid() != 0:
        raise Skip("live capture needs root or CAP_NET_RAW; CI runs as root")
    import socket
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    viz = LiveViz(port)
    open_sockets = [server]
    try:
        def connection(send):
            c = socket.create_connection(("127.0.0.1", port))
            s, _ = server.accept()
            open_sockets.extend([c, s])
            c.sendall(send)
            s.recv(4096)
            return c, s

        def flow_of(c):
            me = "127.0.0.1:%d" % c.getsockname()[1]
            return lambda it: it["type"] == "flow" and it["client"] == me

        # The capture is open once a connection's first segment shows.
        for _ in range(50):
            c, s = connection(b"ready\n")
            if viz.next_item(lambda it: it["type"] == "tcp", 0.2):
                break
        else:
            raise AssertionError("pushviz showed no packet in 10 s")
        c.close()
        s.close()
        # A lone GET, answered, closed by both: its item is held for a repeat.
        lone, lone_server = connection(b"GET /once HTTP/1.1\r\nHost: x\r\n\r\n")
        lone_server.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        lone.recv(4096)
        lone_flow = flow_of(lone)
        lone.close()
        lone_server.close()
        # A connection the client resets (SO_LINGER 0): the server's side
        # may still have bytes in flight, so the flow waits a little.
        reset, reset_server = connection(b"hello\n")
        reset_flow = flow_of(reset)
        reset.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        reset.close()
        reset_at = time.monotonic()
        it = viz.next_item(reset_flow, 5)
        assert it and it["end"] == "rst", "no flow item for the reset connection 5 s after the RST"
        assert time.monotonic() - reset_at < 3, time.monotonic() - reset_at
        it = viz.next_item(lone_flow, 45)
        assert it and it["end"] == "fin" and it["technique"] == "http", it
        assert time.monotonic() - reset_at > 25, "the lone GET's item came before its 30 s"
    finally:
        for sock in open_sockets:
            sock.close()
        viz.stop()


# ---- -Y display filters, --ladder, privileges ----

def reference(name):
    p = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "captures", name)
    if not os.path.exists(p):
        raise Skip("%s is missing (make captures records it)" % p)
    return p


def test_display_filter_selects_the_items_it_says():
    p = reference("demo.pcap")
    every = items(p)
    # host and port are the flow's, known from its flow item (pushviz looks
    # them up only for a filter that names them)
    ends = {f["flow"]: (f["client"], f["server"]) for f in of_type(every, "flow")}
    ws_port = [f["server"] for f in of_type(every, "flow") if f["technique"] == "ws"][0].rsplit(":", 1)[1]
    cases = {
        "method == GET": lambda i: i.get("method") == "GET",
        "port == %s and type == tcp" % ws_port:
            lambda i: i["type"] == "tcp" and any(e.endswith(":" + ws_port) for e in ends.get(i["flow"], ())),
        "host == 127.0.0.1 and type == event": lambda i: i["type"] == "event" and
                                                         ends[i["flow"]][1].startswith("127.0.0.1:"),
        "type == ws_frame and opcode == text": lambda i: i["type"] == "ws_frame" and i["opcode"] == 1,
        "status != 200": lambda i: "status" in i and i["status"] != 200,
        "dir == s2c and (type == sse_event or type == chunk)":
            lambda i: i.get("dir") == "s2c" and i["type"] in ("sse_event", "chunk"),
        "latency_ms > 1": lambda i: i["type"] == "event" and i["latency_ms"] > 1,
        "flow == 3 and type == tcp and bytes > 100": lambda i: i["flow"] == 3 and i["type"] == "tcp" and i["len"] > 100,
        "path ~ ^/poll and method != POST": lambda i: i.get("target", "").split("?")[0].startswith("/poll")
                                                      and i.get("method", "POST") != "POST",
    }
    for expr, want in cases.items():
        got = items(p, ["-Y", expr])
        expected = [i for i in every if i["flow"] == 0 or want(i)]
        assert got == expected, (expr, len(got), len(expected))
        assert expected, "%s selects nothing in demo.pcap: a weak case" % expr
    # the flow's technique reaches every item of the flow, the SYN included (a file's flows are known)
    ws = [f["flow"] for f in of_type(every, "flow") if f["technique"] == "ws"]
    got = items(p, ["-Y", "technique == ws and type == flow"])
    assert [f["flow"] for f in of_type(got, "flow")] == ws, got


def test_display_filter_errors_point_at_the_token():
    p = reference("demo.pcap")
    for expr, token, says in [("methd == GET", "methd", "unknown field 'methd'"),
                              ("status == OK", "OK", "'OK' is not"),
                              ("(dir == c2s", "(", "is not closed"),
                              ("method == GET and", "", "expected a field name, found the end")]:
        rc, out, err = run(["-r", p, "--json", "-Y", expr])
        assert rc == 2 and out == "", (expr, rc, err)
        lines = err.splitlines()
        assert says in lines[0] and lines[1].strip() == expr, (expr, err)
        caret = lines[2].index("^") - lines[1].index(expr[0])
        assert caret == (expr.index(token) if token else len(expr)), (expr, err)


def test_ladder_text_and_svg_files():
    p = reference("ws.pcap")
    out = path("ladder.txt")
    rc, stdout, err = run(["-r", p, "-Y", "technique == ws", "--ladder", out])
    assert rc == 0 and stdout == "" and "wrote a ladder of" in err, err
    with open(out, encoding="utf-8") as f:
        text = f.read().splitlines()
    frames = [i for i in of_type(items(p), "ws_frame")]
    arrows = [l for l in text if re.search(r"\|[<=].*[=>]\|", l) and "ws_frame" not in l]
    assert len([l for l in text if "text fin" in l or "close" in l or "ping" in l or "pong" in l]) >= len(frames), \
        "\n".join(text)
    assert all(len(l) >= 60 for l in arrows), arrows
    svg = out[:-4] + ".svg"
    rc, _, err = run(["-r", p, "-Y", "technique == ws", "--ladder", svg])
    assert rc == 0, err
    with open(svg, encoding="utf-8") as f:
        doc = f.read()
    assert doc.startswith("<?xml") and doc.count('class="arrow"') >= len(frames), doc[:300]
    rc, _, err = run(["-r", p, "--ladder", "/nonexistent/dir/x.svg"])
    assert rc == 1 and "/nonexistent/dir/x.svg" in err, err


def test_ladder_of_several_flows_names_no_one_flow():
    # The lanes of a ladder of several flows were named with the first
    # flow's endpoints, over arrows of flows on other ports and servers.
    # A request's note said "next request N ms later" of the time since the
    # last answer; it says so now.  An SSE comment's row says what it is.
    p = reference("demo.pcap")
    flows = {f["flow"]: f for f in of_type(items(p), "flow")}
    sse = [n for n, f in flows.items() if f["technique"] == "sse"][0]
    poll = [n for n, f in flows.items() if f["technique"] == "poll"][0]
    out = path("ladder-many.txt")
    rc, _, err = run(["-r", p, "-Y", "flow == %d or flow == %d" % (poll, sse), "--ladder", out])
    assert rc == 0, err
    with open(out, encoding="utf-8") as f:
        text = f.read()
    head = text.splitlines()[0].split()
    assert head[:3] == ["time", "clients", "servers"], head
    assert re.search(r"\[%d\] GET /poll.*\|  \d+\.\d{3} ms after the answer" % poll, text), text
    assert re.search(r"\[%d\] sse_comment " % sse, text), text
    rc, _, err = run(["-r", p, "-Y", "flow == %d" % poll, "--ladder", out])
    with open(out, encoding="utf-8") as f:
        head = f.read().splitlines()[0].split()
    assert rc == 0 and head == ["time", flows[poll]["client"], flows[poll]["server"]], head


def test_ladder_file_is_replaced_only_by_a_ladder():
    """--ladder empties its file only when the new ladder is written: an
    input that cannot be read leaves an old file as it was and makes no
    new one, and the capture being read or saved is refused (exit 2), not
    overwritten."""
    p = reference("sse.pcap")
    old = path("kept.svg")
    rc, _, err = run(["-r", p, "--ladder", old])
    assert rc == 0, err
    with open(old, "rb") as f:
        before = f.read()
    rc, _, err = run(["-r", path("no-such.pcap"), "--ladder", old])
    assert rc == 1 and "no-such.pcap" in err, err
    with open(old, "rb") as f:
        assert f.read() == before, "the old ladder was emptied"
    rc, _, err = run(["-r", path("no-such.pcap"), "--ladder", path("new.txt")])
    assert rc == 1 and not os.path.exists(path("new.txt")), err
    copy = path("same.pcap")
    shutil.copyfile(p, copy)
    for args, says in (([copy], "being read"), ([p, "-w", copy], "being saved")):
        rc, out, err = run(["-r"] + args + ["--ladder", copy])
        assert rc == 2 and "is the capture file %s" % says in err, (args, rc, err)
        with open(copy, "rb") as f, open(p, "rb") as g:
            assert f.read() == g.read(), "the capture was overwritten"


def test_capture_filter_libpcap_refuses():
    """-f is compiled by libpcap for the opened capture's link type: one it
    refuses is named with libpcap's reason, exit status 1 (as tcpdump),
    and nothing is shown; a good one keeps only what it matches."""
    p = reference("demo.pcap")
    rc, out, err = run(["-r", p, "-f", "tcp port", "--json"])
    assert rc == 1 and "bad filter 'tcp port'" in err and "syntax error" in err, (rc, err)
    assert out == "", out
    port = next(int(f["server"].rpartition(":")[2]) for f in of_type(items(p), "flow")
                if f["technique"] == "sse")
    rc, out, err = run(["-r", p, "-f", "tcp port %d" % port, "--json"])
    assert rc == 0, err
    assert {f["technique"] for f in of_type(json_lines(out), "flow")} == {"sse"}, out[-500:]


def test_w_on_a_full_disk_is_a_clear_error():
    """-w into a full disk (/dev/full fails every write with ENOSPC): the
    error names the file and the reason, exit status 1, and every item
    is still shown."""
    p = reference("demo.pcap")
    rc, out, err = run(["-r", p, "-w", "/dev/full", "--json"])
    assert rc == 1 and "/dev/full" in err and "No space left on device" in err, (rc, err)
    assert json_lines(out) == items(p)


def test_files_are_parsed_without_root():
    """A root pushviz reading a file drops to -Z's user before parsing it,
    as it does for a live capture (seen in /proc while it waits on stdin).
    Replaying to --json it saves no file later, so it starts no saver
    helper (saver.c; the UI's does, test_ui's test_save_writes_the_capture):
    by the drop, which comes after the helper's fork, it has no child."""
    if os.geteuid() != 0:
        raise Skip("privileges are dropped only by a root pushviz")
    head = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    viz = subprocess.Popen([PUSHVIZ, "-r", "-", "--json"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
    try:
        viz.stdin.write(head)
        viz.stdin.flush()
        uid = None
        for _ in range(50):
            with open("/proc/%d/status" % viz.pid) as f:
                uid = [l.split()[1:] for l in f if l.startswith("Uid:")][0]
            if uid[0] != "0":
                break
            time.sleep(0.1)
        assert uid == ["65534"] * 4, uid  # nobody: real, effective, saved, fs
        with open("/proc/%d/task/%d/children" % (viz.pid, viz.pid)) as f:
            assert f.read().split() == [], "a helper process was started"
    finally:
        viz.communicate(timeout=10)  # closes stdin: the end of the file
    assert viz.returncode == 0


if __name__ == "__main__":
    main([v for k, v in sorted(globals().items()) if k.startswith("test_") and callable(v)])
