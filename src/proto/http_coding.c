/* http_coding.c -- undoing an HTTP body's content coding (RFC 9110
 * §8.4.1) with zlib: gzip (RFC 1952) and deflate.
 *
 * "deflate" means a zlib stream (RFC 1950: a 2-byte header, DEFLATE data,
 * an Adler-32 checksum), but early servers sent bare DEFLATE (RFC 1951)
 * under that name, and browsers still read both.  The first two bytes
 * tell which: a zlib header has compression method 8 in the low nibble,
 * a window of at most 32 KiB in the high one, and the two bytes read as
 * a big-endian number are a multiple of 31 (RFC 1950 §2.2, FCHECK).  Bare
 * DEFLATE can start that way only by chance, and zlib's checksum at the
 * end would then fail.  The decoder waits for those two bytes, whatever
 * pieces the body comes in.
 *
 * A gzip body may be several members one after another (RFC 1952 §2.2),
 * which read as their contents joined; after a deflate stream's end
 * nothing may follow.
 *
 * Left out: "compress" (LZW) and "br" (Brotli): zlib has no decoder for
 * them, so a reader shows such a body as sent.
 */
#include "http_coding.h"

#include <stdlib.h>
#include <zlib.h>

#include "http.h"

struct http_decoder {
    z_stream zs;               /* zlib's inflate state */
    enum http_coding coding;   /* HTTP_CODING_GZIP or HTTP_CODING_DEFLATE */
    bool started;              /* zs is set up (deflate: once its first two bytes told which kind) */
    uint8_t head[2];           /* deflate: the first two bytes, kept until they tell */
    unsigned head_len;         /* ...bytes of head held */
    unsigned head_pos;         /* ...of which inflate has taken this many */
    bool ended;                /* the coded data (the current gzip member) has ended */
    const char *failed;        /* why it failed (NULL: it has not) */
};

enum http_coding http_coding_parse(struct slice value)
{
    enum http_coding found = HTTP_CODING_IDENTITY;
    size_t pos = 0;
    struct slice element;
    while (http_list_next(value, &pos, &element)) {
        struct slice name = http_list_element_name(element);
        enum http_coding c = slice_eq_ci(name, "identity")                                   ? HTTP_CODING_IDENTITY
                             : slice_eq_ci(name, "gzip") || slice_eq_ci(name, "x-gzip") ? HTTP_CODING_GZIP
                             : slice_eq_ci(name, "deflate")                              ? HTTP_CODING_DEFLATE
                                                                                         : HTTP_CODING_OTHER;
        if (c == HTTP_CODING_IDENTITY)
            continue;
        if (found != HTTP_CODING_IDENTITY)
            return HTTP_CODING_OTHER; /* two codings: one decoder cannot undo both */
        found = c;
    }
    return found;
}

struct http_decoder *http_decoder_new(enum http_coding coding)
{
    if (coding != HTTP_CODING_GZIP && coding != HTTP_CODING_DEFLATE)
        return NULL;
    struct http_decoder *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    z->coding = coding;
    if (coding == HTTP_CODING_GZIP) {
        if (inflateInit2(&z->zs, 16 + MAX_WBITS) != Z_OK) { /* 16 +: a gzip wrapper */
            free(z);
            return NULL;
        }
        z->started = true;
    }
    return z;
}

void http_decoder_free(struct http_decoder *z)
{
    if (!z)
        return;
    if (z->started)
        inflateEnd(&z->zs);
    free(z);
}

bool http_decoder_done(const struct http_decoder *z)
{
    return z->ended && z->head_pos == z->head_len;
}

/* Does b start a zlib stream (RFC 1950 §2.2)? */
static bool zlib_header(const uint8_t b[2])
{
    return (b[0] & 0x0f) == 8 && (b[0] >> 4) <= 7 && ((unsigned)b[0] << 8 | b[1]) % 31 == 0;
}

static long fail(struct http_decoder *z, struct proto_err *err, const char *why)
{
    z->failed = why;
    return proto_fail(err, 0, why);
}

long http_decode(struct http_decoder *z, const uint8_t *in, size_t len, size_t *used, uint8_t *out,
                 size_t cap, struct proto_err *err)
{
    *used = 0;
    if (z->failed)
        return proto_fail(err, 0, z->failed);
    /* zlib counts in uInt: take at most what it can say. */
    if (len > UINT32_MAX / 2)
        len = UINT32_MAX / 2;
    if (cap > UINT32_MAX / 2)
        cap = UINT32_MAX / 2;
    if (!z->started) {
        while (z->head_len < 2 && *used < len)
            z->head[z->head_len++] = in[(*used)++];
        if (z->head_len < 2)
            return 0;
        if (inflateInit2(&z->zs, zlib_header(z->head) ? MAX_WBITS : -MAX_WBITS) != Z_OK)
            return fail(z, err, "out of memory for the decoder");
        z->started = true;
    }
    size_t written = 0;
    for (;;) {
        bool from_head = z->head_pos < z->head_len; /* the two bytes held come first */
        const uint8_t *src = from_head ? z->head + z->head_pos : len ? in + *used : in; /* (in may be NULL) */
        size_t avail = from_head ? z->head_len - z->head_pos : len - *used;
        if (z->ended) {
            if (avail == 0)
                break;
            if (z->coding != HTTP_CODING_GZIP)
                return fail(z, err, "bytes after the end of the compressed data");
            inflateReset(&z->zs); /* the next gzip member */
            z->ended = false;
        }
        if (written == cap)
            break;
        z->zs.next_in = (Bytef *)(uintptr_t)src; /* zlib does not write through it */
        z->zs.avail_in = (uInt)avail;
        z->zs.next_out = out + written;
        z->zs.avail_out = (uInt)(cap - written);
        int r = inflate(&z->zs, Z_NO_FLUSH);
        size_t took = avail - z->zs.avail_in;
        size_t made = cap - written - z->zs.avail_out;
        if (from_head)
            z->head_pos += (unsigned)took;
        else
            *used += took;
        written += made;
        if (r == Z_STREAM_END) {
            z->ended = true;
            continue;
        }
        if (r == Z_BUF_ERROR) /* no progress possible: more input (or room) is needed */
            break;
        if (r != Z_OK)
            return fail(z, err, r == Z_MEM_ERROR ? "out of memory for the decoder"
                                : z->zs.msg ? z->zs.msg /* zlib's words, a static string */
                                            : "not valid compressed data");
        if (took == 0 && made == 0)
            break;
        if (took == avail && !from_head && z->zs.avail_out > 0)
            break; /* every byte in, and zlib had room to say all it could */
    }
    return (long)written;
}
