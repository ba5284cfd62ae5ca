/* buf.h -- a growable byte buffer with a limit, for decoded body bytes a
 * technique keeps until a whole event (or part, or message) is there. */
#ifndef CLIENT_BUF_H
#define CLIENT_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
    char *data;     /* owned; NULL while empty */
    size_t len;     /* bytes held */
    size_t cap;     /* bytes allocated */
};

/* Append data[0..n); false when the result would pass max (or no memory). */
bool buf_append(struct buf *b, const char *data, size_t n, size_t max);
/* Drop the first n bytes (all of them when n >= len; the memory goes back). */
void buf_drop(struct buf *b, size_t n);
/* Free everything. */
void buf_free(struct buf *b);

#endif
