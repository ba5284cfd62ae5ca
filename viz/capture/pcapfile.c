/* pcapfile.c -- classic pcap records straight from 1 MiB blocks (see
 * pcapfile.h for why and for what is left to libpcap).
 *
 * The format (draft-ietf-opsawg-pcap, "File Header" and "Packet Record"):
 * a 24-byte header whose magic number gives the byte order and the time
 * unit (0xA1B2C3D4 microseconds, 0xA1B23C4D nanoseconds), then records of
 * a 16-byte header -- seconds, fraction, captured length, original length
 * -- and the captured bytes.
 */
#include "capture/pcapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memory/pages.h"
#include "pushlab.h"

enum { FILE_HEADER = 24, RECORD_HEADER = 16 };

static uint32_t u32(const struct pcap_file *f, const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return f->swapped ? __builtin_bswap32(v) : v;
}

/* Make buf[pos..len) at least n bytes long, if the file has them. */
static bool have(struct pcap_file *f, size_t n)
{
    if (f->len - f->pos >= n)
        return true;
    memmove(f->buf, f->buf + f->pos, f->len - f->pos);
    f->buf_off += f->pos;
    f->len -= f->pos;
    f->pos = 0;
    while (f->len < n) {
        ssize_t got = read(f->fd, f->buf + f->len, VIZ_FILE_BUFFER - f->len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        f->len += (size_t)got;
    }
    return true;
}

int pcap_file_open(struct pcap_file *f, const char *path, uint32_t snaplen)
{
    memset(f, 0, sizeof *f);
    f->fd = -1; /* not_fast closes it */
    f->snaplen = snaplen < VIZ_SNAPLEN ? snaplen : VIZ_SNAPLEN;
    /* A regular file only: a pipe (-r <(zcat ...)) opened a second time
     * would hand this reader bytes libpcap's FILE then misses, or wait
     * for a writer that is gone.  So a named pipe is not even opened
     * here: opening one lets its writer go on, and a writer that wrote
     * everything and closed before this reader closed again would leave
     * libpcap's own open waiting for a writer forever (1 run in 6 hung
     * that way).  stat first; fstat then checks the file that was opened
     * (O_NONBLOCK: should a pipe have taken its place, the open cannot wait). */
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
        goto not_fast;
    f->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (f->fd < 0 || fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode))
        goto not_fast;
    /* In a huge page when the file fills the block (pages.h: a smaller
     * file would touch a few small pages of it only). */
    if (!(f->buf = pages_map(VIZ_FILE_BUFFER, st.st_size >= VIZ_FILE_BUFFER)) || !have(f, FILE_HEADER))
        goto not_fast;
    uint32_t magic;
    memcpy(&magic, f->buf, 4);
    if (magic == 0xA1B2C3D4 || magic == 0xA1B23C4D) {
        f->nano = magic == 0xA1B23C4D;
    } else if (magic == 0xD4C3B2A1 || magic == 0x4D3CB2A1) {
        f->swapped = true;
        f->nano = magic == 0x4D3CB2A1;
    } else {
        goto not_fast; /* pcapng, or not a capture: libpcap's */
    }
    uint16_t version[2];
    memcpy(version, f->buf + 4, 4);
    if (f->swapped) {
        version[0] = __builtin_bswap16(version[0]);
        version[1] = __builtin_bswap16(version[1]);
    }
    if (version[0] != 2 || version[1] != 4)
        goto not_fast; /* older files have quirks libpcap knows */
    f->pos = FILE_HEADER;
    return 0;
not_fast:
    pcap_file_close(f);
    return -1;
}

void pcap_file_limit(struct pcap_file *f, uint32_t snaplen)
{
    if (snaplen < f->snaplen)
        f->snaplen = snaplen;
}

int pcap_file_next(struct pcap_file *f, struct pcap_pkthdr *h, const uint8_t **bytes, uint64_t *at)
{
    *at = f->buf_off + f->pos;
    if (!have(f, RECORD_HEADER))
        return f->len == f->pos ? 0 : -1; /* a clean end, or a cut header */
    const char *r = f->buf + f->pos;
    uint32_t caplen = u32(f, r + 8);
    if (caplen > f->snaplen || !have(f, RECORD_HEADER + (size_t)caplen))
        return -1;
    r = f->buf + f->pos; /* have() may have moved it */
    uint32_t frac = u32(f, r + 4);
    h->ts.tv_sec = u32(f, r);
    h->ts.tv_usec = f->nano ? frac : (suseconds_t)frac * 1000;
    h->caplen = caplen;
    h->len = u32(f, r + 12);
    *bytes = (const uint8_t *)r + RECORD_HEADER;
    f->pos += RECORD_HEADER + (size_t)caplen;
    return 1;
}

const uint8_t *pcap_file_peek(const struct pcap_file *f, unsigned skip, uint32_t *caplen)
{
    size_t pos = f->pos;
    for (;;) {
        if (f->len - pos < RECORD_HEADER)
            return NULL;
        const char *r = f->buf + pos;
        uint32_t n = u32(f, r + 8);
        if (n > f->snaplen || f->len - pos - RECORD_HEADER < n)
            return NULL;
        if (skip-- == 0) {
            *caplen = n;
            return (const uint8_t *)r + RECORD_HEADER;
        }
        pos += RECORD_HEADER + (size_t)n;
    }
}

void pcap_file_close(struct pcap_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    pages_unmap(f->buf, VIZ_FILE_BUFFER);
    memset(f, 0, sizeof *f);
    f->fd = -1;
}
