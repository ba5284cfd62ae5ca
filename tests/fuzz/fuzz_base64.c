/* fuzz_base64.c -- libFuzzer target for base64 (RFC 4648 §4).
 *
 * Checks, on arbitrary bytes:
 *   - decode(encode(x)) == x, with exactly BASE64_LEN(len) characters;
 *   - the decoder is canonical: whenever it accepts a text, encoding the
 *     result gives back that very text (so no two texts decode alike);
 *   - a too-small output buffer is refused, never overrun.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/base64.h"

#define MAX_INPUT 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT)
        return 0;
    static char text[BASE64_LEN(MAX_INPUT) + 1];
    static uint8_t back[MAX_INPUT];

    size_t n = base64_encode(data, size, text, sizeof text);
    if (n != BASE64_LEN(size) || text[n] != '\0')
        abort();
    if (base64_decode(text, n, back, sizeof back) != (long)size || memcmp(back, data, size) != 0)
        abort();
    if (size > 0 && base64_decode(text, n, back, size - 1) != -1)
        abort();

    /* The input as base64 text. */
    long m = base64_decode((const char *)data, size, back, sizeof back);
    if (m >= 0) {
        size_t again = base64_encode(back, (size_t)m, text, sizeof text);
        if (again != size || memcmp(text, data, size) != 0)
            abort();
    }
    return 0;
}
