/* decode.c -- link layer, IP and TCP headers, read through a bounds-checked
 * cursor.
 *
 * Link types (tcpdump.org "LINK-LAYER HEADER TYPES"): Ethernet with 802.1Q
 * and QinQ tags, BSD loopback (NULL: address family in the writer's byte
 * order, LOOP: in network order), Linux cooked v1 (SLL, 16 bytes) and v2
 * (SLL2, 20 bytes), and raw IP.  IPv4 (RFC 791) with options; IPv6 (RFC 8200) with
 * its extension headers skipped; TCP (RFC 9293) with options skipped but
 * a SYN's window scale, which TCP analysis needs (a frame cut inside them
 * is still a segment, with no payload captured).
 * A fragment of an IP datagram is returned as such (DECODE_FRAGMENT), with
 * what reassembly needs (ipfrag.c puts it together, then decodes the whole).
 * Left out on purpose: tunnels, checksums (loopback captures carry
 * unfinished ones).
 */
#include "capture/decode.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <string.h>

#include "capture/cursor.h"
#include "proto/outbuf.h"

/* Tags: 802.1Q's, 802.1ad's outer one (QinQ), and the 0x9100 that switches
 * used for the outer tag before 802.1ad gave it a number (tshark reads it
 * as a tag too). */
enum { ETHERTYPE_IPV4 = 0x0800, ETHERTYPE_IPV6 = 0x86DD, ETHERTYPE_VLAN = 0x8100,
       ETHERTYPE_QINQ = 0x88A8, ETHERTYPE_QINQ_OLD = 0x9100 };
enum { IPPROTO_TCP_NUM = 6, IPPROTO_UDP_NUM = 17 };

bool decode_link_supported(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB:
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        return true;
    default:
        return false;
    }
}

/* The network protocol of a BSD loopback header's address family:
 * AF_INET is 2 everywhere, AF_INET6 is 10 (Linux), 24, 28 or 30 (BSDs). */
static int family_to_ethertype(uint32_t af)
{
    if (af == 2)
        return ETHERTYPE_IPV4;
    if (af == 10 || af == 24 || af == 28 || af == 30)
        return ETHERTYPE_IPV6;
    return -1;
}

/* VLAN tags (802.1Q, 802.1ad) between a link header and what it carries:
 * type says one follows, and after its tag control information comes the
 * next type.  Besides Ethernet's own, libpcap writes the tag it takes back
 * from the kernel (which strips it) into a Linux cooked header too, as
 * `tcpdump -i any -y LINUX_SLL` shows on a host with VLANs. */
static int skip_vlan_tags(struct cursor *c, int type)
{
    while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD) {
        cursor_take(c, 2); /* tag control information */
        type = cursor_be16(c);
    }
    return type;
}

/* Read the link header; returns the ethertype of what follows, 0 for raw IP
 * (version nibble decides), or -1 for a frame that carries something else. */
static int decode_link(int dlt, struct cursor *c)
{
    switch (dlt) {
    case DLT_EN10MB: {
        const uint8_t *h = cursor_take(c, 14); /* destination and source MAC, type */
        return skip_vlan_tags(c, h ? be16_at(h + 12) : 0);
    }
    case DLT_NULL: {
        /* Host byte order of the machine that wrote the file: a family is a
         * small number, so whichever reading is small is the right one. */
        const uint8_t *p = cursor_take(c, 4);
        if (!p)
            return -1;
        uint32_t le = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        uint32_t be = (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
        return family_to_ethertype(le < 256 ? le : be);
    }
    case DLT_LOOP:
        return family_to_ethertype(cursor_be32(c));
    case DLT_LINUX_SLL:
        cursor_take(c, 14); /* packet type, ARPHRD, address length, address */
        return skip_vlan_tags(c, cursor_be16(c));
    case DLT_LINUX_SLL2: {
        int type = cursor_be16(c);
        cursor_take(c, 18); /* reserved, ifindex, ARPHRD, packet type, address */
        return skip_vlan_tags(c, type);
    }
    default: /* DLT_RAW, DLT_IPV4, DLT_IPV6 */
        return 0;
    }
}

/* IPv6 extension headers that have the common (next header, length) form. */
static bool ipv6_is_extension(uint8_t nh)
{
    return nh == 0 || nh == 43 || nh == 60 || nh == 51 || nh == 135 || nh == 139 || nh == 140;
}

/* The cursor stands at a fragment's data, `len` bytes as its IP header
 * says.  Reassembly needs every one of them. */
static enum decode_status fragment(struct cursor *c, size_t len, struct packet *pkt,
                                   const char **why)
{
    if (cursor_left(c) < len) {
        *why = pkt->truncated ? "IP fragment cut by the snaplen: it cannot be reassembled"
                              : "IP fragment shorter than its header says";
        return DECODE_ERROR;
    }
    pkt->payload = c->p + c->pos;
    pkt->payload_len = pkt->payload_caplen = (uint32_t)len;
    return DECODE_FRAGMENT;
}

/* The window scale option of a SYN (kind 3, length 3: RFC 7323 §2.2),
 * among the captured option bytes opt[0..n): every other option is
 * skipped by its length, NOP (1) is one byte, EOL (0) ends the list.  An
 * option the snaplen cut is not there, as for tshark. */
static void find_wscale(const uint8_t *opt, size_t n, struct packet *pkt)
{
    for (size_t i = 0; i < n && opt[i] != 0;) {
        if (opt[i] == 1) {
            i++;
            continue;
        }
        if (n - i < 2 || opt[i + 1] < 2 || opt[i + 1] > n - i)
            return; /* cut, or a length that cannot be */
        if (opt[i] == 3 && opt[i + 1] == 3) {
            pkt->has_wscale = true;
            pkt->wscale = opt[i + 2];
            return;
        }
        i += opt[i + 1];
    }
}

enum decode_status decode_packet(int dlt, const uint8_t *bytes, uint32_t caplen, uint32_t wirelen,
                                 struct packet *pkt, const char **why)
{
    struct cursor c = cursor_make(bytes, caplen);
    bool cut = caplen < wirelen;
    /* Bytes that were on the wire after the cursor: what is captured plus
     * what the snaplen cut off. */
#define WIRE_LEFT() (cursor_left(&c) + (size_t)(wirelen - caplen))
    /* Clear it by copying a zeroed one: gcc made a `rep stos` of the
     * memset, slow to start for so few bytes; a struct copy is a handful of
     * vector moves.  (Every frame passes here.) */
    static const struct packet empty;
    *pkt = empty;
    pkt->truncated = cut;
    *why = NULL;

    int type = decode_link(dlt, &c);
    if (c.bad) {
        *why = cut ? "frame cut by the snaplen inside the link header" : "frame shorter than its link header";
        return DECODE_ERROR;
    }
    if (type == 0 && cursor_left(&c) > 0)
        type = (c.p[c.pos] >> 4) == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
    if (type == 0 && dlt == DLT_IPV6)
        type = ETHERTYPE_IPV6;

    uint8_t proto;
    size_t ip_payload; /* bytes after the IP header(s), as the IP header says */
    if (type == ETHERTYPE_IPV4) {
        size_t start = c.pos;
        /* The fixed 20 bytes (RFC 791 §3.1): version and header length,
         * DSCP/ECN, total length, identification, flags and fragment
         * offset, TTL, protocol, checksum, source, destination. */
        const uint8_t *ip = cursor_take(&c, 20);
        if (!ip) {
            *why = cut ? "frame cut by the snaplen inside the IPv4 header" : "bad IPv4 header";
            return DECODE_ERROR;
        }
        uint8_t vihl = ip[0];
        uint16_t total = be16_at(ip + 2);
        uint16_t ident = be16_at(ip + 4);
        uint16_t frag = be16_at(ip + 6);
        proto = ip[9];
        const uint8_t *src = ip + 12, *dst = ip + 16;
        size_t ihl = (size_t)(vihl & 15) * 4;
        if ((vihl >> 4) != 4 || ihl < 20) {
            *why = "bad IPv4 header";
            return DECODE_ERROR;
        }
        cursor_take(&c, ihl - 20); /* options */
        if (c.bad) {
            *why = cut ? "frame cut by the snaplen inside the IPv4 options" : "IPv4 options run past the frame";
            return DECODE_ERROR;
        }
        /* Segmentation offload can leave 0 here: the frame length rules then. */
        size_t wire_ip = WIRE_LEFT() + (c.pos - start);
        if (total == 0)
            total = (uint16_t)(wire_ip > 65535 ? 65535 : wire_ip);
        if (total < ihl || total > wire_ip) {
            *why = "IPv4 total length does not fit the frame";
            return DECODE_ERROR;
        }
        pkt->src.family = pkt->dst.family = 4;
        memcpy(pkt->src.bytes, src, 4);
        memcpy(pkt->dst.bytes, dst, 4);
        ip_payload = total - ihl;
        /* MF set or an offset: a fragment (RFC 791 §3.2; DF is 0x4000). */
        if ((frag & 0x3FFF) != 0) {
            pkt->frag.id = ident;
            pkt->frag.offset = (uint32_t)(frag & 0x1FFF) * 8;
            pkt->frag.more = (frag & 0x2000) != 0;
            pkt->frag.proto = proto;
            return fragment(&c, ip_payload, pkt, why);
        }
    } else if (type == ETHERTYPE_IPV6) {
        /* The fixed 40 bytes (RFC 8200 §3): version, traffic class and
         * flow label, payload length, next header, hop limit, source,
         * destination. */
        const uint8_t *ip = cursor_take(&c, 40);
        if (!ip) {
            *why = cut ? "frame cut by the snaplen inside the IPv6 header" : "bad IPv6 header";
            return DECODE_ERROR;
        }
        uint16_t plen = be16_at(ip + 4);
        proto = ip[6];
        const uint8_t *src = ip + 8, *dst = ip + 24;
        if ((ip[0] >> 4) != 6) {
            *why = "bad IPv6 header";
            return DECODE_ERROR;
        }
        if (plen > WIRE_LEFT()) {
            *why = "IPv6 payload length does not fit the frame";
            return DECODE_ERROR;
        }
        size_t ext = 0;
        while (ipv6_is_extension(proto) || proto == 44) {
            uint8_t next = cursor_u8(&c);
            uint8_t hlen = cursor_u8(&c);
            if (proto == 44) { /* fragment header: fixed 8 bytes (RFC 8200 §4.5) */
                uint16_t off = cursor_be16(&c);
                uint32_t ident = cursor_be32(&c);
                if (c.bad)
                    break;
                ext += 8;
                if ((off & 0xFFF9) != 0) { /* an offset or M: a fragment */
                    if (ext > plen) {
                        *why = "IPv6 extension headers run past the packet";
                        return DECODE_ERROR;
                    }
                    pkt->src.family = pkt->dst.family = 6;
                    memcpy(pkt->src.bytes, src, 16);
                    memcpy(pkt->dst.bytes, dst, 16);
                    pkt->frag.id = ident;
                    pkt->frag.offset = (uint32_t)(off >> 3) * 8;
                    pkt->frag.more = (off & 1) != 0;
                    pkt->frag.proto = next;
                    return fragment(&c, plen - ext, pkt, why);
                }
            } else {
                size_t n = proto == 51 ? ((size_t)hlen + 2) * 4 : ((size_t)hlen + 1) * 8;
                cursor_take(&c, n - 2);
                ext += n;
            }
            proto = next;
            if (c.bad)
                break;
        }
        if (c.bad || ext > plen) {
            *why = cut && c.bad ? "frame cut by the snaplen inside IPv6 extension headers"
                                : "IPv6 extension headers run past the packet";
            return DECODE_ERROR;
        }
        pkt->src.family = pkt->dst.family = 6;
        memcpy(pkt->src.bytes, src, 16);
        memcpy(pkt->dst.bytes, dst, 16);
        ip_payload = plen - ext;
    } else {
        return DECODE_OTHER;
    }
    if (proto != IPPROTO_TCP_NUM) {
        pkt->ip_proto = proto;
        const uint8_t *udp = proto == IPPROTO_UDP_NUM ? cursor_take(&c, 4) : NULL; /* RFC 768 */
        if (udp) {
            pkt->sport = be16_at(udp);
            pkt->dport = be16_at(udp + 2);
        }
        return DECODE_OTHER;
    }

    /* The fixed 20 bytes (RFC 9293 §3.1): ports, sequence and
     * acknowledgment numbers, data offset, flags, window, checksum,
     * urgent pointer. */
    const uint8_t *th = cursor_take(&c, 20);
    if (!th) {
        *why = cut ? "frame cut by the snaplen inside the TCP header" : "frame shorter than its TCP header";
        return DECODE_ERROR;
    }
    pkt->sport = be16_at(th);
    pkt->dport = be16_at(th + 2);
    pkt->seq = be32_at(th + 4);
    pkt->ack = be32_at(th + 8);
    pkt->flags = th[13];
    pkt->window = be16_at(th + 14);
    size_t hlen = (size_t)(th[12] >> 4) * 4;
    if (hlen < 20 || hlen > ip_payload) {
        *why = "bad TCP data offset";
        return DECODE_ERROR;
    }
    /* Options are not needed to follow the stream, so a frame the snaplen
     * cut inside them is still a segment, as tshark reads it: the fixed
     * header says where it lies, the IP length how long it is, and none of
     * its payload was captured.  (Only a cut frame can end here: the IP
     * length fits the frame, and hlen fits the IP length.) */
    size_t options = hlen - 20;
    size_t have = options < cursor_left(&c) ? options : cursor_left(&c);
    const uint8_t *opt = cursor_take(&c, have);
    if ((pkt->flags & TCP_SYN) && opt)
        find_wscale(opt, have, pkt);
    size_t payload = ip_payload - hlen;
    size_t captured = cursor_left(&c) < payload ? cursor_left(&c) : payload;
    pkt->payload = c.p + c.pos;
    pkt->payload_len = (uint32_t)payload;
    pkt->payload_caplen = (uint32_t)captured;
    pkt->truncated = captured < payload;
    return DECODE_TCP;
#undef WIRE_LEFT
}

/* Written through an outbuf, not snprintf: every flow's item carries two
 * endpoints, and with a connection per request (short polling) a replay
 * formats hundreds of thousands of them.  snprintf, and inet_ntop, which
 * prints an IPv4 address with sprintf, went through printf's format
 * interpreter four times a flow: some 8 % of the time of a replay of
 * 200,000 short connections.  IPv6 keeps inet_ntop for RFC 5952's rules
 * (which run of zero groups becomes "::"). */
void format_endpoint(const struct ip_addr *a, uint16_t port, char out[64])
{
    struct outbuf o = outbuf_start(out, 63); /* the 64th byte for the NUL */
    if (a->family == 6) {
        char ip[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, a->bytes, ip, sizeof ip);
        outbuf_byte(&o, '[');
        outbuf_str(&o, ip);
        outbuf_byte(&o, ']');
    } else {
        for (int i = 0; i < 4; i++) {
            if (i)
                outbuf_byte(&o, '.');
            outbuf_u64(&o, a->bytes[i]);
        }
    }
    outbuf_byte(&o, ':');
    outbuf_u64(&o, port);
    out[o.len] = '\0'; /* "[" 45 "]:" 5: at most 53 bytes, so all fit */
}
