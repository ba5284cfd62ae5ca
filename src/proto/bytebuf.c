/* bytebuf.c -- the byte buffer every part of pushlab keeps bytes in (see
 * bytebuf.h for the rules).
 *
 * Consuming only moves `data` forward; the held bytes are moved back to
 * the front of the allocation when the room behind them runs out, which
 * costs at most one copy of what is held per time the room is used up.
 * Growing doubles the allocation (from BYTEBUF_FIRST), but never past the
 * cap: a buffer capped at 1 KiB never allocates more than 1 KiB.
 */
#include "proto/bytebuf.h"

#include <stdlib.h>
#include <string.h>

#define BYTEBUF_FIRST 256 /* the first allocation, unless the cap is smaller */

void bytebuf_init(struct bytebuf *b, size_t cap)
{
    memset(b, 0, sizeof *b);
    b->cap = cap;
}

void bytebuf_free(struct bytebuf *b)
{
    free(b->mem);
    b->mem = b->data = NULL;
    b->len = b->size = 0;
}

bool bytebuf_reserve(struct bytebuf *b, size_t n)
{
    size_t left = b->len < b->cap ? b->cap - b->len : 0;
    size_t want = n < left ? n : left;
    if (bytebuf_room(b) >= want)
        return true;
    /* First use the room in front: move the held bytes there. */
    if (b->data != b->mem) {
        memmove(b->mem, b->data, b->len);
        b->data = b->mem;
        if (b->size - b->len >= want)
            return true;
    }
    size_t need = b->len + want; /* <= cap */
    size_t size = b->size ? b->size : BYTEBUF_FIRST;
    while (size < need)
        size = size <= SIZE_MAX / 2 ? size * 2 : need;
    if (size > b->cap)
        size = b->cap;
    char *grown = realloc(b->mem, size);
    if (!grown)
        return false;
    b->mem = b->data = grown;
    b->size = size;
    return true;
}

bool bytebuf_append(struct bytebuf *b, const void *p, size_t n)
{
    if (b->len > b->cap || n > b->cap - b->len)
        return false;
    if (n == 0)
        return true;
    if (!bytebuf_reserve(b, n))
        return false;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return true;
}

void bytebuf_consume(struct bytebuf *b, size_t n)
{
    if (n > b->len)
        n = b->len;
    b->len -= n;
    b->offset += n;
    b->data = b->len ? b->data + n : b->mem;
}

void bytebuf_reset(struct bytebuf *b, uint64_t off)
{
    b->len = 0;
    b->data = b->mem;
    b->offset = off;
}

void bytebuf_lend(struct bytebuf *b, const void *p, size_t n, uint64_t off)
{
    b->data = (char *)p; /* only read until bytebuf_keep */
    b->len = n;
    b->offset = off;
}

bool bytebuf_keep(struct bytebuf *b)
{
    if (b->len == 0) {
        b->data = b->mem;
        return true;
    }
    const char *lent = b->data;
    size_t n = b->len;
    b->data = b->mem;
    b->len = 0;
    if (bytebuf_append(b, lent, n))
        return true;
    b->data = (char *)lent; /* still lent: the caller decides */
    b->len = n;
    return false;
}

void bytebuf_swap(struct bytebuf *a, struct bytebuf *b)
{
    struct bytebuf t = *a;
    a->data = b->data;
    a->len = b->len;
    a->mem = b->mem;
    a->size = b->size;
    b->data = t.data;
    b->len = t.len;
    b->mem = t.mem;
    b->size = t.size;
}
