/* decode.h -- one captured frame to one TCP segment: link layer, IPv4 or
 * IPv6, TCP.
 */
#ifndef VIZ_DECODE_H
#define VIZ_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* TCP flags (RFC 9293 §3.1; ECE and CWR from RFC 3168). */
enum {
    TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08,
    TCP_ACK = 0x10, TCP_URG = 0x20, TCP_ECE = 0x40, TCP_CWR = 0x80
};

/* An IPv4 or IPv6 address with its family, comparable with memcmp. */
struct ip_addr {
    uint8_t family; /* 4 or 6 */
    uint8_t bytes[16]; /* IPv4 uses the first 4; the rest stay zero */
};

/* A TCP segment decoded from a frame.  payload borrows the frame's bytes:
 * valid only until the capture library's next packet. */
struct packet {
    int64_t ts_ns;            /* capture time, Unix nanoseconds (set by the caller) */
    uint64_t frame;           /* 1-based frame number in the capture (set by the caller) */
    struct ip_addr src, dst;
    uint16_t sport, dport;
    uint32_t seq, ack;        /* as on the wire */
    uint8_t flags;            /* TCP_* bits */
    uint16_t window;          /* the raw field (unscaled) */
    bool has_wscale;          /* a SYN carried the window scale option (RFC 7323 §2.2)... */
    uint8_t wscale;           /* ...with this shift count (as sent, not capped) */
    const uint8_t *payload;   /* captured payload bytes */
    uint32_t payload_len;     /* payload bytes the segment had on the wire */
    uint32_t payload_caplen;  /* of which captured (less when cut by the snaplen) */
    bool truncated;           /* the frame was cut short by the snaplen */
    /* DECODE_OTHER of an IP packet: the protocol it carries (17: UDP,
     * whose ports are then in sport and dport when captured), so that what
     * pushviz passes over can be named (QUIC: UDP port 443). */
    uint8_t ip_proto;
    /* DECODE_FRAGMENT only: a piece of an IP datagram (payload holds its
     * bytes, all captured); ipfrag.h puts the pieces together. */
    struct {
        uint32_t id;          /* identification (IPv4: 16 bits; IPv6: 32) */
        uint32_t offset;      /* of its first byte in the datagram's payload */
        bool more;            /* more fragments follow (MF / M flag) */
        uint8_t proto;        /* the protocol the datagram carries (6: TCP) */
    } frag;
};

enum decode_status {
    DECODE_TCP,   /* *pkt holds a TCP segment */
    DECODE_OTHER, /* a valid frame that is not TCP (ARP, UDP...): counted, passed over */
    DECODE_FRAGMENT, /* an IPv4 or IPv6 fragment: *pkt has its addresses, payload and frag */
    DECODE_ERROR  /* the frame cannot be decoded; *why says why */
};

/* True when decode_packet understands link type dlt (a DLT_ value). */
bool decode_link_supported(int dlt);

/* Decode frame bytes[0..caplen) that was wirelen bytes long on the wire,
 * captured on link type dlt.  Never reads past caplen.  A frame cut before
 * the end of the fixed TCP header is DECODE_ERROR; one cut inside the TCP
 * options or the payload is DECODE_TCP with payload_caplen < payload_len
 * (and truncated set) when the segment had a payload. */
enum decode_status decode_packet(int dlt, const uint8_t *bytes, uint32_t caplen, uint32_t wirelen,
                                 struct packet *pkt, const char **why);

/* "127.0.0.1:8001" or "[::1]:8001" into out (at least 64 bytes). */
void format_endpoint(const struct ip_addr *a, uint16_t port, char out[64]);

#endif
