/* capture.c -- libpcap in and out: live capture, offline pcap and pcapng
 * files (gzip-compressed too) or stdin, the BPF filter, and the -w copy.
 *
 * Order of an open, and why:
 *   1. start the saver helper (saver.c)        while still root (the UI only)
 *   2. pcap_create + options + pcap_activate   needs CAP_NET_RAW (or open the file)
 *   3. open the -w file                        where the user asked, as the user who asked
 *   4. drop privileges (privdrop.c)            before any packet is parsed, live or file
 *   5. compile and set the BPF filter          needs no privilege
 *   6. live: start the reader thread (reader.c)
 *
 * How a live capture is sized to lose nothing under a class's load:
 *   - no immediate mode: libpcap then uses TPACKET_V3, whose ring packs
 *     packets one after the other in blocks handed over when full or
 *     after VIZ_READ_TIMEOUT_MS.  Immediate mode uses TPACKET_V2, whose
 *     ring has one slot of snap-length size per packet: with a 256 KiB
 *     snap length a 16 MiB ring held 64 packets.
 *   - a snap length of loopback's MTU (VIZ_LIVE_SNAPLEN): every header
 *     and message whole, and no more;
 *   - a VIZ_CAPTURE_BUFFER ring, emptied by a thread that does nothing
 *     else (reader.c);
 *   - on loopback each packet passes the capture point twice, going out
 *     and coming in; libpcap throws the outgoing copy away, but the kernel
 *     counted both.  PACKET_IGNORE_OUTGOING (packet(7), Linux 4.20) keeps
 *     the outgoing copy from reaching the socket at all, so received and
 *     dropped count each packet once, and the ring holds twice as many.
 */
#include "capture/capture.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture/decode.h"
#include "capture/gzfile.h"
#include "capture/privdrop.h"
#include "memory/pages.h"
#include "pushlab.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

static int fail(char *err, size_t cap, const char *what, const char *why)
{
    snprintf(err, cap, "%s: %s", what, why);
    return -1;
}

static bool is_loopback(const char *iface)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", iface);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool lo = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_LOOPBACK);
    close(fd);
    return lo;
}

/* A bundled capture to suggest to someone who may not capture live, by
 * the path it has where this pushviz runs from: installed, the captures
 * lie in PREFIX/share/pushlab beside PREFIX/bin; in a checkout, in
 * captures/ beside bin/.  Else the checkout's relative path. */
static void sample_capture(char *out, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = n > 0 ? memrchr(exe, '/', (size_t)n) : NULL;
    if (slash) {
        *slash = '\0'; /* exe is now the program's folder */
        static const char *const beside[] = {"/../share/pushlab/captures/poll.pcap", "/../captures/poll.pcap"};
        for (size_t i = 0; i < sizeof beside / sizeof *beside; i++) {
            char path[PATH_MAX + 64], real[PATH_MAX];
            int len = snprintf(path, sizeof path, "%s%s", exe, beside[i]);
            if (len > 0 && (size_t)len < sizeof path && realpath(path, real)) {
                snprintf(out, cap, "%s", real);
                return;
            }
        }
    }
    snprintf(out, cap, "captures/poll.pcap");
}

static int open_live(struct capture *c, const struct capture_options *o, char *err, size_t cap)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    c->pcap = pcap_create(o->iface, errbuf);
    if (!c->pcap)
        return fail(err, cap, o->iface, errbuf);
    pcap_set_snaplen(c->pcap, VIZ_LIVE_SNAPLEN);
    pcap_set_buffer_size(c->pcap, VIZ_CAPTURE_BUFFER);
    pcap_set_timeout(c->pcap, VIZ_READ_TIMEOUT_MS);
    pcap_set_tstamp_precision(c->pcap, PCAP_TSTAMP_PRECISION_NANO); /* best effort */
    int rc = pcap_activate(c->pcap);
    if (rc < 0) {
        const char *why = pcap_geterr(c->pcap);
        if (rc == PCAP_ERROR_PERM_DENIED || strstr(why, "ermission") || strstr(why, "not permitted")) {
            char sample[4096];
            sample_capture(sample, sizeof sample);
            snprintf(err, cap,
                     "no permission to capture on %s: live capture needs root or CAP_NET_RAW.\n"
                     "To replay a recorded capture instead, try: pushviz -r %s",
                     o->iface, sample);
            return -1;
        }
        if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
            return fail(err, cap, o->iface, "no such interface");
        return fail(err, cap, o->iface, why[0] ? why : pcap_statustostr(rc));
    }
    c->live = true;
    if (is_loopback(o->iface)) {
        int one = 1; /* an old kernel without it: counts stay doubled, nothing else changes */
        setsockopt(pcap_fileno(c->pcap), SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
    }
    return 0;
}

/* A pcap or pcapng file, or stdin for "-".  The records of a classic
 * pcap file are read by pcapfile.c; libpcap only checks its header.
 * Anything else libpcap reads with fread, and for that the FILE gets a
 * large buffer first: one read(2) per VIZ_FILE_BUFFER bytes instead of
 * one per 4 KiB (28,000 system calls for a 100 MB capture).  Not when
 * pcapfile.c reads the records: stdio fills its buffer whole at the first
 * read, so the 24 bytes of the header would cost a block's read and the
 * page faults of its memory.  (Should pcapfile.c meet a record it leaves
 * to libpcap, libpcap reads on from there with stdio's own buffer.) */
static int open_file(struct capture *c, const char *file, char *err, size_t cap)
{
    bool is_stdin = strcmp(file, "-") == 0;
    const char *name = is_stdin ? "stdin" : file;
    c->name = name;
    bool fast = !is_stdin && pcap_file_open(&c->fast, file, VIZ_SNAPLEN) == 0;
    FILE *fp = is_stdin ? stdin : fopen(file, "rb");
    if (!fp) {
        pcap_file_close(&c->fast);
        return fail(err, cap, name, strerror(errno));
    }
    /* glibc ignores the size unless given the buffer, which must then
     * outlive the FILE.  It is mapped as pcapfile.c maps its block: in a
     * huge page when the file fills it.  stdin, which outlives the capture,
     * keeps its own; without memory the default buffer works too. */
    struct stat st;
    if (!is_stdin && !fast && fstat(fileno(fp), &st) == 0 &&
        (c->file_buffer = pages_map(VIZ_FILE_BUFFER, st.st_size >= VIZ_FILE_BUFFER)))
        setvbuf(fp, c->file_buffer, _IOFBF, VIZ_FILE_BUFFER);
    /* A .pcap.gz -- a file, a FIFO or standard input -- is inflated as it
     * is read (gzfile.c); libpcap then reads the inflating FILE, which
     * closes the one under it (never stdin). */
    if (!fast && gzfile_is_gzip(fp)) {
        FILE *inflating = gzfile_inflating(fp);
        if (!inflating) {
            int e = errno;
            if (!is_stdin)
                fclose(fp);
            pages_unmap(c->file_buffer, VIZ_FILE_BUFFER);
            c->file_buffer = NULL;
            pcap_file_close(&c->fast);
            return fail(err, cap, name, strerror(e));
        }
        fp = inflating;
        is_stdin = false; /* (what libpcap closes is now this FILE) */
    }
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    c->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!c->pcap) {
        if (!is_stdin)
            fclose(fp); /* on failure libpcap leaves the FILE to its opener */
        pages_unmap(c->file_buffer, VIZ_FILE_BUFFER);
        c->file_buffer = NULL;
        pcap_file_close(&c->fast);
        return fail(err, cap, name, errbuf);
    }
    /* libpcap checked the header; records go the fast way while they can,
     * none longer than libpcap's snap length for the file. */
    if (fast)
        pcap_file_limit(&c->fast, (uint32_t)pcap_snapshot(c->pcap));
    return 0; /* pcap_close() closes fp (but never stdin), then capture_close() frees the buffer */
}

/* Steps 4 and 5 (see the top), after the capture and -w file are open. */
static int drop_and_filter(struct capture *c, const struct capture_options *o, char *err, size_t cap)
{
    if (privdrop(o->user, err, cap) < 0)
        return -1;
    if (!o->filter)
        return 0;
    struct bpf_program prog;
    if (pcap_compile(c->pcap, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
        snprintf(err, cap, "bad filter '%s': %s", o->filter, pcap_geterr(c->pcap));
        return -1;
    }
    int rc = pcap_setfilter(c->pcap, &prog);
    if (rc < 0) {
        pcap_freecode(&prog);
        return fail(err, cap, "cannot set the filter", pcap_geterr(c->pcap));
    }
    c->filter = prog; /* kept for the records pcapfile.c reads */
    c->filtered = true;
    return 0;
}

static int open_all(struct capture *c, const struct capture_options *o, char *err, size_t cap)
{
    if (o->saves_later && saver_start(&c->saver, err, cap) < 0)
        return -1;
    if (o->file ? open_file(c, o->file, err, cap) < 0 : open_live(c, o, err, cap) < 0)
        return -1;
    c->dlt = pcap_datalink(c->pcap);
    c->nano = pcap_get_tstamp_precision(c->pcap) == PCAP_TSTAMP_PRECISION_NANO;
    if (!decode_link_supported(c->dlt)) {
        const char *name = pcap_datalink_val_to_name(c->dlt);
        snprintf(err, cap, "link type %d (%s) is not supported: use Ethernet, loopback, Linux cooked or raw IP",
                 c->dlt, name ? name : "unknown");
        return -1;
    }
    if (o->write && pcap_out_open(&c->out, c->pcap, -1, o->write, err, cap) < 0)
        return -1;
    if (drop_and_filter(c, o, err, cap) < 0)
        return -1;
    if (c->live && !(c->reader = reader_start(c->pcap, o->filter != NULL, o->write ? &c->out : NULL, err, cap)))
        return -1;
    return 0;
}

int capture_open(struct capture *c, const struct capture_options *o, char *err, size_t cap)
{
    memset(c, 0, sizeof *c);
    c->saver.sock = -1;
    c->fast.fd = -1;
    if (open_all(c, o, err, cap) < 0) {
        char ignored[64];
        capture_close(c, ignored, sizeof ignored);
        return -1;
    }
    return 0;
}

/* ---- files: read in this thread ---- */

struct trampoline {
    struct capture *c;
    capture_handler fn;
    void *ctx;
};

static void on_file_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct trampoline *t = (struct trampoline *)user;
    if (t->c->out.dumper && pcap_out_write(&t->c->out, h, bytes) < 0)
        pcap_breakloop(t->c->pcap);
    t->fn(t->ctx, t->c, h, bytes);
}

static int write_failed(struct capture *c, char *err, size_t errcap)
{
    snprintf(err, errcap, "writing %s: %s", c->out.path, strerror(c->out.error));
    return CAPTURE_FAILED;
}

/* Up to max packets (0: all) the fast way.  At the end, or at a record
 * it does not know, libpcap is told to read on from there (fast.fd
 * becomes -1): it then finds the end, or says what is wrong. */
static int dispatch_fast(struct capture *c, int max, struct trampoline *t, char *err, size_t errcap)
{
    int n = 0;
    while (max <= 0 || n < max) {
        if (c->stop)
            return n ? n : CAPTURE_EOF;
        struct pcap_pkthdr h;
        const uint8_t *bytes;
        uint64_t at;
        int r = pcap_file_next(&c->fast, &h, &bytes, &at);
        if (r <= 0) { /* the end, or a record for libpcap: it reads on from there */
            pcap_file_close(&c->fast);
            if (fseeko(pcap_file(c->pcap), (off_t)at, SEEK_SET) != 0) {
                snprintf(err, errcap, "%s: cannot read on: %s", c->name, strerror(errno));
                return CAPTURE_FAILED;
            }
            return n;
        }
        if (c->filtered && !pcap_offline_filter(&c->filter, &h, bytes))
            continue;
        c->ahead = pcap_file_peek(&c->fast, 1, &c->ahead_caplen);
        on_file_packet((u_char *)t, &h, bytes);
        c->ahead = NULL;
        n++;
        if (c->out.error)
            return write_failed(c, err, errcap);
    }
    return n;
}

static int dispatch_file(struct capture *c, int max, struct trampoline *t, char *err, size_t errcap)
{
    if (c->fast.fd >= 0) {
        int n = dispatch_fast(c, max, t, err, errcap);
        if (n != 0)
            return n;
        /* 0: libpcap takes over at this record */
    }
    int n = pcap_dispatch(c->pcap, max > 0 ? max : -1, on_file_packet, (u_char *)t);
    if (c->out.error)
        return write_failed(c, err, errcap);
    if (n == PCAP_ERROR_BREAK || n == 0)
        return CAPTURE_EOF;
    if (n < 0) {
        const char *why = pcap_geterr(c->pcap);
        /* (what libpcap says of a pcapng file of `dumpcap -i lo -i any`) */
        bool mixed = strstr(why, "different from the type of the first interface") != NULL;
        snprintf(err, errcap, "%s: %s%s", c->name, why,
                 mixed ? " (libpcap reads no pcapng file whose interfaces differ in link type: "
                         "man pushviz, WHAT IT READS, says how to keep one)" : "");
        return CAPTURE_FAILED;
    }
    return n;
}

/* ---- live: packets come from the reader's queue ---- */

static void on_live_packet(void *ctx, const struct pcap_pkthdr *h, const uint8_t *bytes)
{
    struct trampoline *t = ctx;
    t->fn(t->ctx, t->c, h, bytes);
}

int capture_dispatch(struct capture *c, int max, capture_handler fn, void *ctx, char *err,
                     size_t errcap)
{
    struct trampoline t = {c, fn, ctx};
    if (!c->live)
        return dispatch_file(c, max, &t, err, errcap);
    int n = reader_next(c->reader, max, on_live_packet, &t);
    if (n != READER_END)
        return n;
    const char *why = reader_error(c->reader);
    if (!why[0])
        return CAPTURE_EOF;
    snprintf(err, errcap, "%s", why);
    return CAPTURE_FAILED;
}

int capture_fd(const struct capture *c)
{
    return c->reader ? reader_fd(c->reader) : -1;
}

int64_t capture_settled_ns(const struct capture *c)
{
    if (!c->live)
        return INT64_MIN;
    /* Live packets carry the time the kernel took them (the system clock). */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec - (int64_t)VIZ_LIVE_SETTLE_MS * 1000000;
}

void capture_stats(const struct capture *c, struct capture_stats *st)
{
    memset(st, 0, sizeof *st);
    if (c->reader)
        reader_stats(c->reader, st);
}

void capture_stop(struct capture *c)
{
    c->stop = 1;
    if (c->reader)
        reader_stop(c->reader);
    else if (c->pcap)
        pcap_breakloop(c->pcap);
}

int capture_close(struct capture *c, char *err, size_t errcap)
{
    reader_free(c->reader); /* first: it writes to the -w file */
    c->reader = NULL;
    int rc = pcap_out_close(&c->out, err, errcap);
    if (c->pcap) {
        pcap_close(c->pcap);
        c->pcap = NULL;
    }
    pages_unmap(c->file_buffer, VIZ_FILE_BUFFER); /* after pcap_close: the FILE used it to the end */
    c->file_buffer = NULL;
    pcap_file_close(&c->fast);
    if (c->filtered)
        pcap_freecode(&c->filter);
    c->filtered = false;
    saver_stop(&c->saver);
    return rc;
}
