/* core.c -- the helpers every dissector uses: a direction's state, made
 * when it is first needed; an item placed at its stream range in one
 * direction, an `error` item, a `chunk` item, and a head's header fields
 * as a "headers" pairs field.
 */
#include "dissect/core.h"

#include <stdlib.h>
#include <string.h>

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

void chunk_item(const struct dissect_env *env, const struct half *h, uint64_t off, uint64_t len,
                uint64_t size, const char *text, size_t text_len)
{
    struct item_builder b;
    struct item *it = half_item(&b, env, h, ITEM_CHUNK, off, len);
    item_add_int(it, "size", (int64_t)size);
    item_add_text(it, "text", text, text_len < VIZ_PAYLOAD_SHOWN ? text_len : VIZ_PAYLOAD_SHOWN);
    emit_item(env->emitter, it);
}

void add_headers(struct item *it, const struct http_header *hs, size_t n)
{
    item_add_pairs(it, "headers");
    for (size_t i = 0; i < n; i++)
        item_pairs_append(it, hs[i].name.ptr, hs[i].name.len, hs[i].value.ptr, hs[i].value.len);
}
