/* loop.c -- the epoll event loop and its timer heap.
 *
 * What it holds: a table of watched fds indexed by fd number, a binary
 * min-heap of timers ordered by due time (heap.c: timers due in the same
 * millisecond fire in the order they were armed), and a signalfd for
 * SIGINT and SIGTERM.  Each turn of the loop computes how long until the next timer,
 * sleeps that long in epoll_wait (never busy-waits), dispatches ready fds,
 * then fires due timers.
 *
 * The subtle part (as in Redis's ae.c): a callback may close any fd,
 * including one whose event is waiting later in the same batch.  So every
 * dispatch re-checks that the fd is still watched by the same registration
 * (a generation counter per slot) before calling its handler.
 *
 * Deferred work: a callback's writes are gathered, not sent one by one.
 * Handling one readiness event often produces several outputs for the
 * same socket -- one read brings sixteen WebSocket frames and each is
 * echoed, one broadcast tick has several events for every client.  A
 * send() per output costs a system call, a pass through the TCP stack and
 * usually a packet each; the bytes are the same either way.  So a conn
 * only appends to its output queue and asks the loop (loop_defer) to call
 * it back once the callback has returned; then everything it gathered
 * leaves in one send().  The loop runs that queue after every fd callback
 * and every timer, so nothing waits longer than the callback that wrote
 * it, and one client's full socket never delays another's send.
 *
 * Shared bytes: a broadcast writes the same framed event to every client.
 * It is framed once, into a reference-counted buffer (shbuf.h), and each
 * conn's queue holds a reference, not a copy; the deferred sends then take
 * their bytes from that one buffer.  A client whose socket is full keeps
 * its reference (and the buffer) until it has caught up, while the others
 * have sent theirs and let go.
 *
 * Left out on purpose: threads, edge-triggered mode (level-triggered is
 * easier to reason about), and timer wheels (a heap is O(log n) and simple).
 */
#include "net/loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "net/heap.h"

#define LOOP_BATCH 256 /* ready events taken per epoll_wait */

/* A watched fd. */
struct loop_fd {
    loop_fd_fn *fn;      /* NULL when the slot is free */
    void *arg;           /* passed back to fn */
    unsigned events;     /* current interest */
    uint32_t generation; /* bumped on every add/del, stamped into epoll data */
};

struct loop_timer {
    struct heap_node node; /* in loop->timers; node.key: monotonic ms it fires next */
    uint64_t period_ms;    /* 0: one-shot */
    loop_timer_fn *fn;     /* what to call */
    void *arg;             /* passed back to fn */
};

struct loop {
    int epfd;                   /* the epoll instance */
    int sigfd;                  /* signalfd, or -1 */
    struct loop_fd *fds;        /* indexed by fd number */
    size_t fds_cap;
    struct heap timers;         /* struct loop_timer by due time (heap.c) */
    uint64_t now_ms;            /* cached monotonic clock */
    struct loop_deferred *deferred; /* work to run after this callback */
    bool stop;
};

static void run_deferred(struct loop *loop);

static uint64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int64_t loop_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct loop *loop_new(void)
{
    struct loop *loop = calloc(1, sizeof *loop);
    if (!loop)
        return NULL;
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0) {
        free(loop);
        return NULL;
    }
    loop->sigfd = -1;
    loop->now_ms = monotonic_ms();
    return loop;
}

void loop_free(struct loop *loop)
{
    if (!loop)
        return;
    for (size_t i = 0; i < loop->timers.len; i++)
        free(HEAP_ENTRY(loop->timers.slots[i], struct loop_timer, node));
    heap_free(&loop->timers);
    free(loop->fds);
    if (loop->sigfd >= 0)
        close(loop->sigfd);
    close(loop->epfd);
    free(loop);
}

uint64_t loop_now_ms(const struct loop *loop) { return loop->now_ms; }
void loop_stop(struct loop *loop) { loop->stop = true; }
bool loop_stopping(const struct loop *loop) { return loop->stop; }

/* ---------------------------------------------------------------- fds */

static uint32_t epoll_bits(unsigned events)
{
    /* EPOLLRDHUP tells us at once when a held long-poll client goes away. */
    uint32_t bits = EPOLLRDHUP;
    if (events & LOOP_READ)
        bits |= EPOLLIN;
    if (events & LOOP_WRITE)
        bits |= EPOLLOUT;
    return bits;
}

/* epoll's user data carries the fd and the slot's generation, so a stale
 * event for a closed-and-reused fd number is recognised and dropped. */
static uint64_t pack(int fd, uint32_t generation)
{
    return (uint64_t)generation << 32 | (uint32_t)fd;
}

int loop_add_fd(struct loop *loop, int fd, unsigned events, loop_fd_fn *fn, void *arg)
{
    if (fd < 0) {
        errno = EBADF;
        return -1;
    }
    if ((size_t)fd >= loop->fds_cap) {
        size_t cap = loop->fds_cap ? loop->fds_cap : 64;
        while (cap <= (size_t)fd)
            cap *= 2;
        struct loop_fd *grown = realloc(loop->fds, cap * sizeof *grown);
        if (!grown)
            return -1;
        memset(grown + loop->fds_cap, 0, (cap - loop->fds_cap) * sizeof *grown);
        loop->fds = grown;
        loop->fds_cap = cap;
    }
    struct loop_fd *slot = &loop->fds[fd];
    slot->generation++;
    struct epoll_event ev = {.events = epoll_bits(events), .data.u64 = pack(fd, slot->generation)};
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
        return -1;
    slot->fn = fn;
    slot->arg = arg;
    slot->events = events;
    return 0;
}

int loop_mod_fd(struct loop *loop, int fd, unsigned events)
{
    if (fd < 0 || (size_t)fd >= loop->fds_cap || !loop->fds[fd].fn) {
        errno = EBADF;
        return -1;
    }
    struct loop_fd *slot = &loop->fds[fd];
    if (slot->events == events)
        return 0; /* saves a system call on every write */
    struct epoll_event ev = {.events = epoll_bits(events), .data.u64 = pack(fd, slot->generation)};
    if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
        return -1;
    slot->events = events;
    return 0;
}

void loop_del_fd(struct loop *loop, int fd)
{
    if (fd < 0 || (size_t)fd >= loop->fds_cap || !loop->fds[fd].fn)
        return;
    epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
    loop->fds[fd].fn = NULL;
    loop->fds[fd].generation++;
}

/* ------------------------------------------------------------- timers */

/* The timer due first, or NULL. */
static struct loop_timer *first_timer(const struct loop *loop)
{
    struct heap_node *n = heap_top(&loop->timers);
    return n ? HEAP_ENTRY(n, struct loop_timer, node) : NULL;
}

struct loop_timer *loop_add_timer(struct loop *loop, uint64_t delay_ms, uint64_t period_ms,
                                  loop_timer_fn *fn, void *arg)
{
    struct loop_timer *t = malloc(sizeof *t);
    if (!t)
        return NULL;
    t->node.key = loop->now_ms + delay_ms;
    t->period_ms = period_ms;
    t->fn = fn;
    t->arg = arg;
    if (heap_push(&loop->timers, &t->node) < 0) {
        free(t);
        return NULL;
    }
    return t;
}

void loop_cancel_timer(struct loop *loop, struct loop_timer *t)
{
    if (!t)
        return;
    heap_remove(&loop->timers, &t->node);
    free(t);
}

void loop_reset_timer(struct loop *loop, struct loop_timer *t, uint64_t delay_ms)
{
    heap_rekey(&loop->timers, &t->node, loop->now_ms + delay_ms);
}

/* Fire every timer that is due.  A periodic timer is re-armed before its
 * callback runs, so the callback may cancel it; a one-shot timer is freed
 * first, so the callback never sees a dangling handle. */
static void run_timers(struct loop *loop)
{
    struct loop_timer *t;
    while ((t = first_timer(loop)) && t->node.key <= loop->now_ms && !loop->stop) {
        loop_timer_fn *fn = t->fn;
        void *arg = t->arg;
        if (t->period_ms) {
            /* Catch up without a burst if the loop was held up. */
            uint64_t due = t->node.key + t->period_ms;
            if (due <= loop->now_ms)
                due = loop->now_ms + t->period_ms;
            heap_rekey(&loop->timers, &t->node, due);
        } else {
            heap_remove(&loop->timers, &t->node);
            free(t);
        }
        fn(loop, arg);
        run_deferred(loop);
    }
}

/* ----------------------------------------------------------- deferred */

void loop_defer(struct loop *loop, struct loop_deferred *d)
{
    if (d->queued)
        return;
    d->queued = true;
    d->prev = NULL;
    d->next = loop->deferred;
    if (d->next)
        d->next->prev = d;
    loop->deferred = d;
}

void loop_undefer(struct loop *loop, struct loop_deferred *d)
{
    if (!d->queued)
        return;
    d->queued = false;
    if (d->prev)
        d->prev->next = d->next;
    else
        loop->deferred = d->next;
    if (d->next)
        d->next->prev = d->prev;
}

/* Run the deferred work until none is left (work may queue more). */
static void run_deferred(struct loop *loop)
{
    while (loop->deferred) {
        struct loop_deferred *d = loop->deferred;
        loop_undefer(loop, d);
        d->fn(loop, d->arg);
    }
}

/* ------------------------------------------------------------ signals */

static void on_signal(struct loop *loop, int fd, unsigned events, void *arg)
{
    (void)events;
    (void)arg;
    struct signalfd_siginfo info;
    while (read(fd, &info, sizeof info) == (ssize_t)sizeof info)
        loop->stop = true;
}

int loop_watch_signals(struct loop *loop, loop_fd_fn *fn, void *arg)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    /* Blocked signals queue up and are read from the signalfd like data,
     * so a signal can never interrupt a callback half-way. */
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return -1;
    loop->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (loop->sigfd < 0)
        return -1;
    /* A peer closing its socket must not kill us with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    return loop_add_fd(loop, loop->sigfd, LOOP_READ, fn, arg);
}

int loop_stop_on_signals(struct loop *loop)
{
    return loop_watch_signals(loop, on_signal, NULL);
}

/* --------------------------------------------------------------- run */

static int next_timeout(const struct loop *loop)
{
    const struct loop_timer *t = first_timer(loop);
    if (!t)
        return -1;
    uint64_t due = t->node.key;
    if (due <= loop->now_ms)
        return 0;
    uint64_t wait = due - loop->now_ms;
    return wait > 60000 ? 60000 : (int)wait;
}

void loop_run_due(struct loop *loop)
{
    bool stop = loop->stop;
    loop->stop = false;
    loop->now_ms = monotonic_ms();
    run_deferred(loop);
    /* Only timers due by now: periodic ones re-arm in the future, so
     * this ends. */
    run_timers(loop);
    loop->stop = stop;
}

int loop_run(struct loop *loop)
{
    struct epoll_event ready[LOOP_BATCH];
    while (!loop->stop) {
        run_deferred(loop); /* what was written before the loop ran */
        int n = epoll_wait(loop->epfd, ready, LOOP_BATCH, next_timeout(loop));
        loop->now_ms = monotonic_ms();
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        for (int i = 0; i < n && !loop->stop; i++) {
            int fd = (int)(uint32_t)ready[i].data.u64;
            uint32_t generation = (uint32_t)(ready[i].data.u64 >> 32);
            /* Re-check: an earlier callback in this batch may have
             * removed this fd, or removed it and added a new one. */
            if ((size_t)fd >= loop->fds_cap || !loop->fds[fd].fn ||
                loop->fds[fd].generation != generation)
                continue;
            unsigned events = 0;
            if (ready[i].events & EPOLLIN)
                events |= LOOP_READ;
            if (ready[i].events & EPOLLOUT)
                events |= LOOP_WRITE;
            if (ready[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                events |= LOOP_HUP;
            loop->fds[fd].fn(loop, fd, events, loop->fds[fd].arg);
            run_deferred(loop);
        }
        run_timers(loop);
    }
    return 0;
}
