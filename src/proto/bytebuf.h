/* bytebuf.h -- a growable byte buffer with a hard cap: bytes that arrived
 * and are not used yet (a head still arriving, a frame header split across
 * reads, a fragmented message, the tail of a body where an event may
 * begin), and bytes queued to go out.
 *
 * Every part of pushlab that keeps bytes keeps them here: a connection's
 * input and output queue (src/net/conn.c), the fragments of a WebSocket
 * message (src/lab/wsconn.c), a client's body bytes (src/client), and
 * pushviz's per-direction stream bytes (viz/dissect).  So one set of rules
 * holds everywhere:
 *  - the cap is hard: an append that would pass it fails and changes
 *    nothing, so a peer that never ends its message cannot take more
 *    memory than its owner allowed;
 *  - it owns no memory until the first byte (ten thousand idle
 *    connections cost nothing), and bytebuf_free gives it back;
 *  - consuming from the front is O(1): the held bytes move to the front
 *    only when the room behind them runs out, so a queue written and
 *    drained piece by piece never copies more than it holds;
 *  - it counts the stream offset of its first byte, so what a parser finds
 *    at data[i] is at stream offset `offset + i` (pushviz reports offsets).
 *
 * Pure: no I/O.  A reader that fills it straight from a socket asks for
 * room (bytebuf_reserve), writes at bytebuf_tail and says how much it
 * wrote (bytebuf_commit); those three are inline, since a reader calls
 * them for every read.  Pointers into the buffer are invalidated by any
 * call that may grow or move it (append, reserve).
 */
#ifndef PROTO_BYTEBUF_H
#define PROTO_BYTEBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bytebuf {
    char *data;      /* the first byte held (inside mem); NULL while mem is */
    size_t len;      /* bytes held: data[0..len) */
    char *mem;       /* the allocation (owned); NULL while it holds no memory */
    size_t size;     /* bytes allocated at mem */
    size_t cap;      /* most bytes it may hold; may be changed between calls */
    uint64_t offset; /* stream offset of data[0] */
};

/* An empty buffer that owns no memory, at stream offset 0. */
void bytebuf_init(struct bytebuf *b, size_t cap);
/* Give the memory back; the buffer holds nothing (cap and the offset of
 * the next byte stay). */
void bytebuf_free(struct bytebuf *b);

/* Append n bytes; false (nothing appended) when the cap would be passed
 * or memory ran out. */
bool bytebuf_append(struct bytebuf *b, const void *p, size_t n);
/* Drop the first n bytes (all of them when n >= len); the offset moves on
 * by the bytes dropped.  The memory stays for the next bytes. */
void bytebuf_consume(struct bytebuf *b, size_t n);
/* Drop everything and say the next byte appended is at stream offset off. */
void bytebuf_reset(struct bytebuf *b, uint64_t off);

/* Writing in place.  bytebuf_room: bytes that may be written at
 * bytebuf_tail now (never past the cap).  bytebuf_reserve: make the room
 * at least n, or all the cap leaves if that is less, by moving the held
 * bytes to the front and then growing (sizes double, from 256); false
 * when memory ran out.  bytebuf_commit: n bytes (<= the room) were
 * written at the tail. */
static inline size_t bytebuf_room(const struct bytebuf *b)
{
    if (!b->mem || b->len >= b->cap)
        return 0;
    size_t behind = b->size - (size_t)(b->data - b->mem) - b->len;
    size_t left = b->cap - b->len;
    return behind < left ? behind : left;
}
bool bytebuf_reserve(struct bytebuf *b, size_t n);
static inline char *bytebuf_tail(const struct bytebuf *b) { return b->data + b->len; }
static inline void bytebuf_commit(struct bytebuf *b, size_t n) { b->len += n; }

/* Parsing in place.  A parser whose buffer is empty can read new bytes
 * where they already lie: bytebuf_lend makes b hold p[0..n) at stream
 * offset off, borrowed (no copy, nothing allocated; b must be empty).
 * Until bytebuf_keep only reading data, len and offset and
 * bytebuf_consume are allowed.  bytebuf_keep, before the lender's bytes
 * go away, copies what was not consumed into b's own memory; false when
 * the cap or memory does not allow it, and then the bytes are still lent:
 * the caller must consume or reset them before returning.  (pushviz
 * reads most segments so: a head or a frame rarely spans two.) */
void bytebuf_lend(struct bytebuf *b, const void *p, size_t n, uint64_t off);
bool bytebuf_keep(struct bytebuf *b);

/* Exchange what a and b hold (memory and bytes); each keeps its cap and
 * offset.  (A connection hands a warm, empty buffer to the next one.) */
void bytebuf_swap(struct bytebuf *a, struct bytebuf *b);

#endif
