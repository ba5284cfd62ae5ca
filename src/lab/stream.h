/* stream.h -- a client that waits for hub events: a response that never
 * ends (iframe, XHR, multipart, SSE), or a held long poll.
 *
 * Every HTTP push technique has the same skeleton: a request arrives, the
 * server ties the connection to the hub, and each new event is written to
 * it.  Only the framing of one event differs (a <script> chunk, a JSON
 * line, a multipart part, an SSE block), so a technique gives a formatter
 * and this module does the rest, once for all of them:
 *  - the response head, a prelude, the backlog replay, then live events,
 *    each framed once for every client and shared (lab/framed.h);
 *  - a timer per stream (SSE heartbeats, the long-poll hold);
 *  - slow readers: every write goes through the conn's output queue, capped
 *    at MAX_OUTPUT_QUEUE.  A reader that falls that far behind is cut off,
 *    which unsubscribes it in the middle of the hub's fan-out; the hub is
 *    built for that, so every other client still gets the event;
 *  - clients that go away: the loop watches EPOLLRDHUP, the conn closes at
 *    once, and peer->on_close (set here) unsubscribes and frees the stream.
 *
 * A long poll is a stream that ends at its first event: stream_hold() waits
 * with the technique's own callbacks and no response head, and the
 * technique answers with http_respond() after stream_release().
 */
#ifndef LAB_STREAM_H
#define LAB_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab/framed.h"
#include "lab/hub.h"
#include "lab/peer.h"

struct stream;

/* Called for each new event; may release the stream or close the peer. */
typedef void stream_event_fn(struct stream *st, const struct hub_event *ev);
/* Called every timer period; may release the stream or close the peer. */
typedef void stream_timer_fn(struct stream *st);

/* Writes one piece of a technique's framing into out[0..cap) and returns
 * the length it needs; the bytes count only if that is < cap, so a
 * formatter may use snprintf (its NUL is not sent). */
typedef size_t stream_format_fn(char *out, size_t cap, const struct hub_event *ev);

/* How a technique frames its never-ending response. */
struct stream_format {
    const char *content_type; /* of the response */
    const char *headers;      /* extra header lines, each ending in CRLF */
    bool chunked;             /* each write is one chunk (HTTP/1.1); else the body ends at close */
    stream_format_fn *event;  /* one event, as the technique frames it */
    /* Optional: the bytes that keep a quiet stream alive through proxies
     * (an SSE comment); written every heartbeat period.  Called with ev NULL. */
    stream_format_fn *heartbeat;
    /* Optional: where each live event, framed once (a whole chunk when
     * chunked), is kept for every stream of this format to share
     * (lab/framed.h); the technique owns it.  NULL: each stream frames its
     * own copy.  (An HTTP/1.0 client of a chunked format gets its own
     * unchunked copy too.) */
    struct framed *shared;
};

/* Per-stream state; the peer owns it (peer->user) until it closes. */
struct stream {
    struct peer *peer;                  /* the connection (it owns us) */
    struct hub_sub sub;                 /* our place in the hub's fan-out */
    uint64_t last_seq;                  /* newest seq the client has, or said it has */
    const struct stream_format *format; /* NULL for a held request */
    stream_event_fn *on_event;          /* what to do with a new event */
    stream_timer_fn *on_timer;          /* what to do every timer period, or NULL */
    struct loop_timer *timer;           /* that timer, or NULL */
};

/* Answer p's request with a stream: the head, then prelude (NULL, 0 for
 * none) as it is, then every event after `since` that the backlog still
 * holds, then each new event as it is published, until the client goes
 * away or the server stops.  heartbeat_ms: how often format->heartbeat is
 * written (0: never).  0, or -1 when the connection closed meanwhile (p
 * may not be used then) or memory ran out (then answered 503). */
int stream_open(struct peer *p, const struct stream_format *format, const char *prelude,
                size_t prelude_len, uint64_t since, uint64_t heartbeat_ms);

/* Hold p's request without answering: on_event for each new event,
 * on_timer every timer_ms (0: never).  `since` is kept in st->last_seq for
 * the callbacks.  Returns the stream, or NULL when out of memory (then
 * answered 503). */
struct stream *stream_hold(struct peer *p, uint64_t since, stream_event_fn *on_event,
                           uint64_t timer_ms, stream_timer_fn *on_timer);

/* Stop waiting (unsubscribe, stop the timer, free st) and leave the peer
 * open, e.g. to answer a held request.  st is invalid afterwards. */
void stream_release(struct stream *st);

/* ?since=N of a stream request.  Absent means "from now on" (the newest
 * seq); since=0 asks for everything the backlog holds.  False after
 * answering 400 for a value that is not a whole number. */
bool stream_since_param(struct peer *p, const struct http_request *req, uint64_t *since);

#endif
