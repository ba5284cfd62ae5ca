/* session.c -- one client of a run: connecting, deadlines, timers, and the
 * checks every event passes before the run sees it.
 *
 * A technique only speaks its protocol; everything a client needs around
 * that lives here once: a non-blocking connect on the event loop (the
 * socket reports writable when the TCP handshake is over, and SO_ERROR
 * says how it went), a deadline for every answer the client waits for,
 * and the rule that events arrive in order.  A session ends in one of
 * three ways: it fails (the server said something it should not have), it
 * ends (the server closed the exchange in an orderly way), or it is done
 * (the run asked it to stop).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/client.h"
#include "net/sock.h"
#include "proto/printable.h"
#include "pushlab.h"

uint64_t client_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

const char *session_target(const struct session *s)
{
    const struct url *u = &s->run->opt->url;
    return u->target[0] ? u->target : s->tech->default_path;
}

/* ------------------------------------------------------------ the end */

/* Let go of the connection, a connect in progress and every timer. */
static void release(struct session *s, const char *why)
{
    loop_cancel_timer(s->run->loop, s->timer);
    s->timer = NULL;
    loop_cancel_timer(s->run->loop, s->deadline);
    s->deadline = NULL;
    if (s->connect_fd >= 0) {
        loop_del_fd(s->run->loop, s->connect_fd);
        close(s->connect_fd);
        s->connect_fd = -1;
    }
    if (s->conn)
        conn_close(s->conn, why);
}

/* Mark the session finished and tell the run. */
static void finish(struct session *s, bool failed, const char *why)
{
    s->done = true;
    s->failed = failed;
    if (!s->gone_ms)
        s->gone_ms = loop_wall_ms();
    release(s, why);
    s->run->hooks->sent_first(s->run, s); /* it will send nothing now */
    s->run->hooks->done(s->run, s);
}

void session_fail(struct session *s, const char *fmt, ...)
{
    if (s->done)
        return;
    struct run *r = s->run;
    char raw[sizeof r->first_error], msg[sizeof r->first_error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    printable_text(msg, sizeof msg, raw, strlen(raw)); /* it may quote the server */
    r->errors++;
    if (!r->first_error[0])
        snprintf(r->first_error, sizeof r->first_error, "%s", msg);
    if (!r->load)
        fprintf(stderr, "pushlab-client: %s\n", msg);
    if (r->exit_code == 0)
        r->exit_code = 1;
    finish(s, true, "client gave up");
}

void session_end(struct session *s, const char *why)
{
    if (s->done)
        return;
    session_note(s, "%s", why);
    finish(s, false, why);
}

void session_done(struct session *s)
{
    if (!s->done)
        finish(s, false, "client done");
}

void session_note(struct session *s, const char *fmt, ...)
{
    if (s->run->load)
        return;
    char raw[512], msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    printable_text(msg, sizeof msg, raw, strlen(raw)); /* a close reason, an SSE id: the server's */
    fprintf(stderr, "pushlab-client: %s\n", msg);
}

/* ------------------------------------------------------------ timers */

static void on_deadline(struct loop *loop, void *arg)
{
    (void)loop;
    struct session *s = arg;
    s->deadline = NULL; /* a one-shot timer is already freed */
    const struct url *u = &s->run->opt->url;
    session_fail(s, "no answer from %s:%d within %.1f s (waiting for %s)", u->host, u->port,
                 (double)s->waiting_ms / 1000.0, s->waiting_for);
}

void session_expect(struct session *s, const char *what, uint64_t ms)
{
    s->waiting_for = what;
    s->waiting_ms = ms;
    if (s->deadline)
        loop_reset_timer(s->run->loop, s->deadline, ms);
    else
        s->deadline = loop_add_timer(s->run->loop, ms, 0, on_deadline, s);
}

void session_answered(struct session *s)
{
    loop_cancel_timer(s->run->loop, s->deadline);
    s->deadline = NULL;
}

static void on_step(struct loop *loop, void *arg)
{
    (void)loop;
    struct session *s = arg;
    s->timer = NULL;
    if (!s->done && s->step)
        s->step(s);
}

void session_after(struct session *s, uint64_t ms, void (*fn)(struct session *s))
{
    loop_cancel_timer(s->run->loop, s->timer);
    s->step = fn;
    s->timer = loop_add_timer(s->run->loop, ms, 0, on_step, s);
    if (!s->timer)
        session_fail(s, "out of memory");
}

/* ------------------------------------------------------------ the connection */

static void conn_read(struct conn *c)
{
    struct session *s = c->user;
    if (!s->done)
        s->tech->on_read(s);
}

static void conn_closed(struct conn *c)
{
    struct session *s = c->user;
    s->bytes_up += c->bytes_out;
    s->bytes_down += c->bytes_in;
    s->conn = NULL;
    if (!s->done)
        s->tech->closed(s, c->close_reason);
}

static const struct conn_ops session_conn_ops = {
    .on_read = conn_read,
    .on_close = conn_closed,
};

void session_header_bytes(struct session *s, uint64_t n)
{
    /* The head that subscribes (the response head, the 101) is counted
     * before session_ready runs, so it stays out, as the request before
     * it: the set-up is paid once, not per event. */
    if (s->ready && !s->run->cut_ms)
        s->header_bytes += n;
}

void session_close_conn(struct session *s, const char *why)
{
    if (s->conn)
        conn_close(s->conn, why);
}

static void on_connect(struct loop *loop, int fd, unsigned events, void *arg);

/* Start connecting to the URL host's nth address.  0, or -1 with the
 * reason in why (as sock_connect gives it). */
static int connect_to(struct session *s, int nth, char why[SOCK_WHY_MAX])
{
    const struct url *u = &s->run->opt->url;
    int fd = sock_connect(u->host, u->port, nth, s->source, why);
    if (fd < 0)
        return -1;
    if (loop_add_fd(s->run->loop, fd, LOOP_WRITE, on_connect, s) < 0) {
        snprintf(why, SOCK_WHY_MAX, "cannot watch a socket (%s)", strerror(errno));
        close(fd);
        return -1;
    }
    s->connect_fd = fd;
    s->connect_nth = nth;
    s->connect_us = client_now_us();
    return 0;
}

/* The connecting socket became writable: the TCP handshake is over. */
static void on_connect(struct loop *loop, int fd, unsigned events, void *arg)
{
    (void)events;
    struct session *s = arg;
    loop_del_fd(loop, fd);
    s->connect_fd = -1;
    int err = sock_connect_result(fd);
    if (err) {
        close(fd);
        /* Nobody listens on this address of the host: its next one may
         * ("localhost" as ::1 while the server is on 127.0.0.1).  The
         * connect deadline keeps running. */
        char why[SOCK_WHY_MAX];
        if (connect_to(s, s->connect_nth + 1, why) == 0)
            return;
        session_answered(s);
        if (s->tech->connect_failed) {
            s->tech->connect_failed(s, err);
        } else {
            const struct url *u = &s->run->opt->url;
            session_fail(s, "cannot connect to %s:%d: %s", u->host, u->port, strerror(err));
        }
        return;
    }
    /* The handshake took one round trip (more if a SYN was lost, or the
     * loop was busy): the shortest of the run is the path's RTT, which
     * bounds the drain (run.c). */
    uint64_t rtt = client_now_us() - s->connect_us;
    if (s->run->handshake_min_us == 0 || rtt < s->run->handshake_min_us)
        s->run->handshake_min_us = rtt ? rtt : 1;
    s->conn = conn_new(loop, fd, &session_conn_ops, s, CLIENT_MAX_INPUT, MAX_OUTPUT_QUEUE);
    if (!s->conn) {
        session_fail(s, "out of memory");
        return;
    }
    session_answered(s);
    /* Every technique's connected() writes its request (a GET, the
     * WebSocket handshake, the policy request) at once: from here on the
     * server hears from this client. */
    s->tech->connected(s);
    s->run->hooks->sent_first(s->run, s);
}

void session_connect(struct session *s)
{
    const struct url *u = &s->run->opt->url;
    char why[SOCK_WHY_MAX];
    if (connect_to(s, 0, why) < 0) {
        session_fail(s, "cannot connect to %s:%d: %s", u->host, u->port, why);
        return;
    }
    session_expect(s, "the TCP connection", CLIENT_CONNECT_TIMEOUT_MS);
}

/* ------------------------------------------------------------ events */

void session_ready(struct session *s)
{
    if (!s->ready) {
        s->ready = true;
        s->ready_ms = loop_wall_ms();
    }
    session_open(s);
}

void session_open(struct session *s)
{
    if (s->open)
        return;
    s->open = true;
    s->run->hooks->open(s->run, s);
}

void session_event(struct session *s, const struct event_view *ev, const char *text)
{
    if (s->done)
        return;
    if (s->last_seq != 0 && ev->seq <= s->last_seq) {
        if (!s->reconnected || s->run->load) {
            session_fail(s, "event seq %llu arrived after seq %llu: out of order or repeated",
                         (unsigned long long)ev->seq, (unsigned long long)s->last_seq);
            return;
        }
        /* After a reconnection a smaller seq means a new server run. */
        session_note(s, "the server restarted: its events count from seq %llu again",
                     (unsigned long long)ev->seq);
    } else if (s->last_seq != 0 && ev->seq > s->last_seq + 1) {
        session_note(s, "missed events %llu to %llu", (unsigned long long)s->last_seq + 1,
                     (unsigned long long)ev->seq - 1);
    }
    s->reconnected = false;
    s->last_seq = ev->seq;
    s->events++;
    int64_t late = loop_wall_ms() - ev->ts_ms;
    s->run->hooks->event(s->run, s, ev, text, late > 0 ? (uint64_t)late * 1000 : 0);
}

/* event_scan's callback: deliver, and go on while the session lives. */
static bool deliver_event(void *arg, const struct event_view *ev, const char *text)
{
    struct session *s = arg;
    session_event(s, ev, text);
    return !s->done;
}

size_t session_scan_events(struct session *s, const char *buf, size_t len)
{
    if (s->done)
        return 0;
    char text[MAX_CHAT_BYTES + 1];
    return event_scan(buf, len, text, sizeof text, deliver_event, s);
}
