/* gzfile.c -- a gzip-compressed capture file, read through a FILE.
 *
 * Captures are often kept and shared compressed (capture.pcap.gz), and
 * Wireshark and tshark read them as they are.  libpcap reads a capture
 * from a FILE with fread, so the file is given to it as one: a stdio
 * stream made with fopencookie(3) whose read is zlib's gzread, which
 * inflates as libpcap asks.  The bytes libpcap sees are those of the
 * pcap or pcapng file that was compressed; nothing else changes.
 *
 * A read that fails says why through errno, as libpcap reports it: a
 * corrupt stream (a bad CRC, bad deflate data) as EBADMSG ("Bad
 * message"); a stream cut short ends early, which libpcap calls a
 * truncated dump file.
 */
#include "capture/gzfile.h"

#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <zlib.h>

bool gzfile_is_gzip(FILE *fp)
{
    /* pread, not fread: nothing of the stream is taken, so a FIFO (which
     * cannot be rewound, and which pread refuses) is read whole by libpcap. */
    unsigned char magic[2];
    return pread(fileno(fp), magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

static ssize_t gz_read(void *cookie, char *buf, size_t size)
{
    int n = gzread(cookie, buf, size > INT_MAX ? INT_MAX : (unsigned)size);
    if (n >= 0)
        return n;
    int zerr;
    gzerror(cookie, &zerr);
    if (zerr == Z_DATA_ERROR)
        errno = EBADMSG;
    else if (zerr == Z_MEM_ERROR)
        errno = ENOMEM;
    else if (zerr != Z_ERRNO) /* (Z_ERRNO: errno says it already) */
        errno = EIO;
    return -1;
}

static int gz_close(void *cookie)
{
    return gzclose(cookie) == Z_OK ? 0 : EOF;
}

FILE *gzfile_open(const char *path)
{
    gzFile z = gzopen(path, "rb");
    if (!z)
        return NULL;
    gzbuffer(z, 1 << 20); /* (zlib's default is 8 KiB: a read(2) per 8 KiB of a large file) */
    cookie_io_functions_t io = {.read = gz_read, .close = gz_close};
    FILE *fp = fopencookie(z, "rb", io);
    if (!fp)
        gzclose(z);
    return fp;
}
