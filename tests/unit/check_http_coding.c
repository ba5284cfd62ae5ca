/* check_http_coding.c -- content codings (RFC 9110 §8.4): reading
 * Content-Encoding, and the decoder on gzip (one member and several), zlib
 * deflate and raw deflate made by zlib, fed whole, split at every point of
 * the input, and one byte at a time into outputs of any size; corrupt
 * data, bytes after the end, a cut stream, and a bomb that decodes in
 * bounded pieces. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check_run.h"
#include "proto/http_coding.h"

static struct slice S(const char *s) { return (struct slice){s, strlen(s)}; }

START_TEST(parse_content_encoding)
{
    ck_assert_int_eq(http_coding_parse(S("gzip")), HTTP_CODING_GZIP);
    ck_assert_int_eq(http_coding_parse(S("X-Gzip")), HTTP_CODING_GZIP);
    ck_assert_int_eq(http_coding_parse(S(" deflate ")), HTTP_CODING_DEFLATE);
    ck_assert_int_eq(http_coding_parse(S("identity")), HTTP_CODING_IDENTITY);
    ck_assert_int_eq(http_coding_parse(S("")), HTTP_CODING_IDENTITY);
    ck_assert_int_eq(http_coding_parse(S("identity, gzip")), HTTP_CODING_GZIP);
    ck_assert_int_eq(http_coding_parse(S("br")), HTTP_CODING_OTHER);
    ck_assert_int_eq(http_coding_parse(S("zstd")), HTTP_CODING_OTHER);
    ck_assert_int_eq(http_coding_parse(S("gzip, br")), HTTP_CODING_OTHER);   /* two codings */
    ck_assert_int_eq(http_coding_parse(S("gzip, gzip")), HTTP_CODING_OTHER);
    ck_assert_ptr_null(http_decoder_new(HTTP_CODING_OTHER));
    ck_assert_ptr_null(http_decoder_new(HTTP_CODING_IDENTITY));
}
END_TEST

/* zlib's compress with windowBits wb (31 gzip, 15 zlib, -15 raw). */
static size_t compress_with(int wb, const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    z_stream zs = {0};
    ck_assert_int_eq(deflateInit2(&zs, 6, Z_DEFLATED, wb, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t n = cap - zs.avail_out;
    deflateEnd(&zs);
    return n;
}

/* Decode in[0..len) fed as [0..cut) then [cut..len) in pieces of `piece`
 * bytes, into outputs of `room` bytes; the decoded length, or -1 on an
 * error.  *done: whether the coded data ended. */
static long decode(enum http_coding c, const uint8_t *in, size_t len, size_t cut, size_t piece, size_t room,
                   uint8_t *out, size_t out_size, bool *done)
{
    struct http_decoder *z = http_decoder_new(c);
    ck_assert_ptr_nonnull(z);
    size_t pos = 0, n = 0;
    long result = 0;
    while (result >= 0) {
        size_t end = pos < cut ? cut : len;
        size_t k = end - pos < piece ? end - pos : piece;
        size_t used;
        struct proto_err err = {0};
        uint8_t buf[256];
        long w = http_decode(z, in + pos, k, &used, buf, room < sizeof buf ? room : sizeof buf, &err);
        if (w < 0) {
            ck_assert_ptr_nonnull(err.why);
            result = -1;
            break;
        }
        ck_assert_uint_le(used, k);
        ck_assert_uint_le(n + (size_t)w, out_size);
        memcpy(out + n, buf, (size_t)w);
        n += (size_t)w;
        pos += used;
        if (pos == len && (size_t)w < (room < sizeof buf ? room : sizeof buf))
            break;
    }
    *done = http_decoder_done(z);
    http_decoder_free(z);
    return result < 0 ? -1 : (long)n;
}

static void every_split(enum http_coding c, int wb)
{
    uint8_t text[700];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (uint8_t)("data: {\"tick\":1}\n\n"[i % 18]);
    uint8_t coded[1024], out[1024];
    size_t len = compress_with(wb, text, sizeof text, coded, sizeof coded);
    bool done;
    for (size_t cut = 0; cut <= len; cut++) {
        ck_assert_int_eq(decode(c, coded, len, cut, len, 256, out, sizeof out, &done), (long)sizeof text);
        ck_assert(done);
        ck_assert(memcmp(out, text, sizeof text) == 0);
    }
    /* One byte at a time, into outputs of 1 and 7 bytes. */
    ck_assert_int_eq(decode(c, coded, len, 0, 1, 1, out, sizeof out, &done), (long)sizeof text);
    ck_assert(done && memcmp(out, text, sizeof text) == 0);
    ck_assert_int_eq(decode(c, coded, len, 0, 1, 7, out, sizeof out, &done), (long)sizeof text);
    ck_assert(done && memcmp(out, text, sizeof text) == 0);
    /* Cut short: what came decodes, and the decoder says it has not ended. */
    long part = decode(c, coded, len - 3, 0, len, 256, out, sizeof out, &done);
    ck_assert_int_ge(part, 0);
    ck_assert(!done);
}

START_TEST(gzip_every_split) { every_split(HTTP_CODING_GZIP, 31); }
END_TEST

START_TEST(zlib_deflate_every_split) { every_split(HTTP_CODING_DEFLATE, 15); }
END_TEST

START_TEST(raw_deflate_every_split) { every_split(HTTP_CODING_DEFLATE, -15); }
END_TEST

START_TEST(gzip_members_join)
{
    uint8_t coded[256], out[64];
    size_t a = compress_with(31, (const uint8_t *)"first ", 6, coded, sizeof coded);
    size_t b = compress_with(31, (const uint8_t *)"second", 6, coded + a, sizeof coded - a);
    bool done;
    for (size_t cut = 0; cut <= a + b; cut++) {
        ck_assert_int_eq(decode(HTTP_CODING_GZIP, coded, a + b, cut, a + b, 256, out, sizeof out, &done), 12);
        ck_assert(done && memcmp(out, "first second", 12) == 0);
    }
}
END_TEST

START_TEST(corrupt_data_is_an_error)
{
    uint8_t text[300], coded[512], out[512];
    memset(text, 'x', sizeof text);
    bool done;
    /* Bad header, bad DEFLATE data, a bad gzip CRC. */
    static const uint8_t not_gzip[] = {0x1f, 0x8c, 8, 0, 0, 0, 0, 0, 0, 3};
    ck_assert_int_eq(decode(HTTP_CODING_GZIP, not_gzip, sizeof not_gzip, 0, 64, 256, out, sizeof out, &done), -1);
    size_t len = compress_with(31, text, sizeof text, coded, sizeof coded);
    coded[len - 6] ^= 0xff; /* the CRC-32 */
    ck_assert_int_eq(decode(HTTP_CODING_GZIP, coded, len, 0, len, 256, out, sizeof out, &done), -1);
    static const uint8_t bad_block[] = {0x78, 0x9c, 0xff, 0xff, 0xff, 0xff}; /* zlib header, block type 3 */
    ck_assert_int_eq(decode(HTTP_CODING_DEFLATE, bad_block, sizeof bad_block, 1, 1, 256, out, sizeof out, &done),
                     -1);
    /* Bytes after a deflate stream's end. */
    len = compress_with(15, text, sizeof text, coded, sizeof coded);
    coded[len] = 'x';
    ck_assert_int_eq(decode(HTTP_CODING_DEFLATE, coded, len + 1, 0, len + 1, 256, out, sizeof out, &done), -1);
    /* A failed decoder stays failed. */
    struct http_decoder *z = http_decoder_new(HTTP_CODING_GZIP);
    size_t used;
    struct proto_err err = {0};
    ck_assert_int_eq(http_decode(z, not_gzip, sizeof not_gzip, &used, out, sizeof out, &err), PROTO_ERROR);
    len = compress_with(31, text, sizeof text, coded, sizeof coded);
    ck_assert_int_eq(http_decode(z, coded, len, &used, out, sizeof out, &err), PROTO_ERROR);
    http_decoder_free(z);
}
END_TEST

START_TEST(bomb_decodes_in_bounded_pieces)
{
    /* 64 MiB of zeros, about 64 KB coded: every call writes at most the
     * room it is given, and the decoder's memory is zlib's state alone. */
    size_t size = 64u << 20, cap = size / 900;
    uint8_t *coded = malloc(cap), *zeros = calloc(1, 1 << 20);
    ck_assert_ptr_nonnull(coded);
    ck_assert_ptr_nonnull(zeros);
    z_stream zs = {0};
    ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_out = coded;
    zs.avail_out = (uInt)cap;
    for (size_t i = 0; i < size >> 20; i++) {
        zs.next_in = zeros;
        zs.avail_in = 1 << 20;
        ck_assert_int_eq(deflate(&zs, i + 1 == size >> 20 ? Z_FINISH : Z_NO_FLUSH), i + 1 == size >> 20 ? Z_STREAM_END : Z_OK);
    }
    size_t len = cap - zs.avail_out;
    deflateEnd(&zs);
    struct http_decoder *z = http_decoder_new(HTTP_CODING_GZIP);
    uint8_t out[4096];
    size_t pos = 0, total = 0, calls = 0;
    for (;;) {
        size_t used;
        struct proto_err err = {0};
        long w = http_decode(z, coded + pos, len - pos, &used, out, sizeof out, &err);
        ck_assert_int_ge(w, 0);
        ck_assert_uint_le((size_t)w, sizeof out);
        pos += used;
        total += (size_t)w;
        calls++;
        if (pos == len && (size_t)w < sizeof out)
            break;
    }
    ck_assert_uint_eq(total, size);
    ck_assert_uint_ge(calls, size / sizeof out);
    ck_assert(http_decoder_done(z));
    http_decoder_free(z);
    free(coded);
    free(zeros);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http_coding");
    TCase *tc = tcase_create("http_coding");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, parse_content_encoding);
    tcase_add_test(tc, gzip_every_split);
    tcase_add_test(tc, zlib_deflate_every_split);
    tcase_add_test(tc, raw_deflate_every_split);
    tcase_add_test(tc, gzip_members_join);
    tcase_add_test(tc, corrupt_data_is_an_error);
    tcase_add_test(tc, bomb_decodes_in_bounded_pieces);
    suite_add_tcase(s, tc);
    return check_run(s);
}
