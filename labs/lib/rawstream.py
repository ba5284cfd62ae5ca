"""rawstream.py -- the bytes of one direction of a TCP connection, from a capture file.

pushviz reports what it recognises; a few lab questions ask about bytes
it does not report as items (today: an SSE stream's `retry:` field and
its comment heartbeats; pushviz's sse_comment items will carry them).
This reader takes them from the capture itself, and reads the files
pushviz reads: classic pcap (either byte order, micro- or nanosecond)
and pcapng; link types Ethernet (with VLAN tags), BSD loopback (null and
loop), Linux cooked (SLL, and SLL2, what `tcpdump -i any` writes) and
raw IP; IPv4 and IPv6 (with extension headers).  TCP segments of the
given connection are taken in file order, each byte kept once (a
retransmission adds nothing).  Left out on purpose: IP fragments (TCP
on the labs' links never fragments) and compressed or encrypted files.
"""
import ipaddress
import struct

from capture import CaptureError, NotInCapture

# Link types (www.tcpdump.org/linktypes.html) and the header each puts
# before the IP packet.
NULL, ETHERNET, RAW, LOOP, SLL, IPV4, IPV6, SLL2 = 0, 1, 101, 108, 113, 228, 229, 276
LINKS = {NULL: "BSD loopback", ETHERNET: "Ethernet", RAW: "raw IP", LOOP: "OpenBSD loopback",
         SLL: "Linux cooked (SLL)", IPV4: "raw IPv4", IPV6: "raw IPv6",
         SLL2: "Linux cooked v2 (SLL2)"}
ETH_IPV4, ETH_IPV6, ETH_VLANS = 0x0800, 0x86DD, (0x8100, 0x88A8, 0x9100)

PCAP_MAGICS = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
               b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}
PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"


def _classic(path, data):
    """[(link type, packet bytes)] of a classic pcap file."""
    endian = PCAP_MAGICS[data[:4]]
    linktype = struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF  # FCS bits aside
    packets, pos = [], 24
    while pos + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[pos + 8:pos + 12])[0]
        packets.append((linktype, data[pos + 16:pos + 16 + caplen]))
        pos += 16 + caplen
    return packets


def _pcapng(path, data):
    """[(link type, packet bytes)] of a pcapng file: its enhanced and simple
    packet blocks, each with the link type of its interface (a section
    header starts the interface list again, and may change byte order)."""
    packets, pos, endian, links, snaplens = [], 0, "<", [], []
    while pos + 12 <= len(data):
        btype = data[pos:pos + 4]
        if btype == PCAPNG_SHB:
            magic = data[pos + 8:pos + 12]
            endian = "<" if magic == b"\x4d\x3c\x2b\x1a" else ">"
            links, snaplens = [], []
        blen = struct.unpack(endian + "I", data[pos + 4:pos + 8])[0]
        if blen < 12 or pos + blen > len(data):
            break  # a cut or corrupt block: what came before is kept
        body = data[pos + 8:pos + blen - 4]
        kind = struct.unpack(endian + "I", btype)[0]
        if kind == 1 and len(body) >= 8:  # interface description
            linktype, _, snaplen = struct.unpack(endian + "HHI", body[:8])
            links.append(linktype)
            snaplens.append(snaplen or 1 << 31)
        elif kind == 6 and len(body) >= 20:  # enhanced packet
            iface, _, _, caplen, _ = struct.unpack(endian + "IIIII", body[:20])
            if iface < len(links):
                packets.append((links[iface], body[20:20 + caplen]))
        elif kind == 3 and len(body) >= 4 and links:  # simple packet: interface 0
            wire = struct.unpack(endian + "I", body[:4])[0]
            packets.append((links[0], body[4:4 + min(wire, snaplens[0])]))
        pos += blen
    return packets


def _packets(path):
    """[(link type, packet bytes)] of a capture file, pcap or pcapng."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise CaptureError("cannot read %s: %s" % (path, e.strerror))
    if data[:4] in PCAP_MAGICS and len(data) >= 24:
        return _classic(path, data)
    if data[:4] == PCAPNG_SHB and len(data) >= 12:
        return _pcapng(path, data)
    raise CaptureError("%s is neither a pcap nor a pcapng file; save it as pcap from "
                       "Wireshark or tcpdump -w" % path)


def _ip_packet(linktype, pkt):
    """The IP packet a frame carries, or None (another protocol, or a
    link type this reader does not know)."""
    if linktype == ETHERNET:
        pos, ethertype = 14, pkt[12:14]
        while len(pkt) >= pos + 4 and struct.unpack(">H", ethertype)[0] in ETH_VLANS:
            ethertype, pos = pkt[pos + 2:pos + 4], pos + 4
        if len(ethertype) < 2 or struct.unpack(">H", ethertype)[0] not in (ETH_IPV4, ETH_IPV6):
            return None
        return pkt[pos:]
    if linktype in (NULL, LOOP):
        return pkt[4:]  # the address family; the version nibble says the same
    if linktype == SLL:
        return pkt[16:]
    if linktype == SLL2:
        return pkt[20:]
    if linktype in (RAW, IPV4, IPV6):
        return pkt
    return None


def _tcp_segment(ip):
    """(source address, destination address, TCP header and payload) of
    an IPv4 or IPv6 packet carrying TCP, else None."""
    if len(ip) >= 20 and ip[0] >> 4 == 4:
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0] or len(ip)  # 0: segmentation offload
        if ip[9] != 6 or struct.unpack(">H", ip[6:8])[0] & 0x3FFF:
            return None  # not TCP, or a fragment
        return ip[12:16], ip[16:20], ip[ihl:total]
    if len(ip) >= 40 and ip[0] >> 4 == 6:
        nxt, pos, end = ip[6], 40, 40 + struct.unpack(">H", ip[4:6])[0]
        while nxt in (0, 43, 60) and len(ip) >= pos + 2:  # hop-by-hop, routing, destination
            nxt, pos = ip[pos], pos + (ip[pos + 1] + 1) * 8
        if nxt != 6:
            return None  # not TCP, or a fragment (44)
        return ip[8:24], ip[24:40], ip[pos:end]
    return None


def _endpoint(text):
    """(address bytes, port) of "ip:port", "[ipv6]:port" or "ipv6:port"."""
    host, port = text.rsplit(":", 1)
    return ipaddress.ip_address(host.strip("[]")).packed, int(port)


def stream(path, src, dst):
    """The payload bytes sent from src to dst ("ip:port" each), in order."""
    (sip, sport), (dip, dport) = _endpoint(src), _endpoint(dst)
    want = (sip, sport, dip, dport)
    segments, unknown = {}, set()
    for linktype, pkt in _packets(path):
        ip = _ip_packet(linktype, pkt)
        if ip is None:
            if linktype not in LINKS:
                unknown.add(linktype)
            continue
        found = _tcp_segment(ip)
        if found is None or len(found[2]) < 20:
            continue
        saddr, daddr, tcp = found
        ports = struct.unpack(">HH", tcp[:4])
        if (saddr, ports[0], daddr, ports[1]) != want:
            continue
        seq = struct.unpack(">I", tcp[4:8])[0]
        payload = tcp[(tcp[12] >> 4) * 4:]
        if tcp[13] & 0x02:  # SYN: the data starts at seq + 1
            segments["isn"] = seq + 1
        elif payload:
            segments.setdefault(seq, payload)
    if unknown and not segments:
        raise CaptureError("%s: link type %s is not one pushviz reads (%s)" % (
            path, ", ".join(map(str, sorted(unknown))), ", ".join(LINKS.values())))
    isn = segments.pop("isn", None)
    if isn is None:
        raise NotInCapture("the connection %s > %s starts before the capture" % (src, dst))
    out = bytearray()
    for seq in sorted(segments, key=lambda s: (s - isn) & 0xFFFFFFFF):
        off = (seq - isn) & 0xFFFFFFFF
        if off <= len(out) < off + len(segments[seq]):
            out += segments[seq][len(out) - off:]
    return bytes(out)
