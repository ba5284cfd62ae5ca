/* check_ws_deflate.c -- permessage-deflate (RFC 7692): the parameters a
 * server's Sec-WebSocket-Extensions accepts (§7.1), and the inflater on
 * the RFC's own examples (§7.2.3.1-5), context takeover and its absence,
 * messages produced by zlib's deflate (fed whole, split at every point,
 * one byte at a time, into an output of any size), and corrupt data; a
 * server's answer to offers, and its deflater read back by the inflater. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check_run.h"
#include "proto/ws_deflate.h"

static struct slice S(const char *s) { return (struct slice){s, strlen(s)}; }

START_TEST(parse_what_servers_answer)
{
    struct ws_deflate_params p;
    struct proto_err err = {0};
    /* node ws answering Chromium. */
    ck_assert_int_eq(ws_deflate_parse(S("permessage-deflate; client_max_window_bits=15"), &p, &err), 1);
    ck_assert(!p.server_no_context_takeover && !p.client_no_context_takeover);
    ck_assert_uint_eq(p.server_max_window_bits, 15);
    ck_assert_uint_eq(p.client_max_window_bits, 15);
    ck_assert_int_eq(ws_deflate_parse(S("permessage-deflate;server_no_context_takeover; "
                                        "client_no_context_takeover ; server_max_window_bits=\"10\""),
                                      &p, &err), 1);
    ck_assert(p.server_no_context_takeover && p.client_no_context_takeover);
    ck_assert_uint_eq(p.server_max_window_bits, 10);
    /* Another extension first; names are case-insensitive. */
    ck_assert_int_eq(ws_deflate_parse(S("x-webkit-deflate-frame, Permessage-Deflate; client_max_window_bits=9"),
                                      &p, &err), 1);
    ck_assert_uint_eq(p.client_max_window_bits, 9);
    ck_assert_uint_eq(p.server_max_window_bits, 15);
    /* An offer's bare client_max_window_bits means "any": 15 stands. */
    ck_assert_int_eq(ws_deflate_parse(S("permessage-deflate; client_max_window_bits"), &p, &err), 1);
    ck_assert_uint_eq(p.client_max_window_bits, 15);
    ck_assert_int_eq(ws_deflate_parse(S("x-webkit-deflate-frame"), &p, &err), 0);
    ck_assert_int_eq(ws_deflate_parse(S(""), &p, &err), 0);
    /* A response's value may span an obs-fold, which reads as SP (RFC
     * 9112 §5.2; struct http_header). */
    ck_assert_int_eq(ws_deflate_parse(S("permessage-deflate;\r\n server_max_window_bits=\r\n\t10"), &p, &err), 1);
    ck_assert_uint_eq(p.server_max_window_bits, 10);
}
END_TEST

START_TEST(parse_refuses)
{
    static const char *const bad[] = {
        "permessage-deflate; server_max_window_bits",       /* needs a value */
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; client_max_window_bits=7",
        "permessage-deflate; client_max_window_bits=010",
        "permessage-deflate; client_max_window_bits=1x",
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; mystery",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct ws_deflate_params p;
        struct proto_err err = {0};
        ck_assert_msg(ws_deflate_parse(S(bad[i]), &p, &err) == PROTO_ERROR, "accepted %s", bad[i]);
        ck_assert_int_eq(err.code, 1002);
        ck_assert_ptr_nonnull(err.why);
    }
}
END_TEST

/* Inflate one message in pieces of `piece` input bytes into an output of
 * `cap` bytes at a time; returns the length, or -1 on an error. */
static long inflate_message(struct ws_inflater *z, const uint8_t *in, size_t len, size_t piece,
                            size_t cap, uint8_t *out, size_t out_size)
{
    size_t pos = 0, n = 0;
    for (;;) {
        size_t k = len - pos < piece ? len - pos : piece;
        bool last = pos + k == len;
        size_t used;
        bool done;
        struct proto_err err = {0};
        uint8_t buf[64];
        long w = ws_inflate(z, in + pos, k, &used, last, buf, cap < sizeof buf ? cap : sizeof buf,
                            &done, &err);
        if (w < 0) {
            ck_assert_int_eq(err.code, 1007);
            return -1;
        }
        ck_assert_uint_le(n + (size_t)w, out_size);
        memcpy(out + n, buf, (size_t)w);
        n += (size_t)w;
        pos += used;
        if (done)
            return (long)n;
        ck_assert_msg(w > 0 || used > 0 || last, "no progress");
        ck_assert_msg(pos < len || last, "input ended before the message");
    }
}

static void expect(struct ws_inflater *z, const uint8_t *in, size_t len, const char *text)
{
    uint8_t out[256];
    long n = inflate_message(z, in, len, len, sizeof out, out, sizeof out);
    ck_assert_int_eq(n, (long)strlen(text));
    ck_assert_mem_eq(out, text, (size_t)n);
}

START_TEST(rfc7692_examples)
{
    struct ws_inflater *z = ws_inflater_new(false);
    /* §7.2.3.1 "Hello", then §7.2.3.2 the same again, sharing the window. */
    static const uint8_t hello[] = {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00};
    static const uint8_t again[] = {0xf2, 0x00, 0x11, 0x00, 0x00};
    expect(z, hello, sizeof hello, "Hello");
    expect(z, again, sizeof again, "Hello");
    /* §7.2.3.3 a stored block; §7.2.3.5 two blocks in one message. */
    static const uint8_t stored[] = {0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00};
    static const uint8_t two[] = {0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00};
    expect(z, stored, sizeof stored, "Hello");
    expect(z, two, sizeof two, "Hello");
    /* §7.2.3.4 a final block ends the stream; the next message may still
     * refer back into the window. */
    static const uint8_t final[] = {0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00};
    expect(z, final, sizeof final, "Hello");
    expect(z, again, sizeof again, "Hello");
    ws_inflater_free(z);
}
END_TEST

START_TEST(no_context_takeover_forgets)
{
    static const uint8_t hello[] = {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00};
    static const uint8_t again[] = {0xf2, 0x00, 0x11, 0x00, 0x00}; /* refers to the last message */
    struct ws_inflater *z = ws_inflater_new(true);
    expect(z, hello, sizeof hello, "Hello");
    expect(z, hello, sizeof hello, "Hello");
    uint8_t out[64];
    ck_assert_int_eq(inflate_message(z, again, sizeof again, 5, sizeof out, out, sizeof out), -1);
    ws_inflater_reset(z);
    expect(z, hello, sizeof hello, "Hello");
    ws_inflater_free(z);
}
END_TEST

/* A sender with context takeover: zlib raw deflate, a sync flush per
 * message, the 00 00 ff ff tail cut off (§7.2.1). */
static size_t compress_message(z_stream *zs, const char *text, uint8_t *out, size_t cap)
{
    zs->next_in = (Bytef *)(uintptr_t)text;
    zs->avail_in = (uInt)strlen(text);
    zs->next_out = out;
    zs->avail_out = (uInt)cap;
    int r = deflate(zs, Z_SYNC_FLUSH);
    size_t n = cap - zs->avail_out;
    if (r == Z_BUF_ERROR && n == 0) { /* nothing new since the last flush */
        out[0] = 0x00; /* an empty message's payload (§7.2.3.6) */
        return 1;
    }
    ck_assert_int_eq(r, Z_OK);
    ck_assert_uint_ge(n, 4);
    ck_assert_mem_eq(out + n - 4, "\x00\x00\xff\xff", 4);
    return n - 4;
}

START_TEST(zlib_messages_every_split)
{
    static const char *const texts[] = {
        "{\"seq\":1,\"ts\":1700000000000,\"kind\":\"tick\",\"text\":\"tick\"}",
        "{\"seq\":2,\"ts\":1700000001000,\"kind\":\"tick\",\"text\":\"tick\"}",
        "héllo wörld, héllo wörld, héllo wörld, héllo wörld",
        "",
        "{\"seq\":3,\"ts\":1700000002000,\"kind\":\"chat\",\"text\":\"a much longer chat line that "
        "says a much longer thing, a much longer thing indeed\"}",
    };
    for (size_t piece = 1; piece <= 9; piece += 4) {
        for (size_t cap = 1; cap <= 64; cap *= 4) {
            z_stream zs = {0};
            ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
            struct ws_inflater *z = ws_inflater_new(false);
            for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
                uint8_t wire[512], out[512];
                size_t n = compress_message(&zs, texts[i], wire, sizeof wire);
                long got = inflate_message(z, wire, n, piece, cap, out, sizeof out);
                ck_assert_int_eq(got, (long)strlen(texts[i]));
                ck_assert_mem_eq(out, texts[i], (size_t)got);
            }
            ws_inflater_free(z);
            deflateEnd(&zs);
        }
    }
}
END_TEST

START_TEST(corrupt_data_is_an_error)
{
    static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0x12, 0x34};
    static const uint8_t hello[] = {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00};
    struct ws_inflater *z = ws_inflater_new(false);
    uint8_t out[64];
    ck_assert_int_eq(inflate_message(z, junk, sizeof junk, 1, sizeof out, out, sizeof out), -1);
    ws_inflater_reset(z);
    expect(z, hello, sizeof hello, "Hello");
    ws_inflater_free(z);
}
END_TEST

START_TEST(bomb_streams_out_in_bounded_pieces)
{
    /* 1 MiB of zeros compresses to about a kilobyte; it comes out a
     * buffer at a time and never all at once. */
    static uint8_t zeros[1 << 20], wire[8192];
    z_stream zs = {0};
    ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = zeros;
    zs.avail_in = sizeof zeros;
    zs.next_out = wire;
    zs.avail_out = sizeof wire;
    ck_assert_int_eq(deflate(&zs, Z_SYNC_FLUSH), Z_OK);
    size_t n = sizeof wire - zs.avail_out - 4;
    deflateEnd(&zs);
    struct ws_inflater *z = ws_inflater_new(false);
    size_t pos = 0, total = 0;
    bool done = false;
    while (!done) {
        uint8_t out[4096];
        size_t used;
        struct proto_err err = {0};
        long w = ws_inflate(z, wire + pos, n - pos, &used, true, out, sizeof out, &done, &err);
        ck_assert_int_ge(w, 0);
        ck_assert_uint_le((size_t)w, sizeof out);
        pos += used;
        total += (size_t)w;
    }
    ck_assert_uint_eq(total, sizeof zeros);
    ws_inflater_free(z);
}
END_TEST

START_TEST(server_answers_offers)
{
    static const struct {
        const char *offer, *answer; /* answer NULL: declined */
    } cases[] = {
        {"permessage-deflate; client_max_window_bits", "permessage-deflate"}, /* Chromium's */
        {"permessage-deflate", "permessage-deflate"},
        {"permessage-deflate; server_no_context_takeover; client_no_context_takeover",
         "permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
        {"permessage-deflate; server_max_window_bits=10",
         "permessage-deflate; server_max_window_bits=10"},
        /* accepted by echoing it, even at 15 (§7.1.2.1) */
        {"permessage-deflate; server_max_window_bits=15",
         "permessage-deflate; server_max_window_bits=15"},
        {"x-webkit-deflate-frame, permessage-deflate; client_max_window_bits=12", "permessage-deflate"},
        {"permessage-deflate; server_max_window_bits=8", NULL}, /* zlib writes 9 at least */
        {"permessage-deflate; foo=1", NULL},
        /* each element is an offer of its own: the first acceptable one wins (§5) */
        {"permessage-deflate; foo=1, permessage-deflate", "permessage-deflate"},
        {"permessage-deflate; server_max_window_bits=8, x-webkit-deflate-frame, "
         "permessage-deflate; server_max_window_bits=10, permessage-deflate",
         "permessage-deflate; server_max_window_bits=10"},
        {"permessage-deflate; client_no_context_takeover, permessage-deflate; server_max_window_bits=9",
         "permessage-deflate; client_no_context_takeover"},
        {"permessage-deflate; foo, permessage-deflate; server_max_window_bits=8", NULL},
        {"x-webkit-deflate-frame", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ws_deflate_params p;
        char out[128];
        int r = ws_deflate_answer(S(cases[i].offer), &p, out, sizeof out);
        ck_assert_msg(r == (cases[i].answer != NULL), "offer %s", cases[i].offer);
        if (r)
            ck_assert_str_eq(out, cases[i].answer);
    }
    struct ws_deflate_params p;
    char out[128];
    ck_assert_int_eq(ws_deflate_answer(S("permessage-deflate; server_no_context_takeover; "
                                         "server_max_window_bits=12"), &p, out, sizeof out), 1);
    ck_assert(p.server_no_context_takeover && !p.client_no_context_takeover);
    ck_assert_uint_eq(p.server_max_window_bits, 12);
    /* a declined offer's parameters do not carry over to the next */
    ck_assert_int_eq(ws_deflate_answer(S("permessage-deflate; server_no_context_takeover; "
                                         "server_max_window_bits=8, permessage-deflate"), &p, out, sizeof out), 1);
    ck_assert(!p.server_no_context_takeover);
    ck_assert_uint_eq(p.server_max_window_bits, 15);
}
END_TEST

/* Messages from ws_deflate_message read back by ws_inflate, in order:
 * with context takeover a repeat costs a few bytes; without, as much as
 * the first time. */
static void round_trip(int level, unsigned bits, bool no_takeover)
{
    static char big[100000];
    for (size_t i = 0; i < sizeof big; i++) /* text that compresses, but not to nothing */
        big[i] = (char)('a' + (i * 7 + i / 13) % 26);
    const char *texts[] = {"{\"seq\":1,\"kind\":\"tick\",\"text\":\"tick 1\"}",
                           "{\"seq\":1,\"kind\":\"tick\",\"text\":\"tick 1\"}", "", "h\u00e9llo", big};
    size_t lens[] = {strlen(texts[0]), strlen(texts[1]), 0, strlen(texts[3]), sizeof big};
    struct ws_deflater *d = ws_deflater_new(level, bits, no_takeover);
    struct ws_inflater *z = ws_inflater_new(no_takeover);
    ck_assert_ptr_nonnull(d);
    size_t cap = ws_deflate_bound(d, sizeof big); /* room for the largest */
    uint8_t *wire = malloc(cap);
    static uint8_t back[sizeof big + 1]; /* room past the end: see ws_inflate */
    ck_assert_ptr_nonnull(wire);
    long sizes[5];
    for (int k = 0; k < 5; k++) {
        struct proto_err err = {0};
        ck_assert_uint_le(ws_deflate_bound(d, lens[k]), cap);
        long n = ws_deflate_message(d, (const uint8_t *)texts[k], lens[k], wire, cap, &err);
        ck_assert_msg(n > 0, "message %d: %s", k, err.why ? err.why : "");
        sizes[k] = n;
        size_t used;
        bool done;
        long m = ws_inflate(z, wire, (size_t)n, &used, true, back, sizeof back, &done, &err);
        ck_assert(done && used == (size_t)n);
        ck_assert_int_eq(m, (long)lens[k]);
        ck_assert_mem_eq(back, texts[k], lens[k]);
    }
    if (no_takeover)
        ck_assert_int_eq(sizes[1], sizes[0]);
    else
        ck_assert_int_lt(sizes[1], sizes[0] / 2);
    ck_assert_int_lt(sizes[4], (long)sizeof big / 4);
    struct proto_err err = {0};
    ck_assert_int_eq(ws_deflate_message(d, (const uint8_t *)big, sizeof big, wire, 100, &err), PROTO_ERROR);
    ck_assert_int_eq(err.code, 1009);
    free(wire);
    ws_deflater_free(d);
    ws_inflater_free(z);
}

START_TEST(deflater_read_back)
{
    round_trip(6, 15, false);
    round_trip(6, 15, true);
    round_trip(1, 9, false);
    round_trip(9, 12, true);
    ck_assert_ptr_null(ws_deflater_new(6, 8, false));
    ck_assert_ptr_null(ws_deflater_new(0, 15, false));
}
END_TEST

/* Data that does not shrink grows a little, the more so the smaller the
 * window (a block that has left the window cannot be sent as a stored
 * copy): in every window zlib writes, random and compressible messages of
 * up to 256 KiB fit in exactly ws_deflate_bound and read back. */
START_TEST(deflater_bound_every_window)
{
    enum { BIG = 256 * 1024 };
    static uint8_t msg[BIG], back[BIG + 1];
    static const char text[] = "data: {\"tick\":1}\n\n";
    const size_t lens[] = {1, 1000, 2000, 16000, 65536, BIG};
    uint32_t seed = 1;
    for (unsigned bits = 9; bits <= 15; bits++) {
        for (int no_takeover = 0; no_takeover < 2; no_takeover++) {
            struct ws_deflater *d = ws_deflater_new(6, bits, no_takeover);
            struct ws_inflater *z = ws_inflater_new(no_takeover);
            ck_assert(d && z);
            for (size_t k = 0; k < 2 * sizeof lens / sizeof lens[0]; k++) {
                size_t len = lens[k / 2];
                bool random = k % 2 == 0;
                for (size_t i = 0; i < len; i++) {
                    seed = seed * 1103515245u + 12345u;
                    msg[i] = random ? (uint8_t)(seed >> 24) : (uint8_t)text[i % (sizeof text - 1)];
                }
                size_t cap = ws_deflate_bound(d, len);
                uint8_t *wire = malloc(cap); /* exactly: ASan sees a byte past it */
                ck_assert_ptr_nonnull(wire);
                struct proto_err err = {0};
                long n = ws_deflate_message(d, msg, len, wire, cap, &err);
                ck_assert_msg(n > 0, "%u bits, %zu %s bytes: %s", bits, len, random ? "random" : "text",
                              err.why ? err.why : "");
                size_t used;
                bool done;
                long m = ws_inflate(z, wire, (size_t)n, &used, true, back, sizeof back, &done, &err);
                ck_assert(done && used == (size_t)n && m == (long)len);
                ck_assert_mem_eq(back, msg, len);
                free(wire);
            }
            ws_deflater_free(d);
            ws_inflater_free(z);
        }
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ws_deflate");
    TCase *tc = tcase_create("ws_deflate");
    tcase_add_test(tc, parse_what_servers_answer);
    tcase_add_test(tc, parse_refuses);
    tcase_add_test(tc, rfc7692_examples);
    tcase_add_test(tc, no_context_takeover_forgets);
    tcase_add_test(tc, zlib_messages_every_split);
    tcase_add_test(tc, corrupt_data_is_an_error);
    tcase_add_test(tc, bomb_streams_out_in_bounded_pieces);
    tcase_add_test(tc, server_answers_offers);
    tcase_add_test(tc, deflater_read_back);
    tcase_add_test(tc, deflater_bound_every_window);
    suite_add_tcase(s, tc);
    return check_run(s);
}
