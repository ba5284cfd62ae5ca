/* outbuf.h -- a bounded output cursor for the encoders that follow the
 * snprintf contract ("return the length needed; write only what fits").
 *
 * An encoder appends every piece through an outbuf.  Bytes are copied only
 * while they fit in out[0..cap), but `len` always grows, so at the end it
 * holds the length the whole output needs.  Calling an encoder with
 * out = NULL and cap = 0 therefore measures; calling it again with a buffer
 * of that size writes.  Nothing is ever written at or past out + cap.
 */
#ifndef PROTO_OUTBUF_H
#define PROTO_OUTBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct outbuf {
    char *out;  /* the caller's buffer (may be NULL when cap is 0) */
    size_t cap; /* its size in bytes */
    size_t len; /* bytes the output needs so far (may exceed cap) */
};

static inline struct outbuf outbuf_start(char *out, size_t cap)
{
    struct outbuf o = {out, cap, 0};
    return o;
}

/* Append n bytes; copied only when all of them fit after what is there. */
static inline void outbuf_put(struct outbuf *o, const void *bytes, size_t n)
{
    /* compare remaining room, never compute out + len past cap */
    if (n > 0 && o->len <= o->cap && n <= o->cap - o->len)
        memcpy(o->out + o->len, bytes, n);
    o->len += n;
}

static inline void outbuf_byte(struct outbuf *o, char c)
{
    outbuf_put(o, &c, 1);
}

static inline void outbuf_str(struct outbuf *o, const char *s)
{
    outbuf_put(o, s, strlen(s));
}

/* Decimal digits of v, most significant first (no sign, no padding). */
static inline void outbuf_u64(struct outbuf *o, uint64_t v)
{
    char digits[20]; /* 2^64 - 1 has 20 decimal digits */
    size_t n = 0;
    do {
        digits[sizeof digits - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    outbuf_put(o, digits + sizeof digits - n, n);
}

/* Decimal digits of v with a leading '-' when negative. */
static inline void outbuf_i64(struct outbuf *o, int64_t v)
{
    if (v < 0) {
        outbuf_byte(o, '-');
        /* negate in unsigned arithmetic: -INT64_MIN does not fit in int64_t */
        outbuf_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        outbuf_u64(o, (uint64_t)v);
    }
}

#endif
