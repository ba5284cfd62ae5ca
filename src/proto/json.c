/* json.c -- where a JSON string literal ends (RFC 8259 §7): a quote, any
 * bytes but a quote, a backslash or a control byte, or a backslash and the
 * byte it escapes (a \uXXXX's digits are plain bytes), then a quote. */
#include "proto/json.h"

long json_string_len(const char *p, size_t n)
{
    if (n == 0)
        return PROTO_PARTIAL;
    if (p[0] != '"')
        return PROTO_ERROR;
    for (size_t i = 1; i < n; i++) {
        unsigned char b = (unsigned char)p[i];
        if (b < 0x20)
            return PROTO_ERROR;
        if (b == '\\') {
            i++; /* the escaped byte */
            continue;
        }
        if (b == '"')
            return (long)(i + 1);
    }
    return PROTO_PARTIAL;
}
