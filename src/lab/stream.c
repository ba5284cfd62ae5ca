/* stream.c -- clients waiting for hub events: never-ending responses and
 * held long polls (see stream.h).
 *
 * Ownership: the stream hangs off its peer (peer->user, peer->on_close).
 * However the connection ends -- the client left, it was cut off as a slow
 * reader, the server is stopping -- on_close releases the stream, so no
 * subscription or timer outlives its connection.  A write that fails has
 * closed the connection, and the stream is gone by the time it returns:
 * after a -1 nothing here touches it again.
 */
#include "lab/stream.h"

#include <stdlib.h>
#include <string.h>

#include "lab/events.h"

#define FORMAT_STACK_BYTES 2048 /* most framed events fit; big chat messages use the heap */

/* ------------------------------------------------------------ life */

static void on_peer_close(struct peer *p) { stream_release(p->user); }

static void on_hub_event(struct hub_sub *sub, const struct hub_event *ev)
{
    struct stream *st = sub->arg;
    st->on_event(st, ev);
}

static void on_stream_timer(struct loop *loop, void *arg)
{
    (void)loop;
    struct stream *st = arg;
    st->on_timer(st);
}

/* Tie a new stream to p and subscribe it; a held request is nothing more.
 * NULL after answering 503. */
struct stream *stream_hold(struct peer *p, uint64_t since, stream_event_fn *on_event,
                           uint64_t timer_ms, stream_timer_fn *on_timer)
{
    struct stream *st = calloc(1, sizeof *st);
    if (st && timer_ms) {
        st->timer = loop_add_timer(p->server->loop, timer_ms, timer_ms, on_stream_timer, st);
        if (!st->timer) {
            free(st);
            st = NULL;
        }
    }
    if (!st) {
        http_error(p, 503, "out of memory");
        return NULL;
    }
    st->peer = p;
    st->last_seq = since;
    st->on_event = on_event;
    st->on_timer = on_timer;
    p->user = st;
    p->on_close = on_peer_close;
    hub_subscribe(p->server->hub, &st->sub, on_hub_event, st);
    return st;
}

void stream_release(struct stream *st)
{
    struct peer *p = st->peer;
    hub_unsubscribe(p->server->hub, &st->sub);
    loop_cancel_timer(p->server->loop, st->timer);
    p->user = NULL;
    p->on_close = NULL;
    free(st);
}

/* ------------------------------------------------------------ streams */

/* Frame with fn and write the result as one piece (one chunk).  0, or -1
 * when the connection closed (and st with it). */
static int write_framed(struct stream *st, stream_format_fn *fn, const struct hub_event *ev)
{
    char local[FORMAT_STACK_BYTES];
    char *out = local;
    size_t need = fn(local, sizeof local, ev);
    if (need >= sizeof local) { /* one byte more: room for snprintf's NUL */
        out = malloc(need + 1);
        if (!out) {
            conn_close(st->peer->conn, "out of memory");
            return -1;
        }
        fn(out, need + 1, ev);
    }
    int rc = http_stream_write(st->peer, out, need);
    if (out != local)
        free(out);
    return rc;
}

static int send_event(struct stream *st, const struct hub_event *ev)
{
    if (write_framed(st, st->format->event, ev) < 0)
        return -1;
    st->last_seq = ev->seq;
    return 0;
}

/* A live event, framed as format frames it (a whole chunk when chunked),
 * into a buffer to share.  NULL when out of memory. */
static struct shbuf *frame_shared(const struct stream_format *format, const struct hub_event *ev)
{
    size_t need = format->event(NULL, 0, ev);
    char size_line[18];
    size_t line = format->chunked ? http_chunk_size_line(size_line, need) : 0;
    size_t trailer = format->chunked ? strlen(HTTP_CHUNK_TRAILER) : 0;
    struct shbuf *b = shbuf_new(line + need + 1 + trailer); /* 1: snprintf's NUL */
    if (!b)
        return NULL;
    memcpy(b->data, size_line, line);
    format->event(b->data + line, need + 1, ev);
    memcpy(b->data + line + need, HTTP_CHUNK_TRAILER, trailer);
    b->len = line + need + trailer;
    return b;
}

/* A new event for a live stream: the bytes the first stream framed are
 * shared by all the others (the same on the wire as a copy of their own). */
static void on_live_event(struct stream *st, const struct hub_event *ev)
{
    const struct stream_format *format = st->format;
    struct peer *p = st->peer;
    if (!format->shared || format->chunked != p->chunked) {
        send_event(st, ev);
        return;
    }
    struct shbuf *framed = framed_find(format->shared, ev->seq);
    if (!framed) {
        framed = frame_shared(format, ev);
        if (!framed) {
            conn_close(p->conn, "out of memory");
            return;
        }
        framed_keep(format->shared, ev->seq, framed);
    }
    if (http_stream_write_shared(p, framed) == 0)
        st->last_seq = ev->seq;
}

static void on_heartbeat(struct stream *st) { write_framed(st, st->format->heartbeat, NULL); }

int stream_open(struct peer *p, const struct stream_format *format, const char *prelude,
                size_t prelude_len, uint64_t since, uint64_t heartbeat_ms)
{
    /* HEAD: http_stream_begin writes the head alone and ends the request. */
    if (p->head_only)
        return http_stream_begin(p, 200, format->content_type, format->headers, format->chunked);
    struct stream *st = stream_hold(p, since, on_live_event,
                                    format->heartbeat ? heartbeat_ms : 0, on_heartbeat);
    if (!st)
        return -1;
    st->format = format;
    if (http_stream_begin(p, 200, format->content_type, format->headers, format->chunked) < 0)
        return -1;
    if (prelude_len && http_stream_write(p, prelude, prelude_len) < 0)
        return -1;
    /* Replay what the client missed.  Nothing can be published while this
     * runs (one thread), so the live events that follow join without a gap
     * or a repeat. */
    const struct hub *hub = p->server->hub;
    uint64_t lost;
    for (uint64_t seq = hub_resume(hub, since, &lost); seq <= hub_last_seq(hub); seq++)
        if (send_event(st, hub_get(hub, seq)) < 0)
            return -1;
    return 0;
}

/* ------------------------------------------------------------ parameters */

bool stream_since_param(struct peer *p, const struct http_request *req, uint64_t *since)
{
    char probe[2];
    if (http_query_get(req->query, "since", probe, sizeof probe) == HTTP_QUERY_ABSENT) {
        *since = hub_last_seq(p->server->hub);
        return true;
    }
    return events_since_param(p, req, since);
}
