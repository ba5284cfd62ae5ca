/* shbuf.h -- shared bytes: a read-only buffer with a reference count, so
 * that many connections can queue the very same bytes.
 *
 * A broadcast sends one event to every client, and for a given technique
 * the framed event (an SSE block, a WebSocket frame, a chunk) is the same
 * byte for byte on every connection.  Framing it once and copying it into
 * ten thousand output queues would spend ten thousand copies and as many
 * small allocations on bytes that never differ.  So the bytes are built
 * once in a shbuf, and every connection's output queue holds a reference
 * (conn_write_shared): the buffer lives as long as the slowest of them
 * still has part of it to send, and each connection sends from it at its
 * own pace.  The bytes never change once shared, so nobody needs a lock
 * or a copy, and a slow client keeps the buffer alive without holding
 * anybody else back.
 *
 * Ownership: shbuf_new returns one reference, owned by the caller;
 * shbuf_hold adds one, shbuf_drop gives one back and frees the buffer
 * with the last.  Single-threaded, like the loop: the count is a plain
 * integer.
 */
#ifndef NET_SHBUF_H
#define NET_SHBUF_H

#include <stddef.h>

struct shbuf {
    size_t refs; /* references held; freed when it drops to 0 */
    size_t len;  /* bytes at data */
    char data[]; /* the bytes: written by whoever made the buffer, before
                    it is shared, and read-only from then on */
};

/* A buffer of len bytes (to be filled in by the caller), with one
 * reference.  NULL when out of memory. */
struct shbuf *shbuf_new(size_t len);
/* One more reference to b; returns b. */
struct shbuf *shbuf_hold(struct shbuf *b);
/* Give back one reference; the last frees b.  NULL is ignored. */
void shbuf_drop(struct shbuf *b);

#endif
