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
 */
#include "dissect/http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dissect/content.h"
#include "dissect/ws.h"

static const struct http_limits observer_limits = {VIZ_HEAD_MAX, HTTP_HEADERS_CAP, VIZ_HEAD_MAX};

void body_clear(struct body_state *b)
{
    free(b->sse);
    b->sse = NULL;
    bytebuf_reset(&b->parts, 0);
    b->kind = HTTP_BODY_NONE;
    b->parts_done = false;
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
    bytebuf_consume(&h->buf, 1); /* so the search starts past this head */
    h->mode = MODE_RESYNC;
    return true;
}

/* Enter the body described by `body` (or stay between messages). */
static void begin_body(struct half *h, const struct http_body *body, enum content_kind content,
                       struct slice boundary)
{
    body_clear(&h->body);
    h->body.kind = body->kind;
    h->body.remaining = body->length;
    h->body.start = h->buf.offset;
    h->body.decoded = 0;
    memset(&h->body.map, 0, sizeof h->body.map);
    http_chunked_init(&h->body.chunked);
    eventscan_reset(&h->scan);
    if (body->kind == HTTP_BODY_NONE || (body->kind == HTTP_BODY_LENGTH && body->length == 0)) {
        h->mode = MODE_HTTP_HEAD;
        return;
    }
    content_begin(h, content, boundary);
    h->mode = MODE_HTTP_BODY;
}

static bool request_step(struct dissect *d, const struct dissect_env *env, struct half *h)
{
    struct http_request req;
    struct proto_err err = {0};
    long r = http_parse_request(h->buf.data, h->buf.len, &observer_limits, &req, &err);
    if (r == PROTO_PARTIAL)
        return false;
    if (r < 0)
        return head_error(env, h, &err);

    struct item_builder b;
    struct item *it = half_item(&b, env, h, ITEM_HTTP_REQUEST, h->buf.offset, (uint64_t)r);
    item_add_text(it, "method", req.method.ptr, req.method.len);
    item_add_text(it, "target", req.target.ptr, req.target.len);
    add_version(it, req.minor_version);
    add_headers(it, req.headers, req.num_headers);
    item_add_int(it, "head_bytes", r);
    emit_item(env->emitter, it);

    /* Remember it for its response (the oldest is dropped when full). */
    if (d->pending_count == VIZ_PENDING_REQUESTS) {
        d->pending_first = (d->pending_first + 1) % VIZ_PENDING_REQUESTS;
        d->pending_count--;
    }
    struct pending_request *p = &d->pending[(d->pending_first + d->pending_count++) % VIZ_PENDING_REQUESTS];
    const struct slice *up = http_header_find(req.headers, req.num_headers, "Upgrade");
    p->sent_ns = env->now_ns;
    p->head = slice_eq(req.method, "HEAD");
    p->upgrade = up && http_list_has_token(*up, "websocket");

    struct flow_traits *t = &d->traits;
    uint64_t key = classify_path_key(env->server, req.path.ptr, req.path.len);
    if (t->requests == 0) {
        t->path_key = key;
        t->first_get = slice_eq(req.method, "GET");
    }
    if (key == t->path_key)
        t->same_path++;
    t->requests++;
    classify_note_request(env->classifier, key);

    struct http_body body;
    if (http_request_body(&req, &body, &err) < 0) {
        half_error(env, h, err.why, h->buf.offset, (uint64_t)r);
        body.kind = HTTP_BODY_NONE;
    }
    bytebuf_consume(&h->buf, (size_t)r); /* req's slices are invalid from here */
    begin_body(h, &body, CONTENT_PLAIN, (struct slice){NULL, 0});
    if (p->upgrade && h->mode == MODE_HTTP_HEAD)
        h->mode = MODE_WAIT_UPGRADE;
    return true;
}

/* The content kind a response's Content-Type asks for. */
static enum content_kind content_of(const struct http_response *res, struct slice *boundary)
{
    const struct slice *ct = http_header_find(res->headers, res->num_headers, "Content-Type");
    if (!ct)
        return CONTENT_PLAIN;
    if (ct->len >= 17 && strncasecmp(ct->ptr, "text/event-stream", 17) == 0)
        return CONTENT_SSE;
    if (ct->len >= 10 && strncasecmp(ct->ptr, "multipart/", 10) == 0 &&
        http_multipart_boundary(*ct, boundary) && boundary->len <= BOUNDARY_MAX)
        return CONTENT_MULTIPART;
    return CONTENT_PLAIN;
}

/* True when the Content-Type value contains word (case-insensitive). */
static bool type_has(const struct http_response *res, const char *word)
{
    const struct slice *ct = http_header_find(res->headers, res->num_headers, "Content-Type");
    size_t n = strlen(word);
    /* word is lower case: compare its first letter inline, and call
     * strncasecmp only where that letter is found. */
    for (size_t i = 0; ct && i + n <= ct->len; i++)
        if ((ct->ptr[i] | 0x20) == word[0] && strncasecmp(ct->ptr + i, word, n) == 0)
            return true;
    return false;
}

static bool response_step(struct dissect *d, const struct dissect_env *env, struct half *h)
{
    struct http_response res;
    struct proto_err err = {0};
    long r = http_parse_response(h->buf.data, h->buf.len, &observer_limits, &res, &err);
    if (r == PROTO_PARTIAL)
        return false;
    if (r < 0)
        return head_error(env, h, &err);

    struct pending_request *req = d->pending_count ? &d->pending[d->pending_first] : NULL;
    struct item_builder b;
    struct item *it = half_item(&b, env, h, ITEM_HTTP_RESPONSE, h->buf.offset, (uint64_t)r);
    item_add_int(it, "status", res.status);
    item_add_text(it, "reason", res.reason.ptr, res.reason.len);
    add_version(it, res.minor_version);
    add_headers(it, res.headers, res.num_headers);
    item_add_int(it, "head_bytes", r);
    double response_ms = req ? (double)(h->msg_start_ns - req->sent_ns) / 1e6 : -1;
    if (req)
        item_add_ms(it, "response_ms", response_ms);
    else
        item_add_null(it, "response_ms");
    emit_item(env->emitter, it);

    struct half *client = &d->half[DIR_C2S];
    const struct slice *up = http_header_find(res.headers, res.num_headers, "Upgrade");
    if (res.status == 101 && up && http_list_has_token(*up, "websocket")) {
        d->traits.websocket = true;
        d->pending_count = 0;
        bytebuf_consume(&h->buf, (size_t)r);
        ws_start(h);
        ws_start(client);
        return true;
    }
    if (res.status >= 100 && res.status < 200) {
        bytebuf_consume(&h->buf, (size_t)r);
        h->msg_start_ns = env->now_ns;
        return true; /* interim: the final response is still to come */
    }
    bool was_head = req && req->head;
    if (req) { /* answered: off the queue */
        d->pending_first = (d->pending_first + 1) % VIZ_PENDING_REQUESTS;
        d->pending_count--;
    }
    if (client->mode == MODE_WAIT_UPGRADE)
        client->mode = MODE_HTTP_HEAD; /* the upgrade was refused: more HTTP may follow */

    struct flow_traits *t = &d->traits;
    t->responses++;
    if (response_ms >= VIZ_LONGPOLL_HOLD_MS)
        t->held++;
    if (type_has(&res, "javascript"))
        t->javascript = true;

    struct http_body body;
    if (http_response_body(&res, was_head, &body, &err) < 0) {
        half_error(env, h, err.why, h->buf.offset, (uint64_t)r);
        bytebuf_consume(&h->buf, (size_t)r);
        h->mode = MODE_RESYNC;
        return true;
    }
    struct slice boundary = {NULL, 0};
    enum content_kind content = content_of(&res, &boundary);
    if (content == CONTENT_SSE)
        t->event_stream = true;
    if (content == CONTENT_MULTIPART)
        t->multipart = true;
    if (body.kind == HTTP_BODY_CHUNKED || body.kind == HTTP_BODY_UNTIL_CLOSE) {
        t->streams++;
        if (type_has(&res, "text/html"))
            t->html_stream = true;
    }
    char saved[BOUNDARY_MAX]; /* the boundary outlives the head's bytes, consumed next */
    memcpy(saved, boundary.ptr ? boundary.ptr : "", boundary.len);
    boundary.ptr = saved;
    bytebuf_consume(&h->buf, (size_t)r); /* res's slices are invalid from here */
    begin_body(h, &body, content, boundary);
    h->msg_start_ns = env->now_ns;
    return true;
}

bool http_head_step(struct dissect *d, const struct dissect_env *env, struct half *h)
{
    return h->dir == DIR_C2S ? request_step(d, env, h) : response_step(d, env, h);
}

static void end_body(struct half *h, const struct dissect_env *env)
{
    body_clear(&h->body);
    eventscan_reset(&h->scan);
    h->mode = MODE_HTTP_HEAD;
    h->msg_start_ns = env->now_ns;
}

/* Chunked transfer coding: a `chunk` item per size line, data to content. */
static bool chunked_step(const struct dissect_env *env, struct half *h)
{
    struct body_state *bs = &h->body;
    size_t pos = 0;
    bool ended = false;
    while (pos < h->buf.len && !ended) {
        struct http_chunk_item ci;
        struct proto_err err = {0};
        long r = http_chunked_feed(&bs->chunked, h->buf.data + pos, h->buf.len - pos, &ci, &err);
        if (r < 0) {
            half_error(env, h, err.why, h->buf.offset + pos, 0);
            bytebuf_consume(&h->buf, pos);
            body_clear(bs);
            h->mode = MODE_RESYNC;
            return true;
        }
        pos += (size_t)r;
        switch (ci.kind) {
        case HTTP_CHUNK_HEADER: {
            uint64_t line = bs->chunked.offset - ci.size_offset;
            struct item_builder b;
            struct item *it = half_item(&b, env, h, ITEM_CHUNK, bs->start + ci.size_offset,
                                        line + ci.size + 2);
            item_add_int(it, "size", (int64_t)ci.size);
            emit_item(env->emitter, it);
            break;
        }
        case HTTP_CHUNK_DATA:
            content_feed(env, h, ci.data, ci.data_len, bs->start + ci.data_offset);
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
        return chunked_step(env, h);
    case HTTP_BODY_LENGTH: {
        size_t n = bs->remaining < h->buf.len ? (size_t)bs->remaining : h->buf.len;
        if (n)
            content_feed(env, h, h->buf.data, n, h->buf.offset);
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
            content_feed(env, h, h->buf.data, n, h->buf.offset);
        bytebuf_consume(&h->buf, n);
        return false;
    }
    case HTTP_BODY_NONE:
        break;
    }
    h->mode = MODE_HTTP_HEAD;
    return true;
}

bool http_body_skip(struct half *h, uint64_t len)
{
    struct body_state *bs = &h->body;
    if (bs->kind == HTTP_BODY_UNTIL_CLOSE)
        return bs->content == CONTENT_PLAIN;
    if (bs->kind != HTTP_BODY_LENGTH || len > bs->remaining || bs->content != CONTENT_PLAIN)
        return false;
    bs->remaining -= len;
    if (bs->remaining == 0) {
        body_clear(bs);
        h->mode = MODE_HTTP_HEAD;
    }
    return true;
}
