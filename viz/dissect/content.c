/* content.c -- what a response body says, once its transfer
 * framing (Content-Length or chunks) is off: Server-Sent Events
 * (text/event-stream, read with the shared WHATWG parser), the parts of a
 * multipart/x-mixed-replace body (RFC 2046 §5.1), or plain payload in which
 * only pushlab events are looked for (JSON, JSONP, HTML <script> chunks,
 * NDJSON).
 *
 * Chunk framing makes the decoded offset of a byte differ from its stream
 * offset; an offset map of the last pieces fed translates one into the
 * other, so every item still points at its bytes on the wire.
 *
 * A gap, or the close, stops a reader where it is.  What it held of a
 * message that can no longer end (an event, a part) is said then, since
 * nothing else would ever show those bytes; the close also ends a
 * multipart stream's last part, as a browser ends it.
 */
#include "dissect/content.h"
#include "dissect/library.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- decoded offset -> stream offset ---- */

static void offmap_add(struct offmap *m, uint64_t decoded, uint64_t stream)
{
    if (!m)
        return;
    /* A piece that continues the last one (no framing between them: a
     * Content-Length body, or one chunk's data in several segments) needs
     * no slot of its own, so the slots last for many pieces. */
    unsigned last = (m->next + OFFMAP_SIZE - 1) % OFFMAP_SIZE;
    if (m->used && (m->coded ? stream == m->stream[last]
                             : stream - m->stream[last] == decoded - m->decoded[last]))
        return;
    m->decoded[m->next] = decoded;
    m->stream[m->next] = stream;
    m->next = (m->next + 1) % OFFMAP_SIZE;
    if (m->used < OFFMAP_SIZE)
        m->used++;
}

/* The stream offset of decoded byte x (the oldest piece's start when x is
 * older than every remembered piece; x itself without a map).  Bytes a
 * content decoder made map to the start of the coded piece they came
 * out of: which coded byte made which is not known. */
static uint64_t offmap_find(const struct offmap *m, uint64_t x)
{
    if (!m)
        return x;
    uint64_t best = 0;
    for (unsigned i = 0; i < m->used; i++) {
        unsigned slot = (m->next + OFFMAP_SIZE - 1 - i) % OFFMAP_SIZE;
        best = m->stream[slot];
        if (m->decoded[slot] <= x)
            return m->stream[slot] + (m->coded ? 0 : x - m->decoded[slot]);
    }
    return best;
}

/* ---- starting a body's content ---- */

/* A fresh event-stream parser that also stops at heartbeat blocks. */
static void sse_start(struct body_state *bs)
{
    sse_parser_init(bs->sse, (char *)(bs->sse + 1), VIZ_BODY_KEEP);
    bs->sse->report_quiet = true;
}

void content_begin(struct body_state *bs, enum content_kind kind, struct slice boundary)
{
    bs->content = kind;
    if (kind == CONTENT_SSE) {
        /* One allocation: the parser, then its data buffer. */
        bs->sse = malloc(sizeof *bs->sse + VIZ_BODY_KEEP);
        if (!bs->sse) {
            bs->content = CONTENT_PLAIN;
            return;
        }
        sse_start(bs);
        bs->sse_skip_line = bs->sse_skip_block = false;
    } else if (kind == CONTENT_MULTIPART) {
        if (!bs->multipart && (bs->multipart = malloc(sizeof *bs->multipart)))
            bytebuf_init(&bs->multipart->parts, 2 * VIZ_MULTIPART_MAX);
        if (!bs->multipart) {
            bs->content = CONTENT_PLAIN;
            return;
        }
        struct multipart_state *m = bs->multipart;
        memcpy(m->boundary, boundary.ptr, boundary.len);
        m->boundary_len = boundary.len;
        m->done = m->lost = false;
        bytebuf_reset(&m->parts, 0);
    }
}

/* ---- Server-Sent Events ---- */

/* Where the line that begins p[0..n) ends (its CR or LF), or NULL. */
static const char *line_end(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\n' || p[i] == '\r')
            return p + i;
    return NULL;
}

/* A limit was passed at the byte just before the parser's offset: report
 * it there, and start a fresh parser.  The bad block is lost; the fresh
 * parser begins with the next line, so the rest of the bad line (unless
 * the failing byte ended it) is skipped first, in this piece or later ones. */
static void sse_restart(const struct dissect_env *env, struct half *h, struct body_state *bs,
                        const char *why, char failing_byte)
{
    uint64_t offset = bs->sse->offset;
    half_error(env, h, why, offmap_find(bs->map, offset - 1), 0);
    sse_start(bs);
    bs->sse->offset = offset; /* it goes on counting stream bytes */
    bs->sse_skip_line = failing_byte != '\n' && failing_byte != '\r';
}

/* After a gap: drop lines up to and including the next blank one, which
 * ends whatever block the lost bytes were part of (WHATWG: "If the line
 * is empty, dispatch the event").  Returns the bytes dropped. */
static size_t sse_skip_block(const struct dissect_env *env, struct half *h, struct body_state *bs,
                             const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        char c = p[i++];
        if (c == '\n' && bs->sse_last_cr) { /* the LF of a CRLF: the same line end */
            bs->sse_last_cr = false;
            continue;
        }
        bs->sse_last_cr = c == '\r';
        if (c != '\n' && c != '\r') {
            bs->sse_line_empty = false;
        } else if (!bs->sse_line_empty) {
            bs->sse_line_empty = true; /* a line ended; the next may be the blank one */
        } else {
            bs->sse_skip_block = false;
            break;
        }
    }
    bs->sse->offset += i;
    if (!bs->sse_skip_block)
        half_passed_over(env, h, offmap_find(bs->map, bs->lost_from), bs->sse->offset - bs->lost_from,
                         "blank line", SEARCH_FOUND);
    return i;
}

/* Does p start a field line ("data:", "id:", "event:", "retry:") or a
 * comment?  Servers write an event at a time, so the bytes after a gap
 * usually begin a block: then nothing needs to be passed over. */
static bool starts_block(const char *p, size_t n)
{
    static const char *const fields[] = {":", "data:", "id:", "event:", "retry:", "data\n", "data\r"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        size_t k = strlen(fields[i]);
        if (n >= k && memcmp(p, fields[i], k) == 0)
            return true;
    }
    return false;
}

/* One step of the event stream p[0..n): skip the rest of a bad line, or
 * parse up to the next dispatch (emitting its `sse_event`) or error.
 * Returns the bytes used (at least one). */
static size_t sse_step(const struct dissect_env *env, struct half *h, struct body_state *bs,
                       const char *p, size_t n)
{
    if (bs->sse_skip_block && bs->sse->offset == bs->lost_from && starts_block(p, n))
        bs->sse_skip_block = false; /* the first byte after the gap starts a block */
    if (bs->sse_skip_block)
        return sse_skip_block(env, h, bs, p, n);
    if (bs->sse_skip_line) {
        const char *end = line_end(p, n);
        size_t skip = end ? (size_t)(end - p) + 1 : n;
        bs->sse->offset += skip;
        bs->sse_skip_line = end == NULL;
        return skip;
    }
    struct sse_event ev = {.quiet = false};
    bool dispatched = false;
    struct proto_err err = {0};
    uint64_t at = bs->sse->offset;
    long r = sse_parse(bs->sse, p, n, &ev, &dispatched, &err);
    if (r < 0) {
        /* The parser consumed the bytes up to and including the failing one. */
        size_t used = (size_t)(bs->sse->offset - at);
        sse_restart(env, h, bs, err.why, p[used - 1]);
        return used;
    }
    if (!dispatched && !ev.quiet)
        return (size_t)r;
    /* The block runs on the wire from its first byte to its blank line,
     * whatever framing came in between (chunk size lines, other HTTP/2
     * streams' frames); its own bytes are those the parser read, which
     * its `bytes` counts: all of them for a heartbeat, the field names
     * and line ends besides the data for an event. */
    uint64_t off = offmap_find(bs->map, ev.offset);
    uint64_t end = offmap_find(bs->map, bs->sse->offset - 1) + 1;
    int64_t block_bytes = (int64_t)(bs->sse->offset - ev.offset);
    struct item_builder b;
    if (ev.quiet) {
        /* Heartbeats and retry: lines: bytes that dispatch no event. */
        struct item *it = half_item(&b, env, h, ITEM_SSE_COMMENT, off, end - off);
        item_add_int(it, "bytes", block_bytes);
        const char *text = ev.comment;
        size_t len = ev.comment_len;
        if (len && text[0] == ' ') { /* ": ping" reads as "ping" */
            text++;
            len--;
        }
        item_add_text(it, "text", text, len);
        if (ev.retry_ms >= 0)
            item_add_int(it, "retry", ev.retry_ms);
        else
            item_add_null(it, "retry");
        emit_item(env->emitter, it);
        return (size_t)r;
    }
    struct item *it = half_item(&b, env, h, ITEM_SSE_EVENT, off, end - off);
    if (ev.id_set)
        item_add_str(it, "id", ev.id);
    else
        item_add_null(it, "id");
    item_add_str(it, "event", ev.type);
    item_add_text(it, "data", ev.data, ev.data_len);
    if (ev.retry_ms >= 0)
        item_add_int(it, "retry", ev.retry_ms);
    else
        item_add_null(it, "retry");
    item_add_int(it, "bytes", block_bytes);
    emit_item(env->emitter, it);
    if (h->lib.wrap == WRAP_MESSAGE) /* SockJS eventsource: a frame per event */
        library_message(env, h, ev.data, ev.data_len, off);
    return (size_t)r;
}

/* p[0..n) sits at stream_off.  Pushlab events are looked for in the raw
 * lines, right after each step (so after the `sse_event` whose data holds
 * them): there each one has its true stream offset, which the joined data
 * of a block has lost.  The event object holds no line break, so it is
 * always whole on one data line. */
static void sse_feed(const struct dissect_env *env, struct half *h, struct body_state *bs,
                     const char *p, size_t n, uint64_t stream_off)
{
    while (n > 0) {
        size_t used = sse_step(env, h, bs, p, n);
        eventscan_feed(&h->scan, p, used, stream_off, env->emitter, env->flow, h->dir, env->now_ns);
        p += used;
        n -= used;
        stream_off += used;
    }
}

/* ---- a whole body's first bytes ---- */

/* Keep the first bytes of a whole body for its `body` item, up to its
 * first gap. */
static void body_keep(struct body_state *bs, const char *p, size_t n)
{
    struct body_text *t = bs->text;
    if (n == 0 || !t || bs->lost || t->len == sizeof t->bytes)
        return; /* (an empty buffer may hold no memory at all: p is NULL then) */
    size_t take = sizeof t->bytes - t->len < n ? sizeof t->bytes - t->len : n;
    memcpy(t->bytes + t->len, p, take);
    t->len += take;
}

/* ---- multipart/x-mixed-replace ---- */

/* The parts whole in the buffer, as items; last: the stream ended, so the
 * part it cut ends there (http_parse_last_part). */
static void multipart_parts(const struct dissect_env *env, struct half *h, struct body_state *bs,
                            bool last)
{
    struct multipart_state *m = bs->multipart;
    struct slice boundary = {m->boundary, m->boundary_len};
    for (;;) {
        struct http_part part;
        struct proto_err err = {0};
        long r = (last ? http_parse_last_part : http_parse_part)(m->parts.data, m->parts.len, boundary,
                                                                 VIZ_MULTIPART_MAX, &part, &err);
        if (r == PROTO_PARTIAL)
            return;
        uint64_t off = offmap_find(bs->map, m->parts.offset);
        if (r < 0) {
            half_error(env, h, err.why, off, m->parts.len);
            bytebuf_consume(&m->parts, m->parts.len);
            return;
        }
        if (m->lost && part.delimiter_offset)
            half_passed_over(env, h, off, part.delimiter_offset, "multipart delimiter", SEARCH_FOUND);
        m->lost = false;
        if (part.body.ptr == NULL) { /* the close delimiter */
            m->done = true;
            bytebuf_consume(&m->parts, m->parts.len);
            return;
        }
        struct item_builder b;
        uint64_t at = offmap_find(bs->map, m->parts.offset + part.delimiter_offset);
        struct item *it = half_item(&b, env, h, ITEM_PART, at, (uint64_t)r - part.delimiter_offset);
        item_add_text(it, "boundary", m->boundary, m->boundary_len);
        add_field_lines(it, "headers", part.headers, part.num_headers);
        item_add_int(it, "size", (int64_t)part.body.len);
        item_add_shown(it, "text", part.body.ptr, part.body.len, part.body.len);
        emit_item(env->emitter, it);
        uint64_t body_off = offmap_find(bs->map, m->parts.offset + part.body_offset);
        eventscan_reset(&h->scan);
        eventscan_feed(&h->scan, part.body.ptr, part.body.len, body_off, env->emitter, env->flow,
                       h->dir, env->now_ns);
        eventscan_reset(&h->scan);
        bytebuf_consume(&m->parts, (size_t)r);
    }
}

static void multipart_feed(const struct dissect_env *env, struct half *h, struct body_state *bs,
                           const char *p, size_t n)
{
    struct multipart_state *m = bs->multipart;
    if (m->done)
        return;
    if (m->parts.len == 0)
        bytebuf_reset(&m->parts, bs->decoded);
    if (!bytebuf_append(&m->parts, p, n)) {
        half_error(env, h, "multipart part larger than the limit",
                   offmap_find(bs->map, m->parts.offset), 0);
        bytebuf_reset(&m->parts, bs->decoded + n);
        return;
    }
    multipart_parts(env, h, bs, false);
}

void content_feed(const struct dissect_env *env, struct half *h, struct body_state *bs, const char *p,
                  size_t n, uint64_t stream_off)
{
    offmap_add(bs->map, bs->decoded, stream_off);
    switch (bs->content) {
    case CONTENT_SSE:
        sse_feed(env, h, bs, p, n, stream_off);
        break;
    case CONTENT_MULTIPART:
        multipart_feed(env, h, bs, p, n);
        break;
    case CONTENT_PLAIN:
        body_keep(bs, p, n);
        if (h->lib.wrap == WRAP_LINES || h->lib.wrap == WRAP_SCRIPT || h->lib.wrap == WRAP_PAYLOAD)
            library_body_feed(env, h, p, n, stream_off);
        eventscan_feed(&h->scan, p, n, stream_off, env->emitter, env->flow, h->dir, env->now_ns);
        break;
    }
    bs->decoded += n;
}

/* A gap (SEARCH_GAP) or the close (SEARCH_ENDED) stops an event stream
 * where it is: the event begun before it is never dispatched (WHATWG: an
 * event the end of the stream cuts is discarded), and a search for the
 * blank line after an earlier gap ends unfinished.  Either is said. */
static void sse_cut(const struct dissect_env *env, const struct half *h, struct body_state *bs,
                    enum search_end how)
{
    uint64_t begun, at = bs->sse->offset;
    if (bs->sse_skip_block) {
        if (at > bs->lost_from)
            half_passed_over(env, h, offmap_find(bs->map, bs->lost_from), at - bs->lost_from, "blank line",
                             how);
    } else if (!bs->sse_skip_line && sse_block_open(bs->sse, &begun) && at > begun) {
        half_cut_short(env, h, offmap_find(bs->map, begun), at - begun, "an event", how);
    }
}

/* Only line ends: what a part read by its length, or a last part, may
 * leave after it, no part of a message. */
static bool only_line_ends(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != '\r' && p[i] != '\n')
            return false;
    return true;
}

/* A gap (SEARCH_GAP) or the close (SEARCH_ENDED) stops a multipart body
 * where it is: what the parser holds is a part it cut, or what the search
 * for the next delimiter after an earlier gap had passed over.  Either is
 * said, and dropped. */
static void multipart_cut(const struct dissect_env *env, const struct half *h, struct body_state *bs,
                          enum search_end how)
{
    struct multipart_state *m = bs->multipart;
    if (m->parts.len && !only_line_ends(m->parts.data, m->parts.len)) {
        uint64_t off = offmap_find(bs->map, m->parts.offset);
        if (m->lost)
            half_passed_over(env, h, off, m->parts.len, "multipart delimiter", how);
        else
            half_cut_short(env, h, off, m->parts.len, "a multipart part", how);
    }
    bytebuf_reset(&m->parts, 0);
}

void content_closed(const struct dissect_env *env, struct half *h, struct body_state *bs)
{
    if (bs->content == CONTENT_SSE) {
        sse_cut(env, h, bs, SEARCH_ENDED);
    } else if (bs->content == CONTENT_MULTIPART && !bs->multipart->done) {
        /* Many servers end a multipart stream by closing it, without the
         * close delimiter: its last part ends with the stream (a browser
         * shows it then).  What is left is a part the close cut, or a
         * search after a gap that it ended. */
        multipart_parts(env, h, bs, true);
        multipart_cut(env, h, bs, SEARCH_ENDED);
    }
}

void content_gap(const struct dissect_env *env, const struct half *h, struct body_state *bs,
                 uint64_t len)
{
    bs->decoded += len;
    switch (bs->content) {
    case CONTENT_SSE: {
        /* The block the lost bytes broke can never be dispatched; then a
         * fresh parser. */
        sse_cut(env, h, bs, SEARCH_GAP);
        uint64_t offset = bs->sse->offset + len;
        sse_start(bs);
        bs->sse->offset = offset;
        bs->sse_skip_line = false;
        bs->sse_skip_block = true;
        bs->sse_line_empty = false; /* the bytes after the gap may end a line that began in it */
        bs->sse_last_cr = false;
        bs->lost_from = offset;
        break;
    }
    case CONTENT_MULTIPART:
        /* After the gap the part parser passes over anything before the
         * next delimiter (as a preamble), and says so. */
        multipart_cut(env, h, bs, SEARCH_GAP);
        bs->multipart->lost = true;
        break;
    case CONTENT_PLAIN:
        break;
    }
}
