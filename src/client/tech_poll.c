/* tech_poll.c -- the polling clients: short polling, JSONP and long polling.
 *
 * All three ask "anything after seq N?" with GET /poll?since=N and get a
 * complete response: a JSON array of events (maybe "[]"), or for JSONP the
 * same array wrapped in a call, pushlab_cb([...]);.  They differ only in
 * when they ask again:
 *   poll, jsonp  every --poll-interval ms, whatever the answer was;
 *   longpoll     at once: the server holds each request until an event
 *                exists (or its --hold time passes), so a new request must
 *                always be waiting there.
 * One keep-alive connection carries every request while the server allows
 * it; when the server says "Connection: close", the next request opens a
 * new connection.  since= always names the newest seq received, so no
 * event is missed and none is delivered twice.
 */
#include <stdio.h>
#include <string.h>

#include "client/httpc.h"
#include "proto/bytebuf.h"
#include "pushlab.h"

/* One polling client's state. */
struct poll_state {
    bool asking;             /* a request is out and its answer not complete */
    struct httpc_body body;  /* where that answer stands */
    struct bytebuf data;     /* the body so far (a response is parsed whole) */
};

static bool is_long(const struct session *s) { return s->tech == &tech_longpoll; }
static bool is_jsonp(const struct session *s) { return s->tech == &tech_jsonp; }

/* Send the next poll on the open connection. */
static void ask(struct session *s)
{
    struct poll_state *st = s->state;
    const char *path = session_target(s);
    char target[MAX_TARGET_BYTES + 64];
    int n = snprintf(target, sizeof target, "%s%ssince=%llu%s", path,
                     strchr(path, '?') ? "&" : "?", (unsigned long long)s->last_seq,
                     is_jsonp(s) ? "&callback=" CLIENT_JSONP_CALLBACK : "");
    if (n < 0 || (size_t)n >= sizeof target) {
        session_fail(s, "the URL path is too long");
        return;
    }
    st->asking = true;
    st->body.head_read = false;
    if (httpc_request(s, "GET", target, "Accept: */*\r\nCache-Control: no-cache\r\n", NULL, 0) < 0)
        return;
    /* A long poll is held by design, for as long as the server likes; a
     * short poll must be answered at once. */
    if (!is_long(s))
        session_expect(s, "the answer to a poll", CLIENT_CONNECT_TIMEOUT_MS);
}

/* The time for the next poll has come: ask on the open connection, or open one. */
static void next_poll(struct session *s)
{
    if (s->conn)
        ask(s);
    else
        session_connect(s);
}

static void poll_start(struct session *s)
{
    bytebuf_init(&((struct poll_state *)s->state)->data, CLIENT_MAX_INPUT);
    session_connect(s);
}

static void poll_cleanup(struct session *s) { bytebuf_free(&((struct poll_state *)s->state)->data); }
static void poll_connected(struct session *s) { ask(s); }

static void keep_body(struct session *s, const char *data, size_t len)
{
    struct poll_state *st = s->state;
    if (!bytebuf_append(&st->data, data, len))
        session_fail(s, "the answer to a poll is over %d bytes", CLIENT_MAX_INPUT);
}

/* Check the wrapper around the events: [ ... ] or pushlab_cb( ... ); */
static bool wrapper_ok(const struct session *s, const char *body, size_t len)
{
    while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r' || body[len - 1] == ' '))
        len--;
    if (is_jsonp(s)) {
        static const char head[] = CLIENT_JSONP_CALLBACK "(";
        size_t hl = sizeof head - 1;
        return len >= hl + 2 && memcmp(body, head, hl) == 0 && memcmp(body + len - 2, ");", 2) == 0;
    }
    return len >= 2 && body[0] == '[' && body[len - 1] == ']';
}

/* A whole answer is in: deliver its events, then plan the next poll. */
static void answered(struct session *s)
{
    struct poll_state *st = s->state;
    st->asking = false;
    if (!wrapper_ok(s, st->data.data, st->data.len)) {
        session_fail(s, is_jsonp(s) ? "the answer is not a call " CLIENT_JSONP_CALLBACK "([...]);"
                                    : "the answer is not a JSON array");
        return;
    }
    session_scan_events(s, st->data.data, st->data.len);
    bytebuf_free(&st->data);
    if (s->done)
        return;
    /* Plan the next poll before closing: poll_closed() asks at once only
     * when nothing is planned (which is what a long poll wants). */
    if (!is_long(s))
        session_after(s, (uint64_t)s->run->opt->poll_interval_ms, next_poll);
    if (!st->body.keep_alive && s->conn)
        session_close_conn(s, "the server closes after each answer");
    else if (is_long(s))
        next_poll(s); /* on this connection, or (closed already) a new one */
}

static void poll_read(struct session *s)
{
    struct poll_state *st = s->state;
    if (!st->asking) {
        session_fail(s, "the server sent bytes nobody asked for");
        return;
    }
    struct httpc_want want = {
        .status = 200,
        .content_type = is_jsonp(s) ? "application/javascript" : "application/json",
    };
    if (httpc_read_response(s, &want, &st->body, keep_body) == 1)
        answered(s);
}

static void poll_closed(struct session *s, const char *why)
{
    struct poll_state *st = s->state;
    if (st->asking) {
        if (!st->body.head_read) {
            session_fail(s, "the connection closed (%s) before the answer to a poll", why);
            return;
        }
        if (httpc_body_closed(s, &st->body, why))
            answered(s);
        return;
    }
    /* Closed between polls (the server's idle timeout, or ours above): the
     * next poll opens a new connection.  A long poll asks at once. */
    if (!s->timer && s->connect_fd < 0)
        next_poll(s);
}

/* The three share every callback: only the name, the line in --help and
 * the server's port differ. */
#define POLL_TECHNIQUE(NAME, SUMMARY, PORT)                                                       \
    {                                                                                             \
        .name = NAME, .summary = SUMMARY, .default_port = PORT, .default_path = "/poll",          \
        .state_size = sizeof(struct poll_state), .start = poll_start,                             \
        .connected = poll_connected, .on_read = poll_read, .closed = poll_closed,                 \
        .cleanup = poll_cleanup,                                                                  \
    }

const struct technique_ops tech_poll =
    POLL_TECHNIQUE("poll", "short polling: GET /poll?since=N every --poll-interval ms", PORT_POLL);

const struct technique_ops tech_jsonp =
    POLL_TECHNIQUE("jsonp",
                   "JSONP polling: the same, answered as " CLIENT_JSONP_CALLBACK "([...]);",
                   PORT_POLL);

const struct technique_ops tech_longpoll =
    POLL_TECHNIQUE("longpoll",
                   "long polling: GET /poll?since=N held until news, asked again",
                   PORT_LONGPOLL);
