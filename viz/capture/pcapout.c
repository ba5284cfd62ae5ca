/* pcapout.c -- a pcap file written in large blocks, flushed on a timer.
 *
 * libpcap's pcap_dump() appends a record to a stdio stream.  Flushing
 * after every packet costs a write(2) per packet, which at a few hundred
 * thousand packets a second is what made the capture fall behind the
 * kernel.  Here the stream gets a VIZ_WRITE_BUFFER buffer, so a write(2)
 * carries thousands of packets, and pcap_out_tick() flushes at least
 * every VIZ_WRITE_FLUSH_MS, so a file copied while the capture runs (or
 * left by a kill -9) is at most that far behind.  Ctrl-C and SIGTERM end
 * the capture normally, and the close flushes the rest.
 *
 * A write that fails (ENOSPC, EIO, EFBIG) is remembered with its errno:
 * the packets stay in pushviz's memory, and the message names the file
 * and the reason, so the user can save them elsewhere with `w`.
 *
 * File format: libpcap's own "pcap" savefile (the magic says micro- or
 * nanosecond timestamps), which tcpdump, tshark and Wireshark read.
 */
#include "capture/pcapout.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pushlab.h"

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int pcap_out_open(struct pcap_out *o, pcap_t *p, int fd, const char *path, char *err, size_t errcap)
{
    memset(o, 0, sizeof *o);
    snprintf(o->path, sizeof o->path, "%s", path);
    if (fd < 0) {
        char full[PATH_MAX];
        o->fp = fopen(path, "wb");
        if (o->fp && realpath(path, full))
            snprintf(o->path, sizeof o->path, "%s", full);
    } else {
        o->fp = fdopen(fd, "wb");
        if (!o->fp)
            close(fd);
    }
    if (!o->fp) {
        snprintf(err, errcap, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    /* glibc honours the size only with a buffer given; it must outlive fp */
    if ((o->buf = malloc(VIZ_WRITE_BUFFER)))
        setvbuf(o->fp, o->buf, _IOFBF, VIZ_WRITE_BUFFER);
    o->dumper = pcap_dump_fopen(p, o->fp);
    if (!o->dumper) {
        snprintf(err, errcap, "cannot write %s: %s", o->path, pcap_geterr(p));
        fclose(o->fp);
        free(o->buf);
        o->fp = NULL;
        o->buf = NULL;
        return -1;
    }
    o->flushed_ns = now_ns();
    return 0;
}

int pcap_out_write(struct pcap_out *o, const struct pcap_pkthdr *h, const uint8_t *bytes)
{
    if (o->error || !o->dumper)
        return -1;
    pcap_dump((u_char *)o->dumper, h, bytes);
    if (ferror(o->fp)) {
        o->error = errno ? errno : EIO;
        return -1;
    }
    o->packets++;
    return 0;
}

int pcap_out_tick(struct pcap_out *o)
{
    if (o->error || !o->dumper)
        return o->error ? -1 : 0;
    int64_t now = now_ns();
    if (now - o->flushed_ns < (int64_t)VIZ_WRITE_FLUSH_MS * 1000000)
        return 0;
    o->flushed_ns = now;
    if (pcap_dump_flush(o->dumper) != 0) {
        o->error = errno ? errno : EIO;
        return -1;
    }
    return 0;
}

int pcap_out_close(struct pcap_out *o, char *err, size_t errcap)
{
    if (!o->dumper)
        return 0;
    if (!o->error && pcap_dump_flush(o->dumper) != 0)
        o->error = errno ? errno : EIO;
    /* pcap_dump_close() is fclose(), whose own error libpcap drops:
     * the flush above already wrote everything, so a late failure (NFS)
     * is rare; fsync would cost a disk round trip per save. */
    pcap_dump_close(o->dumper);
    o->dumper = NULL;
    o->fp = NULL;
    free(o->buf); /* after the close: the FILE used it to the end */
    o->buf = NULL;
    if (o->error) {
        snprintf(err, errcap, "writing %s failed: %s (it holds fewer than the %llu packets captured)",
                 o->path, strerror(o->error), (unsigned long long)o->packets);
        return -1;
    }
    return 0;
}
