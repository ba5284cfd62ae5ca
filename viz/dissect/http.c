/* http.c -- HTTP/1.x as an observer sees it (RFC 9112): request
 * and response heads, responses paired with their requests, and the three
 * ways a body ends (Content-Length, chunked, connection close).
 *
 * The pairing matters: whether a response has a body depends on its
 * request (HEAD) and status (1xx, 204, 304: RFC 9112 §6.3), a 101 turns
 * both directions into WebSocket, and the time from request to the first
 * response byte is what tells a long poll from a short one.  Requests are
 * answered in order on a connection, so a FIFO of pending requests is all
 * the pairing needs.
 *
 * A body of known length (Content-Length) is one message, whoever sent it:
 * a poll's or JSONP answer, a POST's data, an Engine.IO polling payload;
 * so is a body the close delimits (HTTP/1.0, or a response with neither
 * length nor chunks: RFC 9112 §6.3 rule 8).  When it ends (its length, the
 * FIN or RST, a gap it ends in, the end of the capture) it becomes a
 * `body` item with its first bytes as text.  A body with a content coding
 * (gzip, deflate) is decoded before its content is read
 * (content_coding.c).
 */
#include "dissect/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/content.h"
#include "dissect/content_coding.h"
#include "dissect/h2c_settings.h"
#include "dissect/library.h"
#include "dissect/pairing.h"
#include "dissect/ws.h"

void body_clear(struct body_state *b)
{
    free(b->sse);
    b->sse = NULL;
    coding_free(b);
    if (b->multipart) {
        bytebuf_reset(&b->multipart->parts, 0);
        b->multipart->done = false;
    }
    b->kind = HTTP_BODY_NONE;
    b->sse_skip_block = b->chunk_lost = b->chunks_unconfirmed = false;
}

void body_free(struct body_state *b)
{
    body_clear(b);
    if (b->multipart)
        bytebuf_free(&b->multipart->parts);
    free(b->multipart);
    free(b->map);
    free(b->text);
}

/* "HTTP/1.1".  The parser read the minor version as one digit (RFC 9112
 * §2.3), so it is put in place directly: snprintf, once per head, cost
 * more than the rest of building the item. */
static void add_version(struct item *it, int minor)
{
    char v[] = "HTTP/1.0";
    v[7] = (char)('0' + minor);
    item_add_text(it, "version", v, sizeof v - 1);
}

/* A parse error in a head: report it and look for the next head. */
static bool head_error(const struct dissect_env *env, struct half *h, const struct proto_err *err)
{
    half_error(env, h, err->why ? err->why : "bad HTTP head", h->buf.offset, h->buf.len);
    half_resync(h, h->buf.offset + h->buf.len); /* (the error's span holds the bytes so far) */
    bytebuf_consume(&h->buf, 1); /* so the search starts past this head */
    return true;
}

/* Enter the body described by `body`, of exchange number `exchange` (or
 * stay between messages); `coding` is its Content-Encoding value (NULL:
 * none). */
static void begin_body(const struct dissect_env *env, struct half *h, const struct http_body *body,
                       enum content_kind content, struct slice boundary, unsigned exchange,
                       const struct slice *coding)
{
    body_clear(&h->body);
    h->body.kind = body->kind;
    h->body.remaining = h->body.length = body->length;
    h->body.exchange = exchange;
    h->body.lost = 0;
    h->body.start = h->buf.offset;
    h->body.decoded = 0;
    http_chunked_init(&h->body.chunked);
    eventscan_reset(&h->scan);
    if (h->lib.pending)
        bytebuf_reset(h->lib.pending, 0);
    h->lib.skipping = false;
    if (body->kind == HTTP_BODY_NONE || (body->kind == HTTP_BODY_LENGTH && body->length == 0)) {
        h->mode = MODE_HTTP_HEAD;
        return;
    }
    if (!h->body.map)
        h->body.map = malloc(sizeof *h->body.map); /* without it, offsets count from the body start */
    if (h->body.map)
        memset(h->body.map, 0, sizeof *h->body.map);
    if (!coding_begin(env, h, &h->body, coding))
        content = CONTENT_PLAIN; /* coded and not decodable: only bytes as sent */
    content_begin(&h->body, content, boundary);
    /* A body of known length, or one the close ends, is one message (a
     * poll's answer, a POST's data): its first bytes are kept for its
     * `body` item. */
    if ((body->kind == HTTP_BODY_LENGTH || body->kind == HTTP_BODY_UNTIL_CLOSE) &&
        h->body.content == CONTENT_PLAIN && !h->body.text)
        h->body.text = malloc(sizeof *h->body.text);
    if (h->body.text)
        h->body.text->len = 0;
    h->mode = MODE_HTTP_BODY;
}

#define CODING_VALUE_MAX 64 /* bytes kept of a Content-Encoding value (a longer one is cut) */

/* A head's Content-Encoding value, copied to buf (it must outlive the
 * head's bytes, consumed before the body begins) and viewed by *value.
 * False when the head has none. */
static bool coding_copy(const struct http_header *hs, size_t n, char buf[CODING_VALUE_MAX],
                        struct slice *value)
{
    const struct slice *ce = http_header_find(hs, n, "Content-Encoding");
    if (!ce)
        return false;
    value->len = ce->len < CODING_VALUE_MAX ? ce->len : CODING_VALUE_MAX;
    memcpy(buf, ce->ptr, value->len);
    value->ptr = buf;
    return true;
}

/* What a head step reads: the buffer, or the lines of a head that a gap
 * cut (http_head_cut). */
struct head_text {
    const char *data;
    size_t len;
    bool cut;      /* data is the lines that came whole, and a blank line to end them */
    bool switched; /* out, of a cut answer: a 101 to WebSocket, whose frames follow the gap */
    bool guessed;  /* ...to WebSocket by a guess: neither it nor its request showed an Upgrade field */
};

/* The protocol an Upgrade field names first among those pushviz reads
 * on, else UPGRADE_OTHER (UPGRADE_NONE: no field). */
static enum upgrade_to upgrade_named(const struct slice *up)
{
    if (!up)
        return UPGRADE_NONE;
    if (http_list_has_token(*up, "websocket"))
        return UPGRADE_WEBSOCKET;
    if (http_list_has_token(*up, "h2c"))
        return UPGRADE_H2C;
    return UPGRADE_OTHER;
}

static bool request_step(struct dissect *d, const struct dissect_env *env, struct half *h,
                         const struct head_text *t)
{
    struct http_request req;
    struct proto_err err = {0};
    long r = http_read_request(t->data, t->len, &observer_limits, &req, &err);
    if (r == PROTO_PARTIAL || (r < 0 && t->cut))
        return false;
    if (r < 0)
        return head_error(env, h, &err);
    /* The head's bytes on the wire that came: all of the buffer when cut. */
    uint64_t bytes = t->cut ? h->buf.len : (uint64_t)r;

    struct lib_state answer = {0}; /* what the response will carry (its buffer unused) */
    struct slice session;
    library_of_request(req.method, req.path, req.query, &h->lib, &answer, &session);
    struct http_body body;
    struct proto_err body_err = {0};
    bool body_bad = http_request_body(&req, &body, &body_err) < 0;
    if (body_bad)
        body.kind = HTTP_BODY_NONE;

    /* Remember it for its response (the oldest is dropped when full). */
    struct pending_request *p =
        exchange_request(d, env, req.method, req.path, req.query,
                         body.kind == HTTP_BODY_LENGTH ? body.length : body.kind == HTTP_BODY_CHUNKED);
    const struct slice *up = http_header_find(req.headers, req.num_headers, "Upgrade");
    p->end = (uint32_t)(h->buf.offset + (uint64_t)r + (body.kind == HTTP_BODY_LENGTH ? body.length : 0));
    p->end_known = body.kind != HTTP_BODY_CHUNKED && !t->cut;
    p->http10 = req.minor_version == 0;
    p->upgrade = upgrade_named(up);
    p->lib = answer.lib;
    p->wrap = answer.wrap;

    struct item_builder b;
    struct item *it = half_item(&b, env, h, ITEM_HTTP_REQUEST, h->buf.offset, bytes);
    item_add_text(it, "method", req.method.ptr, req.method.len);
    item_add_text(it, "target", req.target.ptr, req.target.len);
    add_version(it, req.minor_version);
    add_field_lines(it, "headers", req.headers, req.num_headers);
    /* An h2c upgrade carries the client's first SETTINGS in a field. */
    char settings_why[128];
    const char *settings_error =
        p->upgrade == UPGRADE_H2C
            ? h2c_settings_field(req.headers, req.num_headers, t->cut, it, settings_why, sizeof settings_why)
            : NULL;
    item_add_int(it, "head_bytes", (int64_t)bytes);
    if (t->cut)
        item_add_bool(it, "cut", true);
    item_add_int(it, "exchange", p->exchange);
    if (h->lib.lib != LIB_NONE) {
        item_add_str(it, "library", library_name(h->lib.lib));
        if (session.len)
            item_add_text(it, "session", session.ptr, session.len);
        library_note_session(h, h->lib.lib, session);
    }
    emit_item(env->emitter, it);
    if (settings_error)
        half_error(env, h, settings_error, h->buf.offset, bytes);
    /* The rest of a cut head, and its body, are somewhere in the gap: the
     * search after it (dissect_gap) finds the next request.  Its Host and
     * framing may have been in the part lost, so neither is judged. */
    if (t->cut) {
        bytebuf_consume(&h->buf, h->buf.len);
        return true;
    }
    /* A head that is well formed but that a server must refuse (no Host
     * in HTTP/1.1, two Hosts: RFC 9112 §3.2) is still a request on the
     * wire, answered (with a 400) in its turn: it is shown, paired with
     * that answer, and the fault noted. */
    if (http_check_request(&req, &err) < 0) {
        char what[128];
        snprintf(what, sizeof what, "%s: a server must answer 400 (RFC 9112 §3.2)", err.why);
        half_error(env, h, what, h->buf.offset, (uint64_t)r);
    }
    if (body_bad)
        half_error(env, h, body_err.why, h->buf.offset, (uint64_t)r);

    char coding_buf[CODING_VALUE_MAX];
    struct slice coding;
    bool coded = coding_copy(req.headers, req.num_headers, coding_buf, &coding);
    bytebuf_consume(&h->buf, (size_t)r); /* req's slices are invalid from here */
    begin_body(env, h, &body, CONTENT_PLAIN, (struct slice){NULL, 0}, p->exchange,
               coded ? &coding : NULL);
    if (p->upgrade && h->mode == MODE_HTTP_HEAD)
        h->mode = MODE_WAIT_UPGRADE; /* its next bytes are HTTP/1.1 or not as the answer says */
    return true;
}

/* A response's Content-Type value, or NULL.  Looked up once per response
 * and handed to content_of and exchange_content, which would otherwise
 * search the headers again (six times per response, a replay's many
 * polls). */
static const struct slice *content_type(const struct http_response *res)
{
    return http_header_find(res->headers, res->num_headers, "Content-Type");
}

/* Did the 101 accept permessage-deflate (RFC 7692 §5)?  Every
 * Sec-WebSocket-Extensions line is read; bad parameters are reported and
 * the extension taken as refused, as a client would fail the connection. */
static bool accepted_deflate(const struct dissect_env *env, const struct half *h,
                             const struct http_response *res, struct ws_deflate_params *p)
{
    for (size_t i = 0; i < res->num_headers; i++) {
        if (!slice_eq_ci(res->headers[i].name, "Sec-WebSocket-Extensions"))
            continue;
        struct proto_err err = {0};
        int r = ws_deflate_parse(res->headers[i].value, p, &err);
        if (r == 1)
            return true;
        if (r < 0) {
            half_error(env, h, err.why, h->buf.offset, 0);
            return false;
        }
    }
    return false;
}

/* True when a chunked body is a stream of messages: it did not end in
 * the bytes that came with its head (at, n), and its first chunk is not a
 * bulk piece of a resource (CLASSIFY_BULK_CHUNK). */
static bool chunked_streams(const char *at, size_t n)
{
    struct http_chunked c;
    http_chunked_init(&c);
    while (n > 0) {
        struct http_chunk_item ci;
        struct proto_err err = {0};
        long r = http_chunked_feed(&c, at, n, &ci, &err);
        if (r < 0)
            return false;
        if (ci.kind == HTTP_CHUNK_END)
            return false;
        if (ci.kind == HTTP_CHUNK_HEADER && ci.size >= CLASSIFY_BULK_CHUNK)
            return false;
        at += r;
        n -= (size_t)r;
    }
    return true;
}

/* Did the body not end with the head (the bytes that came with it, after
 * head_len), so that it may be a stream of messages?  To an HTTP/1.0
 * request the close is the only end a body of unknown length can have
 * (chunks are HTTP/1.1, RFC 9112 §7.1), so that says nothing of streaming
 * there. */
static bool body_open(const struct half *h, const struct pending_request *req,
                      const struct http_body *body, long head_len)
{
    if (body->kind == HTTP_BODY_UNTIL_CLOSE)
        return !(req && req->http10);
    if (body->kind == HTTP_BODY_CHUNKED)
        return chunked_streams(h->buf.data + head_len, h->buf.len - (size_t)head_len);
    return false;
}

/* The body a cut head leads to, from its lines that came: chunks (the
 * next size line is searched for after the gap), or an event stream or
 * multipart body that did not say its length (read to the close, from
 * the next place its reader can trust), else none known (the search for
 * the next head goes on after the gap).
 *
 * The gap may have taken the very line that said chunks, though: servers
 * often write Transfer-Encoding last, and a snaplen keeps only the first
 * lines.  So a head that showed neither Content-Length nor
 * Transfer-Encoding, in an answer that may be chunked (HTTP/1.1 both
 * ways: RFC 9112 §6.1), may still be: true is returned, and the bytes
 * where reading resumes decide.  Chunks announce themselves -- a line of
 * hex digits, exactly that many bytes, CRLF, then the next size line
 * (RFC 9112 §7.1) -- a shape that event fields, multipart parts and text
 * do not take by chance; chunk_resync looks for it, and only when it is
 * found is the body read as chunks, else as *body says. */
static bool cut_body(const struct http_response *res, const struct pending_request *req,
                     struct http_body *body, enum content_kind content)
{
    if (body->kind == HTTP_BODY_CHUNKED)
        return false;
    bool length_shown = http_header_find(res->headers, res->num_headers, "Content-Length");
    bool framing_shown = length_shown || http_header_find(res->headers, res->num_headers, "Transfer-Encoding");
    bool may_be_chunked = body->kind == HTTP_BODY_UNTIL_CLOSE && !framing_shown && res->minor_version == 1 &&
                          !(req && req->http10);
    bool streamed = content != CONTENT_PLAIN && !length_shown;
    *body = (struct http_body){streamed ? HTTP_BODY_UNTIL_CLOSE : HTTP_BODY_NONE, 0};
    return may_be_chunked;
}

/* What a 101's connection speaks from the line after its head on: the
 * protocol its Upgrade field names (RFC 9110 §15.2.2: a 101 switches at
 * once; it is no interim answer, and no HTTP/1.1 answer follows it).  A
 * head that the snaplen or a gap cut may have lost that field: then the
 * request's Upgrade field says, when it was seen; else WebSocket, by far
 * the most common, whose frame search after the gap (upgrade_answer_lost)
 * finds frames only where they are and says what it passed over.  That
 * last is a guess (*guessed), which the client's first bytes after it
 * may still refute: an HTTP/2 preface shows it was h2c (dissect.c,
 * h2c_preface_after_guessed_switch). */
static enum upgrade_to switched_to(const struct http_response *res, bool cut, const struct pending_request *req,
                                   bool *guessed)
{
    *guessed = false;
    const struct slice *up = http_header_find(res->headers, res->num_headers, "Upgrade");
    if (up)
        return upgrade_named(up);
    if (!cut)
        return UPGRADE_OTHER; /* a 101 without Upgrade: not HTTP/1.1 after it, whatever it is */
    if (req && req->upgrade != UPGRADE_NONE)
        return (enum upgrade_to)req->upgrade;
    *guessed = true;
    return UPGRADE_WEBSOCKET;
}

/* (http.h) The request that asked for the switch becomes stream 1,
 * answered there (RFC 7540 §3.2) -- so it stays waiting, now on that
 * stream, and the HEADERS that answer it name its technique
 * (h2_streams.c).  Of a cut 101, the rest of its head and the first
 * frames are in the gap: the server's side then looks for the next frame
 * header (h2_gap). */
void http_switch_to_h2c(struct dissect *d, struct half *h, struct half *client, struct pending_request *req)
{
    h->mode = MODE_H2;
    d->traits.http2 = true;
    if (req)
        req->stream = 1;
    /* The client waits for this answer, or (its request before the
     * capture began) has sent nothing since: its preface comes next. */
    if (client && (client->mode == MODE_WAIT_UPGRADE ||
                   ((client->mode == MODE_DETECT || client->mode == MODE_HTTP_HEAD) && client->buf.len == 0))) {
        client->mode = MODE_H2;
        client->h2_preface = true;
    }
}

/* After a 101 to a protocol pushviz does not read, neither side speaks
 * HTTP/1.1 any more: their bytes are only searched for pushlab events,
 * and the flow's note says why nothing else is shown. */
static void switch_to_unread(struct dissect *d, struct half *h)
{
    struct half *client = half_get(d, DIR_C2S);
    h->mode = MODE_OPAQUE;
    if (client)
        client->mode = MODE_OPAQUE;
    d->traits.switched_unread = true;
}

static bool response_step(struct dissect *d, const struct dissect_env *env, struct half *h,
                          struct head_text *t)
{
    struct http_response res;
    struct proto_err err = {0};
    long r = http_parse_response(t->data, t->len, &observer_limits, &res, &err);
    if (r == PROTO_PARTIAL || (r < 0 && t->cut))
        return false;
    if (r < 0)
        return head_error(env, h, &err);
    uint64_t bytes = t->cut ? h->buf.len : (uint64_t)r; /* (as in request_step) */

    struct pending_request *req = pending_answered_by(d, env);
    unsigned exchange = req ? req->exchange : 0;
    double response_ms = req ? (double)(h->msg_start_ns - req->sent_ns) / 1e6 : -1;
    bool guessed = false;
    enum upgrade_to to = res.status == 101 ? switched_to(&res, t->cut, req, &guessed) : UPGRADE_NONE;
    bool upgraded = to == UPGRADE_WEBSOCKET;
    bool interim = res.status >= 100 && res.status < 200 && res.status != 101;
    bool was_head = req && req->head;
    struct http_body body = {HTTP_BODY_NONE, 0};
    bool body_ok = interim || to != UPGRADE_NONE || http_response_body(&res, was_head, &body, &err) >= 0;

    /* A body that may go on is a stream only if it did not end with the
     * write that carried its head.  On loopback a write is one segment;
     * on a real link it is cut into segments of an MSS, and a page sent
     * at once arrives in several, PSH on the last: until that one, the
     * head waits (a bounded while: VIZ_HEAD_MAX bytes). */
    bool final = !interim && to != UPGRADE_H2C;
    if (final && !t->cut && env->write_continues && body_ok && h->buf.len < VIZ_HEAD_MAX &&
        body_open(h, req, &body, r))
        return false;

    struct item_builder b;
    struct slice boundary = {NULL, 0};
    enum content_kind content = content_of(content_type(&res), &boundary);
    bool chunks_unconfirmed =
        t->cut && body_ok && !interim && to == UPGRADE_NONE && cut_body(&res, req, &body, content);
    struct item *it = half_item(&b, env, h, ITEM_HTTP_RESPONSE, h->buf.offset, bytes);
    item_add_int(it, "status", res.status);
    item_add_text(it, "reason", res.reason.ptr, res.reason.len);
    add_version(it, res.minor_version);
    add_field_lines(it, "headers", res.headers, res.num_headers);
    item_add_int(it, "head_bytes", (int64_t)bytes);
    if (t->cut)
        item_add_bool(it, "cut", true);
    if (req)
        item_add_ms(it, "response_ms", response_ms);
    else
        item_add_null(it, "response_ms");
    if (req)
        item_add_int(it, "exchange", exchange);
    else
        item_add_null(it, "exchange");
    if (final) { /* the final answer: the exchange's technique */
        struct exchange_facts f = {0};
        char why[160];
        bool validators = http_header_find(res.headers, res.num_headers, "ETag") ||
                          http_header_find(res.headers, res.num_headers, "Last-Modified");
        /* (of a cut head the body's first bytes are lost: one that may go on is open) */
        bool open = t->cut ? body.kind != HTTP_BODY_NONE : body_open(h, req, &body, r);
        exchange_content(content_type(&res), validators, open, &f);
        f.upgrade = upgraded;
        enum technique tech = exchange_answered(d, env, req, res.status, response_ms, &f, why, sizeof why);
        item_add_str(it, "technique", technique_name(tech));
        item_add_str(it, "why", why);
    }
    emit_item(env->emitter, it);

    /* The client's side: made again for an upgrade (its frames follow),
     * else only looked at (a resting one is in MODE_HTTP_HEAD already). */
    struct half *client = upgraded ? half_get(d, DIR_C2S) : d->half[DIR_C2S];
    h->lib.lib = req ? req->lib : LIB_NONE; /* what the body or the WebSocket carries */
    h->lib.wrap = req ? req->wrap : WRAP_NONE;
    h->lib.unnamed = false;
    /* The frames after a cut 101 begin somewhere in the gap: dissect_gap
     * reads both sides as a WebSocket whose 101 was lost
     * (upgrade_answer_lost), the answer's extensions unknown -- whether
     * its request was seen or not (a capture begun after it). */
    if (upgraded && t->cut) {
        t->switched = true;
        t->guessed = guessed;
        bytebuf_consume(&h->buf, h->buf.len);
        return true;
    }
    if (to == UPGRADE_H2C) {
        bytebuf_consume(&h->buf, t->cut ? h->buf.len : (size_t)r);
        http_switch_to_h2c(d, h, client, req);
        return true;
    }
    if (upgraded) {
        d->pending_count = 0;
        struct ws_deflate_params deflate;
        bool deflated = accepted_deflate(env, h, &res, &deflate);
        bytebuf_consume(&h->buf, (size_t)r); /* res's slices are invalid from here */
        ws_start(h, true, deflated ? &deflate : NULL);
        if (client)
            ws_start(client, true, deflated ? &deflate : NULL);
        /* A 101 whose request the capture missed: the messages may name the library. */
        if (h->ws)
            h->ws->library_unnamed = !req;
        if (client && client->ws)
            client->ws->library_unnamed = !req;
        return true;
    }
    if (interim) {
        bytebuf_consume(&h->buf, (size_t)bytes);
        h->msg_start_ns = env->now_ns;
        return true; /* interim: the final response is still to come */
    }
    if (req) /* answered (it is the oldest): off the queue */
        pending_pop(d);
    if (to == UPGRADE_OTHER) {
        bytebuf_consume(&h->buf, t->cut ? h->buf.len : (size_t)r);
        switch_to_unread(d, h);
        return true;
    }
    if (client && client->mode == MODE_WAIT_UPGRADE)
        client->mode = MODE_HTTP_HEAD; /* the upgrade was refused: more HTTP may follow */

    if (!body_ok) {
        half_error(env, h, err.why, h->buf.offset, bytes);
        bytebuf_consume(&h->buf, (size_t)bytes);
        half_resync(h, h->buf.offset);
        return true;
    }
    char saved[BOUNDARY_MAX]; /* the boundary outlives the head's bytes, consumed next */
    memcpy(saved, boundary.ptr ? boundary.ptr : "", boundary.len);
    boundary.ptr = saved;
    char coding_buf[CODING_VALUE_MAX];
    struct slice coding;
    bool coded = coding_copy(res.headers, res.num_headers, coding_buf, &coding);
    bytebuf_consume(&h->buf, (size_t)bytes); /* res's slices are invalid from here */
    bool else_until_close = body.kind == HTTP_BODY_UNTIL_CLOSE;
    if (chunks_unconfirmed)
        body.kind = HTTP_BODY_CHUNKED; /* until the bytes after the gap say otherwise */
    begin_body(env, h, &body, content, boundary, exchange, coded ? &coding : NULL);
    h->msg_start_ns = env->now_ns;
    if (t->cut && h->mode == MODE_HTTP_BODY && body.kind == HTTP_BODY_CHUNKED) {
        h->body.chunk_lost = true; /* its first size line is in the gap, or after it */
        h->body.chunks_unconfirmed = chunks_unconfirmed;
        h->body.else_until_close = else_until_close;
        h->lost_from = h->buf.offset;
    }
    return true;
}

void http_body_joined(const struct dissect_env *env, struct half *h, enum content_kind content,
                      struct slice boundary)
{
    /* As a head a gap cut that said neither its length nor chunks
     * (response_step): chunks if the bytes show them, else to the close. */
    begin_body(env, h, &(struct http_body){HTTP_BODY_CHUNKED, 0}, content, boundary, 0, NULL);
    if (h->mode != MODE_HTTP_BODY)
        return;
    h->body.chunk_lost = h->body.chunks_unconfirmed = h->body.else_until_close = true;
    h->lost_from = h->buf.offset;
    content_gap(env, h, &h->body, 0); /* the content's reader too looks for a place to start */
}

bool http_head_step(struct dissect *d, const struct dissect_env *env, struct half *h)
{
    struct head_text t = {h->buf.data, h->buf.len, false, false, false};
    return h->dir == DIR_C2S ? request_step(d, env, h, &t) : response_step(d, env, h, &t);
}

enum head_cut http_head_cut(struct dissect *d, const struct dissect_env *env, struct half *h)
{
    const char *nl = memrchr(h->buf.data, '\n', h->buf.len);
    if (!nl)
        return HEAD_CUT_UNREAD; /* not even the start line came whole */
    size_t whole = (size_t)(nl - h->buf.data) + 1;
    char *text = malloc(whole + 2);
    if (!text)
        return HEAD_CUT_UNREAD;
    memcpy(text, h->buf.data, whole);
    memcpy(text + whole, "\r\n", 2);
    struct head_text t = {text, whole + 2, true, false, false};
    bool read = h->dir == DIR_C2S ? request_step(d, env, h, &t) : response_step(d, env, h, &t);
    free(text);
    return !read ? HEAD_CUT_UNREAD : t.guessed ? HEAD_CUT_GUESSED : t.switched ? HEAD_CUT_SWITCHED : HEAD_CUT_READ;
}

/* The `body` item of a whole body of plain content, Content-Length or
 * close-delimited: its size and first bytes (decoded, when it has a
 * content coding), so that what a poll's answer or a POST said reads as
 * text whatever server made it (RFC 9112 §6.2, §6.3: the length, or the
 * close, says where the message ends, so the whole body is one message).
 * size: its bytes on the wire (lost ones included); end: what ended a
 * close-delimited body or cut one of known length short ("fin", "rst",
 * "capture"), NULL for a length that came whole. */
static void body_item(const struct dissect_env *env, const struct half *h, uint64_t size,
                      const char *end)
{
    const struct body_state *bs = &h->body;
    if (bs->content != CONTENT_PLAIN || !bs->text)
        return;
    struct item_builder b;
    struct item *it = half_item(&b, env, h, ITEM_BODY, bs->start, size);
    item_add_int(it, "size", (int64_t)size);
    item_add_shown(it, "text", bs->text->bytes, bs->text->len, bs->decoded);
    if (bs->exchange)
        item_add_int(it, "exchange", bs->exchange);
    if (bs->lost)
        item_add_int(it, "lost", (int64_t)bs->lost);
    if (end)
        item_add_str(it, "end", end);
    if (bs->kind == HTTP_BODY_LENGTH && size < bs->length) /* cut short: what its head announced */
        item_add_int(it, "content_length", (int64_t)bs->length);
    if (bs->coding) { /* RFC 9110 §8.4: the coding as sent, and what it decoded to */
        item_add_str(it, "coding", bs->coding->name);
        if (bs->coding->decoder)
            item_add_int(it, "decoded_size", (int64_t)bs->coding->decoded);
        else
            item_add_null(it, "decoded_size");
    }
    emit_item(env->emitter, it);
}

static void end_body(struct half *h, const struct dissect_env *env)
{
    library_body_end(env, h); /* the body's end ends its last library message */
    coding_end(env, h, &h->body, h->buf.offset);
    if (h->body.kind == HTTP_BODY_LENGTH)
        body_item(env, h, h->body.length, NULL);
    body_clear(&h->body);
    eventscan_reset(&h->scan);
    h->mode = MODE_HTTP_HEAD;
    h->msg_start_ns = env->now_ns;
}

/* Read one chunk of p[0..n) with the decoder c, from c->offset on, and
 * no byte past its end: its size line, its data and the CRLF after them,
 * or, the last chunk, the trailer section and the empty line that end
 * the body.  1 when it came whole; 0 when the decoder found that the
 * bytes are not one; PROTO_PARTIAL when they ended first, and *wait says
 * whether the rest may be waited for: a size line (the decoder refuses
 * one longer than HTTP_CHUNK_LINE_MAX), data of at most
 * VIZ_RESYNC_CHECK_MAX, a trailer section of at most a head's length. */
static int chunk_whole(struct http_chunked *c, const char *p, size_t n, bool *wait)
{
    bool sized = false;                  /* its size line was read ... */
    uint64_t size = 0, trailers_from = 0; /* ... saying this; where it ended */
    while (c->offset < n) {
        uint64_t len = n - c->offset;
        if (size > 0 && http_chunked_chunk_left(c) < len)
            len = http_chunked_chunk_left(c); /* its data and CRLF, not what follows */
        if (sized && size == 0 && trailers_from + VIZ_HEAD_MAX - c->offset < len)
            len = trailers_from + VIZ_HEAD_MAX - c->offset; /* no more of a trailer section than is waited for */
        if (len == 0)
            break;
        struct http_chunk_item ci;
        if (http_chunked_feed(c, p + c->offset, (size_t)len, &ci, NULL) < 0)
            return 0;
        if (ci.kind == HTTP_CHUNK_END)
            return 1;
        if (ci.kind == HTTP_CHUNK_HEADER) {
            sized = true;
            size = ci.size;
            trailers_from = c->offset;
        }
        if (size > 0 && http_chunked_chunk_left(c) == 0)
            return 1;
    }
    *wait = !sized || (size > 0 ? size <= VIZ_RESYNC_CHECK_MAX : c->offset - trailers_from < VIZ_HEAD_MAX);
    return PROTO_PARTIAL;
}

/* 1 when a chunk starts at p[0..n): a size line, that many bytes, CRLF,
 * and then more bytes or the end of what we have (RFC 9112 §7.1); 0 when
 * not; PROTO_PARTIAL when more bytes are needed to tell.  The chunked
 * decoder reads them, as it reads every chunked body: only what it
 * accepts is a chunk.  `proof`: only what shows chunked framing beyond
 * doubt counts (chunks_unconfirmed): a chunk too long to wait for is not
 * taken on trust, and the bytes after it, if any, must be another whole
 * chunk (or one too long to wait for: one chunk shown whole and the start
 * of the next is the shape that event fields, parts and text do not take
 * by chance).  A last chunk after which more bytes came is no proof: the
 * body it ends holds nothing more to show. */
int http_chunk_at(const char *p, size_t n, bool proof)
{
    struct http_chunked c;
    http_chunked_init(&c);
    bool wait = true;
    int first = chunk_whole(&c, p, n, &wait);
    if (first == PROTO_PARTIAL)
        return wait ? PROTO_PARTIAL : proof ? 0 : 1; /* too long to wait for: taken on trust, unless proof is asked */
    if (first == 0 || !proof || c.offset == n)
        return first;
    uint64_t place_n;
    if (http_chunked_place(&c, &place_n) == CHUNKED_ENDED)
        return 0;
    int next = chunk_whole(&c, p, n, &wait);
    return next == PROTO_PARTIAL ? (wait ? PROTO_PARTIAL : 1) : next;
}

/* Does an HTTP head start at p[0..n): a status line (server), a request
 * line ending in " HTTP/1.x" (client)?  The body ended inside the gap. */
static bool head_at(enum item_dir dir, const char *p, size_t n)
{
    if (dir == DIR_S2C)
        return n >= 7 && memcmp(p, "HTTP/1.", 7) == 0;
    const char *eol = memchr(p, '\n', n);
    size_t len = eol ? (size_t)(eol - p) : 0;
    return len >= 10 && memcmp(p + len - (p[len - 1] == '\r') - 9, " HTTP/1.", 8) == 0;
}

/* The bytes after a cut head's gap show no chunks: its body is what its
 * lines said (cut_body), read to the close from here, or passed over to
 * the next head. */
static void read_unchunked(struct half *h)
{
    struct body_state *bs = &h->body;
    bs->chunk_lost = bs->chunks_unconfirmed = false;
    if (bs->else_until_close) {
        bs->kind = HTTP_BODY_UNTIL_CLOSE;
        return;
    }
    body_clear(bs);
    half_resync(h, h->buf.offset);
}

/* After a gap that broke the chunk framing: pass over bytes up to the
 * next line that starts a chunk, or the next message's head (the body
 * ended in the gap).  True when the chunk framing is back.  When the
 * body is not known to be chunked (chunks_unconfirmed), the same search
 * decides whether it is: a chunk found where reading resumes, or at a
 * line start after it (the gap ended inside a chunk's data), makes it
 * chunked; none in the bytes so far, and it is read as its head said,
 * from the first of them, which are kept until then. */
static bool chunk_resync(const struct dissect_env *env, struct half *h, bool *progress)
{
    struct body_state *bs = &h->body;
    const char *p = h->buf.data;
    size_t n = h->buf.len, i = 0;
    int found = 0;
    for (; i < n; i++) {
        if (i > 0 && p[i - 1] != '\n')
            continue; /* a size line starts a line (or the first byte after the gap) */
        if ((found = http_chunk_at(p + i, n - i, bs->chunks_unconfirmed)) != 0)
            break;
        if (head_at(h->dir, p + i, n - i)) {
            found = 2;
            break;
        }
    }
    if (bs->chunks_unconfirmed) {
        if (n == 0 || found == PROTO_PARTIAL)
            return false; /* not known yet: every byte waits */
        if (found == 0) {
            read_unchunked(h);
            *progress = true;
            return false;
        }
        bs->chunks_unconfirmed = false; /* chunks, or the next head: the search's find stands */
    }
    if (found == PROTO_PARTIAL || found == 0) {
        /* Keep what may still start a chunk; drop the rest. */
        size_t drop = found == PROTO_PARTIAL ? i : n;
        eventscan_feed(&h->scan, p, drop, h->buf.offset, env->emitter, env->flow, h->dir, env->now_ns);
        bytebuf_consume(&h->buf, drop);
        *progress = drop > 0;
        return false;
    }
    eventscan_feed(&h->scan, p, i, h->buf.offset, env->emitter, env->flow, h->dir, env->now_ns);
    bytebuf_consume(&h->buf, i);
    half_search_done(env, h, SEARCH_FOUND);
    *progress = true;
    eventscan_reset(&h->scan);
    if (found == 2) {
        body_clear(bs);
        h->mode = MODE_HTTP_HEAD;
        h->msg_start_ns = env->now_ns;
        return false;
    }
    http_chunked_init(&bs->chunked);
    bs->chunked.offset = h->buf.offset - bs->start;
    bs->chunk_lost = false;
    return true;
}

/* A `chunk` item: its size line at off, len bytes with its data and CRLF
 * (the last chunk's: with its trailer section), text, the first bytes of
 * its data as sent, and the last chunk's trailer fields (n_trailers of
 * them).  A chunk of a compressed body waits for the text its data
 * decodes to, and one whose data did not all come with its size line for
 * the rest of its text (coding_hold). */
static void chunk_item(const struct dissect_env *env, struct half *h, uint64_t off, uint64_t len,
                       uint64_t size, const char *text, size_t text_len,
                       const struct http_header *trailers, size_t n_trailers)
{
    struct item_builder b;
    struct item *it = half_item(&b, env, h, ITEM_CHUNK, off, len);
    item_add_int(it, "size", (int64_t)size);
    item_add_shown(it, "text", text, text_len, size);
    add_content_kind(it, h->body.content);
    if (n_trailers)
        add_field_lines(it, "trailers", trailers, n_trailers);
    if (!coding_hold(env, &h->body, it, size, text_len))
        emit_item(env->emitter, it);
}

/* The last chunk's item, which shows its trailer section (RFC 9112
 * §7.1.2: fields a server adds once the data is sent -- a checksum,
 * Server-Timing -- then the empty line that ends the body), tshark's
 * "trailer-part".  So it waits until the whole section is in the buffer
 * from `at` on: false while it must.  A section longer than a head may be
 * is not waited for, and one that does not parse as fields is not shown
 * (the decoder still reads it, and says what is wrong with it).  When the
 * stream stops inside the section (`cut`: closed, or the capture ended),
 * the lines that came whole are shown, as tshark shows them. */
static bool last_chunk_item(const struct dissect_env *env, struct half *h, uint64_t off,
                            uint64_t line_len, size_t at, bool cut)
{
    struct http_header trailers[HTTP_HEADERS_CAP];
    size_t n = 0;
    struct proto_err err = {0};
    long r = http_chunked_trailers(h->buf.data + at, h->buf.len - at, trailers,
                                   HTTP_HEADERS_CAP, &n, &err);
    bool partial = r == PROTO_PARTIAL;
    if (partial && !cut && h->buf.len - at < VIZ_HEAD_MAX)
        return false;
    if (r == PROTO_ERROR && err.code == 431) /* the decoder counts no lines: said here */
        half_error(env, h, "more trailer lines than a head may have: not shown", off + line_len, 0);
    /* Its span: the section read, or all that came of a cut one; else (not
     * shown) the CRLF an empty section is, as for any other chunk. */
    bool shown = r > 0 || (partial && cut);
    uint64_t section = r > 0 ? (uint64_t)r : shown ? h->buf.len - at : 2;
    chunk_item(env, h, off, line_len + section, 0, "", 0, trailers, shown ? n : 0);
    return true;
}

/* Chunked transfer coding: a `chunk` item per size line, data to content.
 * `cut`: the stream stops after these bytes (last_chunk_item). */
static bool chunked_step(const struct dissect_env *env, struct half *h, bool cut)
{
    struct body_state *bs = &h->body;
    bool progress = false;
    if (bs->chunk_lost && !chunk_resync(env, h, &progress))
        return progress;
    size_t pos = 0;
    bool ended = false;
    while (pos < h->buf.len && !ended) {
        struct http_chunk_item ci;
        struct proto_err err = {0};
        struct http_chunked before = bs->chunked; /* to read a last chunk again, trailers and all */
        long r = http_chunked_feed(&bs->chunked, h->buf.data + pos, h->buf.len - pos, &ci, &err);
        if (r < 0) {
            half_error(env, h, err.why, h->buf.offset + pos, 0);
            bytebuf_consume(&h->buf, pos);
            body_clear(bs);
            half_resync(h, h->buf.offset);
            return true;
        }
        pos += (size_t)r;
        switch (ci.kind) {
        case HTTP_CHUNK_HEADER: {
            uint64_t off = bs->start + ci.size_offset;
            uint64_t line_len = bs->chunked.offset - ci.size_offset;
            uint64_t len = line_len + ci.size + 2;
            if (ci.size == 0) {
                if (!last_chunk_item(env, h, off, line_len, pos, cut)) {
                    bs->chunked = before; /* its trailers are still coming: wait */
                    pos -= (size_t)r;
                    bytebuf_consume(&h->buf, pos);
                    return pos > 0 || progress;
                }
                break;
            }
            /* Its text: the first bytes of its data (those that came with
             * the size line, and the rest as they come: coding_hold), or,
             * when the body is compressed, what they decode to. */
            size_t have = h->buf.len - pos;
            chunk_item(env, h, off, len, ci.size, h->buf.data + pos, have < ci.size ? have : (size_t)ci.size,
                       NULL, 0);
            break;
        }
        case HTTP_CHUNK_DATA:
            coding_feed(env, h, bs, ci.data, ci.data_len, bs->start + ci.data_offset);
            break;
        case HTTP_CHUNK_END:
            ended = true;
            break;
        case HTTP_CHUNK_NONE:
            break;
        }
    }
    bytebuf_consume(&h->buf, pos);
    if (ended)
        end_body(h, env);
    return pos > 0 || ended;
}

bool http_body_step(const struct dissect_env *env, struct half *h)
{
    struct body_state *bs = &h->body;
    switch (bs->kind) {
    case HTTP_BODY_CHUNKED:
        return chunked_step(env, h, false);
    case HTTP_BODY_LENGTH: {
        size_t n = bs->remaining < h->buf.len ? (size_t)bs->remaining : h->buf.len;
        if (n)
            coding_feed(env, h, bs, h->buf.data, n, h->buf.offset);
        bytebuf_consume(&h->buf, n);
        bs->remaining -= n;
        if (bs->remaining == 0) {
            end_body(h, env);
            return true;
        }
        return n > 0;
    }
    case HTTP_BODY_UNTIL_CLOSE: {
        size_t n = h->buf.len;
        if (n)
            coding_feed(env, h, bs, h->buf.data, n, h->buf.offset);
        bytebuf_consume(&h->buf, n);
        return false;
    }
    case HTTP_BODY_NONE:
        break;
    }
    h->mode = MODE_HTTP_HEAD;
    return true;
}

bool http_body_skip(const struct dissect_env *env, struct half *h, uint64_t len)
{
    struct body_state *bs = &h->body;
    switch (bs->kind) {
    case HTTP_BODY_UNTIL_CLOSE:
        bs->lost += len;
        break;
    case HTTP_BODY_LENGTH:
        if (len >= bs->remaining) {
            /* It ended in the gap (or with it): its item says how much of
             * it was lost.  Where the next head starts is known only when
             * the gap ended with the body. */
            bool framing_kept = len == bs->remaining;
            bs->lost += bs->remaining;
            bs->remaining = 0;
            library_body_cut(env, h, SEARCH_GAP);
            body_item(env, h, bs->length, NULL);
            body_clear(bs);
            h->mode = MODE_HTTP_HEAD;
            return framing_kept;
        }
        bs->remaining -= len;
        bs->lost += len;
        break;
    case HTTP_BODY_CHUNKED:
        /* Inside one chunk's data the decoder just moves on; else the
         * next size line is looked for (chunked_step) after the gap, and a
         * size line the gap cut is said.  A search already running starts
         * again after it (what it had passed over was said, dissect_gap;
         * bytes it held back are in the buffer, which the gap empties). */
        if (bs->chunk_lost) {
            h->lost_from = h->buf.offset + h->buf.len + len;
        } else if (http_chunked_skip(&bs->chunked, len) < 0) {
            uint64_t line;
            if (http_chunked_place(&bs->chunked, &line) == CHUNKED_IN_SIZE_LINE)
                half_cut_short(env, h, h->buf.offset - line, line, "a chunk size line", SEARCH_GAP);
            bs->chunk_lost = true;
            h->lost_from = h->buf.offset + len;
        }
        break;
    case HTTP_BODY_NONE:
        return false;
    }
    if (coding_gap(env, &h->body))
        content_gap(env, h, &h->body, len);
    return true;
}

void http_body_cut(const struct dissect_env *env, struct half *h)
{
    if (h->body.kind == HTTP_BODY_CHUNKED && h->buf.len && !h->body.chunk_lost)
        chunked_step(env, h, true);
}

/* What the close cut of a chunked body.  Between chunks nothing of
 * the content is missing, only the last chunk that ends the body: when the
 * reader had left first (a browser's tab closed, an EventSource closed),
 * that is how a stream ends, and nothing is wrong; when the sender closed
 * while its reader was still there, the answer is incomplete (a browser
 * says net::ERR_INCOMPLETE_CHUNKED_ENCODING; an EventSource reconnects). */
static void chunked_closed(const struct dissect_env *env, struct half *h, bool reader_left)
{
    uint64_t n;
    switch (http_chunked_place(&h->body.chunked, &n)) {
    case CHUNKED_BETWEEN:
        if (!reader_left)
            half_error(env, h, "connection closed before the last chunk: the body is incomplete",
                       h->buf.offset, 0);
        break;
    case CHUNKED_IN_SIZE_LINE:
        half_cut_short(env, h, h->buf.offset - n, n, "a chunk size line", SEARCH_ENDED);
        break;
    case CHUNKED_IN_DATA:
        half_never_came(env, h, "a chunk", n);
        break;
    case CHUNKED_IN_TRAILERS:
        half_error(env, h, "connection closed inside the trailer section", h->buf.offset, 0);
        break;
    case CHUNKED_ENDED:
        break;
    }
}

void http_body_close(const struct dissect_env *env, struct half *h, enum dissect_end_how how,
                     bool reader_left)
{
    static const char *const end_name[] = {[END_CAPTURE] = "capture", [END_FIN] = "fin", [END_RST] = "rst"};
    struct body_state *bs = &h->body;
    bool closed = how != END_CAPTURE;
    if (bs->kind == HTTP_BODY_UNTIL_CLOSE)
        library_body_end(env, h); /* a body delimited by the close ends here */
    else if (closed)
        library_body_cut(env, h, SEARCH_ENDED); /* one of known length or chunks is cut short */
    if (bs->kind == HTTP_BODY_UNTIL_CLOSE && closed)
        coding_end(env, h, bs, h->buf.offset); /* the decoder's last bytes first */
    if (closed)
        content_closed(env, h, bs);
    /* A body of known length shows what came of it, as one the close
     * delimits does: the start of a poll's answer still reads as text. */
    uint64_t came = h->buf.offset - bs->start;
    if (bs->kind == HTTP_BODY_UNTIL_CLOSE || (bs->kind == HTTP_BODY_LENGTH && came))
        body_item(env, h, came, end_name[how]);
    if (closed && bs->kind == HTTP_BODY_LENGTH)
        half_never_came(env, h, "a message body", bs->remaining);
    else if (closed && bs->kind == HTTP_BODY_CHUNKED && !bs->chunk_lost)
        chunked_closed(env, h, reader_left); /* (a search the close cut was said: dissect_end) */
    body_clear(bs);
    h->mode = MODE_HTTP_HEAD;
}
