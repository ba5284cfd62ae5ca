/* tech_stream.c -- the HTTP streaming clients: iframe streaming, XHR
 * streaming (chunked NDJSON) and multipart/x-mixed-replace.
 *
 * One request, one response that never ends; the client reads the body as
 * it arrives instead of waiting for its end, which is all "streaming"
 * means.  Two layers take the body apart:
 *   transfer coding  chunked (or until-close for HTTP/1.0), undone by
 *                    httpc.c with the proto/http.h chunked decoder;
 *   content          iframe: an HTML page with a <script> per event;
 *                    xhr: one JSON line per event;
 *                    multipart: parts between "--BOUNDARY" lines
 *                    (proto/http.h http_parse_part), one event per part.
 * In every case the event objects are found byte by byte by event_find,
 * so an event split over two chunks (or TCP segments) is simply kept
 * until its end arrives.

 * Every message -- a line, a script, a part -- may be CLIENT_MAX_MESSAGE
 * bytes long and no more: a server that sends a chunk size of 2^64 - 1
 * and then one endless line fails the client with that limit named,
 * instead of being read until someone kills it.
 */
#include <stdio.h>
#include <string.h>

#include "client/httpc.h"
#include "proto/bytebuf.h"
#include "pushlab.h"

#define BOUNDARY_MAX 72 /* RFC 2046 §5.1.1: a boundary is 1 to 70 characters */

/* One streaming client's state. */
struct stream_state {
    struct httpc_body body;     /* where the response stands */
    struct bytebuf pending;     /* decoded body bytes not used yet */
    char boundary[BOUNDARY_MAX];/* multipart: the boundary (no "--") */
    size_t boundary_len;
    size_t message_len;         /* xhr, iframe: bytes since the last message's end */
    size_t matched;             /* ... and how much of the end marker the last piece ended with */
};

static bool is_multipart(const struct session *s) { return s->tech == &tech_multipart; }

static void stream_start(struct session *s)
{
    bytebuf_init(&((struct stream_state *)s->state)->pending, CLIENT_MAX_INPUT);
    session_connect(s);
}

/* Drop n used bytes; an empty buffer gives its memory back (most of ten
 * thousand streams are idle between events). */
static void drop_pending(struct stream_state *st, size_t n)
{
    bytebuf_consume(&st->pending, n);
    if (st->pending.len == 0)
        bytebuf_free(&st->pending);
}

static void stream_connected(struct session *s)
{
    if (httpc_request(s, "GET", session_target(s), "Accept: */*\r\nCache-Control: no-cache\r\n",
                      NULL, 0) == 0)
        session_expect(s, "the response head", CLIENT_CONNECT_TIMEOUT_MS);
}

/* multipart: keep the boundary of "multipart/x-mixed-replace; boundary=X". */
static int take_boundary(struct session *s, const struct http_response *res)
{
    struct stream_state *st = s->state;
    const struct slice *ct = http_header_find(res->headers, res->num_headers, "Content-Type");
    struct slice b;
    if (!ct || !http_multipart_boundary(*ct, &b) || b.len == 0 || b.len >= sizeof st->boundary) {
        session_fail(s, "multipart response without a usable boundary parameter");
        return -1;
    }
    memcpy(st->boundary, b.ptr, b.len);
    st->boundary_len = b.len;
    return 0;
}

/* Take whole parts off the front of the pending bytes. */
static void read_parts(struct session *s)
{
    struct stream_state *st = s->state;
    struct slice boundary = {st->boundary, st->boundary_len};
    while (!s->done && st->pending.len > 0) {
        struct http_part part;
        struct proto_err err = {0};
        long used = http_parse_part(st->pending.data, st->pending.len, boundary, CLIENT_MAX_MESSAGE,
                                    &part, &err);
        if (used == PROTO_PARTIAL)
            return;
        if (used == PROTO_ERROR) {
            session_fail(s, "bad multipart body: %s", err.why);
            return;
        }
        if (part.body.ptr == NULL) {
            session_end(s, "the server sent the closing multipart boundary");
            return;
        }
        session_scan_events(s, part.body.ptr, part.body.len);
        if (used == 0) /* cannot happen for a part with a body; never loop on it */
            return;
        drop_pending(st, (size_t)used);
    }
}

/* What ends one message: a line of NDJSON, a <script> element of the
 * iframe page.  (Event JSON escapes '<', so "</script>" cannot occur
 * inside one.) */
static const char *message_end(const struct session *s)
{
    return s->tech == &tech_iframe ? "</script>" : "\n";
}

/* Follow message boundaries through a piece of body; false when the
 * message now arriving has grown past CLIENT_MAX_MESSAGE.  The end marker
 * may be split between two pieces, so how much of it matched is kept.
 * (No prefix of either marker recurs inside it, so a mismatch restarts
 * the match at this byte.) */
static bool measure_messages(struct stream_state *st, const char *end, const char *data, size_t len)
{
    size_t end_len = strlen(end);
    for (size_t i = 0; i < len; i++) {
        st->message_len++;
        if (data[i] == end[st->matched])
            st->matched++;
        else
            st->matched = data[i] == end[0];
        if (st->matched == end_len) {
            st->matched = 0;
            st->message_len = 0;
        } else if (st->message_len > CLIENT_MAX_MESSAGE) {
            return false;
        }
    }
    return true;
}

/* A piece of decoded body arrived. */
static void body_piece(struct session *s, const char *data, size_t len)
{
    struct stream_state *st = s->state;
    if (!is_multipart(s) && !measure_messages(st, message_end(s), data, len)) {
        session_fail(s, "%s over the per-message limit of %d bytes",
                     s->tech == &tech_iframe ? "a <script> of the page" : "an NDJSON line",
                     CLIENT_MAX_MESSAGE);
        return;
    }
    if (!bytebuf_append(&st->pending, data, len)) {
        session_fail(s, "no complete event in %d bytes of the stream", CLIENT_MAX_INPUT);
        return;
    }
    if (is_multipart(s))
        read_parts(s);
    else
        drop_pending(st, session_scan_events(s, st->pending.data, st->pending.len));
}

static void stream_read(struct session *s)
{
    struct stream_state *st = s->state;
    struct httpc_want want = {.status = 200};
    if (s->tech == &tech_iframe)
        want.content_type = "text/html";
    else if (s->tech == &tech_xhr)
        want.content_type = "application/x-ndjson";
    else {
        want.content_type = "multipart/x-mixed-replace";
        want.check = take_boundary;
    }
    if (httpc_read_response(s, &want, &st->body, body_piece) == 1)
        session_end(s, "the server ended the stream");
}

static void stream_closed(struct session *s, const char *why)
{
    struct stream_state *st = s->state;
    if (!st->body.head_read)
        session_fail(s, "the connection closed (%s) before the response head", why);
    else if (httpc_body_closed(s, &st->body, why))
        session_end(s, "the server ended the stream");
}

static void stream_cleanup(struct session *s) { bytebuf_free(&((struct stream_state *)s->state)->pending); }

/* The three share every callback: only the name, the line in --help, the
 * server's port and the default path differ. */
#define STREAM_TECHNIQUE(NAME, SUMMARY, PORT, PATH)                                               \
    {                                                                                             \
        .name = NAME, .summary = SUMMARY, .default_port = PORT, .default_path = PATH,             \
        .state_size = sizeof(struct stream_state), .start = stream_start,                         \
        .connected = stream_connected, .on_read = stream_read, .closed = stream_closed,           \
        .cleanup = stream_cleanup,                                                                \
    }

const struct technique_ops tech_iframe =
    STREAM_TECHNIQUE("iframe",
                     "iframe streaming: GET /stream, endless HTML of <script>s",
                     PORT_IFRAME, "/stream");

const struct technique_ops tech_xhr =
    STREAM_TECHNIQUE("xhr", "XHR streaming: GET /stream, chunked NDJSON, a line per event",
                     PORT_XHR, "/stream");

const struct technique_ops tech_multipart =
    STREAM_TECHNIQUE("multipart", "multipart/x-mixed-replace: GET /multipart, a part per event",
                     PORT_XHR, "/multipart");
