/* fuzz_ws_deflate.c -- libFuzzer target for permessage-deflate.
 *
 * Checks, on arbitrary bytes:
 *   - ws_deflate_parse never reads outside the value and answers 1, 0 or
 *     PROTO_ERROR with a reason;
 *   - the inflater, fed the bytes as one compressed message, never writes
 *     past its output and gives the same bytes (or the same failure) fed
 *     whole or in pieces of any size;
 *   - the bytes compressed by zlib (raw, sync flush, tail removed, as a
 *     sender does) inflate back to themselves, twice in a row (context
 *     takeover) and with the window dropped in between;
 *   - ws_deflate_answer, on the bytes as an offer, answers 0 or 1, and on
 *     1 an answer that names the extension and a server window of 9-15,
 *     which ws_deflate_parse (as a client or pushviz reads it) takes for
 *     what the server will do; behind an offer it must decline, the bytes
 *     get the same answer (each offer stands alone, RFC 7692 §5);
 *   - pushlab-ws's deflater (ws_deflate_message) compresses the bytes
 *     within ws_deflate_bound, and the inflater gives them back, twice.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "proto/ws_deflate.h"

#define OUT_MAX (1 << 16) /* stop comparing after this much output */

/* Inflate in[0..len) as one message in `piece`-byte pieces into out (at
 * most OUT_MAX bytes kept).  Returns the length, or -1 on an error. */
static long inflate_all(struct ws_inflater *z, const uint8_t *in, size_t len, size_t piece,
                        size_t cap, uint8_t *out)
{
    size_t pos = 0, n = 0;
    for (unsigned rounds = 0; rounds < 1u << 20; rounds++) {
        size_t k = len - pos < piece ? len - pos : piece;
        size_t used;
        bool done;
        struct proto_err err = {0};
        uint8_t buf[512];
        long w = ws_inflate(z, in + pos, k, &used, pos + k == len, buf, cap, &done, &err);
        if (w < 0) {
            if (!err.why || err.code != 1007)
                abort();
            return -1;
        }
        if ((size_t)w > cap || used > k)
            abort();
        if (n + (size_t)w > OUT_MAX)
            return -1; /* a bomb: fine, but not compared */
        memcpy(out + n, buf, (size_t)w);
        n += (size_t)w;
        pos += used;
        if (done)
            return (long)n;
    }
    abort(); /* no progress */
}

static void round_trip(const uint8_t *data, size_t size, bool no_context)
{
    z_stream zs = {0};
    if (deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return;
    struct ws_inflater *z = ws_inflater_new(no_context);
    static uint8_t wire[2 * 4096 + 64], out[OUT_MAX];
    for (int round = 0; round < 2 && z; round++) {
        zs.next_in = (Bytef *)(uintptr_t)data;
        zs.avail_in = (uInt)size;
        zs.next_out = wire;
        zs.avail_out = sizeof wire;
        int r = deflate(&zs, Z_SYNC_FLUSH);
        size_t n = sizeof wire - zs.avail_out;
        if (r == Z_BUF_ERROR && n == 0)
            wire[0] = 0, n = 1; /* empty message (RFC 7692 §7.2.3.6) */
        else if (r != Z_OK || n < 4 || memcmp(wire + n - 4, "\x00\x00\xff\xff", 4) != 0)
            abort();
        else
            n -= 4;
        long got = inflate_all(z, wire, n, 7, 512, out);
        if (got != (long)size || memcmp(out, data, size) != 0)
            abort();
        if (no_context)
            deflateReset(&zs);
    }
    ws_inflater_free(z);
    deflateEnd(&zs);
}

/* The server's deflater, read back by the inflater, twice in a row. */
static void deflater_round_trip(const uint8_t *data, size_t size, bool no_context)
{
    struct ws_deflater *d = ws_deflater_new(1 + (int)(size % 9), 9 + (unsigned)(size % 7), no_context);
    struct ws_inflater *z = ws_inflater_new(no_context);
    size_t cap = d ? ws_deflate_bound(d, size) : 0;
    uint8_t *wire = malloc(cap), *back = malloc(size + 1);
    for (int k = 0; d && z && wire && back && k < 2; k++) {
        struct proto_err err = {0};
        long n = ws_deflate_message(d, data, size, wire, cap, &err);
        if (n < 0 || (size_t)n > cap)
            abort();
        size_t used;
        bool done;
        long m = ws_inflate(z, wire, (size_t)n, &used, true, back, size + 1, &done, &err);
        if (!done || m != (long)size || used != (size_t)n || memcmp(back, data, size) != 0)
            abort();
    }
    free(wire);
    free(back);
    ws_deflater_free(d);
    ws_inflater_free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ws_deflate_params p;
    struct proto_err err = {0};
    int r = ws_deflate_parse((struct slice){(const char *)data, size}, &p, &err);
    if (r == PROTO_ERROR ? !err.why : r != 0 && r != 1)
        abort();
    if (r == 1 && (p.server_max_window_bits < 8 || p.server_max_window_bits > 15 ||
                   p.client_max_window_bits < 8 || p.client_max_window_bits > 15))
        abort();
    char answer[128];
    r = ws_deflate_answer((struct slice){(const char *)data, size}, &p, answer, sizeof answer);
    if (r != 0 && r != 1)
        abort();
    if (r == 1 && (strncmp(answer, "permessage-deflate", 18) != 0 || !memchr(answer, '\0', sizeof answer) ||
                   p.server_max_window_bits < 9 || p.server_max_window_bits > 15))
        abort();
    struct ws_deflate_params read;
    if (r == 1 && (ws_deflate_parse((struct slice){answer, strlen(answer)}, &read, &err) != 1 ||
                   read.server_no_context_takeover != p.server_no_context_takeover ||
                   read.client_no_context_takeover != p.client_no_context_takeover ||
                   read.server_max_window_bits != p.server_max_window_bits))
        abort();
    static const char declined[] = "permessage-deflate; server_max_window_bits=8, ";
    char *behind = malloc(sizeof declined - 1 + size);
    if (behind) {
        memcpy(behind, declined, sizeof declined - 1);
        memcpy(behind + sizeof declined - 1, data, size);
        struct ws_deflate_params q;
        char again[128];
        int r2 = ws_deflate_answer((struct slice){behind, sizeof declined - 1 + size}, &q, again, sizeof again);
        if (r2 != r || (r == 1 && strcmp(again, answer) != 0))
            abort();
        free(behind);
    }
    if (size == 0)
        return 0;

    static uint8_t whole[OUT_MAX], pieces[OUT_MAX];
    bool no_context = data[0] & 1;
    size_t piece = 1 + data[0] % 13, cap = 1 + data[0] % 61;
    struct ws_inflater *a = ws_inflater_new(no_context), *b = ws_inflater_new(no_context);
    if (a && b) {
        long n1 = inflate_all(a, data + 1, size - 1, size, 512, whole);
        long n2 = inflate_all(b, data + 1, size - 1, piece, cap, pieces);
        if (n1 != n2 && n1 <= OUT_MAX - 512) /* a bomb may stop at a different point */
            abort();
        if (n1 > 0 && n1 == n2 && memcmp(whole, pieces, (size_t)n1) != 0)
            abort();
    }
    ws_inflater_free(a);
    ws_inflater_free(b);

    round_trip(data, size, no_context);
    deflater_round_trip(data, size, no_context);
    return 0;
}
