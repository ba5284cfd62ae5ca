/* reader.c -- a live capture read by a thread of its own, so the kernel's
 * ring is emptied as fast as packets come, whatever the display does.
 *
 * Why a thread: the kernel holds captured packets in a ring of fixed size
 * (VIZ_CAPTURE_BUFFER); when the ring is full it drops the next packet.
 * If the loop that reads the ring also dissects, prints JSON lines into a
 * slow pipe or redraws the screen, a burst of a few milliseconds fills the
 * ring (the issue measured 12 to 22 % lost beside a tcpdump that lost
 * nothing).  Here the thread only copies each packet into a queue in
 * ordinary memory (VIZ_CAPTURE_QUEUE bytes) and appends it to the -w file;
 * the main thread takes packets from the queue when it has time.  Only
 * when the queue is full does the reader wait, and then the kernel's own
 * drop counter says so: no packet is lost without being counted.
 *
 * The queue: one producer (the thread), one consumer (the main thread), a
 * ring of bytes with two ever-growing positions, `head` (bytes written)
 * and `tail` (bytes consumed).  Each side only writes its own position,
 * with release order after the bytes it covers, and reads the other's
 * with acquire order: the C11 memory model's message passing, no lock.
 * A record is a struct record header and the packet bytes, 8-byte
 * aligned; a record never wraps: when it does not fit before the end, a
 * WRAP record fills the rest and the next starts at 0.  An eventfd tells
 * the main thread's poll() that packets are waiting.
 *
 * The counts come from libpcap's pcap_stats() (the kernel's
 * PACKET_STATISTICS), read by the thread a few times a second because
 * libpcap's handle is not shared between threads.  With a filter (-f),
 * they are counted from the moment it was set: the socket sees every
 * packet of the interface between its creation and the filter, and
 * counting those (hundreds on a busy machine) would report packets the
 * filter was meant to leave out.
 */
#include "capture/reader.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "pushlab.h"

/* The header before each packet's bytes in the queue. */
struct record {
    uint32_t size;    /* bytes of the record, header and padding included */
    uint32_t caplen;  /* packet bytes that follow, or WRAP */
    uint32_t wirelen; /* length on the wire */
    uint32_t pad;     /* keeps ts 8-aligned */
    int64_t sec;      /* capture time, as libpcap gave it */
    int64_t frac;     /* micro- or nanoseconds (the handle's precision) */
};
enum { WRAP = UINT32_MAX, STATS_EVERY_MS = 250, DRAIN_MS = 1000 };

struct reader {
    pcap_t *pcap;             /* borrowed from the capture */
    struct pcap_out *out;     /* -w, or NULL (borrowed) */
    pthread_t thread;
    int efd;                  /* eventfd: packets wait, or the reader ended */
    uint8_t *ring;            /* VIZ_CAPTURE_QUEUE bytes (owned) */
    size_t cap;
    _Atomic size_t head;      /* bytes ever written (the thread's) */
    _Atomic size_t tail;      /* bytes ever consumed (the main thread's) */
    atomic_bool stop;         /* reader_stop() was called */
    atomic_bool ended;        /* the thread wrote its last record */
    bool added;               /* the thread queued packets since the last wake-up */
    _Atomic uint64_t received, dropped, if_dropped; /* latest counts */
    struct pcap_stat before;  /* the counts when the filter was set (or 0) */
    int64_t stats_ns;         /* when the thread last read them */
    char error[PCAP_ERRBUF_SIZE + PATH_MAX + 64]; /* set by the thread before `ended` */
};

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static void wake(struct reader *r)
{
    uint64_t one = 1;
    ssize_t rc = write(r->efd, &one, sizeof one); /* only fails when the counter is full: awake anyway */
    (void)rc;
}

/* ---- the thread's side ---- */

static void read_stats(struct reader *r)
{
    struct pcap_stat ps;
    if (pcap_stats(r->pcap, &ps) != 0)
        return;
    atomic_store(&r->received, ps.ps_recv - r->before.ps_recv);
    atomic_store(&r->dropped, ps.ps_drop - r->before.ps_drop);
    atomic_store(&r->if_dropped, ps.ps_ifdrop - r->before.ps_ifdrop);
    r->stats_ns = mono_ns();
}

/* Room for need bytes at the head, waiting while the queue is full (the
 * kernel's ring fills meanwhile, and counts what it cannot keep).  The
 * write position, or NULL when asked to stop. */
static uint8_t *reserve(struct reader *r, size_t need)
{
    for (;;) {
        size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
        size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
        size_t at = head % r->cap, to_end = r->cap - at;
        size_t want = to_end < need ? to_end + need : need; /* a WRAP record first */
        if (r->cap - (head - tail) >= want) {
            if (to_end < need) {
                struct record *w = (struct record *)(r->ring + at);
                w->size = (uint32_t)to_end;
                w->caplen = WRAP;
                atomic_store_explicit(&r->head, head + to_end, memory_order_release);
                at = 0;
            }
            return r->ring + at;
        }
        if (atomic_load(&r->stop))
            return NULL;
        if (r->added) {
            r->added = false;
            wake(r); /* the consumer may be asleep with work waiting */
        }
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct reader *r = (struct reader *)user;
    if (r->out)
        pcap_out_write(r->out, h, bytes); /* first: the file gets it even if the queue is stopped */
    size_t size = align8(sizeof(struct record) + h->caplen);
    uint8_t *at = reserve(r, size);
    if (!at)
        return;
    struct record rec = {(uint32_t)size, h->caplen, h->len, 0, h->ts.tv_sec, h->ts.tv_usec};
    memcpy(at, &rec, sizeof rec);
    memcpy(at + sizeof rec, bytes, h->caplen);
    atomic_fetch_add_explicit(&r->head, size, memory_order_release);
    r->added = true;
}

/* After a stop, what the kernel holds is part of the capture too: read it
 * out (into the file in any case, into the queue while it has room).  In
 * TPACKET_V3 the block being filled is handed over only when it is full
 * or VIZ_READ_TIMEOUT_MS after its first packet, so wait for that: read
 * until nothing more comes within two block timeouts, and for DRAIN_MS at
 * the most (the link may never fall silent). */
static void drain(struct reader *r)
{
    int64_t deadline = mono_ns() + (int64_t)DRAIN_MS * 1000000;
    while (mono_ns() < deadline) {
        int n = pcap_dispatch(r->pcap, -1, on_packet, (u_char *)r);
        if (n > 0 || n == PCAP_ERROR_BREAK)
            continue; /* a second stop: the drain goes on */
        if (n < 0)
            return;
        struct pollfd pfd = {pcap_get_selectable_fd(r->pcap), POLLIN, 0};
        if (poll(&pfd, 1, 2 * VIZ_READ_TIMEOUT_MS) <= 0)
            return; /* silence: the last block was handed over */
    }
}

static void *run(void *arg)
{
    struct reader *r = arg;
    /* Signals go to the main thread, whose poll() they interrupt. */
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    /* The thread waits in its own poll(), with a timeout: libpcap's for
     * TPACKET_V3 waits for the kernel's next block without one, and on a
     * capture gone quiet that never comes, so the counts read last (a
     * burst's drops, say) and the -w file's flush would wait with it. */
    char errbuf[PCAP_ERRBUF_SIZE];
    if (pcap_setnonblock(r->pcap, 1, errbuf) != 0) {
        snprintf(r->error, sizeof r->error, "%s", errbuf);
        atomic_store(&r->ended, true);
        wake(r);
        return NULL;
    }
    struct pollfd pfd = {pcap_get_selectable_fd(r->pcap), POLLIN, 0};
    while (!atomic_load(&r->stop)) {
        int n = pcap_dispatch(r->pcap, -1, on_packet, (u_char *)r);
        if (n == PCAP_ERROR_BREAK)
            break;
        if (n < 0) {
            snprintf(r->error, sizeof r->error, "%s", pcap_geterr(r->pcap));
            break;
        }
        if (r->added) {
            r->added = false;
            wake(r);
        }
        if (r->out && pcap_out_tick(r->out) < 0) {
            snprintf(r->error, sizeof r->error, "writing %s: %s (the capture stopped; w saves what was captured elsewhere)",
                     r->out->path, strerror(r->out->error));
            break;
        }
        if (mono_ns() - r->stats_ns > (int64_t)STATS_EVERY_MS * 1000000)
            read_stats(r);
        if (n == 0)
            poll(&pfd, 1, STATS_EVERY_MS); /* nothing handed over: wait for a block, or the clock */
    }
    if (!r->error[0])
        drain(r);
    read_stats(r);
    atomic_store(&r->ended, true);
    wake(r);
    return NULL;
}

/* ---- the main thread's side ---- */

struct reader *reader_start(pcap_t *p, bool filtered, struct pcap_out *out, char *err,
                            size_t errcap)
{
    struct reader *r = calloc(1, sizeof *r);
    /* A WRAP record may start in the last 8 bytes; the slack lets the
     * consumer read a whole header there. */
    if (!r || !(r->ring = malloc(VIZ_CAPTURE_QUEUE + sizeof(struct record)))) {
        free(r);
        snprintf(err, errcap, "out of memory for the capture queue");
        return NULL;
    }
    r->pcap = p;
    r->out = out;
    if (filtered && pcap_stats(p, &r->before) != 0)
        memset(&r->before, 0, sizeof r->before); /* no counts at all: report them as they come */
    r->cap = VIZ_CAPTURE_QUEUE;
    r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (r->efd < 0) {
        snprintf(err, errcap, "eventfd: %s", strerror(errno));
        free(r->ring);
        free(r);
        return NULL;
    }
    int rc = pthread_create(&r->thread, NULL, run, r);
    if (rc != 0) {
        snprintf(err, errcap, "cannot start the capture thread: %s", strerror(rc));
        close(r->efd);
        free(r->ring);
        free(r);
        return NULL;
    }
    return r;
}

int reader_fd(const struct reader *r)
{
    return r->efd;
}

int reader_next(struct reader *r, int max, reader_fn fn, void *ctx)
{
    uint64_t count;
    ssize_t rc = read(r->efd, &count, sizeof count); /* clear the wake-up before looking */
    (void)rc;
    bool ended = atomic_load_explicit(&r->ended, memory_order_acquire);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    int n = 0;
    while (tail != head && (max <= 0 || n < max)) {
        const uint8_t *at = r->ring + tail % r->cap;
        struct record rec;
        memcpy(&rec, at, sizeof rec);
        if (rec.caplen != WRAP) {
            struct pcap_pkthdr h;
            h.ts.tv_sec = (time_t)rec.sec;
            h.ts.tv_usec = (suseconds_t)rec.frac;
            h.caplen = rec.caplen;
            h.len = rec.wirelen;
            fn(ctx, &h, at + sizeof rec);
            n++;
        }
        tail += rec.size;
        atomic_store_explicit(&r->tail, tail, memory_order_release);
    }
    if (tail != head)
        wake(r); /* stopped at max: come back */
    else if (n == 0 && ended)
        return READER_END;
    return n;
}

void reader_stop(struct reader *r)
{
    atomic_store(&r->stop, true);
    pcap_breakloop(r->pcap);
}

void reader_stats(const struct reader *r, struct capture_stats *st)
{
    st->received = atomic_load(&r->received);
    st->dropped = atomic_load(&r->dropped);
    st->if_dropped = atomic_load(&r->if_dropped);
}

const char *reader_error(const struct reader *r)
{
    return atomic_load_explicit(&r->ended, memory_order_acquire) ? r->error : "";
}

void reader_free(struct reader *r)
{
    if (!r)
        return;
    reader_stop(r);
    pthread_join(r->thread, NULL);
    close(r->efd);
    free(r->ring);
    free(r);
}
