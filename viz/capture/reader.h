/* reader.h -- a live capture's reader thread and the queue behind it. */
#ifndef VIZ_READER_H
#define VIZ_READER_H

#include <stdbool.h>
#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/pcapout.h"

/* What the kernel says about a live capture, each packet counted once
 * (see reader.c on loopback). */
struct capture_stats {
    uint64_t received;   /* packets the filter accepted (dropped ones included) */
    uint64_t dropped;    /* of which the kernel dropped: the ring was full */
    uint64_t if_dropped; /* dropped by the interface or its driver */
};

struct reader;

/* Start reading p (activated, filter set) in a thread of its own.  Every
 * packet is copied to a queue and, when out is not NULL, written to it
 * (borrowed until reader_finish).  filtered: a filter was just set, so
 * the kernel's counts start from now (see reader.c).  NULL, with a
 * message, on failure. */
struct reader *reader_start(pcap_t *p, bool filtered, struct pcap_out *out, char *err,
                            size_t errcap);

/* Readable while packets wait in the queue, or once the reader ended. */
int reader_fd(const struct reader *r);

/* Called for every queued packet; bytes are valid only during the call. */
typedef void (*reader_fn)(void *ctx, const struct pcap_pkthdr *h, const uint8_t *bytes);

/* Hand up to max queued packets (max <= 0: all) to fn.  The number
 * handled (0 when none waits), or READER_END once the reader has stopped
 * and the queue is empty. */
int reader_next(struct reader *r, int max, reader_fn fn, void *ctx);
enum { READER_END = -2 };

/* Ask the thread to stop (safe in a signal handler).  What the kernel
 * already queued is read first; reader_next reports READER_END after. */
void reader_stop(struct reader *r);

/* The latest counts (updated a few times a second, and at the end). */
void reader_stats(const struct reader *r, struct capture_stats *st);

/* Why the reader stopped on its own (the interface went away, the -w
 * disk filled up), or "" */
const char *reader_error(const struct reader *r);

/* Stop, wait for the thread and free everything. */
void reader_free(struct reader *r);

#endif
