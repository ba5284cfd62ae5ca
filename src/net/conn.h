/* conn.h -- a buffered, non-blocking TCP connection on the event loop.
 *
 * A conn reads whatever arrives into its input buffer and tells its owner;
 * the owner consumes what it could parse.  Writes are gathered in the
 * output queue and go out together, in one send, as soon as the callback
 * that wrote them returns (a big write goes at once); what the socket
 * has no room for waits in the queue, which is watched for writability
 * only while it is not empty.  The queue holds bytes of its own (copied
 * in) and references to shared bytes (net/shbuf.h: a broadcast frame
 * built once for every client), in the order they were written.  Both
 * buffers exist only while they hold bytes, so ten thousand quiet
 * connections cost little.
 *
 * Lifetime: conn_close() runs the owner's on_close and frees the conn a
 * moment later (after the current callback returns), so code that just
 * closed it may still read c->closed.  Every callback may close the conn.
 */
#ifndef NET_CONN_H
#define NET_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "net/loop.h"
#include "net/shbuf.h"
#include "net/sock.h"
#include "proto/bytebuf.h"

struct conn;

/* What the owner of a conn is told. */
struct conn_ops {
    /* New bytes are in the input buffer (conn_input).  Consume what was
     * used with conn_consume; the rest stays for the next call. */
    void (*on_read)(struct conn *c);
    /* The conn is closing (c->close_reason says why); release what points
     * at it.  The fd is already closed; writes are ignored. */
    void (*on_close)(struct conn *c);
    /* Optional: the output queue just became empty. */
    void (*on_drain)(struct conn *c);
    /* Optional: the timer set with conn_set_timeout fired.  Without this
     * the conn is closed with the reason "idle timeout". */
    void (*on_timeout)(struct conn *c);
};

/* Stretches of the output queue a conn keeps in its own struct: enough
 * for the shared events of a burst; past that, shared bytes are copied. */
#define CONN_PIECES 4

/* One stretch of the output queue. */
struct conn_piece {
    struct shbuf *shared; /* a reference held, or NULL: the next len bytes of conn.out */
    size_t off;           /* shared: bytes of it already sent */
    size_t len;           /* bytes in the stretch (shared: the buffer's length) */
};

struct conn {
    struct loop *loop;          /* the loop it lives on (borrowed) */
    int fd;                     /* the socket; -1 once closed */
    const struct conn_ops *ops; /* the owner's callbacks (borrowed, static) */
    void *user;                 /* the owner's state */
    char peer[SOCK_ADDR_MAX];   /* "HOST:PORT" of the other end */
    struct bytebuf in;          /* input not consumed yet; its cap is the input limit (a
                                   full buffer nobody consumes closes the conn) */
    struct bytebuf out;         /* queued output of our own; its cap is the queue limit
                                   for all output (over it the peer is too slow and is cut off) */
    struct conn_piece pieces[CONN_PIECES]; /* the output queue in order: own and shared stretches */
    unsigned num_pieces;        /* stretches in use, pieces[0] first */
    size_t pending;             /* bytes queued and not sent yet, own and shared */
    struct loop_deferred gathered; /* queued while written output waits to be sent */
    struct loop_timer *timer;   /* timeout, or NULL */
    uint64_t timeout_ms;        /* 0: no timeout */
    bool close_after_flush;     /* close once the queue is empty (input is discarded) */
    bool lingering;             /* our FIN is sent; draining the peer until its own */
    size_t drained;             /* bytes discarded since close_after_flush */
    bool closed;                /* conn_close ran; the conn is about to be freed */
    const char *close_reason;   /* why it closed (static string) */
    uint64_t bytes_in, bytes_out; /* totals, for logs and load reports */
};

/* Wrap an accepted or connected fd (the conn owns it from now on) and
 * watch it for reading.  NULL when out of memory (fd closed). */
struct conn *conn_new(struct loop *loop, int fd, const struct conn_ops *ops, void *user,
                      size_t in_max, size_t out_max);

/* The unconsumed input: *len bytes at the returned pointer (NULL if none).
 * Valid until the next read, consume or close. */
const char *conn_input(const struct conn *c, size_t *len);
/* The first n input bytes were used. */
void conn_consume(struct conn *c, size_t n);

/* Send bytes: queued, and sent with everything else written in the same
 * callback once it returns (as far as the socket allows; the rest waits).
 * 0, or -1 when the conn is closed, or was just closed because the queue
 * went over its cap (close_reason "output queue full: slow reader"). */
int conn_write(struct conn *c, const void *data, size_t len);
/* The same for several pieces (a frame header and its payload). */
int conn_writev(struct conn *c, const struct iovec *iov, int iovcnt);
/* The same for shared bytes: the queue takes a reference to b instead of
 * a copy (the caller keeps its own), and drops it once b is sent or the
 * conn closes.  b must not change from now on.  0 or -1 as conn_write. */
int conn_write_shared(struct conn *c, struct shbuf *b);
/* Bytes waiting in the output queue. */
static inline size_t conn_pending(const struct conn *c) { return c->pending; }

/* Close now (queued output is dropped).  Runs on_close once; later calls
 * do nothing.  reason is a static string. */
void conn_close(struct conn *c, const char *reason);
/* Close once everything queued has been written, gently: from now on
 * input is read and thrown away (the owner's on_read is not called);
 * when the queue is empty our side is shut down (FIN) and the conn waits
 * for the peer's FIN, then closes.  Closing at once with unread input
 * would make the kernel send a reset, and a reset can destroy the
 * response the peer has not read yet (an error answer to a request whose
 * body is still arriving).  The wait is bounded (pushlab.h): LINGER_MAX_BYTES
 * discarded, or LINGER_MS after our FIN; and the queue must be out within
 * CLOSE_LINGER_MS unless the owner's timeout is already armed. */
void conn_close_after_flush(struct conn *c, const char *reason);

/* (Re)arm the timeout: on_timeout (or, without one, a close with the
 * reason "timeout") ms from now; 0 disarms it.  Ignored once
 * conn_close_after_flush was called: closing has its own deadlines.  Input does not re-arm it:
 * the owner decides what counts as progress, so a peer that trickles one
 * byte at a time still meets its deadline. */
void conn_set_timeout(struct conn *c, uint64_t ms);

/* Hand the conn to another owner (an HTTP connection upgraded to
 * WebSocket, say).  Input already buffered stays. */
void conn_set_ops(struct conn *c, const struct conn_ops *ops, void *user);

#endif
