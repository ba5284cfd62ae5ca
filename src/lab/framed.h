/* framed.h -- a hub event framed once, its bytes shared by every client.
 *
 * The hub calls every subscriber with the same event, and each one frames
 * it for its connection: an SSE block, a WebSocket frame, an HTML chunk.
 * For one technique those bytes are identical on every connection, so the
 * first subscriber to see an event frames it into a reference-counted
 * buffer (net/shbuf.h) and the others find it here and queue the same
 * buffer (conn_write_shared): one framing and no copy per client, however
 * many clients there are.  The bytes on the wire are the same as if each
 * had framed its own.
 *
 * A cache holds the newest event framed: the hub hands each event to
 * everybody before the next one, so one slot is enough.  The cache owns
 * one reference; the buffer stays alive while any connection's queue
 * holds another.
 */
#ifndef LAB_FRAMED_H
#define LAB_FRAMED_H

#include <stdint.h>

#include "net/shbuf.h"

struct framed {
    uint64_t seq;        /* the event the bytes belong to (0: none yet) */
    struct shbuf *bytes; /* its framed bytes (one reference), or NULL */
};

/* The bytes framed for event seq, when this cache holds them; else NULL. */
static inline struct shbuf *framed_find(const struct framed *f, uint64_t seq)
{
    return f->bytes && f->seq == seq ? f->bytes : NULL;
}

/* Keep bytes (the caller's reference passes to the cache) as event seq's,
 * dropping what was kept before. */
static inline void framed_keep(struct framed *f, uint64_t seq, struct shbuf *bytes)
{
    shbuf_drop(f->bytes);
    f->seq = seq;
    f->bytes = bytes;
}

/* Drop what the cache holds (the program is ending). */
static inline void framed_clear(struct framed *f) { framed_keep(f, 0, NULL); }

#endif
