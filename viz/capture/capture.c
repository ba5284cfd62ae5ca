/* capture.c -- libpcap in and out: live capture (pcap_create, immediate
 * mode, a big kernel buffer, nanosecond timestamps), offline pcap and
 * pcapng files or stdin, the BPF filter, and the -w copy.
 *
 * Order of a live open, and why:
 *   1. pcap_create + options + pcap_activate   needs CAP_NET_RAW
 *   2. open the -w file                         where the user asked, as the user who asked
 *   3. drop privileges (privdrop.c)             before any packet is parsed
 *   4. compile and set the BPF filter           needs no privilege
 * The -w file is flushed after every packet, so an interrupted capture
 * (Ctrl-C, kill) loses nothing that was shown.
 */
#include "capture/capture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/decode.h"
#include "capture/privdrop.h"
#include "pushlab.h"

static int fail(char *err, size_t cap, const char *what, const char *why)
{
    snprintf(err, cap, "%s: %s", what, why);
    return -1;
}

static int open_live(struct capture *c, const struct capture_options *o, char *err, size_t cap)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    c->pcap = pcap_create(o->iface, errbuf);
    if (!c->pcap)
        return fail(err, cap, o->iface, errbuf);
    pcap_set_snaplen(c->pcap, VIZ_SNAPLEN);
    pcap_set_immediate_mode(c->pcap, 1); /* every packet at once: the display is live */
    pcap_set_buffer_size(c->pcap, VIZ_CAPTURE_BUFFER);
    pcap_set_timeout(c->pcap, VIZ_READ_TIMEOUT_MS);
    pcap_set_tstamp_precision(c->pcap, PCAP_TSTAMP_PRECISION_NANO); /* best effort */
    int rc = pcap_activate(c->pcap);
    if (rc < 0) {
        const char *why = pcap_geterr(c->pcap);
        if (rc == PCAP_ERROR_PERM_DENIED || strstr(why, "ermission") || strstr(why, "not permitted")) {
            snprintf(err, cap,
                     "no permission to capture on %s: live capture needs root or CAP_NET_RAW.\n"
                     "To replay a recorded capture instead, try: pushviz -r captures/poll.pcap",
                     o->iface);
            return -1;
        }
        if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
            return fail(err, cap, o->iface, "no such interface");
        return fail(err, cap, o->iface, why[0] ? why : pcap_statustostr(rc));
    }
    c->live = true;
    return 0;
}

/* A pcap or pcapng file, or stdin for "-".  libpcap reads it with fread;
 * the FILE is opened here to give it a large buffer first: one read(2)
 * per VIZ_FILE_BUFFER bytes instead of one per 4 KiB (28,000 system calls
 * for a 100 MB capture). */
static int open_file(struct capture *c, const char *file, char *err, size_t cap)
{
    bool is_stdin = strcmp(file, "-") == 0;
    const char *name = is_stdin ? "stdin" : file;
    FILE *fp = is_stdin ? stdin : fopen(file, "rb");
    if (!fp)
        return fail(err, cap, name, strerror(errno));
    /* glibc ignores the size unless given the buffer, which must then
     * outlive the FILE.  stdin, which outlives the capture, keeps its own;
     * without memory the default buffer works too. */
    if (!is_stdin && (c->file_buffer = malloc(VIZ_FILE_BUFFER)))
        setvbuf(fp, c->file_buffer, _IOFBF, VIZ_FILE_BUFFER);
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    c->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!c->pcap) {
        if (!is_stdin)
            fclose(fp); /* on failure libpcap leaves the FILE to its opener */
        free(c->file_buffer);
        c->file_buffer = NULL;
        return fail(err, cap, name, errbuf);
    }
    return 0; /* pcap_close() closes fp (but never stdin), then capture_close() frees the buffer */
}

int capture_open(struct capture *c, const struct capture_options *o, char *err, size_t cap)
{
    memset(c, 0, sizeof *c);
    if (o->file) {
        if (open_file(c, o->file, err, cap) < 0)
            return -1;
    } else if (open_live(c, o, err, cap) < 0) {
        capture_close(c);
        return -1;
    }
    c->dlt = pcap_datalink(c->pcap);
    c->nano = pcap_get_tstamp_precision(c->pcap) == PCAP_TSTAMP_PRECISION_NANO;
    if (!decode_link_supported(c->dlt)) {
        const char *name = pcap_datalink_val_to_name(c->dlt);
        snprintf(err, cap, "link type %d (%s) is not supported: use Ethernet, loopback, Linux cooked or raw IP",
                 c->dlt, name ? name : "unknown");
        capture_close(c);
        return -1;
    }
    if (o->write) {
        c->dumper = pcap_dump_open(c->pcap, o->write);
        if (!c->dumper) {
            fail(err, cap, o->write, pcap_geterr(c->pcap));
            capture_close(c);
            return -1;
        }
    }
    if (c->live && privdrop(o->user, err, cap) < 0) {
        capture_close(c);
        return -1;
    }
    if (o->filter) {
        struct bpf_program prog;
        if (pcap_compile(c->pcap, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
            snprintf(err, cap, "bad filter '%s': %s", o->filter, pcap_geterr(c->pcap));
            capture_close(c);
            return -1;
        }
        int rc = pcap_setfilter(c->pcap, &prog);
        pcap_freecode(&prog);
        if (rc < 0) {
            fail(err, cap, "cannot set the filter", pcap_geterr(c->pcap));
            capture_close(c);
            return -1;
        }
    }
    return 0;
}

struct trampoline {
    struct capture *c;
    capture_handler fn;
    void *ctx;
};

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct trampoline *t = (struct trampoline *)user;
    if (t->c->dumper) {
        pcap_dump((u_char *)t->c->dumper, h, bytes);
        pcap_dump_flush(t->c->dumper);
    }
    t->fn(t->ctx, t->c, h, bytes);
}

int capture_dispatch(struct capture *c, int max, capture_handler fn, void *ctx, char *err,
                     size_t errcap)
{
    struct trampoline t = {c, fn, ctx};
    int n = pcap_dispatch(c->pcap, max > 0 ? max : -1, on_packet, (u_char *)&t);
    if (n == PCAP_ERROR_BREAK)
        return CAPTURE_EOF;
    if (n < 0) {
        snprintf(err, errcap, "%s", pcap_geterr(c->pcap));
        return CAPTURE_FAILED;
    }
    if (n == 0 && !c->live)
        return CAPTURE_EOF;
    return n;
}

int capture_fd(const struct capture *c)
{
    return c->live ? pcap_get_selectable_fd(c->pcap) : -1;
}

unsigned capture_dropped(const struct capture *c)
{
    struct pcap_stat st;
    if (!c->live || pcap_stats(c->pcap, &st) != 0)
        return 0;
    return st.ps_drop + st.ps_ifdrop;
}

void capture_stop(struct capture *c)
{
    if (c->pcap)
        pcap_breakloop(c->pcap);
}

void capture_close(struct capture *c)
{
    if (c->dumper) {
        pcap_dump_close(c->dumper);
        c->dumper = NULL;
    }
    if (c->pcap) {
        pcap_close(c->pcap);
        c->pcap = NULL;
    }
    free(c->file_buffer); /* after pcap_close: the FILE used it to the end */
    c->file_buffer = NULL;
}
