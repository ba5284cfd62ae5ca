/* check_ipfrag.c -- IP fragment reassembly: every order of the pieces
 * gives the same datagram, and every fragment that cannot be used is
 * reported once -- overlaps that disagree, pieces past 65535 bytes, bad
 * lengths, time-outs, the bound on datagrams held at once. */
#include <check.h>
#include <pcap/pcap.h>
#include <string.h>

#include "check_run.h"
#include "capture/decode.h"
#include "capture/ipfrag.h"
#include "pushlab.h"

/* What ipfrag reported. */
static int reports;
static char last_report[400];

static void on_report(void *ctx, int64_t ts_ns, uint64_t frame, const char *what)
{
    (void)ctx;
    (void)ts_ns;
    (void)frame;
    reports++;
    snprintf(last_report, sizeof last_report, "%s", what);
}

/* The datagram's payload: a TCP header (ports 40000 -> 8001) and text. */
static uint8_t payload[20 + 100];

static void make_payload(void)
{
    static const uint8_t tcp[20] = {0x9c, 0x40, 0x1f, 0x41, 0, 0, 0, 100, 0, 0, 0, 200,
                                    0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0};
    memcpy(payload, tcp, sizeof tcp);
    for (size_t i = 20; i < sizeof payload; i++)
        payload[i] = (uint8_t)('a' + i % 26);
}

/* A new reassembler, nothing reported yet, the payload made. */
static struct ipfrag *fresh(void)
{
    make_payload();
    reports = 0;
    last_report[0] = 0;
    struct ipfrag *f = ipfrag_new(on_report, NULL);
    ck_assert_ptr_nonnull(f);
    return f;
}

/* Fragment n of the datagram cut into 24-byte pieces. */
static struct packet piece(int family, uint32_t id, size_t n, int64_t ts_ns)
{
    struct packet p = {0};
    p.src.family = p.dst.family = (uint8_t)family;
    p.src.bytes[0] = 10, p.src.bytes[3] = 1;
    p.dst.bytes[0] = 10, p.dst.bytes[3] = 2;
    size_t off = n * 24, len = sizeof payload - off < 24 ? sizeof payload - off : 24;
    p.payload = payload + off;
    p.payload_len = p.payload_caplen = (uint32_t)len;
    p.frag.id = id;
    p.frag.offset = (uint32_t)off;
    p.frag.more = off + len < sizeof payload;
    p.frag.proto = 6;
    p.ts_ns = ts_ns;
    p.frame = n + 1;
    return p;
}

#define PIECES 5 /* 120 bytes in 24-byte pieces */

/* The reassembled packet must decode as the TCP segment we cut. */
static void assert_whole(const uint8_t *ip, size_t len, int family)
{
    ck_assert_ptr_nonnull(ip);
    struct packet p;
    const char *why;
    ck_assert_int_eq(decode_packet(DLT_RAW, ip, (uint32_t)len, (uint32_t)len, &p, &why), DECODE_TCP);
    ck_assert_uint_eq(p.src.family, family);
    ck_assert_uint_eq(p.sport, 40000);
    ck_assert_uint_eq(p.dport, 8001);
    ck_assert_uint_eq(p.payload_len, 100);
    ck_assert(memcmp(p.payload, payload + 20, 100) == 0);
}

/* Adding p gives no datagram, and the last report says what. */
static void assert_refused(struct ipfrag *f, const struct packet *p, const char *what)
{
    size_t len;
    ck_assert_ptr_null(ipfrag_add(f, p, &len));
    ck_assert_msg(strstr(last_report, what), "reported \"%s\", not \"%s\"", last_report, what);
}

START_TEST(every_order_gives_the_datagram)
{
    /* All 120 orders of the five pieces, for both families. */
    int order[PIECES];
    for (int perm = 0; perm < 120; perm++) {
        int left[PIECES] = {0, 1, 2, 3, 4}, n = PIECES, code = perm;
        for (int i = 0; i < PIECES; i++) {
            int k = code % n;
            code /= n;
            order[i] = left[k];
            memmove(left + k, left + k + 1, (size_t)(n - k - 1) * sizeof *left);
            n--;
        }
        int family = perm % 2 ? 6 : 4;
        struct ipfrag *f = fresh();
        for (int i = 0; i < PIECES; i++) {
            struct packet p = piece(family, 7, (size_t)order[i], i);
            size_t len;
            const uint8_t *ip = ipfrag_add(f, &p, &len);
            if (i < PIECES - 1)
                ck_assert_ptr_null(ip);
            else
                assert_whole(ip, len, family);
        }
        ipfrag_finish(f);
        ck_assert_int_eq(reports, 0);
        ipfrag_free(f);
    }
}
END_TEST

START_TEST(overlaps_are_reported)
{
    struct ipfrag *f = fresh();
    size_t len;
    struct packet p = piece(4, 1, 1, 0);
    ck_assert_ptr_null(ipfrag_add(f, &p, &len));
    assert_refused(f, &p, "overlapping IP fragment"); /* the same piece twice */
    ck_assert_int_eq(reports, 1);
    const uint8_t *ip = NULL;
    for (size_t n = 0; n < PIECES; n++) {
        if (n == 1)
            continue;
        p = piece(4, 1, n, 0);
        ip = ipfrag_add(f, &p, &len);
    }
    assert_whole(ip, len, 4);

    /* Now one whose bytes differ: the datagram is dropped. */
    uint8_t other[24];
    memset(other, 'X', sizeof other);
    p = piece(4, 2, 1, 0);
    ipfrag_add(f, &p, &len);
    p.payload = other;
    assert_refused(f, &p, "disagree");
    ck_assert_int_eq(reports, 2);
    for (size_t n = 0; n < PIECES; n++) {
        p = piece(4, 2, n, 0);
        if (n != 1)
            ck_assert_ptr_null(ipfrag_add(f, &p, &len)); /* a new datagram, now one piece short */
    }
    ipfrag_finish(f);
    ck_assert_int_eq(reports, 3);
    ck_assert_ptr_nonnull(strstr(last_report, "end of the capture"));
    ipfrag_free(f);
}
END_TEST

START_TEST(bad_pieces_are_reported)
{
    struct ipfrag *f = fresh();
    size_t len;
    struct packet p = piece(4, 3, 0, 0);
    p.payload_len = 23; /* not the last, and not a multiple of 8 */
    assert_refused(f, &p, "multiple of 8");
    p = piece(4, 4, 0, 0);
    p.frag.offset = 65528; /* 65528 + 24 bytes cannot be said in 16 bits */
    assert_refused(f, &p, "past 65535");
    p = piece(4, 5, PIECES - 1, 0); /* the last piece: 120 bytes in all */
    ipfrag_add(f, &p, &len);
    p = piece(4, 5, 0, 0);
    p.frag.offset = 200; /* ... and a piece after it */
    assert_refused(f, &p, "past the last");
    ck_assert_int_eq(reports, 3);
    ipfrag_finish(f);
    ck_assert_int_eq(reports, 3); /* each datagram reported once */
    ipfrag_free(f);
}
END_TEST

START_TEST(time_and_count_are_bounded)
{
    struct ipfrag *f = fresh();
    size_t len;
    struct packet p = piece(6, 9, 0, 0);
    ipfrag_add(f, &p, &len);
    ipfrag_expire(f, (int64_t)VIZ_IPFRAG_TIMEOUT_S * 1000000000 - 1);
    ck_assert_int_eq(reports, 0);
    ipfrag_expire(f, (int64_t)VIZ_IPFRAG_TIMEOUT_S * 1000000000);
    ck_assert_int_eq(reports, 1);
    ck_assert_ptr_nonnull(strstr(last_report, "incomplete after"));
    /* One more datagram than may be held: the oldest gives way. */
    for (uint32_t id = 0; id <= VIZ_IPFRAG_DATAGRAMS; id++) {
        p = piece(4, id, 0, 1000 + id);
        ck_assert_ptr_null(ipfrag_add(f, &p, &len));
    }
    ck_assert_int_eq(reports, 2);
    ck_assert_ptr_nonnull(strstr(last_report, "datagram 0x0 "));
    ck_assert_ptr_nonnull(strstr(last_report, "pushed out"));
    ipfrag_finish(f);
    ck_assert_int_eq(reports, 2 + VIZ_IPFRAG_DATAGRAMS);
    ipfrag_free(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ipfrag");
    TCase *tc = tcase_create("ipfrag");
    tcase_add_test(tc, every_order_gives_the_datagram);
    tcase_add_test(tc, overlaps_are_reported);
    tcase_add_test(tc, bad_pieces_are_reported);
    tcase_add_test(tc, time_and_count_are_bounded);
    suite_add_tcase(s, tc);
    return check_run(s);
}
