/* shbuf.c -- reference-counted shared bytes (see shbuf.h for why).
 *
 * The header and the bytes are one allocation, so holding a shared event
 * costs a connection one pointer and no allocation of its own.
 */
#include "net/shbuf.h"

#include <stdint.h>
#include <stdlib.h>

struct shbuf *shbuf_new(size_t len)
{
    if (len > SIZE_MAX - sizeof(struct shbuf))
        return NULL;
    struct shbuf *b = malloc(sizeof *b + len);
    if (!b)
        return NULL;
    b->refs = 1;
    b->len = len;
    return b;
}

struct shbuf *shbuf_hold(struct shbuf *b)
{
    b->refs++;
    return b;
}

void shbuf_drop(struct shbuf *b)
{
    if (b && --b->refs == 0)
        free(b);
}
