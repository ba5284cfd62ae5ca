/* fuzz_base64.c -- libFuzzer target for base64 (RFC 4648 §4) and
 * base64url without padding (§5, HTTP/2's HTTP2-Settings field).
 *
 * Checks, on arbitrary bytes, for each of the two:
 *   - decode(encode(x)) == x, with exactly BASE64_LEN(len) (or
 *     BASE64URL_LEN(len)) characters;
 *   - the decoder is canonical: whenever it accepts a text, encoding the
 *     result gives back that very text (so no two texts decode alike);
 *   - a too-small output buffer is refused, never overrun.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/base64.h"

#define MAX_INPUT 4096

/* One variant's encoder and decoder, and its encoded length. */
struct variant {
    size_t (*encode)(const uint8_t *in, size_t len, char *out, size_t cap);
    long (*decode)(const char *in, size_t len, uint8_t *out, size_t cap);
    size_t (*length)(size_t len);
};

static size_t padded_len(size_t len)
{
    return BASE64_LEN(len);
}

static size_t unpadded_len(size_t len)
{
    return BASE64URL_LEN(len);
}

static void check(const struct variant *v, const uint8_t *data, size_t size)
{
    static char text[BASE64_LEN(MAX_INPUT) + 1];
    static uint8_t back[MAX_INPUT];

    size_t n = v->encode(data, size, text, sizeof text);
    if (n != v->length(size) || text[n] != '\0')
        abort();
    if (v->decode(text, n, back, sizeof back) != (long)size || memcmp(back, data, size) != 0)
        abort();
    if (size > 0 && v->decode(text, n, back, size - 1) != -1)
        abort();

    /* The input as text of this variant. */
    long m = v->decode((const char *)data, size, back, sizeof back);
    if (m >= 0) {
        size_t again = v->encode(back, (size_t)m, text, sizeof text);
        if (again != size || memcmp(text, data, size) != 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct variant base64 = {base64_encode, base64_decode, padded_len};
    static const struct variant base64url = {base64url_encode, base64url_decode, unpadded_len};
    if (size > MAX_INPUT)
        return 0;
    check(&base64, data, size);
    check(&base64url, data, size);
    return 0;
}
