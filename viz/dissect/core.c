/* core.c -- the helpers every dissector uses: a direction's state, made
 * when it is first needed; an item placed at its stream range in one
 * direction, an `error` item, a `chunk` item, a head's header fields as a
 * "headers" pairs field (unfolded); and the skipping and re-synchronising
 * that TLS and HTTP/2 records share.
 */
#include "dissect/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct http_limits observer_limits = {VIZ_HEAD_MAX, HTTP_HEADERS_CAP, VIZ_HEAD_MAX};

struct half *half_get(struct dissect *d, enum item_dir dir)
{
    struct half *h = d->half[dir];
    if (h)
        return h;
    /* aligned_alloc: the record starts at a cache line (core.h) */
    h = d->store ? d->store->take(d->store->ctx) : aligned_alloc(_Alignof(struct half), sizeof *h);
    if (!h)
        return NULL;
    memset(h, 0, sizeof *h);
    h->dir = dir;
    h->mode = d->resting[dir] ? MODE_HTTP_HEAD : MODE_DETECT;
    d->resting[dir] = false;
    bytebuf_init(&h->buf, VIZ_STREAM_KEEP);
    eventscan_init(&h->scan);
    return d->half[dir] = h;
}

enum half_mode half_mode(const struct dissect *d, enum item_dir dir)
{
    if (d->half[dir])
        return d->half[dir]->mode;
    return d->resting[dir] ? MODE_HTTP_HEAD : MODE_DETECT;
}

struct item *half_item(struct item_builder *b, const struct dissect_env *env, const struct half *h,
                       enum item_type type, uint64_t off, uint64_t len)
{
    struct item *it = item_start(b, type, env->flow, h->dir, env->now_ns);
    item_set_range(it, off, len);
    return it;
}

void half_error(const struct dissect_env *env, const struct half *h, const char *what,
                uint64_t off, uint64_t len)
{
    struct item_builder b;
    struct item *it = half_item(&b, env, h, ITEM_ERROR, off, len);
    item_add_str(it, "what", what);
    emit_item(env->emitter, it);
}

void half_passed_over(const struct dissect_env *env, const struct half *h, uint64_t from, uint64_t n,
                      const char *header, enum search_end how)
{
    static const char *const format[] = {
        [SEARCH_FOUND] = "%llu %s passed over to the next %s",
        [SEARCH_ENDED] = "%llu %s passed over: the stream ended before the next %s was found",
        [SEARCH_GAP] = "%llu %s passed over: a gap came before the next %s was found",
    };
    char what[112];
    snprintf(what, sizeof what, format[how], (unsigned long long)n, n == 1 ? "byte" : "bytes", header);
    half_error(env, h, what, from, n);
}

void half_cut_short(const struct dissect_env *env, const struct half *h, uint64_t from, uint64_t n,
                    const char *what, enum search_end how)
{
    char text[112];
    snprintf(text, sizeof text, "%llu %s of %s cut short by the %s", (unsigned long long)n,
             n == 1 ? "byte" : "bytes", what, how == SEARCH_GAP ? "gap" : "close");
    half_error(env, h, text, from, n);
}

void half_never_came(const struct dissect_env *env, const struct half *h, const char *what, uint64_t n)
{
    char text[112];
    snprintf(text, sizeof text, "connection closed inside %s: %llu of its bytes never came", what,
             (unsigned long long)n);
    half_error(env, h, text, h->buf.offset, 0);
}

void half_resync(struct half *h, uint64_t from)
{
    h->mode = MODE_RESYNC;
    h->lost_from = from;
}

/* What the search of h's mode looks for, for its messages. */
static const char *search_target(const struct half *h)
{
    switch (h->mode) {
    case MODE_TLS:
        return "TLS record header";
    case MODE_H2:
        return "HTTP/2 frame header";
    case MODE_WS_RESYNC:
        return "WebSocket frame header";
    case MODE_HTTP_BODY:
        return "chunk size line";
    case MODE_FLASH:
        return "NUL that ends a message";
    default: /* MODE_RESYNC */
        return h->dir == DIR_S2C ? "HTTP status line" : "HTTP request line";
    }
}

bool half_searching(const struct half *h)
{
    return h->mode == MODE_RESYNC || h->mode == MODE_WS_RESYNC ||
           ((h->mode == MODE_TLS || h->mode == MODE_H2) && h->rec_lost) ||
           (h->mode == MODE_HTTP_BODY && h->body.chunk_lost) ||
           (h->mode == MODE_FLASH && h->skip_to_nul);
}

void half_search_done(const struct dissect_env *env, struct half *h, enum search_end how)
{
    uint64_t at = how == SEARCH_FOUND ? h->buf.offset : h->buf.offset + h->buf.len;
    if (at > h->lost_from)
        half_passed_over(env, h, h->lost_from, at - h->lost_from, search_target(h), how);
}

void add_content_kind(struct item *it, enum content_kind kind)
{
    if (kind == CONTENT_SSE)
        item_add_str(it, "content", "sse");
    else if (kind == CONTENT_MULTIPART)
        item_add_str(it, "content", "multipart");
}

void add_field_lines(struct item *it, const char *field, const struct http_header *hs, size_t n)
{
    char unfolded[VIZ_ITEM_ARENA];
    item_add_pairs(it, field);
    for (size_t i = 0; i < n; i++) {
        /* A response's value that spans obs-folds is shown as a client
         * reads it, each fold one SP (RFC 9112 §5.2).  One longer than an
         * item can hold is passed as it is: item_pairs_append drops it. */
        struct slice v = hs[i].value;
        if (v.len <= sizeof unfolded)
            v = http_value_unfold(v, unfolded);
        item_pairs_append(it, hs[i].name.ptr, hs[i].name.len, v.ptr, v.len);
    }
}

/* ---- length-prefixed records ---- */

bool record_skip_step(struct half *h)
{
    size_t n = h->buf.len < h->rec_skip ? h->buf.len : h->rec_skip;
    bytebuf_consume(&h->buf, n);
    h->rec_skip -= (uint32_t)n;
    return n > 0;
}

bool record_skip_lost(struct half *h, uint64_t len)
{
    if (h->rec_lost || h->buf.len || len > h->rec_skip)
        return false;
    h->rec_skip -= (uint32_t)len;
    return true;
}

void record_lost(struct half *h, uint64_t at)
{
    h->rec_lost = true;
    h->rec_skip = 0;
    h->lost_from = at;
}

int record_run_plausible(record_length length, const uint8_t *p, size_t n, int depth)
{
    long whole = length(p, n);
    if (whole <= 0)
        return (int)whole;
    if ((size_t)whole > n)
        return PROTO_PARTIAL;
    if ((size_t)whole == n || depth == 0)
        return 1;
    return record_run_plausible(length, p + whole, n - (size_t)whole, depth - 1) == 0 ? 0 : 1;
}

bool record_resync_step(const struct dissect_env *env, struct half *h, record_length length)
{
    const uint8_t *p = (const uint8_t *)h->buf.data;
    size_t n = h->buf.len, i = 0;
    int found = 0;
    for (; i < n; i++) {
        found = record_run_plausible(length, p + i, n - i, 1);
        if (found == PROTO_PARTIAL && n - i >= VIZ_RESYNC_CHECK_MAX)
            found = 0; /* a record longer than can be waited for, to check what follows it */
        if (found != 0)
            break;
    }
    bytebuf_consume(&h->buf, i);
    if (found != 1)
        return i > 0;
    half_search_done(env, h, SEARCH_FOUND);
    h->rec_lost = false;
    return true;
}
