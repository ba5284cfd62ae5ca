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
#include <stdbool.h>
#include <stdint.h>

struct capture_options {
    const char *iface;  /* live capture on this interface (when file is NULL) */
    const char *file;   /* -r: a pcap/pcapng file, "-" for stdin */
    const char *filter; /* -f: a BPF filter, or NULL */
    const char *write;  /* -w: save every packet here, or NULL */
    const char *user;   /* -Z: user to become after a live capture is open */
};

struct capture {
    pcap_t *pcap;
    pcap_dumper_t *dumper; /* -w, flushed after every packet */
    int dlt;               /* link type (DLT_*) */
    bool live;
    bool nano;             /* timestamps carry nanoseconds */
    char *file_buffer;     /* stdio buffer of a file being read (owned) */
};

/* Called for every packet; bytes are valid only during the call. */
typedef void (*capture_handler)(void *ctx, const struct capture *c, const struct pcap_pkthdr *h,
                                const uint8_t *bytes);

/* Open as the options say.  0, or -1 with a message for people in err
 * (which for a missing capture right suggests replaying a file). */
int capture_open(struct capture *c, const struct capture_options *o, char *err, size_t errcap);

/* Hand up to max packets (max <= 0: all that are ready) to fn.  Returns
 * the number handled, 0 when a live read timed out, CAPTURE_EOF at the end
 * of a file or after capture_stop(), CAPTURE_FAILED with a message in err
 * (a truncated or corrupt file, a vanished interface). */
int capture_dispatch(struct capture *c, int max, capture_handler fn, void *ctx, char *err,
                     size_t errcap);
enum { CAPTURE_EOF = -2, CAPTURE_FAILED = -1 };

/* A descriptor to poll() for readability before capture_dispatch (live
 * captures), or -1 (files: always ready). */
int capture_fd(const struct capture *c);

/* Make the running dispatch return CAPTURE_EOF: safe in a signal handler. */
void capture_stop(struct capture *c);

/* Packets the kernel dropped because pushviz did not read them in time
 * (live captures; 0 for files). */
unsigned capture_dropped(const struct capture *c);

/* Close the capture and the -w file. */
void capture_close(struct capture *c);

#endif
