/* tech_sse.c -- the Server-Sent Events client: what a browser's
 * EventSource does (WHATWG HTML §9.2 "Server-sent events").
 *
 * GET /events with "Accept: text/event-stream"; the answer must be 200
 * with Content-Type text/event-stream, or the connection "fails" and is
 * never retried (§9.2.3).  The body is fed to the proto/sse.h parser,
 * which hands back dispatched events; each event's data holds a pushlab
 * event object.
 *
 * What SSE adds over plain streaming, and this client does:
 *  - when the stream ends or breaks, reconnect after the reconnection
 *    time, which the server may set with a "retry:" field;
 *  - send "Last-Event-ID: <the last id: seen>" when reconnecting, so the
 *    server resumes from its backlog and nothing is lost or repeated.
 * Per the standard the last event ID and the reconnection time belong to
 * the EventSource, not to one connection: they outlive reconnections.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/httpc.h"
#include "proto/sse.h"
#include "pushlab.h"

/* One SSE client's state. */
struct sse_state {
    struct httpc_body body;       /* where the current response stands */
    struct sse_parser parser;     /* the event-stream parser of the current stream */
    char *data;                   /* the parser's data buffer (owned) */
    long retry_ms;                /* reconnection time */
    char last_id[SSE_FIELD_CAP];  /* the last event ID, sent when reconnecting */
};

static void sse_start(struct session *s)
{
    struct sse_state *st = s->state;
    st->retry_ms = CLIENT_SSE_RETRY_MS;
    /* The data of one event: CLIENT_MAX_MESSAGE, as for every technique. */
    st->data = malloc(CLIENT_MAX_MESSAGE);
    if (!st->data) {
        session_fail(s, "out of memory");
        return;
    }
    session_connect(s);
}

static void sse_connected(struct session *s)
{
    struct sse_state *st = s->state;
    char headers[SSE_FIELD_CAP + 96];
    snprintf(headers, sizeof headers,
             "Accept: text/event-stream\r\nCache-Control: no-cache\r\n%s%s%s",
             st->last_id[0] ? "Last-Event-ID: " : "", st->last_id, st->last_id[0] ? "\r\n" : "");
    st->body.head_read = false;
    sse_parser_init(&st->parser, st->data, CLIENT_MAX_MESSAGE);
    if (httpc_request(s, "GET", session_target(s), headers, NULL, 0) == 0)
        session_expect(s, "the response head", CLIENT_CONNECT_TIMEOUT_MS);
}

/* Wait the reconnection time, then connect again. */
static void reconnect(struct session *s, const char *what)
{
    struct sse_state *st = s->state;
    if (st->last_id[0])
        session_note(s, "%s; reconnecting in %ld ms with Last-Event-ID: %s", what, st->retry_ms,
                     st->last_id);
    else
        session_note(s, "%s; reconnecting in %ld ms", what, st->retry_ms);
    s->reconnected = true;
    session_after(s, (uint64_t)st->retry_ms, session_connect);
}

/* Decoded body bytes: run the event-stream parser over them. */
static void body_piece(struct session *s, const char *data, size_t len)
{
    struct sse_state *st = s->state;
    while (len > 0 && !s->done) {
        struct sse_event ev;
        bool dispatched = false;
        struct proto_err err = {0};
        long used = sse_parse(&st->parser, data, len, &ev, &dispatched, &err);
        if (used < 0) {
            session_fail(s, "bad event stream at byte %llu: %s",
                         (unsigned long long)st->parser.offset, err.why);
            return;
        }
        data += used;
        len -= (size_t)used;
        if (st->parser.retry_ms >= 0)
            st->retry_ms = st->parser.retry_ms;
        if (!dispatched)
            continue;
        snprintf(st->last_id, sizeof st->last_id, "%s", ev.id);
        session_scan_events(s, ev.data, ev.data_len);
    }
}

static void sse_read(struct session *s)
{
    struct sse_state *st = s->state;
    struct httpc_want want = {.status = 200, .content_type = "text/event-stream"};
    if (httpc_read_response(s, &want, &st->body, body_piece) == 1)
        session_close_conn(s, "the server ended the stream"); /* sse_closed reconnects */
}

static void sse_closed(struct session *s, const char *why)
{
    struct sse_state *st = s->state;
    if (!st->body.head_read) {
        if (!s->ready) { /* never open: the first connection fails for good */
            session_fail(s, "the connection closed (%s) before the response head", why);
            return;
        }
        reconnect(s, "the connection closed before the response head");
        return;
    }
    if (st->body.done || st->body.framing.kind == HTTP_BODY_UNTIL_CLOSE) {
        char what[160];
        snprintf(what, sizeof what, "the stream ended (%s)", why);
        reconnect(s, what);
        return;
    }
    /* A stream cut in the middle of a chunk is still just a broken
     * connection to an EventSource: it reconnects. */
    reconnect(s, "the connection broke in the middle of a chunk");
}

static void sse_connect_failed(struct session *s, int err)
{
    const struct url *u = &s->run->opt->url;
    char what[URL_HOST_MAX + 96];
    snprintf(what, sizeof what, "cannot connect to %s:%d: %s", u->host, u->port, strerror(err));
    if (s->ready) /* a stream was open once: retry */
        reconnect(s, what);
    else
        session_fail(s, "%s", what);
}

static void sse_cleanup(struct session *s) { free(((struct sse_state *)s->state)->data); }

const struct technique_ops tech_sse = {
    .name = "sse",
    .summary = "Server-Sent Events: GET /events, resumed with Last-Event-ID",
    .default_port = PORT_SSE,
    .default_path = "/events",
    .state_size = sizeof(struct sse_state),
    .start = sse_start,
    .connected = sse_connected,
    .on_read = sse_read,
    .closed = sse_closed,
    .connect_failed = sse_connect_failed,
    .cleanup = sse_cleanup,
};
