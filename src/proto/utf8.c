/* utf8.c -- incremental UTF-8 validation (RFC 3629 §4), fail fast as
 * WebSocket text needs (RFC 6455 §8.1).
 *
 * A small state machine reads one byte at a time.  Its state says how many
 * continuation bytes the current code point still needs and which range the
 * very next byte must fall in.  That range is the whole trick: it is
 * narrower than 80..BF only right after four lead bytes, and exactly those
 * narrow ranges are what rule out the forbidden forms (RFC 3629 §4 table):
 *
 *   after E0: A0..BF   (80..9F would be an overlong 3-byte form)
 *   after ED: 80..9F   (A0..BF would encode a surrogate D800..DFFF)
 *   after F0: 90..BF   (80..8F would be an overlong 4-byte form)
 *   after F4: 80..8F   (90..BF would be above U+10FFFF)
 *
 * C0, C1 (always overlong) and F5..FF (always above U+10FFFF) are never
 * valid lead bytes.  Because every check happens on the byte that breaks
 * the rule, the first invalid byte is reported as soon as it is fed, even
 * in the middle of a fragment, and the state carries a code point split
 * across fragments.
 *
 * The state packs three fields in one uint32_t so that 0 still means
 * "between code points" (what utf8_complete() tests):
 *   bits 0..7    continuation bytes still needed (0..3)
 *   bits 8..15   lowest allowed value of the next byte
 *   bits 16..23  highest allowed value of the next byte
 * After an error the state sticks at UTF8_REJECT: the input can never
 * become valid again.  Runs of ASCII, the common case, are skipped 8 bytes
 * at a time.
 */
#include "utf8.h"

#include <string.h>

#define UTF8_REJECT 0xFFFFFFFFu

/* The state "need `count` more bytes, the next one in lo..hi". */
static uint32_t utf8_expect(unsigned count, unsigned lo, unsigned hi)
{
    return (uint32_t)count | (uint32_t)lo << 8 | (uint32_t)hi << 16;
}

/* The state after a lead byte, or UTF8_REJECT when b cannot start a code
 * point. */
static uint32_t utf8_lead(uint8_t b)
{
    if (b < 0x80)
        return 0; /* ASCII: a whole code point */
    if (b >= 0xC2 && b <= 0xDF)
        return utf8_expect(1, 0x80, 0xBF);
    if (b == 0xE0)
        return utf8_expect(2, 0xA0, 0xBF);
    if (b == 0xED)
        return utf8_expect(2, 0x80, 0x9F);
    if (b >= 0xE1 && b <= 0xEF)
        return utf8_expect(2, 0x80, 0xBF);
    if (b == 0xF0)
        return utf8_expect(3, 0x90, 0xBF);
    if (b >= 0xF1 && b <= 0xF3)
        return utf8_expect(3, 0x80, 0xBF);
    if (b == 0xF4)
        return utf8_expect(3, 0x80, 0x8F);
    return UTF8_REJECT; /* 80..BF without a lead, C0, C1, F5..FF */
}

/* How many bytes from data[0] are ASCII, counted 8 at a time (a partial
 * last word is left to the byte loop).  memcpy reads a word at any
 * alignment; one AND tests the top bit of all 8 bytes. */
static size_t utf8_ascii_run(const uint8_t *data, size_t len)
{
    size_t i = 0;
    for (; len - i >= 8; i += 8) {
        uint64_t word;
        memcpy(&word, data + i, 8);
        if (word & 0x8080808080808080ull)
            break;
    }
    return i;
}

int utf8_feed(struct utf8_state *s, const uint8_t *data, size_t len)
{
    uint32_t state = s->state;
    for (size_t i = 0; i < len && state != UTF8_REJECT; i++) {
        uint8_t b = data[i];
        if (state == 0 && b < 0x80) {
            /* Text is mostly ASCII: skip a run of it in words.  The loop's
             * i++ steps over the last byte of the run (or over b alone). */
            size_t run = utf8_ascii_run(data + i, len - i);
            if (run > 0)
                i += run - 1;
            continue;
        }
        if (state == 0) {
            state = utf8_lead(b);
            continue;
        }
        unsigned need = state & 0xFF, lo = (state >> 8) & 0xFF, hi = (state >> 16) & 0xFF;
        if (b < lo || b > hi)
            state = UTF8_REJECT;
        else
            state = need == 1 ? 0 : utf8_expect(need - 1, 0x80, 0xBF);
    }
    s->state = state;
    return state == UTF8_REJECT ? -1 : 0;
}

bool utf8_valid(const uint8_t *data, size_t len)
{
    struct utf8_state s;
    utf8_init(&s);
    return utf8_feed(&s, data, len) == 0 && utf8_complete(&s);
}

size_t utf8_cut(const uint8_t *data, size_t len)
{
    for (size_t back = 1; back <= 3 && back <= len; back++) {
        uint8_t b = data[len - back];
        if ((b & 0xC0) == 0x80)
            continue; /* a continuation byte: its lead is further back */
        return utf8_lead_len(b) > back ? len - back : len; /* a lead whose sequence the cut split */
    }
    return len;
}
