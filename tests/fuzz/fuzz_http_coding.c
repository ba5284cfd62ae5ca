/* fuzz_http_coding.c -- libFuzzer target for HTTP content codings
 * (src/proto/http_coding.c).
 *
 * Checks, on arbitrary bytes:
 *   - http_coding_parse, on the bytes as a Content-Encoding value, names
 *     one of the four codings;
 *   - the decoder, fed the bytes as gzip and as deflate, never writes past
 *     its output, never takes more input than given, and gives the same
 *     bytes (or the same failure) fed whole or in pieces of any size into
 *     outputs of any size;
 *   - the bytes compressed by zlib as gzip, as zlib deflate and as raw
 *     deflate decode back to themselves, and the decoder says the data
 *     ended.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "proto/http_coding.h"

#define OUT_MAX (1 << 16) /* stop comparing after this much output */

/* Decode in[0..len) in `piece`-byte pieces, `room` bytes of output at a
 * time, into out (at most OUT_MAX bytes kept).  The length, -1 on an
 * error, -2 for a bomb (more than OUT_MAX). */
static long decode_all(enum http_coding c, const uint8_t *in, size_t len, size_t piece, size_t room,
                       uint8_t *out, bool *done)
{
    struct http_decoder *z = http_decoder_new(c);
    if (!z)
        return -1;
    size_t pos = 0, n = 0;
    long result = -3;
    for (unsigned rounds = 0; rounds < 1u << 22 && result == -3; rounds++) {
        size_t k = len - pos < piece ? len - pos : piece;
        size_t used;
        struct proto_err err = {0};
        uint8_t buf[512];
        long w = http_decode(z, in + pos, k, &used, buf, room, &err);
        if (w < 0) {
            if (!err.why)
                abort();
            result = -1;
        } else if ((size_t)w > room || used > k) {
            abort();
        } else if (n + (size_t)w > OUT_MAX) {
            result = -2;
        } else {
            memcpy(out + n, buf, (size_t)w);
            n += (size_t)w;
            pos += used;
            if (pos == len && (size_t)w < room)
                result = (long)n;
        }
    }
    if (result == -3)
        abort(); /* no progress */
    *done = http_decoder_done(z);
    http_decoder_free(z);
    return result;
}

static void round_trip(const uint8_t *data, size_t size, enum http_coding c, int window_bits, size_t piece)
{
    static uint8_t wire[2 * 4096 + 256], out[OUT_MAX];
    z_stream zs = {0};
    if (deflateInit2(&zs, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return;
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)size;
    zs.next_out = wire;
    zs.avail_out = sizeof wire;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        abort();
    size_t n = sizeof wire - zs.avail_out;
    deflateEnd(&zs);
    bool done;
    long got = decode_all(c, wire, n, piece, 1 + piece % 300, out, &done);
    if (got != (long)size || memcmp(out, data, size) != 0 || !done)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum http_coding c = http_coding_parse((struct slice){(const char *)data, size});
    if (c != HTTP_CODING_IDENTITY && c != HTTP_CODING_GZIP && c != HTTP_CODING_DEFLATE && c != HTTP_CODING_OTHER)
        abort();
    if (size == 0)
        return 0;
    static uint8_t whole[OUT_MAX], pieces[OUT_MAX];
    size_t piece = 1 + data[0] % 13, room = 1 + data[0] % 61;
    for (int k = 0; k < 2; k++) {
        enum http_coding coding = k ? HTTP_CODING_DEFLATE : HTTP_CODING_GZIP;
        bool d1, d2;
        long n1 = decode_all(coding, data + 1, size - 1, size, 512, whole, &d1);
        long n2 = decode_all(coding, data + 1, size - 1, piece, room, pieces, &d2);
        if (n1 != -2 && n2 != -2 && (n1 != n2 || (n1 >= 0 && (d1 != d2 || memcmp(whole, pieces, (size_t)n1) != 0))))
            abort();
    }
    round_trip(data, size, HTTP_CODING_GZIP, 31, piece);
    round_trip(data, size, HTTP_CODING_DEFLATE, 15, piece);
    round_trip(data, size, HTTP_CODING_DEFLATE, -15, piece);
    return 0;
}
