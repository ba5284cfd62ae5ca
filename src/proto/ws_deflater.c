/* ws_deflater.c -- permessage-deflate (RFC 7692 §7.2.1): compressing the
 * messages a server sends, with zlib.
 *
 * Each message is fed to one raw DEFLATE stream (zlib's negative window
 * bits: no zlib header) and ended with a sync flush (Z_SYNC_FLUSH), which
 * byte-aligns the output with an empty stored block, 00 00 ff ff; those
 * four bytes are cut off (§7.2.1), and the receiver puts them back
 * (ws_inflate).  With context takeover the stream simply goes on at the
 * next message, so a text that repeats (the same JSON keys in every
 * event) costs a few bytes of back-reference; without it the compressor
 * is reset after each message, as it said it would be (§7.1.1.1).
 *
 * The cost: zlib's compressor keeps a window of 2^bits bytes and hash
 * tables of 2^(memLevel+9) entries -- about 256 KiB per connection at 15
 * bits and memLevel 8, which is why pushlab-ws compresses only when told.
 */
#include "ws_deflate.h"

#include <stdlib.h>
#include <zlib.h>

#define MEM_LEVEL 8 /* zlib's default: hash tables of 128 KiB */

struct ws_deflater {
    z_stream zs;              /* zlib's deflate state */
    bool no_context_takeover; /* start afresh after each message */
};

struct ws_deflater *ws_deflater_new(int level, unsigned window_bits, bool no_context_takeover)
{
    /* zlib's raw streams take 9..15 bits (it would turn 8 into 9, which
     * a peer that asked for 8 would not read): ws_deflate_answer never
     * agrees to 8. */
    if (window_bits < 9 || window_bits > 15 || level < 1 || level > 9)
        return NULL;
    struct ws_deflater *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    if (deflateInit2(&z->zs, level, Z_DEFLATED, -(int)window_bits, MEM_LEVEL, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(z);
        return NULL;
    }
    z->no_context_takeover = no_context_takeover;
    return z;
}

void ws_deflater_free(struct ws_deflater *z)
{
    if (!z)
        return;
    deflateEnd(&z->zs);
    free(z);
}

size_t ws_deflate_bound(struct ws_deflater *z, size_t len)
{
    /* zlib knows its worst case for this stream's window and memory
     * level: below 15 bits a block may no longer be in the window when it
     * ends, so it cannot fall back to a stored copy, and the bound for
     * incompressible data rises by about an eighth.  That bound is for Z_FINISH; a sync
     * flush (§7.2.1) adds an empty stored block instead -- 3 bits, at most
     * 7 of padding, then LEN and NLEN: 5 bytes -- and one byte more keeps
     * a full buffer meaning "zlib ran out of room". */
    return deflateBound(&z->zs, (uLong)len) + 5 + 1;
}

long ws_deflate_message(struct ws_deflater *z, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                        struct proto_err *err)
{
    if (len > UINT32_MAX / 2 || cap > UINT32_MAX / 2 || cap < ws_deflate_bound(z, len))
        return proto_fail(err, 1009, "permessage-deflate: message too large to compress at once");
    if (len == 0) { /* zlib has nothing to flush: an empty stored block's first byte (§7.2.3.6) */
        out[0] = 0x00;
        return 1;
    }
    z->zs.next_in = (Bytef *)(uintptr_t)in; /* zlib does not write through it */
    z->zs.avail_in = (uInt)len;
    z->zs.next_out = out;
    z->zs.avail_out = (uInt)cap;
    int r = deflate(&z->zs, Z_SYNC_FLUSH);
    size_t written = cap - z->zs.avail_out;
    /* With room for the bound, one call takes all input and flushes. */
    if ((r != Z_OK && r != Z_BUF_ERROR) || z->zs.avail_in != 0 || z->zs.avail_out == 0 || written < 4)
        return proto_fail(err, 1011, "permessage-deflate: zlib could not compress the message");
    if (z->no_context_takeover)
        deflateReset(&z->zs);
    return (long)(written - 4); /* the 00 00 ff ff a sync flush ends with */
}
