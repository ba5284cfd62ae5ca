/* conn.c -- buffered non-blocking connections (see conn.h).
 *
 * The rules of non-blocking I/O, each applied here once:
 *  - read until EAGAIN or a short read, retry EINTR; 0 bytes means the
 *    peer closed;
 *  - gather, then write once: what one callback writes is appended to
 *    the output queue and sent with one send() when the callback returns
 *    (loop_defer; loop.c says why).  Only a big write goes out at once;
 *  - share, do not copy, what every client gets: a broadcast frame built
 *    once (net/shbuf.h) is queued as a reference, and one sendmsg() takes
 *    the queue's stretches -- own bytes and shared ones -- in order;
 *  - only the part the kernel refused stays queued, and EPOLLOUT is armed
 *    only while it does (otherwise the loop would wake up for every
 *    writable socket, all the time);
 *  - MSG_NOSIGNAL, so a reset peer gives EPIPE, not a fatal SIGPIPE;
 *  - a queue that grows past its cap means the reader cannot keep up:
 *    cut that one peer off instead of letting it eat the server's memory;
 *  - close gently (a "lingering close", RFC 9112 §9.6): after our last
 *    byte, shut down our side and read, discarding, until the peer's FIN.
 *    close() on a socket with unread input sends a reset, and a reset
 *    makes the peer's kernel throw away what it has not read yet -- such
 *    as the 413 telling it why its upload was refused.
 */
#include "net/conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pushlab.h"

#define READ_CHUNK 4096 /* first input allocation; grows by doubling */
/* Held output over this is sent at once instead of at the callback's end:
 * a big body is not worth copying just to save a system call. */
#define GATHER_MAX (64 * 1024)

static void on_fd(struct loop *loop, int fd, unsigned events, void *arg);

/* A buffer exists only while it holds bytes, so a connection that reads
 * one small message gets a buffer, parses it, and gives it back; the same
 * for the output it gathers.  Given back to malloc, that is a malloc()
 * and a free() per message (a 4 KiB block is too big for glibc's fast
 * per-size cache).  So the last few READ_CHUNK buffers given back wait
 * here for the next connection that reads or writes: a busy server works
 * in the same warm buffers message after message, and idle connections
 * still hold none.  A few slots are enough because callbacks run one at
 * a time (an echo holds one for input and one for output). */
#define SPARES 2
static struct bytebuf spares[SPARES]; /* memory only: they hold no bytes */

/* Give b's memory back (its bytes must be unwanted). */
static void release(struct bytebuf *b)
{
    bytebuf_reset(b, b->offset + b->len);
    for (int i = 0; b->size == READ_CHUNK && i < SPARES; i++) {
        if (!spares[i].mem) {
            bytebuf_swap(b, &spares[i]);
            return;
        }
    }
    bytebuf_free(b);
}

/* Give an empty b a spare buffer when there is one; false if not. */
static bool take_spare(struct bytebuf *b)
{
    for (int i = 0; !b->mem && b->cap >= READ_CHUNK && i < SPARES; i++) {
        if (spares[i].mem) {
            bytebuf_swap(b, &spares[i]);
            return true;
        }
    }
    return false;
}

static void flush_later(struct loop *loop, void *arg);
static ssize_t send_queue(struct conn *c);
static void drop_queue(struct conn *c);

struct conn *conn_new(struct loop *loop, int fd, const struct conn_ops *ops, void *user,
                      size_t in_max, size_t out_max)
{
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return NULL;
    }
    c->loop = loop;
    c->fd = fd;
    c->ops = ops;
    c->user = user;
    bytebuf_init(&c->in, in_max);
    bytebuf_init(&c->out, out_max);
    c->gathered.fn = flush_later;
    c->gathered.arg = c;
    if (loop_add_fd(loop, fd, LOOP_READ, on_fd, c) < 0) {
        close(fd);
        free(c);
        return NULL;
    }
    return c;
}

void conn_set_ops(struct conn *c, const struct conn_ops *ops, void *user)
{
    c->ops = ops;
    c->user = user;
}

const char *conn_input(const struct conn *c, size_t *len)
{
    *len = c->in.len;
    return c->in.data;
}

void conn_consume(struct conn *c, size_t n)
{
    if (n >= c->in.len) {
        /* Nothing left: give the memory back (most conns are idle). */
        release(&c->in);
        return;
    }
    bytebuf_consume(&c->in, n);
}

/* ------------------------------------------------------------ closing */

/* ------------------------------------------------------------ the queue */

/* One sendmsg() of the queue's stretches, in order (send() when there is
 * one: sendmsg() first copies the msghdr and the iovec array in from user
 * space).  What send returns, errno as it left it. */
static ssize_t send_queue(struct conn *c)
{
    struct iovec iov[CONN_PIECES];
    const char *own = c->out.data; /* own stretches follow each other in out */
    for (unsigned i = 0; i < c->num_pieces; i++) {
        const struct conn_piece *piece = &c->pieces[i];
        if (piece->shared) {
            iov[i].iov_base = piece->shared->data + piece->off;
            iov[i].iov_len = piece->len - piece->off;
        } else {
            iov[i].iov_base = (void *)own;
            iov[i].iov_len = piece->len;
            own += piece->len;
        }
    }
    if (c->num_pieces == 1)
        return send(c->fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL);
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = c->num_pieces};
    return sendmsg(c->fd, &msg, MSG_NOSIGNAL);
}

static void remove_first_piece(struct conn *c)
{
    shbuf_drop(c->pieces[0].shared);
    c->num_pieces--;
    memmove(&c->pieces[0], &c->pieces[1], c->num_pieces * sizeof c->pieces[0]);
}

/* n bytes from the front of the queue were sent. */
static void sent(struct conn *c, size_t n)
{
    c->pending -= n;
    c->bytes_out += (uint64_t)n;
    while (n > 0) {
        struct conn_piece *piece = &c->pieces[0];
        size_t left = piece->len - piece->off;
        size_t take = n < left ? n : left;
        if (piece->shared) {
            piece->off += take;
        } else {
            bytebuf_consume(&c->out, take);
            piece->len -= take;
        }
        n -= take;
        if (piece->off == piece->len)
            remove_first_piece(c);
    }
}

/* Forget everything queued (closing). */
static void drop_queue(struct conn *c)
{
    while (c->num_pieces > 0)
        remove_first_piece(c);
    c->pending = 0;
    release(&c->out);
}

static void free_later(struct loop *loop, void *arg)
{
    (void)loop;
    struct conn *c = arg;
    release(&c->in);
    release(&c->out);
    free(c);
}

void conn_close(struct conn *c, const char *reason)
{
    if (c->closed)
        return;
    c->closed = true;
    c->close_reason = reason;
    if (c->gathered.queued) {
        /* Output this callback wrote was never tried (a goodbye written
         * just before closing): try it once, as an immediate write would
         * have been; what the socket refuses is dropped. */
        loop_undefer(c->loop, &c->gathered);
        ssize_t n = send_queue(c);
        if (n > 0)
            c->bytes_out += (uint64_t)n;
    }
    drop_queue(c);
    loop_del_fd(c->loop, c->fd);
    close(c->fd);
    c->fd = -1;
    loop_cancel_timer(c->loop, c->timer);
    c->timer = NULL;
    if (c->ops->on_close)
        c->ops->on_close(c);
    /* Freed by a zero-delay timer: it runs after the callback that closed
     * us has returned, so that code may still look at c->closed.  If even
     * that small allocation fails we leak the conn rather than risk a
     * use-after-free. */
    loop_add_timer(c->loop, 0, 0, free_later, c);
}

static void on_timer(struct loop *loop, void *arg);

/* Everything is written: send our FIN and wait for the peer's. */
static void start_linger(struct conn *c)
{
    if (shutdown(c->fd, SHUT_WR) < 0) {
        conn_close(c, c->close_reason);
        return;
    }
    c->lingering = true;
    loop_cancel_timer(c->loop, c->timer);
    c->timer = loop_add_timer(c->loop, LINGER_MS, 0, on_timer, c);
}

void conn_close_after_flush(struct conn *c, const char *reason)
{
    if (c->closed || c->close_after_flush)
        return;
    c->close_reason = reason;
    c->close_after_flush = true;
    release(&c->in); /* nobody will parse it now */
    if (conn_pending(c) == 0) {
        start_linger(c);
        return;
    }
    if (!c->timer) /* a peer that never reads gets CLOSE_LINGER_MS */
        c->timer = loop_add_timer(c->loop, CLOSE_LINGER_MS, 0, on_timer, c);
}

/* ------------------------------------------------------------ writing */

/* Write queued output; 0, or -1 after closing the conn on an error.
 * tell_drain: the queue was waiting for EPOLLOUT, so its owner hears
 * (on_drain) when it empties. */
static int flush(struct conn *c, bool tell_drain)
{
    while (conn_pending(c) > 0) {
        ssize_t n = send_queue(c);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            conn_close(c, errno == EPIPE || errno == ECONNRESET ? "peer reset" : "write error");
            return -1;
        }
        sent(c, (size_t)n);
    }
    if (conn_pending(c) == 0) {
        release(&c->out);
        loop_mod_fd(c->loop, c->fd, LOOP_READ);
        if (c->close_after_flush) {
            if (!c->lingering)
                start_linger(c);
            return -1;
        }
        if (tell_drain && c->ops->on_drain)
            c->ops->on_drain(c);
    } else {
        loop_mod_fd(c->loop, c->fd, LOOP_READ | LOOP_WRITE);
    }
    return 0;
}

/* The callback that wrote has returned: send what it gathered. */
static void flush_later(struct loop *loop, void *arg)
{
    (void)loop;
    struct conn *c = arg;
    if (!c->closed)
        flush(c, false);
}

/* Room for len more bytes in the queue; else the reader is too slow and
 * is cut off (-1). */
static int fits(struct conn *c, size_t len)
{
    if (len <= c->out.cap && conn_pending(c) <= c->out.cap - len)
        return 0;
    conn_close(c, "output queue full: slow reader cut off");
    return -1;
}

/* Append a copy of bytes to the queue, within its cap.  The last stretch
 * grows when it is our own; else a new one starts (there is always room
 * for it: see conn_write_shared). */
static int queue(struct conn *c, const char *data, size_t len)
{
    if (len == 0)
        return 0;
    if (fits(c, len) < 0)
        return -1;
    take_spare(&c->out);
    if (!bytebuf_append(&c->out, data, len)) {
        conn_close(c, "out of memory");
        return -1;
    }
    struct conn_piece *last = c->num_pieces ? &c->pieces[c->num_pieces - 1] : NULL;
    if (last && !last->shared)
        last->len += len;
    else
        c->pieces[c->num_pieces++] = (struct conn_piece){.shared = NULL, .off = 0, .len = len};
    c->pending += len;
    return 0;
}

/* A big write: send what is held, then these pieces straight from the
 * caller's memory (no copy), and queue only what the kernel refused. */
static int write_now(struct conn *c, const struct iovec *iov, int iovcnt)
{
    if (conn_pending(c) > 0 && flush(c, false) < 0)
        return -1;
    size_t done = 0;
    if (conn_pending(c) == 0) {
        /* A single piece goes with send(): sendmsg() first copies the
         * msghdr and the iovec array in from user space. */
        struct msghdr msg = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt};
        ssize_t n;
        do
            n = iovcnt == 1 ? send(c->fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL)
                            : sendmsg(c->fd, &msg, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            conn_close(c, errno == EPIPE || errno == ECONNRESET ? "peer reset" : "write error");
            return -1;
        }
        if (n > 0) {
            done = (size_t)n;
            c->bytes_out += (uint64_t)n;
        }
    }
    /* Queue what the kernel did not take. */
    for (int i = 0; i < iovcnt; i++) {
        size_t len = iov[i].iov_len;
        if (done >= len) {
            done -= len;
            continue;
        }
        if (queue(c, (const char *)iov[i].iov_base + done, len - done) < 0)
            return -1;
        done = 0;
    }
    if (conn_pending(c) > 0)
        loop_mod_fd(c->loop, c->fd, LOOP_READ | LOOP_WRITE);
    return 0;
}

int conn_writev(struct conn *c, const struct iovec *iov, int iovcnt)
{
    if (c->closed || c->lingering)
        return -1;
    size_t total = 0;
    for (int i = 0; i < iovcnt; i++)
        total += iov[i].iov_len;
    if (conn_pending(c) + total > GATHER_MAX)
        return write_now(c, iov, iovcnt);
    /* Gather: append now, send once when the callback has returned. */
    for (int i = 0; i < iovcnt; i++) {
        if (queue(c, iov[i].iov_base, iov[i].iov_len) < 0)
            return -1;
    }
    loop_defer(c->loop, &c->gathered);
    return 0;
}

int conn_write_shared(struct conn *c, struct shbuf *b)
{
    if (c->closed || c->lingering)
        return -1;
    if (b->len == 0)
        return 0;
    /* A shared stretch leaves one slot free, for own bytes written after
     * it; with fewer free, the bytes are copied like any others (a client
     * already behind by several events, or a burst of them). */
    if (c->num_pieces + 2 > CONN_PIECES)
        return conn_write(c, b->data, b->len);
    if (fits(c, b->len) < 0)
        return -1;
    c->pieces[c->num_pieces++] = (struct conn_piece){.shared = shbuf_hold(b), .off = 0, .len = b->len};
    c->pending += b->len;
    loop_defer(c->loop, &c->gathered);
    return 0;
}

int conn_write(struct conn *c, const void *data, size_t len)
{
    struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
    return conn_writev(c, &iov, 1);
}

/* ------------------------------------------------------------ reading */

/* Read what is there.  Returns 1 when bytes arrived, 0 when none, -1 when
 * the conn was closed (EOF, error, or input over its limit). */
static int fill(struct conn *c)
{
    int got = 0;
    for (;;) {
        if (bytebuf_room(&c->in) == 0) {
            if (c->in.len >= c->in.cap) {
                /* The owner saw a full buffer and consumed nothing. */
                if (got)
                    return 1;
                conn_close(c, "input over limit");
                return -1;
            }
            if (!take_spare(&c->in) && !bytebuf_reserve(&c->in, READ_CHUNK)) {
                conn_close(c, "out of memory");
                return -1;
            }
        }
        size_t room = bytebuf_room(&c->in);
        ssize_t n = recv(c->fd, bytebuf_tail(&c->in), room, 0);
        if (n > 0) {
            bytebuf_commit(&c->in, (size_t)n);
            c->bytes_in += (uint64_t)n;
            got = 1;
            /* A short read means the socket is drained for now.  The loop
             * is level-triggered, so anything that arrives later wakes us
             * again: no need for one more recv() just to hear EAGAIN. */
            if ((size_t)n < room)
                return got;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (c->in.len == 0) /* spurious wake-up: keep no buffer */
                release(&c->in);
            return got;
        }
        /* n == 0: the peer closed (or half-closed) its side.  Hand over
         * what came before the EOF, then close. */
        if (got && c->ops->on_read)
            c->ops->on_read(c);
        if (!c->closed)
            conn_close(c, n == 0 ? "peer closed" : "read error");
        return -1;
    }
}

/* Closing: read and throw away what the peer still sends, until its FIN
 * (then close: no reset, as nothing is left unread) or the limit. */
static void discard(struct conn *c)
{
    char sink[16384];
    for (;;) {
        ssize_t n = recv(c->fd, sink, sizeof sink, 0);
        if (n > 0) {
            c->bytes_in += (uint64_t)n;
            c->drained += (size_t)n;
            if (c->drained > LINGER_MAX_BYTES) {
                conn_close(c, c->close_reason);
                return;
            }
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        /* The peer's FIN (or an error): nothing is left unread, so the
         * close sends no reset.  (A FIN while our queue still goes out
         * ends the connection too, as it does outside closing.) */
        conn_close(c, c->close_reason);
        return;
    }
}

static void on_fd(struct loop *loop, int fd, unsigned events, void *arg)
{
    (void)loop;
    (void)fd;
    struct conn *c = arg;
    if (events & LOOP_WRITE) {
        if (flush(c, true) < 0)
            return;
    }
    if (c->close_after_flush) {
        if (events & (LOOP_READ | LOOP_HUP))
            discard(c);
        return;
    }
    if (events & (LOOP_READ | LOOP_HUP)) {
        int rc = fill(c);
        if (rc < 0)
            return;
        if (rc > 0)
            c->ops->on_read(c);
    }
}

/* ------------------------------------------------------------ timeout */

static void on_timer(struct loop *loop, void *arg)
{
    (void)loop;
    struct conn *c = arg;
    c->timer = NULL; /* one-shot: already freed by the loop */
    if (c->close_after_flush) /* the peer took too long to read or to close */
        conn_close(c, c->close_reason);
    else if (c->ops->on_timeout)
        c->ops->on_timeout(c);
    else
        conn_close(c, "timeout");
}

void conn_set_timeout(struct conn *c, uint64_t ms)
{
    if (c->closed || c->close_after_flush) /* closing keeps its own deadline */
        return;
    c->timeout_ms = ms;
    if (ms == 0) {
        loop_cancel_timer(c->loop, c->timer);
        c->timer = NULL;
    } else if (c->timer) {
        loop_reset_timer(c->loop, c->timer, ms);
    } else {
        c->timer = loop_add_timer(c->loop, ms, 0, on_timer, c);
    }
}
