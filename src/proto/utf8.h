/* utf8.h -- incremental UTF-8 validation (RFC 3629), as WebSocket text
 * messages need: the check runs fragment by fragment, a code point may be
 * split across fragments, and an invalid byte is reported at once (RFC
 * 6455 §8.1 "fail fast"). */
#ifndef PROTO_UTF8_H
#define PROTO_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct utf8_state {
    uint32_t state; /* private: 0 = between code points */
};

static inline void utf8_init(struct utf8_state *s) { s->state = 0; }

/* Check the next bytes.  Returns 0 when they are valid so far, -1 at the
 * first byte that can never be part of valid UTF-8 (overlong forms,
 * surrogates, code points above U+10FFFF, bad continuation bytes). */
int utf8_feed(struct utf8_state *s, const uint8_t *data, size_t len);

/* True when the bytes so far end on a code point boundary. */
static inline bool utf8_complete(const struct utf8_state *s) { return s->state == 0; }

/* Whole-buffer convenience: valid and complete. */
bool utf8_valid(const uint8_t *data, size_t len);

/* The bytes of the UTF-8 sequence that lead byte b starts: 1 (ASCII),
 * 2 to 4, or 0 when b starts none (a continuation byte, C0 and C1 whose
 * two-byte forms would be overlong, F5..FF beyond U+10FFFF). */
static inline size_t utf8_lead_len(uint8_t b)
{
    return b < 0x80 ? 1 : b < 0xC2 ? 0 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : b < 0xF5 ? 4 : 0;
}

/* The first len bytes of a longer text, less the start of a character
 * that the cut at len splits: shown, they end on a whole character
 * instead of a broken one.  (Bytes that are not UTF-8 are left as they
 * are: at most 3 are looked at.) */
size_t utf8_cut(const uint8_t *data, size_t len);

#endif
