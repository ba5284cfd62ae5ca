/* fuzz_utf8.c -- libFuzzer target for the incremental UTF-8 validator.
 *
 * Checks, on arbitrary bytes:
 *   - the verdict agrees with a plain reference decoder (RFC 3629 §4);
 *   - fail fast: fed one byte at a time, the first refused byte k is such
 *     that bytes 0..k-1 are still a valid prefix;
 *   - input split at any point gives the same verdict as one call, and the
 *     error shows in the piece that holds byte k.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "proto/utf8.h"

/* Reference: decode each code point fully, then judge it. */
static bool reference_valid(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t b = p[i];
        size_t n;
        uint32_t cp, min;
        if (b < 0x80) {
            i++;
            continue;
        } else if ((b & 0xE0) == 0xC0) {
            n = 2, cp = b & 0x1F, min = 0x80;
        } else if ((b & 0xF0) == 0xE0) {
            n = 3, cp = b & 0x0F, min = 0x800;
        } else if ((b & 0xF8) == 0xF0) {
            n = 4, cp = b & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (len - i < n)
            return false;
        for (size_t j = 1; j < n; j++) {
            if ((p[i + j] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n;
    }
    return true;
}

/* Fed byte by byte: index of the first refused byte, or len when none. */
static size_t first_refused(const uint8_t *p, size_t len, bool *complete)
{
    struct utf8_state s;
    utf8_init(&s);
    for (size_t i = 0; i < len; i++)
        if (utf8_feed(&s, p + i, 1) < 0) {
            *complete = false;
            return i;
        }
    *complete = utf8_complete(&s);
    return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool whole = utf8_valid(data, size);
    if (whole != reference_valid(data, size))
        abort();

    bool complete;
    size_t k = first_refused(data, size, &complete);
    if (whole != (k == size && complete))
        abort();
    if (k < size) {
        /* Everything before the refused byte must still be a valid prefix:
         * no byte was refused later than it could have been detected. */
        struct utf8_state s;
        utf8_init(&s);
        if (utf8_feed(&s, data, k) != 0)
            abort();
    }

    /* Every split point for short inputs, a spread of them for long ones. */
    size_t step = size <= 256 ? 1 : size / 64;
    for (size_t cut = 0; cut <= size; cut += step) {
        struct utf8_state s;
        utf8_init(&s);
        int r1 = utf8_feed(&s, data, cut);
        int r2 = utf8_feed(&s, data + cut, size - cut);
        if (r1 != (k < cut ? -1 : 0) || r2 != (k < size ? -1 : 0))
            abort();
        if (utf8_complete(&s) != whole)
            abort();
    }
    return 0;
}
