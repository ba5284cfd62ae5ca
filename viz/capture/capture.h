/* capture.h -- where packets come from (a live interface, a pcap or pcapng
 * file, or stdin) and, with -w, where a copy of them goes.
 *
 * The capture/ folder owns libpcap (opening, the BPF filter, -w, dropping
 * privileges: privdrop.h) and the link/IP/TCP decode of one frame
 * (decode.h, through the bounds-checked cursor.h).  It is pushviz's lowest
 * layer: it calls nothing else of viz, and the layers above read the
 * packets it decodes (docs/design.md, "Which folder may include which").
 */
#ifndef VIZ_CAPTURE_H
#define VIZ_CAPTURE_H

#include <pcap/pcap.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture/pcapfile.h"
#include "capture/pcapout.h"
#include "capture/reader.h"
#include "capture/saver.h"

struct capture_options {
    const char *iface;  /* live capture on this interface (when file is NULL) */
    const char *file;   /* -r: a pcap/pcapng file, "-" for stdin */
    const char *filter; /* -f: a BPF filter, or NULL */
    const char *write;  /* -w: save every packet here, or NULL */
    const char *user;   /* -Z: user to become after the capture is open */
    bool saves_later;   /* files may be saved after the drop (the UI's `w` and `E`): start the
                         * saver helper; --json, --dump, --stats and --ladder save nothing
                         * later, so they fork none */
};

struct capture {
    pcap_t *pcap;
    struct pcap_out out;   /* -w (out.dumper is NULL without it) */
    struct reader *reader; /* live: the thread that empties the kernel's ring */
    struct saver saver;    /* opens the files `w` saves into (see saver.c) */
    int dlt;               /* link type (DLT_*) */
    const char *name;      /* the file read ("stdin" for -), for messages (borrowed) */
    bool live;
    bool nano;             /* timestamps carry nanoseconds */
    char *file_buffer;     /* stdio buffer of a file libpcap reads (owned, pages_map) */
    struct pcap_file fast; /* a classic pcap file's records, read beside libpcap (pcapfile.h);
                            * fast.fd is -1 once libpcap reads (or always did) */
    struct bpf_program filter; /* -f, for records read by `fast` */
    bool filtered;         /* filter holds a program */
    volatile sig_atomic_t stop; /* capture_stop was called (from a signal handler) */
    const uint8_t *ahead;  /* during a handler's call: the frame after the next one, when a file
                            * is read and its block holds it (a hint for prefetching), else NULL */
    uint32_t ahead_caplen; /* its captured bytes */
};

/* Called for every packet; bytes are valid only during the call. */
typedef void (*capture_handler)(void *ctx, const struct capture *c, const struct pcap_pkthdr *h,
                                const uint8_t *bytes);

/* Open as the options say, then (as root) drop privileges, live or not.
 * 0, or -1 with a message for people in err (which for a missing capture
 * right suggests replaying a file). */
int capture_open(struct capture *c, const struct capture_options *o, char *err, size_t errcap);

/* Hand up to max packets (max <= 0: all that are ready) to fn.  Returns
 * the number handled, 0 when none was ready (live), CAPTURE_EOF at the end
 * of a file or after capture_stop(), CAPTURE_FAILED with a message in err
 * (a truncated or corrupt file, a vanished interface, a full disk under
 * -w). */
int capture_dispatch(struct capture *c, int max, capture_handler fn, void *ctx, char *err,
                     size_t errcap);
enum { CAPTURE_EOF = -2, CAPTURE_FAILED = -1 };

/* A descriptor to poll() for readability before capture_dispatch (live
 * captures), or -1 (files: always ready). */
int capture_fd(const struct capture *c);

/* Make the capture end (live: once what was captured is handed over):
 * safe in a signal handler. */
void capture_stop(struct capture *c);

/* Live, once capture_dispatch found nothing ready: the capture time
 * before which every packet has been handed over -- the clock's now,
 * less how long the kernel and the reader thread may still hold one
 * (VIZ_LIVE_SETTLE_MS).  What waits for capture time to pass can then be
 * decided with no packet coming (engine_settle).  INT64_MIN for a file,
 * whose time passes only with its packets. */
int64_t capture_settled_ns(const struct capture *c);

/* The kernel's counts of a live capture so far (zeros for files). */
void capture_stats(const struct capture *c, struct capture_stats *st);

/* Close the capture and the -w file.  0, or -1 with a message when the
 * -w file could not be written completely. */
int capture_close(struct capture *c, char *err, size_t errcap);

#endif
