/* bytebuf.h -- a growable byte buffer with a hard cap, for stream bytes a
 * parser has not finished with (a head still arriving, a frame header
 * split across segments, the tail of a body where an event may begin).
 *
 * It remembers the stream offset of its first byte, so whatever a parser
 * finds at buf[i] is at stream offset `offset + i`.
 */
#ifndef VIZ_BYTEBUF_H
#define VIZ_BYTEBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bytebuf {
    char *data;      /* owned; NULL until the first append */
    size_t len;      /* bytes held */
    size_t size;     /* bytes allocated */
    size_t cap;      /* most bytes it may ever hold */
    uint64_t offset; /* stream offset of data[0] */
};

void bytebuf_init(struct bytebuf *b, size_t cap);
void bytebuf_free(struct bytebuf *b);
/* Append; false (nothing appended) when the cap or memory would be exceeded. */
bool bytebuf_append(struct bytebuf *b, const void *p, size_t n);
/* Drop the first n bytes (n <= len); the offset moves on by n. */
void bytebuf_consume(struct bytebuf *b, size_t n);
/* Drop everything and say the next byte appended is at stream offset off. */
void bytebuf_reset(struct bytebuf *b, uint64_t off);

#endif
