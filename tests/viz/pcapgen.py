"""pcapgen.py -- writes hand-made pcap and pcapng files for pushviz tests.

Frames are built byte by byte (IPv4, IPv6 with extension headers, TCP) and
wrapped in any of the link layers pushviz reads (Ethernet, BSD loopback
NULL and LOOP, Linux cooked SLL and SLL2, raw IP).  A Conversation keeps
the sequence numbers of a TCP connection, so a test says what is sent and
gets correct segments, then reorders, repeats, drops or cuts them.

Python 3 standard library only.
"""
import struct
import zlib

LINKTYPE_NULL = 0
LINKTYPE_EN10MB = 1
LINKTYPE_RAW = 101
LINKTYPE_LOOP = 108
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip_bytes(addr):
    if ":" in addr:
        import socket
        return socket.inet_pton(socket.AF_INET6, addr)
    return bytes(int(x) for x in addr.split("."))


def tcp_segment(sport, dport, seq, ack, flags, payload=b"", window=65535, options=b""):
    off = (20 + len(options)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                       off << 4, flags, window, 0, 0) + options + payload


def ipv4(src, dst, payload, proto=6, frag=0):
    total = 20 + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 1, frag, 64, proto, 0,
                      ip_bytes(src), ip_bytes(dst))
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, payload, proto=6, extensions=()):
    """extensions: next-header numbers of 8-byte extension headers to put first
    (0 hop-by-hop, 60 destination options, 43 routing)."""
    chain = b""
    kinds = list(extensions)
    for i, kind in enumerate(kinds):
        nxt = kinds[i + 1] if i + 1 < len(kinds) else proto
        chain += struct.pack("!BB", nxt, 0) + b"\x01\x04\0\0\0\0"  # PadN option
    first = kinds[0] if kinds else proto
    body = chain + payload
    return struct.pack("!IHBB16s16s", 6 << 28, len(body), first, 64, ip_bytes(src),
                       ip_bytes(dst)) + body


def fragments(packet, size, ident=0x4242):
    """Cut an IP packet made by ipv4() or ipv6() (no extension headers)
    into fragments carrying at most `size` payload bytes each (a multiple
    of 8), as a router (IPv4, RFC 791 §3.2) or the sender (IPv6, RFC 8200
    §4.5) would.  Returns the list of fragment packets, in order."""
    v6 = packet[0] >> 4 == 6
    hlen = 40 if v6 else 20
    head, data = packet[:hlen], packet[hlen:]
    out = []
    for off in range(0, len(data), size):
        piece = data[off:off + size]
        more = off + size < len(data)
        if v6:
            fh = struct.pack("!BBHI", head[6], 0, (off // 8) << 3 | int(more), ident)
            out.append(head[:4] + struct.pack("!HB", 8 + len(piece), 44) + head[7:] + fh + piece)
        else:
            hdr = head[:2] + struct.pack("!HHH", 20 + len(piece), ident & 0xFFFF,
                                         (off // 8) | (0x2000 if more else 0)) + head[8:10] + b"\0\0" + head[12:]
            hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
            out.append(hdr + piece)
    return out


def frame(linktype, packet):
    """Wrap an IP packet in the link header of linktype."""
    v6 = packet[0] >> 4 == 6
    ethertype = 0x86DD if v6 else 0x0800
    if linktype == LINKTYPE_EN10MB:
        return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + struct.pack("!H", ethertype) + packet
    if linktype == LINKTYPE_NULL:  # host byte order of the writer: little-endian here
        return struct.pack("<I", 10 if v6 else 2) + packet
    if linktype == LINKTYPE_LOOP:
        return struct.pack("!I", 30 if v6 else 2) + packet
    if linktype == LINKTYPE_LINUX_SLL:
        return struct.pack("!HHH8sH", 0, 772, 6, b"\0" * 8, ethertype) + packet
    if linktype == LINKTYPE_LINUX_SLL2:
        return struct.pack("!HHIHBB8s", ethertype, 0, 1, 772, 0, 6, b"\0" * 8) + packet
    if linktype == LINKTYPE_RAW:
        return packet
    raise ValueError("link type %d" % linktype)


class Pcap:
    """Frames to a classic pcap (microsecond) or pcapng file."""

    def __init__(self, linktype=LINKTYPE_EN10MB, snaplen=262144):
        self.linktype = linktype
        self.snaplen = snaplen
        self.records = []  # (ts, captured bytes, wire length)

    def add(self, ts, data, wirelen=None, caplen=None):
        wire = len(data) if wirelen is None else wirelen
        cap = data if caplen is None else data[:caplen]
        self.records.append((ts, cap, wire))

    def add_ip(self, ts, packet, caplen=None):
        self.add(ts, frame(self.linktype, packet), caplen=caplen)

    def pcap_bytes(self):
        out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, self.snaplen, self.linktype)]
        for ts, data, wire in self.records:
            sec = int(ts)
            usec = int(round((ts - sec) * 1e6))
            out.append(struct.pack("<IIII", sec, usec, len(data), wire) + data)
        return b"".join(out)

    def pcapng_bytes(self):
        def block(btype, body):
            body += b"\0" * (-len(body) % 4)
            n = 12 + len(body)
            return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
        out = [block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)),
               block(1, struct.pack("<HHI", self.linktype, 0, self.snaplen))]
        for ts, data, wire in self.records:
            t = int(round(ts * 1e6))
            out.append(block(6, struct.pack("<IIIII", 0, t >> 32, t & 0xFFFFFFFF, len(data), wire) + data))
        return b"".join(out)

    def write(self, path, ng=False):
        with open(path, "wb") as f:
            f.write(self.pcapng_bytes() if ng else self.pcap_bytes())


class Conversation:
    """One TCP connection; segments are returned as (ts, ip packet) and also
    kept in self.packets in the order made."""

    def __init__(self, client=("10.0.0.1", 40000), server=("10.0.0.2", 8080),
                 isn_client=1000, isn_server=5000, t=1.0):
        self.c, self.s = client, server
        self.seq = {"c2s": isn_client, "s2c": isn_server}
        self.t = t
        self.packets = []

    def _ip(self, src, dst, seg):
        if ":" in src[0]:
            return ipv6(src[0], dst[0], seg)
        return ipv4(src[0], dst[0], seg)

    def segment(self, direction, flags, payload=b"", seq=None, dt=0.001, advance=True, window=65535,
                options=b"", ack=None):
        """A segment from direction ('c2s'/'s2c'); returns (ts, packet).
        window: the raw window field; options: TCP option bytes (a multiple
        of 4); ack: an acknowledgment number other than the peer's next."""
        self.t += dt
        other = "s2c" if direction == "c2s" else "c2s"
        src, dst = (self.c, self.s) if direction == "c2s" else (self.s, self.c)
        s = self.seq[direction] if seq is None else seq
        if ack is None:
            ack = self.seq[other] if flags & ACK else 0
        pkt = self._ip(src, dst, tcp_segment(src[1], dst[1], s, ack, flags, payload, window, options))
        if advance and seq is None:
            self.seq[direction] += len(payload) + (1 if flags & (SYN | FIN) else 0)
        item = (self.t, pkt)
        self.packets.append(item)
        return item

    def handshake(self):
        self.segment("c2s", SYN)
        self.segment("s2c", SYN | ACK)
        self.segment("c2s", ACK)

    def send(self, direction, data, mss=None):
        """Data in segments of at most mss bytes, each acknowledged."""
        mss = mss or len(data) or 1
        for i in range(0, len(data), mss):
            self.segment(direction, PSH | ACK, data[i:i + mss])
        self.segment("s2c" if direction == "c2s" else "c2s", ACK)

    def stream(self, direction, data, mss, lose=None):
        """data in segments of mss bytes, acknowledged once at the end;
        the index in self.packets of segment number `lose` (to leave out
        when writing, as a capture that missed it), or None."""
        lost = None
        for n, i in enumerate(range(0, len(data), mss)):
            if n == lose:
                lost = len(self.packets)
            self.segment(direction, PSH | ACK, data[i:i + mss])
        self.segment("s2c" if direction == "c2s" else "c2s", ACK)
        return lost

    def close(self, first="c2s"):
        """Both FINs, the side that closes `first` first, and the last ACK."""
        other = "s2c" if first == "c2s" else "c2s"
        self.segment(first, FIN | ACK)
        self.segment(other, FIN | ACK)
        self.segment(first, ACK)

    def ws_upgrade(self, offer=b"", answer=b""):
        """GET /ws and its 101 (RFC 6455 §1.3's sample key and accept);
        offer and answer: extra header lines, each ending in CRLF."""
        self.send("c2s", b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                  + offer + b"\r\n")
        self.send("s2c", b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" + answer + b"\r\n")

    def write(self, path, epoch=1700000000, lose=None):
        """The packets so far as a pcap file at path (times from epoch),
        but for packet number `lose`, or each of a set of them (as if the
        capture had missed them)."""
        lost = {lose} if isinstance(lose, int) else set(lose or ())
        pc = Pcap()
        for i, (ts, pkt) in enumerate(self.packets):
            if i not in lost:
                pc.add_ip(epoch + ts, pkt)
        pc.write(path)
        return path


def chunked_answer(target, content_type):
    """A connection whose GET for target is answered with a chunked body of
    this content type: its chunks are for the caller to send."""
    conv = Conversation()
    conv.handshake()
    conv.send("c2s", b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % target)
    conv.send("s2c", b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\n\r\n"
              % content_type)
    return conv


def event(seq, ts, text="tick %d", kind="tick"):
    """A pushlab event object, exactly as the servers write it."""
    text = text % seq if "%d" in text else text
    return '{"seq":%d,"ts":%d,"kind":"%s","text":"%s"}' % (seq, ts, kind, text)


class FastWriter:
    """A classic pcap of Ethernet/IPv4/TCP packets written as they come,
    one per call, one per microsecond from 1700000000 s, checksums 0 (as on
    loopback captures): fast enough for a million packets."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        self.n = 0

    def packet(self, src, dst, sport, dport, seq, ack, flags, payload=b""):
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags,
                          65535, 0, 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, src, dst) + tcp
        frame = b"\x00" * 12 + b"\x08\x00" + ip
        self.n += 1
        us = self.n  # one packet per microsecond
        self.f.write(struct.pack("<IIII", 1700000000 + us // 1000000, us % 1000000, len(frame), len(frame)))
        self.f.write(frame)

    def close(self):
        self.f.close()


def flushed_gzip(pieces):
    """pieces through one gzip stream, a sync flush after each (as
    compression middleware flushes per message): the coded pieces, the
    last one ending the stream."""
    z = zlib.compressobj(6, zlib.DEFLATED, 31)
    coded = [z.compress(p) + z.flush(zlib.Z_SYNC_FLUSH) for p in pieces]
    coded[-1] += z.flush()
    return coded
