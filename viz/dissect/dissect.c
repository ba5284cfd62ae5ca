/* dissect.c -- the application layer of a connection: which protocol each
 * direction speaks, and the loop that hands its bytes to that parser.
 *
 * Protocols are recognised from the bytes, never from port numbers: an
 * HTTP request line, a status line, the Flash policy request, or NUL-ended
 * messages.  After a gap (bytes the capture lost) or a parse error, a
 * direction re-synchronises where its protocol allows: a body of known
 * length just counts the lost bytes, a WebSocket payload too; otherwise it
 * looks for the next HTTP head, or the next NUL for Flash, and until then
 * (and for unknown protocols) it still finds pushlab events in the bytes.
 */
#include "dissect/dissect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/content_coding.h"
#include "dissect/flash.h"
#include "dissect/h2.h"
#include "dissect/h2_bodies.h"
#include "dissect/h2_headers.h"
#include "dissect/headless.h"
#include "dissect/http.h"
#include "dissect/pairing.h"
#include "dissect/library.h"
#include "dissect/tls.h"
#include "dissect/ws.h"
#include "proto/flash.h"
#include "proto/h2_frame.h"
#include "proto/printable.h"

void dissect_init(struct dissect *d, const struct half_store *store)
{
    memset(d, 0, sizeof *d);
    d->store = store;
    d->pending = d->first_pending;
    d->pending_cap = PENDING_INLINE;
}

/* Free direction dir's record and everything it owns. */
static void half_free(struct dissect *d, enum item_dir dir)
{
    struct half *h = d->half[dir];
    bytebuf_free(&h->buf);
    body_free(&h->body);
    ws_free(h);
    h2_headers_free(h);
    h2_bodies_free(h);
    if (h->lib.pending)
        bytebuf_free(h->lib.pending);
    free(h->lib.pending);
    free(h->lib.session);
    eventscan_free(&h->scan);
    if (d->store)
        d->store->give(d->store->ctx, h);
    else
        free(h);
    d->half[dir] = NULL;
}

void dissect_release(struct dissect *d)
{
    for (int i = 0; i < 2; i++)
        if (d->half[i])
            half_free(d, (enum item_dir)i);
    if (d->pending != d->first_pending)
        free(d->pending);
}

/* Between two HTTP messages a direction needs nothing but its mode, which
 * `resting` keeps: the next head starts its parser afresh (begin_body
 * resets the body, the event scan and the library's message; an offset
 * map or body text is made again).  So a resting direction gives its
 * record back -- a keep-alive poller between polls holds none -- and its
 * next message takes a record given back moments ago, one still in the
 * caches.  Only a library session id (named in the flow's item) and
 * WebSocket state outlive a message; a direction with either keeps its
 * record. */
static void rest_if_idle(struct dissect *d, enum item_dir dir)
{
    const struct half *h = d->half[dir];
    if (!h || h->mode != MODE_HTTP_HEAD || h->buf.len || h->ws || h->lib.session)
        return;
    half_free(d, dir);
    d->resting[dir] = true;
}

const struct flow_traits *dissect_traits(struct dissect *d)
{
    return &d->traits;
}

const char *dissect_session(const struct dissect *d, const char **library)
{
    /* The client's requests name it; an Engine.IO handshake's answer
     * names it before any request does. */
    const struct half *c = d->half[DIR_C2S], *s = d->half[DIR_S2C];
    const struct lib_state *l = c && c->lib.session ? &c->lib : s && s->lib.session ? &s->lib : NULL;
    *library = l ? library_name(l->session_lib) : NULL;
    /* A WebSocket or a stream joined late names no session, only (by its
     * messages) a library. */
    if (!l && s && ((s->ws && s->ws->library_unnamed) || d->traits.headless) && s->lib.lib != LIB_NONE)
        *library = library_name(s->lib.lib);
    return l ? l->session : NULL;
}

/* ---- recognising the protocol ---- */

static bool starts_like(const char *buf, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return memcmp(buf, prefix, len < n ? len : n) == 0;
}

/* Flash messages are text ended by a NUL.  Binary protocols hold NUL
 * bytes too (a database's, HTTP/2's frame headers): so every message
 * this direction has ended so far must be text -- printable characters
 * (UTF-8) and line breaks, at least one -- for it to be Flash. */
static bool text_then_nul(const char *p, size_t n)
{
    const char *end = memrchr(p, '\0', n);
    if (!end)
        return false;
    for (const char *c = p; c < end; c++) {
        if (*c == '\0') {
            if (c == p || c[-1] == '\0')
                return false; /* an empty message */
            continue;
        }
        size_t k = *c == '\t' || *c == '\r' || *c == '\n'
                       ? 1
                       : printable_char_len((const uint8_t *)c, (size_t)(end - c));
        if (!k)
            return false;
        c += k - 1;
    }
    return end > p && end[-1] != '\0';
}

/* Does a side in this mode speak HTTP/1.x (or search for its next head)? */
static bool speaks_http(enum half_mode m)
{
    return m == MODE_HTTP_HEAD || m == MODE_HTTP_BODY || m == MODE_RESYNC || m == MODE_WAIT_UPGRADE;
}

/* A connection speaks one protocol both ways.  A capture that began in
 * the middle of a message may see one side's bytes first, and they look
 * like nothing (the rest of a body, of a long WebSocket frame, of a TLS
 * record); once the other side shows what it speaks (h: a request or a
 * status line, WebSocket frames, TLS records or HTTP/2 frames), the
 * unread side searches for that protocol's next head, frame or record
 * header instead of staying unread, and what it passed over since its
 * first byte is reported when the search ends.  (Not after a 101 to a
 * protocol pushviz does not read: there both sides were made unread on
 * purpose.) */
static void search_like_the_other_side(struct dissect *d, struct half *h)
{
    struct half *other = d->half[!h->dir];
    if (!other || other->mode != MODE_OPAQUE || d->traits.switched_unread)
        return;
    uint64_t from = other->lost_from;
    d->traits.unread = false; /* (only one side can have been unread: h was detecting) */
    if (h->mode == MODE_TLS || h->mode == MODE_H2) { /* records: a search for the next header */
        other->mode = h->mode;
        other->rec_lost = true;
        other->rec_skip = 0;
        other->lost_from = from;
        if (h->mode == MODE_H2) /* (the header blocks before its next frame were not read) */
            other->h2_hpack = H2_HPACK_JOINED_LATE;
        return;
    }
    if (h->mode != MODE_WEBSOCKET) {
        half_resync(other, from);
        return;
    }
    ws_join(d, other);
    if (other->mode == MODE_WEBSOCKET) { /* (else out of memory: it stays unread) */
        other->mode = MODE_WS_RESYNC;
        other->lost_from = from;
    }
}

/* Decide what this direction speaks.  True when decided (or hopeless). */
static bool detect_step(struct dissect *d, const struct dissect_env *env, struct half *h)
{
    /* The other direction, when it has said nothing yet, is still detecting. */
    enum half_mode other = half_mode(d, !h->dir);
    const char *p = h->buf.data;
    size_t n = h->buf.len;
    if (other == MODE_FLASH) {
        h->mode = MODE_FLASH;
        return true;
    }
    /* HTTP/2 and TLS before anything else: their frames and records are
     * binary, hold NUL bytes, and would otherwise pass for Flash messages
     * or WebSocket frames; HTTP/2's preface even starts like a request. */
    int h2 = h2_starts(h, other == MODE_H2);
    if (h2 == PROTO_PARTIAL)
        return false;
    if (h2 == 1) {
        h->mode = MODE_H2;
        d->traits.http2 = true;
        search_like_the_other_side(d, h);
        return true;
    }
    int tls = tls_starts(h, other == MODE_TLS);
    if (tls == PROTO_PARTIAL)
        return false;
    if (tls == 1) {
        h->mode = MODE_TLS;
        d->traits.tls = true;
        search_like_the_other_side(d, h);
        return true;
    }
    if (h->dir == DIR_C2S) {
        long r = flash_parse_policy_request(p, n);
        if (r == PROTO_PARTIAL)
            return false;
        if (r > 0) {
            h->mode = MODE_FLASH;
            return true;
        }
        struct http_request req;
        struct proto_err err;
        /* The syntax decides, not a server's checks: a request refused
         * for its Host lines is HTTP all the same (request_step notes it).
         * A head that has not come whole is HTTP once its request line
         * has: before that line ends, a word and a space could as well
         * begin a Flash message (any text, NUL-ended), and a segment may
         * end anywhere -- so the bytes wait, and what they are does not
         * depend on where the segments cut them.  (The line is parsed a
         * second time only for a head that came in pieces.) */
        r = http_read_request(p, n, &observer_limits, &req, &err);
        bool more = r == PROTO_PARTIAL && !memchr(p, '\0', n);
        if (r > 0 || (more && http_read_request_line(p, n, &observer_limits, &req, &err) > 0)) {
            h->mode = MODE_HTTP_HEAD;
            search_like_the_other_side(d, h);
            return true;
        }
        if (more)
            return false;
    } else {
        if (starts_like(p, n, "HTTP/")) {
            if (n < 5)
                return false;
            h->mode = MODE_HTTP_HEAD;
            search_like_the_other_side(d, h);
            return true;
        }
    }
    /* A capture that started after a WebSocket handshake: frames with the
     * mask bit right for the direction, one after another. */
    bool other_ws = other == MODE_WEBSOCKET || other == MODE_WS_RESYNC;
    int ws = other_ws ? 1 : ws_frames_plausible(h->dir, (const uint8_t *)p, n);
    if (ws == 1) {
        ws_join(d, h);
        search_like_the_other_side(d, h);
        return true;
    }
    if (ws == PROTO_PARTIAL && n < 64)
        return false;
    if (text_then_nul(p, n)) {
        h->mode = MODE_FLASH;
        return true;
    }
    /* A server whose client has said nothing, in a connection the capture
     * joined: it may have begun inside a streamed answer (headless.c),
     * whose shape may show in a few bytes (a last chunk) or only in more. */
    if (h->dir == DIR_S2C && other == MODE_DETECT && env->joined_late) {
        int body = headless_body_start(d, env, h);
        if (body == 1)
            return true;
        if (body == PROTO_PARTIAL)
            return false;
    }
    if (n < 64 && other == MODE_DETECT)
        return false; /* too little to tell yet */
    if (speaks_http(other)) { /* (see search_like_the_other_side) */
        half_resync(h, h->buf.offset);
        return true;
    }
    h->mode = MODE_OPAQUE;
    h->lost_from = h->buf.offset; /* where its unread bytes began, should the other side show HTTP */
    d->traits.unread = true;      /* (the flow's note says so) */
    return true;
}

/* ---- re-synchronising on HTTP ---- */

/* Offset of the next plausible head start in buf, or -1: a status line for
 * a server, a request line ("... HTTP/1.x" at the end of a line) for a client. */
static long find_head_start(const struct half *h)
{
    const char *p = h->buf.data;
    size_t n = h->buf.len;
    for (size_t i = 0; i + 8 <= n; i++) {
        if (memcmp(p + i, "HTTP/1.", 7) != 0)
            continue;
        if (h->dir == DIR_S2C) {
            if (i == 0 || p[i - 1] == '\n')
                return (long)i;
        } else if (i > 0 && p[i - 1] == ' ') {
            size_t s = i;
            while (s > 0 && p[s - 1] != '\n')
                s--;
            /* A line start, or the first byte after a gap (segments
             * begin where the sender's writes did). */
            if (s > 0 || h->buf.offset == h->resync_at)
                return (long)s;
        }
    }
    return -1;
}

/* How much of a line begun may wait for its end while resynchronising:
 * a request line ends in its version, so the whole line is kept until
 * then.  Servers refuse longer ones (nginx answers 414 past 8 KiB). */
#define RESYNC_LINE_MAX 8192

/* What resync_step may drop when no head starts in the buffer.  A status
 * line begins with its version: only a buffer that ends in a line begun
 * with a part of "HTTP/1." waits for more (7 bytes at most), and the rest
 * goes on to the event scan at once, so that an event a segment ends with
 * is found with that segment, not the next one.  A request line ends
 * with its version: everything before the last line begun is dropped,
 * and that line waits for its "HTTP/1.x" (its newline stays, as
 * find_head_start needs to see it). */
static size_t droppable(const struct half *h)
{
    const char *p = h->buf.data;
    size_t n = h->buf.len;
    if (h->dir == DIR_S2C) {
        for (size_t k = n < 7 ? n : 7; k > 0; k--) /* the longest such end first */
            if (memcmp(p + n - k, "HTTP/1.", k) == 0 && (k == n || p[n - k - 1] == '\n'))
                return n - k;
        return n;
    }
    const char *nl = memrchr(p, '\n', n);
    size_t line = nl ? (size_t)(nl - p) : 0;
    if (n - line <= RESYNC_LINE_MAX)
        return line;
    return n > 16 ? n - 16 : 0; /* longer than a request line: but where " HTTP/1.x" may begin */
}

/* A gap took this side's first bytes (a ClientHello, the HTTP/2 preface)
 * and its search is for an HTTP head, but the other side reads as TLS or
 * HTTP/2: a connection speaks one protocol both ways, so this side's
 * search is for that protocol's next record header instead (an HTTP head
 * never comes).  The bytes passed over count from where the search began. */
static bool resync_as_the_other_side(struct dissect *d, struct half *h)
{
    enum half_mode other = half_mode(d, !h->dir);
    if (other != MODE_TLS && other != MODE_H2)
        return false;
    h->mode = other;
    h->rec_lost = true;
    h->rec_skip = 0;
    return true;
}

static bool resync_step(struct dissect *d, const struct dissect_env *env, struct half *h)
{
    if (h->buf.len == 0)
        return false;
    if (resync_as_the_other_side(d, h))
        return true;
    long at = find_head_start(h);
    size_t drop = at >= 0 ? (size_t)at : droppable(h);
    if (drop == 0 && at < 0)
        return false;
    eventscan_feed(&h->scan, h->buf.data, drop, h->buf.offset, env->emitter, env->flow, h->dir,
                   env->now_ns);
    bytebuf_consume(&h->buf, drop);
    if (at >= 0) {
        half_search_done(env, h, SEARCH_FOUND);
        eventscan_reset(&h->scan);
        h->mode = MODE_HTTP_HEAD;
        h->msg_start_ns = env->now_ns;
    }
    return true;
}

static bool opaque_step(const struct dissect_env *env, struct half *h)
{
    if (h->buf.len == 0)
        return false;
    eventscan_feed(&h->scan, h->buf.data, h->buf.len, h->buf.offset, env->emitter, env->flow,
                   h->dir, env->now_ns);
    bytebuf_consume(&h->buf, h->buf.len);
    return true;
}

/* A client waits for the answer to its Upgrade: h2c request, and a gap
 * took that answer (the server's side searches for the next status
 * line): a 101, or a refusal?  The client's bytes tell -- it sends the
 * HTTP/2 connection preface only after a 101 (RFC 7540 §3.2) -- so once
 * they begin with it, both sides are HTTP/2: the server's search goes on
 * from where it stands, for a frame header instead, and the blocks of
 * its header fields can no longer be read (the gap may have held one). */
static bool h2c_preface_after_lost_answer(struct dissect *d, struct half *client)
{
    struct pending_request *req = pending_oldest(d);
    struct half *server = d->half[DIR_S2C];
    if (!req || req->upgrade != UPGRADE_H2C || !server || server->mode != MODE_RESYNC ||
        h2_read_preface((const uint8_t *)client->buf.data, client->buf.len) <= 0)
        return false;
    http_switch_to_h2c(d, server, client, req);
    record_lost(server, server->lost_from);
    h2_headers_lost(server);
    return true;
}

/* A cut 101 that showed no Upgrade field, to a request whose own was not
 * seen either, was read as a switch to WebSocket: a guess (switched_to in
 * http.c).  Had it been to h2c, the client's first bytes after it are the
 * HTTP/2 connection preface (RFC 7540 §3.2), which no WebSocket client
 * sends: its frames are masked, and the preface's second byte, 'R', has
 * no mask bit.  So when they are, both sides are HTTP/2, as when a gap
 * took the 101 whole (h2c_preface_after_lost_answer): the client from its
 * preface, its header blocks read (it has sent none yet); the server from
 * the next frame header, its blocks no longer read.  What the guess made
 * is taken back where it can be -- the exchange named ws, the flow's
 * WebSocket note -- and said: an error item counts the server's bytes
 * read as WebSocket frames (those a WebSocket search passed over are said
 * by the HTTP/2 search that goes on from where it stood).  The client's
 * first bytes decide, once: 1 when they switched both sides, 0 when the
 * guess stands, PROTO_PARTIAL while they are too few to tell. */
static int h2c_preface_after_guessed_switch(struct dissect *d, const struct dissect_env *env, struct half *client)
{
    long r = h2_read_preface((const uint8_t *)client->buf.data, client->buf.len);
    if (r == PROTO_PARTIAL)
        return PROTO_PARTIAL;
    client->ws->guessed = false;
    struct half *server = d->half[DIR_S2C];
    if (r <= 0 || !server || (server->mode != MODE_WEBSOCKET && server->mode != MODE_WS_RESYNC))
        return 0;
    bool searching = server->mode == MODE_WS_RESYNC;
    uint64_t misread = searching ? 0 : server->buf.offset - server->resync_at; /* frames since its gap */
    char what[160];
    snprintf(what, sizeof what, "%llu %s read as WebSocket frames: the cut 101 (no Upgrade field came) was to h2c, "
             "as the client's HTTP/2 preface shows", (unsigned long long)misread, misread == 1 ? "byte" : "bytes");
    half_error(env, server, what, server->resync_at, misread);
    bool client_searched = client->mode == MODE_WS_RESYNC;
    ws_free(client);
    ws_free(server);
    client->mode = MODE_H2;
    client->h2_preface = true;
    if (client_searched) /* (a gap of its own: the search in its bytes ends at the preface) */
        half_search_done(env, client, SEARCH_FOUND);
    http_switch_to_h2c(d, server, NULL, NULL);
    record_lost(server, searching ? server->lost_from : server->buf.offset);
    h2_headers_lost(server);
    if (d->traits.exchanges[TECH_WS]) /* the 101's exchange, named ws on the guess */
        d->traits.exchanges[TECH_WS]--;
    d->traits.ws_joined_late = false;
    return 1;
}

/* Run this direction's parser until it needs more bytes. */
static void run_parser(struct dissect *d, const struct dissect_env *env, struct half *h)
{
    for (;;) {
        bool progress = false;
        if (h->buf.len == 0 && h->mode != MODE_HTTP_BODY)
            return;
        /* A client read as WebSocket on a guess: its first bytes may say h2c. */
        if ((h->mode == MODE_WEBSOCKET || h->mode == MODE_WS_RESYNC) && h->ws && h->ws->guessed) {
            int h2c = h2c_preface_after_guessed_switch(d, env, h);
            if (h2c == PROTO_PARTIAL)
                return;
            if (h2c == 1)
                continue;
        }
        switch (h->mode) {
        case MODE_DETECT:
            progress = detect_step(d, env, h);
            break;
        case MODE_HTTP_HEAD:
            progress = http_head_step(d, env, h);
            break;
        case MODE_HTTP_BODY:
            progress = http_body_step(env, h);
            break;
        case MODE_WAIT_UPGRADE:
            progress = h2c_preface_after_lost_answer(d, h); /* else the response decides */
            break;
        case MODE_WEBSOCKET:
            progress = ws_step(d, env, h);
            break;
        case MODE_FLASH:
            progress = flash_step(d, env, h);
            break;
        case MODE_TLS:
            progress = tls_step(env, h);
            break;
        case MODE_H2:
            progress = h2_step(d, env, h);
            break;
        case MODE_RESYNC:
            progress = resync_step(d, env, h);
            break;
        case MODE_WS_RESYNC:
            progress = ws_resync_step(env, h);
            break;
        case MODE_OPAQUE:
            progress = opaque_step(env, h);
            break;
        }
        if (!progress)
            return;
    }
}

/* ... and then see whether an answer joined inside its body went on
 * (headless.c: chunks that end with their first write were a resource). */
static void run(struct dissect *d, const struct dissect_env *env, struct half *h)
{
    run_parser(d, env, h);
    if (d->traits.headless)
        headless_body_read(d, env, h);
}

/* More unparsed bytes than any head or frame header can need (or no
 * memory to keep them): the parser waiting on them cannot succeed.
 * Report them, look for events in them, and move on. */
static void give_up_held(const struct dissect_env *env, struct half *h)
{
    half_error(env, h, "too many bytes without a complete message; skipped", h->buf.offset,
               h->buf.len);
    eventscan_feed(&h->scan, h->buf.data, h->buf.len, h->buf.offset, env->emitter, env->flow,
                   h->dir, env->now_ns);
    bytebuf_reset(&h->buf, h->buf.offset + h->buf.len);
    if (h->mode == MODE_WEBSOCKET || h->mode == MODE_FLASH) {
        h->mode = MODE_OPAQUE;
        h->lost_from = h->buf.offset; /* (as detect_step's unread bytes) */
    } else {
        half_resync(h, h->buf.offset);
    }
}

void dissect_prefetch(const struct dissect *d, enum item_dir dir)
{
    const char *h = (const char *)d->half[dir];
    if (h) /* its lines that a segment touches (core.h), not the rarely used last one */
        for (size_t at = 0; at < HALF_HOT_BYTES; at += VIZ_CACHE_LINE)
            __builtin_prefetch(h + at);
}

/* Bytes that wait for more to say what protocol they are: their events
 * are shown now, at the time they came (eventscan_early), not when the
 * other side speaks -- a poll's answer joined late may wait a second for
 * the next request. */
static void scan_waiting(const struct dissect_env *env, struct half *h)
{
    if (h->mode == MODE_DETECT && h->buf.len)
        eventscan_early(&h->scan, h->buf.data, h->buf.len, h->buf.offset, env->emitter, env->flow, h->dir,
                        env->now_ns);
}

void dissect_data(struct dissect *d, const struct dissect_env *env, enum item_dir dir,
                  const uint8_t *data, size_t len, uint64_t off)
{
    struct half *h = half_get(d, dir);
    if (!h)
        return; /* out of memory: the bytes go unread */
    if (h->buf.len == 0) {
        /* Nothing waits: the parser reads the bytes where they lie, and
         * only what it leaves (a head or frame the segment cut) is copied
         * to be kept.  Most segments are parsed with no copy at all. */
        if (h->mode == MODE_HTTP_HEAD || h->mode == MODE_DETECT)
            h->msg_start_ns = env->now_ns; /* a head's first byte: response time ends here */
        bytebuf_lend(&h->buf, data, len, off);
        run(d, env, h);
        scan_waiting(env, h);
        if (!bytebuf_keep(&h->buf))
            give_up_held(env, h);
    } else {
        if (!bytebuf_append(&h->buf, data, len)) {
            give_up_held(env, h);
            if (!bytebuf_append(&h->buf, data, len)) {
                eventscan_feed(&h->scan, data, len, off, env->emitter, env->flow, dir, env->now_ns);
                bytebuf_reset(&h->buf, off + len);
                return;
            }
        }
        run(d, env, h);
        scan_waiting(env, h);
    }
    /* Bytes held back from the other direction may be usable now (a 101
     * turned waiting client bytes into WebSocket frames). */
    struct half *o = d->half[!dir];
    if (o && o->buf.len && o->mode != MODE_WAIT_UPGRADE) {
        run(d, env, o);
        rest_if_idle(d, !dir);
    }
    rest_if_idle(d, dir);
}

/* What the bytes in a direction's buffer wait to become, in its mode:
 * the parser keeps them until the whole of it has come. */
static const char *waiting_for(const struct half *h)
{
    switch (h->mode) {
    case MODE_HTTP_HEAD:
        return "an HTTP head";
    case MODE_HTTP_BODY:
        return "a last chunk and its trailers"; /* the only part of a body kept whole */
    case MODE_WAIT_UPGRADE:
        return "what followed an Upgrade request";
    case MODE_WEBSOCKET:
        return "a WebSocket frame header";
    case MODE_FLASH:
        return "a Flash message";
    case MODE_TLS:
        return "a TLS record";
    case MODE_H2:
        return h->h2_preface ? "the HTTP/2 connection preface" : "an HTTP/2 frame header";
    default: /* MODE_DETECT */
        return "a connection's first message";
    }
}

/* WebSocket frames follow a gap in the answers, both ways, which the
 * search for the next HTTP head would pass over whole: after a 101 the
 * gap cut (`cut`, HEAD_CUT_SWITCHED or HEAD_CUT_GUESSED: its start line
 * came, the rest did not), or -- while
 * the client waits for the answer to its Upgrade -- after a gap that may
 * have taken the 101 whole.  So both sides are read as a WebSocket joined
 * late (the handshake not seen whole: deflate unknown): the server's from
 * the next frame header that fits (a refusal lost in the gap leaves HTTP,
 * which that search passes over and says), the client's held bytes as
 * frames.  A cut 101 is enough on its own: its request may be before the
 * capture began, or in a gap of its own. */
static void upgrade_answer_lost(struct dissect *d, const struct dissect_env *env, struct half *h,
                                enum head_cut cut)
{
    bool switched = cut == HEAD_CUT_SWITCHED || cut == HEAD_CUT_GUESSED;
    const struct pending_request *req = pending_oldest(d);
    struct half *client = switched ? half_get(d, DIR_C2S) : d->half[DIR_C2S];
    /* The client waits for the answer, or searches after a gap of its
     * own; after a cut 101 it may also not have spoken since the capture
     * began (nothing of it read yet, or it rests between messages). */
    bool client_waits = client && (client->mode == MODE_WAIT_UPGRADE || client->mode == MODE_RESYNC ||
                                   (switched && (client->mode == MODE_DETECT || client->mode == MODE_HTTP_HEAD)));
    if (h->dir != DIR_S2C || (h->mode != MODE_HTTP_HEAD && h->mode != MODE_DETECT) ||
        !(switched || (req && req->upgrade == UPGRADE_WEBSOCKET && client_waits)))
        return;
    h->lib.lib = req ? req->lib : LIB_NONE; /* what the answer's frames carry, as the 101 said */
    h->lib.wrap = req ? req->wrap : WRAP_NONE;
    h->lib.unnamed = false;
    d->pending_count = 0;  /* its answer was in the gap */
    ws_join(d, h);         /* a frame search, below, as for any gap in frames */
    if (h->ws)
        h->ws->library_unnamed = !req;
    if (switched)
        d->traits.ws_joined_late = true; /* the flow's note: the handshake was not seen whole */
    if (!client_waits)
        return; /* it reads its bytes its own way already (frames found without the handshake) */
    bool searching = client->mode == MODE_RESYNC; /* a gap took some of the client's frames too */
    ws_join(d, client);
    if (client->ws)
        client->ws->library_unnamed = !req;
    if (searching)
        client->mode = MODE_WS_RESYNC; /* from where its search stands */
    if (client->ws) /* (NULL when out of memory: then only events are looked for) */
        client->ws->guessed = cut == HEAD_CUT_GUESSED; /* its first bytes may still show h2c */
    run(d, env, client);
}

/* A client's first bytes wait for their request line to end before they
 * are taken for HTTP (detect_step).  When a gap or the end cuts them
 * first, a known method and a space are enough: the head is shown as far
 * as it came, as any cut head is. */
static void cut_while_detecting(struct half *h)
{
    if (h->mode == MODE_DETECT && h->dir == DIR_C2S && h->buf.len &&
        http_starts_with_method(h->buf.data, h->buf.len) == 1)
        h->mode = MODE_HTTP_HEAD;
}

void dissect_gap(struct dissect *d, const struct dissect_env *env, enum item_dir dir, uint64_t len,
                 uint64_t off, const char *why)
{
    struct half *h = half_get(d, dir);
    if (!h)
        return;
    if ((h->mode == MODE_HTTP_HEAD || h->mode == MODE_H2) && h->buf.len && env->write_continues) {
        /* An answer's head waiting for the rest of its write (http.c,
         * response_step; h2_step): the gap is where that write stops
         * showing. */
        struct dissect_env stopped = *env;
        stopped.write_continues = false;
        run(d, &stopped, h);
    }
    cut_while_detecting(h);
    /* A head the gap cut (a snaplen, a lost segment) says what came of it:
     * its bytes are then in its item, not passed over. */
    enum head_cut cut = h->mode == MODE_HTTP_HEAD && h->buf.len ? http_head_cut(d, env, h) : HEAD_CUT_UNREAD;
    upgrade_answer_lost(d, env, h, cut);
    /* Every byte before the gap is accounted for before the gap's own
     * item, in stream order: those a search after an earlier gap had
     * passed over, those of a head or header waiting whole in the buffer,
     * and (below) a frame or body that ends in the gap, a chunk size line
     * or an event it cut (h2_gap, http_body_skip). */
    if (half_searching(h))
        half_search_done(env, h, SEARCH_GAP);
    else if (h->buf.len && h->mode != MODE_H2)
        half_cut_short(env, h, h->buf.offset, h->buf.len, waiting_for(h), SEARCH_GAP);

    bool kept = false; /* framing survives: the lost bytes fall inside a known length */
    if (h->mode == MODE_H2)
        kept = h2_gap(d, env, h, len); /* a frame may be waiting whole in the buffer */
    else if (h->mode == MODE_HTTP_BODY && h->body.chunk_lost)
        kept = http_body_skip(env, h, len); /* the search for a size line goes on after the gap */
    else if (h->buf.len == 0) {
        if (h->mode == MODE_HTTP_BODY)
            kept = http_body_skip(env, h, len);
        else if (h->mode == MODE_WEBSOCKET)
            kept = ws_skip(h, len);
        else if (h->mode == MODE_TLS)
            kept = record_skip_lost(h, len);
    }
    if (!kept) {
        eventscan_feed(&h->scan, h->buf.data, h->buf.len, h->buf.offset, env->emitter, env->flow,
                       dir, env->now_ns);
        switch (h->mode) {
        case MODE_FLASH:
            h->skip_to_nul = true;
            h->lost_from = off + len;
            break;
        case MODE_WEBSOCKET:
        case MODE_WS_RESYNC:
            ws_lost(env, h, off + len);
            break;
        case MODE_TLS:
        case MODE_H2:
            record_lost(h, off + len);
            break;
        case MODE_OPAQUE:
            break;
        default:
            half_resync(h, off + len);
            body_clear(&h->body);
            break;
        }
    }
    /* Whole answers may have been in it, unless it fell inside one body
     * of known length (pairing.h). */
    if (dir == DIR_S2C && !(kept && h->mode == MODE_HTTP_BODY && h->body.kind == HTTP_BODY_LENGTH))
        pending_answers_maybe_lost(d);
    char what[96];
    snprintf(what, sizeof what, "%llu %s", (unsigned long long)len, why);
    half_error(env, h, what, off, len);
    eventscan_reset(&h->scan);
    bytebuf_reset(&h->buf, off + len);
    h->resync_at = off + len;
}

/* What the close cut short, each byte once, as dissect_gap says what a
 * gap cut: a frame begun, bytes waiting whole in the buffer, or the rest
 * of a record whose item already showed its length. */
static void say_cut_by_close(const struct dissect_env *env, struct half *h)
{
    if (h->mode == MODE_WEBSOCKET && ws_cut(env, h, SEARCH_ENDED))
        return;
    if (h->buf.len)
        half_cut_short(env, h, h->buf.offset, h->buf.len, waiting_for(h), SEARCH_ENDED);
    else if ((h->mode == MODE_TLS || h->mode == MODE_H2) && h->rec_skip)
        half_never_came(env, h, h->mode == MODE_TLS ? "a TLS record" : "an HTTP/2 frame", h->rec_skip);
}

void dissect_left(struct dissect *d, enum item_dir dir)
{
    d->left[dir] = true;
}

void dissect_end(struct dissect *d, const struct dissect_env *env, enum item_dir dir,
                 enum dissect_end_how how)
{
    bool reader_left = d->left[!dir]; /* the other side left first: its FIN in order, or its RST */
    if (how == END_FIN)
        d->left[dir] = true;
    struct half *h = d->half[dir];
    if (!h)
        return; /* it carried no byte, or rests between messages: nothing to finish */
    run(d, env, h);
    if (how != END_CAPTURE)
        cut_while_detecting(h);
    if (h->mode == MODE_HTTP_BODY)
        http_body_cut(env, h);
    if (h->mode == MODE_H2 && how != END_CAPTURE)
        h2_closed(d, env, h); /* a frame the close cut, before its stream's reader stops */
    /* A chunk or DATA frame of a compressed body that the end cut still
     * waits for its text: it goes out with what its data decoded to. */
    coding_release(env, &h->body);
    h2_bodies_stop(env, h, how != END_CAPTURE);
    /* A search for the next header after a gap that the end cut short:
     * what it passed over is said, as when it finds one. */
    bool searching = half_searching(h);
    if (searching)
        half_search_done(env, h, SEARCH_ENDED);
    if (how == END_CAPTURE) {
        /* The connection did not end: nothing is incomplete, but a body
         * is shown as far as it came (chunks are shown as they come). */
        if (h->mode == MODE_HTTP_BODY && h->body.kind != HTTP_BODY_CHUNKED)
            http_body_close(env, h, how, reader_left);
        return;
    }
    if (h->mode == MODE_HTTP_BODY)
        http_body_close(env, h, how, reader_left);
    else if (!searching)
        say_cut_by_close(env, h);
    bytebuf_reset(&h->buf, h->buf.offset + h->buf.len);
    if (h->ws)
        h->ws->in_frame = false;
}
