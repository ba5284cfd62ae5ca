/* cursor.h -- a bounds-checked reader over packet bytes.
 *
 * Wire bytes are never cast to structs (alignment, byte order, and the
 * length on the wire may lie).  Every read goes through a cursor that
 * compares what is left before touching a byte; a short read sets a sticky
 * `bad` flag and returns 0, so a decoder can read a whole header and check
 * once at the end, like tcpdump's GET_ macros without the longjmp.
 *
 * A header of fixed size is best taken whole (cursor_take) and its fields
 * read out of the taken bytes with be16_at/be32_at: one bounds check for
 * the header instead of one per field, the cost that counts when every
 * frame of a million-packet replay passes here.
 */
#ifndef VIZ_CURSOR_H
#define VIZ_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor {
    const uint8_t *p; /* the bytes (borrowed) */
    size_t len;       /* how many there are */
    size_t pos;       /* next byte to read */
    bool bad;         /* a read went past len */
};

static inline struct cursor cursor_make(const uint8_t *p, size_t len)
{
    struct cursor c = {p, len, 0, false};
    return c;
}

static inline size_t cursor_left(const struct cursor *c) { return c->len - c->pos; }

/* Take n bytes: a pointer to them, or NULL (and bad set) when fewer are left. */
static inline const uint8_t *cursor_take(struct cursor *c, size_t n)
{
    if (c->bad || n > cursor_left(c)) {
        c->bad = true;
        return NULL;
    }
    const uint8_t *p = c->p + c->pos;
    c->pos += n;
    return p;
}

/* The big-endian number at p, in bytes a cursor_take has checked. */
static inline uint16_t be16_at(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static inline uint32_t be32_at(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint8_t cursor_u8(struct cursor *c)
{
    const uint8_t *p = cursor_take(c, 1);
    return p ? p[0] : 0;
}

static inline uint16_t cursor_be16(struct cursor *c)
{
    const uint8_t *p = cursor_take(c, 2);
    return p ? be16_at(p) : 0;
}

static inline uint32_t cursor_be32(struct cursor *c)
{
    const uint8_t *p = cursor_take(c, 4);
    return p ? be32_at(p) : 0;
}

static inline uint32_t cursor_le32(struct cursor *c)
{
    const uint8_t *p = cursor_take(c, 4);
    return p ? (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0] : 0;
}

#endif
