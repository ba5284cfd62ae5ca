/* gzfile.c -- a gzip-compressed capture, read through a FILE.
 *
 * Captures are often kept and shared compressed (capture.pcap.gz), and
 * Wireshark and tshark read them as they are.  libpcap reads a capture
 * from a FILE with fread, so the compressed one is given to it as one: a
 * stdio stream made with fopencookie(3) whose read inflates (zlib's
 * inflate, RFC 1951 inside RFC 1952's gzip members) as libpcap asks.  The
 * bytes libpcap sees are those of the pcap or pcapng file that was
 * compressed; nothing else changes.
 *
 * The compressed bytes come from any FILE -- a file, a FIFO
 * (-r <(cat x.pcap.gz)), standard input (-r - < x.pcap.gz) -- so a gzip
 * stream is told by its first byte, read and put back (ungetc: one byte
 * of push-back is all C promises, and 0x1f is a gzip member's first byte
 * and no capture format's: pcap starts 0xd4/0xa1/0x4d/0x34, pcapng 0x0a),
 * never by seeking, which a pipe cannot do.
 *
 * Members one after another (cat a.gz b.gz) are one stream, as gzip -d
 * reads them.  A read that fails says why through errno, as libpcap
 * reports it: a corrupt stream (bad deflate data, a bad CRC) as EBADMSG
 * ("Bad message"); a stream cut short ends early, which libpcap calls a
 * truncated dump file.
 */
#include "capture/gzfile.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum { GZ_MAGIC_1 = 0x1f, GZ_MAGIC_2 = 0x8b, GZ_INPUT = 1 << 16 };

/* An inflating stream: its compressed source and zlib's state. */
struct gz_stream {
    FILE *in;            /* the compressed bytes (owned, but for stdin) */
    z_stream z;
    bool member_ended;   /* the last member read has ended: more may follow */
    unsigned char input[GZ_INPUT];
};

bool gzfile_is_gzip(FILE *fp)
{
    int c = getc(fp);
    if (c == EOF)
        return false; /* (empty: libpcap says so) */
    ungetc(c, fp);
    return c == GZ_MAGIC_1;
}

/* More compressed bytes into the input buffer: false at the end of the
 * source (or when reading failed: errno says why). */
static bool refill(struct gz_stream *g)
{
    size_t n = fread(g->input, 1, sizeof g->input, g->in);
    g->z.next_in = g->input;
    g->z.avail_in = (uInt)n;
    return n > 0;
}

static ssize_t gz_read(void *cookie, char *buf, size_t size)
{
    struct gz_stream *g = cookie;
    g->z.next_out = (Bytef *)buf;
    g->z.avail_out = size > UINT_MAX ? UINT_MAX : (uInt)size;
    uInt wanted = g->z.avail_out;
    while (g->z.avail_out == wanted) { /* until some bytes come out, or the end */
        if (g->z.avail_in == 0 && !refill(g))
            return ferror(g->in) ? -1 : 0; /* the end: whole, or cut short (libpcap tells) */
        if (g->member_ended) {
            /* Another member follows, or bytes that are none: those end
             * the stream, as gzip -d ends with a warning. */
            if (g->z.next_in[0] != GZ_MAGIC_1 || inflateReset(&g->z) != Z_OK)
                return 0;
            g->member_ended = false;
        }
        int r = inflate(&g->z, Z_NO_FLUSH);
        if (r == Z_STREAM_END) {
            g->member_ended = true;
        } else if (r == Z_MEM_ERROR) {
            errno = ENOMEM;
            return -1;
        } else if (r != Z_OK && r != Z_BUF_ERROR) { /* Z_DATA_ERROR: bad data or CRC */
            errno = EBADMSG;
            return -1;
        }
    }
    return (ssize_t)(wanted - g->z.avail_out);
}

static int gz_close(void *cookie)
{
    struct gz_stream *g = cookie;
    inflateEnd(&g->z);
    int r = g->in == stdin ? 0 : fclose(g->in);
    free(g);
    return r;
}

FILE *gzfile_inflating(FILE *in)
{
    struct gz_stream *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->in = in;
    if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK) { /* 16: a gzip wrapper, not zlib's */
        free(g);
        errno = ENOMEM;
        return NULL;
    }
    cookie_io_functions_t io = {.read = gz_read, .close = gz_close};
    FILE *fp = fopencookie(g, "rb", io);
    if (!fp) {
        inflateEnd(&g->z);
        free(g);
    }
    return fp;
}
