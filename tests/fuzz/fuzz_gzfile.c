/* fuzz_gzfile.c -- libFuzzer target for the inflating FILE that reads a
 * capture.pcap.gz (viz/capture/gzfile.c).
 *
 * Checks, on arbitrary bytes:
 *   - read as a stream (fmemopen: no seeking), they are told gzip or not
 *     by their first byte alone, and what the inflating FILE gives is
 *     bounded and never a crash, whatever the deflate data, CRC, member
 *     boundaries or trailing bytes;
 *   - the same bytes compressed into one gzip member, then split into two
 *     members at a point the input picks, come back exactly: the reader
 *     joins members as gzip -d does.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "capture/gzfile.h"

#include "fuzz_check.h"

enum { OUT_MAX = 1 << 20 }; /* what one run may inflate: a bomb stops here */

/* Everything the inflating FILE gives for data[0..n), up to OUT_MAX bytes,
 * into out; its length, or -1 when data is not gzip. */
static long inflate_all(const uint8_t *data, size_t n, uint8_t *out)
{
    void *copy = exact_copy(data, n);
    FILE *in = fmemopen(copy, n ? n : 1, "rb");
    CHECK(in);
    if (n == 0 || !gzfile_is_gzip(in)) {
        CHECK(n == 0 || data[0] != 0x1f);
        fclose(in);
        free(copy);
        return -1;
    }
    FILE *z = gzfile_inflating(in);
    CHECK(z);
    size_t got = 0, r;
    while (got < OUT_MAX && (r = fread(out + got, 1, OUT_MAX - got, z)) > 0)
        got += r;
    fclose(z); /* closes in */
    free(copy);
    return (long)got;
}

/* One gzip member of data[0..n) into out[0..room): its length. */
static size_t gzip_member(const uint8_t *data, size_t n, uint8_t *out, size_t room)
{
    z_stream s = {0};
    CHECK(deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    s.next_in = (Bytef *)data;
    s.avail_in = (uInt)n;
    s.next_out = out;
    s.avail_out = (uInt)room;
    CHECK(deflate(&s, Z_FINISH) == Z_STREAM_END);
    size_t len = room - s.avail_out;
    deflateEnd(&s);
    return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    uint8_t *out = malloc(OUT_MAX);
    CHECK(out);
    inflate_all(data, size, out);

    /* The round trip, in two members split where the first byte says. */
    size_t split = size ? data[0] % (size + 1) : 0;
    size_t room = compressBound((uLong)split) + compressBound((uLong)(size - split)) + 64; /* + headers */
    uint8_t *packed = malloc(room);
    CHECK(packed);
    size_t len = gzip_member(data, split, packed, room);
    len += gzip_member(data + split, size - split, packed + len, room - len);
    long back = inflate_all(packed, len, out);
    CHECK(back == (long)size && memcmp(out, data, size) == 0);
    free(packed);
    free(out);
    return 0;
}
