"""rawstream.py -- the bytes of one direction of a TCP connection, from a pcap.

pushviz reports what it recognises; a few lab questions ask about bytes
it does not report as items (today: an SSE stream's `retry:` field and
its comment heartbeats; pushviz's sse_comment items will carry them).
This reader takes them from the capture itself: classic pcap files of
Ethernet (what `pushviz -w` and tcpdump write on lo) or raw IPv4, TCP
segments of the given connection in file order, each byte kept once (a
retransmission adds nothing).  It is enough for the loopback captures of
the labs, and says so when a file is something else.
"""
import struct

from capture import CaptureError


def _packets(path):
    """(link type, [packet bytes]) of a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise CaptureError("%s is too short for a pcap file" % path)
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise CaptureError("%s is not a classic pcap file (pcapng? save it as pcap)" % path)
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    packets, pos = [], 24
    while pos + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[pos + 8:pos + 12])[0]
        packets.append(data[pos + 16:pos + 16 + caplen])
        pos += 16 + caplen
    return linktype, packets


def stream(path, src, dst):
    """The payload bytes sent from src to dst ("ip:port" each), in order."""
    linktype, packets = _packets(path)
    if linktype not in (1, 101, 228):
        raise CaptureError("%s: link type %d is not Ethernet or raw IP" % (path, linktype))
    (sip, sport), (dip, dport) = [(a.rsplit(":", 1)[0], int(a.rsplit(":", 1)[1]))
                                  for a in (src, dst)]
    want = (bytes(int(x) for x in sip.split(".")), sport, bytes(int(x) for x in dip.split(".")),
            dport)
    segments = {}
    for pkt in packets:
        ip = pkt[14:] if linktype == 1 else pkt
        if linktype == 1 and pkt[12:14] != b"\x08\x00":
            continue
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        tcp = ip[ihl:total]
        if len(tcp) < 20:
            continue
        ports = struct.unpack(">HH", tcp[:4])
        if (ip[12:16], ports[0], ip[16:20], ports[1]) != want:
            continue
        seq = struct.unpack(">I", tcp[4:8])[0]
        payload = tcp[(tcp[12] >> 4) * 4:]
        if tcp[13] & 0x02:  # SYN: the data starts at seq + 1
            segments["isn"] = seq + 1
        elif payload:
            segments.setdefault(seq, payload)
    isn = segments.pop("isn", None)
    if isn is None:
        raise CaptureError("%s: the connection %s > %s starts before the capture" % (path, src, dst))
    out = bytearray()
    for seq in sorted(segments, key=lambda s: (s - isn) & 0xFFFFFFFF):
        off = (seq - isn) & 0xFFFFFFFF
        if off <= len(out) < off + len(segments[seq]):
            out += segments[seq][len(out) - off:]
    return bytes(out)
