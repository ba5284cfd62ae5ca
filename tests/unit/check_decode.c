/* check_decode.c -- pushviz's link / IP / TCP decoding: every link type,
 * 802.1Q tags, IPv4 options, IPv6 extension headers, and frames cut at
 * every length (by the snaplen or by a lie in a length field) which must be
 * reported, never misread (a cut inside the TCP options still leaves a
 * segment). */
#include <arpa/inet.h>
#include <check.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "capture/decode.h"

/* IPv4 (with a 4-byte option) + TCP (with 4 bytes of options) + "hello". */
static size_t ipv4_tcp(uint8_t *p)
{
    static const uint8_t pkt[] = {
        0x46, 0, 0, 24 + 24 + 5, 0, 1, 0x40, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 2,
        1, 1, 0, 0,                                   /* IPv4 option: NOPs */
        0x9c, 0x40, 0x1f, 0x41, 0, 0, 0, 100, 0, 0, 0, 200, 0x60, 0x18, 0xff, 0xff, 0, 0, 0, 0,
        1, 1, 1, 0,                                   /* TCP options */
        'h', 'e', 'l', 'l', 'o'};
    memcpy(p, pkt, sizeof pkt);
    return sizeof pkt;
}

START_TEST(udp_is_passed_over_with_its_protocol_and_ports)
{
    /* A QUIC datagram (UDP to port 443) and an ICMP echo: DECODE_OTHER,
     * with what the engine counts them by; a UDP header cut short gives
     * no ports. */
    static const uint8_t udp[] = {0x45, 0, 0, 20 + 8 + 4, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 9,
                                  0xc7, 0x38, 0x01, 0xbb, 0, 12, 0, 0, 0xc3, 0, 0, 0};
    static const uint8_t icmp[] = {0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 9,
                                   8, 0, 0, 0, 0, 0, 0, 0};
    struct packet p;
    const char *why;
    ck_assert_int_eq(decode_packet(DLT_RAW, udp, sizeof udp, sizeof udp, &p, &why), DECODE_OTHER);
    ck_assert_uint_eq(p.ip_proto, 17);
    ck_assert_uint_eq(p.sport, 51000);
    ck_assert_uint_eq(p.dport, 443);
    ck_assert_int_eq(decode_packet(DLT_RAW, udp, 22, sizeof udp, &p, &why), DECODE_OTHER);
    ck_assert_uint_eq(p.ip_proto, 17);
    ck_assert_uint_eq(p.dport, 0);
    ck_assert_int_eq(decode_packet(DLT_RAW, icmp, sizeof icmp, sizeof icmp, &p, &why), DECODE_OTHER);
    ck_assert_uint_eq(p.ip_proto, 1);
    ck_assert_uint_eq(p.sport, 0);
}
END_TEST

START_TEST(ethernet_with_vlan_tag)
{
    uint8_t f[128] = {0};
    memcpy(f + 12, "\x81\x00\x00\x05\x08\x00", 6);
    size_t n = 18 + ipv4_tcp(f + 18);
    struct packet p;
    const char *why;
    ck_assert_int_eq(decode_packet(DLT_EN10MB, f, (uint32_t)n, (uint32_t)n, &p, &why), DECODE_TCP);
    ck_assert_uint_eq(p.sport, 40000);
    ck_assert_uint_eq(p.dport, 8001);
    ck_assert_uint_eq(p.seq, 100);
    ck_assert_uint_eq(p.ack, 200);
    ck_assert_uint_eq(p.flags, TCP_PSH | TCP_ACK);
    ck_assert_uint_eq(p.payload_len, 5);
    ck_assert(memcmp(p.payload, "hello", 5) == 0);
    char text[64];
    format_endpoint(&p.src, p.sport, text);
    ck_assert_str_eq(text, "127.0.0.1:40000");
}
END_TEST

START_TEST(every_cut_is_reported_never_misread)
{
    uint8_t f[128] = {0};
    f[12] = 0x08;
    size_t n = 14 + ipv4_tcp(f + 14);
    for (size_t cap = 0; cap <= n; cap++) {
        struct packet p;
        const char *why;
        enum decode_status st = decode_packet(DLT_EN10MB, f, (uint32_t)cap, (uint32_t)n, &p, &why);
        if (cap < 14 + 24 + 20) {
            ck_assert_int_eq(st, DECODE_ERROR);
            ck_assert_ptr_nonnull(strstr(why, "snaplen"));
        } else if (cap < n - 5) { /* inside the TCP options: the segment, none of its payload */
            ck_assert_int_eq(st, DECODE_TCP);
            ck_assert_uint_eq(p.seq, 100);
            ck_assert_uint_eq(p.payload_len, 5);
            ck_assert_uint_eq(p.payload_caplen, 0);
            ck_assert(p.truncated);
        } else {
            ck_assert_int_eq(st, DECODE_TCP);
            ck_assert_uint_eq(p.payload_len, 5);
            ck_assert_uint_eq(p.payload_caplen, cap - (n - 5));
            ck_assert(p.truncated == (cap < n));
        }
    }
}
END_TEST

START_TEST(length_fields_that_lie)
{
    uint8_t f[128] = {0};
    size_t n = ipv4_tcp(f);
    struct packet p;
    const char *why;
    f[3] = 200; /* IPv4 total length beyond the frame */
    ck_assert_int_eq(decode_packet(DLT_RAW, f, (uint32_t)n, (uint32_t)n, &p, &why), DECODE_ERROR);
    f[3] = 24 + 24 + 5;
    f[24 + 12] = 0xF0; /* TCP data offset 60 bytes: past the packet */
    ck_assert_int_eq(decode_packet(DLT_RAW, f, (uint32_t)n, (uint32_t)n, &p, &why), DECODE_ERROR);
    ck_assert_ptr_nonnull(strstr(why, "data offset"));
    f[24 + 12] = 0x60;
    f[6] = 0x20; /* more fragments: a piece for ipfrag.c, with what it needs */
    ck_assert_int_eq(decode_packet(DLT_RAW, f, (uint32_t)n, (uint32_t)n, &p, &why), DECODE_FRAGMENT);
    ck_assert(p.frag.more);
    ck_assert_uint_eq(p.frag.offset, 0);
    ck_assert_uint_eq(p.frag.id, 1);
    ck_assert_uint_eq(p.frag.proto, 6);
    ck_assert_uint_eq(p.payload_len, 24 + 5);
    ck_assert_uint_eq(p.payload[0], 0x9c); /* the TCP header is the fragment's data */
    f[6] = 0x00;
    f[7] = 0x03; /* the last fragment, at offset 24 */
    ck_assert_int_eq(decode_packet(DLT_RAW, f, (uint32_t)n, (uint32_t)n, &p, &why), DECODE_FRAGMENT);
    ck_assert(!p.frag.more);
    ck_assert_uint_eq(p.frag.offset, 24);
    /* A fragment cut by the snaplen cannot be reassembled: said, not guessed. */
    ck_assert_int_eq(decode_packet(DLT_RAW, f, (uint32_t)n - 1, (uint32_t)n, &p, &why), DECODE_ERROR);
    ck_assert_ptr_nonnull(strstr(why, "fragment"));
}
END_TEST

START_TEST(loopback_headers_in_either_byte_order)
{
    uint8_t f[128] = {0};
    size_t n = 4 + ipv4_tcp(f + 4);
    struct packet p;
    const char *why;
    f[0] = 2; /* AF_INET, little-endian writer */
    ck_assert_int_eq(decode_packet(DLT_NULL, f, (uint32_t)n, (uint32_t)n, &p, &why), DECODE_TCP);
    memcpy(f, "\0\0\0\2", 4); /* big-endian writer */
    ck_assert_int_eq(decode_packet(DLT_NULL, f, (uint32_t)n, (uint32_t)n, &p, &why), DECODE_TCP);
    ck_assert_int_eq(decode_packet(DLT_LOOP, f, (uint32_t)n, (uint32_t)n, &p, &why), DECODE_TCP);
    memcpy(f, "\0\0\0\7", 4); /* some other family */
    ck_assert_int_eq(decode_packet(DLT_LOOP, f, (uint32_t)n, (uint32_t)n, &p, &why), DECODE_OTHER);
}
END_TEST

/* A SYN on raw IP whose options are opt[0..n) (n a multiple of 4). */
static size_t raw_syn(uint8_t *f, const uint8_t *opt, size_t n)
{
    static const uint8_t ip[] = {0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
    static const uint8_t tcp[] = {0x9c, 0x40, 0x1f, 0x41, 0, 0, 0, 100, 0, 0, 0, 0, 0, 0x02, 0xff, 0xff,
                                  0, 0, 0, 0};
    memcpy(f, ip, sizeof ip);
    f[3] = (uint8_t)(20 + 20 + n);
    memcpy(f + 20, tcp, sizeof tcp);
    f[32] = (uint8_t)((20 + n) / 4 << 4);
    memcpy(f + 40, opt, n);
    return 40 + n;
}

/* The window scale of a SYN (RFC 7323 §2.2) among its other options,
 * as Linux sends them (MSS, SACK permitted, timestamps, NOP, window
 * scale); not found when the snaplen cut it, nor past an option whose
 * length lies (0, 1, or past the end), nor after EOL. */
START_TEST(syn_window_scale_is_found_and_never_overread)
{
    static const uint8_t linux_syn[] = {2, 4, 0xff, 0xd7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
    uint8_t f[128];
    size_t n = raw_syn(f, linux_syn, sizeof linux_syn);
    struct packet p;
    const char *why;
    for (size_t cap = 40; cap <= n; cap++) {
        ck_assert_int_eq(decode_packet(DLT_RAW, f, (uint32_t)cap, (uint32_t)n, &p, &why), DECODE_TCP);
        ck_assert(p.has_wscale == (cap == n));
        if (p.has_wscale)
            ck_assert_uint_eq(p.wscale, 7);
    }
    static const uint8_t lies[][8] = {
        {2, 0, 3, 3, 7, 0, 0, 0},    /* a length of 0 */
        {2, 1, 3, 3, 7, 0, 0, 0},    /* a length of 1 */
        {2, 9, 1, 3, 3, 7, 0, 0},    /* past the end */
        {0, 3, 3, 7, 0, 0, 0, 0},    /* after EOL */
        {1, 1, 1, 1, 1, 1, 3, 3},    /* its shift past the end */
    };
    for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
        n = raw_syn(f, lies[i], sizeof lies[i]);
        ck_assert_int_eq(decode_packet(DLT_RAW, f, (uint32_t)n, (uint32_t)n, &p, &why), DECODE_TCP);
        ck_assert(!p.has_wscale);
    }
    /* Not a SYN: not looked for. */
    n = raw_syn(f, linux_syn, sizeof linux_syn);
    f[33] = TCP_ACK;
    ck_assert_int_eq(decode_packet(DLT_RAW, f, (uint32_t)n, (uint32_t)n, &p, &why), DECODE_TCP);
    ck_assert(!p.has_wscale);
}
END_TEST

START_TEST(ipv6_extension_headers_are_skipped)
{
    uint8_t f[160] = {0};
    /* SLL2 header: protocol 0x86DD first. */
    f[0] = 0x86;
    f[1] = 0xDD;
    uint8_t *ip = f + 20;
    ip[0] = 0x60;
    ip[5] = 8 + 8 + 20;         /* payload length: two extension headers + TCP */
    ip[6] = 0;                  /* hop-by-hop first */
    ip[23] = 1;                 /* ::1 */
    ip[39] = 1;
    uint8_t *ext = ip + 40;
    ext[0] = 60;                /* then destination options */
    ext[8] = 6;                 /* then TCP */
    uint8_t *tcp = ext + 16;
    tcp[1] = 80;
    tcp[3] = 81;
    tcp[12] = 0x50;
    tcp[13] = TCP_SYN;
    size_t n = 20 + 40 + 16 + 20;
    struct packet p;
    const char *why;
    ck_assert_int_eq(decode_packet(DLT_LINUX_SLL2, f, (uint32_t)n, (uint32_t)n, &p, &why), DECODE_TCP);
    ck_assert_uint_eq(p.src.family, 6);
    ck_assert_uint_eq(p.dport, 81);
    ck_assert_uint_eq(p.flags, TCP_SYN);
    char text[64];
    format_endpoint(&p.dst, p.dport, text);
    ck_assert_str_eq(text, "[::1]:81");
    ip[5] = 8; /* the payload length does not even cover the extension headers */
    ck_assert_int_eq(decode_packet(DLT_LINUX_SLL2, f, (uint32_t)n, (uint32_t)n, &p, &why), DECODE_ERROR);
}
END_TEST

/* format_endpoint writes its own digits; what it writes must be what
 * inet_ntop and printf write, for every digit count of a byte and a port. */
START_TEST(endpoints_read_as_inet_ntop_and_printf_write_them)
{
    static const uint8_t bytes[] = {0, 1, 9, 10, 99, 100, 199, 200, 255};
    static const uint16_t ports[] = {0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 65535};
    enum { N = sizeof bytes, P = sizeof ports / sizeof ports[0] };
    char text[64], ip[INET6_ADDRSTRLEN], want[80];
    for (size_t i = 0; i < N * N * N * N * P; i++) {
        struct ip_addr a = {.family = 4};
        size_t k = i;
        for (int b = 0; b < 4; b++, k /= N)
            a.bytes[b] = bytes[k % N];
        uint16_t port = ports[k % P];
        format_endpoint(&a, port, text);
        inet_ntop(AF_INET, a.bytes, ip, sizeof ip);
        snprintf(want, sizeof want, "%s:%u", ip, port);
        ck_assert_str_eq(text, want);
    }
    static const char *const v6[] = {"::", "::1", "fe80::1:2", "2001:db8::ff00:42:8329",
                                     "::ffff:192.0.2.128",
                                     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"};
    for (size_t i = 0; i < sizeof v6 / sizeof v6[0]; i++) {
        struct ip_addr a = {.family = 6};
        ck_assert_int_eq(inet_pton(AF_INET6, v6[i], a.bytes), 1);
        format_endpoint(&a, 65535, text);
        snprintf(want, sizeof want, "[%s]:65535", v6[i]);
        ck_assert_str_eq(text, want);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("decode");
    TCase *tc = tcase_create("decode");
    tcase_add_test(tc, ethernet_with_vlan_tag);
    tcase_add_test(tc, udp_is_passed_over_with_its_protocol_and_ports);
    tcase_add_test(tc, every_cut_is_reported_never_misread);
    tcase_add_test(tc, length_fields_that_lie);
    tcase_add_test(tc, loopback_headers_in_either_byte_order);
    tcase_add_test(tc, ipv6_extension_headers_are_skipped);
    tcase_add_test(tc, syn_window_scale_is_found_and_never_overread);
    tcase_add_test(tc, endpoints_read_as_inet_ntop_and_printf_write_them);
    suite_add_tcase(s, tc);
    return check_run(s);
}
