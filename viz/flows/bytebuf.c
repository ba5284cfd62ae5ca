/* bytebuf.c -- see bytebuf.h.  Consuming moves the remaining bytes to the
 * front: buffers here are small (a head, a frame header, an event's worth
 * of body), so the copy is cheaper than the bookkeeping of a ring. */
#include "flows/bytebuf.h"

#include <stdlib.h>
#include <string.h>

void bytebuf_init(struct bytebuf *b, size_t cap)
{
    memset(b, 0, sizeof *b);
    b->cap = cap;
}

void bytebuf_free(struct bytebuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->size = 0;
}

bool bytebuf_append(struct bytebuf *b, const void *p, size_t n)
{
    if (n > b->cap - b->len)
        return false;
    if (b->len + n > b->size) {
        size_t size = b->size ? b->size : 256;
        while (size < b->len + n)
            size *= 2;
        if (size > b->cap)
            size = b->cap;
        char *d = realloc(b->data, size);
        if (!d)
            return false;
        b->data = d;
        b->size = size;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return true;
}

void bytebuf_consume(struct bytebuf *b, size_t n)
{
    if (n > b->len)
        n = b->len;
    if (b->len > n)
        memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->offset += n;
}

void bytebuf_reset(struct bytebuf *b, uint64_t off)
{
    b->len = 0;
    b->offset = off;
}
