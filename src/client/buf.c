/* buf.c -- a growable byte buffer with a limit (buf.h).
 *
 * Ten thousand clients each hold a buffer, and most of the time it is
 * empty: so an empty buffer owns no memory at all, and a buffer is never
 * allowed past the limit its owner names (a server that never ends its
 * message must not eat the client's memory).
 */
#include "client/buf.h"

#include <stdlib.h>
#include <string.h>

bool buf_append(struct buf *b, const char *data, size_t n, size_t max)
{
    if (n > max || b->len > max - n)
        return false;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown)
            return false;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    return true;
}

void buf_drop(struct buf *b, size_t n)
{
    if (n >= b->len) {
        buf_free(b);
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
