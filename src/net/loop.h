/* loop.h -- a single-threaded epoll event loop with millisecond timers.
 *
 * One thread, one loop: every socket of a server is registered here with a
 * callback, and the loop sleeps in epoll_wait until a socket is ready or the
 * next timer is due.  No callback may block; a callback that cannot finish
 * its work now arranges to be called again (write interest, a timer).
 */
#ifndef NET_LOOP_H
#define NET_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct loop_timer;

/* Interest and readiness bits for loop_add_fd / loop_mod_fd / callbacks. */
enum {
    LOOP_READ = 1,  /* data (or a new connection, or EOF) to read */
    LOOP_WRITE = 2, /* room to write */
    LOOP_HUP = 4    /* the peer shut down or reset (EPOLLRDHUP/HUP/ERR) */
};

/* Called when fd is ready; `events` holds LOOP_* bits. */
typedef void loop_fd_fn(struct loop *loop, int fd, unsigned events, void *arg);
/* Called when a timer fires. */
typedef void loop_timer_fn(struct loop *loop, void *arg);

/* A new loop, or NULL (errno set). */
struct loop *loop_new(void);
/* Frees the loop and its timers; the caller closes its own fds first. */
void loop_free(struct loop *loop);

/* Watch fd for `events` (LOOP_READ, LOOP_WRITE; hang-ups always reported).
 * 0 or -1 (errno set).  fd is borrowed: the loop never closes it. */
int loop_add_fd(struct loop *loop, int fd, unsigned events, loop_fd_fn *fn, void *arg);
/* Change the interest of a watched fd. 0 or -1. */
int loop_mod_fd(struct loop *loop, int fd, unsigned events);
/* Stop watching fd (before closing it).  Safe to call from any callback,
 * including fd's own: a removed fd's pending events are not delivered. */
void loop_del_fd(struct loop *loop, int fd);

/* Call fn after delay_ms, then every period_ms (0: once).  Timers due in
 * the same millisecond fire in the order they were added, reset or
 * re-armed.  Returns a handle owned by the loop: valid until the timer
 * has fired for the last time (a one-shot timer is freed before its
 * callback runs) or is cancelled.  NULL when out of memory. */
struct loop_timer *loop_add_timer(struct loop *loop, uint64_t delay_ms, uint64_t period_ms,
                                  loop_timer_fn *fn, void *arg);
/* Cancel a timer; the handle becomes invalid.  NULL is ignored. */
void loop_cancel_timer(struct loop *loop, struct loop_timer *timer);
/* Move a timer so it next fires delay_ms from now (idle timeouts). */
void loop_reset_timer(struct loop *loop, struct loop_timer *timer, uint64_t delay_ms);

/* Work put off until the callback now running has returned (see loop.c:
 * a connection gathers what one callback writes and sends it once).  The
 * owner embeds one in its state, sets fn and arg, and queues it with
 * loop_defer as often as it likes: it is queued once and fn(loop, arg)
 * runs once, after the current fd or timer callback.  Queued outside any
 * callback, it runs before the loop next sleeps. */
struct loop_deferred {
    loop_timer_fn *fn;                 /* what to run (a timer's shape) */
    void *arg;                         /* passed back to fn */
    struct loop_deferred *prev, *next; /* the loop's queue (private) */
    bool queued;                       /* on that queue now (private) */
};
void loop_defer(struct loop *loop, struct loop_deferred *d);
/* Take d off the queue (its owner is going away).  Not queued: no-op. */
void loop_undefer(struct loop *loop, struct loop_deferred *d);

/* Stop the loop on SIGINT and SIGTERM (blocked, read from a signalfd, so
 * they arrive as ordinary events).  0 or -1. */
int loop_stop_on_signals(struct loop *loop);
/* The same signalfd, but fn(loop, fd, events, arg) decides what a signal
 * means (it must read the signalfd_siginfo records from fd); the loop
 * still owns fd and closes it in loop_free.  Call one of the two, once.
 * 0 or -1. */
int loop_watch_signals(struct loop *loop, loop_fd_fn *fn, void *arg);

/* Run until loop_stop.  0, or -1 when epoll fails. */
int loop_run(struct loop *loop);
/* Run the timers that are due now, even after loop_stop: at shutdown this
 * finishes deferred work such as freeing closed connections. */
void loop_run_due(struct loop *loop);
/* Make loop_run return after the current callback. */
void loop_stop(struct loop *loop);
/* True after loop_stop (or a signal). */
bool loop_stopping(const struct loop *loop);

/* Monotonic milliseconds, updated once per loop iteration. */
uint64_t loop_now_ms(const struct loop *loop);
/* Wall-clock milliseconds since 1970 (for event timestamps). */
int64_t loop_wall_ms(void);

#endif
